//! `lpod network create/ls/inspect/rm/exists/prune/connect/disconnect/reload`.

use libpod_core::network::CreateNetworkOptions;
use libpod_core::Runtime;

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{NetLsArgs, NetReloadArgs, NetworkCommand, PortArgs};
use crate::{format, parse};

/// Runs a `network` subcommand.
pub fn run(rt: &Runtime, cmd: NetworkCommand) -> CmdResult {
    match cmd {
        NetworkCommand::Create(a) => {
            // No name: core picks `lpodN` under the network store's lock.
            let name = match a.name {
                Some(n) if n.is_empty() => {
                    return Err(CliError::Usage(
                        "network create: the network name must not be empty".into(),
                    ))
                }
                n => n.unwrap_or_default(),
            };
            let info = rt.create_network(&CreateNetworkOptions {
                name,
                bridge: a.interface_name,
                subnet: a.subnet,
                gateway: a.gateway,
                ip_range: a.ip_range,
                labels: parse::labels(&a.label)?,
                ..Default::default()
            })?;
            println!("{}", info.name);
            Ok(0)
        }
        NetworkCommand::Ls(a) => ls(rt, a),
        NetworkCommand::Inspect(a) => {
            let mut nets = Vec::new();
            for n in &a.names {
                nets.push(rt.inspect_network(n)?);
            }
            match a.format.as_deref() {
                Some(t) if !format::is_json(Some(t)) => {
                    let t = format::Template::parse(t)?;
                    for n in &nets {
                        println!("{}", t.render(&template_document(n)?)?);
                    }
                }
                _ => print_json(&nets.iter().map(document).collect::<Vec<_>>())?,
            }
            Ok(0)
        }
        NetworkCommand::Rm(a) => for_each(&a.names, |n| {
            match rt.remove_network(n, a.force) {
                Ok(_) => {}
                // Podman: --force skips a network that does not exist; without it, exit 1.
                Err(e) if is_no_such_network(&e) && a.force => return Ok(()),
                Err(e) if is_no_such_network(&e) => {
                    return Err(CliError::Missing(format!(
                        "unable to find network with name or ID {n}: network not found"
                    )))
                }
                Err(e) => return Err(e.into()),
            }
            println!("{n}");
            Ok(())
        }),
        NetworkCommand::Exists(a) => match rt.inspect_network(&a.name) {
            Ok(_) => Ok(0),
            Err(e) if is_no_such_network(&e) => Ok(1),
            Err(e) => Err(e.into()),
        },
        NetworkCommand::Connect(a) => {
            let opts = libpod_core::ConnectOptions {
                aliases: a.alias,
                static_ips: a
                    .ip
                    .map(std::net::IpAddr::V4)
                    .into_iter()
                    .chain(a.ip6.map(std::net::IpAddr::V6))
                    .collect(),
                static_mac: a.mac_address,
            };
            rt.container(&a.container)?
                .network_connect(&a.network, &opts)?;
            Ok(0)
        }
        NetworkCommand::Disconnect(a) => {
            rt.container(&a.container)?.network_disconnect(&a.network)?;
            Ok(0)
        }
        NetworkCommand::Reload(a) => reload(rt, a),
        NetworkCommand::Prune(a) => super::prune::networks(rt, &a),
    }
}

/// `network reload`: re-applies the networks of the named (or every running) container;
/// prints each reloaded container's id, as Podman.
fn reload(rt: &Runtime, a: NetReloadArgs) -> CmdResult {
    let targets: Vec<String> = if a.all {
        // One listing; the config is read only for the running ones.
        rt.list_containers()?
            .into_iter()
            .filter(|s| s.status == libpod_core::libpod_config::ContainerStatus::Running)
            .filter(|s| {
                rt.container(&s.id)
                    .and_then(|c| c.config())
                    .is_ok_and(|cfg| {
                        cfg.namespaces.network == libpod_core::libpod_config::NetworkMode::Bridge
                    })
            })
            .map(|s| s.id)
            .collect()
    } else if a.latest {
        vec![super::container::latest(rt)?]
    } else {
        a.containers
    };
    for_each(&targets, |name| {
        let c = rt.container(name)?;
        c.network_reload()?;
        println!("{}", c.id());
        Ok(())
    })
}

