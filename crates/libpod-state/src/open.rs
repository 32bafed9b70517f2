//! Opening the state backend a runtime configuration names.

use libpod_config::RuntimeConfig;

use crate::error::Result;
use crate::memory::InMemoryState;
use crate::sqlite::SqliteState;
use crate::state::{DbConfig, State};

/// Opens the backend named by `cfg.state_backend` (SQLite at
/// [`RuntimeConfig::state_db_path`], or in memory) and checks or records its
/// [`DbConfig`].
pub fn open_state(cfg: &RuntimeConfig) -> Result<Box<dyn State>> {
    let state: Box<dyn State> = match cfg.state_backend {
        libpod_config::StateBackend::Sqlite => Box::new(SqliteState::open(cfg.state_db_path())?),
        libpod_config::StateBackend::InMemory => Box::new(InMemoryState::new()),
    };
    state.validate_db_config(&DbConfig::from_runtime_config(cfg))?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_state_follows_config_and_checks_paths() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = RuntimeConfig::with_roots(dir.path().join("root"), dir.path().join("run"));
        let s = open_state(&cfg).unwrap();
        s.close().unwrap();
        assert!(cfg.state_db_path().exists());
        // Same database, other graph root: refused, naming both.
        let mut other = cfg.clone();
        other.graph_root = dir.path().join("elsewhere");
        let e = open_state(&other).err().unwrap().to_string();
        assert!(e.contains("graph_root") && e.contains("elsewhere"), "{e}");
        let mem = RuntimeConfig {
            state_backend: libpod_config::StateBackend::InMemory,
            ..other
        };
        assert!(open_state(&mem)
            .unwrap()
            .all_containers()
            .unwrap()
            .is_empty());
    }
}
