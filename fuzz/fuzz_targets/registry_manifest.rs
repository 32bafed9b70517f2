//! A registry's answers to a pull: the manifest (image manifest or index) and the image
//! config, checked as `Store::pull` checks them (`registry::check_manifest`).
//!
//! Input: the manifest, then optionally `\n--config--\n` and the config.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_storage::registry::{check_manifest, Platform};

fuzz_target!(|data: &[u8]| {
    let sep = b"\n--config--\n";
    let (manifest, config) = match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], &data[i + sep.len()..]),
        None => (data, &[][..]),
    };
    let _ = check_manifest(manifest, config, &Platform::host());
});
