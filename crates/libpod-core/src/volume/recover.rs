//! Recovering a volume operation whose process died: create rolls back (the
//! directory and the record go), remove rolls forward (see `crate::journal`). The
//! runtime's open runs it for the volume entries container recovery hands back.

use libpod_config::failpoint;
use libpod_state::{JournalEntry, JournalKind};

use super::lock;
use crate::context::Parts;
use crate::journal::Acquired;
use crate::{Error, Result};

/// Recovers every volume entry of a dead owner. Keeps going; returns every error
/// (the entry of a failed one stays for the next open).
pub(crate) fn recover_all(p: &Parts, entries: &[JournalEntry]) -> Vec<Error> {
    entries
        .iter()
        .filter_map(|e| recover_one(p, e).err())
        .collect()
}

fn recover_one(p: &Parts, e: &JournalEntry) -> Result<()> {
    let span = tracing::info_span!("recover", kind = "volume", id = %e.id, op = %e.operation);
    let _s = span.enter();
    tracing::info!(owner = e.owner.pid, "recovering a crashed volume operation");
    let _g = lock(p)?;
    let acq: Acquired = serde_json::from_value(e.payload.clone()).unwrap_or_default();
    let cfg = match p.state.volume(&e.id) {
        Ok((cfg, _)) => Some(cfg),
        Err(libpod_state::StateError::NoSuchVolume { .. }) => None,
        Err(err) => return Err(err.into()),
    };
    failpoint::hit("recovery.volume.before_undo");
    match cfg {
        Some(cfg) => super::remove::finish_removal(p, &cfg)?,
        None => {
            if let Some(dir) = acq.ctr_dir {
                // Only ever a directory under the volume path (the entry names it).
                if dir.starts_with(&p.opts.config.volume_path) {
                    match std::fs::remove_dir_all(&dir) {
                        Ok(()) => {}
                        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                        Err(err) => return Err(Error::io("remove volume directory", dir, err)),
                    }
                }
            }
        }
    }
    p.state.journal_remove(JournalKind::Volume, &e.id)?;
    Ok(())
}
