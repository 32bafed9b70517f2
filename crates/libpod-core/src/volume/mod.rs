//! Volumes: named and anonymous data directories that outlive containers
//! (Podman's `local` driver).
//!
//! A volume's data lives in `<volume_path>/NAME/_data`; its record is in the state
//! database ([`libpod_state::State::add_volume`]). A volume created with
//! `--opt type=,device=,o=` has a filesystem of its own, mounted on `_data` when the
//! first container using it is initialised and unmounted when the last one is torn
//! down (`mount`). Containers name their volumes in their config
//! ([`libpod_config::MountKind::Volume`], source = the volume's name); a volume's users
//! are the containers whose config names it.
//!
//! Every volume operation holds the runtime's named lock `volumes` (one lock for all
//! volumes: their operations are short). Lock order: container → `volumes`; a verb
//! that removes containers (`volume rm -f`) does so before it takes it.
//!
//! ```no_run
//! use libpod_core::volume::VolumeCreateOptions;
//! # let rt = libpod_core::Runtime::builder().build()?;
//! let v = rt.create_volume(VolumeCreateOptions { name: Some("data".into()), ..Default::default() })?;
//! assert!(rt.volume_exists("data")?);
//! rt.remove_volume(&v.name, false)?;
//! # Ok::<(), libpod_core::Error>(())
//! ```

pub(crate) mod create;
pub(crate) mod mount;
pub(crate) mod recover;
pub(crate) mod remove;

use std::collections::BTreeMap;

use libpod_config::{MountKind, VolumeConfig, VolumeState};
use libpod_state::{LockGuard, LockKind};

pub use create::VolumeCreateOptions;

use crate::context::Parts;
use crate::runtime::Runtime;
use crate::{Error, Result};

/// Errors about volumes.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// No volume of this name.
    #[error("no volume with name {0:?} found: no such volume")]
    NoSuch(String),
    /// The name is taken.
    #[error("volume with name {0} already exists: volume already exists")]
    Exists(String),
    /// Containers use the volume.
    #[error("volume {name} is being used by the following container(s): {}: volume is being used", .containers.join(", "))]
    InUse {
        /// The volume.
        name: String,
        /// The ids of the containers that use it.
        containers: Vec<String>,
    },
    /// A driver other than `local`.
    #[error("volume driver {0:?} is not supported (only \"local\")")]
    Driver(String),
    /// A bad `--opt`.
    #[error(transparent)]
    Options(#[from] libpod_config::VolumeOptionError),
    /// Mounting or unmounting the volume's own filesystem failed.
    #[error("{op} volume {name} ({what}): {source}")]
    Mount {
        /// mount or unmount.
        op: &'static str,
        /// The volume.
        name: String,
        /// What was mounted (type and device).
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Copying an image directory's content into a new volume failed.
    #[error("copying {from} up into volume {name}: {source}")]
    CopyUp {
        /// The volume.
        name: String,
        /// The image directory.
        from: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl From<VolumeError> for Error {
    fn from(e: VolumeError) -> Self {
        Error::Volume(Box::new(e))
    }
}

/// A volume as `volume inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeInfo {
    /// The immutable configuration.
    pub config: VolumeConfig,
    /// The state.
    pub state: VolumeState,
    /// Ids of the containers whose config names the volume.
    pub users: Vec<String>,
}

/// The runtime's one lock for volume operations.
pub(crate) fn lock(p: &Parts) -> Result<LockGuard> {
    Ok(p.locks.lock_named("volumes", LockKind::Exclusive)?)
}

/// Maps the state's volume errors onto [`VolumeError`].
pub(crate) fn vol_err(e: libpod_state::StateError) -> Error {
    match e {
        libpod_state::StateError::NoSuchVolume { name } => VolumeError::NoSuch(name).into(),
        libpod_state::StateError::VolumeExists { name } => VolumeError::Exists(name).into(),
        e => e.into(),
    }
}

/// Volume name → ids of the containers whose config names it.
pub(crate) fn users_by_volume(p: &Parts) -> Result<BTreeMap<String, Vec<String>>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (c, _) in p.state.all_containers()? {
        for mnt in c.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            m.entry(mnt.source.clone()).or_default().push(c.id.clone());
        }
    }
    for v in m.values_mut() {
        v.dedup();
    }
    Ok(m)
}

impl Runtime {
    /// Every volume, oldest first, with its users.
    #[tracing::instrument(skip(self))]
    pub fn volumes(&self) -> Result<Vec<VolumeInfo>> {
        let p = self.inner.parts()?;
        let mut users = users_by_volume(&p)?;
        Ok(p.state
            .all_volumes()?
            .into_iter()
            .map(|(config, state)| VolumeInfo {
                users: users.remove(&config.name).unwrap_or_default(),
                config,
                state,
            })
            .collect())
    }

    /// One volume by exact name ([`VolumeError::NoSuch`]).
    #[tracing::instrument(skip(self))]
    pub fn volume(&self, name: &str) -> Result<VolumeInfo> {
        let p = self.inner.parts()?;
        let (config, state) = p.state.volume(name).map_err(vol_err)?;
        let users = users_by_volume(&p)?.remove(name).unwrap_or_default();
        Ok(VolumeInfo {
            config,
            state,
            users,
        })
    }

    /// Whether a volume of this name exists.
    pub fn volume_exists(&self, name: &str) -> Result<bool> {
        let p = self.inner.parts()?;
        match p.state.volume(name) {
            Ok(_) => Ok(true),
            Err(libpod_state::StateError::NoSuchVolume { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes every volume no container uses that `keep` does not keep (`volume
    /// prune`); returns the removed names. Keeps going; every error is returned.
    #[tracing::instrument(skip(self, keep))]
    pub fn prune_volumes(&self, keep: &dyn Fn(&VolumeInfo) -> bool) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        let mut errs = Vec::new();
        for v in self.volumes()? {
            if !v.users.is_empty() || keep(&v) {
                continue;
            }
            match self.remove_volume(&v.config.name, false) {
                Ok(()) => removed.push(v.config.name),
                // In use by a container created meanwhile, or removed meanwhile.
                Err(Error::Volume(e))
                    if matches!(*e, VolumeError::InUse { .. } | VolumeError::NoSuch(_)) => {}
                Err(e) => errs.push(e),
            }
        }
        Error::join(errs)?;
        Ok(removed)
    }
}
