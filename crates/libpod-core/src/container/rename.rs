//! `rename`: gives a container a new name. The state changes the name index and the
//! stored config in one transaction; a running container may be renamed (as Podman).

use super::*;

impl Container {
    /// Renames the container to `new_name`. A name held by another container or pod
    /// is [`crate::Error::NameInUse`]; an invalid name is the state's name error.
    /// Renaming to the current name does nothing.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn rename(&self, new_name: &str) -> Result<()> {
        let p = self.enter()?;
        let l = Locked::acquire(&p, &self.id)?;
        if l.cfg.name == new_name {
            return Ok(());
        }
        p.state
            .rename_container(&self.id, new_name)
            .map_err(|e| ctr_err(e, &self.id))?;
        let mut cfg = l.cfg.clone();
        cfg.name = new_name.to_string();
        crate::events::container(&p, &cfg, crate::events::EventStatus::Rename);
        Ok(())
    }
}
