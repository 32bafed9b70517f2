//! Seccomp confinement of a container's processes.
//!
//! [`SeccompPolicy`] is what callers choose; [`SeccompProfile`] is a profile in the
//! Docker/Podman JSON format loaded from a file. Both turn into a [`Profile`], our own model of
//! a conditional profile (rules that apply only with some capabilities, on some architectures
//! or kernels), which [`Profile::render`] resolves for one container into the spec's
//! `linux.seccomp`. The runtime (runc, crun) compiles and installs the filter; we only write
//! the spec.
//!
//! The built-in default profile is data, `seccomp/default.rules` (Docker's default rules in a
//! compact notation described at the top of that file), parsed once on first use.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use oci_spec::runtime::{
    Arch, Capability, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder,
    LinuxSeccompFilterFlag, LinuxSeccompOperator, LinuxSyscall,
};

/// Errors loading a seccomp profile.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    /// The profile file could not be read.
    #[error("reading seccomp profile {path}: {source}")]
    Read {
        /// The profile's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The profile is not a valid Docker/Podman seccomp profile.
    #[error("seccomp profile {path} is malformed: {reason}")]
    Malformed {
        /// The profile's path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Which seccomp filter a container gets.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SeccompPolicy {
    /// lpod's built-in default profile (Docker's/Podman's default rules).
    #[default]
    Default,
    /// No seccomp filter at all (`--security-opt seccomp=unconfined`, `--privileged`).
    Unconfined,
    /// A profile loaded from a file (`--security-opt seccomp=PATH`).
    Profile(Box<SeccompProfile>),
}

impl SeccompPolicy {
    /// The spec's `linux.seccomp` for a process with capabilities `caps` on this host
    /// (`None` for [`SeccompPolicy::Unconfined`]).
    pub fn render(&self, caps: &[Capability]) -> Result<Option<LinuxSeccomp>, SeccompError> {
        let host = Host::current();
        match self {
            SeccompPolicy::Unconfined => Ok(None),
            SeccompPolicy::Default => Ok(Some(default_profile()?.render(caps, host))),
            SeccompPolicy::Profile(p) => Ok(Some(p.parse()?.render(caps, host))),
        }
    }
}

/// A seccomp profile in the Docker/Podman JSON format.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeccompProfile {
    /// Where the profile was loaded from.
    pub path: PathBuf,
    /// The profile's JSON text.
    pub json: String,
}

impl SeccompProfile {
    /// Loads and validates a profile file: it must be readable and a well-formed
    /// Docker/Podman profile (known actions, architectures, operators, capabilities...).
    pub fn load(path: &Path) -> Result<Self, SeccompError> {
        let json = std::fs::read_to_string(path).map_err(|source| SeccompError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let profile = SeccompProfile {
            path: path.to_path_buf(),
            json,
        };
        profile.parse()?;
        Ok(profile)
    }

    /// Parses the JSON text into a [`Profile`].
    pub fn parse(&self) -> Result<Profile, SeccompError> {
        Profile::from_json(&self.json).map_err(|reason| SeccompError::Malformed {
            path: self.path.clone(),
            reason,
        })
    }
}

/// The text of the built-in default profile.
pub const DEFAULT_RULES: &str = include_str!("seccomp/default.rules");

/// Name used for the built-in profile in errors.
const DEFAULT_RULES_NAME: &str = "<built-in>/seccomp/default.rules";

/// The built-in default profile, parsed on first use.
pub fn default_profile() -> Result<&'static Profile, SeccompError> {
    static PARSED: OnceLock<Result<Profile, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| Profile::from_rules(DEFAULT_RULES))
        .as_ref()
        .map_err(|reason| SeccompError::Malformed {
            path: PathBuf::from(DEFAULT_RULES_NAME),
            reason: reason.clone(),
        })
}

/// What the filter is rendered for: the host's architecture and kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// libseccomp's short name of the native architecture (`amd64`, `arm64`, `s390x`...).
    pub arch: &'static str,
    /// Kernel version `(major, minor)`.
    pub kernel: (u32, u32),
}

impl Host {
    /// The machine we run on (computed once).
    pub fn current() -> &'static Host {
        static HOST: OnceLock<Host> = OnceLock::new();
        HOST.get_or_init(|| Host {
            arch: native_arch(),
            kernel: kernel_version(),
        })
    }
}

fn native_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        "loongarch64" => "loongarch64",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "powerpc" => "ppc",
        "mips" if cfg!(target_endian = "little") => "mipsel",
        "mips" => "mips",
        "mips64" if cfg!(target_endian = "little") => "mipsel64",
        "mips64" => "mips64",
        other => other,
    }
}

/// The running kernel's `(major, minor)`; `(0, 0)` if uname fails (then no rule with a
/// minimum kernel applies, the safe side).
fn kernel_version() -> (u32, u32) {
    // SAFETY: utsname is plain old data; uname fills it and we only read it on success.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is a valid, writable utsname.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return (0, 0);
    }
    // SAFETY: on success `release` is a NUL-terminated string inside the struct.
    let release = unsafe { std::ffi::CStr::from_ptr(uts.release.as_ptr()) };
    parse_kernel_release(&release.to_string_lossy()).unwrap_or((0, 0))
}

