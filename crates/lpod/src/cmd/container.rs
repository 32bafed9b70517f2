//! Container verbs: run, create, start, stop, restart, kill, pause, unpause, rm, wait,
//! logs, exec, inspect and `container cleanup`.

use std::io::Write;
use std::time::Duration;

use libpod_core::{
    Container, CreateOptions, Error as CoreError, ExecOptions, Limits, LogOptions, LogStream,
    MountSpec, PodError, Runtime, Streams,
};

use super::{for_each, print_json, report, CliError, CmdResult};
use crate::cli::{
    CleanupArgs, CreateArgs, CreateFlags, ExecArgs, IdsArgs, InspectArgs, KillArgs, LogsArgs,
    RmArgs, RunArgs, StartArgs, StopArgs,
};
use crate::{exit, format, parse, tty};

/// Maps `run`/`create` flags onto core's create options.
/// `default_network_mode` is the runtime config's mode for a container created
/// without `--network` (and not in a pod, whose namespaces it joins).
pub fn create_options(
    f: &CreateFlags,
    default_network_mode: &str,
) -> Result<CreateOptions, CliError> {
    let (image, command) = f
        .image_and_command
        .split_first()
        .ok_or_else(|| CliError::Usage("an image is required".into()))?;
    let mut env: Vec<String> = Vec::new();
    if f.http_proxy {
        // Podman's --http-proxy (default true): the host's proxy variables go in first,
        // so that -e and --env-file still win.
        for k in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "ftp_proxy",
            "FTP_PROXY",
            "no_proxy",
            "NO_PROXY",
        ] {
            if let Ok(v) = std::env::var(k) {
                env.push(format!("{k}={v}"));
            }
        }
    }
    env.extend(
        parse::merge_env(&f.env_file, &f.env)?
            .into_iter()
            .map(|(k, v)| format!("{k}={v}")),
    );
    let mut mounts = Vec::new();
    for v in &f.volume {
        let spec = parse::volume(v)?;
        if !spec.is_bind() {
            return Err(CliError::Usage(format!(
                "volume {v:?}: named and anonymous volumes are not supported yet; use an absolute host path"
            )));
        }
        let source = spec.source.clone().unwrap_or_default();
        let source = std::fs::canonicalize(&source)
            .map_err(|e| CliError::io("bind mount source", source.clone(), e))?;
        mounts.push(MountSpec::Bind {
            source,
            destination: spec.destination.clone().into(),
            read_only: spec.read_only(),
        });
    }
    for t in &f.tmpfs {
        let (dest, options) = parse::tmpfs(t)?;
        mounts.push(MountSpec::Tmpfs {
            destination: dest.into(),
            options,
        });
    }
    let memory = f.memory.as_deref().map(parse::memory_bytes).transpose()?;
    let cpus = match f.cpus.as_deref() {
        Some(c) => {
            parse::cpus(c)?;
            Some(
                c.trim()
                    .parse::<f64>()
                    .map_err(|_| parse::ParseError::Cpus(c.into()))?,
            )
        }
        None => None,
    };
    let (network, networks) = match f.network.as_deref() {
        None if f.pod.is_some() => (libpod_core::NetworkMode::default(), Vec::new()),
        None => (
            default_network_mode.parse::<libpod_core::NetworkMode>()?,
            Vec::new(),
        ),
        Some(n) => match parse::network(n)? {
            parse::NetworkMode::None => (libpod_core::NetworkMode::None, Vec::new()),
            parse::NetworkMode::Host => (libpod_core::NetworkMode::Host, Vec::new()),
            parse::NetworkMode::Bridge(names) => (libpod_core::NetworkMode::Bridge, names),
        },
    };
    let ports = f
        .publish
        .iter()
        .map(|p| libpod_core::network::parse_port(p))
        .collect::<Result<Vec<_>, _>>()?;
    let entrypoint = f.entrypoint.as_deref().map(|e| {
        if e.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<String>>(e).unwrap_or_else(|_| vec![e.to_string()])
        } else if e.is_empty() {
            Vec::new()
        } else {
            vec![e.to_string()]
        }
    });
    let security = security_config(f)?;
    Ok(CreateOptions {
        image: image.clone(),
        name: f.name.clone(),
        command: (!command.is_empty()).then(|| command.to_vec()),
        entrypoint,
        env,
        workdir: f.workdir.clone(),
        user: f.user.clone(),
        mounts,
        limits: Limits {
            memory,
            cpus,
            pids: f.pids_limit,
        },
        labels: parse::labels(&f.label)?,
        network,
        networks,
        ports,
        pod: f.pod.clone(),
        remove: f.rm,
        tty: f.tty,
        stdin: f.interactive,
        security,
        hostname: f.hostname.clone(),
        dns: libpod_core::libpod_config::DnsConfig {
            servers: f.dns.clone(),
            search: f.dns_search.clone(),
            options: f.dns_option.clone(),
            hosts_add: f.add_host.clone(),
        },
        ..CreateOptions::default()
    })
}

