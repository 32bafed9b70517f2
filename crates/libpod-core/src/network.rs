//! Container networking: the network modes (none, host, bridge, pod), the netns
//! and CNI setup of bridge mode, the container's `/etc/hosts`, `/etc/resolv.conf`
//! and `/etc/hostname`, teardown (stop, cleanup, rm) and crash recovery, and the
//! `network create/ls/inspect/rm` verbs of the `Runtime` live in
//! `runtime/networks.rs`.
//!
//! Mechanisms live in libpod-net; this module maps the data model onto them.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use libpod_config::{ContainerConfig, ContainerState, NetworkMode, NetworkStatus};
use libpod_net::{Attachment, NetConfig, NetManager, Netns, SetupRequest};
use libpod_oci::{MountInput, Namespace, SpecInput};

pub use libpod_net::{NetworkCreateOptions as CreateNetworkOptions, NetworkInfo as NetworkDetails};

pub use crate::error::NetworkError;

use crate::context::{Parts, RuntimeOptions};
use crate::ops::lock::Locked;
use crate::{Error, Result};

/// libpod-net's paths for a runtime: config dir, cache and leases under the
/// runtime's `cni` dirs, so every runtime root is isolated.
pub(crate) fn net_config(opts: &RuntimeOptions) -> NetConfig {
    let c = &opts.config;
    let mut n = NetConfig::with_root(Path::new("/var/lib/lpod"));
    n.config_dir = c.cni_config_dir.clone();
    n.extra_config_dirs = c.cni_extra_config_dirs.clone();
    if !c.cni_plugin_dirs.is_empty() {
        n.plugin_dirs = c.cni_plugin_dirs.clone();
    }
    n.cache_dir = c.cni_cache_dir.join("results");
    n.ipam_data_dir = c.cni_cache_dir.join("networks");
    if !c.default_network.is_empty() {
        n.default_network.name = c.default_network.clone();
    }
    if !c.default_bridge.is_empty() {
        n.default_network.bridge = c.default_bridge.clone();
    }
    if let Ok(s) = c.default_subnet.parse() {
        n.default_network.subnet = s;
    }
    n
}

/// Checks a MAC address given by a user (`--mac-address`): six two-digit hex octets
/// separated by `:` or `-`. A bad one is [`Error::InvalidArgument`] naming it.
pub fn validate_mac(mac: &str) -> Result<()> {
    let sep = if mac.contains('-') { '-' } else { ':' };
    let octets: Vec<&str> = mac.split(sep).collect();
    let ok = octets.len() == 6
        && octets
            .iter()
            .all(|o| o.len() == 2 && o.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "MAC address (six hex octets: aa:bb:cc:dd:ee:ff)",
            value: mac.to_string(),
        })
    }
}

/// The runtime's network manager.
pub(crate) fn manager(p: &Parts) -> NetManager {
    NetManager::new(&net_config(&p.opts))
}

/// The names of the networks a bridge-mode container joins, in order: its own list, or
/// the default network (none once `network disconnect` left it on none).
pub(crate) fn network_names(cfg: &ContainerConfig, default: &str) -> Vec<String> {
    if cfg.networks.is_empty() && !cfg.networks_cleared {
        vec![default.to_string()]
    } else {
        cfg.networks.clone()
    }
}

/// The networks a bridge-mode container joins: [`network_names`] with each network's
/// options (static addresses, MAC), as `eth0`, `eth1`, ... by position unless the
/// options name the interface.
pub(crate) fn attachments(cfg: &ContainerConfig, default: &str) -> Vec<Attachment> {
    network_names(cfg, default)
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let o = cfg.network_options.get(&n).cloned().unwrap_or_default();
            let mut a =
                Attachment::new(n, o.interface.clone().unwrap_or_else(|| format!("eth{i}")));
            a.static_ips = o.static_ips;
            a.static_mac = o.static_mac;
            a
        })
        .collect()
}

/// The networks a container is attached to now, as its state records them (network and
/// interface); the configured ones when the state records none.
pub(crate) fn attached(
    cfg: &ContainerConfig,
    st: &ContainerState,
    default: &str,
) -> Vec<Attachment> {
    if st.network_status.is_empty() {
        return attachments(cfg, default);
    }
    let mut v: Vec<Attachment> = st
        .network_status
        .iter()
        .map(|(n, s)| Attachment::new(n.clone(), s.interface.clone()))
        .collect();
    // Interface order (eth0 first), so that teardown runs in reverse attach order.
    v.sort_by_key(|a| ifname_index(&a.ifname));
    v
}

