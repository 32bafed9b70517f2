//! Starting a locked container: initialises it when needed, then starts its
//! process. → Running. What it depends on (a pod's infra) is already running:
//! the verb (`Container::start`) sees to that first.

use libpod_config::{failpoint, Operation};
use libpod_state::JournalKind;

use super::lock::Locked;
use crate::journal::{Acquired, Op};
use crate::Result;

/// Starts a Created container.
pub(crate) fn start_locked(l: &mut Locked<'_>) -> Result<()> {
    let t = l.check(Operation::Start)?;
    let id = l.id().to_string();
    let conmon_start =
        l.st.conmon_pid
            .and_then(|pid| crate::journal::proc_start(pid).ok())
            .map(|(start, _)| start);
    let _op = Op::begin(
        l.p,
        JournalKind::Container,
        &id,
        Operation::Start,
        Acquired {
            started: true,
            mount: l.st.mountpoint.is_some(),
            netns: l.st.netns_path.clone(),
            runtime_create: true,
            conmon_pid: l.st.conmon_pid,
            conmon_start,
            ..Acquired::default()
        },
    )?;
    if let Err(e) = l.p.oci_for(&l.cfg.oci_runtime)?.start(&id) {
        l.st.error = Some(e.to_string());
        let _ = l.save();
        let argv0 = super::init::argv0(&l.cfg);
        return Err(super::init::map_create_error(e.into(), &argv0));
    }
    failpoint::hit("container.start.after_start");
    l.st.started_at = Some(chrono::Utc::now());
    l.st.finished_at = None;
    l.st.stopped_by_user = false;
    l.st.killed_by_user = false;
    l.st.running_at_shutdown = false;
    // Started (by the user, or by the policy that claimed its restart already):
    // a restart still pending is moot.
    super::policy::cancel_pending(l);
    let hc = l.cfg.healthcheck.clone().filter(|h| !h.is_disabled());
    if hc.is_some() {
        // A new run starts as `starting`; earlier runs' log entries stay.
        l.st.health = Some(l.st.health.clone().unwrap_or_default().restarted());
    }
    l.commit(&t)?;
    crate::events::container(l.p, &l.cfg, crate::events::EventStatus::Start);
    if hc.is_some_and(|h| h.interval().is_some()) {
        // The monitor records itself in the state (see `crate::health_monitor`).
        match crate::health_monitor::spawn(l.p, &id) {
            Ok(()) => failpoint::hit("container.health.after_monitor_spawn"),
            Err(e) => {
                tracing::warn!(error = %e, "health monitor not started: checks run only on demand")
            }
        }
    }
    Ok(())
}

/// Check, init if needed, start: returns false when the container already ran
/// (no-op). Starts nothing the container depends on.
pub(crate) fn prepare_and_start(l: &mut Locked<'_>) -> Result<bool> {
    let t = l.check(Operation::Start)?;
    if t.is_noop() {
        return Ok(false);
    }
    super::init::ensure_created(l)?;
    start_locked(l)?;
    Ok(true)
}
