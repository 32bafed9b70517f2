//! Many processes on one SQLite file at once, and lock release on SIGKILL.
//!
//! Children are this test binary re-executed with `LPOD_STATE_TEST_CHILD` set:
//! the test function sees the variable and plays the child role instead.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use libpod_config::{ContainerConfig, ContainerState, ContainerStatus};
use libpod_state::{LockManager, SqliteState, State};

const CHILD_ENV: &str = "LPOD_STATE_TEST_CHILD";
const PROCS: usize = 8;
const PER_CHILD: usize = 12;

/// Re-executes this test binary running only `test`, as a child with `role`.
fn spawn_child(test: &str, role: &str, stdout: Stdio) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, role)
        .stdout(stdout)
        .spawn()
        .unwrap()
}

/// Kills a child on drop if it is still running (cleanup on test failure).
struct Reap(Option<Child>);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn child_id(worker: usize, i: usize) -> String {
    format!("{worker:02x}{i:02x}{}", "0".repeat(60))
}

/// Child: adds PER_CHILD containers, saves each state 3 times (restart count
/// 1..=3, status Running then Exited), removes every third, records exit codes.
fn writer_child(spec: &str) {
    let (worker, path) = spec.split_once(',').unwrap();
    let worker: usize = worker.parse().unwrap();
    let s = SqliteState::open(path).unwrap_or_else(|e| panic!("child {worker}: open: {e}"));
    for i in 0..PER_CHILD {
        let c = ContainerConfig::new(child_id(worker, i), format!("w{worker}-c{i}"));
        s.add_container(&c, &ContainerState::default())
            .unwrap_or_else(|e| panic!("child {worker}: add: {e}"));
        for n in 1..=3u32 {
            let st = ContainerState {
                status: if n < 3 {
                    ContainerStatus::Running
                } else {
                    ContainerStatus::Exited
                },
                restart_count: n,
                pid: Some((worker * 1000 + i) as i32),
                ..Default::default()
            };
            s.save_container_state(&c.id, &st)
                .unwrap_or_else(|e| panic!("child {worker}: save: {e}"));
        }
        // Reads between writes, as `lpod ps` would do.
        s.all_containers()
            .unwrap_or_else(|e| panic!("child {worker}: list: {e}"));
        if i % 3 == 0 {
            s.add_exit_code(&c.id, i as i32)
                .unwrap_or_else(|e| panic!("child {worker}: exit code: {e}"));
            s.remove_container(&c.id)
                .unwrap_or_else(|e| panic!("child {worker}: remove: {e}"));
        }
    }
    s.close().unwrap();
}

#[test]
fn many_processes_write_one_database() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        writer_child(&spec);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    // Children race to create the schema too: no pre-creation.
    let mut kids: Vec<Reap> = (0..PROCS)
        .map(|w| {
            Reap(Some(spawn_child(
                "many_processes_write_one_database",
                &format!("{w},{}", path.display()),
                Stdio::null(),
            )))
        })
        .collect();
    for (w, k) in kids.iter_mut().enumerate() {
        let st = k.0.take().unwrap().wait().unwrap();
        assert!(
            st.success(),
            "writer {w} failed: {st} (its panic message is above)"
        );
    }
    let s = SqliteState::open(&path).unwrap();
    let all: BTreeMap<String, ContainerState> = s
        .all_containers()
        .unwrap()
        .into_iter()
        .map(|(c, st)| (c.id, st))
        .collect();
    let mut expected = 0;
    for w in 0..PROCS {
        for i in 0..PER_CHILD {
            let id = child_id(w, i);
            if i % 3 == 0 {
                assert!(!all.contains_key(&id), "{id} should be removed");
                assert_eq!(s.exit_code(&id).unwrap(), i as i32);
            } else {
                expected += 1;
                let st = &all[&id];
                assert_eq!(st.status, ContainerStatus::Exited, "{id}");
                assert_eq!(st.restart_count, 3, "lost a write for {id}");
                assert_eq!(st.pid, Some((w * 1000 + i) as i32));
            }
        }
    }
    assert_eq!(all.len(), expected);
}

