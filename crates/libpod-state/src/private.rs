//! Private modes (issue 12): the database holds every container's environment and
//! the lock directory is the runtime's, so directories made here are 0700 and files
//! 0600. Each workspace crate keeps its own copy of this small helper (the crates
//! depend on no common one).

use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Creates `path` and missing parents 0700 (chmodded if umask cleared owner bits);
/// an existing directory is left as it is.
pub(crate) fn create_private_dir(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    DirBuilder::new().recursive(true).mode(0o700).create(path)?;
    if fs::metadata(path)?.permissions().mode() & 0o7777 != 0o700 {
        fs::set_permissions(path, Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Clears the group/other bits of each existing path (not following symlinks);
/// returns the paths changed, or the first error with its path.
pub(crate) fn tighten_all<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
) -> Result<Vec<PathBuf>, (PathBuf, io::Error)> {
    let mut changed = Vec::new();
    for p in paths {
        let meta = match fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err((p.to_path_buf(), e)),
        };
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() || mode & 0o077 == 0 {
            continue;
        }
        fs::set_permissions(p, Permissions::from_mode(mode & !0o077))
            .map_err(|e| (p.to_path_buf(), e))?;
        changed.push(p.to_path_buf());
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_0700_and_tightens_loose_paths_once() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("a/b");
        create_private_dir(&dir).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&dir), 0o700);
        let f = dir.join("f");
        fs::write(&f, b"").unwrap();
        fs::set_permissions(&f, Permissions::from_mode(0o644)).unwrap();
        let missing = dir.join("missing");
        let paths = [f.as_path(), missing.as_path(), dir.as_path()];
        assert_eq!(tighten_all(paths).unwrap(), vec![f.clone()]);
        assert_eq!(mode(&f), 0o600);
        assert!(tighten_all(paths).unwrap().is_empty());
    }
}
