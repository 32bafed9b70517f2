//! The store: layers (shared by chain id), images, container root filesystems.
//!
//! On-disk layout under `graph_root`:
//! ```text
//! storage.lock            store-wide flock: exclusive for writes, shared for reads
//! driver                  "overlay" or "vfs", fixed when the store is created
//! layers.json images.json   image layers and images, each replaced atomically
//! containers/<id>.json    one record per container with its read-write layer's record,
//!                         each replaced atomically (create and rm cost the same with
//!                         50,000 containers as with 10; an older store's whole-file
//!                         containers.json is split into these on open)
//! dirty                   present while a writer holds the lock: found by the next
//!                         writer or open, it means one was killed, and they recover
//! images/<id>/config.json the image config, byte-exact (its sha256 is the id)
//! blobs/sha256/<hex>      layer blobs as imported (plain, gzip or zstd), for export
//! overlay/<layer>/diff|link|lower|work|merged, overlay/l/<short>   (overlay driver)
//! vfs/dir/<layer>                                                   (vfs driver)
//! tmp/                    staging; anything left there is garbage
//! ```
//! `run_root/mounts.json` holds mount counts (per boot). Every verb takes the lock,
//! reads the metadata fresh, changes it and writes it back, so several processes can
//! share one store. A verb on one container reads and writes only that container's
//! record (and the small image metadata), never all of them.

use crate::archive::{write_private, ArchiveError, Compression};
use crate::digest::{chain_ids, digest_hex, is_hex64, DigestError};
use crate::driver::{self, DriverError, DriverKind};
use crate::extract::{ExtractError, WhiteoutMode};
use crate::failpoint;
use crate::image::{ConfigFile, Image};
use crate::private;
use crate::reference::{is_short_name, ImageReference, ReferenceError};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

/// Options for [`Store::open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Persistent root (layers, images, metadata), e.g. `/var/lib/lpod/storage`.
    pub graph_root: PathBuf,
    /// Per-boot root (mount counts), e.g. `/run/lpod/storage`.
    pub run_root: PathBuf,
    /// Driver to use; `None` probes overlay and falls back to vfs. An existing store
    /// keeps the driver it was created with.
    pub driver: Option<DriverKind>,
}

/// Errors from store operations.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error at a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A metadata file is not valid JSON.
    #[error("corrupt metadata {path}: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The store was created with another driver.
    #[error("store {root} uses driver {existing}, not {requested}")]
    DriverMismatch {
        /// The graph root.
        root: PathBuf,
        /// Driver recorded in the store.
        existing: DriverKind,
        /// Driver asked for.
        requested: DriverKind,
    },
    /// overlay was requested but does not work here.
    #[error("overlay driver unusable in {root}: {source}")]
    OverlayUnavailable {
        /// The graph root.
        root: PathBuf,
        /// Why the probe failed.
        source: DriverError,
    },
    /// No image matches.
    #[error("image not known: {0}")]
    ImageNotFound(String),
    /// An id prefix matches several images.
    #[error("image id prefix {0} is ambiguous")]
    AmbiguousImage(String),
    /// The image is used by containers.
    #[error("image {image} is in use by containers {containers:?}")]
    ImageInUse {
        /// Image id.
        image: String,
        /// Container ids using it.
        containers: Vec<String>,
    },
    /// No container storage with this id.
    #[error("container storage not known: {0}")]
    ContainerNotFound(String),
    /// The store cannot do this with its driver or configuration.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// Container storage with this id exists already.
    #[error("container storage {0} exists already")]
    ContainerExists(String),
    /// A container id is not usable as a directory name.
    #[error("invalid container id {0:?}")]
    InvalidContainerId(String),
    /// A name is not a valid image reference.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// A digest string is malformed.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// Layer extraction failed (hostile or broken layer).
    #[error("layer {layer}: {source}")]
    Extract {
        /// The layer's blob or diff id.
        layer: String,
        /// What went wrong.
        source: ExtractError,
    },
    /// Content does not match the digest or size it was announced with.
    #[error("{what}: expected {expected}, got {actual}")]
    Mismatch {
        /// What was checked (blob path, "diff id of layer N", …).
        what: String,
        /// Announced value.
        expected: String,
        /// Computed value.
        actual: String,
    },
    /// An archive, manifest or config is not in a format we read.
    #[error("invalid image source {source_path}: {msg}")]
    InvalidSource {
        /// The archive or layout.
        source_path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// A driver operation failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// Writing an archive failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A name to give is held by another image or manifest list.
    #[error("image name {name:?} is already associated with image {image}")]
    NameInUse {
        /// The (normalised) name.
        name: String,
        /// Id of the image or list that has it.
        image: String,
    },
    /// No manifest list has this name or id.
    #[error("{0}: manifest list not known")]
    ManifestListNotFound(String),
    /// The name is an image's, not a manifest list's.
    #[error("{0} is not a manifest list")]
    NotAManifestList(String),
    /// The name is a manifest list's, where an image is needed.
    #[error("{0} is a manifest list, not an image")]
    IsManifestList(String),
    /// A manifest list has no entry with this digest.
    #[error("manifest list {list} has no entry {digest}")]
    ManifestEntryNotFound {
        /// The list as named.
        list: String,
        /// The digest asked for.
        digest: String,
    },
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where a layer blob came from, for export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct BlobRef {
    pub digest: String,
    pub size: u64,
    pub compression: String,
}

/// A layer record in `layers.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LayerRecord {
    pub id: String,
    pub parent: Option<String>,
    /// `sha256:` diff id (image layers only).
    pub diff_id: Option<String>,
    pub blob: Option<BlobRef>,
    /// overlay short link name.
    pub link: Option<String>,
    /// Uncompressed tar size.
    pub size: u64,
    /// True for a container's read-write layer.
    #[serde(default)]
    pub container: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ImageRecord {
    pub id: String,
    pub names: Vec<String>,
    pub digest: Option<String>,
    pub layers: Vec<String>,
    /// Every manifest digest the image is known by (absent in older files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<String>,
    /// Every name the image has had, current ones first, then the most recently
    /// dropped (Podman's `NamesHistory`; absent in older files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names_history: Vec<String>,
    /// A manifest list (no layers, no config: its list is `images/<id>/manifest.json`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manifest_list: bool,
}

impl ImageRecord {
    /// The names the image has had (`names` for a record from before that was kept).
    pub(crate) fn names_history_or_names(&self) -> Vec<String> {
        if self.names_history.is_empty() {
            self.names.clone()
        } else {
            self.names_history.clone()
        }
    }

    /// Records a change of `names` in `names_history` (current names, then the older
    /// history, each once), as containers/storage does.
    pub(crate) fn note_names(&mut self) {
        let mut h: Vec<String> = Vec::new();
        for n in self.names.iter().chain(self.names_history.iter()) {
            if !h.contains(n) {
                h.push(n.clone());
            }
        }
        self.names_history = h;
    }

    /// `digest` and `digests`, deduplicated.
    pub(crate) fn all_digests(&self) -> Vec<String> {
        let mut v: Vec<String> = self.digest.iter().cloned().collect();
        for d in &self.digests {
            if !v.contains(d) {
                v.push(d.clone());
            }
        }
        v
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ContainerRecord {
    pub id: String,
    pub image_id: Option<String>,
    pub layer_id: String,
    /// A directory outside the store that is the container's read-only lower layer
    /// (`--rootfs DIR:O`), instead of an image's layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower_dir: Option<PathBuf>,
    /// The record of its read-write layer (kept here, not in `layers.json`, so that a
    /// container's create and rm write one small file). `None` only in a record
    /// whose layer record was already missing when an older store was migrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRecord>,
}

/// A container's storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLayer {
    /// The container id (as given to [`Store::create_container`]).
    pub id: String,
    /// The image it was created from, if any.
    pub image_id: Option<String>,
    /// Its read-write layer id.
    pub layer_id: String,
    /// Where its root filesystem appears once mounted.
    pub rootfs: PathBuf,
}

/// What [`Store::remove_image`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedImage {
    /// The image id.
    pub id: String,
    /// Names removed.
    pub untagged: Vec<String>,
    /// True when the image itself was deleted (not just a name).
    pub deleted: bool,
}

/// The store handle. Cheap to clone; holds no open files between calls.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) graph_root: PathBuf,
    pub(crate) run_root: PathBuf,
    pub(crate) driver: DriverKind,
    /// Overlay: the FUSE program container roots are mounted with (`None`: the
    /// kernel's overlayfs).
    pub(crate) mount_program: Option<PathBuf>,
    /// What `open` found readable by other users and made private.
    pub(crate) tightened: Vec<PathBuf>,
}

