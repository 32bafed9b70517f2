//! Print a generated config.json for a rootfs and command (debug aid).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = libpod_oci::SpecInput::new(&args[0], args[1..].to_vec());
    let spec = input.to_spec().expect("spec");
    println!("{}", serde_json::to_string_pretty(&spec).expect("json"));
}
