//! The crate's runnable example works as its docs say (it is what a downstream user tries first).

use lpod_test_support::run_example;

#[test]
fn example_two_processes_loses_no_update() {
    let out = run_example(env!("CARGO_PKG_NAME"), "two_processes", &["50"]);
    assert!(
        out.contains("restart_count = 100 after 2 processes x 50"),
        "{out}"
    );
}
