//! Pod configuration and state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::container::PortMapping;

/// A namespace kind that the containers of a pod can share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SharedNamespace {
    /// Network.
    Net,
    /// IPC.
    Ipc,
    /// UTS (hostname).
    Uts,
    /// PID.
    Pid,
    /// Cgroup.
    Cgroup,
}

impl SharedNamespace {
    /// Podman's word for it (`--share`, `pod inspect`).
    pub fn as_str(&self) -> &'static str {
        match self {
            SharedNamespace::Net => "net",
            SharedNamespace::Ipc => "ipc",
            SharedNamespace::Uts => "uts",
            SharedNamespace::Pid => "pid",
            SharedNamespace::Cgroup => "cgroup",
        }
    }
}

/// What happens to a pod when its last (non-infra) container exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PodExitPolicy {
    /// The pod (its infra container) keeps running (Podman's default).
    #[default]
    Continue,
    /// The pod is stopped.
    Stop,
}

impl PodExitPolicy {
    /// Podman's word for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            PodExitPolicy::Continue => "continue",
            PodExitPolicy::Stop => "stop",
        }
    }
}

/// A pod's configuration, fixed when it is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodConfig {
    /// 64-hex id (never equal to a container id).
    pub id: String,
    /// Unique name (never equal to a container name).
    pub name: String,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Create an infra container that holds the shared namespaces.
    #[serde(default)]
    pub has_infra: bool,
    /// Namespaces shared by the pod's containers (default net, ipc, uts).
    #[serde(default = "default_shared")]
    pub shared_namespaces: Vec<SharedNamespace>,
    /// Port mappings (applied to the infra container).
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// Networks of the infra container (empty = the default network).
    #[serde(default)]
    pub networks: Vec<String>,
    /// Parent cgroup of the pod's cgroup (default: the runtime's).
    #[serde(default)]
    pub cgroup_parent: Option<String>,
    /// Hostname shared through the UTS namespace.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// What happens when the last member exits.
    #[serde(default)]
    pub exit_policy: PodExitPolicy,
    /// The pod uses the host's network namespace (`--network host`).
    #[serde(default)]
    pub host_network: bool,
    /// `pod create -v`: mounts (volumes by name, binds) every member gets unless it
    /// mounts something else at the same destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<crate::container::Mount>,
}

fn default_shared() -> Vec<SharedNamespace> {
    vec![
        SharedNamespace::Net,
        SharedNamespace::Ipc,
        SharedNamespace::Uts,
    ]
}

impl PodConfig {
    /// A pod with an infra container sharing net, ipc and uts, created now.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        PodConfig {
            id: id.into(),
            name: name.into(),
            labels: BTreeMap::new(),
            has_infra: true,
            shared_namespaces: default_shared(),
            port_mappings: Vec::new(),
            networks: Vec::new(),
            cgroup_parent: None,
            hostname: None,
            created: Utc::now(),
            exit_policy: PodExitPolicy::Continue,
            host_network: false,
            mounts: Vec::new(),
        }
    }

    /// True if the pod shares `ns`.
    pub fn shares(&self, ns: SharedNamespace) -> bool {
        self.shared_namespaces.contains(&ns)
    }
}

/// A pod's mutable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct PodState {
    /// The pod's cgroup path (relative to each hierarchy's root).
    pub cgroup_path: Option<String>,
    /// The infra container, once created.
    pub infra_container_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_share_net_ipc_uts() {
        let p = PodConfig::new("a".repeat(64), "p");
        assert!(p.shares(SharedNamespace::Net) && p.shares(SharedNamespace::Uts));
        assert!(!p.shares(SharedNamespace::Pid));
        let v = serde_json::json!({"id": "x", "name": "p", "created": "2024-01-01T00:00:00Z"});
        let p: PodConfig = serde_json::from_value(v).unwrap();
        assert_eq!(p.shared_namespaces, default_shared());
        let back: PodConfig = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
