//! lpod's network configurations (`lpod network create/ls/inspect/rm`): generated bridge
//! conflists in lpod's own config dir.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::write_atomic;
use crate::conf::{self, ConfError, NetworkConfigList};
use crate::link;
use crate::subnet::{Subnet, SubnetError};

/// Errors from network config management.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Invalid network name.
    #[error(
        "invalid network name {name:?}: must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 200 chars)"
    )]
    InvalidName {
        /// The name.
        name: String,
    },
    /// Invalid bridge interface name.
    #[error("invalid bridge name {name:?}: 1-15 bytes, no '/', ':' or whitespace")]
    InvalidBridge {
        /// The name.
        name: String,
    },
    /// The subnet does not parse.
    #[error("network {network}: {source}")]
    Subnet {
        /// Network name.
        network: String,
        /// The parse error.
        source: SubnetError,
    },
    /// The gateway is not a usable host address of the subnet.
    #[error("network {network}: gateway {gateway} is not a host address of subnet {subnet}")]
    Gateway {
        /// Network name.
        network: String,
        /// The gateway.
        gateway: IpAddr,
        /// The subnet.
        subnet: Subnet,
    },
    /// The IP range is not inside the subnet.
    #[error("network {network}: ip range {range} is not inside subnet {subnet}")]
    IpRange {
        /// Network name.
        network: String,
        /// The range.
        range: Subnet,
        /// The subnet.
        subnet: Subnet,
    },
    /// The subnet is too small to hold a gateway and a container.
    #[error("network {network}: subnet {subnet} is too small (need at least /30 or /126)")]
    SubnetTooSmall {
        /// Network name.
        network: String,
        /// The subnet.
        subnet: Subnet,
    },
    /// A network of that name exists.
    #[error("network name {name} already used: network already exists")]
    Exists {
        /// Name.
        name: String,
        /// Its config file.
        path: PathBuf,
    },
    /// Another network uses the bridge name.
    #[error("bridge {bridge} is already used by network {other:?}")]
    BridgeInUse {
        /// The bridge.
        bridge: String,
        /// The network using it.
        other: String,
    },
    /// The subnet overlaps another network's.
    #[error("subnet {subnet} overlaps subnet {other_subnet} of network {other:?}")]
    SubnetOverlap {
        /// Requested subnet.
        subnet: Subnet,
        /// The other network.
        other: String,
        /// Its subnet.
        other_subnet: Subnet,
    },
    /// The subnet overlaps a route of the host.
    #[error("subnet {subnet} overlaps host route {route} (dev {dev})")]
    SubnetUsedByHost {
        /// Requested subnet.
        subnet: Subnet,
        /// The host route.
        route: Subnet,
        /// Its device.
        dev: String,
    },
    /// No free subnet or bridge name could be picked automatically.
    #[error("no free {what} left to pick automatically")]
    Exhausted {
        /// `subnet` or `bridge name`.
        what: &'static str,
    },
    /// No such network.
    #[error("network {name:?} not found")]
    NotFound {
        /// Name.
        name: String,
    },
    /// The network lives outside lpod's config dir and is not ours to remove.
    #[error("network {name:?} is defined in {path}, outside lpod's config dir; not removing it")]
    NotOurs {
        /// Name.
        name: String,
        /// Its file.
        path: PathBuf,
    },
    /// The default network cannot be removed.
    #[error("default network {name} cannot be removed")]
    Default {
        /// Name.
        name: String,
    },
    /// A config could not be loaded.
    #[error(transparent)]
    Conf(#[from] ConfError),
    /// A file operation failed.
    #[error("{path}: {op}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Removing the bridge failed.
    #[error(transparent)]
    Link(#[from] link::LinkError),
}

/// The name lpod's default network had before it took Podman's (`podman`). A store
/// whose default network still has this name is migrated on first use (see
/// [`NetworkStore::ensure_default`]); the old name stays an alias of the default network.
pub const LEGACY_DEFAULT_NAME: &str = "lpod";

/// The default network, generated on demand when missing. Its name is Podman's
/// (`podman`), but its bridge and subnet are lpod's own: never Podman's `cni-podman0`
/// or 10.88.0.0/16.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultNetwork {
    /// Name (`podman`).
    pub name: String,
    /// Bridge (`lpod0`).
    pub bridge: String,
    /// Subnet (`10.89.0.0/24`).
    pub subnet: Subnet,
}

