//! `Store::pull`: manifest (and manifest list) resolution, parallel verified blob
//! downloads into the store's `tmp/` staging, then the all-or-nothing commit that
//! `load` uses.

use super::client::{connect, map_err, Conn};
use super::{
    resolve_short_name, Platform, Progress, ProgressEvent, PulledImage, RegistryError,
    RegistryOptions, Result,
};
use crate::archive::{MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX};
use crate::digest::{digest_hex, sha256_digest};
use crate::import::{PendingImage, PendingLayer};
use crate::reference::ImageReference;
use crate::store::{layer_ids, Store};
use oci_client::manifest::OciDescriptor;
use oci_client::{Reference, RegistryOperation};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::collections::VecDeque;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// Manifest media types we accept.
pub(crate) const ACCEPT: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    MEDIA_OCI_INDEX,
    MEDIA_DOCKER_LIST,
];

#[derive(Deserialize)]
struct Desc {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    platform: Option<Plat>,
}

#[derive(Deserialize)]
struct Plat {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct AnyManifest {
    #[serde(rename = "schemaVersion", default)]
    schema_version: u32,
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    manifests: Option<Vec<Desc>>,
    #[serde(default)]
    config: Option<Desc>,
    #[serde(default)]
    layers: Vec<Desc>,
}

#[derive(Deserialize)]
struct ConfigDiffIds {
    rootfs: RootFs,
}
#[derive(Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// A staging directory under the store's `tmp/`, removed on drop. It holds an flock
/// on its `.lock` file while alive (the store's convention), so recovery in another
/// process tells it from garbage.
pub(crate) struct Staging(pub PathBuf, #[allow(dead_code)] std::fs::File);
impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn oci_ref(r: &ImageReference) -> Reference {
    match (&r.tag, &r.digest) {
        (Some(t), Some(d)) => {
            Reference::with_tag_and_digest(r.domain.clone(), r.path.clone(), t.clone(), d.clone())
        }
        (_, Some(d)) => Reference::with_digest(r.domain.clone(), r.path.clone(), d.clone()),
        (t, None) => Reference::with_tag(
            r.domain.clone(),
            r.path.clone(),
            t.clone().unwrap_or_else(|| "latest".into()),
        ),
    }
}

/// What a manifest answer asks of a pull next.
enum ManifestStep {
    /// An index: fetch the manifest of this platform.
    Index(Desc),
    /// An image manifest with a config, schema 2, known layer media types and digests.
    Image(AnyManifest),
}

/// Reads a registry's manifest answer for `full` as a pull does: an index yields the
/// entry for `want` (or `NoMatchingPlatform`), an image manifest is checked.
fn read_manifest(bytes: &[u8], want: &Platform, full: &str) -> Result<ManifestStep> {
    let bad = |msg: String| RegistryError::BadManifest {
        reference: full.to_string(),
        msg,
    };
    let mut m: AnyManifest = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if let Some(list) = m.manifests.take() {
        let available = list
            .iter()
            .filter_map(|d| d.platform.as_ref().map(plat_string))
            .collect();
        return list
            .into_iter()
            .find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| matches_platform(p, want))
            })
            .map(ManifestStep::Index)
            .ok_or_else(|| RegistryError::NoMatchingPlatform {
                reference: full.to_string(),
                platform: want.to_string(),
                available,
            });
    }
    if m.schema_version != 2 {
        return Err(bad(format!(
            "schema version {} (only 2 is supported)",
            m.schema_version
        )));
    }
    if m.config.is_none() {
        return Err(bad(format!("no config in {}", m.media_type)));
    }
    for l in &m.layers {
        let t = l.media_type.as_str();
        let ok = t.is_empty()
            || t.starts_with("application/vnd.oci.image.layer.v1.tar")
            || t.starts_with("application/vnd.oci.image.layer.nondistributable.v1.tar")
            || t == "application/vnd.docker.image.rootfs.diff.tar.gzip"
            || t == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
        if !ok {
            return Err(bad(format!("layer {} has media type {t}", l.digest)));
        }
        digest_hex(&l.digest).map_err(|e| bad(e.to_string()))?;
    }
    Ok(ManifestStep::Image(m))
}

