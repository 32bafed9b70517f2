//! `cp`: files between a container and the host (or another container, or a tar
//! stream), with Podman's archive rules. Every path inside a container is resolved
//! inside its root filesystem (`libpod_storage::contained`): a container's symlink to
//! `/etc` or `../../..` reaches the container's own files, never the host's.
//!
//! The rootfs is mounted for the copy (a running container's mount is shared: the store
//! counts mounts) and unmounted after. A path at or below one of the container's mount
//! destinations (the longest wins, as Podman) is resolved elsewhere: for a running
//! container in `/proc/PID/root`, its own mount namespace, where its volumes, binds and
//! tmpfs mounts are as its processes see them (Podman joins that namespace for the same
//! reason); for one that does not run, in that volume's directory or that bind mount's
//! source. A tmpfs of a container that does not run is not there yet: the copy lands in
//! the rootfs below it, which the runtime copies up into the tmpfs at start
//! (`tmpcopyup`). Paths elsewhere stay in the rootfs, so a copy of `/` never walks the
//! container's /proc or /sys.

use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;

use libpod_storage::contained::{ContainedError, ContainedRoot, Located};
use libpod_storage::extract::{extract_into, ExtractOptions};

pub use super::copy_error::CopyError;
use crate::{Container, Result, Runtime};

/// One end of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyEnd {
    /// A host path (relative to the working directory or absolute).
    Host(PathBuf),
    /// A path inside a container (relative paths start at its `/`).
    Container {
        /// The container (id, id prefix or name).
        container: String,
        /// The path inside it.
        path: String,
    },
    /// A tar stream: read from the caller's reader as a source, written to its writer
    /// as a destination (`-`).
    Stream,
}

impl CopyEnd {
    /// Parses a `cp` argument as Podman does: `-` is the stream, `CONTAINER:PATH` a
    /// container path unless the part before the colon has a `/` or starts with `.`
    /// (`./file:name`, `/a:b`), anything else a host path.
    pub fn parse(arg: &str) -> CopyEnd {
        if arg == "-" {
            return CopyEnd::Stream;
        }
        match arg.split_once(':') {
            Some((c, p)) if !c.is_empty() && !c.contains('/') && !c.starts_with('.') => {
                CopyEnd::Container {
                    container: c.to_string(),
                    path: p.to_string(),
                }
            }
            _ => CopyEnd::Host(PathBuf::from(arg)),
        }
    }
}

/// How `cp` writes.
#[derive(Debug, Clone, Copy)]
pub struct CopyOptions {
    /// Files copied into a container are owned by the container's user (Podman's
    /// `--archive`, the default); without it they keep the archive's owners.
    pub archive: bool,
    /// A directory may replace a non-directory and the other way round.
    pub overwrite: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            archive: true,
            overwrite: false,
        }
    }
}

/// One side of a copy: a root (the container's mounted rootfs, or the host's `/`).
pub(crate) struct Side {
    pub(crate) root: ContainedRoot,
    place: String,
    /// The container whose rootfs is mounted (unmounted on drop) and its user.
    ctr: Option<(Container, (u32, u32))>,
    /// The container's mounts (destination, where it is resolved: a host directory,
    /// or `None` for the running container's own root, `/proc/PID/root`), longest
    /// destination first.
    mounts: Vec<(PathBuf, Option<PathBuf>)>,
    /// `/proc/PID/root` of a running container.
    live: Option<PathBuf>,
    /// Where a relative container path starts: the container's working directory, as
    /// in Podman (`/` on the host side, which takes no relative container paths).
    pub(crate) workdir: PathBuf,
}

impl Drop for Side {
    fn drop(&mut self) {
        if let Some((c, _)) = &self.ctr {
            if let Ok(p) = c.parts() {
                if let Err(e) = p.store.unmount(&c.id, false) {
                    tracing::warn!(id = %c.id, "unmounting after cp: {e}");
                }
            }
        }
    }
}

