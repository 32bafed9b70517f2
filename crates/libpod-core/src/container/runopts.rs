//! Podman's extra `run`/`create` settings applied to the spec: time zone,
//! device cgroup rules, the working directory check, `/run/.containerenv`
//! and the default `HOME`.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Where zone files are read from.
const ZONEINFO: &str = "/usr/share/zoneinfo";

/// The host file `--tz` names: `local` is the host's /etc/localtime, else a zone
/// under /usr/share/zoneinfo.
pub(crate) fn timezone_file(tz: &str) -> PathBuf {
    if tz == "local" {
        PathBuf::from("/etc/localtime")
    } else {
        Path::new(ZONEINFO).join(tz)
    }
}

/// `--tz` must name an existing zone, without leaving the zoneinfo directory.
pub(crate) fn check_timezone(tz: &str) -> Result<()> {
    let bad = || Error::InvalidArgument {
        what: "time zone (--tz: a name under /usr/share/zoneinfo, or local)",
        value: tz.to_string(),
    };
    if tz.is_empty() || tz.starts_with('/') || tz.split('/').any(|c| c == "..") {
        return Err(bad());
    }
    if timezone_file(tz).is_file() {
        Ok(())
    } else {
        Err(bad())
    }
}

/// One parsed `--device-cgroup-rule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceRule {
    /// `a`, `b` or `c`.
    pub kind: String,
    /// Major number, `None` for `*`.
    pub major: Option<i64>,
    /// Minor number, `None` for `*`.
    pub minor: Option<i64>,
    /// A combination of r, w, m.
    pub access: String,
}

fn rule_err(msg: String) -> Error {
    Error::Rejected(msg)
}

fn device_number(s: &str) -> Result<Option<i64>> {
    if s == "*" {
        return Ok(None);
    }
    s.parse::<u32>()
        .map(|n| Some(i64::from(n)))
        .map_err(|_| rule_err(format!("strconv.ParseUint: parsing {s:?}: invalid syntax")))
}

/// Parses `TYPE MAJOR[:MINOR] ACCESS` as Podman does, with its messages.
pub(crate) fn parse_device_rule(rule: &str) -> Result<DeviceRule> {
    let f: Vec<&str> = rule.split_whitespace().collect();
    if f.len() != 3 {
        return Err(rule_err(format!(
            "invalid device cgroup rule requires type, major:Minor, and access rules: {rule:?}"
        )));
    }
    let kind = f[0];
    if !matches!(kind, "a" | "b" | "c") {
        return Err(rule_err(format!(
            "invalid device type in device-access-add: {kind}"
        )));
    }
    let (major, minor) = match f[1].split_once(':') {
        Some((ma, mi)) => (device_number(ma)?, device_number(mi)?),
        None => (device_number(f[1])?, None),
    };
    if let Some(c) = f[2].chars().find(|c| !matches!(c, 'r' | 'w' | 'm')) {
        return Err(rule_err(format!(
            "invalid device access in device-access-add: {c}"
        )));
    }
    Ok(DeviceRule {
        kind: kind.to_string(),
        major,
        minor,
        access: f[2].to_string(),
    })
}

/// Adds the rules to the spec's device cgroup (after its deny-all).
pub(crate) fn apply_device_rules(
    spec: &mut libpod_oci::oci_spec::runtime::Spec,
    rules: &[String],
) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    let mut extra = Vec::new();
    for r in rules {
        let d = parse_device_rule(r)?;
        let mut b = libpod_oci::oci_spec::runtime::LinuxDeviceCgroupBuilder::default()
            .allow(true)
            .access(d.access.clone())
            .typ(match d.kind.as_str() {
                "b" => libpod_oci::oci_spec::runtime::LinuxDeviceType::B,
                "c" => libpod_oci::oci_spec::runtime::LinuxDeviceType::C,
                _ => libpod_oci::oci_spec::runtime::LinuxDeviceType::A,
            });
        if let Some(m) = d.major {
            b = b.major(m);
        }
        if let Some(m) = d.minor {
            b = b.minor(m);
        }
        extra.push(b.build().map_err(|e| rule_err(format!("{r}: {e}")))?);
    }
    if let Some(linux) = spec.linux_mut() {
        if let Some(res) = linux.resources_mut() {
            let mut devs = res.devices().clone().unwrap_or_default();
            devs.extend(extra);
            res.set_devices(Some(devs));
        }
    }
    Ok(())
}

