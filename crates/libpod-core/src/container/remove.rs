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
        let conmon = remove_locked(&mut l, force)?;
        drop(l);
        wait_conmon_gone(conmon, &self.id);
        Ok(())
    }

    /// [`Container::remove`]; `volumes` also removes the container's anonymous
    /// volumes that no other container uses (`rm -v`).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn remove_with_volumes(&self, force: bool, volumes: bool) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        let conmon = remove_locked_with(&mut l, force, volumes)?;
        drop(l);
        wait_conmon_gone(conmon, &self.id);
        Ok(())
    }
}

/// How long `rm` waits, after the removal, for the container's conmon to end.
const CONMON_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits (bounded) until the removed container's conmon has exited, so that when
/// `rm` returns none of the container's processes are left: conmon of a container
/// that had just exited may still be running its exit command, which waits for
/// the lock `rm` held. Called after the lock is released; a pid that is no longer
/// this container's conmon (reused) counts as gone.
fn wait_conmon_gone(pid: Option<i32>, id: &str) {
    let Some(pid) = pid.filter(|p| *p > 0) else {
        return;
    };
    let deadline = std::time::Instant::now() + CONMON_WAIT;
    while libpod_oci::check::pid_alive_for(pid, Some(id)) {
        if std::time::Instant::now() >= deadline {
            tracing::debug!(pid, id, "conmon still running after rm");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
