//! Hermetic test images (no network), built from host binaries; written by
//! `cargo xtask test-image` (the `test_image` example) and by tests when absent:
//!
//! - `busybox-oci/`, `busybox.tar` — `localhost/busybox:latest`: static busybox from the
//!   host (`/bin/busybox`, Debian's busybox-static) with applet symlinks, /etc/passwd,
//!   /etc/group, /www/index.html, /tmp (1777), /root, /dev /proc /sys.
//! - `multilayer-oci/`, `multilayer.tar` — `localhost/multilayer:latest`: the busybox layer
//!   plus two more (gzip and zstd in the OCI layout), with a `.wh.` whiteout hiding a lower
//!   file and an opaque directory (`.wh..wh..opq`).
//! - `pause-oci/`, `pause.tar` — `localhost/pause:latest`: `/catatonit` (static) as
//!   entrypoint `["/catatonit","-P"]`.
//!
//! Output is deterministic (fixed mtimes, root owners, sorted entries), so digests are
//! stable; a second run with the same inputs does nothing.

use crate::archive::{
    write_docker_archive, write_oci_layout, Compression, ExportImage, ExportLayer, FIXED_MTIME,
};
use crate::digest::{sha256_digest, sha256_file};
use serde_json::json;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

const GENERATOR_VERSION: &str = "lpod-test-image-v1";
const PATH_ENV: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

enum Node {
    Dir(u32),
    File(u32, Vec<u8>),
    Symlink(String),
}

/// A layer under construction: path (no leading '/') → node; entries are written
/// sorted, parents first, root-owned with fixed mtimes.
#[derive(Default)]
pub struct Layer(BTreeMap<String, Node>);

impl Layer {
    /// Adds a directory.
    pub fn dir(&mut self, p: &str, mode: u32) {
        self.parents(p);
        self.0.insert(p.to_string(), Node::Dir(mode));
    }
    /// Adds a regular file.
    pub fn file(&mut self, p: &str, mode: u32, data: impl Into<Vec<u8>>) {
        self.parents(p);
        self.0.insert(p.to_string(), Node::File(mode, data.into()));
    }
    /// Adds a symlink.
    pub fn symlink(&mut self, p: &str, target: &str) {
        self.parents(p);
        self.0
            .insert(p.to_string(), Node::Symlink(target.to_string()));
    }
    fn parents(&mut self, p: &str) {
        let mut acc = String::new();
        let comps: Vec<&str> = p.split('/').collect();
        for c in &comps[..comps.len() - 1] {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(c);
            self.0.entry(acc.clone()).or_insert(Node::Dir(0o755));
        }
    }

    /// Writes the layer as a tar (and compresses it), returning the export description.
    pub fn write(&self, work: &Path, compression: Compression) -> Result<ExportLayer, String> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, node) in &self.0 {
            let mut h = tar::Header::new_ustar();
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(FIXED_MTIME);
            let r = match node {
                Node::Dir(m) => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_mode(*m);
                    h.set_size(0);
                    b.append_data(&mut h, format!("{path}/"), std::io::empty())
                }
                Node::File(m, data) => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_mode(*m);
                    h.set_size(data.len() as u64);
                    b.append_data(&mut h, path, &data[..])
                }
                Node::Symlink(t) => {
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_mode(0o777);
                    h.set_size(0);
                    b.append_link(&mut h, path, t)
                }
            };
            r.map_err(|e| format!("tar {path}: {e}"))?;
        }
        let tar = b.into_inner().map_err(|e| e.to_string())?;
        let diff_id = sha256_digest(&tar);
        let blob_bytes = match compression {
            Compression::None => tar,
            Compression::Gzip => {
                let mut e = flate2::GzBuilder::new()
                    .mtime(0)
                    .write(Vec::new(), flate2::Compression::default());
                e.write_all(&tar).map_err(|e| e.to_string())?;
                e.finish().map_err(|e| e.to_string())?
            }
            Compression::Zstd => zstd::encode_all(&tar[..], 3).map_err(|e| e.to_string())?,
        };
        let digest = sha256_digest(&blob_bytes);
        let blob = work.join(digest.trim_start_matches("sha256:"));
        fs::write(&blob, &blob_bytes).map_err(|e| format!("{}: {e}", blob.display()))?;
        Ok(ExportLayer {
            blob,
            digest,
            size: blob_bytes.len() as u64,
            compression,
            diff_id,
        })
    }
}

/// An image config JSON for `layers` with runtime config `cfg`.
pub fn config(layers: &[ExportLayer], cfg: serde_json::Value, comment: &str) -> Vec<u8> {
    let diff_ids: Vec<&str> = layers.iter().map(|l| l.diff_id.as_str()).collect();
    let history: Vec<_> = layers
        .iter()
        .map(|_| json!({"created": "2020-01-01T00:00:00Z", "created_by": comment}))
        .collect();
    serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "created": "2020-01-01T00:00:00Z",
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))
    .unwrap_or_default()
}

