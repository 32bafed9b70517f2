//! `Runtime::boot` (what `lpod system boot` runs) after a simulated reboot: the boot
//! id changes, the processes of the old boot are gone, and the containers that ran
//! under an `always` or `unless-stopped` policy (and that the user did not stop) are
//! started again; nothing else is. Real crun under real conmon.

mod common;

use libpod_config::{ContainerStatus, RestartPolicy};
use libpod_core::Container;

fn with_policy(env: &common::Env, policy: RestartPolicy) -> Container {
    let mut o = env.opts(&["sleep", "1000"]);
    o.restart_policy = Some(policy);
    env.rt.create_container(o).unwrap()
}

#[test]
fn boot_after_a_reboot_starts_what_ran_under_always_and_unless_stopped() {
    let Some(env) = common::env() else { return };
    let always = with_policy(&env, RestartPolicy::Always);
    let unless = with_policy(&env, RestartPolicy::UnlessStopped);
    let stopped = with_policy(&env, RestartPolicy::Always);
    let on_failure = with_policy(&env, RestartPolicy::OnFailure(0));
    let plain = with_policy(&env, RestartPolicy::No);
    let never_ran = with_policy(&env, RestartPolicy::Always);
    for c in [&always, &unless, &stopped, &on_failure, &plain] {
        c.start().unwrap();
    }
    stopped.stop(Some(std::time::Duration::ZERO)).unwrap();
    let rt2 = env.power_cut(&[&always, &unless, &on_failure, &plain]);
    let status = |c: &Container| rt2.container(c.id()).unwrap().status().unwrap();
    assert_eq!(status(&always), ContainerStatus::Exited);
    let out = rt2.boot().unwrap();
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    let mut want = vec![always.id().to_string(), unless.id().to_string()];
    let mut got = out.started.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(status(&always), ContainerStatus::Running);
    assert_eq!(status(&unless), ContainerStatus::Running);
    assert_eq!(status(&stopped), ContainerStatus::Exited);
    assert_eq!(status(&on_failure), ContainerStatus::Exited);
    assert_eq!(status(&plain), ContainerStatus::Exited);
    assert_eq!(status(&never_ran), ContainerStatus::Configured);
    // Idempotent: the mark went with the start.
    assert!(rt2.boot().unwrap().started.is_empty());
    for c in [&always, &unless] {
        rt2.container(c.id()).unwrap().remove(true).unwrap();
    }
    rt2.shutdown(false).unwrap();
}