/// `port`: a container's published ports, `80/tcp -> 0.0.0.0:8080` each, or the host
/// side of one (`port CTR 80[/tcp]`).
pub fn port(rt: &Runtime, a: PortArgs) -> CmdResult {
    let proto = |p: &libpod_core::libpod_config::PortMapping| match p.protocol {
        libpod_core::libpod_config::Protocol::Tcp => "tcp",
        libpod_core::libpod_config::Protocol::Udp => "udp",
        libpod_core::libpod_config::Protocol::Sctp => "sctp",
    };
    let host = |p: &libpod_core::libpod_config::PortMapping| {
        format!(
            "{}:{}",
            p.host_ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "0.0.0.0".into()),
            p.host_port
        )
    };
    let ports_of = |c: &libpod_core::Container| -> Result<Vec<_>, CliError> {
        let cfg = c.config()?;
        // A pod member publishes through its infra container.
        if cfg.port_mappings.is_empty() && cfg.pod.is_some() {
            if let Some(infra) = rt.pod(cfg.pod.as_deref().unwrap_or_default())?.infra()? {
                return Ok(infra.config()?.port_mappings);
            }
        }
        Ok(cfg.port_mappings)
    };
    if a.all {
        for c in rt.containers()? {
            let id = c.id().to_string();
            for p in ports_of(&c)? {
                println!(
                    "{} {}/{} -> {}",
                    &id[..12.min(id.len())],
                    p.container_port,
                    proto(&p),
                    host(&p)
                );
            }
        }
        return Ok(0);
    }
    let (name, want) = match a.args.as_slice() {
        [c] => (c, None),
        [c, p] => (c, Some(p.clone())),
        _ => {
            return Err(CliError::Usage(
                "give a container (and optionally a port), or --all".into(),
            ))
        }
    };
    let c = rt.container(name)?;
    let ports = ports_of(&c)?;
    match want {
        None => {
            for p in &ports {
                println!("{}/{} -> {}", p.container_port, proto(p), host(p));
            }
        }
        Some(w) => {
            let (num, pr) = w.split_once('/').unwrap_or((&w, "tcp"));
            let hits: Vec<_> = ports
                .iter()
                .filter(|p| p.container_port.to_string() == num && proto(p) == pr)
                .collect();
            if hits.is_empty() {
                return Err(CliError::Usage(format!(
                    "failed to find published port \"{num}/{pr}\""
                )));
            }
            for p in hits {
                println!("{}", host(p));
            }
        }
    }
    Ok(0)
}

fn is_no_such_network(e: &libpod_core::Error) -> bool {
    matches!(e, libpod_core::Error::Network(n)
        if matches!(**n, libpod_core::NetworkError::NoSuchNetwork(_)))
}

/// Podman's network id of a CNI network: the sha256 of its name.
pub fn network_id(name: &str) -> String {
    let d = libpod_storage::digest::sha256_digest(name.as_bytes());
    d.strip_prefix("sha256:").unwrap_or(&d).to_string()
}

/// Podman's network document, in Podman's key order (see [`document`]).
#[derive(serde::Serialize)]
struct Doc<'a> {
    name: &'a str,
    id: String,
    driver: &'a str,
    network_interface: &'a Option<String>,
    created: Option<String>,
    subnets: Vec<serde_json::Value>,
    ipv6_enabled: bool,
    internal: bool,
    dns_enabled: bool,
    labels: &'a std::collections::BTreeMap<String, String>,
    ipam_options: serde_json::Value,
    plugins: &'a [String],
    ip_masq: bool,
    cni_version: &'a str,
    path: &'a std::path::Path,
    config: &'a serde_json::Value,
}

