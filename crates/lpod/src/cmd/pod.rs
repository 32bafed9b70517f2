//! `lpod pod create/start/stop/kill/restart/rm/ps/inspect` over libpod-core's `Pod`
//! (flags in `cli.rs`).

use std::time::Duration;

use libpod_core::libpod_config::{PodExitPolicy, SharedNamespace};
use libpod_core::{Error as CoreError, Pod, PodCreateOptions, PodError, PodSummary, Runtime};

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{PodCommand, PodCreateArgs, PodInspectArgs, PodPsArgs, PodRmArgs, PodTopArgs};
use crate::{format, parse};

/// Runs a `pod` subcommand.
pub fn pod(rt: &Runtime, cmd: PodCommand) -> CmdResult {
    match cmd {
        PodCommand::Create(a) => create(rt, *a),
        PodCommand::Start(a) => each(rt, a.all, &a.pods, |p| p.start().map_err(Into::into)),
        PodCommand::Stop(a) => {
            let t = a.time.map(Duration::from_secs);
            each(rt, a.all, &a.pods, |p| p.stop(t).map_err(Into::into))
        }
        PodCommand::Restart(a) => {
            let t = a.time.map(Duration::from_secs);
            each(rt, a.all, &a.pods, |p| p.restart(t).map_err(Into::into))
        }
        PodCommand::Kill(a) => {
            let sig = parse::signal(&a.signal)?;
            each(rt, a.all, &a.pods, |p| p.kill(sig).map_err(Into::into))
        }
        PodCommand::Pause(a) => each(rt, a.all, &a.pods, |p| p.pause().map_err(Into::into)),
        PodCommand::Unpause(a) => each(rt, a.all, &a.pods, |p| p.unpause().map_err(Into::into)),
        PodCommand::Rm(a) => rm(rt, a),
        PodCommand::Ps(a) => ps(rt, a),
        PodCommand::Inspect(a) => inspect(rt, a),
        PodCommand::Exists(a) => match rt.pod(&a.pod) {
            Ok(_) => Ok(0),
            Err(e) if is_no_such_pod(&e) => Ok(1),
            Err(e) => Err(e.into()),
        },
        PodCommand::Top(a) => top(rt, a),
        PodCommand::Stats(a) => super::stats::pod_stats(rt, a),
        PodCommand::Prune(a) => super::prune::pods(rt, &a),
    }
}

fn is_no_such_pod(e: &CoreError) -> bool {
    matches!(e, CoreError::Pod(p) if matches!(**p, PodError::NoSuchPod(_)))
}

/// `--share`: Podman's list (`+` adds to the default ipc, net, uts).
fn parse_share(s: &str) -> Result<Vec<SharedNamespace>, CliError> {
    let (mut out, list) = match s.strip_prefix('+') {
        Some(rest) => (
            vec![
                SharedNamespace::Ipc,
                SharedNamespace::Net,
                SharedNamespace::Uts,
            ],
            rest,
        ),
        None => (Vec::new(), s),
    };
    for word in list.split(',').map(str::trim) {
        let ns = match word {
            "cgroup" => SharedNamespace::Cgroup,
            "ipc" => SharedNamespace::Ipc,
            "net" => SharedNamespace::Net,
            "pid" => SharedNamespace::Pid,
            "uts" => SharedNamespace::Uts,
            "none" => continue,
            other => {
                return Err(CliError::Usage(format!(
                    "invalid kernel namespace to share: {other}. Options are: cgroup, ipc, net, pid, uts or none"
                )))
            }
        };
        if !out.contains(&ns) {
            out.push(ns);
        }
    }
    Ok(out)
}

