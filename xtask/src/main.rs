//! lpod's developer tasks, run as `cargo xtask <task>`.
//!
//! - `setup`: install what the tests need on a fresh Debian machine (as root) and
//!   apply the cgroup fix crun needs on hybrid hosts. Idempotent; prints each step.
//! - `test-image`: build the hermetic busybox test images under `target/test-image`.
//! - `test`: fmt check, clippy, the test image, then every test of the workspace.
//! - `bench [state|oci|seccomp|storage|run|pull|all]`: timings, lpod next to Podman, with ratios.
//! - `demo`: the README's main job: real containers and a pod through the CLI.
//! - `stress [--procs N] [--ops M] [--debug] [--seed S] [--no-bridge]`: N concurrent
//!   workers x M random lpod verbs on one private store, then `lpod system check`
//!   (default 8 x 200); non-zero exit on unexpected errors or leaks.

mod setup;
mod stress;

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
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|test-image|test|bench [state|oci|seccomp|storage|run|pull|all]|demo|stress [--procs N --ops M]>"
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

fn test(args: &[String]) -> Result<(), String> {
    if !setup::prerequisites_missing().is_empty() || !setup::cgroups_ready_for_crun() {
        eprintln!("xtask test: prerequisites missing, running setup first");
        setup::setup()?;
    }
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
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
    test_image()?;
    let mut nextest = cargo();
    nextest
        .args(["nextest", "run", "--workspace", "--no-fail-fast"])
        .args(["--features", STORAGE_TEST_FEATURES])
        .args(args)
        .env("LPOD_TEST_IMAGE_DIR", test_image_dir());
    run(&mut nextest)?;
    docs_and_package()?;
    run(cargo()
        .args(["test", "--workspace", "--doc"])
        .env("LPOD_TEST_IMAGE_DIR", test_image_dir()))
}

fn bench(args: &[String]) -> Result<(), String> {
    let which = args.first().map(String::as_str).unwrap_or("all");
    let rest = &args[args.len().min(1)..];
    let all = ["state", "storage", "oci", "seccomp", "run", "pull"];
    let list: Vec<&str> = if which == "all" {
        all.to_vec()
    } else {
        vec![which]
    };
    if !setup::prerequisites_missing().is_empty() {
        setup::setup()?;
    }
    test_image()?;
    if list.contains(&"run") {
        // The run bench times the CLI too.
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