/// A network as Podman 4 prints it (`name`, `id`, `driver`, `network_interface`,
/// `created`, `subnets` with `subnet`/`gateway`/`lease_range`, `ipv6_enabled`,
/// `internal`, `dns_enabled`, `labels`, `ipam_options`), followed by what lpod adds
/// (`plugins`, `ip_masq`, `cni_version`, `path`, `config`). Templates reach the keys by
/// their Go names (`.NetworkInterface`).
fn document(n: &libpod_core::network::NetworkDetails) -> Doc<'_> {
    use serde_json::json;
    let created = std::fs::metadata(&n.path)
        .and_then(|m| m.modified())
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339())
        .ok();
    let subnets = n
        .subnets
        .iter()
        .map(|s| {
            let mut v = json!({"subnet": s.subnet.to_string(), "gateway": s.gateway});
            if s.range_start.is_some() || s.range_end.is_some() {
                v["lease_range"] = json!({"start_ip": s.range_start, "end_ip": s.range_end});
            }
            v
        })
        .collect();
    let internal = n
        .config
        .pointer("/plugins/0/isGateway")
        .and_then(|g| g.as_bool())
        .is_some_and(|g| !g)
        && !n.ip_masq;
    Doc {
        name: &n.name,
        id: network_id(&n.name),
        driver: &n.driver,
        network_interface: &n.bridge,
        created,
        subnets,
        ipv6_enabled: n.subnets.iter().any(|s| s.subnet.to_string().contains(':')),
        internal,
        dns_enabled: false,
        labels: &n.labels,
        ipam_options: json!({"driver": "host-local"}),
        plugins: &n.plugins,
        ip_masq: n.ip_masq,
        cni_version: &n.cni_version,
        path: &n.path,
        config: &n.config,
    }
}

/// [`document`] for a template: `.ID` is Podman's Go name of `id`.
fn template_document(
    n: &libpod_core::network::NetworkDetails,
) -> Result<serde_json::Value, CliError> {
    let mut v = serde_json::to_value(document(n))
        .map_err(|e| CliError::Usage(format!("encode network: {e}")))?;
    if let Some(m) = v.as_object_mut() {
        m.insert("ID".into(), network_id(&n.name).into());
    }
    Ok(v)
}

/// `network ls`: Podman's columns (NETWORK ID, NAME, DRIVER), sorted by name.
fn ls(rt: &Runtime, a: NetLsArgs) -> CmdResult {
    let mut nets = rt.list_networks()?;
    nets.sort_by(|x, y| x.name.cmp(&y.name));
    for f in &a.filter {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("invalid filter {f:?}: use KEY=VALUE")))?;
        nets.retain(|n| match k {
            "name" => n.name.contains(v),
            "id" => network_id(&n.name).starts_with(v),
            "driver" => n.driver == v,
            "label" => match v.split_once('=') {
                Some((lk, lv)) => n.labels.get(lk).is_some_and(|x| x == lv),
                None => n.labels.contains_key(v),
            },
            _ => false,
        });
        if !matches!(k, "name" | "id" | "driver" | "label") {
            return Err(CliError::Usage(format!(
                "invalid filter {k:?}: use name, id, driver or label"
            )));
        }
    }
    if format::is_json(a.format.as_deref()) {
        print_json(&nets.iter().map(document).collect::<Vec<_>>())?;
    } else if a.quiet {
        for n in &nets {
            println!("{}", n.name);
        }
    } else if let Some(t) = a.format.as_deref() {
        let t = format::Template::parse(t)?;
        for n in &nets {
            let mut v = template_document(n)?;
            if let Some(m) = v.as_object_mut() {
                m.insert("ID".into(), network_id(&n.name)[..12].into());
            }
            println!("{}", t.render(&v)?);
        }
    } else {
        let rows: Vec<Vec<String>> = nets
            .iter()
            .map(|n| {
                vec![
                    network_id(&n.name)[..12].to_string(),
                    n.name.clone(),
                    n.driver.clone(),
                ]
            })
            .collect();
        let table = format::table(&["NETWORK ID", "NAME", "DRIVER"], &rows);
        format::print_table(&table, a.noheading);
    }
    Ok(0)
}
