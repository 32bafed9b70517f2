//! `network connect`/`disconnect`/`reload` and the default network's name, over real
//! CNI plugins, real netns and crun under conmon. Each test uses networks of its own
//! (random `lpt<hex>` bridges and /24 subnets); none touches the default network's bridge.

mod common;
mod network_support;

use libpod_core::{ConnectOptions, CreateOptions, Error, NetworkError, NetworkMode};
use network_support::*;

fn net_err(r: &Result<(), Error>) -> Option<&NetworkError> {
    match r {
        Err(Error::Network(e)) => Some(e),
        _ => None,
    }
}

/// `ip -o -4 addr` inside the container.
fn addrs(c: &libpod_core::Container) -> String {
    let (code, out, err) = c.exec_output(&["ip", "-o", "-4", "addr"]).unwrap();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8_lossy(&out).into_owned()
}

/// What of `id` is left on network `net` (firewall lines of the container's other
/// networks are not this network's).
fn left_on(net: &NetGuard, id: &str) -> Vec<String> {
    net.leftovers(id)
        .into_iter()
        .filter(|l| !l.starts_with("iptables") || l.contains(&format!("\\\"{}\\\"", net.name)))
        .collect()
}

fn hosts(c: &libpod_core::Container) -> String {
    let (_, out, _) = c.exec_output(&["cat", "/etc/hosts"]).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn connect_and_disconnect_a_running_container() {
    let Some(env) = common::env() else { return };
    let net1 = NetGuard::new(&env.rt, env.root());
    let net2 = NetGuard::new(&env.rt, env.root());
    let port = free_port();
    let c = env.rt.create_container(httpd_on(&net1, port)).unwrap();
    c.start().unwrap();
    let id = c.id().to_string();
    let short = id[..12].to_string();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));

    let ns = c.inspect().unwrap().network_settings;
    let ip1 = ns.networks[&net1.name].ip_address.clone();
    assert_eq!(ns.networks[&net1.name].aliases, vec![short.clone()]);
    assert_eq!(ns.networks[&net1.name].network_id, net1.name);
    assert!(hosts(&c).contains(&ip1));

    // Connect a second network: a new interface with an address of that network.
    c.network_connect(
        &net2.name,
        &ConnectOptions {
            aliases: vec!["web".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let ns = c.inspect().unwrap().network_settings;
    let n2 = &ns.networks[&net2.name];
    assert_eq!(n2.interface, "eth1");
    assert_eq!(n2.aliases, vec!["web".to_string(), short.clone()]);
    let ip2 = n2.ip_address.clone();
    let prefix2 = net2.subnet.rsplit_once('.').unwrap().0;
    assert!(ip2.starts_with(prefix2), "{ip2} not in {}", net2.subnet);
    let a = addrs(&c);
    assert!(
        a.lines().any(|l| l.contains("eth1") && l.contains(&ip2)),
        "{a}"
    );
    let h = hosts(&c);
    assert!(h.contains(&ip1) && h.contains(&ip2), "{h}");
    // The container answers on its new address, from the host over the new bridge.
    assert!(http_get(&format!("{ip2}:80")).contains(PAGE));

    // Twice: refused, typed.
    let r = c.network_connect(&net2.name, &ConnectOptions::default());
    assert!(
        matches!(net_err(&r), Some(NetworkError::AlreadyConnected { network, .. }) if *network == net2.name),
        "{r:?}"
    );

    // Disconnect the first: its interface, lease and hosts line go; the published port
    // stays reachable through the second network.
    c.network_disconnect(&net1.name).unwrap();
    let ns = c.inspect().unwrap().network_settings;
    assert!(!ns.networks.contains_key(&net1.name), "{ns:?}");
    assert!(!addrs(&c).contains(&ip1));
    assert!(!hosts(&c).contains(&ip1));
    assert_eq!(left_on(&net1, &id), Vec::<String>::new());
    assert_ne!(
        left_on(&net2, &id),
        Vec::<String>::new(),
        "net2 is attached"
    );
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    let r = c.network_disconnect(&net1.name);
    assert!(
        matches!(net_err(&r), Some(NetworkError::NotConnected { .. })),
        "{r:?}"
    );

    // The interface name stays across a restart.
    c.stop(Some(std::time::Duration::from_secs(2))).unwrap();
    c.start().unwrap();
    let ns = c.inspect().unwrap().network_settings;
    assert_eq!(ns.networks.len(), 1, "{ns:?}");
    assert_eq!(ns.networks[&net2.name].interface, "eth1");
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));

    c.remove(true).unwrap();
    assert_eq!(net1.leftovers(&id), Vec::<String>::new());
    assert_eq!(net2.leftovers(&id), Vec::<String>::new());
}

