//! Recovery: finishing or undoing the journaled container operations whose
//! process died (see [`crate::journal`] for the design and the per-operation
//! table).
//!
//! Recovery is its own step, above the container steps (`crate::ops`) and
//! below the verbs: it locks the container, and rolls forward or back with
//! the same steps the verbs use (removal, teardown, which take further
//! locks). So it never runs inside acquiring a lock; a verb calls
//! [`recover_container`] once at its entry (`Container::enter`), before it
//! locks, and the runtime's open calls [`recover_all`]. It names no verb, no
//! `Pod` and not the `Runtime`: a dead pod operation is rolled forward by
//! removing the pod, which is a pod verb, so [`recover_all`] hands those
//! entries back to its caller (`pod::recover`).

use std::path::PathBuf;
use std::time::Duration;

use libpod_config::{failpoint, ContainerStatus, Operation};
use libpod_state::{JournalEntry, JournalKind};

use crate::context::Parts;
use crate::journal::{owner_alive, proc_start, Acquired};
use crate::ops::lock::Locked;
use crate::{Error, Result};

fn payload(e: &JournalEntry) -> Acquired {
    serde_json::from_value(e.payload.clone()).unwrap_or_else(|err| {
        tracing::warn!(id = %e.id, error = %err, "unreadable journal payload, treating as empty");
        Acquired::default()
    })
}

/// Kills a recorded conmon, only if the pid still names that conmon.
fn kill_recorded(pid: Option<i32>, start: Option<u64>) {
    let (Some(pid), Some(start)) = (pid, start) else {
        return;
    };
    match proc_start(pid) {
        Ok((s, comm)) if s == start && comm == "conmon" => {
            tracing::info!(pid, "recovery: killing the conmon of a crashed operation");
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        _ => tracing::debug!(pid, "recorded conmon is gone (or the pid was reused)"),
    }
}

/// Puts what the payload says was acquired into the state, so that the
/// ordinary teardown releases it.
fn patch_state(l: &mut Locked<'_>, acq: &Acquired) {
    if acq.mount && l.st.mountpoint.is_none() {
        l.st.mountpoint = Some(PathBuf::new());
    }
    if l.st.netns_path.is_none() {
        l.st.netns_path = acq.netns.clone();
    }
}

/// The ordinary teardown; during recovery its errors (mostly "already gone"
/// after an earlier, interrupted recovery) are logged, not fatal.
fn teardown_logged(l: &mut Locked<'_>) {
    if let Err(e) = crate::ops::teardown::teardown(l) {
        tracing::warn!(error = %e, "recovery: teardown");
    }
}

/// Recovers the dead owner's entry of the locked container. Returns false when
/// the container no longer exists afterwards.
pub(crate) fn recover_locked(l: &mut Locked<'_>, e: &JournalEntry) -> Result<bool> {
    let span = tracing::info_span!("recover", kind = "container", id = %e.id, op = %e.operation);
    let _g = span.enter();
    let p = l.p;
    let acq = payload(e);
    tracing::info!(owner = e.owner.pid, "recovering a crashed operation");
    let exists = match e.operation.parse::<Operation>().ok() {
        Some(Operation::Create) => {
            kill_recorded(acq.conmon_pid, acq.conmon_start);
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            crate::ops::remove::remove_locked(l, true)?;
            false
        }
        Some(Operation::Stop) => {
            if l.st.status.is_active() {
                let id = l.id().to_string();
                let _ = p.oci.kill(&id, libc::SIGKILL, crate::rootless::kill_all());
                if l.st.status == ContainerStatus::Paused {
                    let _ = p.oci.resume(&id);
                }
                let _ = p.oci.wait_exit(&id, Duration::from_secs(30));
                if crate::ops::sync::sync_exit(p, &id, &mut l.st)? {
                    l.save()?;
                }
            }
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            teardown_logged(l);
            true
        }
        Some(Operation::Cleanup) => {
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            teardown_logged(l);
            if l.cfg.auto_remove && l.st.status == ContainerStatus::Exited {
                crate::ops::remove::remove_locked(l, false)?;
                false
            } else {
                true
            }
        }
        Some(Operation::Remove | Operation::RemoveForce) => {
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            crate::ops::remove::remove_locked(l, true)?;
            false
        }
        // init, start and anything unknown: back to before the operation.
        _ => {
            kill_recorded(acq.conmon_pid, acq.conmon_start);
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            teardown_logged(l);
            true
        }
    };
    failpoint::hit("recovery.container.after_undo");
    p.state.journal_remove(JournalKind::Container, &e.id)?;
    Ok(exists)
}

/// A container entry whose rows are gone (a create that died before the row,
/// a remove that died after it): release what is left by id.
fn recover_rowless(p: &Parts, e: &JournalEntry) -> Result<()> {
    let span = tracing::info_span!("recover", kind = "container", id = %e.id, op = %e.operation);
    let _g = span.enter();
    let acq = payload(e);
    let id = &e.id;
    let _lock = p
        .locks
        .lock(id)
        .map_err(|err| crate::context::lock_err(err, id))?;
    // Another recoverer may have finished meanwhile.
    if p.state.journal_get(JournalKind::Container, id)?.is_none() {
        return Ok(());
    }
    kill_recorded(acq.conmon_pid, acq.conmon_start);
    let mut errs = Vec::new();
    match p.oci.delete(id, true) {
        Ok(()) | Err(libpod_oci::OciError::NotFound { .. }) => {}
        Err(err) => errs.push(Error::from(err)),
    }
    if let Err(err) = p.oci.cleanup_files(id) {
        errs.push(err.into());
    }
    if let Some(ns) = &acq.netns {
        if let Err(err) = libpod_net::Netns::destroy_path(ns) {
            tracing::warn!(error = %err, "recovery: removing a netns");
        }
    }
    failpoint::hit("recovery.container.before_undo");
    match p.store.unmount(id, true) {
        Ok(_) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
        Err(err) => errs.push(err.into()),
    }
    match p.store.delete_container(id) {
        Ok(()) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
        Err(err) => errs.push(err.into()),
    }
    for dir in [
        p.opts.bundle_dir().join(id),
        p.opts.containers_dir().join(id),
    ] {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => errs.push(Error::io("remove", dir, err)),
        }
    }
    if !errs.is_empty() {
        return Error::join(errs);
    }
    failpoint::hit("recovery.container.after_undo");
    p.state.journal_remove(JournalKind::Container, id)?;
    if let Err(err) = p.locks.remove(id) {
        tracing::debug!(error = %err, "removing a lock file");
    }
    Ok(())
}

