//! OCI runtime spec generation from a small input type of our own.
//!
//! [`SpecInput`] describes a container the way lpod thinks about it; [`SpecInput::to_spec`]
//! turns it into an `oci_spec::runtime::Spec` with Podman's defaults (mounts, capabilities,
//! masked and read-only paths, no-new-privileges, capped rlimits, a cgroupfs path, the default
//! seccomp profile).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oci_spec::runtime::{
    Capability, LinuxBlockIo, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxCpuBuilder,
    LinuxDeviceCgroupBuilder, LinuxMemoryBuilder, LinuxNamespaceBuilder, LinuxNamespaceType,
    LinuxPidsBuilder, LinuxResourcesBuilder, LinuxThrottleDevice, LinuxThrottleDeviceBuilder,
    Mount, MountBuilder, PosixRlimit, PosixRlimitBuilder, PosixRlimitType, Process, ProcessBuilder,
    RootBuilder, Spec, SpecBuilder, UserBuilder,
};

/// Errors from spec generation.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The process has no arguments.
    #[error("container process has no arguments (rootfs {rootfs})")]
    NoArgs {
        /// Rootfs of the container being described.
        rootfs: PathBuf,
    },
    /// A path that must be absolute is relative.
    #[error("path {path} must be absolute")]
    RelativePath {
        /// The offending path.
        path: PathBuf,
    },
    /// oci-spec refused a value.
    #[error("building OCI spec field {field}: {source}")]
    Build {
        /// Which part of the spec was being built.
        field: &'static str,
        /// The builder's error.
        #[source]
        source: oci_spec::OciSpecError,
    },
    /// Writing config.json failed.
    #[error("writing {path}: {source}")]
    Write {
        /// Path of config.json.
        path: PathBuf,
        /// The I/O or serialisation error.
        #[source]
        source: std::io::Error,
    },
    /// The seccomp profile is unreadable or malformed.
    #[error(transparent)]
    Seccomp(#[from] crate::seccomp::SeccompError),
    /// Reading the caller's rlimits failed.
    #[error("getrlimit({resource}): {source}")]
    Getrlimit {
        /// Name of the resource.
        resource: &'static str,
        /// The errno.
        #[source]
        source: nix::Error,
    },
}

fn build_err(field: &'static str) -> impl FnOnce(oci_spec::OciSpecError) -> SpecError {
    move |source| SpecError::Build { field, source }
}

/// Podman's default capability set.
pub const DEFAULT_CAPABILITIES: &[Capability] = &[
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::NetBindService,
    Capability::Setfcap,
    Capability::Setgid,
    Capability::Setpcap,
    Capability::Setuid,
    Capability::SysChroot,
];

/// Paths masked (bind-mounted over with /dev/null or an empty tmpfs) like Podman does.
pub const DEFAULT_MASKED_PATHS: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
];

/// Paths made read-only like Podman does.
pub const DEFAULT_READONLY_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Default `PATH` when the caller gives none.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Default cgroup parent for cgroupfs.
pub const DEFAULT_CGROUP_PARENT: &str = "/lpod";

/// How a namespace is set up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Namespace {
    /// A fresh namespace of this kind.
    New,
    /// Join the namespace at this path (e.g. `/proc/PID/ns/net` or a bind-mounted netns).
    Join(PathBuf),
    /// Share the host's namespace (the entry is omitted from the spec).
    Host,
}

/// The namespaces of a container; [`Default`] is a new pid, net, ipc, uts and mount namespace
/// and the host cgroup and user namespaces (Podman's cgroupfs default on cgroup v1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Namespaces {
    /// PID namespace.
    pub pid: Namespace,
    /// Network namespace.
    pub net: Namespace,
    /// IPC namespace.
    pub ipc: Namespace,
    /// UTS namespace.
    pub uts: Namespace,
    /// Mount namespace (must not be `Host`; runtimes always need one).
    pub mount: Namespace,
    /// Cgroup namespace.
    pub cgroup: Namespace,
    /// User namespace.
    pub user: Namespace,
}

impl SpecInput {
    /// Whether the runtime may mount a new sysfs (Podman's rule): with the host's
    /// network namespace only when the container has no user namespace of its own and
    /// lpod is not rootless (sysfs of a network namespace owned by another user
    /// namespace is refused); with a joined one (a bridge, pasta or slirp4netns
    /// namespace lpod made before the container, a pod's, `container:`) only without a
    /// new user namespace, which would not own it; with a new one always.
    fn can_mount_sysfs(&self) -> bool {
        let new_userns = self.namespaces.user != Namespace::Host;
        match self.namespaces.net {
            Namespace::New => true,
            Namespace::Host => !self.rootless && !new_userns,
            Namespace::Join(_) => !new_userns,
        }
    }
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces {
            pid: Namespace::New,
            net: Namespace::New,
            ipc: Namespace::New,
            uts: Namespace::New,
            mount: Namespace::New,
            cgroup: Namespace::Host,
            user: Namespace::Host,
        }
    }
}

/// A bind mount or tmpfs the caller adds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MountInput {
    /// Bind mount `source` (host) at `destination` (container).
    Bind {
        /// Host path.
        source: PathBuf,
        /// Container path.
        destination: PathBuf,
        /// Read-only.
        readonly: bool,
        /// Extra options (e.g. `nosuid`, `nodev`, `rprivate`); `rbind` is always added.
        options: Vec<String>,
    },
    /// A tmpfs at `destination`.
    Tmpfs {
        /// Container path.
        destination: PathBuf,
        /// Options (e.g. `size=64m`, `mode=1777`); defaults `nosuid,nodev` are always added.
        options: Vec<String>,
    },
    /// A new devpts instance at `destination`.
    Devpts {
        /// Container path.
        destination: PathBuf,
        /// Options (`uid=`, `gid=`, `mode=`, `max=`, `ptmxmode=`); the defaults
        /// `nosuid,noexec,newinstance,ptmxmode=0666,mode=0620` come first, so a given
        /// value wins.
        options: Vec<String>,
    },
}

