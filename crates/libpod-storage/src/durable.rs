//! fsync discipline of the store: what a power loss may and may not undo.
//!
//! The store commits by renaming: a metadata file (`layers.json`, `images.json`,
//! `containers.json`, an image config) replaces the old one atomically, a staged layer
//! directory moves into `overlay/` or `vfs/dir/`, a blob into `blobs/`. A rename is
//! atomic against a crash of the process but not against a power loss: without fsyncs
//! the kernel may write the new name to disk before the data it names (an empty
//! `layers.json`, a layer with empty files) or lose the rename itself after the caller
//! moved on. So, everywhere in the store:
//!
//! 1. what a rename commits is on disk first: [`sync`] for a file, [`sync_tree`]
//!    for a staged layer (every file and directory in it);
//! 2. the rename itself is made durable by fsyncing the directory it happened in
//!    ([`sync`] on it) before anything that depends on it is written: layer content is on
//!    disk before `layers.json` names it, `layers.json` before `images.json` or
//!    `containers.json` reference its layers.
//!
//! Cost: one fsync per file written (the kernel writes the data once either way; the
//! fsync waits for it) and one per directory touched; `cargo xtask bench storage`
//! measures it.

use std::fs::File;
use std::io;
use std::path::Path;

/// Flushes `path` to disk: a file's data and metadata, or a directory's entries
/// (the names created, renamed or removed in it).
pub(crate) fn sync(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Flushes every regular file and directory under `root` (and `root` itself), children
/// before their directory. Symlinks, devices, fifos and sockets are not opened: their
/// entries are part of their directory, which is synced.
pub(crate) fn sync_tree(root: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let meta = std::fs::symlink_metadata(root)?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            let ft = entry.file_type()?;
            if ft.is_dir() {
                sync_tree(&entry.path())?;
            } else if ft.is_file() {
                std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(entry.path())?
                    .sync_all()?;
            }
        }
        sync(root)
    } else if meta.is_file() {
        sync(root)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_tree_walks_files_dirs_and_skips_links() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("layer");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/f"), b"data").unwrap();
        std::fs::write(root.join("g"), b"").unwrap();
        std::os::unix::fs::symlink("/nonexistent", root.join("dangling")).unwrap();
        sync_tree(&root).unwrap();
        sync_tree(&root.join("g")).unwrap();
        sync(d.path()).unwrap();
        assert!(sync_tree(&d.path().join("missing")).is_err());
    }
}
