//! The runtime's volume verbs (`volume create/ls/inspect/exists/rm/prune`); the
//! mechanisms are in `crate::volume`, which depends on no verb.

use libpod_config::VolumeConfig;

use crate::volume::create::{create_volume, VolumeCreateOptions};
use crate::volume::remove::remove_unlocked;
use crate::volume::{lock, users_by_volume, vol_err, VolumeError, VolumeInfo};
use crate::{Error, Result, Runtime};

impl Runtime {
    /// Creates a volume: its directory `<volume_path>/NAME/_data` and its record.
    /// Rolled back after a crash (see `crate::journal`).
    #[tracing::instrument(skip(self, opts), fields(name = ?opts.name))]
    pub fn create_volume(&self, opts: VolumeCreateOptions) -> Result<VolumeConfig> {
        let p = self.inner.parts()?;
        create_volume(&p, opts)
    }
}

impl Runtime {
    /// Removes a volume: its data and its record. A volume that containers use is
    /// [`VolumeError::InUse`] (naming them) and nothing is removed, unless `force`,
    /// which removes those containers first (as Podman). Rolled forward after a crash.
    #[tracing::instrument(skip(self))]
    pub fn remove_volume(&self, name: &str, force: bool) -> Result<()> {
        let p = self.inner.parts()?;
        p.state.volume(name).map_err(vol_err)?;
        if force {
            // Containers first, without the volumes lock (lock order container → volumes).
            let users = users_by_volume(&p)?.remove(name).unwrap_or_default();
            for id in users {
                match self.container(&id) {
                    Ok(c) => match c.remove(true) {
                        Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                        Err(e) => return Err(e),
                    },
                    Err(Error::NoSuchContainer(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let _g = lock(&p)?;
        remove_unlocked(&p, name)
    }
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
