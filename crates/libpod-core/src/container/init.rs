//! `init`: the verb. It starts what the container depends on (a pod's infra, the
//! containers whose namespaces it joins),
//! then runs the steps of `crate::ops::init` → Created.

use libpod_config::Operation;

use super::*;
use crate::ops::init::{ensure_created, map_create_error, will_init};
use crate::ops::lock::Locked;

/// Starts what the container depends on before its init: a pod member that
/// joins the infra's namespaces needs the infra running (Podman starts a
/// container's dependencies first). Only when init will run: a Created member
/// already joined. A failure is the member's failed init (mapped and recorded
/// in its state as init records one).
pub(super) fn start_dependencies(l: &mut Locked<'_>) -> Result<()> {
    if !will_init(l) {
        return Ok(());
    }
    let started = crate::pod::infra::start_for_member(l)
        .and_then(|()| super::deps::start_container_dependencies(l));
    if let Err(e) = started {
        let argv0 = crate::ops::init::argv0(&l.cfg);
        let e = map_create_error(e, &argv0);
        l.st.error = Some(e.to_string());
        let _ = l.save();
        return Err(e);
    }
    Ok(())
}

impl Container {
    /// Creates the container in the OCI runtime: mounts the rootfs, writes the
    /// bundle, starts conmon. Configured/Stopped/Exited → Created.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn init(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = Locked::acquire(&p, &self.id)?;
        l.check(Operation::Init)?;
        start_dependencies(&mut l)?;
        ensure_created(&mut l)
    }
}
