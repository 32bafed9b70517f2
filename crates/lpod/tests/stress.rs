//! The short stress run (4 workers x 50 random verbs on one private store, a few
//! on a bridge network of its own), then `lpod system check`: no unexpected
//! errors, a clean audit, nothing left behind. The long run is
//! `cargo xtask stress` (8 x 200); both use the same driver.

#[allow(dead_code)]
#[path = "../../../xtask/src/stress.rs"]
mod stress;

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
