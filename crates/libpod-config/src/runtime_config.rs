//! `RuntimeConfig`: how the runtime is set up (paths, OCI runtime, conmon,
//! networking, state backend), loadable from `/etc/lpod/lpod.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Default configuration file.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/lpod/lpod.toml";
/// Environment variable naming a configuration file that replaces the default one.
pub const CONFIG_ENV: &str = "LPOD_CONFIG";

/// Where the runtime keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateBackend {
    /// SQLite database `STATIC_DIR/state.db`, shared by every process.
    #[default]
    Sqlite,
    /// In-process only (tests, one-shot tools).
    InMemory,
}

/// Which cgroup manager creates container cgroups. Only cgroupfs exists here
/// (no systemd on our machines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupManager {
    /// Write cgroupfs directly.
    #[default]
    Cgroupfs,
}

/// An error loading or checking a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for `RuntimeConfig` (unknown key, wrong type, ...);
    /// `message` is toml's message, which names the key and its line.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is inconsistent.
    #[error("config file {path}: invalid value for `{key}`: {reason}")]
    Invalid {
        /// The file (or `<defaults>`).
        path: PathBuf,
        /// The key.
        key: &'static str,
        /// Why.
        reason: String,
    },
}

/// The runtime's configuration. Every field has a default; a TOML file
/// overrides any subset of them by key.
///
/// ```
/// use std::path::Path;
/// use libpod_config::RuntimeConfig;
///
/// // A file overrides any subset of the defaults by key.
/// let cfg = RuntimeConfig::from_toml_str(
///     "default_network_mode = \"none\"\nstorage_driver = \"vfs\"\n",
///     Path::new("lpod.toml"),
/// )?;
/// assert_eq!(cfg.default_network_mode, "none");
/// assert_eq!(cfg.storage_driver, "vfs");
/// assert_eq!(cfg.registries, RuntimeConfig::default().registries);
///
/// // Unknown keys and bad values are errors that name the file.
/// let err = RuntimeConfig::from_toml_str("no_such_key = 1\n", Path::new("lpod.toml"))
///     .unwrap_err();
/// assert!(err.to_string().contains("lpod.toml"), "{err}");
///
/// // The paths derived from the roots.
/// let cfg = RuntimeConfig::with_roots("/tmp/lpod-root", "/tmp/lpod-run");
/// assert!(cfg.state_db_path().starts_with("/tmp/lpod-root"));
/// # Ok::<(), libpod_config::ConfigError>(())
/// ```
///
/// The machine's own configuration (`/etc/lpod/lpod.toml` or `$LPOD_CONFIG`, else the
/// defaults):
///
/// ```no_run
/// let cfg = libpod_config::RuntimeConfig::load_default().unwrap();
/// println!("{}", cfg.state_db_path().display());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    // ---- storage ----
    /// Storage (graph) driver: "overlay" or "vfs".
    pub storage_driver: String,
    /// Driver options ("overlay.mountopt=nodev", ...).
    pub storage_options: Vec<String>,
    /// Persistent image/layer store.
    pub graph_root: PathBuf,
    /// Per-boot storage state (mount counts, ...).
    pub run_root: PathBuf,
    /// Named volumes.
    pub volume_path: PathBuf,

    // ---- images ----
    /// Transport used when an image reference names none.
    pub image_default_transport: String,
    /// Registries searched for short names, in order.
    pub registries: Vec<String>,
    /// Registries reached over plain HTTP / without TLS verification.
    pub insecure_registries: Vec<String>,
    /// Directory of per-registry TLS material, Podman's `certs.d` layout:
    /// `DIR/HOST[:PORT]/*.crt` are extra CA certificates for that registry.
    /// lpod's own default is `/etc/lpod/certs.d` (Podman uses
    /// `/etc/containers/certs.d`); `--cert-dir` overrides it per command.
    pub registries_certs_dir: PathBuf,
    /// Registry credentials file (containers-auth.json format) that `login`
    /// writes and `pull`/`push` read; `None` = the registry library's default
    /// (`$REGISTRY_AUTH_FILE`, else lpod's own per-user path). `--authfile`
    /// overrides it per command.
    pub auth_file: Option<PathBuf>,
    /// Signature policy file, if any.
    pub signature_policy_path: Option<PathBuf>,

    // ---- state ----
    /// State backend.
    pub state_backend: StateBackend,
    /// Persistent runtime data: `state.db`, bundles, per-container userdata.
    pub static_dir: PathBuf,
    /// Per-boot runtime data: locks, exit files, sockets, `alive`.
    pub tmp_dir: PathBuf,

    // ---- OCI runtime and conmon ----
    /// Name of the OCI runtime to use ("crun", "runc"), a key of `runtimes`.
    pub runtime: String,
    /// Candidate paths for each OCI runtime name, first existing wins.
    pub runtimes: BTreeMap<String, Vec<PathBuf>>,
    /// Preference order when the configured runtime is not found.
    pub runtime_preference: Vec<String>,
    /// Candidate paths for conmon, first existing wins.
    pub conmon_path: Vec<PathBuf>,
    /// Environment given to conmon ("KEY=value").
    pub conmon_env_vars: Vec<String>,
    /// Cgroup manager.
    pub cgroup_manager: CgroupManager,
    /// Parent cgroup of containers (relative to each hierarchy's root).
    pub cgroup_parent: String,
    /// Maximum container log size in bytes; -1 = unlimited.
    pub max_log_size: i64,
    /// Use MS_MOVE instead of pivot_root (for ramfs roots).
    pub no_pivot_root: bool,
    /// Program conmon runs when the container exits (usually `lpod`); `None` = none.
    pub exit_command_path: Option<PathBuf>,
    /// Seccomp profile of containers that choose none (Podman's containers.conf key):
    /// `None` = lpod's built-in default profile, `unconfined`, or a profile path.
    pub seccomp_profile: Option<String>,

    // ---- networking ----
    /// Directory of CNI network configuration lists.
    pub cni_config_dir: PathBuf,
    /// Further directories searched for network configurations.
    pub cni_extra_config_dirs: Vec<PathBuf>,
    /// Directories searched for CNI plugin binaries.
    pub cni_plugin_dirs: Vec<PathBuf>,
    /// Persistent cache of CNI ADD results (needed for DEL).
    pub cni_cache_dir: PathBuf,
    /// Network mode of a container created without one (`lpod run` without
    /// `--network`): `bridge` (Podman's rootful default), `none` or `host`.
    pub default_network_mode: String,
    /// Network used when a container asks for bridge networking without naming one:
    /// `podman`, Podman's name (its bridge and subnet stay lpod's own, below).
    pub default_network: String,
    /// Bridge interface of the default network.
    pub default_bridge: String,
    /// Subnet of the default network (never Podman's 10.88.0.0/16).
    pub default_subnet: String,

    // ---- events ----
    /// Where events go (Podman's containers.conf key): `file` (the events log,
    /// the default) or `none` (nothing is recorded; `lpod events` refuses to
    /// read). `journald` is refused: there is no journald on our machines.
    pub events_logger: EventsLogger,
    /// The events log; `None` = `tmp_dir/events/events.log` (per boot).
    pub events_logfile_path: Option<PathBuf>,
    /// Size cap of the events log in bytes (0 = unlimited): an append that would
    /// reach it first drops the older half of the log.
    pub events_logfile_max_size: u64,
    // ---- containers (Podman's containers.conf `[containers]` keys) ----
    /// Name servers of containers created without `--dns` (empty: the host's).
    pub dns_servers: Vec<String>,
    /// Search domains of containers created without `--dns-search`.
    pub dns_searches: Vec<String>,
    /// Resolver options of containers created without `--dns-option`.
    pub dns_options: Vec<String>,
    /// Hosts file whose entries start every container's /etc/hosts (`None`: none).
    pub base_hosts_file: Option<PathBuf>,
    /// Address of `host.containers.internal` (`None`: the network's gateway; `none`:
    /// no entry).
    pub host_containers_internal_ip: Option<String>,
    /// Image of pods' infra containers (`None`: lpod's pause image).
    pub infra_image: Option<String>,
    /// What an image's `VOLUME` becomes in a new container (Podman's
    /// `image_volume_mode`): `bind` (an anonymous volume), `tmpfs` or `ignore`.
    pub image_volume_mode: String,
}

