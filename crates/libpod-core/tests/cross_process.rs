//! Two runtimes in different processes over the same root: the test binary
//! re-executes itself (`child_role_entry`) with a role in its environment or,
//! for conmon's exit command, in its arguments.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libpod_config::ContainerStatus;
use libpod_core::Error;

const ROLE: &str = "LPOD_CORE_TEST_ROLE";
const DIR: &str = "LPOD_CORE_TEST_DIR";

fn child(role: &str, dir: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "child_role_entry",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(ROLE, role)
    .env(DIR, dir);
    c
}

fn run_child(role: &str, dir: &Path) -> String {
    let out = child(role, dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {role} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Not a test of its own: the entry point of the child processes, which run it with
/// `--ignored` (ignored in an ordinary run; run without a role it fails).
#[test]
#[ignore = "the child-process entry point of the cross-process tests"]
fn child_role_entry() {
    let args: Vec<String> = std::env::args().collect();
    // conmon's exit command: `... lpod-dir=DIR container cleanup ID`
    if let Some(pos) = args.iter().position(|a| a == "cleanup") {
        let dir = args
            .iter()
            .find_map(|a| a.strip_prefix("lpod-dir="))
            .expect("lpod-dir= argument");
        let id = &args[pos + 1];
        let log = Path::new(dir).join("cleanup.log");
        let result = common::builder(Path::new(dir), "crun").build().map(|rt| {
            let before = rt
                .container(id)
                .and_then(|c| Ok((c.config()?.auto_remove, c.status()?)));
            let r = rt.cleanup_container(id);
            let after = rt.container(id).and_then(|c| c.status());
            let all: Vec<String> = rt
                .list_containers()
                .map(|v| {
                    v.into_iter()
                        .map(|s| format!("{}:{}", &s.id[..12], s.state))
                        .collect()
                })
                .unwrap_or_default();
            (before, r, after, all)
        });
        let line = format!("{id}: {result:?}\n");
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
        result.unwrap().1.unwrap();
        return;
    }
    let role = std::env::var(ROLE)
        .unwrap_or_else(|_| panic!("child_role_entry runs only as a child: {ROLE} is not set"));
    let dir = PathBuf::from(std::env::var(DIR).unwrap());
    let rt = common::builder(&dir, "crun").build().unwrap();
    match role.as_str() {
        "exec-stop" => {
            let c = rt.container("xproc").unwrap();
            assert_eq!(c.status().unwrap(), ContainerStatus::Running);
            let (code, out, _) = c.exec_output(&["echo", "from-child"]).unwrap();
            assert_eq!(code, 0);
            print!("EXEC:{}", String::from_utf8_lossy(&out));
            c.stop(Some(Duration::from_millis(300))).unwrap();
        }
        "list" => {
            for s in rt.list_containers().unwrap() {
                print!("ID:{} ", s.id);
            }
        }
        "run-rm" => {
            let mut o = libpod_core::CreateOptions {
                image: "busybox".into(),
                command: Some(vec!["sh".into(), "-c".into(), "exit 9".into()]),
                ..Default::default()
            };
            o.remove = true;
            let c = rt.create_container(o).unwrap();
            c.start().unwrap();
            let code = c.wait().unwrap();
            match c.remove(false) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => panic!("rm: {e}"),
            }
            print!("CODE:{code}");
        }
        other => panic!("unknown role {other}"),
    }
    rt.shutdown(false).unwrap();
}

#[test]
fn another_process_sees_execs_and_stops_our_container() {
    let Some(env) = common::env() else { return };
    let mut o = env.opts(&["sleep", "1000"]);
    o.name = Some("xproc".into());
    let c = env.rt.create_container(o).unwrap();
    c.start().unwrap();
    let out = run_child("exec-stop", env.dir.path());
    assert!(out.contains("EXEC:from-child"), "{out}");
    assert_eq!(c.status().unwrap(), ContainerStatus::Exited);
    assert_eq!(c.inspect().unwrap().state.exit_code, 137);
    c.remove(false).unwrap();
}

#[test]
fn concurrent_run_rm_from_processes() {
    let Some(env) = common::env() else { return };
    let children: Vec<_> = (0..4)
        .map(|_| {
            child("run-rm", env.dir.path())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for ch in children {
        let out = ch.wait_with_output().unwrap();
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && s.contains("CODE:9"), "{s}");
    }
    assert!(env.rt.list_containers().unwrap().is_empty());
    assert!(env
        .rt
        .store()
        .unwrap()
        .list_containers()
        .unwrap()
        .is_empty());
}

#[test]
fn exit_command_cleans_up_and_removes_rm_containers() {
    let Some(env) = common::env() else { return };
    // One runtime per process here: libpod-state's SqliteState open reads the db
    // header through a second fd, and closing it drops this process's POSIX locks
    // on state.db, so another process's close then removes the WAL under an open
    // connection (writes vanish). Reported to the state helper.
    env.rt.shutdown(false).unwrap();
    let rt = common::builder(env.dir.path(), "crun")
        .exit_command(
            std::env::current_exe().unwrap(),
            vec![
                "--exact".into(),
                "child_role_entry".into(),
                "--ignored".into(),
                "--test-threads=1".into(),
                format!("lpod-dir={}", env.dir.path().display()),
            ],
        )
        .build()
        .unwrap();
    // Without --rm: the exit command cleans up (exited, rootfs unmounted).
    let kept = rt
        .create_container(env.opts(&["sh", "-c", "exit 6"]))
        .unwrap();
    kept.start().unwrap();
    assert_eq!(kept.wait().unwrap(), 6);
    // A liveness bound only: conmon's exit command may be slow on a loaded machine.
    let i = common::poll_until("the exit command to clean up", common::POLL_LIMIT, || {
        let i = kept.inspect().unwrap();
        (i.state.status == "exited").then_some(i)
    });
    assert!(i.rootfs.is_empty(), "{i:?}");
    // With --rm: the exit command removes it; wait still answers.
    let mut o = env.opts(&["sh", "-c", "exit 8"]);
    o.remove = true;
    let gone = rt.create_container(o).unwrap();
    let id = gone.id().to_string();
    let seen = run_child("list", env.dir.path());
    assert!(
        seen.contains(&id),
        "another process does not see {id}: {seen}"
    );
    gone.start().unwrap();
    assert_eq!(gone.wait().unwrap(), 8);
    let log = env.dir.path().join("cleanup.log");
    common::poll_until(
        &format!("the exit command to remove {id} (see {})", log.display()),
        common::POLL_LIMIT,
        || match rt.container(&id) {
            Err(Error::NoSuchContainer(_)) => Some(()),
            Err(e) => panic!("looking up {id}: {e}"),
            Ok(_) => None,
        },
    );
    assert_eq!(rt.wait_container(&id).unwrap(), 8);
    assert!(!rt.store().unwrap().container_exists(&id).unwrap());
    kept.remove(false).unwrap();
    rt.shutdown(false).unwrap();
}