/// `ethN` → N (other names sort last).
fn ifname_index(name: &str) -> u32 {
    name.strip_prefix("eth")
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

/// The data model's port mapping as libpod-net's.
pub fn to_net_port(p: &libpod_config::PortMapping) -> libpod_net::PortMapping {
    libpod_net::PortMapping {
        host_ip: p.host_ip,
        host_port: p.host_port,
        container_port: p.container_port,
        protocol: match p.protocol {
            libpod_config::Protocol::Udp => libpod_net::Protocol::Udp,
            _ => libpod_net::Protocol::Tcp,
        },
    }
}

/// libpod-net's port mapping (`-p` syntax parser) as the data model's.
pub fn from_net_port(p: &libpod_net::PortMapping) -> libpod_config::PortMapping {
    libpod_config::PortMapping {
        host_ip: p.host_ip,
        host_port: p.host_port,
        container_port: p.container_port,
        protocol: match p.protocol {
            libpod_net::Protocol::Udp => libpod_config::Protocol::Udp,
            libpod_net::Protocol::Tcp => libpod_config::Protocol::Tcp,
        },
    }
}

/// Parses `-p [ip:]hostPort:containerPort[/proto]`.
pub fn parse_port(s: &str) -> Result<libpod_config::PortMapping> {
    s.parse::<libpod_net::PortMapping>()
        .map(|p| from_net_port(&p))
        .map_err(|e| Error::InvalidArgument {
            what: "port mapping ([ip:]hostPort:containerPort[/proto])",
            value: format!("{s}: {e}"),
        })
}

/// Parses `-p` with Podman's port ranges: `[ip:][hostStart-hostEnd:]start-end[/proto]`
/// publishes each port of the range (host and container ranges of the same length); a
/// mapping without a range is [`parse_port`]'s.
pub fn parse_ports(s: &str) -> Result<Vec<libpod_config::PortMapping>> {
    let (body, proto) = match s.rsplit_once('/') {
        Some((b, p)) => (b, Some(p)),
        None => (s, None),
    };
    let mut parts: Vec<&str> = body.rsplitn(3, ':').collect();
    parts.reverse();
    let (ip, host, ctr) = match parts.as_slice() {
        [c] => (None, None, *c),
        [h, c] => (None, Some(*h), *c),
        [ip, h, c] => (Some(*ip), Some(*h), *c),
        _ => return parse_port(s).map(|p| vec![p]),
    };
    let bad = || Error::InvalidArgument {
        what: "port range ([ip:]hostStart-hostEnd:start-end[/proto], ranges of one length)",
        value: s.to_string(),
    };
    let range = |r: &str| -> Result<Option<(u16, u16)>> {
        match r.split_once('-') {
            None => Ok(None),
            Some((a, b)) => {
                let (a, b) = (
                    a.parse::<u16>().map_err(|_| bad())?,
                    b.parse::<u16>().map_err(|_| bad())?,
                );
                if a > b {
                    return Err(bad());
                }
                Ok(Some((a, b)))
            }
        }
    };
    let Some((c1, c2)) = range(ctr)? else {
        return parse_port(s).map(|p| vec![p]);
    };
    let host = match host.filter(|h| !h.is_empty()) {
        None => None,
        Some(h) => match range(h)? {
            Some((h1, h2)) if h2 - h1 == c2 - c1 => Some(h1),
            _ => return Err(bad()),
        },
    };
    (0..=(c2 - c1))
        .map(|i| {
            let mut one = String::new();
            if let Some(ip) = ip {
                one.push_str(ip);
                one.push(':');
            }
            if let Some(h1) = host {
                one.push_str(&format!("{}:", h1 + i));
            } else if ip.is_some() {
                one.push(':');
            }
            one.push_str(&(c1 + i).to_string());
            if let Some(p) = proto {
                one.push('/');
                one.push_str(p);
            }
            parse_port(&one)
        })
        .collect()
}

/// What the network mode adds to the OCI spec.
#[derive(Debug, Default)]
pub(crate) struct NetSpec {
    /// The net namespace.
    pub(crate) net: Option<Namespace>,
    /// IPC namespace to join (pod).
    pub(crate) ipc: Option<Namespace>,
    /// UTS namespace to join (pod); the spec then sets no hostname.
    pub(crate) uts: Option<Namespace>,
    /// PID namespace to join (pod sharing pid).
    pub(crate) pid: Option<Namespace>,
    /// Bind mounts of the generated /etc files.
    pub(crate) mounts: Vec<MountInput>,
}

impl NetSpec {
    /// The net namespace the spec starts from (the host's for host mode).
    pub(crate) fn base(&self) -> Namespace {
        self.net.clone().unwrap_or(Namespace::New)
    }

    /// Applies the namespaces and mounts to a spec input.
    pub(crate) fn apply(self, input: &mut SpecInput) {
        if let Some(n) = self.net {
            input.namespaces.net = n;
        }
        if let Some(n) = self.ipc {
            input.namespaces.ipc = n;
        }
        if let Some(n) = self.pid {
            input.namespaces.pid = n;
        }
        if let Some(n) = self.uts {
            input.namespaces.uts = n;
            input.hostname = None;
        }
        for m in self.mounts {
            if let MountInput::Bind { destination, .. } = &m {
                let taken = input.mounts.iter().any(|x| x.destination() == destination);
                if taken {
                    continue;
                }
            }
            input.mounts.push(m);
        }
    }
}

pub(crate) fn hostname_of(cfg: &ContainerConfig) -> String {
    cfg.hostname
        .clone()
        .unwrap_or_else(|| libpod_config::short_id(&cfg.id).to_string())
}

/// A network mode as Podman names it (`HostConfig.NetworkMode`, errors).
pub(crate) fn mode_name(mode: &NetworkMode) -> String {
    match mode {
        NetworkMode::None => "none".to_string(),
        NetworkMode::Host => "host".to_string(),
        NetworkMode::Bridge => "bridge".to_string(),
        NetworkMode::Slirp4netns(_) => "slirp4netns".to_string(),
        NetworkMode::Pasta => "pasta".to_string(),
        NetworkMode::Pod => "pod".to_string(),
        NetworkMode::Container { id } => format!("container:{id}"),
    }
}

fn netns_dir(p: &Parts) -> PathBuf {
    p.opts.tmp_dir().join("netns")
}

/// Where the generated /etc files of a container live (its persistent dir).
pub(crate) fn etc_dir(p: &Parts, id: &str) -> PathBuf {
    p.opts.containers_dir().join(id)
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io("write", path, e))
}

pub(crate) fn bind(source: PathBuf, dest: &str) -> MountInput {
    MountInput::Bind {
        source,
        destination: PathBuf::from(dest),
        readonly: false,
        options: Vec::new(),
    }
}

/// Where the host-side /dev/shm of a pod's infra container is mounted.
fn shm_dir(p: &Parts, id: &str) -> PathBuf {
    etc_dir(p, id).join("shm")
}

