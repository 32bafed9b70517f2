//! `cleanup`: what conmon's exit command (`lpod container cleanup ID`) runs after
//! the container's process exited: delete the runtime container, unmount the
//! rootfs, record the exit, and remove the container when it was created with
//! `--rm`. Idempotent, and safe to race with stop and rm (everything happens
//! under the container lock, after syncing with the exit file).

use libpod_config::{ContainerStatus, Operation};
use libpod_state::JournalKind;

use super::*;
use crate::journal::{Acquired, Op};
use crate::ops::lock::Locked;

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
        crate::ops::teardown::teardown(l)?;
        crate::events::container(l.p, &l.cfg, crate::events::EventStatus::Cleanup);
    }
    if l.cfg.auto_remove && l.st.status == ContainerStatus::Exited {
        crate::ops::remove::remove_locked(l, false)?;
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
        cleanup_locked(&mut l)?;
        let pod = if l.cfg.is_infra {
            None
        } else {
            l.cfg.pod.clone()
        };
        drop(l);
        if let Some(pod) = pod {
            crate::pod::apply_exit_policy(&self.rt, &pod)?;
        }
        Ok(())
    }
}
