//! `Store::push`: layer blobs as stored, the config, then an OCI manifest.

use super::client::{connect, map_err, Conn};
use super::{
    normalize_registry, strip_transport, Progress, ProgressEvent, RegistryError, RegistryOptions,
    Result,
};
use crate::archive::{MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST};
use crate::digest::{digest_hex, sha256_digest};
use crate::reference::ImageReference;
use crate::store::{Store, StoreError};
use oci_client::{Reference, RegistryOperation};
use std::path::Path;

/// Uploads one blob unless the registry has it already.
pub(crate) fn upload_blob(
    conn: &Conn,
    r: &Reference,
    digest: &str,
    data: Option<&[u8]>,
    file: Option<&Path>,
    progress: Progress<'_>,
) -> Result<()> {
    let shown = r.whole();
    let exists = conn
        .rt
        .block_on(conn.client.blob_exists(r, digest))
        .map_err(|e| map_err(&conn.registry, &shown, e))?;
    let size = match (data, file) {
        (Some(d), _) => d.len() as u64,
        (None, Some(f)) => std::fs::metadata(f).map_err(super::io_at(f))?.len(),
        (None, None) => 0,
    };
    if exists {
        progress(ProgressEvent::LayerSkipped {
            digest: digest.into(),
            size,
        });
        return Ok(());
    }
    progress(ProgressEvent::LayerStart {
        digest: digest.into(),
        size,
    });
    let bytes: Vec<u8> = match (data, file) {
        (Some(d), _) => d.to_vec(),
        (None, Some(f)) => std::fs::read(f).map_err(super::io_at(f))?,
        (None, None) => Vec::new(),
    };
    // Never send a blob that does not match the digest it is sent under.
    if sha256_digest(&bytes) != digest {
        return Err(RegistryError::DigestMismatch {
            digest: digest.into(),
            got: sha256_digest(&bytes),
        });
    }
    conn.rt
        .block_on(conn.client.push_blob(r, bytes, digest))
        .map_err(|e| map_err(&conn.registry, &shown, e))?;
    progress(ProgressEvent::LayerBytes {
        digest: digest.into(),
        done: size,
        total: size,
    });
    progress(ProgressEvent::LayerDone {
        digest: digest.into(),
    });
    Ok(())
}

/// Uploads a manifest (`media_type`) under `r`'s tag or digest; returns its digest.
pub(crate) fn upload_manifest(
    conn: &Conn,
    r: &Reference,
    media_type: &str,
    bytes: Vec<u8>,
) -> Result<String> {
    let digest = sha256_digest(&bytes);
    let ct = http::HeaderValue::from_str(media_type).map_err(|e| RegistryError::BadManifest {
        reference: r.whole(),
        msg: format!("media type {media_type:?}: {e}"),
    })?;
    conn.rt
        .block_on(conn.client.push_manifest_raw(r, bytes, ct))
        .map_err(|e| map_err(&conn.registry, &r.whole(), e))?;
    Ok(digest)
}

