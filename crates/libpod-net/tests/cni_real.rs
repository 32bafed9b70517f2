//! System tests with the real CNI plugins (/usr/lib/cni) in network namespaces the tests make.
//! Traffic only goes to 127.0.0.1 and to the container's own address.

mod common;

use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::Path;

use common::{assert_env_clean, require_root, root_net_with_netns, TestNet};
use libpod_net::{
    link, Attachment, CniError, InvokeError, NetManager, NetworkConfigList, PortMapping,
    SetupError, SetupRequest,
};

/// Serves `n` connections: reads a line, answers "pong:<line>".
fn serve(l: TcpListener, n: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for _ in 0..n {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 64];
            let k = s.read(&mut buf).unwrap();
            s.write_all(b"pong:").unwrap();
            s.write_all(&buf[..k]).unwrap();
        }
    })
}

fn ping(addr: (IpAddr, u16)) -> String {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr:?}: {e}"));
    s.write_all(b"hi").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// A host port free now and reserved against the other test processes.
fn host_port() -> u16 {
    common::reserve_port()
}

#[test]
fn add_traffic_portmap_then_del_leaves_nothing() {
    let Some((mut t, netns)) = root_net_with_netns() else {
        return;
    };
    // lo is up inside the fresh namespace.
    let lo_up = t
        .ns()
        .run(|| std::net::UdpSocket::bind("127.0.0.1:0").is_ok())
        .unwrap();
    assert!(lo_up);

    let hport = host_port();
    let ports = vec![format!("127.0.0.1:{hport}:8080")
        .parse::<PortMapping>()
        .unwrap()];
    let nets = vec![Attachment::new(&t.network, "eth0")];
    let req = SetupRequest {
        netns: &netns,
        container_id: &t.container_id,
        container_name: Some("c1"),
        networks: &nets,
        ports: &ports,
    };
    let res = t.mgr.setup(&req).unwrap();
    assert_env_clean();
    assert_eq!(res.len(), 1);
    let r = &res[0];
    let (ip, sub) = r.addresses[0];
    assert_eq!(sub.to_string(), t.subnet);
    assert!(r.mac.is_some());
    assert_eq!(r.gateways, vec![sub.nth(1).unwrap()]);

    // The host side of the veth exists and is a port of our bridge.
    let host_veth = r
        .result
        .interfaces
        .iter()
        .find(|i| i.sandbox.is_none() && i.name != t.bridge)
        .expect("host veth in result")
        .name
        .clone();
    assert!(link::link_exists(&host_veth));
    assert!(link::bridge_ports(&t.bridge).contains(&host_veth));
    assert!(t.links_in_netns().contains(&"eth0".to_string()));
    assert_eq!(t.lease_files(), vec![ip.to_string()]);
    assert!(!t.iptables_mentions(Some(ip)).is_empty());
    // CHECK passes on a healthy attachment. portmap 1.1.1 is left out: its CHECK always
    // looks for IPv6 DNAT rules (containernetworking/plugins#819, fixed upstream later).
    let mut list = t.mgr.store().load(&t.network).unwrap();
    list.plugins.retain(|p| p.plugin_type != "portmap");
    let rt = libpod_net::RuntimeConf {
        container_id: t.container_id.clone(),
        netns: netns.clone(),
        ifname: "eth0".into(),
        args: vec![],
        capability_args: t
            .mgr
            .client()
            .cached(&t.network, &t.container_id, "eth0")
            .unwrap()
            .unwrap()
            .runtime
            .capability_args,
    };
    t.mgr.client().check_network_list(&list, &rt).unwrap();

    // The address is assigned inside the netns: a socket created there binds to it, and
    // the host reaches it over the bridge.
    let listener = t
        .ns()
        .run(move || TcpListener::bind((ip, 8080)))
        .unwrap()
        .unwrap();
    let server = serve(listener, 2);
    assert_eq!(ping((ip, 8080)), "pong:hi");
    // Published port on 127.0.0.1 (portmap DNAT in OUTPUT + route_localnet + masquerade).
    assert_eq!(ping(("127.0.0.1".parse().unwrap(), hport)), "pong:hi");
    server.join().unwrap();
    // portmap turned on route_localnet on the bridge: that is what lets 127.0.0.1 be DNATed
    // out of the host to the container.
    let rl = std::fs::read_to_string(format!(
        "/proc/sys/net/ipv4/conf/{}/route_localnet",
        t.bridge
    ))
    .unwrap();
    assert_eq!(rl.trim(), "1");

    t.mgr
        .teardown(&netns, &t.container_id, &nets, &ports)
        .unwrap();
    assert_env_clean();
    assert!(
        !link::link_exists(&host_veth),
        "veth {host_veth} left behind"
    );
    assert_eq!(t.links_in_netns(), vec!["lo".to_string()]);
    assert!(
        t.lease_files().is_empty(),
        "leases left: {:?}",
        t.lease_files()
    );
    assert!(
        t.iptables_mentions(Some(ip)).is_empty(),
        "iptables rules left: {:?}",
        t.iptables_mentions(Some(ip))
    );
    assert!(t.cache_entries().is_empty());
    t.netns.take().unwrap().destroy().unwrap();
    assert!(!netns.exists());
}

