//! Container verbs: run, create, start, stop, restart, kill, pause, unpause, rm, wait,
//! logs, exec, inspect and `container cleanup`.

use std::io::Write;
use std::time::Duration;

use libpod_core::{
    Container, CreateOptions, Error as CoreError, ExecOptions, Limits, LogLine, LogOptions,
    LogStream, MountSpec, PodError, Runtime, Streams,
};

use super::{for_each, print_json, report, CliError, CmdResult};
use crate::cli::{
    CleanupArgs, CreateArgs, CreateFlags, ExecArgs, InspectArgs, KillArgs, LogsArgs, PauseArgs,
    RmArgs, RunArgs, StartArgs, StopArgs, WaitArgs,
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
        mounts.push(volume_flag(v)?);
    }
    for t in &f.tmpfs {
        let (dest, options) = parse::tmpfs(t)?;
        mounts.push(MountSpec::Tmpfs {
            destination: dest.into(),
            options,
        });
    }
    // `--memory=0` means no limit, as in Podman.
    let memory = f
        .memory
        .as_deref()
        .map(parse::memory_bytes)
        .transpose()?
        .filter(|m| *m > 0);
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
            parse::NetworkMode::Container(c) => {
                (libpod_core::NetworkMode::Container(c), Vec::new())
            }
            parse::NetworkMode::Slirp4netns(o) => {
                (libpod_core::NetworkMode::Slirp4netns(o), Vec::new())
            }
            parse::NetworkMode::Pasta => (libpod_core::NetworkMode::Pasta, Vec::new()),
        },
    };
    let mut ports = f
        .publish
        .iter()
        .map(|p| libpod_core::network::parse_ports(p))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    if !ports.is_empty()
        && matches!(
            network,
            libpod_core::NetworkMode::Host
                | libpod_core::NetworkMode::None
                | libpod_core::NetworkMode::Container(_)
        )
    {
        eprintln!("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use");
        ports.clear();
    }
    if f.kernel_memory.is_some() {
        tracing::warn!("The --kernel-memory flag is no longer supported. This flag is a noop.");
    }
    let log_driver = match f.log_driver.as_deref() {
        None => libpod_config::LogDriver::default(),
        Some(d) => d.parse::<libpod_config::LogDriver>().map_err(|_| {
            CliError::Usage(
                "running container create option: invalid log driver: invalid argument".into(),
            )
        })?,
    };
    let run = run_settings(f)?;
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
    let stop_signal = f.stop_signal.as_deref().map(parse::signal).transpose()?;
    let rootfs = if f.rootfs {
        Some(super::absolute(parse::rootfs(image)?))
    } else {
        None
    };
    Ok(CreateOptions {
        image: image.clone(),
        rootfs,
        name: f.name.clone(),
        command: (!command.is_empty()).then(|| command.to_vec()),
        entrypoint,
        env,
        pid_ns: f.pid_ns.clone(),
        ipc_ns: f.ipc_ns.clone(),
        uts_ns: f.uts_ns.clone(),
        host_env: if f.env_host {
            crate::runflags::host_env()
        } else {
            Vec::new()
        },
        workdir: f.workdir.clone(),
        user: match (crate::runflags::keep_id(f.userns.as_deref())?, &f.user) {
            // keep-id runs as the user's own ids unless --user says otherwise.
            (Some((uid, gid)), None) => Some(format!("{uid}:{gid}")),
            _ => f.user.clone(),
        },
        mounts,
        volumes_from: f.volumes_from.clone(),
        image_volume_mode: f.image_volume.clone(),
        limits: Limits {
            memory,
            cpus,
            pids: f.pids_limit,
        },
        labels: crate::runflags::labels(&f.label_file, &f.label)?,
        network,
        networks,
        ports,
        static_mac: f.mac_address.clone(),
        static_ips: f
            .ip
            .map(std::net::IpAddr::V4)
            .into_iter()
            .chain(f.ip6.map(std::net::IpAddr::V6))
            .collect(),
        pod: f.pod.clone(),
        remove: f.rm,
        tty: f.tty,
        stdin: f.interactive,
        security,
        log_driver,
        run,
        unsetenv: f.unsetenv.clone(),
        unsetenv_all: f.unsetenv_all,
        stop_timeout: f.stop_timeout,
        stop_signal,
        restart_policy,
        hostname: f.hostname.clone(),
        dns: libpod_core::libpod_config::DnsConfig {
            servers: f.dns.clone(),
            search: f.dns_search.clone(),
            options: f.dns_option.clone(),
            hosts_add: f.add_host.clone(),
        },
        health: super::health::health_options(&f.health)?,
    })
}

