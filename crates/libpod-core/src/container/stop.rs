//! `stop`: the stop signal under the lock, the wait without it (Podman #8501),
//! SIGKILL after the timeout, then cleanup under the lock again. → Exited.

use std::time::Duration;

use libpod_config::{failpoint, ContainerStatus, Operation};
use libpod_state::JournalKind;

use super::*;
use crate::journal::{Acquired, Op};
use crate::ops::lock::Locked;
use crate::Error;

/// How long to wait for the process after SIGKILL.
const AFTER_KILL: Duration = Duration::from_secs(30);

impl Container {
    /// Sends the stop signal, waits up to `timeout` (the container's stop timeout
    /// when `None`) without holding the lock, then SIGKILL. → Exited (and removed
    /// when created with `--rm`). Stopping a container that does not run is a no-op.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn stop(&self, timeout: Option<Duration>) -> Result<()> {
        let p = self.enter()?;
        // The journal entry spans the unlocked wait (see `crate::journal`).
        let op: Op<'_>;
        let stop_event;
        let (name, signal);
        let timeout = {
            let mut l = Locked::acquire(&p, &self.id)?;
            let t = l.check(Operation::Stop)?;
            if t.is_noop() {
                // Finish a lazy cleanup of an exited container.
                if l.st.status == ContainerStatus::Stopped {
                    super::cleanup::cleanup_locked(&mut l)?;
                }
                // Stopping a container that waits to be restarted cancels the restart.
                if crate::ops::policy::cancel_pending(&mut l) {
                    l.st.stopped_by_user = true;
                    l.save()?;
                }
                return Ok(());
            }
            let was = l.st.status;
            let wait = timeout.unwrap_or(Duration::from_secs(u64::from(l.cfg.stop_timeout)));
            // A zero timeout is SIGKILL at once, as in Podman.
            signal = match was {
                ContainerStatus::Paused | ContainerStatus::Created => libc::SIGKILL,
                _ if wait.is_zero() => libc::SIGKILL,
                _ => l.cfg.stop_signal,
            };
            name = l.cfg.name.clone();
            op = Op::begin(
                &p,
                JournalKind::Container,
                &self.id,
                Operation::Stop,
                Acquired {
                    mount: l.st.mountpoint.is_some(),
                    netns: l.st.netns_path.clone(),
                    conmon_pid: l.st.conmon_pid,
                    ..Acquired::default()
                },
            )?;
            l.st.stopped_by_user = true;
            stop_event = crate::events::Event::container(&l.cfg, crate::events::EventStatus::Stop);
            l.begin(&t)?;
            if let Err(e) = p.oci_for(&l.cfg.oci_runtime)?.kill(&self.id, signal, false) {
                tracing::debug!(error = %e, "stop signal not delivered (process gone?)");
            }
            failpoint::hit("container.stop.after_kill");
            if was == ContainerStatus::Paused {
                let _ = p.oci_for(&l.cfg.oci_runtime)?.resume(&self.id);
            }
            if signal == libc::SIGKILL {
                AFTER_KILL
            } else {
                wait
            }
        };
        // Unlocked: others (ps, inspect, the exit command's cleanup) proceed meanwhile.
        if super::wait::wait_unlocked(&p, &self.id, Some(timeout), true)?.is_none() {
            // Podman's warning, word for word (scripts and its tests look for it).
            let sig_name = nix::sys::signal::Signal::try_from(signal)
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|_| signal.to_string());
            if signal != libc::SIGKILL {
                tracing::warn!(
                    "StopSignal {sig_name} failed to stop container {name} in {} seconds, resorting to SIGKILL",
                    timeout.as_secs()
                );
            }
            {
                let l = Locked::acquire(&p, &self.id)?;
                if l.st.status == ContainerStatus::Stopping {
                    let _ = p.oci_for(&l.cfg.oci_runtime)?.kill(
                        &self.id,
                        libc::SIGKILL,
                        crate::rootless::kill_all(),
                    );
                }
            }
            if super::wait::wait_unlocked(&p, &self.id, Some(AFTER_KILL), true)?.is_none() {
                return Err(Error::Timeout {
                    id: self.id.clone(),
                    seconds: AFTER_KILL.as_secs(),
                });
            }
        }
        failpoint::hit("container.stop.after_wait");
        let r = match Locked::acquire(&p, &self.id) {
            Ok(mut l) => {
                if matches!(
                    l.st.status,
                    ContainerStatus::Stopped | ContainerStatus::Stopping
                ) {
                    super::cleanup::cleanup_locked(&mut l)?;
                }
                Ok(())
            }
            // Removed meanwhile (the exit command of a --rm container): stopped.
            Err(Error::NoSuchContainer(_)) => Ok(()),
            Err(e) => Err(e),
        };
        drop(op);
        if r.is_ok() {
            crate::events::emit(&p, stop_event);
        }
        r
    }
}
