//! Files and directories of the run root: private modes, the runtime's JSON log.

use std::path::Path;

use crate::error::{io_err, OciError};

/// Creates `path` (and missing parents) 0700: bundles, exit files, persist and
/// exec dirs hold the container's spec (with its environment), pid files and
/// conmon's sockets, none of them for other users (issue 12). An existing
/// directory keeps its mode (the runtime tightens its run root on open).
pub(crate) fn mkdir(path: &Path) -> Result<(), OciError> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    if path.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(io_err("creating directory", path))?;
    // umask can only clear bits; put back any owner bit it took.
    let mode = std::fs::metadata(path)
        .map_err(io_err("reading directory mode", path))?
        .permissions()
        .mode();
    if mode & 0o7777 != 0o700 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .map_err(io_err("setting directory mode", path))?;
    }
    Ok(())
}

/// Creates `path` empty and 0600 if it does not exist (an existing file is kept):
/// conmon then appends to it without choosing its mode.
pub(crate) fn create_private_file(path: &Path) -> Result<(), OciError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(io_err("creating file", path))
}

/// The error lines of a runtime's JSON log (`--log-format=json`), joined.
pub(crate) fn read_oci_log_errors(path: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(path) else {
        return String::new();
    };
    let mut msgs = Vec::new();
    for line in text.lines() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) => {
                let level = v["level"].as_str().unwrap_or("");
                if level == "error" || level == "fatal" {
                    if let Some(m) = v["msg"].as_str() {
                        msgs.push(m.to_string());
                    }
                }
            }
            Err(_) if !line.trim().is_empty() => msgs.push(line.trim().to_string()),
            Err(_) => {}
        }
    }
    msgs.join("; ")
}