impl Side {
    fn host() -> std::result::Result<Side, CopyError> {
        let place = "the host".to_string();
        Ok(Side {
            root: ContainedRoot::open(Path::new("/")).map_err(|source| CopyError::Resolve {
                place: place.clone(),
                source,
            })?,
            place,
            ctr: None,
            mounts: Vec::new(),
            live: None,
            workdir: PathBuf::from("/"),
        })
    }

    /// The container `name` as `cp` sees it (a running one through its own mount
    /// namespace).
    pub(crate) fn container(rt: &Runtime, name: &str) -> Result<Side> {
        Side::container_with(rt, name, true)
    }

    /// The container's root filesystem alone, mounted (`export`), never its mounts.
    pub(crate) fn container_rootfs(rt: &Runtime, name: &str) -> Result<Side> {
        Side::container_with(rt, name, false)
    }

    fn container_with(rt: &Runtime, name: &str, live: bool) -> Result<Side> {
        let c = rt.container(name)?;
        let p = c.enter()?;
        let place = format!("container {name}");
        let cfg = c.config()?;
        let (path, live_root) = {
            let l = crate::ops::lock::Locked::acquire(&p, &c.id)?;
            let live_root = match l.st.pid {
                Some(pid)
                    if live
                        && l.st.status == libpod_config::ContainerStatus::Running
                        && pid > 0 =>
                {
                    Some(PathBuf::from(format!("/proc/{pid}/root")))
                }
                _ => None,
            };
            (p.store.mount(&c.id)?, live_root)
        };
        let mut side = Side {
            root: match ContainedRoot::open(&path) {
                Ok(r) => r,
                Err(source) => {
                    let _ = p.store.unmount(&c.id, false);
                    return Err(CopyError::Resolve { place, source }.into());
                }
            },
            place,
            // The user is filled in below; set now so that drop unmounts on error.
            ctr: Some((c, (0, 0))),
            mounts: Vec::new(),
            live: live_root.clone(),
            workdir: cfg
                .working_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("/")),
        };
        if live {
            for m in &cfg.mounts {
                let host = match (&live_root, &m.kind) {
                    (Some(_), _) => None,
                    (None, libpod_config::MountKind::Bind) => Some(PathBuf::from(&m.source)),
                    (None, libpod_config::MountKind::Volume) => {
                        let (v, _) = p.state.volume(&m.source).map_err(crate::volume::vol_err)?;
                        if v.options.needs_mount()
                            && !crate::volume::mount::is_mounted(&v.mountpoint)
                        {
                            return Err(CopyError::VolumeNotMounted(v.name).into());
                        }
                        Some(v.mountpoint)
                    }
                    _ => continue,
                };
                side.mounts.push((m.destination.clone(), host));
            }
            side.mounts
                .sort_by_key(|(d, _)| std::cmp::Reverse(d.components().count()));
        }
        let (uid, gid, _) = crate::ops::init::resolve_user(&path, cfg.user.as_deref())?;
        if let Some((_, user)) = side.ctr.as_mut() {
            *user = (uid, gid);
        }
        Ok(side)
    }

    /// When `path` (absolute, in the container) is at or below one of the container's
    /// mount destinations: for a running container the root becomes its own
    /// (`/proc/PID/root`) and the path stays; else the root becomes that volume's
    /// directory or bind mount's source and the returned path is the rest below it.
    /// Elsewhere: `path` as is, in the rootfs.
    fn rebase(&mut self, path: &Path) -> std::result::Result<PathBuf, CopyError> {
        let clean: PathBuf = path
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        let clean = Path::new("/").join(clean);
        let Some((dest, host)) = self.mounts.iter().find(|(d, _)| clean.starts_with(d)) else {
            return Ok(path.to_path_buf());
        };
        let reopen = |dir: &Path| {
            ContainedRoot::open(dir).map_err(|source| CopyError::Resolve {
                place: self.place.clone(),
                source,
            })
        };
        let Some(host) = host else {
            // The running container's own view, the whole path in it.
            if let Some(live) = &self.live {
                self.root = reopen(live)?;
            }
            return Ok(path.to_path_buf());
        };
        let rest = clean
            .strip_prefix(dest)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        // Keep a trailing `/` or `/.` of the path as given: they decide the copy's rules.
        let given = path.as_os_str().to_string_lossy();
        let mut rest = Path::new("/").join(rest).display().to_string();
        if given.ends_with("/.") {
            rest = format!("{}/.", rest.trim_end_matches('/'));
        } else if given.ends_with('/') && !rest.ends_with('/') {
            rest.push('/');
        }
        self.root = reopen(host)?;
        Ok(PathBuf::from(rest))
    }

    fn open(rt: &Runtime, end: &CopyEnd) -> Result<Option<Side>> {
        Ok(match end {
            CopyEnd::Host(_) => Some(Side::host()?),
            CopyEnd::Container { container, .. } => Some(Side::container(rt, container)?),
            CopyEnd::Stream => None,
        })
    }

    pub(crate) fn resolve_err(&self, path: &str) -> impl FnOnce(ContainedError) -> CopyError + '_ {
        let path = path.to_string();
        move |source| match source {
            ContainedError::NotFound(_) | ContainedError::NotADirectory(_) => CopyError::NotFound {
                path,
                place: self.place.clone(),
            },
            source => CopyError::Resolve {
                place: self.place.clone(),
                source,
            },
        }
    }
}