/// Holds the store lock until dropped. An exclusive guard of a writer also owns the
/// `dirty` marker: it removes it (before the lock goes) unless the thread panics.
pub(crate) struct LockGuard {
    /// The marker this guard removes when dropped (exclusive guards of writers).
    dirty: Option<PathBuf>,
    _file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(p) = self.dirty.take() {
            if !std::thread::panicking() {
                // Not durable on purpose: a marker that comes back after a power loss
                // costs one needless recovery, nothing else.
                let _ = fs::remove_file(p);
            }
        }
    }
}

pub(crate) fn load_json<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match fs::read(path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|source| StoreError::Corrupt {
            path: path.to_path_buf(),
            source,
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(io_at(path)(e)),
    }
}

pub(crate) fn save_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    // Compact: the real cost is the whole-file format, rewritten on every create/rm (issue 19).
    let bytes = serde_json::to_vec(v).map_err(|e| StoreError::Io {
        path: path.to_path_buf(),
        source: io::Error::other(e),
    })?;
    Ok(write_private(path, &bytes)?)
}

pub(crate) fn valid_container_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !id.starts_with('.')
}

/// A random 26-char short link name (like containers/storage's `l/` names).
fn short_link() -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..26)
        .map(|_| ALPHA[rand::random::<usize>() % ALPHA.len()] as char)
        .collect()
}

/// The overlay way that works here, in the order of `overlay`: the kernel's
/// (`Ok(None)`), else the FUSE program (`Ok(Some)`); the error says why neither did.
fn choose_overlay(root: &Path, overlay: &driver::OverlayOptions) -> Result<Option<PathBuf>> {
    let unavailable = |source| StoreError::OverlayUnavailable {
        root: root.to_path_buf(),
        source,
    };
    let fuse = |why: Option<DriverError>| -> Result<Option<PathBuf>> {
        let program = match &overlay.mount_program {
            driver::MountProgram::Always(p) => p.clone(),
            driver::MountProgram::Auto => match driver::find_program(driver::FUSE_OVERLAYFS) {
                Some(p) => p,
                None => {
                    return Err(unavailable(why.unwrap_or(DriverError::MountProgram {
                        program: driver::FUSE_OVERLAYFS.into(),
                        target: root.to_path_buf(),
                        msg: "not found in PATH (Debian package fuse-overlayfs)".into(),
                    })))
                }
            },
            driver::MountProgram::Never => {
                return Err(unavailable(why.unwrap_or(DriverError::MountProgram {
                    program: driver::FUSE_OVERLAYFS.into(),
                    target: root.to_path_buf(),
                    msg: "native overlay is off (overlay.native=false) and the FUSE program is too (overlay.mount_program=none)".into(),
                })))
            }
        };
        driver::probe_overlay(root, Some(&program)).map_err(unavailable)?;
        if let Some(e) = why {
            tracing::info!("kernel overlay unusable ({e}), using {}", program.display());
        }
        Ok(Some(program))
    };
    if matches!(overlay.mount_program, driver::MountProgram::Always(_)) || !overlay.native {
        return fuse(None);
    }
    match driver::probe_overlay(root, None) {
        Ok(()) => Ok(None),
        Err(e) => fuse(Some(e)),
    }
}

impl Store {
    /// Opens (creating if needed) a store. With `driver: None`, probes overlay by
    /// mounting a tiny overlay inside the graph root and falls back to vfs.
    pub fn open(opts: StoreOptions) -> Result<Store> {
        Store::open_with(opts, &driver::OverlayOptions::default())
    }