impl MountInput {
    /// The path in the container.
    pub fn destination(&self) -> &Path {
        match self {
            MountInput::Bind { destination, .. }
            | MountInput::Tmpfs { destination, .. }
            | MountInput::Devpts { destination, .. } => destination,
        }
    }
}

/// The process part of a container (also used for exec).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessInput {
    /// argv; must not be empty.
    pub args: Vec<String>,
    /// Environment as `KEY=VALUE`; a default `PATH` is added when missing.
    pub env: Vec<String>,
    /// Working directory inside the container (absolute).
    pub cwd: PathBuf,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Additional group ids.
    pub additional_gids: Vec<u32>,
    /// Allocate a terminal.
    pub terminal: bool,
    /// Capabilities; `None` means [`DEFAULT_CAPABILITIES`].
    pub capabilities: Option<Vec<Capability>>,
    /// Set no-new-privileges (default true).
    pub no_new_privileges: bool,
    /// Requested rlimits `(type, soft, hard)`; capped at the caller's hard limit.
    pub rlimits: Vec<(PosixRlimitType, u64, u64)>,
    /// With `terminal`: its initial size (rows, columns), the spec's `consoleSize`.
    pub console_size: Option<(u16, u16)>,
    /// The process's umask (`user.umask`); `None`: the runtime's default.
    pub umask: Option<u32>,
}

impl Default for ProcessInput {
    fn default() -> Self {
        ProcessInput {
            args: Vec::new(),
            env: Vec::new(),
            cwd: PathBuf::from("/"),
            uid: 0,
            gid: 0,
            additional_gids: Vec::new(),
            terminal: false,
            capabilities: None,
            no_new_privileges: true,
            rlimits: Vec::new(),
            console_size: None,
            umask: None,
        }
    }
}

/// Which block I/O rate a [`BlkioThrottle`] limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ThrottleKind {
    /// Bytes read per second.
    ReadBps,
    /// Bytes written per second.
    WriteBps,
    /// Read operations per second.
    ReadIops,
    /// Write operations per second.
    WriteIops,
}

/// One device's block I/O rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlkioThrottle {
    /// What is limited.
    pub kind: ThrottleKind,
    /// The device's major number.
    pub major: i64,
    /// The device's minor number.
    pub minor: i64,
    /// The limit per second.
    pub rate: u64,
}

/// Cgroup resource limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resources {
    /// Memory limit in bytes.
    pub memory_limit: Option<i64>,
    /// Memory+swap limit in bytes.
    pub memory_swap: Option<i64>,
    /// CPU CFS quota in microseconds per period.
    pub cpu_quota: Option<i64>,
    /// CPU CFS period in microseconds.
    pub cpu_period: Option<u64>,
    /// CPU shares (v1) — runtimes convert to weight on v2.
    pub cpu_shares: Option<u64>,
    /// Maximum number of pids.
    pub pids_limit: Option<i64>,
}

impl Resources {
    /// The OCI `linux.resources` of the limits that are set: memory, cpu and pids, each
    /// object present only when one of its limits is (no devices rule: the caller adds it).
    pub(crate) fn linux_resources(&self) -> Result<oci_spec::runtime::LinuxResources, SpecError> {
        let mut b = LinuxResourcesBuilder::default();
        if self.memory_limit.is_some() || self.memory_swap.is_some() {
            let mut m = LinuxMemoryBuilder::default();
            if let Some(l) = self.memory_limit {
                m = m.limit(l);
            }
            if let Some(s) = self.memory_swap {
                m = m.swap(s);
            }
            b = b.memory(m.build().map_err(build_err("memory"))?);
        }
        if self.cpu_quota.is_some() || self.cpu_period.is_some() || self.cpu_shares.is_some() {
            let mut c = LinuxCpuBuilder::default();
            if let Some(q) = self.cpu_quota {
                c = c.quota(q);
            }
            if let Some(p) = self.cpu_period {
                c = c.period(p);
            }
            if let Some(s) = self.cpu_shares {
                c = c.shares(s);
            }
            b = b.cpu(c.build().map_err(build_err("cpu"))?);
        }
        if let Some(p) = self.pids_limit {
            b = b.pids(
                LinuxPidsBuilder::default()
                    .limit(p)
                    .build()
                    .map_err(build_err("pids"))?,
            );
        }
        b.build().map_err(build_err("resources"))
    }
}

