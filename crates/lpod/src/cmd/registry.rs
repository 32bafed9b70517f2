//! Registry verbs: pull, push, login, logout, the pull policy of `run`/`create`,
//! and the progress display (indicatif bars on a terminal, plain lines otherwise,
//! nothing with `-q`).

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use libpod_core::image::{
    self as core_image, Credentials, Platform, ProgressEvent, PullOptions, PullPolicy, PushOptions,
    RegistryAccess,
};
use libpod_core::Runtime;

use super::{runtime_config, CliError, CmdResult};
use crate::cli::{
    AccessFlags, CreateFlags, CreatePullFlags, GlobalOpts, LoginArgs, LogoutArgs, PlatformFlags,
    PullArgs, PushArgs,
};

impl AccessFlags {
    pub(crate) fn access(&self) -> Result<RegistryAccess, CliError> {
        let credentials = match &self.creds {
            Some(c) => Some(Credentials::parse(c).ok_or_else(|| {
                CliError::Usage(format!(
                    "invalid --creds {:?}: use USER:PASSWORD",
                    c.split(':').next().unwrap_or_default()
                ))
            })?),
            None => None,
        };
        Ok(RegistryAccess {
            tls_verify: self.tls_verify,
            credentials,
            auth_file: self.authfile.clone(),
            certs_dir: self.cert_dir.clone(),
        })
    }
}

impl PlatformFlags {
    /// `None` when no flag is given (the host's platform).
    fn platform(&self) -> Result<Option<Platform>, CliError> {
        if self.platform.is_none()
            && self.arch.is_none()
            && self.os.is_none()
            && self.variant.is_none()
        {
            return Ok(None);
        }
        let mut p = match &self.platform {
            Some(s) => Platform::parse(s).ok_or_else(|| {
                CliError::Usage(format!("invalid --platform {s:?}: use OS/ARCH[/VARIANT]"))
            })?,
            None => Platform::host(),
        };
        if let Some(a) = &self.arch {
            p.arch = a.clone();
        }
        if let Some(o) = &self.os {
            p.os = o.clone();
        }
        if let Some(v) = &self.variant {
            p.variant = Some(v.clone());
        }
        Ok(Some(p))
    }
}

/// How progress is shown.
enum Display {
    Quiet,
    Lines,
    Bars {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
    },
}

/// The progress display of one pull or push; events may come from several threads.
pub struct Reporter {
    state: Mutex<Display>,
    pushing: bool,
}

fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "Copying blob {msg} [{bar:30}] {bytes} / {total_bytes} ({bytes_per_sec})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

impl Reporter {
    /// Quiet with `quiet`; bars when stderr is a terminal; plain lines otherwise.
    pub fn new(quiet: bool, pushing: bool) -> Reporter {
        let state = if quiet {
            Display::Quiet
        } else if std::io::stderr().is_terminal() {
            Display::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: HashMap::new(),
            }
        } else {
            Display::Lines
        };
        Reporter {
            state: Mutex::new(state),
            pushing,
        }
    }

    fn line(&self, d: &Display, s: &str) {
        match d {
            Display::Quiet => {}
            Display::Lines => {
                let mut e = std::io::stderr().lock();
                let _ = writeln!(e, "{s}");
            }
            Display::Bars { multi, .. } => {
                let _ = multi.println(s);
            }
        }
    }

    /// Shows one event.
    pub fn event(&self, ev: ProgressEvent) {
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        let d = &mut *guard;
        match ev {
            ProgressEvent::Resolved { reference, .. } => {
                if !self.pushing {
                    self.line(d, &format!("Trying to pull {reference}..."));
                }
                self.line(d, "Getting image source signatures");
            }
            ProgressEvent::LayerSkipped { digest, .. } => {
                self.line(
                    d,
                    &format!("Copying blob {} skipped: already exists", short(&digest)),
                );
            }
            ProgressEvent::LayerStart { digest, size } => {
                if let Display::Bars { multi, bars } = d {
                    let b = multi.add(ProgressBar::new(size));
                    b.set_style(bar_style());
                    b.set_message(short(&digest).to_string());
                    bars.insert(digest, b);
                }
            }
            ProgressEvent::LayerBytes { digest, done, .. } => {
                if let Display::Bars { bars, .. } = d {
                    if let Some(b) = bars.get(&digest) {
                        b.set_position(done);
                    }
                }
            }
            ProgressEvent::LayerDone { digest } => match d {
                Display::Bars { bars, .. } => {
                    if let Some(b) = bars.remove(&digest) {
                        b.set_style(
                            ProgressStyle::with_template("Copying blob {msg}")
                                .unwrap_or_else(|_| ProgressStyle::default_bar()),
                        );
                        b.finish_with_message(format!("{} done", short(&digest)));
                    }
                }
                _ => self.line(d, &format!("Copying blob {} done", short(&digest))),
            },
            ProgressEvent::ConfigDone => self.line(d, "Copying config done"),
            ProgressEvent::Committed { .. } => {
                if self.pushing {
                    self.line(d, "Copying config done");
                }
                self.line(d, "Writing manifest to image destination");
            }
        }
    }
}

