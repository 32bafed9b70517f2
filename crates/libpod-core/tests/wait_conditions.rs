//! System tests of Podman's `wait` semantics and of a zero stop timeout: real crun
//! under real conmon, own temp roots.

mod common;

use std::time::{Duration, Instant};

use libpod_config::ContainerStatus;

#[test]
fn wait_stopped_answers_at_once_for_a_container_that_never_ran() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    let t0 = Instant::now();
    assert_eq!(c.wait_stopped().unwrap(), 0);
    assert_eq!(env.rt.wait_container(c.id()).unwrap(), 0);
    c.init().unwrap();
    assert_eq!(c.wait_stopped().unwrap(), 0);
    assert!(t0.elapsed() < Duration::from_secs(10));
    c.remove(true).unwrap();
}

#[test]
fn wait_for_status_sees_running_then_exited_and_zero_timeout_kills_at_once() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    let waiter = {
        let c = c.clone();
        std::thread::spawn(move || c.wait_for_status(&[ContainerStatus::Running]))
    };
    c.start().unwrap();
    // Not exited yet: Podman's -1.
    assert_eq!(waiter.join().unwrap().unwrap(), -1);
    let t0 = Instant::now();
    // sleep ignores SIGTERM as pid 1: a zero timeout must not wait for it at all.
    c.stop(Some(Duration::ZERO)).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(c.wait_for_status(&[ContainerStatus::Exited]).unwrap(), 137);
    // `stopped` means exited too.
    assert_eq!(c.wait_for_status(&[ContainerStatus::Stopped]).unwrap(), 137);
    c.remove(false).unwrap();
}
