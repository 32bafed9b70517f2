//! Audit and repair of this layer's own leftovers: CNI result cache entries,
//! host-local leases, iptables rules (and per-container chains) and host veths
//! of containers the caller no longer knows.
//!
//! The caller (the runtime) says which container ids it knows and which
//! addresses its containers hold; [`NetManager::check`] lists what is left of
//! the others as typed [`NetProblem`]s, and [`NetManager::repair`] removes one
//! (one function per kind). Only this manager's own networks (configs in its
//! config dir) are looked at.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{CachedAttachment, NetManager, Subnet};

/// A command for a host tool, without this process's armed failpoint.
fn command(bin: &str) -> Command {
    let mut c = Command::new(bin);
    libpod_failpoint::scrub(&mut c);
    c
}

/// One leftover of a container the caller does not know.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum NetProblem {
    /// A CNI result cache entry.
    OrphanCniCache {
        /// The container id it is for.
        id: String,
        /// The cache file.
        path: PathBuf,
        /// Its network (empty when the entry is unparseable).
        network: String,
    },
    /// A host-local lease of one of our networks.
    OrphanLease {
        /// The container id written in the lease (may be empty).
        id: String,
        /// The lease file.
        path: PathBuf,
        /// Its network.
        network: String,
    },
    /// An iptables rule of our networks (by CNI comment, or a firewall
    /// `CNI-FORWARD` rule for an address nobody holds).
    OrphanIptablesRule {
        /// The container id the rule is for, when known.
        id: Option<String>,
        /// Its table.
        table: String,
        /// The rule as `iptables-save` prints it (`-A CHAIN ...`).
        rule: String,
    },
    /// A host veth on one of our bridges whose container is gone.
    OrphanVeth {
        /// The interface.
        ifname: String,
        /// The bridge it is a port of.
        bridge: String,
        /// The network of that bridge.
        network: String,
    },
}

impl NetProblem {
    /// The container id it is about, when known.
    pub fn container_id(&self) -> Option<&str> {
        match self {
            NetProblem::OrphanCniCache { id, .. } | NetProblem::OrphanLease { id, .. } => {
                Some(id.as_str())
            }
            NetProblem::OrphanIptablesRule { id, .. } => id.as_deref(),
            NetProblem::OrphanVeth { .. } => None,
        }
    }
}

impl std::fmt::Display for NetProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetProblem::OrphanCniCache { id, path, network } => write!(
                f,
                "orphan CNI cache entry {} of container {id} (network {network})",
                path.display()
            ),
            NetProblem::OrphanLease { id, path, network } => write!(
                f,
                "orphan lease {} of container {id} (network {network})",
                path.display()
            ),
            NetProblem::OrphanIptablesRule { table, rule, .. } => {
                write!(f, "orphan iptables rule -t {table} {rule}")
            }
            NetProblem::OrphanVeth {
                ifname,
                bridge,
                network,
            } => write!(
                f,
                "orphan veth {ifname} on bridge {bridge} (network {network})"
            ),
        }
    }
}

/// What [`NetManager::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetReport {
    /// Every leftover found.
    pub problems: Vec<NetProblem>,
}

impl NetReport {
    /// True when nothing is left over.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A repair step that failed.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    /// A file could not be removed or a tool could not be run.
    #[error("{op} {}: {source}", .path.display())]
    Io {
        /// What was done.
        op: &'static str,
        /// On what.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// `iptables -D` refused a rule for another reason than its absence.
    #[error("iptables -t {table} -D {chain}: {message}")]
    Iptables {
        /// The table.
        table: String,
        /// The chain.
        chain: String,
        /// iptables' message.
        message: String,
    },
    /// `ip link del` failed and the link is still there.
    #[error("ip link del {ifname}: {message}")]
    LinkDel {
        /// The interface.
        ifname: String,
        /// ip's message.
        message: String,
    },
}

/// What the caller knows: which container ids exist, and which addresses its
/// containers hold.
pub struct Known<'a> {
    /// True for a container id the caller knows.
    pub container: &'a dyn Fn(&str) -> bool,
    /// Addresses held by known containers.
    pub addresses: &'a BTreeSet<IpAddr>,
}

/// One of our networks: name, bridge, subnets, and whether we may judge the
/// bridge's veths by our own cache alone (a non-default network defined in
/// our dir, on a bridge of its own).
struct OurNet {
    name: String,
    bridge: Option<String>,
    exclusive: bool,
    subnets: Vec<Subnet>,
}

struct CacheEntry {
    path: PathBuf,
    network: String,
    id: String,
    host_ifs: Vec<String>,
}

