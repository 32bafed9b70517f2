//! `--network slirp4netns`: a slirp4netns process per container gives its own
//! network namespace user-mode TCP/IP to the host's network (Podman's layout:
//! the container is CIDR.100 on `tap0`, the gateway CIDR.2, the DNS forwarder
//! CIDR.3). lpod spawns it on start, waits for its ready signal, records its pid
//! and start time in the container state, and kills it by pid on teardown.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libpod_config::{SlirpOptions, SlirpProcess};

use crate::error::{Error, NetworkError, Result};

/// The default network of slirp4netns (Podman's too).
pub(crate) const DEFAULT_CIDR: &str = "10.0.2.0/24";
/// How long slirp4netns gets to configure the namespace.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks the options of `--network slirp4netns:...` (a /24 IPv4 network, a
/// sane MTU).
pub(crate) fn validate(o: &SlirpOptions) -> Result<()> {
    if let Some(c) = &o.cidr {
        network_of(c)?;
    }
    if let Some(m) = o.mtu {
        if !(1280..=65521).contains(&m) {
            return Err(Error::InvalidArgument {
                what: "slirp4netns mtu (1280..=65521)",
                value: m.to_string(),
            });
        }
    }
    Ok(())
}

/// The network address of `cidr` (`A.B.C.0/24`).
fn network_of(cidr: &str) -> Result<[u8; 4]> {
    let bad = || Error::InvalidArgument {
        what: "slirp4netns cidr (an IPv4 network A.B.C.0/24)",
        value: cidr.to_string(),
    };
    let (a, len) = cidr.split_once('/').ok_or_else(bad)?;
    let a: Ipv4Addr = a.parse().map_err(|_| bad())?;
    if len != "24" || a.octets()[3] != 0 {
        return Err(bad());
    }
    Ok(a.octets())
}

/// The container's address, gateway and DNS forwarder of these options.
pub(crate) fn addresses(o: &SlirpOptions) -> Result<(IpAddr, IpAddr, IpAddr)> {
    let n = network_of(o.cidr.as_deref().unwrap_or(DEFAULT_CIDR))?;
    let at = |last: u8| IpAddr::V4(Ipv4Addr::new(n[0], n[1], n[2], last));
    Ok((at(100), at(2), at(3)))
}

/// The host's first address, as `hostname -I` prints it (not loopback, not
/// link-local; IPv4 before IPv6): what `host.containers.internal` names.
pub(crate) fn host_address() -> Option<IpAddr> {
    let addrs: Vec<IpAddr> = nix::ifaddrs::getifaddrs()
        .ok()?
        .filter_map(|i| {
            let a = i.address?;
            if let Some(v4) = a.as_sockaddr_in() {
                Some(IpAddr::V4(v4.ip()))
            } else {
                a.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
            }
        })
        .filter(|a| match a {
            IpAddr::V4(v) => !v.is_loopback() && !v.is_link_local(),
            IpAddr::V6(v) => !v.is_loopback() && (v.segments()[0] & 0xffc0) != 0xfe80,
        })
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
}

/// True while the recorded process lives (same pid, same start time, not a zombie).
pub(crate) fn alive(p: &SlirpProcess) -> bool {
    crate::process::same_process(p.pid, p.start_time)
}

