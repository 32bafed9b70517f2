//! Container configuration (immutable after creation) and state (mutable),
//! stored as two JSON documents side by side.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::status::ContainerStatus;

/// Kind of a mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host path bound into the container.
    Bind,
    /// A fresh tmpfs.
    Tmpfs,
    /// A named volume (source is the volume name).
    Volume,
    /// An image's root filesystem (source is the image name or id; options `ro` or `rw`,
    /// a writable one gets its own upper layer).
    Image,
    /// A new devpts instance (`--mount type=devpts`; options `uid=`, `gid=`, `mode=`,
    /// `max=`, `ptmxmode=`).
    Devpts,
}

/// A mount into the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    /// Kind.
    pub kind: MountKind,
    /// Host path (bind), volume name (volume) or "tmpfs".
    pub source: String,
    /// Path inside the container.
    pub destination: PathBuf,
    /// Mount options ("ro", "nosuid", "size=64m", "rbind", ...).
    #[serde(default)]
    pub options: Vec<String>,
}

/// Network mode of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum NetworkMode {
    /// Only a loopback interface in a new namespace.
    None,
    /// The host's network namespace.
    Host,
    /// A new namespace attached to `ContainerConfig::networks` (empty = the default network).
    #[default]
    Bridge,
    /// Join the network namespace of the pod's infra container.
    Pod,
    /// Join the network namespace of another container (`--network container:ID`),
    /// which the container then depends on.
    Container {
        /// The full id of the container whose namespace is joined.
        id: String,
    },
    /// A new namespace networked by a slirp4netns process (user-mode TCP/IP to
    /// the host's network), which lpod spawns on start and kills on teardown.
    Slirp4netns(SlirpOptions),
    /// A new namespace networked by a pasta process (package passt: the host's
    /// addresses and routes copied in, user-mode TCP/IP, `-p` forwarded from the host),
    /// which lpod spawns on start and kills on teardown (recorded as slirp4netns's is).
    Pasta,
}

/// The options of `--network slirp4netns[:OPTS]` (Podman's names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct SlirpOptions {
    /// The /24 of the user-mode network (`cidr=`; default 10.0.2.0/24).
    pub cidr: Option<String>,
    /// Also route IPv6 (`enable_ipv6=true`).
    pub enable_ipv6: bool,
    /// The tap device's MTU (`mtu=`; default 65520).
    pub mtu: Option<u32>,
    /// Let the container reach the host's loopback through the gateway
    /// (`allow_host_loopback=true`).
    pub allow_host_loopback: bool,
}

/// A slirp4netns process that serves a container's network namespace.
pub type SlirpProcess = crate::process::ProcessRecord;

/// How a non-network namespace is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "mode", content = "value", rename_all = "lowercase")]
pub enum NamespaceMode {
    /// A new namespace of its own.
    #[default]
    Private,
    /// The host's namespace.
    Host,
    /// The pod's shared namespace.
    Pod,
    /// The namespace of another container (by id).
    Container(String),
    /// IPC only (`--ipc=private`): a new namespace others may not join. (The default,
    /// [`NamespaceMode::Private`], is Podman's `shareable`.)
    Unshareable,
    /// IPC only (`--ipc=none`): a new namespace, no `/dev/shm`, and none may join it.
    NoShm,
}

impl NamespaceMode {
    /// Whether other containers may join this IPC namespace (`--ipc=container:`).
    pub fn ipc_shareable(&self) -> bool {
        !matches!(self, NamespaceMode::Unshareable | NamespaceMode::NoShm)
    }
}

/// The namespaces of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Namespaces {
    /// Network.
    pub network: NetworkMode,
    /// PID.
    pub pid: NamespaceMode,
    /// IPC.
    pub ipc: NamespaceMode,
    /// UTS (hostname).
    pub uts: NamespaceMode,
}

/// Transport protocol of a port mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

