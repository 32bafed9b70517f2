//! A corpus of hostile layers: each is rejected or contained, a canary outside the
//! store is untouched, and a rejected import stores nothing.

mod common;

use common::{require_root, TestStore, DRIVERS};
use libpod_storage::archive::{
    write_docker_archive, write_oci_layout, Compression, ExportImage, ExportLayer,
};
use libpod_storage::digest::sha256_digest;
use libpod_storage::testimage::config;
use libpod_storage::{DriverKind, StoreError};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One raw tar entry; names and link targets are written verbatim (tar-rs's builder
/// would refuse the hostile ones).
fn raw_entry(out: &mut Vec<u8>, name: &str, kind: tar::EntryType, link: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        assert!(
            name.len() < 100 && link.len() < 100,
            "keep corpus names short: {name}"
        );
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_577_836_800);
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    out.extend(std::iter::repeat_n(0u8, pad));
}

fn finish(mut tar: Vec<u8>) -> Vec<u8> {
    tar.extend(std::iter::repeat_n(0u8, 1024));
    tar
}

fn layer_file(dir: &Path, bytes: &[u8], diff_id: &str, compression: Compression) -> ExportLayer {
    let digest = sha256_digest(bytes);
    let blob = dir.join(&digest[7..]);
    fs::write(&blob, bytes).unwrap();
    ExportLayer {
        blob,
        digest,
        size: bytes.len() as u64,
        compression,
        diff_id: diff_id.to_string(),
    }
}

fn image(layers: Vec<ExportLayer>) -> ExportImage {
    ExportImage {
        names: vec!["localhost/hostile:latest".into()],
        config: config(&layers, serde_json::json!({"Cmd": ["sh"]}), "hostile"),
        layers,
    }
}

struct Canary {
    dir: PathBuf,
}

impl Canary {
    fn new(root: &Path) -> Canary {
        let dir = root.join("canary");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("secret"), "canary\n").unwrap();
        Canary { dir }
    }
    fn assert_untouched(&self, case: &str) {
        assert_eq!(
            fs::read_to_string(self.dir.join("secret")).unwrap(),
            "canary\n",
            "{case}: canary modified"
        );
        let names: Vec<_> = fs::read_dir(&self.dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            names.len(),
            1,
            "{case}: files appeared next to the canary: {names:?}"
        );
    }
    /// The canary dir path without its leading '/'.
    fn rel(&self) -> String {
        self.dir
            .to_string_lossy()
            .trim_start_matches('/')
            .to_string()
    }
}

fn no_staging_left(t: &TestStore, case: &str) {
    let root = t.store.graph_root().join(match t.store.driver() {
        DriverKind::Overlay => "overlay",
        DriverKind::Vfs => "vfs/dir",
    });
    for e in fs::read_dir(&root).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        assert!(!n.starts_with(".staging"), "{case}: staging left: {n}");
    }
    let tmp: Vec<_> = fs::read_dir(t.store.graph_root().join("tmp"))
        .unwrap()
        .collect();
    assert!(tmp.is_empty(), "{case}: tmp not empty");
}

enum Expect {
    Rejected,
    Contained,
}

