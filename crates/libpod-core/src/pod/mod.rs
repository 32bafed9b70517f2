//! Pods: a group of containers sharing namespaces (net, ipc and uts by default)
//! held by an infra container, with verbs over all members and a status derived
//! from theirs (Podman's rules).
//!
//! Locking: every member verb goes through the container lock, which takes the
//! pod lock first (see `ops::lock`), so the pod → container order holds.
//!
//! This file holds the types, the lookups and the member queries; each pod verb
//! has its own file, as the container verbs do.

mod create;
pub(crate) mod infra;
mod inspect;
mod kill;
mod pause;
pub(crate) mod recover;
mod remove;
mod restart;
mod start;
mod stop;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use libpod_config::{failpoint, Operation};
use libpod_config::{
    new_id, validate_name, ContainerConfig, ContainerStatus, PodConfig, PodState, PortMapping,
    SharedNamespace,
};
use libpod_state::JournalKind;

pub use infra::{catatonit, PAUSE_IMAGE};

use crate::container::{Container, CreateOptions, NetworkMode};
use crate::context::{pod_err, Inner, Parts};
pub use crate::error::PodError;
use crate::journal::{Acquired, Op};
use crate::runtime::Runtime;
use crate::{Error, Result};

/// Everything `pod create` takes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PodCreateOptions {
    /// Name (generated when `None`).
    pub name: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Published ports (on the infra container).
    pub ports: Vec<PortMapping>,
    /// Networks of the pod (empty = the default network).
    pub networks: Vec<String>,
    /// Network mode of the pod's namespace (bridge by default).
    pub network: NetworkMode,
    /// Hostname shared by the members (the pod name when `None`).
    pub hostname: Option<String>,
    /// Create an infra container (needed to share namespaces).
    pub infra: bool,
    /// Shared namespaces (default net, ipc, uts).
    pub share: Vec<SharedNamespace>,
    /// Infra image ([`PAUSE_IMAGE`], provided automatically, when `None`).
    pub infra_image: Option<String>,
    /// Infra container name (`<short id>-infra` when `None`).
    pub infra_name: Option<String>,
    /// Infra command, replacing its image's entrypoint and command.
    pub infra_command: Option<Vec<String>>,
    /// What happens when the last member exits.
    pub exit_policy: libpod_config::PodExitPolicy,
    /// Resolver and /etc/hosts choices of the pod (its infra's files are shared).
    pub dns: libpod_config::DnsConfig,
    /// `-v`: volumes (named, created when missing; an unnamed one gets a generated
    /// name) and binds that every member gets.
    pub volumes: Vec<crate::MountSpec>,
    /// `--mac-address`: the infra container's MAC address on the pod's first network.
    pub static_mac: Option<String>,
}

impl Default for PodCreateOptions {
    fn default() -> Self {
        PodCreateOptions {
            name: None,
            labels: BTreeMap::new(),
            ports: Vec::new(),
            networks: Vec::new(),
            network: NetworkMode::Bridge,
            hostname: None,
            infra: true,
            share: vec![
                SharedNamespace::Net,
                SharedNamespace::Ipc,
                SharedNamespace::Uts,
            ],
            infra_image: None,
            infra_name: None,
            infra_command: None,
            exit_policy: libpod_config::PodExitPolicy::Continue,
            dns: libpod_config::DnsConfig::default(),
            volumes: Vec::new(),
            static_mac: None,
        }
    }
}

/// A pod's status, derived from its containers' (Podman's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PodStatus {
    /// No container ran yet (or the pod is empty).
    Created,
    /// Every container runs.
    Running,
    /// Some run, some do not.
    Degraded,
    /// Containers are stopped (not cleaned up yet).
    Stopped,
    /// Every container exited.
    Exited,
    /// Every container is paused.
    Paused,
    /// A container is in an unexpected status.
    Error,
}

impl PodStatus {
    /// The status word.
    pub fn as_str(&self) -> &'static str {
        match self {
            PodStatus::Created => "Created",
            PodStatus::Running => "Running",
            PodStatus::Degraded => "Degraded",
            PodStatus::Stopped => "Stopped",
            PodStatus::Exited => "Exited",
            PodStatus::Paused => "Paused",
            PodStatus::Error => "Error",
        }
    }

    /// Podman's rule over the members' statuses.
    pub fn derive(statuses: &[ContainerStatus]) -> PodStatus {
        let n = statuses.len();
        if n == 0 {
            return PodStatus::Created;
        }
        let count =
            |f: &dyn Fn(ContainerStatus) -> bool| statuses.iter().filter(|s| f(**s)).count();
        let running = count(&|s| matches!(s, ContainerStatus::Running | ContainerStatus::Stopping));
        let stopped = count(&|s| s == ContainerStatus::Stopped);
        let exited = count(&|s| s == ContainerStatus::Exited);
        let paused = count(&|s| s == ContainerStatus::Paused);
        let created =
            count(&|s| matches!(s, ContainerStatus::Created | ContainerStatus::Configured));
        let errored = n - running - stopped - exited - paused - created;
        match () {
            _ if running > 0 && running < n => PodStatus::Degraded,
            _ if running == n => PodStatus::Running,
            _ if stopped == n => PodStatus::Stopped,
            _ if exited == n => PodStatus::Exited,
            _ if stopped > 0 => PodStatus::Stopped,
            _ if errored > 0 => PodStatus::Error,
            _ if paused == n => PodStatus::Paused,
            _ if exited > 0 && exited + created == n => PodStatus::Exited,
            _ => PodStatus::Created,
        }
    }
}