/// True when `path` is a mount point (its device differs from its parent's).
fn is_mountpoint(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (
        std::fs::metadata(path),
        path.parent().map(std::fs::metadata),
    ) {
        (Ok(m), Some(Ok(parent))) => m.dev() != parent.dev(),
        _ => false,
    }
}

/// Mounts the 64 MiB tmpfs of a pod's /dev/shm at `path` (once).
fn mount_shm(path: &Path) -> Result<()> {
    if is_mountpoint(path) {
        return Ok(());
    }
    libpod_storage::private::create_private_dir(path)
        .map_err(|e| Error::io("create directory", path, e))?;
    use nix::mount::MsFlags;
    nix::mount::mount(
        Some("shm"),
        path,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=1777,size=65536k"),
    )
    .map_err(|e| Error::io("mount tmpfs on", path, std::io::Error::from(e)))
}

/// `NAME:IP` of `--add-host` (the address may be IPv6, so the first colon splits).
pub fn parse_host_add(s: &str) -> Option<(String, IpAddr)> {
    let (name, ip) = s.split_once(':')?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if name.is_empty() {
        return None;
    }
    Some((name.to_string(), ip.parse().ok()?))
}

/// Appends `ip<TAB>names` to `out` with only the names not in `seen` yet (so that a
/// user's entry is never shadowed), as Podman's hosts files do.
fn push_host_line(out: &mut String, seen: &mut Vec<String>, ip: &str, names: &[&str]) {
    let free: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.is_empty() && !seen.iter().any(|s| s == n))
        .fold(Vec::new(), |mut v, n| {
            if !v.contains(&n) {
                v.push(n);
            }
            v
        });
    if free.is_empty() {
        return;
    }
    seen.extend(free.iter().map(|n| n.to_string()));
    out.push_str(&format!("{ip}\t{}\n", free.join(" ")));
}

/// The names on each line of a hosts file.
fn hosts_names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split_whitespace().skip(1).map(str::to_string))
        .collect()
}

/// The container's /etc/hosts, as Podman writes it: the `--add-host` entries, the
/// localhost lines, `host.containers.internal` (the first bridge network's gateway),
/// then the container's own addresses with its hostname and name (127.0.0.1 without a
/// network); a name already present is not repeated.
pub(crate) fn hosts_text(
    rc: &libpod_config::RuntimeConfig,
    cfg: &ContainerConfig,
    addresses: &[IpAddr],
    gateway: Option<IpAddr>,
) -> String {
    let hostname = hostname_of(cfg);
    let mut out = String::new();
    let mut seen = Vec::new();
    for h in &cfg.dns.hosts_add {
        if let Some((name, ip)) = parse_host_add(h) {
            push_host_line(&mut out, &mut seen, &ip.to_string(), &[&name]);
        }
    }
    // containers.conf's base_hosts_file: its entries, comments dropped.
    if let Some(base) = &rc.base_hosts_file {
        let text = std::fs::read_to_string(base).unwrap_or_default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut f = line.split_whitespace();
            if let Some(ip) = f.next() {
                let names: Vec<&str> = f.collect();
                if !names.is_empty() {
                    seen.extend(names.iter().map(|n| n.to_string()));
                    out.push_str(&format!("{ip}\t{}\n", names.join(" ")));
                }
            }
        }
    }
    let gateway: Option<String> = match rc.host_containers_internal_ip.as_deref() {
        Some("none") => None,
        Some(ip) if !ip.is_empty() => Some(ip.to_string()),
        _ => gateway.map(|g| g.to_string()),
    };
    push_host_line(&mut out, &mut seen, "127.0.0.1", &["localhost"]);
    // `localhost` is taken now; the IPv6 line carries it all the same.
    out.push_str("::1\tlocalhost\n");
    if let Some(g) = gateway {
        push_host_line(&mut out, &mut seen, &g, &["host.containers.internal"]);
    }
    let names = [hostname.as_str(), cfg.name.as_str()];
    if addresses.is_empty() {
        push_host_line(&mut out, &mut seen, "127.0.0.1", &names);
    }
    for a in addresses {
        push_container_line(&mut out, &mut seen, &a.to_string(), &names);
    }
    out
}

/// The line of a container's own address: its hostname and name, both written
/// even when they are the same (Podman's `IP NAME NAME` when `--hostname` is the
/// name); names another line holds already are left out.
fn push_container_line(out: &mut String, seen: &mut Vec<String>, ip: &str, names: &[&str]) {
    let free: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.is_empty() && !seen.iter().any(|s| s == n))
        .collect();
    if free.is_empty() {
        return;
    }
    seen.extend(free.iter().map(|n| n.to_string()));
    out.push_str(&format!("{ip}\t{}\n", free.join(" ")));
}

/// Adds `127.0.0.1 <hostname> <name>` of a container that joins another's network
/// namespace to that container's hosts file (names already there are skipped).
pub(crate) fn hosts_add_member(path: &Path, hostname: &str, name: &str) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    let mut seen = hosts_names(&text);
    let mut line = String::new();
    push_host_line(&mut line, &mut seen, "127.0.0.1", &[hostname, name]);
    if line.is_empty() {
        return Ok(());
    }
    let mut out = text;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&line);
    write_file(path, &out)
}

/// Removes the `127.0.0.1` line naming `name` (a pod member that stopped) from a hosts file.
pub(crate) fn hosts_remove_member(path: &Path, name: &str) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let keep: Vec<&str> = text
        .lines()
        .filter(|l| {
            let mut f = l.split_whitespace();
            !(f.next() == Some("127.0.0.1") && f.any(|n| n == name))
        })
        .collect();
    let mut out = keep.join("\n");
    out.push('\n');
    if out != text {
        write_file(path, &out)?;
    }
    Ok(())
}

