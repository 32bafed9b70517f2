//! `mount` and `unmount` of the container's root filesystem (`lpod mount`).

use super::*;
use crate::ops::lock::Locked;
use crate::Error;

impl Container {
    /// Mounts the container's root filesystem and returns its path (the store
    /// counts mounts; every `mount` needs an `unmount`).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn mount(&self) -> Result<std::path::PathBuf> {
        let p = self.enter()?;
        let l = Locked::acquire(&p, &self.id)?;
        let path = p.store.mount(&self.id)?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Mount);
        Ok(path)
    }

    /// Undoes one `mount`; `force` unmounts whatever the count. Refused while the
    /// container runs from that mount and `force` is not given.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn unmount(&self, force: bool) -> Result<()> {
        let p = self.enter()?;
        let l = Locked::acquire(&p, &self.id)?;
        if force && l.st.mountpoint.is_some() {
            return Err(Error::InvalidState {
                id: self.id.clone(),
                status: l.st.status.as_str().to_string(),
                op: "unmount --force (the container uses its mount)".into(),
            });
        }
        p.store.unmount(&self.id, force)?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Unmount);
        Ok(())
    }
}
