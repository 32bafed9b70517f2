//! Parsers for `run`/`create` flags of issue 14 (`--group-add`, ...). Each failure is a
//! typed error naming the flag and the value it is about.

/// A `run`/`create` flag value that lpod refuses.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RunFlagError {
    /// `--group-add keep-groups`: Podman's rootless crun feature (keep the calling
    /// user's own supplementary groups), which lpod does not offer.
    #[error(
        "--group-add keep-groups is not supported by lpod (it keeps the calling user's \
         supplementary groups, a rootless crun feature): give the groups by gid or name"
    )]
    KeepGroups,
    /// `--group-add` with an empty or malformed group.
    #[error("invalid --group-add {0:?}: expected a gid or a group name of the image")]
    Group(String),
    /// `--umask` that is not an octal mask up to 0777.
    #[error("invalid --umask {0:?}: expected an octal mask from 0 to 0777 (e.g. 0022)")]
    Umask(String),
    /// `--ulimit` that does not parse.
    #[error("invalid --ulimit {value:?}: {reason}")]
    Ulimit {
        /// The whole flag value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--ulimit` above the host's hard limit, which lpod cannot raise (no
    /// CAP_SYS_RESOURCE).
    #[error(
        "--ulimit {value:?}: the hard limit {hard} is above the host's hard limit {host} \
         for {name}, which cannot be raised without CAP_SYS_RESOURCE"
    )]
    UlimitAboveHost {
        /// The whole flag value.
        value: String,
        /// The limit's name.
        name: String,
        /// The hard limit asked for.
        hard: String,
        /// The host's hard limit.
        host: String,
    },
    /// `--init` without `--init-path` and no catatonit installed (core's error).
    #[error("--init: no init binary: {0}; or give --init-path")]
    NoInit(String),
    /// `--init-path` that is not an existing file.
    #[error("--init-path {path}: {reason}")]
    InitPath {
        /// The path given.
        path: std::path::PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// `--cgroupns` other than host or private.
    #[error("invalid --cgroupns {0:?}: host or private")]
    Cgroupns(String),
    /// `--device-{read,write}-{bps,iops}` that is not `DEVICE:RATE` of a device node.
    #[error("invalid --{flag} {value:?}: {reason}")]
    DeviceThrottle {
        /// The flag's name.
        flag: &'static str,
        /// The whole flag value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--sysctl` that is not `NAME=VALUE`.
    #[error("invalid --sysctl {0:?}: expected NAME=VALUE (e.g. net.ipv4.ip_forward=1)")]
    Sysctl(String),
    /// `--sysctl net.*` for a container sharing the host's network namespace.
    #[error("--sysctl {0:?}: a net.* sysctl cannot be set with --network=host (the host's network namespace)")]
    SysctlHostNet(String),
}

impl From<RunFlagError> for crate::cmd::CliError {
    fn from(e: RunFlagError) -> Self {
        crate::cmd::CliError::Usage(format!("{e}"))
    }
}

/// Validates `--group-add` values: gids, or names looked up in the image's /etc/group
/// when the container starts. `keep-groups` is refused.
pub fn group_add(flags: &[String]) -> Result<Vec<String>, RunFlagError> {
    let mut out: Vec<String> = Vec::new();
    for g in flags {
        if g == "keep-groups" {
            return Err(RunFlagError::KeepGroups);
        }
        let bad = g.is_empty()
            || g.starts_with('-')
            || g.chars().any(|c| c == ':' || c == ',' || c.is_whitespace());
        if bad {
            return Err(RunFlagError::Group(g.clone()));
        }
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    Ok(out)
}

/// `--umask`: an octal mask, at most 0777.
pub fn umask(s: &str) -> Result<u32, RunFlagError> {
    let digits = s.strip_prefix("0o").unwrap_or(s);
    match u32::from_str_radix(digits, 8) {
        Ok(m) if digits.bytes().all(|b| b.is_ascii_digit()) && m <= 0o777 => Ok(m),
        _ => Err(RunFlagError::Umask(s.to_string())),
    }
}

/// A limit value of `--ulimit`: a number, or -1 / `unlimited` for no limit.
fn limit_value(s: &str) -> Option<u64> {
    match s {
        "-1" | "unlimited" => Some(u64::MAX),
        _ => s.parse().ok(),
    }
}

/// A limit for messages: the number, or `unlimited`.
fn limit_text(n: u64) -> String {
    if n == u64::MAX {
        "unlimited".into()
    } else {
        n.to_string()
    }
}

/// `--ulimit NAME=SOFT[:HARD]` (HARD defaults to SOFT, as Podman): a known name, soft
/// at most hard, hard at most the host's hard limit (lpod cannot raise it).
pub fn ulimit(value: &str) -> Result<libpod_core::libpod_config::Ulimit, RunFlagError> {
    let bad = |reason: &str| RunFlagError::Ulimit {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let (name, limits) = value
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=SOFT[:HARD]"))?;
    let t = libpod_core::libpod_oci::spec::rlimit_type(name).ok_or_else(|| {
        bad("unknown name: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack or as")
    })?;
    let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
    let soft = limit_value(soft).ok_or_else(|| bad("the soft limit is not a number or -1"))?;
    let hard = limit_value(hard).ok_or_else(|| bad("the hard limit is not a number or -1"))?;
    if soft > hard {
        return Err(bad("the soft limit is above the hard limit"));
    }
    let host =
        libpod_core::libpod_oci::spec::caller_hard_limit(t).map_err(|e| bad(&e.to_string()))?;
    if hard > host {
        return Err(RunFlagError::UlimitAboveHost {
            value: value.to_string(),
            name: name.to_string(),
            hard: limit_text(hard),
            host: limit_text(host),
        });
    }
    Ok(libpod_core::libpod_config::Ulimit {
        name: name.to_ascii_lowercase(),
        soft,
        hard,
    })
}

/// The init binary of `--init`: `--init-path` (made absolute, it must be a file), else
/// the first catatonit installed ([`libpod_core::pod::catatonit`]).
pub fn init_path(given: Option<&std::path::Path>) -> Result<std::path::PathBuf, RunFlagError> {
    match given {
        Some(p) => {
            let abs = std::fs::canonicalize(p).map_err(|e| RunFlagError::InitPath {
                path: p.to_path_buf(),
                reason: e.to_string(),
            })?;
            if !abs.is_file() {
                return Err(RunFlagError::InitPath {
                    path: p.to_path_buf(),
                    reason: "not a file".into(),
                });
            }
            Ok(abs)
        }
        None => libpod_core::pod::catatonit().map_err(|e| RunFlagError::NoInit(e.to_string())),
    }
}

/// `--cgroupns host|private`.
pub fn cgroupns(s: &str) -> Result<libpod_core::libpod_config::NamespaceMode, RunFlagError> {
    use libpod_core::libpod_config::NamespaceMode;
    match s {
        "host" => Ok(NamespaceMode::Host),
        "private" => Ok(NamespaceMode::Private),
        _ => Err(RunFlagError::Cgroupns(s.to_string())),
    }
}

/// `--env-host`: the host's environment as `KEY=VALUE` (names and values that are
/// not UTF-8 are left out).
pub fn host_env() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, v)| {
            Some(format!(
                "{}={}",
                k.into_string().ok()?,
                v.into_string().ok()?
            ))
        })
        .collect()
}

