//! The crate's runnable example works as its docs say (it is what a downstream user tries first).

use lpod_test_support::{require_root, run_example};

#[test]
fn example_run_bundle_runs_on_crun_and_runc() {
    if !require_root("example_run_bundle") {
        return;
    }
    for runtime in ["crun", "runc"] {
        let out = run_example(env!("CARGO_PKG_NAME"), "run_bundle", &[runtime]);
        assert!(out.contains("hello from example"), "{out}");
        assert!(out.contains("Seccomp:\t2"), "{out}");
        assert!(out.contains(&format!("exit code 3 ({runtime})")), "{out}");
    }
}
