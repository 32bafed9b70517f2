//! `diff`: a container's (or an image's) changes against the layers below.

use libpod_storage::changes::Change;

use crate::{Error, Result, Runtime};

/// The paths lpod makes in a container's root filesystem for what it mounts there
/// (the mount points of /dev, /proc, /sys, the generated /etc files, /run's): no change
/// of the container's own, so `diff` leaves them out, as Podman does.
const MOUNT_POINTS: [&str; 12] = [
    "/dev",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/mtab",
    "/proc",
    "/run",
    "/run/notify",
    "/run/.containerenv",
    "/run/secrets",
    "/sys",
    libpod_config::INIT_PATH_IN_CONTAINER,
];

impl Runtime {
    /// What container `name_or_id` changed against its image; when no container has
    /// that name, what image `name_or_id`'s top layer changed (`podman diff`). The mount
    /// points lpod makes are not listed.
    #[tracing::instrument(skip(self))]
    pub fn diff(&self, name_or_id: &str) -> Result<Vec<Change>> {
        let p = self.inner.parts()?;
        let changes = match self.container(name_or_id) {
            Ok(c) => p.store.container_changes(&c.id)?,
            Err(Error::NoSuchContainer(_)) => p
                .store
                .image_changes(name_or_id)
                .map_err(|e| crate::context::image_err(e, name_or_id))?,
            Err(e) => return Err(e),
        };
        Ok(changes
            .into_iter()
            .filter(|c| !MOUNT_POINTS.contains(&c.path.as_str()))
            .collect())
    }
}
