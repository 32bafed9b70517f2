//! lpod's developer tasks, run as `cargo xtask <task>`.
//!
//! - `setup`: install what the tests need on a fresh Debian machine (as root) and
//!   apply the cgroup fix crun needs on hybrid hosts. Idempotent; prints each step.
//! - `test-image`: build the hermetic busybox test images under `target/test-image`.
//! - `test [--unit-only] [nextest args]`: fmt check, clippy, libpod-storage without its
//!   default features, the test image, then every test of the workspace. Refuses to run
//!   as non-root (the system tests need root and would all skip); `--unit-only` runs the
//!   unit and doc tests alone and says so. `CI` set to a truthy value (1, true, yes, on)
//!   reaches the tests as `CI=true`, so a missing prerequisite fails them.
//! - `bench [state|oci|seccomp|storage|run|cp|stats|pull|all]`: timings, lpod next to Podman, with ratios;
//!   `bench scale [--n N]` (not in `all`): one container's verbs with N containers present;
//!   `bench api` (not in `all`): `docker run` through lpod's and Podman's API services, and
//!   requests/s of the container list.
//!   `bench rootless` (= `bench run --rootless`, not in `all`): rootless lpod next to rootless
//!   Podman, run by a user the bench creates and removes.
//! - `demo`: the README's main job: real containers and a pod through the CLI.
//! - `cycles`: module-level import cycles inside each crate (exit 1 when any).
//! - `stress [--procs N] [--ops M] [--debug] [--seed S] [--no-bridge]`: N concurrent
//!   workers x M random lpod verbs on one private store, then `lpod system check`
//!   (default 8 x 200); non-zero exit on unexpected errors or leaks.
//! - `fuzz [TARGET] [--time SECS] [--list]`: the cargo-fuzz targets in `fuzz/` (nightly,
//!   libFuzzer, one worker), each for SECS (default 600) or only TARGET; prints the targets,
//!   then executions per target; non-zero exit on a crash (see `fuzz.rs`).

mod setup;
use lpod_test_support::stress;
mod cycles;
mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "setup" => setup::setup(),
        "test-image" => test_image(),
        "test" => test(rest),
        "bench" => bench(rest),
        "demo" => demo(),
        "stress" => stress_task(rest),
        "cycles" => cycles_task(),
        "fuzz" => fuzz::fuzz(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|test-image|test|bench [state|oci|seccomp|storage|run [--rootless]|rootless|cp|stats|pull|scale [--n N]|api|all]|demo|stress [--procs N --ops M]|cycles|fuzz [TARGET] [--time SECS] [--list]>"
            );
            return if task == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

/// Runs a command in the workspace root, echoing it first; an unsuccessful exit is an error.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("+ {}", show(cmd));
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", show(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed: {status}", show(cmd)))
    }
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Where the hermetic test images live; tests find them through `LPOD_TEST_IMAGE_DIR`.
pub fn test_image_dir() -> PathBuf {
    root().join("target").join("test-image")
}

fn test_image() -> Result<(), String> {
    let dir = test_image_dir();
    run(cargo()
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "libpod-storage",
            "--example",
        ])
        .arg("test_image")
        .arg("--")
        .arg(&dir))
}

/// libpod-storage's registry test and pull bench need its loopback registry harness, which is
/// not a default feature (`required-features` on those targets).
const STORAGE_TEST_FEATURES: &str = "libpod-storage/test-registry";

fn run_example(pkg: &str, example: &str, args: &[String], release: bool) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.args(["run", "--quiet"]);
    if pkg == "libpod-storage" {
        cmd.args(["--features", "test-registry"]);
    }
    if release {
        cmd.arg("--release");
    }
    cmd.args(["-p", pkg, "--example", example, "--"]).args(args);
    cmd.env("LPOD_TEST_IMAGE_DIR", test_image_dir());
    run(&mut cmd)
}

/// Whether a value of `CI` means "in CI" (`true`, `1`, `yes`, `on`, any case), as the
/// tests' guards (lpod-test-support's `ci()`) read it.
fn ci_truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

/// The effective uid of this process (from /proc/self/status; std only).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    uid_from_status(&status)
}