struct Rule {
    table: String,
    line: String,
    network: String,
    id: String,
}

impl NetManager {
    /// Audits this manager's CNI cache, the leases, iptables rules and bridge
    /// ports of its own networks against what the caller knows. Read-only.
    pub fn check(&self, known: &Known<'_>) -> NetReport {
        let mut out = Vec::new();
        let nets = self.our_networks();
        let caches = self.cache_entries();
        let mut orphan_ifs = BTreeSet::new();
        let mut orphan_cache_ids = BTreeSet::new();
        let mut known_ifs = BTreeSet::new();
        for c in caches {
            if (known.container)(&c.id) {
                known_ifs.extend(c.host_ifs);
            } else {
                orphan_ifs.extend(c.host_ifs);
                orphan_cache_ids.insert(c.id.clone());
                out.push(NetProblem::OrphanCniCache {
                    id: c.id,
                    path: c.path,
                    network: c.network,
                });
            }
        }
        let leases = self.leases(&nets);
        let lease_owner: BTreeMap<IpAddr, &str> = leases
            .iter()
            .filter_map(|(path, _, id)| {
                let ip = path.file_name()?.to_str()?.parse().ok()?;
                Some((ip, id.as_str()))
            })
            .collect();
        for (path, net, id) in &leases {
            if !(known.container)(id) {
                out.push(NetProblem::OrphanLease {
                    id: id.clone(),
                    path: path.clone(),
                    network: net.clone(),
                });
            }
        }
        for n in &nets {
            let Some(br) = &n.bridge else { continue };
            for ifname in crate::link::bridge_ports(br) {
                if known_ifs.contains(&ifname) {
                    continue;
                }
                if n.exclusive || orphan_ifs.contains(&ifname) {
                    out.push(NetProblem::OrphanVeth {
                        ifname,
                        bridge: br.clone(),
                        network: n.name.clone(),
                    });
                }
            }
        }
        let (rules, fw) = iptables_rules(&nets);
        for (table, line, ip) in fw {
            let ours = nets
                .iter()
                .any(|n| n.exclusive && n.subnets.iter().any(|s| s.contains(ip)));
            if ours && !known.addresses.contains(&ip) {
                // The lease of that address names the container the rule was for.
                let id = lease_owner
                    .get(&ip)
                    .filter(|id| is_hex64(id))
                    .map(|id| id.to_string());
                out.push(NetProblem::OrphanIptablesRule {
                    id,
                    table,
                    rule: line,
                });
            }
        }
        let exclusive: BTreeSet<&str> = nets
            .iter()
            .filter(|n| n.exclusive)
            .map(|n| n.name.as_str())
            .collect();
        for r in rules {
            if (known.container)(&r.id) {
                continue;
            }
            if exclusive.contains(r.network.as_str()) || orphan_cache_ids.contains(&r.id) {
                out.push(NetProblem::OrphanIptablesRule {
                    id: Some(r.id),
                    table: r.table,
                    rule: r.line,
                });
            }
        }
        out.sort();
        out.dedup();
        NetReport { problems: out }
    }

    /// Repairs one problem (the caller re-checks first that its container is
    /// still unknown). Ok(false) when there was nothing this could act on.
    pub fn repair(&self, problem: &NetProblem) -> Result<bool, RepairError> {
        match problem {
            NetProblem::OrphanCniCache { id, path, .. } => self.repair_orphan_cni_cache(id, path),
            NetProblem::OrphanLease { path, .. } => repair_orphan_lease(path),
            NetProblem::OrphanIptablesRule { table, rule, .. } => {
                repair_orphan_iptables_rule(table, rule)
            }
            NetProblem::OrphanVeth { ifname, .. } => repair_orphan_veth(ifname),
        }
    }

    /// Repairs an orphan CNI cache entry: a best-effort CNI DEL of what the
    /// cache holds for `id`, then the entry goes.
    pub fn repair_orphan_cni_cache(&self, id: &str, path: &Path) -> Result<bool, RepairError> {
        if let Err(e) = self.teardown_cached(id, None) {
            tracing::warn!(error = %e, id, "CNI DEL of an orphan cache entry");
        }
        remove_path(path)?;
        Ok(true)
    }

