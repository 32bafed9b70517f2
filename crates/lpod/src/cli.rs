//! The command line: clap derive definitions, podman-compatible flag names.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `lpod`: manage containers and images, the Podman way, without a daemon.
#[derive(Debug, Parser)]
#[command(
    name = "lpod",
    version,
    about = "Manage OCI containers and images (a podman-compatible CLI over libpod-core)",
    propagate_version = true,
    disable_help_subcommand = true,
    // A flag given twice takes its last value, as Podman's (pflag) does.
    args_override_self = true
)]
pub struct Cli {
    /// Global options (root, run root, runtime, ...).
    #[command(flatten)]
    pub global: GlobalOpts,
    /// The verb to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every verb accepts; they choose which store and state the runtime opens.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalOpts {
    /// Path to the persistent root (storage, state database, volumes).
    #[arg(long, global = true, value_name = "PATH")]
    pub root: Option<PathBuf>,
    /// Path to the per-boot run root (locks, exit files, sockets).
    #[arg(long, global = true, value_name = "PATH")]
    pub runroot: Option<PathBuf>,
    /// OCI runtime: a name (crun, runc) or a path.
    #[arg(long, global = true, value_name = "RUNTIME")]
    pub runtime: Option<String>,
    /// Storage driver (overlay, vfs).
    #[arg(long = "storage-driver", global = true, value_name = "DRIVER")]
    pub storage_driver: Option<String>,
    /// Log messages at and above this level to stderr (trace, debug, info, warn, error, fatal, panic).
    #[arg(
        long = "log-level",
        global = true,
        default_value = "warn",
        value_name = "LEVEL"
    )]
    pub log_level: String,
    /// Configuration file (else $LPOD_CONFIG, else /etc/lpod/lpod.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print nothing on stdout but the containers' own output (Podman's `--noout`).
    #[arg(long, global = true)]
    pub noout: bool,
    /// A global flag for the OCI runtime, without its leading dashes (repeatable).
    #[arg(long = "runtime-flag", global = true, value_name = "FLAG")]
    pub runtime_flag: Vec<String>,
}

/// Every verb `lpod` knows.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command in a new container.
    Run(RunArgs),
    /// Create but do not start a container.
    Create(CreateArgs),
    /// Start one or more containers.
    Start(StartArgs),
    /// Stop one or more containers.
    Stop(StopArgs),
    /// Send a signal to one or more containers.
    Kill(KillArgs),
    /// Restart one or more containers.
    Restart(StopArgs),
    /// Pause all processes of one or more containers.
    Pause(IdsArgs),
    /// Unpause one or more containers.
    Unpause(IdsArgs),
    /// Remove one or more containers.
    Rm(RmArgs),
    /// List containers.
    Ps(PsArgs),
    /// Fetch the logs of a container.
    Logs(LogsArgs),
    /// Run a process in a running container.
    Exec(ExecArgs),
    /// Block until containers stop, then print their exit codes.
    Wait(WaitArgs),
    /// Show the configuration and state of containers or images.
    Inspect(InspectArgs),
    /// List images.
    Images(ImagesArgs),
    /// Remove one or more images.
    Rmi(RmiArgs),
    /// Add a name to an image.
    Tag(TagArgs),
    /// Remove names from an image (all of them when none are given).
    Untag(UntagArgs),
    /// Load an image from an archive.
    Load(LoadArgs),
    /// Save an image to an archive or directory.
    Save(SaveArgs),
    /// Create an image from a tarball of a root filesystem.
    Import(ImportArgs),
    /// Pull an image from a registry.
    Pull(PullArgs),
    /// Push an image to a registry.
    Push(PushArgs),
    /// Log in to a registry (stores the credentials in the auth file).
    Login(LoginArgs),
    /// Log out of a registry (removes its credentials from the auth file).
    Logout(LogoutArgs),
    /// Show system information.
    Info(FormatArgs),
    /// Show the lpod version.
    Version(FormatArgs),
    /// Manage containers.
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Manage lpod itself.
    #[command(subcommand)]
    System(SystemCommand),
    /// Manage networks.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Manage images (`image ls`, `image rm`, `image tag`, `image exists`).
    #[command(subcommand)]
    Image(ImageCommand),
    /// Manage pods.
    #[command(subcommand)]
    Pod(PodCommand),
}

