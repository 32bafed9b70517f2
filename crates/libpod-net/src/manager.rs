//! `setup`/`teardown` of a container's networks: what core calls on start, stop and cleanup.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{CniClient, CniError, RuntimeConf};
use crate::invoke::DEFAULT_PLUGIN_DIRS;
use crate::port::PortMapping;
use crate::result::CniResult;
use crate::store::{DefaultNetwork, NetworkStore, StoreError};
use crate::subnet::Subnet;

/// Where everything of lpod's networking lives. All paths are parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// lpod's own conflist dir (default `/etc/lpod/cni/net.d`).
    pub config_dir: PathBuf,
    /// Extra, read-only conflist dirs.
    pub extra_config_dirs: Vec<PathBuf>,
    /// Plugin dirs (default `/usr/lib/cni`, `/usr/libexec/cni`, `/opt/cni/bin`).
    pub plugin_dirs: Vec<PathBuf>,
    /// Result cache dir (e.g. `<root>/cni/results`); persistent, so DEL works after a reboot.
    pub cache_dir: PathBuf,
    /// host-local lease dir (e.g. `<root>/cni/networks`).
    pub ipam_data_dir: PathBuf,
    /// The default network.
    pub default_network: DefaultNetwork,
}

impl NetConfig {
    /// Defaults under a persistent root (`/var/lib/lpod`): config in `/etc/lpod/cni/net.d`,
    /// cache in `ROOT/cni/results`, leases in `ROOT/cni/networks`.
    pub fn with_root(root: &Path) -> NetConfig {
        NetConfig {
            config_dir: PathBuf::from("/etc/lpod/cni/net.d"),
            extra_config_dirs: Vec::new(),
            plugin_dirs: DEFAULT_PLUGIN_DIRS.iter().map(PathBuf::from).collect(),
            cache_dir: root.join("cni").join("results"),
            ipam_data_dir: root.join("cni").join("networks"),
            default_network: DefaultNetwork::default(),
        }
    }
}

/// One network a container joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Network name.
    pub network: String,
    /// Interface name in the container (`eth0`, `eth1`, ...).
    pub ifname: String,
    /// Requested static addresses (capability `ips`).
    #[serde(default)]
    pub static_ips: Vec<IpAddr>,
    /// Requested MAC (capability `mac`).
    #[serde(default)]
    pub static_mac: Option<String>,
}

impl Attachment {
    /// An attachment with no static address or MAC.
    pub fn new(network: impl Into<String>, ifname: impl Into<String>) -> Self {
        Attachment {
            network: network.into(),
            ifname: ifname.into(),
            static_ips: Vec::new(),
            static_mac: None,
        }
    }
}

/// What `setup` needs.
#[derive(Debug, Clone, Copy)]
pub struct SetupRequest<'a> {
    /// The container's netns path.
    pub netns: &'a Path,
    /// Container id (`CNI_CONTAINERID`).
    pub container_id: &'a str,
    /// Container name (passed as `K8S_POD_NAME` in `CNI_ARGS`, as Podman does), if any.
    pub container_name: Option<&'a str>,
    /// Networks in order.
    pub networks: &'a [Attachment],
    /// Published ports; they go to every network's `portMappings`.
    pub ports: &'a [PortMapping],
}

/// The outcome of one network's ADD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkResult {
    /// Network name.
    pub network: String,
    /// Container interface.
    pub ifname: String,
    /// Container addresses with their subnets, e.g. `10.89.0.5` in `10.89.0.0/24`.
    pub addresses: Vec<(IpAddr, Subnet)>,
    /// Gateways.
    pub gateways: Vec<IpAddr>,
    /// Container interface MAC.
    pub mac: Option<String>,
    /// The full typed CNI result.
    pub result: CniResult,
}

impl NetworkResult {
    fn from_result(network: &str, ifname: &str, result: CniResult) -> Self {
        let mac = result
            .container_interface(ifname)
            .and_then(|(_, i)| i.mac.clone());
        let mut addresses = Vec::new();
        let mut gateways = Vec::new();
        for ip in result.container_ips(ifname) {
            if let Ok((a, s)) = Subnet::containing(&ip.address) {
                addresses.push((a, s));
            }
            if let Some(g) = ip.gateway {
                gateways.push(g);
            }
        }
        NetworkResult {
            network: network.to_string(),
            ifname: ifname.to_string(),
            addresses,
            gateways,
            mac,
            result,
        }
    }
}

