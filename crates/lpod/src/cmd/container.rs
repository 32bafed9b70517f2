//! Container verbs: run, create, start, stop, restart, kill, pause, unpause, rm, wait,
//! logs, exec, inspect and `container cleanup`.

use std::io::Write;
use std::time::Duration;

use libpod_core::{
    Container, CreateOptions, Error as CoreError, ExecOptions, Limits, LogOptions, LogStream,
    MountSpec, Runtime, Streams,
};

use super::{for_each, print_json, report, CliError, CmdResult};
use crate::cli::{
    CleanupArgs, CreateArgs, CreateFlags, ExecArgs, IdsArgs, InspectArgs, KillArgs, LogsArgs,
    PauseArgs, RmArgs, RunArgs, StartArgs, StopArgs,
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
    let env = parse::merge_env(&f.env_file, &f.env)?
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
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
    for m in &f.mount {
        mounts.push(mount_flag(m)?);
    }
    let restart_policy = f
        .restart
        .as_deref()
        .map(parse::restart_policy)
        .transpose()?;
    if f.rm && restart_policy.is_some_and(|p| p != libpod_config::RestartPolicy::No) {
        return Err(CliError::Usage(
            "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"".into(),
        ));
    }
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
        restart_policy,
        ..CreateOptions::default()
    })
}

/// One `--mount type=...,src=...,dst=...` as core's mount.
fn mount_flag(spec: &str) -> Result<MountSpec, CliError> {
    let m = parse::mount(spec)?;
    Ok(match m.kind.as_str() {
        "bind" => {
            let source = m.source.clone().unwrap_or_default();
            let source = std::fs::canonicalize(&source)
                .map_err(|e| CliError::io("bind mount source", source.clone(), e))?;
            MountSpec::Bind {
                source,
                destination: m.destination.into(),
                read_only: !m.read_write,
            }
        }
        "tmpfs" => MountSpec::Tmpfs {
            destination: m.destination.into(),
            options: m.options,
        },
        "image" => MountSpec::Image {
            source: m.source.unwrap_or_default(),
            destination: m.destination.into(),
            read_write: m.read_write,
        },
        other => {
            return Err(CliError::Usage(format!(
                "invalid --mount {spec:?}: type {other} is not supported (bind, tmpfs, image)"
            )))
        }
    })
}