/// `lpod pod ...`.
#[derive(Debug, Subcommand)]
pub enum PodCommand {
    /// Create a pod (with an infra container holding its shared namespaces).
    Create(PodCreateArgs),
    /// Start pods.
    Start(PodNames),
    /// Stop pods.
    Stop(PodStopArgs),
    /// Restart pods.
    Restart(PodStopArgs),
    /// Signal every container of pods.
    Kill(PodKillArgs),
    /// Remove pods.
    Rm(PodRmArgs),
    /// List pods.
    #[command(alias = "ls", alias = "list")]
    Ps(PodPsArgs),
    /// Show pods' configuration and state.
    Inspect(PodInspectArgs),
}

/// `lpod pod create`.
#[derive(Debug, Clone, Args)]
pub struct PodCreateArgs {
    /// Name the pod.
    #[arg(long)]
    pub name: Option<String>,
    /// Set metadata: KEY=VALUE.
    #[arg(short = 'l', long = "label", value_name = "LABEL")]
    pub label: Vec<String>,
    /// Publish a port on the pod: [ip:]hostPort:containerPort[/proto].
    #[arg(short = 'p', long = "publish", value_name = "PORT")]
    pub publish: Vec<String>,
    /// Network: none, host, bridge, or network names.
    #[arg(long = "network", alias = "net", value_name = "MODE")]
    pub network: Option<String>,
    /// Hostname shared by the members (the pod name by default).
    #[arg(long)]
    pub hostname: Option<String>,
    /// Create an infra container.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub infra: bool,
}

/// Pods by name or id, or all.
#[derive(Debug, Clone, Args)]
pub struct PodNames {
    /// Every pod.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Pods.
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
}

/// `lpod pod stop` / `restart`.
#[derive(Debug, Clone, Args)]
pub struct PodStopArgs {
    /// Seconds to wait before killing.
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Every pod.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Pods.
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
}

/// `lpod pod kill`.
#[derive(Debug, Clone, Args)]
pub struct PodKillArgs {
    /// Signal to send.
    #[arg(short = 's', long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Every pod.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Pods.
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
}

/// `lpod pod rm`.
#[derive(Debug, Clone, Args)]
pub struct PodRmArgs {
    /// Stop and remove running members too.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// With `--force`: seconds to wait for the members to stop before killing them.
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Every pod.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// A pod that does not exist is not an error (Podman's `--ignore`).
    #[arg(short = 'i', long)]
    pub ignore: bool,
    /// Pods.
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
}

/// `lpod pod ps`.
#[derive(Debug, Clone, Args)]
pub struct PodPsArgs {
    /// Print only the ids.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Output format: json.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not truncate ids.
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
}

/// `lpod pod inspect`.
#[derive(Debug, Clone, Args)]
pub struct PodInspectArgs {
    /// Output format: json (default) or a Go template.
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Pods.
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

/// `lpod container ...`.
#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Clean up after a container exited (what conmon's exit command runs).
    Cleanup(CleanupArgs),
    /// Exit 0 when the container exists, 1 when it does not.
    Exists(ContainerExistsArgs),
    /// Show the configuration and state of containers.
    Inspect(InspectArgs),
    /// Block until containers stop, then print their exit codes.
    Wait(WaitArgs),
    /// Run a command in a new container (`lpod run`).
    Run(RunArgs),
    /// Create a container (`lpod create`).
    Create(CreateArgs),
    /// Start containers (`lpod start`).
    Start(StartArgs),
    /// Stop containers (`lpod stop`).
    Stop(StopArgs),
    /// Restart containers (`lpod restart`).
    Restart(StopArgs),
    /// Signal containers (`lpod kill`).
    Kill(KillArgs),
    /// Remove containers (`lpod rm`).
    Rm(RmArgs),
    /// List containers (`lpod ps`).
    #[command(alias = "ls", alias = "list")]
    Ps(PsArgs),
    /// Fetch containers' logs (`lpod logs`).
    Logs(LogsArgs),
    /// Run a process in a running container (`lpod exec`).
    Exec(ExecArgs),
}