/// Labels of `--label-file`s (in order), then of `--label`s: later ones win. A file
/// holds `KEY=VALUE` lines ([`crate::parse::label_file`]).
pub fn labels(
    files: &[std::path::PathBuf],
    flags: &[String],
) -> Result<std::collections::BTreeMap<String, String>, crate::cmd::CliError> {
    let mut all = Vec::new();
    for path in files {
        all.extend(crate::parse::label_file(path)?);
    }
    all.extend(flags.iter().cloned());
    Ok(crate::parse::labels(&all)?)
}

/// `--userns`: `None`/`host`/empty → `None`; `keep-id` → the user's host uid and gid
/// (rootless only, as in Podman); any other mode is refused by name.
pub fn keep_id(mode: Option<&str>) -> Result<Option<(u32, u32)>, crate::cmd::CliError> {
    use crate::cmd::CliError;
    match mode.unwrap_or("") {
        "" | "host" => Ok(None),
        m if m == "auto" || m.starts_with("auto:") => Ok(None),
        "keep-id" => match libpod_config::rootless::Identity::current() {
            libpod_config::rootless::Identity::Rootless { uid, gid, .. } => Ok(Some((uid, gid))),
            libpod_config::rootless::Identity::Root => Err(CliError::Usage(
                "--userns=keep-id: keep-id is only supported in rootless mode".into(),
            )),
        },
        other => Err(CliError::Usage(format!(
            "--userns={other}: not supported by lpod (use host, keep-id or auto[:size=N])"
        ))),
    }
}

