//! Disk usage of a container's writable layer (`lpod ps --size`).

use std::path::Path;

use crate::store::{Result, Store};

/// Bytes of the regular files under `dir` (symlinks not followed; a file that vanishes
/// while walked counts as nothing).
fn tree_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    for e in rd.flatten() {
        let Ok(md) = e.path().symlink_metadata() else {
            continue;
        };
        if md.is_dir() {
            total += tree_bytes(&e.path());
        } else if md.is_file() {
            total += md.len();
        }
    }
    total
}

impl Store {
    /// The bytes container `id` wrote (its own layer; with the vfs driver, its full
    /// copy of the image's tree).
    pub fn container_rw_size(&self, id: &str) -> Result<u64> {
        let _l = self.lock_shared()?;
        let rec = self.require_container(id)?;
        Ok(tree_bytes(&self.layer_files(&rec.layer_id)))
    }
}
