//! Named network namespaces: a bind mount of a new net namespace under a run-root dir.
//!
//! The caller's threads never change namespace: creation and [`Netns::run`] use a
//! dedicated thread that exits afterwards.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};

/// Errors from network namespace operations.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// Invalid namespace name.
    #[error("invalid netns name {name:?}")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// A namespace of that name already exists.
    #[error("netns {path} already exists")]
    Exists {
        /// Its path.
        path: PathBuf,
    },
    /// A file operation failed.
    #[error("netns {path}: {op}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A system call failed.
    #[error("netns {path}: {op}: {source}")]
    Sys {
        /// The path involved.
        path: PathBuf,
        /// The call.
        op: &'static str,
        /// The errno.
        source: nix::Error,
    },
    /// The path is not a network namespace.
    #[error("{path} is not a network namespace")]
    NotNetns {
        /// The path.
        path: PathBuf,
    },
    /// The helper thread panicked.
    #[error("netns {path}: helper thread panicked")]
    ThreadPanicked {
        /// The namespace path.
        path: PathBuf,
    },
}

/// A network namespace pinned by a file (a bind mount), e.g. `/run/lpod/netns/lpod-<id>`.
#[derive(Debug)]
pub struct Netns {
    path: PathBuf,
    file: File,
}

fn sys<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(nix::Error) -> NetnsError + 'a {
    move |source| NetnsError::Sys {
        path: path.to_path_buf(),
        op,
        source,
    }
}

const NSFS_MAGIC: i64 = 0x6e73_6673;

fn is_nsfs(file: &File) -> bool {
    match nix::sys::statfs::fstatfs(file) {
        Ok(s) => s.filesystem_type().0 == NSFS_MAGIC,
        Err(_) => false,
    }
}

/// True when `path` opens as a network namespace (false for a missing path or a plain file,
/// e.g. the leftover of a pinned netns after a reboot).
pub fn is_netns_path(path: &Path) -> bool {
    File::open(path).map(|f| is_nsfs(&f)).unwrap_or(false)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Netns {
    /// Creates a new network namespace pinned at `dir/name`, with `lo` up.
    #[tracing::instrument(skip_all, fields(name = %name, dir = %dir.display()))]
    pub fn create(name: &str, dir: &Path) -> Result<Netns, NetnsError> {
        if !valid_name(name) {
            return Err(NetnsError::InvalidName {
                name: name.to_string(),
            });
        }
        crate::private::create_private_dir(dir).map_err(|source| NetnsError::Io {
            path: dir.to_path_buf(),
            op: "create dir",
            source,
        })?;
        let path = dir.join(name);
        use std::os::unix::fs::OpenOptionsExt as _;
        match std::fs::OpenOptions::new()
            .mode(0o600)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(NetnsError::Exists { path })
            }
            Err(source) => {
                return Err(NetnsError::Io {
                    path,
                    op: "create file",
                    source,
                })
            }
        }
        let p2 = path.clone();
        let made = std::thread::spawn(move || -> Result<(), NetnsError> {
            unshare(CloneFlags::CLONE_NEWNET).map_err(sys(&p2, "unshare(CLONE_NEWNET)"))?;
            // This thread is now alone in the new namespace; the rest of the process is not.
            mount(
                Some("/proc/thread-self/ns/net"),
                &p2,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(sys(&p2, "bind mount"))?;
            crate::link::set_up("lo", true).map_err(|source| NetnsError::Io {
                path: p2.clone(),
                op: "set lo up",
                source,
            })
        })
        .join();
        let res = match made {
            Ok(r) => r,
            Err(_) => Err(NetnsError::ThreadPanicked { path: path.clone() }),
        };
        if let Err(e) = res {
            let _ = umount2(&path, MntFlags::MNT_DETACH);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        match Netns::open(&path) {
            Ok(ns) => {
                crate::failpoint::hit("net.netns.after_create");
                Ok(ns)
            }
            Err(e) => {
                let _ = umount2(&path, MntFlags::MNT_DETACH);
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Opens an existing network namespace file (a pinned netns or `/proc/PID/ns/net`).
    pub fn open(path: &Path) -> Result<Netns, NetnsError> {
        let file = File::open(path).map_err(|source| NetnsError::Io {
            path: path.to_path_buf(),
            op: "open",
            source,
        })?;
        if !is_nsfs(&file) {
            return Err(NetnsError::NotNetns {
                path: path.to_path_buf(),
            });
        }
        Ok(Netns {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The path that pins the namespace (what `CNI_NETNS` and the OCI spec get).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a dedicated thread that has joined this namespace; the thread exits afterwards.
    pub fn run<F, R>(&self, f: F) -> Result<R, NetnsError>
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        std::thread::scope(|s| {
            s.spawn(|| -> Result<R, NetnsError> {
                setns(self.file.as_fd(), CloneFlags::CLONE_NEWNET)
                    .map_err(sys(&self.path, "setns"))?;
                Ok(f())
            })
            .join()
            .unwrap_or_else(|_| {
                Err(NetnsError::ThreadPanicked {
                    path: self.path.clone(),
                })
            })
        })
    }

    /// Unpins the namespace: lazy unmount and unlink. The kernel frees it when the last
    /// process inside exits. Missing mount or file is not an error (idempotent).
    #[tracing::instrument(skip_all, fields(path = %self.path.display()))]
    pub fn destroy(self) -> Result<(), NetnsError> {
        let Netns { path, file } = self;
        drop(file);
        Self::destroy_path(&path)
    }

    /// Like [`Netns::destroy`] for a path only (crash recovery, when nothing is open).
    pub fn destroy_path(path: &Path) -> Result<(), NetnsError> {
        match umount2(path, MntFlags::MNT_DETACH) {
            Ok(()) | Err(nix::Error::EINVAL) | Err(nix::Error::ENOENT) => {}
            Err(e) => return Err(sys(path, "umount")(e)),
        }
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(NetnsError::Io {
                path: path.to_path_buf(),
                op: "remove",
                source,
            }),
        }
    }
}

/// A random netns name such as `lpod-3f9a1c2b4d5e6f70` (Podman uses `netns-<uuid>`).
pub fn random_name(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_names() {
        let d = tempfile::tempdir().unwrap();
        for n in ["", "..", "a/b", "a b"] {
            assert!(matches!(
                Netns::create(n, d.path()),
                Err(NetnsError::InvalidName { .. })
            ));
        }
    }

    #[test]
    fn open_rejects_plain_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, "").unwrap();
        assert!(matches!(Netns::open(&p), Err(NetnsError::NotNetns { .. })));
    }

    #[test]
    fn destroy_path_is_idempotent() {
        let d = tempfile::tempdir().unwrap();
        Netns::destroy_path(&d.path().join("missing")).unwrap();
    }
}
