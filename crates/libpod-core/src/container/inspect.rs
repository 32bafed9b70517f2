//! `inspect`: a JSON document close to `podman inspect`'s field names.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Container;
use crate::Result;

/// `podman inspect`'s top-level document for one container.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InspectData {
    /// Full id.
    pub id: String,
    /// Creation time (RFC 3339).
    pub created: String,
    /// The executable (first word of entrypoint+command).
    pub path: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Runtime state.
    pub state: InspectState,
    /// Image id.
    pub image: String,
    /// Image reference as given.
    pub image_name: String,
    /// Manifest digest of the image (empty when unknown).
    pub image_digest: String,
    /// Root filesystem mount point while mounted.
    pub rootfs: String,
    /// OCI bundle directory.
    pub bundle_path: String,
    /// k8s-file log path.
    pub log_path: String,
    /// Container name.
    pub name: String,
    /// Restart count.
    pub restart_count: u32,
    /// The OCI runtime (name or path, as recorded at create).
    #[serde(rename = "OCIRuntime")]
    pub oci_runtime: String,
    /// Storage driver.
    pub driver: String,
    /// Mounts.
    pub mounts: Vec<InspectMount>,
    /// Image-and-user config.
    pub config: InspectConfig,
    /// Host-side config.
    pub host_config: InspectHostConfig,
    /// Network settings.
    pub network_settings: crate::network::InspectNetworkSettings,
}

/// `State` of `podman inspect`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectState {
    /// Podman status word: created (also for configured), running, paused, stopped, exited, ...
    pub status: String,
    /// Running (paused counts as running, as in Podman).
    pub running: bool,
    /// Paused.
    pub paused: bool,
    /// Waiting out the restart policy's backoff before it starts again.
    pub restarting: bool,
    /// Killed by the OOM killer.
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    /// Removal in progress.
    pub dead: bool,
    /// Pid of the container's init process, 0 when not running.
    pub pid: i32,
    /// Pid of conmon, 0 when none.
    pub conmon_pid: i32,
    /// Exit code of the last run.
    pub exit_code: i32,
    /// Last error (empty).
    pub error: String,
    /// Start time (RFC 3339), or the zero time.
    pub started_at: String,
    /// Exit time (RFC 3339), or the zero time.
    pub finished_at: String,
    /// Healthcheck results (only with a healthcheck).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<InspectHealth>,
    /// The same under Podman 4's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<InspectHealth>,
}

/// `State.Health` of `podman inspect`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHealth {
    /// starting, healthy or unhealthy.
    pub status: String,
    /// Failures in a row.
    pub failing_streak: u32,
    /// The last results, oldest first.
    pub log: Vec<InspectHealthLog>,
}

/// One entry of `State.Health.Log`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHealthLog {
    /// Start (RFC 3339).
    pub start: String,
    /// End (RFC 3339).
    pub end: String,
    /// Exit code (-1: timed out).
    pub exit_code: i32,
    /// Output.
    pub output: String,
}

/// `Config.Healthcheck` of `podman inspect` (Docker's shape, durations in ns).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHealthConfig {
    /// `["CMD", ...]` or `["CMD-SHELL", cmd]`.
    pub test: Vec<String>,
    /// Interval, ns (0: no schedule).
    pub interval: u64,
    /// Timeout, ns.
    pub timeout: u64,
    /// Start period, ns.
    pub start_period: u64,
    /// Retries.
    pub retries: u32,
}

/// One entry of `Mounts`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InspectMount {
    /// bind, volume, tmpfs or image.
    #[serde(rename = "Type")]
    pub kind: String,
    /// A volume's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Host source.
    pub source: String,
    /// Container path.
    pub destination: String,
    /// A volume's driver (`local`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// `z`/`Z` when given (SELinux relabel mode; accepted, nothing relabels here).
    pub mode: String,
    /// Options.
    pub options: Vec<String>,
    /// Writable.
    #[serde(rename = "RW")]
    pub rw: bool,
    /// Mount propagation (`rprivate` unless an option says otherwise).
    pub propagation: String,
}

