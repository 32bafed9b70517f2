//! The second test set through a client library: docker-py (the Docker SDK
//! for Python, installed by `cargo xtask setup`) against `lpod system service`, with
//! real containers under crun and conmon: ping/version, images.list, a detached run
//! with logs, exec_run's exit code, stop, wait and remove, a network created and
//! removed, and events since a time.

mod common;
use common::*;

use std::process::Command;

/// Whether python3 can import docker-py.
fn docker_py_present() -> bool {
    Command::new("python3")
        .args(["-c", "import docker"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn docker_py_ping_images_run_logs_exec_stop_wait_remove_network_events() {
    if !require(
        docker_py_present(),
        "docker-py (python3 -m pip install docker; cargo xtask setup does it)",
    ) {
        return;
    }
    let Some(w) = World::start("") else { return };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/docker_py.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .arg(&w.socket)
        .arg(&w.image)
        .env_remove("DOCKER_HOST");
    let out = run_bounded(cmd, None, "docker_py.py");
    assert_eq!((out.code, out.stdout.trim()), (0, "ok"), "{out:?}");
    assert!(pid_live(w.service_pid()), "the service died");
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}
