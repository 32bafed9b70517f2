//! A container's use of its volumes: when it is initialised, each volume's own
//! filesystem is mounted if no other container has it mounted, and a new empty volume
//! gets the content of the image directory it covers (copy-up, once); when it is torn
//! down, the filesystem is unmounted if it was the last user.
//!
//! Counting is self-healing: the users of a volume at any moment are the containers
//! whose config names it and whose rootfs is mounted (`ContainerState::mountpoint`),
//! so a container that crashed or was recovered never leaves a count behind.

use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use libpod_config::{MountKind, VolumeConfig};
use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};

use super::{lock, vol_err, VolumeError};
use crate::context::Parts;
use crate::events::{Event, EventStatus};
use crate::Result;

/// How many containers other than `except` have `name` mounted now.
fn other_users(p: &Parts, name: &str, except: &str) -> Result<u32> {
    Ok(p.state
        .all_containers()?
        .iter()
        .filter(|(c, s)| {
            c.id != except
                && s.mountpoint.is_some()
                && c.mounts
                    .iter()
                    .any(|m| m.kind == MountKind::Volume && m.source == name)
        })
        .count() as u32)
}

/// Before `ctr` (whose rootfs is `rootfs`, whose process runs as `user`) uses volume
/// `name` at `destination`: mounts the volume's filesystem if needed; on the volume's
/// first use gives its top directory the image directory's owner and mode (or the
/// container user's when the image has no such directory: Podman's `NeedsChown`); copies
/// the image directory up into the volume once (Podman's `NeedsCopyUp`: only an image
/// directory with content counts, and only an empty volume receives it); returns the
/// host path to bind into the container.
pub(crate) fn acquire(
    p: &Parts,
    name: &str,
    ctr: &str,
    rootfs: &Path,
    destination: &Path,
    copy: bool,
    user: (u32, u32),
) -> Result<PathBuf> {
    let _g = lock(p)?;
    let (cfg, mut st) = p.state.volume(name).map_err(vol_err)?;
    let users = other_users(p, name, ctr)?;
    if cfg.options.needs_mount() && !crate::volume::mount::is_mounted(&cfg.mountpoint) {
        mount_fs(&cfg)?;
        st.mounted = true;
        crate::events::emit(p, Event::volume(name, EventStatus::Mount));
    }
    libpod_config::failpoint::hit("volume.mount.after_mount");
    let wants_copy = !st.copied_up && copy && !cfg.options.nocopy;
    if !st.chowned || wants_copy {
        let err = |source: std::io::Error| VolumeError::CopyUp {
            name: cfg.name.clone(),
            from: destination.to_path_buf(),
            source,
        };
        let src = open_image_dir(rootfs, destination).map_err(err)?;
        let dst = rustix::fs::open(
            &cfg.mountpoint,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| err(e.into()))?;
        if !st.chowned {
            // A bind volume's directory is the user's own: left as it is.
            if cfg.options.fs_type.as_deref() != Some("bind") {
                match &src {
                    Some(src) => {
                        let s = rustix::fs::fstat(src).map_err(|e| err(e.into()))?;
                        std::os::unix::fs::fchown(&dst, Some(s.st_uid), Some(s.st_gid))
                            .map_err(err)?;
                        rustix::fs::fchmod(&dst, Mode::from_raw_mode(s.st_mode & 0o7777))
                            .map_err(|e| err(e.into()))?;
                    }
                    None => {
                        std::os::unix::fs::fchown(&dst, Some(user.0), Some(user.1)).map_err(err)?
                    }
                }
            }
            st.chowned = true;
        }
        if wants_copy {
            if let Some(src) = &src {
                if !dir_is_empty(src).map_err(err)? {
                    st.copied_up = true;
                    if dir_is_empty(&dst).map_err(err)? {
                        copy_dir(src, &dst).map_err(err)?;
                    }
                }
            }
        }
    }
    st.mount_count = users + 1;
    p.state.save_volume_state(name, &st).map_err(vol_err)?;
    Ok(cfg.mountpoint)
}