/// Serialises a word list as one space-joined string (Podman 4's container `Entrypoint`).
fn words_joined<S: serde::Serializer>(
    words: &[String],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&words.join(" "))
}

/// `Config` of `podman inspect`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectConfig {
    /// Hostname.
    pub hostname: String,
    /// User.
    pub user: String,
    /// Environment.
    pub env: Vec<String>,
    /// Command.
    pub cmd: Vec<String>,
    /// Image reference.
    pub image: String,
    /// Working directory.
    pub working_dir: String,
    /// Entrypoint. Shown as Podman 4 shows a container's: one string, the words joined by
    /// spaces (`{{.Config.Entrypoint}}` is `/pause`, not `[/pause]`).
    #[serde(serialize_with = "words_joined")]
    pub entrypoint: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Stop signal.
    pub stop_signal: i32,
    /// Stop timeout, seconds.
    pub stop_timeout: u64,
    /// Terminal.
    pub tty: bool,
    /// Stdin kept open.
    pub open_stdin: bool,
    /// The healthcheck (only with one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<InspectHealthConfig>,
    /// `--health-on-failure` (only with a healthcheck).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck_on_failure_action: Option<String>,
    /// The container's OCI annotations (`--annotation`, `play kube`'s).
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// `HostConfig` of `podman inspect`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHostConfig {
    /// Binds as `SRC:DST[:ro]`.
    pub binds: Vec<String>,
    /// Network mode: none or host.
    pub network_mode: String,
    /// Remove after exit.
    pub auto_remove: bool,
    /// Memory limit bytes (0 none).
    pub memory: u64,
    /// CPU quota in nano CPUs (0 none).
    pub nano_cpus: u64,
    /// Pids limit (0 none).
    pub pids_limit: i64,
    /// Memory plus swap limit bytes (0 none).
    pub memory_swap: i64,
    /// CFS quota in microseconds (0 none).
    pub cpu_quota: i64,
    /// CFS period in microseconds (0 default).
    pub cpu_period: u64,
    /// CPU shares (0 default).
    pub cpu_shares: u64,
    /// Tmpfs mounts: destination → options.
    pub tmpfs: BTreeMap<String, String>,
    /// Capabilities added (`CAP_...` or `ALL`).
    pub cap_add: Vec<String>,
    /// Capabilities dropped (`CAP_...` or `ALL`).
    pub cap_drop: Vec<String>,
    /// Privileged container.
    pub privileged: bool,
    /// `--security-opt` values.
    pub security_opt: Vec<String>,
    /// Read-only root filesystem.
    pub readonly_rootfs: bool,
    /// Host devices.
    pub devices: Vec<InspectDevice>,
    /// Log driver and its options.
    pub log_config: InspectLogConfig,
    /// `--group-add` groups.
    pub group_add: Vec<String>,
    /// `--init`: an init runs as pid 1.
    pub init: bool,
    /// PID namespace mode: private, host, pod or container:ID.
    pub pid_mode: String,
    /// IPC namespace mode: private, host, pod or container:ID.
    pub ipc_mode: String,
    /// UTS namespace mode: private, host, pod or container:ID.
    #[serde(rename = "UTSMode")]
    pub uts_mode: String,
    /// Cgroup namespace mode: host or private.
    pub cgroupns_mode: String,
}

/// A namespace mode as `podman inspect` spells it.
fn ns_mode_text(m: &libpod_config::NamespaceMode) -> String {
    match m {
        libpod_config::NamespaceMode::Private | libpod_config::NamespaceMode::Unshareable => {
            "private".into()
        }
        libpod_config::NamespaceMode::NoShm => "none".into(),
        libpod_config::NamespaceMode::Host => "host".into(),
        libpod_config::NamespaceMode::Pod => "pod".into(),
        libpod_config::NamespaceMode::Container(id) => format!("container:{id}"),
    }
}

