//! lpod networking: a CNI 1.0 client, network namespaces and port mappings.
//!
//! Depends on no other lpod layer (only on the tiny dependency-free `libpod-failpoint`
//! mechanism, see [`failpoint`]): a downstream crate can use it alone.
//!
//! - [`conf`]: load and validate `.conflist`/`.conf` files.
//! - [`client::CniClient`]: ADD/DEL/CHECK/VERSION with a persistent result cache.
//! - [`netns::Netns`]: named network namespaces.
//! - [`store::NetworkStore`]: lpod's own network configs (`lpod network create/ls/inspect/rm`).
//! - [`etc`]: a container's resolv.conf, hosts and hostname text.
//! - [`port::PortMapping`]: `-p [ip:]hostPort:containerPort[/proto]`.
//! - [`manager::NetManager`]: `setup`/`teardown` of a container's networks.
//! - [`failpoint`]: the named kill points inside setup and teardown (crash tests).
//!
//! ```no_run
//! use std::path::Path;
//! use libpod_net::{Attachment, NetConfig, NetManager, Netns, PortMapping, SetupRequest};
//!
//! let cfg = NetConfig::with_root(Path::new("/var/lib/lpod"));
//! let net = NetManager::new(&cfg);
//! let ns = Netns::create("lpod-0123456789ab", Path::new("/run/lpod/netns"))?;
//! let ports: Vec<PortMapping> = vec!["127.0.0.1:8080:80/tcp".parse()?];
//! let networks = vec![Attachment::new("podman", "eth0")]; // default network, generated on demand
//! let results = net.setup(&SetupRequest {
//!     netns: ns.path(),
//!     container_id: "0123456789ab",
//!     container_name: Some("web"),
//!     networks: &networks,
//!     ports: &ports,
//! })?;
//! println!("ip {:?} mac {:?}", results[0].addresses, results[0].mac);
//! // ... later, on stop/cleanup (keeps going, returns every error):
//! net.teardown(ns.path(), "0123456789ab", &networks, &ports)?;
//! ns.destroy()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

/// JSON types in this crate's API (plugin configs and capability arguments are
/// `serde_json::Map`s).
pub use serde_json;

pub mod check;
pub mod client;
pub mod conf;
pub mod etc;
pub mod failpoint;
pub mod fixups;
pub mod invoke;
pub mod link;
pub mod manager;
pub mod netns;
pub mod port;
mod private;
pub mod result;
pub mod store;
pub mod subnet;

pub use client::{CachedAttachment, CniClient, CniError, RuntimeConf, VersionInfo};
pub use conf::{ConfError, NetworkConfigList, PluginConf};
pub use invoke::{InvokeError, DEFAULT_PLUGIN_DIRS};
pub use manager::{
    Attachment, NetConfig, NetManager, NetworkResult, SetupError, SetupRequest, TeardownError,
};
pub use netns::{Netns, NetnsError};
pub use port::{check_conflicts, PortConflict, PortMapping, PortParseError, Protocol};
pub use result::{CniResult, Dns, Interface, IpConfig, Route};
pub use store::{
    DefaultNetwork, NetworkCreateOptions, NetworkInfo, NetworkStore, StoreError, SubnetInfo,
};
pub use subnet::{Subnet, SubnetError};
