//! Initialising a locked container: mounts the rootfs, sets up the network
//! namespace mode, writes the OCI bundle and creates the container under
//! conmon. → Created. What it depends on (a pod's infra) is already running:
//! the verb sees to that first (`pod::infra::start_for_member`).

use std::path::{Path, PathBuf};

use libpod_config::{failpoint, ContainerStatus, MountKind, Operation};
use libpod_oci::{MountInput, Namespace, ProcessInput, Resources, SpecInput};
use libpod_state::JournalKind;

use super::lock::Locked;
use crate::journal::{Acquired, Op};
use crate::{Error, Result};

/// Reads a file of a root filesystem resolved inside it ("" when it cannot be read):
/// an image's `/etc/passwd` that is a symlink to a host path reads nothing of the host.
pub(crate) fn read_contained(rootfs: &Path, rel: &str) -> String {
    libpod_storage::contained::ContainedRoot::open(rootfs)
        .and_then(|r| r.read(Path::new(rel)))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The gid of group `name` in the text of an /etc/group.
fn group_gid(group: &str, name: &str) -> Option<u32> {
    group
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 3 && f[0] == name)
        .and_then(|f| f[2].parse().ok())
}

/// Resolves `user` (`uid[:gid]` or `name[:group]`) against the rootfs's
/// /etc/passwd and /etc/group; `None` is root.
pub(crate) fn resolve_user(rootfs: &Path, user: Option<&str>) -> Result<(u32, u32, Vec<u32>)> {
    let Some(user) = user.filter(|u| !u.is_empty()) else {
        return Ok((0, 0, Vec::new()));
    };
    let (u, g) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let passwd = read_contained(rootfs, "etc/passwd");
    let group = read_contained(rootfs, "etc/group");
    let mut uid = u.parse::<u32>().ok();
    let mut gid_from_passwd = None;
    let mut user_name = None;
    for line in passwd.lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 4 {
            continue;
        }
        let matches = match uid {
            Some(n) => f[2].parse::<u32>().ok() == Some(n),
            None => f[0] == u,
        };
        if matches {
            uid = f[2].parse().ok();
            gid_from_passwd = f[3].parse::<u32>().ok();
            user_name = Some(f[0].to_string());
            break;
        }
    }
    let uid = uid.ok_or_else(|| Error::InvalidArgument {
        what: "user (not in the image's /etc/passwd)",
        value: user.to_string(),
    })?;
    let gid = match g {
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => group_gid(&group, g).ok_or_else(|| Error::InvalidArgument {
                what: "group (not in the image's /etc/group)",
                value: g.to_string(),
            })?,
        },
        None => gid_from_passwd.unwrap_or(0),
    };
    let mut extra = Vec::new();
    if let Some(name) = user_name {
        for f in group.lines().map(|l| l.split(':').collect::<Vec<_>>()) {
            if f.len() >= 4 && f[3].split(',').any(|m| m == name) {
                if let Ok(n) = f[2].parse::<u32>() {
                    if n != gid {
                        extra.push(n);
                    }
                }
            }
        }
    }
    Ok((uid, gid, extra))
}

/// `--group-add` groups as gids: numbers as they are, names looked up in the image's
/// /etc/group (as Podman, at start; a name not there is an error naming it).
fn group_add(rootfs: &Path, groups: &[String]) -> Result<Vec<u32>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let group = read_contained(rootfs, "etc/group");
    groups
        .iter()
        .map(|g| {
            if let Ok(n) = g.parse::<u32>() {
                return Ok(n);
            }
            group_gid(&group, g).ok_or_else(|| Error::InvalidArgument {
                what: "--group-add group (not in the image's /etc/group)",
                value: g.clone(),
            })
        })
        .collect()
}