    fn our_networks(&self) -> Vec<OurNet> {
        let store = self.store();
        let default = store.default_network().clone();
        let own_dir = store.config_dir().to_path_buf();
        store
            .list()
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.path.starts_with(&own_dir))
            .map(|n| OurNet {
                exclusive: n.name != default.name && n.bridge.as_deref() != Some(&default.bridge),
                subnets: n.subnets.iter().map(|s| s.subnet).collect(),
                name: n.name,
                bridge: n.bridge,
            })
            .collect()
    }

    fn cache_entries(&self) -> Vec<CacheEntry> {
        let dir = self.client().cache_dir().to_path_buf();
        let mut out = Vec::new();
        for name in dir_names(&dir) {
            if name.starts_with('.') {
                continue;
            }
            let path = dir.join(&name);
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(c) = serde_json::from_slice::<CachedAttachment>(&bytes) else {
                // Unparseable: take the id from the name (NET-CID-IFNAME).
                if let Some(id) = name.split('-').find(|s| is_hex64(s)) {
                    out.push(CacheEntry {
                        path,
                        network: String::new(),
                        id: id.to_string(),
                        host_ifs: Vec::new(),
                    });
                }
                continue;
            };
            let host_ifs = c
                .typed_result()
                .map(|r| {
                    r.interfaces
                        .into_iter()
                        .filter(|i| i.sandbox.is_none())
                        .map(|i| i.name)
                        .collect()
                })
                .unwrap_or_default();
            out.push(CacheEntry {
                path,
                network: c.network_name,
                id: c.runtime.container_id,
                host_ifs,
            });
        }
        out
    }

    /// Host-local leases of our networks: file, network, container id.
    fn leases(&self, nets: &[OurNet]) -> Vec<(PathBuf, String, String)> {
        let data = self.store().ipam_data_dir().to_path_buf();
        let mut out = Vec::new();
        for n in nets {
            let dir = data.join(&n.name);
            for name in dir_names(&dir) {
                if name == "lock" || name.starts_with("last_reserved_ip") || name.starts_with('.') {
                    continue;
                }
                let path = dir.join(&name);
                let id = std::fs::read_to_string(&path)
                    .map(|s| s.lines().next().unwrap_or("").trim().to_string())
                    .unwrap_or_default();
                out.push((path, n.name.clone(), id));
            }
        }
        out
    }
}

/// Repairs an orphan lease: its file goes.
pub fn repair_orphan_lease(path: &Path) -> Result<bool, RepairError> {
    remove_path(path)?;
    Ok(true)
}

/// Repairs an orphan iptables rule: `iptables -D` of it (absent already is
/// fine), then its per-container chains (`CNI-<hash>`, `CNI-DN-<hash>`) go
/// once empty. Ok(false) for a rule text that is not an `-A` rule.
pub fn repair_orphan_iptables_rule(table: &str, rule: &str) -> Result<bool, RepairError> {
    let mut args = split_rule(rule);
    if args.first().map(String::as_str) != Some("-A") {
        return Ok(false);
    }
    args[0] = "-D".into();
    let chain = args.get(1).cloned().unwrap_or_default();
    let target = args
        .iter()
        .position(|a| a == "-j")
        .and_then(|i| args.get(i + 1).cloned());
    let out = command("iptables")
        .arg("-w")
        .arg("-t")
        .arg(table)
        .args(&args)
        .output()
        .map_err(|source| RepairError::Io {
            op: "run",
            path: PathBuf::from("iptables"),
            source,
        })?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        if !msg.contains("does a matching rule exist") && !msg.contains("No chain") {
            return Err(RepairError::Iptables {
                table: table.to_string(),
                chain,
                message: msg.trim().to_string(),
            });
        }
    }
    if per_container_chain(&chain) {
        drop_chain_if_empty(table, &chain);
    }
    // The chain this rule jumped to is the container's alone (its hash names
    // network and container): once nothing jumps to it, its comment-less rules
    // (portmap's DNAT rules) go with it.
    if let Some(t) = target.filter(|t| per_container_chain(t)) {
        drop_chain_if_unreferenced(table, &t);
    }
    Ok(true)
}

