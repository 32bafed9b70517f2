//! Shared fixtures of the system tests: prerequisites, a runtime in its own temp
//! root/run root with the busybox test image loaded, and a Drop guard that
//! force-removes every container and checks that no conmon of ours remains.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};

use libpod_core::{CreateOptions, Runtime};
pub use lpod_test_support::*;

/// The test image directory, or `None` (skip) when it or a binary is missing
/// and we are not in CI (in CI: panic).
pub fn prerequisites(runtime: &str) -> Option<PathBuf> {
    let mut missing = Vec::new();
    if !is_root() {
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
    require(missing.is_empty(), &format!("{missing:?}")).then_some(dir)
}

/// A runtime in a temp dir, with busybox loaded.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub rt: Runtime,
    pub image_dir: PathBuf,
    pub runtime: String,
    /// The bridge of this runtime's default network (deleted on drop, after the
    /// containers): a container created with core's default `NetworkMode::Bridge`
    /// and no network lands here, never on the shared `lpod0`/10.89.0.0/24.
    pub default_bridge: Bridge,
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

    /// A "power cut" and the reboot after it: kills the processes we started for
    /// `containers` (conmon and the container's init), by pid, and waits for them
    /// without asking lpod (that would observe the deaths); unmounts what the dead boot
    /// had mounted (a reboot would have), moves the boot id on, and returns a runtime
    /// opened in the new boot.
    pub fn power_cut(&self, containers: &[&libpod_core::Container]) -> Runtime {
        let mut pids = Vec::new();
        for c in containers {
            let i = c.inspect().expect("inspect before the power cut");
            pids.extend(
                [i.state.pid, i.state.conmon_pid]
                    .into_iter()
                    .filter(|p| *p > 0),
            );
        }
        for &pid in &pids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        for &pid in &pids {
            poll_until(&format!("pid {pid} to die"), POLL_LIMIT, || {
                pid_gone(pid).then_some(())
            });
        }
        let _ = self.rt.store().expect("store").unmount_all();
        std::fs::write(self.boot_id_file(), "boot-2\n").expect("write the boot id");
        self.reopen()
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

/// Where [`env_with`] records the test's default network (`BRIDGE SUBNET`), so that
/// every runtime [`builder`] opens over the directory has the same one.
const DEFAULT_NETWORK_FILE: &str = "default-network";

pub fn builder(dir: &Path, runtime: &str) -> libpod_core::RuntimeBuilder {
    let mut b = Runtime::builder();
    if let Ok(s) = std::fs::read_to_string(dir.join(DEFAULT_NETWORK_FILE)) {
        let (bridge, subnet) = s.trim().split_once(' ').expect("BRIDGE SUBNET");
        let mut c = b.peek().config.clone();
        c.default_bridge = bridge.into();
        c.default_subnet = subnet.into();
        b = b.runtime_config(c);
    }
    b.root(dir.join("root"))
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
    let default_bridge = Bridge::free("lpdef");
    std::fs::write(
        dir.path().join(DEFAULT_NETWORK_FILE),
        format!("{} {}\n", default_bridge.name(), free_subnet(&[])),
    )
    .unwrap();
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
        default_bridge,
    })
}

pub fn env() -> Option<Env> {
    env_with("crun")
}

/// Waits (see [`poll_until`]) until the container's stdout log has a line `line`.
pub fn wait_for_log(c: &libpod_core::Container, line: &str) {
    poll_until(
        &format!("{line:?} in the log of {}", c.id()),
        POLL_LIMIT,
        || {
            let (out, _) = c.logs_bytes().ok()?;
            String::from_utf8_lossy(&out)
                .lines()
                .any(|l| l == line)
                .then_some(())
        },
    );
}

/// Waits (see [`poll_until`]) until the running container's init process catches SIGTERM
/// (its shell installed a TERM trap): `SigCgt` in /proc/PID/status has bit 15.
pub fn wait_for_sigterm_trap(c: &libpod_core::Container) {
    let pid = c.inspect().expect("inspect").state.pid;
    assert!(pid > 0, "container {} has no pid", c.id());
    poll_until(&format!("a SIGTERM trap in pid {pid}"), POLL_LIMIT, || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let mask = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())?;
        (mask & (1 << (libc::SIGTERM - 1)) != 0).then_some(())
    });
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
        for mp in mounts_under(self.dir.path()) {
            let _ = nix::mount::umount2(&mp, nix::mount::MntFlags::MNT_DETACH);
            problems.push(format!("mount left: {}", mp.display()));
        }
        if !problems.is_empty() && !std::thread::panicking() {
            panic!("test left things behind: {problems:?}");
        }
    }
}
