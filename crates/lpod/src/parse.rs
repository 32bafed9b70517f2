//! Parsers for flag values: memory sizes, CPU counts, environment, volumes, labels,
//! filters, signals and times. Each failure names the value it is about.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A flag value that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// `--memory` and friends.
    #[error(
        "invalid size {0:?}: expected a number with an optional unit b, k, m, g, t (e.g. 512m)"
    )]
    Size(String),
    /// `--cpus`.
    #[error("invalid --cpus {0:?}: expected a positive decimal number of CPUs (e.g. 1.5)")]
    Cpus(String),
    /// `-e` / `--env-file` entry.
    #[error("invalid environment variable {0:?}: the name must not be empty or contain spaces")]
    Env(String),
    /// `--env-file` that cannot be read.
    #[error("cannot read env file {path}: {reason}")]
    EnvFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `--label-file` that cannot be read.
    #[error("cannot read label file {path}: {reason}")]
    LabelFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `-v`.
    #[error("invalid volume {spec:?}: {reason}")]
    Volume {
        /// The whole flag value.
        spec: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `--tmpfs`.
    #[error("invalid tmpfs {0:?}: the destination must be an absolute path")]
    Tmpfs(String),
    /// `-l` / `--label`.
    #[error("invalid label {0:?}: expected KEY=VALUE")]
    Label(String),
    /// `--filter` without `=` (Podman's wording).
    #[error("invalid filter {0:?}")]
    FilterSyntax(String),
    /// `--filter` with a key the verb does not know (Podman's wording).
    #[error("{0} is an invalid filter")]
    FilterKey(String),
    /// `--filter KEY=VALUE` whose value is wrong.
    #[error("invalid filter {filter:?}: {reason}")]
    FilterValue {
        /// The whole filter.
        filter: String,
        /// What is wrong with the value.
        reason: String,
    },
    /// `--filter restart-policy=` with unknown policies (Podman's wording).
    #[error("{names} {what}")]
    RestartPolicyFilter {
        /// The unknown policies, comma-separated.
        names: String,
        /// "invalid restart policy" or "invalid restart policies".
        what: &'static str,
    },
    /// `--restart`.
    #[error(
        "invalid restart policy {0:?}: expected no, always, on-failure[:MAX] or unless-stopped"
    )]
    RestartPolicy(String),
    /// `--mount`.
    #[error("invalid --mount {spec:?}: {reason}")]
    Mount {
        /// The whole flag value.
        spec: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `-s` / `--signal`: not a signal name or number (Podman's wording).
    #[error("invalid signal: {0}")]
    Signal(String),
    /// `-s` / `--signal`: a number beyond the signals Linux has (Podman's wording).
    #[error("valid signals are 1 through 64")]
    SignalRange(String),
    /// `--since`.
    #[error("invalid time {0:?}: expected RFC 3339, unix seconds, or a duration like 10m")]
    Time(String),
    /// `--rootfs` without `:O`.
    #[error("--rootfs {0:?}: lpod runs a root file system directory as an overlay only: give DIR:O (changes stay the container's; DIR is not written)")]
    Rootfs(String),
    /// `--network`.
    #[error(
        "invalid network {0:?}: expected none, host, bridge, container:NAME or network names (a,b)"
    )]
    Network(String),
    /// `--network pasta:OPTS`: pasta's own options are not passed through.
    #[error("network mode {0:?} is not supported: lpod runs pasta with its own options (use pasta without options, slirp4netns, bridge, a network name, host or none)")]
    NetworkUnsupported(String),
    /// An option of `--network slirp4netns:OPTS` lpod does not know or cannot parse.
    #[error("invalid slirp4netns option {opt:?}: {reason}")]
    SlirpOption {
        /// The option as given.
        opt: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// `--security-opt`.
    #[error("invalid --security-opt {opt:?}: {reason}")]
    SecurityOpt {
        /// The value as given.
        opt: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--device`.
    #[error("invalid --device {spec:?}: {reason}")]
    Device {
        /// The value as given.
        spec: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// One parsed `--security-opt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityOpt {
    /// `seccomp=unconfined` or `seccomp=PATH`.
    Seccomp(String),
    /// `no-new-privileges[=true|false]`.
    NoNewPrivileges(bool),
    /// `mask=/a:/b`.
    Mask(Vec<String>),
    /// `unmask=ALL` or `unmask=/a:/b`.
    Unmask(Vec<String>),
    /// `label=disable` (SELinux is not used by lpod; accepted and ignored).
    LabelDisable,
    /// `apparmor=unconfined` on a host with AppArmor (lpod applies no profile).
    AppArmorUnconfined,
}

/// Parses one `--security-opt` value; `apparmor_enabled` says whether the host has
/// AppArmor (ours do not), since Podman refuses AppArmor options without it.
pub fn security_opt(s: &str, apparmor_enabled: bool) -> Result<SecurityOpt, ParseError> {
    let err = |reason: String| ParseError::SecurityOpt {
        opt: s.to_string(),
        reason,
    };
    let (key, value) = match s.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        // Docker's old `key:value` form.
        None => match s.split_once(':') {
            Some((k, v)) => (k, Some(v)),
            _ => (s, None),
        },
    };
    let paths = |v: &str, allow_all: bool| -> Result<Vec<String>, ParseError> {
        if allow_all && v == "ALL" {
            return Ok(vec!["ALL".into()]);
        }
        let list: Vec<String> = v.split(':').map(str::to_string).collect();
        if list.iter().any(|p| !p.starts_with('/')) {
            return Err(err(format!(
                "paths must be absolute and ':' separated{}",
                if allow_all { " (or ALL)" } else { "" }
            )));
        }
        Ok(list)
    };
    match (key, value) {
        ("seccomp", Some(v)) if !v.is_empty() => Ok(SecurityOpt::Seccomp(v.to_string())),
        ("no-new-privileges", None) => Ok(SecurityOpt::NoNewPrivileges(true)),
        ("no-new-privileges", Some(v)) => match v {
            "true" => Ok(SecurityOpt::NoNewPrivileges(true)),
            "false" => Ok(SecurityOpt::NoNewPrivileges(false)),
            _ => Err(err("expected no-new-privileges=true or =false".into())),
        },
        ("mask", Some(v)) => Ok(SecurityOpt::Mask(paths(v, false)?)),
        ("unmask", Some(v)) => Ok(SecurityOpt::Unmask(paths(v, true)?)),
        ("label", Some("disable")) => Ok(SecurityOpt::LabelDisable),
        ("label", _) => Err(err(
            "SELinux is not enabled on this host (only label=disable is accepted)".into(),
        )),
        ("apparmor", _) if !apparmor_enabled => {
            Err(err("AppArmor is not enabled on this host".into()))
        }
        ("apparmor", Some("unconfined")) => Ok(SecurityOpt::AppArmorUnconfined),
        ("apparmor", _) => Err(err(
            "lpod applies no AppArmor profiles (only apparmor=unconfined is accepted)".into(),
        )),
        _ => Err(err(
            "expected seccomp=, no-new-privileges[=BOOL], mask=, unmask=, label=disable or apparmor=".into(),
        )),
    }
}

/// Parses `--device HOST[:CONTAINER][:PERMISSIONS]` into (host, container, permissions);
/// the container path defaults to the host path and permissions to `rwm`.
pub fn device(spec: &str) -> Result<(PathBuf, PathBuf, String), ParseError> {
    let err = |reason| ParseError::Device {
        spec: spec.into(),
        reason,
    };
    let perms_ok =
        |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| matches!(c, 'r' | 'w' | 'm'));
    let parts: Vec<&str> = spec.split(':').collect();
    let (host, ctr, perms) = match parts.as_slice() {
        [h] => (*h, *h, "rwm"),
        [h, x] if x.starts_with('/') => (*h, *x, "rwm"),
        [h, x] if perms_ok(x) => (*h, *h, *x),
        [_, _] => {
            return Err(err(
                "the second field must be an absolute path or permissions (r, w, m)",
            ))
        }
        [h, c, p] => (*h, *c, *p),
        _ => return Err(err("expected HOST[:CONTAINER][:PERMISSIONS]")),
    };
    if !host.starts_with('/') {
        return Err(err("the host path must be absolute"));
    }
    if !ctr.starts_with('/') {
        return Err(err("the container path must be absolute"));
    }
    if !perms_ok(perms) {
        return Err(err("permissions must be a combination of r, w and m"));
    }
    Ok((host.into(), ctr.into(), perms.to_string()))
}