/// Errors from `setup`.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The network's config could not be loaded.
    #[error("container {container_id}: network {network}: {source}")]
    Config {
        /// Container id.
        container_id: String,
        /// Network name.
        network: String,
        /// The store error.
        source: Box<StoreError>,
    },
    /// ADD failed; that network was already torn down by the client, and every network set up
    /// before it was torn down again (`cleanup` lists what failed there).
    #[error("container {container_id}: {source}{}", if cleanup.is_empty() { String::new() } else { format!("; cleanup: {}", cleanup.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")) })]
    Add {
        /// Container id.
        container_id: String,
        /// The ADD error.
        source: Box<CniError>,
        /// Errors from tearing down the networks set up before.
        cleanup: Vec<CniError>,
    },
    /// The network's IPAM range has no free address (every one is leased to
    /// another container); nothing was left attached.
    #[error("container {container_id}: network {network} is full: no free IP address in {subnets} (all {capacity} container addresses are in use); create a network with a larger subnet (network create --subnet) and use that one")]
    NetworkFull {
        /// Container id.
        container_id: String,
        /// Network name.
        network: String,
        /// The network's subnets, comma separated.
        subnets: String,
        /// How many containers the network holds when full.
        capacity: u128,
        /// The plugin's own error.
        #[source]
        source: Box<CniError>,
    },
    /// Two published ports collide.
    #[error("container {container_id}: {source}")]
    Ports {
        /// Container id.
        container_id: String,
        /// The conflict.
        source: crate::port::PortConflict,
    },
    /// Two attachments use the same interface name or network.
    #[error("container {container_id}: duplicate {what} {value:?}")]
    Duplicate {
        /// Container id.
        container_id: String,
        /// `network` or `interface`.
        what: &'static str,
        /// The value.
        value: String,
    },
}

/// Every error `teardown` met (it keeps going past each one).
#[derive(Debug, thiserror::Error)]
#[error("tearing down networks of container {container_id}: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct TeardownError {
    /// Container id.
    pub container_id: String,
    /// Every error, in order.
    pub errors: Vec<CniError>,
}

/// lpod's networking facade: the network store plus the CNI client.
#[derive(Debug, Clone)]
pub struct NetManager {
    store: NetworkStore,
    client: CniClient,
}

impl NetManager {
    /// Builds the store and client from `cfg`.
    pub fn new(cfg: &NetConfig) -> NetManager {
        let store = NetworkStore::new(
            cfg.config_dir.clone(),
            cfg.extra_config_dirs.clone(),
            cfg.ipam_data_dir.clone(),
        )
        .with_default(cfg.default_network.clone());
        let client = CniClient::new(cfg.plugin_dirs.clone(), cfg.cache_dir.clone());
        NetManager { store, client }
    }

    /// From parts (e.g. a client with a custom executor).
    pub fn from_parts(store: NetworkStore, client: CniClient) -> NetManager {
        NetManager { store, client }
    }

    /// The network store (`network create/ls/inspect/rm`).
    pub fn store(&self) -> &NetworkStore {
        &self.store
    }

    /// The CNI client.
    pub fn client(&self) -> &CniClient {
        &self.client
    }

    fn runtime(
        container_id: &str,
        name: Option<&str>,
        netns: &Path,
        a: &Attachment,
        ports: &[PortMapping],
    ) -> RuntimeConf {
        let mut caps = Map::new();
        if !ports.is_empty() {
            caps.insert(
                "portMappings".into(),
                serde_json::to_value(ports.iter().map(PortMapping::to_cni).collect::<Vec<_>>())
                    .unwrap_or(Value::Null),
            );
        }
        if !a.static_ips.is_empty() {
            caps.insert(
                "ips".into(),
                Value::Array(
                    a.static_ips
                        .iter()
                        .map(|i| Value::String(i.to_string()))
                        .collect(),
                ),
            );
        }
        if let Some(m) = &a.static_mac {
            caps.insert("mac".into(), Value::String(m.clone()));
        }
        let mut args = vec![("IgnoreUnknown".to_string(), "1".to_string())];
        if let Some(n) = name {
            args.push(("K8S_POD_NAME".into(), n.to_string()));
        }
        RuntimeConf {
            container_id: container_id.to_string(),
            netns: netns.to_path_buf(),
            ifname: a.ifname.clone(),
            args,
            capability_args: caps,
        }
    }