/// `container exists`.
#[derive(Debug, Clone, Args)]
pub struct ContainerExistsArgs {
    /// Container name or id.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `wait` and `container wait`.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Condition to wait for: stopped or exited (the only ones lpod waits for; repeatable).
    #[arg(long, value_name = "STATE")]
    pub condition: Vec<String>,
    /// Containers (id, id prefix or name).
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod image ...`: Podman's image command group over the top-level image verbs.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Exit 0 when the image exists in the local store, 1 when it does not.
    Exists(ImageExistsArgs),
    /// List images (`lpod images`).
    #[command(alias = "list")]
    Ls(ImagesArgs),
    /// Remove images (`lpod rmi`).
    Rm(RmiArgs),
    /// Add a name to an image (`lpod tag`).
    Tag(TagArgs),
    /// Remove names from an image (`lpod untag`).
    Untag(UntagArgs),
}

/// `image exists`.
#[derive(Debug, Clone, Args)]
pub struct ImageExistsArgs {
    /// Image name or id.
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

/// `lpod system ...`.
#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Remove all containers, pods, images, storage and state under the root.
    Reset(ResetArgs),
    /// Show system information.
    Info(FormatArgs),
    /// Audit storage, state, mounts, processes and networks for leaks (and repair them).
    Check(CheckArgs),
}

/// Flags shared by `run` and `create`.
#[derive(Debug, Clone, Default, Args)]
pub struct CreateFlags {
    /// Name the container.
    #[arg(long)]
    pub name: Option<String>,
    /// Keep stdin open.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo terminal.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Set environment variables (KEY=VALUE, or KEY to copy it from here).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Vec<String>,
    /// Read environment variables from a file.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Working directory inside the container.
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// User (name or uid, optionally :group) to run as.
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Override the image's entrypoint.
    #[arg(long, value_name = "CMD")]
    pub entrypoint: Option<String>,
    /// Bind mount a volume: SRC:DEST[:OPTIONS].
    #[arg(short = 'v', long = "volume", value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// Mount a tmpfs: DEST[:OPTIONS].
    #[arg(long, value_name = "DEST[:OPTIONS]")]
    pub tmpfs: Vec<String>,
    /// Memory limit (e.g. 512m, 1g).
    #[arg(short = 'm', long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// Number of CPUs (e.g. 1.5).
    #[arg(long, value_name = "CPUS")]
    pub cpus: Option<String>,
    /// Tune the container's pids limit (-1 for unlimited).
    #[arg(long = "pids-limit", value_name = "N", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
    /// Network: none, host, bridge, or network names (a,b).
    #[arg(long = "network", alias = "net", value_name = "MODE")]
    pub network: Option<String>,
    /// Set metadata on the container: KEY=VALUE.
    #[arg(short = 'l', long = "label", value_name = "LABEL")]
    pub label: Vec<String>,
    /// Publish a container port to the host: [ip:]hostPort:containerPort[/proto].
    #[arg(short = 'p', long = "publish", value_name = "PORT")]
    pub publish: Vec<String>,
    /// Run in this pod (name or id).
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    /// Remove the container when it exits.
    #[arg(long)]
    pub rm: bool,
    /// Add Linux capabilities (NET_ADMIN or CAP_NET_ADMIN, comma lists, ALL).
    #[arg(long = "cap-add", value_name = "CAP", value_delimiter = ',')]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities (names, comma lists, ALL); dropping ALL keeps only --cap-add.
    #[arg(long = "cap-drop", value_name = "CAP", value_delimiter = ',')]
    pub cap_drop: Vec<String>,
    /// Give the container every capability, the host's devices, no seccomp filter and no
    /// masked paths.
    #[arg(long)]
    pub privileged: bool,
    /// Security options: seccomp=unconfined|PATH, no-new-privileges[=true|false],
    /// mask=/a:/b, unmask=ALL|/a:/b, label=disable, apparmor=PROFILE.
    #[arg(long = "security-opt", value_name = "OPT")]
    pub security_opt: Vec<String>,
    /// Mount the container's root filesystem read-only.
    #[arg(long = "read-only")]
    pub read_only: bool,
    /// With --read-only: tmpfs on /tmp, /var/tmp and /run (default true).
    #[arg(
        long = "read-only-tmpfs",
        value_name = "BOOL",
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        require_equals = true,
        action = clap::ArgAction::Set
    )]
    pub read_only_tmpfs: bool,
    /// Add a host device: HOST[:CONTAINER][:PERMISSIONS] (permissions from r, w, m).
    #[arg(long, value_name = "DEVICE")]
    pub device: Vec<String>,
    /// Log driver: k8s-file (default), json-file (written as k8s-file), journald, none,
    /// passthrough.
    #[arg(long = "log-driver", value_name = "DRIVER")]
    pub log_driver: Option<String>,
    /// Log driver option: max-size=SIZE, path=FILE, tag=TAG (repeatable).
    #[arg(long = "log-opt", value_name = "OPT")]
    pub log_opt: Vec<String>,
    /// Time zone of the container: a zone name, or `local` for the host's.
    #[arg(long, value_name = "TZ")]
    pub tz: Option<String>,
    /// Write the container's id to this file (which must not exist yet).
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,
    /// Write conmon's pid to this file.
    #[arg(long = "conmon-pidfile", value_name = "FILE")]
    pub conmon_pidfile: Option<PathBuf>,
    /// Kill the container after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u32>,
    /// Allow devices in the device cgroup: 'TYPE MAJOR:MINOR ACCESS' (repeatable).
    #[arg(long = "device-cgroup-rule", value_name = "RULE")]
    pub device_cgroup_rule: Vec<String>,
    /// Kernel memory limit: no longer supported, ignored with a warning (as Podman).
    #[arg(long = "kernel-memory", value_name = "SIZE")]
    pub kernel_memory: Option<String>,
    /// Do not take this variable from the defaults or the image (repeatable).
    #[arg(long, value_name = "NAME")]
    pub unsetenv: Vec<String>,
    /// Take no environment from the defaults or the image.
    #[arg(long = "unsetenv-all")]
    pub unsetenv_all: bool,
    /// Seconds between the stop signal and SIGKILL (default 10).
    #[arg(long = "stop-timeout", value_name = "SECONDS")]
    pub stop_timeout: Option<u64>,
    /// Signal that stops the container (default: the image's, else SIGTERM).
    #[arg(long = "stop-signal", value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// systemd mode: true (when the command is systemd or init), always, or false.
    #[arg(long, value_name = "MODE", default_value = "true")]
    pub systemd: String,
    /// Pass N more file descriptors (3 .. 3+N-1) into the container.
    #[arg(long = "preserve-fds", value_name = "N")]
    pub preserve_fds: Option<u32>,
    /// Pulling a missing image (--pull, -q, --tls-verify, --authfile, --platform, ...).
    #[command(flatten)]
    pub pull: CreatePullFlags,
    /// Image, then the command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        value_name = "IMAGE [COMMAND [ARG...]]"
    )]
    pub image_and_command: Vec<String>,
}

/// `lpod run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Run in the background and print the container's id.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Attach only these streams: stdin, stdout, stderr (repeatable). Without stdout
    /// and stderr, the container's id is printed instead.
    #[arg(short = 'a', long, value_name = "STREAM")]
    pub attach: Vec<String>,
    /// Remove the image after the container exits, unless another container uses it.
    #[arg(long)]
    pub rmi: bool,
    /// Keys that detach from the container, leaving it running (default ctrl-p,ctrl-q;
    /// "" for none).
    #[arg(long = "detach-keys", value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// Everything `create` takes.
    #[command(flatten)]
    pub create: CreateFlags,
}

