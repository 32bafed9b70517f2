//! `init`: the verb. It starts what the container depends on (a pod's infra, the
//! containers whose namespaces it joins),
//! then runs the steps of `crate::ops::init` → Created.

use libpod_config::Operation;

use super::start::start_dependencies;
use super::*;
use crate::ops::init::ensure_created;
use crate::ops::lock::Locked;

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
