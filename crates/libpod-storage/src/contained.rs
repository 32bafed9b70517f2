//! Paths inside a container's root filesystem, resolved inside it.
//!
//! A [`ContainedRoot`] is a directory fd used as `/`. Every path is opened with
//! `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`: `..` stops at the root and a symlink
//! (absolute or relative, however many) is resolved as the container would see it, so
//! a link to `/etc` reaches the container's `/etc`, never the host's. What is read or
//! written is then reached by `*at` calls with `O_NOFOLLOW` under a directory fd that was
//! resolved that way, never by joining strings to the root's host path: a symlink
//! swapped in during a copy can only lead elsewhere inside the root.
//!
//! [`ContainedRoot::write_tar`] archives a tree reached this way (the `cp` source side);
//! [`crate::extract::extract_into`] writes one (the destination side).

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{
    fstat, openat, openat2, readlinkat, statat, AtFlags, FileType, Mode, OFlags, ResolveFlags,
    Stat, CWD,
};
use rustix::io::Errno;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// How many symlinks [`ContainedRoot::locate`] follows in a final component (as Linux's
/// `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// Errors resolving or copying inside a root.
#[derive(Debug, thiserror::Error)]
pub enum ContainedError {
    /// An I/O error at a path inside the root.
    #[error("{path}: {source}")]
    Io {
        /// The path inside the root.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The path (or its parent directory) does not exist inside the root.
    #[error("{0:?} could not be found: no such file or directory")]
    NotFound(PathBuf),
    /// The path's final symlinks do not end (more than 40).
    #[error("{0:?}: too many levels of symbolic links")]
    Loop(PathBuf),
    /// A directory was expected.
    #[error("{0:?} is not a directory")]
    NotADirectory(PathBuf),
    /// Writing the archive failed.
    #[error("writing the archive of {path:?}: {source}")]
    Archive {
        /// The entry being written.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

type Result<T> = std::result::Result<T, ContainedError>;

fn io_at(path: &Path) -> impl FnOnce(Errno) -> ContainedError + '_ {
    move |e| {
        if e == Errno::NOENT {
            ContainedError::NotFound(path.to_path_buf())
        } else {
            ContainedError::Io {
                path: path.to_path_buf(),
                source: e.into(),
            }
        }
    }
}

/// What a path names after its final symlinks were followed inside the root.
#[derive(Debug)]
pub struct Located {
    /// The directory holding the entry (resolved inside the root).
    pub dir: OwnedFd,
    /// The entry's name in `dir`; `None` when the path names `dir` itself (`/`, `..`).
    pub name: Option<OsString>,
    /// The entry's status (never a symlink); `None` when it does not exist.
    pub stat: Option<Stat>,
    /// The path inside the root that was finally looked up (for messages).
    pub path: PathBuf,
}

impl Located {
    /// Whether the entry exists.
    pub fn exists(&self) -> bool {
        self.stat.is_some()
    }

    /// Whether the entry is a directory.
    pub fn is_dir(&self) -> bool {
        self.stat
            .as_ref()
            .is_some_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::Directory)
    }

    /// Opens the entry as a directory (`O_NOFOLLOW` under its resolved parent).
    pub fn open_dir(&self) -> Result<OwnedFd> {
        let name: &OsStr = self.name.as_deref().unwrap_or(OsStr::new("."));
        openat(
            &self.dir,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            Errno::NOTDIR => ContainedError::NotADirectory(self.path.clone()),
            e => io_at(&self.path)(e),
        })
    }
}

/// A directory used as the root of every path resolved through it.
#[derive(Debug)]
pub struct ContainedRoot {
    fd: OwnedFd,
    path: PathBuf,
}

