//! Builds the hermetic test images into the directory given as argv[1]
//! (see `libpod_storage::testimage`).

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: test_image <OUTPUT_DIR>");
        std::process::exit(2);
    };
    if let Err(e) = libpod_storage::testimage::build(std::path::Path::new(&out)) {
        eprintln!("test_image: {e}");
        std::process::exit(1);
    }
}