/// The default size of an `--userns=auto` range (Podman's rootless default, 65536).
pub const USERNS_AUTO_SIZE: u32 = 65536;

/// `--userns=auto[:size=N]` → the number of ids asked for; other modes → `None`.
pub fn userns_auto(mode: Option<&str>) -> Result<Option<u32>, crate::cmd::CliError> {
    use crate::cmd::CliError;
    let Some(rest) = mode.and_then(|m| m.strip_prefix("auto")) else {
        return Ok(None);
    };
    let opts = match rest {
        "" => return Ok(Some(USERNS_AUTO_SIZE)),
        r => r.strip_prefix(':').ok_or_else(|| {
            CliError::Usage(format!(
                "--userns=auto{r}: not supported by lpod (use auto or auto:size=N)"
            ))
        })?,
    };
    let mut size = USERNS_AUTO_SIZE;
    for o in opts.split(',') {
        match o.split_once('=') {
            Some(("size", n)) => {
                size = n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    CliError::Usage(format!(
                        "--userns=auto: size {n:?} is not a number of ids above 0"
                    ))
                })?
            }
            _ => {
                return Err(CliError::Usage(format!(
                    "--userns=auto: option {o:?} is not supported by lpod (size=N is)"
                )))
            }
        }
    }
    Ok(Some(size))
}

/// `--uidmap`/`--gidmap` values.
pub fn id_maps(values: &[String]) -> Result<Vec<libpod_config::IdMap>, crate::cmd::CliError> {
    values
        .iter()
        .map(|v| {
            libpod_config::IdMap::parse(v).map_err(|e| crate::cmd::CliError::Usage(e.to_string()))
        })
        .collect()
}

/// One `--device-read-bps` (and -write-bps, -read-iops, -write-iops) value,
/// `DEVICE:RATE`: an existing device node, and a rate (bytes with an optional unit,
/// `1M` = 1048576, for bps; a plain count for iops).
pub fn device_throttle(
    kind: libpod_core::libpod_config::ThrottleKind,
    value: &str,
) -> Result<libpod_core::libpod_config::DeviceThrottle, RunFlagError> {
    use libpod_core::libpod_config::ThrottleKind as K;
    use std::os::unix::fs::FileTypeExt;
    let flag = match kind {
        K::ReadBps => "device-read-bps",
        K::WriteBps => "device-write-bps",
        K::ReadIops => "device-read-iops",
        K::WriteIops => "device-write-iops",
    };
    let err = |reason: String| RunFlagError::DeviceThrottle {
        flag,
        value: value.to_string(),
        reason,
    };
    let (path, rate) = value
        .rsplit_once(':')
        .ok_or_else(|| err("expected DEVICE:RATE".into()))?;
    let rate = match kind {
        K::ReadBps | K::WriteBps => {
            crate::parse::memory_bytes(rate).map_err(|e| err(e.to_string()))?
        }
        K::ReadIops | K::WriteIops => rate
            .parse::<u64>()
            .map_err(|_| err(format!("rate {rate:?} is not a number of operations")))?,
    };
    let md = std::fs::metadata(path).map_err(|e| err(format!("{path}: {e}")))?;
    if !(md.file_type().is_block_device() || md.file_type().is_char_device()) {
        return Err(err(format!("{path} is not a device")));
    }
    Ok(libpod_core::libpod_config::DeviceThrottle {
        kind,
        path: path.into(),
        rate,
    })
}

