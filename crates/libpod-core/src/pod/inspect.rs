//! `pod inspect` and the `pod ps` row.

use super::*;

fn shared_name(s: SharedNamespace) -> &'static str {
    s.as_str()
}

impl Pod {
    /// `pod inspect`.
    #[tracing::instrument(skip(self), fields(pod = %self.id))]
    pub fn inspect(&self) -> Result<PodInspect> {
        let (pc, ps) = self.rows()?;
        let members = self.members()?;
        let statuses: Vec<ContainerStatus> = members.iter().map(|(_, s)| *s).collect();
        let infra_row = match &ps.infra_container_id {
            Some(i) => self.parts()?.state.container(i).ok(),
            None => None,
        };
        let infra_networks = match &infra_row {
            Some((_, st)) => crate::network::inspect_networks(st),
            None => BTreeMap::new(),
        };
        let infra_config = infra_row.as_ref().map(|(ic, _)| {
            let mut port_bindings: BTreeMap<String, Vec<BTreeMap<String, String>>> =
                BTreeMap::new();
            for m in &pc.port_mappings {
                let proto = match m.protocol {
                    libpod_config::Protocol::Tcp => "tcp",
                    libpod_config::Protocol::Udp => "udp",
                    libpod_config::Protocol::Sctp => "sctp",
                };
                let key = format!("{}/{proto}", m.container_port);
                let mut b = BTreeMap::new();
                b.insert(
                    "HostIp".to_string(),
                    m.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                );
                b.insert("HostPort".to_string(), m.host_port.to_string());
                port_bindings.entry(key).or_default().push(b);
            }
            PodInfraConfig {
                port_bindings,
                host_network: pc.host_network,
                static_ip: ic
                    .network_options
                    .values()
                    .find_map(|o| o.static_ips.first())
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                static_mac: ic
                    .network_options
                    .values()
                    .find_map(|o| o.static_mac.clone())
                    .unwrap_or_default(),
                no_manage_resolv_conf: false,
                dns_server: ic.dns.servers.clone(),
                dns_search: ic.dns.search.clone(),
                dns_option: ic.dns.options.clone(),
                no_manage_hosts: false,
                host_add: ic.dns.hosts_add.clone(),
                networks: pc.networks.clone(),
                network_options: BTreeMap::new(),
                pid_ns: String::new(),
                infra_command: ic
                    .entrypoint
                    .iter()
                    .chain(ic.command.iter())
                    .cloned()
                    .collect(),
            }
        });
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
            exit_policy: pc.exit_policy.as_str().to_string(),
            create_infra: pc.has_infra,
            infra_config,
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
