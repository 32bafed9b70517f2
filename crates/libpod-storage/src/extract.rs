//! Safe layer extraction.
//!
//! Entries are applied one by one under a directory fd. Every parent directory is
//! resolved with `openat2(RESOLVE_IN_ROOT)`, so `..`, absolute paths and symlinks
//! (absolute or relative) can never lead outside the layer root. The final component is
//! never followed: an existing entry is removed and the new one created with
//! `O_EXCL|O_NOFOLLOW` (or `mkdirat`/`symlinkat`/`mknodat`/`linkat`). Entry names whose
//! `..` would climb above the root, and hardlinks whose target would, are refused.
//!
//! Whiteouts: `.wh.NAME` becomes an overlay whiteout (0/0 char device) in
//! [`WhiteoutMode::Overlay`] and a deletion in [`WhiteoutMode::Vfs`]; `.wh..wh..opq` sets
//! `trusted.overlay.opaque=y` (overlay) or empties the directory of everything lower
//! layers put there (vfs).

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{
    chmodat, chownat, fchmod, fchown, fsetxattr, futimens, linkat, makedev, mkdirat, mknodat,
    openat, openat2, statat, symlinkat, unlinkat, utimensat, AtFlags, FileType, Gid, Mode, OFlags,
    ResolveFlags, Timestamps, Uid, XattrFlags, CWD,
};
use rustix::io::Errno;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// How whiteout entries are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhiteoutMode {
    /// Keep whiteouts as overlayfs markers (char device 0/0, opaque xattr).
    Overlay,
    /// Apply them: delete the named file, empty opaque directories.
    Vfs,
}

/// Errors while extracting a layer.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// An I/O error at a path inside the layer.
    #[error("extracting {path}: {source}")]
    Io {
        /// Path inside the layer (or the layer root).
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The tar stream is malformed or truncated.
    #[error("reading layer tar stream: {0}")]
    Stream(io::Error),
    /// An entry's `..` components climb above the layer root.
    #[error("entry {0} escapes the layer root")]
    Escape(PathBuf),
    /// A hardlink's target escapes the layer root.
    #[error("hardlink {path} -> {target} points outside the layer")]
    HardlinkEscape {
        /// The link entry.
        path: PathBuf,
        /// Its target.
        target: PathBuf,
    },
    /// A whiteout names nothing valid (`.wh.`, `.wh..`, `.wh...`).
    #[error("invalid whiteout entry {0}")]
    BadWhiteout(PathBuf),
    /// An existing entry of the other kind (directory vs not) is in the way and
    /// replacing it was not asked for (`cp` without `--overwrite`).
    #[error("error creating {path:?}: {existing} is in the way: file exists")]
    InTheWay {
        /// The entry's path (under the display prefix).
        path: PathBuf,
        /// What is there.
        existing: &'static str,
    },
    /// An entry type we do not extract.
    #[error("unsupported tar entry type {kind:?} at {path}")]
    Unsupported {
        /// The entry.
        path: PathBuf,
        /// The tar type byte.
        kind: u8,
    },
}

type Result<T> = std::result::Result<T, ExtractError>;

fn io_err<E: Into<io::Error>>(path: &Path) -> impl FnOnce(E) -> ExtractError + '_ {
    move |e| ExtractError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

/// Lexically cleans an entry path: drops `/` and `.`, applies `..`; `None` if it climbs
/// above the root.
pub fn clean_path(p: &Path) -> Option<Vec<OsString>> {
    let mut out = Vec::new();
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir | Component::CurDir => {}
            Component::ParentDir => {
                out.pop()?;
            }
            Component::Normal(x) => out.push(x.to_os_string()),
        }
    }
    Some(out)
}

fn join(comps: &[OsString]) -> PathBuf {
    let mut p = PathBuf::new();
    for c in comps {
        p.push(c);
    }
    p
}

fn ids(uid: u64, gid: u64) -> (Option<Uid>, Option<Gid>) {
    let u = u32::try_from(uid).ok().filter(|u| *u != u32::MAX);
    let g = u32::try_from(gid).ok().filter(|g| *g != u32::MAX);
    // SAFETY: any u32 except u32::MAX (filtered out above, it means "unchanged") is a
    // valid uid/gid value for chown.
    unsafe { (u.map(|u| Uid::from_raw(u)), g.map(|g| Gid::from_raw(g))) }
}

