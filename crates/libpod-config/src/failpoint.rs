//! Failpoints: named steps at which a process can be made to die as if killed with
//! `kill -9`, so that tests can prove every multi-step operation recovers.
//!
//! Set `LPOD_FAILPOINT=<name>` in a process's environment; when that process reaches
//! [`hit`] with the same name it prints one line on stderr and sends itself `SIGKILL`
//! (no destructors, no unwinding, no flushing: the same as an outside `kill -9`).
//! Without the variable [`hit`] costs one cached environment lookup.
//!
//! Every name is listed here, per layer, so that a test can walk all of them and fail
//! when one is never reached.
//!
//! ```
//! // Nothing happens unless LPOD_FAILPOINT names this step.
//! libpod_config::failpoint::hit("container.create.after_storage");
//! assert!(libpod_config::failpoint::all().contains(&"container.create.after_storage"));
//! ```

use std::sync::OnceLock;

/// The environment variable that arms one failpoint.
pub const ENV: &str = "LPOD_FAILPOINT";

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
    // recovery itself (a crash while recovering is recovered next time)
    "recovery.container.before_undo",
    "recovery.container.after_undo",
    "recovery.pod.before_undo",
];

/// Failpoints inside libpod-storage.
pub const STORAGE: &[&str] = &[
    // image import (load, import_rootfs, any commit_images caller)
    "storage.import.after_unpack",
    "storage.import.after_extract",
    "storage.import.after_blob",
    "storage.import.after_layer_rename",
    "storage.import.before_layers_json",
    "storage.import.after_layers_json",
    "storage.import.after_configs",
    "storage.import.after_images_json",
    // container root filesystem create / delete
    "storage.create_container.after_layer_dir",
    "storage.create_container.after_layers_json",
    "storage.create_container.after_containers_json",
    "storage.delete_container.after_unmount",
    "storage.delete_container.after_containers_json",
    "storage.delete_container.after_layer_files",
    "storage.delete_container.after_layers_json",
    // mount / unmount
    "storage.mount.after_mount",
    "storage.mount.after_mounts_json",
    "storage.unmount.after_unmount",
    "storage.unmount.after_mounts_json",
    // image remove and gc
    "storage.remove_image.after_images_json",
    "storage.remove_image.after_config_dir",
    "storage.gc.after_layers_json",
    "storage.gc.after_layer_files",
];

/// Every failpoint name, all layers together.
pub fn all() -> Vec<&'static str> {
    CORE.iter().chain(STORAGE.iter()).copied().collect()
}

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENV).ok().filter(|s| !s.is_empty()))
        .as_deref()
}

/// The failpoint this process was asked to die at, if any.
pub fn armed_name() -> Option<&'static str> {
    armed()
}

/// Reach the failpoint `name`: if `LPOD_FAILPOINT` names it, die now with `SIGKILL`.
///
/// In debug builds a name missing from [`all`] panics, so the list stays complete.
pub fn hit(name: &str) {
    debug_assert!(
        all().contains(&name),
        "failpoint {name:?} is not listed in libpod_config::failpoint"
    );
    if armed() == Some(name) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let all = all();
        let mut seen = std::collections::HashSet::new();
        for n in &all {
            assert!(seen.insert(*n), "duplicate failpoint {n}");
            assert!(n.contains('.'), "failpoint {n} should be layer.verb.step");
        }
    }

    #[test]
    fn unarmed_hit_returns() {
        // The test process does not set LPOD_FAILPOINT to this name.
        hit("container.create.after_state");
    }
}
