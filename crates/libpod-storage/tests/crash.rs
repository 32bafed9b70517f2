//! Crash safety: every storage failpoint in turn kills a child process (SIGKILL, as
//! `kill -9`) in the middle of an operation; the next `Store::open` must show no
//! partial image, `check()` must be clean (after `repair()` where mounts are involved),
//! and the same operation must then succeed.
//!
//! The child is this test binary re-executed on the ignored `crash_child` test (with
//! `--ignored`) and `LPOD_CRASH_ROLE` set; without that variable `crash_child` fails.

mod common;

use common::{image_dir, require_root, TestStore};
use libpod_storage::failpoint;
use libpod_storage::{DriverKind, StorageProblem, Store, StoreOptions};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

const ROLE: &str = "LPOD_CRASH_ROLE";
const ROOT: &str = "LPOD_CRASH_ROOT";
const DRIVER: &str = "LPOD_CRASH_DRIVER";
const CTR: &str = "crashctr";
const IMAGE: &str = "localhost/multilayer:latest";
/// The manifest list of the `manifest` role.
const LIST: &str = "localhost/crashlist:latest";
/// Exit code of a child whose failpoint was never reached.
const NOT_REACHED: i32 = 42;

fn open(root: &Path, driver: DriverKind) -> Store {
    Store::open(StoreOptions {
        graph_root: root.join("graph"),
        run_root: root.join("run"),
        driver: Some(driver),
    })
    .unwrap_or_else(|e| panic!("opening store in {}: {e}", root.display()))
}

/// The operation each failpoint belongs to.
fn role_of(fp: &str) -> &'static str {
    let verb = fp.split('.').nth(1).unwrap_or("");
    match verb {
        "import" => "import",
        "create_container" => "create",
        "delete_container" => "delete",
        "mount" => "mount",
        "unmount" => "unmount",
        "remove_image" | "gc" => "rmi",
        "manifest_create" => "manifest",
        other => panic!("failpoint {fp}: no crash role for verb {other:?}"),
    }
}

fn image_tar() -> std::path::PathBuf {
    image_dir().join("multilayer.tar")
}

/// Child side: run one operation (the failpoint should kill us inside it). Ignored in an
/// ordinary run; the parent runs it with `--ignored`.
#[test]
#[ignore = "the child-process entry point of the crash tests"]
fn crash_child() {
    let role = std::env::var(ROLE)
        .unwrap_or_else(|_| panic!("crash_child runs only as a child: {ROLE} is not set"));
    let root = std::path::PathBuf::from(std::env::var(ROOT).expect("LPOD_CRASH_ROOT"));
    let driver: DriverKind = std::env::var(DRIVER).unwrap().parse().unwrap();
    let store = open(&root, driver);
    match role.as_str() {
        "import" => drop(store.load(&image_tar()).expect("load")),
        "create" => drop(store.create_container(CTR, Some(IMAGE)).expect("create")),
        "mount" => drop(store.mount(CTR).expect("mount")),
        "unmount" => drop(store.unmount(CTR, false).expect("unmount")),
        "delete" => store.delete_container(CTR).expect("delete"),
        "rmi" => drop(store.remove_image(IMAGE, false).expect("rmi")),
        "manifest" => drop(store.create_manifest_list(LIST).expect("manifest create")),
        other => panic!("unknown role {other}"),
    }
    eprintln!("failpoint {:?} not reached", failpoint::armed_name());
    std::process::exit(NOT_REACHED);
}

/// Parent side: the state the operation starts from.
fn prepare(store: &Store, role: &str) {
    if role == "import" {
        return;
    }
    store.load(&image_tar()).expect("load");
    if matches!(role, "mount" | "unmount" | "delete") {
        store.create_container(CTR, Some(IMAGE)).expect("create");
    }
    if matches!(role, "unmount" | "delete") {
        store.mount(CTR).expect("mount");
    }
}

fn assert_image_whole(store: &Store) {
    // Either the image is not there at all, or it is complete and usable.
    let (lists, imgs): (Vec<_>, Vec<_>) = store
        .list_images()
        .expect("list images")
        .into_iter()
        .partition(|i| i.manifest_list);
    assert!(imgs.len() <= 1, "{imgs:?}");
    // A manifest list is there whole (its list readable) or not at all.
    for l in &lists {
        assert_eq!(l.names, vec![LIST.to_string()]);
        let (id, list) = store
            .manifest_list(LIST)
            .expect("a listed manifest list reads");
        assert_eq!(id, l.id);
        assert!(list.manifests.is_empty());
    }
    if let Some(img) = imgs.first() {
        assert_eq!(img.names, vec![IMAGE.to_string()]);
        let known: Vec<String> = store.layers().unwrap().into_iter().map(|l| l.0).collect();
        for l in &img.layers {
            assert!(known.contains(l), "image layer {l} not recorded");
        }
    }
}