fn create(rt: &Runtime, a: PodCreateArgs) -> CmdResult {
    let exit_policy = match a.exit_policy.as_str() {
        "continue" => PodExitPolicy::Continue,
        "stop" => PodExitPolicy::Stop,
        other => {
            return Err(CliError::Usage(format!(
                "running pod create option: invalid pod exit policy: {other:?}"
            )))
        }
    };
    let mut opts = PodCreateOptions {
        name: a.name.clone().or(a.positional_name.clone()),
        labels: parse::labels(&a.label)?,
        hostname: a.hostname,
        infra: a.infra,
        infra_name: a.infra_name,
        infra_command: a
            .infra_command
            .map(|c| c.split(' ').map(str::to_string).collect()),
        exit_policy,
        dns: libpod_core::libpod_config::DnsConfig {
            servers: a.dns,
            search: a.dns_search,
            options: a.dns_option,
            hosts_add: a.add_host,
        },
        static_mac: a.mac_address,
        ..Default::default()
    };
    if let Some(s) = &a.share {
        opts.share = parse_share(s)?;
    }
    for v in &a.volume {
        opts.volumes.push(super::container::volume_flag(v)?);
    }
    for p in &a.publish {
        opts.ports.extend(libpod_core::network::parse_ports(p)?);
    }
    let default_mode = match a.network {
        Some(_) => String::new(),
        None => rt.config()?.config.default_network_mode,
    };
    (opts.network, opts.networks) = pod_network(a.network.as_deref(), &default_mode)?;
    opts.infra_image = super::registry::infra_image(rt, a.infra_image.as_deref())?;
    if a.replace {
        if let Some(name) = &opts.name {
            match rt.pod(name) {
                Ok(old) => old.remove(true)?,
                Err(e) if is_no_such_pod(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let pod = rt.create_pod(opts)?;
    if let Some(f) = &a.pod_id_file {
        std::fs::write(f, pod.id()).map_err(|e| CliError::io("write", f, e))?;
    }
    println!("{}", pod.id());
    Ok(0)
}

/// `pod top`: the descriptors' columns (Podman's default ones without any) for every
/// process of the pod's running containers.
fn top(rt: &Runtime, a: PodTopArgs) -> CmdResult {
    let pod = rt.pod(&a.pod)?;
    let t = pod.top_with(&a.descriptors)?;
    let head: Vec<&str> = t.header.iter().map(String::as_str).collect();
    print!("{}", format::table(&head, &t.rows));
    Ok(0)
}

/// The pod's network mode and networks: from `--network` when given, else the runtime
/// config's `default_network_mode` (as for a container created without `--network`).
pub(super) fn pod_network(
    flag: Option<&str>,
    default_mode: &str,
) -> Result<(libpod_core::NetworkMode, Vec<String>), CliError> {
    Ok(match flag {
        None => (
            default_mode.parse::<libpod_core::NetworkMode>()?,
            Vec::new(),
        ),
        Some(n) => match parse::network(n)? {
            parse::NetworkMode::None => (libpod_core::NetworkMode::None, Vec::new()),
            parse::NetworkMode::Host => (libpod_core::NetworkMode::Host, Vec::new()),
            parse::NetworkMode::Bridge(names) => (libpod_core::NetworkMode::Bridge, names),
            parse::NetworkMode::Container(_) => {
                return Err(CliError::Usage(format!(
                    "pod network {n:?}: a pod cannot join another container's network namespace"
                )))
            }
            parse::NetworkMode::Slirp4netns(_) | parse::NetworkMode::Pasta => {
                return Err(CliError::Usage(format!(
                    "pod network {n:?}: lpod does not provide slirp4netns or pasta for pods yet; use bridge, a network name, host or none"
                )))
            }
        },
    })
}

/// Runs `f` on each named pod (or all with `-a`), printing each id on success.
fn each(
    rt: &Runtime,
    all: bool,
    names: &[String],
    f: impl Fn(&Pod) -> Result<(), CliError>,
) -> CmdResult {
    if !all && names.is_empty() {
        return Err(CliError::Usage("give at least one pod or --all".into()));
    }
    let pods: Vec<String> = if all {
        rt.pods()?.iter().map(|p| p.id().to_string()).collect()
    } else {
        names.to_vec()
    };
    for_each(&pods, |q| {
        let p = rt.pod(q)?;
        f(&p)?;
        println!("{}", p.id());
        Ok(())
    })
}

/// `pod rm`: `--force` with `--time` stops the members with that timeout first; a pod that
/// is gone (another process removed it, or `--ignore`) is skipped.
fn rm(rt: &Runtime, a: PodRmArgs) -> CmdResult {
    if !a.all && a.pods.is_empty() {
        return Err(CliError::Usage("give at least one pod or --all".into()));
    }
    let pods: Vec<String> = if a.all {
        rt.pods()?.iter().map(|p| p.id().to_string()).collect()
    } else {
        a.pods.clone()
    };
    // Podman: --force and --ignore skip a pod that does not exist.
    let missing_ok = a.all || a.ignore || a.force;
    let gone = is_no_such_pod;
    for_each(&pods, |q| {
        let p = match rt.pod(q) {
            Ok(p) => p,
            Err(e) if missing_ok && gone(&e) => return Ok(()),
            Err(e) if gone(&e) => {
                return Err(CliError::Missing(format!(
                    "unable to lookup pod {q}: no such pod"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        if let (true, Some(t)) = (a.force, a.time) {
            match p.stop(Some(Duration::from_secs(t))) {
                Ok(()) => {}
                Err(e) if missing_ok && gone(&e) => return Ok(()),
                // Members that are not running are removed below all the same.
                Err(e) => tracing::debug!(error = %e, "pod stop before rm"),
            }
        }
        match p.remove(a.force) {
            Ok(()) => {}
            Err(e) if missing_ok && gone(&e) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        println!("{}", p.id());
        Ok(())
    })
}

/// One `pod ps --filter`.
fn pod_matches(p: &PodSummary, f: &str) -> Result<bool, CliError> {
    let (key, value) = f
        .split_once('=')
        .ok_or_else(|| CliError::Usage(format!("invalid filter {f:?}: use KEY=VALUE")))?;
    Ok(match key {
        "id" => p.id.starts_with(value),
        "name" => p.name.contains(value),
        "status" => p.status.eq_ignore_ascii_case(value),
        "label" => match value.split_once('=') {
            Some((k, v)) => p.labels.get(k).is_some_and(|x| x == v),
            None => p.labels.contains_key(value),
        },
        "network" => p.networks.iter().any(|n| n == value),
        "ctr-names" => p.containers.iter().any(|c| c.name.contains(value)),
        "ctr-ids" => p.containers.iter().any(|c| c.id.starts_with(value)),
        "ctr-number" => value.parse::<usize>().ok() == Some(p.containers.len()),
        "ctr-status" => p
            .containers
            .iter()
            .any(|c| c.state.eq_ignore_ascii_case(value)),
        _ => {
            return Err(CliError::Usage(format!(
                "invalid filter {key:?}: use id, name, status, label, network, ctr-names, ctr-ids, ctr-number or ctr-status"
            )))
        }
    })
}

/// The fields a `pod ps --format` template sees (Podman's ListPodReporter names).
fn ps_value(p: &PodSummary, no_trunc: bool) -> serde_json::Value {
    let names: Vec<&str> = p.containers.iter().map(|c| c.name.as_str()).collect();
    let ids: Vec<&str> = p
        .containers
        .iter()
        .map(|c| format::short_id(&c.id, no_trunc))
        .collect();
    let statuses: Vec<&str> = p.containers.iter().map(|c| c.state.as_str()).collect();
    serde_json::json!({
        "ID": format::short_id(&p.id, no_trunc),
        "Id": p.id,
        "Name": p.name,
        "Status": p.status,
        "Created": p.created,
        "InfraID": format::short_id(&p.infra_id, no_trunc),
        "InfraId": p.infra_id,
        "Labels": p.labels,
        "Networks": p.networks.join(","),
        "NumberOfContainers": p.containers.len(),
        "ContainerNames": names.join(","),
        "ContainerIds": ids.join(","),
        "ContainerStatuses": statuses.join(","),
        "Containers": p.containers,
    })
}

fn ps(rt: &Runtime, a: PodPsArgs) -> CmdResult {
    let mut pods = Vec::new();
    for p in rt.list_pods()? {
        let mut keep = true;
        for f in &a.filter {
            keep &= pod_matches(&p, f)?;
        }
        if keep {
            pods.push(p);
        }
    }
    match a.sort.as_str() {
        "created" => {}
        "id" => pods.sort_by(|x, y| x.id.cmp(&y.id)),
        "name" => pods.sort_by(|x, y| x.name.cmp(&y.name)),
        "number" => pods.sort_by_key(|p| p.containers.len()),
        "status" => pods.sort_by(|x, y| x.status.cmp(&y.status)),
        other => {
            return Err(CliError::Usage(format!(
                "invalid option for --sort {other:?}: use created, id, name, number or status"
            )))
        }
    }
    if format::is_json(a.format.as_deref()) {
        print_json(&pods)?;
        return Ok(0);
    }
    if a.quiet {
        for p in &pods {
            println!("{}", format::short_id(&p.id, a.no_trunc));
        }
        return Ok(0);
    }
    if let Some(t) = a.format.as_deref() {
        let t = format::Template::parse(t.strip_prefix("table ").unwrap_or(t))?;
        for p in &pods {
            println!("{}", t.render(&ps_value(p, a.no_trunc))?);
        }
        return Ok(0);
    }
    let now = chrono::Utc::now();
    let rows: Vec<Vec<String>> = pods
        .iter()
        .map(|p| {
            // "3 seconds ago" as Podman; the raw time if it does not parse.
            let created = chrono::DateTime::parse_from_rfc3339(&p.created)
                .map(|t| format::ago(t.with_timezone(&chrono::Utc), now))
                .unwrap_or_else(|_| p.created.clone());
            vec![
                format::short_id(&p.id, a.no_trunc).to_string(),
                p.name.clone(),
                p.status.clone(),
                created,
                format::short_id(&p.infra_id, a.no_trunc).to_string(),
                p.containers.len().to_string(),
            ]
        })
        .collect();
    let table = format::table(
        &[
            "POD ID",
            "NAME",
            "STATUS",
            "CREATED",
            "INFRA ID",
            "# OF CONTAINERS",
        ],
        &rows,
    );
    format::print_table(&table, a.noheading);
    Ok(0)
}

fn inspect(rt: &Runtime, a: PodInspectArgs) -> CmdResult {
    let mut out = Vec::new();
    for q in &a.pods {
        out.push(rt.pod(q)?.inspect()?);
    }
    match a.format.as_deref() {
        Some(t) if !format::is_json(Some(t)) => {
            let t = format::Template::parse(t)?;
            for i in &out {
                let v = serde_json::to_value(i)
                    .map_err(|e| CliError::Usage(format!("encode pod: {e}")))?;
                println!("{}", t.render(&v)?);
            }
        }
        _ if out.len() == 1 => print_json(&out[0])?,
        _ => print_json(&out)?,
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use libpod_core::NetworkMode;

    #[test]
    fn pod_create_without_network_follows_the_configured_default() {
        let (m, n) = pod_network(None, "none").unwrap();
        assert_eq!(m, NetworkMode::None);
        assert!(n.is_empty());
        let (m, _) = pod_network(None, "host").unwrap();
        assert_eq!(m, NetworkMode::Host);
        let (m, n) = pod_network(None, "bridge").unwrap();
        assert_eq!((m, n), (NetworkMode::Bridge, Vec::new()));
        assert!(pod_network(None, "bogus").is_err());
    }

    #[test]
    fn pod_create_network_flag_wins_over_the_default() {
        let (m, n) = pod_network(Some("mynet"), "none").unwrap();
        assert_eq!((m, n), (NetworkMode::Bridge, vec!["mynet".to_string()]));
        let (m, _) = pod_network(Some("none"), "bridge").unwrap();
        assert_eq!(m, NetworkMode::None);
    }
}