/// A host port forwarded to a container port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// Host address to bind; `None` = all.
    #[serde(default)]
    pub host_ip: Option<IpAddr>,
    /// Host port.
    pub host_port: u16,
    /// Container port.
    pub container_port: u16,
    /// Protocol.
    #[serde(default)]
    pub protocol: Protocol,
}

/// Where container output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogDriver {
    /// conmon's k8s-file format at `log_path`.
    #[default]
    K8sFile,
    /// Discarded.
    None,
    /// Docker's name, accepted as Podman does: written as k8s-file at `log_path`.
    JsonFile,
    /// The systemd journal (conmon writes it; `logs` needs systemd-journald).
    Journald,
    /// conmon passes the container's stdio through to its own (no log file).
    Passthrough,
}

impl LogDriver {
    /// The driver's name as Podman spells it (`inspect`'s `HostConfig.LogConfig.Type`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogDriver::K8sFile => "k8s-file",
            LogDriver::None => "none",
            LogDriver::JsonFile => "json-file",
            LogDriver::Journald => "journald",
            LogDriver::Passthrough => "passthrough",
        }
    }

    /// Whether the output goes to the k8s-file at `log_path`.
    pub fn writes_file(self) -> bool {
        matches!(self, LogDriver::K8sFile | LogDriver::JsonFile)
    }
}

impl RunSettings {
    /// Nothing set (stored as nothing, so plain containers' rows stay as they were).
    pub fn is_default(&self) -> bool {
        *self == RunSettings::default()
    }
}

impl std::str::FromStr for LogDriver {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "k8s-file" => LogDriver::K8sFile,
            "none" => LogDriver::None,
            "json-file" => LogDriver::JsonFile,
            "journald" => LogDriver::Journald,
            "passthrough" => LogDriver::Passthrough,
            other => return Err(other.to_string()),
        })
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Settings of Podman's `run`/`create` flags beyond the basics: log options, timeout,
/// time zone, device cgroup rules, conmon pid file, preserved fds. Every field has a
/// default so older databases load.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunSettings {
    /// `--userns=keep-id` (rootless): the container gets a user namespace of its own in
    /// which the user's own uid and gid are the same as on the host, and runs as them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_id: bool,
    /// `--uidmap` (or the range `--userns=auto` picked): the container gets a user
    /// namespace of its own with these uid mappings; the ids outside are those of the
    /// namespace lpod runs in (rootless: the user's namespace, where 0 is the user).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uid_map: Vec<IdMap>,
    /// `--gidmap` (or `--userns=auto`'s range), as `uid_map`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gid_map: Vec<IdMap>,
    /// `--userns=auto[:size=N]`: the size asked for (`uid_map`/`gid_map` hold the range
    /// picked at create, which later `auto` containers do not overlap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userns_auto: Option<u32>,
    /// `--log-opt tag=`: conmon's log tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_tag: Option<String>,
    /// `--log-opt path=`: the k8s-file log goes here instead of the container's directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_path: Option<PathBuf>,
    /// `--log-opt max-size=`: bytes after which conmon truncates the log (`None`: the
    /// runtime configuration's limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_size_max: Option<i64>,
    /// `--timeout`: seconds after which conmon kills the container (0 = none).
    #[serde(skip_serializing_if = "is_zero")]
    pub timeout: u32,
    /// `--tz`: a zone name under /usr/share/zoneinfo, or `local` (the host's /etc/localtime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `--device-cgroup-rule`s, validated: `TYPE MAJOR:MINOR ACCESS`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    /// `--conmon-pidfile`: where conmon's pid is written too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conmon_pidfile: Option<PathBuf>,
    /// `--preserve-fds`: how many fds after stdio the starting process passes in.
    #[serde(skip_serializing_if = "is_zero")]
    pub preserve_fds: u32,
    /// The working directory was given by the user: missing, it is an error (as in
    /// Podman); the image's is created when missing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub user_workdir: bool,
    /// `--unsetenv-all`: not even a default `PATH` is added.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_default_env: bool,
    /// Run in systemd mode (`--systemd`): tmpfs on /run, /run/lock, /tmp and
    /// /var/log/journal, stop signal SIGRTMIN+3, and no host /dev/ttyN when privileged.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub systemd: bool,
    /// With a terminal: its size (rows, columns) when the container starts, the
    /// creating user's terminal's (kept in step while attached).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_size: Option<(u16, u16)>,
    /// `--group-add`: supplementary groups of the container's processes, gids or
    /// group names looked up in the image's /etc/group when the container starts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    /// `--umask`: the container process's umask (`None`: the runtime's, 0022).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub umask: Option<u32>,
    /// `--ulimit`s: resource limits of the container's process.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
    /// `--init`: this init binary (catatonit) is bind-mounted read-only at
    /// [`INIT_PATH_IN_CONTAINER`] and runs as pid 1 in front of the entrypoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_path: Option<PathBuf>,
    /// `--cgroupns`: `Host` or `Private` (`None`: the default, the host's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cgroupns: Option<NamespaceMode>,
    /// `--sysctl`s: kernel parameters set in the container's namespaces, over the
    /// defaults (`net.ipv4.ping_group_range=0 0` with a network namespace of its own).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sysctls: std::collections::BTreeMap<String, String>,
    /// `--device-read-bps`, `--device-write-bps`, `--device-read-iops`,
    /// `--device-write-iops`: block I/O rate limits per host device.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_throttles: Vec<DeviceThrottle>,
}

