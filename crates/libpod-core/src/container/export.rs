//! `export`: a container's root filesystem as a tar stream (`podman export`), read
//! through the contained root (a symlink in it is archived as a link, never followed).

use std::io::{self, Write};
use std::path::Path;

use super::copy::{CopyError, Side};
use crate::{Result, Runtime};

impl Runtime {
    /// Writes container `name_or_id`'s root filesystem to `out` as a tar (entries
    /// relative to its `/`). A stopped container's rootfs is mounted for it.
    #[tracing::instrument(skip(self, out))]
    pub fn export_container(&self, name_or_id: &str, out: &mut dyn Write) -> Result<()> {
        let side = Side::container_rootfs(self, name_or_id)?;
        let loc = side
            .root
            .locate(Path::new("/"))
            .map_err(side.resolve_err("/"))?;
        let mut b = tar::Builder::new(io::BufWriter::with_capacity(256 * 1024, out));
        side.root
            .write_tar(&mut b, &loc, Path::new(""), true)
            .map_err(side.resolve_err("/"))?;
        b.into_inner()
            .and_then(|mut w| w.flush())
            .map_err(CopyError::Stream)?;
        Ok(())
    }
}
