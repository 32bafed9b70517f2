//! The archive side of Docker's `docker cp` (`/containers/{id}/archive`): a path's
//! status as Docker reports it, and a tar of a container path with Docker's rules for
//! a final symlink (archived as the link itself unless the path ends in `/` or `/.`).
//!
//! Paths are resolved inside the container's root filesystem as `cp` resolves them
//! (`libpod_storage::contained`): a link to `/etc` or `../../..` reaches the
//! container's files, never the host's.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};
use libpod_storage::contained::{ContainedError, Located};
use rustix::fs::{readlinkat, statat, AtFlags, FileType, Stat};

use super::copy::{ChanReader, ChanWriter, Side};
use super::copy_error::CopyError;
use crate::{Result, Runtime};

/// Go's `os.FileMode` bits that Docker's path status carries (not `st_mode`'s).
mod go_mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const DEVICE: u32 = 1 << 26;
    pub const NAMED_PIPE: u32 = 1 << 25;
    pub const SOCKET: u32 = 1 << 24;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const CHAR_DEVICE: u32 = 1 << 21;
    pub const STICKY: u32 = 1 << 20;
}

/// A path's status inside a container, as Docker's `X-Docker-Container-Path-Stat`
/// header carries it (JSON: `name`, `size`, `mode`, `mtime`, `linkTarget`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStat {
    /// The path's last name as requested (`/` for the root).
    pub name: String,
    /// `st_size`.
    pub size: i64,
    /// Go's `os.FileMode`: permission bits, plus `1<<31` for a directory, `1<<27`
    /// for a symlink, and the other type and special bits of Go.
    pub mode: u32,
    /// Last modification.
    pub mtime: DateTime<Utc>,
    /// For a symlink: the absolute path inside the container it finally resolves
    /// to; empty otherwise.
    pub link_target: String,
}

impl PathStat {
    /// Whether the path is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & go_mode::DIR != 0
    }

    /// The header's JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "size": self.size,
            "mode": self.mode,
            "mtime": self.mtime.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            "linkTarget": self.link_target,
        })
    }
}

/// Go's `os.FileMode` of a `st_mode`.
pub fn go_file_mode(st_mode: u32) -> u32 {
    let mut m = st_mode & 0o777;
    if st_mode & 0o4000 != 0 {
        m |= go_mode::SETUID;
    }
    if st_mode & 0o2000 != 0 {
        m |= go_mode::SETGID;
    }
    if st_mode & 0o1000 != 0 {
        m |= go_mode::STICKY;
    }
    m |= match FileType::from_raw_mode(st_mode) {
        FileType::Directory => go_mode::DIR,
        FileType::Symlink => go_mode::SYMLINK,
        FileType::Fifo => go_mode::NAMED_PIPE,
        FileType::Socket => go_mode::SOCKET,
        FileType::CharacterDevice => go_mode::DEVICE | go_mode::CHAR_DEVICE,
        FileType::BlockDevice => go_mode::DEVICE,
        _ => 0,
    };
    m
}

