//! Shared helpers of the network and pod system tests: a test network with a
//! random bridge/subnet and a Drop guard, leftover checks, HTTP over std.
#![allow(dead_code, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use libpod_core::Runtime;
use libpod_net::NetworkCreateOptions;

pub const PAGE: &str = "hello from lpod";

/// A test network and a guard that removes every container and the network.
pub struct NetGuard {
    pub rt: Runtime,
    pub name: String,
    pub bridge: String,
    pub subnet: String,
    pub root: PathBuf,
}

impl NetGuard {
    /// A network of the test's own: a bridge name no host link has and a /24 that no
    /// host route or address overlaps (reserved against every other test process, so
    /// two networks of one test never overlap either).
    pub fn new(rt: &Runtime, root: PathBuf) -> NetGuard {
        Self::with_prefix(rt, root, 24)
    }

    /// [`NetGuard::new`] with a smaller subnet: the first `/prefix` (25..=30) of a
    /// free /24, for a network that fills up after a few containers.
    pub fn with_prefix(rt: &Runtime, root: PathBuf, prefix: u8) -> NetGuard {
        assert!((24..=30).contains(&prefix), "/{prefix} within a /24");
        let bridge = lpod_test_support::free_bridge_name("lpt");
        let name = format!("net-{bridge}");
        let subnet = lpod_test_support::free_subnet(&[]).replace("/24", &format!("/{prefix}"));
        rt.create_network(&NetworkCreateOptions {
            name: name.clone(),
            bridge: Some(bridge.clone()),
            subnet: Some(subnet.clone()),
            ..Default::default()
        })
        .unwrap();
        NetGuard {
            rt: rt.clone(),
            name,
            bridge,
            subnet,
            root,
        }
    }

    /// What of ours is still on the host: links on our bridge, netns files,
    /// leases, iptables lines naming `id`. Every probe must itself succeed (a failed
    /// `ip` or `iptables-save` fails the test instead of reading as "nothing left").
    pub fn leftovers(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        // The bridge itself may be gone (network removed); then nothing hangs on it.
        if std::path::Path::new("/sys/class/net")
            .join(&self.bridge)
            .exists()
        {
            let links = cmd("ip", &["-o", "link", "show", "master", &self.bridge]);
            if !links.trim().is_empty() {
                out.push(format!("links on {}: {links}", self.bridge));
            }
        }
        let ipt = cmd("iptables-save", &[]);
        for l in ipt.lines().filter(|l| l.contains(id)) {
            out.push(format!("iptables: {l}"));
        }
        let leases = self.root.join("cni/networks").join(&self.name);
        if let Ok(rd) = std::fs::read_dir(&leases) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                if n.parse::<std::net::IpAddr>().is_ok() {
                    out.push(format!("lease {n}"));
                }
            }
        }
        out
    }
}

impl Drop for NetGuard {
    fn drop(&mut self) {
        for p in self.rt.pods().unwrap_or_default() {
            let _ = p.remove(true);
        }
        for c in self.rt.containers().unwrap_or_default() {
            let _ = c.remove(true);
        }
        let _ = self.rt.remove_network(&self.name, true);
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.bridge])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

pub fn rand_u32() -> u32 {
    lpod_test_support::random_u32()
}

/// Stdout of a leak probe; panics when the command cannot run or fails.
pub fn cmd(bin: &str, args: &[&str]) -> String {
    lpod_test_support::probe(bin, args)
}

/// A host port reserved for this test process (see `lpod_test_support::reserve_port`).
pub fn free_port() -> u16 {
    lpod_test_support::reserve_port()
}

/// GET / from addr, retrying while the server comes up (no timing assertion).
pub fn http_get(addr: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        match TcpStream::connect(addr) {
            Ok(mut s) => {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let _ = write!(s, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
                let mut body = String::new();
                let _ = s.read_to_string(&mut body);
                if body.contains("200") {
                    return body;
                }
                last = body;
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("GET {addr} failed: {last}");
}

/// Create options for busybox httpd serving [`PAGE`] on network `net`, its port 80
/// published on 127.0.0.1:`port`.
pub fn httpd_on(net: &NetGuard, port: u16) -> libpod_core::CreateOptions {
    libpod_core::CreateOptions {
        image: "busybox".into(),
        command: Some(httpd_cmd()),
        network: libpod_core::NetworkMode::Bridge,
        networks: vec![net.name.clone()],
        ports: vec![libpod_core::network::parse_port(&format!("127.0.0.1:{port}:80")).unwrap()],
        ..Default::default()
    }
}

pub fn httpd_cmd() -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        format!("mkdir -p /www && echo '{PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www"),
    ]
}
