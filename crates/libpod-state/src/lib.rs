//! lpod state: the `State` trait with in-memory and SQLite backends, and a
//! cross-process lock manager.
//!
//! Depends only on `libpod-config` among the workspace crates; it must not depend
//! on storage, OCI, networking or core.
#![deny(missing_docs)]

pub mod error;
pub mod lock;
pub mod memory;
pub mod sqlite;
pub mod state;

pub use error::{Result, StateError};
pub use lock::{LockError, LockGuard, LockKind, LockManager};
pub use memory::InMemoryState;
pub use sqlite::{JournalMode, SqliteOptions, SqliteState, DEFAULT_JOURNAL_MODE, SCHEMA_VERSION};
pub use state::{DbConfig, State};
