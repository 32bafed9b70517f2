//! `pod rm`: the members (infra last), then the pod.

use super::*;

impl Pod {
    /// Removes the members (infra last) and the pod. Without `force`, refuses
    /// while members other than the infra run (stopped members go with the pod,
    /// as in Podman).
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn remove(&self, force: bool) -> Result<()> {
        let p = self.parts()?;
        let name = self.name().unwrap_or_default();
        let members = self.members()?;
        if !force {
            // A running infra container alone does not block (Podman stops it).
            let running: Vec<String> = members
                .iter()
                .filter(|(c, s)| s.is_active() && !c.is_infra)
                .map(|(c, _)| c.id.clone())
                .collect();
            if !running.is_empty() {
                return Err(PodError::Running {
                    pod: self.id.clone(),
                    containers: running,
                }
                .into());
            }
        }
        // Rolled forward after a crash (see `crate::journal`).
        let _op = Op::begin(
            &p,
            JournalKind::Pod,
            &self.id,
            Operation::Remove,
            Acquired::default(),
        )?;
        let (infra, others) = self.split()?;
        let mut errs = Vec::new();
        for c in &others {
            match c.remove(true) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => errs.push(e),
            }
        }
        if !errs.is_empty() {
            return Error::join(errs);
        }
        failpoint::hit("pod.remove.after_containers");
        // Detach the infra from the pod, so that its removal is allowed.
        let (_, mut ps) = self.rows()?;
        if ps.infra_container_id.take().is_some() {
            p.state
                .save_pod_state(&self.id, &ps)
                .map_err(|e| pod_err(e, &self.id))?;
        }
        failpoint::hit("pod.remove.after_detach");
        if let Some(c) = infra {
            match c.remove(true) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => return Err(e),
            }
        }
        failpoint::hit("pod.remove.after_infra");
        // With force, a container another process added to the pod while it was being
        // removed goes too (found by the stress test); without force the error stands.
        let mut late_rounds = 0;
        while let Err(e) = p.state.remove_pod(&self.id, false) {
            let (_, late) = self.split()?;
            if !force || late.is_empty() || late_rounds == 3 {
                return Err(pod_err(e, &self.id));
            }
            late_rounds += 1;
            for c in late {
                match c.remove(true) {
                    Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        failpoint::hit("pod.remove.after_state");
        if let Err(e) = p.locks.remove(&self.id) {
            tracing::debug!(error = %e, "removing the pod lock");
        }
        crate::events::emit(
            &p,
            crate::events::Event::pod(&self.id, &name, crate::events::EventStatus::Remove),
        );
        Ok(())
    }
}
