//! Storage drivers: where layer contents live and how a container root is mounted.
//!
//! - **overlay**: each layer's files in `overlay/<id>/diff`, a short link
//!   `overlay/l/<SHORT> -> ../<id>/diff` and `overlay/<id>/lower` listing the lower
//!   layers' short links (nearest first). Container roots are mounted with the new mount
//!   API (`fsopen`/`fsconfig`), one `lowerdir+` per layer, which has no option-length
//!   limit; kernels without `lowerdir+` fall back to one `lowerdir=` string built from the
//!   short links.
//! - **vfs**: each layer a full copy of the tree (`vfs/dir/<id>`); a container root is a
//!   copy of its image's top layer, "mounting" it just hands out the directory.

use rustix::fd::AsFd;
use rustix::mount::{
    fsconfig_create, fsconfig_set_string, fsmount, fsopen, move_mount, unmount, FsMountFlags,
    FsOpenFlags, MountAttrFlags, MoveMountFlags, UnmountFlags,
};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which driver a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriverKind {
    /// Kernel overlayfs: layers shared, container writes go to an upper dir.
    Overlay,
    /// Plain directories: every layer and container is a full copy.
    Vfs,
}

impl DriverKind {
    /// `overlay` or `vfs`.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverKind::Overlay => "overlay",
            DriverKind::Vfs => "vfs",
        }
    }
}

impl std::fmt::Display for DriverKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DriverKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "overlay" | "overlay2" => Ok(DriverKind::Overlay),
            "vfs" => Ok(DriverKind::Vfs),
            other => Err(format!("unknown storage driver {other:?}")),
        }
    }
}

/// How the overlay driver mounts a container's root (Podman's storage.conf
/// `mount_program`, and whether the kernel's overlayfs may be tried first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayOptions {
    /// Try the kernel's overlayfs (default). Off, or where the kernel refuses it (an
    /// unprivileged user namespace on an older kernel), the FUSE program is next.
    pub native: bool,
    /// The FUSE program to fall back on (or always use).
    pub mount_program: MountProgram,
}

impl Default for OverlayOptions {
    fn default() -> Self {
        OverlayOptions {
            native: true,
            mount_program: MountProgram::Auto,
        }
    }
}

/// Which FUSE overlay program the overlay driver may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountProgram {
    /// `fuse-overlayfs` from `PATH`, when the kernel's overlayfs cannot be used.
    Auto,
    /// None: without the kernel's overlayfs a new store falls back to vfs.
    Never,
    /// Always this program (Podman's `mount_program = PATH`).
    Always(PathBuf),
}

/// The FUSE overlay program's name, looked up in `PATH` (Debian package fuse-overlayfs).
pub const FUSE_OVERLAYFS: &str = "fuse-overlayfs";

/// `name` found in `PATH` (or `name` itself when it has a slash and exists).
pub fn find_program(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Path::new(name).is_file().then(|| PathBuf::from(name));
    }
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Errors from driver operations.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// An I/O error at a path.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The FUSE overlay program failed to mount.
    #[error("{program} could not mount an overlay at {target}: {msg}")]
    MountProgram {
        /// The program.
        program: PathBuf,
        /// The mount point.
        target: PathBuf,
        /// What it said (or why it could not run).
        msg: String,
    },
    /// Copying a layer tree failed.
    #[error("copying {from} to {to}: {msg}")]
    Copy {
        /// Source tree.
        from: PathBuf,
        /// Destination tree.
        to: PathBuf,
        /// What cp said.
        msg: String,
    },
}

pub(crate) fn io<'a>(
    op: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> DriverError + 'a {
    move |source| DriverError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// True when this process runs in a user namespace other than the initial one (rootless
/// lpod is uid 0 of the user's namespace): overlay then needs `userxattr` and keeps its
/// opaque markers in `user.overlay.*` (a `trusted.*` xattr needs the initial namespace's
/// CAP_SYS_ADMIN), and device nodes of layers cannot be created.
pub fn in_user_namespace() -> bool {
    static IN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IN.get_or_init(|| {
        std::fs::read_to_string("/proc/self/uid_map").is_ok_and(|m| {
            let f: Vec<&str> = m.split_whitespace().collect();
            // The initial namespace: one line `0 0 4294967295`.
            f != ["0", "0", "4294967295"]
        })
    })
}

