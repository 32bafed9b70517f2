//! Read-only mounts of images (`lpod image mount`): the image's layers as the lower
//! directories of an overlay without an upper one, at `run_root/image-mounts/<id>`,
//! counted per boot in `run_root/image-mounts.json` like container mounts.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use crate::driver::{self, DriverKind};
use crate::image::Image;
use crate::store::{io_at, load_json, resolve_image, save_json, Result, Store};

impl Store {
    fn image_mounts_path(&self) -> PathBuf {
        self.run_root().join("image-mounts.json")
    }

    fn image_mount_dir(&self, id: &str) -> PathBuf {
        self.run_root().join("image-mounts").join(id)
    }

    fn load_image_mounts(&self) -> Result<BTreeMap<String, u32>> {
        load_json(&self.image_mounts_path())
    }

    /// Mounts image `name_or_id` read-only (counted: every mount needs an unmount) and
    /// returns where its root filesystem appears.
    #[tracing::instrument(skip(self))]
    pub fn mount_image(&self, name_or_id: &str) -> Result<PathBuf> {
        let _l = self.lock()?;
        let images = self.load_images()?;
        let rec = &images[resolve_image(&images, name_or_id)?];
        let id = rec.id.clone();
        let mut counts = self.load_image_mounts()?;
        let target = self.image_mount_dir(&id);
        let count = counts.get(&id).copied().unwrap_or(0);
        let live = driver::is_mountpoint(&target);
        let count = if count > 0 && live {
            count + 1
        } else {
            if !live {
                fs::create_dir_all(&target).map_err(io_at(&target))?;
                let layers = self.load_layers()?;
                let img = self.image_from_record(rec, &layers)?;
                match self.driver() {
                    DriverKind::Overlay => {
                        let mut lowers = self.overlay_lowers(&layers, img.top_layer());
                        if lowers.len() == 1 {
                            // Older kernels want two lower directories without an upper.
                            let empty = self.layers_root().join("empty");
                            fs::create_dir_all(&empty).map_err(io_at(&empty))?;
                            lowers.push(empty);
                        }
                        driver::mount_overlay_ro(&lowers, &target)?;
                    }
                    DriverKind::Vfs => {
                        let top = match img.top_layer() {
                            Some(l) => self.layer_files(l),
                            None => self.layers_root().join("empty"),
                        };
                        fs::create_dir_all(&top).map_err(io_at(&top))?;
                        driver::bind_mount_ro(&top, &target)?;
                    }
                }
            }
            1
        };
        counts.insert(id, count);
        save_json(&self.image_mounts_path(), &counts)?;
        Ok(target)
    }

    /// Drops one mount reference of image `name_or_id` (all with `force`); it is
    /// unmounted when none is left. Returns the image id and the references left, or
    /// `None` when it was not mounted.
    #[tracing::instrument(skip(self))]
    pub fn unmount_image(&self, name_or_id: &str, force: bool) -> Result<Option<(String, u32)>> {
        let _l = self.lock()?;
        let images = self.load_images()?;
        let id = images[resolve_image(&images, name_or_id)?].id.clone();
        let mut counts = self.load_image_mounts()?;
        let target = self.image_mount_dir(&id);
        let count = counts.get(&id).copied().unwrap_or(0);
        if count == 0 && !driver::is_mountpoint(&target) {
            return Ok(None);
        }
        let left = if force { 0 } else { count.saturating_sub(1) };
        if left == 0 {
            release_mount_dir(&target)?;
            counts.remove(&id);
        } else {
            counts.insert(id.clone(), left);
        }
        save_json(&self.image_mounts_path(), &counts)?;
        Ok(Some((id, left)))
    }

    /// Mounts a writable overlay at `target`: `lower` (e.g. an image mount) under
    /// `upper` (with `work`, on the same file system as `upper`).
    pub fn mount_overlay_on(
        &self,
        lower: &std::path::Path,
        upper: &std::path::Path,
        work: &std::path::Path,
        target: &std::path::Path,
    ) -> Result<()> {
        Ok(driver::mount_overlay(
            &[lower.to_path_buf()],
            upper,
            work,
            target,
        )?)
    }

    /// Unmounts a mount this store made outside its layout (see
    /// [`Store::mount_overlay_on`]); a busy one is detached lazily.
    pub fn unmount_path(&self, target: &std::path::Path) -> Result<()> {
        Ok(driver::unmount_path(target)?)
    }

    /// Unmounts image `id` whatever its count (the store lock is held by the caller).
    pub(crate) fn drop_image_mount_locked(&self, id: &str) -> Result<()> {
        release_mount_dir(&self.image_mount_dir(id))?;
        let mut counts = self.load_image_mounts()?;
        if counts.remove(id).is_some() {
            save_json(&self.image_mounts_path(), &counts)?;
        }
        Ok(())
    }

    /// The mounted images with their mount points.
    pub fn mounted_images(&self) -> Result<Vec<(Image, PathBuf)>> {
        let _l = self.lock_shared()?;
        let counts = self.load_image_mounts()?;
        let images = self.load_images()?;
        let layers = self.load_layers()?;
        let mut out = Vec::new();
        for rec in &images {
            let target = self.image_mount_dir(&rec.id);
            if counts.get(&rec.id).copied().unwrap_or(0) > 0 && driver::is_mountpoint(&target) {
                out.push((self.image_from_record(rec, &layers)?, target));
            }
        }
        Ok(out)
    }
}

/// Unmounts an image's mount directory (if mounted) and removes it (if there).
fn release_mount_dir(target: &std::path::Path) -> Result<()> {
    if driver::is_mountpoint(target) {
        driver::unmount_path(target)?;
    }
    match fs::remove_dir(target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_at(target)(e)),
    }
}