/// After `ctr` stopped using volume `name`: unmounts its filesystem when no other
/// container has it mounted.
pub(crate) fn release(p: &Parts, name: &str, ctr: &str) -> Result<()> {
    let _g = lock(p)?;
    let (cfg, mut st) = match p.state.volume(name) {
        Ok(v) => v,
        Err(libpod_state::StateError::NoSuchVolume { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let users = other_users(p, name, ctr)?;
    if users == 0 && st.host_mounts == 0 && unmount_if_mounted(&cfg)? {
        crate::events::emit(p, Event::volume(name, EventStatus::Unmount));
    }
    st.mounted = (users > 0 || st.host_mounts > 0) && st.mounted;
    st.mount_count = users;
    p.state.save_volume_state(name, &st).map_err(vol_err)?;
    Ok(())
}

/// How many containers have `name` mounted now.
pub(crate) fn users_now(p: &Parts, name: &str) -> Result<u32> {
    other_users(p, name, "")
}

/// Mounts the volume's own filesystem if it has one that is not mounted; true if it
/// mounted it.
pub(crate) fn mount_if_needed(cfg: &VolumeConfig) -> Result<bool> {
    if cfg.options.needs_mount() && !is_mounted(&cfg.mountpoint) {
        mount_fs(cfg)?;
        return Ok(true);
    }
    Ok(false)
}

/// `U`: gives the volume's content to the container's user (as Podman, recursively;
/// symlinks themselves, never their targets).
pub(crate) fn chown_tree(dir: &Path, uid: u32, gid: u32) -> Result<()> {
    fn walk(p: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
        std::os::unix::fs::lchown(p, Some(uid), Some(gid))?;
        if std::fs::symlink_metadata(p)?.is_dir() {
            for e in std::fs::read_dir(p)? {
                walk(&e?.path(), uid, gid)?;
            }
        }
        Ok(())
    }
    walk(dir, uid, gid).map_err(|e| crate::Error::io("chown volume", dir, e))
}

/// Whether `path` is a mount point (its device differs from its parent's).
pub(crate) fn is_mounted(path: &Path) -> bool {
    libpod_storage::driver::is_mountpoint(path)
}

fn mount_fs(cfg: &VolumeConfig) -> Result<()> {
    let (Some(ty), Some(dev)) = (&cfg.options.fs_type, &cfg.options.device) else {
        return Ok(());
    };
    let mut flags = nix::mount::MsFlags::empty();
    if ty == "bind" {
        // `--opt type=bind,device=DIR`: Podman's bind volume.
        flags |= nix::mount::MsFlags::MS_BIND | nix::mount::MsFlags::MS_REC;
    }
    let mut data = Vec::new();
    for o in cfg.options.o.iter().flat_map(|o| o.split(',')) {
        match o {
            "bind" => flags |= nix::mount::MsFlags::MS_BIND,
            "rbind" => flags |= nix::mount::MsFlags::MS_BIND | nix::mount::MsFlags::MS_REC,
            "ro" => flags |= nix::mount::MsFlags::MS_RDONLY,
            "nosuid" => flags |= nix::mount::MsFlags::MS_NOSUID,
            "nodev" => flags |= nix::mount::MsFlags::MS_NODEV,
            "noexec" => flags |= nix::mount::MsFlags::MS_NOEXEC,
            "" => {}
            other => data.push(other),
        }
    }
    let data = data.join(",");
    nix::mount::mount(
        Some(dev.as_str()),
        &cfg.mountpoint,
        Some(ty.as_str()),
        flags,
        (!data.is_empty()).then_some(data.as_str()),
    )
    .map_err(|e| VolumeError::Mount {
        op: "mount",
        name: cfg.name.clone(),
        what: format!("type {ty}, device {dev}"),
        source: e.into(),
    })?;
    Ok(())
}

/// Unmounts the volume's own filesystem if it is mounted; true if it was.
pub(crate) fn unmount_if_mounted(cfg: &VolumeConfig) -> Result<bool> {
    if !cfg.options.needs_mount() || !is_mounted(&cfg.mountpoint) {
        return Ok(false);
    }
    nix::mount::umount2(&cfg.mountpoint, nix::mount::MntFlags::MNT_DETACH).map_err(|e| {
        VolumeError::Mount {
            op: "unmount",
            name: cfg.name.clone(),
            what: cfg.mountpoint.display().to_string(),
            source: e.into(),
        }
    })?;
    Ok(true)
}

/// Whether the directory open at `dir` has no entries.
fn dir_is_empty(dir: &OwnedFd) -> std::io::Result<bool> {
    let mut d = rustix::fs::Dir::read_from(dir)?;
    while let Some(e) = d.read() {
        let e = e?;
        if !matches!(e.file_name().to_bytes(), b"." | b"..") {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Opens the image directory `destination` of `rootfs`, resolved inside the rootfs
/// (`openat2(RESOLVE_IN_ROOT)`: a symlink in the image never leads out of it); `None`
/// when it is missing or not a directory.
fn open_image_dir(rootfs: &Path, destination: &Path) -> std::io::Result<Option<OwnedFd>> {
    let root = rustix::fs::open(
        rootfs,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let rel: PathBuf = destination
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    let rel = if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    };
    match rustix::fs::openat2(
        &root,
        &rel,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    ) {
        Ok(fd) => Ok(Some(fd)),
        Err(rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR | rustix::io::Errno::LOOP) => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Copies the entries of directory `src` into directory `dst`, by descriptor,
/// never following a symlink: files, directories, symlinks, fifos and device nodes
/// with owner, mode and times.
fn copy_dir(src: &OwnedFd, dst: &OwnedFd) -> std::io::Result<()> {
    let mut dir = rustix::fs::Dir::read_from(src)?;
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_bytes() == b"." || name.to_bytes() == b".." {
            continue;
        }
        let st = rustix::fs::statat(src, name, AtFlags::SYMLINK_NOFOLLOW)?;
        let mode = Mode::from_raw_mode(st.st_mode & 0o7777);
        let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
        match ft {
            rustix::fs::FileType::Directory => {
                rustix::fs::mkdirat(dst, name, Mode::from_raw_mode(0o700))?;
                let s = rustix::fs::openat(
                    src,
                    name,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                let d = rustix::fs::openat(
                    dst,
                    name,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                copy_dir(&s, &d)?;
            }
            rustix::fs::FileType::RegularFile => {
                let s = rustix::fs::openat(
                    src,
                    name,
                    OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                let d = rustix::fs::openat(
                    dst,
                    name,
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o600),
                )?;
                let mut from = std::fs::File::from(s);
                let mut to = std::fs::File::from(d);
                std::io::copy(&mut from, &mut to)?;
            }
            rustix::fs::FileType::Symlink => {
                let target = rustix::fs::readlinkat(src, name, Vec::new())?;
                rustix::fs::symlinkat(target.as_c_str(), dst, name)?;
            }
            rustix::fs::FileType::Fifo
            | rustix::fs::FileType::CharacterDevice
            | rustix::fs::FileType::BlockDevice => {
                rustix::fs::mknodat(dst, name, ft, mode, st.st_rdev)?;
            }
            // Sockets and unknown types are not data.
            _ => continue,
        }
        nix::unistd::fchownat(
            Some(std::os::fd::AsRawFd::as_raw_fd(dst)),
            name,
            Some(nix::unistd::Uid::from_raw(st.st_uid)),
            Some(nix::unistd::Gid::from_raw(st.st_gid)),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )?;
        if ft != rustix::fs::FileType::Symlink {
            rustix::fs::chmodat(dst, name, mode, AtFlags::empty())?;
        }
        let times = rustix::fs::Timestamps {
            last_access: st_time(st.st_atime as i64, st.st_atime_nsec as i64),
            last_modification: st_time(st.st_mtime as i64, st.st_mtime_nsec as i64),
        };
        rustix::fs::utimensat(dst, name, &times, AtFlags::SYMLINK_NOFOLLOW)?;
    }
    Ok(())
}

fn st_time(sec: i64, nsec: i64) -> rustix::fs::Timespec {
    rustix::fs::Timespec {
        tv_sec: sec,
        tv_nsec: nsec as _,
    }
}
