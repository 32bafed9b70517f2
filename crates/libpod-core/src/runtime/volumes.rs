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
        crate::volume::all_volumes(&*self.inner.parts()?)
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

impl Runtime {
    /// `volume mount`: mounts the volume's own filesystem if it has one and it is not
    /// mounted, and counts the mount (until [`Runtime::unmount_volume`]); returns the
    /// host path of the volume's data.
    #[tracing::instrument(skip(self))]
    pub fn mount_volume(&self, name: &str) -> Result<std::path::PathBuf> {
        let p = self.inner.parts()?;
        let _g = lock(&p)?;
        let (cfg, mut st) = p.state.volume(name).map_err(vol_err)?;
        if crate::volume::mount::mount_if_needed(&cfg)? {
            crate::events::emit(
                &p,
                crate::events::Event::volume(name, crate::events::EventStatus::Mount),
            );
        }
        st.mounted = cfg.options.needs_mount();
        st.host_mounts += 1;
        p.state.save_volume_state(name, &st).map_err(vol_err)?;
        Ok(cfg.mountpoint)
    }

    /// `volume unmount`: undoes one [`Runtime::mount_volume`]; the volume's own
    /// filesystem is unmounted when no mount and no container holds it any more.
    #[tracing::instrument(skip(self))]
    pub fn unmount_volume(&self, name: &str) -> Result<()> {
        let p = self.inner.parts()?;
        let _g = lock(&p)?;
        let (cfg, mut st) = p.state.volume(name).map_err(vol_err)?;
        if st.host_mounts == 0 {
            return Err(VolumeError::NotHostMounted(name.to_string()).into());
        }
        st.host_mounts -= 1;
        let users = crate::volume::mount::users_now(&p, name)?;
        if st.host_mounts == 0 && users == 0 {
            if crate::volume::mount::unmount_if_mounted(&cfg)? {
                crate::events::emit(
                    &p,
                    crate::events::Event::volume(name, crate::events::EventStatus::Unmount),
                );
            }
            st.mounted = false;
        }
        p.state.save_volume_state(name, &st).map_err(vol_err)?;
        Ok(())
    }

    /// The config of volume `name`, read under the volumes lock, whose data directory
    /// is reachable (mounted where its driver needs that).
    fn reachable_volume(&self, name: &str) -> Result<VolumeConfig> {
        let p = self.inner.parts()?;
        let _g = lock(&p)?;
        let (cfg, _) = p.state.volume(name).map_err(vol_err)?;
        check_data_reachable(&cfg)?;
        Ok(cfg)
    }

    /// `volume export`: the volume's data as a tar archive (entries relative to the
    /// data directory, symlinks archived as links, never followed) on `out`.
    #[tracing::instrument(skip(self, out))]
    pub fn export_volume(&self, name: &str, out: &mut dyn std::io::Write) -> Result<()> {
        let cfg = self.reachable_volume(name)?;
        let err = |source: std::io::Error| VolumeError::Archive {
            what: "export",
            name: name.to_string(),
            source,
        };
        let contained = |e: libpod_storage::contained::ContainedError| {
            err(std::io::Error::other(e.to_string()))
        };
        let root =
            libpod_storage::contained::ContainedRoot::open(&cfg.mountpoint).map_err(contained)?;
        let loc = root.locate(std::path::Path::new("/")).map_err(contained)?;
        let mut b = tar::Builder::new(std::io::BufWriter::new(out));
        root.write_tar(&mut b, &loc, std::path::Path::new(""), true)
            .map_err(contained)?;
        b.into_inner()
            .and_then(|mut w| std::io::Write::flush(&mut w))
            .map_err(err)?;
        Ok(())
    }

    /// `volume import`: extracts a tar archive (plain, gzip or zstd) into the volume's
    /// data; every entry stays inside the data directory.
    #[tracing::instrument(skip(self, input))]
    pub fn import_volume(&self, name: &str, input: &mut dyn std::io::Read) -> Result<()> {
        let cfg = self.reachable_volume(name)?;
        let err = |source: std::io::Error| VolumeError::Archive {
            what: "import into",
            name: name.to_string(),
            source,
        };
        let (_, plain) = libpod_storage::archive::decompress(input).map_err(err)?;
        let dir = rustix::fs::open(
            &cfg.mountpoint,
            rustix::fs::OFlags::RDONLY
                | rustix::fs::OFlags::DIRECTORY
                | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| err(e.into()))?;
        let xo = libpod_storage::extract::ExtractOptions {
            whiteouts: None,
            owner: None,
            replace_kind: true,
            apply_root: false,
            display_prefix: std::path::PathBuf::new(),
        };
        libpod_storage::extract::extract_into(plain, &dir, &xo)
            .map_err(|e| err(std::io::Error::other(e.to_string())))?;
        Ok(())
    }
}

/// A volume with a filesystem of its own must have it mounted for its data to be
/// reached (a tmpfs one is empty then, as Podman allows).
fn check_data_reachable(cfg: &VolumeConfig) -> Result<()> {
    match cfg.options.fs_type.as_deref() {
        Some(ty) if ty != "tmpfs" && !crate::volume::mount::is_mounted(&cfg.mountpoint) => {
            Err(VolumeError::NotMounted {
                name: cfg.name.clone(),
                ty: ty.to_string(),
                mountpoint: cfg.mountpoint.clone(),
            }
            .into())
        }
        _ => Ok(()),
    }
}
