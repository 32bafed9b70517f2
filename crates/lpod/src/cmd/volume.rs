//! `lpod volume create/ls/inspect/rm/prune/exists`.

use libpod_core::{Error as CoreError, Runtime, VolumeCreateOptions, VolumeError, VolumeInfo};
use serde_json::{json, Value};

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{
    VolExportArgs, VolImportArgs, VolInspectArgs, VolLsArgs, VolPruneArgs, VolRmArgs, VolumeCommand,
};
use crate::{format, parse};

/// Runs a `volume` subcommand.
pub fn run(rt: &Runtime, cmd: VolumeCommand) -> CmdResult {
    match cmd {
        VolumeCommand::Create(a) => {
            let v = rt.create_volume(VolumeCreateOptions {
                name: a.name,
                driver: a.driver,
                labels: parse::labels(&a.label)?,
                options: a.opt,
                anonymous: false,
                ignore_existing: a.ignore,
            })?;
            println!("{}", v.name);
            Ok(0)
        }
        VolumeCommand::Ls(a) => ls(rt, a),
        VolumeCommand::Inspect(a) => inspect(rt, a),
        VolumeCommand::Rm(a) => rm(rt, a),
        VolumeCommand::Prune(a) => prune(rt, a),
        VolumeCommand::Exists(a) => Ok(if rt.volume_exists(&a.name)? { 0 } else { 1 }),
        VolumeCommand::Export(a) => export(rt, a),
        VolumeCommand::Import(a) => import(rt, a),
        VolumeCommand::Mount(a) => {
            println!("{}", rt.mount_volume(&a.name)?.display());
            Ok(0)
        }
        VolumeCommand::Unmount(a) => {
            rt.unmount_volume(&a.name)?;
            println!("{}", a.name);
            Ok(0)
        }
    }
}

/// `volume export [-o FILE] NAME`: a tar of the volume's data, to FILE or stdout (never
/// a terminal).
fn export(rt: &Runtime, a: VolExportArgs) -> CmdResult {
    super::cp::tar_to_file_or_stdout(a.output.as_ref(), |w| {
        rt.export_volume(&a.name, w)?;
        Ok(())
    })
}

/// `volume import NAME FILE|-`: extracts the archive into the volume's data.
fn import(rt: &Runtime, a: VolImportArgs) -> CmdResult {
    if a.source == "-" {
        rt.import_volume(&a.name, &mut std::io::stdin().lock())?;
    } else {
        let mut f = std::fs::File::open(&a.source)
            .map_err(|e| CliError::io("open", a.source.clone(), e))?;
        rt.import_volume(&a.name, &mut f)?;
    }
    Ok(0)
}

/// Podman's `volume inspect` document of one volume.
fn document(v: &VolumeInfo) -> Value {
    let c = &v.config;
    let mut d = json!({
        "Name": c.name,
        "Driver": c.driver,
        "Mountpoint": c.mountpoint.display().to_string(),
        "CreatedAt": c.created.with_timezone(&chrono::Local).to_rfc3339(),
        "Labels": c.labels,
        "Scope": "local",
        "Options": c.options.as_map(),
        "MountCount": v.state.mount_count,
        "NeedsCopyUp": !v.state.copied_up && !c.options.nocopy,
        "NeedsChown": !v.state.chowned,
    });
    if c.anonymous {
        d["Anonymous"] = json!(true);
    }
    d
}

fn is_no_such(e: &CoreError) -> bool {
    matches!(e, CoreError::Volume(v) if matches!(**v, VolumeError::NoSuch(_)))
}

/// One `--filter KEY=VALUE` of `volume ls`/`prune`; true when `v` passes.
fn matches(k: &str, val: &str, v: &VolumeInfo) -> Result<bool, CliError> {
    let c = &v.config;
    let label = |val: &str| match val.split_once('=') {
        Some((lk, lv)) => c.labels.get(lk).is_some_and(|x| x == lv),
        None => c.labels.contains_key(val),
    };
    Ok(match k {
        // A regular expression, as Podman (`name=vol_1*` matches `vol_2` too).
        "name" => regex::Regex::new(val)
            .map_err(|e| CliError::Usage(format!("invalid filter name={val:?}: {e}")))?
            .is_match(&c.name),
        "label" => label(val),
        "label!" => !label(val),
        "driver" => c.driver == val,
        "scope" => val == "local",
        "opt" => match val.split_once('=') {
            Some((ok, ov)) => c.options.as_map().get(ok).is_some_and(|x| x == ov),
            None => c.options.as_map().contains_key(val),
        },
        "dangling" => match val {
            "true" | "1" => v.users.is_empty(),
            "false" | "0" => !v.users.is_empty(),
            _ => {
                return Err(CliError::Usage(format!(
                    "invalid filter dangling={val}: use true or false"
                )))
            }
        },
        "until" => {
            let t = parse::since(val, chrono::Utc::now()).map_err(CliError::from)?;
            c.created < t
        }
        _ => {
            return Err(CliError::Usage(format!(
                "invalid filter {k:?}: use name, label, driver, scope, opt, dangling or until"
            )))
        }
    })
}

