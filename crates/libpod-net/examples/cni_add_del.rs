//! Attach a network namespace to a network of your own with the CNI reference plugins, then
//! detach it, with nothing but this crate (no lpod network store, no `lpod0`).
//!
//! ```sh
//! sudo cargo run -p libpod-net --example cni_add_del -- BRIDGE SUBNET
//! # e.g. -- cniex0 10.231.7.0/24
//! ```
//!
//! Needs root, the plugins and iproute2 (Debian: `apt-get install containernetworking-plugins
//! iproute2`). The example writes a `bridge` + `host-local` configuration list, creates a
//! namespace, runs ADD (which creates the bridge and a veth pair and leases an address), checks
//! that the address is configured inside the namespace, runs DEL and destroys the namespace.
//!
//! DEL releases the lease and removes the container's veth, but **leaves the bridge** on the
//! host, as the CNI bridge plugin does for every runtime (other containers may use it): the
//! example deletes it itself at the end with `ip link del`.

use std::process::Command;

use libpod_net::serde_json::json;
use libpod_net::{CniClient, Netns, NetworkConfigList, RuntimeConf, DEFAULT_PLUGIN_DIRS};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bridge, subnet] = args.as_slice() else {
        return Err("usage: cni_add_del BRIDGE SUBNET (e.g. cniex0 10.231.7.0/24)".into());
    };
    let tmp = tempfile::Builder::new()
        .prefix("lpod-cni-example-")
        .tempdir()?;

    // Bring your own configuration list: any CNI 1.0 conflist works.
    let conflist = json!({
        "cniVersion": "1.0.0",
        "name": "example",
        "plugins": [{
            "type": "bridge",
            "bridge": bridge,
            "isGateway": true,
            "ipMasq": false,
            "ipam": {
                "type": "host-local",
                "ranges": [[{ "subnet": subnet }]],
                // Leases live in our temp dir, not in /var/lib/cni.
                "dataDir": tmp.path().join("ipam"),
            }
        }]
    });
    let list = NetworkConfigList::from_bytes(conflist.to_string().as_bytes())?;
    let client = CniClient::new(DEFAULT_PLUGIN_DIRS, tmp.path().join("cache"));
    let ns = Netns::create("cni-example", &tmp.path().join("netns"))?;
    let rt = RuntimeConf {
        container_id: format!("example-{}", std::process::id()),
        netns: ns.path().to_path_buf(),
        ifname: "eth0".into(),
        args: Vec::new(),
        capability_args: Default::default(),
    };

    let outcome = client
        .add_network_list(&list, &rt)
        .map_err(Into::into)
        .and_then(|result| -> Result<()> {
            let address = result
                .ips
                .first()
                .ok_or("ADD returned no address")?
                .address
                .clone();
            println!("ADD: eth0 got {address} on bridge {bridge}");
            let inside = Command::new("nsenter")
                .arg(format!("--net={}", ns.path().display()))
                .args(["ip", "-o", "addr", "show", "eth0"])
                .output()?;
            let text = String::from_utf8_lossy(&inside.stdout);
            if !inside.status.success() || !text.contains(&address) {
                return Err(format!("{address} is not configured in the namespace: {text}").into());
            }
            println!("inside the namespace: {}", text.trim());
            Ok(())
        });
    // Always DEL and clean up, then report the first error.
    let deleted = client.del_network_list(&list.name, Some(&list), &rt);
    let destroyed = ns.destroy();
    let bridge_removed = Command::new("ip").args(["link", "del", bridge]).status();
    outcome?;
    deleted?;
    destroyed?;
    println!("DEL done; the bridge {bridge} stayed until this example removed it");
    if !bridge_removed?.success() {
        return Err(format!("could not delete bridge {bridge}").into());
    }
    Ok(())
}
