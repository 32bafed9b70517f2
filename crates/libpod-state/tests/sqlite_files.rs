//! SQLite file handling: foreign files, foreign databases, corrupt files and
//! newer schemas are refused with an error naming the path and left untouched.

use std::path::Path;

use libpod_config::{ContainerConfig, ContainerState};
use libpod_state::{SqliteState, State, StateError, SCHEMA_VERSION};

fn assert_untouched(path: &Path, before: &[u8], e: &StateError) {
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    assert_eq!(std::fs::read(path).unwrap(), before, "file was modified");
}

#[test]
fn text_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("state.db");
    let before = b"hello, I am a config file\n".repeat(100);
    std::fs::write(&p, &before).unwrap();
    let e = SqliteState::open(&p).err().unwrap();
    assert!(matches!(e, StateError::NotOurDatabase { .. }), "{e}");
    assert_untouched(&p, &before, &e);
}

#[test]
fn corrupt_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("state.db");
    // A real lpod database with its pages overwritten after the header.
    {
        let s = SqliteState::open(&p).unwrap();
        s.add_container(
            &ContainerConfig::new(libpod_config::new_id(), "x"),
            &ContainerState::default(),
        )
        .unwrap();
        s.close().unwrap();
    }
    let mut bytes = std::fs::read(&p).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&p, &bytes).unwrap();
    let e = SqliteState::open(&p).err().unwrap();
    assert!(matches!(e, StateError::Corrupt { .. }), "{e}");
    assert_untouched(&p, &bytes, &e);
}

#[test]
fn foreign_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO recipes (name) VALUES ('soup');")
            .unwrap();
    }
    let before = std::fs::read(&p).unwrap();
    let e = SqliteState::open(&p).err().unwrap();
    assert!(e.to_string().contains("recipes"), "{e}");
    assert!(matches!(e, StateError::NotOurDatabase { .. }), "{e}");
    assert_untouched(&p, &before, &e);
    let c = rusqlite::Connection::open(&p).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "tables were added to a foreign database");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("state.db");
    SqliteState::open(&p).unwrap().close().unwrap();
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute("UPDATE lpod_schema SET version = ?1", [SCHEMA_VERSION + 1])
            .unwrap();
    }
    let before = std::fs::read(&p).unwrap();
    match SqliteState::open(&p) {
        Err(
            e @ StateError::SchemaTooNew {
                found, supported, ..
            },
        ) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            assert_untouched(&p, &before, &e);
        }
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("expected SchemaTooNew, got an open database"),
    }
}

#[test]
fn empty_file_becomes_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("state.db");
    std::fs::write(&p, b"").unwrap();
    let s = SqliteState::open(&p).unwrap();
    assert!(s.all_containers().unwrap().is_empty());
}

#[test]
fn unreadable_location_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plainfile");
    std::fs::write(&file, b"x").unwrap();
    // A path below a regular file cannot be created.
    let p = file.join("state.db");
    let e = SqliteState::open(&p).err().unwrap();
    assert!(e.to_string().contains("plainfile"), "{e}");
}

/// Issue 12: the database holds every container's environment, so a new one is
/// 0600 in a 0700 directory, with its WAL and SHM files 0600 too; an older lpod's
/// 0644 database is made private on open and reported once.
#[test]
fn database_files_are_private_and_loose_ones_are_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let dir = tempfile::tempdir().unwrap();
    let libpod = dir.path().join("root/libpod");
    let p = libpod.join("state.db");
    let s = SqliteState::open(&p).unwrap();
    assert!(s.tightened().is_empty(), "{:?}", s.tightened());
    s.add_container(
        &ContainerConfig::new(libpod_config::new_id(), "x"),
        &ContainerState::default(),
    )
    .unwrap();
    assert_eq!(mode(&libpod), 0o700);
    assert_eq!(mode(&dir.path().join("root")), 0o700);
    assert_eq!(mode(&p), 0o600);
    let wal = libpod.join("state.db-wal");
    let shm = libpod.join("state.db-shm");
    assert!(
        wal.exists() && shm.exists(),
        "WAL mode: -wal and -shm exist"
    );
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&shm), 0o600);
    s.close().unwrap();

    for (f, m) in [(&p, 0o644), (&libpod, 0o755)] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let s = SqliteState::open(&p).unwrap();
    let got = s.tightened().to_vec();
    // The -wal/-shm the open itself made from the 0644 database are reported too.
    assert!(got.contains(&p) && got.contains(&libpod), "{got:?}");
    assert!(
        got.iter().all(|g| [&p, &libpod, &wal, &shm].contains(&g)),
        "{got:?}"
    );
    for f in [&p, &wal, &shm] {
        if f.exists() {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
    }
    assert_eq!(mode(&libpod), 0o700);
    s.close().unwrap();
    let s = SqliteState::open(&p).unwrap();
    assert!(s.tightened().is_empty(), "{:?}", s.tightened());
}
