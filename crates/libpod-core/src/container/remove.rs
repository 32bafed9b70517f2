//! `rm`: the verb; the removal itself is `crate::ops::remove`.

use super::*;
use crate::ops::lock::Locked;
use crate::ops::remove::{remove_locked, remove_locked_with};

impl Container {
    /// Removes the container: storage, bundle, lock, database row. `force`
    /// kills a running container first (SIGKILL).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn remove(&self, force: bool) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        remove_locked(&mut l, force)
    }

    /// [`Container::remove`]; `volumes` also removes the container's anonymous
    /// volumes that no other container uses (`rm -v`).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn remove_with_volumes(&self, force: bool, volumes: bool) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        remove_locked_with(&mut l, force, volumes)
    }
}
