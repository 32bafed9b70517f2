//! `cleanup`: what conmon's exit command (`lpod container cleanup ID`) runs after
//! the container's process exited: delete the runtime container, unmount the
//! rootfs, record the exit, and remove the container when it was created with
//! `--rm`. Idempotent, and safe to race with stop and rm (everything happens
//! under the container lock, after syncing with the exit file).

use libpod_config::{failpoint, ContainerStatus, Operation};
use libpod_oci::OciError;
use libpod_state::JournalKind;

use super::lock::Locked;
use super::*;
use crate::journal::{Acquired, Op};
use crate::Error;

/// Network teardown: CNI DEL and netns removal for bridge (see `crate::network`).
fn network_teardown(l: &mut Locked<'_>) -> Vec<Error> {
    crate::network::teardown(l)
}

/// Tears the runtime side of a container down: deletes the runtime container
/// and conmon's files, tears the network down, unmounts the rootfs. Keeps going
/// after an error and returns all of them. Leaves Created → Configured and any
/// exited status → Exited, and saves.
pub(crate) fn teardown(l: &mut Locked<'_>) -> Result<()> {
    let id = l.id().to_string();
    let p = l.p;
    let mut errs = Vec::new();
    match p.oci.delete(&id, true) {
        Ok(()) | Err(OciError::NotFound { .. }) => {}
        Err(e) => errs.push(Error::from(e)),
    }
    if let Err(e) = p.oci.cleanup_files(&id) {
        errs.push(e.into());
    }
    failpoint::hit("container.cleanup.after_runtime_delete");
    errs.extend(network_teardown(l));
    failpoint::hit("container.cleanup.after_network");
    if l.st.mountpoint.take().is_some() {
        match p.store.unmount(&id, false) {
            Ok(_) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
            Err(e) => errs.push(e.into()),
        }
    }
    failpoint::hit("container.cleanup.after_unmount");
    l.st.pid = None;
    l.st.conmon_pid = None;
    l.st.status = l.st.status.after_teardown();
    // A container being removed loses its row right after: no write for it.
    if l.st.status != ContainerStatus::Removing {
        if let Err(e) = l.save() {
            errs.push(e);
        }
    }
    Error::join(errs)
}

/// Cleanup under the lock: the table decides; an Exited `--rm` container is removed.
/// Returns true if the container was removed.
pub(crate) fn cleanup_locked(l: &mut Locked<'_>) -> Result<bool> {
    let t = l.check(Operation::Cleanup)?;
    if !t.is_noop() {
        // Rolled forward after a crash (see `crate::journal`); the entry goes
        // before a `--rm` removal journals its own.
        let _op = Op::begin(
            l.p,
            JournalKind::Container,
            l.id(),
            Operation::Cleanup,
            Acquired {
                mount: l.st.mountpoint.is_some(),
                netns: l.st.netns_path.clone(),
                ..Acquired::default()
            },
        )?;
        teardown(l)?;
    }
    if l.cfg.auto_remove && l.st.status == ContainerStatus::Exited {
        super::remove::remove_locked(l, false)?;
        return Ok(true);
    }
    Ok(false)
}

impl Container {
    /// After the process exited: unmounts the rootfs, deletes the runtime
    /// container, records the exit code, removes the container if `--rm`.
    /// Idempotent and safe to race with stop/rm (what `lpod container cleanup` runs).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn cleanup(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        cleanup_locked(&mut l).map(|_| ())
    }
}