/// Repairs an orphan veth: `ip link del` of it. Ok(false) for a name that is
/// not a valid `veth*` interface name.
pub fn repair_orphan_veth(ifname: &str) -> Result<bool, RepairError> {
    if !crate::link::valid_ifname(ifname) || !ifname.starts_with("veth") {
        return Ok(false);
    }
    let out = command("ip")
        .args(["link", "del", ifname])
        .output()
        .map_err(|source| RepairError::Io {
            op: "run",
            path: PathBuf::from("ip"),
            source,
        })?;
    if !out.status.success() && crate::link::link_exists(ifname) {
        return Err(RepairError::LinkDel {
            ifname: ifname.to_string(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(true)
}

fn remove_path(path: &Path) -> Result<(), RepairError> {
    let r = if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(RepairError::Io {
            op: "remove",
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn dir_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `iptables-save`'s rules with a CNI comment of our networks, and the
/// firewall plugin's comment-less `CNI-FORWARD` rules (`-s IP/32` /
/// `-d IP/32`) with the address.
fn iptables_rules(nets: &[OurNet]) -> (Vec<Rule>, Vec<(String, String, IpAddr)>) {
    let Ok(out) = command("iptables-save").stderr(Stdio::null()).output() else {
        return (Vec::new(), Vec::new());
    };
    parse_iptables_save(&String::from_utf8_lossy(&out.stdout), nets)
}

fn parse_iptables_save(text: &str, nets: &[OurNet]) -> (Vec<Rule>, Vec<(String, String, IpAddr)>) {
    let names: BTreeSet<&str> = nets.iter().map(|n| n.name.as_str()).collect();
    let mut fw = Vec::new();
    let mut table = String::new();
    let mut rules = Vec::new();
    for line in text.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
            continue;
        }
        if !line.starts_with("-A ") {
            continue;
        }
        if line.starts_with("-A CNI-FORWARD ") && !line.contains("--comment") {
            let args: Vec<&str> = line.split_whitespace().collect();
            for w in args.windows(2) {
                if w[0] == "-s" || w[0] == "-d" {
                    if let Some(ip) = w[1]
                        .strip_suffix("/32")
                        .and_then(|a| a.parse::<IpAddr>().ok())
                    {
                        fw.push((table.clone(), line.to_string(), ip));
                    }
                }
            }
            continue;
        }
        if let Some((net, id)) = cni_comment(line) {
            if names.contains(net.as_str()) {
                rules.push(Rule {
                    table: table.clone(),
                    line: line.to_string(),
                    network: net,
                    id,
                });
            }
        }
    }
    (rules, fw)
}

/// The network name and container id of a CNI rule comment
/// (`name: "NET" id: "CID"`, escaped as `name: \"NET\" id: \"CID\"` by iptables-save).
fn cni_comment(line: &str) -> Option<(String, String)> {
    let l = line.replace("\\\"", "\"");
    let n = l.find("name: \"")? + "name: \"".len();
    let net_end = l[n..].find('"')? + n;
    let net = l[n..net_end].to_string();
    let i = l[net_end..].find("id: \"")? + net_end + "id: \"".len();
    let id_end = l[i..].find('"')? + i;
    let id = l[i..id_end].to_string();
    is_hex64(&id).then_some((net, id))
}

/// Splits an iptables-save rule into arguments (double quotes, backslash escapes).
fn split_rule(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    let mut have = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    have = true;
                }
            }
            '"' => {
                in_q = !in_q;
                have = true;
            }
            c if c.is_whitespace() && !in_q => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c => {
                cur.push(c);
                have = true;
            }
        }
    }
    if have {
        out.push(cur);
    }
    out
}

fn per_container_chain(c: &str) -> bool {
    let hashy = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    c.strip_prefix("CNI-DN-").map(hashy).unwrap_or(false)
        || c.strip_prefix("CNI-").map(hashy).unwrap_or(false)
}

fn drop_chain_if_empty(table: &str, chain: &str) {
    let Ok(out) = command("iptables")
        .args(["-w", "-t", table, "-S", chain])
        .output()
    else {
        return;
    };
    if !out.status.success() {
        return;
    }
    let rules = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("-A "))
        .count();
    if rules == 0 {
        // Only when nothing jumps to it any more does -X succeed; ignore failures.
        let _ = command("iptables")
            .args(["-w", "-t", table, "-X", chain])
            .output();
    }
}

/// True when `line` (an `-A` rule) jumps to `chain`.
fn jumps_to(line: &str, chain: &str) -> bool {
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        if (w == "-j" || w == "-g") && words.next() == Some(chain) {
            return true;
        }
    }
    false
}