/// Starts slirp4netns for the namespace at `netns` and waits until it has
/// configured `tap0` there. The process outlives lpod (its own session); the
/// caller records the returned pid in the container state.
pub(crate) fn spawn(
    id: &str,
    netns: &Path,
    log: &Path,
    o: &SlirpOptions,
    ports: &[libpod_config::PortMapping],
) -> Result<SlirpProcess> {
    let fail = |reason: String| -> Error {
        NetworkError::Slirp4netns {
            id: id.to_string(),
            reason,
        }
        .into()
    };
    let (ready_r, ready_w): (OwnedFd, OwnedFd) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| fail(format!("ready pipe: {e}")))?;
    let wfd = ready_w.as_raw_fd();
    let log_file = std::fs::File::create(log)
        .map_err(|e| fail(format!("create log {}: {e}", log.display())))?;
    let mut cmd = Command::new("slirp4netns");
    cmd.arg("--configure")
        .arg(format!("--mtu={}", o.mtu.unwrap_or(65520)))
        .arg(format!("--ready-fd={wfd}"));
    if !o.allow_host_loopback {
        cmd.arg("--disable-host-loopback");
    }
    if let Some(c) = &o.cidr {
        cmd.arg(format!("--cidr={c}"));
    }
    if o.enable_ipv6 {
        cmd.arg("--enable-ipv6");
    }
    // Published ports go through slirp4netns's API socket (beside its log).
    // A socket path must stay under 108 bytes: slirp4netns runs in the log's
    // directory and gets a relative name; lpod connects through /proc/self/fd.
    let api = log.with_file_name("slirp4netns.sock");
    if !ports.is_empty() {
        let _ = std::fs::remove_file(&api);
        if let Some(dir) = log.parent() {
            cmd.current_dir(dir);
        }
        cmd.arg("--api-socket=slirp4netns.sock");
    }
    cmd.arg("--netns-type=path")
        .arg(netns)
        .arg("tap0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file));
    libpod_config::failpoint::scrub(&mut cmd);
    // SAFETY: between fork and exec only async-signal-safe calls (setsid, fcntl)
    // on the child's own copies of the descriptors.
    unsafe {
        cmd.pre_exec(move || {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            // The ready pipe's write end stays open across exec.
            let flags = nix::fcntl::fcntl(wfd, nix::fcntl::FcntlArg::F_GETFD)
                .map_err(std::io::Error::from)?;
            let mut flags = nix::fcntl::FdFlag::from_bits_truncate(flags);
            flags.remove(nix::fcntl::FdFlag::FD_CLOEXEC);
            nix::fcntl::fcntl(wfd, nix::fcntl::FcntlArg::F_SETFD(flags))
                .map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| {
        fail(match e.kind() {
            std::io::ErrorKind::NotFound => {
                "the slirp4netns binary is not installed (not found in PATH)".to_string()
            }
            _ => format!("spawn: {e}"),
        })
    })?;
    drop(ready_w);
    let pid = child.id() as i32;
    // Our unreaped child: its stat stays readable (a zombie's too). Without its
    // start time it could never be killed by record, so it must not run on.
    let start = match crate::process::stat(pid) {
        Ok(s) => s.start,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let reason = match e {
                crate::process::StatError::Read(path, e) => {
                    format!("read its start time from {}: {e}", path.display())
                }
                crate::process::StatError::Format(path) => {
                    format!(
                        "read its start time: unexpected format of {}",
                        path.display()
                    )
                }
            };
            return Err(fail(reason));
        }
    };
    let proc_ = SlirpProcess {
        pid,
        start_time: start,
    };
    let ready = wait_ready(&ready_r, READY_TIMEOUT).and_then(|()| {
        ports.iter().try_for_each(|p| {
            add_hostfwd(&api, p).map_err(|e| format!("publish port {}: {e}", p.host_port))
        })
    });
    if let Err(reason) = ready {
        kill(&proc_);
        let _ = child.kill();
        let _ = child.wait();
        let err = std::fs::read_to_string(log).unwrap_or_default();
        let err = err.trim();
        let mut reason = if err.is_empty() {
            reason
        } else {
            format!("{reason}: {err}")
        };
        if reason.contains("/dev/net/tun") && crate::rootless::is_rootless() {
            // What is missing, said plainly (issue 18): distributions ship it 0666.
            reason.push_str(
                " (rootless networking needs /dev/net/tun readable and writable by the user: \
                 ask root to `chmod 0666 /dev/net/tun` as stock distributions have it, or \
                 use --network none)",
            );
        }
        return Err(fail(reason));
    }
    // Not waited for: it runs on after lpod exits (reparented to init).
    drop(child);
    Ok(proc_)
}

/// pasta's arguments for published ports: `-t`/`-u [ADDR/]HOST:CONTAINER` each (`none`
/// when there are none, so pasta forwards nothing by itself), and no forwarding from
/// the namespace to the host's loopback (`-T none -U none`) or through the gateway
/// address (`--no-map-gw`), as Podman runs it.
pub(crate) fn pasta_port_args(
    ports: &[libpod_config::PortMapping],
) -> std::result::Result<Vec<String>, String> {
    let mut tcp = Vec::new();
    let mut udp = Vec::new();
    for p in ports {
        let spec = match p.host_ip {
            Some(ip) => format!("{ip}/{}:{}", p.host_port, p.container_port),
            None => format!("{}:{}", p.host_port, p.container_port),
        };
        match p.protocol {
            libpod_config::Protocol::Tcp => tcp.push(spec),
            libpod_config::Protocol::Udp => udp.push(spec),
            libpod_config::Protocol::Sctp => {
                return Err("pasta forwards tcp and udp only".to_string())
            }
        }
    }
    let mut args = Vec::new();
    for (flag, list) in [("-t", tcp), ("-u", udp)] {
        if list.is_empty() {
            args.extend([flag.to_string(), "none".to_string()]);
        }
        for s in list {
            args.extend([flag.to_string(), s]);
        }
    }
    args.extend(
        ["-T", "none", "-U", "none", "--no-map-gw"]
            .iter()
            .map(|s| s.to_string()),
    );
    Ok(args)
}

/// Starts pasta (package passt) for the namespace at `netns`: it copies the host's
/// addresses and routes in (`--config-net`), forwards `ports` from the host, and
/// daemonizes once the namespace is configured, leaving its pid in a file beside `log`.
/// The caller records the returned process in the container state.
pub(crate) fn spawn_pasta(
    id: &str,
    netns: &Path,
    log: &Path,
    ports: &[libpod_config::PortMapping],
) -> Result<SlirpProcess> {
    let fail = |reason: String| -> Error {
        NetworkError::Pasta {
            id: id.to_string(),
            reason,
        }
        .into()
    };
    let pid_file = log.with_file_name("pasta.pid");
    let _ = std::fs::remove_file(&pid_file);
    let log_file = std::fs::File::create(log)
        .map_err(|e| fail(format!("create log {}: {e}", log.display())))?;
    let mut cmd = Command::new("pasta");
    cmd.arg("--config-net").arg("--quiet");
    if nix::unistd::geteuid().is_root() {
        // pasta run by root switches to `nobody` before it opens the namespace, which
        // then fails on root's netns file: stay root (rootless lpod is the user).
        cmd.arg("--runas").arg("0");
    }
    cmd.arg("--pid")
        .arg(&pid_file)
        .args(pasta_port_args(ports).map_err(fail)?)
        .arg("--netns")
        .arg(netns)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file));
    libpod_config::failpoint::scrub(&mut cmd);
    // It returns once the namespace is configured (its daemon runs on).
    let status = cmd.status().map_err(|e| {
        fail(match e.kind() {
            std::io::ErrorKind::NotFound => {
                "the pasta binary is not installed (package passt; not found in PATH)".to_string()
            }
            _ => format!("spawn: {e}"),
        })
    })?;
    let said = || {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    if !status.success() {
        let mut reason = format!("{status}: {}", said());
        if reason.contains("/dev/net/tun") && crate::rootless::is_rootless() {
            reason.push_str(
                " (rootless networking needs /dev/net/tun readable and writable by the user: \
                 ask root to `chmod 0666 /dev/net/tun` as stock distributions have it, or \
                 use --network none)",
            );
        }
        return Err(fail(reason));
    }
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| fail(format!("no pid in {}: {}", pid_file.display(), said())))?;
    let start = crate::process::stat(pid)
        .map_err(|_| fail(format!("its daemon {pid} exited at once: {}", said())))?
        .start;
    Ok(SlirpProcess {
        pid,
        start_time: start,
    })
}