#[test]
fn del_from_cache_after_crash() {
    let Some((t, netns)) = root_net_with_netns() else {
        return;
    };
    let ports = vec![format!("{}:80", host_port())
        .parse::<PortMapping>()
        .unwrap()];
    let nets = vec![Attachment::new(&t.network, "eth0")];
    let ip = {
        let req = t.request(&netns, &nets, &ports);
        t.mgr.setup(&req).unwrap()[0].addresses[0].0
    };
    assert!(!t.iptables_mentions(Some(ip)).is_empty());
    // "Crash" and restart without cleanup: a second ADD first deletes the stale attachment.
    let fresh = NetManager::new(&t.cfg);
    let req = t.request(&netns, &nets, &ports);
    let ip = fresh.setup(&req).unwrap()[0].addresses[0].0;
    assert_eq!(t.lease_files(), vec![ip.to_string()]);
    assert_eq!(t.links_in_netns(), ["eth0", "lo"]);
    // "Crash" again: a brand-new manager that knows only the dirs and the container id.
    let fresh = NetManager::new(&t.cfg);
    fresh.teardown_cached(&t.container_id, None).unwrap();
    assert_env_clean();
    assert_eq!(t.links_in_netns(), vec!["lo".to_string()]);
    assert!(t.lease_files().is_empty());
    assert!(
        t.iptables_mentions(Some(ip)).is_empty(),
        "{:?}",
        t.iptables_mentions(Some(ip))
    );
    assert!(t.cache_entries().is_empty());
}

#[test]
fn add_failing_half_way_is_deleted_again() {
    let Some((t, netns)) = root_net_with_netns() else {
        return;
    };
    // Same list plus a plugin that does not exist at the end.
    let mut doc = t.mgr.store().inspect(&t.network).unwrap().config;
    let bad = format!("{}bad", t.network);
    doc["name"] = bad.clone().into();
    doc["plugins"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"type": "lpod-no-such-plugin"}));
    // Its own lease dir name is the network name: reuse our bridge and subnet.
    std::fs::write(
        t.cfg.config_dir.join(format!("{bad}.conflist")),
        serde_json::to_vec(&doc).unwrap(),
    )
    .unwrap();
    let nets = vec![Attachment::new(&bad, "eth0")];
    let ports = vec![format!("127.0.0.1:{}:80", host_port())
        .parse::<PortMapping>()
        .unwrap()];
    let req = t.request(&netns, &nets, &ports);
    let err = t.mgr.setup(&req).unwrap_err();
    assert_env_clean();
    match &err {
        SetupError::Add {
            source, cleanup, ..
        } => {
            assert!(cleanup.is_empty());
            match source.as_ref() {
                CniError::AddFailed { add, cleanup, .. } => {
                    assert!(cleanup.is_none(), "cleanup DEL failed: {cleanup:?}");
                    assert!(
                        matches!(add.as_ref(), CniError::Invoke { source, .. } if matches!(source.as_ref(), InvokeError::NotFound { .. })),
                        "{add}"
                    );
                }
                other => panic!("expected AddFailed, got {other}"),
            }
        }
        other => panic!("expected Add error, got {other}"),
    }
    assert_eq!(t.links_in_netns(), vec!["lo".to_string()]);
    let leases = std::fs::read_dir(t.cfg.ipam_data_dir.join(&bad))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "lock" && !n.starts_with("last_reserved"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(leases.is_empty(), "{leases:?}");
    assert!(
        t.iptables_mentions(None).is_empty(),
        "{:?}",
        t.iptables_mentions(None)
    );
    assert!(link::bridge_ports(&t.bridge).is_empty());
    assert!(t.cache_entries().is_empty());
}

