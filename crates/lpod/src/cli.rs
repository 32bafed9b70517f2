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
    /// Storage driver option (`overlay.mountopt=nodev`); repeatable; an empty value clears
    /// the configured options.
    #[arg(long = "storage-opt", global = true, value_name = "OPTION")]
    pub storage_opt: Vec<String>,
    /// Path of named volumes.
    #[arg(long = "volumepath", global = true, value_name = "PATH")]
    pub volumepath: Option<PathBuf>,
    /// Log messages at and above this level to stderr (trace, debug, info, warn, warning, error, fatal, panic) [default: warn].
    #[arg(long = "log-level", global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Debug output (`--log-level=debug`, as Docker's `-D`).
    #[arg(short = 'D', long = "debug", global = true)]
    pub debug: bool,
    /// Access a remote Podman service (lpod runs containers locally only: an error).
    #[arg(short = 'r', long = "remote")]
    pub remote: bool,
    /// URL of a remote Podman service (not supported by lpod: an error).
    #[arg(long = "url", value_name = "URL", hide = true)]
    pub url: Option<String>,
    /// Named remote connection (not supported by lpod: an error).
    #[arg(short = 'c', long = "connection", value_name = "NAME", hide = true)]
    pub connection: Option<String>,
    /// Configuration file (else $LPOD_CONFIG, else /etc/lpod/lpod.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print nothing on stdout but the containers' own output (Podman's `--noout`).
    #[arg(long, global = true)]
    pub noout: bool,
    /// A global flag for the OCI runtime, without its leading dashes (repeatable).
    #[arg(long = "runtime-flag", global = true, value_name = "FLAG")]
    pub runtime_flag: Vec<String>,
    /// Where events go: file or none (journald is not available here).
    #[arg(long = "events-backend", global = true, value_name = "BACKEND")]
    pub events_backend: Option<String>,
}

/// The log levels `--log-level` accepts (Podman's, from logrus).
pub const LOG_LEVELS: &[&str] = &[
    "trace", "debug", "info", "warn", "warning", "error", "fatal", "panic",
];

impl GlobalOpts {
    /// The effective log level: `--log-level`, `debug` with `-D`, else `warn`. An unknown
    /// level, or both flags, is Podman's message (exit 1).
    pub fn level(&self) -> Result<String, String> {
        match (&self.log_level, self.debug) {
            (Some(_), true) => Err("Setting --log-level and --debug is not allowed".into()),
            (None, true) => Ok("debug".into()),
            (None, false) => Ok("warn".into()),
            (Some(l), false) => {
                let l = l.to_ascii_lowercase();
                if LOG_LEVELS.contains(&l.as_str()) {
                    Ok(l)
                } else {
                    Err(format!(
                        "Log Level {:?} is not supported, choose from: {}",
                        self.log_level.as_deref().unwrap_or_default(),
                        LOG_LEVELS.join(", ")
                    ))
                }
            }
        }
    }
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
    Pause(PauseArgs),
    /// Unpause one or more containers.
    Unpause(PauseArgs),
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
    /// Mount containers' root filesystems (no argument: list the mounted ones).
    Mount(MountArgs),
    /// Unmount containers' root filesystems.
    #[command(alias = "unmount")]
    Umount(UmountArgs),
    /// Show the configuration and state of containers or images.
    Inspect(InspectArgs),
    /// List images.
    Images(ImagesArgs),
    /// Remove one or more images.
    Rmi(RmiArgs),
    /// Add a name to an image.
    Tag(TagArgs),
    /// Remove names from an image (all of them without NAME).
    Untag(UntagArgs),
    /// Create a new image from a container's changes.
    Commit(CommitArgs),
    /// Build an image from a Containerfile (FROM, RUN and config instructions; no COPY/ADD).
    Build(BuildArgs),
    /// Create, change, inspect and push manifest lists.
    #[command(subcommand)]
    Manifest(ManifestCommand),
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
    /// Show lpod events (container, image, pod, network, volume, system).
    Events(EventsArgs),
    /// Manage containers.
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Manage lpod itself.
    #[command(subcommand)]
    System(SystemCommand),
    /// Manage networks.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Manage volumes.
    #[command(subcommand)]
    Volume(VolumeCommand),
    /// Manage images (`image ls`, `image rm`, `image tag`, `image exists`).
    #[command(subcommand)]
    Image(ImageCommand),
    /// Manage pods.
    #[command(subcommand)]
    Pod(PodCommand),
    /// List a container's published ports.
    Port(PortArgs),
    /// Run containers' healthchecks.
    #[command(subcommand)]
    Healthcheck(HealthcheckCommand),
    /// Show containers' resource usage (CPU, memory, network and block I/O, pids).
    Stats(StatsArgs),
    /// Show the processes of a container (ps(1) format descriptors or ps options).
    Top(TopArgs),
    /// Change the cgroup limits of a container.
    Update(UpdateArgs),
    /// Rename a container.
    Rename(RenameArgs),
    /// Show the history of an image.
    History(HistoryArgs),
    /// Initialize containers: create them in the OCI runtime without starting them.
    Init(InitArgs),
    /// Run a command (default: the user's shell) in lpod's rootless user and mount
    /// namespaces.
    Unshare(UnshareArgs),
    /// Copy files between a container and the host (or another container, or a tar stream).
    Cp(CpArgs),
    /// Show what a container (or an image's top layer) changed: A, C and D paths.
    Diff(DiffArgs),
    /// Write a container's root filesystem as a tar archive.
    Export(ExportArgs),
    /// Play Kubernetes YAML (`play kube FILE`).
    #[command(subcommand)]
    Play(PlayCommand),
    /// Play or tear down Kubernetes YAML (`kube play FILE`, `kube down FILE`).
    #[command(subcommand)]
    Kube(KubeCommand),
}

/// `lpod play ...`.
#[derive(Debug, Subcommand)]
pub enum PlayCommand {
    /// Create pods, containers and volumes from Kubernetes YAML.
    Kube(PlayKubeArgs),
}

/// `lpod kube ...`.
#[derive(Debug, Subcommand)]
pub enum KubeCommand {
    /// Create pods, containers and volumes from Kubernetes YAML.
    Play(PlayKubeArgs),
    /// Stop and remove the pods Kubernetes YAML made.
    Down(KubeDownArgs),
}