/// The container's resolv.conf: the host's, or the network's name servers, with the
/// container's `--dns*` choices over them.
pub(crate) fn resolv_text(
    rc: &libpod_config::RuntimeConfig,
    cfg: &ContainerConfig,
    dns: &[String],
) -> String {
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    // The container's --dns*, else the configured defaults, else the network's / host's.
    let pick = |own: &Vec<String>, conf: &Vec<String>| {
        if own.is_empty() {
            conf.clone()
        } else {
            own.clone()
        }
    };
    let servers = pick(&cfg.dns.servers, &rc.dns_servers);
    let servers: Vec<IpAddr> = if servers.is_empty() {
        dns.iter().filter_map(|s| s.parse().ok()).collect()
    } else {
        servers.iter().filter_map(|s| s.parse().ok()).collect()
    };
    let overrides = libpod_net::etc::DnsOverrides {
        nameservers: servers,
        search: pick(&cfg.dns.search, &rc.dns_searches),
        options: pick(&cfg.dns.options, &rc.dns_options),
    };
    libpod_net::etc::resolv_conf(&host_resolv, &overrides)
}

/// Writes hosts, resolv.conf and hostname for the container; returns their mounts.
fn write_etc(
    p: &Parts,
    cfg: &ContainerConfig,
    addresses: &[IpAddr],
    dns: &[String],
    gateway: Option<IpAddr>,
) -> Result<Vec<MountInput>> {
    let dir = etc_dir(p, &cfg.id);
    libpod_storage::private::create_private_dir(&dir)
        .map_err(|e| Error::io("create directory", &dir, e))?;
    let hostname = hostname_of(cfg);
    let files = [
        ("hosts", hosts_text(&p.opts.config, cfg, addresses, gateway)),
        ("resolv.conf", resolv_text(&p.opts.config, cfg, dns)),
        ("hostname", libpod_net::etc::hostname_file(&hostname)),
    ];
    let mut mounts = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        write_file(&path, &text)?;
        mounts.push(bind(path, &format!("/etc/{name}")));
    }
    Ok(mounts)
}

/// The infra container of the pod of `l` (config, state as conmon's exit file
/// tells it), if any. A read without the infra's lock.
pub(crate) fn pod_infra(
    p: &Parts,
    l: &Locked<'_>,
) -> Result<Option<(ContainerConfig, ContainerState)>> {
    let Some(pod) = &l.cfg.pod else {
        return Ok(None);
    };
    let (_, ps) = p.state.pod(pod)?;
    let Some(infra) = ps.infra_container_id else {
        return Ok(None);
    };
    if infra == l.cfg.id {
        return Ok(None);
    }
    let mut row = p.state.container(&infra)?;
    crate::ops::sync::peek_exit(p, &infra, &mut row.1);
    Ok(Some(row))
}

/// True when the container joins a namespace of its pod's infra container.
pub(crate) fn joins_infra(cfg: &ContainerConfig) -> bool {
    cfg.namespaces.network == NetworkMode::Pod
        || cfg.namespaces.pid == libpod_config::NamespaceMode::Pod
        || cfg.namespaces.ipc == libpod_config::NamespaceMode::Pod
        || cfg.namespaces.uts == libpod_config::NamespaceMode::Pod
}

