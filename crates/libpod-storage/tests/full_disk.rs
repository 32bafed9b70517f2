//! A full disk during an import: the store lives on a small tmpfs; importing an image
//! bigger than the space left fails with a clear error, leaves no image or layer
//! visible and no staging behind, and a small import afterwards works.
//!
//! Needs root (mount); skipped on a laptop, fails when `CI=true` and not root.

mod common;

use common::{require_root, SmallDisk};
use libpod_storage::{DriverKind, RootfsImport, Store, StoreOptions};
use std::path::{Path, PathBuf};

/// A rootfs tarball of one incompressible file of `size` bytes.
fn big_rootfs(dir: &Path, name: &str, size: usize) -> PathBuf {
    let path = dir.join(name);
    let f = std::fs::File::create(&path).unwrap();
    let mut b = tar::Builder::new(f);
    let mut data = vec![0u8; size];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for byte in data.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = x as u8;
    }
    let mut h = tar::Header::new_gnu();
    h.set_size(size as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "data.bin", &data[..]).unwrap();
    b.finish().unwrap();
    path
}

fn entries(p: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(p)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn import_bigger_than_disk_fails_cleanly() {
    if !require_root("import_bigger_than_disk_fails_cleanly") {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let big = big_rootfs(src.path(), "big.tar", 6 << 20);
    let small = big_rootfs(src.path(), "small.tar", 256 << 10);
    for driver in [DriverKind::Overlay, DriverKind::Vfs] {
        let disk = SmallDisk::new("lpod-storage-fulldisk-", "4m");
        let store = Store::open(StoreOptions {
            graph_root: disk.mnt.join("graph"),
            run_root: disk.mnt.join("run"),
            driver: Some(driver),
        })
        .unwrap();
        let opts = RootfsImport {
            name: Some("localhost/big:latest".into()),
            ..Default::default()
        };
        let err = store
            .import_rootfs(&big, &opts)
            .expect_err("a 6 MiB import fit on a 4 MiB disk");
        let msg = err.to_string();
        eprintln!("{driver}: {msg}");
        assert!(
            msg.contains("No space left") || msg.to_lowercase().contains("full"),
            "{driver}: not a clear disk-full error: {msg}"
        );
        // It names what was being written (layer source and entry).
        assert!(msg.contains("big.tar"), "{driver}: {msg}");
        // Nothing visible, nothing left behind.
        assert!(store.list_images().unwrap().is_empty(), "{driver}");
        assert!(store.layers().unwrap().is_empty(), "{driver}");
        assert!(entries(&disk.mnt.join("graph/tmp")).is_empty(), "{driver}");
        let report = store.check().unwrap();
        assert!(report.is_clean(), "{driver}: {report}");

        // A small image still fits.
        let small_opts = RootfsImport {
            name: Some("localhost/small:latest".into()),
            ..Default::default()
        };
        let img = store
            .import_rootfs(&small, &small_opts)
            .unwrap_or_else(|e| panic!("{driver}: small import after a full disk: {e}"));
        let c = store.create_container("after", Some(&img.id)).unwrap();
        let root = store.mount(&c.id).unwrap();
        assert_eq!(
            std::fs::metadata(root.join("data.bin")).unwrap().len(),
            256 << 10
        );
        store.unmount(&c.id, true).unwrap();
        store.delete_container(&c.id).unwrap();
        store.remove_image(&img.id, false).unwrap();
        assert!(store.check().unwrap().is_clean());
    }
}
