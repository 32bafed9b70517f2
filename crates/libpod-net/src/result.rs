//! CNI results (spec 1.0 `Result` type) and the plugin error document.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::subnet::Subnet;

/// An interface a plugin created or configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Interface {
    /// Interface name.
    pub name: String,
    /// Hardware address, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Netns path when the interface is inside the container; absent for host interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<String>,
}

/// An IP configuration assigned to an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpConfig {
    /// Address with prefix, e.g. `10.89.0.5/24`.
    pub address: String,
    /// Default gateway for this address, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    /// Index into [`CniResult::interfaces`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<usize>,
}

impl IpConfig {
    /// The address without its prefix, if it parses.
    pub fn ip(&self) -> Option<IpAddr> {
        Subnet::containing(&self.address).ok().map(|(ip, _)| ip)
    }

    /// The subnet the address lies in, if it parses.
    pub fn subnet(&self) -> Option<Subnet> {
        Subnet::containing(&self.address).ok().map(|(_, s)| s)
    }
}

/// A route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Destination, e.g. `0.0.0.0/0`.
    pub dst: String,
    /// Gateway, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gw: Option<IpAddr>,
}

/// DNS settings a plugin returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Dns {
    /// Name servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<String>,
    /// Local domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Search domains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<String>,
    /// resolv.conf options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

impl Dns {
    fn is_empty(&self) -> bool {
        self == &Dns::default()
    }
}

/// A CNI ADD result (spec 1.0; 0.3.x/0.4.0 results parse too, their `version` fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CniResult {
    /// CNI version of the result.
    #[serde(default)]
    pub cni_version: String,
    /// Interfaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Interface>,
    /// IP configurations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<IpConfig>,
    /// Routes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    /// DNS.
    #[serde(default, skip_serializing_if = "Dns::is_empty")]
    pub dns: Dns,
}

impl CniResult {
    /// The container-side interface named `ifname` (the one with a `sandbox`), if present.
    pub fn container_interface(&self, ifname: &str) -> Option<(usize, &Interface)> {
        self.interfaces
            .iter()
            .enumerate()
            .find(|(_, i)| i.name == ifname && i.sandbox.as_deref().is_some_and(|s| !s.is_empty()))
    }

    /// The IP configurations of the container interface `ifname` (or every IP when
    /// the plugin did not say which interface an address belongs to).
    pub fn container_ips(&self, ifname: &str) -> Vec<&IpConfig> {
        let idx = self.container_interface(ifname).map(|(i, _)| i);
        self.ips
            .iter()
            .filter(|ip| match (ip.interface, idx) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .collect()
    }
}

/// The error document a plugin prints on failure (`{code, msg, details}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginErrorDoc {
    /// Error code (1-99 reserved by the spec, e.g. 7 = invalid network config).
    #[serde(default)]
    pub code: u32,
    /// Short message.
    #[serde(default)]
    pub msg: String,
    /// Longer details.
    #[serde(default)]
    pub details: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bridge_result() {
        let doc = r#"{"cniVersion":"1.0.0","interfaces":[{"name":"lpt0","mac":"aa:bb:cc:dd:ee:ff"},
            {"name":"veth1","mac":"11:22:33:44:55:66"},
            {"name":"eth0","mac":"02:00:00:00:00:01","sandbox":"/run/netns/x"}],
            "ips":[{"interface":2,"address":"10.230.1.2/24","gateway":"10.230.1.1"}],
            "routes":[{"dst":"0.0.0.0/0"}],"dns":{}}"#;
        let r: CniResult = serde_json::from_str(doc).unwrap();
        let (idx, i) = r.container_interface("eth0").unwrap();
        assert_eq!(idx, 2);
        assert_eq!(i.mac.as_deref(), Some("02:00:00:00:00:01"));
        let ips = r.container_ips("eth0");
        assert_eq!(ips.len(), 1);
        assert_eq!(ips[0].ip(), Some("10.230.1.2".parse().unwrap()));
        assert_eq!(ips[0].gateway, Some("10.230.1.1".parse().unwrap()));
        assert_eq!(ips[0].subnet().unwrap().to_string(), "10.230.1.0/24");
    }

    #[test]
    fn parses_old_result() {
        let doc = r#"{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.0.2/24"}]}"#;
        let r: CniResult = serde_json::from_str(doc).unwrap();
        assert_eq!(r.ips.len(), 1);
    }
}
