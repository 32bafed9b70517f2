//! The crate's runnable example works as its docs say (it is what a downstream user tries first).

use std::process::Command;

#[allow(dead_code)]
fn ci() -> bool {
    matches!(
        std::env::var("CI").as_deref(),
        Ok("true") | Ok("1") | Ok("yes")
    )
}

/// Root is needed; outside CI a non-root run skips, under CI it fails.
#[allow(dead_code)]
fn root_or_skip() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(!ci(), "this test needs root (CI=true)");
    eprintln!("SKIP: needs root");
    false
}

/// `cargo run --example NAME -- ARGS` of this crate; panics with its output unless it succeeds.
fn run_example(name: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "-p",
            env!("CARGO_PKG_NAME"),
            "--example",
            name,
            "--",
        ])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "example {name} failed: {text}");
    text
}

#[test]
fn example_runs() {
    if !root_or_skip() {
        return;
    }
    // A bridge name and a subnet of our own (never Podman's 10.88.0.0/16).
    let pid = std::process::id();
    let bridge = format!("cniex{}", pid % 100_000);
    let subnet = format!("10.231.{}.0/24", 20 + pid % 200);
    let out = run_example("cni_add_del", &[&bridge, &subnet]);
    assert!(out.contains(&format!("on bridge {bridge}")), "{out}");
    assert!(out.contains("DEL done"), "{out}");
    let links = std::process::Command::new("ip")
        .args(["-o", "link", "show", &bridge])
        .output()
        .expect("ip");
    assert!(!links.status.success(), "bridge {bridge} left behind");
}
