//! Bad state through the CLI: a corrupt, truncated, foreign or newer-schema state
//! database and corrupt storage metadata give one clear `Error:` line naming the file,
//! exit 125, and leave the files byte-for-byte unchanged; a full disk (the lpod root on a
//! small tmpfs) stops `lpod create` with one clear error while `lpod ps -a` keeps
//! listing every container created before.
//!
//! Needs root (and crun, conmon, the test image, sqlite3); skipped on a laptop, fails
//! when `CI=true`.

mod common;

use common::{test_image_tar, Lpod, Tmpfs};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Root, crun/conmon (via the harness), the test image, and the given extra binaries.
fn ready(test: &str, bins: &[&str]) -> bool {
    let mut missing = Vec::new();
    if !common::is_root() {
        missing.push("root".to_string());
    }
    if !test_image_tar().is_file() {
        missing.push(test_image_tar().display().to_string());
    }
    for b in bins {
        let found = Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            missing.push(b.to_string());
        }
    }
    common::require(
        missing.is_empty(),
        &format!("{test}: {}", missing.join(", ")),
    )
}

fn sqlite(db: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "sqlite3 {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn state_db(l: &Lpod) -> PathBuf {
    l.root.join("libpod/state.db")
}

/// Every regular file under `dir` with its bytes (skipping container root mounts).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if p.file_name().is_some_and(|n| n == "merged") {
                    continue;
                }
                walk(&p, out);
            } else if ft.is_file() {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

/// `lpod ps -a` fails with one `Error:` line naming `file`, exit 125.
fn assert_refused(l: &Lpod, args: &[&str], file: &Path, what: &str) {
    let out = l.run(args);
    out.assert_error(125, what);
    assert!(
        out.stderr.contains(&file.display().to_string()),
        "{what}: error does not name {}: {}",
        file.display(),
        out.stderr
    );
}

/// Makes a world whose state DB exists (one container in it), then breaks it with `f`.
fn broken_db(what: &str, f: impl FnOnce(&Path)) {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["create", "--name", "before", &l.image, "true"]);
    let db = state_db(&l);
    assert!(db.is_file(), "{} missing", db.display());
    let good = std::fs::read(&db).unwrap();
    f(&db);
    let before = std::fs::read(&db).unwrap();
    let others_before: Vec<PathBuf> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_refused(&l, &["ps", "-a"], &db, what);
    assert_refused(&l, &["create", &l.image, "true"], &db, what);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "{what}: state.db was modified"
    );
    let others_after: Vec<PathBuf> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        others_before, others_after,
        "{what}: files appeared or vanished"
    );
    // Put the good database back so the harness's `rm -fa` cleans up.
    std::fs::write(&db, good).unwrap();
    l.ok(&["ps", "-a"]);
}

#[test]
fn garbage_state_db_is_refused_untouched() {
    if !ready("garbage_state_db_is_refused_untouched", &[]) {
        return;
    }
    broken_db("garbage bytes", |db| {
        let junk: Vec<u8> = (0..64 * 1024u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        std::fs::write(db, junk).unwrap();
    });
}

#[test]
fn truncated_state_db_is_refused_untouched() {
    if !ready("truncated_state_db_is_refused_untouched", &[]) {
        return;
    }
    broken_db("truncated database", |db| {
        let bytes = std::fs::read(db).unwrap();
        assert!(bytes.len() > 4096, "state.db only {} bytes", bytes.len());
        // Keep the header page, drop the rest: SQLite sees a short, damaged file.
        std::fs::write(db, &bytes[..bytes.len() / 3]).unwrap();
    });
}

#[test]
fn foreign_sqlite_db_is_refused_untouched() {
    if !ready("foreign_sqlite_db_is_refused_untouched", &["sqlite3"]) {
        return;
    }
    broken_db("another program's database", |db| {
        std::fs::remove_file(db).unwrap();
        sqlite(
            db,
            "CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT); \
             INSERT INTO recipes (name) VALUES ('soup');",
        );
    });
}

#[test]
fn newer_schema_db_is_refused_untouched() {
    if !ready("newer_schema_db_is_refused_untouched", &["sqlite3"]) {
        return;
    }
    broken_db("newer schema", |db| {
        sqlite(db, "UPDATE lpod_schema SET version = version + 1000;");
    });
}

/// Corrupt storage metadata: a clear error naming the file, nothing deleted.
fn broken_storage_file(name: &str) {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["create", "--name", "before", &l.image, "true"]);
    let storage = l.root.join("storage");
    let file = storage.join(name);
    assert!(file.is_file(), "{} missing", file.display());
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&file, &bytes).unwrap();
    let before = snapshot(&storage);
    assert_refused(&l, &["images"], &file, name);
    assert_refused(&l, &["create", &l.image, "true"], &file, name);
    let after = snapshot(&storage);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{name}: storage files appeared or vanished"
    );
    assert!(before == after, "{name}: storage file contents changed");
}

