//! `pod inspect` and the `pod ps` row.

use super::*;

fn shared_name(s: SharedNamespace) -> &'static str {
    match s {
        SharedNamespace::Net => "net",
        SharedNamespace::Ipc => "ipc",
        SharedNamespace::Uts => "uts",
        SharedNamespace::Pid => "pid",
    }
}

impl Pod {
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