/// One member in `pod inspect` / `pod ps`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PodMember {
    /// Container id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Status word.
    pub state: String,
}

/// `pod inspect` (Podman's field names).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PodInspect {
    /// Pod id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Creation time, RFC 3339.
    pub created: String,
    /// Derived status.
    pub state: String,
    /// Hostname.
    pub hostname: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Infra container id ("" without one).
    #[serde(rename = "InfraContainerID")]
    pub infra_container_id: String,
    /// Shared namespaces.
    pub shared_namespaces: Vec<String>,
    /// Number of containers (with the infra).
    pub num_containers: usize,
    /// Members.
    pub containers: Vec<PodMember>,
    /// Published ports, `127.0.0.1:8080->80/tcp`.
    pub ports: Vec<String>,
    /// Networks.
    pub networks: Vec<String>,
    /// The infra's address per network.
    #[serde(rename = "InfraNetworks")]
    pub infra_networks: BTreeMap<String, crate::network::InspectNetwork>,
    /// What happens when the last member exits: `continue` or `stop`.
    pub exit_policy: String,
    /// The pod has an infra container.
    pub create_infra: bool,
    /// The infra container's network configuration (Podman's `InfraConfig`), when
    /// the pod has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infra_config: Option<PodInfraConfig>,
}

/// Podman's `InfraConfig` of `pod inspect`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PodInfraConfig {
    /// Published ports, Podman's map `"80/tcp": [{HostIp, HostPort}]`.
    pub port_bindings: BTreeMap<String, Vec<BTreeMap<String, String>>>,
    /// The pod uses the host's network namespace.
    pub host_network: bool,
    /// Fixed IP address ("" none).
    #[serde(rename = "StaticIP")]
    pub static_ip: String,
    /// Fixed MAC address ("" none).
    #[serde(rename = "StaticMAC")]
    pub static_mac: String,
    /// lpod writes /etc/resolv.conf.
    pub no_manage_resolv_conf: bool,
    /// `--dns` servers.
    #[serde(rename = "DNSServer")]
    pub dns_server: Vec<String>,
    /// `--dns-search` domains.
    #[serde(rename = "DNSSearch")]
    pub dns_search: Vec<String>,
    /// `--dns-option` options.
    #[serde(rename = "DNSOption")]
    pub dns_option: Vec<String>,
    /// lpod writes /etc/hosts.
    pub no_manage_hosts: bool,
    /// `--add-host` entries.
    pub host_add: Vec<String>,
    /// Networks of the infra container.
    pub networks: Vec<String>,
    /// Network options.
    pub network_options: BTreeMap<String, Vec<String>>,
    /// The infra's pid file ("" none).
    pub pid_ns: String,
    /// The infra's command.
    pub infra_command: Vec<String>,
}

/// One row of `pod ps`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PodSummary {
    /// Pod id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Derived status.
    pub status: String,
    /// Creation time, RFC 3339.
    pub created: String,
    /// Infra container id.
    pub infra_id: String,
    /// Members.
    pub containers: Vec<PodMember>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Networks.
    pub networks: Vec<String>,
}

/// A handle on one pod. Cheap to clone.
#[derive(Clone)]
pub struct Pod {
    pub(crate) id: String,
    pub(crate) rt: Arc<Inner>,
}

impl std::fmt::Debug for Pod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pod").field("id", &self.id).finish()
    }
}

impl Runtime {
    /// Looks a pod up by full id, unique id prefix or name.
    pub fn pod(&self, name_or_id: &str) -> Result<Pod> {
        let p = self.inner.parts()?;
        let id = p
            .state
            .lookup_pod(name_or_id)
            .map_err(|e| pod_err(e, name_or_id))?;
        Ok(Pod {
            id,
            rt: self.inner.clone(),
        })
    }

    /// Every pod, oldest first.
    pub fn pods(&self) -> Result<Vec<Pod>> {
        let p = self.inner.parts()?;
        Ok(p.state
            .all_pods()?
            .into_iter()
            .map(|(c, _)| Pod {
                id: c.id,
                rt: self.inner.clone(),
            })
            .collect())
    }

