//! Disk usage: a container's writable layer (`lpod ps --size`), the image layers'
//! recorded sizes and a directory tree's bytes (`lpod system df`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::store::{Result, Store};

/// Bytes of the regular files under `dir` (symlinks not followed; a file that vanishes
/// while walked counts as nothing).
pub fn tree_bytes(dir: &Path) -> u64 {
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

    /// Every image layer's recorded (uncompressed) size in bytes, by layer id: what
    /// images share when they list the same layer id.
    pub fn layer_sizes(&self) -> Result<BTreeMap<String, u64>> {
        let _l = self.lock_shared()?;
        Ok(self
            .load_layers()?
            .into_iter()
            .filter(|l| !l.container)
            .map(|l| (l.id, l.size))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_bytes_counts_regular_files_in_subdirectories_once() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::fs::write(d.path().join("a"), vec![0u8; 100]).expect("write");
        std::fs::write(d.path().join("sub/b"), vec![0u8; 23]).expect("write");
        std::os::unix::fs::symlink("a", d.path().join("link")).expect("symlink");
        assert_eq!(tree_bytes(d.path()), 123);
        assert_eq!(tree_bytes(&d.path().join("missing")), 0);
    }
}