/// Keeps the volumes that pass every filter (same key: any value; keys: all).
fn filtered(mut vols: Vec<VolumeInfo>, filters: &[String]) -> Result<Vec<VolumeInfo>, CliError> {
    let mut by_key: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for f in filters {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("invalid filter {f:?}: use KEY=VALUE")))?;
        by_key.entry(k).or_default().push(v);
    }
    let mut err = None;
    vols.retain(|v| {
        by_key.iter().all(|(k, vals)| {
            vals.iter().any(|val| match matches(k, val, v) {
                Ok(b) => b,
                Err(e) => {
                    err = Some(e);
                    false
                }
            })
        })
    });
    match err {
        Some(e) => Err(e),
        None => Ok(vols),
    }
}

/// `volume ls`: Podman's columns (DRIVER, VOLUME NAME).
fn ls(rt: &Runtime, a: VolLsArgs) -> CmdResult {
    let vols = filtered(rt.volumes()?, &a.filter)?;
    let docs: Vec<Value> = vols.iter().map(document).collect();
    if format::is_json(a.format.as_deref()) {
        print_json(&docs)?;
    } else if a.quiet {
        for v in &vols {
            println!("{}", v.config.name);
        }
    } else {
        let tpl = a
            .format
            .clone()
            .unwrap_or_else(|| "table {{.Driver}}\t{{.Name}}".into());
        let headers = json!({
            "Name": "VOLUME NAME", "Driver": "DRIVER", "Mountpoint": "MOUNTPOINT",
            "CreatedAt": "CREATED", "Labels": "LABELS", "Scope": "SCOPE", "Options": "OPTIONS",
            "MountCount": "MOUNT COUNT",
        });
        print!(
            "{}",
            format::render(&tpl, "{{.Driver}}\t{{.Name}}", &headers, &docs, a.noheading)?
        );
    }
    Ok(0)
}

/// `volume inspect`: a JSON array (or a template per volume); a missing volume is an
/// error after the others are shown, as Podman.
fn inspect(rt: &Runtime, a: VolInspectArgs) -> CmdResult {
    let mut docs = Vec::new();
    let mut missing = None;
    if a.all {
        docs = rt.volumes()?.iter().map(document).collect();
    }
    for n in &a.names {
        match rt.volume(n) {
            Ok(v) => docs.push(document(&v)),
            Err(e) if is_no_such(&e) => missing = Some(CliError::from(e)),
            Err(e) => return Err(e.into()),
        }
    }
    match a.format.as_deref() {
        Some(t) if !format::is_json(Some(t)) => {
            let t = format::Template::parse(t)?;
            for d in &docs {
                println!("{}", t.render(d)?);
            }
        }
        _ => print_json(&docs)?,
    }
    match missing {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// `volume rm`: exit 1 for a missing volume, 2 for one in use (as Podman).
fn rm(rt: &Runtime, a: VolRmArgs) -> CmdResult {
    let names: Vec<String> = if a.all {
        rt.volumes()?.into_iter().map(|v| v.config.name).collect()
    } else {
        a.names.clone()
    };
    for_each(&names, |n| match rt.remove_volume(n, a.force) {
        Ok(()) => {
            println!("{n}");
            Ok(())
        }
        // `--force`: a missing volume is not an error, and prints nothing (as Podman).
        Err(e) if is_no_such(&e) && a.force => Ok(()),
        Err(e) if is_no_such(&e) => Err(CliError::Missing(format!(
            "no volume with name {n:?} found: no such volume"
        ))),
        Err(CoreError::Volume(v)) if matches!(*v, VolumeError::InUse { .. }) => {
            Err(CliError::Coded {
                code: 2,
                message: v.to_string(),
            })
        }
        Err(e) => Err(e.into()),
    })
}

/// `volume prune`: removes every volume no container uses (and the filters keep not),
/// printing each name. Without `--force` it lists those volumes and asks first, on
/// stdout as Podman.
fn prune(rt: &Runtime, a: VolPruneArgs) -> CmdResult {
    let all = rt.volumes()?;
    let pass: std::collections::BTreeSet<String> = filtered(all.clone(), &a.filter)?
        .into_iter()
        .map(|v| v.config.name)
        .collect();
    if !a.force {
        use std::io::Write as _;
        println!(
            "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:"
        );
        let unused: Vec<&str> = all
            .iter()
            .filter(|v| v.users.is_empty() && pass.contains(&v.config.name))
            .map(|v| v.config.name.as_str())
            .collect();
        if unused.is_empty() {
            println!("No dangling volumes found");
            return Ok(0);
        }
        for n in unused {
            println!("{n}");
        }
        print!("Are you sure you want to continue? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| CliError::io("read", "stdin", e))?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Ok(0);
        }
    }
    for n in rt.prune_volumes(&|v| !pass.contains(&v.config.name))? {
        println!("{n}");
    }
    Ok(0)
}