#[test]
fn plugin_error_surfaces_code_and_message() {
    let Some((t, netns)) = root_net_with_netns() else {
        return;
    };
    // host-local with a subnet that is not a subnet: the plugin answers with an error document.
    let doc = serde_json::json!({
        "cniVersion": "1.0.0",
        "name": format!("{}err", t.network),
        "plugins": [{
            "type": "bridge", "bridge": t.bridge,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": "not-a-subnet"}]],
                     "dataDir": t.cfg.ipam_data_dir}
        }]
    });
    let list = NetworkConfigList::from_list_json(doc, Path::new("mem")).unwrap();
    let rt = libpod_net::RuntimeConf {
        container_id: t.container_id.clone(),
        netns: netns.clone(),
        ifname: "eth0".into(),
        ..Default::default()
    };
    let err = t.mgr.client().add_network_list(&list, &rt).unwrap_err();
    assert_env_clean();
    let CniError::AddFailed { add, .. } = &err else {
        panic!("{err}")
    };
    let CniError::Invoke { source, .. } = add.as_ref() else {
        panic!("{add}")
    };
    match source.as_ref() {
        InvokeError::Plugin {
            plugin, code, msg, ..
        } => {
            assert_eq!(plugin, "bridge");
            assert!(*code > 0, "code {code}");
            assert!(!msg.is_empty());
            eprintln!("plugin error: code={code} msg={msg}");
        }
        other => panic!("expected a plugin error document, got {other}"),
    }
    assert_eq!(t.links_in_netns(), vec!["lo".to_string()]);
}

#[test]
fn version_of_real_plugins() {
    if !require_root() {
        return;
    }
    let t = TestNet::new();
    for p in ["bridge", "host-local", "portmap", "firewall", "loopback"] {
        let v = t.mgr.client().plugin_version(p).unwrap();
        assert!(
            v.supported_versions.iter().any(|s| s == "1.0.0"),
            "{p}: {v:?}"
        );
    }
    assert_env_clean();
}

#[test]
fn del_after_netns_gone_like_a_reboot() {
    let Some((mut t, netns)) = root_net_with_netns() else {
        return;
    };
    let ports = vec![format!("{}:80", host_port())
        .parse::<PortMapping>()
        .unwrap()];
    let nets = vec![Attachment::new(&t.network, "eth0")];
    let req = t.request(&netns, &nets, &ports);
    let ip = t.mgr.setup(&req).unwrap()[0].addresses[0].0;
    // The namespace dies (reboot) and leaves a plain file behind (/run is not a tmpfs here).
    t.netns.take().unwrap().destroy().unwrap();
    std::fs::write(&netns, "").unwrap();
    assert!(!libpod_net::netns::is_netns_path(&netns));
    NetManager::new(&t.cfg)
        .teardown(&netns, &t.container_id, &nets, &[])
        .unwrap();
    assert!(t.lease_files().is_empty());
    assert!(
        t.iptables_mentions(Some(ip)).is_empty(),
        "{:?}",
        t.iptables_mentions(Some(ip))
    );
    assert!(t.cache_entries().is_empty());
    assert!(link::bridge_ports(&t.bridge).is_empty());
}

