//! Podman with its own temporary root, in a private mount namespace.
//!
//! Podman 4.3 writes a blob-info cache to /var/lib/containers/cache and network state to
//! /run/containers whatever `--root` says, so each podman runs under `unshare --mount`
//! with temp dirs bind-mounted over /var/lib and /run: the host's Podman is never touched.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fs::mounts_under;
use crate::guards::require;

/// Whether `podman --version` works; otherwise skip (or fail under CI).
pub fn require_podman() -> bool {
    let ok = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    require(ok, "podman (Debian package podman)")
}

/// Podman with root, run root and tmp dirs under `base`, vfs storage, cgroupfs and no
/// events; removes its images and `base` on drop.
#[derive(Debug)]
pub struct PrivatePodman {
    base: PathBuf,
    driver: String,
}

impl PrivatePodman {
    /// A Podman rooted at `base` (created) with the vfs driver.
    pub fn new(base: &Path) -> PrivatePodman {
        PrivatePodman::with_driver(base, "vfs")
    }

    /// A Podman rooted at `base` (created) with the given storage driver.
    pub fn with_driver(base: &Path, driver: &str) -> PrivatePodman {
        for d in ["varlib", "hostrun", "tmp", "bigtmp"] {
            let p = base.join(d);
            std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        }
        let auth = base.join("auth.json");
        std::fs::write(&auth, "{}").unwrap_or_else(|e| panic!("write {}: {e}", auth.display()));
        PrivatePodman {
            base: base.to_path_buf(),
            driver: driver.to_string(),
        }
    }

    /// The base directory.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// A `podman ARGS` command in its private mount namespace.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let b = &self.base;
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(
                "mount --bind \"$0\" /var/lib && mount --bind \"$1\" /run && shift && exec podman \"$@\"",
            )
            .arg(b.join("varlib"))
            .arg(b.join("hostrun"))
            .arg("--root")
            .arg(b.join("root"))
            .arg("--runroot")
            .arg(b.join("run"))
            .arg("--tmpdir")
            .arg(b.join("tmp"))
            .args(["--storage-driver", &self.driver, "--cgroup-manager", "cgroupfs"])
            .args(["--events-backend", "none"])
            .args(args)
            .env("TMPDIR", b.join("bigtmp"))
            .env("REGISTRY_AUTH_FILE", b.join("auth.json"));
        cmd
    }

    /// Runs `podman ARGS`, asserts success and returns its trimmed stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("running podman: {e}"));
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for PrivatePodman {
    fn drop(&mut self) {
        let _ = self.command(&["rmi", "-a", "-f"]).output();
        // Podman's own mounts lived in its private namespace; these would be ours.
        for m in mounts_under(&self.base) {
            let _ = rustix::mount::unmount(&m, rustix::mount::UnmountFlags::DETACH);
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}
