//! Consistency audit and repair of a store, and the crash recovery `Store::open` runs.
//!
//! Writers keep one order so that every crash leaves a state the next open can roll
//! back without judgement: layer directories and blobs first, `layers.json` next,
//! `images.json` / `containers.json` last (the commit point); removal runs in the
//! reverse order. So a killed writer leaves at most staging garbage, layer directories
//! no record knows, or recorded layers nothing references; [`Store::open`] removes
//! those. What needs judgement (records pointing at missing files, mount counts) is
//! reported by [`Store::check`] and fixed by [`Store::repair`].

use crate::digest::{digest_hex, is_hex64};
use crate::dirs::dir_names;
use crate::driver::{self, DriverKind};
use crate::store::{io_at, LayerRecord, Result, Store};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// The lock file a live staging directory under `tmp/` holds an flock on.
pub(crate) const STAGING_LOCK: &str = ".lock";

/// One inconsistency found by [`Store::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageProblem {
    /// Leftover of an interrupted write: `tmp/*` no live import holds, a layers-root
    /// `.staging-*` dir, a `.tmp-*` file, a `*.partial` blob, an overlay probe dir.
    TmpGarbage {
        /// The leftover.
        path: PathBuf,
    },
    /// A layer directory no `layers.json` record knows.
    OrphanLayerDir {
        /// The directory.
        path: PathBuf,
    },
    /// A `layers.json` record whose directory is gone.
    MissingLayerDir {
        /// Layer id.
        layer: String,
        /// The missing directory.
        path: PathBuf,
    },
    /// A recorded layer that no image, container or child layer uses.
    UnreferencedLayer {
        /// Layer id.
        layer: String,
    },
    /// An image whose layer is not recorded or has no directory.
    ImageMissingLayer {
        /// Image id.
        image: String,
        /// Layer id.
        layer: String,
    },
    /// An image whose config file is missing.
    ImageMissingConfig {
        /// Image id.
        image: String,
        /// The missing config file.
        path: PathBuf,
    },
    /// An `images/<id>/` directory with no `images.json` entry.
    OrphanImageConfig {
        /// The directory.
        path: PathBuf,
    },
    /// A container whose read-write layer is not recorded or has no directory.
    ContainerMissingLayer {
        /// Container id.
        container: String,
        /// Layer id.
        layer: String,
    },
    /// A mount count for an unknown container, or (overlay) a count while the root is
    /// not mounted.
    StaleMountCount {
        /// Container id.
        container: String,
        /// The recorded count.
        count: u32,
    },
    /// An overlay container root that is mounted while no count records it.
    UncountedMount {
        /// Container id.
        container: String,
        /// The mount point.
        path: PathBuf,
    },
    /// An overlay short link that is dangling, or a layer's recorded link that is missing.
    BrokenShortLink {
        /// The link path.
        path: PathBuf,
    },
    /// A blob no layer record references.
    OrphanBlob {
        /// The blob file.
        path: PathBuf,
    },
}

impl fmt::Display for StorageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageProblem::TmpGarbage { path } => {
                write!(f, "leftover of an interrupted write: {}", path.display())
            }
            StorageProblem::OrphanLayerDir { path } => {
                write!(f, "layer directory not in layers.json: {}", path.display())
            }
            StorageProblem::MissingLayerDir { layer, path } => {
                write!(f, "layer {layer}: directory {} missing", path.display())
            }
            StorageProblem::UnreferencedLayer { layer } => {
                write!(f, "layer {layer} is used by no image or container")
            }
            StorageProblem::ImageMissingLayer { image, layer } => {
                write!(f, "image {image}: layer {layer} missing")
            }
            StorageProblem::ImageMissingConfig { image, path } => {
                write!(f, "image {image}: config {} missing", path.display())
            }
            StorageProblem::OrphanImageConfig { path } => {
                write!(f, "image config dir not in images.json: {}", path.display())
            }
            StorageProblem::ContainerMissingLayer { container, layer } => {
                write!(f, "container {container}: layer {layer} missing")
            }
            StorageProblem::StaleMountCount { container, count } => {
                write!(
                    f,
                    "container {container}: mount count {count} but not mounted"
                )
            }
            StorageProblem::UncountedMount { container, path } => {
                write!(
                    f,
                    "container {container}: {} mounted but not counted",
                    path.display()
                )
            }
            StorageProblem::BrokenShortLink { path } => {
                write!(f, "broken overlay short link {}", path.display())
            }
            StorageProblem::OrphanBlob { path } => {
                write!(f, "blob used by no layer: {}", path.display())
            }
        }
    }
}