/// Container root works end to end: create if needed, mount, read, unmount, delete.
fn use_container(store: &Store) {
    if !store.container_exists(CTR).unwrap() {
        store.create_container(CTR, Some(IMAGE)).expect("create");
    }
    let root = store.mount(CTR).expect("mount after crash");
    assert!(
        root.join("bin/busybox").exists() || root.join("bin").exists(),
        "{}: image files missing",
        root.display()
    );
    assert_eq!(store.unmount(CTR, true).expect("unmount"), 0);
    store.delete_container(CTR).expect("delete");
}

/// Crashes at `fp`, checks recovery; returns the failpoint the child proved it died at.
fn run_one(driver: DriverKind, fp: &'static str) -> &'static str {
    let role = role_of(fp);
    let t = TestStore::new(driver);
    let root = t.root();
    prepare(&t.store, role);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(failpoint::ENV, fp)
        .env(ROLE, role)
        .env(ROOT, &root)
        .env(DRIVER, driver.as_str())
        .output()
        .expect("spawning child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGKILL),
        "{driver} {fp}: child was not killed at the failpoint ({:?}): {stderr}",
        out.status
    );
    assert!(
        stderr.contains(&format!("failpoint {fp} reached")),
        "{driver} {fp}: the child died elsewhere: {stderr}"
    );

    // Recovery: open rolls back; check is clean (mount counts need repair).
    let store = open(&root, driver);
    assert_image_whole(&store);
    let report = store.check().expect("check");
    for p in &report.problems {
        assert!(
            matches!(
                p,
                StorageProblem::StaleMountCount { .. } | StorageProblem::UncountedMount { .. }
            ),
            "{driver} {fp}: open left {p}"
        );
    }
    if !report.is_clean() {
        let fixed = store.repair().expect("repair");
        assert_eq!(fixed, report);
    }
    let report = store.check().unwrap();
    assert!(report.is_clean(), "{driver} {fp}: after repair: {report}");
    let tmp: Vec<_> = std::fs::read_dir(root.join("graph/tmp")).unwrap().collect();
    assert!(tmp.is_empty(), "{driver} {fp}: tmp/ not empty: {tmp:?}");

    // The same operation works afterwards.
    match role {
        "import" => {
            let imgs = store.load(&image_tar()).expect("import after crash");
            assert_eq!(imgs[0].names, vec![IMAGE.to_string()]);
            use_container(&store);
        }
        "create" | "mount" | "unmount" | "delete" => use_container(&store),
        "manifest" => {
            if store.manifest_list_exists(LIST).unwrap() {
                store
                    .remove_manifest_list(LIST)
                    .expect("rm list after crash");
            }
            let id = store
                .create_manifest_list(LIST)
                .expect("manifest create after crash");
            store
                .manifest_add_image(LIST, IMAGE, &Default::default())
                .expect("manifest add after crash");
            assert_eq!(store.manifest_list(LIST).unwrap().1.manifests.len(), 1);
            assert_eq!(store.remove_manifest_list(LIST).unwrap(), id);
        }
        "rmi" => {
            if store.image_exists(IMAGE).unwrap() {
                store.remove_image(IMAGE, false).expect("rmi after crash");
            }
            store.load(&image_tar()).expect("import after rmi crash");
        }
        _ => unreachable!(),
    }
    // Tear down: nothing may be left.
    if store.image_exists(IMAGE).unwrap() {
        store.remove_image(IMAGE, true).expect("final rmi");
    }
    assert!(
        store.list_images().unwrap().is_empty(),
        "{driver} {fp}: images or lists left"
    );
    assert!(
        store.layers().unwrap().is_empty(),
        "{driver} {fp}: layers left"
    );
    assert!(store.list_containers().unwrap().is_empty());
    let report = store.check().unwrap();
    assert!(report.is_clean(), "{driver} {fp}: at the end: {report}");
    assert!(
        libpod_storage::driver::mounts_under(&root).is_empty(),
        "{driver} {fp}: mounts left"
    );
    fp
}

/// Every storage failpoint in turn; asserts each one was reached.
fn run_all(driver: DriverKind) -> usize {
    let reached: std::collections::BTreeSet<&str> = failpoint::STORAGE
        .iter()
        .map(|fp| run_one(driver, fp))
        .collect();
    let all: std::collections::BTreeSet<&str> = failpoint::STORAGE.iter().copied().collect();
    assert_eq!(reached, all, "{driver}: failpoints never reached");
    reached.len()
}

#[test]
fn every_storage_failpoint_recovers_overlay() {
    if !require_root("every_storage_failpoint_recovers_overlay") {
        return;
    }
    let n = run_all(DriverKind::Overlay);
    println!("storage failpoints exercised: {n} (overlay)");
}

#[test]
fn every_storage_failpoint_recovers_vfs() {
    if !require_root("every_storage_failpoint_recovers_vfs") {
        return;
    }
    let n = run_all(DriverKind::Vfs);
    println!("storage failpoints exercised: {n} (vfs)");
}