fn read_password_stdin() -> Result<String, CliError> {
    let mut s = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut s)
        .map_err(|e| CliError::Io {
            what: "read password from",
            path: "stdin".into(),
            source: e,
        })?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// Reads a line from the terminal with echo off (password prompt).
fn prompt(label: &str, echo: bool) -> Result<String, CliError> {
    use nix::sys::termios::{self, LocalFlags, SetArg};
    use std::os::fd::AsFd;
    eprint!("{label}");
    let _ = std::io::stderr().flush();
    let stdin = std::io::stdin();
    let saved = if echo {
        None
    } else {
        termios::tcgetattr(stdin.as_fd()).ok().inspect(|t| {
            let mut t2 = t.clone();
            t2.local_flags.remove(LocalFlags::ECHO);
            let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &t2);
        })
    };
    let r = read_password_stdin();
    if let Some(t) = saved {
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &t);
        eprintln!();
    }
    r
}

/// `lpod login`: verifies the credentials, then writes them to the auth file.
pub fn login(g: &GlobalOpts, a: LoginArgs) -> CmdResult {
    let cfg = runtime_config(g)?;
    let access = a.access.access()?;
    let interactive = std::io::stdin().is_terminal();
    let username = match a.username {
        Some(u) => u,
        None if interactive && !a.password_stdin => prompt("Username: ", true)?,
        None => {
            return Err(CliError::Usage(
                "a user name is required: use -u USER".into(),
            ))
        }
    };
    let password = match (a.password, a.password_stdin) {
        (Some(p), _) => p,
        (None, true) => read_password_stdin()?,
        (None, false) if interactive => prompt("Password: ", false)?,
        (None, false) => {
            return Err(CliError::Usage(
                "a password is required: use -p PASSWORD or --password-stdin".into(),
            ))
        }
    };
    if username.is_empty() {
        return Err(CliError::Usage("the user name is empty".into()));
    }
    let creds = Credentials { username, password };
    core_image::login(&cfg, &a.registry, &creds, &access)?;
    println!("Login Succeeded!");
    Ok(0)
}

/// `lpod logout`.
pub fn logout(g: &GlobalOpts, a: LogoutArgs) -> CmdResult {
    let cfg = runtime_config(g)?;
    let access = RegistryAccess {
        auth_file: a.authfile.clone(),
        ..RegistryAccess::default()
    };
    if a.all {
        core_image::logout(&cfg, None, &access)?;
        println!("Removed login credentials for all registries");
        return Ok(0);
    }
    let registry = a.registry.unwrap_or_default();
    if core_image::logout(&cfg, Some(&registry), &access)? {
        println!("Removed login credentials for {registry}");
        Ok(0)
    } else {
        Err(CliError::Usage(format!(
            "not logged into {registry} (no entry in {})",
            core_image::effective_auth_file(&cfg, &access).display()
        )))
    }
}