/// The values `image_volume_mode` and `--image-volume` take.
pub const IMAGE_VOLUME_MODES: &[&str] = &["bind", "tmpfs", "ignore"];

/// The `[containers]` and `[engine]` keys of Podman's containers.conf that lpod honours,
/// as `$CONTAINERS_CONF` gives them: DNS, hosts, infra image and events choices. Every
/// other key is ignored (they belong to Podman).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ContainersConf {
    /// `[containers]`.
    pub containers: ContainersSection,
    /// `[engine]`.
    pub engine: EngineSection,
    /// The file it came from (named in errors).
    #[serde(skip)]
    pub origin: PathBuf,
}

/// containers.conf `[containers]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ContainersSection {
    /// `dns_servers`.
    pub dns_servers: Option<Vec<String>>,
    /// `dns_searches`.
    pub dns_searches: Option<Vec<String>>,
    /// `dns_options`.
    pub dns_options: Option<Vec<String>>,
    /// `base_hosts_file`.
    pub base_hosts_file: Option<PathBuf>,
    /// `host_containers_internal_ip`.
    pub host_containers_internal_ip: Option<String>,
}

/// containers.conf `[engine]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EngineSection {
    /// `infra_image`.
    pub infra_image: Option<String>,
    /// `image_volume_mode`: bind, tmpfs or ignore.
    pub image_volume_mode: Option<String>,
    /// `events_logger`: file, none (journald is refused).
    pub events_logger: Option<toml::Value>,
    /// `events_logfile_path` (empty: the default path).
    pub events_logfile_path: Option<toml::Value>,
    /// `events_logfile_max_size`: bytes, or a size such as `"1m"`.
    pub events_logfile_max_size: Option<toml::Value>,
}

