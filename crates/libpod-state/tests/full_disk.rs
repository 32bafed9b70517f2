//! A full disk during a write: the state database lives on a small tmpfs; adding
//! containers until it is full gives a clear error naming the database, every row
//! written before reads back intact (also after reopening), and freeing space lets
//! writes continue.
//!
//! Needs root (mount); skipped on a laptop, fails when `CI=true` and not root.

use libpod_config::{ContainerConfig, ContainerState};
use libpod_state::{SqliteState, State, StateError};
use lpod_test_support::{require_root, SmallDisk};
use std::path::Path;

fn config(n: usize) -> ContainerConfig {
    let mut c = ContainerConfig::new(libpod_config::new_id(), format!("filler-{n}"));
    // Some bulk per row so the disk fills after a few hundred rows.
    c.labels.insert("bulk".into(), format!("{n}-").repeat(700));
    c
}

fn assert_disk_full(e: &StateError, db: &Path) {
    let msg = e.to_string();
    assert!(
        msg.contains(&db.display().to_string()),
        "error does not name the database: {msg}"
    );
    let lower = msg.to_lowercase();
    assert!(
        lower.contains("full") || lower.contains("no space"),
        "error does not say the disk is full: {msg}"
    );
}

#[test]
fn full_disk_keeps_earlier_rows_and_recovers() {
    if !require_root("full_disk_keeps_earlier_rows_and_recovers") {
        return;
    }
    let disk = SmallDisk::new("lpod-fulldisk-", "1m");
    let db = disk.mnt.join("state.db");
    // Space we can give back later.
    let filler = disk.mnt.join("filler");
    std::fs::write(&filler, vec![0u8; 128 * 1024]).unwrap();

    let state = SqliteState::open(&db).unwrap();
    let mut written: Vec<ContainerConfig> = Vec::new();
    let mut err = None;
    for n in 0..100_000 {
        let c = config(n);
        match state.add_container(&c, &ContainerState::default()) {
            Ok(()) => written.push(c),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    let err = err.expect("the 1 MiB disk never filled up");
    eprintln!("after {} rows: {err}", written.len());
    assert_disk_full(&err, &db);
    assert!(written.len() > 10, "only {} rows fit", written.len());

    // Every earlier row reads back intact, through the same handle...
    let check_all = |s: &SqliteState, written: &[ContainerConfig]| {
        let all = s.all_containers().expect("reading after a full disk");
        assert_eq!(all.len(), written.len());
        for c in written {
            let (got, _) = s.container(&c.id).expect("earlier row");
            assert_eq!(&got, c);
        }
    };
    check_all(&state, &written);
    // ...and reads keep working while the disk is still full.
    assert!(state.lookup_container(&written[0].id).is_ok());

    // Free space: writes continue.
    std::fs::remove_file(&filler).unwrap();
    let extra = config(1_000_000);
    state
        .add_container(&extra, &ContainerState::default())
        .expect("write after freeing space");
    written.push(extra);
    check_all(&state, &written);
    state.close().unwrap();

    // A fresh open sees everything (nothing half-written).
    let state = SqliteState::open(&db).unwrap();
    check_all(&state, &written);
    state.close().unwrap();
}

#[test]
fn full_disk_on_open_is_a_clear_error() {
    if !require_root("full_disk_on_open_is_a_clear_error") {
        return;
    }
    let disk = SmallDisk::new("lpod-fulldisk-", "64k");
    // Fill the disk completely, then try to create a database on it.
    let mut f = std::fs::File::create(disk.mnt.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    loop {
        use std::io::Write;
        if f.write_all(&chunk).is_err() {
            break;
        }
    }
    drop(f);
    let db = disk.mnt.join("state.db");
    match SqliteState::open(&db) {
        Ok(_) => panic!("opening a new database on a full disk succeeded"),
        Err(e) => {
            let msg = e.to_string();
            eprintln!("open on a full disk: {msg}");
            assert!(msg.contains(&db.display().to_string()), "{msg}");
        }
    }
}
