//! `cargo xtask bench state`: SQLite state timings.
//!
//! 1. Add 500 containers to a fresh database, then list all of them with their
//!    state (`all_containers`, the core of `lpod ps`) several times.
//! 2. Many short-lived processes: 8 processes at once, each opening the
//!    database, doing 20 write transactions and closing, for the rollback
//!    journal (DELETE) and WAL.
//!
//! Figures are printed, never asserted.

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use libpod_config::{new_id, ContainerConfig, ContainerState, ContainerStatus};
use libpod_state::{JournalMode, SqliteOptions, SqliteState, State};

const CHILD_ENV: &str = "LPOD_BENCH_STATE_CHILD";
const PROCS: usize = 8;
const WRITES: usize = 20;
const ROUNDS: usize = 5;

fn mode_from(s: &str) -> JournalMode {
    if s == "wal" {
        JournalMode::Wal
    } else {
        JournalMode::Delete
    }
}

fn sample_container(i: usize) -> ContainerConfig {
    let mut c = ContainerConfig::new(new_id(), format!("bench-{i}-{}", &new_id()[..8]));
    c.image = "localhost/lpod-test:latest".into();
    c.image_id = new_id();
    c.command = vec!["/bin/sh".into(), "-c".into(), "sleep 1000".into()];
    c.env = vec!["PATH=/usr/bin:/bin".into(), "TERM=xterm".into()];
    c.labels.insert("bench".into(), i.to_string());
    c.log_path = format!("/var/lib/lpod/libpod/{}/ctr.log", c.id).into();
    c
}

/// Child role: open, WRITES write transactions (add, then save states), close.
fn child(spec: &str) -> ExitCode {
    let mut parts = spec.splitn(2, ',');
    let mode = mode_from(parts.next().unwrap_or(""));
    let path = parts.next().unwrap_or("");
    let run = || -> libpod_state::Result<()> {
        let s = SqliteState::open_with(path, SqliteOptions { journal_mode: mode })?;
        let mut ids = Vec::new();
        for i in 0..WRITES {
            if i % 2 == 0 {
                let c = sample_container(i);
                s.add_container(&c, &ContainerState::default())?;
                ids.push(c.id);
            } else {
                let st = ContainerState {
                    status: ContainerStatus::Running,
                    pid: Some(i as i32),
                    ..Default::default()
                };
                s.save_container_state(&ids[ids.len() - 1], &st)?;
            }
        }
        s.close()
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("child error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// CPU time of this thread (independent of how busy the machine is).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively
    // borrowed `ts`; CLOCK_THREAD_CPUTIME_ID is always supported on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn many_processes(mode: &str) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut walls = Vec::new();
    for _ in 0..ROUNDS {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("state.db");
        // Create the schema first so every round measures the same thing.
        SqliteState::open_with(
            &path,
            SqliteOptions {
                journal_mode: mode_from(mode),
            },
        )
        .and_then(|s| s.close())
        .map_err(|e| e.to_string())?;
        let start = Instant::now();
        let mut kids = Vec::new();
        for _ in 0..PROCS {
            kids.push(
                Command::new(&exe)
                    .env(CHILD_ENV, format!("{mode},{}", path.display()))
                    .spawn()
                    .map_err(|e| e.to_string())?,
            );
        }
        for mut k in kids {
            let st = k.wait().map_err(|e| e.to_string())?;
            if !st.success() {
                return Err(format!("a {mode} child failed: {st}"));
            }
        }
        walls.push(ms(start.elapsed()));
        let s = SqliteState::open(&path).map_err(|e| e.to_string())?;
        let n = s.all_containers().map_err(|e| e.to_string())?.len();
        if n != PROCS * WRITES / 2 {
            return Err(format!(
                "{mode}: expected {} containers, found {n}",
                PROCS * WRITES / 2
            ));
        }
    }
    Ok(median(walls))
}

fn main() -> ExitCode {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        return child(&spec);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_state: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let s = SqliteState::open(dir.path().join("state.db")).map_err(|e| e.to_string())?;
    let n = 500;
    let ctrs: Vec<ContainerConfig> = (0..n).map(sample_container).collect();
    let start = Instant::now();
    for c in &ctrs {
        s.add_container(c, &ContainerState::default())
            .map_err(|e| e.to_string())?;
    }
    let add = start.elapsed();
    println!(
        "state add: {n} containers in {:.1} ms ({:.3} ms/op, synchronous=FULL)",
        ms(add),
        ms(add) / n as f64
    );
    let mut lists = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let c = thread_cpu();
        let all = s.all_containers().map_err(|e| e.to_string())?;
        cpus.push(ms(thread_cpu() - c));
        lists.push(ms(t.elapsed()));
        if all.len() != n {
            return Err(format!("listed {} of {n}", all.len()));
        }
    }
    println!(
        "state list: all {n} containers with state, median {:.2} ms wall, {:.2} ms CPU (wall min {:.2}, max {:.2}, 9 runs)",
        median(lists.clone()),
        median(cpus),
        lists.iter().cloned().fold(f64::MAX, f64::min),
        lists.iter().cloned().fold(0.0, f64::max)
    );
    let t = Instant::now();
    for _ in 0..20 {
        let s = SqliteState::open(dir.path().join("state.db")).map_err(|e| e.to_string())?;
        s.close().map_err(|e| e.to_string())?;
    }
    println!("state open+close: {:.2} ms each", ms(t.elapsed()) / 20.0);

    for mode in ["delete", "wal"] {
        let wall = many_processes(mode)?;
        println!(
            "state many-process {mode:>6}: {PROCS} procs x (open + {WRITES} writes + close) median wall {wall:.1} ms ({:.2} ms/write, {ROUNDS} rounds)",
            wall / (PROCS * WRITES) as f64
        );
    }
    Ok(())
}
