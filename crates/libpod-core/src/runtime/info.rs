//! `info()`: host and store facts, as `podman info` names them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

/// `podman info`'s document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Info {
    /// Host facts.
    pub host: HostInfo,
    /// Store facts.
    pub store: StoreInfo,
}

/// Host facts.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    /// Architecture (Go naming: amd64, arm64).
    pub arch: String,
    /// Online CPUs.
    pub cpus: usize,
    /// Kernel release.
    pub kernel: String,
    /// Distribution from /etc/os-release.
    pub distribution: Distribution,
    /// Hostname.
    pub hostname: String,
    /// Total memory, bytes.
    pub mem_total: u64,
    /// Free memory, bytes.
    pub mem_free: u64,
    /// `v1` (hybrid counts as v1) or `v2`.
    pub cgroup_version: String,
    /// `cgroupfs`.
    pub cgroup_manager: String,
    /// The OCI runtime.
    pub oci_runtime: Component,
    /// conmon.
    pub conmon: Component,
}

/// A distribution.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Distribution {
    /// `ID` of os-release.
    pub distribution: String,
    /// `VERSION_ID`.
    pub version: String,
    /// `VERSION_CODENAME`.
    pub codename: String,
}

/// A helper binary.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Component {
    /// Name.
    pub name: String,
    /// Path.
    pub path: String,
    /// First line of `--version`.
    pub version: String,
}

/// Store facts.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    /// Graph root.
    pub graph_root: String,
    /// Run root.
    pub run_root: String,
    /// Storage driver.
    pub graph_driver_name: String,
    /// Images.
    pub image_store: Count,
    /// Containers by status.
    pub container_store: ContainerCounts,
}

/// A count.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Count {
    /// How many.
    pub number: usize,
}

/// Containers by status.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct ContainerCounts {
    /// All.
    pub number: usize,
    /// Paused.
    pub paused: usize,
    /// Running.
    pub running: usize,
    /// Not running (created, configured, stopped, exited).
    pub stopped: usize,
    /// Every status by name.
    pub by_status: BTreeMap<String, usize>,
}

/// Collects host facts; failures to read one fact leave it empty.
pub(crate) fn host_info(runtime: Component, conmon: Component, cgroup_manager: &str) -> HostInfo {
    let uts = nix::sys::utsname::uname().ok();
    let kernel = uts
        .as_ref()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let hostname = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
    .to_string();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let (mem_total, mem_free) = meminfo();
    HostInfo {
        arch,
        cpus,
        kernel,
        distribution: os_release(Path::new("/etc/os-release")),
        hostname,
        mem_total,
        mem_free,
        cgroup_version: cgroup_version(),
        cgroup_manager: cgroup_manager.to_string(),
        oci_runtime: runtime,
        conmon,
    }
}

fn meminfo() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let get = |key: &str| {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    };
    (get("MemTotal:"), get("MemAvailable:"))
}

pub(crate) fn os_release(path: &Path) -> Distribution {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let mut d = Distribution::default();
    for line in s.lines() {
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim() {
                "ID" => d.distribution = v,
                "VERSION_ID" => d.version = v,
                "VERSION_CODENAME" => d.codename = v,
                _ => {}
            }
        }
    }
    d
}

fn cgroup_version() -> String {
    // cgroup2 mounted at /sys/fs/cgroup itself means v2; hybrid or v1 otherwise.
    match nix::sys::statfs::statfs("/sys/fs/cgroup") {
        Ok(st) if st.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC => "v2".into(),
        _ => "v1".into(),
    }
}

/// Runs `bin --version` and returns its first line.
pub(crate) fn component(name: &str, path: &Path) -> Component {
    let version = std::process::Command::new(path)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_default();
    Component {
        name: name.to_string(),
        path: path.display().to_string(),
        version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_parses() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("os-release");
        std::fs::write(
            &p,
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        )
        .unwrap();
        let r = os_release(&p);
        assert_eq!(r.distribution, "debian");
        assert_eq!(r.version, "12");
        assert_eq!(r.codename, "bookworm");
    }

    #[test]
    fn host_info_has_basics() {
        let h = host_info(Component::default(), Component::default(), "cgroupfs");
        assert!(h.cpus >= 1);
        assert!(!h.kernel.is_empty());
        assert!(h.mem_total > 0);
    }
}