/// `play kube` / `kube play`.
#[derive(Debug, Clone, Args)]
pub struct PlayKubeArgs {
    /// The YAML file (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Stop and remove the pods the file made instead.
    #[arg(long)]
    pub down: bool,
    /// Tear down the pods the file names first.
    #[arg(long)]
    pub replace: bool,
    /// Start the pods (`--start=false` only creates them).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub start: bool,
    /// Network of the pods: bridge, a network name, host or none.
    #[arg(long = "network", alias = "net", value_name = "NETWORK")]
    pub network: Option<String>,
    /// An annotation for every container, KEY=VALUE (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotation: Vec<String>,
    /// Build a container's image from CONTEXT-DIR/NAME (NAME: the image name's last
    /// component) when that directory has a Containerfile or Dockerfile.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub build: bool,
    /// Where `--build` looks for the images' directories (default: the working directory).
    #[arg(long = "context-dir", value_name = "DIR")]
    pub context_dir: Option<String>,
    /// Print no pull progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Registry access for the pulls.
    #[command(flatten)]
    pub access: AccessFlags,
}

/// `kube down`.
#[derive(Debug, Clone, Args)]
pub struct KubeDownArgs {
    /// The YAML file (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// `unshare`.
#[derive(Debug, Clone, Args)]
pub struct UnshareArgs {
    /// The command and its arguments (default `$SHELL`, else `/bin/sh`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// `diff` and `container diff`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// `json` for `{"changed":[...],"added":[...],"deleted":[...]}`.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The most recently created container.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// The container or image.
    #[arg(
        required_unless_present = "latest",
        conflicts_with = "latest",
        value_name = "CONTAINER|IMAGE"
    )]
    pub target: Option<String>,
}

/// `export` and `container export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The container.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `cp` and `container cp`.
#[derive(Debug, Clone, Args)]
pub struct CpArgs {
    /// Files copied into a container are owned by its user; `--archive=false` keeps the
    /// source's owners.
    #[arg(
        short = 'a',
        long,
        value_name = "BOOL",
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        require_equals = true,
        action = clap::ArgAction::Set
    )]
    pub archive: bool,
    /// Allow a directory to replace a non-directory and the other way round.
    #[arg(long)]
    pub overwrite: bool,
    /// Podman's `--pause[=BOOL]`: accepted for its command lines; lpod never pauses the
    /// container (every path is resolved inside its root, so a running container cannot
    /// redirect the copy).
    #[arg(
        long,
        value_name = "BOOL",
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        require_equals = true,
        action = clap::ArgAction::Set
    )]
    pub pause: bool,
    /// `[CONTAINER:]SRC_PATH` or `-` (a tar stream on stdin).
    #[arg(value_name = "SRC", allow_hyphen_values = true)]
    pub src: String,
    /// `[CONTAINER:]DEST_PATH` or `-` (a tar stream on stdout).
    #[arg(value_name = "DEST", allow_hyphen_values = true)]
    pub dst: String,
}

/// `rename` and `container rename`.
#[derive(Debug, Clone, Args)]
pub struct RenameArgs {
    /// The container (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Its new name.
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `init` and `container init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Every container (those already initialized or running are skipped).
    #[arg(short = 'a', long)]
    pub all: bool,
    /// The most recently created container.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod port`.
#[derive(Debug, Clone, Args)]
pub struct PortArgs {
    /// Every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// The container and, optionally, one of its ports (PORT[/PROTO]).
    #[arg(value_name = "CONTAINER [PORT]")]
    pub args: Vec<String>,
}

/// `lpod events`.
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// Filter: container=, event= (status=), image=, label=, pod=, type=, volume=,
    /// network=; values of one key OR, different keys AND.
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Go template per event, or `json`.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Follow new events (the default); `--stream=false` prints what is recorded and exits.
    #[arg(
        long,
        value_name = "BOOL",
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        require_equals = true,
        action = clap::ArgAction::Set
    )]
    pub stream: bool,
    /// Events since this time (RFC 3339, unix time, or a Go duration before now).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Events until this time (RFC 3339, unix time, or a Go duration after now).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Do not truncate ids (the default); `--no-trunc=false` prints 12 characters.
    #[arg(
        long = "no-trunc",
        value_name = "BOOL",
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        require_equals = true,
        action = clap::ArgAction::Set
    )]
    pub no_trunc: bool,
}

/// `lpod pod ...`.
#[derive(Debug, Subcommand)]
pub enum PodCommand {
    /// Create a pod (with an infra container holding its shared namespaces).
    Create(Box<PodCreateArgs>),
    /// Start pods.
    Start(PodNames),
    /// Stop pods.
    Stop(PodStopArgs),
    /// Restart pods.
    Restart(PodStopArgs),
    /// Signal every container of pods.
    Kill(PodKillArgs),
    /// Pause every running container of pods.
    Pause(PodNames),
    /// Resume every paused container of pods.
    Unpause(PodNames),
    /// Remove pods.
    Rm(PodRmArgs),
    /// List pods.
    #[command(alias = "ls", alias = "list")]
    Ps(PodPsArgs),
    /// Show pods' configuration and state.
    Inspect(PodInspectArgs),
    /// Exit 0 if the pod exists, 1 if it does not.
    Exists(PodExistsArgs),
    /// Show the processes of a pod's containers.
    Top(PodTopArgs),
    /// Show the resource usage of pods' containers.
    Stats(PodStatsArgs),
    /// Remove every stopped or exited pod (and its containers).
    Prune(PruneForceArgs),
}

