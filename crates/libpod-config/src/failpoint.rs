//! Failpoints of libpod-core's verbs: named steps at which a process can be made to die
//! as if killed with `kill -9`, so that tests can prove every multi-step operation recovers.
//!
//! The mechanism is [`libpod_failpoint`]: set `LPOD_FAILPOINT=<name>` in a process's
//! environment and it dies with `SIGKILL` when it reaches [`hit`] with that name. This module
//! lists core's names, so that a test can walk all of them and fail when one is never reached
//! (libpod-storage lists its own in `libpod_storage::failpoint`).
//!
//! ```
//! // Nothing happens unless LPOD_FAILPOINT names this step.
//! libpod_config::failpoint::hit("container.create.after_storage");
//! assert!(libpod_config::failpoint::all().contains(&"container.create.after_storage"));
//! ```

pub use libpod_failpoint::{armed_name, scrub, take_from_env, ENV, STOP_SUFFIX};

/// Failpoints inside libpod-core's container and pod verbs.
pub const CORE: &[&str] = &[
    // container create (rolled back)
    "container.create.after_storage",
    "container.create.after_state",
    // container init (rolled back)
    "container.init.after_mount",
    "container.init.after_network",
    "container.init.after_runtime_create",
    "container.init.after_state",
    // container start (rolled back)
    "container.start.after_start",
    // container stop (rolled forward)
    "container.stop.after_kill",
    "container.stop.after_wait",
    // teardown shared by cleanup, stop and rm (rolled forward)
    "container.cleanup.after_runtime_delete",
    "container.cleanup.after_network",
    "container.cleanup.after_unmount",
    // container rm (rolled forward)
    "container.remove.after_kill",
    "container.remove.after_storage_delete",
    "container.remove.after_state",
    // pod create (rolled back) and pod rm (rolled forward)
    "pod.create.after_state",
    "pod.create.after_infra",
    "pod.remove.after_containers",
    "pod.remove.after_detach",
    "pod.remove.after_infra",
    "pod.remove.after_state",
    // healthchecks: the monitor spawned by start (it registers itself, so a start
    // killed right after the spawn leaves no unrecorded monitor behind), and a
    // `healthcheck run` killed before it recorded its result
    "container.health.after_monitor_spawn",
    "container.health.before_record",
    // volume create (rolled back) and remove (rolled forward); a volume's own
    // filesystem mounted for a container being initialised (its init rolls back)
    "volume.create.after_dir",
    "volume.create.after_state",
    "volume.remove.after_dir",
    "volume.remove.after_state",
    "volume.mount.after_mount",
    // recovery itself (a crash while recovering is recovered next time)
    "recovery.container.before_undo",
    "recovery.container.after_undo",
    "recovery.pod.before_undo",
    "recovery.volume.before_undo",
];

/// Every failpoint name of libpod-core.
pub fn all() -> Vec<&'static str> {
    CORE.to_vec()
}

/// Reach the failpoint `name`: if `LPOD_FAILPOINT` names it, die now with `SIGKILL`.
///
/// In debug builds a name missing from [`CORE`] panics, so the list stays complete.
pub fn hit(name: &str) {
    libpod_failpoint::debug_check_listed(CORE, "libpod_config::failpoint::CORE", name);
    libpod_failpoint::hit(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let all = all();
        let mut seen = std::collections::HashSet::new();
        for n in &all {
            assert!(seen.insert(*n), "duplicate failpoint {n}");
            assert!(
                n.split('.').count() >= 3,
                "failpoint {n} should be object.verb.step"
            );
        }
    }
}