/// `"6.1.0-13-amd64"` → `(6, 1)`; suffixes are ignored.
fn parse_kernel_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Architectures: libseccomp's short name (used in rule conditions), its `SCMP_ARCH_*` name,
/// and the oci-spec value (`None`: libseccomp knows it but oci-spec 0.7 cannot express it).
const ARCHES: &[(&str, &str, Option<Arch>)] = &[
    ("x86", "SCMP_ARCH_X86", Some(Arch::ScmpArchX86)),
    ("amd64", "SCMP_ARCH_X86_64", Some(Arch::ScmpArchX86_64)),
    ("x32", "SCMP_ARCH_X32", Some(Arch::ScmpArchX32)),
    ("arm", "SCMP_ARCH_ARM", Some(Arch::ScmpArchArm)),
    ("arm64", "SCMP_ARCH_AARCH64", Some(Arch::ScmpArchAarch64)),
    ("mips", "SCMP_ARCH_MIPS", Some(Arch::ScmpArchMips)),
    ("mips64", "SCMP_ARCH_MIPS64", Some(Arch::ScmpArchMips64)),
    (
        "mips64n32",
        "SCMP_ARCH_MIPS64N32",
        Some(Arch::ScmpArchMips64n32),
    ),
    ("mipsel", "SCMP_ARCH_MIPSEL", Some(Arch::ScmpArchMipsel)),
    (
        "mipsel64",
        "SCMP_ARCH_MIPSEL64",
        Some(Arch::ScmpArchMipsel64),
    ),
    (
        "mipsel64n32",
        "SCMP_ARCH_MIPSEL64N32",
        Some(Arch::ScmpArchMipsel64n32),
    ),
    ("ppc", "SCMP_ARCH_PPC", Some(Arch::ScmpArchPpc)),
    ("ppc64", "SCMP_ARCH_PPC64", Some(Arch::ScmpArchPpc64)),
    ("ppc64le", "SCMP_ARCH_PPC64LE", Some(Arch::ScmpArchPpc64le)),
    ("s390", "SCMP_ARCH_S390", Some(Arch::ScmpArchS390)),
    ("s390x", "SCMP_ARCH_S390X", Some(Arch::ScmpArchS390x)),
    ("riscv64", "SCMP_ARCH_RISCV64", Some(Arch::ScmpArchRiscv64)),
    ("parisc", "SCMP_ARCH_PARISC", None),
    ("parisc64", "SCMP_ARCH_PARISC64", None),
    ("loongarch64", "SCMP_ARCH_LOONGARCH64", None),
    ("m68k", "SCMP_ARCH_M68K", None),
    ("sh", "SCMP_ARCH_SH", None),
    ("sheb", "SCMP_ARCH_SHEB", None),
    ("native", "SCMP_ARCH_NATIVE", Some(Arch::ScmpArchNative)),
];

/// Other short names seen in profiles for the same arches.
const ARCH_ALIASES: &[(&str, &str)] = &[
    ("loong64", "loongarch64"),
    ("mips3l64n32", "mipsel64n32"),
    ("386", "x86"),
    ("aarch64", "arm64"),
    ("x86_64", "amd64"),
];

/// Checks an `SCMP_ARCH_*` name.
fn scmp_arch(name: &str) -> Result<String, String> {
    if ARCHES.iter().any(|(_, s, _)| *s == name) {
        Ok(name.to_string())
    } else {
        Err(format!("unknown architecture {name:?}"))
    }
}

/// Checks a short arch name (as used in `includes.arches`), normalising aliases.
fn short_arch(name: &str) -> Result<String, String> {
    let name = ARCH_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, n)| *n)
        .unwrap_or(name);
    if ARCHES.iter().any(|(s, _, _)| *s == name) {
        Ok(name.to_string())
    } else {
        Err(format!("unknown architecture {name:?}"))
    }
}

fn oci_arch(scmp: &str) -> Option<Arch> {
    ARCHES.iter().find(|(_, s, _)| *s == scmp).and_then(|a| a.2)
}

fn scmp_for_short(short: &str) -> Option<&'static str> {
    ARCHES.iter().find(|(s, _, _)| *s == short).map(|a| a.1)
}

fn parse_action(name: &str) -> Result<LinuxSeccompAction, String> {
    use LinuxSeccompAction as A;
    Ok(match name {
        "SCMP_ACT_KILL" => A::ScmpActKill,
        "SCMP_ACT_KILL_THREAD" => A::ScmpActKillThread,
        "SCMP_ACT_KILL_PROCESS" => A::ScmpActKillProcess,
        "SCMP_ACT_TRAP" => A::ScmpActTrap,
        "SCMP_ACT_ERRNO" => A::ScmpActErrno,
        "SCMP_ACT_TRACE" => A::ScmpActTrace,
        "SCMP_ACT_ALLOW" => A::ScmpActAllow,
        "SCMP_ACT_LOG" => A::ScmpActLog,
        "SCMP_ACT_NOTIFY" => A::ScmpActNotify,
        other => return Err(format!("unknown action {other:?}")),
    })
}

fn parse_operator(name: &str) -> Result<LinuxSeccompOperator, String> {
    use LinuxSeccompOperator as O;
    Ok(match name {
        "SCMP_CMP_NE" => O::ScmpCmpNe,
        "SCMP_CMP_LT" => O::ScmpCmpLt,
        "SCMP_CMP_LE" => O::ScmpCmpLe,
        "SCMP_CMP_EQ" => O::ScmpCmpEq,
        "SCMP_CMP_GE" => O::ScmpCmpGe,
        "SCMP_CMP_GT" => O::ScmpCmpGt,
        "SCMP_CMP_MASKED_EQ" => O::ScmpCmpMaskedEq,
        other => return Err(format!("unknown operator {other:?}")),
    })
}

fn parse_flag(name: &str) -> Result<LinuxSeccompFilterFlag, String> {
    use LinuxSeccompFilterFlag as F;
    Ok(match name {
        "SECCOMP_FILTER_FLAG_LOG" => F::SeccompFilterFlagLog,
        "SECCOMP_FILTER_FLAG_TSYNC" => F::SeccompFilterFlagTsync,
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => F::SeccompFilterFlagSpecAllow,
        other => return Err(format!("unsupported filter flag {other:?}")),
    })
}

fn parse_capability(name: &str) -> Result<Capability, String> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|_| format!("unknown capability {name:?}"))
}

