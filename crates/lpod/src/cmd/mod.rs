//! The verbs: each maps its flags onto libpod-core and prints Podman's output.
//! Every verb returns the process exit code or a [`CliError`].

mod container;
mod cp;
mod df;
mod events;
mod filter;
mod health;
mod history;
mod image;
mod kube;
mod manifest;
mod mount;
pub mod network;
mod pod;
mod prune;
mod ps;
pub mod registry;
mod stats;
mod system;
mod verbs;
mod volume;

use std::path::{Path, PathBuf};

use libpod_core::Runtime;

use crate::cli::{Cli, Command, ContainerCommand, GlobalOpts, ImageCommand, SystemCommand};
use crate::exit;

/// Why a verb failed; each variant knows its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// From libpod-core (its own exit code: 125, or 126/127 for the container's command).
    #[error("{0}")]
    Core(#[from] libpod_core::Error),
    /// From the image store.
    #[error("{0}")]
    Storage(#[from] libpod_storage::StoreError),
    /// From a registry verb (pull, push, login, logout).
    #[error("{0}")]
    Image(#[from] libpod_core::image::ImageError),
    /// A flag value.
    #[error("{0}")]
    Parse(#[from] crate::parse::ParseError),
    /// A `--format` template.
    #[error("{0}")]
    Template(#[from] crate::format::TemplateError),
    /// The configuration file.
    #[error("{0}")]
    Config(#[from] libpod_config::ConfigError),
    /// Local I/O (stdin/stdout, temp files).
    #[error("{what} {path}: {source}")]
    Io {
        /// What we were doing.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A usage error that clap cannot express.
    #[error("{0}")]
    Usage(String),
    /// `run` created the container but could not start it (Podman's exit code 126,
    /// 127 when the command is not found).
    #[error("{0}")]
    StartFailed(libpod_core::Error),
    /// An error with Podman's own exit code for it (e.g. `rm`: 1 no such container, 2 the
    /// container's state forbids it).
    #[error("{message}")]
    Coded {
        /// The exit code.
        code: i32,
        /// The message.
        message: String,
    },
    /// An object named on the command line does not exist, where Podman exits 1 rather
    /// than 125 (`pod rm`, `network rm`).
    #[error("{0}")]
    Missing(String),
}

impl CliError {
    /// Podman's exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Core(e) => match e.exit_code() {
                exit::LPOD_ERROR if matches!(e, libpod_core::Error::Oci(_)) => {
                    exit::classify_runtime_message(&e.to_string())
                }
                c => c,
            },
            CliError::StartFailed(e) => match e.exit_code() {
                exit::LPOD_ERROR => match exit::classify_runtime_message(&e.to_string()) {
                    exit::LPOD_ERROR => exit::CANNOT_INVOKE,
                    c => c,
                },
                c => c,
            },
            CliError::Coded { code, .. } => *code,
            CliError::Missing(_) => 1,
            _ => exit::LPOD_ERROR,
        }
    }

    fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CliError::Io {
            what,
            path: path.into(),
            source,
        }
    }
}

/// Result of a verb: the exit code.
pub type CmdResult = Result<i32, CliError>;

/// Prints an error as Podman does: one line, `Error: ...`.
pub fn report(e: &CliError) {
    let msg = e.to_string();
    if !msg.contains('\n') {
        // One line already: verbatim (Podman's `invalid signal: ` keeps its space).
        eprintln!("Error: {msg}");
        return;
    }
    let one_line: String = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    eprintln!("Error: {one_line}");
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> CmdResult {
    let g = &cli.global;
    match cli.command {
        Command::Version(a) => system::version(&a),
        Command::Run(mut a) | Command::Container(ContainerCommand::Run(mut a)) => {
            let rt = open(g)?;
            let pull = a.create.pull.clone();
            registry::prepare_create(&rt, &mut a.create, &pull)?;
            container::run(&rt, a)
        }
        Command::Create(mut a) | Command::Container(ContainerCommand::Create(mut a)) => {
            let rt = open(g)?;
            let pull = a.create.pull.clone();
            registry::prepare_create(&rt, &mut a.create, &pull)?;
            container::create(&rt, a)
        }
        Command::Pull(a) => registry::pull(&open(g)?, a),
        Command::Push(a) => registry::push(&open(g)?, a),
        Command::Login(a) => registry::login(g, a),
        Command::Logout(a) => registry::logout(g, a),
        Command::Start(a) | Command::Container(ContainerCommand::Start(a)) => {
            container::start(&open(g)?, a)
        }
        Command::Stop(a) | Command::Container(ContainerCommand::Stop(a)) => {
            container::stop(&open(g)?, a, false)
        }
        Command::Restart(a) | Command::Container(ContainerCommand::Restart(a)) => {
            container::stop(&open(g)?, a, true)
        }
        Command::Kill(a) | Command::Container(ContainerCommand::Kill(a)) => {
            container::kill(&open(g)?, a)
        }
        Command::Pause(a) | Command::Container(ContainerCommand::Pause(a)) => {
            container::pause(&open(g)?, a, true)
        }
        Command::Unpause(a) | Command::Container(ContainerCommand::Unpause(a)) => {
            container::pause(&open(g)?, a, false)
        }
        Command::Rm(a) | Command::Container(ContainerCommand::Rm(a)) => container::rm(&open(g)?, a),
        Command::Wait(a) | Command::Container(ContainerCommand::Wait(a)) => {
            container::wait(&open(g)?, a)
        }
        Command::Logs(a) | Command::Container(ContainerCommand::Logs(a)) => {
            container::logs(&open(g)?, a)
        }
        Command::Exec(a) | Command::Container(ContainerCommand::Exec(a)) => {
            container::exec(&open(g)?, a)
        }
        Command::Inspect(a) => container::inspect(&open(g)?, a),
        Command::Ps(a) | Command::Container(ContainerCommand::Ps(a)) => ps::ps(&open(g)?, a),
        Command::Images(a) => image::images(&open(g)?, a),
        Command::Rmi(a) => image::rmi(&open(g)?, a),
        Command::Tag(a) => image::tag(&open(g)?, a),
        Command::Untag(a) | Command::Image(ImageCommand::Untag(a)) => image::untag(&open(g)?, a),
        Command::Load(a) => image::load(&open(g)?, a),
        Command::Save(a) => image::save(&open(g)?, a),
        Command::Import(a) => image::import(&open(g)?, a),
        Command::Info(a) | Command::System(SystemCommand::Info(a)) => {
            system::info(&open(g)?, g, &a)
        }
        Command::System(SystemCommand::Reset(a)) => system::reset(g, &a),
        Command::System(SystemCommand::Df(a)) => df::df(&open(g)?, &a),
        Command::System(SystemCommand::Check(a)) => system::check(&open(g)?, &a),
        Command::System(SystemCommand::Boot) => system::boot(&open(g)?),
        Command::System(SystemCommand::Service(a)) => system::service(&open(g)?, &a),
        Command::System(SystemCommand::Migrate) => system::migrate(&open(g)?),
        Command::Unshare(a) => system::unshare(&a),
        Command::System(SystemCommand::Prune(a)) => prune::system(&open(g)?, &a),
        Command::Image(ImageCommand::Prune(a)) => prune::images(&open(g)?, &a),
        Command::History(a) | Command::Image(ImageCommand::History(a)) => {
            history::history(&open(g)?, &a)
        }
        Command::Image(ImageCommand::Tree(a)) => history::tree(&open(g)?, &a),
        Command::Container(ContainerCommand::Cleanup(a)) => container::cleanup(&open(g)?, a),
        Command::Container(ContainerCommand::Exists(a)) => container::exists(&open(g)?, a),
        Command::Container(ContainerCommand::Prune(a)) => prune::containers(&open(g)?, &a),
        Command::Container(ContainerCommand::Inspect(mut a)) => {
            a.kind = "container".into();
            container::inspect(&open(g)?, a)
        }
        Command::Container(ContainerCommand::Mount(a)) | Command::Mount(a) => {
            mount::mount(&open(g)?, a)
        }
        Command::Container(ContainerCommand::Umount(a)) | Command::Umount(a) => {
            mount::umount(&open(g)?, a)
        }
        Command::Image(ImageCommand::Mount(a)) => mount::image_mount(&open(g)?, a),
        Command::Image(ImageCommand::Umount(a)) => mount::image_umount(&open(g)?, a),
        Command::Network(c) => network::run(&open(g)?, c),
        Command::Volume(c) => volume::run(&open(g)?, c),
        Command::Image(ImageCommand::Exists(a)) => image::exists(&open(g)?, a),
        Command::Image(ImageCommand::Ls(a)) => image::images(&open(g)?, a),
        Command::Image(ImageCommand::Rm(a)) => image::rmi(&open(g)?, a),
        Command::Image(ImageCommand::Tag(a)) => image::tag(&open(g)?, a),
        Command::Commit(a) | Command::Container(ContainerCommand::Commit(a)) => {
            image::commit(&open(g)?, a)
        }
        Command::Build(a) => image::build(&open(g)?, a),
        Command::Manifest(c) => manifest::run(&open(g)?, c),
        Command::Image(ImageCommand::Load(a)) => image::load(&open(g)?, a),
        Command::Image(ImageCommand::Save(a)) => image::save(&open(g)?, a),
        Command::Image(ImageCommand::Pull(a)) => registry::pull(&open(g)?, a),
        Command::Image(ImageCommand::Push(a)) => registry::push(&open(g)?, a),
        Command::Image(ImageCommand::Import(a)) => image::import(&open(g)?, a),
        Command::Image(ImageCommand::Inspect(mut a)) => {
            a.kind = "image".into();
            container::inspect(&open(g)?, a)
        }
        Command::Pod(c) => pod::pod(&open(g)?, c),
        Command::Events(a) | Command::System(SystemCommand::Events(a)) => {
            events::events(&open(g)?, a)
        }
        Command::Port(a) | Command::Container(ContainerCommand::Port(a)) => {
            network::port(&open(g)?, a)
        }
        Command::Healthcheck(crate::cli::HealthcheckCommand::Run(a)) => health::run(&open(g)?, a),
        Command::Container(ContainerCommand::Healthmonitor(a)) => health::monitor(g, a),
        Command::Stats(a) | Command::Container(ContainerCommand::Stats(a)) => {
            stats::stats(&open(g)?, a)
        }
        Command::Top(a) | Command::Container(ContainerCommand::Top(a)) => stats::top(&open(g)?, a),
        Command::Update(a) | Command::Container(ContainerCommand::Update(a)) => {
            stats::update(&open(g)?, a)
        }
        Command::Rename(a) | Command::Container(ContainerCommand::Rename(a)) => {
            verbs::rename(&open(g)?, &a)
        }
        Command::Init(a) | Command::Container(ContainerCommand::Init(a)) => {
            verbs::init(&open(g)?, &a)
        }
        Command::Cp(a) | Command::Container(ContainerCommand::Cp(a)) => cp::cp(&open(g)?, &a),
        Command::Diff(a) | Command::Container(ContainerCommand::Diff(a)) => cp::diff(&open(g)?, &a),
        Command::Export(a) | Command::Container(ContainerCommand::Export(a)) => {
            cp::export(&open(g)?, &a)
        }
        Command::Play(c) => kube::play(&open(g)?, c),
        Command::Kube(c) => kube::kube(&open(g)?, c),
    }
}

/// Makes a path absolute against the current directory (conmon's exit command runs
/// elsewhere, so relative paths must not reach it).
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The global flags again, as conmon's exit command must pass them to
/// `lpod container cleanup` so it opens the same store and state.
pub fn exit_command_args(g: &GlobalOpts) -> Vec<String> {
    let mut args = Vec::new();
    let mut push = |flag: &str, v: String| {
        args.push(flag.to_string());
        args.push(v);
    };
    if let Some(c) = &g.config {
        push("--config", absolute(c).to_string_lossy().into_owned());
    }
    if let Some(r) = &g.root {
        push("--root", absolute(r).to_string_lossy().into_owned());
    }
    if let Some(r) = &g.runroot {
        push("--runroot", absolute(r).to_string_lossy().into_owned());
    }
    if let Some(r) = &g.runtime {
        let v = if r.contains('/') {
            absolute(Path::new(r)).to_string_lossy().into_owned()
        } else {
            r.clone()
        };
        push("--runtime", v);
    }
    if let Some(d) = &g.storage_driver {
        push("--storage-driver", d.clone());
    }
    if let Some(v) = &g.volumepath {
        push("--volumepath", absolute(v).to_string_lossy().into_owned());
    }
    for o in &g.storage_opt {
        push("--storage-opt", o.clone());
    }
    for f in &g.runtime_flag {
        push("--runtime-flag", f.clone());
    }
    if let Some(b) = &g.events_backend {
        push("--events-backend", b.clone());
    }
    push("--log-level", g.level().unwrap_or_else(|_| "warn".into()));
    args
}

/// The data-model configuration the global flags select: lpod's file, then the
/// storage.conf `$CONTAINERS_STORAGE_CONF` names (graph root, run root, driver), then
/// events keys of `$CONTAINERS_CONF` when set, then flags (applied by [`builder`]).
pub fn runtime_config(g: &GlobalOpts) -> Result<libpod_config::RuntimeConfig, CliError> {
    let identity = libpod_config::rootless::Identity::current();
    let mut cfg = match &g.config {
        Some(p) => libpod_config::RuntimeConfig::load(p)?,
        None => libpod_config::RuntimeConfig::load_for(identity)?,
    };
    if identity.is_rootless() {
        // conmon's exit command (`container cleanup`) runs with conmon's environment
        // only: it must find the same per-user paths and know it is rootless.
        cfg.conmon_env_vars
            .extend(libpod_config::rootless::RootlessPaths::env_vars());
        cfg.conmon_env_vars.push(format!(
            "{}={}",
            libpod_config::rootless::ROOTLESS_UID_ENV,
            identity.host_uid()
        ));
    }
    // Podman's `$CONTAINERS_CONF` (read once): its events, DNS, hosts and infra image keys.
    if let Some(p) = std::env::var_os("CONTAINERS_CONF").filter(|p| !p.is_empty()) {
        cfg.apply_containers_conf(Path::new(&p))?;
        // The exit command (`container cleanup`, which emits `died`) must write the
        // same events log: it runs with conmon's environment only.
        cfg.conmon_env_vars.push(format!(
            "CONTAINERS_CONF={}",
            absolute(Path::new(&p)).display()
        ));
    }
    if let Some(b) = &g.events_backend {
        cfg.events_logger = b
            .parse()
            .map_err(|e: String| CliError::Usage(format!("--events-backend: {e}")))?;
        if cfg.events_logger == libpod_config::EventsLogger::Journald {
            return Err(CliError::Usage(
                "--events-backend journald: journald is not available on this system (no systemd journal); use file or none".into(),
            ));
        }
    }
    if let Some(sc) = libpod_config::storage_conf::StorageConf::from_env()? {
        sc.apply(&mut cfg);
        // conmon's exit command (`container cleanup`) must open the same store: it runs
        // with conmon's environment, which is only `conmon_env_vars`.
        let path = absolute(&sc.path);
        cfg.conmon_env_vars.push(format!(
            "{}={}",
            libpod_config::storage_conf::STORAGE_CONF_ENV,
            path.display()
        ));
    }
    Ok(cfg)
}

/// Opens the runtime the global flags describe.
pub fn open(g: &GlobalOpts) -> Result<Runtime, CliError> {
    let b = builder(g)?;
    let c = &b.peek().config;
    tracing::trace!(
        graph_root = %c.graph_root.display(),
        run_root = %c.run_root.display(),
        static_dir = %c.static_dir.display(),
        tmp_dir = %c.tmp_dir.display(),
        driver = %c.storage_driver,
        "opening the runtime"
    );
    Ok(b.build()?)
}

/// The runtime builder the global flags describe (not yet opened).
pub fn builder(g: &GlobalOpts) -> Result<libpod_core::RuntimeBuilder, CliError> {
    let mut cfg = runtime_config(g)?;
    if !g.storage_opt.is_empty() {
        // Podman: an empty --storage-opt clears the configured options.
        cfg.storage_options = g
            .storage_opt
            .iter()
            .filter(|o| !o.is_empty())
            .cloned()
            .collect();
    }
    let mut b = Runtime::builder().runtime_config(cfg);
    if let Some(r) = &g.root {
        b = b.root(absolute(r));
    }
    if let Some(r) = &g.runroot {
        b = b.run_root(absolute(r));
    }
    if let Some(r) = &g.runtime {
        b = b.runtime(r.clone());
    }
    if let Some(d) = &g.storage_driver {
        b = b.storage_driver(d.clone());
    }
    if let Some(v) = &g.volumepath {
        b = b.volume_path(absolute(v));
    }
    if !g.runtime_flag.is_empty() {
        b = b.runtime_flags(&g.runtime_flag);
    }
    if let Ok(exe) = std::env::current_exe() {
        b = b.exit_command(exe, exit_command_args(g));
    }
    Ok(b)
}

/// Runs `f` for each name; errors are reported as they happen (one line each) and the
/// last one decides the exit code, as Podman does for multi-container verbs.
fn for_each<T>(items: &[T], mut f: impl FnMut(&T) -> Result<(), CliError>) -> CmdResult {
    let mut last: Option<CliError> = None;
    // Many targets (`rm -a` of thousands) get a progress bar on a terminal.
    let mut progress = crate::progress::Progress::new("", items.len());
    for it in items {
        progress.step(|| {
            if let Err(e) = f(it) {
                if let Some(prev) = last.take() {
                    report(&prev);
                }
                last = Some(e);
            }
        });
    }
    drop(progress);
    match last {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// Prints JSON (pretty, like Podman) to stdout.
fn print_json(v: &impl serde::Serialize) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::io("encode JSON for", "stdout", std::io::Error::other(e)))?;
    println!("{s}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_command_repeats_the_global_flags_absolutely() {
        let g = GlobalOpts {
            root: Some("rel/root".into()),
            runroot: Some("/abs/run".into()),
            runtime: Some("crun".into()),
            storage_driver: Some("vfs".into()),
            log_level: Some("warn".into()),
            config: None,
            ..Default::default()
        };
        let args = exit_command_args(&g);
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            args,
            [
                "--root".to_string(),
                cwd.join("rel/root").to_string_lossy().into_owned(),
                "--runroot".into(),
                "/abs/run".into(),
                "--runtime".into(),
                "crun".into(),
                "--storage-driver".into(),
                "vfs".into(),
                "--log-level".into(),
                "warn".into(),
            ]
        );
    }

    #[test]
    fn error_exit_codes() {
        let e = CliError::Core(libpod_core::Error::CommandNotFound("x".into()));
        assert_eq!(e.exit_code(), 127);
        let e = CliError::Core(libpod_core::Error::CommandNotInvokable("x".into()));
        assert_eq!(e.exit_code(), 126);
        let e = CliError::Core(libpod_core::Error::NoSuchContainer("x".into()));
        assert_eq!(e.exit_code(), 125);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 125);
    }
}