/// Asks slirp4netns (its API socket) to forward a host port to the container.
fn add_hostfwd(api: &Path, p: &libpod_config::PortMapping) -> std::result::Result<(), String> {
    use std::io::{Read, Write};
    let proto = match p.protocol {
        libpod_config::Protocol::Tcp => "tcp",
        libpod_config::Protocol::Udp => "udp",
        libpod_config::Protocol::Sctp => {
            return Err("slirp4netns forwards tcp and udp only".to_string())
        }
    };
    let host_addr = p
        .host_ip
        .map(|a| a.to_string())
        .unwrap_or_else(|| "0.0.0.0".to_string());
    let req = serde_json::json!({
        "execute": "add_hostfwd",
        "arguments": {
            "proto": proto,
            "host_addr": host_addr,
            "host_port": p.host_port,
            "guest_port": p.container_port,
        }
    });
    let dir = api.parent().unwrap_or(Path::new("/"));
    let dirf = std::fs::File::open(dir).map_err(|e| format!("open {}: {e}", dir.display()))?;
    let short = format!("/proc/self/fd/{}/slirp4netns.sock", dirf.as_raw_fd());
    let mut sock = std::os::unix::net::UnixStream::connect(&short)
        .map_err(|e| format!("connect {}: {e}", api.display()))?;
    let _ = sock.set_read_timeout(Some(READY_TIMEOUT));
    sock.write_all(req.to_string().as_bytes())
        .map_err(|e| format!("write to its API socket: {e}"))?;
    let _ = sock.shutdown(std::net::Shutdown::Write);
    let mut reply = String::new();
    sock.read_to_string(&mut reply)
        .map_err(|e| format!("read its API reply: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_str(reply.trim()).map_err(|e| format!("its API reply {reply:?}: {e}"))?;
    match v.get("error") {
        Some(e) => Err(format!("slirp4netns refused: {e}")),
        None => Ok(()),
    }
}

/// Waits for slirp4netns's `1` on the ready pipe, at most `timeout`.
fn wait_ready(r: &OwnedFd, timeout: Duration) -> std::result::Result<(), String> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "it did not report ready within {}s",
                timeout.as_secs()
            ));
        }
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(
            std::os::fd::AsFd::as_fd(r),
            PollFlags::POLLIN | PollFlags::POLLHUP,
        )];
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(0) => continue,
            Ok(_) => {
                let mut b = [0u8; 1];
                return match nix::unistd::read(r.as_raw_fd(), &mut b) {
                    Ok(1) if b[0] == b'1' => Ok(()),
                    Ok(_) => Err("it exited before it was ready".to_string()),
                    Err(e) => Err(format!("reading its ready pipe: {e}")),
                };
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(format!("waiting for its ready pipe: {e}")),
        }
    }
}

