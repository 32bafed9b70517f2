//! `pod pause` / `pod unpause`: every running (or paused) member, the infra
//! container included, as Podman does.

use super::*;

impl Pod {
    /// Pauses every running member (the infra container too). Keeps going past a
    /// member that fails and returns every error.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn pause(&self) -> Result<()> {
        self.each_member_in(
            ContainerStatus::Running,
            Container::pause,
            crate::events::EventStatus::Pause,
        )
    }

    /// Resumes every paused member.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn unpause(&self) -> Result<()> {
        self.each_member_in(
            ContainerStatus::Paused,
            Container::unpause,
            crate::events::EventStatus::Unpause,
        )
    }

    fn each_member_in(
        &self,
        status: ContainerStatus,
        f: impl Fn(&Container) -> Result<()>,
        event: crate::events::EventStatus,
    ) -> Result<()> {
        let mut errs = Vec::new();
        for (c, st) in self.members()? {
            if st == status {
                let h = Container {
                    id: c.id,
                    rt: self.rt.clone(),
                };
                if let Err(e) = f(&h) {
                    errs.push(e);
                }
            }
        }
        self.emitted(Error::join(errs), event)
    }
}
