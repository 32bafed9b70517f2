//! `pod start`: the infra container first, then every member.

use super::*;

impl Pod {
    /// Starts the infra container, then every member. Keeps going; returns every error.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn start(&self) -> Result<()> {
        let (infra, others) = self.split()?;
        if let Some(i) = infra {
            i.start()?;
        }
        let mut errs = Vec::new();
        for c in others {
            if let Err(e) = c.start() {
                errs.push(e);
            }
        }
        self.emitted(Error::join(errs), crate::events::EventStatus::Start)
    }
}