impl ContainersConf {
    /// Parses containers.conf text (`path` names it in errors).
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut cc: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        cc.origin = path.to_path_buf();
        Ok(cc)
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Sets the keys this file gives on `cfg`, then validates `cfg`.
    pub fn apply(&self, cfg: &mut RuntimeConfig) -> Result<(), ConfigError> {
        let c = &self.containers;
        if let Some(v) = &c.dns_servers {
            cfg.dns_servers = v.clone();
        }
        if let Some(v) = &c.dns_searches {
            cfg.dns_searches = v.clone();
        }
        if let Some(v) = &c.dns_options {
            cfg.dns_options = v.clone();
        }
        if let Some(v) = &c.base_hosts_file {
            cfg.base_hosts_file = Some(v.clone());
        }
        if let Some(v) = &c.host_containers_internal_ip {
            cfg.host_containers_internal_ip = Some(v.clone());
        }
        let e = &self.engine;
        if let Some(v) = &e.infra_image {
            cfg.infra_image = Some(v.clone());
        }
        let invalid = |key: &'static str, reason: String| ConfigError::Invalid {
            path: self.origin.clone(),
            key,
            reason,
        };
        if let Some(v) = &e.image_volume_mode {
            if !IMAGE_VOLUME_MODES.contains(&v.as_str()) {
                return Err(invalid(
                    "image_volume_mode",
                    format!("{v:?} is not bind, tmpfs or ignore"),
                ));
            }
            cfg.image_volume_mode = v.clone();
        }
        if let Some(v) = &e.events_logger {
            let s = v
                .as_str()
                .ok_or_else(|| invalid("events_logger", format!("{v} is not a string")))?;
            cfg.events_logger = s.parse().map_err(|e| invalid("events_logger", e))?;
        }
        if let Some(v) = &e.events_logfile_path {
            let s = v
                .as_str()
                .ok_or_else(|| invalid("events_logfile_path", format!("{v} is not a string")))?;
            cfg.events_logfile_path = (!s.is_empty()).then(|| PathBuf::from(s));
        }
        if let Some(v) = &e.events_logfile_max_size {
            let n = match v {
                toml::Value::Integer(i) if *i >= 0 => Some(*i as u64),
                toml::Value::String(s) => parse_size(s),
                _ => None,
            };
            cfg.events_logfile_max_size = n.ok_or_else(|| {
                invalid(
                    "events_logfile_max_size",
                    format!("{v} is not a size (bytes, or e.g. \"1m\")"),
                )
            })?;
        }
        cfg.validate(&self.origin)
    }
}

/// Where the runtime records events (Podman's `events_logger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventsLogger {
    /// One JSON line per event in the events log file.
    #[default]
    File,
    /// Events are not recorded.
    None,
    /// systemd's journal: accepted by the parser so that the error can say why
    /// it is refused (no journald here), never used.
    Journald,
}

impl EventsLogger {
    /// The configuration word (`file`, `none`, `journald`).
    pub fn as_str(&self) -> &'static str {
        match self {
            EventsLogger::File => "file",
            EventsLogger::None => "none",
            EventsLogger::Journald => "journald",
        }
    }
}

