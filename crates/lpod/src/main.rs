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
mod signals;
mod tty;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = match cli::Cli::try_parse() {
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
    init_logging(&cli.global.log_level);
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
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
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
