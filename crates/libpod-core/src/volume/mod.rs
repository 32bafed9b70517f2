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
use crate::{Error, Result};

pub use crate::error::VolumeError;

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

/// Every volume, oldest first, with its users (`volume ls`, `system df`).
pub(crate) fn all_volumes(p: &Parts) -> Result<Vec<VolumeInfo>> {
    let mut users = users_by_volume(p)?;
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
