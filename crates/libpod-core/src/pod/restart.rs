//! `pod restart`: stop, then start.

use super::*;

impl Pod {
    /// Stops, then starts the pod.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn restart(&self, timeout: Option<Duration>) -> Result<()> {
        self.stop(timeout)?;
        self.start()?;
        self.emitted(Ok(()), crate::events::EventStatus::Restart)
    }
}