/// `HostConfig.LogConfig` of `podman inspect`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectLogConfig {
    /// Driver name as given (k8s-file, json-file, journald, none, passthrough).
    #[serde(rename = "Type")]
    pub kind: String,
    /// Log file (empty for drivers that write none).
    pub path: String,
    /// conmon's log tag.
    pub tag: String,
    /// Size limit in decimal units ("1.5MB"), "0B" when unlimited.
    pub size: String,
}

/// Bytes in decimal units with four significant digits, as Podman (Docker's
/// `units.HumanSize`) prints them: 1500000 → "1.5MB".
pub fn human_size(bytes: f64) -> String {
    size_in(
        bytes,
        1000.0,
        &["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"],
    )
}

/// Bytes in binary (IEC) units with four significant digits, as Docker's
/// `units.BytesSize`: 33554432 → "32MiB".
pub fn bytes_size(bytes: f64) -> String {
    size_in(
        bytes,
        1024.0,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"],
    )
}

/// `bytes` in the largest of `units` (each `base` times the one before) that keeps the
/// number at least 1, with Go's `%.4g` (four significant digits, trailing zeros dropped).
fn size_in(bytes: f64, base: f64, units: &[&str]) -> String {
    let mut v = bytes;
    let mut i = 0;
    while v >= base && i + 1 < units.len() {
        v /= base;
        i += 1;
    }
    let int_digits = if v < 1.0 {
        1
    } else {
        (v.log10().floor() as i32 + 1).max(1)
    };
    let decimals = (4 - int_digits).max(0) as usize;
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    format!("{s}{}", units[i])
}

/// A device of `HostConfig.Devices`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectDevice {
    /// Host path.
    pub path_on_host: String,
    /// Container path.
    pub path_in_container: String,
    /// Cgroup permissions (`rwm`).
    pub cgroup_permissions: String,
}

impl Container {
    /// A `podman inspect`-like document for this container.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn inspect(&self) -> Result<InspectData> {
        self.inspect_impl()
    }
}

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn time_or_zero(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match t {
        Some(_) => super::rfc3339(t),
        None => ZERO_TIME.to_string(),
    }
}

