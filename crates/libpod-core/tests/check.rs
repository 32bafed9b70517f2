//! `Runtime::check` / `check_repair` against real leaks: real crun under real
//! conmon, real CNI on a network of the test's own. Each test makes leaks on
//! purpose behind the runtime's back, asserts the audit finds exactly them,
//! repairs, asserts a clean audit, and that the bystander container still runs.

mod common;
mod network_support;

use std::collections::BTreeMap;
use std::path::Path;

use libpod_config::ContainerStatus;
use libpod_core::check::{FindingKind, RepairOptions, Report};
use libpod_core::{CreateOptions, NetworkMode, Runtime};
use network_support::*;

fn kinds(r: &Report) -> BTreeMap<FindingKind, usize> {
    r.by_kind()
}

/// Deletes a container's database row through a second state handle, as a
/// crashed or buggy process would leave it: everything else stays.
fn delete_row_behind_back(rt: &Runtime, id: &str) {
    let cfg = rt.config().unwrap().config;
    let state = libpod_state::open_state(&cfg).unwrap();
    state.remove_container(id).unwrap();
    state.close().unwrap();
}

/// A repair that does not wait for leftovers to age (`--max 0`): these tests make
/// their orphans a moment before repairing them.
fn repair_any_age(rt: &Runtime) -> libpod_core::Result<Report> {
    rt.check_repair_with(&RepairOptions {
        max_age: std::time::Duration::ZERO,
    })
}

fn running_sleeper(env: &common::Env) -> libpod_core::Container {
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    c.start().unwrap();
    c
}

fn pid_alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

fn assert_still_runs(c: &libpod_core::Container) {
    assert_eq!(c.status().unwrap(), ContainerStatus::Running);
    let st = c.state().unwrap();
    assert!(pid_alive(st.pid.unwrap()), "bystander process gone");
}

#[test]
fn clean_runtime_audits_clean() {
    let Some(env) = common::env() else { return };
    let a = running_sleeper(&env);
    let b = env.rt.create_container(env.opts(&["true"])).unwrap();
    b.start().unwrap();
    assert_eq!(b.wait().unwrap(), 0);
    let _created = env.rt.create_container(env.opts(&["true"])).unwrap();
    let r = env.rt.check().unwrap();
    assert!(r.is_clean(), "{r}");
    // Repair of a clean runtime changes nothing.
    let r = env.rt.check_repair().unwrap();
    assert!(r.is_clean() && r.repaired.is_empty(), "{r}");
    assert_still_runs(&a);
}

#[test]
fn a_young_orphan_waits_for_max_age() {
    let Some(env) = common::env() else { return };
    let c = env.rt.create_container(env.opts(&["true"])).unwrap();
    let id = c.id().to_string();
    delete_row_behind_back(&env.rt, &id);
    let store = env.rt.store().unwrap();
    // The default age guard (24h) leaves a storage container made a moment ago: it
    // could be a create in progress by a writer that journals nothing.
    let r = env.rt.check_repair().unwrap();
    assert!(store.container_exists(&id).unwrap(), "{r}");
    let left = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::OrphanStorage)
        .unwrap_or_else(|| panic!("orphan storage still reported: {r}"));
    assert!(left.detail.contains("younger than --max"), "{left}");
    assert!(
        !r.repaired
            .iter()
            .any(|f| f.kind == FindingKind::OrphanStorage),
        "{r}"
    );
    // A guard shorter than its age (zero) repairs it.
    let fixed = repair_any_age(&env.rt).unwrap();
    assert!(fixed.is_clean(), "{fixed}");
    assert!(!store.container_exists(&id).unwrap());
}

