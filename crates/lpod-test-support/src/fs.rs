//! Temp roots, mounts below a path and tmpfs guards.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A test's own temp directory with `root/` and `run/` paths below it (not created), for a
/// store's or runtime's root and run root; removed on drop.
#[derive(Debug)]
pub struct TempRoot {
    /// The directory itself.
    pub dir: tempfile::TempDir,
}

impl TempRoot {
    /// A new temp dir named `<prefix>XXXXXX` under the system temp dir.
    pub fn new(prefix: &str) -> TempRoot {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .unwrap_or_else(|e| panic!("creating a temp dir {prefix}*: {e}"));
        TempRoot { dir }
    }

    /// The temp dir.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `<dir>/root`.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// `<dir>/run`.
    pub fn run_root(&self) -> PathBuf {
        self.dir.path().join("run")
    }
}

/// Undoes the octal escapes of /proc/self/mountinfo (`\040` for a space and so on).
pub fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
            if let Ok(v) = u8::try_from(v) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Mount points at or below `dir` in this process's mount namespace, deepest first (the
/// order to unmount them in). `dir` is compared as given and canonicalized.
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let canon = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut v: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|m| PathBuf::from(unescape_mount(m)))
        .filter(|m| m.starts_with(dir) || m.starts_with(&canon))
        .collect();
    v.sort_by_key(|m| std::cmp::Reverse(m.as_os_str().len()));
    v.dedup();
    v
}

fn unmount_detach(p: &Path) {
    let _ = rustix::mount::unmount(p, rustix::mount::UnmountFlags::DETACH);
}

/// A tmpfs mounted on a directory of the test's; on drop, everything mounted below it and
/// then the tmpfs itself are unmounted (lazily).
#[derive(Debug)]
pub struct Tmpfs(pub PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` (a mount option value: bytes, or `16m` and the like) on
    /// `at`, creating the directory. Panics when the mount fails.
    pub fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap_or_else(|e| panic!("mkdir {}: {e}", at.display()));
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755")])
            .arg("lpod-test-tmpfs")
            .arg(at)
            .status()
            .unwrap_or_else(|e| panic!("running mount: {e}"));
        assert!(st.success(), "mount tmpfs on {}: {st}", at.display());
        Tmpfs(at.to_path_buf())
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Changes its size (`mount -o remount,size=`); panics when that fails.
    pub fn resize(&self, size: &str) {
        let st = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap_or_else(|e| panic!("running mount -o remount: {e}"));
        assert!(st.success(), "resizing tmpfs {}: {st}", self.0.display());
    }

    /// Bytes in use.
    pub fn used(&self) -> u64 {
        let s = rustix::fs::statvfs(&self.0)
            .unwrap_or_else(|e| panic!("statvfs {}: {e}", self.0.display()));
        (s.f_blocks - s.f_bfree) * s.f_frsize
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        for m in mounts_under(&self.0) {
            unmount_detach(&m);
        }
    }
}

/// A small tmpfs on `<temp dir>/mnt` of the test's own: a disk that fills up. Dropped in
/// field order: the tmpfs is unmounted before the temp dir is removed.
#[derive(Debug)]
pub struct SmallDisk {
    /// The tmpfs (its mount point is [`SmallDisk::mnt`]).
    pub tmpfs: Tmpfs,
    /// The mount point.
    pub mnt: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A tmpfs of `size` (e.g. `"4m"`) on a new temp dir named `<prefix>XXXXXX`.
    pub fn new(prefix: &str, size: &str) -> SmallDisk {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .unwrap_or_else(|e| panic!("temp dir {prefix}*: {e}"));
        let mnt = dir.path().join("mnt");
        let tmpfs = Tmpfs::mount(&mnt, size);
        SmallDisk {
            tmpfs,
            mnt,
            _dir: dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_mountinfo_octal() {
        assert_eq!(unescape_mount(r"/a\040b\011c\012d\134e"), "/a b\tc\nd\\e");
        assert_eq!(unescape_mount(r"/plain"), "/plain");
        assert_eq!(unescape_mount(r"/x\04"), r"/x\04");
    }

    #[test]
    fn temp_root_paths() {
        let t = TempRoot::new("lpod-ts-");
        assert_eq!(t.root(), t.path().join("root"));
        assert_eq!(t.run_root(), t.path().join("run"));
        assert!(mounts_under(t.path()).is_empty());
    }
}
