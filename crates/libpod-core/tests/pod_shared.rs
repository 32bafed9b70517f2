//! Pods over real CNI plugins and crun under conmon: members share the infra's
//! network namespace (talk over 127.0.0.1), the pod's port reaches a member,
//! status is derived from members, and nothing of ours is left after `pod rm -f`.

mod common;
mod network_support;

use std::time::Duration;

use libpod_core::{CreateOptions, Error, PodCreateOptions, PodError, PodStatus};

/// The pod error of a result that must have failed with one.
fn pod_error<T: std::fmt::Debug>(r: libpod_core::Result<T>) -> PodError {
    match r {
        Err(Error::Pod(e)) => *e,
        other => panic!("want a pod error, got {other:?}"),
    }
}
use network_support::*;

#[test]
fn pod_members_share_localhost_and_published_port() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let port = free_port();
    let pod = env
        .rt
        .create_pod(PodCreateOptions {
            name: Some("web-pod".into()),
            networks: vec![net.name.clone()],
            ports: vec![libpod_core::network::parse_port(&format!("127.0.0.1:{port}:80")).unwrap()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(pod.status().unwrap(), PodStatus::Created);
    let infra = pod.infra().unwrap().expect("infra container");
    let web = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            name: Some("web".into()),
            command: Some(httpd_cmd()),
            pod: Some("web-pod".into()),
            ..Default::default()
        })
        .unwrap();
    // Starting a member starts the infra first.
    web.start().unwrap();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));
    let client = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            name: Some("client".into()),
            command: Some(vec!["sleep".into(), "60".into()]),
            pod: Some(pod.id().to_string()),
            ..Default::default()
        })
        .unwrap();
    pod.start().unwrap();
    assert_eq!(pod.status().unwrap(), PodStatus::Running);
    let (code, out, err) = client
        .exec_output(&["wget", "-qO-", "http://127.0.0.1:80/"])
        .unwrap();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(String::from_utf8_lossy(&out).contains(PAGE));
    // Shared UTS: the pod's hostname.
    let (_, h, _) = client.exec_output(&["hostname"]).unwrap();
    assert_eq!(String::from_utf8_lossy(&h).trim(), "web-pod");

    // A member shows the pod's address and ports (the infra's network settings).
    let ns = web.inspect().unwrap().network_settings;
    assert_eq!(ns.ports["80/tcp"][0].host_port, port.to_string());
    assert_eq!(
        ns.ip_address,
        infra.inspect().unwrap().network_settings.ip_address
    );
    assert!(!ns.ip_address.is_empty());
    let i = pod.inspect().unwrap();
    assert_eq!(i.num_containers, 3);
    assert_eq!(i.state, "Running");
    assert!(i.infra_networks.contains_key(&net.name));
    assert_eq!(env.rt.list_pods().unwrap().len(), 1);

    // Not removable while running without force; the infra goes only with the pod.
    assert!(matches!(
        pod_error(pod.remove(false)),
        PodError::Running { .. }
    ));
    let e = infra.remove(true).unwrap_err();
    assert!(e.to_string().contains("infra container"), "{e}");
    client.kill(libc::SIGKILL).unwrap();
    client.wait().unwrap();
    assert_eq!(pod.status().unwrap(), PodStatus::Degraded);
    pod.stop(Some(Duration::from_secs(2))).unwrap();
    assert!(matches!(
        pod.status().unwrap(),
        PodStatus::Exited | PodStatus::Stopped
    ));
    pod.restart(Some(Duration::from_secs(2))).unwrap();
    assert!(http_get(&format!("127.0.0.1:{port}")).contains(PAGE));

    let infra_id = infra.id().to_string();
    pod.remove(true).unwrap();
    assert!(matches!(pod_error(env.rt.pod("web-pod")), PodError::NoSuchPod(n) if n == "web-pod"));
    assert!(env.rt.containers().unwrap().is_empty());
    assert_eq!(net.leftovers(&infra_id), Vec::<String>::new());
    let netns_dir = env.run_root().join("netns");
    let left: Vec<_> = std::fs::read_dir(&netns_dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn empty_pod_rm_and_name_conflicts() {
    let Some(env) = common::env() else { return };
    let pod = env
        .rt
        .create_pod(PodCreateOptions {
            name: Some("p1".into()),
            network: libpod_core::NetworkMode::None,
            ..Default::default()
        })
        .unwrap();
    let dup = env.rt.create_pod(PodCreateOptions {
        name: Some("p1".into()),
        ..Default::default()
    });
    assert!(matches!(pod_error(dup), PodError::NameInUse(n) if n == "p1"));
    let c = env
        .rt
        .create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["true".into()]),
            pod: Some("p1".into()),
            ..Default::default()
        })
        .unwrap();
    // Pid sharing is allowed (the members join the infra's pid namespace).
    let pid_share = env
        .rt
        .create_pod(PodCreateOptions {
            name: Some("p2".into()),
            share: vec![libpod_config::SharedNamespace::Pid],
            ..Default::default()
        })
        .unwrap();
    pid_share.remove(false).unwrap();
    // Members that do not run go with a plain rm, as in Podman.
    pod.remove(false).unwrap();
    assert!(matches!(
        c.state(),
        Err(libpod_core::Error::NoSuchContainer(_))
    ));
    assert!(env.rt.pods().unwrap().is_empty());
    assert!(env.rt.containers().unwrap().is_empty());
}

