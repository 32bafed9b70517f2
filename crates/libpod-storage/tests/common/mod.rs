//! Shared helpers for libpod-storage system tests.
#![allow(dead_code, unused_imports)]

use libpod_storage::{DriverKind, Store, StoreOptions};
use std::path::{Path, PathBuf};

/// Guards (`require_root`, `ci`...), tmpfs guards and the private Podman live in the
/// shared test-support crate.
pub use lpod_test_support::*;

/// The hermetic test images: `LPOD_TEST_IMAGE_DIR`, else `<workspace>/target/test-image`,
/// built on demand (idempotent).
pub fn image_dir() -> PathBuf {
    let dir = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-image"));
    if !dir.join("busybox.tar").exists() || !dir.join("multilayer-oci/index.json").exists() {
        libpod_storage::testimage::build(&dir).expect("building test images");
    }
    dir
}

/// A temp root with a store in it; unmounts everything under it on drop.
pub struct TestStore {
    pub store: Store,
    pub tmp: tempfile::TempDir,
}

impl TestStore {
    pub fn new(driver: DriverKind) -> TestStore {
        let tmp = tempfile::Builder::new()
            .prefix("lpod-storage-test")
            .tempdir()
            .expect("tempdir");
        let store = Store::open(StoreOptions {
            graph_root: tmp.path().join("graph"),
            run_root: tmp.path().join("run"),
            driver: Some(driver),
        })
        .expect("open store");
        TestStore { store, tmp }
    }

    pub fn root(&self) -> PathBuf {
        std::fs::canonicalize(self.tmp.path()).unwrap()
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let root = self.root();
        for m in libpod_storage::driver::mounts_under(&root) {
            let _ = rustix::mount::unmount(&m, rustix::mount::UnmountFlags::DETACH);
        }
    }
}

pub const DRIVERS: [DriverKind; 2] = [DriverKind::Overlay, DriverKind::Vfs];