#[test]
fn connect_and_disconnect_a_stopped_container() {
    let Some(env) = common::env() else { return };
    let net1 = NetGuard::new(&env.rt, env.root());
    let net2 = NetGuard::new(&env.rt, env.root());
    let c = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["sleep".into(), "300".into()]),
            network: NetworkMode::Bridge,
            networks: vec![net1.name.clone()],
            ..Default::default()
        })
        .unwrap();
    let id = c.id().to_string();
    c.network_connect(&net2.name, &ConnectOptions::default())
        .unwrap();
    // Not running: both networks show, without addresses.
    let ns = c.inspect().unwrap().network_settings;
    assert_eq!(ns.networks.len(), 2, "{ns:?}");
    assert!(ns.networks[&net2.name].ip_address.is_empty());
    assert_eq!(ns.networks[&net2.name].aliases, vec![id[..12].to_string()]);
    // An unknown network: typed error, nothing recorded.
    let r = c.network_connect("no-such-net-xyz", &ConnectOptions::default());
    assert!(
        matches!(net_err(&r), Some(NetworkError::NoSuchNetwork(_))),
        "{r:?}"
    );

    c.start().unwrap();
    let a = addrs(&c);
    assert!(a.contains("eth0") && a.contains("eth1"), "{a}");
    c.stop(Some(std::time::Duration::from_secs(2))).unwrap();

    // Disconnect both while stopped: the container then has no network at all (not the
    // default network).
    c.network_disconnect(&net1.name).unwrap();
    c.network_disconnect(&net2.name).unwrap();
    assert!(c.inspect().unwrap().network_settings.networks.is_empty());
    c.start().unwrap();
    let a = addrs(&c);
    assert!(!a.contains("eth"), "{a}");
    // Reconnect while running.
    c.network_connect(&net1.name, &ConnectOptions::default())
        .unwrap();
    assert!(addrs(&c).contains("eth0"));
    c.remove(true).unwrap();
    assert_eq!(net1.leftovers(&id), Vec::<String>::new());
    assert_eq!(net2.leftovers(&id), Vec::<String>::new());
}

#[test]
fn connect_refuses_host_network_mode() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let c = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["true".into()]),
            network: NetworkMode::Host,
            ..Default::default()
        })
        .unwrap();
    let r = c.network_connect(&net.name, &ConnectOptions::default());
    assert!(
        matches!(net_err(&r), Some(NetworkError::NotBridge { .. })),
        "{r:?}"
    );
    c.remove(true).unwrap();
}