#[test]
fn every_entry_that_initialises_a_member_starts_the_infra_first() {
    use libpod_core::libpod_config::ContainerStatus;
    let Some(env) = common::env() else { return };
    let pod = env
        .rt
        .create_pod(PodCreateOptions {
            name: Some("deps".into()),
            // No network: the members still join the infra's ipc and uts namespaces.
            network: libpod_core::NetworkMode::None,
            ..Default::default()
        })
        .unwrap();
    let infra = pod.infra().unwrap().expect("infra container");
    let member = |name: &str, cmd: &[&str]| {
        env.rt
            .create_container(CreateOptions {
                image: "busybox".into(),
                name: Some(name.into()),
                command: Some(cmd.iter().map(|s| s.to_string()).collect()),
                pod: Some("deps".into()),
                ..Default::default()
            })
            .unwrap()
    };
    let stop_all = || {
        pod.stop(Some(Duration::from_secs(2))).unwrap();
        assert_ne!(infra.status().unwrap(), ContainerStatus::Running);
    };

    // init alone.
    let a = member("a", &["sleep", "60"]);
    a.init().unwrap();
    assert_eq!(a.status().unwrap(), ContainerStatus::Created);
    assert_eq!(infra.status().unwrap(), ContainerStatus::Running);
    a.start().unwrap();
    // A running member's start is a no-op: it starts nothing, not even a stopped infra.
    infra.stop(Some(Duration::from_secs(2))).unwrap();
    assert_ne!(infra.status().unwrap(), ContainerStatus::Running);
    a.start().unwrap();
    assert_ne!(infra.status().unwrap(), ContainerStatus::Running);

    // restart of an exited member.
    stop_all();
    a.restart(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(a.status().unwrap(), ContainerStatus::Running);
    assert_eq!(infra.status().unwrap(), ContainerStatus::Running);

    // start_attached (run without -d).
    stop_all();
    let b = member("b", &["true"]);
    b.start_attached(libpod_core::Streams {
        stdin: None,
        stdout: Box::new(std::io::sink()),
        stderr: Box::new(std::io::sink()),
    })
    .unwrap();
    assert_eq!(b.wait().unwrap(), 0);
    assert_eq!(infra.status().unwrap(), ContainerStatus::Running);

    pod.remove(true).unwrap();
    assert!(env.rt.containers().unwrap().is_empty());
}