/// `pod prune`, `container prune`, `network prune`: prunes whose only flag is `--force`.
#[derive(Debug, Clone, Args)]
pub struct PruneForceArgs {
    /// Do not ask for confirmation.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// `image prune` and `system prune`.
#[derive(Debug, Clone, Args)]
pub struct PruneAllArgs {
    /// Remove every image no container uses, not only the dangling (untagged) ones.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// `lpod pod exists`.
#[derive(Debug, Clone, Args)]
pub struct PodExistsArgs {
    /// Pod name or id.
    #[arg(value_name = "POD")]
    pub pod: String,
}

/// `lpod pod top`.
#[derive(Debug, Clone, Args)]
pub struct PodTopArgs {
    /// Pod name or id.
    #[arg(value_name = "POD")]
    pub pod: String,
    /// Format descriptors (user, pid, ppid, pcpu, etime, tty, time, args, comm, ...;
    /// separate or comma-separated).
    #[arg(value_name = "DESCRIPTOR")]
    pub descriptors: Vec<String>,
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
    /// Image of the infra container (Podman's pause image by default).
    #[arg(long = "infra-image", value_name = "IMAGE")]
    pub infra_image: Option<String>,
    /// Name of the infra container (`<short id>-infra` by default).
    #[arg(long = "infra-name", value_name = "NAME")]
    pub infra_name: Option<String>,
    /// Command the infra container runs (its image's entrypoint by default).
    #[arg(long = "infra-command", value_name = "COMMAND")]
    pub infra_command: Option<String>,
    /// Namespaces the members share: comma-separated cgroup, ipc, net, pid, uts or none;
    /// a leading `+` adds to the default (ipc, net, uts).
    #[arg(long, value_name = "NAMESPACES")]
    pub share: Option<String>,
    /// What happens when the last member exits: continue (default) or stop.
    #[arg(
        long = "exit-policy",
        default_value = "continue",
        value_name = "POLICY"
    )]
    pub exit_policy: String,
    /// Replace a pod of the same name.
    #[arg(long)]
    pub replace: bool,
    /// Write the pod id to this file.
    #[arg(long = "pod-id-file", value_name = "FILE")]
    pub pod_id_file: Option<std::path::PathBuf>,
    /// DNS server of the members.
    #[arg(long = "dns", value_name = "IP")]
    pub dns: Vec<String>,
    /// DNS search domain of the members.
    #[arg(long = "dns-search", value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// DNS resolver option of the members.
    #[arg(long = "dns-option", alias = "dns-opt", value_name = "OPTION")]
    pub dns_option: Vec<String>,
    /// Extra /etc/hosts entry HOST:IP.
    #[arg(long = "add-host", value_name = "HOST:IP")]
    pub add_host: Vec<String>,
    /// A volume every member gets: NAME:DEST[:OPTIONS] or /HOST:DEST[:OPTIONS].
    #[arg(short = 'v', long = "volume", value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// MAC address of the infra container's interface.
    #[arg(long = "mac-address", value_name = "MAC")]
    pub mac_address: Option<String>,
    /// The pod's name (instead of `--name`).
    #[arg(value_name = "NAME")]
    pub positional_name: Option<String>,
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
    #[arg(
        short = 's',
        long,
        default_value = "KILL",
        value_name = "SIGNAL",
        allow_hyphen_values = true
    )]
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
    /// Output format: json or a Go template.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not truncate ids.
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Do not print the header line.
    #[arg(long = "noheading", alias = "noheadings", short = 'n')]
    pub noheading: bool,
    /// Filter: id=, name=, label=KEY[=VALUE], status=, network=, ctr-names=, ctr-ids=.
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Sort by created, id, name, number or status.
    #[arg(long, default_value = "created", value_name = "KEY")]
    pub sort: String,
    /// Show the containers of each pod (names column).
    #[arg(long = "ctr-names")]
    pub ctr_names: bool,
    /// Show the ids of the containers of each pod.
    #[arg(long = "ctr-ids")]
    pub ctr_ids: bool,
    /// Show the status of the containers of each pod.
    #[arg(long = "ctr-status")]
    pub ctr_status: bool,
    /// Show the networks of each pod.
    #[arg(long = "ns")]
    pub ns: bool,
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
    /// Remove containers (`lpod rm`).
    Rm(RmArgs),
    /// List containers (`lpod ps`).
    #[command(alias = "ls", alias = "list")]
    Ps(PsArgs),
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
    /// Pause containers (`lpod pause`).
    Pause(PauseArgs),
    /// Unpause containers (`lpod unpause`).
    Unpause(PauseArgs),
    /// Mount containers' root filesystems (`lpod mount`).
    Mount(MountArgs),
    /// Unmount containers' root filesystems (`lpod umount`).
    #[command(alias = "unmount")]
    Umount(UmountArgs),
    /// Fetch containers' logs (`lpod logs`).
    Logs(LogsArgs),
    /// Run a process in a running container (`lpod exec`).
    Exec(ExecArgs),
    /// The healthcheck monitor of a container (started by `start`, not for users).
    #[command(hide = true)]
    Healthmonitor(HealthmonitorArgs),
    /// Show containers' resource usage (`lpod stats`).
    Stats(StatsArgs),
    /// Show the processes of a container (`lpod top`).
    Top(TopArgs),
    /// Change the cgroup limits of a container (`lpod update`).
    Update(UpdateArgs),
    /// List a container's published ports (`lpod port`).
    Port(PortArgs),
    /// Remove every container that is not running (created, stopped or exited).
    Prune(PruneForceArgs),
    /// Rename a container (`lpod rename`).
    Rename(RenameArgs),
    /// Initialize containers (`lpod init`).
    Init(InitArgs),
    /// Copy files between a container and the host (`lpod cp`).
    Cp(CpArgs),
    /// Show a container's changes (`lpod diff`).
    Diff(DiffArgs),
    /// Write a container's root filesystem as a tar archive (`lpod export`).
    Export(ExportArgs),
    /// Create a new image from a container's changes (`lpod commit`).
    Commit(CommitArgs),
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
    /// Remove names from an image (all of them without NAME).
    Untag(UntagArgs),
    /// Load an image from an archive (`lpod load`).
    Load(LoadArgs),
    /// Save images to an archive or directory (`lpod save`).
    Save(SaveArgs),
    /// Pull an image from a registry (`lpod pull`).
    Pull(PullArgs),
    /// Push an image to a registry (`lpod push`).
    Push(PushArgs),
    /// Create an image from a tarball of a root filesystem (`lpod import`).
    Import(ImportArgs),
    /// Show the configuration of images (`lpod inspect --type image`).
    Inspect(InspectArgs),
    /// Mount images' root filesystems read-only (no argument: list the mounted ones).
    Mount(ImageMountArgs),
    /// Unmount images mounted by `image mount`.
    #[command(alias = "unmount")]
    Umount(ImageUmountArgs),
    /// Remove dangling images (every unused image with `--all`); prints their ids.
    Prune(PruneAllArgs),
    /// Show the history of an image (`lpod history`).
    History(HistoryArgs),
    /// Show an image's layers as a tree.
    Tree(TreeArgs),
}

/// `history` and `image history`.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Output format: json or a Go template (fields ID, Created, CreatedBy, Size,
    /// Comment, Tags).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Sizes and dates for humans (`--human=false`: bytes and RFC 3339).
    #[arg(
        short = 'H',
        long,
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        require_equals = true,
        action = clap::ArgAction::Set,
        value_name = "BOOL"
    )]
    pub human: bool,
    /// Do not truncate ids and commands.
    #[arg(long = "no-trunc", alias = "notruncate")]
    pub no_trunc: bool,
    /// Print only the ids.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// The image.
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