/// A published host port another running container already has is refused, as the
/// host's bind would refuse it (lpod forwards ports with rules, holding no socket).
pub(crate) fn check_ports_free(
    p: &crate::context::Parts,
    cfg: &libpod_config::ContainerConfig,
) -> Result<()> {
    if cfg.port_mappings.is_empty() {
        return Ok(());
    }
    for (other, st) in p.state.all_containers()? {
        if other.id == cfg.id || !st.status.is_active() {
            continue;
        }
        for mine in &cfg.port_mappings {
            let clash = other.port_mappings.iter().any(|theirs| {
                theirs.host_port == mine.host_port
                    && theirs.protocol == mine.protocol
                    && (theirs.host_ip.is_none()
                        || mine.host_ip.is_none()
                        || theirs.host_ip == mine.host_ip)
            });
            if clash {
                let proto = format!("{:?}", mine.protocol).to_lowercase();
                let ip = mine
                    .host_ip
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "0.0.0.0".into());
                return Err(Error::Rejected(format!(
                    "cannot listen on the {proto} port: listen {proto}4 {ip}:{}: bind: address already in use (published by container {})",
                    mine.host_port, other.name
                )));
            }
        }
    }
    Ok(())
}

/// Binds the published host ports of a bridge-mode container (TCP listening, UDP bound)
/// for conmon to hold while the container lives, as Podman does: no other process can
/// take them meanwhile, and a connection the forwarding rules miss waits instead of
/// being refused. A port taken already is Podman's bind error. Rootless containers and
/// other network modes hold none (slirp4netns binds its own).
pub(crate) fn reserve_ports(
    cfg: &libpod_config::ContainerConfig,
) -> Result<Vec<std::sync::Arc<std::os::fd::OwnedFd>>> {
    use std::net::{IpAddr, Ipv4Addr, TcpListener, UdpSocket};
    if !matches!(cfg.namespaces.network, libpod_config::NetworkMode::Bridge)
        || crate::rootless::is_rootless()
    {
        return Ok(Vec::new());
    }
    let mut held = Vec::new();
    for m in &cfg.port_mappings {
        let ip = m.host_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let addr = (ip, m.host_port);
        let fd: std::io::Result<std::os::fd::OwnedFd> = match m.protocol {
            libpod_config::Protocol::Tcp => TcpListener::bind(addr).map(Into::into),
            libpod_config::Protocol::Udp => UdpSocket::bind(addr).map(Into::into),
            // SCTP needs no reservation here (std has no SCTP socket).
            libpod_config::Protocol::Sctp => continue,
        };
        let proto = format!("{:?}", m.protocol).to_lowercase();
        let family = if ip.is_ipv4() { "4" } else { "6" };
        let fd = fd.map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                "address already in use".to_string()
            } else {
                e.to_string()
            };
            Error::Rejected(format!(
                "cannot listen on the {proto} port: listen {proto}{family} {ip}:{}: bind: {why}",
                m.host_port
            ))
        })?;
        held.push(std::sync::Arc::new(fd));
    }
    Ok(held)
}

/// systemd mode: the tmpfs mounts systemd expects, and no host terminals but
/// /dev/tty (ttyN, ttySN) for a privileged container, which systemd would start
/// gettys on (as Podman).
pub(crate) fn systemd_mode(input: &mut libpod_oci::SpecInput) {
    use libpod_oci::MountInput;
    for dir in ["/run", "/run/lock", "/tmp", "/var/log/journal"] {
        let taken = input
            .mounts
            .iter()
            .any(|m| m.destination() == Path::new(dir));
        if !taken {
            input.mounts.push(MountInput::Tmpfs {
                destination: PathBuf::from(dir),
                options: vec![
                    "rw".into(),
                    "rprivate".into(),
                    "nosuid".into(),
                    "nodev".into(),
                    "tmpcopyup".into(),
                ],
            });
        }
    }
    input.devices.retain(|d| {
        let name = d.path.to_string_lossy();
        name.strip_prefix("/dev/tty").is_none_or(|n| n.is_empty())
    });
}

/// `--unsetenv-all`: removes the `PATH` the spec generator adds when the
/// container's environment has none.
pub(crate) fn drop_default_path(spec: &mut libpod_oci::oci_spec::runtime::Spec, env: &[String]) {
    if env.iter().any(|e| e.starts_with("PATH=")) {
        return;
    }
    if let Some(p) = spec.process_mut() {
        if let Some(e) = p.env_mut() {
            e.retain(|v| !v.starts_with("PATH="));
        }
    }
}

/// Whether `workdir` exists in the rootfs or is (or is above) a mount destination
/// (the runtime creates those).
pub(crate) fn workdir_ok(rootfs: &Path, workdir: &Path, mounts: &[PathBuf]) -> bool {
    let rel = workdir.strip_prefix("/").unwrap_or(workdir);
    if rootfs.join(rel).exists() {
        return true;
    }
    mounts.iter().any(|m| m.starts_with(workdir))
}