/// `lpod create`.
#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    /// Container options.
    #[command(flatten)]
    pub create: CreateFlags,
}

/// `lpod start`.
#[derive(Debug, Clone, Args)]
pub struct StartArgs {
    /// Attach to the container's output and exit with its code.
    #[arg(short = 'a', long)]
    pub attach: bool,
    /// With --attach: forward stdin too.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Keys that detach from the container (default ctrl-p,ctrl-q; "" for none).
    #[arg(long = "detach-keys", value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// Containers (id, id prefix or name).
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod stop` and `lpod restart`.
#[derive(Debug, Clone, Args)]
pub struct StopArgs {
    /// Seconds to wait after the stop signal before killing.
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod kill`.
#[derive(Debug, Clone, Args)]
pub struct KillArgs {
    /// Signal to send (name or number).
    #[arg(short = 's', long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Every running container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Verbs that take just container names (pause, unpause, wait).
#[derive(Debug, Clone, Args)]
pub struct IdsArgs {
    /// Containers (id, id prefix or name).
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod rm`.
#[derive(Debug, Clone, Args)]
pub struct RmArgs {
    /// Stop running containers first.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Seconds to wait for a forced stop before killing.
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// A container that does not exist is not an error (Podman's `--ignore`).
    #[arg(short = 'i', long)]
    pub ignore: bool,
    /// The most recently created container.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod ps`.
#[derive(Debug, Clone, Args)]
pub struct PsArgs {
    /// Show all containers, not only running ones.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print only the ids.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Output format: json, or a Go template such as '{{.ID}} {{.Status}}'.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Filter: status=, name=, label=, id= (repeatable).
    #[arg(short = 'f', long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Do not truncate ids and commands.
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Also containers of other tools sharing the store (Podman: buildah's). lpod's store
    /// holds only lpod's containers, so this lists the same as `--all`.
    #[arg(long)]
    pub external: bool,
    /// Sort by command, created (default, newest first), id, image, names, runningfor
    /// or status.
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
}

/// `lpod logs`.
#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// Follow the log until the container exits.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only the last N lines.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    /// Only lines since this time (RFC 3339, unix seconds, or a duration such as 10m).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only lines until this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Prefix each line with its time (RFC 3339 with nanoseconds).
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Prefix each line with the container's name (else, with several containers, its id).
    #[arg(short = 'n', long)]
    pub names: bool,
    /// The most recently created container.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// The containers.
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod exec`.
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Keep stdin open.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo terminal.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Set environment variables.
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Vec<String>,
    /// Working directory.
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// User to run as.
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Keys that detach from the process (default ctrl-p,ctrl-q; "" for none).
    #[arg(long = "detach-keys", value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// Container, then the command and its arguments.
    #[arg(
        required = true,
        num_args = 2..,
        trailing_var_arg = true,
        value_name = "CONTAINER COMMAND [ARG...]"
    )]
    pub container_and_command: Vec<String>,
}

/// `lpod inspect`.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// Output format: json (default) or a Go template such as '{{.State.Status}}'.
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// What to inspect: container, image or all (default).
    #[arg(long = "type", default_value = "all", value_name = "TYPE")]
    pub kind: String,
    /// The most recently created container.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Containers or images.
    #[arg(required_unless_present = "latest", value_name = "NAME")]
    pub names: Vec<String>,
}

/// `lpod images`.
#[derive(Debug, Clone, Args)]
pub struct ImagesArgs {
    /// Print only the ids.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Output format: json, or a Go template.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not truncate ids.
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Show the manifest digest of each image.
    #[arg(long)]
    pub digests: bool,
    /// Also intermediate images (Podman's `--all`). lpod builds no images, so it has none:
    /// the list is the same.
    #[arg(short = 'a', long)]
    pub all: bool,
}

/// `lpod rmi`.
#[derive(Debug, Clone, Args)]
pub struct RmiArgs {
    /// Remove the containers that use the image too.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Every image.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Images (name or id).
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// `lpod tag`.
#[derive(Debug, Clone, Args)]
pub struct TagArgs {
    /// The image.
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// New names.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
}

/// `lpod untag`.
#[derive(Debug, Clone, Args)]
pub struct UntagArgs {
    /// The image.
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Names to remove (default: every name of the image).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// `lpod load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Archive to read (docker-archive or oci-archive); stdin if absent.
    #[arg(short = 'i', long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `lpod save`.
#[derive(Debug, Clone, Args)]
pub struct SaveArgs {
    /// Where to write.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// docker-archive (default), oci-archive or oci-dir.
    #[arg(long, default_value = "docker-archive", value_name = "FORMAT")]
    pub format: String,
    /// Print nothing but errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Images.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// `lpod import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Dockerfile-style instruction to apply (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL).
    #[arg(short = 'c', long = "change", value_name = "CHANGE")]
    pub change: Vec<String>,
    /// Commit message (recorded in history).
    #[arg(short = 'm', long, value_name = "MESSAGE")]
    pub message: Option<String>,
    /// Print nothing but the id.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Tarball of a root filesystem ('-' for stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Name for the new image.
    #[arg(value_name = "REFERENCE")]
    pub reference: Option<String>,
}

/// Verbs that only take `--format`.
#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    /// Output format: json or a Go template.
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
}

/// `lpod container cleanup`.
#[derive(Debug, Clone, Args)]
pub struct CleanupArgs {
    /// Remove the container after cleaning up.
    #[arg(long)]
    pub rm: bool,
    /// Remove the image too (accepted for Podman compatibility, ignored).
    #[arg(long)]
    pub rmi: bool,
    /// Clean up an exec session instead (accepted, ignored).
    #[arg(long, value_name = "SESSION")]
    pub exec: Option<String>,
    /// Every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Containers.
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod system check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Fix what the audit finds (kill orphan conmons, unmount, remove orphans).
    #[arg(short = 'r', long)]
    pub repair: bool,
    /// Output format: json.
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
}

/// `lpod system reset`.
#[derive(Debug, Clone, Args)]
pub struct ResetArgs {
    /// Do not ask for confirmation.
    #[arg(short = 'f', long)]
    pub force: bool,
}

// ---- registry verbs (pull, push, login, logout) and the pull flags of run/create ----

/// Flags every registry verb shares (Podman's names).
#[derive(Debug, Clone, Default, Args)]
pub struct AccessFlags {
    /// Require HTTPS and verify certificates (`--tls-verify=false` allows HTTP and
    /// unverified TLS for this command; default: only `insecure_registries` may).
    #[arg(
        long = "tls-verify",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub tls_verify: Option<bool>,
    /// Credentials USER:PASSWORD for this command (instead of the auth file).
    #[arg(long, value_name = "USER:PASSWORD")]
    pub creds: Option<String>,
    /// Auth file to read (and, for login/logout, write).
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Directory of extra CA certificates: DIR/HOST[:PORT]/*.crt.
    #[arg(long = "cert-dir", value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
}

/// Platform flags of `pull`, `run`, `create`.
#[derive(Debug, Clone, Default, Args)]
pub struct PlatformFlags {
    /// Platform OS/ARCH[/VARIANT] to pick from a manifest list.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Architecture to pick (overrides the host's / --platform's).
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Operating system to pick.
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,
    /// Architecture variant to pick (v7, v8, ...).
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,
}

/// `lpod pull`.
#[derive(Debug, Clone, Args)]
pub struct PullArgs {
    /// Print only the image id: no progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Registry access.
    #[command(flatten)]
    pub access: AccessFlags,
    /// Platform selection.
    #[command(flatten)]
    pub platform: PlatformFlags,
    /// Image to pull: [docker://][REGISTRY/]NAME[:TAG|@DIGEST].
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

/// `lpod push`.
#[derive(Debug, Clone, Args)]
pub struct PushArgs {
    /// Print no progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Write the manifest digest of the pushed image to this file.
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<PathBuf>,
    /// Registry access.
    #[command(flatten)]
    pub access: AccessFlags,
    /// Local image (name or id).
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Destination: docker://REGISTRY/NAME[:TAG] or a bare reference (default: the image's name).
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
}

/// `lpod login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// User name.
    #[arg(short = 'u', long, value_name = "USER")]
    pub username: Option<String>,
    /// Password (visible in the process list: prefer --password-stdin).
    #[arg(
        short = 'p',
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the password from stdin.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// Registry access.
    #[command(flatten)]
    pub access: AccessFlags,
    /// Registry: HOST[:PORT].
    #[arg(value_name = "REGISTRY")]
    pub registry: String,
}

/// `lpod logout`.
#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    /// Auth file to edit.
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Remove the credentials of every registry.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Registry: HOST[:PORT].
    #[arg(value_name = "REGISTRY", required_unless_present = "all")]
    pub registry: Option<String>,
}

/// Pull flags of `run` and `create`.
#[derive(Debug, Clone, Default, Args)]
pub struct CreatePullFlags {
    /// Pull the image: missing (default), always, never, or newer (lpod: same as missing).
    #[arg(long, value_name = "POLICY")]
    pub pull: Option<String>,
    /// Print no pull progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Registry access for the pull.
    #[command(flatten)]
    pub access: AccessFlags,
    /// Platform selection for the pull.
    #[command(flatten)]
    pub platform: PlatformFlags,
}

// ---- network ----

/// `lpod network ...`.
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Create a bridge network.
    Create(NetCreateArgs),
    /// List networks.
    #[command(alias = "list")]
    Ls(NetLsArgs),
    /// Show networks' configuration.
    Inspect(NetNamesArgs),
    /// Remove networks.
    Rm(NetRmArgs),
    /// Remove every network no container uses (never the default network).
    Prune(NetPruneArgs),
}

/// `network prune`.
#[derive(Debug, Clone, Args)]
pub struct NetPruneArgs {
    /// Do not ask for confirmation.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// `network create`.
#[derive(Debug, Clone, Args)]
pub struct NetCreateArgs {
    /// Subnet in CIDR form (picked automatically when absent).
    #[arg(long)]
    pub subnet: Option<String>,
    /// Gateway (default: first address of the subnet).
    #[arg(long)]
    pub gateway: Option<std::net::IpAddr>,
    /// Allocate addresses from this range (CIDR inside the subnet).
    #[arg(long = "ip-range")]
    pub ip_range: Option<String>,
    /// Bridge interface name.
    #[arg(long = "interface-name", alias = "bridge")]
    pub interface_name: Option<String>,
    /// Label KEY=VALUE.
    #[arg(long = "label")]
    pub label: Vec<String>,
    /// Network name.
    pub name: String,
}

/// `network ls`.
#[derive(Debug, Clone, Args)]
pub struct NetLsArgs {
    /// json or a Go template.
    #[arg(long)]
    pub format: Option<String>,
    /// Names only.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `network inspect`.
#[derive(Debug, Clone, Args)]
pub struct NetNamesArgs {
    /// Networks.
    #[arg(required = true)]
    pub names: Vec<String>,
}

/// `network rm`.
#[derive(Debug, Clone, Args)]
pub struct NetRmArgs {
    /// Remove the containers using the network first.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Networks.
    #[arg(required = true)]
    pub names: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("lpod").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_stops_parsing_flags_after_the_image() {
        let cli = parse(&[
            "--root",
            "/r",
            "run",
            "-d",
            "--rm",
            "-e",
            "A=1",
            "img",
            "sh",
            "-c",
            "echo -n hi",
            "-d",
        ]);
        assert_eq!(cli.global.root.as_deref(), Some(std::path::Path::new("/r")));
        let Command::Run(r) = cli.command else {
            panic!("not run")
        };
        assert!(r.detach);
        assert!(r.create.rm);
        assert_eq!(r.create.env, ["A=1"]);
        assert_eq!(
            r.create.image_and_command,
            ["img", "sh", "-c", "echo -n hi", "-d"]
        );
    }

    #[test]
    fn global_flags_work_after_the_verb() {
        let cli = parse(&["ps", "--root", "/x", "-a", "--runtime", "crun"]);
        assert_eq!(cli.global.root.as_deref(), Some(std::path::Path::new("/x")));
        assert_eq!(cli.global.runtime.as_deref(), Some("crun"));
    }

    #[test]
    fn exec_takes_the_rest_verbatim() {
        let cli = parse(&["exec", "-i", "c1", "ls", "-la", "-i"]);
        let Command::Exec(e) = cli.command else {
            panic!("not exec")
        };
        assert!(e.interactive);
        assert_eq!(e.container_and_command, ["c1", "ls", "-la", "-i"]);
    }

    #[test]
    fn exec_needs_a_command() {
        assert!(Cli::try_parse_from(["lpod", "exec", "c1"]).is_err());
    }

    #[test]
    fn stop_and_kill_flags() {
        let Command::Stop(s) = parse(&["stop", "-t", "2", "a", "b"]).command else {
            panic!()
        };
        assert_eq!(s.time, Some(2));
        assert_eq!(s.containers, ["a", "b"]);
        let Command::Kill(k) = parse(&["kill", "-s", "TERM", "a"]).command else {
            panic!()
        };
        assert_eq!(k.signal, "TERM");
    }

    #[test]
    fn container_cleanup_and_system_reset() {
        let Command::Container(ContainerCommand::Cleanup(c)) =
            parse(&["container", "cleanup", "--rm", "abc"]).command
        else {
            panic!()
        };
        assert!(c.rm);
        assert_eq!(c.containers, ["abc"]);
        let Command::System(SystemCommand::Reset(r)) =
            parse(&["system", "reset", "--force"]).command
        else {
            panic!()
        };
        assert!(r.force);
    }
}
