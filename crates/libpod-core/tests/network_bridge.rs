//! Bridge networking over real CNI plugins, real netns, crun under conmon: a
//! published port on 127.0.0.1, the container's own address, and nothing of
//! ours left after rm. Each test uses its own network (random `lpt<hex>` bridge,
//! random 10.230–250.x.0/24 subnet).

mod common;
mod network_support;

use std::path::PathBuf;
use std::time::Duration;

use libpod_core::{CreateOptions, Error, NetworkError, NetworkMode};
use network_support::*;

#[test]
fn bridge_port_own_ip_and_no_leftovers() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let port = free_port();
    let c = env.rt.create_container(httpd_on(&net, port)).unwrap();
    c.start().unwrap();
    let id = c.id().to_string();

    // Published port on the host's loopback.
    let body = http_get(&format!("127.0.0.1:{port}"));
    assert!(body.contains(PAGE), "{body}");

    // inspect: address in our subnet, MAC, gateway, port.
    let i = c.inspect().unwrap();
    let ns = &i.network_settings;
    assert!(!ns.ip_address.is_empty(), "{ns:?}");
    assert!(
        !ns.mac_address.is_empty() && !ns.gateway.is_empty(),
        "{ns:?}"
    );
    assert_eq!(ns.ports["80/tcp"][0].host_port, port.to_string());
    assert!(ns.networks.contains_key(&net.name));
    let netns = PathBuf::from(&ns.sandbox_key);
    assert!(netns.exists());
    let ip = ns.ip_address.clone();
    assert!(c
        .summary()
        .unwrap()
        .ports
        .contains(&format!("127.0.0.1:{port}->80/tcp")));

    // The container's own address: from the host over the bridge, and from inside.
    let body = http_get(&format!("{ip}:80"));
    assert!(body.contains(PAGE));
    let (code, out, err) = c
        .exec_output(&["wget", "-qO-", &format!("http://{ip}:80/")])
        .unwrap();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(String::from_utf8_lossy(&out).contains(PAGE));

    // /etc files.
    let (_, hosts, _) = c.exec_output(&["cat", "/etc/hosts"]).unwrap();
    assert!(String::from_utf8_lossy(&hosts).contains(&ip));
    let (_, resolv, _) = c.exec_output(&["cat", "/etc/resolv.conf"]).unwrap();
    assert!(!String::from_utf8_lossy(&resolv).contains("nameserver 127."));

    // Stop releases the network; start sets it up again.
    c.stop(Some(Duration::from_secs(2))).unwrap();
    assert!(!netns.exists());
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
    c.start().unwrap();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));

    c.remove(true).unwrap();
    assert!(!netns.exists());
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
}

#[test]
fn network_verbs_and_none_mode_etc_files() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let names: Vec<String> = env
        .rt
        .list_networks()
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert!(names.contains(&net.name), "{names:?}");
    let info = env.rt.inspect_network(&net.name).unwrap();
    assert_eq!(info.bridge.as_deref(), Some(net.bridge.as_str()));
    let c = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["sleep".into(), "30".into()]),
            network: NetworkMode::Bridge,
            networks: vec![net.name.clone()],
            ..Default::default()
        })
        .unwrap();
    // In use: refused without force.
    let r = env.rt.remove_network(&net.name, false);
    assert!(
        matches!(&r, Err(Error::Network(e)) if matches!(&**e, NetworkError::InUse { containers, .. } if containers == &vec![c.id().to_string()])),
        "{r:?}"
    );
    c.remove(false).unwrap();
    let n = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["cat".into(), "/etc/hosts".into()]),
            hostname: Some("box".into()),
            ..Default::default()
        })
        .unwrap();
    n.start().unwrap();
    assert_eq!(n.wait().unwrap(), 0);
    let (out, _) = n.logs_bytes().unwrap();
    assert!(String::from_utf8_lossy(&out).contains("box"));
    n.remove(false).unwrap();
    assert!(env.rt.remove_network(&net.name, false).is_ok());
    let r = env.rt.inspect_network(&net.name);
    assert!(
        matches!(&r, Err(Error::Network(e)) if matches!(&**e, NetworkError::NoSuchNetwork(n) if n == &net.name)),
        "{r:?}"
    );
}

#[test]
fn crash_recovery_after_reboot_releases_the_network() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let port = free_port();
    let c = env.rt.create_container(httpd_on(&net, port)).unwrap();
    c.start().unwrap();
    let id = c.id().to_string();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    assert!(
        !net.leftovers(&id).is_empty(),
        "a lease and rules while running"
    );
    // "Power cut", then the new boot's first open releases what the old boot held.
    let rt2 = env.power_cut(&[&c]);
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
    let left: Vec<_> = std::fs::read_dir(env.run_root().join("netns"))
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    // And it runs again, with its port.
    let again = rt2.container(&id).unwrap();
    again.start().unwrap();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    again.remove(true).unwrap();
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
}

#[test]
fn cleanup_of_a_dead_container_releases_the_network() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let c = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["sleep".into(), "100".into()]),
            network: NetworkMode::Bridge,
            networks: vec![net.name.clone()],
            ..Default::default()
        })
        .unwrap();
    c.start().unwrap();
    let id = c.id().to_string();
    let netns = PathBuf::from(c.inspect().unwrap().network_settings.sandbox_key);
    assert!(netns.exists());
    c.kill(libc::SIGKILL).unwrap();
    c.wait().unwrap();
    c.cleanup().unwrap();
    assert!(!netns.exists());
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
    assert!(c.inspect().unwrap().network_settings.ip_address.is_empty());
}

#[test]
fn bridge_port_under_runc() {
    let Some(env) = common::env_with("runc") else {
        return;
    };
    let net = NetGuard::new(&env.rt, env.root());
    let port = free_port();
    let c = env.rt.create_container(httpd_on(&net, port)).unwrap();
    c.start().unwrap();
    let id = c.id().to_string();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    c.remove(true).unwrap();
    assert_eq!(net.leftovers(&id), Vec::<String>::new());
}