/// One line of a user namespace's id map: `size` ids from `container_id` inside are
/// `host_id`.. outside (Podman's `--uidmap CONTAINER:HOST:SIZE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdMap {
    /// First id inside the container.
    pub container_id: u32,
    /// First id outside.
    pub host_id: u32,
    /// How many ids.
    pub size: u32,
}

/// Why an `--uidmap`/`--gidmap` value is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid id mapping {value:?}: {why} (expected CONTAINER_ID:HOST_ID:SIZE)")]
pub struct IdMapError {
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

impl IdMap {
    /// Parses `CONTAINER:HOST:SIZE` (size at least 1, neither range past `u32::MAX`).
    ///
    /// ```
    /// use libpod_config::IdMap;
    /// let m = IdMap::parse("0:100:5000").unwrap();
    /// assert_eq!((m.container_id, m.host_id, m.size), (0, 100, 5000));
    /// assert!(IdMap::parse("0:100").is_err());
    /// assert!(IdMap::parse("0:1:0").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<IdMap, IdMapError> {
        let err = |why: &str| IdMapError {
            value: value.to_string(),
            why: why.to_string(),
        };
        let f: Vec<&str> = value.split(':').collect();
        if f.len() != 3 {
            return Err(err("three fields are needed"));
        }
        let num = |s: &str, what: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| err(&format!("{what} {s:?} is not a number")))
        };
        let m = IdMap {
            container_id: num(f[0], "container id")?,
            host_id: num(f[1], "host id")?,
            size: num(f[2], "size")?,
        };
        if m.size == 0 {
            return Err(err("size must be at least 1"));
        }
        if u64::from(m.container_id) + u64::from(m.size) > 1 << 32
            || u64::from(m.host_id) + u64::from(m.size) > 1 << 32
        {
            return Err(err("the range goes past the largest id"));
        }
        Ok(m)
    }

    /// The id outside that `inside` maps onto through `maps`, if any line covers it.
    pub fn to_host(maps: &[IdMap], inside: u32) -> Option<u32> {
        maps.iter().find_map(|m| {
            let off = inside.checked_sub(m.container_id)?;
            (off < m.size).then(|| m.host_id + off)
        })
    }
}

/// Which block I/O rate a [`DeviceThrottle`] limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThrottleKind {
    /// Bytes read per second (`--device-read-bps`).
    ReadBps,
    /// Bytes written per second (`--device-write-bps`).
    WriteBps,
    /// Reads per second (`--device-read-iops`).
    ReadIops,
    /// Writes per second (`--device-write-iops`).
    WriteIops,
}

