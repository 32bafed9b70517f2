//! The test's own bridge names and subnets, chosen at random and checked against the
//! host's links, addresses and routes before use; a bridge guard.

use std::io::Read;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::guards::probe;

/// A random number from /dev/urandom.
pub fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .unwrap_or_else(|e| panic!("reading /dev/urandom: {e}"));
    u32::from_ne_bytes(b)
}

/// `n` random lower-case hex digits.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(random_u32() % 16, 16).unwrap_or('0'))
        .collect()
}

/// An IPv4 network: address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Net {
    /// The address (host bits may be set).
    pub addr: Ipv4Addr,
    /// Prefix length, 0..=32.
    pub prefix: u8,
}

impl Ipv4Net {
    /// Parses `a.b.c.d/n` or a bare `a.b.c.d` (a /32).
    pub fn parse(s: &str) -> Option<Ipv4Net> {
        let (a, p) = s.split_once('/').unwrap_or((s, "32"));
        let addr = a.parse().ok()?;
        let prefix = p.parse().ok().filter(|p| *p <= 32)?;
        Some(Ipv4Net { addr, prefix })
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix))
        }
    }
}

impl std::fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Whether two networks share an address.
pub fn subnets_overlap(a: Ipv4Net, b: Ipv4Net) -> bool {
    let m = Ipv4Net::mask(a.prefix.min(b.prefix));
    (u32::from(a.addr) & m) == (u32::from(b.addr) & m)
}

/// The host's IPv4 networks in use: every route destination of every table (default
/// routes left out) and every address with its prefix. Panics when `ip` fails: a host
/// we cannot read is not a host we may pick from blindly.
pub fn host_ipv4_networks() -> Vec<Ipv4Net> {
    let mut out = Vec::new();
    for line in probe("ip", &["-o", "-4", "route", "show", "table", "all"]).lines() {
        let mut words = line.split_whitespace();
        let mut first = words.next().unwrap_or("");
        if matches!(
            first,
            "unicast"
                | "local"
                | "broadcast"
                | "multicast"
                | "anycast"
                | "blackhole"
                | "unreachable"
                | "prohibit"
                | "throw"
                | "nat"
        ) {
            first = words.next().unwrap_or("");
        }
        if let Some(n) = Ipv4Net::parse(first) {
            out.push(n);
        }
    }
    for line in probe("ip", &["-o", "-4", "addr", "show"]).lines() {
        let mut words = line.split_whitespace();
        while let Some(w) = words.next() {
            if w == "inet" {
                if let Some(n) = words.next().and_then(Ipv4Net::parse) {
                    out.push(n);
                }
                break;
            }
        }
    }
    out
}

/// A random /24 in 10.230.0.0–10.250.255.0 (never Podman's 10.88.0.0/16 nor lpod's default
/// 10.89.0.0/24) that overlaps no network of the host's ([`host_ipv4_networks`]) and none
/// of `avoid` (subnets the caller picked already), reserved against the other test
/// processes (whose bridges may not exist yet). Returns it as `10.x.y.0/24`.
pub fn free_subnet(avoid: &[&str]) -> String {
    let host = host_ipv4_networks();
    let avoid: Vec<Ipv4Net> = avoid.iter().filter_map(|s| Ipv4Net::parse(s)).collect();
    for _ in 0..1000 {
        let r = random_u32();
        let cand = Ipv4Net {
            addr: Ipv4Addr::new(10, 230 + ((r >> 16) % 21) as u8, ((r >> 8) & 0xff) as u8, 0),
            prefix: 24,
        };
        let taken = host
            .iter()
            .chain(avoid.iter())
            .any(|n| n.prefix > 0 && subnets_overlap(*n, cand));
        if !taken && reserve("subnets", &cand.addr.to_string()) {
            return cand.to_string();
        }
    }
    panic!("no free /24 in 10.230.0.0-10.250.255.0 after 1000 tries");
}

/// A bridge name `<prefix><4 hex digits>` (prefix at most 11 characters) that no link of
/// the host has, reserved against the other test processes.
pub fn free_bridge_name(prefix: &str) -> String {
    assert!(prefix.len() <= 11, "interface names are at most 15 bytes");
    for _ in 0..1000 {
        let name = format!("{prefix}{:04x}", random_u32() & 0xffff);
        if !Path::new("/sys/class/net").join(&name).exists() && reserve("bridges", &name) {
            return name;
        }
    }
    panic!("no free bridge name {prefix}XXXX after 1000 tries");
}

