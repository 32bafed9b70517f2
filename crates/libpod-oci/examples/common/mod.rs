//! Shared by the OCI benches: a busybox root filesystem, medians, and removing a bench's
//! cgroup parent from every hierarchy.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn busybox_rootfs(dir: &Path) -> std::io::Result<PathBuf> {
    let root = dir.join("rootfs");
    for d in ["bin", "proc", "sys", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(root.join(d))?;
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox"))?;
    for a in ["true", "sh"] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(a))?;
    }
    Ok(root)
}

pub fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn remove_cgroup_parent(parent: &Path) {
    let rel = parent.strip_prefix("/").unwrap_or(parent);
    if let Ok(rd) = std::fs::read_dir("/sys/fs/cgroup") {
        for e in rd.flatten() {
            let p = e.path().join(rel);
            if let Ok(children) = std::fs::read_dir(&p) {
                for c in children.flatten() {
                    if c.path().is_dir() {
                        let _ = std::fs::remove_dir(c.path());
                    }
                }
            }
            let _ = std::fs::remove_dir(&p);
        }
    }
}
