//! The store is private (issue 12): a new store's directories are 0700 and its files
//! 0600, layer and container dirs too, while layer contents keep the image's modes;
//! an old store with loose modes is tightened when opened.

mod common;

use common::{image_dir, require_root, TestStore, DRIVERS};
use libpod_storage::{DriverKind, Store, StoreOptions};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn assert_private(p: &Path) {
    let m = mode(p);
    assert_eq!(m & 0o077, 0, "{} is {m:o}", p.display());
}

/// Every path of the store layout a host user must not get into.
fn private_paths(root: &Path, driver: DriverKind) -> Vec<PathBuf> {
    let g = root.join("graph");
    let mut v = vec![
        g.clone(),
        root.join("run"),
        g.join("storage.lock"),
        g.join("driver"),
        g.join("images.json"),
        g.join("containers"),
        g.join("tmp"),
        g.join("blobs"),
        g.join("blobs/sha256"),
        g.join("images"),
    ];
    match driver {
        DriverKind::Overlay => v.extend([
            g.join("overlay"),
            g.join("overlay/l"),
            g.join("overlay/empty"),
        ]),
        DriverKind::Vfs => v.extend([g.join("vfs"), g.join("vfs/dir")]),
    }
    v
}

#[test]
fn fresh_store_is_private_and_layer_contents_keep_their_modes() {
    if !require_root("fresh_store_is_private_and_layer_contents_keep_their_modes") {
        return;
    }
    let dir = image_dir();
    for driver in DRIVERS {
        let t = TestStore::new(driver);
        for p in private_paths(&t.root(), driver) {
            assert_private(&p);
        }
        t.store.load(&dir.join("busybox.tar")).unwrap();
        let c = t.store.create_container("ctr1", Some("busybox")).unwrap();
        let rootfs = t.store.mount(&c.id).unwrap();
        let g = t.root().join("graph");
        assert_private(&g.join("layers.json"));
        for (_, img) in read_dir(&g.join("images")) {
            assert_private(&img);
            assert_private(&img.join("config.json"));
        }
        if driver == DriverKind::Overlay {
            // Each layer's own dir (the parent of diff/ and merged/) is private.
            for (name, p) in read_dir(&g.join("overlay")) {
                if name.len() == 64 {
                    assert_private(&p);
                }
            }
            assert_eq!(
                rootfs.parent().map(mode),
                Some(0o700),
                "{}",
                rootfs.display()
            );
        }
        // The container sees the image's modes.
        assert_eq!(mode(&rootfs.join("tmp")), 0o1777);
        assert_eq!(mode(&rootfs.join("bin")) & 0o077, 0o055);
        t.store.unmount(&c.id, false).unwrap();
        t.store.delete_container(&c.id).unwrap();
    }
}

fn read_dir(p: &Path) -> Vec<(String, PathBuf)> {
    fs::read_dir(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), e.path())
        })
        .collect()
}

#[test]
fn loose_store_of_an_older_lpod_is_tightened_on_open() {
    if !require_root("loose_store_of_an_older_lpod_is_tightened_on_open") {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Overlay);
    t.store.load(&dir.join("busybox.tar")).unwrap();
    let root = t.root();
    let g = root.join("graph");
    let mut loose = private_paths(&root, DriverKind::Overlay);
    loose.push(g.join("layers.json"));
    let layer_dirs: Vec<PathBuf> = read_dir(&g.join("overlay"))
        .into_iter()
        .filter(|(n, _)| n.len() == 64)
        .map(|(_, p)| p)
        .collect();
    assert!(!layer_dirs.is_empty());
    loose.extend(layer_dirs.iter().cloned());
    for p in &loose {
        let m = mode(p);
        let wider = if fs::metadata(p).unwrap().is_dir() {
            0o755
        } else {
            0o644
        };
        fs::set_permissions(p, fs::Permissions::from_mode(m | wider)).unwrap();
    }
    let diff = layer_dirs[0].join("diff");
    let diff_mode = mode(&diff);

    let changed = Store::tighten_layout(&g, &root.join("run")).unwrap();
    for p in &loose {
        assert!(
            changed.contains(p),
            "{} not reported in {changed:?}",
            p.display()
        );
        assert_private(p);
    }
    assert_eq!(mode(&diff), diff_mode, "layer contents keep their modes");
    assert!(
        Store::tighten_layout(&g, &root.join("run"))
            .unwrap()
            .is_empty(),
        "second pass finds nothing"
    );

    // Store::open does the same and says what it changed: loosen again and reopen.
    fs::set_permissions(&g, fs::Permissions::from_mode(0o755)).unwrap();
    let s = Store::open(StoreOptions {
        graph_root: g.clone(),
        run_root: root.join("run"),
        driver: None,
    })
    .unwrap();
    assert_eq!(s.tightened(), std::slice::from_ref(&g));
    assert_eq!(mode(&g), 0o700);
    let s = Store::open(StoreOptions {
        graph_root: g.clone(),
        run_root: root.join("run"),
        driver: None,
    })
    .unwrap();
    assert!(s.tightened().is_empty(), "{:?}", s.tightened());
}
