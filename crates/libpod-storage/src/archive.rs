//! Image archive formats: writing OCI image layouts, oci-archive and docker-archive
//! tarballs, and sniffing layer compression.
//!
//! The writers take an [`ExportImage`] (config bytes plus layer blobs on disk) so the
//! store's `save_*` verbs and the hermetic test-image builder share one code path.
//! Output is deterministic: fixed mtimes, sorted keys, no host owners.

use crate::digest::{digest_hex, sha256_digest, HashingWriter};
use serde_json::json;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// OCI manifest media type.
pub const MEDIA_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI index media type.
pub const MEDIA_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI config media type.
pub const MEDIA_OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Uncompressed OCI layer media type.
pub const MEDIA_OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// Gzip OCI layer media type.
pub const MEDIA_OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Zstd OCI layer media type.
pub const MEDIA_OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// Docker schema 2 manifest media type.
pub const MEDIA_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list media type.
pub const MEDIA_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// Errors writing archives.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path being written or read.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A layer or config digest is malformed.
    #[error(transparent)]
    Digest(#[from] crate::digest::DigestError),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Layer compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar stream.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

impl Compression {
    /// Detects compression from the first bytes of a stream.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The OCI layer media type for this compression.
    pub fn oci_media_type(self) -> &'static str {
        match self {
            Compression::None => MEDIA_OCI_LAYER,
            Compression::Gzip => MEDIA_OCI_LAYER_GZIP,
            Compression::Zstd => MEDIA_OCI_LAYER_ZSTD,
        }
    }
}

/// Wraps `reader` in the decompressor its first bytes call for.
pub fn decompress<'a, R: Read + 'a>(reader: R) -> io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut buf = BufReader::with_capacity(256 * 1024, reader);
    let comp = Compression::sniff(buf.fill_buf()?);
    let out: Box<dyn Read + 'a> = match comp {
        Compression::None => Box::new(buf),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buf)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buf)?),
    };
    Ok((comp, out))
}

/// A layer blob to export.
#[derive(Debug, Clone)]
pub struct ExportLayer {
    /// The blob file (as stored: plain, gzip or zstd).
    pub blob: PathBuf,
    /// `sha256:` digest of the blob file.
    pub digest: String,
    /// Size of the blob file.
    pub size: u64,
    /// Compression of the blob.
    pub compression: Compression,
    /// `sha256:` digest of the uncompressed tar (the diff id).
    pub diff_id: String,
}

/// An image to export.
#[derive(Debug, Clone)]
pub struct ExportImage {
    /// Fully qualified names (`localhost/busybox:latest`); may be empty.
    pub names: Vec<String>,
    /// The image config JSON, exactly as stored (its digest is the image id).
    pub config: Vec<u8>,
    /// Layers, bottom first.
    pub layers: Vec<ExportLayer>,
}

impl ExportImage {
    /// The OCI manifest JSON for this image.
    pub fn oci_manifest(&self) -> Vec<u8> {
        let layers: Vec<_> = self
            .layers
            .iter()
            .map(|l| {
                json!({"mediaType": l.compression.oci_media_type(), "digest": l.digest, "size": l.size})
            })
            .collect();
        let m = json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_OCI_MANIFEST,
            "config": {"mediaType": MEDIA_OCI_CONFIG, "digest": sha256_digest(&self.config), "size": self.config.len()},
            "layers": layers,
        });
        serde_json::to_vec(&m).unwrap_or_default()
    }
}

/// Creates `path` with `bytes` atomically and durably: a temp file in the same
/// directory, fsynced, renamed over `path`, then the directory fsynced (so neither the
/// data nor the rename can be lost to a power cut once this returns).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    write_atomic_mode(path, bytes, 0o644)
}

/// [`write_atomic`] for the store's own files (metadata, image configs): mode 0600.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    write_atomic_mode(path, bytes, 0o600)
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ArchiveError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    // a bare file name has the parent "", which cannot be opened for the fsync
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let res = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        // Data on disk before the rename that commits it...
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // ...and the rename itself on disk before the caller goes on.
        crate::durable::sync(dir)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res.map_err(io_at(path))
}

