//! `kill`: a signal to the container's init process; the exit is observed later.

use libpod_config::Operation;

use super::*;
use crate::ops::lock::Locked;

impl Container {
    /// Sends `signal` to the container's init process. The status is unchanged
    /// until the exit is observed (exit file) by a later verb or the exit command.
    /// As in Docker, SIGKILL or the container's stop signal is a user stop (no
    /// restart policy restarts it); another signal keeps an `unless-stopped`
    /// policy from restarting it.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn kill(&self, signal: i32) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        l.check(Operation::Kill)?;
        if signal == libc::SIGKILL || signal == l.cfg.stop_signal {
            l.st.stopped_by_user = true;
        } else {
            l.st.killed_by_user = true;
        }
        l.save()?;
        p.oci_of(&self.id)?.kill(&self.id, signal, false)?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Kill);
        Ok(())
    }
}
