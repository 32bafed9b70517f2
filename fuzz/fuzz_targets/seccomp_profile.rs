//! Seccomp profiles in the Docker/Podman JSON format (`--security-opt seccomp=FILE`): parse
//! and render the filter for this host with and without capabilities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_oci::seccomp::{Host, Profile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Profile::from_json(text) {
        let host = Host::current();
        let _ = p.render(&[], host);
        let _ = p.render(&libpod_oci::capabilities::all_capabilities(), host);
    }
});