/// `--replace`: removes (forcibly) the container that holds the name `run`/`create` wants.
fn replace_named(rt: &Runtime, f: &CreateFlags) -> Result<(), CliError> {
    let Some(name) = f.name.as_deref() else {
        return Err(CliError::Usage(
            "cannot replace a container without --name being set".into(),
        ));
    };
    match rt.container(name) {
        Ok(c) if c.name()? == name => match c.remove(true) {
            Ok(()) | Err(CoreError::NoSuchContainer(_)) => Ok(()),
            Err(e) => Err(e.into()),
        },
        Ok(_) | Err(CoreError::NoSuchContainer(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
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
    let opts = create_options(&a.create, &default_mode(rt)?)?;
    if a.create.replace {
        replace_named(rt, &a.create)?;
    }
    let c = rt.create_container(opts)?;
    println!("{}", c.id());
    Ok(0)
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
    let opts = create_options(&a.create, &default_mode(rt)?)?;
    if a.create.replace {
        replace_named(rt, &a.create)?;
    }
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

/// One container a multi-container verb acts on, and what the verb prints for it:
/// the name or id as the user typed it, or the full id when it came from `--all` or
/// `--filter` (as Podman prints).
pub struct Target {
    /// The container.
    pub c: Container,
    /// What to print when the verb succeeds for it.
    pub print: String,
}

/// Resolves the containers of a multi-container verb: the named ones (a missing one is an
/// error unless `ignore`), or every container with `all` (or with filters and no names);
/// then keeps those passing `filters`. Every name is resolved before anything is done, so
/// a typo fails the verb before it touches any container (as Podman does).
pub fn targets(
    rt: &Runtime,
    all: bool,
    names: &[String],
    filters: &[String],
    ignore: bool,
) -> Result<Vec<Target>, CliError> {
    let filters = super::filter::CtrFilters::parse(rt, filters)?;
    if !all && names.is_empty() && filters.is_empty() {
        return Err(CliError::Usage(
            "you must provide at least one name or id".into(),
        ));
    }
    let summaries = rt.list_containers()?;
    let mut out = Vec::new();
    if names.is_empty() {
        for s in &summaries {
            if filters.matches_in(rt, s) {
                out.push(Target {
                    c: rt.container(&s.id)?,
                    print: s.id.clone(),
                });
            }
        }
        return Ok(out);
    }
    for name in names {
        let c = match rt.container(name) {
            Ok(c) => c,
            Err(CoreError::NoSuchContainer(_)) if ignore => continue,
            Err(e) => return Err(e.into()),
        };
        if !filters.is_empty() {
            match summaries.iter().find(|s| s.id == c.id()) {
                Some(s) if filters.matches_in(rt, s) => {}
                _ => continue,
            }
        }
        out.push(Target {
            c,
            print: name.clone(),
        });
    }
    Ok(out)
}

/// The names given plus the ids read from `--cidfile` files (a missing file is skipped
/// with `ignore`, as Podman does).
fn with_cidfiles(
    names: &[String],
    cidfiles: &[std::path::PathBuf],
    ignore: bool,
) -> Result<Vec<String>, CliError> {
    let mut out = names.to_vec();
    for f in cidfiles {
        match std::fs::read_to_string(f) {
            Ok(s) => out.push(s.trim().to_string()),
            Err(e) if ignore && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CliError::io("read cidfile", f, e)),
        }
    }
    Ok(out)
}

/// Runs `f` on each target and prints what the target prints when `f` succeeds; errors
/// are reported one line each, the last decides the exit code (as Podman does).
fn for_targets(
    targets: &[Target],
    mut f: impl FnMut(&Container) -> Result<(), CliError>,
) -> CmdResult {
    for_each(targets, |t| {
        f(&t.c)?;
        println!("{}", t.print);
        Ok(())
    })
}

/// `lpod start`.
pub fn start(rt: &Runtime, a: StartArgs) -> CmdResult {
    if a.all && !a.containers.is_empty() {
        return Err(CliError::Usage(
            "either start all containers or the container(s) provided in the arguments".into(),
        ));
    }
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
    let mut list = targets(rt, a.all, &a.containers, &a.filter, false)?;
    if a.all || a.containers.is_empty() {
        // `--all` starts what does not run; a pod's infra container is its pod's to start.
        list.retain(|t| {
            let Ok(s) = t.c.summary() else { return false };
            !s.is_infra && !matches!(s.state.as_str(), "running" | "paused" | "stopping")
        });
    }
    // Podman's `start` fails with 125 whatever the reason (126/127 are `run`'s codes).
    for_targets(&list, |c| {
        c.start().map_err(|e| CliError::Coded {
            code: exit::LPOD_ERROR,
            message: e.to_string(),
        })
    })
}

/// Every container (`--all`) or the named ones, as ids or names to look up.
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
    if a.all && !a.containers.is_empty() {
        return Err(CliError::Usage(
            "--all and containers cannot be used together".into(),
        ));
    }
    let names = with_cidfiles(&a.containers, &a.cidfile, a.ignore)?;
    if names.is_empty() && !a.cidfile.is_empty() {
        return Ok(0);
    }
    let list = targets(rt, a.all, &names, &a.filter, a.ignore)?;
    let timeout = a.time.map(Duration::from_secs);
    for_targets(&list, |c| {
        let r = if restart {
            c.restart(timeout)
        } else {
            c.stop(timeout)
        };
        match r {
            Ok(()) => Ok(()),
            // Removed meanwhile (a `--rm` container's exit command): it is stopped.
            Err(CoreError::NoSuchContainer(_)) if !restart => Ok(()),
            Err(e) => Err(e.into()),
        }
    })
}

/// `lpod kill`.
pub fn kill(rt: &Runtime, a: KillArgs) -> CmdResult {
    let sig = parse::signal(&a.signal)?;
    if a.all && !a.containers.is_empty() {
        return Err(CliError::Usage(
            "--all and containers cannot be used together".into(),
        ));
    }
    let names = with_cidfiles(&a.containers, &a.cidfile, false)?;
    let mut list = targets(rt, a.all, &names, &[], false)?;
    if a.all {
        list.retain(|t| t.c.status().is_ok_and(|s| s.is_active()));
    }
    for_targets(&list, |c| {
        c.kill(sig).map_err(|e| match e {
            CoreError::InvalidState { id, status, .. } => {
                let status = if status == "configured" { "created".into() } else { status };
                CliError::Usage(format!(
                    "can only kill running containers. {id} is in state {status}: container state improper"
                ))
            }
            e => e.into(),
        })
    })
}

/// `lpod pause` / `lpod unpause`.
pub fn pause(rt: &Runtime, a: PauseArgs, pause: bool) -> CmdResult {
    if a.all && !a.containers.is_empty() {
        return Err(CliError::Usage(
            "--all and containers cannot be used together".into(),
        ));
    }
    let mut list = targets(rt, a.all, &a.containers, &a.filter, false)?;
    if a.all {
        // Podman's `--all` skips the containers in the wrong state.
        let want = if pause { "running" } else { "paused" };
        list.retain(|t| t.c.summary().is_ok_and(|s| s.state == want));
    }
    for_targets(&list, |c| {
        let r = if pause { c.pause() } else { c.unpause() };
        // Podman's wording for the wrong state.
        r.map_err(|e| match e {
            CoreError::InvalidState { status, .. } if pause => {
                let status = if status == "configured" {
                    "created".into()
                } else {
                    status
                };
                CliError::Usage(format!(
                    "{status:?} is not running, can't pause: container state improper"
                ))
            }
            CoreError::InvalidState { id, .. } => CliError::Usage(format!(
                "{id:?} is not paused, can't unpause: container state improper"
            )),
            e => e.into(),
        })
    })
}

/// Podman's wording and exit code for an `rm` that cannot remove a container.
fn rm_error(e: CoreError) -> CliError {
    match e {
        CoreError::NoSuchContainer(name) => CliError::Coded {
            code: 1,
            message: CoreError::NoSuchContainer(name).to_string(),
        },
        CoreError::InvalidState { id, status, .. }
            if matches!(status.as_str(), "running" | "paused" | "stopping") =>
        {
            CliError::Coded {
                code: 2,
                message: format!(
                    "cannot remove container {id} as it is {status} - running or paused containers cannot be removed without force: container state improper"
                ),
            }
        }
        other => other.into(),
    }
}

/// `lpod rm`.
pub fn rm(rt: &Runtime, a: RmArgs) -> CmdResult {
    // `rm -a` races with `--rm` containers removing themselves; `--ignore` asks for it,
    // and Podman's `--force` does not complain about missing containers either.
    let missing_ok = a.all || a.ignore || a.force;
    let names = with_cidfiles(&a.containers, &a.cidfile, missing_ok)?;
    if names.is_empty() && !a.cidfile.is_empty() {
        return Ok(0);
    }
    let list = match targets(rt, a.all, &names, &[], missing_ok) {
        Ok(l) => l,
        Err(CliError::Core(e)) => return Err(rm_error(e)),
        Err(e) => return Err(e),
    };
    for_each(&list, |t| {
        let c = &t.c;
        if a.force {
            if let Some(secs) = a.time {
                match c.stop(Some(Duration::from_secs(secs))) {
                    Ok(()) | Err(CoreError::InvalidState { .. }) => {}
                    Err(CoreError::NoSuchContainer(_)) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        match c.remove(a.force) {
            Ok(()) => {}
            Err(CoreError::NoSuchContainer(_)) if missing_ok => return Ok(()),
            Err(e) => return Err(rm_error(e)),
        }
        println!("{}", t.print);
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
        if !a.rm {
            restart_by_policy(rt, name)?;
        }
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

/// After an exit (the exit command's cleanup): starts the container again when its
/// `--restart` policy asks for it and the user did not stop it.
fn restart_by_policy(rt: &Runtime, name: &str) -> Result<(), CliError> {
    use libpod_config::RestartPolicy as R;
    let c = match rt.container(name) {
        Ok(c) => c,
        Err(CoreError::NoSuchContainer(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let cfg = c.config()?;
    if cfg.restart_policy == R::No || cfg.auto_remove {
        return Ok(());
    }
    let st = c.state()?;
    if !st.status.has_exited() || st.stopped_by_user {
        return Ok(());
    }
    let failed = st.exit_code.unwrap_or(0) != 0;
    let again = match cfg.restart_policy {
        R::Always | R::UnlessStopped => true,
        R::OnFailure(max) => failed && (max == 0 || st.restart_count < max),
        R::No => false,
    };
    if again {
        match c.restart(None) {
            Ok(()) | Err(CoreError::NoSuchContainer(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