/// Parses a memory size like Docker's RAMInBytes: `512m`, `1g`, `1.5G`, `100kb`, `1024`
/// (bytes); units are binary (k = 1024).
pub fn memory_bytes(s: &str) -> Result<u64, ParseError> {
    let err = || ParseError::Size(s.to_string());
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') {
        return Err(err());
    }
    let value: f64 = num.parse().map_err(|_| err())?;
    let unit = unit.trim_start().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let mult: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        "p" => 1 << 50,
        _ => return Err(err()),
    };
    let bytes = value * mult as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes as u64)
}

/// A size in decimal units as Podman's `--log-opt max-size` takes it: `1.5m` is
/// 1 500 000 bytes (k, m, g, t, p; an optional trailing `b`).
pub fn decimal_size(s: &str) -> Result<u64, ParseError> {
    let err = || ParseError::Size(s.to_string());
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| err())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let mult: f64 = match unit {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" => 1e9,
        "t" => 1e12,
        "p" => 1e15,
        _ => return Err(err()),
    };
    let bytes = (value * mult).round();
    if !bytes.is_finite() || bytes < 0.0 || bytes >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes as u64)
}

/// CFS period used for `--cpus`, as Podman does.
pub const CPU_PERIOD: u64 = 100_000;

/// Parses `--cpus` into a CFS (quota, period) pair in microseconds.
pub fn cpus(s: &str) -> Result<(i64, u64), ParseError> {
    let v: f64 = s.trim().parse().map_err(|_| ParseError::Cpus(s.into()))?;
    if !v.is_finite() || v <= 0.0 || v > 1_000_000.0 {
        return Err(ParseError::Cpus(s.into()));
    }
    let quota = (v * CPU_PERIOD as f64).round() as i64;
    if quota < 1000 {
        // The kernel refuses quotas below 1ms.
        return Err(ParseError::Cpus(s.into()));
    }
    Ok((quota, CPU_PERIOD))
}

