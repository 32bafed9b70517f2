//! Failpoints: named steps at which a process can be made to die as if killed with
//! `kill -9`, so that tests can prove every multi-step operation recovers.
//!
//! Set `LPOD_FAILPOINT=<name>` in a process's environment; when that process reaches
//! [`hit`] with the same name it prints one line on stderr and sends itself `SIGKILL`
//! (no destructors, no unwinding, no flushing: the same as an outside `kill -9`).
//! Without the variable [`hit`] costs one cached environment lookup.
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

/// The failpoint this process was asked to die at, if any (read once per process).
pub fn armed_name() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENV).ok().filter(|s| !s.is_empty()))
        .as_deref()
}

/// Reach the failpoint `name`: if `LPOD_FAILPOINT` names it, die now with `SIGKILL`.
///
/// Layers wrap this with a check that `name` is in their list, so the lists stay complete.
pub fn hit(name: &str) {
    if armed_name() == Some(name) {
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
}