/// What [`recover_all`] did not do: its errors, and the pod entries it
/// leaves to the pod verbs.
pub(crate) struct Recovered {
    /// One per container entry that could not be recovered (it stays, for the
    /// next open or the next verb on the container).
    pub(crate) errors: Vec<Error>,
    /// The pod entries whose owner is dead, to roll forward after the
    /// containers (`pod::recover`).
    pub(crate) pods: Vec<JournalEntry>,
    /// The volume entries whose owner is dead (`volume::recover`), after the pods.
    pub(crate) volumes: Vec<JournalEntry>,
}

/// At runtime open (under the alive lock): recovers every container entry
/// whose owner is dead. Keeps going; returns every error, and the dead
/// owners' pod entries.
#[tracing::instrument(skip_all)]
pub(crate) fn recover_all(p: &Parts) -> Recovered {
    let entries = match p.state.journal_entries() {
        Ok(v) => v,
        Err(e) => {
            return Recovered {
                errors: vec![e.into()],
                pods: Vec::new(),
                volumes: Vec::new(),
            }
        }
    };
    let mut errs = Vec::new();
    let (ctrs, others): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .filter(|e| !owner_alive(p, &e.owner))
        .partition(|e| e.kind == JournalKind::Container);
    let (volumes, pods): (Vec<_>, Vec<_>) = others
        .into_iter()
        .partition(|e| e.kind == JournalKind::Volume);
    for e in ctrs {
        // With its row: under its lock; without (or gone meanwhile): by id.
        match recover_container(p, &e.id) {
            Ok(()) => {
                let rowless = matches!(
                    p.state.container(&e.id),
                    Err(libpod_state::StateError::NoSuchContainer { .. })
                );
                if rowless
                    && p.state
                        .journal_get(JournalKind::Container, &e.id)
                        .ok()
                        .flatten()
                        .is_some()
                {
                    if let Err(err) = recover_rowless(p, &e) {
                        errs.push(err);
                    }
                }
            }
            Err(err) => errs.push(err),
        }
    }
    Recovered {
        errors: errs,
        pods,
        volumes,
    }
}

/// The container's entry, if its owner is dead.
fn dead_entry(p: &Parts, id: &str) -> Result<Option<JournalEntry>> {
    Ok(p.state
        .journal_get(JournalKind::Container, id)?
        .filter(|e| !owner_alive(p, &e.owner)))
}

/// The recovery step of a verb: if the container has an entry whose owner
/// died, locks the container (pod first), finishes or undoes that operation
/// and unlocks. Cheap when there is nothing to do (one read of the journal).
/// A container that is gone, or goes with the recovery, is left to the verb's
/// own lock to report.
pub(crate) fn recover_container(p: &Parts, id: &str) -> Result<()> {
    if dead_entry(p, id)?.is_none() {
        return Ok(());
    }
    let mut l = match Locked::acquire(p, id) {
        Ok(l) => l,
        Err(Error::NoSuchContainer(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    // Another process may have recovered it while we waited for the lock.
    if let Some(e) = dead_entry(p, id)? {
        recover_locked(&mut l, &e)?;
    }
    Ok(())
}