fn times(mtime: u64) -> Timestamps {
    let t = rustix::fs::Timespec {
        tv_sec: i64::try_from(mtime).unwrap_or(0),
        tv_nsec: 0,
    };
    Timestamps {
        last_access: t,
        last_modification: t,
    }
}

/// Opens `rel` (a directory) under `root` with `RESOLVE_IN_ROOT`.
fn open_in_root(root: &OwnedFd, rel: &Path) -> io::Result<OwnedFd> {
    let p: &Path = if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    };
    Ok(openat2(
        root,
        p,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    )?)
}

/// Opens (creating as needed, mode 0755) the directory `comps` under `root`.
fn ensure_dir(root: &OwnedFd, comps: &[OsString]) -> Result<OwnedFd> {
    let full = join(comps);
    match open_in_root(root, &full) {
        Ok(fd) => return Ok(fd),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
        Err(e) => return Err(io_err(&full)(e)),
    }
    let mut parent = open_in_root(root, Path::new("")).map_err(io_err(&full))?;
    for i in 0..comps.len() {
        let p = join(&comps[..=i]);
        parent = match open_in_root(root, &p) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                match mkdirat(&parent, comps[i].as_os_str(), Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(io_err(&p)(e)),
                }
                open_in_root(root, &p).map_err(io_err(&p))?
            }
            Err(e) => return Err(io_err(&p)(e)),
        };
    }
    Ok(parent)
}

/// Removes `name` in `dir` recursively, never following symlinks. Missing is fine.
pub fn remove_all_at<Fd: AsFd>(dir: Fd, name: &OsStr) -> io::Result<()> {
    let dir = dir.as_fd();
    let st = match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::NOENT) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
        let fd = openat(
            dir,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        empty_dir(&fd, &HashSet::new())?;
        unlinkat(dir, name, AtFlags::REMOVEDIR)?;
    } else {
        unlinkat(dir, name, AtFlags::empty())?;
    }
    Ok(())
}

/// Removes every child of `dir` whose name is not in `keep`.
fn empty_dir(dir: &OwnedFd, keep: &HashSet<OsString>) -> io::Result<()> {
    let mut names = Vec::new();
    let mut d = rustix::fs::Dir::read_from(dir)?;
    while let Some(ent) = d.read() {
        let ent = ent?;
        let n = ent.file_name().to_bytes();
        if n != b"." && n != b".." {
            names.push(OsStr::from_bytes(n).to_os_string());
        }
    }
    for n in names {
        if !keep.contains(&n) {
            remove_all_at(dir, &n)?;
        }
    }
    Ok(())
}

/// What one extraction did.
#[derive(Debug, Default, Clone)]
pub struct ExtractStats {
    /// Tar entries applied.
    pub entries: u64,
    /// Bytes of regular file content written.
    pub bytes: u64,
}

/// How [`extract_into`] treats entries (a layer's rules, or `cp`'s).
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Whiteouts: `Some` applies them as layers do; `None` extracts `.wh.` names as plain
    /// files (a `cp` archive has no whiteouts).
    pub whiteouts: Option<WhiteoutMode>,
    /// Every entry gets this owner instead of the archive's (`cp -a` into a container).
    pub owner: Option<(u32, u32)>,
    /// An existing directory may be replaced by a non-directory and the other way round;
    /// without it that is [`ExtractError::InTheWay`] (`cp --overwrite`). Layers replace.
    pub replace_kind: bool,
    /// Apply the owner and mode of the archive's root entry (`./`) to the destination
    /// directory (layers do; `cp` must not re-mode the directory it copies into).
    pub apply_root: bool,
    /// Shown before entry paths in errors (`/tmp` for a copy into a container's `/tmp`).
    pub display_prefix: PathBuf,
}

impl ExtractOptions {
    /// A layer's rules: whiteouts in `mode`, archive owners, replacements, root entry.
    pub fn layer(mode: WhiteoutMode) -> Self {
        ExtractOptions {
            whiteouts: Some(mode),
            owner: None,
            replace_kind: true,
            apply_root: true,
            display_prefix: PathBuf::new(),
        }
    }
}

