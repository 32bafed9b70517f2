//! Two processes share one SQLite state database safely.
//!
//! ```sh
//! cargo run -p libpod-state --example two_processes [-- ROUNDS]
//! ```
//!
//! The parent creates a database with one container in a temporary directory, then it and a
//! child process (this same program, started with `--child DIR`) each add 1 to the
//! container's `restart_count` ROUNDS times, every read-modify-write under the container's
//! cross-process lock. The count ends at exactly 2 x ROUNDS: no update is lost.

use std::path::Path;
use std::process::Command;

use libpod_state::libpod_config::{new_id, ContainerConfig, ContainerState, RuntimeConfig};
use libpod_state::{LockManager, SqliteState, State};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Adds 1 to the container's restart count `rounds` times, each under its lock.
fn bump(root: &Path, rounds: u32) -> Result<()> {
    let cfg = RuntimeConfig::with_roots(root.join("root"), root.join("run"));
    let state = SqliteState::open(cfg.state_db_path())?;
    let locks = LockManager::new(cfg.lock_dir())?;
    let id = state.lookup_container("shared")?;
    for _ in 0..rounds {
        let _guard = locks.lock(&id)?; // released at the end of the iteration
        let mut st = state.container_state(&id)?;
        st.restart_count += 1;
        state.save_container_state(&id, &st)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let dir = args.get(1).ok_or("--child needs the directory")?;
        let rounds = args.get(2).ok_or("--child needs ROUNDS")?.parse()?;
        return bump(Path::new(dir), rounds);
    }
    let rounds: u32 = args.first().map(|s| s.parse()).transpose()?.unwrap_or(200);

    let dir = tempfile::tempdir()?;
    let cfg = RuntimeConfig::with_roots(dir.path().join("root"), dir.path().join("run"));
    std::fs::create_dir_all(
        cfg.state_db_path()
            .parent()
            .ok_or("db path has no parent")?,
    )?;
    let state = SqliteState::open(cfg.state_db_path())?;
    let ctr = ContainerConfig::new(new_id(), "shared");
    state.add_container(&ctr, &ContainerState::default())?;

    let mut child = Command::new(std::env::current_exe()?)
        .arg("--child")
        .arg(dir.path())
        .arg(rounds.to_string())
        .spawn()?;
    bump(dir.path(), rounds)?;
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("child process failed: {status}").into());
    }

    let count = state.container_state(&ctr.id)?.restart_count;
    println!("restart_count = {count} after 2 processes x {rounds} locked increments");
    if count != 2 * rounds {
        return Err(format!("lost updates: expected {}, got {count}", 2 * rounds).into());
    }
    Ok(())
}