fn copy_or_link(src: &Path, dst: &Path) -> Result<(), ArchiveError> {
    if dst.exists() {
        return Ok(());
    }
    if fs::hard_link(src, dst).is_ok() {
        return Ok(());
    }
    let tmp = dst.with_extension("partial");
    fs::copy(src, &tmp).map_err(io_at(src))?;
    fs::rename(&tmp, dst).map_err(io_at(dst))
}

/// Writes an OCI image layout in `dir` (created if missing) holding `images`.
/// Each name becomes an index entry annotated `org.opencontainers.image.ref.name`.
pub fn write_oci_layout(dir: &Path, images: &[ExportImage]) -> Result<(), ArchiveError> {
    let blobs = dir.join("blobs").join("sha256");
    fs::create_dir_all(&blobs).map_err(io_at(&blobs))?;
    write_atomic(
        &dir.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    let mut manifests = Vec::new();
    for img in images {
        for l in &img.layers {
            copy_or_link(&l.blob, &blobs.join(digest_hex(&l.digest)?))?;
        }
        let cfg_digest = sha256_digest(&img.config);
        write_atomic(&blobs.join(digest_hex(&cfg_digest)?), &img.config)?;
        let manifest = img.oci_manifest();
        let mdigest = sha256_digest(&manifest);
        write_atomic(&blobs.join(digest_hex(&mdigest)?), &manifest)?;
        let desc = |name: Option<&String>| {
            let mut d =
                json!({"mediaType": MEDIA_OCI_MANIFEST, "digest": mdigest, "size": manifest.len()});
            if let Some(n) = name {
                d["annotations"] = json!({"org.opencontainers.image.ref.name": n});
            }
            d
        };
        if img.names.is_empty() {
            manifests.push(desc(None));
        }
        for n in &img.names {
            manifests.push(desc(Some(n)));
        }
    }
    let index = json!({"schemaVersion": 2, "mediaType": MEDIA_OCI_INDEX, "manifests": manifests});
    write_atomic(
        &dir.join("index.json"),
        &serde_json::to_vec(&index).unwrap_or_default(),
    )
}

/// Writes one image in containers/image's `dir:` layout (what `podman push IMAGE
/// dir:PATH` writes): a `version` file, `manifest.json` (an OCI manifest), and the config
/// and layer blobs, each named by its digest's hex.
pub fn write_dir_layout(dir: &Path, image: &ExportImage) -> Result<(), ArchiveError> {
    fs::create_dir_all(dir).map_err(io_at(dir))?;
    for l in &image.layers {
        copy_or_link(&l.blob, &dir.join(digest_hex(&l.digest)?))?;
    }
    let cfg_digest = sha256_digest(&image.config);
    write_atomic(&dir.join(digest_hex(&cfg_digest)?), &image.config)?;
    write_atomic(&dir.join("manifest.json"), &image.oci_manifest())?;
    write_atomic(&dir.join("version"), b"Directory Transport Version: 1.1\n")
}

/// Fixed mtime for archive entries (2020-01-01), so archives are reproducible.
pub const FIXED_MTIME: u64 = 1_577_836_800;

fn file_header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(FIXED_MTIME);
    h
}

fn append_bytes<W: Write>(b: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> io::Result<()> {
    let mut h = file_header(bytes.len() as u64);
    b.append_data(&mut h, name, bytes)
}

fn append_file<W: Write>(b: &mut tar::Builder<W>, name: &str, path: &Path) -> io::Result<()> {
    let f = File::open(path)?;
    let mut h = file_header(f.metadata()?.len());
    b.append_data(&mut h, name, f)
}

/// Writes a tar of everything under `dir` (sorted, fixed mtimes) to `out`.
fn tar_tree(dir: &Path, out: &Path) -> Result<(), ArchiveError> {
    let tmp = out.with_extension("partial");
    let f = File::create(&tmp).map_err(io_at(&tmp))?;
    let mut b = tar::Builder::new(BufWriter::new(f));
    fn walk<W: Write>(b: &mut tar::Builder<W>, root: &Path, rel: &Path) -> io::Result<()> {
        let mut entries: Vec<_> = fs::read_dir(root.join(rel))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|e| e.file_name())
            .collect();
        entries.sort();
        for name in entries {
            let r = rel.join(&name);
            let p = root.join(&r);
            let rs = r.to_string_lossy().to_string();
            if p.is_dir() {
                let mut h = tar::Header::new_ustar();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_mtime(FIXED_MTIME);
                b.append_data(&mut h, format!("{rs}/"), io::empty())?;
                walk(b, root, &r)?;
            } else {
                append_file(b, &rs, &p)?;
            }
        }
        Ok(())
    }
    walk(&mut b, dir, Path::new("")).map_err(io_at(dir))?;
    b.into_inner()
        .and_then(|mut w| w.flush())
        .map_err(io_at(&tmp))?;
    fs::rename(&tmp, out).map_err(io_at(out))
}