impl Store {
    /// Pushes local image `image` (name or id) to `dest` (`docker://` optional; default:
    /// the image's first name). Blobs the registry already has are skipped. Returns the
    /// manifest digest, which is also recorded on the local image.
    #[tracing::instrument(skip(self, opts, progress))]
    pub fn push(
        &self,
        image: &str,
        dest: Option<&str>,
        opts: &RegistryOptions,
        progress: Progress<'_>,
    ) -> Result<String> {
        let img = self.image(image)?;
        let dest = match dest {
            Some(d) => strip_transport(d).to_string(),
            None => img
                .names
                .first()
                .cloned()
                .ok_or_else(|| RegistryError::InvalidReference(image.to_string()))?,
        };
        let parsed = ImageReference::parse(&dest)
            .map_err(|_| RegistryError::InvalidReference(dest.clone()))?;
        let registry = normalize_registry(&parsed.domain);
        let r = super::pull::oci_ref(&parsed);
        let conn = connect(&registry, &r, opts, None, RegistryOperation::Push)?;
        let export = self.export_image(&img.id)?;
        let parallel = opts.parallel.max(1);
        let queue = std::sync::Mutex::new(export.layers.iter().collect::<Vec<_>>());
        let first_err: std::sync::Mutex<Option<RegistryError>> = std::sync::Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..parallel.min(export.layers.len()) {
                s.spawn(|| loop {
                    let job = match queue.lock() {
                        Ok(mut q) if !q.is_empty() => Some(q.remove(0)),
                        _ => None,
                    };
                    let Some(l) = job else { return };
                    if let Err(e) = upload_blob(&conn, &r, &l.digest, None, Some(&l.blob), progress)
                    {
                        if let Ok(mut fe) = first_err.lock() {
                            fe.get_or_insert(e);
                        }
                        return;
                    }
                });
            }
        });
        if let Some(e) = first_err.into_inner().ok().flatten() {
            return Err(e);
        }
        let cdigest = sha256_digest(&export.config);
        upload_blob(&conn, &r, &cdigest, Some(&export.config[..]), None, &|_| {})?;
        progress(ProgressEvent::ConfigDone);
        let manifest = export.oci_manifest();
        let digest = upload_manifest(&conn, &r, MEDIA_OCI_MANIFEST, manifest)?;
        progress(ProgressEvent::Resolved {
            reference: parsed.to_string(),
            manifest_digest: digest.clone(),
        });
        self.add_digest(&img.id, &digest)?;
        progress(ProgressEvent::Committed {
            image_id: img.id.clone(),
        });
        Ok(digest)
    }

    /// Records `digest` as a manifest digest of image `id`.
    fn add_digest(&self, id: &str, digest: &str) -> std::result::Result<(), StoreError> {
        digest_hex(digest)?;
        let _l = self.lock()?;
        let mut images = self.load_images()?;
        if let Some(rec) = images.iter_mut().find(|i| i.id == id) {
            if rec.digest.is_none() {
                rec.digest = Some(digest.to_string());
            }
            if !rec.digests.iter().any(|d| d == digest) {
                rec.digests.push(digest.to_string());
            }
            self.save_images(&images)?;
        }
        Ok(())
    }
}

impl Store {
    /// Pushes manifest list `list` to `dest` (`docker://` optional) as an OCI image
    /// index. With `all`, each entry added from a local image is pushed first (by
    /// digest); an entry that is not a local image must already be in the destination
    /// repository. Returns the index's digest.
    #[tracing::instrument(skip(self, opts, progress))]
    pub fn push_manifest_list(
        &self,
        list: &str,
        dest: &str,
        all: bool,
        opts: &RegistryOptions,
        progress: Progress<'_>,
    ) -> Result<String> {
        let (_, ml) = self.manifest_list(list)?;
        let dest = strip_transport(dest).to_string();
        let parsed = ImageReference::parse(&dest)
            .map_err(|_| RegistryError::InvalidReference(dest.clone()))?;
        if all {
            for e in &ml.manifests {
                let Some(id) = ml.instances.get(&e.digest) else {
                    continue;
                };
                let by_digest = format!("{}@{}", parsed.repository(), e.digest);
                let pushed = self.push(id, Some(&by_digest), opts, progress)?;
                if pushed != e.digest {
                    return Err(RegistryError::DigestMismatch {
                        digest: e.digest.clone(),
                        got: pushed,
                    });
                }
            }
        }
        let registry = normalize_registry(&parsed.domain);
        let r = super::pull::oci_ref(&parsed);
        let conn = connect(&registry, &r, opts, None, RegistryOperation::Push)?;
        let digest = upload_manifest(&conn, &r, MEDIA_OCI_INDEX, ml.oci_index())?;
        progress(ProgressEvent::Resolved {
            reference: parsed.to_string(),
            manifest_digest: digest.clone(),
        });
        Ok(digest)
    }
}