/// The xattr overlay reads an opaque directory marker from: `trusted.overlay.opaque`,
/// or `user.overlay.opaque` in a user namespace (overlay mounted with `userxattr`).
pub fn opaque_xattr() -> &'static str {
    if in_user_namespace() {
        "user.overlay.opaque"
    } else {
        "trusted.overlay.opaque"
    }
}

/// Mounts an overlay at `target` with `lowers` (nearest first), `upper` and `work`.
pub(crate) fn mount_overlay(
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> Result<(), DriverError> {
    let err = io("mounting overlay at", target);
    let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC).map_err(|e| err(e.into()))?;
    let mut plus_ok = true;
    for l in lowers {
        if fsconfig_set_string(fs.as_fd(), "lowerdir+", l).is_err() {
            plus_ok = false;
            break;
        }
    }
    let fs = if plus_ok {
        fs
    } else {
        // Older kernel: one lowerdir string.
        let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)
            .map_err(|e| io("mounting overlay at", target)(e.into()))?;
        let joined = lowers
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(":");
        fsconfig_set_string(fs.as_fd(), "lowerdir", joined.as_str())
            .map_err(|e| io("overlay lowerdir for", target)(e.into()))?;
        fs
    };
    let set = |k: &str, v: &Path| {
        fsconfig_set_string(fs.as_fd(), k, v)
            .map_err(|e| io("overlay option for", target)(e.into()))
    };
    set("upperdir", upper)?;
    set("workdir", work)?;
    if in_user_namespace() {
        rustix::mount::fsconfig_set_flag(fs.as_fd(), "userxattr")
            .map_err(|e| io("overlay option userxattr for", target)(e.into()))?;
    }
    fsconfig_create(fs.as_fd()).map_err(|e| io("creating overlay for", target)(e.into()))?;
    let mnt = fsmount(
        fs.as_fd(),
        FsMountFlags::FSMOUNT_CLOEXEC,
        MountAttrFlags::empty(),
    )
    .map_err(|e| io("fsmount overlay for", target)(e.into()))?;
    move_mount(
        mnt.as_fd(),
        "",
        rustix::fs::CWD,
        target,
        MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
    )
    .map_err(|e| io("attaching overlay at", target)(e.into()))
}

/// Mounts an overlay at `target` through the FUSE program `program`
/// (fuse-overlayfs: `-o lowerdir=A:B,upperdir=U,workdir=W TARGET`; it stays running
/// until the mount is unmounted).
pub(crate) fn mount_fuse_overlay(
    program: &Path,
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> Result<(), DriverError> {
    let joined = lowers
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let opts = format!(
        "lowerdir={joined},upperdir={},workdir={}",
        upper.display(),
        work.display()
    );
    let err = |msg: String| DriverError::MountProgram {
        program: program.to_path_buf(),
        target: target.to_path_buf(),
        msg,
    };
    // Its daemon must not hold our output pipes open.
    let out = libpod_failpoint::scrub(&mut Command::new(program))
        .arg("-o")
        .arg(&opts)
        .arg(target)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| err(e.to_string()))?;
    if !out.status.success() {
        return Err(err(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Mounts a read-only overlay of `lowers` (nearest first, at least two) at `target`.
pub(crate) fn mount_overlay_ro(lowers: &[PathBuf], target: &Path) -> Result<(), DriverError> {
    let joined = lowers
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":");
    rustix::mount::mount(
        "overlay",
        target,
        "overlay",
        rustix::mount::MountFlags::RDONLY,
        if in_user_namespace() {
            format!("lowerdir={joined},userxattr")
        } else {
            format!("lowerdir={joined}")
        }
        .as_str(),
    )
    .map_err(|e| io("mounting read-only overlay at", target)(e.into()))
}

/// Bind-mounts `source` read-only at `target`.
pub(crate) fn bind_mount_ro(source: &Path, target: &Path) -> Result<(), DriverError> {
    use rustix::mount::{mount_bind, mount_remount, MountFlags};
    mount_bind(source, target).map_err(|e| io("bind mounting at", target)(e.into()))?;
    mount_remount(target, MountFlags::BIND | MountFlags::RDONLY, "")
        .map_err(|e| io("remounting read-only", target)(e.into()))
}

/// Unmounts `target`; a busy mount is detached lazily.
pub(crate) fn unmount_path(target: &Path) -> Result<(), DriverError> {
    match unmount(target, UnmountFlags::empty()) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::BUSY) => {
            unmount(target, UnmountFlags::DETACH).map_err(|e| io("unmounting", target)(e.into()))
        }
        Err(rustix::io::Errno::INVAL) if !is_mountpoint(target) => Ok(()),
        Err(e) => Err(io("unmounting", target)(e.into())),
    }
}

/// Undoes the octal escapes (`\040` for a space, `\011`, `\012`, `\134`) of a
/// path field of `/proc/*/mountinfo`. The one copy in the workspace: core's
/// check and the CLI's reset use it too.
pub fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (u32::from(b[i + 1] - b'0') * 64
                + u32::from(b[i + 2] - b'0') * 8
                + u32::from(b[i + 3] - b'0')) as u8;
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Mount points from /proc/self/mountinfo.
pub fn mount_points() -> Vec<PathBuf> {
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape_mountinfo(p)))
        .collect()
}

