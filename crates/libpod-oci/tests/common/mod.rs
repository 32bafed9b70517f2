//! Shared fixtures for the system tests: a busybox rootfs, a driver per runtime kind with its
//! own run root and cgroup parent, and Drop guards that remove everything.
#![allow(dead_code, unused_imports)]

pub use lpod_test_support::*;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use libpod_oci::{
    ConmonConfig, ConmonRuntime, CreateOptions, Created, OciRuntime, RuntimeKind, SpecInput,
};

/// Generate one test per runtime: `name::crun` and `name::runc`.
#[macro_export]
macro_rules! both_runtimes {
    ($name:ident, $body:path) => {
        mod $name {
            #[test]
            fn crun() {
                if let Some(fx) = $crate::common::Fixture::new(libpod_oci::RuntimeKind::Crun) {
                    $body(&fx);
                }
            }
            #[test]
            fn runc() {
                if let Some(fx) = $crate::common::Fixture::new(libpod_oci::RuntimeKind::Runc) {
                    $body(&fx);
                }
            }
        }
    };
}

/// Skip (or fail under CI) when a prerequisite is missing.
pub fn prerequisite(ok: bool, what: &str) -> bool {
    require(ok, what)
}

/// Build a busybox rootfs in `dir`.
pub fn busybox_rootfs(dir: &Path) -> PathBuf {
    let root = dir.join("rootfs");
    for d in [
        "bin", "proc", "sys", "dev", "etc", "tmp", "root", "usr/bin", "sbin",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    let out = std::process::Command::new("/bin/busybox")
        .arg("--list")
        .output()
        .unwrap();
    for name in String::from_utf8_lossy(&out.stdout).lines() {
        if name == "busybox" || name.is_empty() {
            continue;
        }
        let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(name));
    }
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\n").unwrap();
    root
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One test's world: temp dir, rootfs, driver, cgroup parent, containers to clean up.
pub struct Fixture {
    pub rt: ConmonRuntime,
    pub kind: RuntimeKind,
    pub rootfs: PathBuf,
    pub cgroup_parent: PathBuf,
    pub tmp: tempfile::TempDir,
    ids: RefCell<Vec<String>>,
}

impl Fixture {
    /// `None` when the test should be skipped (not root / binaries missing, outside CI).
    pub fn new(kind: RuntimeKind) -> Option<Fixture> {
        if !prerequisite(is_root(), "tests need root") {
            return None;
        }
        let tmp = tempfile::Builder::new()
            .prefix("lpod-oci-")
            .tempdir()
            .unwrap();
        let cfg = match ConmonConfig::for_kind(kind, tmp.path().join("run")) {
            Ok(c) => c,
            Err(e) => {
                prerequisite(false, &e.to_string());
                return None;
            }
        };
        if !prerequisite(
            Path::new("/bin/busybox").exists(),
            "/bin/busybox (busybox-static)",
        ) {
            return None;
        }
        let rt = ConmonRuntime::new(cfg).unwrap();
        let rootfs = busybox_rootfs(tmp.path());
        let cgroup_parent = PathBuf::from(format!(
            "/lpod-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        Some(Fixture {
            rt,
            kind,
            rootfs,
            cgroup_parent,
            tmp,
            ids: RefCell::new(Vec::new()),
        })
    }

    /// A unique container id.
    pub fn id(&self, name: &str) -> String {
        format!(
            "{}-{}-{}-{}",
            name,
            self.kind.name(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Spec input running `args` in the busybox rootfs, in our cgroup parent.
    pub fn input(&self, id: &str, args: &[&str]) -> SpecInput {
        let mut i = SpecInput::new(&self.rootfs, args.iter().map(|s| s.to_string()).collect());
        i.cgroup_path = Some(SpecInput::cgroup_path_for(Some(&self.cgroup_parent), id));
        i
    }

    pub fn bundle(&self, id: &str) -> PathBuf {
        self.tmp.path().join("bundles").join(id)
    }

    /// Create a container (registered for cleanup).
    pub fn create(&self, id: &str, input: &SpecInput, opts: &CreateOptions) -> Created {
        self.try_create(id, input, opts).unwrap()
    }

    /// Create and start a container running `args` with default options (registered for
    /// cleanup).
    pub fn create_started(&self, id: &str, args: &[&str]) -> Created {
        let input = self.input(id, args);
        let created = self.create(id, &input, &CreateOptions::default());
        self.rt.start(id).unwrap();
        created
    }

    pub fn try_create(
        &self,
        id: &str,
        input: &SpecInput,
        opts: &CreateOptions,
    ) -> Result<Created, libpod_oci::OciError> {
        self.ids.borrow_mut().push(id.to_string());
        let spec = input.to_spec().unwrap();
        self.rt.create(id, &self.bundle(id), &spec, opts)
    }

    /// Register an id created by someone else (another process) for cleanup.
    pub fn adopt(&self, id: &str) {
        self.ids.borrow_mut().push(id.to_string());
    }

    pub fn run_to_exit(&self, id: &str, args: &[&str]) -> i32 {
        self.create_started(id, args);
        self.rt
            .wait_exit(id, Duration::from_secs(60))
            .unwrap()
            .exit_code
    }

    pub fn log_text(&self, id: &str) -> String {
        libpod_oci::read_log(&self.bundle(id).join("ctr.log"), &Default::default())
            .unwrap()
            .into_iter()
            .map(|l| l.msg + if l.partial { "" } else { "\n" })
            .collect()
    }
}

fn conmon_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim() == "conmon")
        .unwrap_or(false)
}

fn remove_cgroup_tree(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                remove_cgroup_tree(&e.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

impl Drop for Fixture {
    fn drop(&mut self) {
        for id in self.ids.borrow().iter() {
            let conmon_pid = std::fs::read_to_string(self.rt.conmon_pidfile(id))
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok());
            let _ = self.rt.delete(id, true);
            if let Some(pid) = conmon_pid {
                // give conmon a moment to notice and write its exit file, then make sure
                for _ in 0..200 {
                    if !conmon_alive(pid) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                if conmon_alive(pid) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            let _ = self.rt.cleanup_files(id);
        }
        let rel = self.cgroup_parent.strip_prefix("/").unwrap().to_path_buf();
        if let Ok(rd) = std::fs::read_dir("/sys/fs/cgroup") {
            for e in rd.flatten() {
                remove_cgroup_tree(&e.path().join(&rel));
            }
        }
    }
}
