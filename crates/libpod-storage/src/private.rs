//! Private modes for the store (issue 12): a host user must not read a container's
//! files or run a setuid binary straight out of a layer, so every directory that
//! leads to image or container data is 0700 and the files lpod keeps there 0600.
//! Layer contents (`diff/`, a vfs layer tree, `merged/`) keep the image's own modes:
//! the container must see them; their parent directories are what is private.
//!
//! Nothing here needs 0710: everything that walks these paths (lpod, conmon, the OCI
//! runtime, the overlay mount) runs as root, and there is no user namespace whose
//! root would have to traverse them.

use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Group and other permission bits: what "private" clears.
const GROUP_OTHER: u32 = 0o077;

/// Creates `path` and any missing parents with mode 0700 (umask can only clear bits,
/// so the leaf is chmodded if it came out different). An existing directory keeps its
/// mode: loosened old stores are [`tighten`]ed on open, where it is reported.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    DirBuilder::new().recursive(true).mode(0o700).create(path)?;
    let mode = fs::metadata(path)?.permissions().mode() & 0o7777;
    if mode != 0o700 {
        fs::set_permissions(path, Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Clears the group/other bits of `path` (a directory becomes 0700, a 0644 file
/// 0600). Returns whether anything changed; a missing path is not an error. Symlinks
/// are not followed: a link's own mode means nothing.
pub fn tighten(path: &Path) -> io::Result<bool> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        return Ok(false);
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & GROUP_OTHER == 0 {
        return Ok(false);
    }
    fs::set_permissions(path, Permissions::from_mode(mode & !GROUP_OTHER))?;
    Ok(true)
}

/// True when `path` exists, is not a symlink, and has group/other bits: what [`tighten`]
/// would change. Opening a store asks this of its few top-level directories first and
/// walks the per-layer ones only when one of them is loose (a store this lpod created
/// is private from the start, so every command need not stat every layer).
pub fn is_loose(path: &Path) -> bool {
    fs::symlink_metadata(path)
        .is_ok_and(|m| !m.file_type().is_symlink() && m.permissions().mode() & GROUP_OTHER != 0)
}

/// [`tighten`] over `paths`, collecting the ones changed; stops at the first error
/// and names its path.
pub fn tighten_all<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
) -> Result<Vec<PathBuf>, (PathBuf, io::Error)> {
    let mut changed = Vec::new();
    for p in paths {
        match tighten(p) {
            Ok(true) => changed.push(p.to_path_buf()),
            Ok(false) => {}
            Err(e) => return Err((p.to_path_buf(), e)),
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn created_dirs_are_0700_with_their_new_parents() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b/c");
        create_private_dir(&p).unwrap();
        assert_eq!(mode(&p), 0o700);
        assert_eq!(mode(&d.path().join("a")), 0o700);
        assert_eq!(mode(&d.path().join("a/b")), 0o700);
    }

    #[test]
    fn existing_dirs_keep_their_mode_until_tightened() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("old");
        fs::create_dir(&p).unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&p).unwrap();
        assert_eq!(mode(&p), 0o755);
        assert!(tighten(&p).unwrap());
        assert_eq!(mode(&p), 0o700);
        assert!(!tighten(&p).unwrap(), "already private: nothing to report");
        assert!(!is_loose(&p));
        fs::set_permissions(&p, Permissions::from_mode(0o750)).unwrap();
        assert!(is_loose(&p));
        assert!(!is_loose(&d.path().join("missing")));
    }

    #[test]
    fn tighten_files_missing_paths_and_symlinks() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("state.db");
        fs::write(&f, b"x").unwrap();
        fs::set_permissions(&f, Permissions::from_mode(0o644)).unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        let missing = d.path().join("missing");
        let changed = tighten_all([link.as_path(), f.as_path(), missing.as_path()]).unwrap();
        assert_eq!(changed, vec![f.clone()]);
        assert_eq!(mode(&f), 0o600);
    }
}