/// The process of the container (also the base of exec processes).
pub(crate) fn process_input(
    cfg: &libpod_config::ContainerConfig,
    rootfs: &Path,
) -> Result<ProcessInput> {
    let (uid, gid, mut additional_gids) = resolve_user(rootfs, cfg.user.as_deref())?;
    for n in group_add(rootfs, &cfg.run.group_add)? {
        if !additional_gids.contains(&n) {
            additional_gids.push(n);
        }
    }
    let mut args = cfg.entrypoint.clone();
    args.extend(cfg.command.iter().cloned());
    let mut process = ProcessInput {
        args,
        env: cfg.env.clone(),
        cwd: cfg
            .working_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/")),
        uid,
        gid,
        additional_gids,
        terminal: cfg.terminal,
        console_size: cfg.run.console_size,
        umask: cfg.run.umask,
        ..ProcessInput::default()
    };
    for u in &cfg.run.ulimits {
        let t = libpod_oci::spec::rlimit_type(&u.name).ok_or_else(|| Error::InvalidArgument {
            what: "ulimit name",
            value: u.name.clone(),
        })?;
        process.rlimits.push((t, u.soft, u.hard));
    }
    // Never an empty HOME: the user's home in the image, else `/` (as Podman).
    if !process.env.iter().any(|e| e.starts_with("HOME=")) {
        process.env.push(format!(
            "HOME={}",
            crate::container::runopts::home_of(rootfs, uid)
        ));
    }
    crate::container::security::apply_process(&cfg.security, &mut process)?;
    Ok(process)
}

/// Network setup: the namespaces, netns/CNI (bridge) and /etc files of the
/// container's network mode (see `crate::network`).
fn network_setup(l: &mut Locked<'_>) -> Result<crate::network::NetSpec> {
    crate::network::setup(l)
}

/// Where an image mount of the container comes from: the image mounted read-only by the
/// store (counted; the container's teardown drops its reference), and for a writable one
/// an overlay with an upper layer of the container's own on top of it.
fn image_volume(l: &Locked<'_>, m: &libpod_config::Mount) -> Result<PathBuf> {
    let ro = l.p.store.mount_image(&m.source)?;
    if !m.options.iter().any(|o| o == "rw") {
        return Ok(ro);
    }
    let dir = super::teardown::image_volume_dir(l.p, l.id(), &m.destination);
    let merged = dir.join("merged");
    if libpod_storage::driver::is_mountpoint(&merged) {
        return Ok(merged);
    }
    for d in ["upper", "work", "merged"] {
        let p = dir.join(d);
        std::fs::create_dir_all(&p).map_err(|e| Error::io("create directory", &p, e))?;
    }
    l.p.store
        .mount_overlay_on(&ro, &dir.join("upper"), &dir.join("work"), &merged)?;
    Ok(merged)
}