/// Sets the network of a container up before its OCI create: for bridge, a
/// netns under the run root attached to its networks (state records the netns
/// and each network's address); for a pod member, the infra's namespaces. Saves
/// the state. Call under the container lock.
pub(crate) fn setup(l: &mut Locked<'_>) -> Result<NetSpec> {
    let p = l.p;
    let id = l.cfg.id.clone();
    let mut spec = NetSpec::default();
    // Pod members join the infra's namespaces (when the pod shares them).
    if l.cfg.pod.is_some() {
        if let Some((icfg, ist)) = pod_infra(p, l)? {
            // The infra was started before (`pod::infra::start_for_member`).
            let needs = joins_infra(&l.cfg);
            let running = matches!(ist.status, libpod_config::ContainerStatus::Running);
            if needs {
                let pid = match (running, ist.pid) {
                    (true, Some(pid)) => pid,
                    _ => return Err(NetworkError::InfraNotRunning { id, infra: icfg.id }.into()),
                };
                let ns =
                    |kind: &str| Namespace::Join(PathBuf::from(format!("/proc/{pid}/ns/{kind}")));
                if l.cfg.namespaces.network == NetworkMode::Pod {
                    spec.net = Some(match &ist.netns_path {
                        Some(path) => Namespace::Join(path.clone()),
                        None => ns("net"),
                    });
                    // Share the infra's /etc files (same addresses, same resolver).
                    share_etc_files(p, &icfg.id, &mut spec);
                    let idir = etc_dir(p, &icfg.id);
                    // The member's names resolve to the shared loopback (Podman's rule).
                    let hosts = idir.join("hosts");
                    if hosts.exists() {
                        let hostname = if l.cfg.namespaces.uts == libpod_config::NamespaceMode::Pod
                        {
                            hostname_of(&icfg)
                        } else {
                            hostname_of(&l.cfg)
                        };
                        hosts_add_member(&hosts, &hostname, &l.cfg.name)?;
                    }
                }
                if l.cfg.namespaces.ipc == libpod_config::NamespaceMode::Pod {
                    spec.ipc = Some(ns("ipc"));
                    // POSIX shared memory lives in /dev/shm: the members share the infra's.
                    let shm = shm_dir(p, &icfg.id);
                    if is_mountpoint(&shm) {
                        spec.mounts.push(bind(shm, "/dev/shm"));
                    }
                }
                if l.cfg.namespaces.pid == libpod_config::NamespaceMode::Pod {
                    spec.pid = Some(ns("pid"));
                }
                if l.cfg.namespaces.uts == libpod_config::NamespaceMode::Pod {
                    spec.uts = Some(ns("uts"));
                    let src = etc_dir(p, &icfg.id).join("hostname");
                    if src.exists() {
                        spec.mounts.push(bind(src, "/etc/hostname"));
                    }
                }
                if l.cfg.namespaces.network == NetworkMode::Pod {
                    return Ok(spec);
                }
            }
        }
    }
    // The infra of a pod that shares ipc holds the pod's /dev/shm: a tmpfs mounted on
    // the host, so that the members can bind the same one (Podman's way).
    if l.cfg.is_infra {
        if let Some(pod) = &l.cfg.pod {
            if p.state
                .pod(pod)
                .is_ok_and(|(pc, _)| pc.shares(libpod_config::SharedNamespace::Ipc))
            {
                let shm = shm_dir(p, &id);
                mount_shm(&shm)?;
                spec.mounts.push(bind(shm, "/dev/shm"));
            }
        }
    }
    match l.cfg.namespaces.network {
        NetworkMode::Host => {
            spec.net = Some(Namespace::Host);
            Ok(spec)
        }
        NetworkMode::Container { ref id } => {
            let dep = id.clone();
            join_network_of(l, &dep)
        }
        NetworkMode::Pod => Err(Error::InvalidArgument {
            what: "network mode pod (the container's pod has no infra container)",
            value: l.cfg.pod.clone().unwrap_or_default(),
        }),
        NetworkMode::None => {
            spec.net = Some(Namespace::New);
            spec.mounts.extend(write_etc(p, &l.cfg, &[], &[], None)?);
            Ok(spec)
        }
        NetworkMode::Slirp4netns(ref o) => {
            let o = o.clone();
            setup_slirp(l, Some(&o), spec)
        }
        NetworkMode::Pasta => setup_slirp(l, None, spec),
        NetworkMode::Bridge => {
            // A leftover of an earlier run (crash): release it first.
            if l.st.netns_path.is_some() {
                let errs = teardown(l);
                for e in errs {
                    tracing::warn!(error = %e, "releasing a stale network");
                }
            }
            // libpod-net makes the IPAM lease and result cache directories private.
            let mgr = manager(p);
            let dir = netns_dir(p);
            libpod_storage::private::create_private_dir(&dir)
                .map_err(|e| Error::io("create directory", &dir, e))?;
            let ns = Netns::create(&format!("lpod-{id}"), &dir).map_err(|source| {
                NetworkError::Netns {
                    id: id.clone(),
                    source,
                }
            })?;
            let networks = attachments(&l.cfg, &mgr.store().default_network().name);
            let ports: Vec<libpod_net::PortMapping> =
                l.cfg.port_mappings.iter().map(to_net_port).collect();
            let results = match mgr.setup(&SetupRequest {
                netns: ns.path(),
                container_id: &id,
                container_name: Some(&l.cfg.name),
                networks: &networks,
                ports: &ports,
            }) {
                Ok(r) => r,
                Err(e) => {
                    if let Err(d) = ns.destroy() {
                        tracing::warn!(error = %d, "destroying the netns after a failed setup");
                    }
                    return Err(NetworkError::Setup {
                        id,
                        source: Box::new(e),
                    }
                    .into());
                }
            };
            let path = ns.path().to_path_buf();
            drop(ns);
            l.st.netns_path = Some(path.clone());
            l.st.network_status.clear();
            let mut addrs = Vec::new();
            let mut dns = Vec::new();
            let gateway = results.iter().find_map(|r| r.gateways.first().copied());
            for r in &results {
                addrs.extend(r.addresses.iter().map(|(a, _)| *a));
                dns.extend(r.result.dns.nameservers.iter().cloned());
                l.st.network_status.insert(r.network.clone(), status_of(r));
            }
            l.save()?;
            spec.net = Some(Namespace::Join(path));
            spec.mounts
                .extend(write_etc(p, &l.cfg, &addrs, &dns, gateway)?);
            Ok(spec)
        }
    }
}