/// The path of a copy end on its side: a host path relative to the working directory
/// made absolute; a container path as given, a relative one from the container's
/// working directory (`workdir`).
fn side_path(end: &CopyEnd, workdir: &Path) -> io::Result<(String, PathBuf)> {
    match end {
        CopyEnd::Host(p) => {
            let abs = if p.is_absolute() {
                p.clone()
            } else {
                std::env::current_dir()?.join(p)
            };
            Ok((p.display().to_string(), abs))
        }
        CopyEnd::Container { path, .. } => {
            Ok((path.clone(), Path::new("/").join(workdir).join(path)))
        }
        CopyEnd::Stream => Ok(("-".into(), PathBuf::new())),
    }
}

/// The archive name of a source: its last name as given; `None` for `/`, `.` or `..`
/// endings (then its content is copied).
fn base_name(given: &str) -> Option<PathBuf> {
    match Path::new(given).components().next_back() {
        Some(Component::Normal(n)) => Some(PathBuf::from(n)),
        _ => None,
    }
}

/// A writer sending chunks to a reader on another thread (no OS pipe: a closed
/// reader must be an error, never a SIGPIPE).
pub(crate) struct ChanWriter(pub(crate) mpsc::SyncSender<Vec<u8>>);

impl Write for ChanWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(crate) struct ChanReader {
    pub(crate) rx: mpsc::Receiver<Vec<u8>>,
    pub(crate) cur: Vec<u8>,
    pub(crate) pos: usize,
}

impl Read for ChanReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(v) => {
                    self.cur = v;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Checks that a (decompressed) stream starts with a tar header block.
pub(crate) fn looks_like_tar(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    let stored = std::str::from_utf8(&head[148..156])
        .ok()
        .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|s| u32::from_str_radix(s, 8).ok());
    let sum: u32 = head[..512]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    stored == Some(sum)
}

