//! registries.conf (search registries, mirrors, blocked and insecure registries, aliases).
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_storage::registry::conf::RegistriesConf;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RegistriesConf::parse(text, std::path::Path::new("registries.conf"));
    }
});