/// Child: takes the exclusive lock, says so on stdout, then sleeps until killed.
fn lock_holder_child(spec: &str) {
    let (dir, id) = spec.split_once(',').unwrap();
    let m = LockManager::new(dir).unwrap();
    let _g = m.lock(id).unwrap();
    println!("\nLPOD-LOCK-HELD");
    std::thread::sleep(std::time::Duration::from_secs(300));
}

#[test]
fn lock_is_released_when_holder_is_killed() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        lock_holder_child(&spec);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let locks = dir.path().join("locks");
    let m = LockManager::new(&locks).unwrap();
    let id = libpod_config::new_id();
    let mut holder = Reap(Some(spawn_child(
        "lock_is_released_when_holder_is_killed",
        &format!("{},{id}", locks.display()),
        Stdio::piped(),
    )));
    let child = holder.0.as_mut().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = out.read_line(&mut line).unwrap();
        assert!(n > 0, "lock holder exited before locking");
        if line.contains("LPOD-LOCK-HELD") {
            break;
        }
    }
    assert!(m.try_lock(&id).unwrap().is_none(), "child holds the lock");
    assert!(m.try_lock_shared(&id).unwrap().is_none());
    let mut child = holder.0.take().unwrap();
    // SIGKILL: no destructor runs in the child.
    child.kill().unwrap();
    let st = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(libc::SIGKILL));
    let g = m.try_lock(&id).unwrap();
    assert!(g.is_some(), "lock still held after its holder was killed");
    m.remove(&id).unwrap();
    assert!(!Path::new(&locks).join(&id).exists());
}

/// Child: opens the database, adds one container and closes it again; or, with
/// `check:ID+ID+...`, asserts that those containers are visible.
fn open_close_child(spec: &str) {
    let (id, path) = spec.split_once(',').unwrap();
    let s = SqliteState::open(path).unwrap();
    if let Some(ids) = id.strip_prefix("check:") {
        for id in ids.split('+') {
            s.container(id)
                .unwrap_or_else(|e| panic!("write of {id} lost: {e}"));
        }
        return;
    }
    s.add_container(
        &ContainerConfig::new(id, "from-child"),
        &ContainerState::default(),
    )
    .unwrap();
    s.close().unwrap();
}

/// Two states open in one process (two runtimes), then another process opens and
/// closes the database: writes of the first state must stay visible. Opening the
/// second state must not drop the first one's SQLite locks (a second descriptor
/// closed on the file would, and the other process would then delete the WAL
/// the first connection still writes to).
#[test]
fn two_states_in_one_process_survive_another_process() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        open_close_child(&spec);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let a = SqliteState::open(&path).unwrap();
    let first = child_id(0xa0, 0);
    a.add_container(
        &ContainerConfig::new(&first, "a-first"),
        &ContainerState::default(),
    )
    .unwrap();
    // A second runtime in this process opens the database and goes away again.
    SqliteState::open(&path).unwrap().close().unwrap();
    let child = child_id(0xc0, 0);
    let st = spawn_child(
        "two_states_in_one_process_survive_another_process",
        &format!("{child},{}", path.display()),
        Stdio::null(),
    )
    .wait()
    .unwrap();
    assert!(st.success(), "child failed: {st}");
    let later = child_id(0xa0, 1);
    a.add_container(
        &ContainerConfig::new(&later, "a-later"),
        &ContainerState::default(),
    )
    .unwrap();
    // Seen from another process while `a` is still open.
    let st = spawn_child(
        "two_states_in_one_process_survive_another_process",
        &format!("check:{first}+{child}+{later},{}", path.display()),
        Stdio::null(),
    )
    .wait()
    .unwrap();
    assert!(
        st.success(),
        "a write of this process is invisible to others: {st}"
    );
    a.close().unwrap();
}