#[test]
fn row_deleted_behind_the_back_of_a_running_container() {
    let Some(env) = common::env() else { return };
    let bystander = running_sleeper(&env);
    let victim = running_sleeper(&env);
    let vid = victim.id().to_string();
    let st = victim.state().unwrap();
    let conmon = st.conmon_pid.expect("conmon pid");
    let mountpoint = st.mountpoint.clone().expect("mounted");
    delete_row_behind_back(&env.rt, &vid);

    let r = env.rt.check().unwrap();
    let k = kinds(&r);
    let want: BTreeMap<FindingKind, usize> = [
        (FindingKind::OrphanConmon, 1),
        (FindingKind::OrphanStorage, 1),
        (FindingKind::OrphanMount, 1),
        (FindingKind::OrphanLock, 1),
        (FindingKind::OrphanRuntimeState, 1),
        // bundle, persist dir, logs dir (no exit file: it still runs)
        (FindingKind::OrphanFiles, 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(k, want, "{r}");
    assert!(
        r.findings
            .iter()
            .all(|f| f.id.as_deref() == Some(vid.as_str())),
        "{r}"
    );
    let cm = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::OrphanConmon)
        .unwrap();
    assert_eq!(cm.pid, Some(conmon));
    let m = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::OrphanMount)
        .unwrap();
    assert_eq!(m.path.as_deref(), Some(mountpoint.as_path()));

    let fixed = repair_any_age(&env.rt).unwrap();
    assert!(fixed.is_clean(), "{fixed}");
    assert_eq!(fixed.repaired.len(), r.findings.len(), "{fixed}");
    assert!(
        !pid_alive(conmon)
            || std::fs::read_to_string(format!("/proc/{conmon}/stat"))
                .map(|s| s.contains(") Z"))
                .unwrap_or(true)
    );
    assert!(!env.rt.store().unwrap().container_exists(&vid).unwrap());
    assert_still_runs(&bystander);
    // Idempotent.
    let again = repair_any_age(&env.rt).unwrap();
    assert!(again.is_clean() && again.repaired.is_empty(), "{again}");
}