/// The rule of CNI's portmap plugin that forwards the container's host port: removed by
/// hand (as a firewall reload would), then `network_reload` brings it back.
#[test]
fn reload_restores_lost_port_forwarding_with_same_address() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let port = free_port();
    let c = env.rt.create_container(httpd_on(&net, port)).unwrap();
    c.start().unwrap();
    let id = c.id().to_string();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    let before = c.inspect().unwrap().network_settings.networks[&net.name].clone();

    // Only our container's jump rules (their comment names its id): never anyone else's.
    let nat = cmd("iptables-save", &["-t", "nat"]);
    let ours: Vec<&str> = nat
        .lines()
        .filter(|l| l.starts_with("-A CNI-HOSTPORT-DNAT") && l.contains(&id))
        .collect();
    assert!(!ours.is_empty(), "no DNAT rule of {id}:\n{nat}");
    for rule in &ours {
        let del = format!("iptables -t nat {}", rule.replacen("-A ", "-D ", 1));
        let st = std::process::Command::new("sh")
            .args(["-c", &del])
            .status()
            .unwrap();
        assert!(st.success(), "{del}");
    }
    // Nothing forwards the port now: a connection reaches at most the socket conmon
    // holds to reserve the port (as Podman's), which never answers.
    if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        use std::io::{Read, Write};
        s.set_read_timeout(Some(std::time::Duration::from_secs(1)))
            .unwrap();
        let _ = write!(s, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
        let mut body = String::new();
        let _ = s.read_to_string(&mut body);
        assert!(!body.contains(PAGE), "the port still reaches the container");
    }

    c.network_reload().unwrap();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    let after = c.inspect().unwrap().network_settings.networks[&net.name].clone();
    assert_eq!(after.ip_address, before.ip_address);
    assert_eq!(after.mac_address, before.mac_address);
    // Reloading with the rules in place changes nothing either.
    c.network_reload().unwrap();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));

    c.stop(Some(std::time::Duration::from_secs(2))).unwrap();
    let r = c.network_reload();
    assert!(matches!(r, Err(Error::InvalidState { .. })), "{r:?}");
    c.remove(true).unwrap();
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
}

/// The default network is named `podman`, on lpod's own bridge and subnet; an older
/// store's default network (`lpod`) is renamed and its old name still resolves.
#[test]
fn default_network_is_podman_and_legacy_store_migrates() {
    let Some(env) = common::env() else { return };
    let cfg = env.rt.config().unwrap().config;
    assert_eq!(cfg.default_network, "podman");
    let names: Vec<String> = env
        .rt
        .list_networks()
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert!(names.contains(&"podman".to_string()), "{names:?}");
    let d = env.rt.inspect_network("podman").unwrap();
    assert_eq!(d.bridge.as_deref(), Some(cfg.default_bridge.as_str()));
    assert_ne!(d.bridge.as_deref(), Some("cni-podman0"));
    assert_eq!(d.subnets[0].subnet.to_string(), cfg.default_subnet);
    assert!(!cfg.default_subnet.starts_with("10.88."));
    assert!(d.path.starts_with(&cfg.cni_config_dir));
    let r = env.rt.remove_network("podman", true);
    assert!(
        matches!(&r, Err(Error::Network(e)) if matches!(&**e, NetworkError::DefaultNetwork(_))),
        "{r:?}"
    );

    // A store written by an older lpod: its default network is `lpod`.
    let old = tempfile::tempdir().unwrap();
    let conf_dir = old.path().join("root/cni/net.d");
    libpod_net::NetworkStore::new(&conf_dir, vec![], old.path().join("root/cni/networks"))
        .with_default(libpod_net::DefaultNetwork {
            name: "lpod".into(),
            bridge: cfg.default_bridge.clone(),
            subnet: cfg.default_subnet.parse().unwrap(),
        })
        .ensure_default()
        .unwrap();
    std::fs::write(old.path().join("boot_id"), "boot-1\n").unwrap();
    // The same default network as env's runtime (its own bridge and subnet).
    std::fs::copy(
        env.dir.path().join("default-network"),
        old.path().join("default-network"),
    )
    .unwrap();
    let rt = common::builder(old.path(), "crun").build().unwrap();
    let names: Vec<String> = rt
        .list_networks()
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names, ["podman"]);
    assert!(!conf_dir.join("lpod.conflist").exists());
    assert_eq!(rt.inspect_network("lpod").unwrap().name, "podman");
    assert_eq!(
        rt.inspect_network("podman").unwrap().bridge.as_deref(),
        Some(cfg.default_bridge.as_str())
    );
}