/// Extracts a layer tar stream into the existing directory `root`.
///
/// See the module docs for the security rules. Overlay whiteouts need root
/// (`mknod`, `trusted.*` xattrs).
pub fn extract_layer<R: Read>(reader: R, root: &Path, mode: WhiteoutMode) -> Result<ExtractStats> {
    let _span = tracing::debug_span!("extract_layer", root = %root.display()).entered();
    let root_fd = openat(
        CWD,
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(io_err(root))?;
    extract_into(reader, &root_fd, &ExtractOptions::layer(mode))
}

/// Extracts a tar stream under the directory `root_fd`, every entry resolved inside it
/// (the module docs' rules), with `opts`.
pub fn extract_into<R: Read>(
    reader: R,
    root_fd: &OwnedFd,
    opts: &ExtractOptions,
) -> Result<ExtractStats> {
    let root_fd = root_fd
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| ExtractError::Io {
            path: opts.display_prefix.clone(),
            source: e,
        })?;
    let root = opts.display_prefix.as_path();
    let mut archive = tar::Archive::new(reader);
    let mut stats = ExtractStats::default();
    let mut dir_times: Vec<(PathBuf, u64)> = Vec::new();
    // Paths this layer created (relative), so a vfs opaque marker keeps them.
    let mut created: HashSet<PathBuf> = HashSet::new();
    let mut buf = vec![0u8; 256 * 1024];
    for entry in archive.entries().map_err(ExtractError::Stream)? {
        let mut entry = entry.map_err(ExtractError::Stream)?;
        let raw = entry.path().map_err(ExtractError::Stream)?.into_owned();
        let comps = clean_path(&raw).ok_or_else(|| ExtractError::Escape(raw.clone()))?;
        let hdr = entry.header().clone();
        let et = hdr.entry_type();
        if et.is_pax_global_extensions()
            || et.is_pax_local_extensions()
            || et.is_gnu_longname()
            || et.is_gnu_longlink()
        {
            continue;
        }
        stats.entries += 1;
        let Some((name, parent_comps)) = comps.split_last() else {
            // The root itself ("./"): nothing to create, but its owner and mode are the
            // image's root's (an image may ship `/` as 0555).
            if et.is_dir() && opts.apply_root {
                let (uid, gid) = ids(hdr.uid().unwrap_or(0), hdr.gid().unwrap_or(0));
                let perm = Mode::from_raw_mode(hdr.mode().map_err(ExtractError::Stream)? & 0o7777);
                fchown(&root_fd, uid, gid).map_err(io_err(root))?;
                fchmod(&root_fd, perm).map_err(io_err(root))?;
            }
            continue;
        };
        let rel = join(&comps);
        let name_b = name.as_bytes();
        let wh_victim = match opts.whiteouts {
            Some(_) => name_b.strip_prefix(b".wh."),
            None => None,
        };
        let mode = opts.whiteouts.unwrap_or(WhiteoutMode::Vfs);
        if let Some(victim) = wh_victim {
            let parent = ensure_dir(&root_fd, parent_comps)?;
            let prel = join(parent_comps);
            if victim == b".wh..opq" {
                match mode {
                    WhiteoutMode::Overlay => fsetxattr(
                        &parent,
                        crate::driver::opaque_xattr(),
                        b"y",
                        XattrFlags::empty(),
                    )
                    .map_err(io_err(&rel))?,
                    WhiteoutMode::Vfs => {
                        let keep: HashSet<OsString> = created
                            .iter()
                            .filter(|p| p.parent() == Some(prel.as_path()))
                            .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
                            .collect();
                        empty_dir(&parent, &keep).map_err(io_err(&rel))?
                    }
                }
                continue;
            }
            if victim.starts_with(b".wh.") {
                // Other AUFS metadata (.wh..wh.plnk, …): not content.
                continue;
            }
            if victim.is_empty() || victim == b"." || victim == b".." || victim.contains(&b'/') {
                return Err(ExtractError::BadWhiteout(raw));
            }
            let victim = OsStr::from_bytes(victim);
            remove_all_at(&parent, victim).map_err(io_err(&rel))?;
            if mode == WhiteoutMode::Overlay {
                mknodat(
                    &parent,
                    victim,
                    FileType::CharacterDevice,
                    Mode::empty(),
                    makedev(0, 0),
                )
                .map_err(io_err(&rel))?;
            }
            continue;
        }
        let parent = ensure_dir(&root_fd, parent_comps)?;
        // Empty numeric owner fields (some writers leave them blank) mean root.
        let (uid, gid) = match opts.owner {
            Some((u, g)) => ids(u64::from(u), u64::from(g)),
            None => ids(hdr.uid().unwrap_or(0), hdr.gid().unwrap_or(0)),
        };
        let perm = Mode::from_raw_mode(hdr.mode().map_err(ExtractError::Stream)? & 0o7777);
        let mtime = hdr.mtime().unwrap_or(0);
        let mut xattrs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        if let Some(exts) = entry.pax_extensions().map_err(ExtractError::Stream)? {
            for ext in exts {
                let ext = ext.map_err(ExtractError::Stream)?;
                if let Some(n) = ext.key_bytes().strip_prefix(b"SCHILY.xattr.") {
                    if !n.starts_with(b"trusted.overlay.") && !n.starts_with(b"user.overlay.") {
                        xattrs.push((n.to_vec(), ext.value_bytes().to_vec()));
                    }
                }
            }
        }
        // Replace whatever is there, unless dir over dir (tar merges those).
        let existing = match statat(&parent, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Some(FileType::from_raw_mode(st.st_mode)),
            Err(Errno::NOENT) => None,
            Err(e) => return Err(io_err(&rel)(e)),
        };
        let is_dir = et.is_dir();
        if !opts.replace_kind
            && existing.is_some()
            && (existing == Some(FileType::Directory)) != is_dir
        {
            return Err(ExtractError::InTheWay {
                path: Path::new("/").join(root).join(&rel),
                existing: if is_dir {
                    "a non-directory"
                } else {
                    "a directory"
                },
            });
        }
        let replaced = existing.is_some() && !(is_dir && existing == Some(FileType::Directory));
        if replaced {
            if et.is_hard_link() {
                let target = entry
                    .link_name()
                    .map_err(ExtractError::Stream)?
                    .map(|t| t.into_owned());
                if target.as_deref().and_then(clean_path).as_deref() == Some(&comps[..]) {
                    continue; // a link to itself
                }
            }
            remove_all_at(&parent, name).map_err(io_err(&rel))?;
        }
        let set_xattrs = |fd: &OwnedFd| -> Result<()> {
            for (k, v) in &xattrs {
                fsetxattr(fd, OsStr::from_bytes(k), v, XattrFlags::empty())
                    .map_err(io_err(&rel))?;
            }
            Ok(())
        };
        match et {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let fd = openat(
                    &parent,
                    name.as_os_str(),
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o600),
                )
                .map_err(io_err(&rel))?;
                let mut file = std::fs::File::from(fd);
                loop {
                    let n = match entry.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(ExtractError::Stream(e)),
                    };
                    file.write_all(&buf[..n]).map_err(io_err(&rel))?;
                    stats.bytes += n as u64;
                }
                let fd = OwnedFd::from(file);
                fchown(&fd, uid, gid).map_err(io_err(&rel))?;
                fchmod(&fd, perm).map_err(io_err(&rel))?;
                set_xattrs(&fd)?;
                futimens(&fd, &times(mtime)).map_err(io_err(&rel))?;
            }
            tar::EntryType::Directory => {
                // A directory replacing a non-directory (removed above) is made anew.
                if existing.is_none() || replaced {
                    mkdirat(&parent, name.as_os_str(), Mode::from_raw_mode(0o700))
                        .map_err(io_err(&rel))?;
                }
                let fd = openat(
                    &parent,
                    name.as_os_str(),
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map_err(io_err(&rel))?;
                fchown(&fd, uid, gid).map_err(io_err(&rel))?;
                fchmod(&fd, perm).map_err(io_err(&rel))?;
                set_xattrs(&fd)?;
                dir_times.push((rel.clone(), mtime));
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(ExtractError::Stream)?
                    .ok_or_else(|| {
                        ExtractError::Stream(io::Error::other("symlink without target"))
                    })?
                    .into_owned();
                symlinkat(&target, &parent, name.as_os_str()).map_err(io_err(&rel))?;
                chownat(
                    &parent,
                    name.as_os_str(),
                    uid,
                    gid,
                    AtFlags::SYMLINK_NOFOLLOW,
                )
                .map_err(io_err(&rel))?;
                utimensat(
                    &parent,
                    name.as_os_str(),
                    &times(mtime),
                    AtFlags::SYMLINK_NOFOLLOW,
                )
                .map_err(io_err(&rel))?;
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(ExtractError::Stream)?
                    .ok_or_else(|| {
                        ExtractError::Stream(io::Error::other("hardlink without target"))
                    })?
                    .into_owned();
                let tcomps = clean_path(&target).ok_or_else(|| ExtractError::HardlinkEscape {
                    path: raw.clone(),
                    target: target.clone(),
                })?;
                let Some((tname, tparent)) = tcomps.split_last() else {
                    return Err(ExtractError::HardlinkEscape {
                        path: raw.clone(),
                        target,
                    });
                };
                let tdir = open_in_root(&root_fd, &join(tparent)).map_err(io_err(&rel))?;
                linkat(
                    &tdir,
                    tname.as_os_str(),
                    &parent,
                    name.as_os_str(),
                    AtFlags::empty(),
                )
                .map_err(io_err(&rel))?;
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let ft = match et {
                    tar::EntryType::Char => FileType::CharacterDevice,
                    tar::EntryType::Block => FileType::BlockDevice,
                    _ => FileType::Fifo,
                };
                let dev = makedev(
                    hdr.device_major().ok().flatten().unwrap_or(0),
                    hdr.device_minor().ok().flatten().unwrap_or(0),
                );
                if ft != FileType::Fifo && crate::driver::in_user_namespace() {
                    // A user namespace cannot create device nodes (containers/storage
                    // skips them there too); the runtime binds /dev's devices anyway.
                    tracing::debug!(path = %rel.display(), "device node skipped in a user namespace");
                    continue;
                }
                mknodat(&parent, name.as_os_str(), ft, perm, dev).map_err(io_err(&rel))?;
                chownat(
                    &parent,
                    name.as_os_str(),
                    uid,
                    gid,
                    AtFlags::SYMLINK_NOFOLLOW,
                )
                .map_err(io_err(&rel))?;
                chmodat(&parent, name.as_os_str(), perm, AtFlags::empty()).map_err(io_err(&rel))?;
                utimensat(
                    &parent,
                    name.as_os_str(),
                    &times(mtime),
                    AtFlags::SYMLINK_NOFOLLOW,
                )
                .map_err(io_err(&rel))?;
            }
            other => {
                return Err(ExtractError::Unsupported {
                    path: raw,
                    kind: other.as_byte(),
                })
            }
        }
        if opts.whiteouts == Some(WhiteoutMode::Vfs) {
            created.insert(rel);
        }
    }
    // Directory mtimes last: creating children changed them.
    for (rel, mtime) in dir_times.into_iter().rev() {
        if let Ok(fd) = open_in_root(&root_fd, &rel) {
            futimens(&fd, &times(mtime)).map_err(io_err(&rel))?;
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_path_rules() {
        let c = |s: &str| clean_path(Path::new(s)).map(|v| join(&v));
        assert_eq!(c("/etc/passwd"), Some(PathBuf::from("etc/passwd")));
        assert_eq!(c("./a/../b/"), Some(PathBuf::from("b")));
        assert_eq!(c("../x"), None);
        assert_eq!(c("a/../../x"), None);
        assert_eq!(c("./"), Some(PathBuf::new()));
    }

    #[test]
    fn a_directory_replaces_a_file_and_the_other_way_round() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = rustix::fs::open(
            tmp.path(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .unwrap();
        let tar_of = |dir_entry: bool| {
            let mut b = tar::Builder::new(Vec::new());
            let mut h = tar::Header::new_gnu();
            if dir_entry {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, "foo/", io::empty()).unwrap();
                let mut h = tar::Header::new_gnu();
                h.set_mode(0o644);
                h.set_size(2);
                b.append_data(&mut h, "foo/f", &b"in"[..]).unwrap();
            } else {
                h.set_mode(0o644);
                h.set_size(4);
                b.append_data(&mut h, "foo", &b"file"[..]).unwrap();
            }
            b.into_inner().unwrap()
        };
        let opts = |replace_kind| ExtractOptions {
            whiteouts: None,
            owner: None,
            replace_kind,
            apply_root: false,
            display_prefix: PathBuf::from("tmp"),
        };
        extract_into(&tar_of(false)[..], &dir, &opts(false)).unwrap();
        // Without replacing: refused, naming the entry under the prefix.
        let e = extract_into(&tar_of(true)[..], &dir, &opts(false)).unwrap_err();
        assert!(e.to_string().contains("\"/tmp/foo\""), "{e}");
        // With it: the file goes, the directory comes with its content.
        extract_into(&tar_of(true)[..], &dir, &opts(true)).unwrap();
        assert_eq!(std::fs::read(tmp.path().join("foo/f")).unwrap(), b"in");
        extract_into(&tar_of(false)[..], &dir, &opts(true)).unwrap();
        assert_eq!(std::fs::read(tmp.path().join("foo")).unwrap(), b"file");
    }
}
