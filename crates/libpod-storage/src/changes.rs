//! `diff`: what a container (or an image's top layer) changed against the layers below
//! (`podman diff`): A (added), C (changed) and D (deleted) paths, read from the overlay
//! upper directory (whiteouts are deletions; an entry also present below is a change).

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::driver::DriverKind;
use crate::store::{io_at, resolve_image, Result, Store, StoreError};

/// What happened to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum ChangeKind {
    /// Changed (`C`): present below, different or with changed children above.
    Changed,
    /// Added (`A`).
    Added,
    /// Deleted (`D`).
    Deleted,
}

impl ChangeKind {
    /// Podman's letter.
    pub fn letter(self) -> char {
        match self {
            ChangeKind::Changed => 'C',
            ChangeKind::Added => 'A',
            ChangeKind::Deleted => 'D',
        }
    }
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Change {
    /// The absolute path inside the container.
    pub path: String,
    /// What happened to it.
    pub kind: ChangeKind,
}

fn is_whiteout(md: &fs::Metadata) -> bool {
    md.file_type().is_char_device() && md.rdev() == 0
}

/// Whether `rel` exists in the stack `lowers` (top first), honouring whiteouts.
fn in_lowers(lowers: &[PathBuf], rel: &Path) -> bool {
    for l in lowers {
        if let Ok(md) = fs::symlink_metadata(l.join(rel)) {
            return !is_whiteout(&md);
        }
    }
    false
}

fn walk(upper: &Path, rel: &Path, lowers: &[PathBuf], out: &mut Vec<Change>) -> io::Result<()> {
    for e in fs::read_dir(upper.join(rel))? {
        let e = e?;
        let r = rel.join(e.file_name());
        // Never followed: `symlink_metadata`, and only real directories are entered.
        let md = fs::symlink_metadata(e.path())?;
        let path = Path::new("/").join(&r).display().to_string();
        if is_whiteout(&md) {
            out.push(Change {
                path,
                kind: ChangeKind::Deleted,
            });
            continue;
        }
        let kind = if in_lowers(lowers, &r) {
            ChangeKind::Changed
        } else {
            ChangeKind::Added
        };
        out.push(Change { path, kind });
        if md.is_dir() {
            walk(upper, &r, lowers, out)?;
        }
    }
    Ok(())
}

impl Store {
    fn changes_of(&self, upper_layer: &str, lower_layers: &[String]) -> Result<Vec<Change>> {
        if self.driver() != DriverKind::Overlay {
            return Err(StoreError::Unsupported(
                "diff needs the overlay driver (vfs keeps no per-container diff)".into(),
            ));
        }
        let upper = self.layer_files(upper_layer);
        let lowers: Vec<PathBuf> = lower_layers
            .iter()
            .rev()
            .map(|l| self.layer_files(l))
            .collect();
        let mut out = Vec::new();
        walk(&upper, Path::new(""), &lowers, &mut out).map_err(io_at(&upper))?;
        out.sort();
        Ok(out)
    }

    /// What container `id` changed against its image (`podman diff CONTAINER`).
    #[tracing::instrument(skip(self))]
    pub fn container_changes(&self, id: &str) -> Result<Vec<Change>> {
        let (layer, lowers) = {
            let _l = self.lock_shared()?;
            let rec = self
                .load_containers()?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| StoreError::ContainerNotFound(id.to_string()))?;
            let lowers = match &rec.image_id {
                Some(iid) => {
                    let images = self.load_images()?;
                    images[resolve_image(&images, iid)?].layers.clone()
                }
                None => Vec::new(),
            };
            (rec.layer_id, lowers)
        };
        self.changes_of(&layer, &lowers)
    }

    /// What image `name_or_id`'s top layer changed against the layers below
    /// (`podman diff IMAGE`).
    #[tracing::instrument(skip(self))]
    pub fn image_changes(&self, name_or_id: &str) -> Result<Vec<Change>> {
        let layers = {
            let _l = self.lock_shared()?;
            let images = self.load_images()?;
            images[resolve_image(&images, name_or_id)?].layers.clone()
        };
        match layers.split_last() {
            Some((top, below)) => self.changes_of(top, below),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_against_lowers() {
        let t = tempfile::tempdir().unwrap();
        let (up, lo) = (t.path().join("up"), t.path().join("lo"));
        fs::create_dir_all(lo.join("etc")).unwrap();
        fs::write(lo.join("etc/passwd"), "x").unwrap();
        fs::write(lo.join("gone"), "x").unwrap();
        fs::create_dir_all(up.join("etc")).unwrap();
        fs::write(up.join("etc/passwd"), "y").unwrap();
        fs::write(up.join("etc/new"), "n").unwrap();
        // A whiteout needs mknod (root); without it the deletion is not checked.
        let wh = rustix::fs::mknodat(
            rustix::fs::CWD,
            up.join("gone"),
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::empty(),
            0,
        )
        .is_ok();
        let mut out = Vec::new();
        walk(&up, Path::new(""), &[lo], &mut out).unwrap();
        out.sort();
        let got: Vec<String> = out
            .iter()
            .map(|c| format!("{} {}", c.kind.letter(), c.path))
            .collect();
        let mut want = vec!["C /etc", "A /etc/new", "C /etc/passwd"];
        if wh {
            want.push("D /gone");
        }
        assert_eq!(got, want);
    }
}
