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
    /// containers/image's `dir:` layout (one image: manifest.json, blobs by hex digest).
    Dir,
}

impl Store {
    /// Builds the export description of one image. When `name_or_id` is a name of the
    /// image, only that name is exported; otherwise all its names.
    pub fn export_image(&self, name_or_id: &str) -> Result<ExportImage> {
        let _l = self.lock_shared()?;
        let images = self.load_images()?;
        let rec = &images[resolve_image(&images, name_or_id)?];
        if rec.manifest_list {
            return Err(StoreError::IsManifestList(name_or_id.to_string()));
        }
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
        // By id, the archive names no image (as `podman save ID`): loading it gives
        // a nameless image.
        let hex = name_or_id.strip_prefix("sha256:").unwrap_or(name_or_id);
        let by_id = !hex.is_empty()
            && rec.id.starts_with(hex)
            && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let names = match ImageReference::parse(name_or_id) {
            _ if by_id => Vec::new(),
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
        self.save_with(names_or_ids, format, out, false)
    }

    /// [`Store::save`]; with `uncompressed`, compressed layers are written as plain tar
    /// (`podman save --uncompressed`; their digests are then the diff ids). Docker archives
    /// always hold plain layers.
    pub fn save_with(
        &self,
        names_or_ids: &[&str],
        format: ExportFormat,
        out: &Path,
        uncompressed: bool,
    ) -> Result<()> {
        let mut imgs = names_or_ids
            .iter()
            .map(|n| self.export_image(n))
            .collect::<Result<Vec<_>>>()?;
        // Holds the decompressed layers until the archive is written.
        let _staging;
        if uncompressed && format != ExportFormat::DockerArchive {
            let st = self.staging("save")?;
            for img in &mut imgs {
                for l in &mut img.layers {
                    if l.compression == archive::Compression::None {
                        continue;
                    }
                    let dest = st.0.join(crate::digest::digest_hex(&l.diff_id)?);
                    if !dest.exists() {
                        let src = fs::File::open(&l.blob).map_err(io_at(&l.blob))?;
                        let (_, mut dec) = archive::decompress(src).map_err(io_at(&l.blob))?;
                        let mut f = fs::File::create(&dest).map_err(io_at(&dest))?;
                        std::io::copy(&mut dec, &mut f).map_err(io_at(&dest))?;
                    }
                    l.size = fs::metadata(&dest).map_err(io_at(&dest))?.len();
                    l.blob = dest;
                    l.digest = l.diff_id.clone();
                    l.compression = archive::Compression::None;
                }
            }
            _staging = st;
        }
        match format {
            ExportFormat::DockerArchive => archive::write_docker_archive(out, &imgs)?,
            ExportFormat::OciArchive => archive::write_oci_archive(out, &imgs)?,
            ExportFormat::OciDir => archive::write_oci_layout(out, &imgs)?,
            ExportFormat::Dir => match imgs.as_slice() {
                [one] => archive::write_dir_layout(out, one)?,
                _ => {
                    return Err(StoreError::Unsupported(format!(
                        "dir:{}: the dir: layout holds exactly one image ({} given)",
                        out.display(),
                        imgs.len()
                    )))
                }
            },
        }
        Ok(())
    }
}