/// `image tree`.
#[derive(Debug, Clone, Args)]
pub struct TreeArgs {
    /// The image.
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

/// `commit`.
#[derive(Debug, Clone, Args)]
pub struct CommitArgs {
    /// Dockerfile-style instruction to apply (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE).
    #[arg(short = 'c', long = "change", value_name = "CHANGE")]
    pub change: Vec<String>,
    /// Commit message (recorded in history).
    #[arg(short = 'm', long, value_name = "MESSAGE")]
    pub message: Option<String>,
    /// Author (recorded in the image).
    #[arg(short = 'a', long, value_name = "AUTHOR")]
    pub author: Option<String>,
    /// Print only the new image's id.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Pause a running container while committing (the default, as Podman).
    #[arg(short = 'p', long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub pause: Option<bool>,
    /// The container.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Name of the new image.
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
}

/// `build`.
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// Name for the built image (repeatable).
    #[arg(short = 't', long = "tag", value_name = "NAME")]
    pub tag: Vec<String>,
    /// The Containerfile (default: Containerfile, else Dockerfile, in the context; `-` is stdin).
    #[arg(short = 'f', long = "file", value_name = "PATHNAME")]
    pub file: Option<String>,
    /// Print only the new image's id.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Keep intermediate images (accepted; lpod always keeps them, as Podman's default).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub layers: Option<bool>,
    /// Remove intermediate containers (accepted; lpod always removes them).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub rm: Option<bool>,
    /// The build context: a directory, or `-` for a Containerfile on stdin.
    #[arg(value_name = "CONTEXT")]
    pub context: Option<String>,
}

