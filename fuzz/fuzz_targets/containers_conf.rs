//! containers.conf (Podman's engine configuration lpod honours).
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_config::runtime_config::ContainersConf;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ContainersConf::from_toml_str(text, std::path::Path::new("containers.conf"));
    }
});