impl std::str::FromStr for EventsLogger {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "file" => Ok(EventsLogger::File),
            "none" => Ok(EventsLogger::None),
            "journald" => Ok(EventsLogger::Journald),
            other => Err(format!(
                "invalid events backend {other:?} (use file or none)"
            )),
        }
    }
}

/// A size as containers.conf writes it: bytes, or a number with a decimal
/// unit (`k`, `m`, `g`, optionally followed by `b`/`B`): `"1m"` = 1 000 000.
fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, mult) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1_000u64),
        'm' => (&t[..t.len() - 1], 1_000_000),
        'g' => (&t[..t.len() - 1], 1_000_000_000),
        _ => (t, 1),
    };
    let n: f64 = num.trim().parse().ok()?;
    (n >= 0.0 && n.is_finite()).then_some((n * mult as f64) as u64)
}

/// Default size cap of the events log (Podman's: 1 MB).
pub const DEFAULT_EVENTS_LOGFILE_MAX_SIZE: u64 = 1_000_000;

fn paths(list: &[&str]) -> Vec<PathBuf> {
    list.iter().map(PathBuf::from).collect()
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        let mut runtimes = BTreeMap::new();
        runtimes.insert(
            "crun".to_string(),
            paths(&["/usr/bin/crun", "/usr/local/bin/crun", "/usr/sbin/crun"]),
        );
        runtimes.insert(
            "runc".to_string(),
            paths(&[
                "/usr/bin/runc",
                "/usr/sbin/runc",
                "/usr/local/sbin/runc",
                "/sbin/runc",
            ]),
        );
        RuntimeConfig {
            storage_driver: "overlay".into(),
            storage_options: Vec::new(),
            graph_root: "/var/lib/lpod/storage".into(),
            run_root: "/run/lpod/storage".into(),
            volume_path: "/var/lib/lpod/volumes".into(),
            image_default_transport: "docker://".into(),
            registries: Vec::new(),
            insecure_registries: Vec::new(),
            registries_certs_dir: "/etc/lpod/certs.d".into(),
            auth_file: None,
            signature_policy_path: None,
            state_backend: StateBackend::Sqlite,
            static_dir: "/var/lib/lpod/libpod".into(),
            tmp_dir: "/run/lpod".into(),
            runtime: "crun".into(),
            runtimes,
            runtime_preference: vec!["crun".into(), "runc".into()],
            conmon_path: paths(&[
                "/usr/bin/conmon",
                "/usr/libexec/podman/conmon",
                "/usr/local/libexec/podman/conmon",
                "/usr/sbin/conmon",
                "/usr/local/bin/conmon",
            ]),
            conmon_env_vars: vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            ],
            cgroup_manager: CgroupManager::Cgroupfs,
            cgroup_parent: "lpod".into(),
            max_log_size: -1,
            no_pivot_root: false,
            exit_command_path: None,
            seccomp_profile: None,
            cni_config_dir: "/etc/lpod/cni/net.d".into(),
            cni_extra_config_dirs: Vec::new(),
            cni_plugin_dirs: paths(&["/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"]),
            cni_cache_dir: "/var/lib/lpod/cni".into(),
            default_network_mode: "bridge".into(),
            default_network: "podman".into(),
            default_bridge: "lpod0".into(),
            default_subnet: "10.89.0.0/24".into(),
            events_logger: EventsLogger::File,
            events_logfile_path: None,
            events_logfile_max_size: DEFAULT_EVENTS_LOGFILE_MAX_SIZE,
            dns_servers: Vec::new(),
            dns_searches: Vec::new(),
            dns_options: Vec::new(),
            base_hosts_file: None,
            host_containers_internal_ip: None,
            infra_image: None,
            image_volume_mode: "bind".into(),
        }
    }
}

impl RuntimeConfig {
    /// Defaults with every persistent path under `root` and every per-boot path
    /// under `run_root` (tests give each runtime its own pair of temp dirs):
    /// `root/{storage,volumes,libpod,cni,cni/net.d}`, `run_root/{storage,...}`
    /// with `tmp_dir = run_root`.
    pub fn with_roots(root: impl AsRef<Path>, run_root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        let run = run_root.as_ref();
        RuntimeConfig {
            graph_root: root.join("storage"),
            volume_path: root.join("volumes"),
            static_dir: root.join("libpod"),
            cni_cache_dir: root.join("cni"),
            cni_config_dir: root.join("cni").join("net.d"),
            run_root: run.join("storage"),
            tmp_dir: run.to_path_buf(),
            ..RuntimeConfig::default()
        }
    }

