//! Image export: docker-archive, oci-archive and OCI layout directories.

use crate::archive::{self, ExportImage, ExportLayer};
use crate::reference::ImageReference;
use crate::store::{io_at, resolve_image, Result, Store, StoreError};
use std::fs;
use std::path::Path;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `docker save` tarball.
    DockerArchive,
    /// A tar of an OCI layout.
    OciArchive,
    /// An OCI layout directory.
    OciDir,
}

impl Store {
    /// Builds the export description of one image. When `name_or_id` is a name of the
    /// image, only that name is exported; otherwise all its names.
    pub fn export_image(&self, name_or_id: &str) -> Result<ExportImage> {
        let _l = self.lock_shared()?;
        let images = self.load_images()?;
        let rec = &images[resolve_image(&images, name_or_id)?];
        let layers = self.load_layers()?;
        let cfg_path = self.config_path(&rec.id);
        let config = fs::read(&cfg_path).map_err(io_at(&cfg_path))?;
        let mut out = Vec::new();
        for id in &rec.layers {
            let l = layers
                .iter()
                .find(|l| &l.id == id)
                .ok_or_else(|| StoreError::ImageNotFound(format!("layer {id} of {}", rec.id)))?;
            let b = l
                .blob
                .as_ref()
                .ok_or_else(|| StoreError::ImageNotFound(format!("blob of layer {id}")))?;
            out.push(ExportLayer {
                blob: self.blob_path(&b.digest)?,
                digest: b.digest.clone(),
                size: b.size,
                compression: Store::compression_of(b),
                diff_id: l.diff_id.clone().unwrap_or_default(),
            });
        }
        let names = match ImageReference::parse(name_or_id) {
            Ok(r) if rec.names.contains(&r.to_string()) => vec![r.to_string()],
            _ => rec.names.clone(),
        };
        Ok(ExportImage {
            names,
            config,
            layers: out,
        })
    }

    /// Saves images (`podman save`) to `out` in `format`. `OciDir` and `OciArchive`
    /// take several images too (one index entry per name).
    #[tracing::instrument(skip(self), fields(out = %out.display()))]
    pub fn save(&self, names_or_ids: &[&str], format: ExportFormat, out: &Path) -> Result<()> {
        let imgs = names_or_ids
            .iter()
            .map(|n| self.export_image(n))
            .collect::<Result<Vec<_>>>()?;
        match format {
            ExportFormat::DockerArchive => archive::write_docker_archive(out, &imgs)?,
            ExportFormat::OciArchive => archive::write_oci_archive(out, &imgs)?,
            ExportFormat::OciDir => archive::write_oci_layout(out, &imgs)?,
        }
        Ok(())
    }
}
