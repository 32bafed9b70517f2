//! The driver trait over an OCI runtime, its input/output types and its error.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use oci_spec::runtime::Spec;

use crate::attach::AttachConn;
use crate::exec::{ExecOptions, ExecSession};

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

/// Options for [`OciRuntime::create`] that vary per container.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Container name given to conmon (`-n`); the id when `None`.
    pub name: Option<String>,
    /// k8s-file log path; `BUNDLE/ctr.log` when `None`.
    pub log_path: Option<PathBuf>,
    /// Maximum log size in bytes (`--log-size-max`); conmon truncates beyond it.
    pub log_size_max: Option<u64>,
    /// Keep stdin open through the attach socket (`-i`). A terminal (`-t`) comes from the spec.
    pub stdin: bool,
    /// `--exit-command` binary and its arguments (core passes `lpod container cleanup ID`).
    pub exit_command: Option<(PathBuf, Vec<String>)>,
    /// Extra environment for conmon (and thus the runtime), `KEY=VALUE`.
    pub conmon_env: Vec<(String, String)>,
}

/// What [`OciRuntime::create`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    /// The container's init pid (host pid namespace).
    pub pid: i32,
    /// conmon's pid (the daemonized monitor), when its pidfile could be read.
    pub conmon_pid: Option<i32>,
}

/// Status reported by the runtime's `state` verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuntimeStatus {
    /// Being created.
    Creating,
    /// Created, not started.
    Created,
    /// Running.
    Running,
    /// Frozen.
    Paused,
    /// Process exited.
    Stopped,
}

/// The runtime's view of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeState {
    /// Status.
    pub status: RuntimeStatus,
    /// Init pid (0 when stopped).
    pub pid: i32,
    /// Bundle path.
    pub bundle: PathBuf,
}

/// Exit information left by conmon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// Exit code (128+signal when killed by a signal; -1 when conmon could not tell).
    pub exit_code: i32,
    /// When the exit file was written.
    pub exited_at: SystemTime,
    /// The container was OOM-killed.
    pub oom_killed: bool,
}

/// The verbs lpod needs from an OCI runtime. [`crate::ConmonRuntime`] implements it over
/// conmon + runc/crun; tests of higher layers can implement it with a fake.
pub trait OciRuntime: Send + Sync {
    /// Write `spec` to `BUNDLE/config.json` and create the container under conmon.
    /// Returns once the runtime has created it (the process waits for `start`).
    fn create(
        &self,
        id: &str,
        bundle: &Path,
        spec: &Spec,
        opts: &CreateOptions,
    ) -> Result<Created, OciError>;
    /// Start a created container.
    fn start(&self, id: &str) -> Result<(), OciError>;
    /// Send `signal` to the init process (`all`: to every process in the container).
    fn kill(&self, id: &str, signal: i32, all: bool) -> Result<(), OciError>;
    /// Send `signal`, wait up to `timeout` for the process to go, then SIGKILL; returns once
    /// the init process is gone.
    fn stop(&self, id: &str, signal: i32, timeout: Duration) -> Result<(), OciError>;
    /// Freeze.
    fn pause(&self, id: &str) -> Result<(), OciError>;
    /// Thaw.
    fn resume(&self, id: &str) -> Result<(), OciError>;
    /// Delete the runtime's container (`force` kills a running one first).
    fn delete(&self, id: &str, force: bool) -> Result<(), OciError>;
    /// Query the runtime's state.
    fn state(&self, id: &str) -> Result<RuntimeState, OciError>;
    /// Exit code, time and OOM flag, if conmon has written them.
    fn exit_info(&self, id: &str) -> Result<Option<ExitInfo>, OciError>;
    /// Wait up to `timeout` for conmon to record the exit.
    fn wait_exit(&self, id: &str, timeout: Duration) -> Result<ExitInfo, OciError>;
    /// Remove conmon's per-container files (exit file, persist dir). Call after delete.
    fn cleanup_files(&self, id: &str) -> Result<(), OciError>;
    /// Connect to the container's attach socket (`BUNDLE/attach`).
    fn attach(&self, id: &str, bundle: &Path) -> Result<AttachConn, OciError>;
    /// Resize the container's terminal through `BUNDLE/ctl`.
    fn resize(&self, id: &str, bundle: &Path, height: u16, width: u16) -> Result<(), OciError>;
    /// Run a process in a running container through conmon.
    fn exec(&self, id: &str, opts: &ExecOptions) -> Result<ExecSession, OciError>;
}
