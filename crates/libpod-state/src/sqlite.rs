//! `SqliteState`: the state in one SQLite file shared by every lpod process.
//!
//! Layout: `id_namespace` (id primary key, name unique, kind) holds every
//! container and pod id and name, so the two can never collide;
//! `container_config`/`container_state` and `pod_config`/`pod_state` hold the
//! JSON documents, the state tables in separate rows so saving a state never
//! rewrites the config; `container_config.pod_id` is a foreign key to
//! `pod_config`; `exit_code` outlives containers; `db_config` holds the paths
//! the database was created with; `lpod_schema` the schema version;
//! `journal` (schema 2) the operations in flight (see [`crate::journal`]);
//! `volume_config`/`volume_state` (schema 3) the volumes, keyed by name (their own
//! namespace, as in Podman), and schema 3 lets journal entries be about volumes.
//!
//! # Schema versions and migration
//!
//! [`SCHEMA_VERSION`] is the version this build writes. An older database is
//! migrated in place on open, in one `BEGIN IMMEDIATE` transaction per open
//! (each step of `MIGRATIONS` whose version is above the file's, then the new
//! version): a crash during the migration leaves the old version intact, and
//! concurrent openers wait for the write lock and re-read the version first.
//! A newer database is refused untouched ([`StateError::SchemaTooNew`]).
//!
//! Connection settings: `foreign_keys=ON`, `synchronous=FULL`, a 30 s busy
//! timeout, every write in `BEGIN IMMEDIATE` (so a transaction never has to
//! upgrade a read lock, the case SQLite cannot wait out), and a retry loop
//! around whole transactions on `SQLITE_BUSY`/`SQLITE_LOCKED` so that
//! "database is locked" never reaches the caller while another process holds
//! the write lock.
//!
//! # Journal mode: WAL, chosen by measurement
//!
//! lpod's access pattern is many short-lived processes (`lpod ps`, `lpod start`,
//! conmon's exit command), each opening the file, doing a handful of small
//! transactions, and closing. `cargo xtask bench state` measures exactly that:
//! 8 processes at once, each open + 20 write transactions + close,
//! `synchronous=FULL`, median of 5 rounds, on our 2-core VM (ext4 on virtio,
//! kernel 6.18, measured while other builds kept the load average near 14):
//!
//! | journal mode | wall, 8 × (open + 20 writes + close): run 1 / run 2 | per write     |
//! |--------------|------------------------------------------------------|---------------|
//! | DELETE       | 4760 ms / 3229 ms                                    | 29.8 / 20.2 ms |
//! | WAL          | 1761 ms / 1494 ms                                    | 11.0 / 9.3 ms  |
//!
//! Single process, 500 `add_container` in a row: DELETE 30.4 ms/op, WAL 6.1 ms/op.
//!
//! With `synchronous=FULL` a rollback-journal commit costs several fsyncs
//! (journal, its header, the database, then the journal's deletion) while a WAL
//! commit appends to one file and fsyncs it once; readers (`lpod ps`) also
//! never block the writer in WAL. Podman went back to a rollback journal for
//! robustness on filesystems where WAL's shared-memory index is a problem
//! (network and some overlay filesystems, read-only openers); lpod's database
//! lives on the local `static_dir`, every opener has write access, and the
//! last closer checkpoints and removes the `-wal` file, so those problems do
//! not apply and the 2.2–2.7× faster writes (5× for one writer) decide: WAL. Both modes pass the same
//! conformance and cross-process tests; `SqliteOptions::journal_mode` keeps
//! DELETE available.
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use libpod_config::{
    resolve, validate_id, validate_name, ContainerConfig, ContainerState, PodConfig, PodState,
    VolumeConfig, VolumeState,
};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Result, StateError};
use crate::journal::{JournalEntry, JournalKind, JournalOwner};
use crate::state::{millis, DbConfig, State};

/// Schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = 3;

/// How long one call keeps retrying a busy database before giving up.
const BUSY_DEADLINE: Duration = Duration::from_secs(120);
/// SQLite's own busy handler timeout per statement.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// SQLite journal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalMode {
    /// Rollback journal, deleted after each transaction.
    Delete,
    /// Write-ahead log.
    Wal,
}

impl JournalMode {
    fn pragma(self) -> &'static str {
        match self {
            JournalMode::Delete => "DELETE",
            JournalMode::Wal => "WAL",
        }
    }
}

/// The journal mode lpod uses; chosen by measurement, see the module docs.
pub const DEFAULT_JOURNAL_MODE: JournalMode = JournalMode::Wal;