/// Docker's absolute form of an archive path: relative paths start at `/` (not the
/// working directory); a trailing `/` or `/.` is kept (it means "follow").
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// Go's `filepath.Base` of an absolute path.
fn base(abs: &str) -> String {
    let t = abs.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Whether the final component is followed: a path ending in `/` or `/.` (or `/`).
fn follows_final(abs: &str) -> bool {
    abs.ends_with('/') || abs.ends_with("/.") || abs == "."
}

/// Lexically cleaned absolute path (`..` stops at `/`), for a link's target.
fn clean(p: &Path) -> String {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out.display().to_string()
}

fn mtime(st: &Stat) -> DateTime<Utc> {
    // st_mtime's type differs between targets.
    #[allow(clippy::useless_conversion)]
    let secs = i64::try_from(st.st_mtime).unwrap_or(0);
    #[allow(clippy::useless_conversion)]
    let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
    DateTime::from_timestamp(secs, nanos).unwrap_or_default()
}

/// What an archive path names: the entry itself (a symlink when the final
/// component is one and not followed) or the located entry.
enum Target {
    /// A symlink archived as itself: its parent, name, status and raw target.
    Link {
        loc: Located,
        raw: PathBuf,
        resolved: String,
    },
    /// Anything else (final symlinks followed).
    Entry(Located),
}

fn not_found(s: &Side, given: &str) -> CopyError {
    s.resolve_err(given)(ContainedError::NotFound(PathBuf::from(given)))
}

fn resolve(s: &Side, given: &str) -> Result<Target> {
    let abs = absolute(given);
    let full = Path::new(&abs);
    if !follows_final(&abs) {
        if let (Some(parent), Some(Component::Normal(name))) =
            (full.parent(), full.components().next_back())
        {
            let ploc = s.root.locate(parent).map_err(s.resolve_err(given))?;
            if !ploc.is_dir() {
                return Err(not_found(s, given).into());
            }
            let dir = ploc.open_dir().map_err(s.resolve_err(given))?;
            let st = match statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(rustix::io::Errno::NOENT) => return Err(not_found(s, given).into()),
                Err(e) => {
                    return Err(s.resolve_err(given)(ContainedError::Io {
                        path: full.to_path_buf(),
                        source: e.into(),
                    })
                    .into())
                }
            };
            if FileType::from_raw_mode(st.st_mode) == FileType::Symlink {
                let raw = readlinkat(&dir, name, Vec::new()).map_err(|e| {
                    s.resolve_err(given)(ContainedError::Io {
                        path: full.to_path_buf(),
                        source: e.into(),
                    })
                })?;
                let raw = PathBuf::from(OsStr::from_bytes(raw.to_bytes()));
                // Where the link finally leads (inside the root), even when it dangles.
                let resolved = s
                    .root
                    .locate(full)
                    .map(|l| clean(&l.path))
                    .unwrap_or_default();
                return Ok(Target::Link {
                    loc: Located {
                        dir,
                        name: Some(name.to_os_string()),
                        stat: Some(st),
                        path: full.to_path_buf(),
                    },
                    raw,
                    resolved,
                });
            }
            return Ok(Target::Entry(Located {
                dir,
                name: Some(name.to_os_string()),
                stat: Some(st),
                path: full.to_path_buf(),
            }));
        }
    }
    let loc = s.root.locate(full).map_err(s.resolve_err(given))?;
    if !loc.exists() || (abs.ends_with('/') && !loc.is_dir()) {
        return Err(not_found(s, given).into());
    }
    Ok(Target::Entry(loc))
}

fn stat_of(t: &Target, abs: &str) -> PathStat {
    let (st, link) = match t {
        Target::Link { loc, resolved, .. } => (loc.stat, resolved.clone()),
        Target::Entry(loc) => (loc.stat, String::new()),
    };
    let (size, mode, mt) = st.map_or((0, 0, DateTime::default()), |st| {
        (st.st_size, go_file_mode(st.st_mode), mtime(&st))
    });
    PathStat {
        name: base(abs),
        size,
        mode,
        mtime: mt,
        link_target: link,
    }
}

/// `DIR/.`: Docker names the entries `./NAME` (its CLI rebases the leading `.` onto
/// a new directory's name), but the tar crate drops `./` from the paths it writes. The
/// tree is archived by `write_tar` on a thread and its entries renamed here, raw.
fn write_dot_tar<W: Write>(
    s: &Side,
    loc: &Located,
    given: &str,
    b: &mut tar::Builder<W>,
) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(32);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            let mut inner = tar::Builder::new(std::io::BufWriter::with_capacity(
                256 * 1024,
                ChanWriter(tx),
            ));
            s.root.write_tar(&mut inner, loc, Path::new("."), false)?;
            inner
                .into_inner()
                .and_then(|mut w| w.flush())
                .map_err(|source| ContainedError::Archive {
                    path: loc.path.clone(),
                    source,
                })
        });
        let renamed = rename_entries(
            ChanReader {
                rx,
                cur: Vec::new(),
                pos: 0,
            },
            b,
        );
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(ContainedError::Loop(loc.path.clone())));
        written.map_err(s.resolve_err(given))?;
        renamed.map_err(CopyError::Stream)?;
        Ok(())
    })
}