    /// Attaches the container's netns to every network in order (the default network is
    /// generated when named and missing). On failure, everything set up so far is torn down
    /// before the error is returned.
    #[tracing::instrument(skip_all, fields(container = %req.container_id))]
    pub fn setup(&self, req: &SetupRequest<'_>) -> Result<Vec<NetworkResult>, SetupError> {
        for (i, a) in req.networks.iter().enumerate() {
            for b in &req.networks[..i] {
                let dup = if a.network == b.network {
                    Some(("network", &a.network))
                } else if a.ifname == b.ifname {
                    Some(("interface", &a.ifname))
                } else {
                    None
                };
                if let Some((what, value)) = dup {
                    return Err(SetupError::Duplicate {
                        container_id: req.container_id.to_string(),
                        what,
                        value: value.clone(),
                    });
                }
            }
        }
        crate::port::check_conflicts(req.ports).map_err(|source| SetupError::Ports {
            container_id: req.container_id.to_string(),
            source,
        })?;
        // host-local creates its lease directory and missing parents 0755: make them
        // private first, else the next runtime open tightens them and warns about it.
        if let Err(e) = crate::private::create_private_dir(self.store.ipam_data_dir()) {
            tracing::debug!(error = %e, "creating the IPAM data directory");
        }
        let mut results = Vec::new();
        for (i, a) in req.networks.iter().enumerate() {
            // Every network publishes the ports (as Podman's CNI backend): the container
            // stays reachable while it is connected to any of them.
            let rt = Self::runtime(
                req.container_id,
                req.container_name,
                req.netns,
                a,
                req.ports,
            );
            let outcome = self
                .store
                .load_or_default(&a.network)
                .map_err(|source| SetupError::Config {
                    container_id: req.container_id.to_string(),
                    network: a.network.clone(),
                    source: Box::new(source),
                })
                .and_then(|list| {
                    self.client.add_network_list(&list, &rt).map_err(|source| {
                        if source.is_address_exhausted() {
                            let info = crate::store::NetworkInfo::from_list(&list);
                            SetupError::NetworkFull {
                                container_id: req.container_id.to_string(),
                                network: a.network.clone(),
                                subnets: info
                                    .subnets
                                    .iter()
                                    .map(|s| s.subnet.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                capacity: info
                                    .subnets
                                    .iter()
                                    .map(|s| s.subnet.container_capacity())
                                    .sum(),
                                source: Box::new(source),
                            }
                        } else {
                            SetupError::Add {
                                container_id: req.container_id.to_string(),
                                source: Box::new(source),
                                cleanup: Vec::new(),
                            }
                        }
                    })
                });
            match outcome {
                Ok(r) => {
                    results.push(NetworkResult::from_result(&a.network, &a.ifname, r));
                }
                Err(mut e) => {
                    // Networks [..i] were attached: detach them again (with the port
                    // mappings, as when they were set up).
                    let cleanup = self
                        .teardown(req.netns, req.container_id, &req.networks[..i], req.ports)
                        .err()
                        .map(|t| t.errors)
                        .unwrap_or_default();
                    if let SetupError::Add { cleanup: c, .. } = &mut e {
                        *c = cleanup;
                    }
                    return Err(e);
                }
            }
        }
        Ok(results)
    }

    /// The containers with cached attachments (one listing of the cache dir): walk
    /// these with [`NetManager::teardown_cached`] instead of every container.
    pub fn containers_with_cache(&self) -> Result<std::collections::HashSet<String>, CniError> {
        self.client.cached_container_ids()
    }

    /// Detaches the container from every network (reverse order), using the cached ADD
    /// results. Keeps going past errors and returns all of them. `ports` are only needed
    /// when no cache entry exists (the cache remembers the ADD's ports).
    #[tracing::instrument(skip_all, fields(container = %container_id))]
    pub fn teardown(
        &self,
        netns: &Path,
        container_id: &str,
        networks: &[Attachment],
        ports: &[PortMapping],
    ) -> Result<(), TeardownError> {
        let mut errors = Vec::new();
        for a in networks.iter().rev() {
            let rt = Self::runtime(container_id, None, netns, a, ports);
            let list = self.store.load(&a.network).ok();
            if let Err(e) = self.client.del_network_list(&a.network, list.as_ref(), &rt) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TeardownError {
                container_id: container_id.to_string(),
                errors,
            })
        }
    }

    /// Crash recovery: DEL every attachment the cache holds for `container_id`, whatever
    /// networks the caller remembers. `netns` overrides the cached netns path when given.
    #[tracing::instrument(skip_all, fields(container = %container_id))]
    pub fn teardown_cached(
        &self,
        container_id: &str,
        netns: Option<&Path>,
    ) -> Result<(), TeardownError> {
        let mut errors = Vec::new();
        let cached = match self.client.cached_for_container(container_id) {
            Ok(c) => c,
            Err(e) => {
                return Err(TeardownError {
                    container_id: container_id.to_string(),
                    errors: vec![e],
                })
            }
        };
        for c in cached.iter().rev() {
            let mut rt = c.runtime.clone();
            if let Some(n) = netns {
                rt.netns = n.to_path_buf();
            }
            if let Err(e) = self.client.del_network_list(&c.network_name, None, &rt) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TeardownError {
                container_id: container_id.to_string(),
                errors,
            })
        }
    }
}
