//! `Store::commit_container`: a container's changes as a new image (`podman commit`):
//! the image's layers plus one new layer holding the container's read-write layer,
//! with overlay's whiteouts written as the OCI `.wh.` entries.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use serde_json::{json, Value};

use crate::digest::HashingWriter;
use crate::driver::DriverKind;
use crate::image::{now_rfc3339, ConfigChanges, ImageConfig};
use crate::import::{PendingImage, PendingLayer};
use crate::reference::normalize_local_name;
use crate::store::{io_at, resolve_image, Result, Store, StoreError};
use crate::Image;

/// What `commit` records besides the files.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// Name of the new image (a short name becomes `localhost/NAME:latest`); none = nameless.
    pub name: Option<String>,
    /// Dockerfile-style changes to the image's config (`--change`).
    pub changes: ConfigChanges,
    /// History comment (`--message`).
    pub message: Option<String>,
    /// Author (`--author`).
    pub author: Option<String>,
    /// The command the history records as having created the layer.
    pub created_by: Option<String>,
}

/// Appends the overlay upper directory `root` to a tar, turning overlay whiteouts (0/0
/// character devices) into `.wh.NAME` files and opaque directories into `.wh..wh..opq`.
fn append_upper<W: io::Write>(b: &mut tar::Builder<W>, root: &Path, rel: &Path) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(root.join(rel))?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let r = rel.join(&name);
        let md = fs::symlink_metadata(e.path())?;
        let ft = md.file_type();
        if ft.is_char_device() && md.rdev() == 0 {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(0);
            h.set_mode(0o600);
            h.set_mtime(md.mtime().max(0) as u64);
            let wh = rel.join(format!(".wh.{}", name.to_string_lossy()));
            b.append_data(&mut h, wh, io::empty())?;
            continue;
        }
        b.append_path_with_name(e.path(), &r)?;
        if ft.is_dir() {
            let opaque = matches!(
                xattr_get(&e.path(), crate::driver::opaque_xattr()).as_deref(),
                Some(b"y")
            );
            if opaque {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(0);
                h.set_mode(0o600);
                b.append_data(&mut h, r.join(".wh..wh..opq"), io::empty())?;
            }
            append_upper(b, root, &r)?;
        }
    }
    Ok(())
}

fn xattr_get(path: &Path, name: &str) -> Option<Vec<u8>> {
    rustix::fs::lgetxattr(path, name, &mut [0u8; 8])
        .ok()
        .map(|n| {
            let mut buf = vec![0u8; n];
            let got = rustix::fs::lgetxattr(path, name, &mut buf).unwrap_or(0);
            buf.truncate(got);
            buf
        })
}

impl Store {
    /// Commits container `id`'s read-write layer as a new image on top of its image.
    /// Only the overlay driver records a container's changes as a layer; with vfs this is
    /// [`StoreError::Unsupported`].
    #[tracing::instrument(skip(self, opts))]
    pub fn commit_container(&self, id: &str, opts: &CommitOptions) -> Result<Image> {
        if self.driver() != DriverKind::Overlay {
            return Err(StoreError::Unsupported(
                "commit needs the overlay driver (vfs keeps no per-container diff)".into(),
            ));
        }
        let (rec, base) = {
            let _l = self.lock_shared()?;
            let rec = self.require_container(id)?;
            let images = self.load_images()?;
            let base = match &rec.image_id {
                Some(iid) => Some(images[resolve_image(&images, iid)?].clone()),
                None => None,
            };
            (rec, base)
        };
        let name = opts.name.as_deref().map(normalize_local_name).transpose()?;
        let st = self.staging("commit")?;
        // The new layer: the container's upper directory as a tar.
        let blob = st.0.join("layer.tar");
        // Hashed as it is written (the diff id and size), not read back.
        let (diff_id, size) = {
            let f = File::create(&blob).map_err(io_at(&blob))?;
            let mut b = tar::Builder::new(HashingWriter::new(f));
            b.follow_symlinks(false);
            let upper = self.layer_files(&rec.layer_id);
            append_upper(&mut b, &upper, Path::new("")).map_err(io_at(&upper))?;
            let (f, diff_id, size) = b.into_inner().map_err(io_at(&blob))?.finish();
            f.sync_all().map_err(io_at(&blob))?;
            (diff_id, size)
        };
        // The config: the image's, with the new layer, history entry and changes.
        let mut cfg: Value = match &base {
            Some(b) => serde_json::from_slice(&self.image_config_bytes(&b.id)?).map_err(|e| {
                StoreError::Corrupt {
                    path: self.config_path(&b.id),
                    source: e,
                }
            })?,
            None => {
                json!({"architecture": crate::import::host_arch(), "os": "linux", "config": {}})
            }
        };
        let mut icfg: ImageConfig =
            serde_json::from_value(cfg.get("config").cloned().unwrap_or(json!({})))
                .unwrap_or_default();
        opts.changes.apply(&mut icfg);
        let created = now_rfc3339();
        cfg["config"] = serde_json::to_value(&icfg).unwrap_or(json!({}));
        cfg["created"] = json!(created);
        if let Some(a) = &opts.author {
            cfg["author"] = json!(a);
        }
        let mut diff_ids: Vec<Value> = cfg
            .pointer("/rootfs/diff_ids")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        diff_ids.push(json!(diff_id));
        cfg["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
        let mut history: Vec<Value> = cfg
            .get("history")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut entry = json!({"created": created, "created_by": opts.created_by.clone().unwrap_or_else(|| "lpod commit".into())});
        if let Some(m) = &opts.message {
            entry["comment"] = json!(m);
        }
        if let Some(a) = &opts.author {
            entry["author"] = json!(a);
        }
        history.push(entry);
        cfg["history"] = json!(history);
        let config = serde_json::to_vec(&cfg).map_err(|e| StoreError::Corrupt {
            path: blob.clone(),
            source: e,
        })?;
        let mut layers = Vec::new();
        if let Some(b) = &base {
            let all = self.load_layers()?;
            for lid in &b.layers {
                let l = all
                    .iter()
                    .find(|l| &l.id == lid)
                    .and_then(|l| l.blob.clone())
                    .ok_or_else(|| StoreError::ImageNotFound(format!("blob of layer {lid}")))?;
                layers.push(PendingLayer {
                    blob: self.blob_path(&l.digest)?,
                    expected_digest: Some(l.digest.clone()),
                    expected_size: Some(l.size),
                    owned: false,
                });
            }
        }
        layers.push(PendingLayer {
            blob: blob.clone(),
            expected_digest: Some(diff_id),
            expected_size: Some(size),
            owned: true,
        });
        let imgs = self.commit_images(vec![PendingImage {
            names: name.into_iter().collect(),
            config,
            digest: None,
            layers,
        }])?;
        drop(st);
        imgs.into_iter()
            .next()
            .ok_or_else(|| StoreError::ContainerNotFound(id.to_string()))
    }
}
