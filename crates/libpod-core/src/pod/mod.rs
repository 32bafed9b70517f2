//! Pods: a group of containers sharing namespaces (net, ipc and uts by default)
//! held by an infra container, with verbs over all members and a status derived
//! from theirs (Podman's rules).
//!
//! Locking: every member verb goes through the container lock, which takes the
//! pod lock first (see `container::lock`), so the pod → container order holds.

pub(crate) mod infra;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use libpod_config::{failpoint, Operation};
use libpod_config::{
    generate_name, new_id, validate_name, ContainerConfig, ContainerStatus, NamespaceMode,
    NetworkMode as CfgNetworkMode, PodConfig, PodState, PortMapping, SharedNamespace,
};
use libpod_state::{JournalKind, StateError};

pub use infra::PAUSE_IMAGE;

use crate::container::{Container, CreateOptions, NetworkMode};
use crate::context::{Inner, Parts};
pub use crate::error::PodError;
use crate::journal::{Acquired, Op};
use crate::runtime::Runtime;
use crate::{Error, Result};

fn pod_err(e: StateError, q: &str) -> Error {
    match e {
        StateError::NoSuchPod { .. }
        | StateError::Lookup(libpod_config::LookupError::NotFound { .. }) => {
            PodError::NoSuchPod(q.to_string()).into()
        }
        StateError::Lookup(libpod_config::LookupError::Ambiguous { .. }) => {
            PodError::AmbiguousPod(q.to_string()).into()
        }
        StateError::NameInUse { name, .. } => PodError::NameInUse(name).into(),
        other => Error::State(other),
    }
}

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

fn shared_name(s: SharedNamespace) -> &'static str {
    match s {
        SharedNamespace::Net => "net",
        SharedNamespace::Ipc => "ipc",
        SharedNamespace::Uts => "uts",
        SharedNamespace::Pid => "pid",
    }
}

