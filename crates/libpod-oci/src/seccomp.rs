//! Seccomp confinement of a container's processes.
//!
//! Interface stub: [`SeccompPolicy`] is what callers choose, [`SeccompProfile`] a profile in
//! the Docker/Podman JSON format loaded from a file. Turning a policy into the spec's
//! `linux.seccomp` is done in [`crate::SpecInput::to_spec`].

use std::path::{Path, PathBuf};

/// Errors loading a seccomp profile.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    /// The profile file could not be read.
    #[error("reading seccomp profile {path}: {source}")]
    Read {
        /// The profile's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The profile is not a valid Docker/Podman seccomp profile.
    #[error("seccomp profile {path} is malformed: {reason}")]
    Malformed {
        /// The profile's path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Which seccomp filter a container gets.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SeccompPolicy {
    /// lpod's built-in default profile (Docker's/Podman's default rules).
    #[default]
    Default,
    /// No seccomp filter at all (`--security-opt seccomp=unconfined`, `--privileged`).
    Unconfined,
    /// A profile loaded from a file (`--security-opt seccomp=PATH`).
    Profile(Box<SeccompProfile>),
}

/// A seccomp profile in the Docker/Podman JSON format.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeccompProfile {
    /// Where the profile was loaded from.
    pub path: PathBuf,
    /// The profile's JSON text.
    pub json: String,
}

impl SeccompProfile {
    /// Loads and validates a profile file.
    pub fn load(path: &Path) -> Result<Self, SeccompError> {
        let json = std::fs::read_to_string(path).map_err(|source| SeccompError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str::<serde_json::Value>(&json).map_err(|e| SeccompError::Malformed {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(SeccompProfile {
            path: path.to_path_buf(),
            json,
        })
    }
}
