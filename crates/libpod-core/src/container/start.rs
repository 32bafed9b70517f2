//! `start`: initialises the container when needed, then starts its process. → Running.

use libpod_config::{failpoint, Operation};
use libpod_state::JournalKind;

use super::lock::Locked;
use super::*;
use crate::journal::{Acquired, Op};

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
    if let Err(e) = l.p.oci.start(&id) {
        l.st.error = Some(e.to_string());
        let _ = l.save();
        let argv0 = l
            .cfg
            .entrypoint
            .first()
            .or_else(|| l.cfg.command.first())
            .cloned()
            .unwrap_or_default();
        return Err(super::init::map_create_error(e.into(), &argv0));
    }
    failpoint::hit("container.start.after_start");
    l.st.started_at = Some(chrono::Utc::now());
    l.st.finished_at = None;
    l.st.stopped_by_user = false;
    l.commit(&t)?;
    crate::events::container(l.p, &l.cfg, crate::events::EventStatus::Start);
    Ok(())
}

/// Check, init if needed, start: returns false when the container already ran (no-op).
pub(crate) fn prepare_and_start(l: &mut Locked<'_>) -> Result<bool> {
    let t = l.check(Operation::Start)?;
    if t.is_noop() {
        return Ok(false);
    }
    super::init::ensure_created(l)?;
    start_locked(l)?;
    Ok(true)
}

impl Container {
    /// Starts the container (initialising it first when needed) → Running.
    /// Starting a running container is a no-op.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn start(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        prepare_and_start(&mut l).map(|_| ())
    }
}