/// True when `path` is a mount point.
pub fn is_mountpoint(path: &Path) -> bool {
    mount_points().iter().any(|p| p == path)
}

/// Mount points at or under `root`, deepest first.
pub fn mounts_under(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = mount_points()
        .into_iter()
        .filter(|p| p.starts_with(root))
        .collect();
    v.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    v
}

/// Copies the tree `from` into the (existing, empty) directory `to`, preserving owners,
/// modes, times, xattrs, hardlinks, devices and symlinks (never following them).
/// Uses coreutils `cp -a`, with reflinks where the filesystem has them.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<(), DriverError> {
    let out = libpod_failpoint::scrub(&mut Command::new("cp"))
        .arg("-a")
        .arg("--reflink=auto")
        .arg("--no-target-directory")
        .arg(from)
        .arg(to)
        .output()
        .map_err(|e| DriverError::Copy {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
            msg: e.to_string(),
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(DriverError::Copy {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
            msg: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// Mounts a tiny overlay under `dir` to check overlayfs works here (with whiteouts):
/// the kernel's (`program` None) or through a FUSE program.
pub(crate) fn probe_overlay(dir: &Path, program: Option<&Path>) -> Result<(), DriverError> {
    let probe = dir.join(format!("overlay-probe-{}", rand::random::<u32>()));
    let res = (|| {
        for d in ["lower", "upper", "work", "merged"] {
            fs::create_dir_all(probe.join(d)).map_err(io("creating", &probe))?;
        }
        fs::write(probe.join("lower/f"), b"x").map_err(io("writing", &probe))?;
        rustix::fs::mknodat(
            rustix::fs::CWD,
            probe.join("upper/f"),
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::empty(),
            rustix::fs::makedev(0, 0),
        )
        .map_err(|e| io("mknod whiteout in", &probe)(e.into()))?;
        let merged = probe.join("merged");
        let lowers = [probe.join("lower")];
        match program {
            None => mount_overlay(&lowers, &probe.join("upper"), &probe.join("work"), &merged)?,
            Some(p) => mount_fuse_overlay(
                p,
                &lowers,
                &probe.join("upper"),
                &probe.join("work"),
                &merged,
            )?,
        }
        let hidden = !merged.join("f").exists();
        unmount_path(&merged)?;
        if hidden {
            Ok(())
        } else {
            Err(DriverError::Io {
                op: "overlay whiteout check",
                path: probe.clone(),
                source: io::Error::other("whiteout did not hide the lower file"),
            })
        }
    })();
    let _ = fs::remove_dir_all(&probe);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_driver_names() {
        assert_eq!(
            "overlay".parse::<DriverKind>().unwrap(),
            DriverKind::Overlay
        );
        assert_eq!("vfs".parse::<DriverKind>().unwrap(), DriverKind::Vfs);
        assert!("btrfs".parse::<DriverKind>().is_err());
    }

    #[test]
    fn unescapes_mountinfo() {
        assert_eq!(unescape_mountinfo("/a\\040b"), "/a b");
        assert_eq!(unescape_mountinfo("/plain"), "/plain");
    }

    #[test]
    fn root_is_a_mountpoint() {
        assert!(is_mountpoint(Path::new("/")));
    }
}
