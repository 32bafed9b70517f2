//! Input types of the container verbs: what the CLI (or any library user) passes in.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// How the container is networked.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// A new network namespace with only loopback.
    #[default]
    None,
    /// The host's network namespace.
    Host,
    /// A new network namespace attached to CNI networks (`CreateOptions::networks`,
    /// empty = the default network) — see `crate::network`.
    Bridge,
    /// The network namespace of another container (`container:NAME|ID`): the new
    /// container depends on it (it is started first; it cannot be removed before).
    Container(String),
    /// A new network namespace served by a slirp4netns process (`--network slirp4netns`).
    Slirp4netns(libpod_config::SlirpOptions),
    /// A new network namespace served by a pasta process (`--network pasta`).
    Pasta,
}

impl std::str::FromStr for NetworkMode {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "none" => Ok(NetworkMode::None),
            "host" => Ok(NetworkMode::Host),
            "bridge" => Ok(NetworkMode::Bridge),
            // The rootless default network mode (`default_network_mode`).
            "slirp4netns" => Ok(NetworkMode::Slirp4netns(Default::default())),
            "pasta" => Ok(NetworkMode::Pasta),
            other => match other.strip_prefix("container:") {
                Some(c) if !c.is_empty() => Ok(NetworkMode::Container(c.to_string())),
                _ => Err(crate::Error::InvalidArgument {
                    what: "network mode (none|host|bridge|slirp4netns|pasta|container:NAME)",
                    value: other.to_string(),
                }),
            },
        }
    }
}

/// A mount into the container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MountSpec {
    /// A bind mount of a host path (`-v SRC:DST[:ro]`).
    Bind {
        /// Host path.
        source: PathBuf,
        /// Path in the container.
        destination: PathBuf,
        /// Mount read-only.
        read_only: bool,
        /// Other mount options: `[no]exec`, `[no]dev`, `[no]suid`, `[r]shared`,
        /// `[r]slave`, `[r]private`, `[r]bind`, `U` (chown the source to the
        /// container's user), `z`/`Z` (accepted, no SELinux here).
        #[serde(default)]
        options: Vec<String>,
    },
    /// An image's root filesystem (`--mount type=image,src=IMAGE,dst=DST[,rw=true]`):
    /// read-only, or writable through an upper layer of the container's own.
    Image {
        /// Image name or id in the local store.
        source: String,
        /// Path in the container.
        destination: PathBuf,
        /// Writable (changes are the container's, discarded with it).
        read_write: bool,
    },
    /// A volume (`-v NAME:DST[:OPTS]`, `-v DST`, `--mount type=volume`): a named one
    /// is created when missing, `None` creates an anonymous one.
    Volume {
        /// The volume's name; `None` for a new anonymous volume.
        name: Option<String>,
        /// Path in the container.
        destination: PathBuf,
        /// Mount options (`ro`, `nocopy`, `noexec`, `U`, ...).
        options: Vec<String>,
    },
    /// A tmpfs (`--tmpfs DST[:OPTS]`).
    Tmpfs {
        /// Path in the container.
        destination: PathBuf,
        /// Mount options such as `size=64m`, `mode=1777`.
        options: Vec<String>,
    },
    /// A new devpts instance (`--mount type=devpts,destination=DST[,uid=,gid=,mode=]`).
    Devpts {
        /// Path in the container.
        destination: PathBuf,
        /// Mount options (`uid=`, `gid=`, `mode=`, `max=`, `ptmxmode=`).
        options: Vec<String>,
    },
}

impl MountSpec {
    /// The path in the container.
    pub fn destination(&self) -> &std::path::Path {
        match self {
            MountSpec::Bind { destination, .. }
            | MountSpec::Image { destination, .. }
            | MountSpec::Volume { destination, .. }
            | MountSpec::Tmpfs { destination, .. }
            | MountSpec::Devpts { destination, .. } => destination,
        }
    }
}

/// Resource limits (`--memory`, `--cpus`, `--pids-limit`).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Memory limit in bytes.
    pub memory: Option<u64>,
    /// CPUs (fractional), e.g. 0.5.
    pub cpus: Option<f64>,
    /// Maximum number of processes.
    pub pids: Option<i64>,
}