fn drop_chain_if_unreferenced(table: &str, chain: &str) {
    let Ok(out) = command("iptables-save")
        .args(["-t", table])
        .stderr(Stdio::null())
        .output()
    else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let exists = text
        .lines()
        .any(|l| l.strip_prefix(':').and_then(|l| l.split(' ').next()) == Some(chain));
    if !out.status.success() || !exists || text.lines().any(|l| jumps_to(l, chain)) {
        return;
    }
    // Failures are ignored: a chain that cannot go is reported again next time.
    let _ = command("iptables")
        .args(["-w", "-t", table, "-F", chain])
        .output();
    let _ = command("iptables")
        .args(["-w", "-t", table, "-X", chain])
        .output();
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn cni_comments_parse() {
        let line = format!(
            "-A POSTROUTING -s 10.1.2.3/32 -m comment --comment \"name: \\\"net1\\\" id: \\\"{ID}\\\"\" -j CNI-abc123"
        );
        assert_eq!(cni_comment(&line), Some(("net1".into(), ID.into())));
        let args = split_rule(&line);
        assert_eq!(args[0], "-A");
        assert_eq!(args[6], "--comment");
        assert_eq!(args[7], format!("name: \"net1\" id: \"{ID}\""));
        assert_eq!(args.last().map(String::as_str), Some("CNI-abc123"));
        assert_eq!(cni_comment("-A FORWARD -j ACCEPT"), None);
    }

    #[test]
    fn jumps_are_recognised() {
        assert!(jumps_to(
            "-A CNI-HOSTPORT-DNAT -p tcp -j CNI-DN-abc",
            "CNI-DN-abc"
        ));
        assert!(jumps_to("-A X -g CNI-abc", "CNI-abc"));
        assert!(!jumps_to("-A CNI-DN-abc -p tcp -j DNAT", "CNI-DN-abc"));
        assert!(!jumps_to("-A X -j CNI-DN-abcd", "CNI-DN-abc"));
    }

    #[test]
    fn per_container_chains() {
        assert!(per_container_chain("CNI-DN-0a1b2c"));
        assert!(per_container_chain("CNI-0a1b2c"));
        assert!(!per_container_chain("CNI-HOSTPORT-DNAT"));
        assert!(!per_container_chain("CNI-FORWARD"));
    }

    #[test]
    fn iptables_save_keeps_only_our_networks_and_firewall_rules() {
        let nets = vec![OurNet {
            name: "net1".into(),
            bridge: Some("br1".into()),
            exclusive: true,
            subnets: vec!["10.1.2.0/24".parse().unwrap()],
        }];
        let text = format!(
            "*nat\n:POSTROUTING ACCEPT [0:0]\n\
             -A POSTROUTING -m comment --comment \"name: \\\"net1\\\" id: \\\"{ID}\\\"\" -j CNI-abc\n\
             -A POSTROUTING -m comment --comment \"name: \\\"other\\\" id: \\\"{ID}\\\"\" -j CNI-def\n\
             COMMIT\n*filter\n-A CNI-FORWARD -d 10.1.2.3/32 -j ACCEPT\n-A FORWARD -j ACCEPT\nCOMMIT\n"
        );
        let (rules, fw) = parse_iptables_save(&text, &nets);
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].table, "nat");
        assert_eq!(rules[0].network, "net1");
        assert_eq!(rules[0].id, ID);
        assert_eq!(fw.len(), 1);
        assert_eq!(fw[0].0, "filter");
        assert_eq!(fw[0].2, "10.1.2.3".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn repairs_refuse_what_they_cannot_act_on() {
        assert!(!repair_orphan_veth("eth0").unwrap());
        assert!(!repair_orphan_veth("veth/../x").unwrap());
        assert!(!repair_orphan_iptables_rule("filter", "-D FORWARD -j ACCEPT").unwrap());
    }

    #[test]
    fn cache_and_leases_of_unknown_containers_are_reported_and_repaired() {
        let root = tempfile::tempdir().unwrap();
        let mut cfg = crate::NetConfig::with_root(root.path());
        cfg.config_dir = root.path().join("net.d");
        let mgr = NetManager::new(&cfg);
        // A lease only counts for one of our networks: none is defined, so
        // only the cache entry (unparseable, id from its name) is reported.
        let cache = mgr.client().cache_dir().to_path_buf();
        std::fs::create_dir_all(&cache).unwrap();
        let entry = cache.join(format!("net1-{ID}-eth0"));
        std::fs::write(&entry, b"not json").unwrap();
        let known_none = |_: &str| false;
        let held = BTreeSet::new();
        let r = mgr.check(&Known {
            container: &known_none,
            addresses: &held,
        });
        assert_eq!(
            r.problems,
            vec![NetProblem::OrphanCniCache {
                id: ID.into(),
                path: entry.clone(),
                network: String::new(),
            }]
        );
        assert_eq!(r.problems[0].container_id(), Some(ID));
        let known_all = |_: &str| true;
        assert!(mgr
            .check(&Known {
                container: &known_all,
                addresses: &held,
            })
            .is_clean());
        assert!(mgr.repair(&r.problems[0]).unwrap());
        assert!(!entry.exists());
        assert!(mgr
            .check(&Known {
                container: &known_none,
                addresses: &held,
            })
            .is_clean());
        // Removing a lease that is gone already is fine.
        assert!(repair_orphan_lease(&root.path().join("gone")).unwrap());
    }
}