#[test]
fn dead_conmon_stray_mounts_netns_and_locks() {
    let Some(env) = common::env() else { return };
    let bystander = running_sleeper(&env);
    // 1. A container whose conmon and process were killed (as by an OOM killer).
    let dead = running_sleeper(&env);
    let st = dead.state().unwrap();
    for pid in [st.conmon_pid.unwrap(), st.pid.unwrap()] {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
    }
    for pid in [st.conmon_pid.unwrap(), st.pid.unwrap()] {
        while std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z"))
            .unwrap_or(false)
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    // 2. A created container whose storage was mounted behind the state's back.
    let created = env.rt.create_container(env.opts(&["true"])).unwrap();
    let rootfs = env.rt.store().unwrap().mount(created.id()).unwrap();
    // 3. A stray tmpfs under the graph root.
    let graph = env.rt.config().unwrap().config.graph_root;
    let stray = graph.join("stray-mount");
    std::fs::create_dir_all(&stray).unwrap();
    nix::mount::mount(
        Some("tmpfs"),
        &stray,
        Some("tmpfs"),
        nix::mount::MsFlags::empty(),
        None::<&str>,
    )
    .unwrap();
    // 4. A netns file nobody owns, 5. a lock file nobody owns.
    let cfg = env.rt.config().unwrap().config;
    let ghost = "f".repeat(64);
    let ns = libpod_net::Netns::create(&format!("lpod-{ghost}"), &cfg.netns_dir()).unwrap();
    let ns_path = ns.path().to_path_buf();
    drop(ns);
    std::fs::write(cfg.lock_dir().join(&ghost), b"").unwrap();

    let r = env.rt.check().unwrap();
    let want: BTreeMap<FindingKind, usize> = [
        (FindingKind::DeadContainer, 1),
        (FindingKind::StaleMountCount, 1),
        (FindingKind::OrphanMount, 2),
        (FindingKind::OrphanNetns, 1),
        (FindingKind::OrphanLock, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds(&r), want, "{r}");
    let paths: Vec<&Path> = r
        .findings
        .iter()
        .filter_map(|f| f.path.as_deref())
        .collect();
    assert!(paths.contains(&rootfs.as_path()), "{r}");
    assert!(paths.contains(&stray.as_path()), "{r}");
    assert!(paths.contains(&ns_path.as_path()), "{r}");

    let fixed = repair_any_age(&env.rt).unwrap();
    assert!(fixed.is_clean(), "{fixed}");
    assert_eq!(dead.status().unwrap(), ContainerStatus::Exited);
    assert_eq!(created.status().unwrap(), ContainerStatus::Configured);
    assert_eq!(
        env.rt.store().unwrap().mount_count(created.id()).unwrap(),
        0
    );
    assert!(!ns_path.exists());
    assert_still_runs(&bystander);
    // The repaired containers still work.
    created.start().unwrap();
    assert_eq!(created.wait().unwrap(), 0);
    assert!(env.rt.check().unwrap().is_clean());
}

#[test]
fn bridge_leaks_cache_lease_veth_rules_netns() {
    let Some(env) = common::env() else { return };
    let net = NetGuard::new(&env.rt, env.root());
    let bridge_opts = |port: u16| CreateOptions {
        image: "busybox".into(),
        command: Some(vec!["sleep".into(), "1000".into()]),
        network: NetworkMode::Bridge,
        networks: vec![net.name.clone()],
        ports: vec![libpod_core::network::parse_port(&format!("127.0.0.1:{port}:80")).unwrap()],
        ..Default::default()
    };
    let bystander = env.rt.create_container(bridge_opts(free_port())).unwrap();
    bystander.start().unwrap();
    let victim = env.rt.create_container(bridge_opts(free_port())).unwrap();
    victim.start().unwrap();
    let vid = victim.id().to_string();
    assert!(env.rt.check().unwrap().is_clean());
    delete_row_behind_back(&env.rt, &vid);

    let r = env.rt.check().unwrap();
    let k = kinds(&r);
    for kind in [
        FindingKind::OrphanConmon,
        FindingKind::OrphanStorage,
        FindingKind::OrphanMount,
        FindingKind::OrphanNetns,
        FindingKind::OrphanCniCache,
        FindingKind::OrphanLease,
        FindingKind::OrphanVeth,
        FindingKind::OrphanIptablesRule,
        FindingKind::OrphanLock,
        FindingKind::OrphanRuntimeState,
        FindingKind::OrphanFiles,
    ] {
        assert!(k.get(&kind).copied().unwrap_or(0) >= 1, "no {kind}: {r}");
    }
    assert_eq!(k.len(), 11, "{r}");
    assert_eq!(k[&FindingKind::OrphanVeth], 1, "{r}");
    assert_eq!(k[&FindingKind::OrphanLease], 1, "{r}");
    // Every finding is about the victim, none about the bystander.
    let bid = bystander.id().to_string();
    for f in &r.findings {
        assert!(!f.to_string().contains(&bid), "bystander flagged: {f}");
        if f.kind != FindingKind::OrphanVeth {
            assert_eq!(f.id.as_deref(), Some(vid.as_str()), "{f}");
        }
    }

    let fixed = repair_any_age(&env.rt).unwrap();
    assert!(fixed.is_clean(), "{fixed}");
    // Nothing of the victim's is left: no rule names it; one link and one lease
    // (the bystander's) remain.
    let left = net.leftovers(&vid);
    assert!(!left.iter().any(|l| l.starts_with("iptables")), "{left:?}");
    assert_eq!(
        left.iter().filter(|l| l.starts_with("lease")).count(),
        1,
        "{left:?}"
    );
    assert_still_runs(&bystander);
    assert_eq!(libpod_net::link::bridge_ports(&net.bridge).len(), 1);
    assert!(net
        .leftovers(&bid)
        .iter()
        .any(|l| l.starts_with("iptables")));
}
