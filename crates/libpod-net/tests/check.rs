//! `NetManager::check` / `repair` with the real CNI plugins: a container set
//! up on the test's own network and then forgotten by its caller is found as
//! an orphan cache entry, lease, iptables rules and veth, and repairing them
//! kind by kind leaves nothing of it on the host.

mod common;

use std::collections::BTreeSet;
use std::net::{IpAddr, TcpListener};

use common::root_net_with_netns;
use libpod_net::check::{Known, NetProblem};
use libpod_net::{link, Attachment, PortMapping};

fn host_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn kind(p: &NetProblem) -> &'static str {
    match p {
        NetProblem::OrphanCniCache { .. } => "cache",
        NetProblem::OrphanLease { .. } => "lease",
        NetProblem::OrphanIptablesRule { .. } => "iptables",
        NetProblem::OrphanVeth { .. } => "veth",
    }
}

#[test]
fn forgotten_container_is_found_and_repaired_kind_by_kind() {
    let Some((t, netns)) = root_net_with_netns() else {
        return;
    };
    let ports = vec![format!("{}:80", host_port())
        .parse::<PortMapping>()
        .unwrap()];
    let nets = vec![Attachment::new(&t.network, "eth0")];
    let req = t.request(&netns, &nets, &ports);
    let ip: IpAddr = t.mgr.setup(&req).unwrap()[0].addresses[0].0;
    let id = t.container_id.clone();

    // Known, holding its address: nothing to report.
    let is_ours = |c: &str| c == id;
    let held: BTreeSet<IpAddr> = [ip].into();
    let r = t.mgr.check(&Known {
        container: &is_ours,
        addresses: &held,
    });
    assert!(r.is_clean(), "{:?}", r.problems);

    // Forgotten: every kind shows up, each naming our container where it can.
    let nobody = |_: &str| false;
    let none = BTreeSet::new();
    let forgotten = Known {
        container: &nobody,
        addresses: &none,
    };
    let r = t.mgr.check(&forgotten);
    let kinds: BTreeSet<&str> = r.problems.iter().map(kind).collect();
    assert_eq!(
        kinds,
        ["cache", "iptables", "lease", "veth"].into(),
        "{:?}",
        r.problems
    );
    for p in &r.problems {
        match p {
            NetProblem::OrphanVeth {
                bridge, network, ..
            } => {
                assert_eq!(bridge, &t.bridge);
                assert_eq!(network, &t.network);
            }
            other => assert_eq!(other.container_id(), Some(id.as_str()), "{other}"),
        }
    }

    // The container's own chains (CNI-<hash>, CNI-DN-<hash>) its rules jump to.
    let chains: BTreeSet<String> = r
        .problems
        .iter()
        .filter_map(|p| match p {
            NetProblem::OrphanIptablesRule { rule, .. } => rule
                .split_whitespace()
                .skip_while(|w| *w != "-j")
                .nth(1)
                .filter(|c| c.starts_with("CNI-") && !c.starts_with("CNI-HOSTPORT"))
                .map(str::to_string),
            _ => None,
        })
        .collect();
    assert!(!chains.is_empty(), "{:?}", r.problems);

    // Everything but the cache entry, one repair function per kind.
    for p in r.problems.iter().filter(|p| kind(p) != "cache") {
        assert!(t.mgr.repair(p).unwrap(), "{p}");
    }
    assert!(t.lease_files().is_empty());
    assert!(
        t.iptables_mentions(Some(ip)).is_empty(),
        "{:?}",
        t.iptables_mentions(Some(ip))
    );
    let saved = std::process::Command::new("iptables-save")
        .output()
        .unwrap();
    let saved = String::from_utf8_lossy(&saved.stdout);
    for c in &chains {
        assert!(
            !saved.lines().any(|l| l.starts_with(&format!(":{c} "))),
            "chain {c} left behind"
        );
    }
    assert!(link::bridge_ports(&t.bridge).is_empty());
    assert_eq!(t.links_in_netns(), ["lo"]);
    let left = t.mgr.check(&forgotten);
    assert_eq!(
        left.problems.iter().map(kind).collect::<Vec<_>>(),
        ["cache"],
        "{:?}",
        left.problems
    );

    // Then the cache entry (its CNI DEL finds nothing left to do).
    assert!(t.mgr.repair(&left.problems[0]).unwrap());
    assert!(t.cache_entries().is_empty());
    assert!(t.mgr.check(&forgotten).is_clean());
}