/// Resolves one `-e` value: `KEY=VALUE` as given, bare `KEY` from `lookup` (dropped when unset).
pub fn env_entry(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, ParseError> {
    let (k, v) = match s.split_once('=') {
        Some((k, v)) => (k, Some(v.to_string())),
        None => (s, None),
    };
    if k.is_empty() || k.contains(char::is_whitespace) {
        return Err(ParseError::Env(s.into()));
    }
    Ok(match v {
        Some(v) => Some((k.to_string(), v)),
        None => lookup(k).map(|v| (k.to_string(), v)),
    })
}

/// The entries of an env or label file, as Podman reads both: one a line, leading
/// whitespace trimmed (trailing kept, it belongs to the value), blank lines and `#`
/// comments skipped.
fn file_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim_start)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Parses the text of an env file: one `KEY=VALUE` (or bare `KEY`) a line, `#` comments and
/// blank lines skipped, leading whitespace of the name trimmed, the value kept verbatim.
pub fn env_file_text(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, ParseError> {
    let mut out = Vec::new();
    for line in file_lines(text) {
        if let Some(kv) = env_entry(line, lookup)? {
            out.push(kv);
        }
    }
    Ok(out)
}

/// Reads a `--label-file`: its `KEY=VALUE` lines (see [`file_lines`]), for [`labels`].
pub fn label_file(path: &Path) -> Result<Vec<String>, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|e| ParseError::LabelFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(file_lines(&text).map(str::to_string).collect())
}

/// Reads an env file (see [`env_file_text`]).
pub fn env_file(path: &Path) -> Result<Vec<(String, String)>, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|e| ParseError::EnvFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    env_file_text(&text, &|k| std::env::var(k).ok())
}

/// Merges environment: env files first, then `-e` flags, later entries win, order kept.
pub fn merge_env(files: &[PathBuf], flags: &[String]) -> Result<Vec<(String, String)>, ParseError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |(k, v): (String, String)| {
        if let Some(e) = out.iter_mut().find(|(ek, _)| *ek == k) {
            e.1 = v;
        } else {
            out.push((k, v));
        }
    };
    for f in files {
        for kv in env_file(f)? {
            push(kv);
        }
    }
    for e in flags {
        if let Some(kv) = env_entry(e, &|k| std::env::var(k).ok())? {
            push(kv);
        }
    }
    Ok(out)
}

/// A parsed `-v` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    /// Host path (bind) or volume name; `None` for an anonymous volume (`-v /data`).
    pub source: Option<String>,
    /// Absolute path in the container.
    pub destination: String,
    /// Mount options (ro, rw, z, Z, rbind, ...), validated, in order.
    pub options: Vec<String>,
}

impl VolumeSpec {
    /// Whether the source is a host path (a bind mount) rather than a named volume.
    pub fn is_bind(&self) -> bool {
        self.source
            .as_deref()
            .is_some_and(|s| s.starts_with('/') || s.starts_with('.'))
    }

    /// Whether `ro` was asked for.
    pub fn read_only(&self) -> bool {
        self.options.iter().any(|o| o == "ro")
    }
}

const VOLUME_OPTIONS: &[&str] = &[
    "ro", "rw", "z", "Z", "rbind", "bind", "private", "rprivate", "shared", "rshared", "slave",
    "rslave", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "U", "O", "copy", "nocopy",
    "idmap",
];