fn uid_from_status(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Why `cargo xtask test` will not run the system tests as `uid`, or `None` for root.
fn refuse_non_root(uid: Option<u32>) -> Option<String> {
    match uid {
        Some(0) => None,
        uid => Some(format!(
            "the system tests need root (real crun/runc under conmon, CNI in network \
             namespaces, overlay and tmpfs mounts) and this is uid {}; as non-root they \
             would all skip and the run would pass proving nothing. Run it as root \
             (`sudo -E cargo xtask test`), or run the unit tests alone with \
             `cargo xtask test --unit-only`",
            uid.map_or_else(|| "unknown".to_string(), |u| u.to_string())
        )),
    }
}

/// Applies the CI convention to a test process: `CI` truthy in our environment becomes
/// exactly `CI=true` in the child's, so every prerequisite guard fails instead of skipping.
fn ci_env(cmd: &mut Command) -> &mut Command {
    if std::env::var("CI").is_ok_and(|v| ci_truthy(&v)) {
        cmd.env("CI", "true");
    }
    cmd
}

fn test(args: &[String]) -> Result<(), String> {
    let unit_only = args.first().is_some_and(|a| a == "--unit-only");
    let args = if unit_only { &args[1..] } else { args };
    if unit_only {
        eprintln!(
            "xtask test --unit-only: UNIT TESTS ONLY (lib/bin tests and doc tests); \
             NO system test runs: the run proves nothing about containers, networks or mounts"
        );
    } else if let Some(why) = refuse_non_root(effective_uid()) {
        return Err(why);
    }
    if !unit_only
        && (!setup::prerequisites_missing().is_empty()
            || !setup::cgroups_ready_for_crun()
            || !setup::tun_ready_for_users())
    {
        eprintln!("xtask test: prerequisites missing, running setup first");
        setup::setup()?;
    }
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    // A module import cycle in any crate fails the gate (issue 13).
    cycles_task()?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        STORAGE_TEST_FEATURES,
        "--",
        "-D",
        "warnings",
    ]))?;
    // libpod-storage without its default `registry` feature: the gate must stay honest.
    run(cargo().args([
        "clippy",
        "-p",
        "libpod-storage",
        "--no-default-features",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(ci_env(cargo().args([
        "nextest",
        "run",
        "-p",
        "libpod-storage",
        "--no-default-features",
        "--lib",
    ])))?;
    test_image()?;
    let mut nextest = cargo();
    nextest.args([
        "nextest",
        "run",
        "--workspace",
        "--no-fail-fast",
        "--features",
        STORAGE_TEST_FEATURES,
    ]);
    if unit_only {
        nextest.args(["--lib", "--bins"]);
    }
    nextest
        .args(args)
        .env("LPOD_TEST_IMAGE_DIR", test_image_dir());
    run(ci_env(&mut nextest))?;
    docs_and_package()?;
    run(ci_env(
        cargo()
            .args(["test", "--workspace", "--doc"])
            .env("LPOD_TEST_IMAGE_DIR", test_image_dir()),
    ))
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut which = args.first().map(String::as_str).unwrap_or("all");
    let mut rest = &args[args.len().min(1)..];
    // `bench run --rootless`: the rootless run bench (issue 18).
    if which == "run" && rest.first().map(String::as_str) == Some("--rootless") {
        which = "rootless";
        rest = &rest[1..];
    }
    let all = [
        "state", "storage", "oci", "seccomp", "run", "cp", "stats", "pull",
    ];
    let list: Vec<&str> = if which == "all" {
        all.to_vec()
    } else {
        vec![which]
    };
    if !setup::prerequisites_missing().is_empty() {
        setup::setup()?;
    }
    test_image()?;
    if ["run", "stats", "scale", "api", "rootless", "cp"]
        .iter()
        .any(|b| list.contains(b))
    {
        // The run, cp, stats, scale, api and rootless benches time the CLI (and its service) too.
        run(cargo().args(["build", "--quiet", "--release", "-p", "lpod"]))?;
    }
    for b in list {
        let (pkg, ex) = match b {
            "state" => ("libpod-state", "bench_state"),
            "storage" => ("libpod-storage", "bench_storage"),
            "pull" => ("libpod-storage", "bench_pull"),
            "oci" => ("libpod-oci", "bench_oci"),
            "seccomp" => ("libpod-oci", "bench_seccomp"),
            "run" | "ps" => ("libpod-core", "bench_run"),
            "cp" => ("libpod-core", "bench_cp"),
            "stats" => ("libpod-core", "bench_stats"),
            // Not in `all`: N=10k takes minutes (`--n N` for one N, e.g. 50k).
            "scale" => ("libpod-core", "bench_scale"),
            // Not in `all`: starts two API services and 200 containers (minutes).
            "api" => ("libpod-core", "bench_api"),
            // Not in `all`: it creates a user (useradd) for the rootless rows.
            "rootless" => ("libpod-core", "bench_rootless"),
            other => return Err(format!("unknown bench {other:?}")),
        };
        eprintln!("== bench {b} ==");
        run_example(pkg, ex, rest, true)?;
    }
    Ok(())
}

fn stress_task(args: &[String]) -> Result<(), String> {
    if !setup::prerequisites_missing().is_empty() || !setup::cgroups_ready_for_crun() {
        setup::setup()?;
    }
    test_image()?;
    let release = !args.iter().any(|a| a == "--debug");
    let mut build = cargo();
    build.args(["build", "--quiet", "-p", "lpod"]);
    if release {
        build.arg("--release");
    }
    run(&mut build)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let mut cfg = stress::Config {
        procs: 8,
        ops: 200,
        lpod: target
            .join(if release { "release" } else { "debug" })
            .join("lpod"),
        image_tar: test_image_dir().join("busybox.tar"),
        runtime: "crun".into(),
        bridge: true,
        seed: 0,
    };
    stress::parse_args(args, &mut cfg)?;
    let o = stress::run(&cfg)?;
    print!("{}", o.summary(&cfg));
    if o.unexpected_count() > 0 || !o.findings.is_empty() || !o.leftovers.is_empty() {
        return Err(format!(
            "{} unexpected errors, {} audit findings, {} leftovers",
            o.unexpected_count(),
            o.findings.len(),
            o.leftovers.len()
        ));
    }
    Ok(())
}

fn demo() -> Result<(), String> {
    if !setup::prerequisites_missing().is_empty() || !setup::cgroups_ready_for_crun() {
        setup::setup()?;
    }
    test_image()?;
    run(cargo().args(["build", "--release", "-p", "lpod"]))?;
    let lpod = root().join("target/release/lpod");
    run(Command::new("bash")
        .arg(root().join("xtask/demo.sh"))
        .env("LPOD", lpod)
        .env("LPOD_TEST_IMAGE_DIR", test_image_dir()))
}

/// Docs as docs.rs builds them, with zero warnings, and every crate packageable: rustdoc with
/// `-D warnings` over the whole workspace (all features), then `cargo package` of every
/// publishable crate without its verify build (the full verify, `cargo package --workspace`,
/// rebuilds every crate from its tarball and is run by hand before a release).
fn docs_and_package() -> Result<(), String> {
    run(cargo()
        .args([
            "doc",
            "--workspace",
            "--exclude",
            "xtask",
            "--no-deps",
            "--all-features",
        ])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    run(cargo().args([
        "package",
        "--workspace",
        "--exclude",
        "xtask",
        "--exclude",
        "lpod-test-support",
        "--no-verify",
        "--allow-dirty",
        "--quiet",
    ]))
}

/// `cargo xtask cycles`: module-level import cycles inside each workspace crate (see
/// `cycles.rs`); exit 1 when there is one. Part of `test` (run right after the format
/// check, also with `--unit-only`): any cycle fails the gate.
fn cycles_task() -> Result<(), String> {
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .map_err(|e| format!("reading crates/: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path().join("src")))
        .filter(|p| p.is_dir())
        .collect();
    crates.push(root().join("xtask/src"));
    crates.sort();
    let mut found = 0;
    for src in &crates {
        let name = src
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for cycle in cycles::crate_cycles(src)? {
            found += 1;
            println!("{name}: {} modules: {}", cycle.len(), cycle.join(" "));
        }
    }
    if found == 0 {
        println!("no module import cycles");
        Ok(())
    } else {
        Err(format!("{found} module import cycle(s)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_values() {
        for v in ["true", "1", "yes", "YES", "on", "True"] {
            assert!(ci_truthy(v), "{v}");
        }
        for v in ["", "0", "false", "no", "off"] {
            assert!(!ci_truthy(v), "{v}");
        }
    }

    #[test]
    fn ci_env_sets_exactly_true() {
        // Only our own child Command is inspected; the variable is read, not changed.
        let mut c = Command::new("true");
        ci_env(&mut c);
        let set: Vec<_> = c
            .get_envs()
            .filter(|(k, _)| *k == "CI")
            .map(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
            .collect();
        if std::env::var("CI").is_ok_and(|v| ci_truthy(&v)) {
            assert_eq!(set, vec![Some("true".to_string())]);
        } else {
            assert!(set.is_empty());
        }
    }

    #[test]
    fn non_root_is_refused_with_a_reason() {
        assert_eq!(refuse_non_root(Some(0)), None);
        let why = refuse_non_root(Some(1000)).unwrap();
        assert!(
            why.contains("need root") && why.contains("uid 1000"),
            "{why}"
        );
        assert!(why.contains("--unit-only"), "{why}");
        assert!(refuse_non_root(None).unwrap().contains("uid unknown"));
    }

    #[test]
    fn uid_is_the_effective_one() {
        let status = "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
        assert_eq!(uid_from_status(status), Some(0));
        assert_eq!(uid_from_status("Name: x\n"), None);
        assert!(effective_uid().is_some());
    }
}