/// Builds the document from the rows.
pub(crate) fn inspect_rows(
    cfg: &libpod_config::ContainerConfig,
    st: &libpod_config::ContainerState,
    driver: &str,
) -> InspectData {
    use libpod_config::{ContainerStatus, MountKind};
    let mut argv = cfg.entrypoint.clone();
    argv.extend(cfg.command.iter().cloned());
    let (path, args) = match argv.split_first() {
        Some((p, a)) => (p.clone(), a.to_vec()),
        None => (String::new(), Vec::new()),
    };
    let mounts = cfg
        .mounts
        .iter()
        .map(|m| InspectMount {
            kind: match m.kind {
                MountKind::Bind => "bind",
                MountKind::Tmpfs => "tmpfs",
                MountKind::Volume => "volume",
                MountKind::Image => "image",
                MountKind::Devpts => "devpts",
            }
            .to_string(),
            name: (m.kind == MountKind::Volume).then(|| m.source.clone()),
            source: m.source.clone(),
            destination: m.destination.display().to_string(),
            driver: (m.kind == MountKind::Volume).then(|| libpod_config::LOCAL_DRIVER.to_string()),
            mode: m
                .options
                .iter()
                .find(|o| *o == "z" || *o == "Z")
                .cloned()
                .unwrap_or_default(),
            options: m
                .options
                .iter()
                .filter(|o| !matches!(o.as_str(), "z" | "Z" | "ro" | "rw"))
                .cloned()
                .chain(
                    matches!(m.kind, MountKind::Bind | MountKind::Volume)
                        .then(|| "rbind".to_string()),
                )
                .collect(),
            rw: !m.options.iter().any(|o| o == "ro"),
            propagation: m
                .options
                .iter()
                .find(|o| {
                    matches!(
                        o.as_str(),
                        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
                    )
                })
                .cloned()
                .unwrap_or_else(|| {
                    if matches!(m.kind, MountKind::Bind | MountKind::Volume) {
                        "rprivate".into()
                    } else {
                        String::new()
                    }
                }),
        })
        .collect();
    let binds = cfg
        .mounts
        .iter()
        .filter(|m| m.kind == MountKind::Bind)
        .map(|m| {
            let mut s = format!("{}:{}", m.source, m.destination.display());
            if m.options.iter().any(|o| o == "ro") {
                s.push_str(":ro");
            }
            s
        })
        .collect();
    let tmpfs = cfg
        .mounts
        .iter()
        .filter(|m| m.kind == MountKind::Tmpfs)
        .map(|m| (m.destination.display().to_string(), m.options.join(",")))
        .collect();
    let running = st.status.is_active();
    let hc = cfg.healthcheck.as_ref().filter(|h| !h.is_disabled());
    let health = hc.map(|_| {
        let h = st.health.clone().unwrap_or_default();
        InspectHealth {
            status: h.status.as_str().to_string(),
            failing_streak: h.failing_streak,
            log: h
                .log
                .iter()
                .map(|e| InspectHealthLog {
                    start: super::rfc3339(Some(e.start)),
                    end: super::rfc3339(Some(e.end)),
                    exit_code: e.exit_code,
                    output: e.output.clone(),
                })
                .collect(),
        }
    });
    InspectData {
        id: cfg.id.clone(),
        created: super::rfc3339(Some(cfg.created)),
        path,
        args,
        state: InspectState {
            status: super::podman_status_word(st.status).to_string(),
            running,
            paused: st.status == ContainerStatus::Paused,
            restarting: st
                .restart_pending
                .as_ref()
                .is_some_and(crate::ops::policy::waiter_alive),
            oom_killed: st.oom_killed,
            dead: st.status == ContainerStatus::Removing,
            pid: st.pid.unwrap_or(0),
            conmon_pid: st.conmon_pid.unwrap_or(0),
            exit_code: st.exit_code.unwrap_or(0),
            error: st.error.clone().unwrap_or_default(),
            started_at: time_or_zero(st.started_at),
            finished_at: time_or_zero(st.finished_at),
            healthcheck: health.clone(),
            health,
        },
        image: cfg.image_id.clone(),
        image_name: cfg.image.clone(),
        image_digest: String::new(),
        rootfs: st
            .mountpoint
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        bundle_path: st
            .bundle_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        log_path: cfg.log_path.display().to_string(),
        name: cfg.name.clone(),
        restart_count: st.restart_count,
        oci_runtime: cfg.oci_runtime.clone(),
        driver: driver.to_string(),
        mounts,
        config: InspectConfig {
            hostname: cfg
                .hostname
                .clone()
                .unwrap_or_else(|| libpod_config::short_id(&cfg.id).to_string()),
            user: cfg.user.clone().unwrap_or_default(),
            env: cfg.env.clone(),
            cmd: cfg.command.clone(),
            image: cfg.image.clone(),
            working_dir: cfg
                .working_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "/".into()),
            entrypoint: cfg.entrypoint.clone(),
            labels: cfg.labels.clone(),
            stop_signal: cfg.stop_signal,
            stop_timeout: u64::from(cfg.stop_timeout),
            tty: cfg.terminal,
            open_stdin: cfg.stdin,
            healthcheck: hc.map(|h| InspectHealthConfig {
                test: h.test.clone(),
                interval: h.interval_ns,
                timeout: h.timeout().as_nanos() as u64,
                start_period: h.start_period_ns,
                retries: h.retries(),
            }),
            healthcheck_on_failure_action: hc.map(|h| h.on_failure.as_str().to_string()),
            annotations: cfg.annotations.clone(),
        },
        host_config: InspectHostConfig {
            binds,
            network_mode: crate::network::mode_name(&cfg.namespaces.network),
            auto_remove: cfg.auto_remove,
            memory: cfg.resources.memory.unwrap_or(0).max(0) as u64,
            nano_cpus: match (cfg.resources.cpu_quota, cfg.resources.cpu_period) {
                (Some(q), Some(p)) if p > 0 => (q.max(0) as u64).saturating_mul(1_000_000_000) / p,
                _ => 0,
            },
            pids_limit: cfg.resources.pids.unwrap_or(0),
            memory_swap: cfg.resources.memory_swap.unwrap_or(0),
            cpu_quota: cfg.resources.cpu_quota.unwrap_or(0),
            cpu_period: cfg.resources.cpu_period.unwrap_or(0),
            cpu_shares: cfg.resources.cpu_shares.unwrap_or(0),
            tmpfs,
            cap_add: cfg.security.cap_add.clone(),
            cap_drop: cfg.security.cap_drop.clone(),
            privileged: cfg.security.privileged,
            security_opt: cfg.security.security_opt.clone(),
            readonly_rootfs: cfg.security.read_only,
            log_config: InspectLogConfig {
                kind: cfg.log_driver.as_str().to_string(),
                path: if cfg.log_driver.writes_file() {
                    cfg.log_path.display().to_string()
                } else {
                    String::new()
                },
                tag: cfg.run.log_tag.clone().unwrap_or_default(),
                size: match cfg.run.log_size_max {
                    Some(n) if n > 0 => human_size(n as f64),
                    _ => "0B".to_string(),
                },
            },
            devices: cfg
                .security
                .devices
                .iter()
                .map(|d| InspectDevice {
                    path_on_host: d.host_path.display().to_string(),
                    path_in_container: d.container_path.display().to_string(),
                    cgroup_permissions: d.permissions.clone(),
                })
                .collect(),
            group_add: cfg.run.group_add.clone(),
            init: cfg.run.init_path.is_some(),
            pid_mode: ns_mode_text(&cfg.namespaces.pid),
            ipc_mode: ns_mode_text(&cfg.namespaces.ipc),
            uts_mode: ns_mode_text(&cfg.namespaces.uts),
            cgroupns_mode: ns_mode_text(
                cfg.run
                    .cgroupns
                    .as_ref()
                    .unwrap_or(&libpod_config::NamespaceMode::Host),
            ),
        },
        network_settings: crate::network::inspect_settings(cfg, st),
    }
}

