//! lpod state: the `State` trait with in-memory and SQLite backends, and a
//! cross-process lock manager.
//!
//! Depends only on `libpod-config` among the workspace crates; it must not depend
//! on storage, OCI, networking or core.
//!
//! ```
//! use libpod_state::libpod_config::{new_id, ContainerConfig, ContainerState, RuntimeConfig};
//! use libpod_state::{DbConfig, LockManager, SqliteState, State};
//!
//! # let tmp = tempfile::tempdir()?;
//! # let (root, run) = (tmp.path().join("root"), tmp.path().join("run"));
//! # std::fs::create_dir_all(&root)?;
//! let cfg = RuntimeConfig::with_roots(&root, &run); // e.g. /var/lib/lpod, /run/lpod
//! let state = SqliteState::open(cfg.state_db_path())?;
//! state.validate_db_config(&DbConfig::from_runtime_config(&cfg))?;
//! let locks = LockManager::new(cfg.lock_dir())?;
//!
//! let ctr = ContainerConfig::new(new_id(), "web");
//! state.add_container(&ctr, &ContainerState::default())?;
//! let id = state.lookup_container("web")?;
//! let _guard = locks.lock(&id)?; // held across read-modify-write
//! let mut st = state.container_state(&id)?;
//! st.restart_count += 1;
//! state.save_container_state(&id, &st)?;
//! assert_eq!(state.container_state(&id)?.restart_count, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The in-memory backend has the same API (tests, dry runs):
//!
//! ```
//! use libpod_state::libpod_config::{new_id, ContainerConfig, ContainerState};
//! use libpod_state::{InMemoryState, State, StateError};
//!
//! let state = InMemoryState::new();
//! let ctr = ContainerConfig::new(new_id(), "web");
//! state.add_container(&ctr, &ContainerState::default())?;
//! assert_eq!(state.lookup_container("web")?, ctr.id);
//! // A second container of the same name is refused.
//! let again = ContainerConfig::new(new_id(), "web");
//! assert!(matches!(
//!     state.add_container(&again, &ContainerState::default()),
//!     Err(StateError::NameInUse { .. })
//! ));
//! # Ok::<(), StateError>(())
//! ```
#![deny(missing_docs)]

/// The data model this crate stores (containers, pods, runtime config), re-exported so a
/// user of this crate alone needs no second dependency.
pub use libpod_config;

pub mod error;
pub mod journal;
pub mod lock;
pub mod memory;
mod open;
mod private;
pub mod sqlite;
pub mod state;

pub use error::{Result, StateError};
pub use journal::{JournalEntry, JournalKind, JournalOwner};
pub use lock::{LockError, LockGuard, LockKind, LockManager};
pub use memory::InMemoryState;
pub use open::open_state;
pub use sqlite::{JournalMode, SqliteOptions, SqliteState, DEFAULT_JOURNAL_MODE, SCHEMA_VERSION};
pub use state::{DbConfig, State};
