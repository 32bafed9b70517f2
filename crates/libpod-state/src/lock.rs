//! Cross-process locks: one lock file per container or pod, plus named locks.
//!
//! Each lock is `flock(2)` on its own file (`std::fs::File::lock`), so:
//! - it works across processes and, because every guard opens its own file
//!   description, between threads of one process too;
//! - the kernel releases it when the holder dies, even by SIGKILL;
//! - there is no fixed number of locks (Podman's SHM locks run out with
//!   "exceeded num_locks").
//!
//! Object locks live at `DIR/<id>` (ids are 64 hex, so no path tricks),
//! named locks at `DIR/named/<name>`. When an object is removed, its remover,
//! holding the exclusive lock, calls [`LockManager::remove`]; a process that was
//! waiting on the removed file notices (the path no longer names the file it
//! locked) and gets [`LockError::Removed`].

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use libpod_config::{validate_id, validate_name};

/// A lock error.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Filesystem error on a lock file or directory.
    #[error("lock {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The id or name is not valid for a lock.
    #[error("invalid lock name {name:?}")]
    InvalidName {
        /// The rejected id or name.
        name: String,
    },
    /// The object was removed while this process waited for its lock.
    #[error("lock {path}: the object was removed while waiting for its lock")]
    Removed {
        /// The lock file.
        path: PathBuf,
    },
}

/// Shared or exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Many holders at once.
    Shared,
    /// One holder.
    Exclusive,
}

/// A held lock; released on drop (and by the kernel if the process dies).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
    kind: LockKind,
}

impl LockGuard {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Shared or exclusive.
    pub fn kind(&self) -> LockKind {
        self.kind
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first makes the
        // release explicit and independent of any duplicated descriptors.
        let _ = self.file.unlock();
    }
}

/// Hands out per-object and named locks under one directory.
#[derive(Debug, Clone)]
pub struct LockManager {
    dir: PathBuf,
}

impl LockManager {
    /// A manager using `dir` (created if missing; usually `tmp_dir/locks`).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, LockError> {
        let dir = dir.into();
        let named = dir.join("named");
        for d in [&dir, &named] {
            crate::private::create_private_dir(d).map_err(|source| LockError::Io {
                path: d.clone(),
                source,
            })?;
        }
        Ok(LockManager { dir })
    }

    /// The lock directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn object_path(&self, id: &str) -> Result<PathBuf, LockError> {
        validate_id(id).map_err(|_| LockError::InvalidName {
            name: id.to_string(),
        })?;
        Ok(self.dir.join(id))
    }

    fn named_path(&self, name: &str) -> Result<PathBuf, LockError> {
        validate_name(name).map_err(|_| LockError::InvalidName {
            name: name.to_string(),
        })?;
        Ok(self.dir.join("named").join(name))
    }

    /// Exclusive lock on a container or pod, waiting for it.
    pub fn lock(&self, id: &str) -> Result<LockGuard, LockError> {
        acquire_wait(self.object_path(id)?, LockKind::Exclusive)
    }

    /// Shared lock on a container or pod, waiting for it.
    pub fn lock_shared(&self, id: &str) -> Result<LockGuard, LockError> {
        acquire_wait(self.object_path(id)?, LockKind::Shared)
    }

    /// Exclusive lock on a container or pod if free now (`None` if held elsewhere).
    pub fn try_lock(&self, id: &str) -> Result<Option<LockGuard>, LockError> {
        acquire_try(self.object_path(id)?, LockKind::Exclusive)
    }

    /// Shared lock on a container or pod if no exclusive holder now.
    pub fn try_lock_shared(&self, id: &str) -> Result<Option<LockGuard>, LockError> {
        acquire_try(self.object_path(id)?, LockKind::Shared)
    }

    /// A named lock (e.g. "alive", "refresh"), waiting for it.
    pub fn lock_named(&self, name: &str, kind: LockKind) -> Result<LockGuard, LockError> {
        acquire_wait(self.named_path(name)?, kind)
    }

    /// A named lock if free now.
    pub fn try_lock_named(
        &self,
        name: &str,
        kind: LockKind,
    ) -> Result<Option<LockGuard>, LockError> {
        acquire_try(self.named_path(name)?, kind)
    }

    /// Deletes the lock file of a removed object. Call it while holding the
    /// object's exclusive lock, after removing the object from the state.
    pub fn remove(&self, id: &str) -> Result<(), LockError> {
        let path = self.object_path(id)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(LockError::Io { path, source }),
        }
    }
}