/// `--network slirp4netns`: a new netns, slirp4netns serving it (pid recorded
/// in the state), /etc files with Podman's slirp4netns addresses.
/// `--network slirp4netns` (`o` its options) or, with `o` None, `--network pasta`: a
/// new namespace served by the user-mode network process lpod spawns and records.
fn setup_slirp(
    l: &mut Locked<'_>,
    o: Option<&libpod_config::SlirpOptions>,
    mut spec: NetSpec,
) -> Result<NetSpec> {
    let p = l.p;
    let id = l.cfg.id.clone();
    if l.st.netns_path.is_some() || l.st.slirp4netns.is_some() {
        for e in teardown(l) {
            tracing::warn!(error = %e, "releasing a stale network");
        }
    }
    let (addr, dns) = match o {
        Some(o) => {
            let (addr, _gateway, dns) = crate::slirp::addresses(o)?;
            (addr, Some(dns))
        }
        // pasta gives the namespace the host's own address.
        None => (
            crate::slirp::host_address().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
            None,
        ),
    };
    let dir = netns_dir(p);
    libpod_storage::private::create_private_dir(&dir)
        .map_err(|e| Error::io("create directory", &dir, e))?;
    let ns = Netns::create(&format!("lpod-{id}"), &dir).map_err(|source| NetworkError::Netns {
        id: id.clone(),
        source,
    })?;
    let edir = etc_dir(p, &id);
    libpod_storage::private::create_private_dir(&edir)
        .map_err(|e| Error::io("create directory", &edir, e))?;
    let spawned = match o {
        Some(o) => crate::slirp::spawn(
            &id,
            ns.path(),
            &edir.join("slirp4netns.log"),
            o,
            &l.cfg.port_mappings,
        ),
        None => crate::slirp::spawn_pasta(
            &id,
            ns.path(),
            &edir.join("pasta.log"),
            &l.cfg.port_mappings,
        ),
    };
    let proc_ = match spawned {
        Ok(pr) => pr,
        Err(e) => {
            if let Err(d) = ns.destroy() {
                tracing::warn!(error = %d, "destroying the netns after a failed setup");
            }
            return Err(e);
        }
    };
    let path = ns.path().to_path_buf();
    drop(ns);
    l.st.netns_path = Some(path.clone());
    l.st.slirp4netns = Some(proc_);
    l.st.network_status.clear();
    l.save()?;
    spec.net = Some(Namespace::Join(path));
    let host = crate::slirp::host_address();
    // slirp4netns's DNS forwarder first (pasta: none, its namespace has the host's
    // routes), then the host's own servers (Podman keeps them; loopback ones are
    // unreachable from the container's netns).
    let mut servers: Vec<String> = dns.iter().map(|d| d.to_string()).collect();
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    for line in host_resolv.lines() {
        let mut f = line.split_whitespace();
        if f.next() != Some("nameserver") {
            continue;
        }
        if let Some(ip) = f.next().and_then(|s| s.parse::<IpAddr>().ok()) {
            if !ip.is_loopback() && !servers.contains(&ip.to_string()) {
                servers.push(ip.to_string());
            }
        }
    }
    spec.mounts
        .extend(write_etc(p, &l.cfg, &[addr], &servers, host)?);
    Ok(spec)
}

/// What the state records of one network's ADD.
pub(crate) fn status_of(r: &libpod_net::NetworkResult) -> NetworkStatus {
    NetworkStatus {
        interface: r.ifname.clone(),
        ips: r
            .addresses
            .iter()
            .map(|(a, s)| format!("{a}/{}", s.prefix()))
            .collect(),
        mac: r.mac.clone(),
        gateway: r.gateways.first().copied(),
    }
}

/// The network setup of a container that joins the network namespace of container
/// `dep`: that namespace (its netns file, else its process's), and its /etc/hosts and
/// /etc/resolv.conf (the same addresses, the same resolver), as Podman shares them.
/// The dependency runs already (`start_container_dependencies`).
fn join_network_of(l: &Locked<'_>, dep: &str) -> Result<NetSpec> {
    let (dcfg, dst) = crate::deps::dependency_row(l, dep)?;
    let mut spec = NetSpec::default();
    if dcfg.namespaces.network == NetworkMode::Host {
        spec.net = Some(Namespace::Host);
        return Ok(spec);
    }
    spec.net = Some(match (&dst.netns_path, dst.status, dst.pid) {
        (Some(path), _, _) => Namespace::Join(path.clone()),
        (
            None,
            libpod_config::ContainerStatus::Running | libpod_config::ContainerStatus::Paused,
            Some(pid),
        ) => Namespace::Join(PathBuf::from(format!("/proc/{pid}/ns/net"))),
        _ => {
            return Err(Error::InvalidArgument {
                what: "dependency (not running: its network namespace cannot be joined)",
                value: format!("{} needs {dep}", l.id()),
            })
        }
    });
    share_etc_files(l.p, dep, &mut spec);
    Ok(spec)
}

/// Binds the /etc/hosts and /etc/resolv.conf of container `owner` (whose network
/// namespace is joined: same addresses, same resolver) into the spec.
fn share_etc_files(p: &Parts, owner: &str, spec: &mut NetSpec) {
    let dir = etc_dir(p, owner);
    for f in ["hosts", "resolv.conf"] {
        let src = dir.join(f);
        if src.exists() {
            spec.mounts.push(bind(src, &format!("/etc/{f}")));
        }
    }
}

/// Releases the network of a container: CNI DEL (cached results) on every
/// network, then the netns. Keeps going and returns every error; clears the
/// netns path and network status (the caller saves).
pub(crate) fn teardown(l: &mut Locked<'_>) -> Vec<Error> {
    let mut errs = Vec::new();
    let id = l.cfg.id.clone();
    if l.cfg.is_infra {
        let shm = shm_dir(l.p, &id);
        if is_mountpoint(&shm) {
            if let Err(e) = nix::mount::umount2(&shm, nix::mount::MntFlags::MNT_DETACH) {
                errs.push(Error::io("unmount", &shm, std::io::Error::from(e)));
            }
        }
    }
    if l.cfg.namespaces.network == NetworkMode::Pod {
        if let Some(pod) = &l.cfg.pod {
            if let Ok((_, ps)) = l.p.state.pod(pod) {
                if let Some(infra) = ps.infra_container_id.filter(|i| *i != id) {
                    let hosts = etc_dir(l.p, &infra).join("hosts");
                    if let Err(e) = hosts_remove_member(&hosts, &l.cfg.name) {
                        errs.push(e);
                    }
                }
            }
        }
    }
    if l.cfg.namespaces.network == NetworkMode::Bridge {
        if let Some(path) = l.st.netns_path.clone() {
            let mgr = manager(l.p);
            let networks = attached(&l.cfg, &l.st, &mgr.store().default_network().name);
            let ports: Vec<libpod_net::PortMapping> =
                l.cfg.port_mappings.iter().map(to_net_port).collect();
            if let Err(e) = mgr.teardown(&path, &id, &networks, &ports) {
                errs.push(
                    NetworkError::Teardown {
                        id: id.clone(),
                        source: Box::new(e),
                    }
                    .into(),
                );
            }
            if let Err(source) = Netns::destroy_path(&path) {
                errs.push(
                    NetworkError::Netns {
                        id: id.clone(),
                        source,
                    }
                    .into(),
                );
            }
        }
    }
    if let Some(sp) = l.st.slirp4netns.take() {
        crate::slirp::kill(&sp);
    }
    if matches!(
        l.cfg.namespaces.network,
        NetworkMode::Slirp4netns(_) | NetworkMode::Pasta
    ) {
        if let Some(path) = l.st.netns_path.clone() {
            if let Err(source) = Netns::destroy_path(&path) {
                errs.push(
                    NetworkError::Netns {
                        id: id.clone(),
                        source,
                    }
                    .into(),
                );
            }
        }
    }
    l.st.netns_path = None;
    l.st.network_status.clear();
    errs
}

