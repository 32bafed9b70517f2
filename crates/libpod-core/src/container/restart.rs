//! `restart`: stop (when running, lock released while waiting) then start.

use libpod_config::Operation;

use super::*;
use crate::ops::lock::Locked;

impl Container {
    /// Stops (if running) and starts again; refused for paused containers.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn restart(&self, timeout: Option<std::time::Duration>) -> Result<()> {
        let p = self.enter()?;
        let active = {
            let l = Locked::acquire(&p, &self.id)?;
            l.check(Operation::Restart)?;
            l.st.status.is_active()
        };
        if active {
            self.stop(timeout)?;
        }
        let mut l = Locked::acquire(&p, &self.id)?;
        super::start::start_with_dependencies(&mut l)?;
        l.st.restart_count += 1;
        l.save()?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Restart);
        Ok(())
    }
}
