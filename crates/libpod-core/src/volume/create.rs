//! `volume create`, and the volumes containers create on demand.

use std::collections::BTreeMap;

use libpod_config::{failpoint, Operation, VolumeConfig, VolumeOptions, VolumeState};
use libpod_state::JournalKind;

use super::{lock, vol_err, VolumeError};
use crate::context::Parts;
use crate::events::{Event, EventStatus};
use crate::journal::{Acquired, Op};
use crate::Result;

/// What `volume create` takes.
#[derive(Debug, Clone, Default)]
pub struct VolumeCreateOptions {
    /// The name; `None` generates 64 hex characters (as Podman).
    pub name: Option<String>,
    /// The driver; `None` or `local`.
    pub driver: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// The driver's options (`type=`, `device=`, `o=`, `nocopy`).
    pub options: Vec<String>,
    /// An anonymous volume (removed with its container by `rm -v` and `--rm`).
    pub anonymous: bool,
    /// An existing volume of that name is not an error (`--ignore`).
    pub ignore_existing: bool,
}

/// [`Runtime::create_volume`] on the runtime's parts (container create uses it too).
pub(crate) fn create_volume(p: &Parts, opts: VolumeCreateOptions) -> Result<VolumeConfig> {
    if let Some(d) = opts.driver.as_deref() {
        if d != libpod_config::LOCAL_DRIVER {
            return Err(VolumeError::Driver(d.to_string()).into());
        }
    }
    let options = VolumeOptions::parse(&opts.options).map_err(VolumeError::from)?;
    if let (Some("bind"), Some(dev)) = (options.fs_type.as_deref(), options.device.as_deref()) {
        if let Err(e) = std::fs::metadata(dev) {
            let reason = match e.raw_os_error() {
                Some(n) => nix::errno::Errno::from_raw(n).desc().to_lowercase(),
                None => e.to_string(),
            };
            return Err(VolumeError::Device {
                device: dev.to_string(),
                reason,
            }
            .into());
        }
    }
    let name = match &opts.name {
        Some(n) => {
            libpod_config::validate_name(n)?;
            n.clone()
        }
        None => libpod_config::new_id(),
    };
    let _g = lock(p)?;
    match p.state.volume(&name) {
        Ok((cfg, _)) if opts.ignore_existing => return Ok(cfg),
        Ok(_) => return Err(VolumeError::Exists(name).into()),
        Err(libpod_state::StateError::NoSuchVolume { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let mut cfg = VolumeConfig::new(&name, &p.opts.config.volume_path);
    cfg.labels = opts.labels;
    cfg.options = options;
    cfg.anonymous = opts.anonymous;
    let dir = cfg.dir().to_path_buf();
    let op = Op::begin(
        p,
        JournalKind::Volume,
        &name,
        Operation::Create,
        Acquired {
            ctr_dir: Some(dir.clone()),
            ..Acquired::default()
        },
    )?;
    let made = (|| -> Result<()> {
        create_dirs(&cfg)?;
        failpoint::hit("volume.create.after_dir");
        p.state
            .add_volume(&cfg, &VolumeState::default())
            .map_err(vol_err)?;
        failpoint::hit("volume.create.after_state");
        Ok(())
    })();
    if let Err(e) = made {
        if let Err(err) = std::fs::remove_dir_all(&dir) {
            if err.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %dir.display(), error = %err, "removing a half-created volume");
            }
        }
        return Err(e);
    }
    drop(op);
    crate::events::emit(p, Event::volume(&name, EventStatus::Create));
    Ok(cfg)
}

/// The volume's directory (private to root, as Podman's) and its `_data` (0755).
fn create_dirs(cfg: &VolumeConfig) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let dir = cfg.dir();
    if let Some(parent) = dir.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| crate::Error::io("create volumes directory", parent, e))?;
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(|e| crate::Error::io("create volume directory", dir, e))?;
    std::fs::create_dir(&cfg.mountpoint)
        .map_err(|e| crate::Error::io("create volume directory", &cfg.mountpoint, e))?;
    std::fs::set_permissions(&cfg.mountpoint, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| crate::Error::io("chmod volume directory", &cfg.mountpoint, e))?;
    Ok(())
}