/// `--log-opt`, `--timeout`, `--tz`, `--device-cgroup-rule`, `--conmon-pidfile`,
/// `--preserve-fds` as core's run settings.
fn run_settings(f: &CreateFlags) -> Result<libpod_config::RunSettings, CliError> {
    let argv0 = f
        .image_and_command
        .get(1)
        .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        .unwrap_or_default();
    let systemd = match f.systemd.to_ascii_lowercase().as_str() {
        "always" => true,
        "true" | "" => argv0 == "init" || argv0 == "systemd",
        "false" => false,
        other => {
            return Err(CliError::Usage(format!(
                "invalid --systemd {other:?}: true, false or always"
            )))
        }
    };
    let mut r = libpod_config::RunSettings {
        systemd,
        console_size: if f.tty { tty::size() } else { None },
        timeout: f.timeout.unwrap_or(0),
        timezone: f.tz.clone(),
        keep_id: crate::runflags::keep_id(f.userns.as_deref())?.is_some(),
        userns_auto: crate::runflags::userns_auto(f.userns.as_deref())?,
        uid_map: crate::runflags::id_maps(&f.uidmap)?,
        gid_map: crate::runflags::id_maps(&f.gidmap)?,
        device_cgroup_rules: f.device_cgroup_rule.clone(),
        conmon_pidfile: f.conmon_pidfile.as_deref().map(super::absolute),
        preserve_fds: f.preserve_fds.unwrap_or(0),
        group_add: crate::runflags::group_add(&f.group_add)?,
        umask: f.umask.as_deref().map(crate::runflags::umask).transpose()?,
        cgroupns: f
            .cgroupns
            .as_deref()
            .map(crate::runflags::cgroupns)
            .transpose()?,
        init_path: if f.init {
            Some(crate::runflags::init_path(f.init_path.as_deref())?)
        } else {
            None
        },
        ulimits: f
            .ulimit
            .iter()
            .map(|u| crate::runflags::ulimit(u))
            .collect::<Result<_, _>>()?,
        sysctls: crate::runflags::sysctls(&f.sysctl, f.network.as_deref())?,
        device_throttles: {
            use libpod_config::ThrottleKind as K;
            [
                (K::ReadBps, &f.device_read_bps),
                (K::WriteBps, &f.device_write_bps),
                (K::ReadIops, &f.device_read_iops),
                (K::WriteIops, &f.device_write_iops),
            ]
            .into_iter()
            .flat_map(|(k, list)| {
                list.iter()
                    .map(move |v| crate::runflags::device_throttle(k, v))
            })
            .collect::<Result<_, _>>()?
        },
        ..libpod_config::RunSettings::default()
    };
    for o in &f.log_opt {
        let (k, v) = o.split_once('=').unwrap_or((o.as_str(), ""));
        match k {
            "max-size" => {
                r.log_size_max = Some(parse::decimal_size(v)? as i64);
            }
            "path" => {
                if v.is_empty() {
                    return Err(CliError::Usage(format!(
                        "invalid log option {o:?}: empty path"
                    )));
                }
                r.log_path = Some(super::absolute(std::path::Path::new(v)));
            }
            "tag" => r.log_tag = Some(v.to_string()),
            _ => {
                return Err(CliError::Usage(format!(
                    "invalid log option {o:?}: max-size=, path= or tag="
                )))
            }
        }
    }
    Ok(r)
}

