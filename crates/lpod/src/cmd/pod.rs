//! `lpod pod create/start/stop/kill/restart/rm/ps/inspect` over libpod-core's `Pod`
//! (flags in `cli.rs`).

use std::time::Duration;

use libpod_core::{Pod, PodCreateOptions, Runtime};

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{PodCommand, PodCreateArgs, PodInspectArgs, PodPsArgs};
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
        PodCommand::Rm(a) => each(rt, a.all, &a.pods, |p| {
            p.remove(a.force).map_err(Into::into)
        }),
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
    if let Some(n) = a.network.as_deref() {
        match parse::network(n)? {
            parse::NetworkMode::None => opts.network = libpod_core::NetworkMode::None,
            parse::NetworkMode::Host => opts.network = libpod_core::NetworkMode::Host,
            parse::NetworkMode::Bridge(names) => opts.networks = names,
        }
    }
    let pod = rt.create_pod(opts)?;
    println!("{}", pod.id());
    Ok(0)
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
