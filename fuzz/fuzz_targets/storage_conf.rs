//! storage.conf (graph root, run root, driver, options).
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_config::storage_conf::StorageConf;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = StorageConf::parse(text, std::path::Path::new("storage.conf"));
    }
});