/// Everything `create` takes. Only `image` is required.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CreateOptions {
    /// Image reference (`name[:tag]`, id or unique id prefix) in the local store.
    pub image: String,
    /// Instead of an image, a directory that is the container's root file system
    /// (`--rootfs DIR:O`): mounted read-only under a writable layer of the container's
    /// own, so the directory itself stays unchanged. `image` is then ignored, and the
    /// command must be given.
    #[serde(default)]
    pub rootfs: Option<PathBuf>,
    /// Container name; generated when `None`.
    pub name: Option<String>,
    /// Command (the image's `Cmd` when `None`).
    pub command: Option<Vec<String>>,
    /// Entrypoint (the image's when `None`; `Some(vec![])` clears it).
    pub entrypoint: Option<Vec<String>>,
    /// `--pid`: `host`, `private` or `container:NAME|ID` (`None`: private, or the pod's).
    #[serde(default)]
    pub pid_ns: Option<String>,
    /// `--ipc`: `shareable` (the default), `private` (not joinable), `none` (no
    /// `/dev/shm`), `host` or `container:NAME|ID`.
    #[serde(default)]
    pub ipc_ns: Option<String>,
    /// `--uts`: `host`, `private` or `container:NAME|ID`.
    #[serde(default)]
    pub uts_ns: Option<String>,
    /// Extra environment, `KEY=VALUE`; overrides the image's.
    pub env: Vec<String>,
    /// The host's environment (`--env-host`), `KEY=VALUE`: below the image's, which
    /// overrides it, as `env` overrides both.
    #[serde(default)]
    pub host_env: Vec<String>,
    /// Working directory (the image's, else `/`).
    pub workdir: Option<String>,
    /// User (`uid[:gid]` or a name in the image's /etc/passwd).
    pub user: Option<String>,
    /// Mounts.
    pub mounts: Vec<MountSpec>,
    /// `--volumes-from CTR[:ro|rw]`: the volume and bind mounts of these containers
    /// (their own mode unless `ro`/`rw` says otherwise); a mount of `mounts` at the
    /// same destination wins.
    pub volumes_from: Vec<String>,
    /// `--image-volume`: what the image's `VOLUME`s become: `bind` (anonymous
    /// volumes), `tmpfs` or `ignore`; `None` takes the runtime's `image_volume_mode`.
    pub image_volume_mode: Option<String>,
    /// Resource limits.
    pub limits: Limits,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Network mode.
    pub network: NetworkMode,
    /// Networks to join in bridge mode (empty = the default network).
    pub networks: Vec<String>,
    /// Published ports (`-p`, bridge mode; see `network::parse_port`).
    pub ports: Vec<libpod_config::PortMapping>,
    /// `--mac-address`: the MAC address of the interface on the first network (bridge
    /// mode; `aa:bb:cc:dd:ee:ff`).
    #[serde(default)]
    pub static_mac: Option<String>,
    /// `--ip`/`--ip6`: static addresses on the first network (bridge mode).
    #[serde(default)]
    pub static_ips: Vec<std::net::IpAddr>,
    /// Pod to join (name, id or id prefix): its shared namespaces are used.
    pub pod: Option<String>,
    /// Remove the container after it exits (`--rm`).
    pub remove: bool,
    /// Allocate a terminal (`-t`).
    pub tty: bool,
    /// Keep stdin open (`-i`).
    pub stdin: bool,
    /// Hostname (the short id when `None`).
    pub hostname: Option<String>,
    /// Stop signal (SIGTERM when `None`).
    pub stop_signal: Option<i32>,
    /// Seconds between the stop signal and SIGKILL (10 when `None`).
    pub stop_timeout: Option<u64>,
    /// What happens when the container exits (`--restart`; never restarted when `None`).
    pub restart_policy: Option<libpod_config::RestartPolicy>,
    /// Confinement: capabilities, privileged mode, seccomp, masked paths, read-only
    /// root, devices. Checked at create (unknown capability, unreadable or malformed
    /// seccomp profile, missing device: the create fails and nothing is created).
    pub security: libpod_config::SecurityConfig,
    /// Where the output goes (`--log-driver`; k8s-file by default).
    pub log_driver: libpod_config::LogDriver,
    /// Log options, timeout, time zone, device cgroup rules, conmon pid file, preserved
    /// fds (`--log-opt`, `--timeout`, `--tz`, `--device-cgroup-rule`, `--conmon-pidfile`,
    /// `--preserve-fds`). The time zone and rules are checked at create.
    pub run: libpod_config::RunSettings,
    /// Environment variables not to take from the defaults and the image (`--unsetenv`).
    pub unsetenv: Vec<String>,
    /// Take no environment from the defaults and the image (`--unsetenv-all`).
    pub unsetenv_all: bool,
    /// Resolver and /etc/hosts additions (`--dns`, `--dns-search`, `--dns-option`,
    /// `--add-host`); checked at create.
    pub dns: libpod_config::DnsConfig,
    /// Healthcheck flags (`--health-*`, `--no-healthcheck`), over the image's.
    pub health: super::health_opts::HealthOptions,
}

