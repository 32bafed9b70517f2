//! `system boot`: after a reboot there is no daemon to bring containers back, so
//! an init script, cron `@reboot` line or unit runs this once. Opening the runtime
//! already refreshed the state for the new boot (see `refresh`), which marked
//! every container that ran (or waited to restart) when the host went down and
//! that the user had not stopped (`ContainerState::running_at_shutdown`); the
//! ones whose policy is `always` or `unless-stopped` are started again.

use super::Runtime;
use crate::{Error, Result};

/// What [`Runtime::boot`] did.
#[derive(Debug, Default)]
pub struct BootOutcome {
    /// Full ids of the containers started, in start order.
    pub started: Vec<String>,
    /// The containers that should have started but did not, with why.
    pub failed: Vec<(String, Error)>,
}

impl Runtime {
    /// Starts every `always` and `unless-stopped` container that was running when
    /// the host went down (a pod member's infra container with it). Idempotent:
    /// a container is marked only by the refresh after a reboot, and the mark
    /// goes when it starts; a failed start keeps it for the next try.
    #[tracing::instrument(skip(self))]
    pub fn boot(&self) -> Result<BootOutcome> {
        let p = self.inner.parts()?;
        let mut rows = p.state.all_containers()?;
        // Oldest first, as they were created (a pod's infra before its members).
        rows.sort_by_key(|(c, _)| c.created);
        let mut out = BootOutcome::default();
        for (cfg, st) in rows {
            if !(st.running_at_shutdown
                && !st.stopped_by_user
                && cfg.restart_policy.starts_at_boot()
                && st.status.has_exited())
            {
                continue;
            }
            let c = crate::container::Container {
                id: cfg.id.clone(),
                rt: self.inner.clone(),
            };
            match c.start() {
                Ok(()) => out.started.push(cfg.id),
                Err(Error::NoSuchContainer(_)) => {}
                Err(e) => {
                    tracing::warn!(id = %cfg.id, error = %e, "system boot: start failed");
                    out.failed.push((cfg.id, e));
                }
            }
        }
        Ok(out)
    }
}