impl ContainedRoot {
    /// Opens the directory `path` (a host path) as a root.
    pub fn open(path: &Path) -> Result<Self> {
        let fd = openat(
            CWD,
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io_at(path))?;
        Ok(ContainedRoot {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// The root's host path.
    pub fn host_path(&self) -> &Path {
        &self.path
    }

    fn openat2(&self, rel: &Path, flags: OFlags) -> std::result::Result<OwnedFd, Errno> {
        let rel = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        loop {
            match openat2(
                &self.fd,
                rel,
                flags | OFlags::CLOEXEC,
                Mode::empty(),
                ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
            ) {
                // The kernel asks for a retry when a rename raced the lookup.
                Err(Errno::AGAIN) | Err(Errno::INTR) => continue,
                r => return r,
            }
        }
    }

    /// Opens the directory `rel` (absolute or relative: both from the root), following
    /// every symlink inside the root.
    pub fn open_dir(&self, rel: &Path) -> Result<OwnedFd> {
        self.openat2(rel, OFlags::RDONLY | OFlags::DIRECTORY)
            .map_err(|e| match e {
                Errno::NOTDIR => ContainedError::NotADirectory(rel.to_path_buf()),
                e => io_at(rel)(e),
            })
    }

    /// Opens the file `rel` for reading, following every symlink inside the root.
    pub fn open_file(&self, rel: &Path) -> Result<File> {
        Ok(File::from(
            self.openat2(rel, OFlags::RDONLY).map_err(io_at(rel))?,
        ))
    }

    /// Reads the whole file `rel` (resolved inside the root).
    pub fn read(&self, rel: &Path) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.open_file(rel)?
            .read_to_end(&mut buf)
            .map_err(|source| ContainedError::Io {
                path: rel.to_path_buf(),
                source,
            })?;
        Ok(buf)
    }

    /// Finds what `rel` names: its directories are resolved by the kernel inside the
    /// root, and a final component that is a symlink is followed (inside the root) until
    /// it is not one, even when it dangles: then the result names the missing target, as
    /// Podman's `cp` does (`x -> /tmp/nonesuch` copied onto creates `/tmp/nonesuch`).
    pub fn locate(&self, rel: &Path) -> Result<Located> {
        let mut cur = rel.to_path_buf();
        for _ in 0..MAX_LINKS {
            let (parent, name) = split_last(&cur);
            let Some(name) = name else {
                let dir = self.open_dir(&cur)?;
                let st = fstat(&dir).map_err(io_at(&cur))?;
                return Ok(Located {
                    dir,
                    name: None,
                    stat: Some(st),
                    path: cur,
                });
            };
            let dir = self.open_dir(&parent).map_err(|e| match e {
                ContainedError::NotADirectory(_) => ContainedError::NotFound(rel.to_path_buf()),
                e => e,
            })?;
            let st = match statat(&dir, &name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(Errno::NOENT) => {
                    return Ok(Located {
                        dir,
                        name: Some(name),
                        stat: None,
                        path: cur,
                    })
                }
                Err(e) => return Err(io_at(&cur)(e)),
            };
            if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
                return Ok(Located {
                    dir,
                    name: Some(name),
                    stat: Some(st),
                    path: cur,
                });
            }
            let target = readlinkat(&dir, &name, Vec::new()).map_err(io_at(&cur))?;
            let target = PathBuf::from(OsStr::from_bytes(target.to_bytes()));
            // A relative target is taken from the link's directory; the kernel resolves
            // the `..` in the joined path (inside the root) on the next round.
            cur = if target.is_absolute() {
                target
            } else {
                parent.join(target)
            };
        }
        Err(ContainedError::Loop(rel.to_path_buf()))
    }

    /// Writes `loc` (a located entry, a directory copied recursively) to `b`, named
    /// `name` in the archive; with `contents`, a directory's children are written at the
    /// archive's top instead (`cp SRC/.`). Symlinks inside the tree are archived as
    /// links, never followed; hardlinked files become link entries.
    pub fn write_tar<W: Write>(
        &self,
        b: &mut tar::Builder<W>,
        loc: &Located,
        name: &Path,
        contents: bool,
    ) -> Result<()> {
        let _span =
            tracing::debug_span!("write_tar", root = %self.path.display(), path = %loc.path.display())
                .entered();
        let mut w = TreeWriter {
            links: HashMap::new(),
            shown: loc.path.clone(),
        };
        match (&loc.name, contents) {
            (Some(n), false) => w.entry(b, &loc.dir, n, name),
            _ => {
                let dir = loc.open_dir()?;
                if !contents {
                    let st = fstat(&dir).map_err(io_at(&loc.path))?;
                    w.append(b, &header(&st, FileType::Directory), name, io::empty())?;
                }
                w.children(b, &dir, if contents { Path::new("") } else { name })
            }
        }
    }
}

/// Splits a path into its parent and final name; `None` when the final component is
/// the root, `.` or `..` (the path names a directory that must be opened whole).
fn split_last(p: &Path) -> (PathBuf, Option<OsString>) {
    match p.components().next_back() {
        Some(Component::Normal(n)) => (
            p.parent().map(Path::to_path_buf).unwrap_or_default(),
            Some(n.to_os_string()),
        ),
        _ => (p.to_path_buf(), None),
    }
}

fn header(st: &Stat, ft: FileType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_mode(st.st_mode & 0o7777);
    h.set_uid(u64::from(st.st_uid));
    h.set_gid(u64::from(st.st_gid));
    // st_mtime's type differs between targets (signed on some).
    #[allow(clippy::useless_conversion)]
    h.set_mtime(u64::try_from(st.st_mtime).unwrap_or(0));
    h.set_size(0);
    let et = match ft {
        FileType::Directory => tar::EntryType::Directory,
        FileType::Symlink => tar::EntryType::Symlink,
        FileType::CharacterDevice => tar::EntryType::Char,
        FileType::BlockDevice => tar::EntryType::Block,
        FileType::Fifo => tar::EntryType::Fifo,
        _ => tar::EntryType::Regular,
    };
    h.set_entry_type(et);
    if matches!(ft, FileType::CharacterDevice | FileType::BlockDevice) {
        let _ = h.set_device_major(rustix::fs::major(st.st_rdev));
        let _ = h.set_device_minor(rustix::fs::minor(st.st_rdev));
    }
    h
}

struct TreeWriter {
    /// (dev, ino) of files with several links → their first archive name.
    links: HashMap<(u64, u64), PathBuf>,
    /// The copy's source path (for messages).
    shown: PathBuf,
}

impl TreeWriter {
    fn err(&self, rel: &Path) -> impl FnOnce(io::Error) -> ContainedError {
        let path = self.shown.join(rel);
        move |source| ContainedError::Archive { path, source }
    }

