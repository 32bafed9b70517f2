//! Removing a locked container: storage, bundle, logs, lock file and database
//! row; the exit code stays in the state's exit-code table for `wait` after
//! removal. The step `rm`, cleanup of an auto-remove container and recovery share.

use std::time::Duration;

use libpod_config::{failpoint, ContainerStatus, Operation};
use libpod_state::JournalKind;

use super::lock::Locked;
use crate::error::PodError;
use crate::journal::{Acquired, Op};
use crate::{Error, Result};

/// How long a forced removal waits for a SIGKILLed process to be reaped.
const KILL_WAIT: Duration = Duration::from_secs(30);

/// A pod's current infra container is removed only by `Pod::remove` (which
/// detaches it from the pod first).
fn check_infra_removal(l: &Locked<'_>) -> Result<()> {
    let (true, Some(pod)) = (l.cfg.is_infra, &l.cfg.pod) else {
        return Ok(());
    };
    match l.p.state.pod(pod) {
        Ok((_, ps)) if ps.infra_container_id.as_deref() == Some(l.cfg.id.as_str()) => {
            Err(PodError::InfraRemoval {
                id: l.cfg.id.clone(),
                pod: pod.clone(),
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// Removes the locked container. `force` kills a running one first (SIGKILL,
/// without the stop timeout). An auto-remove (`--rm`) container's anonymous volumes
/// go with it. Returns the pid conmon had recorded (it may still be finishing its
/// exit command, which waits for this lock).
pub(crate) fn remove_locked(l: &mut Locked<'_>, force: bool) -> Result<Option<i32>> {
    let volumes = l.cfg.auto_remove;
    remove_locked_with(l, force, volumes)
}

/// [`remove_locked`]; `volumes` also removes the container's anonymous volumes that
/// no other container uses (`rm -v`).
pub(crate) fn remove_locked_with(
    l: &mut Locked<'_>,
    force: bool,
    volumes: bool,
) -> Result<Option<i32>> {
    let t = l.check(if force {
        Operation::RemoveForce
    } else {
        Operation::Remove
    })?;
    check_infra_removal(l)?;
    crate::deps::check_no_dependents(l)?;
    // A restart waiting out its backoff is cancelled, and its process ended.
    if super::policy::cancel_pending(l) {
        l.save()?;
    }
    let id = l.id().to_string();
    let p = l.p;
    let conmon =
        l.st.conmon_pid
            .or_else(|| p.oci_for(&l.cfg.oci_runtime).ok()?.conmon_pid(&id));
    // Rolled forward after a crash (see `crate::journal`).
    let _op = Op::begin(
        p,
        JournalKind::Container,
        &id,
        Operation::Remove,
        Acquired {
            mount: l.st.mountpoint.is_some(),
            netns: l.st.netns_path.clone(),
            conmon_pid: l.st.conmon_pid,
            storage_container: true,
            state_row: true,
            ..Acquired::default()
        },
    )?;
    if l.st.status.is_active() {
        let oci = p.oci_for(&l.cfg.oci_runtime)?;
        let _ = oci.kill(&id, libc::SIGKILL, crate::rootless::kill_all());
        if l.st.status == ContainerStatus::Paused {
            let _ = oci.resume(&id);
        }
        // Waiting under the lock is fine here: SIGKILL cannot be ignored, and the
        // exit command's cleanup simply finds the container gone.
        let _ = p.oci.wait_exit(&id, KILL_WAIT);
        if super::sync::sync_exit(p, &id, &mut l.st)? {
            l.save()?;
        }
        failpoint::hit("container.remove.after_kill");
    }
    let mut errs = Vec::new();
    // Removing is written so that other processes see it (and a crash mid-way
    // leaves a row that `rm -f` finishes).
    if let Err(e) = l.commit(&t) {
        errs.push(e);
    }
    if let Err(e) = super::teardown::teardown(l) {
        errs.push(e);
    }
    match p.store.delete_container(&id) {
        Ok(()) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
        Err(e) => errs.push(e.into()),
    }
    failpoint::hit("container.remove.after_storage_delete");
    for dir in [
        p.opts.bundle_dir().join(&id),
        p.opts.containers_dir().join(&id),
    ] {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => errs.push(Error::io("remove", dir, e)),
        }
    }
    // The exit code is already in the exit-code table: `sync_exit` records it
    // when the exit is observed.
    // The row goes last: until then a failed removal can be retried.
    p.state
        .remove_container(&id)
        .map_err(|e| crate::context::ctr_err(e, &id))?;
    failpoint::hit("container.remove.after_state");
    errs.extend(crate::deps::forget_dependent(p, &l.cfg));
    if let Err(e) = p.locks.remove(&id) {
        errs.push(e.into());
    }
    tracing::debug!(id = %id, "container removed");
    crate::events::container(p, &l.cfg, crate::events::EventStatus::Remove);
    if volumes {
        errs.extend(remove_anonymous_volumes(p, &l.cfg));
    }
    if !errs.is_empty() {
        tracing::warn!(id = %id, errors = ?errs, "container removed with teardown errors");
    }
    Ok(conmon)
}

/// Removes the anonymous volumes of a removed container that no other container uses.
fn remove_anonymous_volumes(
    p: &crate::context::Parts,
    cfg: &libpod_config::ContainerConfig,
) -> Vec<Error> {
    let mut errs = Vec::new();
    for m in cfg
        .mounts
        .iter()
        .filter(|m| m.kind == libpod_config::MountKind::Volume)
    {
        let anonymous = match p.state.volume(&m.source) {
            Ok((v, _)) => v.anonymous,
            Err(_) => false,
        };
        if !anonymous {
            continue;
        }
        let r = crate::volume::lock(p)
            .and_then(|_g| crate::volume::remove::remove_unlocked(p, &m.source));
        match r {
            Ok(()) => {}
            Err(Error::Volume(e))
                if matches!(
                    *e,
                    crate::volume::VolumeError::InUse { .. }
                        | crate::volume::VolumeError::NoSuch(_)
                ) => {}
            Err(e) => errs.push(e),
        }
    }
    errs
}
