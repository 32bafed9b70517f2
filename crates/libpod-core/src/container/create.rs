//! `create`: resolves the image, writes the container's config and first state
//! row (status Configured) and creates its storage (read-write layer).

use std::collections::BTreeMap;
use std::path::PathBuf;

use libpod_config::{failpoint, Operation};
use libpod_config::{
    new_id, validate_name, ContainerConfig, ContainerState, Mount, MountKind, NamespaceMode,
    NetworkMode as CfgNetworkMode, Resources, SharedNamespace,
};
use libpod_state::{JournalKind, StateError};

use super::options::{CreateOptions, MountSpec, NetworkMode};
use crate::context::{image_err, pod_err, Parts};
use crate::error::PodError;
use crate::journal::{Acquired, Op};
use crate::{Error, Result};

/// `--mac-address`, `--ip`, `--ip6`: the per-network options of the container's first
/// network (its own list's first, else the default network), as `network connect`
/// records them. Only a bridge-mode container has addresses of its own.
fn static_addresses(p: &Parts, opts: &CreateOptions, c: &mut ContainerConfig) -> Result<()> {
    if opts.static_mac.is_none() && opts.static_ips.is_empty() {
        return Ok(());
    }
    if !matches!(c.namespaces.network, CfgNetworkMode::Bridge) {
        return Err(Error::InvalidArgument {
            what: "static MAC or IP address (only a container on a bridge network has its own; this one's network namespace is not)",
            value: opts
                .static_mac
                .iter()
                .cloned()
                .chain(opts.static_ips.iter().map(|i| i.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if let Some(m) = &opts.static_mac {
        crate::network::validate_mac(m)?;
    }
    let first = match c.networks.first() {
        Some(n) => n.clone(),
        None => crate::network::net_config(&p.opts).default_network.name,
    };
    let o = c.network_options.entry(first).or_default();
    o.static_mac = opts.static_mac.as_ref().map(|m| m.to_ascii_lowercase());
    o.static_ips = opts.static_ips.clone();
    Ok(())
}

/// Makes the config a member of the pod named in
/// `opts.pod` (resolves it, sets the shared namespaces, refuses conflicts).
fn join_pod(p: &Parts, opts: &CreateOptions, c: &mut ContainerConfig) -> Result<()> {
    let Some(q) = &opts.pod else {
        return Ok(());
    };
    let id = p.state.lookup_pod(q).map_err(|e| pod_err(e, q))?;
    let (pc, ps) = p.state.pod(&id).map_err(|e| pod_err(e, q))?;
    c.pod = Some(id.clone());
    // The pod's volumes, unless the container mounts something else there.
    for m in &pc.mounts {
        if !c.mounts.iter().any(|x| x.destination == m.destination) {
            c.mounts.push(m.clone());
        }
    }
    if ps.infra_container_id.is_some() {
        if pc.shares(SharedNamespace::Uts) && opts.hostname.is_some() {
            return Err(Error::InvalidArgument {
                what: "config provided",
                value:
                    "cannot set hostname when joining the pod UTS namespace: invalid configuration"
                        .into(),
            });
        }
        if pc.shares(SharedNamespace::Net) {
            if !opts.ports.is_empty() {
                return Err(PodError::Conflict {
                    pod: id,
                    what: "published ports must be defined when the pod is created",
                }
                .into());
            }
            c.namespaces.network = CfgNetworkMode::Pod;
            c.networks.clear();
        }
        if pc.shares(SharedNamespace::Ipc) {
            c.namespaces.ipc = NamespaceMode::Pod;
        }
        if pc.shares(SharedNamespace::Uts) {
            c.namespaces.uts = NamespaceMode::Pod;
        }
        if pc.shares(SharedNamespace::Pid) {
            c.namespaces.pid = NamespaceMode::Pod;
        }
    }
    Ok(())
}

/// Refuses a `--dns` that is not an address and an `--add-host` that is not `NAME:IP`.
fn check_dns(d: &libpod_config::DnsConfig) -> Result<()> {
    for s in &d.servers {
        if s.parse::<std::net::IpAddr>().is_err() {
            return Err(Error::InvalidArgument {
                what: "dns server (an IP address)",
                value: s.clone(),
            });
        }
    }
    for h in &d.hosts_add {
        if crate::network::parse_host_add(h).is_none() {
            return Err(Error::InvalidArgument {
                what: "--add-host (NAME:IP)",
                value: h.clone(),
            });
        }
    }
    Ok(())
}

/// CFS period used to express `--cpus` as a quota.
const CPU_PERIOD: u64 = 100_000;

/// Parses a signal name (`SIGTERM`, `TERM`) or number.
pub(crate) fn parse_signal(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return Some(n);
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    name.parse::<nix::sys::signal::Signal>()
        .ok()
        .map(|s| s as i32)
}

/// Merges `KEY=VALUE` lists: later keys override earlier ones, order of first appearance kept.
pub(crate) fn merge_env(base: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for e in base.iter().chain(extra.iter()) {
        let key = e.split_once('=').map(|(k, _)| k).unwrap_or(e).to_string();
        match index.get(&key) {
            Some(&i) => out[i] = e.clone(),
            None => {
                index.insert(key, out.len());
                out.push(e.clone());
            }
        }
    }
    out
}

/// Builds the container config from the options and the image's config.
pub(crate) fn build_config(
    p: &Parts,
    id: &str,
    name: &str,
    opts: &CreateOptions,
    img: &libpod_storage::Image,
) -> Result<ContainerConfig> {
    let ic = &img.config;
    let mut c = ContainerConfig::new(id, name);
    c.image = if opts.rootfs.is_some() {
        String::new()
    } else {
        opts.image.clone()
    };
    c.image_id = img.id.clone();
    let (entrypoint, command) = match &opts.entrypoint {
        Some(ep) => (ep.clone(), opts.command.clone().unwrap_or_default()),
        None => (
            ic.entrypoint.clone().unwrap_or_default(),
            opts.command
                .clone()
                .or_else(|| ic.cmd.clone())
                .unwrap_or_default(),
        ),
    };
    if entrypoint.is_empty() && command.is_empty() {
        return Err(Error::InvalidArgument {
            what: "command",
            value: format!("no command given and image {} has none", opts.image),
        });
    }
    c.entrypoint = entrypoint;
    c.command = command;
    c.env = if opts.unsetenv_all {
        merge_env(&opts.host_env, &opts.env)
    } else {
        let defaults: Vec<String> = super::options::DEFAULT_ENV
            .iter()
            .map(|s| s.to_string())
            .chain(std::iter::once("container=podman".to_string()))
            .collect();
        let defaults = merge_env(&defaults, &opts.host_env);
        let base = merge_env(&defaults, ic.env.as_deref().unwrap_or(&[]));
        let base: Vec<String> = base
            .into_iter()
            .filter(|e| {
                let k = e.split_once('=').map(|(k, _)| k).unwrap_or(e);
                !opts.unsetenv.iter().any(|u| u == k)
            })
            .collect();
        merge_env(&base, &opts.env)
    };
    c.working_dir = opts
        .workdir
        .clone()
        .or_else(|| ic.working_dir.clone().filter(|w| !w.is_empty()))
        .map(Into::into);
    c.user = opts
        .user
        .clone()
        .or_else(|| ic.user.clone().filter(|u| !u.is_empty()));
    c.hostname = opts.hostname.clone();
    check_dns(&opts.dns)?;
    c.dns = opts.dns.clone();
    c.terminal = opts.tty;
    c.stdin = opts.stdin;
    c.mounts = opts
        .mounts
        .iter()
        .map(|m| match m {
            MountSpec::Bind {
                source,
                destination,
                read_only,
                options,
            } => Mount {
                kind: MountKind::Bind,
                source: source.display().to_string(),
                destination: destination.clone(),
                options: crate::container::create::bind_options(*read_only, options),
            },
            MountSpec::Image {
                source,
                destination,
                read_write,
            } => Mount {
                kind: MountKind::Image,
                source: source.clone(),
                destination: destination.clone(),
                options: vec![if *read_write { "rw" } else { "ro" }.into()],
            },
            MountSpec::Volume {
                name,
                destination,
                options,
            } => Mount {
                kind: MountKind::Volume,
                // Resolved by `create_with` before the config is built.
                source: name.clone().unwrap_or_default(),
                destination: destination.clone(),
                options: options.clone(),
            },
            MountSpec::Tmpfs {
                destination,
                options,
            } => Mount {
                kind: MountKind::Tmpfs,
                source: "tmpfs".into(),
                destination: destination.clone(),
                options: options.clone(),
            },
            MountSpec::Devpts {
                destination,
                options,
            } => Mount {
                kind: MountKind::Devpts,
                source: "devpts".into(),
                destination: destination.clone(),
                options: options.clone(),
            },
        })
        .collect();
    for m in &c.mounts {
        if !m.destination.is_absolute() {
            return Err(Error::InvalidArgument {
                what: "mount destination (must be absolute)",
                value: m.destination.display().to_string(),
            });
        }
    }
    c.namespaces.network = match &opts.network {
        NetworkMode::None => CfgNetworkMode::None,
        NetworkMode::Host => CfgNetworkMode::Host,
        NetworkMode::Bridge => CfgNetworkMode::Bridge,
        NetworkMode::Slirp4netns(o) => {
            crate::slirp::validate(o)?;
            CfgNetworkMode::Slirp4netns(o.clone())
        }
        NetworkMode::Pasta => CfgNetworkMode::Pasta,
        NetworkMode::Container(q) => CfgNetworkMode::Container {
            id: crate::deps::resolve_dependency(p, q)?,
        },
    };
    c.networks = opts.networks.clone();
    c.port_mappings = opts.ports.clone();
    if matches!(c.namespaces.network, CfgNetworkMode::Container { .. })
        && (!c.networks.is_empty() || !c.port_mappings.is_empty())
    {
        return Err(Error::InvalidArgument {
            what: "network options (a container joining another's network namespace has no networks or ports of its own)",
            value: format!("networks {:?}, {} port mapping(s)", c.networks, c.port_mappings.len()),
        });
    }
    join_pod(p, opts, &mut c)?;
    super::nsmodes::apply_create(p, opts, &mut c)?;
    static_addresses(p, opts, &mut c)?;
    if let (NetworkMode::Container(q), CfgNetworkMode::Pod) = (&opts.network, &c.namespaces.network)
    {
        return Err(Error::InvalidArgument {
            what: "network mode (the pod shares its network namespace already)",
            value: format!("container:{q}"),
        });
    }
    c.log_path = opts
        .run
        .log_path
        .clone()
        .unwrap_or_else(|| p.opts.containers_dir().join(id).join("ctr.log"));
    c.stop_signal = opts
        .stop_signal
        .or_else(|| ic.stop_signal.as_deref().and_then(parse_signal))
        .unwrap_or(if opts.run.systemd {
            // systemd stops on SIGRTMIN+3.
            libc::SIGRTMIN() + 3
        } else {
            libc::SIGTERM
        });
    c.stop_timeout = opts
        .stop_timeout
        .map(|t| t.min(u32::MAX as u64) as u32)
        .unwrap_or(10);
    c.labels = ic.labels.clone().unwrap_or_default();
    c.labels.extend(opts.labels.clone());
    c.resources = Resources {
        memory: opts.limits.memory.map(|m| m.min(i64::MAX as u64) as i64),
        cpu_quota: opts
            .limits
            .cpus
            .map(|cpus| (cpus * CPU_PERIOD as f64).round() as i64),
        cpu_period: opts.limits.cpus.map(|_| CPU_PERIOD),
        cpu_shares: None,
        pids: opts.limits.pids,
        ..Resources::default()
    };
    c.oci_runtime = p.opts.config.runtime.clone();
    c.auto_remove = opts.remove;
    c.log_driver = opts.log_driver;
    c.run = opts.run.clone();
    c.run.user_workdir = opts.workdir.is_some();
    c.run.no_default_env = opts.unsetenv_all;
    if let Some(tz) = &c.run.timezone {
        super::runopts::check_timezone(tz)?;
    }
    for r in &c.run.device_cgroup_rules {
        super::runopts::parse_device_rule(r)?;
    }
    if let Some(init) = &c.run.init_path {
        if !init.is_absolute() || !init.is_file() {
            return Err(Error::InvalidArgument {
                what: "init binary (--init-path: an existing file, absolute)",
                value: init.display().to_string(),
            });
        }
        let dest = std::path::Path::new(libpod_config::INIT_PATH_IN_CONTAINER);
        if c.mounts.iter().any(|m| m.destination == dest) {
            return Err(Error::InvalidArgument {
                what: "mount destination (--init uses it)",
                value: dest.display().to_string(),
            });
        }
        c.mounts.push(Mount {
            kind: MountKind::Bind,
            source: init.display().to_string(),
            destination: dest.to_path_buf(),
            options: vec!["ro".into()],
        });
    }
    if let Some(latest) = latest_name(&opts.image, &img.names) {
        c.image = latest;
    }
    if let Some(r) = opts.restart_policy {
        c.restart_policy = r;
    }
    c.healthcheck = super::health_opts::resolve(ic.healthcheck.as_ref(), &opts.health)
        .map_err(super::health_opts::HealthcheckError::from)?;
    Ok(c)
}

/// The name the image is stored under for a reference given without a tag
/// (`localhost/x/y` → `localhost/x/y:latest`), as Podman records it.
fn latest_name(reference: &str, names: &[String]) -> Option<String> {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if last.contains(':') || reference.contains('@') {
        return None;
    }
    let want = format!("{reference}:latest");
    names.iter().find(|n| **n == want).cloned()
}

/// The stand-in image of a container created on a root file system directory
/// (`--rootfs`): no id, no name, no layers, an empty config (so the command must be
/// given). The directory must exist.
fn rootfs_image(dir: &std::path::Path) -> Result<libpod_storage::Image> {
    if !dir.is_absolute() || !dir.is_dir() {
        return Err(Error::InvalidArgument {
            what: "rootfs (an existing directory, by absolute path)",
            value: dir.display().to_string(),
        });
    }
    Ok(libpod_storage::Image {
        id: String::new(),
        names: Vec::new(),
        names_history: Vec::new(),
        digest: None,
        digests: Vec::new(),
        repo_digests: Vec::new(),
        layers: Vec::new(),
        diff_ids: Vec::new(),
        size: 0,
        created: None,
        architecture: None,
        os: None,
        config: libpod_storage::ImageConfig::default(),
        manifest_list: false,
    })
}

/// Creates the container; returns its id.
pub(crate) fn create(p: &Parts, opts: CreateOptions) -> Result<String> {
    create_with(p, opts, &|_| Ok(()))
}

/// What a rootless container cannot have on this host, refused before anything is
/// created: cgroup limits (cgroup v1 is not writable by the user; Podman refuses them
/// too) and CNI bridge networks (a user cannot create bridges or veths on the host).
fn rootless_check(opts: &CreateOptions) -> Result<()> {
    let l = &opts.limits;
    let mut limits = Vec::new();
    if l.memory.is_some() {
        limits.push("--memory");
    }
    if l.cpus.is_some() {
        limits.push("--cpus");
    }
    if l.pids.is_some() {
        limits.push("--pids-limit");
    }
    if !opts.run.device_throttles.is_empty() {
        limits.push("--device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops");
    }
    if !limits.is_empty() {
        return Err(Error::RootlessUnsupported {
            what: format!("resource limits ({})", limits.join(", ")),
            why: "an unprivileged user cannot write cgroup v1 controllers on this host; run without limits or as root".into(),
        });
    }
    if opts.network == NetworkMode::Bridge && opts.pod.is_none() {
        return Err(Error::RootlessUnsupported {
            what: "bridge networking".into(),
            why: "CNI bridge networks need root (bridges, veths, iptables); use --network slirp4netns (the rootless default), none, host or container:NAME".into(),
        });
    }
    Ok(())
}

/// Checks `--uidmap`/`--gidmap` and turns `--userns=auto` into the first free range of
/// the pool (see [`crate::rootless::auto_pool`]) that no other container with its own
/// mappings uses; returns the lock that keeps the choice until the container is stored.
fn resolve_userns(
    p: &Parts,
    opts: &mut CreateOptions,
) -> Result<Option<nix::fcntl::Flock<std::fs::File>>> {
    use libpod_config::IdMap;
    let run = &mut opts.run;
    if run.keep_id && (run.userns_auto.is_some() || !run.uid_map.is_empty()) {
        return Err(Error::Rejected(
            "--userns=keep-id cannot be combined with --uidmap, --gidmap or --userns=auto".into(),
        ));
    }
    if run.userns_auto.is_some() && !run.uid_map.is_empty() {
        return Err(Error::Rejected(
            "--userns=auto cannot be combined with --uidmap or --gidmap".into(),
        ));
    }
    // One of the two given: the other is the same (as Podman).
    if run.gid_map.is_empty() {
        run.gid_map = run.uid_map.clone();
    } else if run.uid_map.is_empty() {
        run.uid_map = run.gid_map.clone();
    }
    let rootless = crate::rootless::is_rootless();
    let read =
        |f: &str| std::fs::read_to_string(f).map_err(|e| Error::io("read", PathBuf::from(f), e));
    let subids = |f: &str| {
        libpod_config::rootless::SubIdRange::read_for(
            std::path::Path::new(f),
            "containers",
            u32::MAX,
        )
        .map_err(|e| Error::io("read", PathBuf::from(f), e))
    };
    if !run.uid_map.is_empty() && rootless {
        // Rootless, the ids outside are the user's namespace's: refuse any it lacks
        // here rather than with the runtime's "invalid argument".
        for (file, maps, what) in [
            ("/proc/self/uid_map", &run.uid_map, "--uidmap"),
            ("/proc/self/gid_map", &run.gid_map, "--gidmap"),
        ] {
            let total: u64 = crate::rootless::auto_pool(true, &read(file)?, &[])
                .iter()
                .map(|r| r.1)
                .sum::<u64>()
                + 1;
            for m in maps.iter() {
                if u64::from(m.host_id) + u64::from(m.size) > total {
                    return Err(Error::Rejected(format!(
                        "{what} {}:{}:{}: the user namespace has ids 0..{} only (0 is you, the rest your /etc/subuid and /etc/subgid ranges)",
                        m.container_id,
                        m.host_id,
                        m.size,
                        total - 1
                    )));
                }
            }
        }
    }
    let Some(size) = run.userns_auto else {
        return Ok(None);
    };
    let lock_path = p.opts.tmp_dir().join("userns-auto.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io("open", &lock_path, e))?;
    let lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| Error::io("lock", &lock_path, e.into()))?;
    let (uid_pool, gid_pool, pool) = if rootless {
        (
            crate::rootless::auto_pool(true, &read("/proc/self/uid_map")?, &[]),
            crate::rootless::auto_pool(true, &read("/proc/self/gid_map")?, &[]),
            "of your user namespace",
        )
    } else {
        (
            crate::rootless::auto_pool(false, "", &subids("/etc/subuid")?),
            crate::rootless::auto_pool(false, "", &subids("/etc/subgid")?),
            "of the `containers` entries of /etc/subuid and /etc/subgid",
        )
    };
    let mut used_u = Vec::new();
    let mut used_g = Vec::new();
    for (c, _) in p.state.all_containers()? {
        let span = |m: &IdMap| (u64::from(m.host_id), u64::from(m.size));
        used_u.extend(c.run.uid_map.iter().map(span));
        used_g.extend(c.run.gid_map.iter().map(span));
    }
    let pick = |pool_r: &[crate::rootless::IdRange], used: &[crate::rootless::IdRange]| {
        crate::rootless::pick_free(pool_r, used, size).ok_or_else(|| Error::NoFreeIdRange {
            size,
            free: crate::rootless::free_ids(pool_r, used),
            total: pool_r.iter().map(|r| r.1).sum(),
            pool,
        })
    };
    let u = pick(&uid_pool, &used_u)?;
    let g = pick(&gid_pool, &used_g)?;
    run.uid_map = vec![IdMap {
        container_id: 0,
        host_id: u,
        size,
    }];
    run.gid_map = vec![IdMap {
        container_id: 0,
        host_id: g,
        size,
    }];
    Ok(Some(lock))
}

/// Shifts the owners of container `id`'s root onto its mappings: a file of id N (as
/// the image has it) gets the id N maps to outside; ids the mappings lack are kept.
/// Set-id bits, which `chown` clears, are put back.
fn shift_rootfs(
    p: &Parts,
    id: &str,
    uid_map: &[libpod_config::IdMap],
    gid_map: &[libpod_config::IdMap],
) -> Result<()> {
    let root = p.store.mount(id)?;
    let r = shift_tree(&root, uid_map, gid_map);
    let u = p.store.unmount(id, false);
    r?;
    u?;
    Ok(())
}

fn shift_tree(
    root: &std::path::Path,
    uid_map: &[libpod_config::IdMap],
    gid_map: &[libpod_config::IdMap],
) -> Result<()> {
    use libpod_config::IdMap;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let md = std::fs::symlink_metadata(&path).map_err(|e| Error::io("stat", &path, e))?;
        let uid = IdMap::to_host(uid_map, md.uid());
        let gid = IdMap::to_host(gid_map, md.gid());
        if uid.is_some_and(|u| u != md.uid()) || gid.is_some_and(|g| g != md.gid()) {
            std::os::unix::fs::lchown(&path, uid, gid).map_err(|e| Error::io("chown", &path, e))?;
            if !md.file_type().is_symlink() && md.mode() & 0o6000 != 0 {
                std::fs::set_permissions(
                    &path,
                    std::fs::Permissions::from_mode(md.mode() & 0o7777),
                )
                .map_err(|e| Error::io("chmod", &path, e))?;
            }
        }
        if md.is_dir() {
            for e in std::fs::read_dir(&path).map_err(|e| Error::io("read directory", &path, e))? {
                let e = e.map_err(|e| Error::io("read directory", &path, e))?;
                stack.push(e.path());
            }
        }
    }
    Ok(())
}

/// Options of a volume mount that only lpod acts on (the rest go to the OCI spec).
const VOLUME_ONLY_OPTIONS: &[&str] = &["z", "Z", "U", "copy", "nocopy", "ro", "rw"];

/// Checks a volume mount's options: `idmap` is refused (no user namespaces yet), and
/// every other option must be one the runtime's bind mount knows.
pub(crate) fn check_volume_options(
    destination: &std::path::Path,
    options: &[String],
) -> Result<()> {
    const SPEC: &[&str] = &[
        "exec",
        "noexec",
        "dev",
        "nodev",
        "suid",
        "nosuid",
        "bind",
        "rbind",
        "shared",
        "rshared",
        "slave",
        "rslave",
        "private",
        "rprivate",
        "unbindable",
        "runbindable",
    ];
    for o in options {
        if o == "idmap" || o.starts_with("idmap=") {
            return Err(Error::InvalidArgument {
                what: "volume option (idmap needs rootless/user namespaces, not supported yet)",
                value: format!("{o} on {}", destination.display()),
            });
        }
        if !VOLUME_ONLY_OPTIONS.contains(&o.as_str()) && !SPEC.contains(&o.as_str()) {
            return Err(Error::InvalidArgument {
                what: "volume option",
                value: format!("{o} on {}", destination.display()),
            });
        }
    }
    Ok(())
}

/// A bind mount's stored options: `ro` first when read-only, then the others (`ro`/`rw`
/// among them dropped: `read_only` decides).
pub(crate) fn bind_options(read_only: bool, options: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if read_only {
        out.push("ro".into());
    }
    out.extend(
        options
            .iter()
            .filter(|o| !matches!(o.as_str(), "ro" | "rw"))
            .cloned(),
    );
    out
}

/// Checks the mounts' destinations: the same mount given twice is kept once (as
/// Podman), two different mounts on one destination are refused.
pub(crate) fn dedup_mounts(mounts: &mut Vec<MountSpec>) -> Result<()> {
    let dest = |m: &MountSpec| -> std::path::PathBuf {
        match m {
            MountSpec::Bind { destination, .. }
            | MountSpec::Image { destination, .. }
            | MountSpec::Volume { destination, .. }
            | MountSpec::Tmpfs { destination, .. }
            | MountSpec::Devpts { destination, .. } => destination.clone(),
        }
    };
    let mut out: Vec<MountSpec> = Vec::with_capacity(mounts.len());
    for m in mounts.drain(..) {
        match out.iter().find(|x| dest(x) == dest(&m)) {
            Some(x) if *x == m => {}
            Some(_) => return Err(Error::DuplicateMountDestination(dest(&m))),
            None => out.push(m),
        }
    }
    *mounts = out;
    Ok(())
}

/// The options of a volume mount the OCI runtime gets (lpod's own ones removed).
pub(crate) fn spec_volume_options(options: &[String]) -> Vec<String> {
    options
        .iter()
        .filter(|o| !VOLUME_ONLY_OPTIONS.contains(&o.as_str()))
        .cloned()
        .collect()
}

/// Gives every volume mount a volume: the image's `VOLUME`s not covered by a mount
/// become anonymous volumes, an anonymous mount gets a new volume, a named one is
/// created when missing. Returns the names of the anonymous volumes it created (the
/// create removes them when it fails).
fn resolve_volumes(
    p: &Parts,
    opts: &mut CreateOptions,
    img: &libpod_storage::Image,
) -> Result<Vec<String>> {
    let dest_of = |m: &MountSpec| -> std::path::PathBuf {
        match m {
            MountSpec::Bind { destination, .. }
            | MountSpec::Image { destination, .. }
            | MountSpec::Volume { destination, .. }
            | MountSpec::Tmpfs { destination, .. }
            | MountSpec::Devpts { destination, .. } => destination.clone(),
        }
    };
    for spec in &opts.volumes_from {
        let (ctr, mode) = match spec.rsplit_once(':') {
            Some((c, m)) if m == "ro" || m == "rw" => (c, Some(m)),
            Some((_, m)) => {
                return Err(Error::InvalidArgument {
                    what: "--volumes-from mode (ro or rw)",
                    value: m.to_string(),
                })
            }
            None => (spec.as_str(), None),
        };
        let id = p
            .state
            .lookup_container(ctr)
            .map_err(|e| crate::context::lookup_err(e, ctr))?;
        let (src, _) = p.state.container(&id)?;
        for m in src.mounts {
            if opts.mounts.iter().any(|x| dest_of(x) == m.destination) {
                continue;
            }
            let ro = match mode {
                Some(m) => m == "ro",
                None => m.options.iter().any(|o| o == "ro"),
            };
            match m.kind {
                MountKind::Volume => {
                    let mut options: Vec<String> = m
                        .options
                        .iter()
                        .filter(|o| !matches!(o.as_str(), "ro" | "rw"))
                        .cloned()
                        .collect();
                    if ro {
                        options.push("ro".into());
                    }
                    opts.mounts.push(MountSpec::Volume {
                        name: Some(m.source),
                        destination: m.destination,
                        options,
                    });
                }
                MountKind::Bind
                    if m.destination
                        != std::path::Path::new(libpod_config::INIT_PATH_IN_CONTAINER) =>
                {
                    let options = m
                        .options
                        .iter()
                        .filter(|o| !matches!(o.as_str(), "ro" | "rw"))
                        .cloned()
                        .collect();
                    opts.mounts.push(MountSpec::Bind {
                        source: m.source.into(),
                        destination: m.destination,
                        read_only: ro,
                        options,
                    });
                }
                _ => {}
            }
        }
    }
    let mode = opts
        .image_volume_mode
        .clone()
        .unwrap_or_else(|| p.opts.config.image_volume_mode.clone());
    if !libpod_config::IMAGE_VOLUME_MODES.contains(&mode.as_str()) {
        return Err(Error::InvalidArgument {
            what: "image volume mode (bind, tmpfs or ignore)",
            value: mode,
        });
    }
    for dst in img.config.volumes.iter().flat_map(|v| v.keys()) {
        let dst = std::path::PathBuf::from(dst);
        if dst.is_absolute() && !opts.mounts.iter().any(|m| dest_of(m) == dst) {
            match mode.as_str() {
                "tmpfs" => opts.mounts.push(MountSpec::Tmpfs {
                    destination: dst,
                    options: Vec::new(),
                }),
                "ignore" => {}
                _ => opts.mounts.push(MountSpec::Volume {
                    name: None,
                    destination: dst,
                    options: Vec::new(),
                }),
            }
        }
    }
    let mut created = Vec::new();
    let r = (|| -> Result<()> {
        for m in opts.mounts.iter_mut() {
            let MountSpec::Volume {
                name,
                destination,
                options,
            } = m
            else {
                continue;
            };
            check_volume_options(destination, options)?;
            match name {
                None => {
                    let v = crate::volume::create::create_volume(
                        p,
                        crate::volume::VolumeCreateOptions {
                            anonymous: true,
                            ..Default::default()
                        },
                    )?;
                    created.push(v.name.clone());
                    *name = Some(v.name);
                }
                Some(n) => {
                    crate::volume::create::create_volume(
                        p,
                        crate::volume::VolumeCreateOptions {
                            name: Some(n.clone()),
                            ignore_existing: true,
                            ..Default::default()
                        },
                    )?;
                }
            }
        }
        Ok(())
    })();
    match r {
        Ok(()) => Ok(created),
        Err(e) => {
            remove_anonymous(p, &created);
            Err(e)
        }
    }
}

/// Removes the anonymous volumes a failed create made.
fn remove_anonymous(p: &Parts, names: &[String]) {
    for n in names {
        let r = crate::volume::lock(p).and_then(|_g| crate::volume::remove::remove_unlocked(p, n));
        if let Err(e) = r {
            tracing::warn!(volume = %n, error = %e, "removing an anonymous volume of a failed create");
        }
    }
}

/// [`create`] with a last change to the config before it is stored (a pod's
/// infra container is marked so).
pub(crate) fn create_with(
    p: &Parts,
    mut opts: CreateOptions,
    adjust: &dyn Fn(&mut ContainerConfig) -> Result<()>,
) -> Result<String> {
    let img = match &opts.rootfs {
        Some(dir) => rootfs_image(dir)?,
        None => p
            .store
            .image(&opts.image)
            .map_err(|e| image_err(e, &opts.image))?,
    };
    if let Some(n) = &opts.name {
        validate_name(n)?;
    }
    dedup_mounts(&mut opts.mounts)?;
    for m in &opts.mounts {
        if let MountSpec::Bind {
            destination,
            options,
            ..
        } = m
        {
            check_volume_options(destination, options)?;
        }
    }
    let anonymous = resolve_volumes(p, &mut opts, &img)?;
    let r = create_resolved(p, opts, adjust, img);
    if r.is_err() {
        remove_anonymous(p, &anonymous);
    }
    r
}

/// [`create_with`] once every volume mount names an existing volume.
fn create_resolved(
    p: &Parts,
    mut opts: CreateOptions,
    adjust: &dyn Fn(&mut ContainerConfig) -> Result<()>,
    img: libpod_storage::Image,
) -> Result<String> {
    if let Some(n) = &opts.name {
        validate_name(n)?;
    }
    for m in &opts.mounts {
        if let MountSpec::Image { source, .. } = m {
            p.store.image(source).map_err(|e| image_err(e, source))?;
        }
    }
    // Before anything exists: what a rootless user cannot have fails here.
    if crate::rootless::is_rootless() {
        rootless_check(&opts)?;
    }
    // `--userns=auto` picks its range under a lock held until the row is stored, so
    // two creates never take the same ids.
    let _userns_lock = resolve_userns(p, &mut opts)?;
    // Before anything exists: a bad capability, seccomp profile or device fails here.
    let security = super::security::validate(&p.opts.config, &opts.security)?;
    let id = new_id();
    let ctr_dir = p.opts.containers_dir().join(&id);
    // Intent first: the directory and the storage container (see `crate::journal`).
    let mut op = Op::begin(
        p,
        JournalKind::Container,
        &id,
        Operation::Create,
        Acquired {
            ctr_dir: Some(ctr_dir.clone()),
            storage_container: true,
            ..Acquired::default()
        },
    )?;
    libpod_storage::private::create_private_dir(&ctr_dir)
        .map_err(|e| Error::io("create directory", &ctr_dir, e))?;
    let undo_dir = || {
        let _ = std::fs::remove_dir_all(&ctr_dir);
    };
    let storage = match &opts.rootfs {
        Some(dir) => p.store.create_container_on_dir(&id, dir),
        None => p.store.create_container(&id, Some(&img.id)),
    };
    if let Err(e) = storage {
        undo_dir();
        return Err(e.into());
    }
    failpoint::hit("container.create.after_storage");
    let undo = || {
        let _ = p.store.delete_container(&id);
        undo_dir();
    };
    // A container with its own id mappings gets its root's files shifted onto them
    // (the image's uid N becomes the id N maps to), as containers/storage does where
    // it cannot idmap a mount; a kill meanwhile undoes the whole create.
    if !opts.run.uid_map.is_empty() {
        if let Err(e) = shift_rootfs(p, &id, &opts.run.uid_map, &opts.run.gid_map) {
            undo();
            return Err(e);
        }
    }
    if let Err(e) = op.record(|a| a.state_row = true) {
        undo();
        return Err(e);
    }
    // A generated name is checked against the name index before the insert (cheap
    // read), and a name taken in between is simply the next candidate's turn.
    let mut candidates = libpod_config::name_candidates();
    loop {
        let name = match &opts.name {
            Some(n) => n.clone(),
            None => match crate::context::next_free_name(p.state.as_ref(), &mut candidates) {
                Ok(Ok(n)) => n,
                Ok(Err(last)) => {
                    undo();
                    return Err(Error::NameInUse(last));
                }
                Err(e) => {
                    undo();
                    return Err(e);
                }
            },
        };
        let cfg = match build_config(p, &id, &name, &opts, &img).and_then(|mut c| {
            c.security = security.clone();
            adjust(&mut c)?;
            Ok(c)
        }) {
            Ok(c) => c,
            Err(e) => {
                undo();
                return Err(e);
            }
        };
        // Indexed in the containers it depends on before its row exists (see `deps`).
        if let Err(e) = crate::deps::record_dependent(p, &cfg) {
            undo();
            return Err(e);
        }
        // The row and the end of the journal entry in one commit: a full disk fails
        // both (the create fails, undone below), never the entry alone (which would
        // make the next open undo a create reported as done).
        match p.state.add_container_ending_journal(
            &cfg,
            &ContainerState::default(),
            JournalKind::Container,
        ) {
            Ok(()) => {
                op.committed();
                failpoint::hit("container.create.after_state");
                tracing::debug!(id = %id, name = %name, "container created");
                return Ok(id);
            }
            Err(StateError::NameInUse { name, .. }) if opts.name.is_none() => {
                tracing::debug!(name = %name, "generated name taken meanwhile, trying another");
            }
            Err(StateError::NameInUse { name, .. }) => {
                undo();
                return Err(Error::NameInUse(name));
            }
            Err(e) => {
                undo();
                return Err(e.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_mounts_are_kept_once_and_clashing_ones_refused() {
        let tmpfs = |d: &str, o: &[&str]| MountSpec::Tmpfs {
            destination: d.into(),
            options: o.iter().map(|s| s.to_string()).collect(),
        };
        let mut m = vec![tmpfs("/a", &[]), tmpfs("/a", &[]), tmpfs("/b", &["ro"])];
        dedup_mounts(&mut m).unwrap();
        assert_eq!(m, vec![tmpfs("/a", &[]), tmpfs("/b", &["ro"])]);
        let mut m = vec![tmpfs("/a", &[]), tmpfs("/a", &["ro"])];
        let e = dedup_mounts(&mut m).unwrap_err();
        assert_eq!(e.to_string(), "/a: duplicate mount destination");
        let mut m = vec![
            MountSpec::Volume {
                name: Some("v".into()),
                destination: "/a".into(),
                options: Vec::new(),
            },
            tmpfs("/a", &[]),
        ];
        assert!(dedup_mounts(&mut m).is_err());
    }

    #[test]
    fn bind_options_put_ro_first_and_drop_ro_rw() {
        let o = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            bind_options(true, &o(&["rw", "noexec"])),
            o(&["ro", "noexec"])
        );
        assert_eq!(bind_options(false, &o(&["ro", "rshared"])), o(&["rshared"]));
    }

    #[test]
    fn signals_parse() {
        assert_eq!(parse_signal("SIGTERM"), Some(15));
        assert_eq!(parse_signal("kill"), Some(9));
        assert_eq!(parse_signal("2"), Some(2));
        assert_eq!(parse_signal("NOPE"), None);
    }

    #[test]
    fn env_merges_by_key() {
        let base = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        let extra = vec!["A=2".to_string(), "B=3".to_string()];
        assert_eq!(merge_env(&base, &extra), vec!["PATH=/bin", "A=2", "B=3"]);
    }
}
