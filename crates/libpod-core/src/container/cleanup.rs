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
    /// What conmon's exit command (`lpod container cleanup ID`) runs after the
    /// container's process exited, in whichever process runs it (the one that
    /// started the container may be long gone). The one place that handles an
    /// exit: records it (exit code, `died` event), tears the network and mounts
    /// down (`cleanup` event), removes a `--rm` container, and applies the
    /// restart policy (Docker's rules, see `libpod_config::restart`): a due
    /// restart is recorded as pending on this process, which waits out the
    /// backoff holding no lock, then starts the container again (`restart`
    /// event, `RestartCount` + 1). A user stop, start or removal meanwhile
    /// cancels it (and ends this process). Otherwise a pod member's exit applies
    /// the pod's exit policy. Idempotent and safe to race with stop, start and rm;
    /// refused (as the transition table says) while the container runs.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn cleanup(&self) -> Result<()> {
        let p = self.enter()?;
        let (restart_wait, pod) = {
            let mut l = Locked::acquire(&p, &self.id)?;
            let pod = if l.cfg.is_infra {
                None
            } else {
                l.cfg.pod.clone()
            };
            let before = l.st.status;
            // A restart is due only after the call that tore this exited run down
            // (not after a `--rm` removal or an exit another process handled).
            let restart_wait = if cleanup_locked(&mut l)? {
                None
            } else if matches!(before, ContainerStatus::Stopped | ContainerStatus::Stopping)
                && l.st.status == ContainerStatus::Exited
            {
                crate::ops::policy::schedule(&mut l)?
            } else {
                None
            };
            (restart_wait, pod)
        };
        match restart_wait {
            Some(wait) => self.restart_after(&p, wait),
            // No restart coming: as before, the pod's exit policy (idempotent;
            // it acts once no member runs).
            None => {
                if let Some(pod) = pod {
                    crate::pod::apply_exit_policy(&self.rt, &pod)?;
                }
                Ok(())
            }
        }
    }

    /// The pending restart: sleeps `wait` holding no lock, then, unless it was
    /// cancelled meanwhile (or the container is gone), starts the container again.
    fn restart_after(&self, p: &crate::context::Parts, wait: std::time::Duration) -> Result<()> {
        tracing::debug!(wait_ms = wait.as_millis() as u64, "restart policy: waiting");
        std::thread::sleep(wait);
        let mut l = match Locked::acquire(p, &self.id) {
            Ok(l) => l,
            Err(crate::Error::NoSuchContainer(_)) => return Ok(()),
            Err(e) => return Err(e),
        };
        if !crate::ops::policy::claim(&mut l) {
            return Ok(());
        }
        if !l.st.status.has_exited() {
            // Started meanwhile: only the claim is recorded.
            l.save()?;
            return Ok(());
        }
        // The claim and the new count are saved by the start's own commit.
        l.st.restart_count += 1;
        match super::start::start_with_dependencies(&mut l) {
            Ok(_) => {
                crate::events::container(p, &l.cfg, crate::events::EventStatus::Restart);
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "restart policy: the restart failed");
                l.st.restart_count -= 1;
                l.st.error = Some(e.to_string());
                let _ = l.save();
                Err(e)
            }
        }
    }
}
