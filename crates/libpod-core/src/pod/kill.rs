//! `pod kill`: a signal to every running member.

use super::*;

impl Pod {
    /// Sends `signal` to every running member.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn kill(&self, signal: i32) -> Result<()> {
        let mut errs = Vec::new();
        for (c, st) in self.members()? {
            if matches!(st, ContainerStatus::Running | ContainerStatus::Paused) {
                let h = Container {
                    id: c.id,
                    rt: self.rt.clone(),
                };
                if let Err(e) = h.kill(signal) {
                    errs.push(e);
                }
            }
        }
        self.emitted(Error::join(errs), crate::events::EventStatus::Kill)
    }
}