#[test]
fn corrupt_images_json_is_refused_untouched() {
    if !ready("corrupt_images_json_is_refused_untouched", &[]) {
        return;
    }
    broken_storage_file("images.json");
}

#[test]
fn corrupt_layers_json_is_refused_untouched() {
    if !ready("corrupt_layers_json_is_refused_untouched", &[]) {
        return;
    }
    broken_storage_file("layers.json");
}

/// The world and its tmpfs, dropped in this order: give the disk room so `rm -fa`
/// works, let the harness clean up, then unmount the tmpfs if still mounted.
struct FullDiskWorld {
    l: Lpod,
    disk: Tmpfs,
}

impl Drop for FullDiskWorld {
    fn drop(&mut self) {
        // No assert here: a panic while unwinding would abort.
        let _ = Command::new("mount")
            .args(["-o", "remount,size=256m"])
            .arg(&self.disk.0)
            .status();
    }
}

#[test]
fn full_disk_create_fails_cleanly_and_ps_still_lists() {
    if !ready("full_disk_create_fails_cleanly_and_ps_still_lists", &[]) {
        return;
    }
    let mut l = Lpod::bare();
    let disk = Tmpfs::mount(&l.root, &(256u64 << 20).to_string());
    let tar = test_image_tar();
    l.ok(&["load", "-i", tar.to_str().unwrap()]);
    l.image = "localhost/busybox:latest".into();
    l.ok(&["create", "--name", "c0", &l.image, "true"]);
    // Leave a little room: a few hundred KiB beyond what is used now.
    let page = 4096;
    let size = (disk.used() + (384 << 10)).div_ceil(page) * page;
    disk.resize(&size.to_string());
    let w = FullDiskWorld { l, disk };

    let mut created = vec!["c0".to_string()];
    let mut failure = None;
    for n in 1..5000 {
        let name = format!("c{n}");
        let out = w.l.run(&["create", "--name", &name, &w.l.image, "true"]);
        if out.code == 0 {
            created.push(name);
        } else {
            failure = Some((name, out));
            break;
        }
    }
    let (failed_name, out) = failure.expect("the disk never filled up");
    out.assert_error(125, "create on a full disk");
    let msg = out.stderr.to_lowercase();
    assert!(
        msg.contains("no space") || msg.contains("full"),
        "error does not say the disk is full: {}",
        out.stderr
    );
    assert!(created.len() > 1, "not even one create fit: {}", out.stderr);

    // Reads still work on the full disk and see every earlier container.
    let ps = w.l.run(&["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(ps.code, 0, "ps -a on a full disk: {ps:?}");
    let mut listed: Vec<String> = ps.stdout.lines().map(str::to_string).collect();
    listed.sort();
    let mut want = created.clone();
    want.sort();
    // The failed create must not have left a half-made container behind.
    assert!(!listed.contains(&failed_name), "{failed_name} half-created");
    assert_eq!(listed, want);

    // Room again: creates work and nothing is inconsistent.
    w.disk.resize(&(256u64 << 20).to_string());
    w.l.ok(&["create", "--name", &failed_name, &w.l.image, "true"]);
    w.l.ok(&["rm", "-fa"]);
    let ps = w.l.ok(&["ps", "-a", "-q"]);
    assert!(ps.trim().is_empty(), "containers left: {ps}");
}
