//! Reboot detection and refresh, under a cross-process lock on `<tmp_dir>/alive.lck`.
//!
//! `<tmp_dir>/alive` holds the boot id the state was last refreshed for. `/run` is
//! not a tmpfs on our hosts, so the file surviving a reboot is expected: the boot
//! id inside it is what tells.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Reads the current boot id (trimmed) from `path`.
pub(crate) fn read_boot_id(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| Error::io("read boot id", path, e))
}

/// An exclusive `flock` on the alive lock file; released on drop (closing the fd).
pub(crate) struct AliveLock {
    _lock: nix::fcntl::Flock<File>,
}

impl AliveLock {
    /// Blocks until this process holds the alive lock.
    pub(crate) fn acquire(path: &Path) -> Result<Self> {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| Error::io("open alive lock", path, e))?;
        loop {
            match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive) {
                Ok(l) => return Ok(AliveLock { _lock: l }),
                Err((f, nix::errno::Errno::EINTR)) => file = f,
                Err((_, e)) => return Err(Error::io("lock", path, e.into())),
            }
        }
    }
}

/// The alive file and its lock for one tmp dir.
pub(crate) struct Alive {
    pub(crate) file: PathBuf,
    pub(crate) lock: PathBuf,
}

impl Alive {
    pub(crate) fn new(tmp_dir: &Path) -> Self {
        Alive {
            file: tmp_dir.join("alive"),
            lock: tmp_dir.join("alive.lck"),
        }
    }

    /// True when the alive file is missing or records another boot id.
    pub(crate) fn needs_refresh(&self, boot_id: &str) -> Result<bool> {
        match std::fs::read_to_string(&self.file) {
            Ok(s) => Ok(s.trim() != boot_id),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(Error::io("read alive file", &self.file, e)),
        }
    }

    /// Records `boot_id` atomically and durably (write to a temp file, fsync it, rename,
    /// fsync the directory: a run root that is not a tmpfs keeps it across a power loss).
    pub(crate) fn mark(&self, boot_id: &str) -> Result<()> {
        let tmp = self.file.with_extension("tmp");
        let mut f = File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
        f.write_all(boot_id.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io("write", &tmp, e))?;
        std::fs::rename(&tmp, &self.file).map_err(|e| Error::io("rename", &self.file, e))?;
        let dir = self.file.parent().unwrap_or(Path::new("."));
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("fsync directory", dir, e))
    }
}

/// Removes every entry of `dir` (not `dir` itself); keeps going, returns every error.
pub(crate) fn clear_dir(dir: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return errs,
        Err(e) => return vec![Error::io("read dir", dir, e)],
    };
    for ent in rd.flatten() {
        let p = ent.path();
        let r = if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        if let Err(e) = r {
            if e.kind() != std::io::ErrorKind::NotFound {
                errs.push(Error::io("remove", p, e));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alive_file_tracks_boot_id() {
        let d = tempfile::tempdir().unwrap();
        let a = Alive::new(d.path());
        assert!(a.needs_refresh("b1").unwrap());
        a.mark("b1").unwrap();
        assert!(!a.needs_refresh("b1").unwrap());
        assert!(a.needs_refresh("b2").unwrap());
    }

    #[test]
    fn alive_lock_is_reentrant_across_handles_sequentially() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("alive.lck");
        drop(AliveLock::acquire(&p).unwrap());
        drop(AliveLock::acquire(&p).unwrap());
    }

    #[test]
    fn clear_dir_removes_entries() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), b"x").unwrap();
        std::fs::create_dir(d.path().join("b")).unwrap();
        assert!(clear_dir(d.path()).is_empty());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
        assert!(clear_dir(&d.path().join("missing")).is_empty());
    }
}
