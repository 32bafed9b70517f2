//! Layer extraction (`podman pull`/`load`: every layer tar, whiteouts included) into a
//! sandbox root: whatever the tar holds, no panic and nothing written outside the root.
//!
//! Input: first byte picks the whiteout mode (even: overlay markers, odd: vfs deletes), the
//! rest is either the text form of [`lpod_fuzz::tar_from_text`] or raw (possibly gzip or
//! zstd compressed) tar bytes.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use libpod_storage::archive::decompress;
use libpod_storage::extract::{extract_layer, WhiteoutMode};
use lpod_fuzz::{tar_from_text, Sandbox};

fuzz_target!(|data: &[u8]| {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    let sandbox = SANDBOX.get_or_init(Sandbox::new);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mode = if mode % 2 == 0 {
        WhiteoutMode::Overlay
    } else {
        WhiteoutMode::Vfs
    };
    let tar = tar_from_text(rest).unwrap_or_else(|| rest.to_vec());
    sandbox.reset();
    // Twice into the same root: the second pass meets the first one's files (replacement,
    // whiteouts of existing paths, symlinks laid by the first pass).
    for _ in 0..2 {
        if let Ok((_, r)) = decompress(&tar[..]) {
            let _ = extract_layer(r, &sandbox.root(), mode);
        }
        sandbox.assert_nothing_outside();
    }
});