/// Creates an image-given working directory missing from the rootfs (Podman does).
pub(crate) fn create_workdir(rootfs: &Path, workdir: &Path) -> Result<()> {
    let rel = workdir.strip_prefix("/").unwrap_or(workdir);
    if rel.as_os_str().is_empty() || rel.components().any(|c| c.as_os_str() == "..") {
        return Ok(());
    }
    let p = rootfs.join(rel);
    if p.symlink_metadata().is_ok() {
        return Ok(());
    }
    std::fs::create_dir_all(&p).map_err(|e| Error::io("create working directory", p, e))
}

/// Gives the rootfs an `/etc/mtab` (a symlink to `/proc/mounts`) when the image has none,
/// as Podman does: `mount`, `df` and friends read it. Only in a real `/etc` directory of
/// the rootfs (a symlinked `/etc` could point out of it); anything already at the path
/// (a file, a dangling link) is left alone.
pub(crate) fn ensure_etc_mtab(rootfs: &Path) -> Result<()> {
    let etc = rootfs.join("etc");
    if !etc.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return Ok(());
    }
    let mtab = etc.join("mtab");
    if mtab.symlink_metadata().is_ok() {
        return Ok(());
    }
    match std::os::unix::fs::symlink("/proc/mounts", &mtab) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io("create /etc/mtab", mtab, e)),
    }
}

/// The home directory of `uid` in the rootfs's /etc/passwd, else `/`.
pub(crate) fn home_of(rootfs: &Path, uid: u32) -> String {
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid))
        .map(|f| f[5].to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "/".to_string())
}

/// The contents of `/run/.containerenv`: empty for an unprivileged container, the
/// engine and container facts for a privileged one (as Podman writes it).
pub(crate) fn containerenv(cfg: &libpod_config::ContainerConfig) -> String {
    if !cfg.security.privileged {
        return String::new();
    }
    format!(
        "engine=\"podman-{}\"\nname={:?}\nid={:?}\nimage={:?}\nimageid={:?}\nrootless=0\n",
        env!("CARGO_PKG_VERSION"),
        cfg.name,
        cfg.id,
        cfg.image,
        cfg.image_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_rules_parse_with_podmans_messages() {
        let r = parse_device_rule("b 7:* rmw").unwrap();
        assert_eq!((r.major, r.minor), (Some(7), None));
        assert_eq!(parse_device_rule("a 7 rmw").unwrap().major, Some(7));
        let msg = |r: &str| parse_device_rule(r).unwrap_err().to_string();
        assert!(msg("b 7:* rmX").contains("invalid device access in device-access-add: X"));
        assert!(msg("b 7:2").contains(
            "invalid device cgroup rule requires type, major:Minor, and access rules: \"b 7:2\""
        ));
        assert!(msg("x 7:* rmw").contains("invalid device type in device-access-add: x"));
        assert!(msg("a a:* rmw").contains("strconv.ParseUint: parsing \"a\": invalid syntax"));
    }

    #[test]
    fn timezones() {
        assert!(check_timezone("../etc/passwd").is_err());
        assert!(check_timezone("/etc/localtime").is_err());
        assert!(check_timezone("No/Such_Zone").is_err());
        assert_eq!(timezone_file("local"), Path::new("/etc/localtime"));
        assert_eq!(
            timezone_file("Iceland"),
            Path::new("/usr/share/zoneinfo/Iceland")
        );
    }

    #[test]
    fn workdir_under_a_mount_is_fine() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("etc")).unwrap();
        assert!(workdir_ok(d.path(), Path::new("/etc"), &[]));
        assert!(!workdir_ok(d.path(), Path::new("/nope"), &[]));
        assert!(workdir_ok(
            d.path(),
            Path::new("/nope"),
            &[PathBuf::from("/nope/foo")]
        ));
        assert!(workdir_ok(
            d.path(),
            Path::new("/nope"),
            &[PathBuf::from("/nope")]
        ));
    }

    #[test]
    fn etc_mtab_is_made_only_where_missing_and_only_in_a_real_etc() {
        let d = tempfile::tempdir().unwrap();
        // No /etc: nothing is made.
        ensure_etc_mtab(d.path()).unwrap();
        assert!(d.path().join("etc").symlink_metadata().is_err());
        std::fs::create_dir(d.path().join("etc")).unwrap();
        ensure_etc_mtab(d.path()).unwrap();
        let link = std::fs::read_link(d.path().join("etc/mtab")).unwrap();
        assert_eq!(link, Path::new("/proc/mounts"));
        // An image's own mtab stays.
        let e = tempfile::tempdir().unwrap();
        std::fs::create_dir(e.path().join("etc")).unwrap();
        std::fs::write(e.path().join("etc/mtab"), "own").unwrap();
        ensure_etc_mtab(e.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(e.path().join("etc/mtab")).unwrap(),
            "own"
        );
        // A symlinked /etc is not followed.
        let f = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), f.path().join("etc")).unwrap();
        ensure_etc_mtab(f.path()).unwrap();
        assert!(outside.path().join("mtab").symlink_metadata().is_err());
    }
}
