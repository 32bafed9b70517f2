//! The crate's runnable example works as its docs say (it is what a downstream user tries first).

use lpod_test_support::{require_root, run_example};

#[test]
fn example_cni_add_del_attaches_and_detaches() {
    if !require_root("example_cni_add_del") {
        return;
    }
    // A bridge name and a subnet of our own, checked against the host's.
    let bridge = lpod_test_support::Bridge(lpod_test_support::free_bridge_name("cniex"));
    let subnet = lpod_test_support::free_subnet(&[]);
    let out = run_example(env!("CARGO_PKG_NAME"), "cni_add_del", &[&bridge.0, &subnet]);
    assert!(out.contains(&format!("on bridge {}", bridge.0)), "{out}");
    assert!(out.contains("DEL done"), "{out}");
    assert!(
        !std::path::Path::new("/sys/class/net")
            .join(&bridge.0)
            .exists(),
        "the example left bridge {} behind",
        bridge.0
    );
}