fn busybox_layer() -> Result<Layer, String> {
    let bin = fs::read("/bin/busybox").map_err(|e| format!("/bin/busybox: {e}"))?;
    let out = Command::new("/bin/busybox")
        .arg("--list-full")
        .output()
        .map_err(|e| format!("busybox --list-full: {e}"))?;
    let mut l = Layer::default();
    for d in [
        "dev", "proc", "sys", "etc", "bin", "sbin", "usr/bin", "usr/sbin", "var",
    ] {
        l.dir(d, 0o755);
    }
    l.dir("root", 0o700);
    l.dir("tmp", 0o1777);
    l.dir("home", 0o755);
    l.file("bin/busybox", 0o755, bin);
    for applet in String::from_utf8_lossy(&out.stdout).lines() {
        let applet = applet.trim().trim_start_matches('/');
        if applet.is_empty() || applet == "bin/busybox" {
            continue;
        }
        l.symlink(applet, "/bin/busybox");
    }
    l.file(
        "etc/passwd",
        0o644,
        "root:x:0:0:root:/root:/bin/sh\n\
         daemon:x:1:1:daemon:/usr/sbin:/bin/false\n\
         www-data:x:33:33:www-data:/var/www:/bin/false\n\
         nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    );
    l.file(
        "etc/group",
        0o644,
        "root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnogroup:x:65534:\n",
    );
    l.file("etc/hostname", 0o644, "lpod\n");
    l.file("www/index.html", 0o644, "hello from lpod\n");
    Ok(l)
}

struct Built {
    name: &'static str,
    image: ExportImage,
}

fn build_all(work: &Path) -> Result<Vec<Built>, String> {
    let base = busybox_layer()?.write(work, Compression::None)?;
    let busy_cfg = json!({"Env": [PATH_ENV], "Cmd": ["sh"]});

    let mut l2 = Layer::default();
    l2.file("data/keep.txt", 0o644, "keep\n");
    l2.file(
        "data/remove-me.txt",
        0o644,
        "this file is whited out above\n",
    );
    l2.file("opaque/old1.txt", 0o644, "old1\n");
    l2.dir("opaque/olddir", 0o755);
    l2.file("opaque/olddir/old2.txt", 0o644, "old2\n");
    l2.file("etc/motd", 0o644, "layer2\n");
    let mut l3 = Layer::default();
    l3.file("data/.wh.remove-me.txt", 0o644, "");
    l3.file("data/layer3.txt", 0o644, "layer3\n");
    l3.file("opaque/.wh..wh..opq", 0o644, "");
    l3.file("opaque/new.txt", 0o644, "new\n");
    l3.file("etc/motd", 0o644, "layer3\n");
    let ml = vec![
        base.clone(),
        l2.write(work, Compression::Gzip)?,
        l3.write(work, Compression::Zstd)?,
    ];

    let cat = fs::read("/usr/bin/catatonit").map_err(|e| format!("/usr/bin/catatonit: {e}"))?;
    let mut p = Layer::default();
    p.file("catatonit", 0o755, cat);
    for d in ["dev", "proc", "sys", "etc"] {
        p.dir(d, 0o755);
    }
    let pl = vec![p.write(work, Compression::None)?];

    Ok(vec![
        Built {
            name: "busybox",
            image: ExportImage {
                names: vec!["localhost/busybox:latest".into()],
                config: config(
                    std::slice::from_ref(&base),
                    busy_cfg.clone(),
                    "lpod test-image busybox",
                ),
                layers: vec![base],
            },
        },
        Built {
            name: "multilayer",
            image: ExportImage {
                names: vec!["localhost/multilayer:latest".into()],
                config: config(&ml, busy_cfg, "lpod test-image multilayer"),
                layers: ml,
            },
        },
        Built {
            name: "pause",
            image: ExportImage {
                names: vec!["localhost/pause:latest".into()],
                config: config(
                    &pl,
                    json!({"Env": [PATH_ENV], "Entrypoint": ["/catatonit", "-P"], "StopSignal": "SIGTERM"}),
                    "lpod test-image pause",
                ),
                layers: pl,
            },
        },
    ])
}

fn fingerprint() -> Result<String, String> {
    let (b, _) = sha256_file(Path::new("/bin/busybox")).map_err(|e| e.to_string())?;
    let (c, _) = sha256_file(Path::new("/usr/bin/catatonit")).map_err(|e| e.to_string())?;
    Ok(format!("{GENERATOR_VERSION}\n{b}\n{c}\n"))
}

/// Builds (or keeps, when up to date) the test images in `out`; prints what it wrote.
pub fn build(out: &Path) -> Result<(), String> {
    let out = out.to_path_buf();
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    // Parallel test processes may all ask for the images: one builds, the others wait.
    let lock =
        fs::File::create(out.join(".lock")).map_err(|e| format!("{}: {e}", out.display()))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", out.display()))?;
    let fp = fingerprint()?;
    let stamp = out.join(".inputs");
    let names = ["busybox", "multilayer", "pause"];
    let complete = names.iter().all(|n| {
        out.join(format!("{n}-oci/index.json")).exists() && out.join(format!("{n}.tar")).exists()
    });
    if complete && fs::read_to_string(&stamp).ok().as_deref() == Some(fp.as_str()) {
        println!("test images up to date in {}", out.display());
        return Ok(());
    }
    let work = out.join(".work");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    for b in build_all(&work)? {
        let layout = out.join(format!("{}-oci", b.name));
        let _ = fs::remove_dir_all(&layout);
        write_oci_layout(&layout, std::slice::from_ref(&b.image)).map_err(|e| e.to_string())?;
        let tarball = out.join(format!("{}.tar", b.name));
        write_docker_archive(&tarball, std::slice::from_ref(&b.image))
            .map_err(|e| e.to_string())?;
        println!(
            "{:<28} id {} ({} layers): {}, {}",
            b.image.names[0],
            &sha256_digest(&b.image.config)[7..19],
            b.image.layers.len(),
            layout.display(),
            tarball.display()
        );
    }
    let _ = fs::remove_dir_all(&work);
    fs::write(&stamp, fp).map_err(|e| e.to_string())?;
    Ok(())
}