    /// [`Store::open`] with the overlay driver's choices: the kernel's overlayfs first
    /// (unless `overlay.native` is off), then a FUSE program (fuse-overlayfs), then, for
    /// a new store without a requested driver, vfs. A store that took the FUSE program
    /// keeps it (`graph_root/mount-program`).
    #[tracing::instrument(skip_all, fields(graph_root = %opts.graph_root.display()))]
    pub fn open_with(opts: StoreOptions, overlay: &driver::OverlayOptions) -> Result<Store> {
        for d in [&opts.graph_root, &opts.run_root] {
            private::create_private_dir(d).map_err(io_at(d))?;
        }
        let tightened = Store::tighten_layout(&opts.graph_root, &opts.run_root)?;
        let graph_root = fs::canonicalize(&opts.graph_root).map_err(io_at(&opts.graph_root))?;
        let run_root = fs::canonicalize(&opts.run_root).map_err(io_at(&opts.run_root))?;
        let mut store = Store {
            graph_root: graph_root.clone(),
            run_root,
            driver: DriverKind::Vfs,
            mount_program: None,
            tightened,
        };
        // Not `lock()`: open decides itself whether to recover (below).
        let _lock = store.lock_file(false)?;
        let driver_file = graph_root.join("driver");
        let existing =
            match fs::read_to_string(&driver_file) {
                Ok(s) => Some(s.trim().parse::<DriverKind>().map_err(|msg| {
                    StoreError::InvalidSource {
                        source_path: driver_file.clone(),
                        msg,
                    }
                })?),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(io_at(&driver_file)(e)),
            };
        let program_file = graph_root.join("mount-program");
        let recorded = match fs::read_to_string(&program_file) {
            Ok(s) if !s.trim().is_empty() => Some(PathBuf::from(s.trim())),
            Ok(_) => None,
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_at(&program_file)(e)),
        };
        let (driver, mount_program) = match (existing, opts.driver) {
            (Some(e), Some(r)) if e != r => {
                return Err(StoreError::DriverMismatch {
                    root: graph_root,
                    existing: e,
                    requested: r,
                })
            }
            (Some(DriverKind::Overlay), _) => match (&overlay.mount_program, recorded) {
                (driver::MountProgram::Always(p), _) => (DriverKind::Overlay, Some(p.clone())),
                (_, Some(p)) => (DriverKind::Overlay, Some(p)),
                (_, None) if overlay.native => (DriverKind::Overlay, None),
                (_, None) => (
                    DriverKind::Overlay,
                    Some(choose_overlay(&graph_root, overlay)?.ok_or_else(|| {
                        StoreError::OverlayUnavailable {
                            root: graph_root.clone(),
                            source: DriverError::MountProgram {
                                program: driver::FUSE_OVERLAYFS.into(),
                                target: graph_root.clone(),
                                msg: "native overlay is off (overlay.native=false) and no FUSE overlay program is allowed".into(),
                            },
                        }
                    })?),
                ),
            },
            (Some(e), _) => (e, None),
            (None, Some(DriverKind::Overlay)) => {
                (DriverKind::Overlay, choose_overlay(&graph_root, overlay)?)
            }
            (None, Some(DriverKind::Vfs)) => (DriverKind::Vfs, None),
            (None, None) => match choose_overlay(&graph_root, overlay) {
                Ok(program) => (DriverKind::Overlay, program),
                Err(e) => {
                    tracing::info!("overlay unusable ({e}), using vfs");
                    (DriverKind::Vfs, None)
                }
            },
        };
        store.mount_program = mount_program;
        store.driver = driver;
        for d in [
            store.tmp_dir(),
            store.graph_root.join("blobs/sha256"),
            store.graph_root.join("images"),
            store.layers_root(),
        ] {
            private::create_private_dir(&d).map_err(io_at(&d))?;
        }
        if driver == DriverKind::Overlay {
            let l = store.layers_root().join("l");
            private::create_private_dir(&l).map_err(io_at(&l))?;
            let e = store.layers_root().join("empty");
            private::create_private_dir(&e).map_err(io_at(&e))?;
        }
        if existing.is_none() {
            write_private(&driver_file, driver.as_str().as_bytes())?;
        }
        if let Some(p) = &store.mount_program {
            if !program_file.exists() {
                write_private(&program_file, p.to_string_lossy().as_bytes())?;
            }
        }
        store.init_metadata_locked()?;
        // An older store's containers.json becomes one record per container.
        let migrated = store.migrate_containers_json_locked()?;
        // Roll back what a killed writer left behind (staging, unrecorded layers, …):
        // only when one was killed (its `dirty` marker is left), as the recovery reads
        // every record and layer directory.
        let dirty = store.dirty_path();
        if migrated || dirty.exists() {
            store.recover_locked()?;
            match fs::remove_file(&dirty) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_at(&dirty)(e)),
            }
        } else {
            // Imports stage outside the lock: their leftovers need no marker.
            store.remove_quick_garbage_locked()?;
        }
        Ok(store)
    }

    /// Makes an existing store private again (see [`crate::private`]): clears the
    /// group/other bits of `graph_root`, `run_root`, the files directly in them and
    /// the directories that lead to layers, images and blobs, including each overlay
    /// layer's own directory (the parent of `diff/` and `merged/`; layer contents keep
    /// their modes). Returns what was changed. [`Store::open`] calls it and keeps
    /// the list in [`Store::tightened`].
    pub fn tighten_layout(graph_root: &Path, run_root: &Path) -> Result<Vec<PathBuf>> {
        let mut top: Vec<PathBuf> = vec![graph_root.to_path_buf(), run_root.to_path_buf()];
        for root in [graph_root, run_root] {
            for (_, p) in crate::dirs::dir_names(root) {
                if fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
                    top.push(p);
                }
            }
        }
        for d in [
            "tmp",
            "containers",
            "blobs",
            "blobs/sha256",
            "images",
            "overlay",
            "overlay/l",
            "overlay/empty",
            "vfs",
            "vfs/dir",
        ] {
            top.push(graph_root.join(d));
        }
        // A store of this lpod is private from the start: only a loose top level (an older
        // lpod's store) makes the per-layer walk worth its cost on every open. The layer
        // directories go first, so a crash half-way leaves the top level loose and the
        // next open walks again.
        if !top.iter().any(|p| private::is_loose(p)) {
            return Ok(Vec::new());
        }
        let mut paths: Vec<PathBuf> = crate::dirs::dir_names(&graph_root.join("overlay"))
            .into_iter()
            .map(|(_, p)| p)
            .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()))
            .collect();
        paths.extend(top);
        private::tighten_all(paths.iter().map(PathBuf::as_path))
            .map_err(|(path, source)| StoreError::Io { path, source })
    }

    /// What [`Store::open`] found readable by other users (an older lpod's 0755
    /// directories, 0644 files) and made private; the caller reports it, once for
    /// all its parts.
    pub fn tightened(&self) -> &[PathBuf] {
        &self.tightened
    }

    /// The FUSE program the overlay driver mounts container roots with (`None`: the
    /// kernel's overlayfs, or vfs).
    pub fn mount_program(&self) -> Option<&Path> {
        self.mount_program.as_deref()
    }

    /// Mounts a read-write overlay at `target` the way this store does it.
    pub(crate) fn mount_rw_overlay(
        &self,
        lowers: &[PathBuf],
        upper: &Path,
        work: &Path,
        target: &Path,
    ) -> std::result::Result<(), DriverError> {
        match &self.mount_program {
            None => driver::mount_overlay(lowers, upper, work, target),
            Some(p) => driver::mount_fuse_overlay(p, lowers, upper, work, target),
        }
    }

    /// The driver in use.
    pub fn driver(&self) -> DriverKind {
        self.driver
    }

    /// The graph root.
    pub fn graph_root(&self) -> &Path {
        &self.graph_root
    }

    /// The run root.
    pub fn run_root(&self) -> &Path {
        &self.run_root
    }

    pub(crate) fn lock_file(&self, shared: bool) -> Result<LockGuard> {
        let p = self.graph_root.join("storage.lock");
        let f = OpenOptions::new()
            .mode(0o600)
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&p)
            .map_err(io_at(&p))?;
        if shared {
            f.lock_shared().map_err(io_at(&p))?;
        } else {
            f.lock().map_err(io_at(&p))?;
        }
        Ok(LockGuard {
            dirty: None,
            _file: f,
        })
    }

    /// The marker a writer holds while it may leave partial state behind.
    pub(crate) fn dirty_path(&self) -> PathBuf {
        self.graph_root.join("dirty")
    }

    /// The exclusive lock of a writer. It leaves the `dirty` marker (durably) for the
    /// time it is held; finding one left by a writer that was killed, it first rolls
    /// back what that writer left (as [`Store::open`] does).
    pub(crate) fn lock(&self) -> Result<LockGuard> {
        let mut g = self.lock_file(false)?;
        let p = self.dirty_path();
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&p)
        {
            Ok(_) => crate::durable::sync(&self.graph_root).map_err(io_at(&self.graph_root))?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                tracing::info!("a writer of the store was interrupted; recovering");
                self.recover_locked()?;
            }
            Err(e) => return Err(io_at(&p)(e)),
        }
        g.dirty = Some(p);
        Ok(g)
    }

    pub(crate) fn lock_shared(&self) -> Result<LockGuard> {
        self.lock_file(true)
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.graph_root.join("tmp")
    }

    pub(crate) fn layers_root(&self) -> PathBuf {
        match self.driver {
            DriverKind::Overlay => self.graph_root.join("overlay"),
            DriverKind::Vfs => self.graph_root.join("vfs/dir"),
        }
    }

    /// The directory holding a layer (overlay: `overlay/<id>`, vfs: the tree itself).
    pub(crate) fn layer_dir(&self, id: &str) -> PathBuf {
        self.layers_root().join(id)
    }

    /// The directory with a layer's files (overlay: `diff`, vfs: the full tree).
    pub(crate) fn layer_files(&self, id: &str) -> PathBuf {
        match self.driver {
            DriverKind::Overlay => self.layer_dir(id).join("diff"),
            DriverKind::Vfs => self.layer_dir(id),
        }
    }

    pub(crate) fn blob_path(&self, digest: &str) -> Result<PathBuf> {
        Ok(self
            .graph_root
            .join("blobs/sha256")
            .join(digest_hex(digest)?))
    }

    pub(crate) fn whiteout_mode(&self) -> WhiteoutMode {
        match self.driver {
            DriverKind::Overlay => WhiteoutMode::Overlay,
            DriverKind::Vfs => WhiteoutMode::Vfs,
        }
    }

    pub(crate) fn load_layers(&self) -> Result<Vec<LayerRecord>> {
        load_json(&self.graph_root.join("layers.json"))
    }
    pub(crate) fn save_layers(&self, v: &[LayerRecord]) -> Result<()> {
        save_json(&self.graph_root.join("layers.json"), &v)
    }
    pub(crate) fn load_images(&self) -> Result<Vec<ImageRecord>> {
        load_json(&self.graph_root.join("images.json"))
    }
    pub(crate) fn save_images(&self, v: &[ImageRecord]) -> Result<()> {
        save_json(&self.graph_root.join("images.json"), &v)
    }
    /// The directory of the per-container records.
    pub(crate) fn containers_dir(&self) -> PathBuf {
        self.graph_root.join("containers")
    }
    fn container_record_path(&self, id: &str) -> PathBuf {
        self.containers_dir().join(format!("{id}.json"))
    }
    /// The record of container `id` (one file read), `None` when there is none.
    pub(crate) fn load_container(&self, id: &str) -> Result<Option<ContainerRecord>> {
        if !valid_container_id(id) {
            return Ok(None);
        }
        let p = self.container_record_path(id);
        match fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|source| StoreError::Corrupt { path: p, source }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_at(&p)(e)),
        }
    }
    pub(crate) fn require_container(&self, id: &str) -> Result<ContainerRecord> {
        self.load_container(id)?
            .ok_or_else(|| StoreError::ContainerNotFound(id.to_string()))
    }
    /// Every container record, by id (reads them all: for listings, gc and check).
    pub(crate) fn load_containers(&self) -> Result<Vec<ContainerRecord>> {
        let dir = self.containers_dir();
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_at(&dir)(e)),
        };
        let mut ids = Vec::new();
        for e in rd {
            let e = e.map_err(io_at(&dir))?;
            let name = e.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if valid_container_id(id) {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            // One removed meanwhile is not an error (a shared lock may be held by a
            // reader that raced nothing, but the directory is read without a snapshot).
            if let Some(r) = self.load_container(&id)? {
                out.push(r);
            }
        }
        Ok(out)
    }
    /// Writes container record `rec` (atomically and durably).
    pub(crate) fn save_container(&self, rec: &ContainerRecord) -> Result<()> {
        save_json(&self.container_record_path(&rec.id), rec)
    }
    /// Removes container `id`'s record, durably (the commit point of its removal).
    pub(crate) fn remove_container_record(&self, id: &str) -> Result<()> {
        let p = self.container_record_path(id);
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_at(&p)(e)),
        }
        let dir = self.containers_dir();
        crate::durable::sync(&dir).map_err(io_at(&dir))
    }
    /// The image layers of `layers.json` and the read-write layers of the containers.
    pub(crate) fn load_all_layers(
        &self,
        containers: &[ContainerRecord],
    ) -> Result<Vec<LayerRecord>> {
        let mut layers = self.load_layers()?;
        let known: HashSet<String> = layers.iter().map(|l| l.id.clone()).collect();
        layers.extend(
            containers
                .iter()
                .filter_map(|c| c.layer.clone())
                .filter(|l| !known.contains(&l.id)),
        );
        Ok(layers)
    }

    /// Gives a store without metadata its empty `images.json` and `containers/`, so
    /// that a missing one later means damage. Called with the lock held.
    pub(crate) fn init_metadata_locked(&self) -> Result<()> {
        if self.graph_root.join("layers.json").exists() {
            return Ok(());
        }
        let p = self.graph_root.join("images.json");
        if !p.exists() {
            crate::archive::write_private(&p, b"[]")?;
        }
        let d = self.containers_dir();
        if !d.is_dir() && !self.graph_root.join("containers.json").exists() {
            private::create_private_dir(&d).map_err(io_at(&d))?;
            crate::durable::sync(&self.graph_root).map_err(io_at(&self.graph_root))?;
        }
        Ok(())
    }

    /// Splits an older store's `containers.json` into one record per container, each
    /// with its layer's record moved out of `layers.json`. Crash-safe and re-runnable:
    /// records are written first (one already there is kept: an interrupted run wrote
    /// it), then `layers.json` loses the moved layers, and removing `containers.json`
    /// commits. Returns whether there was anything to migrate.
    pub(crate) fn migrate_containers_json_locked(&self) -> Result<bool> {
        let old = self.graph_root.join("containers.json");
        if !old.exists() {
            return Ok(false);
        }
        let recs: Vec<ContainerRecord> = load_json(&old)?;
        tracing::info!(
            containers = recs.len(),
            "migrating containers.json to one record per container"
        );
        let dir = self.containers_dir();
        private::create_private_dir(&dir).map_err(io_at(&dir))?;
        crate::durable::sync(&self.graph_root).map_err(io_at(&self.graph_root))?;
        let mut layers = self.load_layers()?;
        let mut moved: HashSet<String> = HashSet::new();
        for mut rec in recs {
            if !valid_container_id(&rec.id) {
                return Err(StoreError::InvalidContainerId(rec.id));
            }
            moved.insert(rec.layer_id.clone());
            if self.container_record_path(&rec.id).exists() {
                continue;
            }
            if rec.layer.is_none() {
                rec.layer = layers.iter().find(|l| l.id == rec.layer_id).cloned();
            }
            self.save_container(&rec)?;
        }
        let before = layers.len();
        layers.retain(|l| !moved.contains(&l.id));
        if layers.len() != before {
            self.save_layers(&layers)?;
        }
        fs::remove_file(&old).map_err(io_at(&old))?;
        crate::durable::sync(&self.graph_root).map_err(io_at(&self.graph_root))?;
        Ok(true)
    }
    pub(crate) fn load_mounts(&self) -> Result<BTreeMap<String, u32>> {
        load_json(&self.run_root.join("mounts.json"))
    }
    pub(crate) fn save_mounts(&self, v: &BTreeMap<String, u32>) -> Result<()> {
        save_json(&self.run_root.join("mounts.json"), v)
    }

    pub(crate) fn config_path(&self, image_id: &str) -> PathBuf {
        self.graph_root
            .join("images")
            .join(image_id)
            .join("config.json")
    }

    /// The exact config JSON bytes of an image.
    pub fn image_config_bytes(&self, name_or_id: &str) -> Result<Vec<u8>> {
        let img = self.image(name_or_id)?;
        if img.manifest_list {
            return Err(StoreError::IsManifestList(name_or_id.to_string()));
        }
        let p = self.config_path(&img.id);
        fs::read(&p).map_err(io_at(&p))
    }

    pub(crate) fn image_from_record(
        &self,
        rec: &ImageRecord,
        layers: &[LayerRecord],
    ) -> Result<Image> {
        if rec.manifest_list {
            return self.list_image(rec);
        }
        let p = self.config_path(&rec.id);
        let bytes = fs::read(&p).map_err(io_at(&p))?;
        let cfg: ConfigFile =
            serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
                path: p.clone(),
                source,
            })?;
        let size = rec
            .layers
            .iter()
            .filter_map(|id| layers.iter().find(|l| &l.id == id))
            .map(|l| l.size)
            .sum();
        Ok(Image {
            id: rec.id.clone(),
            names: rec.names.clone(),
            names_history: rec.names_history_or_names(),
            digest: rec.digest.clone(),
            digests: rec.all_digests(),
            repo_digests: {
                let mut v: Vec<String> = Vec::new();
                for n in &rec.names {
                    if let Ok(r) = ImageReference::parse(n) {
                        for d in rec.all_digests() {
                            let rd = format!("{}@{d}", r.repository());
                            if !v.contains(&rd) {
                                v.push(rd);
                            }
                        }
                    }
                }
                v
            },
            layers: rec.layers.clone(),
            diff_ids: cfg.rootfs.diff_ids,
            size,
            created: cfg.created,
            architecture: cfg.architecture,
            os: cfg.os,
            config: cfg.config.unwrap_or_default(),
            manifest_list: false,
        })
    }

    /// The [`Image`] of a manifest list: no layers, no config; its digest and size are
    /// those of its OCI index, its creation time that of its file.
    fn list_image(&self, rec: &ImageRecord) -> Result<Image> {
        let list = self.load_manifest_list(&rec.id)?;
        let index = list.oci_index();
        let digest = crate::digest::sha256_digest(&index);
        let created = fs::metadata(self.manifest_path(&rec.id))
            .and_then(|m| m.modified())
            .ok()
            .map(crate::image::rfc3339_of);
        Ok(Image {
            id: rec.id.clone(),
            names: rec.names.clone(),
            names_history: rec.names_history_or_names(),
            digest: Some(digest.clone()),
            digests: vec![digest.clone()],
            repo_digests: rec
                .names
                .iter()
                .filter_map(|n| ImageReference::parse(n).ok())
                .map(|r| format!("{}@{digest}", r.repository()))
                .collect(),
            layers: Vec::new(),
            diff_ids: Vec::new(),
            size: index.len() as u64,
            created,
            architecture: None,
            os: None,
            config: Default::default(),
            manifest_list: true,
        })
    }

    /// All images.
    #[tracing::instrument(skip(self))]
    pub fn list_images(&self) -> Result<Vec<Image>> {
        let _l = self.lock_shared()?;
        let layers = self.load_layers()?;
        self.load_images()?
            .iter()
            .map(|r| self.image_from_record(r, &layers))
            .collect()
    }

    /// Looks an image up by name (normalised; short names like `busybox` also match
    /// `localhost/busybox:latest`), full id, `sha256:` id, or unique id prefix.
    #[tracing::instrument(skip(self))]
    pub fn image(&self, name_or_id: &str) -> Result<Image> {
        let _l = self.lock_shared()?;
        let images = self.load_images()?;
        let idx = resolve_image(&images, name_or_id)?;
        self.image_from_record(&images[idx], &self.load_layers()?)
    }

    /// True when `name_or_id` resolves to an image.
    pub fn image_exists(&self, name_or_id: &str) -> Result<bool> {
        match self.image(name_or_id) {
            Ok(_) => Ok(true),
            Err(StoreError::ImageNotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds `new_name` (normalised; a short name goes under `localhost/`) to an image;
    /// another image holding it loses it.
    #[tracing::instrument(skip(self))]
    pub fn tag(&self, name_or_id: &str, new_name: &str) -> Result<()> {
        // Podman: a name without registry is a local image's, `localhost/NAME`.
        let name = crate::reference::normalize_local_name(new_name)?;
        let _l = self.lock()?;
        let mut images = self.load_images()?;
        let idx = resolve_image(&images, name_or_id)?;
        for img in images.iter_mut() {
            if img.names.contains(&name) {
                img.names.retain(|n| n != &name);
                img.note_names();
            }
        }
        images[idx].names.push(name);
        images[idx].note_names();
        self.save_images(&images)
    }

    /// Removes `name` from an image (the image stays, possibly nameless).
    #[tracing::instrument(skip(self))]
    pub fn untag(&self, name_or_id: &str, name: &str) -> Result<()> {
        let _l = self.lock()?;
        let mut images = self.load_images()?;
        let idx = resolve_image(&images, name_or_id)?;
        let before = images[idx].names.len();
        let parsed = ImageReference::parse(name).ok();
        let norm = parsed
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_else(|| name.to_string());
        // `repo:tag@digest` names what a pull by it stored: `repo@digest`.
        let by_digest = parsed
            .as_ref()
            .map(ImageReference::stored_name)
            .unwrap_or_else(|| norm.clone());
        images[idx]
            .names
            .retain(|n| n != &norm && n != name && n != &by_digest);
        if images[idx].names.len() == before && is_short_name(name) {
            // A short name (`rand1`) names `localhost/rand1:latest` or
            // `quay.io/x/rand1:latest`, as lookups take it: the one such name goes.
            if let Ok(r) = ImageReference::parse(name) {
                let hits: Vec<String> = images[idx]
                    .names
                    .iter()
                    .filter(|n| {
                        ImageReference::parse(n)
                            .is_ok_and(|nr| nr.digest.is_none() && r.short_name_matches(&nr))
                    })
                    .cloned()
                    .collect();
                if hits.len() == 1 {
                    images[idx].names.retain(|n| n != &hits[0]);
                }
            }
        }
        if images[idx].names.len() == before {
            return Err(StoreError::ImageNotFound(name.to_string()));
        }
        images[idx].note_names();
        self.save_images(&images)
    }

    /// Removes an image (`podman rmi`) and the layers no other image or container uses.
    ///
    /// Given one of several names of the image, only that name is removed (like Podman)
    /// unless `force`. Refused while containers use the image, unless `force`, which
    /// also deletes those containers' storage.
    #[tracing::instrument(skip(self))]
    pub fn remove_image(&self, name_or_id: &str, force: bool) -> Result<RemovedImage> {
        let _l = self.lock()?;
        let mut images = self.load_images()?;
        let idx = resolve_image(&images, name_or_id)?;
        let id = images[idx].id.clone();
        let by_name = ImageReference::parse(name_or_id)
            .ok()
            .map(|r| r.to_string())
            .filter(|n| images[idx].names.contains(n));
        if let Some(name) = by_name.filter(|_| images[idx].names.len() > 1 && !force) {
            images[idx].names.retain(|n| n != &name);
            images[idx].note_names();
            self.save_images(&images)?;
            return Ok(RemovedImage {
                id,
                untagged: vec![name],
                deleted: false,
            });
        }
        let untagged = images[idx].names.clone();
        let users: Vec<String> = self
            .load_containers()?
            .into_iter()
            .filter(|c| c.image_id.as_deref() == Some(id.as_str()))
            .map(|c| c.id)
            .collect();
        if !users.is_empty() {
            if !force {
                return Err(StoreError::ImageInUse {
                    image: id,
                    containers: users,
                });
            }
            for c in &users {
                self.delete_container_locked(c)?;
            }
        }
        // An `image mount` of it goes with it (its layers are about to go).
        self.drop_image_mount_locked(&id)?;
        images.remove(idx);
        self.save_images(&images)?;
        failpoint::hit("storage.remove_image.after_images_json");
        let cfg_dir = self.graph_root.join("images").join(&id);
        fs::remove_dir_all(&cfg_dir).map_err(io_at(&cfg_dir))?;
        failpoint::hit("storage.remove_image.after_config_dir");
        self.gc_locked()?;
        Ok(RemovedImage {
            id,
            untagged,
            deleted: true,
        })
    }

    /// Removes layers no image or container uses, blobs no layer uses, and staging
    /// leftovers. Returns the removed layer ids.
    #[tracing::instrument(skip(self))]
    pub fn gc(&self) -> Result<Vec<String>> {
        let _l = self.lock()?;
        let removed = self.gc_locked()?;
        // Staging leftovers from crashed imports.
        if let Ok(rd) = fs::read_dir(self.tmp_dir()) {
            for e in rd.flatten() {
                let _ = fs::remove_dir_all(e.path()).or_else(|_| fs::remove_file(e.path()));
            }
        }
        Ok(removed)
    }

    pub(crate) fn gc_locked(&self) -> Result<Vec<String>> {
        let mut layers = self.load_layers()?;
        let containers = self.load_containers()?;
        let mut used: HashSet<String> = HashSet::new();
        for img in self.load_images()? {
            used.extend(img.layers);
        }
        // Container layers are recorded in their containers' records: always used.
        let mut container_layers: HashSet<String> = HashSet::new();
        for c in &containers {
            used.insert(c.layer_id.clone());
            container_layers.insert(c.layer_id.clone());
            if let Some(p) = c.layer.as_ref().and_then(|l| l.parent.clone()) {
                used.insert(p);
            }
        }
        // Parents of used layers are used.
        let by_id: HashMap<String, Option<String>> = layers
            .iter()
            .map(|l| (l.id.clone(), l.parent.clone()))
            .collect();
        let mut stack: Vec<String> = used.iter().cloned().collect();
        while let Some(id) = stack.pop() {
            if let Some(Some(p)) = by_id.get(&id) {
                if used.insert(p.clone()) {
                    stack.push(p.clone());
                }
            }
        }
        let (keep, drop): (Vec<_>, Vec<_>) = layers.drain(..).partition(|l| used.contains(&l.id));
        // Only write when something goes: reads (and opens) must work on a full disk.
        if !drop.is_empty() {
            self.save_layers(&keep)?;
        }
        failpoint::hit("storage.gc.after_layers_json");
        let mut removed = Vec::new();
        for l in drop {
            self.remove_layer_files(&l)?;
            removed.push(l.id);
        }
        failpoint::hit("storage.gc.after_layer_files");
        // Layer directories no record knows (a crash between rename and metadata write).
        let known: HashSet<&str> = keep
            .iter()
            .map(|l| l.id.as_str())
            .chain(container_layers.iter().map(String::as_str))
            .collect();
        if let Ok(rd) = fs::read_dir(self.layers_root()) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                if is_hex64(&n) && !known.contains(n.as_str()) {
                    let rec = LayerRecord {
                        id: n.clone(),
                        parent: None,
                        diff_id: None,
                        blob: None,
                        link: None,
                        size: 0,
                        container: false,
                    };
                    self.remove_layer_files(&rec)?;
                    removed.push(n);
                }
            }
        }
        if self.driver == DriverKind::Overlay {
            if let Ok(rd) = fs::read_dir(self.layers_root().join("l")) {
                for e in rd.flatten() {
                    // A short link whose target is gone.
                    if fs::metadata(e.path()).is_err() {
                        let _ = fs::remove_file(e.path());
                    }
                }
            }
        }
        let blobs: HashSet<String> = keep
            .iter()
            .filter_map(|l| l.blob.as_ref())
            .filter_map(|b| digest_hex(&b.digest).ok().map(str::to_string))
            .collect();
        let bdir = self.graph_root.join("blobs/sha256");
        if let Ok(rd) = fs::read_dir(&bdir) {
            for e in rd.flatten() {
                if !blobs.contains(&e.file_name().to_string_lossy().to_string()) {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        Ok(removed)
    }

    pub(crate) fn remove_layer_files(&self, l: &LayerRecord) -> Result<()> {
        let dir = self.layer_dir(&l.id);
        if self.driver == DriverKind::Overlay {
            let merged = dir.join("merged");
            if driver::is_mountpoint(&merged) {
                driver::unmount_path(&merged)?;
            }
            if let Some(link) = &l.link {
                let lp = self.layers_root().join("l").join(link);
                match fs::remove_file(&lp) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_at(&lp)(e)),
                }
            }
        }
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_at(&dir)(e)),
        }
    }

    /// Lower directories of `layer` for an overlay mount, nearest first.
    pub(crate) fn overlay_lowers(&self, layers: &[LayerRecord], top: Option<&str>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut cur = top.map(str::to_string);
        while let Some(id) = cur {
            let Some(l) = layers.iter().find(|l| l.id == id) else {
                break;
            };
            out.push(match &l.link {
                Some(link) => self.layers_root().join("l").join(link),
                None => self.layer_files(&l.id),
            });
            cur = l.parent.clone();
        }
        if out.is_empty() {
            out.push(self.layers_root().join("empty"));
        }
        out
    }

    /// Creates storage for container `id`: a read-write layer on top of `image`
    /// (name or id), or an empty root when `image` is `None`.
    #[tracing::instrument(skip(self))]
    pub fn create_container(&self, id: &str, image: Option<&str>) -> Result<ContainerLayer> {
        self.create_container_with(id, image, None)
    }

    /// Creates storage for container `id` whose root is directory `lower` (outside
    /// the store, left unchanged) under a read-write layer of its own: overlay uses
    /// `lower` as its lower directory at each mount; vfs copies it into the layer now.
    #[tracing::instrument(skip(self))]
    pub fn create_container_on_dir(&self, id: &str, lower: &Path) -> Result<ContainerLayer> {
        if !lower.is_dir() {
            return Err(StoreError::Io {
                path: lower.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "root file system directory not found",
                ),
            });
        }
        self.create_container_with(id, None, Some(lower))
    }

    fn create_container_with(
        &self,
        id: &str,
        image: Option<&str>,
        lower: Option<&Path>,
    ) -> Result<ContainerLayer> {
        if !valid_container_id(id) {
            return Err(StoreError::InvalidContainerId(id.to_string()));
        }
        let _l = self.lock()?;
        if self.container_record_path(id).exists() {
            return Err(StoreError::ContainerExists(id.to_string()));
        }
        let images = self.load_images()?;
        let img = match image {
            Some(name) => Some(images[resolve_image(&images, name)?].clone()),
            None => None,
        };
        if let (Some(i), Some(name)) = (&img, image) {
            if i.manifest_list {
                return Err(StoreError::IsManifestList(name.to_string()));
            }
        }
        let top = img.as_ref().and_then(|i| i.layers.last().cloned());
        let layer_id = hex::encode(rand::random::<[u8; 32]>());
        let dir = self.layer_dir(&layer_id);
        let res = (|| -> Result<Option<String>> {
            match self.driver {
                DriverKind::Overlay => {
                    // The layer's own dir is private: it leads to the container's
                    // files (`diff/`) and its mounted root (`merged/`).
                    private::create_private_dir(&dir).map_err(io_at(&dir))?;
                    for d in ["diff", "work", "merged"] {
                        fs::create_dir_all(dir.join(d)).map_err(io_at(&dir))?;
                    }
                    // The merged root takes its owner and mode from the upper dir:
                    // those of the image's top layer root, as in containers/storage.
                    if let Some(t) = &top {
                        copy_root_attrs(&self.layer_files(t), &dir.join("diff"))?;
                    }
                    if let Some(lower) = lower {
                        copy_root_attrs(lower, &dir.join("diff"))?;
                    }
                    let link = short_link();
                    let lp = self.layers_root().join("l").join(&link);
                    std::os::unix::fs::symlink(format!("../{layer_id}/diff"), &lp)
                        .map_err(io_at(&lp))?;
                    fs::write(dir.join("link"), &link).map_err(io_at(&dir))?;
                    Ok(Some(link))
                }
                DriverKind::Vfs => {
                    match (&top, lower) {
                        (_, Some(lower)) => driver::copy_tree(lower, &dir)?,
                        (Some(t), None) => driver::copy_tree(&self.layer_files(t), &dir)?,
                        (None, None) => fs::create_dir_all(&dir).map_err(io_at(&dir))?,
                    }
                    Ok(None)
                }
            }
        })();
        let link = match res {
            Ok(l) => l,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        // The new layer dir (and its short link) on disk before layers.json names them.
        let mut made = vec![self.layers_root()];
        if link.is_some() {
            made.push(self.layers_root().join("l"));
            made.push(dir.clone());
        }
        for d in &made {
            if let Err(e) = crate::durable::sync(d) {
                let _ = fs::remove_dir_all(&dir);
                return Err(io_at(d)(e));
            }
        }
        failpoint::hit("storage.create_container.after_layer_dir");
        let layer = LayerRecord {
            id: layer_id.clone(),
            parent: top,
            diff_id: None,
            blob: None,
            link,
            size: 0,
            container: true,
        };
        // The layer's record goes into the container's record, whose write is the
        // commit point: a crash before it leaves an unreferenced layer directory that
        // the next writer or open removes. (The failpoint keeps its name from when
        // the layer was recorded in layers.json first.)
        failpoint::hit("storage.create_container.after_layers_json");
        let rec = ContainerRecord {
            id: id.to_string(),
            image_id: img.map(|i| i.id),
            layer_id,
            lower_dir: lower
                .filter(|_| self.driver == DriverKind::Overlay)
                .map(Path::to_path_buf),
            layer: Some(layer),
        };
        if let Err(e) = self.save_container(&rec) {
            if let Some(l) = &rec.layer {
                let _ = self.remove_layer_files(l);
            }
            return Err(e);
        }
        failpoint::hit("storage.create_container.after_containers_json");
        Ok(self.container_layer(&rec))
    }

    fn container_layer(&self, rec: &ContainerRecord) -> ContainerLayer {
        ContainerLayer {
            id: rec.id.clone(),
            image_id: rec.image_id.clone(),
            layer_id: rec.layer_id.clone(),
            rootfs: match self.driver {
                DriverKind::Overlay => self.layer_dir(&rec.layer_id).join("merged"),
                DriverKind::Vfs => self.layer_dir(&rec.layer_id),
            },
        }
    }

    /// The storage of container `id`.
    pub fn container(&self, id: &str) -> Result<ContainerLayer> {
        let _l = self.lock_shared()?;
        Ok(self.container_layer(&self.require_container(id)?))
    }

    /// True when container `id` has storage here.
    pub fn container_exists(&self, id: &str) -> Result<bool> {
        let _l = self.lock_shared()?;
        Ok(valid_container_id(id) && self.container_record_path(id).exists())
    }

    /// All container storages.
    pub fn list_containers(&self) -> Result<Vec<ContainerLayer>> {
        let _l = self.lock_shared()?;
        Ok(self
            .load_containers()?
            .iter()
            .map(|c| self.container_layer(c))
            .collect())
    }

    /// Mounts container `id`'s root filesystem (counted) and returns its path.
    #[tracing::instrument(skip(self))]
    pub fn mount(&self, id: &str) -> Result<PathBuf> {
        let _l = self.lock()?;
        let rec = self.require_container(id)?;
        let cl = self.container_layer(&rec);
        let mut mounts = self.load_mounts()?;
        let count = mounts.get(id).copied().unwrap_or(0);
        let live = match self.driver {
            DriverKind::Overlay => driver::is_mountpoint(&cl.rootfs),
            DriverKind::Vfs => true,
        };
        let count = if count > 0 && live {
            count + 1
        } else {
            if self.driver == DriverKind::Overlay && !live {
                let layers = self.load_layers()?;
                let parent = match &rec.layer {
                    Some(l) => l.parent.clone(),
                    None => layers
                        .iter()
                        .find(|l| l.id == rec.layer_id)
                        .and_then(|l| l.parent.clone()),
                };
                let lowers = match &rec.lower_dir {
                    Some(d) => vec![d.clone()],
                    None => self.overlay_lowers(&layers, parent.as_deref()),
                };
                let dir = self.layer_dir(&rec.layer_id);
                self.mount_rw_overlay(&lowers, &dir.join("diff"), &dir.join("work"), &cl.rootfs)?;
            }
            1
        };
        failpoint::hit("storage.mount.after_mount");
        mounts.insert(id.to_string(), count);
        self.save_mounts(&mounts)?;
        failpoint::hit("storage.mount.after_mounts_json");
        Ok(cl.rootfs)
    }

    /// Drops one mount reference (all of them with `force`); the root is unmounted
    /// when none are left. Returns the remaining count.
    #[tracing::instrument(skip(self))]
    pub fn unmount(&self, id: &str, force: bool) -> Result<u32> {
        let _l = self.lock()?;
        let rec = self.require_container(id)?;
        let cl = self.container_layer(&rec);
        let mut mounts = self.load_mounts()?;
        let count = mounts.get(id).copied().unwrap_or(0);
        let left = if force { 0 } else { count.saturating_sub(1) };
        if left == 0 {
            if self.driver == DriverKind::Overlay && driver::is_mountpoint(&cl.rootfs) {
                driver::unmount_path(&cl.rootfs)?;
            }
            mounts.remove(id);
        } else {
            mounts.insert(id.to_string(), left);
        }
        failpoint::hit("storage.unmount.after_unmount");
        self.save_mounts(&mounts)?;
        failpoint::hit("storage.unmount.after_mounts_json");
        Ok(left)
    }

    /// Current mount count of container `id`.
    pub fn mount_count(&self, id: &str) -> Result<u32> {
        let _l = self.lock_shared()?;
        Ok(self.load_mounts()?.get(id).copied().unwrap_or(0))
    }

    /// Unmounts and removes everything of container `id`'s storage.
    #[tracing::instrument(skip(self))]
    pub fn delete_container(&self, id: &str) -> Result<()> {
        let _l = self.lock()?;
        self.delete_container_locked(id)
    }

    fn delete_container_locked(&self, id: &str) -> Result<()> {
        let rec = self.require_container(id)?;
        let cl = self.container_layer(&rec);
        if self.driver == DriverKind::Overlay {
            for m in driver::mounts_under(&cl.rootfs) {
                driver::unmount_path(&m)?;
            }
        }
        let mut mounts = self.load_mounts()?;
        if mounts.remove(id).is_some() {
            self.save_mounts(&mounts)?;
        }
        failpoint::hit("storage.delete_container.after_unmount");
        // The record goes first: a crash after it leaves only an unreferenced layer,
        // which the next writer or open removes (never a record pointing at deleted
        // files).
        self.remove_container_record(id)?;
        failpoint::hit("storage.delete_container.after_containers_json");
        match &rec.layer {
            Some(l) => {
                self.remove_layer_files(l)?;
                failpoint::hit("storage.delete_container.after_layer_files");
            }
            None => {
                // A record migrated without its layer's: the layer may still be
                // recorded in layers.json.
                let mut layers = self.load_layers()?;
                if let Some(lp) = layers.iter().position(|l| l.id == rec.layer_id) {
                    let l = layers.remove(lp);
                    self.remove_layer_files(&l)?;
                    failpoint::hit("storage.delete_container.after_layer_files");
                    self.save_layers(&layers)?;
                }
            }
        }
        failpoint::hit("storage.delete_container.after_layers_json");
        Ok(())
    }

    /// Unmounts every container root (for runtime shutdown). Returns every error.
    pub fn unmount_all(&self) -> Vec<StoreError> {
        let mut errs = Vec::new();
        match self.list_containers() {
            Ok(cs) => {
                for c in cs {
                    if let Err(e) = self.unmount(&c.id, true) {
                        errs.push(e);
                    }
                }
            }
            Err(e) => errs.push(e),
        }
        errs
    }

    /// Layer ids with their parents, for inspection and tests.
    pub fn layers(&self) -> Result<Vec<(String, Option<String>)>> {
        let _l = self.lock_shared()?;
        Ok(self
            .load_layers()?
            .into_iter()
            .map(|l| (l.id, l.parent))
            .collect())
    }

    pub(crate) fn compression_of(b: &BlobRef) -> Compression {
        match b.compression.as_str() {
            "gzip" => Compression::Gzip,
            "zstd" => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Finds the index of the image `q` names.
pub(crate) fn resolve_image(images: &[ImageRecord], q: &str) -> Result<usize> {
    let hexq = q.strip_prefix("sha256:").unwrap_or(q);
    if is_hex64(hexq) {
        if let Some(i) = images.iter().position(|i| i.id == hexq) {
            return Ok(i);
        }
    }
    if let Ok(r) = ImageReference::parse(q) {
        let full = r.to_string();
        if let Some(i) = images.iter().position(|i| i.names.contains(&full)) {
            return Ok(i);
        }
        if r.digest.is_some() {
            if let Some(i) = images.iter().position(|i| {
                r.digest
                    .as_ref()
                    .is_some_and(|d| i.all_digests().contains(d))
                    && i.names.iter().any(|n| n.starts_with(&r.repository()))
            }) {
                return Ok(i);
            }
        }
        if is_short_name(q) {
            // `busybox` also matches `localhost/busybox:latest`, `quay.io/x/busybox:latest`.
            let hits: Vec<usize> = images
                .iter()
                .enumerate()
                .filter(|(_, i)| {
                    i.names
                        .iter()
                        .any(|n| ImageReference::parse(n).is_ok_and(|nr| r.short_name_matches(&nr)))
                })
                .map(|(n, _)| n)
                .collect();
            if hits.len() == 1 {
                return Ok(hits[0]);
            }
        }
    }
    if !hexq.is_empty() && hexq.bytes().all(|b| b.is_ascii_hexdigit()) {
        let hits: Vec<usize> = images
            .iter()
            .enumerate()
            .filter(|(_, i)| i.id.starts_with(hexq))
            .map(|(n, _)| n)
            .collect();
        match hits.len() {
            1 => return Ok(hits[0]),
            0 => {}
            _ => return Err(StoreError::AmbiguousImage(q.to_string())),
        }
    }
    Err(StoreError::ImageNotFound(q.to_string()))
}

/// Ids of `layers` (chain ids) for diff ids, as hex.
pub(crate) fn layer_ids(diff_ids: &[String]) -> Result<Vec<String>> {
    chain_ids(diff_ids)
        .iter()
        .map(|c| Ok(digest_hex(c)?.to_string()))
        .collect()
}

pub(crate) use crate::extract::extract_layer;

/// Gives `dst` the owner and permission bits of `src`.
pub(crate) fn copy_root_attrs(src: &Path, dst: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let m = fs::metadata(src).map_err(io_at(src))?;
    std::os::unix::fs::chown(dst, Some(m.uid()), Some(m.gid())).map_err(io_at(dst))?;
    fs::set_permissions(dst, fs::Permissions::from_mode(m.mode() & 0o7777)).map_err(io_at(dst))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, names: &[&str]) -> ImageRecord {
        ImageRecord {
            id: id.to_string(),
            names: names.iter().map(|s| s.to_string()).collect(),
            digest: None,
            layers: vec![],
            digests: vec![],
            names_history: vec![],
            manifest_list: false,
        }
    }

    #[test]
    fn resolves_names_ids_prefixes() {
        let a = "a".repeat(64);
        let b = format!("ab{}", "c".repeat(62));
        let imgs = vec![
            rec(&a, &["localhost/busybox:latest"]),
            rec(&b, &["docker.io/library/alpine:3"]),
        ];
        assert_eq!(resolve_image(&imgs, "busybox").unwrap(), 0);
        assert_eq!(resolve_image(&imgs, "localhost/busybox").unwrap(), 0);
        assert_eq!(resolve_image(&imgs, "alpine:3").unwrap(), 1);
        assert_eq!(resolve_image(&imgs, &a).unwrap(), 0);
        assert_eq!(resolve_image(&imgs, &format!("sha256:{b}")).unwrap(), 1);
        assert_eq!(resolve_image(&imgs, "abc").unwrap(), 1);
        assert!(matches!(
            resolve_image(&imgs, "a"),
            Err(StoreError::AmbiguousImage(_))
        ));
        assert!(matches!(
            resolve_image(&imgs, "nope"),
            Err(StoreError::ImageNotFound(_))
        ));
        assert!(matches!(
            resolve_image(&imgs, "alpine"),
            Err(StoreError::ImageNotFound(_))
        ));
    }

    #[test]
    fn container_ids_are_checked() {
        assert!(valid_container_id("abc123"));
        assert!(!valid_container_id("../x"));
        assert!(!valid_container_id(""));
        assert!(!valid_container_id(".hidden"));
    }
}
