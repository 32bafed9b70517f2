//! Restart policies through the real `lpod` binary, real crun under real conmon, no
//! systemd and no lpod daemon: conmon's exit command (`lpod container cleanup ID`) is
//! what restarts a container, long after the lpod that started it exited.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Lpod;

/// The container's current init pid as conmon wrote it, read without running lpod.
fn pidfile_pid(l: &Lpod, id: &str) -> Option<i32> {
    let f: PathBuf = l.runroot.join("persist").join(id).join("pidfile");
    std::fs::read_to_string(f).ok()?.trim().parse().ok()
}

fn kill9(pid: i32) {
    assert!(pid > 0, "no pid to kill");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill -9 the container's process");
}

/// `run -d` with a restart policy; returns the full id.
fn run_with_policy(l: &Lpod, name: &str, policy: &str, cmd: &[&str]) -> String {
    let mut args = vec![
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "--restart",
        policy,
        &l.image,
    ];
    args.extend_from_slice(cmd);
    l.ok_trim(&args)
}

/// Waits until every exit command of this world finished (conmon waits for its exit
/// command, so: no conmon of ours and no lpod process of ours left).
fn wait_exit_handling_done(l: &Lpod) {
    l.wait_for("the exit command to finish", || {
        (l.conmons().is_empty() && l.lpod_processes().is_empty()).then_some(())
    });
}

#[test]
fn on_failure_2_restarts_a_failing_command_twice_then_leaves_it_exited() {
    let Some(l) = Lpod::with_image() else { return };
    run_with_policy(&l, "flaky", "on-failure:2", &["sh", "-c", "exit 1"]);
    l.wait_for("two restarts and the final exit", || {
        (l.inspect("flaky", "{{.RestartCount}} {{.State.Status}}") == "2 exited").then_some(())
    });
    wait_exit_handling_done(&l);
    assert_eq!(
        l.inspect(
            "flaky",
            "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.State.Restarting}}"
        ),
        "2 exited 1 false"
    );
    // A success is never restarted by on-failure.
    run_with_policy(&l, "fine", "on-failure", &["true"]);
    l.wait_for("fine to exit", || {
        (l.inspect("fine", "{{.State.Status}}") == "exited").then_some(())
    });
    wait_exit_handling_done(&l);
    assert_eq!(l.inspect("fine", "{{.RestartCount}}"), "0");
    // The events tell each step: three deaths, two restarts by the policy.
    let ev = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=flaky",
        "--format",
        "{{.Status}}",
    ]);
    let count = |s: &str| ev.lines().filter(|l| *l == s).count();
    assert_eq!((count("died"), count("restart")), (3, 2), "{ev}");
}

#[test]
fn always_restarts_after_kill_9_with_no_lpod_process_left() {
    let Some(l) = Lpod::with_image() else { return };
    let id = run_with_policy(&l, "web", "always", &["sleep", "1000"]);
    let pid = l.wait_for("the first pid", || pidfile_pid(&l, &id));
    assert_eq!(l.inspect("web", "{{.State.Pid}}"), pid.to_string());
    // The lpod that started it is gone; only conmon watches the container now.
    assert!(l.lpod_processes().is_empty(), "{:?}", l.lpod_processes());
    kill9(pid);
    // Observed without running lpod: conmon's exit command restarted it.
    let again = l.wait_for("a new process of the container", || {
        pidfile_pid(&l, &id).filter(|p| *p != pid && !common::pid_gone(*p))
    });
    l.wait_for("the restart to be recorded", || {
        (l.inspect("web", "{{.State.Status}} {{.State.Pid}} {{.RestartCount}}")
            == format!("running {again} 1"))
        .then_some(())
    });
    l.ok(&["rm", "-f", "-t", "0", "web"]);
    wait_exit_handling_done(&l);
}

#[test]
fn a_user_stop_or_kill_is_not_restarted_and_unless_stopped_honours_any_kill() {
    let Some(l) = Lpod::with_image() else { return };
    run_with_policy(&l, "a", "always", &["sleep", "1000"]);
    l.ok(&["stop", "-t", "0", "a"]);
    wait_exit_handling_done(&l);
    assert_eq!(
        l.inspect(
            "a",
            "{{.State.Status}} {{.RestartCount}} {{.State.Restarting}}"
        ),
        "exited 0 false"
    );
    // kill (SIGKILL) by the user is a stop too, as in Docker.
    l.ok(&["start", "a"]);
    l.ok(&["kill", "a"]);
    wait_exit_handling_done(&l);
    assert_eq!(
        l.inspect("a", "{{.State.Status}} {{.RestartCount}}"),
        "exited 0"
    );
    // Another signal: `always` restarts, `unless-stopped` does not (Docker's rules).
    // The container's pid 1 only dies of a signal it handles: a shell trap, set up
    // before it says so.
    let trapper = [
        "sh",
        "-c",
        "trap 'exit 5' USR1; echo ready; while true; do sleep 0.1; done",
    ];
    run_with_policy(&l, "t", "always", &trapper);
    run_with_policy(&l, "u", "unless-stopped", &trapper);
    for c in ["t", "u"] {
        l.wait_for("the trap", || {
            l.ok(&["logs", c]).contains("ready").then_some(())
        });
        l.ok(&["kill", "-s", "USR1", c]);
    }
    l.wait_for("t to be restarted", || {
        (l.inspect("t", "{{.State.Status}} {{.RestartCount}}") == "running 1").then_some(())
    });
    l.wait_for("u to exit", || {
        (l.inspect("u", "{{.State.Status}}") == "exited").then_some(())
    });
    l.ok(&["rm", "-f", "-t", "0", "t"]);
    wait_exit_handling_done(&l);
    assert_eq!(
        l.inspect(
            "u",
            "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}"
        ),
        "exited 5 0"
    );
}