    fn append<W: Write, R: Read>(
        &self,
        b: &mut tar::Builder<W>,
        h: &tar::Header,
        name: &Path,
        data: R,
    ) -> Result<()> {
        let mut h = h.clone();
        b.append_data(&mut h, name, data).map_err(self.err(name))
    }

    /// Archives `name` in `dir` (never following it) as `arch`.
    fn entry<W: Write>(
        &mut self,
        b: &mut tar::Builder<W>,
        dir: &OwnedFd,
        name: &OsStr,
        arch: &Path,
    ) -> Result<()> {
        let shown = self.shown.join(arch);
        let st = match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            // Gone meanwhile (a running container deleted it): nothing to copy.
            Err(Errno::NOENT) => return Ok(()),
            Err(e) => return Err(io_at(&shown)(e)),
        };
        let ft = FileType::from_raw_mode(st.st_mode);
        let mut h = header(&st, ft);
        match ft {
            FileType::Directory => {
                let fd = openat(
                    dir,
                    name,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map_err(io_at(&shown))?;
                self.append(b, &h, arch, io::empty())?;
                self.children(b, &fd, arch)
            }
            FileType::RegularFile => {
                if st.st_nlink > 1 {
                    let key = (st.st_dev, st.st_ino);
                    if let Some(first) = self.links.get(&key) {
                        h.set_entry_type(tar::EntryType::Link);
                        let first = first.clone();
                        return b.append_link(&mut h, arch, first).map_err(self.err(arch));
                    }
                    self.links.insert(key, arch.to_path_buf());
                }
                let fd = openat(
                    dir,
                    name,
                    OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map_err(io_at(&shown))?;
                // The size of what was opened (a file swapped in after the stat).
                let st = fstat(&fd).map_err(io_at(&shown))?;
                if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
                    return Ok(());
                }
                let size = u64::try_from(st.st_size).unwrap_or(0);
                let mut h = header(&st, FileType::RegularFile);
                h.set_size(size);
                let data = ExactReader {
                    inner: File::from(fd),
                    left: size,
                };
                b.append_data(&mut h, arch, data).map_err(self.err(arch))
            }
            FileType::Symlink => {
                let target = readlinkat(dir, name, Vec::new()).map_err(io_at(&shown))?;
                let target = Path::new(OsStr::from_bytes(target.to_bytes()));
                b.append_link(&mut h, arch, target).map_err(self.err(arch))
            }
            FileType::CharacterDevice | FileType::BlockDevice | FileType::Fifo => {
                self.append(b, &h, arch, io::empty())
            }
            // Sockets (and anything else) have no archive form.
            _ => Ok(()),
        }
    }