impl Default for DefaultNetwork {
    fn default() -> Self {
        DefaultNetwork {
            name: "podman".into(),
            bridge: "lpod0".into(),
            subnet: Subnet::new(IpAddr::from([10, 89, 0, 0]), 24)
                .expect("10.89.0.0/24 is a valid subnet"),
        }
    }
}

/// Options of `network create`. Unset fields are picked automatically.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkCreateOptions {
    /// Network name (required).
    pub name: String,
    /// Bridge name; default: the first free `lpodN`.
    pub bridge: Option<String>,
    /// Subnet; default: the first free `10.89.N.0/24`.
    pub subnet: Option<String>,
    /// Gateway; default: the subnet's first host.
    pub gateway: Option<IpAddr>,
    /// Allocate container addresses only from this sub-range (`--ip-range`).
    pub ip_range: Option<String>,
    /// Masquerade outgoing traffic (default true when `None`).
    pub ip_masq: Option<bool>,
    /// Bridge MTU.
    pub mtu: Option<u32>,
    /// Add the `tuning` plugin to the list.
    pub tuning: bool,
    /// Free-form labels, stored in the conflist under `args.lpod_labels`.
    pub labels: BTreeMap<String, String>,
}

/// What `network inspect`/`ls` shows about one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// Name.
    pub name: String,
    /// Driver: `bridge`, or the first plugin's type for foreign configs.
    pub driver: String,
    /// Bridge interface, if a bridge plugin is present.
    pub bridge: Option<String>,
    /// IPAM subnets.
    pub subnets: Vec<SubnetInfo>,
    /// Masquerading enabled.
    pub ip_masq: bool,
    /// Plugin types in order.
    pub plugins: Vec<String>,
    /// CNI version.
    pub cni_version: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// The config file.
    pub path: PathBuf,
    /// The whole conflist.
    pub config: Value,
}

/// One IPAM range of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetInfo {
    /// Subnet.
    pub subnet: Subnet,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// First allocatable address.
    pub range_start: Option<IpAddr>,
    /// Last allocatable address.
    pub range_end: Option<IpAddr>,
}

impl NetworkInfo {
    /// Extracts the summary from a loaded list.
    pub fn from_list(list: &NetworkConfigList) -> NetworkInfo {
        let bridge_plugin = list.plugins.iter().find(|p| p.plugin_type == "bridge");
        let driver = match bridge_plugin {
            Some(_) => "bridge".to_string(),
            None => list.plugins[0].plugin_type.clone(),
        };
        let first = bridge_plugin.unwrap_or(&list.plugins[0]);
        let bridge = bridge_plugin.map(|p| {
            p.raw
                .get("bridge")
                .and_then(Value::as_str)
                .unwrap_or("cni0")
                .to_string()
        });
        let ip_masq = first
            .raw
            .get("ipMasq")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut subnets = Vec::new();
        if let Some(ipam) = first.raw.get("ipam") {
            let mut ranges: Vec<&Value> = Vec::new();
            if let Some(Value::Array(sets)) = ipam.get("ranges") {
                for set in sets {
                    if let Value::Array(rs) = set {
                        ranges.extend(rs.iter());
                    }
                }
            }
            if ipam.get("subnet").is_some() {
                ranges.push(ipam);
            }
            for r in ranges {
                let ip = |k: &str| {
                    r.get(k)
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                };
                if let Some(subnet) = r
                    .get("subnet")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<Subnet>().ok())
                {
                    subnets.push(SubnetInfo {
                        subnet,
                        gateway: ip("gateway"),
                        range_start: ip("rangeStart"),
                        range_end: ip("rangeEnd"),
                    });
                }
            }
        }
        let labels = list
            .raw
            .get("args")
            .and_then(|a| a.get("lpod_labels"))
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        NetworkInfo {
            name: list.name.clone(),
            driver,
            bridge,
            subnets,
            ip_masq,
            plugins: list.plugins.iter().map(|p| p.plugin_type.clone()).collect(),
            cni_version: list.cni_version.clone(),
            labels,
            path: list.path.clone().unwrap_or_default(),
            config: list.raw.clone(),
        }
    }
}

/// lpod's network configs: written to `config_dir`, read from it and from extra dirs.
#[derive(Debug, Clone)]
pub struct NetworkStore {
    config_dir: PathBuf,
    extra_dirs: Vec<PathBuf>,
    ipam_data_dir: PathBuf,
    default: DefaultNetwork,
}

