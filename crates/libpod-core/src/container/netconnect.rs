//! `network connect`, `network disconnect` and `network reload` of a container.
//!
//! Connect and disconnect change the container's network list (its config) and, while
//! it has a network namespace (created, running, paused), attach or detach that network
//! at once with CNI ADD/DEL and update its `/etc/hosts`. Reload runs CNI DEL then ADD
//! over every attached network, asking for the same addresses and MACs again, so that
//! lost firewall and port-forwarding rules come back.

use std::net::IpAddr;

use libpod_config::{ContainerConfig, NetworkMode, NetworkOptions};
use libpod_net::{Attachment, SetupRequest};

use super::*;
use crate::network::{
    attached, etc_dir, manager, network_names, status_of, to_net_port, NetworkError,
};
use crate::{Error, Result};

/// Options of `network connect`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Extra names of the container on the network (`--alias`).
    pub aliases: Vec<String>,
    /// Static addresses (`--ip`, `--ip6`).
    pub static_ips: Vec<IpAddr>,
    /// Static MAC address (`--mac-address`).
    pub static_mac: Option<String>,
}

/// The first `ethN` not used by `taken`.
fn free_ifname(taken: &[String]) -> String {
    (0..)
        .map(|i| format!("eth{i}"))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| "eth0".into())
}

/// Pins every listed network's interface name (its current one) in the options, so that
/// removing one network from the list does not shift the others' `ethN`.
fn pin_interfaces(cfg: &mut ContainerConfig, current: &[Attachment]) {
    for a in current {
        let o = cfg.network_options.entry(a.network.clone()).or_default();
        if o.interface.is_none() {
            o.interface = Some(a.ifname.clone());
        }
    }
}

/// The addresses of a state's network status entry, without their prefix.
fn status_ips(s: &libpod_config::NetworkStatus) -> Vec<IpAddr> {
    s.ips
        .iter()
        .filter_map(|c| c.split('/').next().and_then(|a| a.parse().ok()))
        .collect()
}

/// Rewrites the container's generated /etc/hosts: drops the lines of `remove` that name
/// the container, appends `ip<TAB>hostname name` for each of `add`. A missing file (the
/// container was never initialised) is left missing.
fn update_hosts(p: &Parts, cfg: &ContainerConfig, remove: &[IpAddr], add: &[IpAddr]) -> Result<()> {
    let path = etc_dir(p, &cfg.id).join("hosts");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let hostname = crate::network::hostname_of(cfg);
    let names = [hostname.as_str(), cfg.name.as_str()];
    let mut out = String::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let ip = f.next().and_then(|i| i.parse::<IpAddr>().ok());
        let ours = f.any(|n| names.contains(&n));
        if ours && ip.is_some_and(|i| remove.contains(&i)) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    for ip in add {
        out.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    }
    if out != text {
        std::fs::write(&path, out).map_err(|e| Error::io("write", &path, e))?;
    }
    Ok(())
}