impl Runtime {
    /// Copies `src` to `dst` (`podman cp`). A [`CopyEnd::Stream`] source reads a tar
    /// (plain, gzip or zstd) from `stdin`; a stream destination writes a tar to
    /// `stdout`. At least one end is a container.
    #[tracing::instrument(skip(self, stdin, stdout))]
    pub fn copy(
        &self,
        src: &CopyEnd,
        dst: &CopyEnd,
        opts: CopyOptions,
        stdin: &mut dyn Read,
        stdout: &mut dyn Write,
    ) -> Result<()> {
        let container = |e: &CopyEnd| matches!(e, CopyEnd::Container { .. });
        if !container(src) && !container(dst) {
            return Err(CopyError::NoContainer(match src {
                CopyEnd::Stream => "a stream",
                _ => "the host",
            })
            .into());
        }
        let src_side = Side::open(self, src)?;
        let dst_side = Side::open(self, dst)?;
        let workdir = |s: &Option<Side>| {
            s.as_ref()
                .map_or_else(|| PathBuf::from("/"), |s| s.workdir.clone())
        };
        let (src_given, src_path) =
            side_path(src, &workdir(&src_side)).map_err(CopyError::Stream)?;
        let (dst_given, dst_path) =
            side_path(dst, &workdir(&dst_side)).map_err(CopyError::Stream)?;
        let mut src_side = src_side;
        let mut dst_side = dst_side;
        let src_path = match src_side.as_mut() {
            Some(s) if matches!(src, CopyEnd::Container { .. }) => s.rebase(&src_path)?,
            _ => src_path,
        };
        let dst_path = match dst_side.as_mut() {
            Some(d) if matches!(dst, CopyEnd::Container { .. }) => d.rebase(&dst_path)?,
            _ => dst_path,
        };

        // The destination: where the archive goes, and under which name.
        let owner = |s: &Side| match (&s.ctr, opts.archive) {
            (Some((_, o)), true) => Some(*o),
            _ => None,
        };
        let Some(s) = src_side else {
            // A tar stream into a container directory.
            let d = dst_side
                .as_ref()
                .ok_or(CopyError::NoContainer("a stream"))?;
            let loc = d
                .root
                .locate(&dst_path)
                .map_err(d.resolve_err(&dst_given))?;
            if !loc.is_dir() {
                return Err(CopyError::StreamNeedsDir.into());
            }
            let (_, mut plain) =
                libpod_storage::archive::decompress(stdin).map_err(CopyError::Stream)?;
            let mut head = Vec::with_capacity(512);
            (&mut plain)
                .take(512)
                .read_to_end(&mut head)
                .map_err(CopyError::Stream)?;
            if !looks_like_tar(&head) {
                return Err(CopyError::NotAnArchive.into());
            }
            let dir = loc.open_dir().map_err(d.resolve_err(&dst_given))?;
            let xo = ExtractOptions {
                whiteouts: None,
                owner: owner(d),
                replace_kind: opts.overwrite,
                apply_root: false,
                display_prefix: loc.path.clone(),
            };
            extract_into(io::Cursor::new(head).chain(plain), &dir, &xo).map_err(|source| {
                CopyError::Extract {
                    place: d.place.clone(),
                    source,
                }
            })?;
            return Ok(());
        };

        // The source.
        let sloc = s
            .root
            .locate(&src_path)
            .map_err(s.resolve_err(&src_given))?;
        if !sloc.exists() || (src_given.ends_with('/') && !sloc.is_dir()) {
            return Err(CopyError::NotFound {
                path: src_given,
                place: s.place.clone(),
            }
            .into());
        }
        let src_dir = sloc.is_dir();
        let base = base_name(&src_given);
        let dot = src_given == "." || src_given.ends_with("/.");
        let mut contents = src_dir && (dot || base.is_none());
        let mut name = base.unwrap_or_default();

        let Some(d) = dst_side else {
            // A tar of the source on the caller's writer.
            let mut b = tar::Builder::new(io::BufWriter::new(stdout));
            s.root
                .write_tar(&mut b, &sloc, &name, contents)
                .map_err(s.resolve_err(&src_given))?;
            b.into_inner()
                .and_then(|mut w| w.flush())
                .map_err(CopyError::Stream)?;
            return Ok(());
        };

        if let CopyEnd::Host(p) = dst {
            // `/dev/stdout` and the like: no copy onto devices (only `-` streams).
            if let Ok(md) = std::fs::metadata(p) {
                if !md.is_dir() && !md.is_file() {
                    return Err(CopyError::InvalidDestination(dst_given).into());
                }
            }
        }
        let dloc = d
            .root
            .locate(&dst_path)
            .map_err(d.resolve_err(&dst_given))?;
        let (dir, prefix) = if dloc.is_dir() {
            (dloc.open_dir(), dloc.path.clone())
        } else {
            if !dloc.exists() && dst_given.ends_with('/') {
                return Err(CopyError::NotFound {
                    path: dst_given,
                    place: d.place.clone(),
                }
                .into());
            }
            if dloc.exists() && src_dir && !opts.overwrite {
                return Err(CopyError::DirOntoFile {
                    src: src_given,
                    dst: dst_given,
                }
                .into());
            }
            // The source becomes the destination's name in its directory.
            contents = false;
            name = PathBuf::from(dloc.name.clone().unwrap_or_default());
            let dup = dloc.dir.try_clone().map_err(|source| ContainedError::Io {
                path: dloc.path.clone(),
                source,
            });
            (
                dup,
                dloc.path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            )
        };
        let dir = dir.map_err(d.resolve_err(&dst_given))?;
        // Errors name a host entry from the destination directory (Podman's copier
        // works chrooted there: `error creating "/foo"`), a container's from its `/`.
        let prefix = if matches!(dst, CopyEnd::Host(_)) {
            PathBuf::new()
        } else {
            prefix
        };
        let xo = ExtractOptions {
            whiteouts: None,
            owner: owner(&d),
            replace_kind: opts.overwrite,
            apply_root: false,
            display_prefix: prefix,
        };
        copy_between(&s, &sloc, &name, contents, &d, &dir, &xo, &src_given)
    }
}