#[test]
fn hostile_layers_are_rejected_or_contained() {
    if !require_root("hostile_layers_are_rejected_or_contained") {
        return;
    }
    use tar::EntryType::{Directory, Link, Regular, Symlink};
    for driver in DRIVERS {
        let t = TestStore::new(driver);
        let canary = Canary::new(&t.root());
        let c = canary.rel();
        let abs = canary.dir.to_string_lossy().to_string();
        let up = "../".repeat(12);
        type Case = (
            &'static str,
            Vec<(String, tar::EntryType, String, Vec<u8>)>,
            Expect,
        );
        let e = |n: &str, k, l: &str, d: &[u8]| (n.to_string(), k, l.to_string(), d.to_vec());
        let cases: Vec<Case> = vec![
            (
                "traversal",
                vec![e(&format!("{up}{c}/pwned"), Regular, "", b"x")],
                Expect::Rejected,
            ),
            (
                "traversal-overwrite",
                vec![e(&format!("{up}{c}/secret"), Regular, "", b"owned")],
                Expect::Rejected,
            ),
            (
                "absolute-path",
                vec![e(&format!("{abs}/secret"), Regular, "", b"owned")],
                Expect::Contained,
            ),
            (
                "abs-symlink-then-write",
                vec![
                    e("evil", Symlink, &abs, b""),
                    e("evil/secret", Regular, "", b"owned"),
                ],
                Expect::Contained,
            ),
            (
                "rel-symlink-then-write",
                vec![
                    e("evil", Symlink, &format!("{up}{c}"), b""),
                    e("evil/pwned", Regular, "", b"x"),
                ],
                Expect::Contained,
            ),
            (
                "symlink-then-replace-file",
                vec![
                    e("link", Symlink, &format!("{abs}/secret"), b""),
                    e("link", Regular, "", b"owned"),
                ],
                Expect::Contained,
            ),
            (
                "symlink-dir-then-dir-entry",
                vec![
                    e("d", Symlink, &abs, b""),
                    e("d/sub/", Directory, "", b""),
                    e("d/sub/f", Regular, "", b"x"),
                ],
                Expect::Contained,
            ),
            (
                "hardlink-traversal",
                vec![e("hl", Link, &format!("{up}{c}/secret"), b"")],
                Expect::Rejected,
            ),
            (
                "hardlink-absolute",
                vec![e("hl", Link, &format!("{abs}/secret"), b"")],
                Expect::Rejected,
            ),
            (
                "hardlink-through-symlink",
                vec![e("d", Symlink, &abs, b""), e("hl", Link, "d/secret", b"")],
                Expect::Rejected,
            ),
            (
                "whiteout-dotdot",
                vec![e("a/.wh...", Regular, "", b"")],
                Expect::Rejected,
            ),
            (
                "whiteout-traversal",
                vec![e(&format!("{up}{c}/.wh.secret"), Regular, "", b"")],
                Expect::Rejected,
            ),
            (
                "whiteout-through-symlink",
                vec![
                    e("d", Symlink, &abs, b""),
                    e("d/.wh.secret", Regular, "", b""),
                ],
                Expect::Contained,
            ),
            (
                "opaque-through-symlink",
                vec![
                    e("d", Symlink, &format!("{up}{c}"), b""),
                    e("d/.wh..wh..opq", Regular, "", b""),
                ],
                Expect::Contained,
            ),
        ];
        let work = t.root().join("work");
        fs::create_dir_all(&work).unwrap();
        for (name, entries, expect) in cases {
            let mut tar = Vec::new();
            for (n, k, l, d) in &entries {
                raw_entry(&mut tar, n, *k, l, d);
            }
            let tar = finish(tar);
            let layer = layer_file(&work, &tar, &sha256_digest(&tar), Compression::None);
            let layout = work.join(format!("{name}-oci"));
            write_oci_layout(&layout, &[image(vec![layer])]).unwrap();
            let res = t.store.load(&layout);
            let case = format!("{driver} {name}");
            match expect {
                Expect::Rejected => {
                    assert!(res.is_err(), "{case}: accepted");
                    assert!(
                        t.store.list_images().unwrap().is_empty(),
                        "{case}: image stored"
                    );
                }
                Expect::Contained => {
                    // Either outcome is fine as long as nothing escaped.
                    if let Ok(imgs) = &res {
                        let cid = format!("c-{name}");
                        t.store.create_container(&cid, Some(&imgs[0].id)).unwrap();
                        let root = t.store.mount(&cid).unwrap();
                        // Whatever was written landed inside the root.
                        if name == "absolute-path" {
                            assert_eq!(
                                fs::read_to_string(root.join(&c).join("secret")).unwrap(),
                                "owned"
                            );
                        }
                        t.store.delete_container(&cid).unwrap();
                        t.store.remove_image(&imgs[0].id, false).unwrap();
                    }
                }
            }
            canary.assert_untouched(&case);
            no_staging_left(&t, &case);
        }
        assert!(libpod_storage::driver::mounts_under(&t.root()).is_empty());
        assert!(t.store.layers().unwrap().is_empty());
    }
}

