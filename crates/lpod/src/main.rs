//! `lpod`: a podman-compatible command line over libpod-core.
//!
//! Exit codes follow Podman: 125 for lpod's own errors, 126 when the container's command
//! cannot be invoked, 127 when it is not found, else the container's own exit code.

// Doc comments of the clap definitions are the CLI's help text, which spells optional parts
// the way Podman's help does (`[ip:]hostPort`), not as rustdoc links.
#![allow(rustdoc::broken_intra_doc_links)]

mod cli;
mod cmd;
mod exit;
mod format;
mod parse;
mod progress;
mod runflags;
mod signals;
mod tty;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Before any thread: an armed failpoint is for this process, never for its children.
    libpod_config::failpoint::take_from_env();
    restore_sigpipe();
    // As Podman: `--remote` is offered unless a remote service is already named (by
    // CONTAINER_HOST, CONTAINER_CONNECTION, --url or --connection).
    let named_remote = ["CONTAINER_HOST", "CONTAINER_CONNECTION"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
        || std::env::args().any(|a| {
            a == "--url"
                || a == "--connection"
                || a.starts_with("--url=")
                || a.starts_with("--connection=")
        });
    let mut command = <cli::Cli as clap::CommandFactory>::command();
    if named_remote {
        command = command.mut_arg("remote", |a| a.hide(true));
    }
    let parsed = command
        .try_get_matches_from(pflag_shorts(std::env::args_os().collect()))
        .and_then(|m| <cli::Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => exit::LPOD_ERROR,
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    if let cli::Command::Run(a) | cli::Command::Container(cli::ContainerCommand::Run(a)) =
        &cli.command
    {
        if let Some(n) = a.create.preserve_fds.filter(|n| *n > 0) {
            reserve_inherited_fds(n);
        }
    }
    let level = match cli.global.level() {
        Ok(l) => l,
        Err(msg) => {
            // Podman exits 1 here, before any verb runs.
            eprintln!("{msg}");
            return ExitCode::from(1);
        }
    };
    init_logging(&level);
    if cli.global.remote || cli.global.url.is_some() || cli.global.connection.is_some() {
        eprintln!(
            "Error: remote access (--remote, --url, --connection) is not supported: lpod runs containers on this host only"
        );
        return ExitCode::from(exit::LPOD_ERROR as u8);
    }
    // Rootless: into the user's namespace while this process has one thread (setns
    // refuses a multi-threaded process). `version` needs no namespace.
    if !matches!(cli.command, cli::Command::Version(_)) {
        match libpod_core::rootless::enter() {
            Ok(e) => tracing::debug!("rootless namespace: {e:?}"),
            Err(e) => {
                eprintln!("Error: {e}");
                return ExitCode::from(exit::LPOD_ERROR as u8);
            }
        }
    }
    tracing::info!("lpod filtering at log level {level}");
    tracing::debug!("Called {}", std::env::args().collect::<Vec<_>>().join(" "));
    if cli.global.noout {
        silence_stdout();
    }
    let code = match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            cmd::report(&e);
            e.exit_code()
        }
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// Maps Podman's log levels onto a tracing filter; `debug` and `trace` also show span
/// entry and exit so the lifecycle verbs can be followed.
fn init_logging(level: &str) {
    use tracing_subscriber::fmt::format::FmtSpan;
    let lvl = match level.to_ascii_lowercase().as_str() {
        "fatal" | "panic" => "error".to_string(),
        "warning" => "warn".to_string(),
        l => l.to_string(),
    };
    // The TLS verifier logs every rejected certificate at ERROR through `log`; the
    // registry error that follows already says it, as Podman's one `Error:` line.
    let directives = format!("{lvl},rustls_platform_verifier=off");
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let spans = if matches!(lvl.as_str(), "debug" | "trace") {
        FmtSpan::NEW | FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_writer(std::io::stderr)
        .event_format(Logrus)
        .try_init();
}

/// Log lines as Podman (logrus) prints them: `time="..." level=info msg="..." key=value`,
/// so scripts that grep Podman's `level=` lines work unchanged.
struct Logrus;

/// Collects an event's message and fields.
#[derive(Default)]
struct Fields {
    msg: String,
    rest: Vec<(String, String)>,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
        if f.name() == "message" {
            self.msg = v.to_string();
        } else {
            self.rest.push((f.name().to_string(), v.to_string()));
        }
    }
    fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
        if f.name() == "message" {
            self.msg = format!("{v:?}");
        } else {
            self.rest.push((f.name().to_string(), format!("{v:?}")));
        }
    }
}

/// logrus quotes a value that is empty or has characters beyond `[A-Za-z0-9-._/@^+]`.
fn logrus_value(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/@^+".contains(c));
    if plain {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Logrus
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut w: tracing_subscriber::fmt::format::Writer<'_>,
        ev: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let level = match *ev.metadata().level() {
            tracing::Level::TRACE => "trace",
            tracing::Level::DEBUG => "debug",
            tracing::Level::INFO => "info",
            tracing::Level::WARN => "warning",
            tracing::Level::ERROR => "error",
        };
        let mut f = Fields::default();
        ev.record(&mut f);
        let time = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        write!(w, "time=\"{time}\" level={level} msg={:?}", f.msg)?;
        if let Some(scope) = ctx.event_scope() {
            let spans: Vec<String> = scope.from_root().map(|s| s.name().to_string()).collect();
            if !spans.is_empty() {
                write!(w, " span={}", logrus_value(&spans.join(":")))?;
            }
        }
        for (k, v) in &f.rest {
            write!(w, " {k}={}", logrus_value(v))?;
        }
        writeln!(w)
    }
}

/// `run --preserve-fds N`: descriptors 3 .. 3+N are the caller's, for the container.
/// A number not open gets /dev/null, so nothing lpod opens later lands there; then the
/// OCI layer may pass them on.
fn reserve_inherited_fds(n: u32) {
    // conmon gets these plus its two pipes at 3..: at most 7 descriptors.
    let n = n.min(5);
    for fd in 3..3 + n as i32 {
        // SAFETY: F_GETFD only queries the descriptor's flags.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0 {
            continue;
        }
        if let Ok(null) = std::fs::File::open("/dev/null") {
            use std::os::fd::IntoRawFd;
            let raw = null.into_raw_fd();
            if raw != fd {
                // SAFETY: `raw` is ours (just opened); dup2 onto the free number `fd`,
                // then close the original.
                unsafe {
                    libc::dup2(raw, fd);
                    libc::close(raw);
                }
            }
        }
    }
    libpod_core::set_inherited_fds(n);
}

/// `--noout`: stdout goes to /dev/null for the rest of the process, as Podman does.
fn silence_stdout() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 onto fd 1 with a valid open descriptor; nothing holds a raw
        // reference to the old stdout that would be invalidated.
        unsafe {
            libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
        }
    }
}

/// `lpod ps | head` must end quietly, as Podman does, not panic in `println!` on
/// EPIPE: give SIGPIPE back its default action (Rust's runtime ignores it).
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE and no handler code runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Podman's (pflag's) `-a=false` for `cp`: clap does not take a value after `-a=`, so
/// it becomes `--archive=false` (only after a `cp` word, never for `ps -a` and the like).
fn pflag_shorts(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let Some(cp) = args.iter().position(|a| a == "cp") else {
        return args;
    };
    for a in args.iter_mut().skip(cp + 1) {
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("-a=")) {
            *a = format!("--archive={v}").into();
        }
    }
    args
}
