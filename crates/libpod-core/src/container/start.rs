//! `start`: the verb. It starts what the container depends on (a pod's infra, the
//! containers whose namespaces it joins: `crate::deps`),
//! then initialises it when needed and starts its process (`crate::ops::start`).
//! → Running.

use libpod_config::{ContainerStatus, Operation};

use super::*;
use crate::ops::init::will_init;
use crate::ops::lock::Locked;
use crate::Error;

/// Check, start the container's dependencies when it will be initialised,
/// init if needed, start: returns false when the container already ran (no-op).
pub(super) fn start_with_dependencies(l: &mut Locked<'_>) -> Result<bool> {
    let t = l.check(Operation::Start)?;
    if t.is_noop() {
        return Ok(false);
    }
    start_dependencies(l)?;
    crate::ops::start::prepare_and_start(l)
}

/// Starts what the container depends on before its init: a pod member that
/// joins the infra's namespaces needs the infra running (Podman starts a
/// container's dependencies first). Only when init will run: a Created member
/// already joined. A failure is the member's failed init (mapped and recorded
/// in its state as init records one).
pub(super) fn start_dependencies(l: &mut Locked<'_>) -> Result<()> {
    if !will_init(l) {
        return Ok(());
    }
    let started =
        crate::pod::infra::start_for_member(l).and_then(|()| start_container_dependencies(l));
    if let Err(e) = started {
        let argv0 = crate::ops::init::argv0(&l.cfg);
        let e = crate::ops::init::map_create_error(e, &argv0);
        l.st.error = Some(e.to_string());
        let _ = l.save();
        return Err(e);
    }
    Ok(())
}

/// Starts every container `l` depends on that does not run (each with its own
/// dependencies first), as Podman does before it starts a container.
fn start_container_dependencies(l: &Locked<'_>) -> Result<()> {
    for id in crate::deps::dependencies(&l.cfg) {
        let mut dl =
            crate::deps::lock_dependency(l, &id).map_err(|e| missing_dependency(e, l, &id))?;
        if matches!(
            dl.st.status,
            ContainerStatus::Running | ContainerStatus::Paused
        ) {
            continue;
        }
        tracing::debug!(id = %l.id(), dependency = %id, "starting a dependency");
        start_with_dependencies(&mut dl)?;
    }
    Ok(())
}

/// A dependency that vanished (removed behind the state's back) is named as such.
fn missing_dependency(e: Error, l: &Locked<'_>, dep: &str) -> Error {
    match e {
        Error::NoSuchContainer(_) => Error::InvalidArgument {
            what: "dependency (the container it depends on no longer exists)",
            value: format!("{} depends on {dep}", l.id()),
        },
        other => other,
    }
}

impl Container {
    /// Starts the container (initialising it first when needed) → Running.
    /// Starting a running container is a no-op. A start by the user gives the
    /// restart policy a fresh start: `RestartCount` and the backoff go back to
    /// zero (as Podman), and a restart still pending is cancelled.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn start(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        user_start_resets_policy(&mut l);
        start_with_dependencies(&mut l)?;
        Ok(())
    }
}

/// A start by the user (`start`, `run`, `start -a`) gives the restart policy a fresh
/// start: `RestartCount` and the backoff go back to zero, saved by the start's own
/// commit (nothing is written when the container already runs).
pub(super) fn user_start_resets_policy(l: &mut Locked<'_>) {
    if !l.st.status.is_active() {
        l.st.restart_count = 0;
        l.st.restart_backoff_ms = 0;
    }
}
