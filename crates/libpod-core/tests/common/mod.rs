//! Shared fixtures of the system tests: prerequisites, a runtime in its own temp
//! root/run root with the busybox test image loaded, and a Drop guard that
//! force-removes every container and checks that no conmon of ours remains.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use libpod_core::{CreateOptions, Runtime};

/// True when the environment says missing prerequisites must fail (CI).
pub fn ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

/// The test image directory, or `None` (skip) when it or a binary is missing
/// and we are not in CI (in CI: panic).
pub fn prerequisites(runtime: &str) -> Option<PathBuf> {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_string());
    }
    for bin in [
        "/usr/bin/conmon".to_string(),
        match runtime {
            "runc" => "/usr/sbin/runc".to_string(),
            _ => "/usr/bin/crun".to_string(),
        },
    ] {
        if !Path::new(&bin).exists() {
            missing.push(bin);
        }
    }
    let dir = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/test-image")
                .to_path_buf()
        });
    if !dir.join("busybox.tar").exists() {
        missing.push(format!(
            "{}/busybox.tar (run `cargo xtask test-image`)",
            dir.display()
        ));
    }
    if missing.is_empty() {
        return Some(dir);
    }
    if ci() {
        panic!("missing prerequisites with CI=true: {missing:?}");
    }
    eprintln!("SKIP: missing prerequisites {missing:?}");
    None
}

/// A runtime in a temp dir, with busybox loaded.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub rt: Runtime,
    pub image_dir: PathBuf,
    pub runtime: String,
}

impl Env {
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    pub fn run_root(&self) -> PathBuf {
        self.dir.path().join("run")
    }
    pub fn boot_id_file(&self) -> PathBuf {
        self.dir.path().join("boot_id")
    }

    /// A new runtime over the same directories (as another process would open).
    pub fn reopen(&self) -> Runtime {
        builder(self.dir.path(), &self.runtime).build().unwrap()
    }

    /// Create options running `cmd` in busybox with network none.
    pub fn opts(&self, cmd: &[&str]) -> CreateOptions {
        CreateOptions {
            image: "busybox".into(),
            command: Some(cmd.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }
}

pub fn builder(dir: &Path, runtime: &str) -> libpod_core::RuntimeBuilder {
    Runtime::builder()
        .root(dir.join("root"))
        .run_root(dir.join("run"))
        .runtime(runtime)
        .boot_id_path(dir.join("boot_id"))
}

/// Sets up an [`Env`] with crun (or `runtime`); `None` means skip.
pub fn env_with(runtime: &str) -> Option<Env> {
    let image_dir = prerequisites(runtime)?;
    let dir = tempfile::Builder::new()
        .prefix("lpod-core-")
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("boot_id"), "boot-1\n").unwrap();
    let rt = builder(dir.path(), runtime).build().unwrap();
    rt.store()
        .unwrap()
        .load(&image_dir.join("busybox.tar"))
        .unwrap();
    Some(Env {
        dir,
        rt,
        image_dir,
        runtime: runtime.to_string(),
    })
}

pub fn env() -> Option<Env> {
    env_with("crun")
}

/// Pids of processes whose command line mentions `needle`.
pub fn pids_mentioning(needle: &str) -> Vec<i32> {
    let mut out = Vec::new();
    let me = std::process::id() as i32;
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if pid == me {
                continue;
            }
            if let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) {
                let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
                if cmd.contains(needle) && cmd.contains("conmon") {
                    out.push(pid);
                }
            }
        }
    }
    out
}

impl Drop for Env {
    fn drop(&mut self) {
        let mut problems = Vec::new();
        if let Ok(ctrs) = self.rt.containers() {
            for c in ctrs {
                if let Err(e) = c.remove(true) {
                    problems.push(format!("remove {}: {e}", c.id()));
                }
            }
        }
        if let Ok(store) = self.rt.store() {
            let _ = store.unmount_all();
        }
        let _ = self.rt.shutdown(false);
        // Any conmon left with our temp dir on its command line is ours: kill it by pid.
        let needle = self.dir.path().display().to_string();
        for _ in 0..50 {
            if pids_mentioning(&needle).is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let left = pids_mentioning(&needle);
        for pid in &left {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        if !left.is_empty() {
            problems.push(format!("conmon processes left: {left:?}"));
        }
        // Mounts below our dir (should be none).
        if let Ok(m) = std::fs::read_to_string("/proc/self/mountinfo") {
            for line in m.lines() {
                if let Some(mp) = line.split(' ').nth(4) {
                    if mp.starts_with(&needle) {
                        let _ = nix::mount::umount2(mp, nix::mount::MntFlags::MNT_DETACH);
                        problems.push(format!("mount left: {mp}"));
                    }
                }
            }
        }
        if !problems.is_empty() && !std::thread::panicking() {
            panic!("test left things behind: {problems:?}");
        }
    }
}