/// Parses `-v SRC:DEST[:OPTS]` or `-v DEST`.
pub fn volume(spec: &str) -> Result<VolumeSpec, ParseError> {
    let err = |reason| ParseError::Volume {
        spec: spec.into(),
        reason,
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, dest, opts) = match parts.as_slice() {
        [d] => (None, *d, None),
        [s, d] => {
            // `-v /dest:ro` is an anonymous volume with options.
            if !d.starts_with('/') && s.starts_with('/') && is_options(d) {
                (None, *s, Some(*d))
            } else {
                (Some(*s), *d, None)
            }
        }
        [s, d, o] => (Some(*s), *d, Some(*o)),
        _ => return Err(err("too many ':' separated fields")),
    };
    if let Some(s) = source {
        if s.is_empty() {
            return Err(err("empty source"));
        }
    }
    if !dest.starts_with('/') {
        return Err(err("the destination must be an absolute path"));
    }
    let mut options = Vec::new();
    if let Some(o) = opts {
        for opt in o.split(',') {
            if !VOLUME_OPTIONS.contains(&opt) {
                return Err(err(
                    "unknown option (known: ro, rw, z, Z, rbind, nosuid, nodev, noexec, ...)",
                ));
            }
            options.push(opt.to_string());
        }
        if options.iter().any(|o| o == "ro") && options.iter().any(|o| o == "rw") {
            return Err(err("ro and rw together"));
        }
    }
    Ok(VolumeSpec {
        source: source.map(str::to_string),
        destination: clean_abs(dest),
        options,
    })
}

fn is_options(s: &str) -> bool {
    s.split(',').all(|o| VOLUME_OPTIONS.contains(&o))
}

