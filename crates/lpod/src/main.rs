//! `lpod`: a podman-compatible command line over libpod-core.

fn main() {
    println!("lpod {}", env!("CARGO_PKG_VERSION"));
}
