//! `pod stop`: every member, then the infra container.

use super::*;

impl Pod {
    /// Stops every member, then the infra container. Keeps going.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn stop(&self, timeout: Option<Duration>) -> Result<()> {
        let (infra, others) = self.split()?;
        let mut errs = Vec::new();
        for c in others.into_iter().chain(infra) {
            match c.stop(timeout) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => errs.push(e),
            }
        }
        self.emitted(Error::join(errs), crate::events::EventStatus::Stop)
    }
}
