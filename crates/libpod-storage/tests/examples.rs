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
    let dir = std::env::var("LPOD_TEST_IMAGE_DIR")
        .unwrap_or_else(|_| format!("{}/../../target/test-image", env!("CARGO_MANIFEST_DIR")));
    let tar = format!("{dir}/busybox.tar");
    if !std::path::Path::new(&tar).exists() {
        assert!(
            !ci(),
            "test image {tar} missing under CI=true (cargo xtask test-image)"
        );
        eprintln!("SKIP: {tar} missing");
        return;
    }
    let out = run_example("import_and_mount", &[&tar]);
    assert!(out.contains("store driver: Overlay"), "{out}");
    assert!(out.contains("held: bin dev etc"), "{out}");
    assert!(out.contains("container and image removed"), "{out}");
}
