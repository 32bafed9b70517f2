//! Failpoints of libpod-storage: named steps at which a test can make a process die as if
//! killed with `kill -9` (see [`libpod_failpoint`]), listed here so that the crash tests can
//! walk every one of them.
//!
//! ```
//! // Nothing happens unless LPOD_FAILPOINT names this step.
//! libpod_storage::failpoint::hit("storage.import.after_unpack");
//! assert!(libpod_storage::failpoint::STORAGE.contains(&"storage.gc.after_layer_files"));
//! ```

pub use libpod_failpoint::{armed_name, ENV};

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
    // manifest list create
    "storage.manifest_create.after_list_file",
    "storage.manifest_create.after_images_json",
];

/// Reach the failpoint `name`: if `LPOD_FAILPOINT` names it, die now with `SIGKILL`.
///
/// In debug builds a name missing from [`STORAGE`] panics, so the list stays complete.
pub fn hit(name: &str) {
    libpod_failpoint::debug_check_listed(STORAGE, "libpod_storage::failpoint::STORAGE", name);
    libpod_failpoint::hit(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for n in STORAGE {
            assert!(seen.insert(*n), "duplicate failpoint {n}");
            assert!(
                n.starts_with("storage."),
                "failpoint {n} should be storage.verb.step"
            );
        }
    }
}
