//! The crate's runnable example works as its docs say (it is what a downstream user tries first).

use lpod_test_support::{require_root, run_example};

mod common;

#[test]
fn example_import_and_mount_shows_the_image_root() {
    if !require_root("example_import_and_mount") {
        return;
    }
    let tar = common::image_dir().join("busybox.tar");
    let out = run_example(
        env!("CARGO_PKG_NAME"),
        "import_and_mount",
        &[tar.to_str().expect("utf-8 path")],
    );
    assert!(out.contains("store driver: Overlay"), "{out}");
    assert!(out.contains("held: bin dev etc"), "{out}");
    assert!(out.contains("container and image removed"), "{out}");
}