/// `lpod pull`: progress on stderr, the image id on stdout.
pub fn pull(rt: &Runtime, a: PullArgs) -> CmdResult {
    let opts = PullOptions {
        access: a.access.access()?,
        platform: a.platform.platform()?,
    };
    let rep = Reporter::new(a.quiet, false);
    let pulled = rt.pull(&a.image, &opts, &|ev| rep.event(ev))?;
    println!("{}", pulled.image.id);
    Ok(0)
}

/// `--digestfile FILE` of the push verbs: the pushed manifest's digest, written to FILE.
pub fn write_digestfile(file: Option<&std::path::PathBuf>, digest: &str) -> Result<(), CliError> {
    if let Some(f) = file {
        std::fs::write(f, digest).map_err(|e| CliError::Io {
            what: "write digest file",
            path: f.clone(),
            source: e,
        })?;
    }
    Ok(())
}

/// `lpod push`.
pub fn push(rt: &Runtime, a: PushArgs) -> CmdResult {
    let opts = PushOptions {
        access: a.access.access()?,
    };
    let rep = Reporter::new(a.quiet, true);
    let digest = rt.push(&a.image, a.destination.as_deref(), &opts, &|ev| {
        rep.event(ev)
    })?;
    write_digestfile(a.digestfile.as_ref(), &digest)?;
    Ok(0)
}

/// `run`/`create`: applies the pull policy and points the flags at the image to
/// create from (the fully qualified name when it was just pulled).
pub fn prepare_create(
    rt: &Runtime,
    f: &mut CreateFlags,
    p: &CreatePullFlags,
) -> Result<(), CliError> {
    let Some(image) = f.image_and_command.first().cloned() else {
        return Ok(());
    };
    if f.rootfs {
        // A directory, not an image: nothing to pull.
        return Ok(());
    }
    if let Some(id) = load_archive_transport(rt, &image, p.quiet)? {
        f.image_and_command[0] = id;
        return Ok(());
    }
    let policy: PullPolicy = p.pull.as_deref().unwrap_or("missing").parse()?;
    let opts = PullOptions {
        access: p.access.access()?,
        platform: p.platform.platform()?,
    };
    let rep = Reporter::new(p.quiet, false);
    let name = rt.ensure_image(&image, policy, &opts, &|ev| rep.event(ev))?;
    f.image_and_command[0] = name;
    Ok(())
}

/// `run`/`create docker-archive:PATH` (or `oci-archive:PATH`): loads the archive (with
/// Podman's copy lines on stderr unless quiet) and returns the id of its first image;
/// `None` for an image reference without such a transport.
fn load_archive_transport(
    rt: &Runtime,
    image: &str,
    quiet: bool,
) -> Result<Option<String>, CliError> {
    let Some(path) = image
        .strip_prefix("docker-archive:")
        .or_else(|| image.strip_prefix("oci-archive:"))
    else {
        return Ok(None);
    };
    // `PATH[:reference]`: the archive itself (an image inside is picked by the first).
    let path = std::path::Path::new(path.split(':').next().unwrap_or(path));
    if !quiet {
        eprintln!("Getting image source signatures");
    }
    let loaded = rt.store()?.load(path)?;
    let Some(first) = loaded.first() else {
        return Err(CliError::Usage(format!(
            "{image}: the archive holds no image"
        )));
    };
    if !quiet {
        for l in &first.layers {
            eprintln!("Copying blob {} done", &l[..l.len().min(12)]);
        }
        eprintln!("Copying config {} done", &first.id[..12]);
        eprintln!("Writing manifest to image destination");
    }
    rt.emit_event(libpod_core::events::Event::image(
        &first.id,
        &path.display().to_string(),
        libpod_core::events::EventStatus::LoadFromArchive,
    ));
    Ok(Some(first.id.clone()))
}

/// Makes sure `image` is in the store, pulling it without progress output when it is
/// missing (what `pod create --infra-image` does); returns the resolved name.
pub fn ensure_quietly(rt: &Runtime, image: &str) -> Result<String, CliError> {
    let rep = Reporter::new(true, false);
    rt.ensure_image(image, PullPolicy::Missing, &PullOptions::default(), &|ev| {
        rep.event(ev)
    })
    // Podman's words for a source it could not read.
    .map_err(|e| CliError::Usage(format!("initializing source docker://{image}: {e}")))
}