    /// Parses TOML text; `origin` names the source in errors.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let cfg: RuntimeConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    /// Loads a configuration file (it must exist).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Loads `$LPOD_CONFIG` if set (it must exist), else `/etc/lpod/lpod.toml`
    /// if it exists, else the defaults.
    pub fn load_default() -> Result<Self, ConfigError> {
        match std::env::var_os(CONFIG_ENV) {
            Some(p) if !p.is_empty() => Self::load(PathBuf::from(p)),
            _ => {
                let p = Path::new(DEFAULT_CONFIG_PATH);
                match std::fs::read_to_string(p) {
                    Ok(text) => Self::from_toml_str(&text, p),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
                    Err(source) => Err(ConfigError::Read {
                        path: p.to_path_buf(),
                        source,
                    }),
                }
            }
        }
    }

    /// Defaults of an unprivileged user: every persistent path under `p.data`, every
    /// per-boot path (and the registry credentials) under `p.run`, slirp4netns as the
    /// default network (a user cannot make bridges).
    pub fn rootless_defaults(p: &crate::rootless::RootlessPaths) -> Self {
        RuntimeConfig {
            auth_file: Some(p.run.join("auth.json")),
            default_network_mode: "slirp4netns".into(),
            // Chosen on first use: native overlay in the user namespace, else
            // fuse-overlayfs, else vfs (see libpod-storage's `Store::open_with`).
            storage_driver: String::new(),
            ..RuntimeConfig::with_roots(&p.data, &p.run)
        }
    }

