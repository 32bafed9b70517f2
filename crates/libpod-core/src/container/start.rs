//! `start`: initialises the container when needed, then starts its process. → Running.

use libpod_config::{ContainerStatus, Operation};

use super::lock::Locked;
use super::*;

/// Starts a Created container.
pub(crate) fn start_locked(l: &mut Locked<'_>) -> Result<()> {
    let id = l.id().to_string();
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
    l.st.status = ContainerStatus::Running;
    l.st.started_at = Some(chrono::Utc::now());
    l.st.finished_at = None;
    l.st.stopped_by_user = false;
    l.save()
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
        let p = self.parts()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        prepare_and_start(&mut l).map(|_| ())
    }
}