/// Downloads the config blob `cdesc` names and checks it against its digest and size.
fn fetch_config(conn: &Conn, r: &Reference, cdesc: &Desc, full: &str) -> Result<Vec<u8>> {
    let od = OciDescriptor {
        media_type: cdesc.media_type.clone(),
        digest: cdesc.digest.clone(),
        size: cdesc.size as i64,
        ..Default::default()
    };
    let mut v: Vec<u8> = Vec::new();
    conn.rt
        .block_on(conn.client.pull_blob(r, &od, &mut v))
        .map_err(|e| map_err(&conn.registry, full, e))?;
    check_blob(&cdesc.digest, Some(cdesc.size), &v)?;
    Ok(v)
}

/// The layer ids an image config's `rootfs.diff_ids` give, checked against the number of
/// layers its manifest lists.
fn read_config_layers(
    config: &[u8],
    config_digest: &str,
    layers: usize,
    full: &str,
) -> Result<Vec<String>> {
    let bad = |msg: String| RegistryError::BadManifest {
        reference: full.to_string(),
        msg,
    };
    let diff_ids = serde_json::from_slice::<ConfigDiffIds>(config)
        .map_err(|e| bad(format!("config {config_digest}: {e}")))?
        .rootfs
        .diff_ids;
    if diff_ids.len() != layers {
        return Err(bad(format!(
            "{layers} layers but {} diff ids in the config",
            diff_ids.len()
        )));
    }
    Ok(layer_ids(&diff_ids)?)
}

/// Checks a registry's answers as `Store::pull` reads them, without a registry: `manifest`
/// (an image manifest or an index; from an index, the entry for `platform` is returned as
/// `(digest, size)`) and, for an image manifest, `config` (its `rootfs.diff_ids` must
/// match the layers). For fuzzing and tests of hostile answers; a pull does the same.
pub fn check_manifest(
    manifest: &[u8],
    config: &[u8],
    platform: &Platform,
) -> Result<Option<(String, u64)>> {
    match read_manifest(manifest, platform, "checked")? {
        ManifestStep::Index(d) => Ok(Some((d.digest, d.size))),
        ManifestStep::Image(m) => {
            let cdigest = m.config.map(|c| c.digest).unwrap_or_default();
            read_config_layers(config, &cdigest, m.layers.len(), "checked")?;
            Ok(None)
        }
    }
}

fn matches_platform(p: &Plat, want: &Platform) -> bool {
    p.os == want.os
        && p.architecture == want.arch
        && match &want.variant {
            None => true,
            Some(v) => p.variant.as_deref() == Some(v.as_str()),
        }
}

fn plat_string(p: &Plat) -> String {
    match &p.variant {
        Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
        None => format!("{}/{}", p.os, p.architecture),
    }
}

fn check_blob(digest: &str, size: Option<u64>, bytes: &[u8]) -> Result<()> {
    let got = sha256_digest(bytes);
    if got != digest {
        return Err(RegistryError::DigestMismatch {
            digest: digest.into(),
            got,
        });
    }
    if let Some(s) = size {
        if s != bytes.len() as u64 {
            return Err(RegistryError::DigestMismatch {
                digest: digest.into(),
                got: format!("{} bytes instead of {s}", bytes.len()),
            });
        }
    }
    Ok(())
}

/// Fetches the manifest `r` names, verified against its digest (when the reference
/// or index gave one) and size.
fn fetch_manifest(
    conn: &Conn,
    r: &Reference,
    shown: &str,
    expect: Option<(&str, u64)>,
) -> Result<(Vec<u8>, String)> {
    let (bytes, _) = conn
        .rt
        .block_on(conn.client.pull_manifest_raw(r, &conn.auth, ACCEPT))
        .map_err(|e| map_err(&conn.registry, shown, e))?;
    let bytes = bytes.to_vec();
    let digest = sha256_digest(&bytes);
    if let Some((d, size)) = expect {
        check_blob(d, Some(size), &bytes)?;
    } else if let Some(d) = r.digest() {
        check_blob(d, None, &bytes)?;
    }
    Ok((bytes, digest))
}

/// An `AsyncWrite` that writes to a file while hashing and reporting progress.
struct HashingSink<'a> {
    file: std::fs::File,
    path: PathBuf,
    hasher: Sha256,
    done: u64,
    total: u64,
    digest: String,
    progress: Progress<'a>,
    last_report: u64,
}