/// What lpod knows about a container, as input to spec generation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpecInput {
    /// Absolute path of the root filesystem.
    pub rootfs: PathBuf,
    /// Mount the rootfs read-only.
    pub readonly_rootfs: bool,
    /// The container process.
    pub process: ProcessInput,
    /// Hostname (requires a new UTS namespace).
    pub hostname: Option<String>,
    /// Namespaces.
    pub namespaces: Namespaces,
    /// Extra mounts after the defaults.
    pub mounts: Vec<MountInput>,
    /// Mask and make read-only the usual /proc and /sys paths (Podman's default; false = privileged style).
    pub mask_paths: bool,
    /// Cgroup path for cgroupfs, e.g. `/lpod/<id>`; `None` leaves it to the runtime.
    pub cgroup_path: Option<PathBuf>,
    /// Resource limits.
    pub resources: Resources,
    /// Annotations.
    pub annotations: HashMap<String, String>,
    /// Seccomp filter (default: lpod's default profile).
    pub seccomp: crate::seccomp::SeccompPolicy,
    /// Device nodes created in the container and allowed in its device cgroup.
    pub devices: Vec<crate::devices::DeviceInput>,
    /// Paths masked in addition to the defaults (`--security-opt mask=`), even when
    /// `mask_paths` is false.
    pub extra_masked_paths: Vec<String>,
    /// Default masked or read-only paths left alone (`--security-opt unmask=`); `ALL`
    /// unmasks every one.
    pub unmasked_paths: Vec<String>,
    /// Privileged container: the device cgroup allows every device, /sys and the cgroup
    /// filesystem are writable. (Capabilities, seccomp, masking and devices are chosen by
    /// the caller through the other fields.)
    pub privileged: bool,
    /// The runtime runs as uid 0 of an unprivileged user's namespace (rootless): the
    /// spec sets no cgroup path and no cgroup limits (the user cannot write cgroup v1),
    /// and binds the host's `/sys/fs/cgroup` instead of mounting a cgroup filesystem.
    #[serde(default)]
    pub rootless: bool,
    /// uid mappings of the container's user namespace (`namespaces.user` = New):
    /// `(container id, id outside, count)`.
    #[serde(default)]
    pub uid_mappings: Vec<(u32, u32, u32)>,
    /// gid mappings, as `uid_mappings`.
    #[serde(default)]
    pub gid_mappings: Vec<(u32, u32, u32)>,
    /// Block I/O throttles (`--device-read-bps` ...), in the blkio (v1) or io (v2)
    /// controller; ignored rootless, as the other cgroup limits.
    #[serde(default)]
    pub blkio_throttles: Vec<BlkioThrottle>,
    /// Kernel parameters the runtime sets in the container's namespaces
    /// (`net.ipv4.ping_group_range` -> `0 0`, ...).
    #[serde(default)]
    pub sysctls: HashMap<String, String>,
    /// No `/dev/shm` in the container (`--ipc=none`: an IPC namespace of its own and
    /// no shared-memory filesystem).
    #[serde(default)]
    pub no_shm: bool,
}

impl SpecInput {
    /// A container with Podman defaults running `args` in `rootfs`.
    pub fn new(rootfs: impl Into<PathBuf>, args: Vec<String>) -> Self {
        SpecInput {
            rootfs: rootfs.into(),
            readonly_rootfs: false,
            process: ProcessInput {
                args,
                ..ProcessInput::default()
            },
            hostname: None,
            namespaces: Namespaces::default(),
            mounts: Vec::new(),
            mask_paths: true,
            cgroup_path: None,
            resources: Resources::default(),
            annotations: HashMap::new(),
            seccomp: crate::seccomp::SeccompPolicy::Default,
            devices: Vec::new(),
            extra_masked_paths: Vec::new(),
            unmasked_paths: Vec::new(),
            privileged: false,
            rootless: false,
            uid_mappings: Vec::new(),
            gid_mappings: Vec::new(),
            sysctls: HashMap::new(),
            blkio_throttles: Vec::new(),
            no_shm: false,
        }
    }

    /// Cgroup path `<parent>/<id>` (parent defaults to [`DEFAULT_CGROUP_PARENT`]).
    pub fn cgroup_path_for(parent: Option<&Path>, id: &str) -> PathBuf {
        parent
            .unwrap_or_else(|| Path::new(DEFAULT_CGROUP_PARENT))
            .join(id)
    }

    /// Generate the OCI runtime spec.
    pub fn to_spec(&self) -> Result<Spec, SpecError> {
        if !self.rootfs.is_absolute() {
            return Err(SpecError::RelativePath {
                path: self.rootfs.clone(),
            });
        }
        if self.process.args.is_empty() {
            return Err(SpecError::NoArgs {
                rootfs: self.rootfs.clone(),
            });
        }
        let root = RootBuilder::default()
            .path(self.rootfs.clone())
            .readonly(self.readonly_rootfs)
            .build()
            .map_err(build_err("root"))?;
        let process = process_spec(&self.process)?;

        let mut linux = LinuxBuilder::default().namespaces(self.namespaces_spec()?);
        if let Some(p) = self.root_propagation() {
            linux = linux.rootfs_propagation(p);
        }
        if !self.rootless {
            linux = linux.resources(self.resources_spec()?);
            if let Some(cg) = &self.cgroup_path {
                linux = linux.cgroups_path(cg.clone());
            }
        }
        // oci-spec's builders start from its own Default (youki's), so clear what we did not set.
        // Masked and read-only paths (oci-spec's builder defaults included) are set once,
        // by `confine` below, from `masked_and_readonly_paths`.
        let mut linux = linux.build().map_err(build_err("linux"))?;
        linux.set_sysctl((!self.sysctls.is_empty()).then(|| self.sysctls.clone()));
        if !self.uid_mappings.is_empty() || !self.gid_mappings.is_empty() {
            let maps = |list: &[(u32, u32, u32)]| {
                list.iter()
                    .map(|&(inside, outside, size)| {
                        oci_spec::runtime::LinuxIdMappingBuilder::default()
                            .container_id(inside)
                            .host_id(outside)
                            .size(size)
                            .build()
                            .map_err(build_err("id mapping"))
                    })
                    .collect::<Result<Vec<_>, SpecError>>()
            };
            linux.set_uid_mappings(Some(maps(&self.uid_mappings)?));
            linux.set_gid_mappings(Some(maps(&self.gid_mappings)?));
        }
        // conditional seccomp rules follow the process's (effective) capabilities
        let caps = self
            .process
            .capabilities
            .clone()
            .unwrap_or_else(|| DEFAULT_CAPABILITIES.to_vec());
        linux.set_seccomp(self.seccomp.render(&caps)?);

        let mut spec = SpecBuilder::default()
            .version("1.0.2-dev")
            .root(root)
            .process(process)
            .mounts(self.mounts_spec()?)
            .linux(linux);
        if !self.annotations.is_empty() {
            spec = spec.annotations(self.annotations.clone());
        }
        let mut spec = spec.build().map_err(build_err("spec"))?;
        spec.set_hostname(self.hostname.clone());
        if self.annotations.is_empty() {
            spec.set_annotations(None);
        }
        self.confine(&mut spec)?;
        Ok(spec)
    }

