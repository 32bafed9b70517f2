//! Host device nodes given to a container (`--device`, `--privileged`): what the runtime
//! creates in the container's /dev and allows in its device cgroup.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Errors describing a device.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The host path cannot be examined (usually: it does not exist).
    #[error("device {path}: {source}")]
    Stat {
        /// The host path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The host path is no character or block device.
    #[error("{path} is not a device node (need a character or block device)")]
    NotADevice {
        /// The host path.
        path: PathBuf,
    },
    /// The container path is not absolute.
    #[error("device path {path} in the container must be absolute")]
    RelativePath {
        /// The container path.
        path: PathBuf,
    },
    /// The cgroup permissions are not a combination of r, w and m.
    #[error("invalid device permissions {access:?} for {path} (use a combination of r, w, m)")]
    Access {
        /// The host path.
        path: PathBuf,
        /// The permissions as given.
        access: String,
    },
}

/// Kind of a device node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DeviceKind {
    /// Character device.
    Char,
    /// Block device.
    Block,
}

/// A device node in the container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceInput {
    /// Path in the container.
    pub path: PathBuf,
    /// Kind.
    pub kind: DeviceKind,
    /// Major number.
    pub major: i64,
    /// Minor number.
    pub minor: i64,
    /// Permission bits of the node.
    pub file_mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device cgroup access (`rwm` or a subset).
    pub access: String,
}

/// Checks device cgroup permissions: a non-empty combination of `r`, `w` and `m`.
pub fn valid_access(access: &str) -> bool {
    !access.is_empty() && access.len() <= 3 && access.chars().all(|c| matches!(c, 'r' | 'w' | 'm'))
}

impl DeviceInput {
    /// Describes host device `host` (symlinks followed) to appear at `container` with
    /// cgroup `access`.
    pub fn from_host(host: &Path, container: &Path, access: &str) -> Result<Self, DeviceError> {
        if !container.is_absolute() {
            return Err(DeviceError::RelativePath {
                path: container.to_path_buf(),
            });
        }
        if !valid_access(access) {
            return Err(DeviceError::Access {
                path: host.to_path_buf(),
                access: access.to_string(),
            });
        }
        let md = std::fs::metadata(host).map_err(|source| DeviceError::Stat {
            path: host.to_path_buf(),
            source,
        })?;
        let ft = md.file_type();
        let kind = if ft.is_char_device() {
            DeviceKind::Char
        } else if ft.is_block_device() {
            DeviceKind::Block
        } else {
            return Err(DeviceError::NotADevice {
                path: host.to_path_buf(),
            });
        };
        let rdev = md.rdev();
        Ok(DeviceInput {
            path: container.to_path_buf(),
            kind,
            major: i64::from(libc::major(rdev)),
            minor: i64::from(libc::minor(rdev)),
            file_mode: md.mode() & 0o7777,
            uid: md.uid(),
            gid: md.gid(),
            access: access.to_string(),
        })
    }
}

/// Directories under /dev that a privileged container does not get from the host: they are
/// the container's own mounts (devpts, shm, mqueue) or host bookkeeping.
const SKIPPED_DEV_DIRS: &[&str] = &["pts", "shm", "mqueue", "fd", ".lxc", ".lxd-mounts", ".udev"];

/// Every character and block device node under `dev` (normally `/dev`), recursively, at
/// the same path in the container, `rwm`; symlinks, `console` and the container's own
/// mounts are skipped. Nodes that vanish while walking are skipped.
pub fn host_devices(dev: &Path) -> Vec<DeviceInput> {
    let mut out = Vec::new();
    walk(dev, dev, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<DeviceInput>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let path = e.path();
        if ft.is_dir() {
            let name = e.file_name();
            if dir == root && SKIPPED_DEV_DIRS.iter().any(|s| name == *s) {
                continue;
            }
            walk(root, &path, out);
        } else if (ft.is_char_device() || ft.is_block_device()) && path != root.join("console") {
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let dest = Path::new("/dev").join(rel);
            if let Ok(d) = DeviceInput::from_host(&path, &dest, "rwm") {
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_null_is_char_1_3() {
        let d =
            DeviceInput::from_host(Path::new("/dev/null"), Path::new("/dev/mynull"), "rw").unwrap();
        assert_eq!((d.kind, d.major, d.minor), (DeviceKind::Char, 1, 3));
        assert_eq!(d.path, Path::new("/dev/mynull"));
        assert_eq!(d.access, "rw");
    }

    #[test]
    fn bad_devices_name_the_path() {
        let e = DeviceInput::from_host(Path::new("/dev/nonexistent-x"), Path::new("/dev/x"), "rwm")
            .unwrap_err();
        assert!(e.to_string().contains("/dev/nonexistent-x"), "{e}");
        let e = DeviceInput::from_host(Path::new("/etc/hostname"), Path::new("/dev/x"), "rwm")
            .unwrap_err();
        assert!(matches!(e, DeviceError::NotADevice { .. }), "{e}");
        assert!(DeviceInput::from_host(Path::new("/dev/null"), Path::new("x"), "rwm").is_err());
        assert!(DeviceInput::from_host(Path::new("/dev/null"), Path::new("/x"), "rwx").is_err());
        assert!(valid_access("rwm") && valid_access("r") && !valid_access(""));
    }

    #[test]
    fn host_devices_include_null_not_pts() {
        let all = host_devices(Path::new("/dev"));
        assert!(all.iter().any(|d| d.path == Path::new("/dev/null")));
        assert!(!all.iter().any(|d| d.path.starts_with("/dev/pts")));
    }
}