impl Container {
    fn inspect_impl(&self) -> Result<InspectData> {
        let p = self.enter()?;
        let l = crate::ops::lock::Locked::acquire(&p, &self.id)?;
        let mut data = inspect_rows(&l.cfg, &l.st, p.store.driver().as_str());
        // A volume's source is where its data is on the host.
        for m in data.mounts.iter_mut() {
            if let Some(name) = &m.name {
                if let Ok((v, _)) = p.state.volume(name) {
                    m.source = v.mountpoint.display().to_string();
                }
            }
        }
        if !l.cfg.image_id.is_empty() {
            if let Ok(img) = p.store.image(&l.cfg.image_id) {
                data.image_digest = img.digest.unwrap_or_default();
            }
        }
        crate::network::configured_network_settings(&p, &l.cfg, &mut data.network_settings);
        crate::network::pod_member_settings(&p, &l.cfg, &mut data.network_settings);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_sizes_like_podman() {
        assert_eq!(super::human_size(3_051_000.0), "3.051MB");
        assert_eq!(super::human_size(1_500_000.0), "1.5MB");
        assert_eq!(super::human_size(999.0), "999B");
        assert_eq!(super::human_size(0.0), "0B");
        assert_eq!(super::human_size(7_090_000.0), "7.09MB");
        assert_eq!(super::bytes_size(32.0 * 1024.0 * 1024.0), "32MiB");
        assert_eq!(super::bytes_size(1536.0), "1.5KiB");
        assert_eq!(super::bytes_size(0.0), "0B");
    }
}