impl tokio::io::AsyncWrite for HashingSink<'_> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        this.file.write_all(buf)?;
        this.hasher.update(buf);
        this.done += buf.len() as u64;
        if this.done - this.last_report >= 256 * 1024 || this.done == this.total {
            this.last_report = this.done;
            (this.progress)(ProgressEvent::LayerBytes {
                digest: this.digest.clone(),
                done: this.done,
                total: this.total,
            });
        }
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Downloads one blob to `dest`, verifying digest and size.
fn download(
    conn: &Conn,
    r: &Reference,
    desc: &Desc,
    dest: &Path,
    progress: Progress<'_>,
) -> Result<()> {
    let file = std::fs::File::create(dest).map_err(super::io_at(dest))?;
    progress(ProgressEvent::LayerStart {
        digest: desc.digest.clone(),
        size: desc.size,
    });
    let mut sink = HashingSink {
        file,
        path: dest.to_path_buf(),
        hasher: Sha256::new(),
        done: 0,
        total: desc.size,
        digest: desc.digest.clone(),
        progress,
        last_report: 0,
    };
    let od = OciDescriptor {
        media_type: desc.media_type.clone(),
        digest: desc.digest.clone(),
        size: desc.size as i64,
        ..Default::default()
    };
    conn.rt
        .block_on(conn.client.pull_blob(r, &od, &mut sink))
        .map_err(|e| match e {
            oci_client::errors::OciDistributionError::IoError(io) => RegistryError::Io {
                path: sink.path.clone(),
                source: io,
            },
            e => map_err(&conn.registry, &format!("{r}"), e),
        })?;
    let got = format!("sha256:{}", hex::encode(sink.hasher.finalize_reset()));
    if got != desc.digest {
        return Err(RegistryError::DigestMismatch {
            digest: desc.digest.clone(),
            got,
        });
    }
    if sink.done != desc.size {
        return Err(RegistryError::DigestMismatch {
            digest: desc.digest.clone(),
            got: format!("{} bytes instead of {}", sink.done, desc.size),
        });
    }
    sink.file.sync_all().map_err(super::io_at(dest))?;
    progress(ProgressEvent::LayerDone {
        digest: desc.digest.clone(),
    });
    Ok(())
}

impl Store {
    fn pull_staging(&self) -> Result<Staging> {
        let p = self
            .tmp_dir()
            .join(format!("pull-{}", hex::encode(rand::random::<[u8; 8]>())));
        // Made under the store lock, so recovery never sees it without its lock file.
        let _l = self.lock()?;
        crate::private::create_private_dir(&p).map_err(super::io_at(&p))?;
        let lp = p.join(".lock");
        let lock = std::fs::File::create(&lp).map_err(super::io_at(&lp))?;
        lock.lock().map_err(super::io_at(&lp))?;
        Ok(Staging(p, lock))
    }