/// Options for [`SqliteState::open_with`].
#[derive(Debug, Clone, Copy)]
pub struct SqliteOptions {
    /// Journal mode (every opener of one file must use the same).
    pub journal_mode: JournalMode,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            journal_mode: DEFAULT_JOURNAL_MODE,
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE lpod_schema (version INTEGER NOT NULL);
CREATE TABLE db_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    static_dir TEXT NOT NULL,
    tmp_dir TEXT NOT NULL,
    graph_root TEXT NOT NULL,
    run_root TEXT NOT NULL,
    graph_driver TEXT NOT NULL
);
CREATE TABLE id_namespace (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('container', 'pod'))
);
CREATE TABLE pod_config (
    id TEXT PRIMARY KEY NOT NULL REFERENCES id_namespace (id),
    name TEXT NOT NULL UNIQUE,
    created_ns INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE pod_state (
    id TEXT PRIMARY KEY NOT NULL REFERENCES pod_config (id) ON DELETE CASCADE,
    json TEXT NOT NULL
);
CREATE TABLE container_config (
    id TEXT PRIMARY KEY NOT NULL REFERENCES id_namespace (id),
    name TEXT NOT NULL UNIQUE,
    pod_id TEXT REFERENCES pod_config (id),
    created_ns INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX container_pod ON container_config (pod_id);
CREATE TABLE container_state (
    id TEXT PRIMARY KEY NOT NULL REFERENCES container_config (id) ON DELETE CASCADE,
    json TEXT NOT NULL
);
CREATE TABLE exit_code (
    id TEXT PRIMARY KEY NOT NULL,
    code INTEGER NOT NULL,
    time_ms INTEGER NOT NULL
);
";

/// Steps from one schema version to the next: `(version it produces, SQL)`.
/// A new database runs `SCHEMA` (version 1) and then every step.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        2,
    "CREATE TABLE journal (
    kind TEXT NOT NULL CHECK (kind IN ('container', 'pod')),
    id TEXT NOT NULL,
    operation TEXT NOT NULL,
    owner_pid INTEGER NOT NULL,
    owner_start INTEGER NOT NULL,
    owner_boot TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);",
    ),
    (
        3,
        // Volumes; and the journal's kind check widened to volumes (SQLite cannot
        // alter a CHECK: the table is copied into a new one, rows and all).
        "CREATE TABLE volume_config (
    name TEXT PRIMARY KEY NOT NULL,
    created_ns INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE volume_state (
    name TEXT PRIMARY KEY NOT NULL REFERENCES volume_config (name) ON DELETE CASCADE,
    json TEXT NOT NULL
);
CREATE TABLE journal_v3 (
    kind TEXT NOT NULL CHECK (kind IN ('container', 'pod', 'volume')),
    id TEXT NOT NULL,
    operation TEXT NOT NULL,
    owner_pid INTEGER NOT NULL,
    owner_start INTEGER NOT NULL,
    owner_boot TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
INSERT INTO journal_v3 SELECT kind, id, operation, owner_pid, owner_start, owner_boot, started_ms, payload FROM journal;
DROP TABLE journal;
ALTER TABLE journal_v3 RENAME TO journal;",
    ),
];

/// The state in an SQLite file. Cheap to open; safe to share between threads
/// (one connection behind a mutex) and between processes (SQLite's file locks).
pub struct SqliteState {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
    tightened: Vec<PathBuf>,
}

fn to_json<T: Serialize>(what: &'static str, id: &str, v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|source| StateError::Json {
        what,
        id: id.to_string(),
        source,
    })
}

fn from_json<T: DeserializeOwned>(what: &'static str, id: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|source| StateError::Json {
        what,
        id: id.to_string(),
        source,
    })
}

