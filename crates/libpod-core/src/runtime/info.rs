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
    /// The drivers lpod offers.
    pub plugins: Plugins,
}

/// Host facts.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    /// Architecture (Go naming: amd64, arm64).
    pub arch: String,
    /// The Buildah version whose image conventions lpod follows: [`BUILDAH_VERSION`], what
    /// Podman 4.3.1 (the API version lpod answers as) reports. lpod runs no Buildah and
    /// offers no `build`; tools read the key to tell a Podman-compatible host.
    pub buildah_version: String,
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
    /// Confinement facts.
    pub security: SecurityInfo,
    /// Where events are recorded (`file`, as Podman's default without journald).
    pub event_logger: String,
    /// Log driver of containers created without `--log-driver`.
    pub log_driver: String,
    /// Network backend (`cni`).
    pub network_backend: String,
    /// `linux`.
    pub os: String,
    /// Always false: lpod runs locally.
    pub service_is_remote: bool,
    /// slirp4netns, if installed (what `--network slirp4netns` runs).
    pub slirp4netns: Slirp4Netns,
    /// Free swap, bytes.
    pub swap_free: u64,
    /// Total swap, bytes.
    pub swap_total: u64,
    /// Host uptime, as Podman prints it (`3h 22m 55.00s (Approximately 0.12 days)`).
    pub uptime: String,
}

/// `host.buildahVersion` of `podman info`: the Buildah release Podman 4.3.1 ships with.
pub const BUILDAH_VERSION: &str = "1.28.0";

/// `host.slirp4netns` of `podman info`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Slirp4Netns {
    /// Path of the binary, or empty.
    pub executable: String,
    /// Distribution package owning it, or empty.
    pub package: String,
    /// Its `--version` output, or empty.
    pub version: String,
}

/// `host.security` of `podman info`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SecurityInfo {
    /// AppArmor is enabled on the host (lpod applies no AppArmor profiles).
    #[serde(rename = "apparmorEnabled")]
    pub apparmor_enabled: bool,
    /// The default capabilities, comma-separated `CAP_...` names.
    pub capabilities: String,
    /// lpod runs as a non-root user.
    pub rootless: bool,
    /// The kernel supports seccomp filters.
    #[serde(rename = "seccompEnabled")]
    pub seccomp_enabled: bool,
    /// The default seccomp profile: a file path, `unconfined`, or `""` for lpod's
    /// built-in profile.
    #[serde(rename = "seccompProfilePath")]
    pub seccomp_profile_path: String,
    /// SELinux is enabled on the host (lpod applies no labels).
    #[serde(rename = "selinuxEnabled")]
    pub selinux_enabled: bool,
}

/// Whether AppArmor is enabled on this host (`/sys/module/apparmor/parameters/enabled`).
pub fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.trim_start().starts_with('Y'))
}

/// Whether SELinux is enabled on this host (selinuxfs mounted with an `enforce` file).
pub fn selinux_enabled() -> bool {
    Path::new("/sys/fs/selinux/enforce").exists()
}

/// Whether the kernel supports seccomp filters (a `Seccomp:` line in our status, or the
/// seccomp sysctl directory).
fn seccomp_supported() -> bool {
    Path::new("/proc/sys/kernel/seccomp").exists()
        || std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("Seccomp:")))
}

/// The host's security facts; `seccomp_profile` is the runtime config's key.
pub(crate) fn security_info(seccomp_profile: Option<&str>) -> SecurityInfo {
    SecurityInfo {
        apparmor_enabled: apparmor_enabled(),
        capabilities: libpod_oci::spec::DEFAULT_CAPABILITIES
            .iter()
            .map(libpod_oci::capability_name)
            .collect::<Vec<_>>()
            .join(","),
        rootless: libpod_config::rootless::Identity::current().is_rootless(),
        seccomp_enabled: seccomp_supported(),
        seccomp_profile_path: seccomp_profile.unwrap_or_default().to_string(),
        selinux_enabled: selinux_enabled(),
    }
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
    /// Distribution package owning it (`conmon_2.1.6+ds1-1_amd64`), or empty.
    pub package: String,
    /// Path.
    pub path: String,
    /// First line of `--version`.
    pub version: String,
}

