//! The OCI driver's error (a leaf module: every other module may use it).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors from the OCI driver.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// A binary could not be found.
    #[error(transparent)]
    Find(#[from] crate::find::FindError),
    /// Spec generation or config.json writing failed.
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    /// An I/O operation on a path failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What we were doing.
        op: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Spawning conmon or the runtime failed.
    #[error("spawning {binary}: {source}")]
    Spawn {
        /// The binary.
        binary: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// conmon failed before reporting on the sync pipe.
    #[error("conmon for container {id} failed ({status}): {stderr}")]
    Conmon {
        /// Container id.
        id: String,
        /// Exit status description.
        status: String,
        /// conmon's stderr.
        stderr: String,
    },
    /// The OCI runtime refused to create the container; `message` is the runtime's own error.
    #[error("{runtime} create of container {id} failed: {message}")]
    CreateFailed {
        /// Container id.
        id: String,
        /// Runtime binary name.
        runtime: String,
        /// The runtime's error message.
        message: String,
    },
    /// The OCI runtime could not start an exec process; `message` is the runtime's own error.
    #[error("{runtime} exec in container {id} failed: {message}")]
    ExecFailed {
        /// Container id.
        id: String,
        /// Runtime binary name.
        runtime: String,
        /// The runtime's error message.
        message: String,
    },
    /// A runtime verb exited non-zero; `stderr` is its message.
    #[error("{runtime} {verb} {id} failed ({status}): {stderr}")]
    Runtime {
        /// Runtime binary name.
        runtime: String,
        /// The verb (start, kill, ...).
        verb: &'static str,
        /// Container id.
        id: String,
        /// Exit status description.
        status: String,
        /// The runtime's stderr.
        stderr: String,
    },
    /// The runtime does not know the container.
    #[error("container {id} does not exist in {runtime}")]
    NotFound {
        /// Container id.
        id: String,
        /// Runtime binary name.
        runtime: String,
    },
    /// Unparseable data from conmon or the runtime.
    #[error("parsing {what} for {id}: {detail}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// Container or session id.
        id: String,
        /// Details.
        detail: String,
    },
    /// Waiting timed out.
    #[error("timed out after {timeout:?} waiting for {what} of {id}")]
    Timeout {
        /// What we waited for.
        what: &'static str,
        /// Container or session id.
        id: String,
        /// How long.
        timeout: Duration,
    },
    /// The driver does not support this operation (e.g. attach on the fake runtime).
    #[error("{op} is not supported for {id} by this runtime driver")]
    Unsupported {
        /// The operation.
        op: &'static str,
        /// Container id.
        id: String,
    },
    /// A system call failed.
    #[error("{op} for {id}: {source}")]
    Sys {
        /// The call.
        op: &'static str,
        /// Container or session id.
        id: String,
        /// errno.
        #[source]
        source: nix::Error,
    },
}

/// Maps an I/O error on `path` to [`OciError::Io`] naming the operation.
pub(crate) fn io_err(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OciError {
    let path = path.to_path_buf();
    move |source| OciError::Io { op, path, source }
}
