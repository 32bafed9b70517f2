//! `start`: the verb. It starts what the container depends on (a pod's infra),
//! then initialises it when needed and starts its process (`crate::ops::start`).
//! → Running.

use libpod_config::Operation;

use super::*;
use crate::ops::lock::Locked;

/// Check, start the container's dependencies when it will be initialised,
/// init if needed, start: returns false when the container already ran (no-op).
pub(super) fn start_with_dependencies(l: &mut Locked<'_>) -> Result<bool> {
    let t = l.check(Operation::Start)?;
    if t.is_noop() {
        return Ok(false);
    }
    super::init::start_dependencies(l)?;
    crate::ops::start::prepare_and_start(l)
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
        if start_with_dependencies(&mut l)? {
            l.st.restart_count = 0;
            l.st.restart_backoff_ms = 0;
            l.save()?;
        }
        Ok(())
    }
}