/// Kills the recorded slirp4netns (SIGKILL, only if pid and start time still
/// match) and waits briefly until it is gone (reaped, by lpod or by init).
pub(crate) fn kill(p: &SlirpProcess) {
    match crate::process::kill_if_same(p.pid, p.start_time, nix::sys::signal::Signal::SIGKILL) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(pid = p.pid, error = %e, "killing slirp4netns");
            return;
        }
    }
    let pid = nix::unistd::Pid::from_raw(p.pid);
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        // Reaps it when this process spawned it; ECHILD otherwise (init reaps it).
        let _ = nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG));
        if !alive(p) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Live slirp4netns (or pasta) processes among `procs` (pid and argv of each host process:
/// one walk of `/proc` per audit) that serve a netns under `netns_dir` (this run
/// root's): the container id (from the `lpod-ID` netns file name) and the process.
pub(crate) fn find(procs: &[(i32, Vec<String>)], netns_dir: &Path) -> Vec<(String, SlirpProcess)> {
    procs
        .iter()
        .filter_map(|(pid, args)| {
            let a0 = args.first()?.rsplit('/').next()?;
            // pasta's daemon too (argv0 `pasta`, or `pasta.avx2` where passt execs its
            // optimised build): it names the netns path the same way.
            if a0 != "slirp4netns" && !a0.starts_with("pasta") {
                return None;
            }
            let id = args.iter().find_map(|a| {
                let path = Path::new(a);
                (path.parent() == Some(netns_dir))
                    .then(|| {
                        path.file_name()?
                            .to_str()?
                            .strip_prefix("lpod-")
                            .map(str::to_string)
                    })
                    .flatten()
            })?;
            let s = crate::process::stat(*pid).ok().filter(|s| s.state != 'Z')?;
            Some((
                id,
                SlirpProcess {
                    pid: *pid,
                    start_time: s.start,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasta_ports_forward_from_the_given_address() {
        let p = |ip: Option<&str>, h, c, protocol| libpod_config::PortMapping {
            host_ip: ip.map(|i| i.parse().unwrap()),
            host_port: h,
            container_port: c,
            protocol,
        };
        let args = pasta_port_args(&[
            p(Some("127.0.0.1"), 8080, 80, libpod_config::Protocol::Tcp),
            p(None, 5353, 53, libpod_config::Protocol::Udp),
        ])
        .unwrap();
        assert_eq!(
            args,
            [
                "-t",
                "127.0.0.1/8080:80",
                "-u",
                "5353:53",
                "-T",
                "none",
                "-U",
                "none",
                "--no-map-gw"
            ]
        );
        let none = pasta_port_args(&[]).unwrap();
        assert_eq!(&none[..4], ["-t", "none", "-u", "none"]);
        assert!(pasta_port_args(&[p(None, 1, 1, libpod_config::Protocol::Sctp)]).is_err());
    }

    #[test]
    fn find_knows_pasta_by_its_netns_argument() {
        let me = std::process::id() as i32;
        let dir = Path::new("/run/x/netns");
        let procs = vec![
            (
                me,
                vec![
                    "/usr/bin/pasta.avx2".to_string(),
                    "--netns".into(),
                    "/run/x/netns/lpod-abc".into(),
                ],
            ),
            (
                me,
                vec!["/usr/bin/other".to_string(), "/run/x/netns/lpod-d".into()],
            ),
        ];
        let found = find(&procs, dir);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "abc");
    }

    #[test]
    fn addresses_follow_the_cidr() {
        let o = SlirpOptions::default();
        let (a, g, d) = addresses(&o).unwrap();
        assert_eq!(a.to_string(), "10.0.2.100");
        assert_eq!(g.to_string(), "10.0.2.2");
        assert_eq!(d.to_string(), "10.0.2.3");
        let o = SlirpOptions {
            cidr: Some("10.11.12.0/24".into()),
            ..Default::default()
        };
        assert_eq!(addresses(&o).unwrap().0.to_string(), "10.11.12.100");
    }

    #[test]
    fn validate_refuses_bad_cidr_and_mtu() {
        for c in ["10.0.2.0/16", "10.0.2.5/24", "nope", "10.0.2.0"] {
            let o = SlirpOptions {
                cidr: Some(c.into()),
                ..Default::default()
            };
            assert!(validate(&o).is_err(), "{c}");
        }
        let o = SlirpOptions {
            mtu: Some(10),
            ..Default::default()
        };
        assert!(validate(&o).is_err());
        assert!(validate(&SlirpOptions::default()).is_ok());
    }
}
