//! Recovering a pod operation whose process died: create rolls back, remove
//! forward, both by removing the pod with force (see [`crate::journal`]). The
//! runtime's open runs it for the entries container recovery
//! (`crate::recovery::recover_all`) hands back, after the containers.

use libpod_state::JournalEntry;

use super::*;

/// Recovers the dead owners' pod entries. Keeps going; returns every error
/// (the entry of a failed one stays for the next open).
pub(crate) fn recover_all(rt: &Runtime, p: &Parts, entries: &[JournalEntry]) -> Vec<Error> {
    entries
        .iter()
        .filter_map(|e| recover_pod(rt, p, e).err())
        .collect()
}

/// Recovers one pod entry of a dead owner.
fn recover_pod(rt: &Runtime, p: &Parts, e: &JournalEntry) -> Result<()> {
    let span = tracing::info_span!("recover", kind = "pod", id = %e.id, op = %e.operation);
    let _g = span.enter();
    tracing::info!(owner = e.owner.pid, "recovering a crashed pod operation");
    match p.state.pod(&e.id) {
        Ok(_) => {
            let pod = Pod {
                id: e.id.clone(),
                rt: rt.inner.clone(),
            };
            failpoint::hit("recovery.pod.before_undo");
            pod.remove(true)?;
        }
        Err(libpod_state::StateError::NoSuchPod { .. }) => {
            if let Err(err) = p.locks.remove(&e.id) {
                tracing::debug!(error = %err, "removing a pod lock file");
            }
        }
        Err(err) => return Err(err.into()),
    }
    p.state.journal_remove(JournalKind::Pod, &e.id)?;
    Ok(())
}