/// Crash recovery after a reboot (before the state forgets the netns paths):
/// CNI DEL of every cached attachment of every bridge container and removal of
/// its stale netns file. Keeps going; returns every error.
pub(crate) fn refresh(opts: &RuntimeOptions, state: &dyn libpod_state::State) -> Vec<Error> {
    let mut errs = Vec::new();
    let mgr = NetManager::new(&net_config(opts));
    let rows = match state.all_containers() {
        Ok(r) => r,
        Err(e) => return vec![e.into()],
    };
    // One listing of the CNI cache, not one per container (quadratic with thousands).
    let cached = match mgr.containers_with_cache() {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "listing the CNI cache; tearing down every bridged container");
            None
        }
    };
    for (cfg, st) in rows {
        if cfg.namespaces.network != NetworkMode::Bridge {
            continue;
        }
        let has_cache = cached.as_ref().is_none_or(|c| c.contains(&cfg.id));
        if !has_cache {
            // Nothing cached: nothing to DEL (the netns file is still removed below).
        } else if let Err(e) = mgr.teardown_cached(&cfg.id, None) {
            errs.push(
                NetworkError::Teardown {
                    id: cfg.id.clone(),
                    source: Box::new(e),
                }
                .into(),
            );
        }
        if let Some(path) = st.netns_path {
            if let Err(source) = Netns::destroy_path(&path) {
                errs.push(NetworkError::Netns { id: cfg.id, source }.into());
            }
        }
    }
    errs
}

/// `NetworkSettings` of `podman inspect`.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectNetworkSettings {
    /// Network namespace path (bridge mode; empty otherwise).
    pub sandbox_key: String,
    /// First address on the first network ("" without one).
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    /// Its prefix length.
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: u8,
    /// Gateway on the first network.
    pub gateway: String,
    /// MAC address on the first network.
    pub mac_address: String,
    /// Published ports, `"80/tcp" -> [{HostIp, HostPort}]`.
    pub ports: BTreeMap<String, Vec<InspectHostPort>>,
    /// Per-network details.
    pub networks: BTreeMap<String, InspectNetwork>,
}

/// `NetworkSettings.Networks.<name>` of `inspect`.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct InspectNetwork {
    /// The network's name (Podman's CNI backend uses the name as the id).
    #[serde(rename = "NetworkID")]
    pub network_id: String,
    /// The container's names on this network: its `--alias`es, then its short id.
    pub aliases: Vec<String>,
    /// First IPv4/IPv6 address.
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    /// Its prefix length.
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: u8,
    /// Gateway.
    pub gateway: String,
    /// MAC address.
    pub mac_address: String,
    /// Interface in the container.
    pub interface: String,
}

/// One host binding of a published port (`NetworkSettings.Ports`).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Default)]
pub struct InspectHostPort {
    /// Host address ("" = all).
    #[serde(rename = "HostIp")]
    pub host_ip: String,
    /// Host port.
    #[serde(rename = "HostPort")]
    pub host_port: String,
}

/// Per-network details of a container state.
pub(crate) fn inspect_networks(st: &ContainerState) -> BTreeMap<String, InspectNetwork> {
    st.network_status
        .iter()
        .map(|(name, s)| {
            let (ip, len) = s
                .ips
                .first()
                .and_then(|c| c.split_once('/'))
                .map(|(a, l)| (a.to_string(), l.parse().unwrap_or(0)))
                .unwrap_or_default();
            (
                name.clone(),
                InspectNetwork {
                    network_id: name.clone(),
                    aliases: Vec::new(),
                    ip_address: ip,
                    ip_prefix_len: len,
                    gateway: s.gateway.map(|g| g.to_string()).unwrap_or_default(),
                    mac_address: s.mac.clone().unwrap_or_default(),
                    interface: s.interface.clone(),
                },
            )
        })
        .collect()
}

/// `NetworkSettings` of `inspect`: netns, first network's address, ports, networks.
pub(crate) fn inspect_settings(
    cfg: &ContainerConfig,
    st: &ContainerState,
) -> InspectNetworkSettings {
    let networks = inspect_networks(st);
    let first = attachments(cfg, "")
        .first()
        .and_then(|a| networks.get(&a.network))
        .or_else(|| networks.values().next())
        .cloned()
        .unwrap_or_default();
    InspectNetworkSettings {
        sandbox_key: st
            .netns_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        ip_address: first.ip_address,
        ip_prefix_len: first.ip_prefix_len,
        gateway: first.gateway,
        mac_address: first.mac_address,
        ports: inspect_ports(&cfg.port_mappings),
        networks,
    }
}