/// Reservations of [`reserve_port`], [`free_subnet`] and [`free_bridge_name`], held
/// (locked) until the test process exits.
static HELD: std::sync::Mutex<Vec<std::fs::File>> = std::sync::Mutex::new(Vec::new());

/// Takes `/tmp/lpod-test-<kind>/<key>` for this process: an exclusive `flock` held until
/// the process exits (nextest runs each test in a process of its own). False when
/// another test process holds it.
fn reserve(kind: &str, key: &str) -> bool {
    let dir = std::env::temp_dir().join(format!("lpod-test-{kind}"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    let path = dir.join(key);
    let Ok(f) = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    else {
        return false;
    };
    if rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        return false;
    }
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push(f);
    true
}

/// A host TCP/UDP port for a test's port mapping, from 20000–32767 (below the kernel's
/// ephemeral range, so no outgoing connection takes it meanwhile): free to bind on
/// 0.0.0.0 for both TCP and UDP right now, and reserved against every other test process
/// by an exclusive lock on `/tmp/lpod-test-ports/<port>` that this process holds until it
/// exits (nextest runs each test in a process of its own).
pub fn reserve_port() -> u16 {
    for _ in 0..1000 {
        let port = 20000 + (random_u32() % 12768) as u16;
        let free = std::net::TcpListener::bind(("0.0.0.0", port)).is_ok()
            && std::net::UdpSocket::bind(("0.0.0.0", port)).is_ok();
        if free && reserve("ports", &port.to_string()) {
            return port;
        }
    }
    panic!("no free host port in 20000-32767 after 1000 tries");
}

/// Deletes a test's own bridge on drop, even when the test failed half-way.
#[derive(Debug)]
pub struct Bridge(pub String);

impl Bridge {
    /// A guard for a new free bridge name (see [`free_bridge_name`]); nothing is created.
    pub fn free(prefix: &str) -> Bridge {
        Bridge(free_bridge_name(prefix))
    }

    /// The bridge's name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Whether the link exists on the host.
    pub fn exists(&self) -> bool {
        Path::new("/sys/class/net").join(&self.0).exists()
    }

    /// Interfaces enslaved to the bridge (`ip -o link show master`), one line each; panics
    /// when `ip` fails (see [`crate::probe`]). Empty when the bridge is gone.
    pub fn ports(&self) -> Vec<String> {
        if !self.exists() {
            return Vec::new();
        }
        probe("ip", &["-o", "link", "show", "master", &self.0])
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if self.exists() {
            let _ = Command::new("ip")
                .args(["link", "del", &self.0])
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Ipv4Net {
        Ipv4Net::parse(s).unwrap()
    }

    #[test]
    fn overlap() {
        assert!(subnets_overlap(n("10.88.0.0/16"), n("10.88.3.0/24")));
        assert!(subnets_overlap(n("10.240.1.0/24"), n("10.240.1.7")));
        assert!(!subnets_overlap(n("10.240.1.0/24"), n("10.240.2.0/24")));
        assert!(subnets_overlap(n("10.0.0.0/8"), n("10.249.254.0/24")));
        assert!(Ipv4Net::parse("10.1.2.3/33").is_none());
        assert!(Ipv4Net::parse("default").is_none());
    }

    #[test]
    fn free_subnet_avoids_what_it_is_told() {
        if !crate::require(which_ip().is_some(), "ip (Debian package iproute2)") {
            return;
        }
        let a = free_subnet(&[]);
        let b = free_subnet(&[&a]);
        assert_ne!(a, b);
        let host = host_ipv4_networks();
        for s in [&a, &b] {
            let s = n(s);
            assert!(!host.iter().any(|h| h.prefix > 0 && subnets_overlap(*h, s)));
        }
    }

    #[test]
    fn reserved_ports_differ_and_are_locked() {
        let a = reserve_port();
        let b = reserve_port();
        assert_ne!(a, b);
        let f = std::fs::File::open(
            std::env::temp_dir()
                .join("lpod-test-ports")
                .join(a.to_string()),
        )
        .unwrap();
        // Our own lock is on another open file description: a second lock must fail.
        assert!(
            rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err()
        );
        // And a reservation is exclusive within the process too.
        assert!(reserve("test-keys", "k1"));
        assert!(!reserve("test-keys", "k1"));
    }

    fn which_ip() -> Option<std::path::PathBuf> {
        crate::which("ip")
    }
}