fn created_ns(t: &chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

impl SqliteState {
    /// Opens (creating if needed) the database at `path` with the default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens (creating if needed) the database at `path`.
    ///
    /// A file that is not an SQLite database, a database with tables lpod did
    /// not create, or a corrupt one is refused with an error naming the path,
    /// and left untouched. A database with a newer schema is refused with
    /// [`StateError::SchemaTooNew`].
    #[tracing::instrument(level = "debug", skip(opts), fields(path = %path.as_ref().display()))]
    pub fn open_with(path: impl AsRef<Path>, opts: SqliteOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        // 1. Never open a second descriptor of the database file here: closing it
        //    would drop every POSIX lock this process holds on the file, including
        //    those of another open connection (SQLite's own connections share one
        //    descriptor per inode for that reason). A foreign file is recognised by
        //    SQLite itself in step 2, before anything is written.
        let existed = path.exists();
        if !existed {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::private::create_private_dir(dir).map_err(|source| StateError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(&path, flags).map_err(|source| StateError::Sqlite {
                path: path.clone(),
                context: "opening".into(),
                source,
            })?;
        // The file holds every container's environment: 0600. SQLite creates it
        // 0644 (less umask); chmod by path, as step 1 forbids a second descriptor.
        // Its -wal, -shm and -journal files take the database file's mode. A file
        // that was there already is only changed once step 2 found it is ours.
        if !existed {
            Self::tighten_files(&path)?;
        }
        let mut state = SqliteState {
            path,
            conn: Mutex::new(Some(conn)),
            tightened: Vec::new(),
        };
        state.setup(opts)?;
        if existed {
            state.tightened = Self::tighten_files(&state.path)?;
        }
        Ok(state)
    }

    /// What opening found readable by other users (an older lpod's 0644 database,
    /// 0755 directory) and made private; the caller reports it (once for all its
    /// parts).
    pub fn tightened(&self) -> &[PathBuf] {
        &self.tightened
    }

    /// Clears the group/other bits of the database at `path`, its `-wal`, `-shm`
    /// and `-journal` files and its directory (an older lpod left them 0644/0755);
    /// returns what changed.
    fn tighten_files(path: &Path) -> Result<Vec<PathBuf>> {
        let mut paths = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            paths.push(PathBuf::from(p));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            paths.push(dir.to_path_buf());
        }
        crate::private::tighten_all(paths.iter().map(PathBuf::as_path))
            .map_err(|(path, source)| StateError::Io { path, source })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self, context: &str) -> impl Fn(rusqlite::Error) -> StateError + '_ {
        let context = context.to_string();
        move |source| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => StateError::NotOurDatabase {
                path: self.path.clone(),
                reason: format!("not an SQLite database ({source})"),
            },
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => StateError::Corrupt {
                path: self.path.clone(),
                source,
            },
            _ => StateError::Sqlite {
                path: self.path.clone(),
                context: context.clone(),
                source,
            },
        }
    }

    fn not_ours(&self, reason: String) -> StateError {
        StateError::NotOurDatabase {
            path: self.path.clone(),
            reason,
        }
    }

    fn setup(&self, opts: SqliteOptions) -> Result<()> {
        {
            let g = self.guard()?;
            let conn = g.as_ref().ok_or_else(|| StateError::Closed {
                path: self.path.clone(),
            })?;
            conn.busy_timeout(BUSY_TIMEOUT)
                .map_err(self.sql("setting busy timeout"))?;
            // Durability: `synchronous = FULL` with WAL, on purpose not NORMAL. With
            // NORMAL a WAL commit is not fsynced, so a power loss (not a process crash:
            // the OS still has the pages then) can roll back the last transactions.
            // This database is the commit point of operations whose effects outside it
            // are already on disk when it commits: a create's storage container and
            // directory, a start's CNI attempt record and host-local lease files, and
            // the journal entries (same database) that name them for recovery. Losing
            // such a commit would leave storage and leases that neither a row nor a
            // journal entry knows about. FULL costs one fsync of the `-wal` file per
            // commit (measured in the module docs: ~6 ms per write on our VMs, most of
            // it that fsync); SQLite itself fsyncs the directory when it creates the
            // `-wal` file, so its name survives too.
            conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
                .map_err(self.sql("setting pragmas"))?;
        }
        // 2. Read-only inspection: is this ours, and which version?
        let version = self.read("inspecting schema", |conn| self.inspect(conn))?;
        match version {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StateError::SchemaTooNew {
                    path: self.path.clone(),
                    found: v,
                    supported: SCHEMA_VERSION,
                })
            }
            _ => {}
        }
        // 3. Only now change the file: journal mode, then the schema if empty.
        self.retry_busy("setting journal mode", |conn| {
            let mode: String = conn
                .query_row(
                    &format!("PRAGMA journal_mode = {}", opts.journal_mode.pragma()),
                    [],
                    |r| r.get(0),
                )
                .map_err(self.sql("setting journal mode"))?;
            tracing::debug!(mode, "journal mode");
            Ok(())
        })?;
        if version != Some(SCHEMA_VERSION) {
            self.write("creating or migrating schema", |tx| {
                // Another process may have created or migrated it meanwhile.
                let from = match self.inspect(tx)? {
                    Some(v) if v >= SCHEMA_VERSION => return Ok(()),
                    Some(v) => v,
                    None => {
                        tx.execute_batch(SCHEMA)
                            .map_err(self.sql("creating schema"))?;
                        tx.execute("INSERT INTO lpod_schema (version) VALUES (1)", [])
                            .map_err(self.sql("creating schema"))?;
                        1
                    }
                };
                for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > from) {
                    tracing::info!(from, to = v, path = %self.path.display(), "migrating state schema");
                    tx.execute_batch(sql).map_err(self.sql("migrating schema"))?;
                }
                tx.execute("UPDATE lpod_schema SET version = ?1", [SCHEMA_VERSION])
                    .map_err(self.sql("migrating schema"))?;
                Ok(())
            })?;
        }
        Ok(())
    }

    fn journal_row(&self, r: &rusqlite::Row<'_>) -> Result<JournalEntry> {
        let get_err = |source| StateError::Sqlite {
            path: self.path.clone(),
            context: "reading journal".into(),
            source,
        };
        let kind: String = r.get(0).map_err(get_err)?;
        let id: String = r.get(1).map_err(get_err)?;
        let payload: String = r.get(7).map_err(get_err)?;
        Ok(JournalEntry {
            kind: JournalKind::parse(&kind).ok_or_else(|| StateError::BadJournalKind {
                id: id.clone(),
                kind: kind.clone(),
            })?,
            operation: r.get(2).map_err(get_err)?,
            owner: JournalOwner {
                pid: r.get(3).map_err(get_err)?,
                start_time: r.get::<_, i64>(4).map_err(get_err)? as u64,
                boot_id: r.get(5).map_err(get_err)?,
            },
            started_ms: r.get(6).map_err(get_err)?,
            payload: from_json("journal payload", &id, &payload)?,
            id,
        })
    }

    fn journal_where(
        &self,
        conn: &Connection,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<JournalEntry>> {
        let sql = format!(
            "SELECT kind, id, operation, owner_pid, owner_start, owner_boot, started_ms, payload \
             FROM journal {filter} ORDER BY started_ms, id"
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .map_err(self.sql("reading journal"))?;
        let mut rows = stmt.query(args).map_err(self.sql("reading journal"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.sql("reading journal"))? {
            out.push(self.journal_row(row)?);
        }
        Ok(out)
    }

    /// `Some(version)` for an lpod database, `None` for an empty file, an
    /// error for anything else.
    fn inspect(&self, conn: &Connection) -> Result<Option<i64>> {
        let classify = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase)
            | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
                self.not_ours(format!("corrupt or not a database ({source})"))
            }
            _ => self.sql("inspecting schema")(source),
        };
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .map_err(classify)?;
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(classify)?;
        if tables.is_empty() {
            return Ok(None);
        }
        if !tables.iter().any(|t| t == "lpod_schema") {
            return Err(self.not_ours(format!(
                "it has tables lpod did not create ({})",
                tables.join(", ")
            )));
        }
        let v: Option<i64> = conn
            .query_row("SELECT max(version) FROM lpod_schema", [], |r| r.get(0))
            .map_err(classify)?;
        match v {
            Some(v) => Ok(Some(v)),
            None => Err(self.not_ours("its lpod_schema table is empty".into())),
        }
    }

    fn guard(&self) -> Result<MutexGuard<'_, Option<Connection>>> {
        // The connection holds no Rust-side invariants a panic could break.
        Ok(self.conn.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Runs `f` on the connection, retrying while the database is busy.
    fn retry_busy<T>(
        &self,
        what: &str,
        mut f: impl FnMut(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut g = self.guard()?;
        let conn = g.as_mut().ok_or_else(|| StateError::Closed {
            path: self.path.clone(),
        })?;
        let deadline = Instant::now() + BUSY_DEADLINE;
        let mut pause = Duration::from_millis(1);
        loop {
            match f(conn) {
                Err(e) if e.is_busy() && Instant::now() < deadline => {
                    tracing::debug!(what, "database busy, retrying");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    /// A read (one or more statements in a deferred transaction: a consistent snapshot).
    fn read<T>(&self, what: &str, mut f: impl FnMut(&Connection) -> Result<T>) -> Result<T> {
        self.retry_busy(what, |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(self.sql(what))?;
            let v = f(&tx)?;
            tx.commit().map_err(self.sql(what))?;
            Ok(v)
        })
    }

    /// A write in `BEGIN IMMEDIATE`, retried as a whole while busy.
    fn write<T>(
        &self,
        what: &str,
        mut f: impl FnMut(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.retry_busy(what, |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(self.sql(what))?;
            let v = f(&tx)?;
            tx.commit().map_err(self.sql(what))?;
            Ok(v)
        })
    }

    fn claim(&self, tx: &Connection, id: &str, name: &str, kind: &str) -> Result<()> {
        validate_id(id)?;
        validate_name(name)?;
        let by_id: Option<String> = tx
            .prepare_cached("SELECT kind FROM id_namespace WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(self.sql("checking id"))?;
        if let Some(holder) = by_id {
            return Err(StateError::IdInUse {
                id: id.to_string(),
                holder,
            });
        }
        self.name_free(tx, name)?;
        tx.prepare_cached("INSERT INTO id_namespace (id, name, kind) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![id, name, kind]))
            .map_err(self.sql("registering id"))?;
        Ok(())
    }

    /// `NameInUse` (with its holder) when a container or pod already has `name`.
    fn name_free(&self, tx: &Connection, name: &str) -> Result<()> {
        let by_name: Option<(String, String)> = tx
            .prepare_cached("SELECT id, kind FROM id_namespace WHERE name = ?1")
            .and_then(|mut s| {
                s.query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(self.sql("checking name"))?;
        match by_name {
            Some((holder_id, holder)) => Err(StateError::NameInUse {
                name: name.to_string(),
                holder,
                holder_id,
            }),
            None => Ok(()),
        }
    }

    fn pod_exists(&self, conn: &Connection, id: &str) -> Result<bool> {
        conn.prepare_cached("SELECT 1 FROM pod_config WHERE id = ?1")
            .and_then(|mut s| s.exists([id]))
            .map_err(self.sql("looking up pod"))
    }

    fn containers_where(
        &self,
        conn: &Connection,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        let sql = format!(
            "SELECT c.id, c.json, s.json FROM container_config c JOIN container_state s ON s.id = c.id {filter} ORDER BY c.created_ns, c.id"
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .map_err(self.sql("listing containers"))?;
        let mut rows = stmt.query(args).map_err(self.sql("listing containers"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.sql("listing containers"))? {
            // Borrow the text in place: no copy of each JSON document.
            let text = |i: usize| -> Result<&str> {
                row.get_ref(i)
                    .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
                    .map_err(self.sql("listing containers"))
            };
            let id = text(0)?;
            out.push((
                from_json("container config", id, text(1)?)?,
                from_json("container state", id, text(2)?)?,
            ));
        }
        Ok(out)
    }

    fn recorded_db_config(&self, conn: &Connection) -> Result<Option<DbConfig>> {
        conn.query_row(
            "SELECT static_dir, tmp_dir, graph_root, run_root, graph_driver FROM db_config WHERE id = 1",
            [],
            |r| {
                Ok(DbConfig {
                    static_dir: PathBuf::from(r.get::<_, String>(0)?),
                    tmp_dir: PathBuf::from(r.get::<_, String>(1)?),
                    graph_root: PathBuf::from(r.get::<_, String>(2)?),
                    run_root: PathBuf::from(r.get::<_, String>(3)?),
                    graph_driver: r.get(4)?,
                })
            },
        )
        .optional()
        .map_err(self.sql("reading db config"))
    }

    /// Resolves `query` with two index range scans (the name's unique index, the id
    /// primary key from `query` up to `query~`), so its cost does not grow with
    /// the number of objects, only with how many ids share the prefix.
    fn lookup(&self, kind: &'static str, query: &str) -> Result<String> {
        self.read("lookup", |conn| {
            let mut rows: Vec<(String, String)> = conn
                .prepare_cached("SELECT id, name FROM id_namespace WHERE kind = ?1 AND name = ?2")
                .and_then(|mut s| {
                    s.query_map(params![kind, query], |r| Ok((r.get(0)?, r.get(1)?)))
                        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                })
                .map_err(self.sql("lookup"))?;
            // Ids are lowercase hex, all below '~': every id starting with `query`
            // sorts in [query, query~).
            let upper = format!("{query}~");
            let prefixed: Vec<(String, String)> = conn
                .prepare_cached(
                    "SELECT id, name FROM id_namespace WHERE id >= ?2 AND id < ?3 AND kind = ?1",
                )
                .and_then(|mut s| {
                    s.query_map(params![kind, query, upper], |r| Ok((r.get(0)?, r.get(1)?)))
                        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                })
                .map_err(self.sql("lookup"))?;
            rows.extend(prefixed);
            Ok(resolve(
                kind,
                query,
                rows.iter().map(|(i, n)| (i.as_str(), n.as_str())),
            )?)
        })
    }

    /// `add_container`, and in the same transaction the removal of the container's
    /// journal entry of `kind` when given.
    fn insert_container(
        &self,
        config: &ContainerConfig,
        state: &ContainerState,
        journal: Option<JournalKind>,
    ) -> Result<()> {
        let id = config.id.as_str();
        let cfg_json = to_json("container config", id, config)?;
        let st_json = to_json("container state", id, state)?;
        self.write("adding container", |tx| {
            if let Some(pod) = &config.pod {
                if !self.pod_exists(tx, pod)? {
                    return Err(StateError::NoSuchPod { id: pod.clone() });
                }
            }
            self.claim(tx, id, &config.name, "container")?;
            tx.prepare_cached(
                "INSERT INTO container_config (id, name, pod_id, created_ns, json) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![id, config.name, config.pod, created_ns(&config.created), cfg_json])
            })
            .map_err(self.sql("adding container config"))?;
            tx.prepare_cached("INSERT INTO container_state (id, json) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![id, st_json]))
                .map_err(self.sql("adding container state"))?;
            if let Some(kind) = journal {
                tx.prepare_cached("DELETE FROM journal WHERE kind = ?1 AND id = ?2")
                    .and_then(|mut s| s.execute(params![kind.as_str(), id]))
                    .map_err(self.sql("removing journal entry"))?;
            }
            Ok(())
        })
    }
}

impl State for SqliteState {
    fn validate_db_config(&self, cfg: &DbConfig) -> Result<()> {
        let s = |p: &Path| p.display().to_string();
        // Usually recorded already: a read, so that runtimes opening at once
        // do not queue for the write lock.
        if let Some(rec) = self.read("reading db config", |conn| self.recorded_db_config(conn))? {
            return cfg.check_against(&rec);
        }
        self.write("validating db config", |tx| {
            match self.recorded_db_config(tx)? {
                Some(rec) => cfg.check_against(&rec),
                None => {
                    tx.execute(
                        "INSERT INTO db_config (id, static_dir, tmp_dir, graph_root, run_root, graph_driver) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                        params![s(&cfg.static_dir), s(&cfg.tmp_dir), s(&cfg.graph_root), s(&cfg.run_root), cfg.graph_driver],
                    )
                    .map_err(self.sql("recording db config"))?;
                    Ok(())
                }
            }
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %config.id, path = %self.path.display()))]
    fn add_container(&self, config: &ContainerConfig, state: &ContainerState) -> Result<()> {
        self.insert_container(config, state, None)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %config.id, path = %self.path.display()))]
    fn add_container_ending_journal(
        &self,
        config: &ContainerConfig,
        state: &ContainerState,
        kind: JournalKind,
    ) -> Result<()> {
        self.insert_container(config, state, Some(kind))
    }

    fn container(&self, id: &str) -> Result<(ContainerConfig, ContainerState)> {
        self.read("reading container", |conn| {
            self.containers_where(conn, "WHERE c.id = ?1", &[&id])?
                .pop()
                .ok_or_else(|| StateError::NoSuchContainer { id: id.to_string() })
        })
    }

    fn container_state(&self, id: &str) -> Result<ContainerState> {
        self.read("reading container state", |conn| {
            let json: Option<String> = conn
                .prepare_cached("SELECT json FROM container_state WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
                .map_err(self.sql("reading container state"))?;
            match json {
                Some(j) => from_json("container state", id, &j),
                None => Err(StateError::NoSuchContainer { id: id.to_string() }),
            }
        })
    }

    #[tracing::instrument(level = "debug", skip(self, state), fields(path = %self.path.display()))]
    fn save_container_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        let json = to_json("container state", id, state)?;
        self.write("saving container state", |tx| {
            let n = tx
                .prepare_cached("UPDATE container_state SET json = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, json]))
                .map_err(self.sql("saving container state"))?;
            if n == 0 {
                return Err(StateError::NoSuchContainer { id: id.to_string() });
            }
            Ok(())
        })
    }

    #[tracing::instrument(level = "debug", skip(self, config), fields(path = %self.path.display(), id = %config.id))]
    fn save_container_config(&self, config: &ContainerConfig) -> Result<()> {
        let id = config.id.as_str();
        let json = to_json("container config", id, config)?;
        self.write("saving container config", |tx| {
            let old: String = tx
                .prepare_cached("SELECT json FROM container_config WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)))
                .optional()
                .map_err(self.sql("reading container config"))?
                .ok_or_else(|| StateError::NoSuchContainer { id: id.to_string() })?;
            let old: ContainerConfig = from_json("container config", id, &old)?;
            if let Some(field) = crate::state::immutable_change(&old, config) {
                return Err(StateError::ImmutableField {
                    id: id.to_string(),
                    field,
                });
            }
            tx.prepare_cached("UPDATE container_config SET json = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, json]))
                .map_err(self.sql("saving container config"))?;
            Ok(())
        })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(path = %self.path.display()))]
    fn rename_container(&self, id: &str, new_name: &str) -> Result<()> {
        validate_name(new_name)?;
        self.write("renaming container", |tx| {
            let old: String = tx
                .prepare_cached("SELECT json FROM container_config WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)))
                .optional()
                .map_err(self.sql("reading container config"))?
                .ok_or_else(|| StateError::NoSuchContainer { id: id.to_string() })?;
            let mut cfg: ContainerConfig = from_json("container config", id, &old)?;
            if cfg.name == new_name {
                return Ok(());
            }
            self.name_free(tx, new_name)?;
            cfg.name = new_name.to_string();
            let json = to_json("container config", id, &cfg)?;
            tx.prepare_cached("UPDATE id_namespace SET name = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, new_name]))
                .map_err(self.sql("renaming container id"))?;
            tx.prepare_cached("UPDATE container_config SET name = ?2, json = ?3 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, new_name, json]))
                .map_err(self.sql("renaming container"))?;
            Ok(())
        })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(path = %self.path.display()))]
    fn remove_container(&self, id: &str) -> Result<()> {
        self.write("removing container", |tx| {
            let n = tx
                .prepare_cached("DELETE FROM container_config WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql("removing container"))?;
            if n == 0 {
                return Err(StateError::NoSuchContainer { id: id.to_string() });
            }
            tx.prepare_cached("DELETE FROM id_namespace WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql("removing container id"))?;
            Ok(())
        })
    }

    fn all_containers(&self) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        self.read("listing containers", |conn| {
            self.containers_where(conn, "", &[])
        })
    }

    fn name_in_use(&self, name: &str) -> Result<bool> {
        self.read("checking name", |conn| {
            conn.prepare_cached("SELECT 1 FROM id_namespace WHERE name = ?1")
                .and_then(|mut s| s.exists([name]))
                .map_err(self.sql("checking name"))
        })
    }

    fn lookup_container(&self, query: &str) -> Result<String> {
        self.lookup("container", query)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %config.id, path = %self.path.display()))]
    fn add_pod(&self, config: &PodConfig, state: &PodState) -> Result<()> {
        let id = config.id.as_str();
        let cfg_json = to_json("pod config", id, config)?;
        let st_json = to_json("pod state", id, state)?;
        self.write("adding pod", |tx| {
            self.claim(tx, id, &config.name, "pod")?;
            tx.prepare_cached(
                "INSERT INTO pod_config (id, name, created_ns, json) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    config.name,
                    created_ns(&config.created),
                    cfg_json
                ])
            })
            .map_err(self.sql("adding pod config"))?;
            tx.prepare_cached("INSERT INTO pod_state (id, json) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![id, st_json]))
                .map_err(self.sql("adding pod state"))?;
            Ok(())
        })
    }

    fn pod(&self, id: &str) -> Result<(PodConfig, PodState)> {
        self.read("reading pod", |conn| {
            let row: Option<(String, String)> = conn
                .prepare_cached(
                    "SELECT p.json, s.json FROM pod_config p JOIN pod_state s ON s.id = p.id WHERE p.id = ?1",
                )
                .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                .map_err(self.sql("reading pod"))?;
            match row {
                Some((c, s)) => Ok((from_json("pod config", id, &c)?, from_json("pod state", id, &s)?)),
                None => Err(StateError::NoSuchPod { id: id.to_string() }),
            }
        })
    }

    #[tracing::instrument(level = "debug", skip(self, state), fields(path = %self.path.display()))]
    fn save_pod_state(&self, id: &str, state: &PodState) -> Result<()> {
        let json = to_json("pod state", id, state)?;
        self.write("saving pod state", |tx| {
            let n = tx
                .prepare_cached("UPDATE pod_state SET json = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, json]))
                .map_err(self.sql("saving pod state"))?;
            if n == 0 {
                return Err(StateError::NoSuchPod { id: id.to_string() });
            }
            Ok(())
        })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(path = %self.path.display()))]
    fn remove_pod(&self, id: &str, with_containers: bool) -> Result<Vec<String>> {
        self.write("removing pod", |tx| {
            if !self.pod_exists(tx, id)? {
                return Err(StateError::NoSuchPod { id: id.to_string() });
            }
            let members: Vec<String> = tx
                .prepare_cached(
                    "SELECT id FROM container_config WHERE pod_id = ?1 ORDER BY created_ns, id",
                )
                .and_then(|mut s| s.query_map([id], |r| r.get(0))?.collect())
                .map_err(self.sql("listing pod containers"))?;
            if !members.is_empty() && !with_containers {
                return Err(StateError::PodHasContainers {
                    id: id.to_string(),
                    count: members.len(),
                });
            }
            for m in &members {
                tx.prepare_cached("DELETE FROM container_config WHERE id = ?1")
                    .and_then(|mut s| s.execute([m]))
                    .map_err(self.sql("removing pod container"))?;
                tx.prepare_cached("DELETE FROM id_namespace WHERE id = ?1")
                    .and_then(|mut s| s.execute([m]))
                    .map_err(self.sql("removing pod container id"))?;
            }
            tx.prepare_cached("DELETE FROM pod_config WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql("removing pod"))?;
            tx.prepare_cached("DELETE FROM id_namespace WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql("removing pod id"))?;
            Ok(members.clone())
        })
    }

    fn all_pods(&self) -> Result<Vec<(PodConfig, PodState)>> {
        self.read("listing pods", |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT p.id, p.json, s.json FROM pod_config p JOIN pod_state s ON s.id = p.id ORDER BY p.created_ns, p.id",
                )
                .map_err(self.sql("listing pods"))?;
            let rows: Vec<(String, String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .and_then(|rows| rows.collect())
                .map_err(self.sql("listing pods"))?;
            rows.iter()
                .map(|(id, c, s)| Ok((from_json("pod config", id, c)?, from_json("pod state", id, s)?)))
                .collect()
        })
    }

    fn lookup_pod(&self, query: &str) -> Result<String> {
        self.lookup("pod", query)
    }

    fn pod_containers(&self, pod_id: &str) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        self.read("listing pod containers", |conn| {
            if !self.pod_exists(conn, pod_id)? {
                return Err(StateError::NoSuchPod {
                    id: pod_id.to_string(),
                });
            }
            self.containers_where(conn, "WHERE c.pod_id = ?1", &[&pod_id])
        })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(path = %self.path.display()))]
    fn add_exit_code(&self, id: &str, code: i32) -> Result<()> {
        let now = millis(SystemTime::now());
        self.write("adding exit code", |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO exit_code (id, code, time_ms) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![id, code, now]))
            .map_err(self.sql("adding exit code"))?;
            Ok(())
        })
    }

    fn exit_code(&self, id: &str) -> Result<i32> {
        self.read("reading exit code", |conn| {
            conn.prepare_cached("SELECT code FROM exit_code WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
                .map_err(self.sql("reading exit code"))?
                .ok_or_else(|| StateError::NoExitCode { id: id.to_string() })
        })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(path = %self.path.display()))]
    fn prune_exit_codes(&self, older_than: SystemTime) -> Result<usize> {
        let cutoff = millis(older_than);
        self.write("pruning exit codes", |tx| {
            tx.execute("DELETE FROM exit_code WHERE time_ms <= ?1", [cutoff])
                .map_err(self.sql("pruning exit codes"))
        })
    }

    #[tracing::instrument(level = "info", skip(self), fields(path = %self.path.display()))]
    fn refresh(&self) -> Result<()> {
        self.write("refreshing", |tx| {
            let rows: Vec<(String, String)> = tx
                .prepare("SELECT id, json FROM container_state")
                .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .map_err(self.sql("refreshing"))?;
            for (id, json) in rows {
                let st: ContainerState = from_json("container state", &id, &json)?;
                let new = to_json("container state", &id, &st.refreshed())?;
                tx.prepare_cached("UPDATE container_state SET json = ?2 WHERE id = ?1")
                    .and_then(|mut s| s.execute(params![id, new]))
                    .map_err(self.sql("refreshing"))?;
            }
            let vols: Vec<(String, String)> = tx
                .prepare("SELECT name, json FROM volume_state")
                .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .map_err(self.sql("refreshing volumes"))?;
            for (name, json) in vols {
                let mut st: VolumeState = from_json("volume state", &name, &json)?;
                st.mount_count = 0;
                st.mounted = false;
                st.host_mounts = 0;
                let new = to_json("volume state", &name, &st)?;
                tx.prepare_cached("UPDATE volume_state SET json = ?2 WHERE name = ?1")
                    .and_then(|mut s| s.execute(params![name, new]))
                    .map_err(self.sql("refreshing volumes"))?;
            }
            Ok(())
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(name = %config.name, path = %self.path.display()))]
    fn add_volume(&self, config: &VolumeConfig, state: &VolumeState) -> Result<()> {
        validate_name(&config.name)?;
        let name = config.name.as_str();
        let cfg_json = to_json("volume config", name, config)?;
        let st_json = to_json("volume state", name, state)?;
        self.write("adding volume", |tx| {
            let taken = tx
                .prepare_cached("SELECT 1 FROM volume_config WHERE name = ?1")
                .and_then(|mut s| s.exists([name]))
                .map_err(self.sql("checking volume name"))?;
            if taken {
                return Err(StateError::VolumeExists {
                    name: name.to_string(),
                });
            }
            tx.prepare_cached(
                "INSERT INTO volume_config (name, created_ns, json) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![name, created_ns(&config.created), cfg_json]))
            .map_err(self.sql("adding volume config"))?;
            tx.prepare_cached("INSERT INTO volume_state (name, json) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![name, st_json]))
                .map_err(self.sql("adding volume state"))?;
            Ok(())
        })
    }

    fn volume(&self, name: &str) -> Result<(VolumeConfig, VolumeState)> {
        self.read("reading volume", |conn| {
            let row: Option<(String, String)> = conn
                .prepare_cached(
                    "SELECT c.json, s.json FROM volume_config c JOIN volume_state s ON s.name = c.name WHERE c.name = ?1",
                )
                .and_then(|mut s| s.query_row([name], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                .map_err(self.sql("reading volume"))?;
            match row {
                Some((c, s)) => Ok((
                    from_json("volume config", name, &c)?,
                    from_json("volume state", name, &s)?,
                )),
                None => Err(StateError::NoSuchVolume {
                    name: name.to_string(),
                }),
            }
        })
    }

    #[tracing::instrument(level = "debug", skip(self, state), fields(path = %self.path.display()))]
    fn save_volume_state(&self, name: &str, state: &VolumeState) -> Result<()> {
        let json = to_json("volume state", name, state)?;
        self.write("saving volume state", |tx| {
            let n = tx
                .prepare_cached("UPDATE volume_state SET json = ?2 WHERE name = ?1")
                .and_then(|mut s| s.execute(params![name, json]))
                .map_err(self.sql("saving volume state"))?;
            if n == 0 {
                return Err(StateError::NoSuchVolume {
                    name: name.to_string(),
                });
            }
            Ok(())
        })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(path = %self.path.display()))]
    fn remove_volume(&self, name: &str) -> Result<()> {
        self.write("removing volume", |tx| {
            let n = tx
                .prepare_cached("DELETE FROM volume_config WHERE name = ?1")
                .and_then(|mut s| s.execute([name]))
                .map_err(self.sql("removing volume"))?;
            if n == 0 {
                return Err(StateError::NoSuchVolume {
                    name: name.to_string(),
                });
            }
            Ok(())
        })
    }

    fn all_volumes(&self) -> Result<Vec<(VolumeConfig, VolumeState)>> {
        self.read("listing volumes", |conn| {
            let rows: Vec<(String, String, String)> = conn
                .prepare_cached(
                    "SELECT c.name, c.json, s.json FROM volume_config c JOIN volume_state s ON s.name = c.name ORDER BY c.created_ns, c.name",
                )
                .and_then(|mut s| {
                    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                        .collect()
                })
                .map_err(self.sql("listing volumes"))?;
            rows.iter()
                .map(|(n, c, s)| {
                    Ok((
                        from_json("volume config", n, c)?,
                        from_json("volume state", n, s)?,
                    ))
                })
                .collect()
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(kind = entry.kind.as_str(), id = %entry.id, op = %entry.operation))]
    fn journal_put(&self, entry: &JournalEntry) -> Result<()> {
        let payload = to_json("journal payload", &entry.id, &entry.payload)?;
        self.write("writing journal", |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO journal (kind, id, operation, owner_pid, owner_start, owner_boot, started_ms, payload) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    entry.kind.as_str(),
                    entry.id,
                    entry.operation,
                    entry.owner.pid,
                    entry.owner.start_time as i64,
                    entry.owner.boot_id,
                    entry.started_ms,
                    payload
                ])
            })
            .map_err(self.sql("writing journal"))?;
            Ok(())
        })
    }

    fn journal_get(&self, kind: JournalKind, id: &str) -> Result<Option<JournalEntry>> {
        self.read("reading journal", |conn| {
            Ok(self
                .journal_where(conn, "WHERE kind = ?1 AND id = ?2", &[&kind.as_str(), &id])?
                .pop())
        })
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn journal_remove(&self, kind: JournalKind, id: &str) -> Result<bool> {
        self.write("removing journal entry", |tx| {
            let n = tx
                .prepare_cached("DELETE FROM journal WHERE kind = ?1 AND id = ?2")
                .and_then(|mut s| s.execute(params![kind.as_str(), id]))
                .map_err(self.sql("removing journal entry"))?;
            Ok(n > 0)
        })
    }

    fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.read("reading journal", |conn| self.journal_where(conn, "", &[]))
    }

    fn close(&self) -> Result<()> {
        let mut g = self.guard()?;
        if let Some(conn) = g.take() {
            conn.close().map_err(|(_, source)| StateError::Sqlite {
                path: self.path.clone(),
                context: "closing".into(),
                source,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reopen_keeps_data_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/state.db");
        let s = SqliteState::open(&p).unwrap();
        let c = ContainerConfig::new(libpod_config::new_id(), "a");
        s.add_container(&c, &ContainerState::default()).unwrap();
        s.close().unwrap();
        assert!(matches!(s.all_containers(), Err(StateError::Closed { .. })));
        let s = SqliteState::open(&p).unwrap();
        assert_eq!(s.container(&c.id).unwrap().0, c);
    }

    #[test]
    fn version_1_database_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        // A database exactly as schema version 1 wrote it, with one container.
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute("INSERT INTO lpod_schema (version) VALUES (1)", [])
                .unwrap();
        }
        let c = ContainerConfig::new(libpod_config::new_id(), "old");
        {
            // Version 1 code path: rows only (the journal table does not exist yet).
            let conn = Connection::open(&p).unwrap();
            conn.execute(
                "INSERT INTO id_namespace (id, name, kind) VALUES (?1, 'old', 'container')",
                [&c.id],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO container_config (id, name, pod_id, created_ns, json) VALUES (?1, 'old', NULL, 1, ?2)",
                params![c.id, serde_json::to_string(&c).unwrap()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO container_state (id, json) VALUES (?1, ?2)",
                params![
                    c.id,
                    serde_json::to_string(&ContainerState::default()).unwrap()
                ],
            )
            .unwrap();
        }
        let s = SqliteState::open(&p).unwrap();
        assert_eq!(s.container(&c.id).unwrap().0, c);
        assert!(s.journal_entries().unwrap().is_empty());
        let v: i64 = s
            .read("v", |conn| {
                conn.query_row("SELECT version FROM lpod_schema", [], |r| r.get(0))
                    .map_err(s.sql("v"))
            })
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        s.close().unwrap();
        // Reopening a migrated database changes nothing.
        let s = SqliteState::open(&p).unwrap();
        assert_eq!(s.all_containers().unwrap().len(), 1);
    }

    #[test]
    fn version_2_database_keeps_its_journal_and_gains_volumes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute_batch(MIGRATIONS[0].1).unwrap();
            conn.execute("INSERT INTO lpod_schema (version) VALUES (2)", [])
                .unwrap();
            conn.execute(
                "INSERT INTO journal VALUES ('pod', 'abc', 'remove', 1, 2, 'boot', 3, '{}')",
                [],
            )
            .unwrap();
        }
        let s = SqliteState::open(&p).unwrap();
        let entries = s.journal_entries().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].kind, JournalKind::Pod);
        assert_eq!(entries[0].operation, "remove");
        let v = libpod_config::VolumeConfig::new("v", Path::new("/vols"));
        s.add_volume(&v, &VolumeState::default()).unwrap();
        assert_eq!(s.volume("v").unwrap().0, v);
        // Journal entries about volumes are accepted now.
        let mut e = entries[0].clone();
        e.kind = JournalKind::Volume;
        e.id = "v".into();
        s.journal_put(&e).unwrap();
        assert_eq!(s.journal_get(JournalKind::Volume, "v").unwrap(), Some(e));
    }

    #[test]
    fn both_journal_modes_work() {
        for mode in [JournalMode::Delete, JournalMode::Wal] {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("state.db");
            let s = SqliteState::open_with(&p, SqliteOptions { journal_mode: mode }).unwrap();
            let c = ContainerConfig::new(libpod_config::new_id(), "a");
            s.add_container(&c, &ContainerState::default()).unwrap();
            assert_eq!(s.all_containers().unwrap().len(), 1);
        }
    }
}