/// `--sysctl NAME=VALUE`s (later ones win); `net.*` is refused with `--network host`.
pub fn sysctls(
    flags: &[String],
    network: Option<&str>,
) -> Result<std::collections::BTreeMap<String, String>, RunFlagError> {
    let mut out = std::collections::BTreeMap::new();
    for f in flags {
        let Some((k, v)) = f.split_once('=') else {
            return Err(RunFlagError::Sysctl(f.clone()));
        };
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(RunFlagError::Sysctl(f.clone()));
        }
        if k.starts_with("net.") && network == Some("host") {
            return Err(RunFlagError::SysctlHostNet(f.clone()));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userns_auto_sizes() {
        assert_eq!(userns_auto(None).unwrap(), None);
        assert_eq!(userns_auto(Some("keep-id")).unwrap(), None);
        assert_eq!(userns_auto(Some("auto")).unwrap(), Some(USERNS_AUTO_SIZE));
        assert_eq!(userns_auto(Some("auto:size=500")).unwrap(), Some(500));
        assert!(userns_auto(Some("auto:size=0")).is_err());
        assert!(userns_auto(Some("auto:uidmapping=0:1:2")).is_err());
        assert!(userns_auto(Some("autox")).is_err());
        assert!(keep_id(Some("auto:size=5")).unwrap().is_none());
    }

    #[test]
    fn device_throttles_take_a_device_node_and_a_rate() {
        use libpod_core::libpod_config::ThrottleKind as K;
        let t = device_throttle(K::ReadBps, "/dev/zero:1M").unwrap();
        assert_eq!((t.path.to_str(), t.rate), (Some("/dev/zero"), 1048576));
        let t = device_throttle(K::WriteIops, "/dev/null:300").unwrap();
        assert_eq!((t.kind, t.rate), (K::WriteIops, 300));
        for bad in [
            "/dev/zero",
            "/dev/zero:lots",
            "/nonexistent:1M",
            "/etc/hostname:1M",
        ] {
            assert!(
                matches!(device_throttle(K::ReadBps, bad), Err(RunFlagError::DeviceThrottle { value, .. }) if value == bad),
                "{bad}"
            );
        }
        assert!(device_throttle(K::ReadIops, "/dev/zero:1M").is_err());
    }

    #[test]
    fn sysctls_are_name_value_pairs_and_net_ones_need_a_netns() {
        let m = sysctls(
            &v(&["net.ipv4.ping_group_range=1 2", "kernel.msgmax=65536"]),
            None,
        )
        .unwrap();
        assert_eq!(m["net.ipv4.ping_group_range"], "1 2");
        assert_eq!(m["kernel.msgmax"], "65536");
        for bad in ["", "noval", "=1", "a b=1"] {
            assert_eq!(
                sysctls(&v(&[bad]), None),
                Err(RunFlagError::Sysctl(bad.into()))
            );
        }
        assert_eq!(
            sysctls(&v(&["net.ipv4.ip_forward=1"]), Some("host")),
            Err(RunFlagError::SysctlHostNet("net.ipv4.ip_forward=1".into()))
        );
        assert!(sysctls(&v(&["kernel.msgmax=1"]), Some("host")).is_ok());
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn group_add_keeps_gids_and_names_once_and_refuses_keep_groups() {
        assert_eq!(
            group_add(&v(&["10", "mail", "10"])).unwrap(),
            v(&["10", "mail"])
        );
        assert_eq!(
            group_add(&v(&["keep-groups"])),
            Err(RunFlagError::KeepGroups)
        );
        for bad in ["", "a:b", "a b", "-1"] {
            assert_eq!(group_add(&v(&[bad])), Err(RunFlagError::Group(bad.into())));
        }
    }

    #[test]
    fn umask_is_octal_up_to_0777() {
        assert_eq!(umask("0022"), Ok(0o022));
        assert_eq!(umask("077"), Ok(0o077));
        assert_eq!(umask("0777"), Ok(0o777));
        for bad in ["", "0999", "1000", "abc", "-1", "+7"] {
            assert_eq!(umask(bad), Err(RunFlagError::Umask(bad.into())), "{bad}");
        }
    }

    #[test]
    fn ulimit_parses_and_stays_under_the_host_hard_limit() {
        let u = ulimit("nofile=100:200").unwrap();
        assert_eq!((u.name.as_str(), u.soft, u.hard), ("nofile", 100, 200));
        let u = ulimit("NOFILE=150").unwrap();
        assert_eq!((u.name.as_str(), u.soft, u.hard), ("nofile", 150, 150));
        for bad in [
            "nofile",
            "nosuch=1",
            "nofile=x",
            "nofile=10:y",
            "nofile=20:10",
        ] {
            assert!(
                matches!(ulimit(bad), Err(RunFlagError::Ulimit { .. })),
                "{bad}"
            );
        }
        let (_, host) =
            nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
        if host != u64::MAX {
            assert!(matches!(
                ulimit(&format!("nofile=1:{}", host + 1)),
                Err(RunFlagError::UlimitAboveHost { .. })
            ));
        }
    }
}