/// The environment every container starts from, before the image's (Podman's
/// containers.conf defaults).
pub const DEFAULT_ENV: [&str; 2] = [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm",
];

/// Everything `exec` takes.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExecOptions {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// Extra environment, `KEY=VALUE`.
    pub env: Vec<String>,
    /// Working directory.
    pub workdir: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Allocate a terminal.
    pub tty: bool,
    /// Forward stdin.
    pub stdin: bool,
    /// With `tty`: the terminal's size (rows, columns), set once the process has its
    /// terminal.
    pub terminal_size: Option<(u16, u16)>,
    /// A key sequence on stdin that detaches (the process keeps running; `exec`
    /// returns [`crate::Error::Detached`]). Empty: none.
    pub detach_keys: Vec<u8>,
}

/// Which logs to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep reading until the container exits.
    pub follow: bool,
    /// Only the last N lines.
    pub tail: Option<usize>,
    /// Only lines at or after this time.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only lines at or before this time.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// When conmon read it.
    pub time: chrono::DateTime<chrono::Utc>,
    /// Stream.
    pub stream: LogStream,
    /// The bytes, without the trailing newline (partial lines are joined).
    pub line: Vec<u8>,
}

/// Where a process's streams go (attach, exec, start -a).
pub struct Streams {
    /// Data for the process's stdin, if forwarded.
    pub stdin: Option<Box<dyn Read + Send>>,
    /// Receives stdout (and, with a terminal, everything).
    pub stdout: Box<dyn Write + Send>,
    /// Receives stderr.
    pub stderr: Box<dyn Write + Send>,
}

/// Podman's detach key notation: comma-separated `ctrl-X` (X in a-z, @, [, \, ], ^, _)
/// or single characters; `""` means none. Default `ctrl-p,ctrl-q`.
pub fn parse_detach_keys(s: &str) -> crate::Result<Vec<u8>> {
    let bad = || crate::Error::InvalidArgument {
        what: "detach keys (ctrl-<value> or a character, comma-separated)",
        value: s.to_string(),
    };
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for k in s.split(',') {
        let b = match k.strip_prefix("ctrl-") {
            Some(c) if c.len() == 1 => {
                let c = c.as_bytes()[0].to_ascii_lowercase();
                match c {
                    b'a'..=b'z' => c - b'a' + 1,
                    b'@' => 0,
                    b'[' => 27,
                    b'\\' => 28,
                    b']' => 29,
                    b'^' => 30,
                    b'_' => 31,
                    _ => return Err(bad()),
                }
            }
            None if k.len() == 1 => k.as_bytes()[0],
            _ => return Err(bad()),
        };
        out.push(b);
    }
    Ok(out)
}

impl Streams {
    /// The calling process's own stdio; stdin forwarded when `stdin` is true.
    pub fn stdio(stdin: bool) -> Self {
        Streams {
            stdin: if stdin {
                Some(Box::new(std::io::stdin()))
            } else {
                None
            },
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
        }
    }

    /// Discard output, no stdin.
    pub fn null() -> Self {
        Streams {
            stdin: None,
            stdout: Box::new(std::io::sink()),
            stderr: Box::new(std::io::sink()),
        }
    }
}

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streams")
            .field("stdin", &self.stdin.is_some())
            .finish_non_exhaustive()
    }
}

/// Default stop timeout (Podman's).
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_parse_like_podman() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q").unwrap(), [16, 17]);
        assert_eq!(parse_detach_keys("ctrl-[,a").unwrap(), [27, b'a']);
        assert!(parse_detach_keys("").unwrap().is_empty());
        assert!(parse_detach_keys("ctrl-").is_err());
        assert!(parse_detach_keys("ab").is_err());
    }

    #[test]
    fn network_mode_parses() {
        assert_eq!("none".parse::<NetworkMode>().unwrap(), NetworkMode::None);
        assert_eq!("host".parse::<NetworkMode>().unwrap(), NetworkMode::Host);
        assert_eq!(
            "bridge".parse::<NetworkMode>().unwrap(),
            NetworkMode::Bridge
        );
        assert!("slirp".parse::<NetworkMode>().is_err());
        assert_eq!(
            "container:web".parse::<NetworkMode>().unwrap(),
            NetworkMode::Container("web".into())
        );
        assert!("container:".parse::<NetworkMode>().is_err());
    }
}