/// `NAME` as `./NAME` (`.` itself as `./`).
fn dot_name(p: &[u8]) -> Vec<u8> {
    if p == b"." || p == b"./" {
        return b"./".to_vec();
    }
    if p.starts_with(b"./") {
        return p.to_vec();
    }
    let mut v = b"./".to_vec();
    v.extend_from_slice(p);
    v
}

/// Copies `v` into a fixed header field (truncated, NUL-filled).
fn set_raw(field: &mut [u8; 100], v: &[u8]) {
    field.fill(0);
    let n = v.len().min(field.len());
    field[..n].copy_from_slice(&v[..n]);
}

/// A GNU long name (`L`) or long link (`K`) entry announcing `name`.
fn long_entry<W: Write>(b: &mut tar::Builder<W>, kind: u8, name: &[u8]) -> std::io::Result<()> {
    let mut h = tar::Header::new_gnu();
    set_raw(&mut h.as_old_mut().name, b"././@LongLink");
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_size(name.len() as u64 + 1);
    h.set_entry_type(tar::EntryType::new(kind));
    h.set_cksum();
    let mut data = name.to_vec();
    data.push(0);
    b.append(&h, &data[..])
}

/// Re-writes the archive read from `r` onto `b` with every name (and hardlink
/// target) prefixed by `./`.
fn rename_entries<R: std::io::Read, W: Write>(
    mut r: R,
    b: &mut tar::Builder<W>,
) -> std::io::Result<()> {
    {
        let mut ar = tar::Archive::new(&mut r);
        for e in ar.entries()? {
            let mut e = e?;
            let name = dot_name(&e.path_bytes());
            let link = e.link_name_bytes().map(|l| {
                if e.header().entry_type() == tar::EntryType::Link {
                    dot_name(&l)
                } else {
                    l.into_owned()
                }
            });
            let mut h = e.header().clone();
            if let Some(l) = &link {
                if l.len() > 100 {
                    long_entry(b, b'K', l)?;
                }
                set_raw(&mut h.as_old_mut().linkname, l);
            }
            if name.len() > 100 {
                long_entry(b, b'L', &name)?;
            }
            set_raw(&mut h.as_old_mut().name, &name);
            h.set_cksum();
            b.append(&h, &mut e)?;
        }
    }
    // The archive's end blocks, so the writer never sees a closed channel.
    std::io::copy(&mut r, &mut std::io::sink())?;
    Ok(())
}

impl Runtime {
    /// The status of `path` in `container` (Docker's `HEAD /containers/{id}/archive`):
    /// a final symlink is reported as a link (with where it leads) unless the path ends
    /// in `/` or `/.`. Relative paths start at `/`, as Docker's.
    #[tracing::instrument(skip(self))]
    pub fn container_path_stat(&self, container: &str, path: &str) -> Result<PathStat> {
        let s = Side::container(self, container)?;
        let t = resolve(&s, path)?;
        Ok(stat_of(&t, &absolute(path)))
    }