/// Writes an oci-archive (a tar of an OCI layout) to `out`.
pub fn write_oci_archive(out: &Path, images: &[ExportImage]) -> Result<(), ArchiveError> {
    let parent = out.parent().unwrap_or(Path::new("."));
    let staging = parent.join(format!(".oci-staging-{}", rand::random::<u64>()));
    let res = write_oci_layout(&staging, images).and_then(|_| tar_tree(&staging, out));
    let _ = fs::remove_dir_all(&staging);
    res
}

/// Writes a docker-archive (`docker save` format) to `out`: one manifest.json entry per
/// image with all its names as RepoTags. Compressed layers are stored decompressed.
pub fn write_docker_archive(out: &Path, images: &[ExportImage]) -> Result<(), ArchiveError> {
    let tmp = out.with_extension("partial");
    let f = File::create(&tmp).map_err(io_at(&tmp))?;
    let mut b = tar::Builder::new(BufWriter::new(f));
    let mut manifest = Vec::new();
    let mut written = std::collections::HashSet::new();
    let res = (|| -> Result<(), ArchiveError> {
        for img in images {
            let cfg_name = format!("{}.json", digest_hex(&sha256_digest(&img.config))?);
            if written.insert(cfg_name.clone()) {
                append_bytes(&mut b, &cfg_name, &img.config).map_err(io_at(out))?;
            }
            let mut layer_names = Vec::new();
            for l in &img.layers {
                let name = format!("{}.tar", digest_hex(&l.diff_id)?);
                if written.insert(name.clone()) {
                    if l.compression == Compression::None {
                        append_file(&mut b, &name, &l.blob).map_err(io_at(&l.blob))?;
                    } else {
                        let plain = tmp.with_extension(format!("layer-{}", rand::random::<u32>()));
                        let r = (|| -> io::Result<()> {
                            let (_, mut dec) = decompress(File::open(&l.blob)?)?;
                            let mut w = BufWriter::new(File::create(&plain)?);
                            io::copy(&mut dec, &mut w)?;
                            w.flush()?;
                            append_file(&mut b, &name, &plain)
                        })();
                        let _ = fs::remove_file(&plain);
                        r.map_err(io_at(&l.blob))?;
                    }
                }
                layer_names.push(name);
            }
            manifest
                .push(json!({"Config": cfg_name, "RepoTags": img.names, "Layers": layer_names}));
        }
        let mbytes = serde_json::to_vec(&manifest).unwrap_or_default();
        append_bytes(&mut b, "manifest.json", &mbytes).map_err(io_at(out))?;
        b.into_inner()
            .and_then(|mut w| w.flush())
            .map_err(io_at(&tmp))?;
        Ok(())
    })();
    match res {
        Ok(()) => fs::rename(&tmp, out).map_err(io_at(out)),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes `reader` to `path`, returning its digest and size.
pub fn write_blob<R: Read>(mut reader: R, path: &Path) -> Result<(String, u64), ArchiveError> {
    let f = File::create(path).map_err(io_at(path))?;
    let mut w = HashingWriter::new(BufWriter::new(f));
    io::copy(&mut reader, &mut w).map_err(io_at(path))?;
    let (mut inner, digest, size) = w.finish();
    inner.flush().map_err(io_at(path))?;
    Ok((digest, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_compression() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"ustar"), Compression::None);
    }

    #[test]
    fn decompress_roundtrip_gzip_and_zstd() {
        let data = b"hello layer".repeat(100);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let zs = zstd::encode_all(&data[..], 1).unwrap();
        for (bytes, c) in [(gz, Compression::Gzip), (zs, Compression::Zstd)] {
            let (got, mut r) = decompress(&bytes[..]).unwrap();
            assert_eq!(got, c);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, data);
        }
    }
}
