//! `pause` and `unpause`: the cgroup freezer through the OCI runtime.

use libpod_config::Operation;

use super::*;
use crate::ops::lock::Locked;

impl Container {
    /// Freezes the container. Running → Paused.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn pause(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        let t = l.check(Operation::Pause)?;
        p.oci_of(&self.id)?.pause(&self.id)?;
        l.commit(&t)?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Pause);
        Ok(())
    }

    /// Thaws the container. Paused → Running.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn unpause(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        let t = l.check(Operation::Unpause)?;
        p.oci_of(&self.id)?.resume(&self.id)?;
        l.commit(&t)?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Unpause);
        Ok(())
    }
}
