//! The restart policy's bookkeeping under a held container lock: the decision
//! after an exit (`libpod_config::restart` has the rules), the record of the
//! process that waits out the backoff, and cancelling it when the user stops,
//! starts or removes the container meanwhile.
//!
//! The waiting process is conmon's exit command (`Container::cleanup`): it holds
//! no lock while it sleeps, so a canceller may end it at any time before it
//! claims the restart (it claims under the lock, and clears the record then).

use std::time::Duration;

use libpod_config::{next_restart_backoff, PendingRestart, UserStop};

use super::lock::Locked;
use crate::Result;

/// This process as a pending restart's owner: pid and start time.
fn own_identity() -> Option<(i32, u64)> {
    crate::process::current_identity()
        .ok()
        .map(|me| (me.pid, me.start_time))
}

/// True while the process that recorded `p` still waits for it (same pid and
/// start time, not a zombie). A record whose process died (killed by someone
/// else) promises nothing: `inspect` and the audit do not count it.
pub(crate) fn waiter_alive(p: &PendingRestart) -> bool {
    crate::process::same_process(p.pid, p.start_time)
}

/// How the user ended the last run, from the state.
pub(crate) fn user_stop(st: &libpod_config::ContainerState) -> UserStop {
    UserStop {
        stopped: st.stopped_by_user,
        killed: st.killed_by_user,
    }
}

/// After this process handled an exit (the container is Exited): when the
/// policy restarts it, records the restart as pending on this process with the
/// next backoff and saves; returns the wait. `None`: no restart.
pub(crate) fn schedule(l: &mut Locked<'_>) -> Result<Option<Duration>> {
    let st = &l.st;
    if l.cfg.auto_remove
        || !l.cfg.restart_policy.restarts(
            st.exit_code.unwrap_or(0),
            st.restart_count,
            user_stop(st),
        )
    {
        return Ok(None);
    }
    let Some((pid, start_time)) = own_identity() else {
        return Ok(None);
    };
    let uptime = match (st.started_at, st.finished_at) {
        (Some(s), Some(f)) => (f - s).to_std().unwrap_or_default(),
        _ => Duration::ZERO,
    };
    let wait = next_restart_backoff(Duration::from_millis(st.restart_backoff_ms), uptime);
    l.st.restart_backoff_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    l.st.restart_pending = Some(PendingRestart {
        pid,
        start_time,
        due: chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
    });
    l.save()?;
    Ok(Some(wait))
}

/// The waiter, back under the lock after its sleep: true when the pending
/// restart is still this process's (nobody cancelled it); clears the record
/// (the caller saves, with the restart).
pub(crate) fn claim(l: &mut Locked<'_>) -> bool {
    let mine = match (&l.st.restart_pending, own_identity()) {
        (Some(p), Some((pid, start))) => p.pid == pid && p.start_time == start,
        _ => false,
    };
    if mine {
        l.st.restart_pending = None;
    }
    mine
}

/// Cancels a pending restart: clears the record (the caller saves) and ends
/// the process waiting for it, when that is still the process that recorded it
/// (pid and start time) and not this one. Returns true if one was pending.
pub(crate) fn cancel_pending(l: &mut Locked<'_>) -> bool {
    let Some(p) = l.st.restart_pending.take() else {
        return false;
    };
    let ours = own_identity().is_some_and(|(pid, _)| pid == p.pid);
    if !ours {
        // It sleeps or waits for this lock: nothing of it is half done.
        if let Err(e) =
            crate::process::kill_if_same(p.pid, p.start_time, nix::sys::signal::Signal::SIGKILL)
        {
            tracing::debug!(pid = p.pid, error = %e, "ending a pending restart's process");
        }
    }
    tracing::debug!(id = %l.cfg.id, pid = p.pid, "pending restart cancelled");
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiter_is_alive_only_with_its_start_time() {
        let (pid, start_time) = own_identity().unwrap();
        let due = chrono::Utc::now();
        assert!(waiter_alive(&PendingRestart {
            pid,
            start_time,
            due
        }));
        assert!(!waiter_alive(&PendingRestart {
            pid,
            start_time: start_time + 1,
            due
        }));
        assert!(!waiter_alive(&PendingRestart {
            pid: i32::MAX,
            start_time,
            due
        }));
    }
}
