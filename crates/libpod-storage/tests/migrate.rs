//! An older store (one whole-file `containers.json`, container layers in `layers.json`)
//! is split into one record per container when opened, and create, mount and remove
//! work on it afterwards, also when an earlier migration was interrupted.

mod common;

use common::{image_dir, require_root, TestStore, DRIVERS};
use libpod_storage::{DriverKind, Store, StoreOptions};
use serde_json::Value;
use std::fs;
use std::path::Path;

fn read_json(p: &Path) -> Value {
    let b = fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write_json(p: &Path, v: &Value) {
    fs::write(p, serde_json::to_vec(v).unwrap()).unwrap();
}

/// Rewrites the store in `graph` in the older layout: the records of `containers/`
/// without their layer go into `containers.json`, their layers into `layers.json`.
/// With `keep_records`, the per-container files stay and `layers.json` keeps no
/// container layer: what a migration killed before its last step leaves.
fn to_old_format(graph: &Path, keep_records: bool) {
    let dir = graph.join("containers");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let mut old = Vec::new();
    let mut layers = read_json(&graph.join("layers.json"));
    for p in names {
        let mut rec = read_json(&p);
        let layer = rec
            .as_object_mut()
            .and_then(|o| o.remove("layer"))
            .unwrap_or_else(|| panic!("{}: no layer record", p.display()));
        assert_eq!(layer["container"], Value::Bool(true));
        if !keep_records {
            layers.as_array_mut().unwrap().push(layer);
        }
        old.push(rec);
    }
    write_json(&graph.join("containers.json"), &Value::Array(old));
    write_json(&graph.join("layers.json"), &layers);
    if !keep_records {
        fs::remove_dir_all(&dir).unwrap();
    }
}

fn reopen(t: &TestStore, driver: DriverKind) -> Store {
    Store::open(StoreOptions {
        graph_root: t.root().join("graph"),
        run_root: t.root().join("run"),
        driver: Some(driver),
    })
    .unwrap_or_else(|e| panic!("{driver}: reopening an older store: {e}"))
}

fn ids(s: &Store) -> Vec<String> {
    let mut v: Vec<String> = s
        .list_containers()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    v.sort();
    v
}

#[test]
fn older_store_is_migrated_and_usable() {
    if !require_root("older_store_is_migrated_and_usable") {
        return;
    }
    let dir = image_dir();
    for driver in DRIVERS {
        for interrupted in [false, true] {
            let what = format!("{driver}, interrupted migration: {interrupted}");
            let t = TestStore::new(driver);
            t.store.load(&dir.join("busybox.tar")).unwrap();
            let mut layer_of = std::collections::HashMap::new();
            for id in ["a", "b", "c"] {
                let c = t.store.create_container(id, Some("busybox")).unwrap();
                layer_of.insert(id, c.layer_id);
            }
            let root = t.store.mount("a").unwrap();
            fs::write(root.join("written-before"), b"kept").unwrap();
            t.store.unmount("a", false).unwrap();
            let graph = t.root().join("graph");
            to_old_format(&graph, interrupted);

            let s = reopen(&t, driver);
            assert!(!graph.join("containers.json").exists(), "{what}");
            assert_eq!(ids(&s), ["a", "b", "c"], "{what}");
            let layers = read_json(&graph.join("layers.json"));
            assert!(
                layers
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|l| l["container"] != Value::Bool(true)),
                "{what}: container layers left in layers.json: {layers}"
            );
            let report = s.check().unwrap();
            assert!(report.is_clean(), "{what}: {report}");
            // Each layer survived the migration (none was collected as unreferenced).
            for (id, layer) in &layer_of {
                assert_eq!(&s.container(id).unwrap().layer_id, layer, "{what}");
            }

            let root = s.mount("a").unwrap();
            assert_eq!(fs::read(root.join("written-before")).unwrap(), b"kept");
            s.unmount("a", false).unwrap();
            let d = s.create_container("d", Some("busybox")).unwrap();
            s.mount("d").unwrap();
            s.unmount("d", false).unwrap();
            s.delete_container("b").unwrap();
            assert!(!s.container_exists("b").unwrap(), "{what}");
            let b_dir = graph
                .join(match driver {
                    DriverKind::Overlay => "overlay",
                    DriverKind::Vfs => "vfs/dir",
                })
                .join(&layer_of["b"]);
            assert!(!b_dir.exists(), "{what}: {} left", b_dir.display());
            assert!(matches!(
                s.create_container("d", None),
                Err(libpod_storage::StoreError::ContainerExists(_))
            ));
            assert_eq!(ids(&s), ["a", "c", "d"], "{what}");
            let report = s.check().unwrap();
            assert!(report.is_clean(), "{what}: {report}");
            // And once more: nothing left to migrate, nothing lost.
            let s = reopen(&t, driver);
            assert_eq!(ids(&s), ["a", "c", "d"], "{what}");
            assert_eq!(s.container("d").unwrap().layer_id, d.layer_id, "{what}");
            for id in ["a", "c", "d"] {
                s.delete_container(id).unwrap();
            }
            assert!(s.check().unwrap().is_clean(), "{what}");
        }
    }
}