/// Called by container remove: a pod's current infra container is removed only
/// by [`Pod::remove`] (which detaches it from the pod first).
pub(crate) fn check_infra_removal(l: &crate::container::lock::Locked<'_>) -> Result<()> {
    let (true, Some(pod)) = (l.cfg.is_infra, &l.cfg.pod) else {
        return Ok(());
    };
    match l.p.state.pod(pod) {
        Ok((_, ps)) if ps.infra_container_id.as_deref() == Some(l.cfg.id.as_str()) => {
            Err(PodError::InfraRemoval {
                id: l.cfg.id.clone(),
                pod: pod.clone(),
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// Called by container create: makes the config a member of the pod named in
/// `opts.pod` (resolves it, sets the shared namespaces, refuses conflicts).
pub(crate) fn join_pod(p: &Parts, opts: &CreateOptions, c: &mut ContainerConfig) -> Result<()> {
    let Some(q) = &opts.pod else {
        return Ok(());
    };
    let id = p.state.lookup_pod(q).map_err(|e| pod_err(e, q))?;
    let (pc, ps) = p.state.pod(&id).map_err(|e| pod_err(e, q))?;
    c.pod = Some(id.clone());
    if ps.infra_container_id.is_some() {
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

impl Runtime {
    /// Creates a pod and (by default) its infra container, not started.
    #[tracing::instrument(skip(self, opts), fields(name = ?opts.name))]
    pub fn create_pod(&self, opts: PodCreateOptions) -> Result<Pod> {
        let p = self.inner.parts()?;
        if let Some(n) = &opts.name {
            validate_name(n)?;
        }
        let id = new_id();
        let name = opts.name.clone().unwrap_or_else(generate_name);
        let mut pc = PodConfig::new(&id, &name);
        pc.labels = opts.labels.clone();
        pc.has_infra = opts.infra;
        pc.shared_namespaces = if opts.infra {
            opts.share.clone()
        } else {
            Vec::new()
        };
        pc.port_mappings = opts.ports.clone();
        pc.networks = opts.networks.clone();
        pc.hostname = opts.hostname.clone().or_else(|| Some(name.clone()));
        if opts.share.contains(&SharedNamespace::Pid) {
            return Err(PodError::Conflict {
                pod: id,
                what: "sharing the pid namespace is not supported yet",
            }
            .into());
        }
        if !opts.infra && !opts.ports.is_empty() {
            return Err(PodError::Conflict {
                pod: id,
                what: "published ports need an infra container",
            }
            .into());
        }
        // Rolled back after a crash (see `crate::journal`).
        let mut op = Op::begin(
            &p,
            JournalKind::Pod,
            &id,
            Operation::Create,
            Acquired::default(),
        )?;
        p.state
            .add_pod(&pc, &PodState::default())
            .map_err(|e| pod_err(e, &name))?;
        failpoint::hit("pod.create.after_state");
        let pod = Pod {
            id: id.clone(),
            rt: self.inner.clone(),
        };
        if opts.infra {
            let r = (|| -> Result<()> {
                let image = opts
                    .infra_image
                    .clone()
                    .unwrap_or_else(|| PAUSE_IMAGE.to_string());
                infra::ensure_image(&p.store, &image)?;
                let copts = CreateOptions {
                    image,
                    name: Some(format!("{}-infra", libpod_config::short_id(&id))),
                    network: if pc.shares(SharedNamespace::Net) {
                        opts.network
                    } else {
                        NetworkMode::None
                    },
                    networks: opts.networks.clone(),
                    ports: opts.ports.clone(),
                    hostname: pc.hostname.clone(),
                    labels: opts.labels.clone(),
                    ..Default::default()
                };
                let pod_id = id.clone();
                let cid = crate::container::create::create_with(&p, copts, &|c| {
                    c.pod = Some(pod_id.clone());
                    c.is_infra = true;
                    Ok(())
                })?;
                op.record(|a| a.infra = Some(cid.clone()))?;
                failpoint::hit("pod.create.after_infra");
                let (_, mut ps) = p.state.pod(&id)?;
                ps.infra_container_id = Some(cid);
                p.state.save_pod_state(&id, &ps)?;
                Ok(())
            })();
            if let Err(e) = r {
                if let Err(e2) = pod.remove(true) {
                    tracing::warn!(error = %e2, "removing a half-created pod");
                }
                return Err(e);
            }
        }
        Ok(pod)
    }

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
                crate::container::sync::peek_exit(&p, &c.id, &mut st);
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

    /// Starts the infra container, then every member. Keeps going; returns every error.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn start(&self) -> Result<()> {
        let (infra, others) = self.split()?;
        if let Some(i) = infra {
            i.start()?;
        }
        let mut errs = Vec::new();
        for c in others {
            if let Err(e) = c.start() {
                errs.push(e);
            }
        }
        Error::join(errs)
    }

    /// Stops every member, then the infra container. Keeps going.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn stop(&self, timeout: Option<Duration>) -> Result<()> {
        let (infra, others) = self.split()?;
        let mut errs = Vec::new();
        for c in others.into_iter().chain(infra) {
            match c.stop(timeout) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => errs.push(e),
            }
        }
        Error::join(errs)
    }

    /// Sends `signal` to every running member.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn kill(&self, signal: i32) -> Result<()> {
        let mut errs = Vec::new();
        for (c, st) in self.members()? {
            if matches!(st, ContainerStatus::Running | ContainerStatus::Paused) {
                let h = Container {
                    id: c.id,
                    rt: self.rt.clone(),
                };
                if let Err(e) = h.kill(signal) {
                    errs.push(e);
                }
            }
        }
        Error::join(errs)
    }

    /// Stops, then starts the pod.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn restart(&self, timeout: Option<Duration>) -> Result<()> {
        self.stop(timeout)?;
        self.start()
    }

    /// Removes the members (infra last) and the pod. Without `force`, refuses
    /// while members run or while non-infra members exist.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn remove(&self, force: bool) -> Result<()> {
        let p = self.parts()?;
        let members = self.members()?;
        if !force {
            let running: Vec<String> = members
                .iter()
                .filter(|(_, s)| {
                    matches!(
                        s,
                        ContainerStatus::Running
                            | ContainerStatus::Paused
                            | ContainerStatus::Stopping
                    )
                })
                .map(|(c, _)| c.id.clone())
                .collect();
            if !running.is_empty() {
                return Err(PodError::Running {
                    pod: self.id.clone(),
                    containers: running,
                }
                .into());
            }
            let others: Vec<String> = members
                .iter()
                .filter(|(c, _)| !c.is_infra)
                .map(|(c, _)| c.id.clone())
                .collect();
            if !others.is_empty() {
                return Err(PodError::HasContainers {
                    pod: self.id.clone(),
                    containers: others,
                }
                .into());
            }
        }
        // Rolled forward after a crash (see `crate::journal`).
        let _op = Op::begin(
            &p,
            JournalKind::Pod,
            &self.id,
            Operation::Remove,
            Acquired::default(),
        )?;
        let (infra, others) = self.split()?;
        let mut errs = Vec::new();
        for c in &others {
            match c.remove(true) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => errs.push(e),
            }
        }
        if !errs.is_empty() {
            return Error::join(errs);
        }
        failpoint::hit("pod.remove.after_containers");
        // Detach the infra from the pod, so that its removal is allowed.
        let (_, mut ps) = self.rows()?;
        if ps.infra_container_id.take().is_some() {
            p.state
                .save_pod_state(&self.id, &ps)
                .map_err(|e| pod_err(e, &self.id))?;
        }
        failpoint::hit("pod.remove.after_detach");
        if let Some(c) = infra {
            match c.remove(true) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => return Err(e),
            }
        }
        failpoint::hit("pod.remove.after_infra");
        // With force, a container another process added to the pod while it was being
        // removed goes too (found by the stress test); without force the error stands.
        let mut late_rounds = 0;
        while let Err(e) = p.state.remove_pod(&self.id, false) {
            let (_, late) = self.split()?;
            if !force || late.is_empty() || late_rounds == 3 {
                return Err(pod_err(e, &self.id));
            }
            late_rounds += 1;
            for c in late {
                match c.remove(true) {
                    Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        failpoint::hit("pod.remove.after_state");
        if let Err(e) = p.locks.remove(&self.id) {
            tracing::debug!(error = %e, "removing the pod lock");
        }
        Ok(())
    }

    /// `pod inspect`.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn inspect(&self) -> Result<PodInspect> {
        let (pc, ps) = self.rows()?;
        let members = self.members()?;
        let statuses: Vec<ContainerStatus> = members.iter().map(|(_, s)| *s).collect();
        let infra_networks = match &ps.infra_container_id {
            Some(i) => {
                let p = self.parts()?;
                match p.state.container(i) {
                    Ok((_, st)) => crate::network::inspect_networks(&st),
                    Err(_) => BTreeMap::new(),
                }
            }
            None => BTreeMap::new(),
        };
        Ok(PodInspect {
            id: pc.id.clone(),
            name: pc.name.clone(),
            created: crate::container::rfc3339(Some(pc.created)),
            state: PodStatus::derive(&statuses).as_str().to_string(),
            hostname: pc.hostname.clone().unwrap_or_default(),
            labels: pc.labels.clone(),
            infra_container_id: ps.infra_container_id.clone().unwrap_or_default(),
            shared_namespaces: pc
                .shared_namespaces
                .iter()
                .map(|s| shared_name(*s).to_string())
                .collect(),
            num_containers: members.len(),
            containers: members
                .iter()
                .map(|(c, s)| PodMember {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    state: s.as_str().to_string(),
                })
                .collect(),
            ports: pc
                .port_mappings
                .iter()
                .map(|m| crate::network::format_ports(std::slice::from_ref(m)))
                .collect(),
            networks: pc.networks.clone(),
            infra_networks,
        })
    }

    /// A `pod ps` row.
    pub fn summary(&self) -> Result<PodSummary> {
        let i = self.inspect()?;
        Ok(PodSummary {
            id: i.id,
            name: i.name,
            status: i.state,
            created: i.created,
            infra_id: i.infra_container_id,
            containers: i.containers,
            labels: i.labels,
            networks: i.networks,
        })
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