/// True for a valid network name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 200 chars).
pub fn valid_network_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && name.len() <= 200
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// IPv4 routes of the host from `/proc/net/route` (destination, device), default route excluded.
fn host_routes() -> Vec<(Subnet, String)> {
    let Ok(text) = std::fs::read_to_string("/proc/net/route") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let (Ok(dst), Ok(mask)) = (u32::from_str_radix(f[1], 16), u32::from_str_radix(f[7], 16))
        else {
            continue;
        };
        let dst = u32::from_be(dst);
        let mask = u32::from_be(mask);
        let prefix = mask.count_ones() as u8;
        if prefix == 0 {
            continue;
        }
        if let Ok(s) = Subnet::new(IpAddr::from(dst.to_be_bytes()), prefix) {
            out.push((s, f[0].to_string()));
        }
    }
    out
}

/// An exclusive `flock` on the config dir's lock file, released on drop.
struct DirLock(std::fs::File);

impl Drop for DirLock {
    fn drop(&mut self) {
        // Closing the file would release it too; unlock first to make the intent explicit.
        let _ = self.0.unlock();
    }
}

impl NetworkStore {
    /// A store writing to `config_dir` (default `/etc/lpod/cni/net.d`), also reading
    /// `extra_dirs`; host-local leases go under `ipam_data_dir` (e.g. `<root>/cni/networks`).
    pub fn new(
        config_dir: impl Into<PathBuf>,
        extra_dirs: Vec<PathBuf>,
        ipam_data_dir: impl Into<PathBuf>,
    ) -> Self {
        NetworkStore {
            config_dir: config_dir.into(),
            extra_dirs,
            ipam_data_dir: ipam_data_dir.into(),
            default: DefaultNetwork::default(),
        }
    }

    /// Replaces the default network's name, bridge and subnet.
    pub fn with_default(mut self, default: DefaultNetwork) -> Self {
        self.default = default;
        self
    }

    /// The default network settings.
    pub fn default_network(&self) -> &DefaultNetwork {
        &self.default
    }

    /// lpod's own config dir.
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    /// The host-local lease directory root.
    pub fn ipam_data_dir(&self) -> &Path {
        &self.ipam_data_dir
    }