fn clean_abs(p: &str) -> String {
    let mut out = String::new();
    for c in p.split('/').filter(|c| !c.is_empty() && *c != ".") {
        out.push('/');
        out.push_str(c);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Parses `--tmpfs DEST[:OPTS]` into (destination, options).
pub fn tmpfs(spec: &str) -> Result<(String, Vec<String>), ParseError> {
    let (dest, opts) = spec.split_once(':').unwrap_or((spec, ""));
    if !dest.starts_with('/') {
        return Err(ParseError::Tmpfs(spec.into()));
    }
    let opts = opts
        .split(',')
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect();
    Ok((clean_abs(dest), opts))
}

/// Parses `-l KEY=VALUE` (or `KEY`, an empty value) into a map; later flags win.
pub fn labels(flags: &[String]) -> Result<BTreeMap<String, String>, ParseError> {
    let mut out = BTreeMap::new();
    for l in flags {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            return Err(ParseError::Label(l.clone()));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// Network mode from `--network`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkMode {
    /// Own network namespace with only loopback.
    None,
    /// The host's network namespace.
    Host,
    /// CNI networks by name (empty: the default network).
    Bridge(Vec<String>),
    /// The network namespace of another container (`container:NAME|ID`).
    Container(String),
    /// A new namespace served by slirp4netns (`slirp4netns[:OPTS]`).
    Slirp4netns(libpod_core::libpod_config::SlirpOptions),
    /// A new namespace served by pasta (`pasta`).
    Pasta,
}

/// Parses the options of `slirp4netns:OPTS` (comma-separated, Podman's names).
fn slirp_options(opts: &str) -> Result<libpod_core::libpod_config::SlirpOptions, ParseError> {
    let mut o = libpod_core::libpod_config::SlirpOptions::default();
    let bool_of = |opt: &str, v: &str| match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ParseError::SlirpOption {
            opt: opt.to_string(),
            reason: "expected true or false",
        }),
    };
    for opt in opts.split(',').filter(|x| !x.is_empty()) {
        let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
        match k {
            "cidr" => o.cidr = Some(v.to_string()),
            // Published ports always go through slirp4netns's own API (as
            // Podman's `port_handler=slirp4netns`); rootlesskit is accepted for
            // Podman's command lines and means the same forwarding here.
            "port_handler" if v == "slirp4netns" || v == "rootlesskit" => {}
            "enable_ipv6" => o.enable_ipv6 = bool_of(opt, v)?,
            "allow_host_loopback" => o.allow_host_loopback = bool_of(opt, v)?,
            "mtu" => {
                o.mtu = Some(v.parse().map_err(|_| ParseError::SlirpOption {
                    opt: opt.to_string(),
                    reason: "expected a number",
                })?)
            }
            _ => {
                return Err(ParseError::SlirpOption {
                    opt: opt.to_string(),
                    reason: "unknown or unsupported option (lpod knows cidr, enable_ipv6, mtu, allow_host_loopback, port_handler)",
                })
            }
        }
    }
    Ok(o)
}

/// Parses `--network`: `none`, `host`, `bridge`, or comma-separated network names.
pub fn network(s: &str) -> Result<NetworkMode, ParseError> {
    match s {
        "none" => Ok(NetworkMode::None),
        "host" => Ok(NetworkMode::Host),
        // Podman's `private`: the default (a new namespace on the default network, as root).
        "bridge" | "private" => Ok(NetworkMode::Bridge(Vec::new())),
        "slirp4netns" => Ok(NetworkMode::Slirp4netns(Default::default())),
        _ if s.starts_with("slirp4netns:") => Ok(NetworkMode::Slirp4netns(slirp_options(
            &s["slirp4netns:".len()..],
        )?)),
        "pasta" => Ok(NetworkMode::Pasta),
        _ if s.starts_with("pasta:") => Err(ParseError::NetworkUnsupported(s.into())),
        _ if s.starts_with("container:") => match &s["container:".len()..] {
            "" => Err(ParseError::Network(s.into())),
            c => Ok(NetworkMode::Container(c.to_string())),
        },
        _ => {
            let names: Vec<String> = s.split(',').map(str::to_string).collect();
            let ok = names.iter().all(|n| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
            if ok {
                Ok(NetworkMode::Bridge(names))
            } else {
                Err(ParseError::Network(s.into()))
            }
        }
    }
}

/// The directory of `--rootfs DIR:O` (as given; the caller makes it absolute). lpod runs
/// a root file system directory as the lower layer of an overlay only (`:O`); Podman's
/// in-place mode (writes into DIR) is refused rather than silently run differently.
pub fn rootfs(arg: &str) -> Result<&Path, ParseError> {
    match arg.strip_suffix(":O") {
        Some(dir) if !dir.is_empty() => Ok(Path::new(dir)),
        _ => Err(ParseError::Rootfs(arg.into())),
    }
}

/// Parses `--restart`: no, always, on-failure[:MAX], unless-stopped.
pub fn restart_policy(s: &str) -> Result<libpod_config::RestartPolicy, ParseError> {
    use libpod_config::RestartPolicy as R;
    let (name, max) = match s.split_once(':') {
        Some((n, m)) => (n, Some(m)),
        None => (s, None),
    };
    let bad = || ParseError::RestartPolicy(s.into());
    match (name, max) {
        ("no" | "", None) => Ok(R::No),
        ("always", None) => Ok(R::Always),
        ("unless-stopped", None) => Ok(R::UnlessStopped),
        ("on-failure", None) => Ok(R::OnFailure(0)),
        ("on-failure", Some(m)) => m.parse().map(R::OnFailure).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// One parsed `--mount`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MountFlag {
    /// `type=`: bind, tmpfs, image, volume.
    pub kind: String,
    /// `src=`/`source=`.
    pub source: Option<String>,
    /// `dst=`/`destination=`/`target=`.
    pub destination: String,
    /// `rw=true`/`readwrite=true` (else read-only for images; binds are read-write
    /// unless `ro`/`readonly`).
    pub read_write: bool,
    /// Other options (tmpfs: `tmpfs-size=` as `size=`, `tmpfs-mode=` as `mode=`).
    pub options: Vec<String>,
}

/// Parses `--mount type=TYPE,src=...,dst=...[,ro|rw=BOOL|...]`.
pub fn mount(spec: &str) -> Result<MountFlag, ParseError> {
    let bad = |reason: &'static str| ParseError::Mount {
        spec: spec.into(),
        reason,
    };
    let mut m = MountFlag::default();
    let mut rw: Option<bool> = None;
    for part in spec.split(',') {
        let (k, v) = match part.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (part, None),
        };
        let flag = |v: Option<&str>| match v {
            None | Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(bad("boolean options take true or false")),
        };
        match k {
            "type" => m.kind = v.unwrap_or_default().to_string(),
            "src" | "source" => m.source = v.map(str::to_string),
            "dst" | "destination" | "target" => m.destination = v.unwrap_or_default().into(),
            "ro" | "readonly" => rw = Some(!flag(v)?),
            "rw" | "readwrite" => rw = Some(flag(v)?),
            "tmpfs-size" => m.options.push(format!("size={}", v.unwrap_or_default())),
            // devpts: its own options, as `KEY=VALUE`.
            "uid" | "gid" | "mode" | "max" | "ptmxmode" => match v {
                Some(v) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
                    m.options.push(format!("{k}={v}"))
                }
                _ => return Err(bad("uid=, gid=, mode=, max= and ptmxmode= take a number")),
            },
            "tmpfs-mode" => m.options.push(format!("mode={}", v.unwrap_or_default())),
            "volume-nocopy" | "nocopy" => m.options.push("nocopy".into()),
            "bind-propagation" => m.options.push(v.unwrap_or_default().to_string()),
            "relabel" => m.options.push(
                match v {
                    Some("shared") => "z",
                    Some("private") => "Z",
                    _ => return Err(bad("relabel takes shared or private")),
                }
                .into(),
            ),
            "U" | "chown" => {
                if flag(v)? {
                    m.options.push("U".into())
                }
            }
            "z" | "Z" | "idmap" | "copy" | "exec" | "noexec" | "dev" | "nodev" | "suid"
            | "nosuid" | "bind" | "rbind" | "shared" | "rshared" | "slave" | "rslave"
            | "private" | "rprivate" => m.options.push(k.to_string()),
            "" => {}
            _ => return Err(bad("unknown option")),
        }
    }
    if m.kind.is_empty() {
        return Err(bad("type= is required"));
    }
    if !m.destination.starts_with('/') {
        return Err(bad("dst= must be an absolute path"));
    }
    if !matches!(m.kind.as_str(), "tmpfs" | "volume" | "devpts")
        && m.source.as_deref().unwrap_or_default().is_empty()
    {
        return Err(bad("src= is required"));
    }
    m.read_write = rw.unwrap_or(m.kind != "image");
    Ok(m)
}