/// The confinement flags (`--cap-add`, `--cap-drop`, `--privileged`, `--security-opt`,
/// `--read-only`, `--read-only-tmpfs`, `--device`) as core's security settings. Capability
/// names, profiles and devices are checked by core when the container is created.
fn security_config(f: &CreateFlags) -> Result<libpod_config::SecurityConfig, CliError> {
    let mut s = libpod_config::SecurityConfig {
        cap_add: f
            .cap_add
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect(),
        cap_drop: f
            .cap_drop
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect(),
        privileged: f.privileged,
        read_only: f.read_only,
        read_only_tmpfs: f.read_only_tmpfs,
        security_opt: f.security_opt.clone(),
        ..libpod_config::SecurityConfig::default()
    };
    let apparmor = libpod_core::runtime::apparmor_enabled();
    for opt in &f.security_opt {
        match parse::security_opt(opt, apparmor)? {
            parse::SecurityOpt::Seccomp(p) => s.seccomp_profile = Some(p),
            parse::SecurityOpt::NoNewPrivileges(b) => s.no_new_privileges = Some(b),
            parse::SecurityOpt::Mask(paths) => s.mask.extend(paths),
            parse::SecurityOpt::Unmask(paths) => s.unmask.extend(paths),
            parse::SecurityOpt::LabelDisable | parse::SecurityOpt::AppArmorUnconfined => {}
        }
    }
    for d in &f.device {
        let (host_path, container_path, permissions) = parse::device(d)?;
        s.devices.push(libpod_config::DeviceMapping {
            host_path,
            container_path,
            permissions,
        });
    }
    Ok(s)
}

/// The network mode for containers created without `--network`.
fn default_mode(rt: &Runtime) -> Result<String, CliError> {
    Ok(rt.config()?.config.default_network_mode)
}

/// `lpod create`: prints the full id.
pub fn create(rt: &Runtime, a: CreateArgs) -> CmdResult {
    let mut opts = create_options(&a.create, &default_mode(rt)?)?;
    new_pod(rt, &mut opts)?;
    let c = rt.create_container(opts)?;
    println!("{}", c.id());
    Ok(0)
}

/// `--pod new:NAME`: creates the pod NAME first (Podman's way: the container's
/// hostname, published ports and networks become the pod's) and joins it.
fn new_pod(rt: &Runtime, opts: &mut CreateOptions) -> Result<(), CliError> {
    let Some(name) = opts.pod.as_deref().and_then(|p| p.strip_prefix("new:")) else {
        return Ok(());
    };
    if name.is_empty() {
        return Err(CliError::Usage("--pod new: needs a pod name".into()));
    }
    let mut popts = libpod_core::PodCreateOptions {
        name: Some(name.to_string()),
        hostname: opts.hostname.take(),
        ports: std::mem::take(&mut opts.ports),
        ..Default::default()
    };
    if !opts.networks.is_empty() {
        popts.networks = std::mem::take(&mut opts.networks);
    }
    popts.infra_image = super::registry::infra_image(rt, None)?;
    let pod = rt.create_pod(popts)?;
    opts.pod = Some(pod.id().to_string());
    Ok(())
}

/// Removes a container we created when the verb that followed failed (`run --rm`).
fn discard(c: &Container) {
    match c.remove(true) {
        Ok(()) | Err(CoreError::NoSuchContainer(_)) => {}
        Err(e) => tracing::warn!(id = c.id(), error = %e, "removing the failed container"),
    }
}

/// `lpod run`.
pub fn run(rt: &Runtime, a: RunArgs) -> CmdResult {
    let mut opts = create_options(&a.create, &default_mode(rt)?)?;
    new_pod(rt, &mut opts)?;
    let rm = opts.remove;
    let c = rt.create_container(opts)?;
    if a.detach {
        if let Err(e) = c.start() {
            if rm {
                discard(&c);
            }
            return Err(e.into());
        }
        println!("{}", c.id());
        return Ok(0);
    }
    let code = attached(&c, a.create.interactive, a.create.tty, rm)?;
    Ok(code)
}

