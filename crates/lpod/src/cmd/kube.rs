//! `lpod play kube` / `lpod kube play|down` over libpod-core's `kube` module: read the
//! file, print what was made (Podman's report), nothing else.

use std::io::Read;

use libpod_core::kube::{parse_documents, KubeDocument, PlayOptions};
use libpod_core::Runtime;

use super::registry::Reporter;
use super::{CliError, CmdResult};
use crate::cli::{KubeCommand, KubeDownArgs, PlayCommand, PlayKubeArgs};

/// Runs `play kube`.
pub fn play(rt: &Runtime, cmd: PlayCommand) -> CmdResult {
    match cmd {
        PlayCommand::Kube(a) => play_kube(rt, a),
    }
}

/// Runs `kube play` / `kube down`.
pub fn kube(rt: &Runtime, cmd: KubeCommand) -> CmdResult {
    match cmd {
        KubeCommand::Play(a) => play_kube(rt, a),
        KubeCommand::Down(a) => down(rt, &a),
    }
}

/// The documents of FILE (`-`: standard input).
fn read(file: &str) -> Result<Vec<KubeDocument>, CliError> {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::io("read", "-", e))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| CliError::io("read", file, e))?
    };
    Ok(parse_documents(&text).map_err(libpod_core::Error::from)?)
}

/// `--build`: each container whose image's last name component names a directory of
/// `context` with a Containerfile or Dockerfile gets that directory built (tagged with
/// that component, as Podman) and runs the result instead of pulling its image.
fn build_images(
    rt: &Runtime,
    docs: &mut [KubeDocument],
    context: &str,
    quiet: bool,
) -> Result<(), CliError> {
    let mut built: std::collections::BTreeMap<String, String> = Default::default();
    for d in docs.iter_mut() {
        let containers = match d {
            KubeDocument::Pod(p) => &mut p.spec.containers,
            KubeDocument::Deployment(dep) => &mut dep.spec.template.spec.containers,
            _ => continue,
        };
        for c in containers.iter_mut() {
            // A name that does not parse is left to the pull, which says so.
            let Ok(r) = libpod_storage::reference::ImageReference::parse(&c.image) else {
                continue;
            };
            let base = r.path.rsplit('/').next().unwrap_or_default().to_string();
            if let Some(id) = built.get(&base) {
                c.image = id.clone();
                c.image_pull_policy = Some("IfNotPresent".into());
                continue;
            }
            let dir = std::path::Path::new(context).join(&base);
            let Some(containerfile) = super::image::context_containerfile(&dir)? else {
                continue;
            };
            let opts = libpod_core::BuildOptions {
                containerfile,
                tags: vec![base.clone()],
                quiet,
                context: Some(dir),
            };
            let id = rt.build(&opts, &mut std::io::stderr())?;
            built.insert(base, id.clone());
            // The built image, never a pull of the name.
            c.image = id;
            c.image_pull_policy = Some("IfNotPresent".into());
        }
    }
    Ok(())
}

fn play_kube(rt: &Runtime, a: PlayKubeArgs) -> CmdResult {
    if a.down {
        return down(rt, &KubeDownArgs { file: a.file });
    }
    let mut docs = read(&a.file)?;
    if a.build {
        build_images(
            rt,
            &mut docs,
            a.context_dir.as_deref().unwrap_or("."),
            a.quiet,
        )?;
    }
    let default_mode = match a.network {
        Some(_) => String::new(),
        None => rt.config()?.config.default_network_mode,
    };
    let (network, networks) = super::pod::pod_network(a.network.as_deref(), &default_mode)?;
    let opts = PlayOptions {
        start: a.start,
        replace: a.replace,
        network,
        networks,
        infra_image: super::registry::infra_image(rt, None)?,
        pull: libpod_core::image::PullOptions {
            access: a.access.access()?,
            platform: None,
        },
        annotations: a
            .annotation
            .iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| CliError::Usage(format!("--annotation {kv:?}: want KEY=VALUE")))
            })
            .collect::<Result<_, _>>()?,
    };
    let rep = Reporter::new(a.quiet, false);
    let report = rt.play_kube(&docs, &opts, &|ev| rep.event(ev))?;
    for (i, v) in report.volumes.iter().enumerate() {
        if i == 0 {
            println!("Volumes:");
        }
        println!("{v}");
    }
    let mut failed = 0;
    for pod in &report.pods {
        println!("Pod:\n{}", pod.id);
        match pod.containers.len() {
            0 => continue,
            1 => println!("Container:"),
            _ => println!("Containers:"),
        }
        for c in &pod.containers {
            println!("{c}");
        }
        failed += pod.start_errors.len();
        if !pod.start_errors.is_empty() {
            println!();
        }
        for e in &pod.start_errors {
            eprintln!("{e}");
        }
        println!();
    }
    if failed > 0 {
        return Err(CliError::Usage(format!(
            "failed to start {failed} containers"
        )));
    }
    Ok(0)
}

fn down(rt: &Runtime, a: &KubeDownArgs) -> CmdResult {
    let docs = read(&a.file)?;
    let report = rt.play_kube_down(&docs, false)?;
    println!("Pods stopped:");
    for id in &report.stopped {
        println!("{id}");
    }
    println!("Pods removed:");
    for id in &report.removed {
        println!("{id}");
    }
    match report.errors.into_iter().last() {
        Some(e) => Err(e.into()),
        None => Ok(0),
    }
}