    /// One summary per pod (`pod ps`).
    pub fn list_pods(&self) -> Result<Vec<PodSummary>> {
        let mut out = Vec::new();
        for pod in self.pods()? {
            match pod.summary() {
                Ok(s) => out.push(s),
                Err(Error::Pod(e)) if matches!(*e, PodError::NoSuchPod(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// A member of pod `pod` exited: with the `stop` exit policy and no other member
/// left running, the pod (its infra container) is stopped, as Podman does.
pub(crate) fn apply_exit_policy(rt: &Arc<Inner>, pod: &str) -> Result<()> {
    let p = rt.parts()?;
    let (pc, _) = match p.state.pod(pod) {
        Ok(r) => r,
        Err(_) => return Ok(()),
    };
    if pc.exit_policy != libpod_config::PodExitPolicy::Stop {
        return Ok(());
    }
    let pod = Pod {
        id: pc.id.clone(),
        rt: rt.clone(),
    };
    let members = pod.members()?;
    if members.iter().any(|(c, s)| !c.is_infra && s.is_active()) {
        return Ok(());
    }
    if let Some(infra) = pod.infra()? {
        match infra.stop(None) {
            Ok(()) | Err(Error::NoSuchContainer(_)) => {}
            Err(Error::InvalidState { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Pod {
    /// The full id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn parts(&self) -> Result<Arc<Parts>> {
        self.rt.parts()
    }

    /// Config and state.
    pub fn rows(&self) -> Result<(PodConfig, PodState)> {
        self.parts()?
            .state
            .pod(&self.id)
            .map_err(|e| pod_err(e, &self.id))
    }

    /// The name.
    pub fn name(&self) -> Result<String> {
        Ok(self.rows()?.0.name)
    }

    /// The infra container, if any.
    pub fn infra(&self) -> Result<Option<Container>> {
        Ok(self.rows()?.1.infra_container_id.map(|id| Container {
            id,
            rt: self.rt.clone(),
        }))
    }

    /// Members (infra included), oldest first, with their synced statuses.
    fn members(&self) -> Result<Vec<(ContainerConfig, ContainerStatus)>> {
        let p = self.parts()?;
        let rows = p
            .state
            .pod_containers(&self.id)
            .map_err(|e| pod_err(e, &self.id))?;
        Ok(rows
            .into_iter()
            .map(|(c, mut st)| {
                crate::ops::sync::peek_exit(&p, &c.id, &mut st);
                (c, st.status)
            })
            .collect())
    }

    /// Member handles (infra included), oldest first.
    pub fn containers(&self) -> Result<Vec<Container>> {
        Ok(self
            .members()?
            .into_iter()
            .map(|(c, _)| Container {
                id: c.id,
                rt: self.rt.clone(),
            })
            .collect())
    }

    /// The status derived from the members'.
    pub fn status(&self) -> Result<PodStatus> {
        let s: Vec<ContainerStatus> = self.members()?.into_iter().map(|(_, s)| s).collect();
        Ok(PodStatus::derive(&s))
    }

    fn split(&self) -> Result<(Option<Container>, Vec<Container>)> {
        let mut infra = None;
        let mut others = Vec::new();
        for (c, _) in self.members()? {
            let h = Container {
                id: c.id.clone(),
                rt: self.rt.clone(),
            };
            if c.is_infra {
                infra = Some(h);
            } else {
                others.push(h);
            }
        }
        Ok((infra, others))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContainerStatus as S;

    #[test]
    fn status_follows_podman_rules() {
        assert_eq!(PodStatus::derive(&[]), PodStatus::Created);
        assert_eq!(
            PodStatus::derive(&[S::Running, S::Running]),
            PodStatus::Running
        );
        assert_eq!(
            PodStatus::derive(&[S::Running, S::Exited]),
            PodStatus::Degraded
        );
        assert_eq!(
            PodStatus::derive(&[S::Exited, S::Exited]),
            PodStatus::Exited
        );
        assert_eq!(
            PodStatus::derive(&[S::Stopped, S::Exited]),
            PodStatus::Stopped
        );
        assert_eq!(
            PodStatus::derive(&[S::Paused, S::Paused]),
            PodStatus::Paused
        );
        assert_eq!(
            PodStatus::derive(&[S::Configured, S::Created]),
            PodStatus::Created
        );
        assert_eq!(
            PodStatus::derive(&[S::Exited, S::Created]),
            PodStatus::Exited
        );
        assert_eq!(PodStatus::derive(&[S::Unknown]), PodStatus::Error);
    }

    #[test]
    fn default_options_share_net_ipc_uts_over_bridge() {
        let o = PodCreateOptions::default();
        assert!(o.infra);
        assert_eq!(o.network, NetworkMode::Bridge);
        assert_eq!(o.share.len(), 3);
    }
}
