//! The short stress run (4 workers x 50 random verbs on one private store, a few
//! on a bridge network of its own), then `lpod system check`: no unexpected
//! errors, a clean audit, nothing left behind. The long run is
//! `cargo xtask stress` (8 x 200); both use the same driver.

use lpod_test_support::stress;

mod common;

#[test]
fn stress_4x50_clean_audit() {
    // Prerequisites (root, crun, conmon, the test image) as every container test.
    let Some(l) = common::Lpod::with_image() else {
        return;
    };
    drop(l);
    let cfg = stress::Config {
        procs: 4,
        ops: 50,
        lpod: common::lpod_bin(),
        image_tar: common::test_image_tar(),
        runtime: "crun".into(),
        bridge: true,
        seed: 0,
    };
    let o = stress::run(&cfg).expect("stress world");
    let summary = o.summary(&cfg);
    eprintln!("{summary}");
    assert_eq!(o.ops, 200, "{summary}");
    assert_eq!(o.unexpected_count(), 0, "{summary}");
    assert!(o.findings.is_empty(), "audit findings: {summary}");
    assert!(o.leftovers.is_empty(), "leftovers: {summary}");
}

#[test]
fn system_check_cli_finds_and_repairs() {
    let Some(l) = common::Lpod::with_image() else {
        return;
    };
    let clean = l.run(&["system", "check"]);
    assert_eq!(clean.code, 0, "{clean:?}");
    // A running container plus a lock file that nothing owns.
    l.ok(&["run", "-d", "--name", "keep", &l.image, "sleep", "1000"]);
    let ghost = "e".repeat(64);
    std::fs::write(l.runroot.join("locks").join(&ghost), b"").unwrap();
    let found = l.run(&["system", "check"]);
    assert_eq!(found.code, 1, "{found:?}");
    assert!(found.stdout.starts_with("orphan-lock id="), "{found:?}");
    let json = l.run(&["system", "check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json report");
    assert_eq!(v["findings"][0]["kind"], "orphan-lock");
    let fixed = l.run(&["system", "check", "--repair"]);
    assert_eq!(fixed.code, 0, "{fixed:?}");
    assert!(fixed.stdout.contains("repaired orphan-lock"), "{fixed:?}");
    assert_eq!(l.run(&["system", "check"]).code, 0);
    assert_eq!(l.inspect("keep", "{{.State.Status}}"), "running");
    l.ok(&["rm", "-f", "keep"]);
}