/// One `--device-{read,write}-{bps,iops} PATH:RATE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceThrottle {
    /// What is limited.
    pub kind: ThrottleKind,
    /// The host's device node (its major:minor is read when the container starts).
    pub path: PathBuf,
    /// The limit per second.
    pub rate: u64,
}

/// The kernel parameters every container with a network namespace of its own gets
/// (Podman's containers.conf `default_sysctls`): any group may open ICMP echo sockets,
/// so `ping` works without `CAP_NET_RAW`.
pub const DEFAULT_NET_SYSCTLS: [(&str, &str); 1] = [("net.ipv4.ping_group_range", "0 0")];

/// Where `--init`'s binary appears in the container (Podman's path).
pub const INIT_PATH_IN_CONTAINER: &str = "/run/podman-init";

/// One `--ulimit NAME=SOFT[:HARD]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    /// The limit's name as Podman spells it (`nofile`, `nproc`, ...).
    pub name: String,
    /// Soft limit (`u64::MAX`: unlimited).
    pub soft: u64,
    /// Hard limit (`u64::MAX`: unlimited).
    pub hard: u64,
}

/// What happens when the container exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "policy", content = "maxRetries", rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Never restart.
    #[default]
    No,
    /// Always restart.
    Always,
    /// Restart on a non-zero exit, at most this many times (0 = unlimited).
    OnFailure(u32),
    /// Restart unless stopped by the user.
    UnlessStopped,
}

/// Resource limits (cgroup settings). `None` = not limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Resources {
    /// Memory limit in bytes.
    pub memory: Option<i64>,
    /// Memory plus swap limit in bytes (`lpod update --memory-swap`).
    pub memory_swap: Option<i64>,
    /// CFS quota in microseconds per period.
    pub cpu_quota: Option<i64>,
    /// CFS period in microseconds.
    pub cpu_period: Option<u64>,
    /// CPU shares.
    pub cpu_shares: Option<u64>,
    /// Maximum number of processes.
    pub pids: Option<i64>,
}

/// A host device given to the container (`--device HOST[:CONTAINER][:PERMISSIONS]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceMapping {
    /// Device node on the host.
    pub host_path: PathBuf,
    /// Path in the container (the host path when not given).
    pub container_path: PathBuf,
    /// Device cgroup permissions, a combination of `r`, `w`, `m` (default `rwm`).
    pub permissions: String,
}

/// The container's confinement: capabilities, privileged mode, seccomp, masked paths,
/// read-only root and devices. Every field has a default so older databases load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityConfig {
    /// Capabilities added (`CAP_...` names or `ALL`).
    pub cap_add: Vec<String>,
    /// Capabilities dropped (`CAP_...` names or `ALL`).
    pub cap_drop: Vec<String>,
    /// All capabilities, no seccomp, no masked paths, the host's devices.
    pub privileged: bool,
    /// no-new-privileges; `None` = on, except for a privileged container.
    pub no_new_privileges: Option<bool>,
    /// Seccomp profile: `None` = the built-in default, `unconfined`, or a profile path.
    pub seccomp_profile: Option<String>,
    /// Paths masked in addition to the defaults.
    pub mask: Vec<String>,
    /// Default masked paths left alone (`ALL` = every one).
    pub unmask: Vec<String>,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// With `read_only`: tmpfs on /tmp, /var/tmp and /run (Podman's default: true).
    pub read_only_tmpfs: bool,
    /// Host devices.
    pub devices: Vec<DeviceMapping>,
    /// `--security-opt` values as given (shown by inspect).
    pub security_opt: Vec<String>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            privileged: false,
            no_new_privileges: None,
            seccomp_profile: None,
            mask: Vec::new(),
            unmask: Vec::new(),
            read_only: false,
            read_only_tmpfs: true,
            devices: Vec::new(),
            security_opt: Vec::new(),
        }
    }
}