/// Errno names accepted in `defaultErrno` / `errno` (Podman's profiles name them).
const ERRNOS: &[(&str, i32)] = &[
    ("EPERM", libc::EPERM),
    ("ENOENT", libc::ENOENT),
    ("ESRCH", libc::ESRCH),
    ("EINTR", libc::EINTR),
    ("EIO", libc::EIO),
    ("ENXIO", libc::ENXIO),
    ("E2BIG", libc::E2BIG),
    ("ENOEXEC", libc::ENOEXEC),
    ("EBADF", libc::EBADF),
    ("ECHILD", libc::ECHILD),
    ("EAGAIN", libc::EAGAIN),
    ("ENOMEM", libc::ENOMEM),
    ("EACCES", libc::EACCES),
    ("EFAULT", libc::EFAULT),
    ("EBUSY", libc::EBUSY),
    ("EEXIST", libc::EEXIST),
    ("EXDEV", libc::EXDEV),
    ("ENODEV", libc::ENODEV),
    ("ENOTDIR", libc::ENOTDIR),
    ("EISDIR", libc::EISDIR),
    ("EINVAL", libc::EINVAL),
    ("ENFILE", libc::ENFILE),
    ("EMFILE", libc::EMFILE),
    ("ENOTTY", libc::ENOTTY),
    ("ETXTBSY", libc::ETXTBSY),
    ("EFBIG", libc::EFBIG),
    ("ENOSPC", libc::ENOSPC),
    ("ESPIPE", libc::ESPIPE),
    ("EROFS", libc::EROFS),
    ("EMLINK", libc::EMLINK),
    ("EPIPE", libc::EPIPE),
    ("EDOM", libc::EDOM),
    ("ERANGE", libc::ERANGE),
    ("ENOSYS", libc::ENOSYS),
    ("ENOTSUP", libc::ENOTSUP),
    ("EOPNOTSUPP", libc::EOPNOTSUPP),
    ("EAFNOSUPPORT", libc::EAFNOSUPPORT),
    ("EPROTONOSUPPORT", libc::EPROTONOSUPPORT),
    ("ECONNREFUSED", libc::ECONNREFUSED),
];

fn parse_errno_name(name: &str) -> Result<u32, String> {
    ERRNOS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v as u32)
        .ok_or_else(|| format!("unknown errno name {name:?}"))
}

/// `"4.8"` → `(4, 8)`.
fn parse_min_kernel(v: &str) -> Result<(u32, u32), String> {
    let bad = || format!("invalid kernel version {v:?}, expected \"<major>.<minor>\"");
    let (a, b) = v.split_once('.').ok_or_else(bad)?;
    let version = (
        a.parse::<u32>().map_err(|_| bad())?,
        b.parse::<u32>().map_err(|_| bad())?,
    );
    if version == (0, 0) {
        return Err(bad());
    }
    Ok(version)
}

/// Conditions under which a rule is part of a container's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// Capabilities: with `includes`, all must be present; with `excludes`, any excludes.
    pub caps: Vec<Capability>,
    /// Host architectures (libseccomp short names).
    pub arches: Vec<String>,
    /// Minimum host kernel `(major, minor)`.
    pub min_kernel: Option<(u32, u32)>,
}

/// One conditional rule of a [`Profile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The syscalls it applies to.
    pub names: Vec<String>,
    /// What happens on a match.
    pub action: LinuxSeccompAction,
    /// Errno (for `SCMP_ACT_ERRNO`) or trace value (for `SCMP_ACT_TRACE`).
    pub errno: Option<u32>,
    /// Argument comparisons, all of which must hold.
    pub args: Vec<LinuxSeccompArg>,
    /// The rule applies only when all of these hold.
    pub includes: Condition,
    /// The rule does not apply when any of these holds.
    pub excludes: Condition,
}

impl Rule {
    fn applies(&self, caps: &[Capability], host: &Host) -> bool {
        let inc = &self.includes;
        if !inc.arches.is_empty() && !inc.arches.iter().any(|a| a == host.arch) {
            return false;
        }
        if !inc.caps.iter().all(|c| caps.contains(c)) {
            return false;
        }
        if inc.min_kernel.is_some_and(|k| host.kernel < k) {
            return false;
        }
        let exc = &self.excludes;
        if exc.arches.iter().any(|a| a == host.arch) {
            return false;
        }
        if exc.caps.iter().any(|c| caps.contains(c)) {
            return false;
        }
        if exc.min_kernel.is_some_and(|k| host.kernel >= k) {
            return false;
        }
        true
    }
}

/// Which architectures the filter covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Architectures {
    /// The same list on every host (`SCMP_ARCH_*` names; empty = the runtime's native arch).
    List(Vec<String>),
    /// Per native arch: `(main, sub-arches)`; the entry whose main arch is the host's is used.
    Map(Vec<(String, Vec<String>)>),
}

/// A conditional seccomp profile: the built-in default or a parsed Docker/Podman profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Action for syscalls no rule matches.
    pub default_action: LinuxSeccompAction,
    /// Errno for the default action.
    pub default_errno: Option<u32>,
    /// Architectures.
    pub architectures: Architectures,
    /// Filter flags.
    pub flags: Vec<LinuxSeccompFilterFlag>,
    /// Seccomp notify listener socket (for `SCMP_ACT_NOTIFY`).
    pub listener_path: Option<PathBuf>,
    /// Metadata passed to the listener.
    pub listener_metadata: Option<String>,
    /// The rules, in order.
    pub rules: Vec<Rule>,
}

/// The errno a process actually gets for an errno action (runtimes default to EPERM).
fn effective(action: LinuxSeccompAction, errno: Option<u32>) -> (LinuxSeccompAction, u32) {
    match action {
        LinuxSeccompAction::ScmpActErrno => (action, errno.unwrap_or(libc::EPERM as u32)),
        LinuxSeccompAction::ScmpActTrace => (action, errno.unwrap_or(0)),
        _ => (action, 0),
    }
}

