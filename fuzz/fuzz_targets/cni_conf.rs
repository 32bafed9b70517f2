//! CNI network configuration lists (`*.conflist` under the config dir, `network create`
//! output read back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_net::NetworkConfigList;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = NetworkConfigList::from_bytes(data) {
        let _ = format!("{list:?}");
    }
});