    fn children<W: Write>(
        &mut self,
        b: &mut tar::Builder<W>,
        dir: &OwnedFd,
        arch: &Path,
    ) -> Result<()> {
        let mut names = Vec::new();
        let mut d =
            rustix::fs::Dir::read_from(dir.as_fd()).map_err(io_at(&self.shown.join(arch)))?;
        while let Some(ent) = d.read() {
            let ent = ent.map_err(io_at(&self.shown.join(arch)))?;
            let n = ent.file_name().to_bytes();
            if n != b"." && n != b".." {
                names.push(OsStr::from_bytes(n).to_os_string());
            }
        }
        names.sort();
        for n in names {
            self.entry(b, dir, &n, &arch.join(&n))?;
        }
        Ok(())
    }
}

/// Reads exactly `left` bytes: a file that shrank while it was archived is padded with
/// zeros, one that grew is cut (the header's size was already written).
struct ExactReader {
    inner: File,
    left: u64,
}

impl Read for ExactReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let want = out
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = match self.inner.read(&mut out[..want]) {
            Ok(0) => {
                out[..want].fill(0);
                want
            }
            Ok(n) => n,
            Err(e) => return Err(e),
        };
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn hostile() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        let host = t.path().join("host");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(root.join("tmp/sub")).unwrap();
        std::fs::create_dir_all(&host).unwrap();
        std::fs::write(root.join("etc/passwd"), "container\n").unwrap();
        std::fs::write(host.join("passwd"), "host\n").unwrap();
        // Absolute links to the root's parent, `..` chains, a link to the host path.
        symlink("/etc", root.join("x")).unwrap();
        symlink("../../../../../../etc", root.join("tmp/up")).unwrap();
        symlink(&host, root.join("hostdir")).unwrap();
        symlink(host.join("passwd"), root.join("shadow")).unwrap();
        symlink("..", root.join("tmp/sub/weird")).unwrap();
        symlink("loop2", root.join("loop1")).unwrap();
        symlink("loop1", root.join("loop2")).unwrap();
        symlink("/nonesuch", root.join("tmp/dangling")).unwrap();
        (t, root, host)
    }

    fn read(r: &ContainedRoot, p: &str) -> String {
        String::from_utf8(r.read(Path::new(p)).unwrap()).unwrap()
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let (_t, root, host) = hostile();
        let r = ContainedRoot::open(&root).unwrap();
        assert_eq!(read(&r, "/x/passwd"), "container\n");
        assert_eq!(read(&r, "x/passwd"), "container\n");
        assert_eq!(read(&r, "/tmp/up/passwd"), "container\n");
        assert_eq!(read(&r, "/../../../etc/passwd"), "container\n");
        assert_eq!(
            read(&r, "/tmp/sub/weird/sub/weird/../etc/passwd"),
            "container\n"
        );
        // A link to a host path names that path inside the root: absent here.
        let e = r.read(Path::new("/shadow")).unwrap_err();
        assert!(matches!(e, ContainedError::NotFound(_)), "{e}");
        let e = r.open_dir(Path::new("/hostdir")).unwrap_err();
        assert!(matches!(e, ContainedError::NotFound(_)), "{e}");
        assert_eq!(
            std::fs::read_to_string(host.join("passwd")).unwrap(),
            "host\n"
        );
    }

    #[test]
    fn locate_follows_final_links_inside() {
        let (_t, root, _host) = hostile();
        let r = ContainedRoot::open(&root).unwrap();
        let l = r.locate(Path::new("/tmp/up")).unwrap();
        assert!(l.is_dir());
        assert_eq!(l.name.as_deref(), Some(OsStr::new("etc")));
        let l = r.locate(Path::new("/tmp/sub/weird")).unwrap();
        assert!(l.is_dir());
        assert_eq!(l.name, None, "{:?}", l.path);
        let l = r.locate(Path::new("/tmp/dangling")).unwrap();
        assert!(!l.exists());
        assert_eq!(l.name.as_deref(), Some(OsStr::new("nonesuch")));
        // The host's file is not the container's: its directory is not in the root.
        assert!(matches!(
            r.locate(Path::new("/shadow")),
            Err(ContainedError::NotFound(_))
        ));
        assert!(matches!(
            r.locate(Path::new("/loop1")),
            Err(ContainedError::Loop(_))
        ));
        assert!(matches!(
            r.locate(Path::new("/nonesuch/x")),
            Err(ContainedError::NotFound(_))
        ));
        assert!(matches!(
            r.locate(Path::new("/etc/passwd/x")),
            Err(ContainedError::NotFound(_))
        ));
    }

    #[test]
    fn write_tar_archives_links_as_links() {
        let (t, root, _host) = hostile();
        std::fs::write(root.join("tmp/sub/f"), "data").unwrap();
        std::fs::hard_link(root.join("tmp/sub/f"), root.join("tmp/sub/g")).unwrap();
        let r = ContainedRoot::open(&root).unwrap();
        let loc = r.locate(Path::new("/tmp")).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        r.write_tar(&mut b, &loc, Path::new("out"), false).unwrap();
        let data = b.into_inner().unwrap();
        let mut names = Vec::new();
        for e in tar::Archive::new(&data[..]).entries().unwrap() {
            let e = e.unwrap();
            names.push((
                e.path().unwrap().display().to_string(),
                e.header().entry_type(),
            ));
        }
        assert!(names.contains(&("out/sub/weird".into(), tar::EntryType::Symlink)));
        assert!(names.contains(&("out/up".into(), tar::EntryType::Symlink)));
        assert!(names.contains(&("out/sub/f".into(), tar::EntryType::Regular)));
        assert!(names.contains(&("out/sub/g".into(), tar::EntryType::Link)));
        // Extracting it elsewhere gives the same file content and keeps links as links.
        let dest = t.path().join("dest");
        std::fs::create_dir(&dest).unwrap();
        let dfd = ContainedRoot::open(&dest).unwrap();
        crate::extract::extract_into(
            &data[..],
            &dfd.fd,
            &crate::extract::ExtractOptions {
                whiteouts: None,
                owner: None,
                replace_kind: false,
                apply_root: false,
                display_prefix: dest.clone(),
            },
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dest.join("out/sub/g")).unwrap(),
            "data"
        );
        assert_eq!(
            std::fs::read_link(dest.join("out/up")).unwrap(),
            PathBuf::from("../../../../../../etc")
        );
    }

    #[test]
    fn write_tar_contents_mode() {
        let (_t, root, _host) = hostile();
        let r = ContainedRoot::open(&root).unwrap();
        let loc = r.locate(Path::new("/etc")).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        r.write_tar(&mut b, &loc, Path::new("ignored"), true)
            .unwrap();
        let data = b.into_inner().unwrap();
        let names: Vec<String> = tar::Archive::new(&data[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, vec!["passwd".to_string()]);
    }

    #[test]
    fn extract_refuses_kind_change_without_replace() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("foo")).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        b.append_data(&mut h, "foo", &b"x"[..]).unwrap();
        let data = b.into_inner().unwrap();
        let r = ContainedRoot::open(t.path()).unwrap();
        let mut opts = crate::extract::ExtractOptions {
            whiteouts: None,
            owner: Some((123, 456)),
            replace_kind: false,
            apply_root: false,
            display_prefix: PathBuf::from("/tmp"),
        };
        let e = crate::extract::extract_into(&data[..], &r.fd, &opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "error creating \"/tmp/foo\": a directory is in the way: file exists"
        );
        assert!(t.path().join("foo").is_dir(), "nothing lost");
        opts.replace_kind = true;
        crate::extract::extract_into(&data[..], &r.fd, &opts).unwrap();
        use std::os::unix::fs::MetadataExt;
        let md = std::fs::metadata(t.path().join("foo")).unwrap();
        assert!(md.is_file());
        assert_eq!((md.uid(), md.gid()), (123, 456));
    }
}