/// What [`Store::check`] found (or [`Store::repair`] fixed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageReport {
    /// Every problem, in the order found.
    pub problems: Vec<StorageProblem>,
}

impl StorageReport {
    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// True when there are no problems (same as [`StorageReport::is_clean`]).
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for StorageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}

fn remove_any(p: &Path) -> Result<()> {
    let res = match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            for m in driver::mounts_under(p) {
                driver::unmount_path(&m)?;
            }
            fs::remove_dir_all(p)
        }
        Ok(_) => fs::remove_file(p),
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_at(p)(e)),
    }
}

/// True when a `tmp/` entry is a staging dir a live process holds.
fn staging_in_use(path: &Path) -> bool {
    let Ok(f) = File::open(path.join(STAGING_LOCK)) else {
        return false;
    };
    matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock))
}

impl Store {
    /// Leftovers of interrupted writes (no judgement needed to delete them).
    fn tmp_garbage(&self) -> Vec<PathBuf> {
        let mut out = self.quick_garbage();
        for (n, p) in dir_names(&self.layers_root()) {
            if n.starts_with(".staging-") {
                out.push(p);
            }
        }
        for (n, p) in dir_names(&self.containers_dir()) {
            if n.starts_with(".tmp-") {
                out.push(p);
            }
        }
        for (n, p) in dir_names(&self.graph_root.join("blobs/sha256")) {
            if n.ends_with(".partial") || n.starts_with(".tmp-") {
                out.push(p);
            }
        }
        for (_, d) in dir_names(&self.graph_root.join("images")) {
            for (n, p) in dir_names(&d) {
                if n.starts_with(".tmp-") {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The leftovers found without reading a directory that grows with the number of
    /// containers: staging of imports (made and filled outside the store lock, so a
    /// killed import leaves no `dirty` marker), and temporary files of the top level.
    fn quick_garbage(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for (_, p) in dir_names(&self.tmp_dir()) {
            if !staging_in_use(&p) {
                out.push(p);
            }
        }
        for (n, p) in dir_names(&self.graph_root) {
            if n.starts_with(".tmp-") || n.starts_with("overlay-probe-") {
                out.push(p);
            }
        }
        for (n, p) in dir_names(&self.run_root) {
            if n.starts_with(".tmp-") {
                out.push(p);
            }
        }
        out
    }

    /// Removes what [`Store::quick_garbage`] finds (every open does, with the lock).
    pub(crate) fn remove_quick_garbage_locked(&self) -> Result<()> {
        for p in self.quick_garbage() {
            tracing::info!(path = %p.display(), "removing leftover of an interrupted write");
            remove_any(&p)?;
        }
        Ok(())
    }

    /// Rolls back what a killed writer left behind. Called with the store lock held.
    pub(crate) fn recover_locked(&self) -> Result<()> {
        self.init_metadata_locked()?;
        let garbage = self.tmp_garbage();
        for p in &garbage {
            tracing::info!(path = %p.display(), "removing leftover of an interrupted write");
            remove_any(p)?;
        }
        // A metadata file that is missing while layers.json has records of its kind is
        // damage, not a crash (files are replaced atomically, never removed): deleting
        // "unreferenced" layers then would wipe the store. Leave it to check/repair.
        let layers = self.load_layers()?;
        if layers.iter().any(|l| !l.container) && !self.graph_root.join("images.json").exists() {
            tracing::warn!(
                file = "images.json",
                "metadata file missing; not collecting layers"
            );
            return Ok(());
        }
        if !self.containers_dir().is_dir() {
            tracing::warn!(
                dir = %self.containers_dir().display(),
                "container records missing; not collecting layers"
            );
            return Ok(());
        }
        let images = self.load_images()?;
        let known: HashSet<&str> = images.iter().map(|i| i.id.as_str()).collect();
        for (n, p) in dir_names(&self.graph_root.join("images")) {
            if is_hex64(&n) && !known.contains(n.as_str()) {
                tracing::info!(path = %p.display(), "removing config of an image never committed");
                remove_any(&p)?;
            }
        }
        let removed = self.gc_locked()?;
        if !removed.is_empty() {
            tracing::info!(?removed, "removed layers left by an interrupted write");
        }
        Ok(())
    }

    /// Audits the store without changing it (shared lock): staging garbage, layer
    /// directories vs `layers.json`, images and containers vs their layers, mount
    /// counts vs mounts, overlay short links, blobs.
    #[tracing::instrument(skip(self), fields(graph_root = %self.graph_root.display()))]
    pub fn check(&self) -> Result<StorageReport> {
        let _l = self.lock_shared()?;
        self.check_locked()
    }

    fn check_locked(&self) -> Result<StorageReport> {
        let mut problems: Vec<StorageProblem> = self
            .tmp_garbage()
            .into_iter()
            .map(|path| StorageProblem::TmpGarbage { path })
            .collect();
        let containers = self.load_containers()?;
        let layers = self.load_all_layers(&containers)?;
        let images = self.load_images()?;
        let mounts = self.load_mounts()?;
        let by_id: HashMap<&str, &LayerRecord> =
            layers.iter().map(|l| (l.id.as_str(), l)).collect();

        // Layer dirs vs records.
        for (n, path) in dir_names(&self.layers_root()) {
            if is_hex64(&n) && !by_id.contains_key(n.as_str()) {
                problems.push(StorageProblem::OrphanLayerDir { path });
            }
        }
        let mut missing: HashSet<&str> = HashSet::new();
        for l in &layers {
            let path = self.layer_dir(&l.id);
            if !path.is_dir() {
                missing.insert(&l.id);
                problems.push(StorageProblem::MissingLayerDir {
                    layer: l.id.clone(),
                    path,
                });
            }
        }
        // Images.
        for img in &images {
            for lid in &img.layers {
                if !by_id.contains_key(lid.as_str()) || missing.contains(lid.as_str()) {
                    problems.push(StorageProblem::ImageMissingLayer {
                        image: img.id.clone(),
                        layer: lid.clone(),
                    });
                }
            }
            let cfg = if img.manifest_list {
                self.manifest_path(&img.id)
            } else {
                self.config_path(&img.id)
            };
            if !cfg.is_file() {
                problems.push(StorageProblem::ImageMissingConfig {
                    image: img.id.clone(),
                    path: cfg,
                });
            }
        }
        let known_images: HashSet<&str> = images.iter().map(|i| i.id.as_str()).collect();
        for (n, path) in dir_names(&self.graph_root.join("images")) {
            if is_hex64(&n) && !known_images.contains(n.as_str()) {
                problems.push(StorageProblem::OrphanImageConfig { path });
            }
        }
        // Containers and mounts.
        for c in &containers {
            if !by_id.contains_key(c.layer_id.as_str()) || missing.contains(c.layer_id.as_str()) {
                problems.push(StorageProblem::ContainerMissingLayer {
                    container: c.id.clone(),
                    layer: c.layer_id.clone(),
                });
            }
        }
        let mount_points: HashSet<PathBuf> = driver::mount_points().into_iter().collect();
        let by_cid: HashMap<&str, &crate::store::ContainerRecord> =
            containers.iter().map(|c| (c.id.as_str(), c)).collect();
        for (cid, &count) in &mounts {
            let rec = by_cid.get(cid.as_str());
            let stale = match rec {
                None => true,
                Some(c) => {
                    self.driver == DriverKind::Overlay
                        && count > 0
                        && !mount_points.contains(&self.layer_dir(&c.layer_id).join("merged"))
                }
            };
            if stale {
                problems.push(StorageProblem::StaleMountCount {
                    container: cid.clone(),
                    count,
                });
            }
        }
        if self.driver == DriverKind::Overlay {
            for c in &containers {
                let merged = self.layer_dir(&c.layer_id).join("merged");
                if mounts.get(&c.id).copied().unwrap_or(0) == 0 && mount_points.contains(&merged) {
                    problems.push(StorageProblem::UncountedMount {
                        container: c.id.clone(),
                        path: merged,
                    });
                }
            }
        }
        // Unreferenced layers (parents of used layers are used).
        let mut used: HashSet<&str> = HashSet::new();
        used.extend(
            images
                .iter()
                .flat_map(|i| i.layers.iter().map(String::as_str)),
        );
        used.extend(containers.iter().map(|c| c.layer_id.as_str()));
        let mut stack: Vec<&str> = used.iter().copied().collect();
        while let Some(id) = stack.pop() {
            if let Some(Some(p)) = by_id.get(id).map(|l| l.parent.as_deref()) {
                if used.insert(p) {
                    stack.push(p);
                }
            }
        }
        for l in &layers {
            if !used.contains(l.id.as_str()) {
                problems.push(StorageProblem::UnreferencedLayer {
                    layer: l.id.clone(),
                });
            }
        }
        // Overlay short links.
        if self.driver == DriverKind::Overlay {
            let ldir = self.layers_root().join("l");
            for (_, path) in dir_names(&ldir) {
                if fs::metadata(&path).is_err() {
                    problems.push(StorageProblem::BrokenShortLink { path });
                }
            }
            for l in &layers {
                if let Some(link) = &l.link {
                    let path = ldir.join(link);
                    if !missing.contains(l.id.as_str()) && fs::symlink_metadata(&path).is_err() {
                        problems.push(StorageProblem::BrokenShortLink { path });
                    }
                }
            }
        }
        // Blobs.
        let blobs: HashSet<&str> = layers
            .iter()
            .filter_map(|l| l.blob.as_ref())
            .filter_map(|b| digest_hex(&b.digest).ok())
            .collect();
        for (n, path) in dir_names(&self.graph_root.join("blobs/sha256")) {
            if is_hex64(&n) && !blobs.contains(n.as_str()) {
                problems.push(StorageProblem::OrphanBlob { path });
            }
        }
        Ok(StorageReport { problems })
    }

    /// Fixes everything [`Store::check`] reports (exclusive lock) and returns what was
    /// found before repairing. Images or containers whose layers are gone lose their
    /// records (their data is lost anyway); stale mount counts are dropped; uncounted
    /// overlay mounts are unmounted; garbage is deleted.
    #[tracing::instrument(skip(self), fields(graph_root = %self.graph_root.display()))]
    pub fn repair(&self) -> Result<StorageReport> {
        let _l = self.lock()?;
        let report = self.check_locked()?;
        if report.is_clean() {
            return Ok(report);
        }
        for p in self.tmp_garbage() {
            remove_any(&p)?;
        }
        // Mounts.
        let containers = self.load_containers()?;
        let mut mounts = self.load_mounts()?;
        let mut mounts_changed = false;
        for p in &report.problems {
            match p {
                StorageProblem::StaleMountCount { container, .. } => {
                    mounts.remove(container);
                    mounts_changed = true;
                }
                StorageProblem::UncountedMount { path, .. } => driver::unmount_path(path)?,
                _ => {}
            }
        }
        // Layer records whose dirs are gone, and layers above them.
        let mut layers = self.load_all_layers(&containers)?;
        let json_layers: HashSet<String> = self.load_layers()?.into_iter().map(|l| l.id).collect();
        let mut broken: HashSet<String> = layers
            .iter()
            .filter(|l| !self.layer_dir(&l.id).is_dir())
            .map(|l| l.id.clone())
            .collect();
        loop {
            let more: Vec<String> = layers
                .iter()
                .filter(|l| !broken.contains(&l.id))
                .filter(|l| l.parent.as_ref().is_some_and(|p| broken.contains(p)))
                .map(|l| l.id.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            broken.extend(more);
        }
        let layers_before = layers.len();
        let (gone, keep): (Vec<_>, Vec<_>) = layers.drain(..).partition(|l| broken.contains(&l.id));
        layers = keep;
        let known: HashSet<&str> = layers.iter().map(|l| l.id.as_str()).collect();
        // Images and containers that lost a layer.
        let mut images = self.load_images()?;
        let images_before = images.len();
        let mut dropped_images = Vec::new();
        images.retain(|i| {
            let ok = i.layers.iter().all(|l| known.contains(l.as_str()))
                && if i.manifest_list {
                    self.manifest_path(&i.id).is_file()
                } else {
                    self.config_path(&i.id).is_file()
                };
            if !ok {
                dropped_images.push(i.id.clone());
            }
            ok
        });
        let (containers, dropped_containers): (Vec<_>, Vec<_>) = containers
            .into_iter()
            .partition(|c| known.contains(c.layer_id.as_str()));
        let live: HashSet<&str> = containers.iter().map(|c| c.id.as_str()).collect();
        let mounts_len = mounts.len();
        mounts.retain(|k, _| live.contains(k.as_str()));
        mounts_changed |= mounts.len() != mounts_len;
        // Commit points first (images, containers), then layers, then files.
        if images.len() != images_before {
            self.save_images(&images)?;
        }
        for c in &dropped_containers {
            self.remove_container_record(&c.id)?;
        }
        if mounts_changed {
            self.save_mounts(&mounts)?;
        }
        if layers.len() != layers_before {
            let keep: Vec<LayerRecord> = layers
                .iter()
                .filter(|l| json_layers.contains(&l.id))
                .cloned()
                .collect();
            self.save_layers(&keep)?;
        }
        for l in &gone {
            self.remove_layer_files(l)?;
        }
        for id in &dropped_images {
            remove_any(&self.graph_root.join("images").join(id))?;
        }
        // Recorded links that are missing: recreate them.
        if self.driver == DriverKind::Overlay {
            for l in &layers {
                if let Some(link) = &l.link {
                    let lp = self.layers_root().join("l").join(link);
                    if fs::symlink_metadata(&lp).is_err() {
                        std::os::unix::fs::symlink(format!("../{}/diff", l.id), &lp)
                            .map_err(io_at(&lp))?;
                    }
                }
            }
        }
        // Orphan dirs, configs, unreferenced layers, dangling links, orphan blobs.
        self.recover_locked()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    fn vfs_store(dir: &Path) -> Store {
        Store::open(StoreOptions {
            graph_root: dir.join("graph"),
            run_root: dir.join("run"),
            driver: Some(DriverKind::Vfs),
        })
        .unwrap()
    }

    #[test]
    fn empty_store_is_clean() {
        let d = tempfile::tempdir().unwrap();
        let s = vfs_store(d.path());
        assert!(s.check().unwrap().is_clean());
        assert!(s.load_mounts().unwrap().is_empty());
    }

    #[test]
    fn open_removes_garbage_and_orphans() {
        let d = tempfile::tempdir().unwrap();
        let s = vfs_store(d.path());
        let orphan = s.layers_root().join("a".repeat(64));
        // What a writer killed mid-way leaves: its `dirty` marker, and the leftovers.
        File::create(s.dirty_path()).unwrap();
        fs::create_dir_all(orphan.join("etc")).unwrap();
        let junk = s.tmp_dir().join("docker-archive-0011");
        fs::create_dir_all(&junk).unwrap();
        let cfg = s.graph_root.join("images").join("b".repeat(64));
        fs::create_dir_all(&cfg).unwrap();
        let r = s.check().unwrap();
        assert_eq!(r.len(), 3, "{r}");
        assert!(r.problems.contains(&StorageProblem::OrphanLayerDir {
            path: orphan.clone()
        }));
        let s = vfs_store(d.path());
        assert!(s.check().unwrap().is_clean());
        assert!(!orphan.exists() && !junk.exists() && !cfg.exists());
    }

    #[test]
    fn only_a_killed_writer_makes_open_or_the_next_writer_collect_layers() {
        let d = tempfile::tempdir().unwrap();
        let s = vfs_store(d.path());
        let orphan = s.layers_root().join("c".repeat(64));
        fs::create_dir_all(&orphan).unwrap();
        // No writer was killed: open does not read every layer directory, and leaves
        // what it did not make to check and repair.
        let s = vfs_store(d.path());
        assert!(orphan.exists());
        assert!(s
            .check()
            .unwrap()
            .problems
            .contains(&StorageProblem::OrphanLayerDir {
                path: orphan.clone()
            }));
        // A killed writer's marker: the next writer recovers before its own change.
        File::create(s.dirty_path()).unwrap();
        s.create_container("c1", None).unwrap();
        assert!(!orphan.exists());
        assert!(!s.dirty_path().exists(), "a writer left its marker");
        assert!(s.check().unwrap().is_clean(), "{}", s.check().unwrap());
        assert!(s.container_exists("c1").unwrap());
    }

    #[test]
    fn live_staging_is_kept() {
        let d = tempfile::tempdir().unwrap();
        let s = vfs_store(d.path());
        let st = s.tmp_dir().join("oci-archive-live");
        fs::create_dir_all(&st).unwrap();
        let f = File::create(st.join(STAGING_LOCK)).unwrap();
        f.lock().unwrap();
        // flock is per open file: another open sees it busy even in this process.
        assert!(s.check().unwrap().is_clean());
        let _s2 = vfs_store(d.path());
        assert!(st.exists());
        drop(f);
        assert_eq!(s.check().unwrap().len(), 1);
    }

    #[test]
    fn repair_drops_records_of_missing_files() {
        let d = tempfile::tempdir().unwrap();
        let s = vfs_store(d.path());
        let c = s.create_container("c1", None).unwrap();
        let mut m = s.load_mounts().unwrap();
        m.insert("ghost".into(), 2);
        s.save_mounts(&m).unwrap();
        fs::remove_dir_all(s.layer_dir(&c.layer_id)).unwrap();
        let r = s.check().unwrap();
        assert!(r.problems.contains(&StorageProblem::ContainerMissingLayer {
            container: "c1".into(),
            layer: c.layer_id.clone()
        }));
        assert!(r.problems.contains(&StorageProblem::StaleMountCount {
            container: "ghost".into(),
            count: 2
        }));
        let fixed = s.repair().unwrap();
        assert_eq!(fixed, r);
        assert!(s.check().unwrap().is_clean(), "{}", s.check().unwrap());
        assert!(!s.container_exists("c1").unwrap());
    }
}