impl Profile {
    /// Resolves the profile for a process with capabilities `caps` on `host`: keeps the rules
    /// whose conditions hold, drops those that only repeat the default action, and merges rules
    /// with the same action, errno and arguments into one entry.
    pub fn render(&self, caps: &[Capability], host: &Host) -> LinuxSeccomp {
        let mut out = LinuxSeccomp::default();
        out.set_default_action(self.default_action);
        if matches!(
            self.default_action,
            LinuxSeccompAction::ScmpActErrno | LinuxSeccompAction::ScmpActTrace
        ) {
            out.set_default_errno_ret(self.default_errno);
        }
        let arches: Vec<Arch> = match &self.architectures {
            Architectures::List(list) => list.iter().filter_map(|a| oci_arch(a)).collect(),
            Architectures::Map(map) => {
                let native = scmp_for_short(host.arch);
                map.iter()
                    .find(|(main, _)| Some(main.as_str()) == native)
                    .map(|(main, subs)| {
                        std::iter::once(main)
                            .chain(subs)
                            .filter_map(|a| oci_arch(a))
                            .collect()
                    })
                    .unwrap_or_default()
            }
        };
        if !arches.is_empty() {
            out.set_architectures(Some(arches));
        }
        if !self.flags.is_empty() {
            out.set_flags(Some(self.flags.clone()));
        }
        out.set_listener_path(self.listener_path.clone());
        out.set_listener_metadata(self.listener_metadata.clone());

        let default = effective(self.default_action, self.default_errno);
        // (action, errno, args) → names, in order of first appearance
        // rules with the same (action, errno, args) become one entry, in order of first appearance
        struct Entry<'a> {
            rule: &'a Rule,
            names: Vec<&'a str>,
        }
        let mut merged: Vec<Entry> = Vec::new();
        for rule in &self.rules {
            if !rule.applies(caps, host) || effective(rule.action, rule.errno) == default {
                continue;
            }
            let same = |e: &Entry| {
                e.rule.action == rule.action
                    && e.rule.errno == rule.errno
                    && e.rule.args == rule.args
            };
            let slot = match merged.iter().position(same) {
                Some(i) => i,
                None => {
                    merged.push(Entry {
                        rule,
                        names: Vec::new(),
                    });
                    merged.len() - 1
                }
            };
            let names = &mut merged[slot].names;
            for n in &rule.names {
                if !names.contains(&n.as_str()) {
                    names.push(n);
                }
            }
        }
        let syscalls = merged
            .into_iter()
            .map(|e| {
                let mut s = LinuxSyscall::default();
                s.set_names(e.names.into_iter().map(str::to_string).collect());
                s.set_action(e.rule.action);
                s.set_errno_ret(e.rule.errno);
                s.set_args(if e.rule.args.is_empty() {
                    None
                } else {
                    Some(e.rule.args.clone())
                });
                s
            })
            .collect::<Vec<_>>();
        if !syscalls.is_empty() {
            out.set_syscalls(Some(syscalls));
        }
        out
    }

    /// Parses lpod's rules notation (see `seccomp/default.rules`); errors name the line.
    pub fn from_rules(text: &str) -> Result<Profile, String> {
        let mut default = None;
        let mut map = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        for (no, raw) in text.lines().enumerate() {
            let at = |e: String| format!("line {}: {e}", no + 1);
            let line = raw.split('#').next().unwrap_or("");
            if line.trim().is_empty() {
                continue;
            }
            let indented = line.starts_with(char::is_whitespace);
            let mut words = line.split_whitespace();
            if indented {
                let rule = rules
                    .last_mut()
                    .ok_or_else(|| at("syscall names before any rule".into()))?;
                for w in words {
                    if !valid_syscall_name(w) {
                        return Err(at(format!("invalid syscall name {w:?}")));
                    }
                    rule.names.push(w.to_string());
                }
                continue;
            }
            let Some(first) = words.next() else { continue };
            match first {
                "default" => {
                    let a = words
                        .next()
                        .ok_or_else(|| at("default needs an action".into()))?;
                    default = Some(parse_rule_action(a).map_err(at)?);
                    if let Some(extra) = words.next() {
                        return Err(at(format!("unexpected {extra:?} after default action")));
                    }
                }
                "arch" => {
                    let main = words
                        .next()
                        .ok_or_else(|| at("arch needs an architecture".into()))?;
                    let main = scmp_arch(main).map_err(at)?;
                    let subs = words.map(scmp_arch).collect::<Result<_, _>>().map_err(at)?;
                    map.push((main, subs));
                }
                action => {
                    let (action, errno) = parse_rule_action(action).map_err(at)?;
                    let mut rule = Rule {
                        names: Vec::new(),
                        action,
                        errno,
                        args: Vec::new(),
                        includes: Condition::default(),
                        excludes: Condition::default(),
                    };
                    for w in words {
                        parse_condition(w, &mut rule).map_err(at)?;
                    }
                    rules.push(rule);
                }
            }
        }
        if let Some(r) = rules.iter().position(|r| r.names.is_empty()) {
            return Err(format!("rule {} lists no syscalls", r + 1));
        }
        let (default_action, default_errno) =
            default.ok_or_else(|| "no default action".to_string())?;
        Ok(Profile {
            default_action,
            default_errno,
            architectures: Architectures::Map(map),
            flags: Vec::new(),
            listener_path: None,
            listener_metadata: None,
            rules,
        })
    }

    /// Parses a profile in the Docker/Podman JSON format; errors say what is wrong and where.
    pub fn from_json(text: &str) -> Result<Profile, String> {
        let p: json::Profile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let default_action = parse_action(
            p.default_action
                .as_deref()
                .ok_or("defaultAction is missing")?,
        )
        .map_err(|e| format!("defaultAction: {e}"))?;
        let default_errno = match (p.default_errno_ret, &p.default_errno) {
            (Some(n), _) => Some(n),
            (None, Some(name)) => {
                Some(parse_errno_name(name).map_err(|e| format!("defaultErrno: {e}"))?)
            }
            (None, None) => None,
        };
        let architectures = match (p.architectures, p.arch_map) {
            (Some(list), Some(map)) if !list.is_empty() && !map.is_empty() => {
                return Err("both architectures and archMap are given; use one".into())
            }
            (_, Some(map)) if !map.is_empty() => Architectures::Map(
                map.into_iter()
                    .map(|a| {
                        Ok((
                            scmp_arch(&a.architecture)?,
                            a.sub_architectures
                                .unwrap_or_default()
                                .iter()
                                .map(|s| scmp_arch(s))
                                .collect::<Result<_, String>>()?,
                        ))
                    })
                    .collect::<Result<_, String>>()
                    .map_err(|e| format!("archMap: {e}"))?,
            ),
            (list, _) => Architectures::List(
                list.unwrap_or_default()
                    .iter()
                    .map(|a| scmp_arch(a))
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("architectures: {e}"))?,
            ),
        };
        let flags = p
            .flags
            .unwrap_or_default()
            .iter()
            .map(|f| parse_flag(f))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("flags: {e}"))?;
        if default_action == LinuxSeccompAction::ScmpActNotify && p.listener_path.is_none() {
            return Err("defaultAction SCMP_ACT_NOTIFY needs a listenerPath".into());
        }
        let mut rules = Vec::new();
        for (i, s) in p.syscalls.unwrap_or_default().into_iter().enumerate() {
            let rule = json_rule(s).map_err(|e| format!("syscalls[{i}]: {e}"))?;
            if rule.action == LinuxSeccompAction::ScmpActNotify && p.listener_path.is_none() {
                return Err(format!(
                    "syscalls[{i}]: SCMP_ACT_NOTIFY needs a listenerPath"
                ));
            }
            rules.push(rule);
        }
        Ok(Profile {
            default_action,
            default_errno,
            architectures,
            flags,
            listener_path: p.listener_path.filter(|p| !p.as_os_str().is_empty()),
            listener_metadata: p.listener_metadata.filter(|m| !m.is_empty()),
            rules,
        })
    }
}