#[test]
fn truncated_gzip_and_wrong_digests_store_nothing() {
    if !require_root("truncated_gzip_and_wrong_digests_store_nothing") {
        return;
    }
    for driver in DRIVERS {
        let t = TestStore::new(driver);
        let work = t.root().join("work");
        fs::create_dir_all(&work).unwrap();
        let mut tar = Vec::new();
        raw_entry(
            &mut tar,
            "big",
            tar::EntryType::Regular,
            "",
            &vec![7u8; 200_000],
        );
        raw_entry(&mut tar, "small", tar::EntryType::Regular, "", b"ok");
        let tar = finish(tar);
        let diff_id = sha256_digest(&tar);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        // A good first layer, so a failure in layer 2 must roll layer 1 back too.
        let mut good = Vec::new();
        raw_entry(&mut good, "good", tar::EntryType::Regular, "", b"good");
        let good = finish(good);
        let good_layer = || layer_file(&work, &good, &sha256_digest(&good), Compression::None);

        // 1. Truncated gzip (digest in the manifest matches the truncated blob).
        let cut = &gz[..gz.len() / 2];
        let l = layer_file(&work, cut, &diff_id, Compression::Gzip);
        let layout = work.join("truncated");
        write_oci_layout(&layout, &[image(vec![good_layer(), l])]).unwrap();
        let err = t.store.load(&layout).unwrap_err();
        assert!(matches!(err, StoreError::Extract { .. }), "{err}");

        // 2. Blob content does not match its manifest digest.
        let mut l = layer_file(&work, &gz, &diff_id, Compression::Gzip);
        let layout2 = work.join("wrong-digest");
        write_oci_layout(&layout2, &[image(vec![good_layer(), l.clone()])]).unwrap();
        let mut other = Vec::new();
        raw_entry(&mut other, "evil", tar::EntryType::Regular, "", b"evil");
        let other = finish(other);
        fs::write(layout2.join("blobs/sha256").join(&l.digest[7..]), &other).unwrap();
        let err = t.store.load(&layout2).unwrap_err();
        assert!(matches!(err, StoreError::Mismatch { .. }), "{err}");

        // 3. Wrong diff id in the config (docker-archive: no blob digests to check).
        l.blob = work.join("plain-layer");
        fs::write(&l.blob, &tar).unwrap();
        l.compression = Compression::None;
        l.digest = diff_id.clone();
        l.size = tar.len() as u64;
        l.diff_id = sha256_digest(b"not the layer");
        let archive = work.join("wrong-diffid.tar");
        write_docker_archive(&archive, &[image(vec![good_layer(), l])]).unwrap();
        let err = t.store.load(&archive).unwrap_err();
        assert!(matches!(err, StoreError::Mismatch { .. }), "{err}");

        // 4. The manifest announces a wrong layer size.
        let l = layer_file(&work, &tar, &diff_id, Compression::None);
        let layout4 = work.join("wrong-size");
        write_oci_layout(&layout4, &[image(vec![l])]).unwrap();
        let index_path = layout4.join("index.json");
        let mut index: serde_json::Value =
            serde_json::from_slice(&fs::read(&index_path).unwrap()).unwrap();
        let mdigest = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        let blobs = layout4.join("blobs/sha256");
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(blobs.join(&mdigest[7..])).unwrap()).unwrap();
        manifest["layers"][0]["size"] = serde_json::json!(tar.len() as u64 + 1);
        let mbytes = serde_json::to_vec(&manifest).unwrap();
        let nd = sha256_digest(&mbytes);
        fs::write(blobs.join(&nd[7..]), &mbytes).unwrap();
        index["manifests"][0]["digest"] = serde_json::json!(nd);
        index["manifests"][0]["size"] = serde_json::json!(mbytes.len());
        fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
        let err = t.store.load(&layout4).unwrap_err();
        assert!(
            matches!(&err, StoreError::Mismatch { what, .. } if what.starts_with("size")),
            "{err}"
        );

        assert!(
            t.store.list_images().unwrap().is_empty(),
            "{driver}: image stored"
        );
        assert!(
            t.store.layers().unwrap().is_empty(),
            "{driver}: layers stored"
        );
        no_staging_left(&t, &format!("{driver} digests"));
        assert_eq!(
            fs::read_dir(t.store.graph_root().join("blobs/sha256"))
                .unwrap()
                .count(),
            0,
            "{driver}: blobs stored"
        );
    }
}