    /// Every directory searched, own dir first.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut d = vec![self.config_dir.clone()];
        d.extend(self.extra_dirs.iter().cloned());
        d
    }

    fn lock(&self) -> Result<DirLock, StoreError> {
        let io = |op| {
            let dir = self.config_dir.clone();
            move |source| StoreError::Io {
                path: dir,
                op,
                source,
            }
        };
        std::fs::create_dir_all(&self.config_dir).map_err(io("create dir"))?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.config_dir.join(".lpod-network.lock"))
            .map_err(io("open lock"))?;
        // std's File::lock is flock(LOCK_EX) on Linux, as the other lpod locks.
        f.lock().map_err(io("lock"))?;
        Ok(DirLock(f))
    }

    /// Every valid network, by name (own dir wins over extra dirs). Invalid files are skipped.
    pub fn list(&self) -> Result<Vec<NetworkInfo>, StoreError> {
        let (all, bad) = conf::load_all(&self.dirs())?;
        for b in bad {
            tracing::warn!(error = %b, "skipping invalid network config");
        }
        Ok(all.values().map(NetworkInfo::from_list).collect())
    }

    /// The loaded config list of network `name`. The default network is only ever
    /// read from lpod's own dir (an extra dir such as Podman's may hold a network of the
    /// same name on Podman's bridge). [`LEGACY_DEFAULT_NAME`], when no network has that
    /// name any more, is the default network.
    pub fn load(&self, name: &str) -> Result<NetworkConfigList, StoreError> {
        let dirs = if name == self.default.name {
            vec![self.config_dir.clone()]
        } else {
            self.dirs()
        };
        match conf::load_network(name, &dirs) {
            Ok(l) => Ok(l),
            Err(ConfError::NotFound { .. })
                if name == LEGACY_DEFAULT_NAME && self.default.name != LEGACY_DEFAULT_NAME =>
            {
                self.load(&self.default.name)
                    .map_err(|_| StoreError::NotFound {
                        name: name.to_string(),
                    })
            }
            Err(ConfError::NotFound { .. }) => Err(StoreError::NotFound {
                name: name.to_string(),
            }),
            Err(other) => Err(StoreError::Conf(other)),
        }
    }

    /// Renames a default network generated under [`LEGACY_DEFAULT_NAME`] (lpod's own dir,
    /// on the default bridge) to the default name: the conflist is rewritten under the new
    /// name and its host-local lease dir moved, the old lease path left as a symlink so
    /// that containers attached under the old name release their leases into the same
    /// dir. Returns true when it migrated. Call under the dir lock.
    fn migrate_legacy_default(&self) -> Result<bool, StoreError> {
        if self.default.name == LEGACY_DEFAULT_NAME {
            return Ok(false);
        }
        let old_path = self
            .config_dir
            .join(format!("{LEGACY_DEFAULT_NAME}.conflist"));
        let new_path = self
            .config_dir
            .join(format!("{}.conflist", self.default.name));
        if new_path.exists() || !old_path.is_file() {
            return Ok(false);
        }
        let old = NetworkConfigList::load_file(&old_path)?;
        let info = NetworkInfo::from_list(&old);
        if old.name != LEGACY_DEFAULT_NAME || info.bridge.as_deref() != Some(&self.default.bridge) {
            return Ok(false);
        }
        let mut doc = old.raw.clone();
        doc["name"] = json!(self.default.name);
        // Validate before writing.
        NetworkConfigList::from_list_json(doc.clone(), &new_path)?;
        let io = |path: &Path, op: &'static str| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, op, source }
        };
        let old_leases = self.ipam_data_dir.join(LEGACY_DEFAULT_NAME);
        let new_leases = self.ipam_data_dir.join(&self.default.name);
        let old_is_dir = std::fs::symlink_metadata(&old_leases).is_ok_and(|m| m.is_dir());
        if old_is_dir && !new_leases.exists() {
            std::fs::rename(&old_leases, &new_leases).map_err(io(&old_leases, "rename"))?;
            std::os::unix::fs::symlink(&self.default.name, &old_leases)
                .map_err(io(&old_leases, "symlink"))?;
        }
        let data = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        write_atomic(&new_path, &data, true).map_err(io(&new_path, "write"))?;
        std::fs::remove_file(&old_path).map_err(io(&old_path, "remove"))?;
        tracing::info!(
            from = LEGACY_DEFAULT_NAME,
            to = %self.default.name,
            "renamed the default network"
        );
        Ok(true)
    }

    /// The config list of `name`; when `name` is the default network and it is missing,
    /// it is generated first.
    pub fn load_or_default(&self, name: &str) -> Result<NetworkConfigList, StoreError> {
        match self.load(name) {
            Err(StoreError::NotFound { .. }) if name == self.default.name => {
                self.ensure_default()?;
                self.load(name)
            }
            other => other,
        }
    }

    /// `network inspect`.
    pub fn inspect(&self, name: &str) -> Result<NetworkInfo, StoreError> {
        Ok(NetworkInfo::from_list(&self.load(name)?))
    }

    /// True when network `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.load(name).is_ok()
    }

    /// Generates the default network when it is missing (a default network of an older
    /// lpod, named [`LEGACY_DEFAULT_NAME`], is renamed instead); returns it either way.
    pub fn ensure_default(&self) -> Result<NetworkInfo, StoreError> {
        if let Ok(l) = self.load(&self.default.name) {
            return Ok(NetworkInfo::from_list(&l));
        }
        {
            let _lock = self.lock()?;
            if self.migrate_legacy_default()? {
                return self.inspect(&self.default.name);
            }
        }
        let opts = NetworkCreateOptions {
            name: self.default.name.clone(),
            bridge: Some(self.default.bridge.clone()),
            subnet: Some(self.default.subnet.to_string()),
            ..Default::default()
        };
        match self.create(&opts) {
            Err(StoreError::Exists { .. }) => self.inspect(&self.default.name),
            other => other,
        }
    }

    /// `network create`: validates, checks bridge/subnet uniqueness and writes
    /// `CONFIG_DIR/NAME.conflist` (bridge + host-local + portmap + firewall [+ tuning]).
    #[tracing::instrument(skip_all, fields(name = %opts.name))]
    pub fn create(&self, opts: &NetworkCreateOptions) -> Result<NetworkInfo, StoreError> {
        let _lock = self.lock()?;
        self.create_locked(opts)
    }

    /// `network create` without a name: `PREFIXN` with the smallest N from 1 that no
    /// network has (Podman's `podmanN`), chosen and written under the store's lock, so two
    /// processes creating unnamed networks at once get two names. `opts.name` is ignored.
    #[tracing::instrument(skip_all, fields(prefix))]
    pub fn create_with_free_name(
        &self,
        prefix: &str,
        opts: &NetworkCreateOptions,
    ) -> Result<NetworkInfo, StoreError> {
        let _lock = self.lock()?;
        let taken: std::collections::HashSet<String> =
            self.list()?.into_iter().map(|n| n.name).collect();
        // At most taken.len() + 1 candidates: one of them is free.
        let name = (1..=taken.len() + 1)
            .map(|n| format!("{prefix}{n}"))
            .find(|n| !taken.contains(n))
            .unwrap_or_else(|| format!("{prefix}{}", taken.len() + 1));
        self.create_locked(&NetworkCreateOptions {
            name,
            ..opts.clone()
        })
    }

    /// `create`'s work, under the store's lock (held by the caller).
    fn create_locked(&self, opts: &NetworkCreateOptions) -> Result<NetworkInfo, StoreError> {
        let name = &opts.name;
        if !valid_network_name(name) {
            return Err(StoreError::InvalidName { name: name.clone() });
        }
        if let Some(b) = &opts.bridge {
            if !link::valid_ifname(b) {
                return Err(StoreError::InvalidBridge { name: b.clone() });
            }
        }
        let sub_err = |source| StoreError::Subnet {
            network: name.clone(),
            source,
        };
        let subnet: Option<Subnet> = opts
            .subnet
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(sub_err)?;
        let range: Option<Subnet> = opts
            .ip_range
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(sub_err)?;

        if let Ok(l) = self.load(name) {
            return Err(StoreError::Exists {
                name: name.clone(),
                path: l.path.unwrap_or_default(),
            });
        }
        let existing = self.list()?;
        let bridge = match &opts.bridge {
            Some(b) => {
                if let Some(o) = existing.iter().find(|n| n.bridge.as_deref() == Some(b)) {
                    return Err(StoreError::BridgeInUse {
                        bridge: b.clone(),
                        other: o.name.clone(),
                    });
                }
                b.clone()
            }
            None => (0..10_000)
                .map(|i| format!("lpod{i}"))
                .find(|b| {
                    !existing.iter().any(|n| n.bridge.as_deref() == Some(b))
                        && !link::link_exists(b)
                })
                .ok_or(StoreError::Exhausted {
                    what: "bridge name",
                })?,
        };
        let routes = host_routes();
        let check = |s: &Subnet| -> Result<(), StoreError> {
            for n in &existing {
                for o in &n.subnets {
                    if o.subnet.overlaps(s) {
                        return Err(StoreError::SubnetOverlap {
                            subnet: *s,
                            other: n.name.clone(),
                            other_subnet: o.subnet,
                        });
                    }
                }
            }
            for (r, dev) in &routes {
                // Our own bridge may already carry this subnet from an earlier life.
                if r.overlaps(s) && dev != &bridge {
                    return Err(StoreError::SubnetUsedByHost {
                        subnet: *s,
                        route: *r,
                        dev: dev.clone(),
                    });
                }
            }
            Ok(())
        };
        let subnet = match subnet {
            Some(s) => {
                check(&s)?;
                s
            }
            None => (0u8..=255)
                .filter_map(|i| Subnet::new(IpAddr::from([10, 89, i, 0]), 24).ok())
                .find(|s| check(s).is_ok())
                .ok_or(StoreError::Exhausted { what: "subnet" })?,
        };
        let width = if subnet.is_ipv4() { 32 } else { 128 };
        if width - subnet.prefix() < 2 {
            return Err(StoreError::SubnetTooSmall {
                network: name.clone(),
                subnet,
            });
        }
        let gateway = match opts.gateway {
            Some(g) => {
                if !subnet.is_host(g) {
                    return Err(StoreError::Gateway {
                        network: name.clone(),
                        gateway: g,
                        subnet,
                    });
                }
                g
            }
            None => subnet.nth(1).ok_or(StoreError::SubnetTooSmall {
                network: name.clone(),
                subnet,
            })?,
        };
        let mut r = json!({"subnet": subnet.to_string(), "gateway": gateway.to_string()});
        if let Some(range) = range {
            if range.prefix() < subnet.prefix() || !subnet.contains(range.addr()) {
                return Err(StoreError::IpRange {
                    network: name.clone(),
                    range,
                    subnet,
                });
            }
            let start = if range.addr() == subnet.addr() {
                range.nth(1)
            } else {
                Some(range.addr())
            };
            let size_minus_1 = (1u128 << (width - range.prefix())) - 1;
            let mut end = range.nth(size_minus_1);
            if end.is_some_and(|e| !subnet.is_host(e)) {
                end = range.nth(size_minus_1 - 1);
            }
            if let Some(s) = start {
                r["rangeStart"] = json!(s.to_string());
            }
            if let Some(e) = end {
                r["rangeEnd"] = json!(e.to_string());
            }
        }
        let default_route = if subnet.is_ipv4() {
            "0.0.0.0/0"
        } else {
            "::/0"
        };
        let mut bridge_conf = json!({
            "type": "bridge",
            "bridge": bridge,
            "isGateway": true,
            "ipMasq": opts.ip_masq.unwrap_or(true),
            "hairpinMode": true,
            "capabilities": {"ips": true, "mac": true},
            "ipam": {
                "type": "host-local",
                "ranges": [[r]],
                "routes": [{"dst": default_route}],
                "dataDir": self.ipam_data_dir.to_string_lossy(),
            }
        });
        if let Some(mtu) = opts.mtu {
            bridge_conf["mtu"] = json!(mtu);
        }
        let mut plugins = vec![
            bridge_conf,
            json!({"type": "portmap", "capabilities": {"portMappings": true}}),
            json!({"type": "firewall"}),
        ];
        if opts.tuning {
            plugins.push(json!({"type": "tuning"}));
        }
        let mut doc = json!({
            "cniVersion": "1.0.0",
            "name": name,
            "plugins": plugins,
        });
        if !opts.labels.is_empty() {
            doc["args"] = json!({"lpod_labels": opts.labels});
        }
        let path = self.config_dir.join(format!("{name}.conflist"));
        let list = NetworkConfigList::from_list_json(doc.clone(), &path)?;
        let data = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        write_atomic(&path, &data, true).map_err(|source| StoreError::Io {
            path: path.clone(),
            op: "write",
            source,
        })?;
        Ok(NetworkInfo::from_list(&list))
    }

    /// `network rm`: deletes the conflist (own dir only), the network's empty host-local
    /// lease dir, and its bridge when nothing is attached to it. Containers still attached
    /// are the caller's concern.
    #[tracing::instrument(skip_all, fields(name = %name))]
    pub fn remove(&self, name: &str) -> Result<(), StoreError> {
        if name == self.default.name {
            return Err(StoreError::Default {
                name: name.to_string(),
            });
        }
        let _lock = self.lock()?;
        let list = self.load(name)?;
        // The legacy name resolves to the default network.
        if list.name == self.default.name {
            return Err(StoreError::Default {
                name: name.to_string(),
            });
        }
        let path = list.path.clone().unwrap_or_default();
        if path.parent() != Some(self.config_dir.as_path()) {
            return Err(StoreError::NotOurs {
                name: name.to_string(),
                path,
            });
        }
        std::fs::remove_file(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            op: "remove",
            source,
        })?;
        // host-local keeps `lock` and `last_reserved_ip.*` files; leases are IP-named files.
        let lease_dir = self.ipam_data_dir.join(name);
        if let Ok(rd) = std::fs::read_dir(&lease_dir) {
            let only_bookkeeping = rd.flatten().all(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n == "lock" || n.starts_with("last_reserved_ip")
            });
            if only_bookkeeping {
                let _ = std::fs::remove_dir_all(&lease_dir);
            }
        }
        let info = NetworkInfo::from_list(&list);
        if let Some(b) = info.bridge {
            if link::bridge_ports(&b).is_empty() {
                link::delete_bridge(&b)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, NetworkStore) {
        let d = tempfile::tempdir().unwrap();
        let s = NetworkStore::new(d.path().join("net.d"), vec![], d.path().join("ipam"))
            .with_default(DefaultNetwork {
                name: "podman".into(),
                bridge: "lpu0test".into(),
                subnet: "10.231.77.0/24".parse().unwrap(),
            });
        (d, s)
    }

    fn opts(name: &str, bridge: &str, subnet: &str) -> NetworkCreateOptions {
        NetworkCreateOptions {
            name: name.into(),
            bridge: Some(bridge.into()),
            subnet: Some(subnet.into()),
            ..Default::default()
        }
    }

    #[test]
    fn create_inspect_list_remove() {
        let (d, s) = store();
        let info = s.create(&opts("n1", "lpu1test", "10.232.1.0/24")).unwrap();
        assert_eq!(info.bridge.as_deref(), Some("lpu1test"));
        assert_eq!(info.subnets[0].gateway, Some("10.232.1.1".parse().unwrap()));
        assert_eq!(info.plugins, ["bridge", "portmap", "firewall"]);
        let cfg = &info.config["plugins"][0]["ipam"]["dataDir"];
        assert_eq!(
            cfg.as_str().unwrap(),
            d.path().join("ipam").to_str().unwrap()
        );
        assert_eq!(s.inspect("n1").unwrap(), info);
        assert_eq!(s.list().unwrap().len(), 1);
        s.remove("n1").unwrap();
        assert!(matches!(s.inspect("n1"), Err(StoreError::NotFound { .. })));
    }

    #[test]
    fn unnamed_networks_created_at_once_get_distinct_names() {
        let (d, s) = store();
        s.create(&opts("lpod2", "lpu9test", "10.232.9.0/24"))
            .unwrap();
        // Eight stores on one directory, as eight processes: each opens the lock file itself.
        let names: Vec<String> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..8)
                .map(|i| {
                    let root = d.path().to_path_buf();
                    sc.spawn(move || {
                        let s = NetworkStore::new(root.join("net.d"), vec![], root.join("ipam"));
                        let o = opts("ignored", &format!("lpu{i}cc"), &format!("10.233.{i}.0/24"));
                        s.create_with_free_name("lpod", &o).unwrap().name
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n[4..].parse::<u32>().unwrap());
        let want: Vec<String> = [1, 3, 4, 5, 6, 7, 8, 9]
            .iter()
            .map(|n| format!("lpod{n}"))
            .collect();
        assert_eq!(sorted, want, "{names:?}");
        assert_eq!(s.list().unwrap().len(), 9);
    }

    #[test]
    fn validation_errors() {
        let (_d, s) = store();
        assert!(matches!(
            s.create(&opts("-bad", "lpu2test", "10.232.2.0/24")),
            Err(StoreError::InvalidName { .. })
        ));
        assert!(matches!(
            s.create(&opts("ok", "much-too-long-bridge", "10.232.2.0/24")),
            Err(StoreError::InvalidBridge { .. })
        ));
        assert!(matches!(
            s.create(&opts("ok", "lpu2test", "10.232.2.1/24")),
            Err(StoreError::Subnet { .. })
        ));
        let mut o = opts("ok", "lpu2test", "10.232.2.0/24");
        o.gateway = Some("10.232.3.1".parse().unwrap());
        assert!(matches!(s.create(&o), Err(StoreError::Gateway { .. })));
        o.gateway = Some("10.232.2.255".parse().unwrap());
        assert!(matches!(s.create(&o), Err(StoreError::Gateway { .. })));
        s.create(&opts("a", "lpu3test", "10.232.4.0/24")).unwrap();
        assert!(matches!(
            s.create(&opts("a", "lpu4test", "10.232.5.0/24")),
            Err(StoreError::Exists { .. })
        ));
        assert!(matches!(
            s.create(&opts("b", "lpu3test", "10.232.5.0/24")),
            Err(StoreError::BridgeInUse { .. })
        ));
        assert!(matches!(
            s.create(&opts("b", "lpu4test", "10.232.0.0/16")),
            Err(StoreError::SubnetOverlap { .. })
        ));
        assert!(matches!(
            s.remove("podman"),
            Err(StoreError::Default { .. })
        ));
    }

    #[test]
    fn default_generated_on_demand_and_auto_picks() {
        let (_d, s) = store();
        let l = s.load_or_default("podman").unwrap();
        let info = NetworkInfo::from_list(&l);
        assert_eq!(info.bridge.as_deref(), Some("lpu0test"));
        assert_eq!(info.subnets[0].subnet.to_string(), "10.231.77.0/24");
        // Idempotent.
        assert_eq!(s.ensure_default().unwrap().name, "podman");
        // Auto-picked names and subnets never collide with existing ones.
        let a = s
            .create(&NetworkCreateOptions {
                name: "auto".into(),
                ..Default::default()
            })
            .unwrap();
        let sub = a.subnets[0].subnet;
        assert!(!sub.overlaps(&"10.231.77.0/24".parse().unwrap()));
        assert!(a.bridge.unwrap().starts_with("lpod"));
    }

    #[test]
    fn legacy_default_is_renamed_and_stays_an_alias() {
        let (d, s) = store();
        // An older lpod's default network: named `lpod`, on the default bridge, with a lease.
        let old = NetworkStore::new(d.path().join("net.d"), vec![], d.path().join("ipam"))
            .with_default(DefaultNetwork {
                name: LEGACY_DEFAULT_NAME.into(),
                ..s.default_network().clone()
            });
        old.ensure_default().unwrap();
        let leases = d.path().join("ipam").join(LEGACY_DEFAULT_NAME);
        std::fs::create_dir_all(&leases).unwrap();
        std::fs::write(leases.join("10.231.77.2"), "ctr\neth0").unwrap();

        let info = s.ensure_default().unwrap();
        assert_eq!(info.name, "podman");
        assert_eq!(info.bridge.as_deref(), Some("lpu0test"));
        assert_eq!(info.subnets[0].subnet.to_string(), "10.231.77.0/24");
        assert!(!d.path().join("net.d/lpod.conflist").exists());
        // The lease moved; the old path leads to it.
        let new_leases = d.path().join("ipam").join("podman");
        assert!(new_leases.join("10.231.77.2").is_file());
        assert!(leases.join("10.231.77.2").is_file());
        // One network, named as Podman's; the old name still resolves to it.
        let names: Vec<String> = s.list().unwrap().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["podman"]);
        assert_eq!(s.load(LEGACY_DEFAULT_NAME).unwrap().name, "podman");
        assert!(matches!(
            s.remove(LEGACY_DEFAULT_NAME),
            Err(StoreError::Default { .. })
        ));
        // A network on another bridge that happens to be named `lpod` is not touched.
        let (d2, s2) = store();
        s2.create(&opts(LEGACY_DEFAULT_NAME, "lpu9test", "10.232.10.0/24"))
            .unwrap();
        assert_eq!(s2.ensure_default().unwrap().name, "podman");
        assert!(d2.path().join("net.d/lpod.conflist").exists());
        assert_eq!(s2.list().unwrap().len(), 2);
    }

    #[test]
    fn default_network_only_from_own_dir() {
        let d = tempfile::tempdir().unwrap();
        let foreign = d.path().join("foreign");
        // Someone else's `podman` network (as Podman's own, on its bridge) in an extra dir.
        let other = NetworkStore::new(&foreign, vec![], d.path().join("ipam-other"));
        other
            .create(&opts("podman", "lpu10test", "10.232.11.0/24"))
            .unwrap();
        let s = NetworkStore::new(d.path().join("net.d"), vec![foreign], d.path().join("ipam"))
            .with_default(DefaultNetwork {
                name: "podman".into(),
                bridge: "lpu0test".into(),
                subnet: "10.231.77.0/24".parse().unwrap(),
            });
        let info = s.ensure_default().unwrap();
        assert_eq!(info.bridge.as_deref(), Some("lpu0test"));
        assert_eq!(
            s.inspect("podman").unwrap().bridge.as_deref(),
            Some("lpu0test")
        );
    }

    #[test]
    fn ip_range() {
        let (_d, s) = store();
        let mut o = opts("r", "lpu5test", "10.232.6.0/24");
        o.ip_range = Some("10.232.6.128/25".into());
        let info = s.create(&o).unwrap();
        assert_eq!(
            info.subnets[0].range_start,
            Some("10.232.6.128".parse().unwrap())
        );
        assert_eq!(
            info.subnets[0].range_end,
            Some("10.232.6.254".parse().unwrap())
        );
        let mut o = opts("r2", "lpu6test", "10.232.7.0/24");
        o.ip_range = Some("10.232.8.0/25".into());
        assert!(matches!(s.create(&o), Err(StoreError::IpRange { .. })));
        let v6 = s
            .create(&opts("v6", "lpu7test", "fd00:1:2:3::/64"))
            .unwrap();
        assert_eq!(
            v6.subnets[0].gateway,
            Some("fd00:1:2:3::1".parse().unwrap())
        );
        assert_eq!(v6.config["plugins"][0]["ipam"]["routes"][0]["dst"], "::/0");
        assert!(matches!(
            s.create(&opts("tiny", "lpu8test", "10.232.9.0/31")),
            Err(StoreError::SubnetTooSmall { .. })
        ));
    }
}