/// Streams the source's tar from a thread into the destination's extraction.
#[allow(clippy::too_many_arguments)]
fn copy_between(
    s: &Side,
    sloc: &Located,
    name: &Path,
    contents: bool,
    d: &Side,
    dir: &std::os::fd::OwnedFd,
    xo: &ExtractOptions,
    src_given: &str,
) -> Result<()> {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(32);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            let mut b = tar::Builder::new(io::BufWriter::with_capacity(256 * 1024, ChanWriter(tx)));
            s.root.write_tar(&mut b, sloc, name, contents)?;
            b.into_inner()
                .and_then(|mut w| w.flush())
                .map_err(|source| ContainedError::Archive {
                    path: sloc.path.clone(),
                    source,
                })
        });
        let reader = ChanReader {
            rx,
            cur: Vec::new(),
            pos: 0,
        };
        let extracted = extract_into(reader, dir, xo);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(ContainedError::Loop(sloc.path.clone())));
        // The source's error first: the destination only saw a short stream.
        written.map_err(s.resolve_err(src_given))?;
        extracted.map_err(|source| CopyError::Extract {
            place: d.place.clone(),
            source,
        })?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ends() {
        assert_eq!(CopyEnd::parse("-"), CopyEnd::Stream);
        assert_eq!(
            CopyEnd::parse("ctr:/etc"),
            CopyEnd::Container {
                container: "ctr".into(),
                path: "/etc".into()
            }
        );
        assert_eq!(
            CopyEnd::parse("./file:name"),
            CopyEnd::Host("./file:name".into())
        );
        assert_eq!(CopyEnd::parse("/a:b"), CopyEnd::Host("/a:b".into()));
        assert_eq!(CopyEnd::parse("plain"), CopyEnd::Host("plain".into()));
    }

    #[test]
    fn base_names() {
        assert_eq!(base_name("/tmp/x"), Some(PathBuf::from("x")));
        assert_eq!(base_name("/tmp/x/"), Some(PathBuf::from("x")));
        assert_eq!(base_name("/tmp/x/."), Some(PathBuf::from("x")));
        assert_eq!(base_name("/"), None);
        assert_eq!(base_name("/tmp/.."), None);
    }

    #[test]
    fn tar_sniffing() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        b.append_data(&mut h, "f", io::empty()).unwrap();
        assert!(looks_like_tar(&b.into_inner().unwrap()));
        assert!(!looks_like_tar(&[b'x'; 600]));
        assert!(!looks_like_tar(b"short"));
    }
}