    /// Pulls `reference` (`docker://` optional; short names resolved through
    /// `opts.unqualified_search`) into the store and returns the image. Layers whose
    /// blob is already in the store are not downloaded; the others download in
    /// parallel (`opts.parallel`), each verified against its digest and size before
    /// anything is committed. An interrupted or failed pull leaves no image behind.
    ///
    /// registries.conf (`opts.conf`) is applied: a blocked registry is refused, the
    /// mirrors of the reference's registry are tried first, in order, then the
    /// registry's own location. The image is named by the reference asked for, not
    /// by the mirror it came from.
    #[tracing::instrument(skip(self, opts, progress))]
    pub fn pull(
        &self,
        reference: &str,
        opts: &RegistryOptions,
        progress: Progress<'_>,
    ) -> Result<PulledImage> {
        let full = resolve_short_name(reference, opts)?;
        let sources = opts.conf.pull_sources(&full)?;
        let mut last = None;
        for src in &sources {
            match self.pull_source(&full, &src.reference, opts, progress) {
                Ok(p) => return Ok(p),
                Err(e) if src.mirror => {
                    tracing::info!(mirror = %src.reference, error = %e, "pulling from a mirror failed; trying the next source");
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| RegistryError::InvalidReference(full.clone())))
    }

    /// Pulls `source` (a mirror's or the registry's own reference) and names the image `full`.
    fn pull_source(
        &self,
        full: &str,
        source: &str,
        opts: &RegistryOptions,
        progress: Progress<'_>,
    ) -> Result<PulledImage> {
        let full = full.to_string();
        let parsed = ImageReference::parse(source)
            .map_err(|_| RegistryError::InvalidReference(source.to_string()))?;
        let registry = parsed.domain.clone();
        let r = oci_ref(&parsed);
        let conn = connect(&registry, &r, opts, None, RegistryOperation::Pull)?;
        let (mut bytes, mut manifest_digest) = fetch_manifest(&conn, &r, &full, None)?;
        let bad = |msg: String| RegistryError::BadManifest {
            reference: full.clone(),
            msg,
        };
        let want = opts.platform.clone().unwrap_or_else(Platform::host);
        let m = match read_manifest(&bytes, &want, &full)? {
            ManifestStep::Image(m) => m,
            ManifestStep::Index(pick) => {
                let pr = r.clone_with_digest(pick.digest.clone());
                let got = fetch_manifest(&conn, &pr, &full, Some((&pick.digest, pick.size)))?;
                bytes = got.0;
                manifest_digest = got.1;
                match read_manifest(&bytes, &want, &full)? {
                    ManifestStep::Image(m) => m,
                    ManifestStep::Index(_) => return Err(bad("nested manifest list".into())),
                }
            }
        };
        let cdesc = m
            .config
            .ok_or_else(|| bad(format!("no config in {}", m.media_type)))?;
        progress(ProgressEvent::Resolved {
            reference: full.clone(),
            manifest_digest: manifest_digest.clone(),
        });
        let config = fetch_config(&conn, &r, &cdesc, &full)?;
        progress(ProgressEvent::ConfigDone);
        let ids = read_config_layers(&config, &cdesc.digest, m.layers.len(), &full)?;
        let have: Vec<String> = self.layers()?.into_iter().map(|(id, _)| id).collect();
        let staging = self.pull_staging()?;
        let mut pending = Vec::new();
        let mut jobs: VecDeque<(usize, &Desc, PathBuf)> = VecDeque::new();
        for (i, l) in m.layers.iter().enumerate() {
            let stored = self.blob_path(&l.digest)?;
            if have.contains(&ids[i]) || stored.exists() {
                progress(ProgressEvent::LayerSkipped {
                    digest: l.digest.clone(),
                    size: l.size,
                });
                pending.push(PendingLayer {
                    blob: stored,
                    expected_digest: Some(l.digest.clone()),
                    expected_size: Some(l.size),
                    owned: false,
                });
            } else {
                let dest = staging
                    .0
                    .join(digest_hex(&l.digest).map_err(crate::StoreError::from)?);
                // The same blob twice in one image: download once.
                if !jobs.iter().any(|(_, d, _)| d.digest == l.digest) {
                    jobs.push_back((i, l, dest.clone()));
                }
                pending.push(PendingLayer {
                    blob: dest,
                    expected_digest: Some(l.digest.clone()),
                    expected_size: Some(l.size),
                    owned: true,
                });
            }
        }
        let queue = Mutex::new(jobs);
        let first_err: Mutex<Option<RegistryError>> = Mutex::new(None);
        let workers = opts
            .parallel
            .max(1)
            .min(queue.lock().map(|q| q.len()).unwrap_or(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    if first_err.lock().map(|e| e.is_some()).unwrap_or(true) {
                        return;
                    }
                    let job = match queue.lock() {
                        Ok(mut q) => q.pop_front(),
                        Err(_) => None,
                    };
                    let Some((_, desc, dest)) = job else { return };
                    if let Err(e) = download(&conn, &r, desc, &dest, progress) {
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
        let images = self.commit_images(vec![PendingImage {
            // `repo:tag@digest` is stored as `repo@digest`, as Podman names it.
            names: vec![ImageReference::parse(&full)
                .map(|r| r.stored_name())
                .unwrap_or_else(|_| full.clone())],
            config,
            digest: Some(manifest_digest.clone()),
            layers: pending,
        }])?;
        drop(staging);
        let image = images
            .into_iter()
            .next()
            .ok_or_else(|| bad("nothing committed".into()))?;
        progress(ProgressEvent::Committed {
            image_id: image.id.clone(),
        });
        Ok(PulledImage {
            image,
            reference: full,
            manifest_digest,
        })
    }
}

/// An index entry as a manifest list keeps it (all platform fields, annotations).
#[derive(Deserialize)]
struct ListEntry {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    platform: Option<crate::manifest::EntryPlatform>,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ListManifests {
    manifests: Vec<ListEntry>,
}

#[derive(Deserialize)]
struct ConfigPlatform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
}

/// The manifest-list entries `reference` (`docker://` optional; short names through
/// the configured registries) on a registry gives `manifest add`: for an image
/// manifest, one entry with the platform of its config; for a manifest list, the entry
/// of `opts.platform` (default: the host's), or every entry with `all`. The manifests
/// are verified against their digests; no layer is downloaded.
pub fn remote_manifest_entries(
    reference: &str,
    all: bool,
    opts: &RegistryOptions,
) -> Result<Vec<crate::manifest::ManifestEntry>> {
    use crate::manifest::{EntryPlatform, ManifestEntry};
    let full = resolve_short_name(super::strip_transport(reference), opts)?;
    let parsed =
        ImageReference::parse(&full).map_err(|_| RegistryError::InvalidReference(full.clone()))?;
    let registry = super::normalize_registry(&parsed.domain);
    let r = oci_ref(&parsed);
    let conn = connect(&registry, &r, opts, None, RegistryOperation::Pull)?;
    let (bytes, digest) = fetch_manifest(&conn, &r, &full, None)?;
    let bad = |msg: String| RegistryError::BadManifest {
        reference: full.clone(),
        msg,
    };
    let m: AnyManifest = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if m.manifests.is_some() {
        let list: ListManifests = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        let want = opts.platform.clone().unwrap_or_else(Platform::host);
        let entries: Vec<ManifestEntry> = list
            .manifests
            .into_iter()
            .map(|e| ManifestEntry {
                media_type: e.media_type,
                size: e.size,
                digest: e.digest,
                platform: e.platform.unwrap_or_default(),
                annotations: e.annotations,
            })
            .collect();
        if all {
            return Ok(entries);
        }
        // The entry a pull of `want` would take (same matching, same error).
        let ManifestStep::Index(pick) = read_manifest(&bytes, &want, &full)? else {
            return Err(bad("an index without manifests".into()));
        };
        return Ok(entries
            .into_iter()
            .filter(|e| e.digest == pick.digest)
            .take(1)
            .collect());
    }
    let ManifestStep::Image(m) = read_manifest(&bytes, &Platform::host(), &full)? else {
        return Err(bad("nested manifest list".into()));
    };
    let cdesc = m
        .config
        .ok_or_else(|| bad(format!("no config in {}", m.media_type)))?;
    let config = fetch_config(&conn, &r, &cdesc, &full)?;
    let cp: ConfigPlatform = serde_json::from_slice(&config)
        .map_err(|e| bad(format!("config {}: {e}", cdesc.digest)))?;
    Ok(vec![ManifestEntry {
        media_type: if m.media_type.is_empty() {
            crate::archive::MEDIA_OCI_MANIFEST.to_string()
        } else {
            m.media_type
        },
        size: bytes.len() as u64,
        digest,
        platform: EntryPlatform {
            architecture: cp.architecture,
            os: cp.os,
            variant: cp.variant.unwrap_or_default(),
            ..Default::default()
        },
        annotations: Default::default(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plat() -> Platform {
        Platform {
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
        }
    }

    fn bad(manifest: &str, config: &str, want: &str) {
        let e = check_manifest(manifest.as_bytes(), config.as_bytes(), &plat()).unwrap_err();
        assert!(e.to_string().contains(want), "{manifest}: {e}");
    }

    /// Hostile registry answers are typed errors naming what is wrong (the inputs the
    /// registry_manifest fuzz target starts from).
    #[test]
    fn manifests_and_configs_are_checked() {
        let d = format!("sha256:{}", "a".repeat(64));
        let index = format!(
            r#"{{"manifests":[{{"digest":"{d}","size":7,"platform":{{"os":"linux","architecture":"arm64"}}}},
                {{"digest":"{d}","size":9,"platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#
        );
        assert_eq!(
            check_manifest(index.as_bytes(), b"", &plat()).unwrap(),
            Some((d.clone(), 9))
        );
        let image = format!(
            r#"{{"schemaVersion":2,"config":{{"digest":"{d}","size":2}},"layers":[{{"digest":"{d}","size":1}}]}}"#
        );
        let config = format!(r#"{{"rootfs":{{"diff_ids":["{d}"]}}}}"#);
        assert_eq!(
            check_manifest(image.as_bytes(), config.as_bytes(), &plat()).unwrap(),
            None
        );
        bad(r#"{"manifests":[]}"#, "", "linux/amd64");
        bad("[", "", "EOF");
        bad(
            r#"{"schemaVersion":1,"config":{"digest":"x","size":1}}"#,
            "",
            "schema version 1",
        );
        bad(r#"{"schemaVersion":2}"#, "", "no config");
        bad(
            &image.replace(r#""size":1}]"#, r#""size":1,"mediaType":"text/html"}]"#),
            &config,
            "text/html",
        );
        bad(
            &image.replace(&format!(r#""{d}","size":1"#), r#""sha256:zz","size":1"#),
            &config,
            "zz",
        );
        bad(
            &image,
            r#"{"rootfs":{"diff_ids":[]}}"#,
            "1 layers but 0 diff ids",
        );
        bad(&image, r#"{"rootfs":{"diff_ids":["md5:x"]}}"#, "md5:x");
    }
}