fn json_rule(s: json::Syscall) -> Result<Rule, String> {
    let names = match (s.name, s.names) {
        (Some(n), Some(ns)) if !n.is_empty() && !ns.is_empty() => {
            return Err("both name and names are given; use one".into())
        }
        (Some(n), _) if !n.is_empty() => vec![n],
        (_, Some(ns)) if !ns.is_empty() => ns,
        _ => return Err("no syscall names".into()),
    };
    if let Some(bad) = names.iter().find(|n| !valid_syscall_name(n)) {
        return Err(format!("invalid syscall name {bad:?}"));
    }
    let action = parse_action(&s.action)?;
    let errno = match (s.errno_ret, &s.errno) {
        (Some(n), _) => Some(n),
        (None, Some(name)) if !name.is_empty() => Some(parse_errno_name(name)?),
        _ => None,
    };
    let mut args = Vec::new();
    for (j, a) in s.args.unwrap_or_default().into_iter().enumerate() {
        if a.index > 5 {
            return Err(format!("args[{j}]: index {} out of range 0..=5", a.index));
        }
        let op = parse_operator(&a.op).map_err(|e| format!("args[{j}]: {e}"))?;
        args.push(make_arg(a.index as usize, a.value, a.value_two, op)?);
    }
    Ok(Rule {
        names,
        action,
        errno,
        args,
        includes: json_condition(s.includes).map_err(|e| format!("includes: {e}"))?,
        excludes: json_condition(s.excludes).map_err(|e| format!("excludes: {e}"))?,
    })
}

fn json_condition(f: Option<json::Filter>) -> Result<Condition, String> {
    let Some(f) = f else {
        return Ok(Condition::default());
    };
    Ok(Condition {
        caps: f
            .caps
            .unwrap_or_default()
            .iter()
            .map(|c| parse_capability(c))
            .collect::<Result<_, _>>()?,
        arches: f
            .arches
            .unwrap_or_default()
            .iter()
            .map(|a| short_arch(a))
            .collect::<Result<_, _>>()?,
        min_kernel: match f.min_kernel.as_deref() {
            None | Some("") => None,
            Some(v) => Some(parse_min_kernel(v)?),
        },
    })
}

fn valid_syscall_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn make_arg(
    index: usize,
    value: u64,
    value_two: Option<u64>,
    op: LinuxSeccompOperator,
) -> Result<LinuxSeccompArg, String> {
    let mut b = LinuxSeccompArgBuilder::default()
        .index(index)
        .value(value)
        .op(op);
    if let Some(v2) = value_two {
        b = b.value_two(v2);
    }
    b.build().map_err(|e| e.to_string())
}

/// A rule action in the rules notation: `allow`, `errno`, `errno=N`, `log`, `trap`,
/// `kill_thread`, `kill_process`.
fn parse_rule_action(word: &str) -> Result<(LinuxSeccompAction, Option<u32>), String> {
    use LinuxSeccompAction as A;
    let (name, errno) = match word.split_once('=') {
        Some((n, v)) => (n, Some(parse_number(v)? as u32)),
        None => (word, None),
    };
    let action = match name {
        "allow" => A::ScmpActAllow,
        "errno" => A::ScmpActErrno,
        "log" => A::ScmpActLog,
        "trap" => A::ScmpActTrap,
        "kill_thread" => A::ScmpActKillThread,
        "kill_process" => A::ScmpActKillProcess,
        other => return Err(format!("unknown action {other:?}")),
    };
    if errno.is_some() && action != A::ScmpActErrno {
        return Err(format!("{name} takes no errno"));
    }
    Ok((action, errno))
}

fn parse_number(v: &str) -> Result<u64, String> {
    let r = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    r.map_err(|_| format!("invalid number {v:?}"))
}

