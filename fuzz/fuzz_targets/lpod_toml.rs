//! lpod.toml, the runtime's own configuration file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_config::runtime_config::RuntimeConfig;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RuntimeConfig::from_toml_str(text, std::path::Path::new("lpod.toml"));
    }
});