    /// The configuration of the caller: [`Self::load_default`] for root; for an
    /// unprivileged user `$LPOD_CONFIG`, else the user's own file
    /// (`$XDG_CONFIG_HOME/lpod/lpod.toml`) if it exists, with every path key the file
    /// leaves out taken from [`Self::rootless_defaults`] (never root's paths).
    pub fn load_for(identity: crate::rootless::Identity) -> Result<Self, ConfigError> {
        if !identity.is_rootless() {
            return Self::load_default();
        }
        let paths = crate::rootless::RootlessPaths::for_uid(identity.host_uid());
        let path = match std::env::var_os(CONFIG_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => {
                if !paths.config_file.exists() {
                    return Ok(Self::rootless_defaults(&paths));
                }
                paths.config_file.clone()
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Self::rootless_from_toml_str(&text, &path, &paths)
    }

    /// Parses an unprivileged user's TOML: keys given win, path keys left out are the
    /// user's (see [`Self::load_for`]).
    pub fn rootless_from_toml_str(
        text: &str,
        origin: &Path,
        paths: &crate::rootless::RootlessPaths,
    ) -> Result<Self, ConfigError> {
        let mut cfg = Self::from_toml_str(text, origin)?;
        let given: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        let d = Self::rootless_defaults(paths);
        let keep = |k: &str| given.contains_key(k);
        macro_rules! user_default {
            ($($field:ident),*) => {$(
                if !keep(stringify!($field)) {
                    cfg.$field = d.$field.clone();
                }
            )*};
        }
        user_default!(
            graph_root,
            run_root,
            volume_path,
            static_dir,
            tmp_dir,
            cni_cache_dir,
            cni_config_dir,
            auth_file,
            default_network_mode,
            storage_driver
        );
        Ok(cfg)
    }

    /// The configuration as TOML (what `load` reads back).
    pub fn to_toml_string(&self) -> String {
        // Serialising plain strings, paths, numbers and string maps cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self, origin: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, reason: String| ConfigError::Invalid {
            path: origin.to_path_buf(),
            key,
            reason,
        };
        if !IMAGE_VOLUME_MODES.contains(&self.image_volume_mode.as_str()) {
            return Err(invalid(
                "image_volume_mode",
                format!("{:?} is not bind, tmpfs or ignore", self.image_volume_mode),
            ));
        }
        if !self.runtimes.contains_key(&self.runtime) {
            return Err(invalid(
                "runtime",
                format!(
                    "{:?} has no entry in `runtimes` (known: {:?})",
                    self.runtime,
                    self.runtimes.keys().collect::<Vec<_>>()
                ),
            ));
        }
        if let Some(unknown) = self
            .runtime_preference
            .iter()
            .find(|r| !self.runtimes.contains_key(*r))
        {
            return Err(invalid(
                "runtime_preference",
                format!("{unknown:?} has no entry in `runtimes`"),
            ));
        }
        if self.max_log_size < -1 || self.max_log_size == 0 {
            return Err(invalid(
                "max_log_size",
                format!(
                    "{} (use -1 for unlimited or a positive size)",
                    self.max_log_size
                ),
            ));
        }
        if !matches!(
            self.default_network_mode.as_str(),
            "bridge" | "none" | "host" | "slirp4netns"
        ) {
            return Err(invalid(
                "default_network_mode",
                format!(
                    "{:?} (use bridge, none, host or slirp4netns)",
                    self.default_network_mode
                ),
            ));
        }
        if crate::ids::validate_name(&self.default_network).is_err() {
            return Err(invalid(
                "default_network",
                format!("{:?} is not a valid name", self.default_network),
            ));
        }
        if self.default_bridge.is_empty() || self.default_bridge.len() > 15 {
            return Err(invalid(
                "default_bridge",
                format!("{:?} must be 1 to 15 characters", self.default_bridge),
            ));
        }
        if let Some(p) = &self.seccomp_profile {
            if p != "unconfined" && !Path::new(p).is_absolute() {
                return Err(invalid(
                    "seccomp_profile",
                    format!("{p:?} (use \"unconfined\" or an absolute path)"),
                ));
            }
        }
        if !self.default_subnet.contains('/') {
            return Err(invalid(
                "default_subnet",
                format!("{:?} is not in CIDR form", self.default_subnet),
            ));
        }
        if self.events_logger == EventsLogger::Journald {
            return Err(invalid(
                "events_logger",
                "journald is not available on this system (no systemd journal): use \"file\" or \"none\"".into(),
            ));
        }
        if let Some(p) = &self.events_logfile_path {
            if !p.is_absolute() {
                return Err(invalid(
                    "events_logfile_path",
                    format!("{} is not absolute", p.display()),
                ));
            }
        }
        for (key, p) in [
            ("graph_root", &self.graph_root),
            ("run_root", &self.run_root),
            ("static_dir", &self.static_dir),
            ("tmp_dir", &self.tmp_dir),
            ("volume_path", &self.volume_path),
        ] {
            if !p.is_absolute() {
                return Err(invalid(key, format!("{} is not absolute", p.display())));
            }
        }
        Ok(())
    }

    /// Path of the SQLite state database: `static_dir/state.db`.
    pub fn state_db_path(&self) -> PathBuf {
        self.static_dir.join("state.db")
    }

    /// Directory of lock files: `tmp_dir/locks`.
    pub fn lock_dir(&self) -> PathBuf {
        self.tmp_dir.join("locks")
    }

    /// Directory where conmon writes exit codes: `tmp_dir/exits`.
    pub fn exits_dir(&self) -> PathBuf {
        self.tmp_dir.join("exits")
    }

    /// Directory of conmon attach sockets: `tmp_dir/socket`.
    pub fn socket_dir(&self) -> PathBuf {
        self.tmp_dir.join("socket")
    }

    /// Directory of network namespaces the runtime creates: `tmp_dir/netns`.
    pub fn netns_dir(&self) -> PathBuf {
        self.tmp_dir.join("netns")
    }

    /// The per-boot `alive` file (holds the boot id): `tmp_dir/alive`.
    pub fn alive_path(&self) -> PathBuf {
        self.tmp_dir.join("alive")
    }

    /// Applies the keys lpod honours of a Podman `containers.conf` (the file
    /// `CONTAINERS_CONF` names; see [`ContainersConf`]): events, DNS, hosts and the
    /// infra image. Other keys and tables are Podman's and ignored here.
    pub fn apply_containers_conf(&mut self, path: &Path) -> Result<(), ConfigError> {
        ContainersConf::load(path)?.apply(self)
    }

    /// The events log: `events_logfile_path`, else `tmp_dir/events/events.log`.
    pub fn events_log_path(&self) -> PathBuf {
        self.events_logfile_path
            .clone()
            .unwrap_or_else(|| self.tmp_dir.join("events").join("events.log"))
    }

    /// Candidate paths of the OCI runtime `name` (empty if unknown).
    pub fn runtime_paths(&self, name: &str) -> &[PathBuf] {
        self.runtimes.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = RuntimeConfig::default();
        assert_eq!(c.runtime, "crun");
        assert_eq!(c.runtime_preference, ["crun", "runc"]);
        assert_eq!(c.runtime_paths("runc")[1], Path::new("/usr/sbin/runc"));
        assert_eq!(c.default_subnet, "10.89.0.0/24");
        assert_eq!(c.state_backend, StateBackend::Sqlite);
        assert_eq!(c.max_log_size, -1);
        assert_eq!(
            c.state_db_path(),
            Path::new("/var/lib/lpod/libpod/state.db")
        );
        c.validate(Path::new("<defaults>")).unwrap();
        assert_eq!(c.registries_certs_dir, Path::new("/etc/lpod/certs.d"));
        assert_eq!(c.auth_file, None);
    }

    #[test]
    fn rootless_defaults_and_user_file() {
        let p = crate::rootless::RootlessPaths {
            data: "/home/u/.local/share/lpod".into(),
            run: "/tmp/lpod-run-7".into(),
            config_file: "/home/u/.config/lpod/lpod.toml".into(),
        };
        let d = RuntimeConfig::rootless_defaults(&p);
        assert_eq!(d.graph_root, Path::new("/home/u/.local/share/lpod/storage"));
        assert_eq!(d.tmp_dir, Path::new("/tmp/lpod-run-7"));
        assert_eq!(
            d.auth_file.as_deref(),
            Some(Path::new("/tmp/lpod-run-7/auth.json"))
        );
        assert_eq!(d.default_network_mode, "slirp4netns");
        let c = RuntimeConfig::rootless_from_toml_str(
            "storage_driver = \"vfs\"\ntmp_dir = \"/tmp/x\"\n",
            &p.config_file,
            &p,
        )
        .unwrap();
        assert_eq!(c.storage_driver, "vfs");
        assert_eq!(c.tmp_dir, Path::new("/tmp/x"));
        assert_eq!(c.graph_root, d.graph_root);
        assert_eq!(c.static_dir, d.static_dir);
        let e =
            RuntimeConfig::rootless_from_toml_str("bogus = 1\n", &p.config_file, &p).unwrap_err();
        assert!(e.to_string().contains("lpod.toml"), "{e}");
    }

    #[test]
    fn registry_settings_load_and_default() {
        let c = RuntimeConfig::from_toml_str(
            "registries = [\"127.0.0.1:5000\"]\ninsecure_registries = [\"127.0.0.1:5000\"]\n\
             auth_file = \"/tmp/a.json\"\nregistries_certs_dir = \"/tmp/certs\"\n",
            Path::new("/x.toml"),
        )
        .unwrap();
        assert_eq!(c.registries, ["127.0.0.1:5000"]);
        assert_eq!(c.auth_file.as_deref(), Some(Path::new("/tmp/a.json")));
        assert_eq!(c.registries_certs_dir, Path::new("/tmp/certs"));
        // A file from before these keys existed still loads, with the defaults.
        let old =
            RuntimeConfig::from_toml_str("runtime = \"runc\"\n", Path::new("/x.toml")).unwrap();
        assert_eq!(old.registries_certs_dir, Path::new("/etc/lpod/certs.d"));
        assert_eq!(old.auth_file, None);
    }

    #[test]
    fn with_roots_moves_every_path() {
        let c = RuntimeConfig::with_roots("/r", "/run/x");
        for p in [
            &c.graph_root,
            &c.volume_path,
            &c.static_dir,
            &c.cni_cache_dir,
            &c.cni_config_dir,
        ] {
            assert!(p.starts_with("/r"), "{}", p.display());
        }
        for p in [&c.run_root, &c.tmp_dir] {
            assert!(p.starts_with("/run/x"), "{}", p.display());
        }
        assert_eq!(c.lock_dir(), Path::new("/run/x/locks"));
    }

    #[test]
    fn toml_round_trip_and_partial_files() {
        let dir = tempfile::tempdir().unwrap();
        let c = RuntimeConfig::with_roots("/a", "/b");
        let p = dir.path().join("full.toml");
        std::fs::write(&p, c.to_toml_string()).unwrap();
        assert_eq!(RuntimeConfig::load(&p).unwrap(), c);

        let p = dir.path().join("partial.toml");
        std::fs::write(&p, "runtime = \"runc\"\nstate_backend = \"inmemory\"\n").unwrap();
        let c = RuntimeConfig::load(&p).unwrap();
        assert_eq!(c.runtime, "runc");
        assert_eq!(c.state_backend, StateBackend::InMemory);
        assert_eq!(c.conmon_path, RuntimeConfig::default().conmon_path);
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "runtime = \"runc\"\nruntime_pth = \"/x\"\n").unwrap();
        let msg = RuntimeConfig::load(&p).unwrap_err().to_string();
        assert!(msg.contains("runtime_pth"), "{msg}");
        assert!(msg.contains(&p.display().to_string()), "{msg}");
    }