/// Starts `c` attached to our stdio, waits for it, removes it if `rm`; returns its code.
fn attached(c: &Container, stdin: bool, tty: bool, rm: bool) -> CmdResult {
    let _raw = if tty { tty::RawMode::enable() } else { None };
    let proxy = crate::signals::SignalProxy::start(c.clone());
    let res = c.start_attached(Streams::stdio(stdin));
    drop(_raw);
    if let Err(e) = res {
        drop(proxy);
        if rm {
            discard(c);
        }
        return Err(e.into());
    }
    let code = c.wait();
    drop(proxy);
    let code = code?;
    if rm {
        match c.remove(false) {
            Ok(()) | Err(CoreError::NoSuchContainer(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(exit::from_container(code))
}

/// `lpod start`.
pub fn start(rt: &Runtime, a: StartArgs) -> CmdResult {
    if a.attach {
        if a.containers.len() != 1 {
            return Err(CliError::Usage(
                "start --attach takes exactly one container".into(),
            ));
        }
        let c = rt.container(&a.containers[0])?;
        let cfg = c.config()?;
        return attached(&c, false, cfg.terminal, false);
    }
    for_each(&a.containers, |name| {
        rt.container(name)?.start()?;
        println!("{name}");
        Ok(())
    })
}

fn all_or_named(rt: &Runtime, all: bool, names: &[String]) -> Result<Vec<String>, CliError> {
    if all {
        Ok(rt
            .containers()?
            .iter()
            .map(|c| c.id().to_string())
            .collect())
    } else if names.is_empty() {
        Err(CliError::Usage(
            "you must provide at least one container name or id".into(),
        ))
    } else {
        Ok(names.to_vec())
    }
}

/// `lpod stop` and `lpod restart`.
pub fn stop(rt: &Runtime, a: StopArgs, restart: bool) -> CmdResult {
    let names = all_or_named(rt, a.all, &a.containers)?;
    let timeout = a.time.map(Duration::from_secs);
    for_each(&names, |name| {
        let c = rt.container(name)?;
        if restart {
            c.restart(timeout)?;
        } else {
            c.stop(timeout)?;
        }
        println!("{name}");
        Ok(())
    })
}

/// `lpod kill`.
pub fn kill(rt: &Runtime, a: KillArgs) -> CmdResult {
    let sig = parse::signal(&a.signal)?;
    let names = if a.all {
        rt.list_containers()?
            .into_iter()
            .filter(|s| s.state == "running")
            .map(|s| s.id)
            .collect()
    } else {
        all_or_named(rt, false, &a.containers)?
    };
    for_each(&names, |name| {
        rt.container(name)?.kill(sig)?;
        println!("{name}");
        Ok(())
    })
}

/// `lpod pause` / `lpod unpause`.
pub fn pause(rt: &Runtime, a: IdsArgs, pause: bool) -> CmdResult {
    for_each(&a.containers, |name| {
        let c = rt.container(name)?;
        if pause {
            c.pause()?;
        } else {
            c.unpause()?;
        }
        println!("{}", c.id());
        Ok(())
    })
}

/// `lpod rm`.
pub fn rm(rt: &Runtime, a: RmArgs) -> CmdResult {
    let names = all_or_named(rt, a.all, &a.containers)?;
    // `rm -a` races with `--rm` containers removing themselves; `--ignore` asks for it.
    let missing_ok = a.all || a.ignore;
    for_each(&names, |name| {
        let c = match rt.container(name) {
            Ok(c) => c,
            Err(CoreError::NoSuchContainer(_)) if missing_ok => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if a.force {
            if let Some(t) = a.time {
                match c.stop(Some(Duration::from_secs(t))) {
                    Ok(()) | Err(CoreError::InvalidState { .. }) => {}
                    Err(CoreError::NoSuchContainer(_)) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        match c.remove(a.force) {
            Ok(()) => {}
            Err(CoreError::NoSuchContainer(_)) if missing_ok => return Ok(()),
            // A pod's infra goes with its pod: with --depend, or with --all --force (the
            // pod's other members are in the list too), as Podman removes it.
            Err(CoreError::Pod(p))
                if matches!(*p, PodError::InfraRemoval { .. })
                    && (a.depend || (a.all && a.force)) =>
            {
                let PodError::InfraRemoval { pod, .. } = *p else {
                    unreachable!("matched above")
                };
                let pod = rt.pod(&pod)?;
                let members: Vec<String> = pod
                    .containers()?
                    .iter()
                    .map(|m| m.id().to_string())
                    .collect();
                pod.remove(a.force || a.depend)?;
                for m in members.iter().filter(|m| m.as_str() != c.id()) {
                    println!("{m}");
                }
            }
            Err(e) => return Err(e.into()),
        }
        println!("{}", c.id());
        Ok(())
    })
}

/// `lpod wait`: prints each exit code.
pub fn wait(rt: &Runtime, a: IdsArgs) -> CmdResult {
    for_each(&a.containers, |name| {
        let code = rt.wait_container(name)?;
        println!("{code}");
        Ok(())
    })
}

/// `lpod logs`.
pub fn logs(rt: &Runtime, a: LogsArgs) -> CmdResult {
    let since = a
        .since
        .as_deref()
        .map(|s| parse::since(s, chrono::Utc::now()))
        .transpose()?;
    let c = rt.container(&a.container)?;
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let opts = LogOptions {
        follow: a.follow,
        tail: a.tail,
        since,
    };
    c.logs(&opts, &mut |l| {
        let mut w: Box<dyn Write> = match l.stream {
            LogStream::Stdout => Box::new(stdout.lock()),
            LogStream::Stderr => Box::new(stderr.lock()),
        };
        w.write_all(&l.line)?;
        w.write_all(b"\n")?;
        w.flush()
    })?;
    Ok(0)
}

/// `lpod exec`: exits with the process's code.
pub fn exec(rt: &Runtime, a: ExecArgs) -> CmdResult {
    let (name, command) = a
        .container_and_command
        .split_first()
        .ok_or_else(|| CliError::Usage("exec needs a container and a command".into()))?;
    let mut env = Vec::new();
    for e in &a.env {
        if let Some((k, v)) = parse::env_entry(e, &|k| std::env::var(k).ok())? {
            env.push(format!("{k}={v}"));
        }
    }
    let c = rt.container(name)?;
    let opts = ExecOptions {
        command: command.to_vec(),
        env,
        workdir: a.workdir.clone(),
        user: a.user.clone(),
        tty: a.tty,
        stdin: a.interactive,
    };
    let _raw = if a.tty { tty::RawMode::enable() } else { None };
    let code = c.exec(&opts, Streams::stdio(a.interactive))?;
    Ok(exit::from_container(code))
}

/// `lpod inspect`: containers, else images; JSON array or a template per item.
pub fn inspect(rt: &Runtime, a: InspectArgs) -> CmdResult {
    let want_ctr = matches!(a.kind.as_str(), "all" | "container");
    let want_img = matches!(a.kind.as_str(), "all" | "image");
    if !want_ctr && !want_img {
        return Err(CliError::Usage(format!(
            "invalid --type {:?}: container, image or all",
            a.kind
        )));
    }
    let mut items = Vec::new();
    let mut last_err = None;
    for name in &a.names {
        let found = if want_ctr {
            match rt.container(name) {
                Ok(c) => Some(serde_json::to_value(c.inspect()?).unwrap_or_default()),
                Err(CoreError::NoSuchContainer(_)) => None,
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let found = match found {
            Some(v) => Some(v),
            None if want_img => match rt.store()?.image(name) {
                Ok(img) => Some(super::image::image_json(&img, true)),
                Err(libpod_storage::StoreError::ImageNotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        match found {
            Some(v) => items.push(v),
            None => {
                let what = match a.kind.as_str() {
                    "container" => "container",
                    "image" => "image",
                    _ => "image or container",
                };
                let e = CliError::Usage(format!("no such {what}: {name}"));
                if let Some(prev) = last_err.replace(e) {
                    report(&prev);
                }
            }
        }
    }
    match a.format.as_deref() {
        Some(t) if !format::is_json(Some(t)) => {
            for v in &items {
                println!("{}", format::template(t, v)?);
            }
        }
        _ => print_json(&items)?,
    }
    match last_err {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// `lpod container cleanup`: what conmon's exit command runs. Quiet and idempotent.
pub fn cleanup(rt: &Runtime, a: CleanupArgs) -> CmdResult {
    let names = all_or_named(rt, a.all, &a.containers)?;
    for_each(&names, |name| {
        rt.cleanup_container(name)?;
        if a.rm {
            match rt.container(name) {
                Ok(c) => match c.remove(false) {
                    Ok(()) | Err(CoreError::NoSuchContainer(_)) => {}
                    Err(e) => return Err(e.into()),
                },
                Err(CoreError::NoSuchContainer(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    })
}
