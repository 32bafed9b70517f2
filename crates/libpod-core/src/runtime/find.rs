//! Finding binaries: the OCI runtime a name or path stands for. A leaf module (the
//! per-container runtime lookup in `crate::context` uses it).

use std::path::{Path, PathBuf};

use libpod_oci::RuntimeKind;

use crate::{Error, Result};

/// Resolves the OCI runtime `name` (a key of the configured runtimes, or a path)
/// to its kind and binary.
pub(crate) fn find_runtime_named(
    config: &libpod_config::RuntimeConfig,
    name: &str,
) -> Result<(RuntimeKind, PathBuf)> {
    let name = name.to_string();
    let kind = RuntimeKind::from_path(Path::new(&name));
    // The configured candidates only: an explicit path must not silently fall
    // back to another binary.
    let mut candidates = config.runtime_paths(&name).to_vec();
    if candidates.is_empty() && name.contains('/') {
        candidates.push(PathBuf::from(&name));
    }
    candidates
        .into_iter()
        .find(|p| is_executable(p))
        .map(|p| (kind, p))
        .ok_or(Error::MissingBinary {
            binary: name,
            package: kind.package(),
        })
}

/// A regular file with an execute bit.
pub(crate) fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