impl Container {
    /// The lock and checks every network verb starts with: bridge mode only.
    fn net_locked<'p>(&self, p: &'p Parts) -> Result<Locked<'p>> {
        let l = Locked::acquire(p, &self.id)?;
        if l.cfg.namespaces.network != NetworkMode::Bridge {
            return Err(NetworkError::NotBridge {
                id: self.id.clone(),
                mode: crate::network::mode_name(&l.cfg.namespaces.network),
            }
            .into());
        }
        Ok(l)
    }

    /// `network connect NET CTR`: adds `network` to the container's networks; while the
    /// container has a network namespace, attaches it at once (CNI ADD with the
    /// container's published ports) and adds its address to the container's
    /// /etc/hosts. Connecting a network the container is on fails
    /// ([`NetworkError::AlreadyConnected`]).
    #[tracing::instrument(skip(self, opts), fields(id = %self.id()))]
    pub fn network_connect(&self, network: &str, opts: &ConnectOptions) -> Result<()> {
        let p = self.enter()?;
        let mut l = self.net_locked(&p)?;
        let mgr = manager(&p);
        let default = mgr.store().default_network().name.clone();
        // The network must exist; its own name (an alias resolves to it) is what we record.
        let list = mgr
            .store()
            .load_or_default(network)
            .map_err(|_| NetworkError::NoSuchNetwork(network.to_string()))?;
        let name = list.name.clone();
        let current = attached(&l.cfg, &l.st, &default);
        let names = network_names(&l.cfg, &default);
        if names.contains(&name) || current.iter().any(|a| a.network == name) {
            return Err(NetworkError::AlreadyConnected {
                id: self.id.clone(),
                network: name,
            }
            .into());
        }
        let configured = crate::network::attachments(&l.cfg, &default);
        let mut taken: Vec<String> = current.iter().map(|a| a.ifname.clone()).collect();
        taken.extend(configured.iter().map(|a| a.ifname.clone()));
        let ifname = free_ifname(&taken);
        let mut cfg = l.cfg.clone();
        pin_interfaces(&mut cfg, &configured);
        cfg.networks = names;
        cfg.networks.push(name.clone());
        cfg.networks_cleared = false;
        cfg.network_options.insert(
            name.clone(),
            NetworkOptions {
                aliases: opts.aliases.clone(),
                static_ips: opts.static_ips.clone(),
                static_mac: opts.static_mac.clone(),
                interface: Some(ifname.clone()),
            },
        );
        let mut added = Vec::new();
        if let Some(netns) = l.st.netns_path.clone() {
            let mut a = Attachment::new(name.clone(), ifname);
            a.static_ips = opts.static_ips.clone();
            a.static_mac = opts.static_mac.clone();
            let ports: Vec<libpod_net::PortMapping> =
                l.cfg.port_mappings.iter().map(to_net_port).collect();
            let results = mgr
                .setup(&SetupRequest {
                    netns: &netns,
                    container_id: &self.id,
                    container_name: Some(&l.cfg.name),
                    networks: std::slice::from_ref(&a),
                    ports: &ports,
                })
                .map_err(|e| NetworkError::Setup {
                    id: self.id.clone(),
                    source: Box::new(e),
                })?;
            if let Err(e) = p.state.save_container_config(&cfg) {
                // Not recorded: detach again, so state and reality agree.
                if let Err(t) = mgr.teardown(&netns, &self.id, &[a], &ports) {
                    tracing::warn!(error = %t, "detaching after a failed connect");
                }
                return Err(ctr_err(e, &self.id));
            }
            for r in &results {
                added.extend(r.addresses.iter().map(|(a, _)| *a));
                l.st.network_status.insert(r.network.clone(), status_of(r));
            }
            l.cfg = cfg;
            l.save()?;
            update_hosts(&p, &l.cfg, &[], &added)?;
        } else {
            p.state
                .save_container_config(&cfg)
                .map_err(|e| ctr_err(e, &self.id))?;
            l.cfg = cfg;
        }
        crate::events::emit(
            &p,
            crate::events::Event::network(
                &self.id,
                &l.cfg.name,
                &name,
                crate::events::EventStatus::NetworkConnect,
            ),
        );
        Ok(())
    }

    /// `network disconnect NET CTR`: removes `network` from the container's networks;
    /// while it is attached, detaches it at once (CNI DEL) and drops its address from
    /// the container's /etc/hosts. A network the container is not on fails
    /// ([`NetworkError::NotConnected`]).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn network_disconnect(&self, network: &str) -> Result<()> {
        let p = self.enter()?;
        let mut l = self.net_locked(&p)?;
        let mgr = manager(&p);
        let default = mgr.store().default_network().name.clone();
        let names = network_names(&l.cfg, &default);
        // The name as recorded; an alias (the legacy default name) resolves to its network.
        let name = if names.iter().any(|n| n == network) {
            network.to_string()
        } else {
            match mgr.store().load(network) {
                Ok(list) if names.contains(&list.name) => list.name,
                Ok(_) => {
                    return Err(NetworkError::NotConnected {
                        id: self.id.clone(),
                        network: network.to_string(),
                    }
                    .into())
                }
                Err(_) => return Err(NetworkError::NoSuchNetwork(network.to_string()).into()),
            }
        };
        let mut cfg = l.cfg.clone();
        pin_interfaces(&mut cfg, &crate::network::attachments(&l.cfg, &default));
        cfg.networks = names.into_iter().filter(|n| *n != name).collect();
        cfg.networks_cleared = cfg.networks.is_empty();
        cfg.network_options.remove(&name);
        if let (Some(netns), Some(status)) = (
            l.st.netns_path.clone(),
            l.st.network_status.get(&name).cloned(),
        ) {
            let a = Attachment::new(name.clone(), status.interface.clone());
            let ports: Vec<libpod_net::PortMapping> =
                l.cfg.port_mappings.iter().map(to_net_port).collect();
            mgr.teardown(&netns, &self.id, &[a], &ports)
                .map_err(|e| NetworkError::Teardown {
                    id: self.id.clone(),
                    source: Box::new(e),
                })?;
            l.st.network_status.remove(&name);
            l.save()?;
            update_hosts(&p, &l.cfg, &status_ips(&status), &[])?;
        }
        p.state
            .save_container_config(&cfg)
            .map_err(|e| ctr_err(e, &self.id))?;
        l.cfg = cfg;
        crate::events::emit(
            &p,
            crate::events::Event::network(
                &self.id,
                &l.cfg.name,
                &name,
                crate::events::EventStatus::NetworkDisconnect,
            ),
        );
        Ok(())
    }

    /// `network reload CTR`: CNI DEL then ADD of every network the running container is
    /// attached to, asking for the addresses and MACs it had, so that firewall and
    /// port-forwarding rules lost since (e.g. a flushed iptables chain) come back.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn network_reload(&self) -> Result<()> {
        let p = self.enter()?;
        let mut l = self.net_locked(&p)?;
        if l.st.status != ContainerStatus::Running {
            return Err(Error::InvalidState {
                id: self.id.clone(),
                status: l.st.status.as_str().to_string(),
                op: "network reload".into(),
            });
        }
        let Some(netns) = l.st.netns_path.clone() else {
            return Ok(());
        };
        let mgr = manager(&p);
        let default = mgr.store().default_network().name.clone();
        let mut networks = attached(&l.cfg, &l.st, &default);
        for a in &mut networks {
            if let Some(s) = l.st.network_status.get(&a.network) {
                a.static_ips = status_ips(s);
                a.static_mac = s.mac.clone();
            }
        }
        let ports: Vec<libpod_net::PortMapping> =
            l.cfg.port_mappings.iter().map(to_net_port).collect();
        // DEL may fail on what is already gone (the rules we reload for): ADD decides.
        if let Err(e) = mgr.teardown(&netns, &self.id, &networks, &ports) {
            tracing::warn!(error = %e, "network reload: teardown");
        }
        let results = mgr
            .setup(&SetupRequest {
                netns: &netns,
                container_id: &self.id,
                container_name: Some(&l.cfg.name),
                networks: &networks,
                ports: &ports,
            })
            .map_err(|e| NetworkError::Setup {
                id: self.id.clone(),
                source: Box::new(e),
            });
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                // Nothing is attached any more: say so in the state.
                l.st.network_status.clear();
                l.save()?;
                return Err(e.into());
            }
        };
        l.st.network_status.clear();
        for r in &results {
            l.st.network_status.insert(r.network.clone(), status_of(r));
        }
        l.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ifname_skips_taken() {
        assert_eq!(free_ifname(&[]), "eth0");
        assert_eq!(free_ifname(&["eth0".into(), "eth2".into()]), "eth1");
    }

    #[test]
    fn pinning_keeps_existing_interfaces() {
        let mut c = ContainerConfig::new("a".repeat(64), "x");
        c.network_options.insert(
            "b".into(),
            NetworkOptions {
                interface: Some("eth5".into()),
                ..Default::default()
            },
        );
        pin_interfaces(
            &mut c,
            &[Attachment::new("a", "eth0"), Attachment::new("b", "eth1")],
        );
        assert_eq!(c.network_options["a"].interface.as_deref(), Some("eth0"));
        assert_eq!(c.network_options["b"].interface.as_deref(), Some("eth5"));
    }
}