/// Completes `NetworkSettings.Networks` of a bridge-mode container as Podman shows it:
/// every configured network (attached or not, e.g. while stopped) with the container's
/// aliases on it and its short id last.
pub(crate) fn configured_network_settings(
    p: &Parts,
    cfg: &ContainerConfig,
    ns: &mut InspectNetworkSettings,
) {
    if cfg.namespaces.network != NetworkMode::Bridge {
        return;
    }
    let default = net_config(&p.opts).default_network.name;
    let short = libpod_config::short_id(&cfg.id).to_string();
    for name in network_names(cfg, &default) {
        let e = ns
            .networks
            .entry(name.clone())
            .or_insert_with(|| InspectNetwork {
                network_id: name.clone(),
                ..Default::default()
            });
        let mut aliases = cfg
            .network_options
            .get(&name)
            .map(|o| o.aliases.clone())
            .unwrap_or_default();
        if !aliases.contains(&short) {
            aliases.push(short.clone());
        }
        e.aliases = aliases;
    }
}

/// A pod member sharing the infra's netns shows the infra's network settings
/// (address, ports), as Podman does. A read of the infra's row, without its lock.
pub(crate) fn pod_member_settings(
    p: &Parts,
    cfg: &ContainerConfig,
    ns: &mut InspectNetworkSettings,
) {
    if cfg.namespaces.network != NetworkMode::Pod {
        return;
    }
    let Some(pod) = &cfg.pod else { return };
    let Ok((_, ps)) = p.state.pod(pod) else {
        return;
    };
    let Some(infra) = ps.infra_container_id else {
        return;
    };
    if let Ok((icfg, ist)) = p.state.container(&infra) {
        *ns = inspect_settings(&icfg, &ist);
    }
}

/// `"80/tcp" -> [{HostIp, HostPort}]`.
pub(crate) fn inspect_ports(
    ports: &[libpod_config::PortMapping],
) -> BTreeMap<String, Vec<InspectHostPort>> {
    let mut m: BTreeMap<String, Vec<InspectHostPort>> = BTreeMap::new();
    for p in ports {
        let proto = to_net_port(p).protocol;
        m.entry(format!("{}/{proto}", p.container_port))
            .or_default()
            .push(InspectHostPort {
                host_ip: p.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                host_port: p.host_port.to_string(),
            });
    }
    m
}

/// `ps`'s ports column: `127.0.0.1:8080->80/tcp, ...`.
pub fn format_ports(ports: &[libpod_config::PortMapping]) -> String {
    ports
        .iter()
        .map(|p| {
            let ip = p
                .host_ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "0.0.0.0".into());
            format!(
                "{ip}:{}->{}/{}",
                p.host_port,
                p.container_port,
                to_net_port(p).protocol
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_publish_each_port() {
        let v = parse_ports("127.0.0.1:5518-5520:6518-6520/udp").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[2].host_port, 5520);
        assert_eq!(v[2].container_port, 6520);
        assert_eq!(v[0].host_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(v[0].protocol, libpod_config::Protocol::Udp);
        assert_eq!(parse_ports("8080:80").unwrap().len(), 1);
        assert!(parse_ports("5518-5520:80-81").is_err());
        assert!(parse_ports("5520-5518:80-82").is_err());
    }

    #[test]
    fn ports_convert_and_format() {
        let p = parse_port("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(p.host_port, 8080);
        assert_eq!(p.protocol, libpod_config::Protocol::Udp);
        assert_eq!(from_net_port(&to_net_port(&p)), p);
        assert_eq!(
            format_ports(std::slice::from_ref(&p)),
            "127.0.0.1:8080->80/udp"
        );
        let m = inspect_ports(&[p]);
        assert_eq!(m["80/udp"][0].host_port, "8080");
        assert!(parse_port("nope").is_err());
    }

    #[test]
    fn attachments_default_and_named() {
        let mut c = ContainerConfig::new("a".repeat(64), "x");
        let a = attachments(&c, "lpod");
        assert_eq!(
            (a[0].network.as_str(), a[0].ifname.as_str()),
            ("lpod", "eth0")
        );
        c.networks = vec!["n1".into(), "n2".into()];
        let a = attachments(&c, "lpod");
        assert_eq!(a[1].ifname, "eth1");
        assert_eq!(a[1].network, "n2");
    }

    #[test]
    fn validate_mac_takes_six_hex_octets_only() {
        assert!(validate_mac("02:42:ac:11:00:02").is_ok());
        assert!(validate_mac("02-42-AC-11-00-02").is_ok());
        for bad in [
            "",
            "02:42:ac:11:00",
            "02:42:ac:11:00:02:03",
            "0g:42:ac:11:00:02",
            "2:42:ac:11:00:02",
        ] {
            match validate_mac(bad) {
                Err(Error::InvalidArgument { value, .. }) => assert_eq!(value, bad),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn net_config_follows_runtime_dirs() {
        let mut o = RuntimeOptions::default();
        o.config.cni_cache_dir = "/tmp/x/cni".into();
        o.config.cni_config_dir = "/tmp/x/cni/net.d".into();
        let n = net_config(&o);
        assert_eq!(n.cache_dir, Path::new("/tmp/x/cni/results"));
        assert_eq!(n.ipam_data_dir, Path::new("/tmp/x/cni/networks"));
        assert_eq!(n.config_dir, Path::new("/tmp/x/cni/net.d"));
    }

    #[test]
    fn inspect_networks_splits_cidr() {
        let mut st = ContainerState::default();
        st.network_status.insert(
            "n".into(),
            NetworkStatus {
                interface: "eth0".into(),
                ips: vec!["10.231.0.5/24".into()],
                mac: Some("aa:bb".into()),
                gateway: Some("10.231.0.1".parse().unwrap()),
            },
        );
        let m = inspect_networks(&st);
        assert_eq!(m["n"].ip_address, "10.231.0.5");
        assert_eq!(m["n"].ip_prefix_len, 24);
        assert_eq!(m["n"].gateway, "10.231.0.1");
    }
}