/// `untag`.
#[derive(Debug, Clone, Args)]
pub struct UntagArgs {
    /// The image.
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Names to remove; none removes every name.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// `image mount`.
#[derive(Debug, Clone, Args)]
pub struct ImageMountArgs {
    /// Mount every image.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Output format for the list: json.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Images (name or id).
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// `image umount`.
#[derive(Debug, Clone, Args)]
pub struct ImageUmountArgs {
    /// Unmount every mounted image.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Unmount even if mounted several times.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Images (name or id).
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
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
    /// Show lpod's disk usage: images, containers and volumes, and what removing the
    /// unused ones would free.
    Df(DfArgs),
    /// Audit storage, state, mounts, processes and networks for leaks (and repair them).
    Check(CheckArgs),
    /// Show lpod events (the same as `lpod events`).
    Events(EventsArgs),
    /// After a reboot: start every `always` and `unless-stopped` container that was
    /// running when the host went down (run once from an init script, cron `@reboot`
    /// or a unit).
    Boot,
    /// Remove stopped pods and containers, unused networks and dangling images (every
    /// unused image with `--all`).
    Prune(PruneAllArgs),
    /// Serve the Docker-compatible REST API on a Unix socket (for the Docker CLI,
    /// Docker SDKs, compose).
    Service(ServiceArgs),
    /// Rootless: stop the user's containers and end the user namespace's pause process,
    /// so that the next command makes a new one (after /etc/subuid or /etc/subgid changed).
    Migrate,
}

/// `lpod system df`.
#[derive(Debug, Clone, Args)]
pub struct DfArgs {
    /// Show every image, container and volume with its size.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Output format of the summary: json or a Go template (.Type, .Total, .Active,
    /// .Size, .Reclaimable).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

/// `lpod system service`.
#[derive(Debug, Clone, Args)]
pub struct ServiceArgs {
    /// Seconds without a client before the service exits; 0 runs until stopped.
    #[arg(
        short = 't',
        long = "time",
        default_value_t = 5,
        value_name = "SECONDS"
    )]
    pub time: u64,
    /// Where to listen: unix:///PATH (default unix:///run/lpod/lpod.sock).
    #[arg(value_name = "URI")]
    pub uri: Option<String>,
}

/// Flags shared by `run` and `create`.
#[derive(Debug, Clone, Default, Args)]
pub struct CreateFlags {
    /// Name the container.
    #[arg(long)]
    pub name: Option<String>,
    /// Hostname of the container (its short id by default). `-h` is this flag, as
    /// in Podman (`--help` prints the help).
    #[arg(short = 'h', long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// DNS server for /etc/resolv.conf.
    #[arg(long = "dns", value_name = "IP")]
    pub dns: Vec<String>,
    /// DNS search domain for /etc/resolv.conf.
    #[arg(long = "dns-search", value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// DNS resolver option for /etc/resolv.conf.
    #[arg(long = "dns-option", alias = "dns-opt", value_name = "OPTION")]
    pub dns_option: Vec<String>,
    /// Extra /etc/hosts entry HOST:IP.
    #[arg(long = "add-host", value_name = "HOST:IP")]
    pub add_host: Vec<String>,
    /// Pass the host's proxy environment variables to the container.
    #[arg(long = "http-proxy", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub http_proxy: bool,
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
    /// Pass the host's whole environment into the container (the image's and -e
    /// override it).
    #[arg(long = "env-host")]
    pub env_host: bool,
    /// Read labels (KEY=VALUE lines; blank and # lines skipped) from a file; --label
    /// overrides them.
    #[arg(long = "label-file", value_name = "FILE")]
    pub label_file: Vec<PathBuf>,
    /// Resource limit NAME=SOFT[:HARD] (e.g. nofile=1024:2048; -1 unlimited); at
    /// most the host's hard limit.
    #[arg(long, value_name = "NAME=SOFT[:HARD]")]
    pub ulimit: Vec<String>,
    /// PID namespace: host, private or container:NAME.
    #[arg(long = "pid", value_name = "MODE")]
    pub pid_ns: Option<String>,
    /// IPC namespace: shareable (the default: others may join it), private (they may
    /// not), none (no /dev/shm), host or container:NAME.
    #[arg(long = "ipc", value_name = "MODE")]
    pub ipc_ns: Option<String>,
    /// UTS namespace: host, private or container:NAME.
    #[arg(long = "uts", value_name = "MODE")]
    pub uts_ns: Option<String>,
    /// Cgroup namespace: host (the default) or private.
    #[arg(long = "cgroupns", value_name = "MODE")]
    pub cgroupns: Option<String>,
    /// Run an init (catatonit) as pid 1 that forwards signals and reaps zombies.
    #[arg(long)]
    pub init: bool,
    /// The init binary for --init (default: catatonit).
    #[arg(long = "init-path", value_name = "PATH")]
    pub init_path: Option<PathBuf>,
    /// Umask of the container's process, octal (e.g. 0022).
    #[arg(long, value_name = "MASK")]
    pub umask: Option<String>,
    /// Supplementary group (gid or a name in the image's /etc/group) of the
    /// container's processes; repeatable.
    #[arg(long = "group-add", value_name = "GROUP")]
    pub group_add: Vec<String>,
    /// Override the image's entrypoint.
    #[arg(long, value_name = "CMD")]
    pub entrypoint: Option<String>,
    /// Mount a volume: NAME:DEST[:OPTIONS] (named, created when missing),
    /// /HOST:DEST[:OPTIONS] (bind) or DEST (a new anonymous volume).
    #[arg(short = 'v', long = "volume", value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// The volume and bind mounts of another container: CTR[:ro|rw] (repeatable).
    #[arg(long = "volumes-from", value_name = "CONTAINER[:ro|rw]")]
    pub volumes_from: Vec<String>,
    /// What the image's VOLUMEs become: bind (anonymous volumes, the default), tmpfs or
    /// ignore.
    #[arg(long = "image-volume", value_name = "MODE", value_parser = ["bind", "tmpfs", "ignore"])]
    pub image_volume: Option<String>,
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
    /// Limit reads from a device: DEVICE:RATE (bytes per second, e.g. /dev/sda:1mb).
    #[arg(long = "device-read-bps", value_name = "DEVICE:RATE")]
    pub device_read_bps: Vec<String>,
    /// Limit writes to a device: DEVICE:RATE (bytes per second).
    #[arg(long = "device-write-bps", value_name = "DEVICE:RATE")]
    pub device_write_bps: Vec<String>,
    /// Limit read operations on a device: DEVICE:RATE (per second).
    #[arg(long = "device-read-iops", value_name = "DEVICE:RATE")]
    pub device_read_iops: Vec<String>,
    /// Limit write operations on a device: DEVICE:RATE (per second).
    #[arg(long = "device-write-iops", value_name = "DEVICE:RATE")]
    pub device_write_iops: Vec<String>,
    /// Kernel parameter NAME=VALUE set in the container's namespaces (repeatable;
    /// net.* needs a network namespace of the container's own).
    #[arg(long = "sysctl", value_name = "NAME=VALUE")]
    pub sysctl: Vec<String>,
    /// MAC address of the container's interface on its first network (bridge mode).
    #[arg(long = "mac-address", value_name = "MAC")]
    pub mac_address: Option<String>,
    /// Static IPv4 address on the first network (bridge mode).
    #[arg(long = "ip", value_name = "IP")]
    pub ip: Option<std::net::Ipv4Addr>,
    /// Static IPv6 address on the first network (bridge mode).
    #[arg(long = "ip6", value_name = "IP")]
    pub ip6: Option<std::net::Ipv6Addr>,
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
    /// User namespace: `host` (the default: rootless, the user's own namespace),
    /// `keep-id` (rootless: the user's own uid and gid inside, and the container runs as
    /// them) or `auto[:size=N]` (a namespace of its own on N free ids, default 65536,
    /// that no other container's overlaps).
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// A user namespace of its own with this uid mapping `CONTAINER_ID:HOST_ID:SIZE`
    /// (repeatable; rootless, HOST_ID counts in the user's namespace, where 0 is you).
    #[arg(long, value_name = "MAP")]
    pub uidmap: Vec<String>,
    /// As --uidmap, for gids (without it the uid mapping is used for gids, and
    /// the other way round).
    #[arg(long, value_name = "MAP")]
    pub gidmap: Vec<String>,
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
    /// Restart policy: no, always, on-failure[:MAX], unless-stopped.
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Replace (force-remove) a container of the same `--name` first.
    #[arg(long)]
    pub replace: bool,
    /// Attach a mount: type=bind|tmpfs|image,src=...,dst=...[,ro|rw=true|...].
    #[arg(long, value_name = "MOUNT")]
    pub mount: Vec<String>,
    /// Healthcheck (--health-cmd, --health-interval, ..., --no-healthcheck).
    #[command(flatten)]
    pub health: HealthFlags,
    /// Pulling a missing image (--pull, -q, --tls-verify, --authfile, --platform, ...).
    #[command(flatten)]
    pub pull: CreatePullFlags,
    /// The first argument is no image but a root file system directory, `DIR:O`: the
    /// container runs on an overlay of it (its changes are its own; DIR stays unchanged).
    #[arg(long)]
    pub rootfs: bool,
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
#[command(disable_help_flag = true)]
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
#[command(disable_help_flag = true)]
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
    /// Start every container that is not running.
    #[arg(long)]
    pub all: bool,
    /// Only the containers matching: KEY=VALUE (Podman's container filters; repeatable).
    #[arg(short = 'f', long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Keys that detach from the container (default ctrl-p,ctrl-q; "" for none).
    #[arg(long = "detach-keys", value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod stop` and `lpod restart`.
#[derive(Debug, Clone, Args)]
pub struct StopArgs {
    /// Seconds to wait after the stop signal before killing.
    #[arg(short = 't', long = "time", alias = "timeout", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// A container that does not exist is not an error.
    #[arg(short = 'i', long)]
    pub ignore: bool,
    /// Only the containers matching: KEY=VALUE (Podman's container filters; repeatable).
    #[arg(short = 'f', long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Read the container's id from this file (as `run --cidfile` wrote it; repeatable).
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<std::path::PathBuf>,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod kill`.
#[derive(Debug, Clone, Args)]
pub struct KillArgs {
    /// Signal to send (name or number).
    #[arg(
        short = 's',
        long,
        default_value = "KILL",
        value_name = "SIGNAL",
        allow_hyphen_values = true
    )]
    pub signal: String,
    /// Every running container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Read the container's id from this file (as `run --cidfile` wrote it; repeatable).
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<std::path::PathBuf>,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Verbs that take just container names (wait).
#[derive(Debug, Clone, Args)]
pub struct IdsArgs {
    /// Containers (id, id prefix or name).
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod pause` and `lpod unpause`.
#[derive(Debug, Clone, Args)]
pub struct PauseArgs {
    /// Every running (pause) or paused (unpause) container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only the containers matching: KEY=VALUE (Podman's container filters; repeatable).
    #[arg(short = 'f', long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod mount`.
#[derive(Debug, Clone, Args)]
pub struct MountArgs {
    /// Mount every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Do not truncate ids in the list.
    #[arg(long = "no-trunc", alias = "notruncate")]
    pub no_trunc: bool,
    /// Output format for the list: json.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod umount`.
#[derive(Debug, Clone, Args)]
pub struct UmountArgs {
    /// Unmount every container.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Unmount even if mounted several times.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Containers (id, id prefix or name).
    #[arg(value_name = "CONTAINER")]
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
    /// Remove the containers' anonymous volumes too (those no other container uses).
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Read the container's id from this file (as `run --cidfile` wrote it; repeatable).
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<std::path::PathBuf>,
    /// Remove what depends on the container too (a pod's infra: the whole pod).
    #[arg(long)]
    pub depend: bool,
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
    /// Do not print the table's header.
    #[arg(long)]
    pub noheading: bool,
    /// Sort by: command, created, id, image, names, pod, runningfor, size, status.
    #[arg(long, value_name = "KEY")]
    pub sort: Option<String>,
    /// Only the N most recently created containers (any status).
    #[arg(short = 'n', long, value_name = "N", allow_hyphen_values = true)]
    pub last: Option<i64>,
    /// Only the most recently created container (any status).
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Add the pod's id and name to each row.
    #[arg(short = 'p', long)]
    pub pod: bool,
    /// Add the size of each container's writable layer (and with its image's).
    #[arg(short = 's', long)]
    pub size: bool,
    /// Show each container's init pid and namespaces instead.
    #[arg(long)]
    pub ns: bool,
    /// Sync the state with the OCI runtime (lpod always reads the exit files; accepted).
    #[arg(long)]
    pub sync: bool,
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
    /// Run the process in the background: lpod returns once it is started.
    #[arg(short = 'd', long)]
    pub detach: bool,
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
    /// Filter: after|since=IMAGE, before=IMAGE, reference=PATTERN, dangling=true|false,
    /// label=KEY[=VALUE], id=ID, digest=DIGEST, readonly=false; repeatable (all must hold).
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
    /// No header line.
    #[arg(short = 'n', long = "noheading")]
    pub noheading: bool,
    /// Sort by created (default, newest first), id, repository, size or tag.
    #[arg(long, default_value = "created", value_name = "KEY")]
    pub sort: String,
    /// Only images matching this reference (a name or `repo` pattern).
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
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
    /// An image that does not exist is not an error.
    #[arg(short = 'i', long)]
    pub ignore: bool,
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

/// `lpod load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Archive to read (docker-archive or oci-archive), or an http(s) URL to download it
    /// from; stdin if absent.
    #[arg(short = 'i', long, value_name = "FILE")]
    pub input: Option<String>,
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
    /// Several images in one docker-archive (implied by more than one image).
    #[arg(short = 'm', long = "multi-image-archive")]
    pub multi_image_archive: bool,
    /// Keep the layers uncompressed (oci-archive and oci-dir; docker archives always are).
    #[arg(long)]
    pub uncompressed: bool,
    /// Compress the layers of a docker-dir (accepted; lpod writes no docker-dir).
    #[arg(long, hide = true)]
    pub compress: bool,
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
    /// With --repair: remove a container's storage or directory that no container
    /// record knows only when older than this (it may be a create in progress);
    /// Go duration syntax (24h, 30m, 0 for any age). Default 24h, as Podman.
    #[arg(
        short = 'm',
        long = "max",
        visible_alias = "max-age",
        value_name = "DURATION"
    )]
    pub max: Option<String>,
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

// ---- manifest ----

/// `lpod manifest ...`.
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Create a manifest list (prints its id).
    Create(ManifestCreateArgs),
    /// Add an image to a manifest list (prints the list's id).
    Add(ManifestAddArgs),
    /// Change the platform or annotations of an entry of a manifest list.
    Annotate(ManifestAnnotateArgs),
    /// Print a manifest list as JSON.
    Inspect(ManifestInspectArgs),
    /// Exit 0 if the manifest list exists, 1 if it does not.
    Exists(ManifestInspectArgs),
    /// Remove an entry (by digest) from a manifest list.
    Remove(ManifestRemoveArgs),
    /// Remove manifest lists.
    Rm(ManifestRmArgs),
    /// Push a manifest list to a registry.
    Push(ManifestPushArgs),
}

/// The entry flags of `manifest add` and `manifest annotate`.
#[derive(Debug, Clone, Args)]
pub struct ManifestEntryFlags {
    /// Architecture of the entry.
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Operating system of the entry.
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,
    /// CPU variant of the entry.
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,
    /// Operating system version of the entry.
    #[arg(long = "os-version", value_name = "VERSION")]
    pub os_version: Option<String>,
    /// CPU features the entry needs.
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    pub features: Vec<String>,
    /// Operating system features the entry needs.
    #[arg(long = "os-features", value_name = "FEATURES", value_delimiter = ',')]
    pub os_features: Vec<String>,
    /// An annotation KEY=VALUE for the entry (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub annotation: Vec<String>,
}

/// `manifest create`.
#[derive(Debug, Clone, Args)]
pub struct ManifestCreateArgs {
    /// Add every image of a manifest list named by an IMAGE (local images have one).
    #[arg(long)]
    pub all: bool,
    /// Add to the list if it exists already.
    #[arg(short = 'a', long)]
    pub amend: bool,
    /// Registry access (for images on a registry).
    #[command(flatten)]
    pub access: AccessFlags,
    /// Name of the list.
    #[arg(value_name = "LIST")]
    pub name: String,
    /// Images to add.
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// `manifest add`.
#[derive(Debug, Clone, Args)]
pub struct ManifestAddArgs {
    /// Add every image of a manifest list on a registry.
    #[arg(long)]
    pub all: bool,
    /// Platform and annotations of the entry.
    #[command(flatten)]
    pub entry: ManifestEntryFlags,
    /// Registry access (for images on a registry).
    #[command(flatten)]
    pub access: AccessFlags,
    /// The list.
    #[arg(value_name = "LIST")]
    pub list: String,
    /// The image: a local one (name, id, `containers-storage:NAME`) or
    /// `docker://REFERENCE` on a registry.
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

/// `manifest annotate`.
#[derive(Debug, Clone, Args)]
pub struct ManifestAnnotateArgs {
    /// Platform and annotations of the entry.
    #[command(flatten)]
    pub entry: ManifestEntryFlags,
    /// The list.
    #[arg(value_name = "LIST")]
    pub list: String,
    /// The entry's digest.
    #[arg(value_name = "DIGEST")]
    pub digest: String,
}

/// `manifest inspect`, `manifest exists`.
#[derive(Debug, Clone, Args)]
pub struct ManifestInspectArgs {
    /// Accepted for Podman compatibility (lists are local).
    #[arg(
        long = "tls-verify",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        hide = true
    )]
    pub tls_verify: Option<bool>,
    /// The list.
    #[arg(value_name = "LIST")]
    pub list: String,
}

/// `manifest remove`.
#[derive(Debug, Clone, Args)]
pub struct ManifestRemoveArgs {
    /// The list.
    #[arg(value_name = "LIST")]
    pub list: String,
    /// The entry's digest.
    #[arg(value_name = "DIGEST")]
    pub digest: String,
}

/// `manifest rm`.
#[derive(Debug, Clone, Args)]
pub struct ManifestRmArgs {
    /// The lists.
    #[arg(value_name = "LIST", required = true)]
    pub lists: Vec<String>,
}

/// `manifest push`.
#[derive(Debug, Clone, Args)]
pub struct ManifestPushArgs {
    /// Push the images of the list's entries too (those that are local images).
    #[arg(long)]
    pub all: bool,
    /// Remove the list after a successful push.
    #[arg(long)]
    pub rm: bool,
    /// Print no progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Write the digest of the pushed list to this file.
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<PathBuf>,
    /// Registry access.
    #[command(flatten)]
    pub access: AccessFlags,
    /// The list.
    #[arg(value_name = "LIST")]
    pub list: String,
    /// Destination: docker://REGISTRY/NAME[:TAG] or a bare reference (default: the
    /// list's name).
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
}

// ---- volume ----

/// `lpod volume ...`.
#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Create a volume.
    Create(VolCreateArgs),
    /// List volumes.
    #[command(alias = "list")]
    Ls(VolLsArgs),
    /// Show volumes' configuration.
    Inspect(VolInspectArgs),
    /// Remove volumes.
    #[command(alias = "remove")]
    Rm(VolRmArgs),
    /// Remove every volume no container uses.
    Prune(VolPruneArgs),
    /// Exit 0 if the volume exists, 1 if it does not.
    Exists(VolExistsArgs),
    /// Write a volume's data as a tar archive.
    Export(VolExportArgs),
    /// Extract a tar archive (a file or `-` for stdin) into a volume.
    Import(VolImportArgs),
    /// Mount a volume's filesystem and print where its data is.
    Mount(VolExistsArgs),
    /// Undo one `volume mount`.
    #[command(alias = "umount")]
    Unmount(VolExistsArgs),
}

/// `volume export`.
#[derive(Debug, Clone, Args)]
pub struct VolExportArgs {
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<std::path::PathBuf>,
    /// Volume name.
    pub name: String,
}

/// `volume import`.
#[derive(Debug, Clone, Args)]
pub struct VolImportArgs {
    /// Volume name.
    pub name: String,
    /// The tar archive (`-` for stdin).
    pub source: String,
}

/// `volume create`.
#[derive(Debug, Clone, Args)]
pub struct VolCreateArgs {
    /// The driver (only `local`).
    #[arg(short = 'd', long)]
    pub driver: Option<String>,
    /// Label KEY=VALUE (repeatable).
    #[arg(short = 'l', long = "label")]
    pub label: Vec<String>,
    /// Driver option: type=, device=, o= (repeatable).
    #[arg(short = 'o', long = "opt")]
    pub opt: Vec<String>,
    /// An existing volume of that name is not an error.
    #[arg(long)]
    pub ignore: bool,
    /// The name (default: 64 generated hex characters).
    pub name: Option<String>,
}

/// `volume ls`.
#[derive(Debug, Clone, Args)]
pub struct VolLsArgs {
    /// json or a Go template.
    #[arg(long)]
    pub format: Option<String>,
    /// Names only.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Do not print the header line.
    #[arg(long = "noheading", short = 'n')]
    pub noheading: bool,
    /// Filter: name=, label=KEY[=VALUE], driver=, dangling=true|false, opt=, scope=.
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
}

/// `volume inspect`.
#[derive(Debug, Clone, Args)]
pub struct VolInspectArgs {
    /// json or a Go template.
    #[arg(short = 'f', long)]
    pub format: Option<String>,
    /// Every volume.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Volumes.
    #[arg(required_unless_present = "all")]
    pub names: Vec<String>,
}

/// `volume rm`.
#[derive(Debug, Clone, Args)]
pub struct VolRmArgs {
    /// Remove the containers using the volume first.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Every volume.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Seconds to wait for those containers to stop (accepted; they are killed).
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<i64>,
    /// Volumes.
    #[arg(required_unless_present = "all")]
    pub names: Vec<String>,
}

/// `volume prune`.
#[derive(Debug, Clone, Args)]
pub struct VolPruneArgs {
    /// Do not ask for confirmation.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Filter: label=KEY[=VALUE], label!=..., until=.
    #[arg(long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
}

/// `volume exists`.
#[derive(Debug, Clone, Args)]
pub struct VolExistsArgs {
    /// Volume name.
    pub name: String,
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
    Prune(PruneForceArgs),
    /// Exit 0 if the network exists, 1 if it does not.
    Exists(NetExistsArgs),
    /// Connect a container to a network (at once while it runs).
    Connect(NetConnectArgs),
    /// Disconnect a container from a network (at once while it runs).
    Disconnect(NetDisconnectArgs),
    /// Re-apply the network configuration (firewall and port-forwarding rules) of
    /// running containers.
    Reload(NetReloadArgs),
}

/// `network connect`.
#[derive(Debug, Clone, Args)]
pub struct NetConnectArgs {
    /// An extra name of the container on the network (repeatable).
    #[arg(long = "alias", value_name = "NAME")]
    pub alias: Vec<String>,
    /// Static IPv4 address on the network.
    #[arg(long = "ip", value_name = "IP")]
    pub ip: Option<std::net::Ipv4Addr>,
    /// Static IPv6 address on the network.
    #[arg(long = "ip6", value_name = "IP")]
    pub ip6: Option<std::net::Ipv6Addr>,
    /// Static MAC address on the network.
    #[arg(long = "mac-address", value_name = "MAC")]
    pub mac_address: Option<String>,
    /// The network.
    pub network: String,
    /// The container.
    pub container: String,
}

/// `network disconnect`.
#[derive(Debug, Clone, Args)]
pub struct NetDisconnectArgs {
    /// Accepted for Docker compatibility (disconnecting never needs forcing).
    #[arg(short = 'f', long)]
    pub force: bool,
    /// The network.
    pub network: String,
    /// The container.
    pub container: String,
}

/// `network reload`.
#[derive(Debug, Clone, Args)]
pub struct NetReloadArgs {
    /// Reload every running container.
    #[arg(short = 'a', long, conflicts_with = "containers")]
    pub all: bool,
    /// Use the latest created container.
    #[arg(short = 'l', long, conflicts_with_all = ["containers", "all"])]
    pub latest: bool,
    /// Containers.
    #[arg(required_unless_present_any = ["all", "latest"])]
    pub containers: Vec<String>,
}

/// `network exists`.
#[derive(Debug, Clone, Args)]
pub struct NetExistsArgs {
    /// Network name.
    pub name: String,
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
    /// Network name (default: the first free lpodN, N from 1, as Podman's podmanN).
    pub name: Option<String>,
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
    /// Do not print the header line.
    #[arg(long = "noheading", short = 'n')]
    pub noheading: bool,
    /// Filter: name=, id=, driver=, label=KEY[=VALUE].
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
}

/// `network inspect`.
#[derive(Debug, Clone, Args)]
pub struct NetNamesArgs {
    /// json or a Go template (Podman's field names: `.Name`, `.ID`,
    /// `.NetworkInterface`, `.Subnets`, ...).
    #[arg(short = 'f', long)]
    pub format: Option<String>,
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
    /// Seconds to wait for those containers to stop (accepted; they are killed).
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Networks.
    #[arg(required = true)]
    pub names: Vec<String>,
}

/// The healthcheck flags of `run` and `create`.
#[derive(Debug, Clone, Default, Args)]
pub struct HealthFlags {
    /// Healthcheck command: a string run by /bin/sh -c, a JSON array (CMD form), or none.
    #[arg(long = "health-cmd", value_name = "COMMAND")]
    pub health_cmd: Option<String>,
    /// Time between checks (Go duration, default 30s), or `disable` for no schedule.
    #[arg(long = "health-interval", value_name = "INTERVAL")]
    pub health_interval: Option<String>,
    /// Time a check may take (Go duration, default 30s).
    #[arg(long = "health-timeout", value_name = "TIMEOUT")]
    pub health_timeout: Option<String>,
    /// Failures in a row before the container is unhealthy (default 3).
    #[arg(long = "health-retries", value_name = "N")]
    pub health_retries: Option<u32>,
    /// Time after the start during which failures do not count (Go duration).
    #[arg(long = "health-start-period", value_name = "PERIOD")]
    pub health_start_period: Option<String>,
    /// Action once unhealthy: none, kill, restart, stop.
    #[arg(long = "health-on-failure", value_name = "ACTION")]
    pub health_on_failure: Option<String>,
    /// No healthcheck, not even the image's.
    #[arg(long = "no-healthcheck")]
    pub no_healthcheck: bool,
}

/// `lpod healthcheck ...`.
#[derive(Debug, Subcommand)]
pub enum HealthcheckCommand {
    /// Run a container's healthcheck now: exit 0 healthy, 1 unhealthy.
    Run(HealthcheckRunArgs),
}

/// `lpod healthcheck run`.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckRunArgs {
    /// Container name or id.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `lpod stats` and `container stats`.
#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// Every container (not running ones show `--`); default: the running ones.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print one sample and exit.
    #[arg(long = "no-stream")]
    pub no_stream: bool,
    /// Do not clear the terminal between samples.
    #[arg(long = "no-reset")]
    pub no_reset: bool,
    /// Full container ids.
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Seconds between samples.
    #[arg(
        short = 'i',
        long,
        default_value_t = 5,
        value_name = "SECONDS",
        allow_hyphen_values = true
    )]
    pub interval: i64,
    /// `json` or a Go template (`table ...` for columns with headers).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Containers (default: every running container).
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `lpod pod stats`.
#[derive(Debug, Clone, Args)]
pub struct PodStatsArgs {
    /// Every pod.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print one sample and exit.
    #[arg(long = "no-stream")]
    pub no_stream: bool,
    /// Do not clear the terminal between samples.
    #[arg(long = "no-reset")]
    pub no_reset: bool,
    /// Seconds between samples.
    #[arg(
        short = 'i',
        long,
        default_value_t = 1,
        value_name = "SECONDS",
        allow_hyphen_values = true
    )]
    pub interval: i64,
    /// `json` or a Go template (`table ...` for columns with headers).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Pods (default: every pod).
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
}

