//! Why a `cp` failed: a leaf module (no crate imports), so that [`crate::Error`] can
//! wrap it without depending on the copy's code.

use std::io;

use libpod_storage::contained::ContainedError;
use libpod_storage::extract::ExtractError;

/// Why a copy failed (Podman's wording where the bats tests check it).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The path does not exist.
    #[error("{path:?} could not be found on {place}: no such file or directory")]
    NotFound {
        /// The path as given.
        path: String,
        /// `container NAME` or `the host`.
        place: String,
    },
    /// Both ends are on the host, or both are streams.
    #[error(
        "copying from {0} to {0} is not supported: one of SRC or DEST must be a container path"
    )]
    NoContainer(&'static str),
    /// A directory cannot be copied onto an existing non-directory (without `--overwrite`).
    #[error("destination must be a directory when copying a directory")]
    DirOntoFile {
        /// The source.
        src: String,
        /// The destination.
        dst: String,
    },
    /// A tar stream must be extracted into a directory.
    #[error("destination must be a directory when copying from stdin")]
    StreamNeedsDir,
    /// The stream is not a tar archive.
    #[error("source must be a (compressed) tar archive when copying from stdin")]
    NotAnArchive,
    /// The destination is a device, fifo or socket.
    #[error("invalid destination: {0:?} must be a directory or a regular file")]
    InvalidDestination(String),
    /// Resolving or reading a path failed.
    #[error("{place}: {source}")]
    Resolve {
        /// `container NAME` or `the host`.
        place: String,
        /// The error.
        #[source]
        source: ContainedError,
    },
    /// Writing the copy failed (nothing that was in the way was removed).
    #[error("copying into {place}: {source}")]
    Extract {
        /// `container NAME` or `the host`.
        place: String,
        /// The error.
        #[source]
        source: ExtractError,
    },
    /// The path is on a volume with a filesystem of its own that is not mounted now.
    #[error("volume {0} is not mounted, cannot copy into it")]
    VolumeNotMounted(String),
    /// Reading or writing the caller's stream failed.
    #[error("tar stream: {0}")]
    Stream(#[source] io::Error),
}
