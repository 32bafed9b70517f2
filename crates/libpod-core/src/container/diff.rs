//! `diff`: a container's (or an image's) changes against the layers below.

use libpod_storage::changes::Change;

use crate::{Error, Result, Runtime};

impl Runtime {
    /// What container `name_or_id` changed against its image; when no container has
    /// that name, what image `name_or_id`'s top layer changed (`podman diff`).
    #[tracing::instrument(skip(self))]
    pub fn diff(&self, name_or_id: &str) -> Result<Vec<Change>> {
        let p = self.inner.parts()?;
        match self.container(name_or_id) {
            Ok(c) => Ok(p.store.container_changes(&c.id)?),
            Err(Error::NoSuchContainer(_)) => p
                .store
                .image_changes(name_or_id)
                .map_err(|e| crate::context::image_err(e, name_or_id)),
            Err(e) => Err(e),
        }
    }
}