/// `lpod top` and `container top`.
#[derive(Debug, Clone, Args)]
pub struct TopArgs {
    /// Container name or id.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Format descriptors (user, pid, ppid, pcpu, etime, tty, time, args, comm, group,
    /// nice, rgroup, ruser, vsz, rss, state, seccomp, cap*, h*, ...), separate or
    /// comma-separated; anything else runs ps(1) in the container with these arguments.
    #[arg(
        value_name = "DESCRIPTOR",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub descriptors: Vec<String>,
}

/// `lpod update` and `container update`.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Number of CPUs (e.g. 1.5): a CFS quota over a 100ms period.
    #[arg(long, value_name = "CPUS")]
    pub cpus: Option<String>,
    /// CPU shares (relative weight).
    #[arg(short = 'c', long = "cpu-shares", value_name = "SHARES")]
    pub cpu_shares: Option<u64>,
    /// CFS quota in microseconds (-1 for none).
    #[arg(
        long = "cpu-quota",
        value_name = "MICROSECONDS",
        allow_hyphen_values = true
    )]
    pub cpu_quota: Option<i64>,
    /// CFS period in microseconds.
    #[arg(long = "cpu-period", value_name = "MICROSECONDS")]
    pub cpu_period: Option<u64>,
    /// Memory limit (e.g. 512m, 1g; -1 for none).
    #[arg(short = 'm', long, value_name = "SIZE", allow_hyphen_values = true)]
    pub memory: Option<String>,
    /// Memory plus swap limit (-1 for unlimited swap).
    #[arg(long = "memory-swap", value_name = "SIZE", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Pids limit (-1 or 0 for none).
    #[arg(long = "pids-limit", value_name = "N", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
    /// Container name or id.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `lpod container healthmonitor` (hidden).
