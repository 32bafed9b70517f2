//! Prerequisite guards, checked commands for leak probes, and polling.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// Whether a value of the `CI` variable means "in CI": `true`, `1`, `yes` or `on`
/// (any case). Empty, `0`, `false`, `no` and anything else do not.
pub fn ci_value_is_truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

/// True when missing prerequisites must fail the test instead of skipping it: the
/// environment variable `CI` is set to a truthy value (see [`ci_value_is_truthy`]).
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| ci_value_is_truthy(&v))
}

/// True when we run as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Returns `ok`. When `ok` is false: a note on stderr (the test then returns early, a
/// skip) or, under [`ci`], a panic naming `what` is missing.
pub fn require(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    if ci() {
        panic!("missing prerequisite with CI set: {what}");
    }
    eprintln!("SKIP: missing prerequisite: {what}");
    false
}

/// [`require`] that we are root; `test` names the test in the message.
pub fn require_root(test: &str) -> bool {
    require(is_root(), &format!("{test}: needs root"))
}

/// The first `bin` on `PATH` (or the usual sbin/bin directories when `PATH` is unset).
pub fn which(bin: &str) -> Option<PathBuf> {
    if bin.contains('/') {
        let p = PathBuf::from(bin);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(bin))
        .find(|p| p.is_file())
}

/// The path of `bin` (see [`which`]); `None` (skip) or a panic under [`ci`] when it is
/// missing. `package` names what installs it.
pub fn require_binary(bin: &str, package: &str) -> Option<PathBuf> {
    let found = which(bin);
    if require(found.is_some(), &format!("{bin} (install {package})")) {
        found
    } else {
        None
    }
}

/// A probe command that could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// It could not be started.
    #[error("probe `{command}` could not run: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// It exited unsuccessfully.
    #[error("probe `{command}` failed ({status}): {}", .stderr.trim())]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its standard error.
        stderr: String,
    },
}

/// Runs `bin args` and returns its stdout, or why it could not answer.
pub fn try_probe(bin: &str, args: &[&str]) -> Result<String, ProbeError> {
    let command = std::iter::once(bin)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(bin)
        .args(args)
        .output()
        .map_err(|source| ProbeError::Spawn {
            command: command.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(ProbeError::Failed {
            command,
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `bin args` for a leak check and returns its stdout; panics when the command
/// cannot run or fails, so that a broken probe never reads as "nothing left".
pub fn probe(bin: &str, args: &[&str]) -> String {
    try_probe(bin, args).unwrap_or_else(|e| panic!("leak probe: {e}"))
}

/// How long [`poll_until`] waits at most: a liveness bound for a loaded 2-core machine,
/// not a timing assertion.
pub const POLL_LIMIT: Duration = Duration::from_secs(120);

/// Calls `f` every 20 ms until it returns `Some`, and returns that; panics naming `what`
/// after `limit` (use [`POLL_LIMIT`] unless the test has a reason).
pub fn poll_until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > limit {
            panic!("gave up after {limit:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `cargo run --quiet -p PACKAGE --example NAME -- ARGS` (the package of the calling test
/// crate is `env!("CARGO_PKG_NAME")`), returning stdout and stderr together; panics with that
/// output when the example fails. For tests that prove a crate's documented example runs.
pub fn run_example(package: &str, name: &str, args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["run", "--quiet", "-p", package, "--example", name, "--"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running cargo for example {name}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "example {name} failed: {text}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthy_ci_values() {
        for v in ["true", "TRUE", "1", "yes", "on", " True "] {
            assert!(ci_value_is_truthy(v), "{v:?}");
        }
        for v in ["", "0", "false", "no", "off", "maybe"] {
            assert!(!ci_value_is_truthy(v), "{v:?}");
        }
    }

    #[test]
    fn probe_fails_loudly_on_a_failing_or_missing_command() {
        assert_eq!(probe("echo", &["hi"]), "hi\n");
        assert!(matches!(
            try_probe("false", &[]),
            Err(ProbeError::Failed { .. })
        ));
        assert!(matches!(
            try_probe("/nonexistent/lpod-probe", &[]),
            Err(ProbeError::Spawn { .. })
        ));
        let panicked = std::panic::catch_unwind(|| probe("false", &[]));
        assert!(panicked.is_err(), "a failed probe must fail the test");
    }

    #[test]
    fn poll_until_returns_the_value_and_gives_up() {
        let mut n = 0;
        assert_eq!(
            poll_until("third call", Duration::from_secs(5), || {
                n += 1;
                (n == 3).then_some(n)
            }),
            3
        );
        let r = std::panic::catch_unwind(|| {
            poll_until("never", Duration::from_millis(50), || None::<()>)
        });
        assert!(r.is_err());
    }
}