#[test]
fn a_crash_loop_backs_off_and_rm_ends_the_waiting_process() {
    let Some(l) = Lpod::with_image() else { return };
    let t0 = Instant::now();
    run_with_policy(&l, "loop", "always", &["sh", "-c", "exit 3"]);
    // At least one restart happens...
    l.wait_for("a first restart", || {
        (l.inspect("loop", "{{.RestartCount}}") != "0").then_some(())
    });
    // ...but the waits double (100 ms, 200 ms, 400 ms, ...): whatever the machine's
    // speed, no more than 5 restarts fit in the first 4 s (their waits alone add up to
    // 3.1 s, a 6th needs 6.3 s), where an unbounded loop restarts as fast as crun starts.
    // A slow machine only restarts fewer times: an upper bound, not a timing threshold.
    let window = Duration::from_secs(4);
    std::thread::sleep(window.saturating_sub(t0.elapsed()));
    let n: u32 = l
        .inspect("loop", "{{.RestartCount}}")
        .parse()
        .expect("a count");
    assert!((1..=5).contains(&n), "{n} restarts in the first 4 s");
    // It keeps waiting and restarting: a pending restart is visible in inspect.
    l.wait_for("a pending restart", || {
        (l.inspect("loop", "{{.State.Restarting}}") == "true").then_some(())
    });
    // Removal cancels the pending restart and ends the process waiting for it.
    l.ok(&["rm", "-fa", "-t", "0"]);
    wait_exit_handling_done(&l);
    assert!(l.ps_all().is_empty());
    assert!(l.mounts().is_empty(), "{:?}", l.mounts());
    let check = l.run(&["system", "check"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn rm_fa_leaves_no_waiting_process_behind() {
    let Some(l) = Lpod::with_image() else { return };
    for i in 0..3 {
        run_with_policy(&l, &format!("c{i}"), "always", &["sh", "-c", "exit 1"]);
    }
    // Every one is waiting out a backoff (in its exit command's process) at some point.
    l.wait_for("three pending restarts at once", || {
        let waiting = (0..3)
            .filter(|i| l.inspect(&format!("c{i}"), "{{.State.Restarting}}") == "true")
            .count();
        (waiting == 3 && !l.lpod_processes().is_empty()).then_some(())
    });
    l.ok(&["rm", "-fa", "-t", "0"]);
    wait_exit_handling_done(&l);
    assert!(l.ps_all().is_empty());
}

#[test]
fn a_pod_member_is_restarted_too() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["pod", "create", "--name", "p", "--network", "none"]);
    let id = l
        .ok(&[
            "run",
            "-d",
            "--pod",
            "p",
            "--name",
            "m",
            "--restart",
            "always",
            &l.image,
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    let pid = l.wait_for("the member's pid", || pidfile_pid(&l, &id));
    kill9(pid);
    l.wait_for("the member to run again", || {
        (l.inspect("m", "{{.State.Status}} {{.RestartCount}}") == "running 1").then_some(())
    });
    l.ok(&["pod", "rm", "-f", "p"]);
    wait_exit_handling_done(&l);
}

#[test]
fn system_boot_without_a_reboot_starts_nothing() {
    let Some(l) = Lpod::with_image() else { return };
    run_with_policy(&l, "a", "always", &["sleep", "1000"]);
    l.ok(&["stop", "-t", "0", "a"]);
    assert_eq!(l.ok(&["system", "boot"]), "");
    assert_eq!(l.inspect("a", "{{.State.Status}}"), "exited");
    // Podman's way to start them by hand.
    assert!(l
        .ok(&["start", "--all", "--filter", "restart-policy=always"])
        .contains(&l.inspect("a", "{{.Id}}")));
    assert_eq!(l.inspect("a", "{{.State.Status}}"), "running");
    l.ok(&["rm", "-f", "-t", "0", "a"]);
    wait_exit_handling_done(&l);
}
