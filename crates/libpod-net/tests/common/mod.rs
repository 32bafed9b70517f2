//! Shared helpers for the real-plugin system tests: own temp dirs, own bridge and subnet,
//! and a Drop guard that removes everything of the test's even on failure.
#![allow(dead_code, missing_docs, unused_imports)]

pub use lpod_test_support::*;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use libpod_net::{
    link, Attachment, DefaultNetwork, NetConfig, NetManager, Netns, NetworkCreateOptions,
    NetworkInfo, PortMapping, SetupRequest,
};

/// Returns false (skip) when not root; fails instead when `CI=true`.
pub fn require_root() -> bool {
    let root = nix::unistd::geteuid().is_root();
    let plugins = Path::new("/usr/lib/cni/bridge").exists();
    let iptables = Command::new("iptables-save")
        .arg("--version")
        .output()
        .is_ok();
    require(
        root && plugins && iptables,
        &format!(
            "root={root} cni-plugins={plugins} (Debian package containernetworking-plugins) \
             iptables={iptables} (Debian package iptables)"
        ),
    )
}

/// A test network with a netns of its own, or `None` to skip (see [`require_root`]).
pub fn root_net_with_netns() -> Option<(TestNet, PathBuf)> {
    if !require_root() {
        return None;
    }
    let mut t = TestNet::new();
    let netns = t.make_netns();
    Some((t, netns))
}

/// Unpins a netns path on drop, so a failing test leaves no bind mount behind.
pub struct NetnsGuard(pub PathBuf);

impl Drop for NetnsGuard {
    fn drop(&mut self) {
        let _ = Netns::destroy_path(&self.0);
    }
}

pub struct TestNet {
    pub dir: tempfile::TempDir,
    pub cfg: NetConfig,
    pub mgr: NetManager,
    pub bridge: String,
    pub subnet: String,
    pub network: String,
    pub container_id: String,
    pub netns: Option<Netns>,
}

impl TestNet {
    /// Own dirs, own bridge `lptXXXX`, own random subnet 10.(230-250).N.0/24 (both checked
    /// against the host's links and routes), a created network.
    pub fn new() -> TestNet {
        let dir = tempfile::tempdir().unwrap();
        let bridge = free_bridge_name("lpt");
        let subnet = free_subnet(&[]);
        let mut cfg = NetConfig::with_root(&dir.path().join("root"));
        cfg.config_dir = dir.path().join("net.d");
        cfg.default_network = DefaultNetwork {
            name: format!("def{}", random_hex(4)),
            bridge: free_bridge_name("lpd"),
            subnet: free_subnet(&[&subnet]).parse().unwrap(),
        };
        let mgr = NetManager::new(&cfg);
        let network = format!("net{}", random_hex(6));
        let container_id = random_hex(64);
        let mut t = TestNet {
            dir,
            cfg,
            mgr,
            bridge,
            subnet,
            network,
            container_id,
            netns: None,
        };
        t.create_network();
        t
    }

    fn create_network(&mut self) -> NetworkInfo {
        self.mgr
            .store()
            .create(&NetworkCreateOptions {
                name: self.network.clone(),
                bridge: Some(self.bridge.clone()),
                subnet: Some(self.subnet.clone()),
                ..Default::default()
            })
            .unwrap()
    }

    pub fn make_netns(&mut self) -> PathBuf {
        let dir = self.dir.path().join("run").join("netns");
        let ns = Netns::create(&format!("lpt-{}", &self.container_id[..12]), &dir).unwrap();
        let p = ns.path().to_path_buf();
        self.netns = Some(ns);
        p
    }

    /// A setup request for the test's container (no name) in `netns`.
    pub fn request<'a>(
        &'a self,
        netns: &'a Path,
        networks: &'a [Attachment],
        ports: &'a [PortMapping],
    ) -> SetupRequest<'a> {
        SetupRequest {
            netns,
            container_id: &self.container_id,
            container_name: None,
            networks,
            ports,
        }
    }

    pub fn ns(&self) -> &Netns {
        self.netns.as_ref().unwrap()
    }

    pub fn lease_files(&self) -> Vec<String> {
        let d = self.cfg.ipam_data_dir.join(&self.network);
        match std::fs::read_dir(&d) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "lock" && !n.starts_with("last_reserved_ip"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// iptables rules (all tables) that mention our container id or address.
    pub fn iptables_mentions(&self, ip: Option<IpAddr>) -> Vec<String> {
        let out = Command::new("iptables-save").output().unwrap();
        assert!(out.status.success(), "iptables-save failed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .filter(|l| {
                l.contains(&self.container_id)
                    || ip.is_some_and(|ip| {
                        l.contains(&format!("{ip}/")) || l.contains(&format!("{ip}:"))
                    })
            })
            .map(str::to_string)
            .collect()
    }

    pub fn cache_entries(&self) -> Vec<String> {
        match std::fs::read_dir(&self.cfg.cache_dir) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Interface names inside the test's netns.
    pub fn links_in_netns(&self) -> Vec<String> {
        self.ns()
            .run(|| {
                let mut v: Vec<String> = nix::ifaddrs::getifaddrs()
                    .unwrap()
                    .map(|i| i.interface_name)
                    .collect();
                v.sort();
                v.dedup();
                v
            })
            .unwrap()
    }
}

impl Drop for TestNet {
    fn drop(&mut self) {
        let _ = self.mgr.teardown_cached(&self.container_id, None);
        if let Some(ns) = self.netns.take() {
            let _ = ns.destroy();
        }
        let _ = link::delete_bridge(&self.bridge);
        let _ = link::delete_bridge(&self.cfg.default_network.bridge);
    }
}

pub fn assert_env_clean() {
    for v in [
        "CNI_COMMAND",
        "CNI_CONTAINERID",
        "CNI_NETNS",
        "CNI_IFNAME",
        "CNI_ARGS",
        "CNI_PATH",
    ] {
        assert!(
            std::env::var_os(v).is_none(),
            "{v} leaked into our own environment"
        );
    }
}