/// One condition word of the rules notation (see `seccomp/default.rules`).
fn parse_condition(word: &str, rule: &mut Rule) -> Result<(), String> {
    let (negated, w) = match word.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let cond = if negated {
        &mut rule.excludes
    } else {
        &mut rule.includes
    };
    if let Some(list) = w.strip_prefix("cap=") {
        for c in list.split(',') {
            cond.caps.push(parse_capability(c)?);
        }
        return Ok(());
    }
    if let Some(list) = w.strip_prefix("arch=") {
        for a in list.split(',') {
            cond.arches.push(short_arch(a)?);
        }
        return Ok(());
    }
    if let Some(v) = w.strip_prefix("kernel>=") {
        cond.min_kernel = Some(parse_min_kernel(v)?);
        return Ok(());
    }
    let Some(rest) = w.strip_prefix("arg") else {
        return Err(format!("unknown condition {word:?}"));
    };
    if negated {
        return Err(format!("argument conditions cannot be negated: {word:?}"));
    }
    let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    let index: usize = rest[..digits]
        .parse()
        .map_err(|_| format!("missing argument index in {word:?}"))?;
    if index > 5 {
        return Err(format!(
            "argument index {index} out of range 0..=5 in {word:?}"
        ));
    }
    let rest = &rest[digits..];
    let arg = if let Some(masked) = rest.strip_prefix('&') {
        let (mask, value) = masked
            .split_once("==")
            .ok_or_else(|| format!("expected argI&MASK==VALUE, got {word:?}"))?;
        make_arg(
            index,
            parse_number(mask)?,
            Some(parse_number(value)?),
            LinuxSeccompOperator::ScmpCmpMaskedEq,
        )?
    } else {
        use LinuxSeccompOperator as O;
        let ops = [
            ("==", O::ScmpCmpEq),
            ("!=", O::ScmpCmpNe),
            ("<=", O::ScmpCmpLe),
            (">=", O::ScmpCmpGe),
            ("<", O::ScmpCmpLt),
            (">", O::ScmpCmpGt),
        ];
        let (sym, op) = ops
            .iter()
            .find(|(sym, _)| rest.starts_with(sym))
            .ok_or_else(|| format!("unknown operator in {word:?}"))?;
        make_arg(index, parse_number(&rest[sym.len()..])?, None, *op)?
    };
    rule.args.push(arg);
    Ok(())
}