impl SecurityConfig {
    /// Whether no-new-privileges is set for the container's processes.
    pub fn effective_no_new_privileges(&self) -> bool {
        self.no_new_privileges.unwrap_or(!self.privileged)
    }
}

/// A container's configuration, fixed when it is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerConfig {
    /// 64-hex id.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Image reference as the user gave it ("" with a rootfs).
    #[serde(default)]
    pub image: String,
    /// Resolved image id ("" with a rootfs).
    #[serde(default)]
    pub image_id: String,
    /// A directory used as root filesystem instead of an image.
    #[serde(default)]
    pub rootfs: Option<PathBuf>,
    /// Command (after the entrypoint).
    #[serde(default)]
    pub command: Vec<String>,
    /// Entrypoint.
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// Environment, "KEY=value".
    #[serde(default)]
    pub env: Vec<String>,
    /// Working directory inside the container.
    #[serde(default)]
    pub working_dir: Option<PathBuf>,
    /// User (`uid[:gid]` or a name).
    #[serde(default)]
    pub user: Option<String>,
    /// Hostname (default: the short id).
    #[serde(default)]
    pub hostname: Option<String>,
    /// Allocate a terminal.
    #[serde(default)]
    pub terminal: bool,
    /// Keep stdin open.
    #[serde(default)]
    pub stdin: bool,
    /// Mounts.
    #[serde(default)]
    pub mounts: Vec<Mount>,
    /// Namespaces.
    #[serde(default)]
    pub namespaces: Namespaces,
    /// Pod this container belongs to.
    #[serde(default)]
    pub pod: Option<String>,
    /// True for a pod's infra container.
    #[serde(default)]
    pub is_infra: bool,
    /// Port mappings.
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// Networks to join in bridge mode (empty = the default network, unless
    /// `networks_cleared`).
    #[serde(default)]
    pub networks: Vec<String>,
    /// Per-network options (aliases, static addresses, interface name), by network name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub network_options: BTreeMap<String, NetworkOptions>,
    /// True once `network disconnect` left the container on no network: an empty
    /// `networks` then means none, not the default network.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub networks_cleared: bool,
    /// Log file.
    #[serde(default)]
    pub log_path: PathBuf,
    /// Log driver.
    #[serde(default)]
    pub log_driver: LogDriver,
    /// Stop signal number.
    pub stop_signal: i32,
    /// Seconds between the stop signal and SIGKILL.
    pub stop_timeout: u32,
    /// Restart policy.
    #[serde(default)]
    pub restart_policy: RestartPolicy,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// OCI annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Resource limits.
    #[serde(default)]
    pub resources: Resources,
    /// Name of the OCI runtime ("crun", "runc").
    #[serde(default)]
    pub oci_runtime: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Remove the container once it exited (`run --rm`).
    #[serde(default)]
    pub auto_remove: bool,
    /// Confinement (capabilities, seccomp, masking, devices, read-only root).
    #[serde(default)]
    pub security: SecurityConfig,
    /// Log options, timeout, time zone, device rules, pid file, preserved fds.
    #[serde(default, skip_serializing_if = "RunSettings::is_default")]
    pub run: RunSettings,
    /// Resolver and /etc/hosts choices (`--dns*`, `--add-host`).
    #[serde(default)]
    pub dns: DnsConfig,
    /// The healthcheck (`--health-*` flags or the image's `Healthcheck`); `None`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<crate::health::HealthConfig>,
}

/// What a container's generated /etc/resolv.conf and /etc/hosts get from the user
/// (Podman's DNSServer, DNSSearch, DNSOption and HostAdd).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DnsConfig {
    /// Name servers (`--dns`): replace the host's.
    pub servers: Vec<String>,
    /// Search domains (`--dns-search`): replace the host's.
    pub search: Vec<String>,
    /// Resolver options (`--dns-option`): replace the host's.
    pub options: Vec<String>,
    /// Extra /etc/hosts entries (`--add-host`), `NAME:IP`.
    pub hosts_add: Vec<String>,
}

