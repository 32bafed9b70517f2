//! Image import: OCI layout directories, oci-archive and docker-archive tarballs, and
//! plain root-filesystem tarballs. Every blob's digest and size and every layer's diff
//! id is checked while it is extracted into a staging directory; only when all of an
//! import's images check out are layers renamed into place and metadata written, so a
//! failed or interrupted import leaves no image visible.

use crate::archive::{decompress, Compression, MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX};
use crate::digest::{digest_hex, sha256_digest, HashingReader};
use crate::driver::{self, DriverKind};
use crate::extract::clean_path;
use crate::failpoint;
use crate::image::{now_rfc3339, ConfigChanges, ConfigFile, Image, ImageConfig};
use crate::reference::ImageReference;
use crate::store::{
    extract_layer, io_at, layer_ids, BlobRef, ImageRecord, LayerRecord, Result, Store, StoreError,
};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

/// What [`Store::load`] found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// An OCI image layout directory.
    OciDir,
    /// A tar of an OCI image layout.
    OciArchive,
    /// `docker save` format.
    DockerArchive,
}

/// Options for [`Store::import_rootfs`].
#[derive(Debug, Clone, Default)]
pub struct RootfsImport {
    /// Name to give the image (normalised), if any.
    pub name: Option<String>,
    /// Config changes (CMD, ENV, …).
    pub changes: ConfigChanges,
    /// History comment.
    pub message: Option<String>,
}

/// A layer to import.
pub(crate) struct PendingLayer {
    pub blob: PathBuf,
    pub expected_digest: Option<String>,
    pub expected_size: Option<u64>,
    /// The blob lives in our staging dir and may be renamed into the store.
    pub owned: bool,
}

/// An image to import.
pub(crate) struct PendingImage {
    pub names: Vec<String>,
    pub config: Vec<u8>,
    pub digest: Option<String>,
    pub layers: Vec<PendingLayer>,
}