/// The Docker/Podman JSON profile format (only what we read; unknown fields such as
/// `comment` are ignored, as Docker and Podman do).
mod json {
    use std::path::PathBuf;

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Profile {
        pub default_action: Option<String>,
        pub default_errno_ret: Option<u32>,
        pub default_errno: Option<String>,
        pub architectures: Option<Vec<String>>,
        pub arch_map: Option<Vec<ArchEntry>>,
        pub syscalls: Option<Vec<Syscall>>,
        pub flags: Option<Vec<String>>,
        pub listener_path: Option<PathBuf>,
        pub listener_metadata: Option<String>,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct ArchEntry {
        pub architecture: String,
        pub sub_architectures: Option<Vec<String>>,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Syscall {
        pub name: Option<String>,
        pub names: Option<Vec<String>>,
        pub action: String,
        pub errno_ret: Option<u32>,
        pub errno: Option<String>,
        pub args: Option<Vec<Arg>>,
        pub includes: Option<Filter>,
        pub excludes: Option<Filter>,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Arg {
        pub index: u32,
        pub value: u64,
        pub value_two: Option<u64>,
        pub op: String,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Filter {
        pub caps: Option<Vec<String>>,
        pub arches: Option<Vec<String>>,
        pub min_kernel: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::DEFAULT_CAPABILITIES;

    const AMD64: Host = Host {
        arch: "amd64",
        kernel: (6, 1),
    };
    const ARM64: Host = Host {
        arch: "arm64",
        kernel: (6, 1),
    };

    /// The entries of `sc` that name `syscall`.
    fn entries<'a>(sc: &'a LinuxSeccomp, syscall: &str) -> Vec<&'a LinuxSyscall> {
        sc.syscalls()
            .as_ref()
            .map(|v| {
                v.iter()
                    .filter(|s| s.names().iter().any(|n| n == syscall))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Allowed whatever its arguments.
    fn allowed(sc: &LinuxSeccomp, syscall: &str) -> bool {
        entries(sc, syscall)
            .iter()
            .any(|s| s.action() == LinuxSeccompAction::ScmpActAllow && s.args().is_none())
    }

    fn mentioned(sc: &LinuxSeccomp, syscall: &str) -> bool {
        !entries(sc, syscall).is_empty()
    }

    fn default_for(caps: &[Capability], host: &Host) -> LinuxSeccomp {
        default_profile().unwrap().render(caps, host)
    }

    #[test]
    fn default_profile_denies_with_eperm_and_covers_x86_64_and_x86() {
        let sc = default_for(DEFAULT_CAPABILITIES, &AMD64);
        assert_eq!(sc.default_action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(sc.default_errno_ret(), Some(libc::EPERM as u32));
        assert_eq!(
            sc.architectures().as_deref(),
            Some(&[Arch::ScmpArchX86_64, Arch::ScmpArchX86][..])
        );
        for ok in [
            "read",
            "write",
            "execve",
            "arch_prctl",
            "modify_ldt",
            "chroot",
            "ptrace",
        ] {
            assert!(allowed(&sc, ok), "{ok} should be allowed");
        }
        for blocked in [
            "keyctl",
            "add_key",
            "request_key",
            "unshare",
            "mount",
            "setns",
            "reboot",
            "init_module",
            "bpf",
            "perf_event_open",
            "kexec_load",
            "open_by_handle_at",
        ] {
            assert!(
                !mentioned(&sc, blocked),
                "{blocked} should fall to the default"
            );
        }
        // arm-only calls are not in an amd64 filter
        assert!(!mentioned(&sc, "cacheflush"));
    }

    #[test]
    fn default_profile_restricts_clone_and_clone3_without_sys_admin() {
        let sc = default_for(DEFAULT_CAPABILITIES, &AMD64);
        let clone = entries(&sc, "clone");
        assert_eq!(clone.len(), 1);
        let args = clone[0].args().as_ref().unwrap();
        assert_eq!(args.len(), 1);
        assert_eq!(args[0].index(), 0);
        assert_eq!(args[0].op(), LinuxSeccompOperator::ScmpCmpMaskedEq);
        assert_eq!(args[0].value(), 0x7e02_0000);
        assert_eq!(args[0].value_two().unwrap_or(0), 0);
        let clone3 = entries(&sc, "clone3");
        assert_eq!(clone3.len(), 1);
        assert_eq!(clone3[0].action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(clone3[0].errno_ret(), Some(libc::ENOSYS as u32));
        // socket: three argument rules leave out AF_ALG and AF_VSOCK
        assert_eq!(entries(&sc, "socket").len(), 3);
        assert_eq!(entries(&sc, "personality").len(), 5);
    }

    #[test]
    fn sys_admin_allows_mount_unshare_and_plain_clone() {
        let mut caps = DEFAULT_CAPABILITIES.to_vec();
        caps.push(Capability::SysAdmin);
        let sc = default_for(&caps, &AMD64);
        for ok in [
            "mount", "umount2", "unshare", "setns", "clone", "clone3", "bpf",
        ] {
            assert!(
                allowed(&sc, ok),
                "{ok} should be allowed with CAP_SYS_ADMIN"
            );
        }
        assert_eq!(entries(&sc, "clone").len(), 1);
        assert_eq!(entries(&sc, "clone3").len(), 1);
        // still no keyring calls: they are in no group
        assert!(!mentioned(&sc, "keyctl"));
    }

    #[test]
    fn capability_groups_follow_the_capability_set() {
        let none = default_for(&[], &AMD64);
        assert!(!mentioned(&none, "chroot"));
        let sc = default_for(
            &[
                Capability::SysBoot,
                Capability::SysModule,
                Capability::SysTime,
                Capability::SysPtrace,
                Capability::Syslog,
                Capability::Perfmon,
            ],
            &AMD64,
        );
        for ok in [
            "reboot",
            "init_module",
            "clock_settime",
            "kcmp",
            "syslog",
            "perf_event_open",
        ] {
            assert!(allowed(&sc, ok), "{ok}");
        }
        assert!(!mentioned(&sc, "iopl"));
    }

    #[test]
    fn rules_are_merged_and_names_unique() {
        let sc = default_for(DEFAULT_CAPABILITIES, &AMD64);
        let syscalls = sc.syscalls().as_ref().unwrap();
        // one unconditional allow list, socket×3, personality×5, clone, clone3
        assert!(syscalls.len() <= 12, "{} entries", syscalls.len());
        for s in syscalls {
            let mut names = s.names().clone();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), s.names().len());
        }
        // ptrace comes from two rules (kernel ≥ 4.8 and CAP_SYS_PTRACE) but appears once
        let mut caps = DEFAULT_CAPABILITIES.to_vec();
        caps.push(Capability::SysPtrace);
        let sc = default_for(&caps, &AMD64);
        assert_eq!(entries(&sc, "ptrace").len(), 1);
    }

    #[test]
    fn arm64_host_gets_arm_arches_and_calls() {
        let sc = default_for(DEFAULT_CAPABILITIES, &ARM64);
        assert_eq!(
            sc.architectures().as_deref(),
            Some(&[Arch::ScmpArchAarch64, Arch::ScmpArchArm][..])
        );
        assert!(allowed(&sc, "cacheflush"));
        assert!(!mentioned(&sc, "arch_prctl"));
    }

    #[test]
    fn old_kernel_gets_no_ptrace() {
        let old = Host {
            arch: "amd64",
            kernel: (4, 4),
        };
        let sc = default_for(DEFAULT_CAPABILITIES, &old);
        assert!(!mentioned(&sc, "ptrace"));
        assert!(allowed(&sc, "read"));
    }

    #[test]
    fn policies_render() {
        assert!(SeccompPolicy::Unconfined
            .render(DEFAULT_CAPABILITIES)
            .unwrap()
            .is_none());
        let sc = SeccompPolicy::Default
            .render(DEFAULT_CAPABILITIES)
            .unwrap()
            .unwrap();
        assert!(!mentioned(&sc, "keyctl"));
    }

    #[test]
    fn spec_carries_the_filter() {
        let input = crate::SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        let json = serde_json::to_value(input.to_spec().unwrap()).unwrap();
        assert_eq!(json["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
        assert_eq!(json["linux"]["seccomp"]["defaultErrnoRet"], 1);
        let mut input = crate::SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        input.seccomp = SeccompPolicy::Unconfined;
        let json = serde_json::to_value(input.to_spec().unwrap()).unwrap();
        assert!(json["linux"].get("seccomp").is_none());
        // the caps of the process drive the conditional rules
        let mut input = crate::SpecInput::new("/tmp/rootfs", vec!["/bin/true".into()]);
        input.process.capabilities = Some(vec![Capability::SysAdmin]);
        let spec = input.to_spec().unwrap();
        let sc = spec.linux().as_ref().unwrap().seccomp().as_ref().unwrap();
        assert!(allowed(sc, "mount"));
    }

    const DOCKER_STYLE: &str = r#"{
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": null}
        ],
        "syscalls": [
            {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW", "comment": "x"},
            {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            {"names": ["mount"], "action": "SCMP_ACT_ALLOW",
             "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"},
             "excludes": {"arches": ["s390x"]}},
            {"names": ["getpid"], "action": "SCMP_ACT_LOG"},
            {"names": ["uname"], "action": "SCMP_ACT_ERRNO"}
        ]
    }"#;

    #[test]
    fn json_profile_renders_with_conditions() {
        let p = Profile::from_json(DOCKER_STYLE).unwrap();
        let sc = p.render(DEFAULT_CAPABILITIES, &AMD64);
        assert_eq!(
            sc.architectures().as_deref(),
            Some(&[Arch::ScmpArchX86_64, Arch::ScmpArchX86][..])
        );
        assert!(allowed(&sc, "read"));
        assert!(allowed(&sc, "ptrace"));
        assert!(!mentioned(&sc, "mount"));
        assert_eq!(entries(&sc, "mkdir")[0].errno_ret(), Some(13));
        assert_eq!(
            entries(&sc, "getpid")[0].action(),
            LinuxSeccompAction::ScmpActLog
        );
        // ERRNO without errnoRet is EPERM, the default: the rule is redundant and dropped
        assert!(!mentioned(&sc, "uname"));
        let personality = entries(&sc, "personality");
        assert_eq!(personality[0].args().as_ref().unwrap()[0].value(), 8);
        let sc = p.render(&[Capability::SysAdmin], &ARM64);
        assert!(allowed(&sc, "mount"));
        assert_eq!(
            sc.architectures().as_deref(),
            Some(&[Arch::ScmpArchAarch64][..])
        );
    }

    #[test]
    fn json_profile_with_errno_names_and_architectures_list() {
        let p = Profile::from_json(
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_PARISC"],
                "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "errno": "EPERM"}]}"#,
        )
        .unwrap();
        let sc = p.render(DEFAULT_CAPABILITIES, &AMD64);
        assert_eq!(sc.default_errno_ret(), Some(libc::ENOSYS as u32));
        // PARISC is a real libseccomp arch oci-spec cannot express; it is left out
        assert_eq!(
            sc.architectures().as_deref(),
            Some(&[Arch::ScmpArchX86_64][..])
        );
        assert_eq!(entries(&sc, "keyctl")[0].errno_ret(), Some(1));
        assert_eq!(
            sc.flags().as_deref(),
            Some(&[LinuxSeccompFilterFlag::SeccompFilterFlagLog][..])
        );
    }

    fn malformed(json: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profile.json");
        std::fs::write(&path, json).unwrap();
        let err = SeccompProfile::load(&path).unwrap_err();
        assert!(matches!(err, SeccompError::Malformed { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        msg
    }

    #[test]
    fn malformed_profiles_are_rejected_with_the_reason() {
        assert!(malformed("{not json").contains("key must be a string"));
        assert!(malformed(r#"{"syscalls": []}"#).contains("defaultAction is missing"));
        let m = malformed(r#"{"defaultAction": "SCMP_ACT_MAYBE"}"#);
        assert!(m.contains("unknown action \"SCMP_ACT_MAYBE\""), "{m}");
        let m =
            malformed(r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}"#);
        assert!(m.contains("unknown architecture \"SCMP_ARCH_Z80\""), "{m}");
        let m = malformed(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"],
                "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]}"#,
        );
        assert!(m.contains("syscalls[0]: args[0]: unknown operator"), "{m}");
        let m = malformed(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"],
                "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_FLY"]}}]}"#,
        );
        assert!(m.contains("unknown capability"), "{m}");
        let m = malformed(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"],
                "action": "SCMP_ACT_ERRNO"}]}"#,
        );
        assert!(m.contains("both name and names"), "{m}");
        let m = malformed(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}"#,
        );
        assert!(m.contains("no syscall names"), "{m}");
        let m = malformed(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"],
                "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "four"}}]}"#,
        );
        assert!(m.contains("invalid kernel version"), "{m}");
        let m = malformed(r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"}"#);
        assert!(m.contains("unknown errno name"), "{m}");
    }

    #[test]
    fn unreadable_profile_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.json");
        let err = SeccompProfile::load(&path).unwrap_err();
        assert!(matches!(err, SeccompError::Read { .. }));
        assert!(err.to_string().contains("missing.json"));
    }

    #[test]
    fn rules_notation_errors_name_the_line() {
        let e = Profile::from_rules("default errno=1\nallow cap=CAP_FLY\n    x\n").unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("CAP_FLY"), "{e}");
        let e = Profile::from_rules("    read\n").unwrap_err();
        assert!(e.starts_with("line 1:"), "{e}");
        let e = Profile::from_rules("default errno\nallow arg0~3\n    x\n").unwrap_err();
        assert!(e.contains("unknown operator"), "{e}");
        let e = Profile::from_rules("default errno\nallow\n    re-ad\n").unwrap_err();
        assert!(
            e.starts_with("line 3:") && e.contains("invalid syscall name"),
            "{e}"
        );
        let e = Profile::from_rules("default errno\nallow\n").unwrap_err();
        assert!(e.contains("lists no syscalls"), "{e}");
        assert!(Profile::from_rules("allow\n    read\n")
            .unwrap_err()
            .contains("no default action"));
    }

    #[test]
    fn rules_notation_conditions() {
        let p = Profile::from_rules(
            "default kill_process # comment\narch SCMP_ARCH_X86_64\n\
             allow arg1&0xff==0x10 !cap=CAP_SYS_ADMIN arch=amd64 !kernel>=7.0\n    a b\n    c\n",
        )
        .unwrap();
        assert_eq!(p.default_action, LinuxSeccompAction::ScmpActKillProcess);
        let r = &p.rules[0];
        assert_eq!(r.names, ["a", "b", "c"]);
        assert_eq!(r.args[0].index(), 1);
        assert_eq!(r.args[0].value(), 0xff);
        assert_eq!(r.args[0].value_two(), Some(0x10));
        assert_eq!(r.excludes.caps, [Capability::SysAdmin]);
        assert_eq!(r.includes.arches, ["amd64"]);
        assert_eq!(r.excludes.min_kernel, Some((7, 0)));
        assert!(r.applies(&[], &AMD64));
        assert!(!r.applies(&[Capability::SysAdmin], &AMD64));
        assert!(!r.applies(&[], &ARM64));
    }

    #[test]
    fn kernel_release_parsing() {
        assert_eq!(parse_kernel_release("6.1.0-13-amd64"), Some((6, 1)));
        assert_eq!(parse_kernel_release("6.18.44-fc-v669"), Some((6, 18)));
        assert_eq!(parse_kernel_release("5.4-rc3"), Some((5, 4)));
        assert_eq!(parse_kernel_release("garbage"), None);
        assert!(Host::current().kernel >= (3, 0));
    }
}
