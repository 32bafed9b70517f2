//! Scale: thousands of unnamed containers and many unnamed pods get unique generated
//! names (no create fails), `list_containers` lists them all, a user-given name that
//! is taken still fails clearly, and a network whose subnet is full refuses the next
//! container with a typed error naming the network and its subnet. Real SQLite, real
//! overlay storage, real crun under conmon and the real CNI plugins.

mod common;
mod network_support;

use std::collections::HashSet;
use std::time::Instant;

use libpod_core::{CreateOptions, Error, NetworkError, NetworkMode, PodCreateOptions, PodError};
use libpod_net::SetupError;

const UNNAMED: usize = 3000;

#[test]
fn three_thousand_unnamed_creates_all_succeed_with_unique_names() {
    let Some(image_dir) = common::prerequisites("crun") else {
        return;
    };
    // Not `common::env()`: its guard removes containers one by one. Nothing here is
    // ever started (no process, no mount, no netns), so shutting the runtime down and
    // deleting its temp dir leaves nothing behind; a failed assertion still drops both.
    let dir = tempfile::Builder::new()
        .prefix("lpod-core-scale-")
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("boot_id"), "boot-1\n").unwrap();
    let rt = common::builder(dir.path(), "crun").build().unwrap();
    struct Shutdown(libpod_core::Runtime);
    impl Drop for Shutdown {
        fn drop(&mut self) {
            let _ = self.0.shutdown(true);
        }
    }
    let rt = Shutdown(rt);
    let rt = &rt.0;
    rt.store()
        .unwrap()
        .load(&image_dir.join("busybox.tar"))
        .unwrap();
    let opts = || CreateOptions {
        image: "busybox".into(),
        command: Some(vec!["true".into()]),
        network: NetworkMode::None,
        ..Default::default()
    };
    let t0 = Instant::now();
    let mut ids = Vec::with_capacity(UNNAMED);
    for i in 0..UNNAMED {
        let c = rt
            .create_container(opts())
            .unwrap_or_else(|e| panic!("unnamed create #{i} failed: {e}"));
        ids.push(c.id().to_string());
        if (i + 1) % 500 == 0 {
            eprintln!("{} creates: {:.1}s", i + 1, t0.elapsed().as_secs_f64());
        }
    }
    let rows = rt.list_containers().unwrap();
    assert_eq!(rows.len(), UNNAMED);
    let names: HashSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), UNNAMED, "generated names repeat");
    let listed: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.iter().all(|i| listed.contains(i.as_str())));
    for n in &names {
        libpod_core::libpod_config::validate_name(n).unwrap();
    }
    // Each is found by its generated name and by a unique id prefix.
    let some = &rows[UNNAMED / 2];
    assert_eq!(rt.container(&some.name).unwrap().id(), some.id);
    assert_eq!(rt.container(&some.id[..16]).unwrap().id(), some.id);

    // A user-given name that is taken still fails, with the name in the error.
    let taken = rows[0].name.clone();
    let e = rt
        .create_container(CreateOptions {
            name: Some(taken.clone()),
            ..opts()
        })
        .unwrap_err();
    assert!(matches!(&e, Error::NameInUse(n) if *n == taken), "{e:?}");
    assert_eq!(rt.list_containers().unwrap().len(), UNNAMED);
    // One of them removed by name: the others stay.
    rt.container(&some.name).unwrap().remove(false).unwrap();
    assert_eq!(rt.list_containers().unwrap().len(), UNNAMED - 1);
    eprintln!(
        "{UNNAMED} unnamed creates and the checks took {:.1}s",
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn unnamed_pods_get_unique_names_and_a_taken_pod_name_fails() {
    let Some(env) = common::env() else { return };
    let n = 300;
    let mut names = HashSet::new();
    for i in 0..n {
        let pod = env
            .rt
            .create_pod(PodCreateOptions {
                infra: false,
                ..Default::default()
            })
            .unwrap_or_else(|e| panic!("unnamed pod create #{i} failed: {e}"));
        let name = pod.name().unwrap();
        libpod_core::libpod_config::validate_name(&name).unwrap();
        assert!(names.insert(name.clone()), "pod name {name} given twice");
    }
    assert_eq!(env.rt.pods().unwrap().len(), n);
    // Pod and container names share one namespace: an unnamed container never
    // takes a pod's name, and a taken name fails for a pod as before.
    let c = env
        .rt
        .create_container(CreateOptions {
            network: NetworkMode::None,
            ..env.opts(&["true"])
        })
        .unwrap();
    assert!(!names.contains(&c.name().unwrap()));
    let taken = names.iter().next().unwrap().clone();
    let e = env
        .rt
        .create_pod(PodCreateOptions {
            name: Some(taken.clone()),
            infra: false,
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        matches!(&e, Error::Pod(p) if matches!(p.as_ref(), PodError::NameInUse(x) if *x == taken)),
        "{e:?}"
    );
    assert!(e.to_string().contains(&taken), "{e}");
    assert_eq!(env.rt.pods().unwrap().len(), n);
    env.rt.reset().unwrap();
}

#[test]
fn a_full_network_refuses_the_next_container_naming_network_and_subnet() {
    let Some(env) = common::env() else { return };
    // A /29 of a free /24 holds 5 containers (network, gateway and broadcast reserved).
    let guard = network_support::NetGuard::with_prefix(&env.rt, env.root(), 29);
    let (name, subnet) = (guard.name.clone(), guard.subnet.clone());
    let opts = || CreateOptions {
        network: NetworkMode::Bridge,
        networks: vec![name.clone()],
        ..env.opts(&["sleep", "600"])
    };
    let capacity = subnet
        .parse::<libpod_net::Subnet>()
        .unwrap()
        .container_capacity();
    assert_eq!(capacity, 5);
    for i in 0..capacity {
        let c = env.rt.create_container(opts()).unwrap();
        c.start()
            .unwrap_or_else(|e| panic!("container {i} of {capacity} did not start: {e}"));
    }
    let extra = env.rt.create_container(opts()).unwrap();
    let e = extra.start().unwrap_err();
    let full = match &e {
        Error::Network(n) => match n.as_ref() {
            NetworkError::Setup { source, .. } => match source.as_ref() {
                SetupError::NetworkFull {
                    network,
                    subnets,
                    capacity: cap,
                    ..
                } => Some((network.clone(), subnets.clone(), *cap)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    assert_eq!(full, Some((name.clone(), subnet.clone(), 5)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&name) && text.contains(&subnet) && text.contains("full"),
        "{text}"
    );
    // The refused container holds no lease and no rule: the 5 leases are the others'.
    let left = guard.leftovers(extra.id());
    assert_eq!(
        left.iter().filter(|l| l.starts_with("lease ")).count(),
        5,
        "{left:?}"
    );
    assert!(!left.iter().any(|l| l.starts_with("iptables")), "{left:?}");
    extra.remove(true).unwrap();
    // Once one leaves, the next fits.
    let first = env.rt.containers().unwrap().remove(0);
    first.remove(true).unwrap();
    let again = env.rt.create_container(opts()).unwrap();
    again.start().unwrap();
    drop(guard);
}