    #[test]
    fn wrong_type_names_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "max_log_size = \"big\"\n").unwrap();
        let msg = RuntimeConfig::load(&p).unwrap_err().to_string();
        assert!(msg.contains("max_log_size"), "{msg}");
        assert!(msg.contains(&p.display().to_string()), "{msg}");
    }

    #[test]
    fn invalid_value_names_key() {
        let msg = RuntimeConfig::from_toml_str("runtime = \"youki\"", Path::new("/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("`runtime`") && msg.contains("youki") && msg.contains("/x.toml"),
            "{msg}"
        );
    }

    #[test]
    fn containers_conf_events_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("containers.conf");
        std::fs::write(
            &p,
            "[engine]\nevents_logger=\"none\"\nevents_logfile_path=\"/x/ev.log\"\nevents_logfile_max_size=4750\n[containers]\nulimits=[]\n",
        )
        .unwrap();
        let mut c = RuntimeConfig::default();
        assert_eq!(
            c.events_log_path(),
            PathBuf::from("/run/lpod/events/events.log")
        );
        c.apply_containers_conf(&p).unwrap();
        assert_eq!(c.events_logger, EventsLogger::None);
        assert_eq!(c.events_log_path(), PathBuf::from("/x/ev.log"));
        assert_eq!(c.events_logfile_max_size, 4750);
        std::fs::write(&p, "[engine]\nevents_logfile_max_size=\"1m\"\n").unwrap();
        c.apply_containers_conf(&p).unwrap();
        assert_eq!(c.events_logfile_max_size, 1_000_000);
        std::fs::write(&p, "[engine]\nevents_logger=\"journald\"\n").unwrap();
        let e = c.apply_containers_conf(&p).unwrap_err();
        assert!(e.to_string().contains("journald"), "{e}");
        std::fs::write(&p, "[engine]\nevents_logger=\"syslog\"\n").unwrap();
        assert!(c.apply_containers_conf(&p).is_err());
    }

    #[test]
    fn seccomp_profile_key() {
        assert_eq!(RuntimeConfig::default().seccomp_profile, None);
        let c = RuntimeConfig::from_toml_str(
            "seccomp_profile = \"/etc/lpod/seccomp.json\"\n",
            Path::new("/x.toml"),
        )
        .unwrap();
        assert_eq!(c.seccomp_profile.as_deref(), Some("/etc/lpod/seccomp.json"));
        let c = RuntimeConfig::from_toml_str("seccomp_profile = \"unconfined\"\n", Path::new("/x"))
            .unwrap();
        assert_eq!(c.seccomp_profile.as_deref(), Some("unconfined"));
        let e = RuntimeConfig::from_toml_str("seccomp_profile = \"rel.json\"\n", Path::new("/x"))
            .unwrap_err();
        assert!(e.to_string().contains("seccomp_profile"), "{e}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let e = RuntimeConfig::load("/nonexistent/lpod.toml").unwrap_err();
        assert!(e.to_string().contains("/nonexistent/lpod.toml"));
    }

    #[test]
    fn containers_conf_keys_we_honour_and_the_rest_ignored() {
        let text = "[containers]\ndns_servers = [\"192.0.2.1\"]\nbase_hosts_file = \"/h\"\n\
                    log_driver = \"k8s-file\"\n[engine]\ninfra_image = \"x/pause:1\"\n\
                    tmp_dir = \"/t\"\n[network]\ndefault_subnet = \"10.86.0.0/16\"\n";
        let cc = ContainersConf::from_toml_str(text, Path::new("c.conf")).unwrap();
        let mut cfg = RuntimeConfig::default();
        cc.apply(&mut cfg).unwrap();
        assert_eq!(cfg.dns_servers, ["192.0.2.1"]);
        assert_eq!(cfg.base_hosts_file.as_deref(), Some(Path::new("/h")));
        assert_eq!(cfg.infra_image.as_deref(), Some("x/pause:1"));
        assert!(cfg.dns_searches.is_empty());
        assert!(ContainersConf::from_toml_str("[containers\n", Path::new("c")).is_err());
    }
}