/// The container's kernel parameters: Podman's default `net.*` ones when the container
/// has a network namespace of its own (not the host's, a pod's or another container's,
/// whose owner set them), then the user's `--sysctl`s.
fn sysctls(cfg: &libpod_config::ContainerConfig) -> std::collections::HashMap<String, String> {
    use libpod_config::NetworkMode as M;
    let own_netns = matches!(
        cfg.namespaces.network,
        M::None | M::Bridge | M::Slirp4netns(_) | M::Pasta
    );
    let mut out = std::collections::HashMap::new();
    if own_netns {
        for (k, v) in libpod_config::DEFAULT_NET_SYSCTLS {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out.extend(cfg.run.sysctls.clone());
    out
}

/// The container's `--device-*-bps`/`-iops` limits with their devices' numbers, read
/// from the host's device nodes now (a missing node is an error naming it).
fn blkio_throttles(cfg: &libpod_config::ContainerConfig) -> Result<Vec<libpod_oci::BlkioThrottle>> {
    use libpod_config::ThrottleKind as K;
    use std::os::unix::fs::MetadataExt;
    cfg.run
        .device_throttles
        .iter()
        .map(|t| {
            let md = std::fs::metadata(&t.path)
                .map_err(|e| Error::io("read the device of a block I/O limit", &t.path, e))?;
            let rdev = md.rdev();
            Ok(libpod_oci::BlkioThrottle {
                kind: match t.kind {
                    K::ReadBps => libpod_oci::ThrottleKind::ReadBps,
                    K::WriteBps => libpod_oci::ThrottleKind::WriteBps,
                    K::ReadIops => libpod_oci::ThrottleKind::ReadIops,
                    K::WriteIops => libpod_oci::ThrottleKind::WriteIops,
                },
                major: i64::from(libc::major(rdev)),
                minor: i64::from(libc::minor(rdev)),
                rate: t.rate,
            })
        })
        .collect()
}

/// Generates the OCI spec input for the container.
pub(crate) fn spec_input(l: &Locked<'_>, rootfs: &Path, net: Namespace) -> Result<SpecInput> {
    let cfg = &l.cfg;
    let mut input = SpecInput::new(rootfs, Vec::new());
    input.process = process_input(cfg, rootfs)?;
    if cfg.run.init_path.is_some() {
        // `--init`: catatonit is pid 1 and runs the entrypoint (as Podman).
        input.process.args.splice(
            0..0,
            [
                libpod_config::INIT_PATH_IN_CONTAINER.to_string(),
                "--".into(),
            ],
        );
    }
    input.hostname = Some(
        cfg.hostname
            .clone()
            .unwrap_or_else(|| libpod_config::short_id(&cfg.id).to_string()),
    );
    input.namespaces.net = net.clone();
    input.sysctls = sysctls(cfg);
    for m in &cfg.mounts {
        input.mounts.push(match m.kind {
            MountKind::Tmpfs => {
                // The image's content below the tmpfs is copied into it at start
                // (Podman's default `tmpcopyup`; `notmpcopyup` declines): what `cp`
                // wrote there before the start is seen.
                let mut options: Vec<String> = m
                    .options
                    .iter()
                    .filter(|o| *o != "notmpcopyup")
                    .cloned()
                    .collect();
                if !m
                    .options
                    .iter()
                    .any(|o| o == "notmpcopyup" || o == "tmpcopyup")
                {
                    options.push("tmpcopyup".into());
                }
                MountInput::Tmpfs {
                    destination: m.destination.clone(),
                    options,
                }
            }
            MountKind::Devpts => MountInput::Devpts {
                destination: m.destination.clone(),
                options: m.options.clone(),
            },
            MountKind::Image => MountInput::Bind {
                source: image_volume(l, m)?,
                destination: m.destination.clone(),
                readonly: !m.options.iter().any(|o| o == "rw"),
                options: Vec::new(),
            },
            MountKind::Volume => {
                let source = crate::volume::mount::acquire(
                    l.p,
                    &m.source,
                    &cfg.id,
                    rootfs,
                    &m.destination,
                    !m.options.iter().any(|o| o == "nocopy"),
                    (input.process.uid, input.process.gid),
                )?;
                if m.options.iter().any(|o| o == "U") {
                    crate::volume::mount::chown_tree(
                        &source,
                        input.process.uid,
                        input.process.gid,
                    )?;
                }
                MountInput::Bind {
                    source,
                    destination: m.destination.clone(),
                    readonly: m.options.iter().any(|o| o == "ro"),
                    options: crate::container::create::spec_volume_options(&m.options),
                }
            }
            MountKind::Bind => {
                if m.options.iter().any(|o| o == "U") {
                    // `U`: the source tree becomes the container user's (as Podman).
                    crate::volume::mount::chown_tree(
                        Path::new(&m.source),
                        input.process.uid,
                        input.process.gid,
                    )?;
                }
                MountInput::Bind {
                    source: PathBuf::from(&m.source),
                    destination: m.destination.clone(),
                    readonly: m.options.iter().any(|o| o == "ro"),
                    options: crate::container::create::spec_volume_options(&m.options),
                }
            }
        });
    }
    if net == Namespace::Host {
        // The host's resolver and hosts file, read-only, as Podman does for host networking.
        for f in ["/etc/resolv.conf", "/etc/hosts"] {
            let dest = Path::new(f);
            if dest.exists() && !cfg.mounts.iter().any(|m| m.destination == dest) {
                input.mounts.push(MountInput::Bind {
                    source: dest.to_path_buf(),
                    destination: dest.to_path_buf(),
                    readonly: true,
                    options: Vec::new(),
                });
            }
        }
    }
    // Podman's marker that this is a container (with facts when privileged).
    let ctr_dir = l.p.opts.containers_dir().join(&cfg.id);
    let marker = ctr_dir.join("containerenv");
    std::fs::write(&marker, crate::container::runopts::containerenv(cfg))
        .map_err(|e| Error::io("write", &marker, e))?;
    let run_env = Path::new("/run/.containerenv");
    if !cfg.mounts.iter().any(|m| m.destination == run_env) {
        input.mounts.push(MountInput::Bind {
            source: marker,
            destination: run_env.to_path_buf(),
            readonly: true,
            options: Vec::new(),
        });
    }
    if let Some(tz) = &cfg.run.timezone {
        let src = crate::container::runopts::timezone_file(tz);
        let copy = ctr_dir.join("localtime");
        std::fs::copy(&src, &copy).map_err(|e| Error::io("copy time zone file", &src, e))?;
        input.mounts.push(MountInput::Bind {
            source: copy,
            destination: PathBuf::from("/etc/localtime"),
            readonly: true,
            options: Vec::new(),
        });
    }
    let parent = PathBuf::from("/").join(&l.p.opts.config.cgroup_parent);
    input.cgroup_path = Some(SpecInput::cgroup_path_for(Some(&parent), &cfg.id));
    // Rootless: no cgroup path and no limits (create refused any), see `crate::rootless`.
    input.rootless = crate::rootless::is_rootless();
    if cfg.run.keep_id {
        let (uids, gids) = crate::rootless::keep_id_maps()?;
        input.namespaces.user = libpod_oci::Namespace::New;
        input.uid_mappings = uids;
        input.gid_mappings = gids;
    }
    if !cfg.run.uid_map.is_empty() {
        // --uidmap/--gidmap/--userns=auto: the root was shifted onto them at create.
        let lines = |m: &[libpod_config::IdMap]| {
            m.iter()
                .map(|m| (m.container_id, m.host_id, m.size))
                .collect::<Vec<_>>()
        };
        input.namespaces.user = libpod_oci::Namespace::New;
        input.uid_mappings = lines(&cfg.run.uid_map);
        input.gid_mappings = lines(&cfg.run.gid_map);
    }
    input.blkio_throttles = blkio_throttles(cfg)?;
    input.resources = Resources {
        memory_limit: cfg.resources.memory,
        memory_swap: cfg.resources.memory_swap,
        cpu_quota: cfg.resources.cpu_quota,
        cpu_period: cfg.resources.cpu_period,
        cpu_shares: cfg.resources.cpu_shares,
        pids_limit: cfg.resources.pids,
    };
    input.annotations = cfg
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    crate::container::security::apply_spec(&cfg.security, &mut input)?;
    if cfg.run.systemd {
        crate::container::runopts::systemd_mode(&mut input);
    }
    Ok(input)
}

/// The conmon options of the container.
fn create_options(l: &Locked<'_>) -> libpod_oci::CreateOptions {
    let cfg = &l.cfg;
    let opts = &l.p.opts;
    libpod_oci::CreateOptions {
        name: Some(cfg.name.clone()),
        log_path: Some(cfg.log_path.clone()),
        log_size_max: u64::try_from(cfg.run.log_size_max.unwrap_or(opts.config.max_log_size))
            .ok()
            .filter(|n| *n > 0),
        log_driver: match cfg.log_driver {
            libpod_config::LogDriver::None => "none",
            libpod_config::LogDriver::Journald => "journald",
            libpod_config::LogDriver::Passthrough => "passthrough",
            libpod_config::LogDriver::K8sFile | libpod_config::LogDriver::JsonFile => "k8s-file",
        }
        .to_string(),
        // conmon takes a tag for the journal only (k8s-file refuses one).
        log_tag: cfg
            .run
            .log_tag
            .clone()
            .filter(|_| cfg.log_driver == libpod_config::LogDriver::Journald),
        timeout: cfg.run.timeout,
        conmon_pidfile: cfg.run.conmon_pidfile.clone(),
        preserve_fds: cfg.run.preserve_fds,
        held_fds: Vec::new(),
        stdin: cfg.stdin,
        exit_command: opts.exit_command.as_ref().map(|(bin, args)| {
            let mut a = args.clone();
            a.extend(["container".into(), "cleanup".into(), cfg.id.clone()]);
            (bin.clone(), a)
        }),
        conmon_env: opts
            .config
            .conmon_env_vars
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        root_bind: None,
    }
}

/// Creates the container in the runtime. The caller checked the table and
/// cleaned up a Stopped container; `st.status` is Configured or Exited here.
pub(crate) fn init_locked(l: &mut Locked<'_>) -> Result<()> {
    let t = l.check(Operation::Init)?;
    let id = l.id().to_string();
    let p = l.p;
    // Intent first (see `crate::journal`): the mount, then each later step.
    let mut op = Op::begin(
        p,
        JournalKind::Container,
        &id,
        Operation::Init,
        Acquired {
            mount: true,
            ..Acquired::default()
        },
    )?;
    let rootfs = match &l.st.mountpoint {
        Some(m) => m.clone(),
        None => {
            let m = p.store.mount(&id)?;
            l.st.mountpoint = Some(m.clone());
            m
        }
    };
    failpoint::hit("container.init.after_mount");
    let result = (|| -> Result<libpod_oci::Created> {
        if l.cfg.namespaces.network == libpod_config::NetworkMode::Bridge {
            let netns = p.opts.tmp_dir().join("netns").join(format!("lpod-{id}"));
            let networks = l.cfg.networks.clone();
            op.record(|a| {
                a.netns = Some(netns);
                a.networks = networks;
            })?;
        }
        crate::container::runopts::check_ports_free(p, &l.cfg)?;
        let net = network_setup(l)?;
        failpoint::hit("container.init.after_network");
        if let Some(w) = l.cfg.working_dir.clone() {
            if !l.cfg.run.user_workdir {
                crate::container::runopts::create_workdir(&rootfs, &w)?;
            } else {
                let dests: Vec<PathBuf> =
                    l.cfg.mounts.iter().map(|m| m.destination.clone()).collect();
                if !crate::container::runopts::workdir_ok(&rootfs, &w, &dests) {
                    return Err(Error::WorkdirMissing {
                        workdir: w.display().to_string(),
                        id: id.clone(),
                    });
                }
            }
        }
        crate::container::runopts::ensure_etc_mtab(&rootfs)?;
        let mut input = spec_input(l, &rootfs, net.base())?;
        // A user namespace of its own (--uidmap, --userns=auto) cannot traverse the
        // private store: the runtime gets the root through a bind on a 0755 dir, made in
        // conmon's own mount namespace (as Podman does).
        let root_bind = if l.cfg.run.uid_map.is_empty() {
            None
        } else {
            let target = crate::rootless::intermediate_mountpoint()?;
            input.rootfs = target.clone();
            Some((rootfs.clone(), target))
        };
        net.apply(&mut input);
        crate::container::nsmodes::apply_spec(l, &mut input)?;
        let mut spec = input.to_spec()?;
        crate::container::runopts::apply_device_rules(&mut spec, &l.cfg.run.device_cgroup_rules)?;
        if l.cfg.run.no_default_env {
            crate::container::runopts::drop_default_path(&mut spec, &l.cfg.env);
        }
        let bundle = p.opts.bundle_dir().join(&id);
        libpod_storage::private::create_private_dir(&bundle)
            .map_err(|e| Error::io("create bundle", &bundle, e))?;
        if let Some(dir) = l.cfg.log_path.parent() {
            libpod_storage::private::create_private_dir(dir)
                .map_err(|e| Error::io("create log dir", dir, e))?;
        }
        l.st.bundle_path = Some(bundle.clone());
        op.record(|a| a.runtime_create = true)?;
        let mut copts = create_options(l);
        copts.root_bind = root_bind;
        copts.held_fds = crate::container::runopts::reserve_ports(&l.cfg)?;
        let created = p
            .oci_for(&l.cfg.oci_runtime)?
            .create(&id, &bundle, &spec, &copts)?;
        drop(copts);
        let conmon_start = created
            .conmon_pid
            .and_then(|pid| crate::journal::proc_start(pid).ok())
            .map(|(start, _)| start);
        op.record(|a| {
            a.conmon_pid = created.conmon_pid;
            a.conmon_start = conmon_start;
        })?;
        failpoint::hit("container.init.after_runtime_create");
        Ok(created)
    })();
    match result {
        Ok(created) => {
            l.st.pid = Some(created.pid);
            l.st.conmon_pid = created.conmon_pid;
            l.st.exit_code = None;
            l.st.oom_killed = false;
            l.st.error = None;
            l.commit(&t)?;
            failpoint::hit("container.init.after_state");
            crate::events::container(l.p, &l.cfg, crate::events::EventStatus::Init);
            Ok(())
        }
        Err(e) => {
            let argv0 = argv0(&l.cfg);
            let e = map_create_error(e, &argv0);
            // Undo the mounts (image mounts first); keep the status the caller saw.
            if l.st.mountpoint.is_some() {
                for ie in super::teardown::image_volumes_teardown(l) {
                    tracing::warn!(error = %ie, "image mount teardown after a failed init");
                }
            }
            if p.store.unmount(&id, false).is_ok() {
                l.st.mountpoint = None;
            }
            for ne in crate::network::teardown(l) {
                tracing::warn!(error = %ne, "network teardown after a failed init");
            }
            l.st.error = Some(e.to_string());
            let _ = l.save();
            Err(e)
        }
    }
}

/// The program a container runs (its entrypoint, else its command), as errors name it.
pub(crate) fn argv0(cfg: &libpod_config::ContainerConfig) -> String {
    cfg.entrypoint
        .first()
        .or_else(|| cfg.command.first())
        .cloned()
        .unwrap_or_default()
}

/// The runtime's "executable not found" / "permission denied" become the typed
/// errors behind exit codes 127 and 126.
pub(crate) fn map_create_error(e: Error, argv0: &str) -> Error {
    let msg = match &e {
        Error::Oci(libpod_oci::OciError::CreateFailed { message, .. }) => message.to_lowercase(),
        Error::Oci(libpod_oci::OciError::ExecFailed { message, .. }) => message.to_lowercase(),
        Error::Oci(libpod_oci::OciError::Runtime { stderr, .. }) => stderr.to_lowercase(),
        _ => return e,
    };
    if msg.contains("not found") || msg.contains("no such file or directory") {
        Error::CommandNotFound(format!("{argv0}: {msg}"))
    } else if msg.contains("permission denied")
        || msg.contains("operation not permitted")
        || msg.contains("is a directory")
    {
        Error::CommandNotInvokable(format!("{argv0}: {msg}"))
    } else {
        e
    }
}

/// Whether [`ensure_created`] runs init for the container as it is now (not
/// when it is Created already, nor when the table refuses init).
pub(crate) fn will_init(l: &Locked<'_>) -> bool {
    match l.st.status {
        ContainerStatus::Created => false,
        ContainerStatus::Stopped => true,
        _ => l.check(Operation::Init).is_ok(),
    }
}

/// Brings the container to Created from any status `init` or `start` accept:
/// cleans a Stopped container up first.
pub(crate) fn ensure_created(l: &mut Locked<'_>) -> Result<()> {
    match l.st.status {
        ContainerStatus::Created => Ok(()),
        ContainerStatus::Stopped => {
            super::teardown::teardown(l)?;
            init_locked(l)
        }
        _ => init_locked(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_resolve_from_passwd() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("etc")).unwrap();
        std::fs::write(
            d.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\nwww:x:33:33::/:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("etc/group"),
            "root:x:0:\nwww:x:33:\nextra:x:50:www\n",
        )
        .unwrap();
        assert_eq!(resolve_user(d.path(), None).unwrap(), (0, 0, vec![]));
        assert_eq!(
            resolve_user(d.path(), Some("nobody")).unwrap(),
            (65534, 65534, vec![])
        );
        assert_eq!(
            resolve_user(d.path(), Some("www")).unwrap(),
            (33, 33, vec![50])
        );
        assert_eq!(
            resolve_user(d.path(), Some("1000:1000")).unwrap(),
            (1000, 1000, vec![])
        );
        assert_eq!(
            resolve_user(d.path(), Some("33:extra")).unwrap(),
            (33, 50, vec![])
        );
        assert!(resolve_user(d.path(), Some("ghost")).is_err());
    }

    #[test]
    fn group_add_takes_gids_and_image_group_names() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("etc")).unwrap();
        std::fs::write(d.path().join("etc/group"), "root:x:0:\nextra:x:50:www\n").unwrap();
        let g = |v: &[&str]| {
            group_add(
                d.path(),
                &v.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(g(&[]).unwrap(), Vec::<u32>::new());
        assert_eq!(g(&["extra", "1234"]).unwrap(), vec![50, 1234]);
        let e = g(&["ghost"]).unwrap_err().to_string();
        assert!(e.contains("ghost") && e.contains("--group-add"), "{e}");
    }
}
