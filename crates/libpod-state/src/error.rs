//! The state database's error type.

use std::path::PathBuf;

use libpod_config::{IdError, LookupError};

/// An error from a [`crate::State`] backend.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// No container with this id.
    #[error("no container with id {id}")]
    NoSuchContainer {
        /// The id.
        id: String,
    },
    /// No pod with this id.
    #[error("no pod with id {id}")]
    NoSuchPod {
        /// The id.
        id: String,
    },
    /// No volume of this name.
    #[error("no volume with name {name:?}")]
    NoSuchVolume {
        /// The name.
        name: String,
    },
    /// A volume of this name exists already.
    #[error("volume with name {name:?} already exists")]
    VolumeExists {
        /// The name.
        name: String,
    },
    /// No exit code was recorded for this id.
    #[error("no exit code recorded for container {id}")]
    NoExitCode {
        /// The container id.
        id: String,
    },
    /// The id is taken (by a container or a pod).
    #[error("id {id} is already in use by a {holder}")]
    IdInUse {
        /// The id.
        id: String,
        /// "container" or "pod".
        holder: String,
    },
    /// The name is taken (by a container or a pod).
    #[error("name {name:?} is already in use by {holder} {holder_id}")]
    NameInUse {
        /// The name.
        name: String,
        /// "container" or "pod".
        holder: String,
        /// The id of the object holding the name.
        holder_id: String,
    },
    /// A pod still has containers and removal was not asked to take them along.
    #[error("pod {id} still has {count} container(s); remove them first")]
    PodHasContainers {
        /// The pod id.
        id: String,
        /// How many containers.
        count: usize,
    },
    /// A container's config names a pod, but belongs to another pod than asked.
    #[error("container {id} is not a member of pod {pod}")]
    NotInPod {
        /// The container id.
        id: String,
        /// The pod id.
        pod: String,
    },
    /// A config rewrite tried to change what identifies the container (its name, pod
    /// or creation time; the id is how the stored config is found): only the other
    /// fields may be rewritten.
    #[error("container {id}: a config rewrite cannot change its {field}")]
    ImmutableField {
        /// The container id.
        id: String,
        /// The field (name, pod, created).
        field: &'static str,
    },
    /// Invalid id or name.
    #[error(transparent)]
    Invalid(#[from] IdError),
    /// Lookup by id, prefix or name failed.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// The database was created with other paths or driver.
    #[error("database configuration mismatch for {field}: the database was created with {recorded:?}, this runtime uses {given:?}")]
    DbConfigMismatch {
        /// Which field ("static_dir", "graph_driver", ...).
        field: &'static str,
        /// The value recorded in the database.
        recorded: String,
        /// The value given now.
        given: String,
    },
    /// The file exists but is not an lpod database (left untouched).
    #[error("{path} is not an lpod state database: {reason} (left untouched)")]
    NotOurDatabase {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// SQLite reports the file corrupt or not a database (left untouched).
    #[error("state database {path} is corrupt or not a database: {source} (left untouched)")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database has a schema newer than this program understands.
    #[error("state database {path} has schema version {found}, this lpod supports up to {supported}: upgrade lpod")]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: i64,
        /// Highest version supported.
        supported: i64,
    },
    /// An SQLite error.
    #[error("state database {path}: {context}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: rusqlite::Error,
    },
    /// A journal row names an object kind this build does not know.
    #[error("journal entry of {id}: unknown object kind {kind:?}")]
    BadJournalKind {
        /// The object's id.
        id: String,
        /// The stored kind.
        kind: String,
    },
    /// A stored JSON document did not decode (or a value did not encode).
    #[error("{what} of {id}: bad JSON: {source}")]
    Json {
        /// "container config", "pod state", ...
        what: &'static str,
        /// The object's id.
        id: String,
        /// The error.
        #[source]
        source: serde_json::Error,
    },
    /// Filesystem error.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The state was closed.
    #[error("the state database {path} was closed")]
    Closed {
        /// The database file (`:memory:` for the in-memory backend).
        path: PathBuf,
    },
}

impl StateError {
    /// True for "not found" errors (container, pod, volume, exit code, lookup).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StateError::NoSuchContainer { .. }
                | StateError::NoSuchPod { .. }
                | StateError::NoSuchVolume { .. }
                | StateError::NoExitCode { .. }
                | StateError::Lookup(LookupError::NotFound { .. })
        )
    }

    /// True if SQLite reported the database busy or locked.
    pub fn is_busy(&self) -> bool {
        match self {
            StateError::Sqlite { source, .. } => is_busy(source),
            _ => false,
        }
    }
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Result alias for state operations.
pub type Result<T> = std::result::Result<T, StateError>;
