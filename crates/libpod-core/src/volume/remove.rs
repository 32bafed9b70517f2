//! `volume rm`.

use libpod_config::{failpoint, Operation};
use libpod_state::JournalKind;

use super::{users_by_volume, vol_err, VolumeError};
use crate::context::Parts;
use crate::events::{Event, EventStatus};
use crate::journal::{Acquired, Op};
use crate::{Error, Result};

/// Removes the volume under the volumes lock, refusing one in use.
pub(crate) fn remove_unlocked(p: &Parts, name: &str) -> Result<()> {
    let (cfg, st) = p.state.volume(name).map_err(vol_err)?;
    let users = users_by_volume(p)?.remove(name).unwrap_or_default();
    if !users.is_empty() {
        return Err(VolumeError::InUse {
            name: name.to_string(),
            containers: users,
        }
        .into());
    }
    let _op = Op::begin(
        p,
        JournalKind::Volume,
        name,
        Operation::Remove,
        Acquired {
            ctr_dir: Some(cfg.dir().to_path_buf()),
            mount: st.mounted,
            state_row: true,
            ..Acquired::default()
        },
    )?;
    finish_removal(p, &cfg)?;
    crate::events::emit(p, Event::volume(name, EventStatus::Remove));
    Ok(())
}

/// The removal's steps, each tolerating "already done" (recovery repeats them):
/// unmount the volume's own filesystem, delete the directory, drop the record.
pub(crate) fn finish_removal(p: &Parts, cfg: &libpod_config::VolumeConfig) -> Result<()> {
    super::mount::unmount_if_mounted(cfg)?;
    let dir = cfg.dir();
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("remove volume directory", dir, e)),
    }
    failpoint::hit("volume.remove.after_dir");
    match p.state.remove_volume(&cfg.name) {
        Ok(()) | Err(libpod_state::StateError::NoSuchVolume { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    failpoint::hit("volume.remove.after_state");
    Ok(())
}