    /// Writes a tar of `path` in `container` to `out` (Docker's `GET
    /// /containers/{id}/archive`), its entries named after the path's last name (a
    /// final symlink is archived as the link itself unless the path ends in `/` or
    /// `/.`); returns the path's status, known before the first byte is written
    /// (`on_stat` gets it then, for the response's header).
    #[tracing::instrument(skip(self, on_stat, out))]
    pub fn container_path_archive(
        &self,
        container: &str,
        path: &str,
        on_stat: &mut dyn FnMut(&PathStat),
        out: &mut dyn Write,
    ) -> Result<PathStat> {
        let s = Side::container(self, container)?;
        let t = resolve(&s, path)?;
        let abs = absolute(path);
        let stat = stat_of(&t, &abs);
        on_stat(&stat);
        let name = PathBuf::from(&stat.name);
        let mut b = tar::Builder::new(std::io::BufWriter::new(out));
        match &t {
            Target::Link { loc, raw, .. } => {
                let mut h = tar::Header::new_gnu();
                if let Some(st) = &loc.stat {
                    h.set_uid(u64::from(st.st_uid));
                    h.set_gid(u64::from(st.st_gid));
                    h.set_mtime(u64::try_from(stat.mtime.timestamp()).unwrap_or(0));
                }
                h.set_mode(0o777);
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Symlink);
                b.append_link(&mut h, &name, raw)
                    .map_err(CopyError::Stream)?;
            }
            Target::Entry(loc) if stat.name == "." => write_dot_tar(&s, loc, path, &mut b)?,
            Target::Entry(loc) => {
                s.root
                    .write_tar(&mut b, loc, &name, false)
                    .map_err(s.resolve_err(path))?;
            }
        }
        b.into_inner()
            .and_then(|mut w| w.flush())
            .map_err(CopyError::Stream)?;
        Ok(stat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_modes_carry_type_bits_not_st_mode() {
        assert_eq!(go_file_mode(0o040755), (1 << 31) | 0o755);
        assert_eq!(go_file_mode(0o120777), (1 << 27) | 0o777);
        assert_eq!(go_file_mode(0o100644), 0o644);
        assert_eq!(go_file_mode(0o104755), (1 << 23) | 0o755);
        assert_eq!(go_file_mode(0o041777), (1 << 31) | (1 << 20) | 0o777);
        assert_eq!(go_file_mode(0o020666), (1 << 26) | (1 << 21) | 0o666);
    }

    #[test]
    fn dot_entries_keep_their_dot_slash() {
        let mut src = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o644);
        src.append_data(&mut h, "a.txt", &b"hi"[..]).unwrap();
        let long = format!("sub/{}", "x".repeat(120));
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        src.append_data(&mut h, &long, &b""[..]).unwrap();
        let raw = src.into_inner().unwrap();
        let mut out = tar::Builder::new(Vec::new());
        rename_entries(&raw[..], &mut out).unwrap();
        let out = out.into_inner().unwrap();
        let mut ar = tar::Archive::new(&out[..]);
        let names: Vec<Vec<u8>> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path_bytes().into_owned())
            .collect();
        assert_eq!(names[0], b"./a.txt");
        assert_eq!(names[1], format!("./{long}").into_bytes());
        assert_eq!(dot_name(b"."), b"./");
    }

    #[test]
    fn names_and_following_are_dockers() {
        assert_eq!(base("/etc/passwd"), "passwd");
        assert_eq!(base("/etc/"), "etc");
        assert_eq!(base("/"), "/");
        assert_eq!(base("/a/."), ".");
        assert_eq!(absolute("tmp/x"), "/tmp/x");
        assert!(follows_final("/a/"));
        assert!(follows_final("/a/."));
        assert!(!follows_final("/a"));
        assert_eq!(clean(Path::new("/a/b/../../../etc")), "/etc");
    }

    #[test]
    fn the_header_is_dockers_json() {
        let s = PathStat {
            name: "x".into(),
            size: 3,
            mode: (1 << 31) | 0o755,
            mtime: DateTime::from_timestamp(10, 0).unwrap(),
            link_target: String::new(),
        };
        let v = s.to_json();
        assert_eq!(v["mode"], 2147484141u64);
        assert_eq!(v["mtime"], "1970-01-01T00:00:10Z");
        assert!(s.is_dir());
    }
}