/// One `-v` flag as core's mount: a host path binds, anything else is a volume.
pub fn volume_flag(v: &str) -> Result<MountSpec, CliError> {
    let spec = parse::volume(v)?;
    warn_selinux(&spec.options);
    if !spec.is_bind() {
        return Ok(MountSpec::Volume {
            name: spec.source.clone(),
            destination: spec.destination.clone().into(),
            options: spec.options.clone(),
        });
    }
    let source = spec.source.clone().unwrap_or_default();
    let source = std::fs::canonicalize(&source)
        .map_err(|e| CliError::io("bind mount source", source.clone(), e))?;
    Ok(MountSpec::Bind {
        source,
        destination: spec.destination.clone().into(),
        read_only: spec.read_only(),
        options: spec
            .options
            .iter()
            .filter(|o| !matches!(o.as_str(), "ro" | "rw"))
            .cloned()
            .collect(),
    })
}

/// `z`/`Z` are accepted, but there is no SELinux here: says so once per process, at
/// debug level (`--log-level=debug`). Podman relabels nothing and says nothing on such a
/// host; a warning on stderr broke every script that reads a `:Z` run's output (Podman's
/// own system tests among them).
fn warn_selinux(options: &[String]) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if options.iter().any(|o| o == "z" || o == "Z") {
        ONCE.call_once(|| {
            tracing::debug!(
                "SELinux is not enabled on this host: the z and Z volume options relabel nothing"
            );
        });
    }
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
                options: m.options,
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
        "volume" => {
            warn_selinux(&m.options);
            let mut options = m.options;
            if !m.read_write {
                options.push("ro".into());
            }
            MountSpec::Volume {
                name: m.source.filter(|s| !s.is_empty()),
                destination: m.destination.into(),
                options,
            }
        }
        "devpts" => MountSpec::Devpts {
            destination: m.destination.into(),
            options: m.options,
        },
        other => {
            return Err(CliError::Usage(format!(
                "invalid --mount {spec:?}: type {other} is not supported (bind, volume, tmpfs, image, devpts)"
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

/// `--cidfile` must not exist yet (Podman refuses to overwrite it).
fn check_cidfile(f: &CreateFlags) -> Result<(), CliError> {
    match &f.cidfile {
        Some(p) if p.exists() => Err(CliError::Usage(format!(
            "container id file exists. Ensure another container is not using it or delete {}",
            p.display()
        ))),
        _ => Ok(()),
    }
}

/// Writes the id to `--cidfile`.
fn write_cidfile(f: &CreateFlags, c: &Container) -> Result<(), CliError> {
    if let Some(p) = &f.cidfile {
        std::fs::write(p, c.id()).map_err(|e| CliError::io("write cidfile", p.clone(), e))?;
    }
    Ok(())
}

/// Creates the container `f` describes, with its `--cidfile`.
fn create_from(rt: &Runtime, f: &CreateFlags) -> Result<Container, CliError> {
    check_cidfile(f)?;
    let mut opts = create_options(f, &default_mode(rt)?)?;
    new_pod(rt, &mut opts)?;
    if f.replace {
        replace_named(rt, f)?;
    }
    let c = rt.create_container(opts)?;
    if let Err(e) = write_cidfile(f, &c) {
        discard(&c);
        return Err(e);
    }
    Ok(c)
}

/// `lpod create`: prints the full id.
pub fn create(rt: &Runtime, a: CreateArgs) -> CmdResult {
    let c = create_from(rt, &a.create)?;
    println!("{}", c.id());
    Ok(0)
}

/// `lpod container exists`: 0 when it exists, 1 when not.
pub fn exists(rt: &Runtime, a: crate::cli::ContainerExistsArgs) -> CmdResult {
    match rt.container(&a.container) {
        Ok(_) => Ok(0),
        Err(CoreError::NoSuchContainer(_)) => Ok(1),
        Err(e) => Err(e.into()),
    }
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

/// Which of the container's streams `run --attach` connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Attach {
    stdin: bool,
    stdout: bool,
    stderr: bool,
}

impl Attach {
    fn all(stdin: bool) -> Self {
        Attach {
            stdin,
            stdout: true,
            stderr: true,
        }
    }

    fn parse(list: &[String], interactive: bool) -> Result<Self, CliError> {
        if list.is_empty() {
            return Ok(Attach::all(interactive));
        }
        let mut a = Attach {
            stdin: false,
            stdout: false,
            stderr: false,
        };
        for s in list.iter().flat_map(|s| s.split(',')) {
            match s.to_ascii_lowercase().as_str() {
                "stdin" => a.stdin = true,
                "stdout" => a.stdout = true,
                "stderr" => a.stderr = true,
                other => {
                    return Err(CliError::Usage(format!(
                        "invalid stream {other:?} for --attach - must be one of stdin, stdout, or stderr: invalid argument"
                    )))
                }
            }
        }
        Ok(a)
    }

    fn streams(self) -> Streams {
        let mut s = Streams::stdio(self.stdin);
        if !self.stdout {
            s.stdout = Box::new(std::io::sink());
        }
        if !self.stderr {
            s.stderr = Box::new(std::io::sink());
        }
        s
    }
}

/// A failure to start the container `run` just created: Podman exits 126 for it
/// (127 when the command is not found), not 125.
fn start_failed(e: CoreError) -> CliError {
    CliError::StartFailed(e)
}

/// `lpod run`.
pub fn run(rt: &Runtime, mut a: RunArgs) -> CmdResult {
    // `--rmi` implies `--rm`, as in Podman.
    a.create.rm |= a.rmi;
    let attach = Attach::parse(&a.attach, a.create.interactive)?;
    let keys = detach_keys(a.detach_keys.as_deref())?;
    let rm = a.create.rm;
    let c = create_from(rt, &a.create)?;
    let image_id = c.config().map(|cfg| cfg.image_id).unwrap_or_default();
    let res = if a.detach {
        match c.start() {
            Ok(()) => {
                println!("{}", c.id());
                Ok(0)
            }
            Err(e) => {
                if rm {
                    discard(&c);
                }
                Err(start_failed(e))
            }
        }
    } else {
        if !attach.stdout && !attach.stderr {
            // Nothing of the output to show: Podman prints the id instead.
            println!("{}", c.id());
        }
        attached(&c, attach, a.create.tty, rm, &keys)
    };
    if a.rmi && rm && !image_id.is_empty() {
        remove_image_if_unused(rt, &image_id);
    }
    res
}

/// `run --rmi`: removes the image unless a container still uses it.
fn remove_image_if_unused(rt: &Runtime, image_id: &str) {
    match rt.remove_image(image_id, false) {
        Ok(_) => {}
        Err(e) => tracing::debug!(image = image_id, error = %e, "run --rmi: image kept"),
    }
}

/// Starts `c` attached to our stdio, waits for it, removes it if `rm`; returns its code.
/// `--detach-keys` as bytes (Podman's default ctrl-p,ctrl-q when not given).
fn detach_keys(keys: Option<&str>) -> Result<Vec<u8>, CliError> {
    Ok(libpod_core::parse_detach_keys(
        keys.unwrap_or("ctrl-p,ctrl-q"),
    )?)
}

fn attached(c: &Container, attach: Attach, tty: bool, rm: bool, keys: &[u8]) -> CmdResult {
    let _raw = if tty { tty::RawMode::enable() } else { None };
    if tty {
        tty::follow_size(c.clone());
    }
    let proxy = crate::signals::SignalProxy::start(c.clone());
    // Detach keys belong to a terminal: piped data (`-i` alone) passes untouched.
    let keys = if tty { keys } else { &[] };
    let res = c.start_attached_detachable(attach.streams(), keys);
    drop(_raw);
    if let Err(CoreError::Detached(_)) = res {
        // The container runs on; nothing to wait for or remove.
        drop(proxy);
        return Ok(0);
    }
    if let Err(e) = res {
        drop(proxy);
        if rm {
            discard(c);
        }
        return Err(start_failed(e));
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
    // Every container's summary only when something selects by it (a listing reads
    // every row; `stop NAME` needs none).
    let summaries = if names.is_empty() || !filters.is_empty() {
        rt.list_containers()?
    } else {
        Vec::new()
    };
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
        let keys = detach_keys(a.detach_keys.as_deref())?;
        return attached(
            &c,
            Attach::all(a.interactive && cfg.stdin),
            cfg.terminal,
            false,
            &keys,
        );
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
pub fn rm(rt: &Runtime, mut a: RmArgs) -> CmdResult {
    if a.latest {
        a.containers.push(latest(rt)?);
    }
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
        // Containers that join its namespaces go first: with --depend, or with
        // --all (they are in the list too; removing them first keeps the order valid).
        match stop_and_remove(rt, &a, c, a.depend || a.all) {
            Ok(Removal::Done) => {}
            // The forced stop made it exit and its own `--rm` cleanup removed it
            // (`--force` implies missing_ok).
            Ok(Removal::GoneStopping) => return Ok(()),
            // Found, then gone: its own `--rm` cleanup removed it meanwhile (the
            // forced stop made it exit). Removed either way, as asked.
            Err(CliError::Core(CoreError::NoSuchContainer(_))) if missing_ok => {
                if a.force && !(a.all || a.ignore) {
                    println!("{}", t.print);
                }
                return Ok(());
            }
            // A pod's infra goes with its pod: with --depend, or with --all --force (the
            // pod's other members are in the list too), as Podman removes it.
            Err(CliError::Core(CoreError::Pod(p)))
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
            Err(CliError::Core(e)) => return Err(rm_error(e)),
            Err(e) => return Err(e),
        }
        println!("{}", t.print);
        Ok(())
    })
}

/// What became of a container `rm` went for.
enum Removal {
    /// Removed.
    Done,
    /// Gone during the forced stop (its own `--rm` cleanup removed it).
    GoneStopping,
}

/// `rm`'s work on one container: a forced removal with `--time` stops it first (one
/// that does not run is fine); then it is removed, the containers that join its
/// namespaces first when `dependents` (printed, see [`remove_dependents`]). The
/// removal's own error comes back as core's, for the caller to word.
fn stop_and_remove(
    rt: &Runtime,
    a: &RmArgs,
    c: &Container,
    dependents: bool,
) -> Result<Removal, CliError> {
    if a.force {
        if let Some(secs) = a.time {
            match c.stop(Some(Duration::from_secs(secs))) {
                Ok(()) | Err(CoreError::InvalidState { .. }) => {}
                Err(CoreError::NoSuchContainer(_)) => return Ok(Removal::GoneStopping),
                Err(e) => return Err(e.into()),
            }
        }
    }
    match c.remove_with_volumes(a.force, a.volumes) {
        Ok(()) => Ok(Removal::Done),
        Err(CoreError::HasDependents {
            dependents: ids, ..
        }) if dependents => {
            remove_dependents(rt, a, &ids)?;
            c.remove_with_volumes(a.force, a.volumes)
                .map_err(rm_error)?;
            Ok(Removal::Done)
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes the containers that depend on one being removed (`rm --depend`), theirs
/// first, printing each id; a forced removal stops them as `rm` stops its targets.
/// One already gone (removed meanwhile) is skipped.
fn remove_dependents(rt: &Runtime, a: &RmArgs, ids: &[String]) -> Result<(), CliError> {
    for id in ids {
        let c = match rt.container(id) {
            Ok(c) => c,
            Err(CoreError::NoSuchContainer(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        match stop_and_remove(rt, a, &c, true) {
            Ok(Removal::Done) => println!("{id}"),
            Ok(Removal::GoneStopping) | Err(CliError::Core(CoreError::NoSuchContainer(_))) => {}
            Err(CliError::Core(e)) => return Err(rm_error(e)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `lpod wait`: prints each exit code.
pub fn wait(rt: &Runtime, a: WaitArgs) -> CmdResult {
    for c in &a.condition {
        if !matches!(c.as_str(), "stopped" | "exited") {
            return Err(CliError::Usage(format!(
                "wait --condition {c:?}: lpod waits for stopped or exited only"
            )));
        }
    }
    for_each(&a.containers, |name| {
        let code = rt.wait_container(name)?;
        println!("{code}");
        Ok(())
    })
}

/// The most recently created container (`--latest`).
pub(super) fn latest(rt: &Runtime) -> Result<String, CliError> {
    rt.list_containers()?
        .into_iter()
        .max_by_key(|c| c.created_time)
        .map(|c| c.id)
        .ok_or_else(|| CliError::Usage("no containers to choose the latest from".into()))
}

/// `lpod logs`: one or more containers; with several, each line is prefixed with the
/// container's short id (or name with `--names`), as Podman does.
pub fn logs(rt: &Runtime, a: LogsArgs) -> CmdResult {
    let now = chrono::Utc::now();
    let since = a
        .since
        .as_deref()
        .map(|s| parse::since(s, now))
        .transpose()?;
    let until = a
        .until
        .as_deref()
        .map(|s| parse::since(s, now))
        .transpose()?;
    let mut names = a.containers.clone();
    if a.latest {
        names.push(latest(rt)?);
    }
    if names.is_empty() {
        return Err(CliError::Usage(
            "logs needs a container (or --latest)".into(),
        ));
    }
    let mut ctrs = Vec::new();
    for n in &names {
        let c = rt.container(n)?;
        let name = c.config()?.name;
        ctrs.push((c, name));
    }
    let multi = ctrs.len() > 1;
    let opts = LogOptions {
        follow: a.follow,
        tail: a.tail,
        since,
        until,
    };
    let prefix = |id: &str, name: &str, l: &LogLine| -> String {
        let mut p = String::new();
        if multi || a.names {
            if a.names {
                p.push_str(name);
            } else {
                p.push_str(&id[..id.len().min(12)]);
            }
            p.push(' ');
        }
        if a.timestamps {
            let local = l.time.with_timezone(&chrono::Local);
            p.push_str(&local.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false));
            p.push(' ');
        }
        p
    };
    let emit = |pre: &str, l: &LogLine| -> std::io::Result<()> {
        let mut w: Box<dyn Write> = match l.stream {
            LogStream::Stdout => Box::new(std::io::stdout().lock()),
            LogStream::Stderr => Box::new(std::io::stderr().lock()),
        };
        w.write_all(pre.as_bytes())?;
        w.write_all(&l.line)?;
        w.write_all(b"\n")?;
        w.flush()
    };
    if !multi {
        let (c, name) = &ctrs[0];
        c.logs(&opts, &mut |l| emit(&prefix(c.id(), name, l), l))?;
        return Ok(0);
    }
    if !a.follow {
        // Every line of every container, in time order.
        let mut all: Vec<(LogLine, String)> = Vec::new();
        for (c, name) in &ctrs {
            c.logs(&opts, &mut |l| {
                all.push((l.clone(), prefix(c.id(), name, l)));
                Ok(())
            })?;
        }
        all.sort_by_key(|(l, _)| l.time);
        for (l, pre) in &all {
            if emit(pre, l).is_err() {
                break;
            }
        }
        return Ok(0);
    }
    // Following several: one reader per container, lines printed as they come.
    let (tx, rx) = std::sync::mpsc::channel::<(LogLine, String)>();
    let mut handles = Vec::new();
    for (c, name) in ctrs {
        let tx = tx.clone();
        let opts = opts.clone();
        let (id, timestamps, names) = (c.id().to_string(), a.timestamps, a.names);
        handles.push(std::thread::spawn(move || {
            c.logs(&opts, &mut |l| {
                let mut p = if names {
                    name.clone()
                } else {
                    id[..id.len().min(12)].to_string()
                };
                p.push(' ');
                if timestamps {
                    let local = l.time.with_timezone(&chrono::Local);
                    p.push_str(&local.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false));
                    p.push(' ');
                }
                tx.send((l.clone(), p)).map_err(std::io::Error::other)
            })
        }));
    }
    drop(tx);
    for (l, pre) in rx {
        if emit(&pre, &l).is_err() {
            break;
        }
    }
    let mut last = None;
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(CoreError::NoSuchContainer(_))) => {}
            Ok(Err(e)) => last = Some(CliError::from(e)),
            Err(_) => last = Some(CliError::Usage("a log reader panicked".into())),
        }
    }
    match last {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// `exec -d`: the same exec, run by a child lpod in its own process group with no
/// terminal, which lpod does not wait for (daemonless: the child ends with the process).
/// The container is resolved first, so a typo fails here.
fn exec_detached(rt: &Runtime, a: ExecArgs) -> CmdResult {
    use std::os::unix::process::CommandExt;
    let Some(name) = a.container_and_command.first() else {
        return Err(CliError::Usage(
            "exec needs a container and a command".into(),
        ));
    };
    let c = rt.container(name)?;
    if !c.status()?.is_active() {
        return Err(CliError::Usage(format!(
            "can only create exec sessions on running containers: container state improper ({name})"
        )));
    }
    let exe =
        std::env::current_exe().map_err(|e| CliError::io("find lpod", "/proc/self/exe", e))?;
    // Our own command line without -d/--detach: the global flags and the exec's flags as
    // the user gave them.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|x| x == "-d" || x == "--detach") {
        args.remove(i);
    } else {
        return Err(CliError::Usage(
            "exec --detach: give -d or --detach as a flag of its own".into(),
        ));
    }
    libpod_config::failpoint::scrub(&mut std::process::Command::new(exe))
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| CliError::io("start the detached exec", "/proc/self/exe", e))?;
    Ok(0)
}

/// `lpod exec`: exits with the process's code.
pub fn exec(rt: &Runtime, a: ExecArgs) -> CmdResult {
    if a.detach {
        return exec_detached(rt, a);
    }
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
        terminal_size: if a.tty { tty::size() } else { None },
        // Detach keys belong to a terminal: piped data (`-i` alone) passes untouched.
        detach_keys: if a.tty {
            detach_keys(a.detach_keys.as_deref())?
        } else {
            // Still checked, so a bad value is an error either way.
            detach_keys(a.detach_keys.as_deref()).map(|_| Vec::new())?
        },
    };
    let streams = Streams::stdio(a.interactive);
    let _raw = if a.tty { tty::RawMode::enable() } else { None };
    match c.exec(&opts, streams) {
        Ok(code) => Ok(exit::from_container(code)),
        Err(CoreError::Detached(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
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
    let mut names = a.names.clone();
    if a.latest {
        names.push(latest(rt)?);
    }
    for name in &names {
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
                let e = CliError::Usage(match a.kind.as_str() {
                    "container" => format!("no such container: {name}"),
                    "image" => format!("no such image: {name}"),
                    // Podman's words when any kind would do (700-play checks them).
                    _ => format!("inspecting object: no such object: {name:?}"),
                });
                if let Some(prev) = last_err.replace(e) {
                    report(&prev);
                }
            }
        }
    }
    match a.format.as_deref() {
        Some(t) if !format::is_json(Some(t)) => {
            let t = format::Template::parse(t)?;
            for v in &items {
                println!("{}", t.render(v)?);
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
        // Records the exit, tears down, removes --rm containers and applies the
        // restart policy (waiting out its backoff here): all in core.
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
