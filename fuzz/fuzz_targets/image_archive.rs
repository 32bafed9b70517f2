//! `podman load` of a docker-archive or oci-archive (outer tar, manifest.json / index.json,
//! nested indexes, configs, symlinked blobs) into a scratch store: no panic, and nothing
//! written outside the store's directories.
//!
//! Input: the text form of [`lpod_fuzz::tar_from_text`] (or raw tar bytes), written to a
//! file in the sandbox and loaded with `Store::load`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use libpod_storage::{DriverKind, Store, StoreOptions};
use lpod_fuzz::{tar_from_text, Sandbox};

fuzz_target!(|data: &[u8]| {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    let sandbox = SANDBOX.get_or_init(Sandbox::new);
    let tar = tar_from_text(data).unwrap_or_else(|| data.to_vec());
    sandbox.reset();
    let root = sandbox.root();
    let store = Store::open(StoreOptions {
        graph_root: root.join("graph"),
        run_root: root.join("run"),
        driver: Some(DriverKind::Vfs),
    })
    .expect("opening a scratch store");
    let archive = root.join("archive.tar");
    std::fs::write(&archive, &tar).expect("writing the archive");
    if let Ok(images) = store.load(&archive) {
        for img in images {
            let _ = store.image_config_bytes(&img.id);
        }
    }
    sandbox.assert_nothing_outside();
});