/// A staging directory removed on drop. Under `tmp/` it holds an flock on its
/// `.lock` file while alive, so recovery in another process can tell it from garbage.
pub(crate) struct Staging(pub(crate) PathBuf, #[allow(dead_code)] Option<File>);
impl Drop for Staging {
    fn drop(&mut self) {
        if self.0.exists() {
            for m in driver::mounts_under(&self.0) {
                let _ = driver::unmount_path(&m);
            }
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

fn invalid(p: &Path, msg: impl Into<String>) -> StoreError {
    StoreError::InvalidSource {
        source_path: p.to_path_buf(),
        msg: msg.into(),
    }
}

/// Unpacks a tarball of plain files (an archive of blobs, not a layer) into `dest`.
/// Only regular files and directories are created; symlinks are returned as aliases.
fn unpack_outer(archive: &Path, dest: &Path) -> Result<HashMap<PathBuf, PathBuf>> {
    let f = File::open(archive).map_err(io_at(archive))?;
    let (_, r) = decompress(f).map_err(io_at(archive))?;
    let mut ar = tar::Archive::new(r);
    let mut aliases = HashMap::new();
    for e in ar.entries().map_err(io_at(archive))? {
        let mut e = e.map_err(io_at(archive))?;
        let raw = e.path().map_err(io_at(archive))?.into_owned();
        let Some(comps) = clean_path(&raw) else {
            return Err(invalid(archive, format!("entry {} escapes", raw.display())));
        };
        let rel: PathBuf = comps.iter().collect();
        if rel.as_os_str().is_empty() {
            continue;
        }
        let out = dest.join(&rel);
        match e.header().entry_type() {
            tar::EntryType::Directory => fs::create_dir_all(&out).map_err(io_at(&out))?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(p) = out.parent() {
                    fs::create_dir_all(p).map_err(io_at(p))?;
                }
                let mut w = File::create(&out).map_err(io_at(&out))?;
                io::copy(&mut e, &mut w).map_err(io_at(&out))?;
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let t = e
                    .link_name()
                    .map_err(io_at(archive))?
                    .ok_or_else(|| invalid(archive, "link without target"))?
                    .into_owned();
                let base = if e.header().entry_type() == tar::EntryType::Symlink {
                    rel.parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                        .join(t)
                } else {
                    t
                };
                let tc = clean_path(&base)
                    .ok_or_else(|| invalid(archive, format!("link {} escapes", raw.display())))?;
                aliases.insert(rel, tc.iter().collect());
            }
            _ => {}
        }
    }
    Ok(aliases)
}

fn resolve_alias(dir: &Path, aliases: &HashMap<PathBuf, PathBuf>, rel: &str) -> Result<PathBuf> {
    let mut p: PathBuf = clean_path(Path::new(rel))
        .ok_or_else(|| invalid(dir, format!("path {rel} escapes")))?
        .iter()
        .collect();
    for _ in 0..16 {
        match aliases.get(&p) {
            Some(t) => p = t.clone(),
            None => break,
        }
    }
    Ok(dir.join(p))
}

fn read_verified(path: &Path, digest: &str, size: Option<u64>) -> Result<Vec<u8>> {
    let bytes = fs::read(path).map_err(io_at(path))?;
    let actual = sha256_digest(&bytes);
    if actual != digest {
        return Err(StoreError::Mismatch {
            what: format!("digest of {}", path.display()),
            expected: digest.to_string(),
            actual,
        });
    }
    if let Some(s) = size {
        if s != bytes.len() as u64 {
            return Err(StoreError::Mismatch {
                what: format!("size of {}", path.display()),
                expected: s.to_string(),
                actual: bytes.len().to_string(),
            });
        }
    }
    Ok(bytes)
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Manifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct DockerManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

fn ref_name(annotations: &BTreeMap<String, String>) -> Option<String> {
    let n = annotations
        .get("io.containers.image.ref.name")
        .or_else(|| annotations.get("org.opencontainers.image.ref.name"))?;
    // A bare tag ("latest") names no repository.
    if !n.contains('/') && !n.contains(':') {
        return None;
    }
    ImageReference::parse(n).ok().map(|r| r.to_string())
}

pub(crate) fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Reads an OCI layout at `dir` into pending images (blobs verified on commit).
pub(crate) fn read_oci_layout(dir: &Path, owned: bool) -> Result<Vec<PendingImage>> {
    let index_path = dir.join("index.json");
    let index: Index = serde_json::from_slice(&fs::read(&index_path).map_err(io_at(&index_path))?)
        .map_err(|e| invalid(&index_path, e.to_string()))?;
    let blob = |d: &str| -> Result<PathBuf> { Ok(dir.join("blobs/sha256").join(digest_hex(d)?)) };
    let mut out: Vec<PendingImage> = Vec::new();
    let mut todo: Vec<(Descriptor, Option<String>)> = index
        .manifests
        .into_iter()
        .map(|d| {
            let n = ref_name(&d.annotations);
            (d, n)
        })
        .collect();
    let mut depth = 0;
    while let Some((desc, name)) = todo.pop() {
        depth += 1;
        if depth > 1000 {
            return Err(invalid(dir, "index nesting too deep"));
        }
        let bytes = read_verified(&blob(&desc.digest)?, &desc.digest, Some(desc.size))?;
        if desc.media_type == MEDIA_OCI_INDEX || desc.media_type == MEDIA_DOCKER_LIST {
            let idx: Index = serde_json::from_slice(&bytes)
                .map_err(|e| invalid(dir, format!("index {}: {e}", desc.digest)))?;
            // Pick the manifest for this host's platform (or one without a platform).
            let pick = idx.manifests.into_iter().find(|m| {
                m.platform
                    .as_ref()
                    .is_none_or(|p| p.os == "linux" && p.architecture == host_arch())
            });
            if let Some(m) = pick {
                todo.push((m, name.clone()));
            }
            continue;
        }
        if let Some(existing) = out
            .iter_mut()
            .find(|p| p.digest.as_deref() == Some(&desc.digest))
        {
            if let Some(n) = name {
                if !existing.names.contains(&n) {
                    existing.names.push(n);
                }
            }
            continue;
        }
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(dir, format!("manifest {}: {e}", desc.digest)))?;
        let config = read_verified(
            &blob(&m.config.digest)?,
            &m.config.digest,
            Some(m.config.size),
        )?;
        let layers = m
            .layers
            .iter()
            .map(|l| {
                Ok(PendingLayer {
                    blob: blob(&l.digest)?,
                    expected_digest: Some(l.digest.clone()),
                    expected_size: Some(l.size),
                    owned,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(PendingImage {
            names: name.into_iter().collect(),
            config,
            digest: Some(desc.digest.clone()),
            layers,
        });
    }
    out.reverse();
    Ok(out)
}

/// Reads an unpacked docker-archive at `dir`.
fn read_docker_archive(
    dir: &Path,
    aliases: &HashMap<PathBuf, PathBuf>,
) -> Result<Vec<PendingImage>> {
    let mpath = dir.join("manifest.json");
    let entries: Vec<DockerManifestEntry> =
        serde_json::from_slice(&fs::read(&mpath).map_err(io_at(&mpath))?)
            .map_err(|e| invalid(&mpath, e.to_string()))?;
    let mut out = Vec::new();
    for e in entries {
        let cpath = resolve_alias(dir, aliases, &e.config)?;
        let config = fs::read(&cpath).map_err(io_at(&cpath))?;
        // `<hex>.json` names the config's digest: check it.
        let stem = Path::new(&e.config)
            .file_stem()
            .map(|s| {
                s.to_string_lossy()
                    .trim_start_matches("sha256:")
                    .to_string()
            })
            .unwrap_or_default();
        if crate::digest::is_hex64(&stem) && sha256_digest(&config) != format!("sha256:{stem}") {
            return Err(StoreError::Mismatch {
                what: format!("config {}", e.config),
                expected: format!("sha256:{stem}"),
                actual: sha256_digest(&config),
            });
        }
        let mut names = Vec::new();
        for t in e.repo_tags.unwrap_or_default() {
            names.push(ImageReference::parse(&t)?.to_string());
        }
        let layers = e
            .layers
            .iter()
            .map(|l| {
                Ok(PendingLayer {
                    blob: resolve_alias(dir, aliases, l)?,
                    expected_digest: None,
                    expected_size: None,
                    owned: false,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(PendingImage {
            names,
            config,
            digest: None,
            layers,
        });
    }
    Ok(out)
}

/// A layer staged for commit.
struct StagedLayer {
    record: LayerRecord,
    staged_dir: PathBuf,
    blob_src: PathBuf,
    blob_owned: bool,
}

impl Store {
    /// Detects the format of `path` (OCI layout dir, oci-archive, docker-archive).
    pub fn detect_format(path: &Path) -> Result<SourceFormat> {
        if path.is_dir() {
            if path.join("index.json").exists() {
                return Ok(SourceFormat::OciDir);
            }
            return Err(invalid(
                path,
                "directory is not an OCI layout (no index.json)",
            ));
        }
        let f = File::open(path).map_err(io_at(path))?;
        // Podman's wording, which scripts match on.
        let unknown = |why: String| {
            invalid(
                path,
                format!(
                    "payload does not match any of the supported image formats: oci-archive, docker-archive, oci-dir ({why})"
                ),
            )
        };
        let (_, r) = decompress(f).map_err(|e| unknown(e.to_string()))?;
        let mut ar = tar::Archive::new(r);
        for e in ar.entries().map_err(|e| unknown(e.to_string()))? {
            let e = e.map_err(|e| unknown(format!("not a tar archive: {e}")))?;
            let p = e.path().map_err(|e| unknown(e.to_string()))?;
            let p = p.to_string_lossy();
            let p = p.trim_start_matches("./");
            if p == "oci-layout" || p == "index.json" {
                return Ok(SourceFormat::OciArchive);
            }
            if p == "manifest.json" {
                return Ok(SourceFormat::DockerArchive);
            }
        }
        Err(unknown(
            "neither an OCI archive nor a docker-archive".into(),
        ))
    }

    /// Loads every image from an OCI layout dir, oci-archive or docker-archive at `path`
    /// (`podman load`). Returns the images, with names from the archive.
    #[tracing::instrument(skip(self), fields(path = %path.display()))]
    pub fn load(&self, path: &Path) -> Result<Vec<Image>> {
        match Self::detect_format(path)? {
            SourceFormat::OciDir => self.import_oci_layout(path),
            SourceFormat::OciArchive => self.import_oci_archive(path),
            SourceFormat::DockerArchive => self.import_docker_archive(path),
        }
    }

    /// Imports every image in an OCI layout directory.
    #[tracing::instrument(skip(self), fields(path = %dir.display()))]
    pub fn import_oci_layout(&self, dir: &Path) -> Result<Vec<Image>> {
        let pending = read_oci_layout(dir, false)?;
        self.commit_images(pending)
    }

    /// Imports every image in an oci-archive tarball.
    #[tracing::instrument(skip(self), fields(path = %file.display()))]
    pub fn import_oci_archive(&self, file: &Path) -> Result<Vec<Image>> {
        let st = self.staging("oci-archive")?;
        unpack_outer(file, &st.0)?;
        failpoint::hit("storage.import.after_unpack");
        let pending = read_oci_layout(&st.0, true)?;
        self.commit_images(pending)
    }

    /// Imports every image in a docker-archive tarball (several tags allowed).
    #[tracing::instrument(skip(self), fields(path = %file.display()))]
    pub fn import_docker_archive(&self, file: &Path) -> Result<Vec<Image>> {
        let st = self.staging("docker-archive")?;
        let aliases = unpack_outer(file, &st.0)?;
        failpoint::hit("storage.import.after_unpack");
        let mut pending = read_docker_archive(&st.0, &aliases)?;
        for p in &mut pending {
            for l in &mut p.layers {
                l.owned = true;
            }
        }
        self.commit_images(pending)
    }

    /// Imports a root-filesystem tarball (plain, gzip or zstd) as a one-layer image
    /// (`podman import`), with optional config changes.
    #[tracing::instrument(skip(self, opts), fields(path = %tarball.display()))]
    pub fn import_rootfs(&self, tarball: &Path, opts: &RootfsImport) -> Result<Image> {
        // First pass: the diff id.
        let f = File::open(tarball).map_err(io_at(tarball))?;
        let (_, dec) = decompress(f).map_err(io_at(tarball))?;
        let mut h = HashingReader::new(dec);
        io::copy(&mut h, &mut io::sink()).map_err(io_at(tarball))?;
        let (diff_id, _) = h.finish();
        let mut cfg = ImageConfig {
            env: Some(vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            ]),
            ..Default::default()
        };
        opts.changes.apply(&mut cfg);
        let created = now_rfc3339();
        let config = serde_json::to_vec(&json!({
            "created": created,
            "architecture": host_arch(),
            "os": "linux",
            "config": cfg,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": created, "created_by": "lpod import", "comment": opts.message.clone().unwrap_or_default()}],
        }))
        .map_err(|e| invalid(tarball, e.to_string()))?;
        let names = match &opts.name {
            Some(n) => vec![ImageReference::parse(n)?.to_string()],
            None => vec![],
        };
        let imgs = self.commit_images(vec![PendingImage {
            names,
            config,
            digest: None,
            layers: vec![PendingLayer {
                blob: tarball.to_path_buf(),
                expected_digest: None,
                expected_size: None,
                owned: false,
            }],
        }])?;
        imgs.into_iter()
            .next()
            .ok_or_else(|| invalid(tarball, "no image imported"))
    }

    pub(crate) fn staging(&self, what: &str) -> Result<Staging> {
        let p = self
            .tmp_dir()
            .join(format!("{what}-{}", hex::encode(rand::random::<[u8; 8]>())));
        // Made under the store lock, so recovery never sees it without its lock file.
        let _l = self.lock()?;
        crate::private::create_private_dir(&p).map_err(io_at(&p))?;
        let lp = p.join(crate::check::STAGING_LOCK);
        let lock = File::create(&lp).map_err(io_at(&lp))?;
        lock.lock().map_err(io_at(&lp))?;
        Ok(Staging(p, Some(lock)))
    }

    /// Verifies, extracts and commits `pending` images; all or nothing.
    pub(crate) fn commit_images(&self, pending: Vec<PendingImage>) -> Result<Vec<Image>> {
        let _l = self.lock()?;
        let mut layers = self.load_layers()?;
        let mut staged: Vec<StagedLayer> = Vec::new();
        let mut records: Vec<ImageRecord> = Vec::new();
        // Staging dirs live inside the layers root so commit is a rename.
        let stage_root = self.layers_root().join(format!(
            ".staging-{}",
            hex::encode(rand::random::<[u8; 8]>())
        ));
        crate::private::create_private_dir(&stage_root).map_err(io_at(&stage_root))?;
        let guard = Staging(stage_root.clone(), None);
        for img in &pending {
            let cfg: ConfigFile = serde_json::from_slice(&img.config)
                .map_err(|e| invalid(Path::new("<config>"), format!("image config: {e}")))?;
            let diff_ids = cfg.rootfs.diff_ids;
            if diff_ids.len() != img.layers.len() {
                return Err(StoreError::Mismatch {
                    what: "number of layers vs config diff_ids".into(),
                    expected: diff_ids.len().to_string(),
                    actual: img.layers.len().to_string(),
                });
            }
            let ids = layer_ids(&diff_ids)?;
            for (i, pl) in img.layers.iter().enumerate() {
                let id = &ids[i];
                if layers.iter().any(|l| &l.id == id) || staged.iter().any(|s| &s.record.id == id) {
                    continue;
                }
                let parent = if i == 0 {
                    None
                } else {
                    Some(ids[i - 1].clone())
                };
                let parent_files = parent.as_ref().map(|p| {
                    staged
                        .iter()
                        .find(|s| &s.record.id == p)
                        .map(|s| s.staged_dir.clone())
                        .unwrap_or_else(|| self.layer_files(p))
                });
                let sdir = stage_root.join(id);
                let files = match self.driver {
                    DriverKind::Overlay => sdir.join("diff"),
                    DriverKind::Vfs => sdir.clone(),
                };
                if self.driver == DriverKind::Overlay {
                    // The layer's own dir (parent of `diff/`) is private; `diff/`
                    // itself gets the image root's mode from the layer.
                    crate::private::create_private_dir(&sdir).map_err(io_at(&sdir))?;
                }
                match (&self.driver, &parent_files) {
                    (DriverKind::Vfs, Some(pf)) => driver::copy_tree(pf, &sdir)?,
                    _ => fs::create_dir_all(&files).map_err(io_at(&files))?,
                }
                // A layer's root starts as its parent's (0555 for a base layer, as in
                // containers/storage); a root entry in the layer tar overrides it.
                match &parent_files {
                    Some(pf) => crate::store::copy_root_attrs(pf, &files)?,
                    None => {
                        use std::os::unix::fs::PermissionsExt;
                        fs::set_permissions(&files, fs::Permissions::from_mode(0o555))
                            .map_err(io_at(&files))?
                    }
                }
                let (blob, comp, size) = self.extract_verified(pl, &files, &diff_ids[i], i)?;
                staged.push(StagedLayer {
                    record: LayerRecord {
                        id: id.clone(),
                        parent,
                        diff_id: Some(diff_ids[i].clone()),
                        blob: Some(BlobRef {
                            digest: blob.0,
                            size: blob.1,
                            compression: comp.to_string(),
                        }),
                        link: None,
                        size,
                        container: false,
                    },
                    staged_dir: match self.driver {
                        DriverKind::Overlay => files,
                        DriverKind::Vfs => sdir,
                    },
                    blob_src: pl.blob.clone(),
                    blob_owned: pl.owned,
                });
            }
            records.push(ImageRecord {
                id: digest_hex(&sha256_digest(&img.config))?.to_string(),
                names: img.names.clone(),
                digest: img.digest.clone(),
                layers: ids,
                digests: img.digest.iter().cloned().collect(),
                names_history: img.names.clone(),
                manifest_list: false,
            });
        }
        failpoint::hit("storage.import.after_extract");
        // Everything verified: move into place. Layer dirs first, layers.json next,
        // images.json last (the commit point): a crash before it leaves unrecorded or
        // unreferenced layers only, which the next open removes. Each blob and layer
        // tree is on disk before its rename, and the directories the renames happened
        // in are fsynced before layers.json names them (see `crate::durable`).
        let mut touched_dirs = std::collections::BTreeSet::new();
        for s in staged {
            let mut rec = s.record;
            let dest_blob = self.blob_path(
                &rec.blob
                    .as_ref()
                    .map(|b| b.digest.clone())
                    .unwrap_or_default(),
            )?;
            if !dest_blob.exists() {
                let moved = s.blob_owned
                    && crate::durable::sync(&s.blob_src).is_ok()
                    && fs::rename(&s.blob_src, &dest_blob).is_ok();
                if moved {
                } else if fs::hard_link(&s.blob_src, &dest_blob).is_ok() {
                    // A second name for a file we did not write: its data to disk too.
                    crate::durable::sync(&dest_blob).map_err(io_at(&dest_blob))?;
                } else {
                    let tmp = dest_blob.with_extension("partial");
                    fs::copy(&s.blob_src, &tmp).map_err(io_at(&s.blob_src))?;
                    crate::durable::sync(&tmp).map_err(io_at(&tmp))?;
                    fs::rename(&tmp, &dest_blob).map_err(io_at(&dest_blob))?;
                }
                if let Some(d) = dest_blob.parent() {
                    touched_dirs.insert(d.to_path_buf());
                }
            }
            failpoint::hit("storage.import.after_blob");
            let dest = self.layer_dir(&rec.id);
            match self.driver {
                DriverKind::Overlay => {
                    // staged_dir is <stage>/<id>/diff: move <stage>/<id>.
                    let sdir = s
                        .staged_dir
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    let link = {
                        let mut l = String::new();
                        for _ in 0..26 {
                            l.push(
                                b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                    [rand::random::<usize>() % 36]
                                    as char,
                            );
                        }
                        l
                    };
                    fs::write(sdir.join("link"), &link).map_err(io_at(&sdir))?;
                    crate::durable::sync_tree(&sdir).map_err(io_at(&sdir))?;
                    fs::rename(&sdir, &dest).map_err(io_at(&dest))?;
                    let lp = self.layers_root().join("l").join(&link);
                    std::os::unix::fs::symlink(format!("../{}/diff", rec.id), &lp)
                        .map_err(io_at(&lp))?;
                    touched_dirs.insert(self.layers_root().join("l"));
                    rec.link = Some(link);
                }
                DriverKind::Vfs => {
                    crate::durable::sync_tree(&s.staged_dir).map_err(io_at(&s.staged_dir))?;
                    fs::rename(&s.staged_dir, &dest).map_err(io_at(&dest))?
                }
            }
            if let Some(d) = dest.parent() {
                touched_dirs.insert(d.to_path_buf());
            }
            failpoint::hit("storage.import.after_layer_rename");
            layers.push(rec);
        }
        for d in &touched_dirs {
            crate::durable::sync(d).map_err(io_at(d))?;
        }
        drop(guard);
        failpoint::hit("storage.import.before_layers_json");
        self.save_layers(&layers)?;
        failpoint::hit("storage.import.after_layers_json");
        for (img, rec) in pending.iter().zip(&records) {
            let p = self.config_path(&rec.id);
            if let Some(d) = p.parent() {
                crate::private::create_private_dir(d).map_err(io_at(d))?;
            }
            crate::archive::write_private(&p, &img.config)?;
        }
        failpoint::hit("storage.import.after_configs");
        let mut images = self.load_images()?;
        for rec in &records {
            for other in images.iter_mut() {
                if other.names.iter().any(|n| rec.names.contains(n)) {
                    other.names.retain(|n| !rec.names.contains(n));
                    other.note_names();
                }
            }
            match images.iter_mut().find(|i| i.id == rec.id) {
                Some(existing) => {
                    for n in &rec.names {
                        if !existing.names.contains(n) {
                            existing.names.push(n.clone());
                        }
                    }
                    existing.note_names();
                    if existing.digest.is_none() {
                        existing.digest = rec.digest.clone();
                    }
                    for d in &rec.digests {
                        if !existing.digests.contains(d) {
                            existing.digests.push(d.clone());
                        }
                    }
                }
                None => images.push(rec.clone()),
            }
        }
        self.save_images(&images)?;
        failpoint::hit("storage.import.after_images_json");
        records
            .iter()
            .map(|r| {
                let rec = images.iter().find(|i| i.id == r.id).unwrap_or(r);
                self.image_from_record(rec, &layers)
            })
            .collect()
    }

    /// Extracts one layer blob into `files`, checking digest, size and diff id.
    /// Returns (blob digest, blob size), compression name, uncompressed size.
    fn extract_verified(
        &self,
        pl: &PendingLayer,
        files: &Path,
        diff_id: &str,
        index: usize,
    ) -> Result<((String, u64), &'static str, u64)> {
        let f = File::open(&pl.blob).map_err(io_at(&pl.blob))?;
        let mut comp_reader = HashingReader::new(BufReader::with_capacity(1 << 20, f));
        let layer_name = format!("{} (layer {index})", pl.blob.display());
        let (comp, uncompressed) = {
            let (comp, dec) = decompress(&mut comp_reader).map_err(io_at(&pl.blob))?;
            let mut plain = HashingReader::new(dec);
            extract_layer(&mut plain, files, self.whiteout_mode()).map_err(|source| {
                StoreError::Extract {
                    layer: layer_name.clone(),
                    source,
                }
            })?;
            io::copy(&mut plain, &mut io::sink()).map_err(io_at(&pl.blob))?;
            (comp, plain.finish())
        };
        io::copy(&mut comp_reader, &mut io::sink()).map_err(io_at(&pl.blob))?;
        let (bdigest, bsize) = comp_reader.finish();
        if let Some(d) = &pl.expected_digest {
            if d != &bdigest {
                return Err(StoreError::Mismatch {
                    what: format!("digest of blob {}", pl.blob.display()),
                    expected: d.clone(),
                    actual: bdigest,
                });
            }
        }
        if let Some(s) = pl.expected_size {
            if s != bsize {
                return Err(StoreError::Mismatch {
                    what: format!("size of blob {}", pl.blob.display()),
                    expected: s.to_string(),
                    actual: bsize.to_string(),
                });
            }
        }
        if uncompressed.0 != diff_id {
            return Err(StoreError::Mismatch {
                what: format!("diff id of layer {index} ({})", pl.blob.display()),
                expected: diff_id.to_string(),
                actual: uncompressed.0,
            });
        }
        let cname = match comp {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        };
        Ok(((bdigest, bsize), cname, uncompressed.1))
    }
}
