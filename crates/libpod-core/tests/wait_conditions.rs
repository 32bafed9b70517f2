//! System tests of Podman's `wait` semantics and of a zero stop timeout: real crun
//! under real conmon, own temp roots.

mod common;

use std::time::Duration;

use libpod_config::ContainerStatus;

#[test]
fn wait_stopped_answers_at_once_for_a_container_that_never_ran() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    // (A wait that blocked on `sleep 1000` would not return: no timing bound needed.)
    assert_eq!(c.wait_stopped().unwrap(), 0);
    assert_eq!(env.rt.wait_container(c.id()).unwrap(), 0);
    c.init().unwrap();
    assert_eq!(c.wait_stopped().unwrap(), 0);
    c.remove(true).unwrap();
}

#[test]
fn wait_for_status_sees_running_then_exited_and_zero_timeout_kills_at_once() {
    let Some(env) = common::env() else { return };
    // A shell that logs a SIGTERM and keeps running: a stop that sent SIGTERM first
    // leaves "got-term" in the log.
    let c = env
        .rt
        .create_container(env.opts(&[
            "sh",
            "-c",
            "trap 'echo got-term' TERM; echo ready; while :; do sleep 0.1; done",
        ]))
        .unwrap();
    let waiter = {
        let c = c.clone();
        std::thread::spawn(move || c.wait_for_status(&[ContainerStatus::Running]))
    };
    c.start().unwrap();
    // Not exited yet: Podman's -1.
    assert_eq!(waiter.join().unwrap().unwrap(), -1);
    common::wait_for_log(&c, "ready");
    common::wait_for_sigterm_trap(&c);
    // A zero timeout is SIGKILL at once: the TERM trap never runs.
    c.stop(Some(Duration::ZERO)).unwrap();
    let (out, _) = c.logs_bytes().unwrap();
    assert!(
        !String::from_utf8_lossy(&out).contains("got-term"),
        "a zero-timeout stop sent SIGTERM first"
    );
    assert_eq!(c.wait_for_status(&[ContainerStatus::Exited]).unwrap(), 137);
    // `stopped` means exited too.
    assert_eq!(c.wait_for_status(&[ContainerStatus::Stopped]).unwrap(), 137);
    c.remove(false).unwrap();
}