    /// Generate the spec and write it as `BUNDLE/config.json`; returns the written path.
    pub fn write_bundle(&self, bundle: &Path) -> Result<PathBuf, SpecError> {
        let spec = self.to_spec()?;
        write_config(&spec, bundle)
    }

    fn namespaces_spec(&self) -> Result<Vec<oci_spec::runtime::LinuxNamespace>, SpecError> {
        let n = &self.namespaces;
        let list = [
            (LinuxNamespaceType::Pid, &n.pid),
            (LinuxNamespaceType::Network, &n.net),
            (LinuxNamespaceType::Ipc, &n.ipc),
            (LinuxNamespaceType::Uts, &n.uts),
            (LinuxNamespaceType::Mount, &n.mount),
            (LinuxNamespaceType::Cgroup, &n.cgroup),
            (LinuxNamespaceType::User, &n.user),
        ];
        let mut out = Vec::new();
        for (typ, ns) in list {
            let b = LinuxNamespaceBuilder::default().typ(typ);
            let b = match ns {
                Namespace::Host => continue,
                Namespace::New => b,
                Namespace::Join(p) => {
                    if !p.is_absolute() {
                        return Err(SpecError::RelativePath { path: p.clone() });
                    }
                    b.path(p.clone())
                }
            };
            out.push(b.build().map_err(build_err("namespace"))?);
        }
        Ok(out)
    }