#[test]
fn conflist_dir_loading_reports_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("10-good.conflist"),
        r#"{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}}]}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("20-single.conf"),
        r#"{"cniVersion":"0.4.0","name":"single","type":"loopback"}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("30-bad.conflist"),
        r#"{"cniVersion":"1.0.0","name":"bad","plugins":[{"type":"bridge"},{"mtu":1}]}"#,
    )
    .unwrap();
    std::fs::write(d.join("40-broken.conflist"), "{not json").unwrap();
    std::fs::write(d.join("README"), "ignored").unwrap();
    let extra = tempfile::tempdir().unwrap();
    std::fs::write(
        extra.path().join("good.conflist"),
        r#"{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"macvlan"}]}"#,
    )
    .unwrap();
    let dirs = vec![d.to_path_buf(), extra.path().to_path_buf()];
    let (nets, bad) = libpod_net::conf::load_all(&dirs).unwrap();
    assert_eq!(nets.keys().collect::<Vec<_>>(), ["good", "single"]);
    // The first directory wins.
    assert_eq!(nets["good"].plugins[0].plugin_type, "bridge");
    assert_eq!(nets["single"].plugins[0].plugin_type, "loopback");
    assert_eq!(bad.len(), 2);
    let msgs: Vec<String> = bad.iter().map(|e| e.to_string()).collect();
    assert!(
        msgs[0].contains("30-bad.conflist") && msgs[0].contains("plugins[1].type"),
        "{}",
        msgs[0]
    );
    assert!(msgs[1].contains("40-broken.conflist"), "{}", msgs[1]);
    assert!(matches!(
        libpod_net::conf::load_network("nope", &dirs),
        Err(libpod_net::ConfError::NotFound { .. })
    ));
    let e = libpod_net::NetworkConfigList::load_file(&d.join("30-bad.conflist")).unwrap_err();
    match e {
        libpod_net::ConfError::Field { path, field, .. } => {
            assert_eq!(path, d.join("30-bad.conflist"));
            assert_eq!(field, "plugins[1].type");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn netns_create_run_destroy() {
    if !require_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ns = libpod_net::Netns::create("lpt-ns-test", dir.path()).unwrap();
    let path = ns.path().to_path_buf();
    let _guard = common::NetnsGuard(path.clone());
    // A different namespace from ours.
    let ours = std::fs::metadata("/proc/thread-self/ns/net").unwrap();
    use std::os::unix::fs::MetadataExt;
    let theirs = ns
        .run(|| std::fs::metadata("/proc/thread-self/ns/net").unwrap().ino())
        .unwrap();
    assert_ne!(ours.ino(), theirs);
    // Our own thread is still in the original namespace.
    assert_eq!(
        std::fs::metadata("/proc/thread-self/ns/net").unwrap().ino(),
        ours.ino()
    );
    // Re-open by path.
    let again = libpod_net::Netns::open(&path).unwrap();
    assert_eq!(again.run(|| 7).unwrap(), 7);
    drop(again);
    assert!(matches!(
        libpod_net::Netns::create("lpt-ns-test", dir.path()),
        Err(libpod_net::NetnsError::Exists { .. })
    ));
    ns.destroy().unwrap();
    assert!(!path.exists());
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(path.to_str().unwrap()));
}

#[test]
fn two_networks_static_ip_and_mac_then_rollback_on_failure() {
    let Some((t, netns)) = root_net_with_netns() else {
        return;
    };
    // A second network of our own.
    let second = format!("{}b", t.network);
    let bridge2 = format!("{}b", &t.bridge);
    let subnet2 = common::free_subnet(&[&t.subnet, &t.cfg.default_network.subnet.to_string()]);
    let _guard2 = BridgeGuard(bridge2.clone());
    t.mgr
        .store()
        .create(&libpod_net::NetworkCreateOptions {
            name: second.clone(),
            bridge: Some(bridge2.clone()),
            subnet: Some(subnet2.clone()),
            ..Default::default()
        })
        .unwrap();
    let sub1: libpod_net::Subnet = t.subnet.parse().unwrap();
    let want_ip = sub1.nth(77).unwrap();
    let mut a1 = Attachment::new(&t.network, "eth0");
    a1.static_ips = vec![want_ip];
    a1.static_mac = Some("02:42:ac:11:00:42".into());
    let nets = vec![a1, Attachment::new(&second, "eth1")];
    let req = SetupRequest {
        netns: &netns,
        container_id: &t.container_id,
        container_name: Some("multi"),
        networks: &nets,
        ports: &[],
    };
    let res = t.mgr.setup(&req).unwrap();
    assert_eq!(res.len(), 2);
    assert_eq!(res[0].addresses[0].0, want_ip);
    assert_eq!(res[0].mac.as_deref(), Some("02:42:ac:11:00:42"));
    assert_eq!(res[1].addresses[0].1.to_string(), subnet2);
    assert_eq!(t.links_in_netns(), ["eth0", "eth1", "lo"]);
    t.mgr.teardown(&netns, &t.container_id, &nets, &[]).unwrap();
    assert_eq!(t.links_in_netns(), ["lo"]);

    // Now the second network is missing: the first one must be rolled back.
    t.mgr.store().remove(&second).unwrap();
    assert!(
        !link::link_exists(&bridge2),
        "network rm removes an unused bridge"
    );
    let err = t.mgr.setup(&req).unwrap_err();
    assert!(matches!(err, SetupError::Config { .. }), "{err}");
    assert_eq!(t.links_in_netns(), ["lo"]);
    assert!(t.lease_files().is_empty());
    assert!(t.cache_entries().is_empty());
    assert!(t.iptables_mentions(Some(want_ip)).is_empty());
    // Duplicate interface names are refused before anything runs.
    let dup = vec![
        Attachment::new(&t.network, "eth0"),
        Attachment::new("other", "eth0"),
    ];
    let req = SetupRequest {
        networks: &dup,
        ..req
    };
    assert!(matches!(
        t.mgr.setup(&req),
        Err(SetupError::Duplicate { .. })
    ));
}

struct BridgeGuard(String);
impl Drop for BridgeGuard {
    fn drop(&mut self) {
        let _ = link::delete_bridge(&self.0);
    }
}

#[test]
fn parallel_containers_on_one_network() {
    if !require_root() {
        return;
    }
    let t = TestNet::new();
    let dir = t.dir.path().join("run").join("netns");
    let n = 4;
    let ids: Vec<String> = (0..n).map(|_| common::random_hex(64)).collect();
    let spaces: Vec<libpod_net::Netns> = ids
        .iter()
        .map(|id| libpod_net::Netns::create(&format!("p-{}", &id[..12]), &dir).unwrap())
        .collect();
    struct Cleanup<'a>(&'a TestNet, &'a [String]);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            for id in self.1 {
                let _ = self.0.mgr.teardown_cached(id, None);
            }
        }
    }
    let _c = Cleanup(&t, &ids);
    let nets = vec![Attachment::new(&t.network, "eth0")];
    let started = std::time::Instant::now();
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = ids
            .iter()
            .zip(&spaces)
            .map(|(id, ns)| {
                let nets = &nets;
                let mgr = &t.mgr;
                s.spawn(move || {
                    mgr.setup(&SetupRequest {
                        netns: ns.path(),
                        container_id: id,
                        container_name: None,
                        networks: nets,
                        ports: &[],
                    })
                    .unwrap()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!("{n} parallel setups: {:?}", started.elapsed());
    let mut ips: Vec<IpAddr> = results.iter().map(|r| r[0].addresses[0].0).collect();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), n, "distinct addresses");
    // Each container answers on its own address.
    for (r, ns) in results.iter().zip(&spaces) {
        let ip = r[0].addresses[0].0;
        let l = ns
            .run(move || TcpListener::bind((ip, 9000)))
            .unwrap()
            .unwrap();
        let h = serve(l, 1);
        assert_eq!(ping((ip, 9000)), "pong:hi");
        h.join().unwrap();
    }
    let started = std::time::Instant::now();
    for (id, ns) in ids.iter().zip(&spaces) {
        t.mgr.teardown(ns.path(), id, &nets, &[]).unwrap();
    }
    eprintln!("{n} sequential teardowns: {:?}", started.elapsed());
    assert!(t.lease_files().is_empty());
    assert!(link::bridge_ports(&t.bridge).is_empty());
    for ns in spaces {
        ns.destroy().unwrap();
    }
}

#[test]
fn udp_port_mapping_on_localhost() {
    let Some((t, netns)) = root_net_with_netns() else {
        return;
    };
    let hport = host_port();
    let ports = vec![format!("127.0.0.1:{hport}:5353/udp")
        .parse::<PortMapping>()
        .unwrap()];
    let nets = vec![Attachment::new(&t.network, "eth0")];
    let req = t.request(&netns, &nets, &ports);
    let started = std::time::Instant::now();
    let res = t.mgr.setup(&req).unwrap();
    eprintln!(
        "setup (bridge+host-local+portmap+firewall): {:?}",
        started.elapsed()
    );
    let ip = res[0].addresses[0].0;
    let sock = t
        .ns()
        .run(move || std::net::UdpSocket::bind((ip, 5353)))
        .unwrap()
        .unwrap();
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client.send_to(b"hello", ("127.0.0.1", hport)).unwrap();
    let mut buf = [0u8; 16];
    let (k, from) = sock.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..k], b"hello");
    sock.send_to(b"back", from).unwrap();
    let (k, _) = client.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..k], b"back");
    let started = std::time::Instant::now();
    t.mgr
        .teardown(&netns, &t.container_id, &nets, &ports)
        .unwrap();
    eprintln!("teardown: {:?}", started.elapsed());
    assert!(t.iptables_mentions(Some(ip)).is_empty());
}