#[derive(Debug, Clone, Args)]
pub struct HealthmonitorArgs {
    /// The run root of the runtime that started it (names it in audits).
    #[arg(long = "run-root", value_name = "DIR")]
    pub run_root: PathBuf,
    /// Container id.
    #[arg(value_name = "ID")]
    pub container: String,
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
    fn stats_top_update_flags() {
        let Command::Stats(s) = parse(&["stats", "--no-stream", "-a", "-i", "2"]).command else {
            panic!("stats")
        };
        assert!(s.no_stream && s.all && s.containers.is_empty());
        assert_eq!(s.interval, 2);
        // ps(1) options after the container are descriptors, not lpod flags.
        let Command::Top(t) = parse(&["top", "c1", "-o", "pid,args"]).command else {
            panic!("top")
        };
        assert_eq!(t.container, "c1");
        assert_eq!(t.descriptors, ["-o", "pid,args"]);
        let Command::Container(ContainerCommand::Update(u)) = parse(&[
            "container",
            "update",
            "-m",
            "-1",
            "--pids-limit",
            "-1",
            "c1",
        ])
        .command
        else {
            panic!("update")
        };
        assert_eq!(u.memory.as_deref(), Some("-1"));
        assert_eq!(u.pids_limit, Some(-1));
        assert_eq!(u.container, "c1");
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
