//! Workarounds for known limitations of the plugins we run (containernetworking-plugins 1.1.1).
//!
//! The `bridge` plugin removes its `ipMasq` rules on DEL only when it can still read the
//! addresses from the container interface; when the netns is already gone (reboot, crash, a
//! container whose namespace died first) the masquerade chain and its POSTROUTING jump stay
//! forever. We know the addresses from the cached ADD result, so we remove them ourselves,
//! with the same chain name and comment the plugin uses.

use std::net::IpAddr;
use std::process::Command;

use sha2::{Digest, Sha512};

use crate::conf::NetworkConfigList;
use crate::result::CniResult;

/// The chain name CNI plugins derive for (network, container): `CNI-` + 24 hex chars of
/// SHA-512(name + id).
pub fn cni_chain_name(network: &str, container_id: &str) -> String {
    let digest = Sha512::digest(format!("{network}{container_id}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("CNI-{}", &hex[..24])
}

/// The rule comment CNI plugins use: `name: "NET" id: "CID"`.
pub fn cni_comment(network: &str, container_id: &str) -> String {
    format!("name: \"{network}\" id: \"{container_id}\"")
}

fn iptables(v6: bool, args: &[&str]) -> bool {
    let bin = if v6 { "ip6tables" } else { "iptables" };
    libpod_failpoint::scrub(&mut Command::new(bin))
        .arg("-w")
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Removes the bridge plugin's masquerade rules of one attachment, if the list has a
/// `bridge` plugin with `ipMasq`. Missing rules are not an error; returns what was removed.
pub fn remove_bridge_ipmasq(
    list: &NetworkConfigList,
    container_id: &str,
    result: &CniResult,
) -> Vec<String> {
    let masq = list.plugins.iter().any(|p| {
        p.plugin_type == "bridge"
            && p.raw.get("ipMasq").and_then(|v| v.as_bool()) == Some(true)
            && p.raw.get("ipam").and_then(|i| i.get("type")).is_some()
    });
    if !masq {
        return Vec::new();
    }
    let chain = cni_chain_name(&list.name, container_id);
    let comment = cni_comment(&list.name, container_id);
    let mut removed = Vec::new();
    let mut families = Vec::new();
    for ip in &result.ips {
        let Some(addr) = ip.ip() else { continue };
        let v6 = matches!(addr, IpAddr::V6(_));
        let src = if v6 {
            format!("{addr}/128")
        } else {
            format!("{addr}/32")
        };
        let rule = [
            "-t",
            "nat",
            "-D",
            "POSTROUTING",
            "-s",
            &src,
            "-m",
            "comment",
            "--comment",
            &comment,
            "-j",
            &chain,
        ];
        // A rule may have been added more than once; delete until none is left.
        while iptables(v6, &rule) {
            removed.push(format!("POSTROUTING -s {src} -j {chain}"));
        }
        if !families.contains(&v6) {
            families.push(v6);
        }
    }
    for v6 in families {
        if iptables(v6, &["-t", "nat", "-F", &chain]) && iptables(v6, &["-t", "nat", "-X", &chain])
        {
            removed.push(format!("chain {chain}"));
        }
    }
    if !removed.is_empty() {
        tracing::info!(network = %list.name, container = container_id, ?removed, "removed leftover bridge ipMasq rules");
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_name_shape() {
        let c = cni_chain_name("net", "abc");
        assert_eq!(c.len(), 28);
        assert!(c.starts_with("CNI-"));
        assert_eq!(c, cni_chain_name("net", "abc"));
        assert_ne!(c, cni_chain_name("net", "abd"));
        assert_eq!(cni_comment("n", "i"), "name: \"n\" id: \"i\"");
    }
}