/// Parses a signal as Podman does: one leading `-` is dropped, then a number (1..=64) or a
/// name with or without `SIG`, any case (`KILL`, `sigusr1`, `RTMIN+3`).
pub fn signal(s: &str) -> Result<i32, ParseError> {
    let raw = s.strip_prefix('-').unwrap_or(s);
    if let Ok(n) = raw.parse::<u32>() {
        return match n {
            0 => Err(ParseError::Signal(raw.into())),
            1..=64 => Ok(n as i32),
            _ => Err(ParseError::SignalRange(raw.into())),
        };
    }
    let up = raw.to_ascii_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    let bad = || ParseError::Signal(raw.into());
    if name.is_empty() {
        return Err(bad());
    }
    let (rtmin, rtmax) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    let rt = |base: i32, off: &str, sign: i32| -> Result<i32, ParseError> {
        let n: i32 = off.parse().map_err(|_| bad())?;
        let v = base + sign * n;
        if (rtmin..=rtmax).contains(&v) {
            Ok(v)
        } else {
            Err(bad())
        }
    };
    match name {
        "RTMIN" => return Ok(rtmin),
        "RTMAX" => return Ok(rtmax),
        _ => {}
    }
    if let Some(off) = name.strip_prefix("RTMIN+") {
        return rt(rtmin, off, 1);
    }
    if let Some(off) = name.strip_prefix("RTMAX-") {
        return rt(rtmax, off, -1);
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    format!("SIG{name}")
        .parse::<nix::sys::signal::Signal>()
        .map(|s| s as i32)
        .map_err(|_| bad())
}

/// Parses a Go-style duration: `10s`, `5m`, `1h30m`, `250ms` (libpod_config's one
/// parser); a bare number is seconds.
pub fn duration(s: &str) -> Option<std::time::Duration> {
    let t = s.trim();
    if let Ok(n) = t.parse::<f64>() {
        return (n >= 0.0)
            .then(|| std::time::Duration::try_from_secs_f64(n).ok())
            .flatten();
    }
    libpod_config::go_duration(t)
}

/// Parses `logs --since`: RFC 3339, a date, unix seconds (with fraction), or a duration
/// before `now`.
pub fn since(
    s: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, ParseError> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S") {
        return Ok(Utc.from_utc_datetime(&d));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&dt));
        }
    }
    if t.chars().all(|c| c.is_ascii_digit() || c == '.') && !t.is_empty() {
        let secs: f64 = t.parse().map_err(|_| ParseError::Time(s.into()))?;
        let whole = secs.trunc() as i64;
        let nanos = ((secs - secs.trunc()) * 1e9) as u32;
        return DateTime::from_timestamp(whole, nanos).ok_or(ParseError::Time(s.into()));
    }
    if let Some(d) = duration(t) {
        let d = chrono::Duration::from_std(d).map_err(|_| ParseError::Time(s.into()))?;
        return Ok(now - d);
    }
    Err(ParseError::Time(s.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devpts_mount_options() {
        let m = mount("type=devpts,destination=/pts,uid=0,gid=5,mode=620,max=10").unwrap();
        assert_eq!(m.kind, "devpts");
        assert_eq!(m.destination, "/pts");
        assert_eq!(m.options, ["uid=0", "gid=5", "mode=620", "max=10"]);
        assert!(mount("type=devpts,destination=/pts,mode=rw").is_err());
        assert!(mount("type=devpts,destination=/pts,gid=").is_err());
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(memory_bytes("512m"), Ok(512 << 20));
        assert_eq!(memory_bytes("1g"), Ok(1 << 30));
        assert_eq!(memory_bytes("1G"), Ok(1 << 30));
        assert_eq!(memory_bytes("1.5g"), Ok(3 << 29));
        assert_eq!(memory_bytes("100kb"), Ok(100 << 10));
        assert_eq!(memory_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(memory_bytes("4096"), Ok(4096));
        assert_eq!(memory_bytes("10 m"), Ok(10 << 20));
        for bad in ["", "m", "12x", "-1m", "1..2m", ".5g", "1gg"] {
            assert!(memory_bytes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cpu_quota() {
        assert_eq!(cpus("1.5"), Ok((150_000, 100_000)));
        assert_eq!(cpus("0.5"), Ok((50_000, 100_000)));
        assert_eq!(cpus("2"), Ok((200_000, 100_000)));
        for bad in ["0", "-1", "abc", "0.001", "NaN"] {
            assert!(cpus(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_files_and_flags() {
        let look = |k: &str| (k == "HOSTVAR").then(|| "fromhost".to_string());
        let got = env_file_text(
            "# comment\n\nA=1\n  B=two words\nHOSTVAR\nUNSET\nC=x=y\n",
            &look,
        )
        .unwrap();
        assert_eq!(
            got,
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("HOSTVAR".into(), "fromhost".into()),
                ("C".into(), "x=y".into())
            ]
        );
        assert!(env_entry("=x", &look).is_err());
        assert!(env_entry("A B=x", &look).is_err());
        assert_eq!(env_entry("E=", &look), Ok(Some(("E".into(), "".into()))));
    }

    #[test]
    fn env_merge_later_wins() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("env");
        std::fs::write(&f, "A=file\nB=file\n").unwrap();
        let got = merge_env(&[f], &["B=flag".into(), "C=3".into()]).unwrap();
        assert_eq!(
            got,
            [
                ("A".into(), "file".into()),
                ("B".into(), "flag".into()),
                ("C".into(), "3".into())
            ]
        );
        let missing = merge_env(&[dir.path().join("nope")], &[]).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }

    #[test]
    fn volumes() {
        let v = volume("/host/dir:/ctr/dir:ro,z").unwrap();
        assert_eq!(v.source.as_deref(), Some("/host/dir"));
        assert_eq!(v.destination, "/ctr/dir");
        assert!(v.read_only() && v.is_bind());
        let v = volume("data:/var/lib/data").unwrap();
        assert!(!v.is_bind());
        let v = volume("/anon").unwrap();
        assert_eq!(v.source, None);
        let v = volume("/anon:ro").unwrap();
        assert_eq!((v.source.clone(), v.read_only()), (None, true));
        let v = volume("/h:/c//x/./").unwrap();
        assert_eq!(v.destination, "/c/x");
        for bad in [
            "/h:rel",
            "/h:/c:bogus",
            "/h:/c:ro,rw",
            "a:b:c:d",
            ":/c",
            "rel",
        ] {
            assert!(volume(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tmpfs_specs() {
        assert_eq!(
            tmpfs("/run:size=64m,mode=1777").unwrap(),
            ("/run".into(), vec!["size=64m".into(), "mode=1777".into()])
        );
        assert_eq!(tmpfs("/tmp").unwrap(), ("/tmp".into(), vec![]));
        assert!(tmpfs("tmp").is_err());
    }

    #[test]
    fn label_flags() {
        let l = labels(&["a=1".into(), "b".into(), "a=2".into()]).unwrap();
        assert_eq!(l.get("a").map(String::as_str), Some("2"));
        assert_eq!(l.get("b").map(String::as_str), Some(""));
        assert!(labels(&["=x".into()]).is_err());
    }

    #[test]
    fn env_and_label_files_share_podmans_line_reading() {
        // Leading whitespace goes, trailing stays (part of the value), as Podman.
        let lines: Vec<&str> = file_lines("# c\n\n a=1 \nb\n\t#x\nc=x=y\n").collect();
        assert_eq!(lines, ["a=1 ", "b", "c=x=y"]);
        let missing = Path::new("/nonexistent/lpod-labels");
        assert!(matches!(
            label_file(missing),
            Err(ParseError::LabelFile { path, .. }) if path == missing
        ));
    }

    #[test]
    fn rootfs_needs_overlay() {
        assert_eq!(rootfs("/srv/root:O"), Ok(Path::new("/srv/root")));
        assert_eq!(rootfs("rel/root:O"), Ok(Path::new("rel/root")));
        assert!(rootfs("/srv/root").is_err());
        assert!(rootfs(":O").is_err());
    }

    #[test]
    fn networks() {
        assert_eq!(network("none"), Ok(NetworkMode::None));
        assert_eq!(network("host"), Ok(NetworkMode::Host));
        assert_eq!(network("bridge"), Ok(NetworkMode::Bridge(vec![])));
        assert_eq!(
            network("a,b-1"),
            Ok(NetworkMode::Bridge(vec!["a".into(), "b-1".into()]))
        );
        assert!(network("a,,b").is_err());
        assert_eq!(
            network("container:web"),
            Ok(NetworkMode::Container("web".into()))
        );
        assert!(network("container:").is_err());
        assert!(network("bad name").is_err());
        let NetworkMode::Slirp4netns(o) =
            network("slirp4netns:cidr=10.5.0.0/24,enable_ipv6=true,mtu=1500").unwrap()
        else {
            panic!("not slirp4netns")
        };
        assert_eq!(o.cidr.as_deref(), Some("10.5.0.0/24"));
        assert!(o.enable_ipv6 && !o.allow_host_loopback);
        assert_eq!(o.mtu, Some(1500));
        assert_eq!(
            network("slirp4netns"),
            Ok(NetworkMode::Slirp4netns(Default::default()))
        );
        assert!(matches!(
            network("slirp4netns:outbound_addr=eth0"),
            Err(ParseError::SlirpOption { .. })
        ));
        assert!(matches!(
            network("slirp4netns:enable_ipv6=yes"),
            Err(ParseError::SlirpOption { .. })
        ));
        assert!(matches!(network("pasta"), Ok(NetworkMode::Pasta)));
        assert!(matches!(
            network("pasta:-T,none"),
            Err(ParseError::NetworkUnsupported(_))
        ));
        // A network that merely starts with the word is a network name.
        assert!(network("slirp4netnsish").is_ok());
    }

    #[test]
    fn security_opts() {
        use SecurityOpt as S;
        assert_eq!(
            security_opt("seccomp=unconfined", false),
            Ok(S::Seccomp("unconfined".into()))
        );
        assert_eq!(
            security_opt("seccomp=/p.json", false),
            Ok(S::Seccomp("/p.json".into()))
        );
        assert_eq!(
            security_opt("no-new-privileges", false),
            Ok(S::NoNewPrivileges(true))
        );
        assert_eq!(
            security_opt("no-new-privileges=false", false),
            Ok(S::NoNewPrivileges(false))
        );
        assert_eq!(
            security_opt("mask=/a:/b", false),
            Ok(S::Mask(vec!["/a".into(), "/b".into()]))
        );
        assert_eq!(
            security_opt("unmask=ALL", false),
            Ok(S::Unmask(vec!["ALL".into()]))
        );
        assert_eq!(security_opt("label=disable", false), Ok(S::LabelDisable));
        let e = security_opt("apparmor=myprofile", false).unwrap_err();
        assert!(e.to_string().contains("AppArmor is not enabled"), "{e}");
        assert_eq!(
            security_opt("apparmor=unconfined", true),
            Ok(S::AppArmorUnconfined)
        );
        assert!(security_opt("apparmor=other", true).is_err());
        let e = security_opt("label=type:foo_t", false).unwrap_err();
        assert!(e.to_string().contains("SELinux is not enabled"), "{e}");
        for bad in [
            "seccomp=",
            "no-new-privileges=maybe",
            "mask=rel",
            "unmask=/a:b",
            "bogus=1",
            "mask=ALL",
        ] {
            assert!(security_opt(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn devices() {
        assert_eq!(
            device("/dev/null").unwrap(),
            ("/dev/null".into(), "/dev/null".into(), "rwm".into())
        );
        assert_eq!(
            device("/dev/null:/dev/mynull").unwrap(),
            ("/dev/null".into(), "/dev/mynull".into(), "rwm".into())
        );
        assert_eq!(
            device("/dev/null:r").unwrap(),
            ("/dev/null".into(), "/dev/null".into(), "r".into())
        );
        assert_eq!(
            device("/dev/null:/dev/x:rw").unwrap(),
            ("/dev/null".into(), "/dev/x".into(), "rw".into())
        );
        for bad in [
            "dev/null",
            "/dev/null:x",
            "/dev/null:/x:rwx",
            "/a:/b:r:w",
            "/a:rel:r",
        ] {
            assert!(device(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn signals() {
        assert_eq!(signal("KILL"), Ok(9));
        assert_eq!(signal("sigterm"), Ok(15));
        assert_eq!(signal("SIGHUP"), Ok(1));
        assert_eq!(signal("2"), Ok(2));
        assert!(signal("BOGUS").is_err());
        assert_eq!(signal("-INT"), Ok(2));
        assert_eq!(signal("-SIGUSR1"), Ok(10));
        assert_eq!(signal("64"), Ok(64));
        assert_eq!(signal("RTMIN+1"), Ok(libc::SIGRTMIN() + 1));
        // Podman's messages: the value without its dash.
        for bad in ["0", "-0", "SIG", "BADSIG", "%%", "!", "''", "-"] {
            let raw = bad.strip_prefix('-').unwrap_or(bad);
            assert_eq!(signal(bad), Err(ParseError::Signal(raw.into())), "{bad}");
            assert_eq!(
                signal(bad).unwrap_err().to_string(),
                format!("invalid signal: {raw}")
            );
        }
        for big in ["65", "-65", "999", "99999999"] {
            assert_eq!(
                signal(big).unwrap_err().to_string(),
                "valid signals are 1 through 64"
            );
        }
    }

    #[test]
    fn durations_and_since() {
        use std::time::Duration;
        assert_eq!(duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(duration("5"), Some(Duration::from_secs(5)));
        assert_eq!(duration("5x"), None);
        let now = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        assert_eq!(since("10m", now).unwrap().timestamp(), 1_000_000 - 600);
        assert_eq!(since("999000", now).unwrap().timestamp(), 999_000);
        assert_eq!(
            since("1970-01-12T13:46:40Z", now).unwrap().timestamp(),
            1_000_000
        );
        assert_eq!(since("1970-01-02", now).unwrap().timestamp(), 86_400);
        assert!(since("yesterday", now).is_err());
    }
}
