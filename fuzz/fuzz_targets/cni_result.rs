//! CNI plugin answers (ADD results, error documents) as `libpod-net` reads them from a
//! plugin's stdout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_net::result::PluginErrorDoc;
use libpod_net::CniResult;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<PluginErrorDoc>(data);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(r) = serde_json::from_value::<CniResult>(v) {
        for ifname in ["eth0", ""] {
            let _ = r.container_interface(ifname);
            for ip in r.container_ips(ifname) {
                let _ = ip.ip();
                let _ = ip.subnet();
            }
        }
        // What lpod caches and reads back must round-trip.
        let back: CniResult =
            serde_json::from_value(serde_json::to_value(&r).expect("serializing"))
                .expect("reparsing");
        assert_eq!(r, back);
    }
});