fn lock_io(path: &Path, source: std::io::Error) -> LockError {
    LockError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn open_lock_file(path: &Path) -> Result<File, LockError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    OpenOptions::new()
        .mode(0o600)
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| lock_io(path, e))
}

fn acquire_wait(path: PathBuf, kind: LockKind) -> Result<LockGuard, LockError> {
    let file = open_lock_file(&path)?;
    match kind {
        LockKind::Exclusive => file.lock(),
        LockKind::Shared => file.lock_shared(),
    }
    .map_err(|e| lock_io(&path, e))?;
    verify(file, path, kind)
}

fn acquire_try(path: PathBuf, kind: LockKind) -> Result<Option<LockGuard>, LockError> {
    let file = open_lock_file(&path)?;
    let res = match kind {
        LockKind::Exclusive => file.try_lock(),
        LockKind::Shared => file.try_lock_shared(),
    };
    match res {
        Ok(()) => verify(file, path, kind).map(Some),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(lock_io(&path, e)),
    }
}

/// The file may have been removed (and maybe re-created) while we waited:
/// then our lock is on an orphaned inode and protects nothing.
fn verify(file: File, path: PathBuf, kind: LockKind) -> Result<LockGuard, LockError> {
    let ours = file.metadata().map_err(|e| lock_io(&path, e))?;
    match std::fs::metadata(&path) {
        Ok(now) if now.dev() == ours.dev() && now.ino() == ours.ino() => {
            Ok(LockGuard { file, path, kind })
        }
        Ok(_) => Err(LockError::Removed { path }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LockError::Removed { path }),
        Err(e) => Err(lock_io(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_and_shared_shares() {
        let dir = tempfile::tempdir().unwrap();
        let m = LockManager::new(dir.path().join("locks")).unwrap();
        let id = libpod_config::new_id();
        let g = m.lock(&id).unwrap();
        assert!(m.try_lock(&id).unwrap().is_none());
        assert!(m.try_lock_shared(&id).unwrap().is_none());
        drop(g);
        let s1 = m.lock_shared(&id).unwrap();
        let s2 = m.try_lock_shared(&id).unwrap();
        assert!(s2.is_some());
        assert!(m.try_lock(&id).unwrap().is_none());
        drop((s1, s2));
        assert!(m.try_lock(&id).unwrap().is_some());
    }

    #[test]
    fn named_locks_and_invalid_names() {
        let dir = tempfile::tempdir().unwrap();
        let m = LockManager::new(dir.path()).unwrap();
        let g = m.lock_named("alive", LockKind::Exclusive).unwrap();
        assert!(m
            .try_lock_named("alive", LockKind::Shared)
            .unwrap()
            .is_none());
        drop(g);
        assert!(matches!(
            m.lock("../etc/passwd"),
            Err(LockError::InvalidName { .. })
        ));
        assert!(matches!(
            m.lock_named("../x", LockKind::Shared),
            Err(LockError::InvalidName { .. })
        ));
    }

    #[test]
    fn removal_while_waiting_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let m = LockManager::new(dir.path()).unwrap();
        let id = libpod_config::new_id();
        let g = m.lock(&id).unwrap();
        let m2 = m.clone();
        let id2 = id.clone();
        let waiter = std::thread::spawn(move || m2.lock(&id2).map(|_| ()));
        // Wait until the waiter blocks on the old file: /proc/locks lists a blocked
        // request (`->`) of ours on its inode. Then its lock must be reported removed.
        let ino =
            std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(dir.path().join(&id)).unwrap());
        let me = std::process::id().to_string();
        let start = std::time::Instant::now();
        loop {
            let locks = std::fs::read_to_string("/proc/locks").unwrap();
            let blocked = locks.lines().any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.get(1) == Some(&"->")
                    && f.get(5) == Some(&me.as_str())
                    && f.get(6).is_some_and(|d| d.ends_with(&format!(":{ino}")))
            });
            if blocked {
                break;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(120),
                "the waiter never blocked on the lock: {locks}"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        m.remove(&id).unwrap();
        drop(g);
        match waiter.join().unwrap() {
            Err(LockError::Removed { path }) => assert!(path.ends_with(&id)),
            other => panic!("want LockError::Removed, got {other:?}"),
        }
        m.remove(&id).unwrap();
        assert!(!dir.path().join(&id).exists());
    }
}