impl ContainerConfig {
    /// A minimal config: the given id and name, defaults elsewhere (SIGTERM, 10 s,
    /// created now). Builders in core fill in the rest.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        ContainerConfig {
            id: id.into(),
            name: name.into(),
            image: String::new(),
            image_id: String::new(),
            rootfs: None,
            command: Vec::new(),
            entrypoint: Vec::new(),
            env: Vec::new(),
            working_dir: None,
            user: None,
            hostname: None,
            terminal: false,
            stdin: false,
            mounts: Vec::new(),
            namespaces: Namespaces::default(),
            pod: None,
            is_infra: false,
            port_mappings: Vec::new(),
            networks: Vec::new(),
            network_options: BTreeMap::new(),
            networks_cleared: false,
            log_path: PathBuf::new(),
            log_driver: LogDriver::K8sFile,
            stop_signal: 15,
            stop_timeout: 10,
            restart_policy: RestartPolicy::No,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            resources: Resources::default(),
            oci_runtime: String::new(),
            created: Utc::now(),
            auto_remove: false,
            security: SecurityConfig::default(),
            run: RunSettings::default(),
            dns: DnsConfig::default(),
            healthcheck: None,
        }
    }
}

/// Options of one network a container joins (Podman's per-network options).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkOptions {
    /// The container's extra names on this network (`network connect --alias`).
    pub aliases: Vec<String>,
    /// Requested static addresses (`network connect --ip/--ip6`).
    pub static_ips: Vec<IpAddr>,
    /// Requested MAC address (`network connect --mac-address`).
    pub static_mac: Option<String>,
    /// Interface name in the container; `None`: `eth<N>`, N its position in the list.
    pub interface: Option<String>,
}

/// Result of attaching a container to one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkStatus {
    /// Interface name inside the container ("eth0").
    pub interface: String,
    /// Addresses in CIDR form ("10.89.0.5/24").
    pub ips: Vec<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// Gateway.
    pub gateway: Option<IpAddr>,
}

/// Status of an exec session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecStatus {
    /// Created, not started.
    Created,
    /// Its process runs.
    Running,
    /// Its process exited.
    Exited,
}

/// An exec session of a running container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecSession {
    /// Session id (64 hex).
    pub id: String,
    /// Command.
    pub command: Vec<String>,
    /// Terminal.
    #[serde(default)]
    pub terminal: bool,
    /// Status.
    pub status: ExecStatus,
    /// Host pid of the exec'd process.
    #[serde(default)]
    pub pid: Option<i32>,
    /// Exit code once exited.
    #[serde(default)]
    pub exit_code: Option<i32>,
}

/// A container's mutable state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerState {
    /// Status.
    pub status: ContainerStatus,
    /// Host pid of the container's init process.
    pub pid: Option<i32>,
    /// Pid of its conmon.
    pub conmon_pid: Option<i32>,
    /// Exit code of the last run.
    pub exit_code: Option<i32>,
    /// The last run was killed by the OOM killer.
    pub oom_killed: bool,
    /// When the last run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the last run ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the root filesystem is mounted.
    pub mountpoint: Option<PathBuf>,
    /// Network namespace path.
    pub netns_path: Option<PathBuf>,
    /// Per-network status, by network name.
    pub network_status: BTreeMap<String, NetworkStatus>,
    /// The slirp4netns process of a `--network slirp4netns` container while it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slirp4netns: Option<SlirpProcess>,
    /// How often the restart policy restarted it.
    pub restart_count: u32,
    /// Exec sessions by id.
    pub exec_sessions: BTreeMap<String, ExecSession>,
    /// OCI bundle directory.
    pub bundle_path: Option<PathBuf>,
    /// Path of the OCI runtime binary used for the current run.
    pub runtime_path: Option<PathBuf>,
    /// The user stopped it (restart policies do not apply).
    pub stopped_by_user: bool,
    /// The last error of a lifecycle operation, if any.
    pub error: Option<String>,
    /// What the healthchecks of the current run found (`None`: no healthcheck ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<crate::health::HealthState>,
    /// The healthcheck monitor process of the current run, once it registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_monitor: Option<crate::health::MonitorRecord>,
    /// The user signalled it with a signal other than SIGKILL or its stop signal
    /// (Docker's "manually stopped": an `unless-stopped` policy does not restart it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub killed_by_user: bool,
    /// The restart policy's last backoff in milliseconds (0: none since the
    /// last start by the user); see [`crate::restart::next_restart_backoff`].
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub restart_backoff_ms: u64,
    /// A restart the policy scheduled and a process waits out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_pending: Option<crate::restart::PendingRestart>,
    /// It ran (or waited to restart) when the host went down, and was not started
    /// since: what `system boot` starts again (see [`ContainerState::refreshed`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub running_at_shutdown: bool,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

