//! Failpoints: named steps at which a process can be made to die as if killed with
//! `kill -9`, so that tests can prove every multi-step operation recovers.
//!
//! Set `LPOD_FAILPOINT=<name>` in a process's environment; when that process reaches
//! [`hit`] with the same name it prints one line on stderr and sends itself `SIGKILL`
//! (no destructors, no unwinding, no flushing: the same as an outside `kill -9`).
//! Without the variable [`hit`] costs one cached environment lookup.
//!
//! `LPOD_FAILPOINT=<name>@stop` pauses instead: the process stops itself with `SIGSTOP`
//! at the failpoint and carries on when sent `SIGCONT`. Tests use it to hold a real
//! operation in the middle (e.g. a create between its storage and its database row)
//! while they race another command against it, without sleeping.
//!
//! Child processes must not inherit the variable (conmon would pass it on to the exit
//! command, a CNI plugin or hook could be another lpod): every place that spawns one
//! calls [`scrub`] on its `Command`.
//!
//! This crate holds only the mechanism and depends on no other lpod crate. Each layer that
//! has failpoints lists its own names (`libpod_storage::failpoint::STORAGE`,
//! `libpod_config::failpoint::CORE`) so that a test can walk all of them and fail when one is
//! never reached.
//!
//! ```
//! // Nothing happens unless LPOD_FAILPOINT names this step.
//! libpod_failpoint::hit("example.step.after_write");
//! assert_eq!(libpod_failpoint::ENV, "LPOD_FAILPOINT");
//! ```
#![deny(missing_docs)]

use std::sync::OnceLock;

/// The environment variable that arms one failpoint.
pub const ENV: &str = "LPOD_FAILPOINT";

/// The suffix of `LPOD_FAILPOINT` that pauses the process instead of killing it.
pub const STOP_SUFFIX: &str = "@stop";

/// What an armed failpoint does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Die with `SIGKILL` (the default).
    Kill,
    /// Stop with `SIGSTOP`, continue on `SIGCONT` (`NAME@stop`).
    Stop,
}

fn armed() -> Option<&'static (String, Action)> {
    static ARMED: OnceLock<Option<(String, Action)>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let v = std::env::var(ENV).ok().filter(|s| !s.is_empty())?;
            Some(match v.strip_suffix(STOP_SUFFIX) {
                Some(name) => (name.to_string(), Action::Stop),
                None => (v, Action::Kill),
            })
        })
        .as_ref()
}

/// The failpoint this process was asked to die (or stop) at, if any (read once per process).
pub fn armed_name() -> Option<&'static str> {
    armed().map(|(n, _)| n.as_str())
}

/// Reads the armed failpoint (kept for this process) and removes `LPOD_FAILPOINT` from
/// this process's environment, so that no child can inherit it, whichever way it is
/// spawned. Call it first thing in `main`, before any thread starts (changing the
/// environment while another thread reads it is a data race in libc).
pub fn take_from_env() {
    let _ = armed();
    std::env::remove_var(ENV);
}

/// Removes `LPOD_FAILPOINT` from the environment a child process gets: an armed
/// failpoint is for this process only.
pub fn scrub(cmd: &mut std::process::Command) -> &mut std::process::Command {
    cmd.env_remove(ENV)
}

/// Reach the failpoint `name`: if `LPOD_FAILPOINT` names it, die now with `SIGKILL`
/// (or, armed as `NAME@stop`, stop until continued).
///
/// Layers wrap this with a check that `name` is in their list, so the lists stay complete.
pub fn hit(name: &str) {
    let Some((armed, action)) = armed() else {
        return;
    };
    if armed != name {
        return;
    }
    match action {
        Action::Stop => {
            eprintln!(
                "lpod: failpoint {name} reached, stopping this process (pid {})",
                std::process::id()
            );
            // SAFETY: getpid and kill have no memory-safety preconditions; SIGSTOP stops
            // this process until a SIGCONT, after which it simply carries on.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGSTOP);
            }
        }
        Action::Kill => {
            eprintln!(
                "lpod: failpoint {name} reached, killing this process (pid {})",
                std::process::id()
            );
            // SAFETY: getpid and kill have no memory-safety preconditions; SIGKILL ends
            // this process at once, which is exactly the intent.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            // SIGKILL to ourselves is not ignorable; this is never reached.
            std::process::abort();
        }
    }
}

/// Debug builds: panics when `name` is not in `list` (the layer's list of its failpoints).
pub fn debug_check_listed(list: &[&str], layer: &str, name: &str) {
    debug_assert!(
        list.contains(&name),
        "failpoint {name:?} is not listed in {layer}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_name_passes_the_check() {
        debug_check_listed(&["a.b.c"], "test", "a.b.c");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not listed in test")]
    fn an_unlisted_name_panics_in_debug_builds() {
        debug_check_listed(&["a.b.c"], "test", "x.y.z");
    }

    #[test]
    fn a_process_armed_at_a_name_dies_there_and_only_there() {
        // Re-run this test binary as a child armed at one name: it must survive an
        // unarmed hit and die by SIGKILL at the armed one.
        if std::env::var_os("LPOD_FAILPOINT_CHILD").is_some() {
            hit("child.other");
            eprintln!("survived other");
            hit("child.armed");
            eprintln!("survived armed");
            return;
        }
        let exe = std::env::current_exe().expect("test binary path");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "tests::a_process_armed_at_a_name_dies_there_and_only_there",
                "--nocapture",
            ])
            .env("LPOD_FAILPOINT_CHILD", "1")
            .env(ENV, "child.armed")
            .output()
            .expect("spawn child");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("survived other"), "{err}");
        assert!(!err.contains("survived armed"), "{err}");
        assert!(err.contains("failpoint child.armed reached"), "{err}");
    }

    #[test]
    fn scrub_removes_the_variable_from_a_child() {
        let mut cmd = std::process::Command::new("env");
        cmd.env(ENV, "x.y.z");
        scrub(&mut cmd);
        let removed = cmd
            .get_envs()
            .any(|(k, v)| k == std::ffi::OsStr::new(ENV) && v.is_none());
        assert!(removed, "{cmd:?}");
        let out = cmd.output().expect("run env");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(ENV));
    }

    #[test]
    fn a_process_armed_to_stop_stops_and_continues() {
        if std::env::var_os("LPOD_FAILPOINT_CHILD").is_some() {
            hit("child.armed");
            eprintln!("continued");
            return;
        }
        let exe = std::env::current_exe().expect("test binary path");
        let child = std::process::Command::new(exe)
            .args([
                "--exact",
                "tests::a_process_armed_to_stop_stops_and_continues",
                "--nocapture",
            ])
            .env("LPOD_FAILPOINT_CHILD", "1")
            .env(ENV, format!("child.armed{STOP_SUFFIX}"))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn child");
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
        assert_eq!(r, pid);
        assert!(libc::WIFSTOPPED(status), "status {status:#x}");
        // SAFETY: kill on our own child's pid.
        unsafe {
            libc::kill(pid, libc::SIGCONT);
        }
        let out = child.wait_with_output().expect("child output");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{out:?}");
        assert!(
            err.contains("failpoint child.armed reached, stopping"),
            "{err}"
        );
        assert!(err.contains("continued"), "{err}");
    }
}