/// The infra image a new pod gets (`--infra-image`, else the configured one, e.g. from
/// containers.conf), pulled when missing; `None`: lpod's own pause image.
pub fn infra_image(rt: &Runtime, flag: Option<&str>) -> Result<Option<String>, CliError> {
    let configured = rt.config()?.config.infra_image;
    match flag.map(str::to_string).or(configured) {
        Some(i) => Ok(Some(ensure_quietly(rt, &i)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_flags() {
        let f = PlatformFlags::default();
        assert!(f.platform().unwrap().is_none());
        let f = PlatformFlags {
            platform: Some("linux/arm/v7".into()),
            ..Default::default()
        };
        assert_eq!(f.platform().unwrap().unwrap().to_string(), "linux/arm/v7");
        let f = PlatformFlags {
            arch: Some("arm64".into()),
            ..Default::default()
        };
        assert_eq!(f.platform().unwrap().unwrap().to_string(), "linux/arm64");
        let f = PlatformFlags {
            platform: Some("linux".into()),
            ..Default::default()
        };
        assert!(f.platform().is_err());
    }

    #[test]
    fn creds_flag() {
        let f = AccessFlags {
            creds: Some("u:p:w".into()),
            tls_verify: Some(false),
            ..Default::default()
        };
        let a = f.access().unwrap();
        assert_eq!(a.credentials.unwrap().password, "p:w");
        assert_eq!(a.tls_verify, Some(false));
        let f = AccessFlags {
            creds: Some("nopassword".into()),
            ..Default::default()
        };
        assert!(f.access().is_err());
    }

    fn parse(args: &[&str]) -> crate::cli::Command {
        use clap::Parser;
        crate::cli::Cli::try_parse_from(std::iter::once("lpod").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
    }

    #[test]
    fn flags_parse_like_podman() {
        use crate::cli::Command;
        let Command::Pull(p) = parse(&[
            "pull",
            "--tls-verify=false",
            "-q",
            "--platform",
            "linux/arm64",
            "docker://h:5000/r:t",
        ]) else {
            panic!("not pull")
        };
        assert_eq!(p.access.tls_verify, Some(false));
        assert!(p.quiet);
        assert_eq!(p.image, "docker://h:5000/r:t");
        // A bare --tls-verify means true and does not take the next word.
        let Command::Push(p) = parse(&["push", "--tls-verify", "img", "docker://h/r:t"]) else {
            panic!("not push")
        };
        assert_eq!(p.access.tls_verify, Some(true));
        assert_eq!(p.image, "img");
        assert_eq!(p.destination.as_deref(), Some("docker://h/r:t"));
        // run: pull flags before the image; the command keeps its own -q.
        let Command::Run(r) = parse(&["run", "--pull", "never", "-q", "img", "sh", "-q"]) else {
            panic!("not run")
        };
        assert_eq!(r.create.pull.pull.as_deref(), Some("never"));
        assert!(r.create.pull.quiet);
        assert_eq!(r.create.image_and_command, ["img", "sh", "-q"]);
        let Command::Login(l) = parse(&["login", "-u", "me", "--password-stdin", "h:5000"]) else {
            panic!("not login")
        };
        assert_eq!(l.username.as_deref(), Some("me"));
        assert!(l.password_stdin);
        assert!(matches!(parse(&["logout", "-a"]), Command::Logout(l) if l.all));
        use clap::Parser;
        assert!(crate::cli::Cli::try_parse_from(["lpod", "logout"]).is_err());
        assert!(crate::cli::Cli::try_parse_from([
            "lpod",
            "login",
            "-p",
            "x",
            "--password-stdin",
            "h"
        ])
        .is_err());
    }

    #[test]
    fn short_digests() {
        assert_eq!(short("sha256:0123456789abcdef"), "0123456789ab");
        assert_eq!(short("abc"), "abc");
    }
}