/// The Debian package owning `path`, as `name_version_arch` (what `podman info` shows);
/// empty when dpkg does not know the file.
pub(crate) fn package_of(path: &Path) -> String {
    let out = |cmd: &str, args: &[&str]| -> Option<String> {
        let o = libpod_config::failpoint::scrub(&mut std::process::Command::new(cmd))
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let Some(owner) = [path, real.as_path()]
        .iter()
        .find_map(|p| out("dpkg", &["-S", &p.to_string_lossy()]))
    else {
        return String::new();
    };
    let Some(pkg) = owner.lines().next().and_then(|l| l.split(':').next()) else {
        return String::new();
    };
    out(
        "dpkg-query",
        &["-W", "-f", "${Package}_${Version}_${Architecture}", pkg],
    )
    .unwrap_or_default()
}

fn find_in_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(
            ["/usr/local/bin", "/usr/bin", "/bin", "/usr/libexec/podman"]
                .iter()
                .map(std::path::PathBuf::from),
        )
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn slirp4netns() -> Slirp4Netns {
    match find_in_path("slirp4netns") {
        Some(p) => {
            let c = component("slirp4netns", &p);
            Slirp4Netns {
                executable: c.path,
                package: c.package,
                version: c.version,
            }
        }
        None => Slirp4Netns::default(),
    }
}

/// `/proc/uptime` as Podman prints it.
fn uptime() -> String {
    let secs: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(0.0);
    let h = (secs / 3600.0).floor();
    let m = ((secs - h * 3600.0) / 60.0).floor();
    let s = secs - h * 3600.0 - m * 60.0;
    format!(
        "{h}h {m}m {s:.2}s (Approximately {:.2} days)",
        secs / 86400.0
    )
}

/// The name Podman gives the file system type of a backing directory.
pub(crate) fn backing_fs(path: &Path) -> String {
    let Ok(st) = nix::sys::statfs::statfs(path) else {
        return "unknown".into();
    };
    #[allow(clippy::unnecessary_cast)]
    let magic = st.filesystem_type().0 as i64;
    match magic {
        0xEF53 => "extfs",
        0x58465342 => "xfs",
        0x01021994 => "tmpfs",
        0x9123683E => "btrfs",
        0x794C7630 => "overlayfs",
        0x2FC12FC1 => "zfs",
        0x6969 => "nfs",
        0x65735546 => "fuseblk",
        _ => "unknown",
    }
    .into()
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
    /// The storage configuration file (set by the caller, which knows what it read).
    pub config_file: String,
    /// Storage driver options, `key: value`.
    pub graph_options: BTreeMap<String, String>,
    /// Driver status (overlay: backing file system, native diff, d_type, metacopy).
    pub graph_status: BTreeMap<String, String>,
    /// Bytes of the graph root's file system.
    pub graph_root_allocated: u64,
    /// Bytes used on the graph root's file system.
    pub graph_root_used: u64,
    /// Where image copies are staged.
    pub image_copy_tmp_dir: String,
    /// Named volumes.
    pub volume_path: String,
}

/// `plugins` of `podman info`: the drivers lpod offers.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Plugins {
    /// Authorization plugins (none).
    pub authorization: Option<Vec<String>>,
    /// Log drivers.
    pub log: Vec<String>,
    /// Network drivers.
    pub network: Vec<String>,
    /// Volume drivers.
    pub volume: Vec<String>,
}

/// The storage facts `info` reports beyond the counts.
pub(crate) fn store_details(
    graph_root: &Path,
    driver: &str,
    options: &[String],
) -> (BTreeMap<String, String>, BTreeMap<String, String>, u64, u64) {
    let graph_options = options
        .iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o.clone(), String::new()),
        })
        .collect();
    let mut status = BTreeMap::new();
    if driver == "overlay" {
        status.insert("Backing Filesystem".into(), backing_fs(graph_root));
        status.insert("Native Overlay Diff".into(), "true".into());
        status.insert("Supports d_type".into(), "true".into());
        status.insert("Using metacopy".into(), "false".into());
    }
    let (alloc, used) = match nix::sys::statvfs::statvfs(graph_root) {
        Ok(v) => {
            let f = v.fragment_size();
            let total = v.blocks() * f;
            (total, total.saturating_sub(v.blocks_free() * f))
        }
        Err(_) => (0, 0),
    };
    (graph_options, status, alloc, used)
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
pub(crate) fn host_info(
    runtime: Component,
    conmon: Component,
    cgroup_manager: &str,
    seccomp_profile: Option<&str>,
) -> HostInfo {
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
    let (swap_total, swap_free) = swapinfo();
    HostInfo {
        arch,
        buildah_version: BUILDAH_VERSION.into(),
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
        security: security_info(seccomp_profile),
        event_logger: "file".into(),
        log_driver: "k8s-file".into(),
        network_backend: "cni".into(),
        os: std::env::consts::OS.into(),
        service_is_remote: false,
        slirp4netns: slirp4netns(),
        swap_free,
        swap_total,
        uptime: uptime(),
    }
}

/// Two `/proc/meminfo` fields, in bytes (0 when unreadable).
fn meminfo_pair(total: &str, free: &str) -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let get = |key: &str| {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    };
    (get(total), get(free))
}

fn swapinfo() -> (u64, u64) {
    meminfo_pair("SwapTotal:", "SwapFree:")
}

fn meminfo() -> (u64, u64) {
    meminfo_pair("MemTotal:", "MemAvailable:")
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
    let version = libpod_config::failpoint::scrub(&mut std::process::Command::new(path))
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
        package: package_of(path),
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
        let h = host_info(Component::default(), Component::default(), "cgroupfs", None);
        assert!(h.cpus >= 1);
        assert!(h
            .security
            .capabilities
            .starts_with("CAP_CHOWN,CAP_DAC_OVERRIDE,"));
        assert_eq!(h.security.capabilities.split(',').count(), 11);
        let v = serde_json::to_value(&h).unwrap();
        for key in [
            "apparmorEnabled",
            "capabilities",
            "rootless",
            "seccompEnabled",
            "seccompProfilePath",
            "selinuxEnabled",
        ] {
            assert!(v["security"].get(key).is_some(), "{key} in {v}");
        }
        assert!(!h.kernel.is_empty());
        assert!(h.mem_total > 0);
    }
}