    fn resources_spec(&self) -> Result<oci_spec::runtime::LinuxResources, SpecError> {
        let deny_all = LinuxDeviceCgroupBuilder::default()
            .allow(false)
            .access("rwm")
            .build()
            .map_err(build_err("devices"))?;
        let mut res = self.resources.linux_resources()?;
        res.set_devices(Some(vec![deny_all]));
        if !self.blkio_throttles.is_empty() {
            let list = |kind: ThrottleKind| -> Result<Option<Vec<LinuxThrottleDevice>>, SpecError> {
                let v = self
                    .blkio_throttles
                    .iter()
                    .filter(|t| t.kind == kind)
                    .map(|t| {
                        LinuxThrottleDeviceBuilder::default()
                            .major(t.major)
                            .minor(t.minor)
                            .rate(t.rate)
                            .build()
                            .map_err(build_err("throttle device"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((!v.is_empty()).then_some(v))
            };
            let mut b = LinuxBlockIo::default();
            b.set_throttle_read_bps_device(list(ThrottleKind::ReadBps)?);
            b.set_throttle_write_bps_device(list(ThrottleKind::WriteBps)?);
            b.set_throttle_read_iops_device(list(ThrottleKind::ReadIops)?);
            b.set_throttle_write_iops_device(list(ThrottleKind::WriteIops)?);
            res.set_block_io(Some(b));
        }
        Ok(res)
    }

    fn mounts_spec(&self) -> Result<Vec<Mount>, SpecError> {
        let m = |dest: &str, typ: &str, src: &str, opts: &[&str]| -> Result<Mount, SpecError> {
            MountBuilder::default()
                .destination(dest)
                .typ(typ)
                .source(src)
                .options(opts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .build()
                .map_err(build_err("mount"))
        };
        let mut out = vec![
            m("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
            m(
                "/dev",
                "tmpfs",
                "tmpfs",
                &["nosuid", "strictatime", "mode=755", "size=65536k"],
            )?,
            m(
                "/dev/pts",
                "devpts",
                "devpts",
                &[
                    "nosuid",
                    "noexec",
                    "newinstance",
                    "ptmxmode=0666",
                    "mode=0620",
                    "gid=5",
                ],
            )?,
            m(
                "/dev/mqueue",
                "mqueue",
                "mqueue",
                &["nosuid", "noexec", "nodev"],
            )?,
        ];
        if !self.no_shm {
            out.push(m(
                "/dev/shm",
                "tmpfs",
                "shm",
                &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            )?);
        }
        // A fresh sysfs shows the container's own network devices (/sys/class/net), so
        // mount one wherever the runtime may: the runtime joins the network namespace
        // before it mounts, and mounting sysfs needs CAP_SYS_ADMIN over the user
        // namespace that owns that network namespace. Otherwise bind the host's.
        if self.can_mount_sysfs() {
            out.push(m(
                "/sys",
                "sysfs",
                "sysfs",
                &["nosuid", "noexec", "nodev", "ro"],
            )?);
        } else {
            out.push(m(
                "/sys",
                "bind",
                "/sys",
                &["rbind", "nosuid", "noexec", "nodev", "ro"],
            )?);
        }
        if self.rootless {
            // A cgroup filesystem cannot be mounted from an unprivileged user namespace
            // without a cgroup namespace of its own (Podman binds it too).
            out.push(m(
                "/sys/fs/cgroup",
                "bind",
                "/sys/fs/cgroup",
                &["rbind", "nosuid", "noexec", "nodev", "relatime", "ro"],
            )?);
        } else {
            out.push(m(
                "/sys/fs/cgroup",
                "cgroup",
                "cgroup",
                &["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"],
            )?);
        }
        for extra in &self.mounts {
            out.push(match extra {
                MountInput::Bind {
                    source,
                    destination,
                    readonly,
                    options,
                } => {
                    for p in [source, destination] {
                        if !p.is_absolute() {
                            return Err(SpecError::RelativePath { path: p.clone() });
                        }
                    }
                    let mut opts = vec!["rbind".to_string()];
                    opts.extend(options.iter().cloned());
                    if *readonly {
                        opts.push("ro".into());
                    }
                    MountBuilder::default()
                        .destination(destination.clone())
                        .typ("bind")
                        .source(source.clone())
                        .options(opts)
                        .build()
                        .map_err(build_err("bind mount"))?
                }
                MountInput::Tmpfs {
                    destination,
                    options,
                } => {
                    if !destination.is_absolute() {
                        return Err(SpecError::RelativePath {
                            path: destination.clone(),
                        });
                    }
                    let mut opts = vec!["nosuid".to_string(), "nodev".to_string()];
                    opts.extend(options.iter().cloned());
                    MountBuilder::default()
                        .destination(destination.clone())
                        .typ("tmpfs")
                        .source("tmpfs")
                        .options(opts)
                        .build()
                        .map_err(build_err("tmpfs mount"))?
                }
                MountInput::Devpts {
                    destination,
                    options,
                } => {
                    if !destination.is_absolute() {
                        return Err(SpecError::RelativePath {
                            path: destination.clone(),
                        });
                    }
                    // Defaults first; a key the caller gives replaces its default.
                    let key = |o: &str| o.split('=').next().unwrap_or_default().to_string();
                    let mut opts: Vec<String> = [
                        "nosuid",
                        "noexec",
                        "newinstance",
                        "ptmxmode=0666",
                        "mode=0620",
                    ]
                    .iter()
                    .map(|s| s.to_string())
                    .filter(|d| !options.iter().any(|o| key(o) == key(d)))
                    .collect();
                    opts.extend(options.iter().cloned());
                    MountBuilder::default()
                        .destination(destination.clone())
                        .typ("devpts")
                        .source("devpts")
                        .options(opts)
                        .build()
                        .map_err(build_err("devpts mount"))?
                }
            });
        }
        Ok(out)
    }
}

impl SpecInput {
    /// The root's propagation a bind mount's own needs (as Podman): `shared` when a bind
    /// mount is `[r]shared`, else `rslave` when one is `[r]slave` (a mount cannot be
    /// shared or a slave below a private root); `None` leaves the runtime's default.
    pub fn root_propagation(&self) -> Option<&'static str> {
        let opts = || {
            self.mounts.iter().flat_map(|m| match m {
                MountInput::Bind { options, .. } => options.as_slice(),
                _ => &[],
            })
        };
        if opts().any(|o| o == "shared" || o == "rshared") {
            Some("shared")
        } else if opts().any(|o| o == "slave" || o == "rslave") {
            Some("rslave")
        } else {
            None
        }
    }

    /// The masked and read-only paths: the defaults (when `mask_paths`) minus the
    /// unmasked ones, plus the extra masked ones.
    pub fn masked_and_readonly_paths(&self) -> (Vec<String>, Vec<String>) {
        let unmask_all = self.unmasked_paths.iter().any(|p| p == "ALL");
        let keep = |p: &&&str| !unmask_all && !self.unmasked_paths.iter().any(|u| u == **p);
        let (mut masked, readonly): (Vec<String>, Vec<String>) = if self.mask_paths {
            (
                DEFAULT_MASKED_PATHS
                    .iter()
                    .filter(&keep)
                    .map(|s| s.to_string())
                    .collect(),
                DEFAULT_READONLY_PATHS
                    .iter()
                    .filter(&keep)
                    .map(|s| s.to_string())
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        for p in &self.extra_masked_paths {
            if !masked.contains(p) {
                masked.push(p.clone());
            }
        }
        (masked, readonly)
    }

    /// Applies masking, devices and privileged mode to a generated spec.
    fn confine(&self, spec: &mut Spec) -> Result<(), SpecError> {
        use oci_spec::runtime::{LinuxDeviceBuilder, LinuxDeviceType};
        for p in &self.extra_masked_paths {
            if !Path::new(p).is_absolute() {
                return Err(SpecError::RelativePath { path: p.into() });
            }
        }
        let (masked, readonly) = self.masked_and_readonly_paths();
        let mut devices = Vec::new();
        let mut rules = Vec::new();
        for d in &self.devices {
            if !d.path.is_absolute() {
                return Err(SpecError::RelativePath {
                    path: d.path.clone(),
                });
            }
            let typ = match d.kind {
                crate::devices::DeviceKind::Char => LinuxDeviceType::C,
                crate::devices::DeviceKind::Block => LinuxDeviceType::B,
            };
            devices.push(
                LinuxDeviceBuilder::default()
                    .path(d.path.clone())
                    .typ(typ)
                    .major(d.major)
                    .minor(d.minor)
                    .file_mode(d.file_mode)
                    .uid(d.uid)
                    .gid(d.gid)
                    .build()
                    .map_err(build_err("device"))?,
            );
            rules.push(
                LinuxDeviceCgroupBuilder::default()
                    .allow(true)
                    .typ(typ)
                    .major(d.major)
                    .minor(d.minor)
                    .access(d.access.clone())
                    .build()
                    .map_err(build_err("device cgroup"))?,
            );
        }
        if self.privileged {
            rules.push(
                LinuxDeviceCgroupBuilder::default()
                    .allow(true)
                    .access("rwm")
                    .build()
                    .map_err(build_err("device cgroup"))?,
            );
        }
        if let Some(linux) = spec.linux_mut() {
            linux.set_masked_paths((!masked.is_empty()).then_some(masked));
            linux.set_readonly_paths((!readonly.is_empty()).then_some(readonly));
            if !devices.is_empty() {
                linux.set_devices(Some(devices));
            }
            if !rules.is_empty() {
                if let Some(res) = linux.resources_mut() {
                    let mut all = res.devices().clone().unwrap_or_default();
                    all.extend(rules);
                    res.set_devices(Some(all));
                }
            }
        }
        if self.privileged {
            if let Some(mounts) = spec.mounts_mut() {
                for m in mounts.iter_mut() {
                    let d = m.destination();
                    if d == Path::new("/sys") || d == Path::new("/sys/fs/cgroup") {
                        if let Some(opts) = m.options_mut() {
                            opts.retain(|o| o != "ro");
                            opts.push("rw".into());
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Serialise `spec` to `BUNDLE/config.json`.
pub fn write_config(spec: &Spec, bundle: &Path) -> Result<PathBuf, SpecError> {
    let path = bundle.join("config.json");
    let data = serde_json::to_vec_pretty(spec).map_err(|e| SpecError::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    // The spec holds the container's environment (secrets included): 0600.
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)?;
        // A config.json left by an older lpod keeps its mode through truncate.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(&data)
    };
    write().map_err(|source| SpecError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The resource behind an OCI rlimit type (the match is exhaustive: a new type in oci-spec
/// fails to compile here rather than at run time).
fn rlimit_resource(t: PosixRlimitType) -> (nix::sys::resource::Resource, &'static str) {
    use nix::sys::resource::Resource as R;
    match t {
        PosixRlimitType::RlimitCpu => (R::RLIMIT_CPU, "RLIMIT_CPU"),
        PosixRlimitType::RlimitFsize => (R::RLIMIT_FSIZE, "RLIMIT_FSIZE"),
        PosixRlimitType::RlimitData => (R::RLIMIT_DATA, "RLIMIT_DATA"),
        PosixRlimitType::RlimitStack => (R::RLIMIT_STACK, "RLIMIT_STACK"),
        PosixRlimitType::RlimitCore => (R::RLIMIT_CORE, "RLIMIT_CORE"),
        PosixRlimitType::RlimitRss => (R::RLIMIT_RSS, "RLIMIT_RSS"),
        PosixRlimitType::RlimitNproc => (R::RLIMIT_NPROC, "RLIMIT_NPROC"),
        PosixRlimitType::RlimitNofile => (R::RLIMIT_NOFILE, "RLIMIT_NOFILE"),
        PosixRlimitType::RlimitMemlock => (R::RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"),
        PosixRlimitType::RlimitAs => (R::RLIMIT_AS, "RLIMIT_AS"),
        PosixRlimitType::RlimitLocks => (R::RLIMIT_LOCKS, "RLIMIT_LOCKS"),
        PosixRlimitType::RlimitSigpending => (R::RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"),
        PosixRlimitType::RlimitMsgqueue => (R::RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"),
        PosixRlimitType::RlimitNice => (R::RLIMIT_NICE, "RLIMIT_NICE"),
        PosixRlimitType::RlimitRtprio => (R::RLIMIT_RTPRIO, "RLIMIT_RTPRIO"),
        PosixRlimitType::RlimitRttime => (R::RLIMIT_RTTIME, "RLIMIT_RTTIME"),
    }
}

/// The OCI rlimit type of a ulimit name as Podman's `--ulimit` spells it (`nofile`,
/// `nproc`, `core`, ...; any case, with or without the `RLIMIT_` prefix).
pub fn rlimit_type(name: &str) -> Option<PosixRlimitType> {
    use PosixRlimitType as T;
    let lower = name.to_ascii_lowercase();
    let short = lower.strip_prefix("rlimit_").unwrap_or(&lower);
    Some(match short {
        "cpu" => T::RlimitCpu,
        "fsize" => T::RlimitFsize,
        "data" => T::RlimitData,
        "stack" => T::RlimitStack,
        "core" => T::RlimitCore,
        "rss" => T::RlimitRss,
        "nproc" => T::RlimitNproc,
        "nofile" => T::RlimitNofile,
        "memlock" => T::RlimitMemlock,
        "as" => T::RlimitAs,
        "locks" => T::RlimitLocks,
        "sigpending" => T::RlimitSigpending,
        "msgqueue" => T::RlimitMsgqueue,
        "nice" => T::RlimitNice,
        "rtprio" => T::RlimitRtprio,
        "rttime" => T::RlimitRttime,
        _ => return None,
    })
}

/// The caller's hard limit of an rlimit type: the most a container can get from a
/// caller without CAP_SYS_RESOURCE (`u64::MAX`: unlimited).
pub fn caller_hard_limit(t: PosixRlimitType) -> Result<u64, SpecError> {
    let (res, name) = rlimit_resource(t);
    let (_, hard) = nix::sys::resource::getrlimit(res).map_err(|source| SpecError::Getrlimit {
        resource: name,
        source,
    })?;
    Ok(hard)
}

/// Cap a requested rlimit at the caller's hard limit (we lack CAP_SYS_RESOURCE, so a runtime
/// asked to go higher fails with "setrlimit: Operation not permitted").
pub fn capped_rlimit(t: PosixRlimitType, soft: u64, hard: u64) -> Result<PosixRlimit, SpecError> {
    let hard = hard.min(caller_hard_limit(t)?);
    let soft = soft.min(hard);
    PosixRlimitBuilder::default()
        .typ(t)
        .soft(soft)
        .hard(hard)
        .build()
        .map_err(build_err("rlimit"))
}

/// Build the OCI process from a [`ProcessInput`] (used for the container and for exec).
pub fn process_spec(p: &ProcessInput) -> Result<Process, SpecError> {
    let caps: Vec<Capability> = p
        .capabilities
        .clone()
        .unwrap_or_else(|| DEFAULT_CAPABILITIES.to_vec());
    let caps: oci_spec::runtime::Capabilities = caps.into_iter().collect();
    let mut capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .build()
        .map_err(build_err("capabilities"))?;
    // the builder's defaults put CAP_AUDIT_WRITE in inheritable/ambient, outside bounding
    capabilities.set_inheritable(None);
    capabilities.set_ambient(None);
    let mut env = p.env.clone();
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        env.insert(0, DEFAULT_PATH.to_string());
    }
    if p.terminal && !env.iter().any(|e| e.starts_with("TERM=")) {
        env.push("TERM=xterm".to_string());
    }
    let mut user = UserBuilder::default().uid(p.uid).gid(p.gid);
    if !p.additional_gids.is_empty() {
        user = user.additional_gids(p.additional_gids.clone());
    }
    if let Some(m) = p.umask {
        user = user.umask(m);
    }
    let user = user.build().map_err(build_err("user"))?;

    // Default rlimit: RLIMIT_NOFILE soft=hard=min(1048576, caller hard), like Podman, capped.
    let mut rlimits = Vec::new();
    if !p
        .rlimits
        .iter()
        .any(|(t, _, _)| *t == PosixRlimitType::RlimitNofile)
    {
        rlimits.push(capped_rlimit(
            PosixRlimitType::RlimitNofile,
            1_048_576,
            1_048_576,
        )?);
    }
    for (t, soft, hard) in &p.rlimits {
        rlimits.push(capped_rlimit(*t, *soft, *hard)?);
    }

    let mut b = ProcessBuilder::default()
        .terminal(p.terminal)
        .user(user)
        .args(p.args.clone())
        .env(env)
        .cwd(p.cwd.clone())
        .capabilities(capabilities)
        .rlimits(rlimits)
        .no_new_privileges(p.no_new_privileges);
    if let (true, Some((rows, cols))) = (p.terminal, p.console_size) {
        b = b.console_size(
            oci_spec::runtime::BoxBuilder::default()
                .height(u64::from(rows))
                .width(u64::from(cols))
                .build()
                .map_err(build_err("console size"))?,
        );
    }
    b.build().map_err(build_err("process"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_propagation_follows_the_bind_mounts_and_devpts_takes_options() {
        let bind = |o: &[&str]| MountInput::Bind {
            source: "/src".into(),
            destination: "/dst".into(),
            readonly: false,
            options: o.iter().map(|s| s.to_string()).collect(),
        };
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        let prop = |i: &SpecInput| {
            i.to_spec()
                .unwrap()
                .linux()
                .as_ref()
                .unwrap()
                .rootfs_propagation()
                .clone()
        };
        assert_eq!(prop(&input), None);
        input.mounts.push(bind(&["rslave"]));
        assert_eq!(prop(&input).as_deref(), Some("rslave"));
        input.mounts.push(bind(&["noexec", "rshared"]));
        assert_eq!(prop(&input).as_deref(), Some("shared"));
        input.mounts = vec![MountInput::Devpts {
            destination: "/pts".into(),
            options: vec!["mode=600".into(), "gid=5".into()],
        }];
        let spec = input.to_spec().unwrap();
        let m = spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .find(|m| m.destination() == Path::new("/pts"))
            .unwrap();
        assert_eq!(m.typ().as_deref(), Some("devpts"));
        assert_eq!(
            m.options().as_ref().unwrap(),
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=600",
                "gid=5"
            ]
        );
    }

    #[test]
    fn defaults_match_podman() {
        let input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        let spec = input.to_spec().unwrap();
        let process = spec.process().as_ref().unwrap();
        let caps = process.capabilities().as_ref().unwrap();
        assert_eq!(caps.bounding().as_ref().unwrap().len(), 11);
        assert!(caps.inheritable().is_none() && caps.ambient().is_none());
        assert!(spec.hostname().is_none());
        assert!(spec.annotations().is_none());
        assert_eq!(process.no_new_privileges(), Some(true));
        assert!(process
            .env()
            .as_ref()
            .unwrap()
            .iter()
            .any(|e| e.starts_with("PATH=")));
        let linux = spec.linux().as_ref().unwrap();
        assert_eq!(
            linux.masked_paths().as_ref().unwrap().len(),
            DEFAULT_MASKED_PATHS.len()
        );
        let ns = linux.namespaces().as_ref().unwrap();
        assert_eq!(ns.len(), 5);
        let mounts = spec.mounts().as_ref().unwrap();
        assert!(mounts
            .iter()
            .any(|m| m.destination() == Path::new("/sys") && m.typ().as_deref() == Some("sysfs")));
    }

    fn sys_mount_type(input: &SpecInput) -> String {
        let spec = input.to_spec().unwrap();
        let mounts = spec.mounts().as_ref().unwrap();
        let sys = mounts
            .iter()
            .find(|m| m.destination() == Path::new("/sys"))
            .unwrap();
        sys.typ().clone().unwrap()
    }

    #[test]
    fn no_shm_leaves_out_the_shm_tmpfs() {
        let shm = |input: &SpecInput| {
            let spec = input.to_spec().unwrap();
            spec.mounts()
                .as_ref()
                .unwrap()
                .iter()
                .any(|m| m.destination() == Path::new("/dev/shm"))
        };
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        assert!(shm(&input));
        input.no_shm = true;
        assert!(!shm(&input));
    }

    #[test]
    fn sysfs_is_fresh_unless_the_netns_belongs_to_another_user_namespace() {
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        // A bridge container's namespace, made by lpod and joined by the runtime: its
        // own /sys/class/net, not the host's.
        input.namespaces.net = Namespace::Join("/run/lpod/netns/x".into());
        assert_eq!(sys_mount_type(&input), "sysfs");
        input.namespaces.net = Namespace::Host;
        assert_eq!(sys_mount_type(&input), "sysfs");
        input.rootless = true;
        assert_eq!(sys_mount_type(&input), "bind");
        input.rootless = false;
        input.namespaces.user = Namespace::New;
        assert_eq!(sys_mount_type(&input), "bind");
        input.namespaces.net = Namespace::Join("/run/lpod/netns/x".into());
        assert_eq!(sys_mount_type(&input), "bind");
        input.namespaces.net = Namespace::New;
        assert_eq!(sys_mount_type(&input), "sysfs");
    }

    #[test]
    fn join_namespace_and_host_uts() {
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        input.namespaces.net = Namespace::Join("/proc/1/ns/net".into());
        input.namespaces.uts = Namespace::Host;
        let spec = input.to_spec().unwrap();
        let linux = spec.linux().as_ref().unwrap();
        let ns = linux.namespaces().as_ref().unwrap();
        let net = ns
            .iter()
            .find(|n| n.typ() == LinuxNamespaceType::Network)
            .unwrap();
        assert_eq!(net.path().as_deref(), Some(Path::new("/proc/1/ns/net")));
        assert!(!ns.iter().any(|n| n.typ() == LinuxNamespaceType::Uts));
    }

    #[test]
    fn rlimits_never_exceed_caller_hard_limit() {
        let (_, hard) =
            nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
        let r = capped_rlimit(PosixRlimitType::RlimitNofile, u64::MAX, u64::MAX).unwrap();
        assert_eq!(r.hard(), hard);
        assert!(r.soft() <= r.hard());
    }

    #[test]
    fn rejects_relative_and_empty() {
        assert!(matches!(
            SpecInput::new("rel", vec!["x".into()]).to_spec(),
            Err(SpecError::RelativePath { .. })
        ));
        assert!(matches!(
            SpecInput::new("/abs", vec![]).to_spec(),
            Err(SpecError::NoArgs { .. })
        ));
    }

    #[test]
    fn resources_are_emitted() {
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        input.resources = Resources {
            memory_limit: Some(64 << 20),
            cpu_quota: Some(50_000),
            cpu_period: Some(100_000),
            cpu_shares: Some(512),
            pids_limit: Some(42),
            ..Resources::default()
        };
        input.cgroup_path = Some(SpecInput::cgroup_path_for(None, "abc"));
        let json = serde_json::to_value(input.to_spec().unwrap()).unwrap();
        assert_eq!(json["linux"]["resources"]["memory"]["limit"], 64 << 20);
        assert_eq!(json["linux"]["resources"]["cpu"]["quota"], 50_000);
        assert_eq!(json["linux"]["resources"]["pids"]["limit"], 42);
        assert_eq!(json["linux"]["cgroupsPath"], "/lpod/abc");
    }

    #[test]
    fn rootless_spec_has_no_cgroup_path_limits_or_cgroup_mount() {
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        input.rootless = true;
        input.resources.pids_limit = Some(42);
        input.cgroup_path = Some(SpecInput::cgroup_path_for(None, "abc"));
        let json = serde_json::to_value(input.to_spec().unwrap()).unwrap();
        assert!(json["linux"]["cgroupsPath"].is_null(), "{json}");
        assert!(json["linux"]["resources"]["pids"].is_null(), "{json}");
        let cg = json["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == "/sys/fs/cgroup")
            .unwrap();
        assert_eq!(cg["type"], "bind");
    }

    #[test]
    fn confinement_fields_render() {
        let mut input = SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        input.extra_masked_paths = vec!["/etc/secret".into()];
        input.unmasked_paths = vec!["/proc/kcore".into(), "/proc/sys".into()];
        input.devices = vec![crate::devices::DeviceInput::from_host(
            Path::new("/dev/null"),
            Path::new("/dev/mynull"),
            "rwm",
        )
        .unwrap()];
        let json = serde_json::to_value(input.to_spec().unwrap()).unwrap();
        let masked = json["linux"]["maskedPaths"].as_array().unwrap();
        assert!(masked.iter().any(|p| p == "/etc/secret"));
        assert!(!masked.iter().any(|p| p == "/proc/kcore"));
        assert!(masked.iter().any(|p| p == "/proc/keys"));
        let ro = json["linux"]["readonlyPaths"].as_array().unwrap();
        assert!(!ro.iter().any(|p| p == "/proc/sys"));
        assert_eq!(json["linux"]["devices"][0]["path"], "/dev/mynull");
        assert_eq!(json["linux"]["devices"][0]["type"], "c");
        let rules = json["linux"]["resources"]["devices"].as_array().unwrap();
        assert_eq!(rules[0]["allow"], false);
        assert!(rules
            .iter()
            .any(|r| r["allow"] == true && r["major"] == 1 && r["minor"] == 3));

        input.unmasked_paths = vec!["ALL".into()];
        input.privileged = true;
        let json = serde_json::to_value(input.to_spec().unwrap()).unwrap();
        assert_eq!(
            json["linux"]["maskedPaths"],
            serde_json::json!(["/etc/secret"])
        );
        assert!(json["linux"]["readonlyPaths"].is_null());
        let rules = json["linux"]["resources"]["devices"].as_array().unwrap();
        assert!(rules
            .iter()
            .any(|r| r["allow"] == true && r["major"].is_null()));
        let sys = json["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == "/sys")
            .unwrap()
            .clone();
        assert!(!sys["options"].as_array().unwrap().iter().any(|o| o == "ro"));
    }
}