impl Default for ContainerState {
    fn default() -> Self {
        ContainerState {
            status: ContainerStatus::Configured,
            pid: None,
            conmon_pid: None,
            exit_code: None,
            oom_killed: false,
            started_at: None,
            finished_at: None,
            mountpoint: None,
            netns_path: None,
            network_status: BTreeMap::new(),
            slirp4netns: None,
            restart_count: 0,
            exec_sessions: BTreeMap::new(),
            bundle_path: None,
            runtime_path: None,
            stopped_by_user: false,
            error: None,
            health: None,
            health_monitor: None,
            killed_by_user: false,
            restart_backoff_ms: 0,
            restart_pending: None,
            running_at_shutdown: false,
        }
    }
}

impl ContainerState {
    /// The state after a reboot: [`ContainerStatus::after_reboot`] applied, and
    /// everything that only lived until the reboot (pids, mountpoint, netns,
    /// network status, exec sessions, a pending restart's process, the health
    /// monitor and slirp4netns records: their pids name nothing after a reboot) cleared. A
    /// container that ran (running or paused) or waited to restart, and that the
    /// user did not stop, is marked [`running_at_shutdown`](Self::running_at_shutdown);
    /// the mark stays over further reboots until the container is started.
    pub fn refreshed(&self) -> ContainerState {
        let ran = matches!(
            self.status,
            ContainerStatus::Running | ContainerStatus::Paused
        ) || self.restart_pending.is_some()
            || self.running_at_shutdown;
        ContainerState {
            status: self.status.after_reboot(),
            restart_pending: None,
            running_at_shutdown: ran && !self.stopped_by_user,
            pid: None,
            conmon_pid: None,
            mountpoint: None,
            netns_path: None,
            network_status: BTreeMap::new(),
            exec_sessions: BTreeMap::new(),
            health_monitor: None,
            slirp4netns: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slirp_and_monitor_records_keep_their_json() {
        // Both state fields were separate structs with this shape: old rows load.
        let json = r#"{"pid":42,"startTime":1234}"#;
        let sp: SlirpProcess = serde_json::from_str(json).unwrap();
        let mon: crate::MonitorRecord = serde_json::from_str(json).unwrap();
        assert_eq!(sp, mon);
        assert_eq!(
            sp,
            crate::ProcessRecord {
                pid: 42,
                start_time: 1234
            }
        );
        assert_eq!(serde_json::to_string(&sp).unwrap(), json);
        let st = ContainerState {
            slirp4netns: Some(sp),
            health_monitor: Some(mon),
            ..Default::default()
        };
        let v = serde_json::to_value(&st).unwrap();
        assert_eq!(
            v["slirp4netns"],
            serde_json::json!({"pid": 42, "startTime": 1234})
        );
        assert_eq!(
            v["healthMonitor"],
            serde_json::json!({"pid": 42, "startTime": 1234})
        );
    }

    #[test]
    fn json_shape_is_camel_case() {
        let mut c = ContainerConfig::new("a".repeat(64), "web");
        c.restart_policy = RestartPolicy::OnFailure(3);
        c.namespaces.pid = NamespaceMode::Container("b".repeat(64));
        let v = serde_json::to_value(&c).unwrap();
        assert!(v.get("imageId").is_some());
        assert!(v.get("stopTimeout").is_some());
        assert_eq!(v["restartPolicy"]["policy"], "on-failure");
        assert_eq!(v["namespaces"]["network"]["mode"], "bridge");
        let back: ContainerConfig = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);

        let s = ContainerState {
            status: ContainerStatus::Running,
            pid: Some(42),
            ..Default::default()
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["status"], "running");
        assert_eq!(v["conmonPid"], serde_json::Value::Null);
        let back: ContainerState = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn security_defaults_and_old_rows() {
        let c = ContainerConfig::new("a".repeat(64), "web");
        let mut v = serde_json::to_value(&c).unwrap();
        // A row written before the security settings existed loads with the defaults.
        v.as_object_mut().unwrap().remove("security");
        let back: ContainerConfig = serde_json::from_value(v).unwrap();
        assert_eq!(back.security, SecurityConfig::default());
        assert!(back.security.read_only_tmpfs);
        assert!(back.security.effective_no_new_privileges());
        let partial: SecurityConfig =
            serde_json::from_str(r#"{"privileged":true,"capAdd":["CAP_NET_ADMIN"]}"#).unwrap();
        assert!(partial.read_only_tmpfs && !partial.effective_no_new_privileges());
        assert_eq!(partial.cap_add, ["CAP_NET_ADMIN"]);
    }

    #[test]
    fn refreshed_clears_boot_scoped_fields() {
        let mut s = ContainerState {
            status: ContainerStatus::Running,
            pid: Some(1),
            conmon_pid: Some(2),
            mountpoint: Some("/m".into()),
            netns_path: Some("/n".into()),
            restart_count: 3,
            exit_code: Some(1),
            ..Default::default()
        };
        s.network_status
            .insert("lpod".into(), NetworkStatus::default());
        let r = s.refreshed();
        assert_eq!(r.status, ContainerStatus::Exited);
        assert_eq!((r.pid, r.conmon_pid), (None, None));
        assert!(r.mountpoint.is_none() && r.netns_path.is_none());
        assert!(r.network_status.is_empty());
        assert_eq!((r.restart_count, r.exit_code), (3, Some(1)));
    }

    #[test]
    fn refresh_marks_what_ran_at_shutdown() {
        let running = ContainerState {
            status: ContainerStatus::Running,
            ..Default::default()
        };
        assert!(running.refreshed().running_at_shutdown);
        // The mark survives a second reboot before anything started it.
        assert!(running.refreshed().refreshed().running_at_shutdown);
        let stopped_by_user = ContainerState {
            status: ContainerStatus::Running,
            stopped_by_user: true,
            ..Default::default()
        };
        assert!(!stopped_by_user.refreshed().running_at_shutdown);
        let waiting = ContainerState {
            status: ContainerStatus::Exited,
            restart_pending: Some(crate::PendingRestart {
                pid: 7,
                start_time: 1,
                due: chrono::Utc::now(),
            }),
            ..Default::default()
        };
        let r = waiting.refreshed();
        assert!(r.running_at_shutdown && r.restart_pending.is_none());
        // Per-boot process records go: their pids name nothing after a reboot.
        let with_procs = ContainerState {
            status: ContainerStatus::Running,
            slirp4netns: Some(crate::ProcessRecord {
                pid: 9,
                start_time: 2,
            }),
            health_monitor: Some(crate::ProcessRecord {
                pid: 10,
                start_time: 3,
            }),
            ..Default::default()
        };
        let r = with_procs.refreshed();
        assert!(r.slirp4netns.is_none() && r.health_monitor.is_none());
        let exited = ContainerState {
            status: ContainerStatus::Exited,
            ..Default::default()
        };
        assert!(!exited.refreshed().running_at_shutdown);
    }
}
