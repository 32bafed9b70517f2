//! `lpod pod create/start/stop/kill/restart/rm/ps/inspect` over libpod-core's `Pod`
//! (flags in `cli.rs`).

use std::time::Duration;

use libpod_core::{Error as CoreError, Pod, PodCreateOptions, PodError, Runtime};

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{PodCommand, PodCreateArgs, PodInspectArgs, PodPsArgs, PodRmArgs};
use crate::{format, parse};

/// Runs a `pod` subcommand.
pub fn pod(rt: &Runtime, cmd: PodCommand) -> CmdResult {
    match cmd {
        PodCommand::Create(a) => create(rt, a),
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
        PodCommand::Rm(a) => rm(rt, a),
        PodCommand::Ps(a) => ps(rt, a),
        PodCommand::Inspect(a) => inspect(rt, a),
    }
}

fn create(rt: &Runtime, a: PodCreateArgs) -> CmdResult {
    let mut opts = PodCreateOptions {
        name: a.name,
        labels: parse::labels(&a.label)?,
        hostname: a.hostname,
        infra: a.infra,
        ..Default::default()
    };
    for p in &a.publish {
        opts.ports.push(libpod_core::network::parse_port(p)?);
    }
    let default_mode = match a.network {
        Some(_) => String::new(),
        None => rt.config()?.config.default_network_mode,
    };
    (opts.network, opts.networks) = pod_network(a.network.as_deref(), &default_mode)?;
    let pod = rt.create_pod(opts)?;
    println!("{}", pod.id());
    Ok(0)
}

/// The pod's network mode and networks: from `--network` when given, else the runtime
/// config's `default_network_mode` (as for a container created without `--network`).
fn pod_network(
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
    let missing_ok = a.all || a.ignore;
    let gone =
        |e: &CoreError| matches!(e, CoreError::Pod(p) if matches!(**p, PodError::NoSuchPod(_)));
    for_each(&pods, |q| {
        let p = match rt.pod(q) {
            Ok(p) => p,
            Err(e) if missing_ok && gone(&e) => return Ok(()),
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

fn ps(rt: &Runtime, a: PodPsArgs) -> CmdResult {
    let pods = rt.list_pods()?;
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
        for p in &pods {
            let v =
                serde_json::to_value(p).map_err(|e| CliError::Usage(format!("encode pod: {e}")))?;
            println!("{}", format::template(t, &v)?);
        }
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = pods
        .iter()
        .map(|p| {
            vec![
                format::short_id(&p.id, a.no_trunc).to_string(),
                p.name.clone(),
                p.status.clone(),
                p.created.clone(),
                format::short_id(&p.infra_id, a.no_trunc).to_string(),
                p.containers.len().to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        format::table(
            &[
                "POD ID",
                "NAME",
                "STATUS",
                "CREATED",
                "INFRA ID",
                "# OF CONTAINERS"
            ],
            &rows
        )
    );
    Ok(0)
}

fn inspect(rt: &Runtime, a: PodInspectArgs) -> CmdResult {
    let mut out = Vec::new();
    for q in &a.pods {
        out.push(rt.pod(q)?.inspect()?);
    }
    match a.format.as_deref() {
        Some(t) if !format::is_json(Some(t)) => {
            for i in &out {
                let v = serde_json::to_value(i)
                    .map_err(|e| CliError::Usage(format!("encode pod: {e}")))?;
                println!("{}", format::template(t, &v)?);
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
