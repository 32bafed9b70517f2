//! One conformance suite, written once, run against every `State` backend.

use std::time::{Duration, SystemTime};

use libpod_config::{
    new_id, ContainerConfig, ContainerState, ContainerStatus, LookupError, NetworkStatus,
    PodConfig, PodState, VolumeConfig, VolumeState,
};
use libpod_state::{
    DbConfig, InMemoryState, JournalEntry, JournalKind, JournalOwner, SqliteState, State,
    StateError,
};

/// A backend under test plus whatever keeps it alive (its temp dir).
pub struct Fixture {
    /// The backend.
    pub state: Box<dyn State>,
    _dir: Option<tempfile::TempDir>,
}

fn in_memory() -> Fixture {
    Fixture {
        state: Box::new(InMemoryState::new()),
        _dir: None,
    }
}

fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let state = SqliteState::open(dir.path().join("state.db")).unwrap();
    Fixture {
        state: Box::new(state),
        _dir: Some(dir),
    }
}

fn ctr(name: &str) -> ContainerConfig {
    ContainerConfig::new(new_id(), name)
}

fn id_with_prefix(prefix: &str) -> String {
    let mut id = new_id();
    id.replace_range(..prefix.len(), prefix);
    id
}

fn running() -> ContainerState {
    ContainerState {
        status: ContainerStatus::Running,
        pid: Some(1234),
        conmon_pid: Some(1233),
        ..Default::default()
    }
}

// ---- the suite: each fn takes a fresh backend ----

fn add_get_save_remove_container(s: &dyn State) {
    let mut c = ctr("web");
    c.command = vec!["sh".into(), "-c".into(), "echo hi".into()];
    c.labels.insert("app".into(), "x".into());
    s.add_container(&c, &ContainerState::default()).unwrap();
    let (got_c, got_s) = s.container(&c.id).unwrap();
    assert_eq!(got_c, c);
    assert_eq!(got_s, ContainerState::default());

    let st = running();
    s.save_container_state(&c.id, &st).unwrap();
    assert_eq!(s.container_state(&c.id).unwrap(), st);
    assert_eq!(s.container(&c.id).unwrap().1, st);
    assert_eq!(s.all_containers().unwrap(), vec![(c.clone(), st.clone())]);

    s.remove_container(&c.id).unwrap();
    assert!(matches!(s.container(&c.id), Err(StateError::NoSuchContainer { id }) if id == c.id));
    assert!(matches!(
        s.container_state(&c.id),
        Err(StateError::NoSuchContainer { .. })
    ));
    assert!(matches!(
        s.save_container_state(&c.id, &st),
        Err(StateError::NoSuchContainer { .. })
    ));
    assert!(matches!(
        s.remove_container(&c.id),
        Err(StateError::NoSuchContainer { .. })
    ));
    assert!(s.all_containers().unwrap().is_empty());
    // The name is free again.
    s.add_container(&ctr("web"), &ContainerState::default())
        .unwrap();
}

fn rewrite_container_config_keeps_identity_state_and_keys(s: &dyn State) {
    let c = ctr("limits");
    s.add_container(&c, &running()).unwrap();
    let mut new = c.clone();
    new.resources.memory = Some(64 << 20);
    new.resources.pids = Some(20);
    new.networks = vec!["n1".into(), "n2".into()];
    new.networks_cleared = true;
    s.save_container_config(&new).unwrap();
    let (got, st) = s.container(&c.id).unwrap();
    assert_eq!(got, new);
    assert_eq!(st, running(), "the state row is untouched");
    assert_eq!(s.lookup_container("limits").unwrap(), c.id);
    // Identity fields (name and pod key the row; created orders it) are refused, and
    // nothing changes.
    let mut renamed = new.clone();
    renamed.name = "other".into();
    assert!(matches!(
        s.save_container_config(&renamed),
        Err(StateError::ImmutableField { field: "name", .. })
    ));
    let mut moved = new.clone();
    moved.pod = Some(id_with_prefix("p"));
    assert!(matches!(
        s.save_container_config(&moved),
        Err(StateError::ImmutableField { field: "pod", .. })
    ));
    let mut redated = new.clone();
    redated.created = new.created + chrono::Duration::seconds(1);
    assert!(matches!(
        s.save_container_config(&redated),
        Err(StateError::ImmutableField {
            field: "created",
            ..
        })
    ));
    assert_eq!(s.container(&c.id).unwrap(), (new, running()));
    assert_eq!(s.lookup_container("limits").unwrap(), c.id);
    assert!(s.lookup_container("other").is_err());
    let ghost = ctr("ghost");
    assert!(matches!(
        s.save_container_config(&ghost),
        Err(StateError::NoSuchContainer { .. })
    ));
}

fn all_containers_ordered_by_creation(s: &dyn State) {
    let base = chrono::Utc::now();
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut c = ctr(&format!("c{i}"));
        c.created = base + chrono::Duration::seconds(10 - i);
        ids.push(c.id.clone());
        s.add_container(&c, &ContainerState::default()).unwrap();
    }
    ids.reverse();
    let got: Vec<String> = s
        .all_containers()
        .unwrap()
        .into_iter()
        .map(|(c, _)| c.id)
        .collect();
    assert_eq!(got, ids);
}

fn id_and_name_conflicts(s: &dyn State) {
    let c = ctr("one");
    s.add_container(&c, &ContainerState::default()).unwrap();
    // same name
    let e = s
        .add_container(&ctr("one"), &ContainerState::default())
        .unwrap_err();
    assert!(
        matches!(&e, StateError::NameInUse { name, holder, holder_id }
        if name == "one" && holder == "container" && *holder_id == c.id),
        "{e}"
    );
    // same id
    let dup = ContainerConfig::new(c.id.clone(), "two");
    let e = s
        .add_container(&dup, &ContainerState::default())
        .unwrap_err();
    assert!(
        matches!(&e, StateError::IdInUse { id, .. } if *id == c.id),
        "{e}"
    );
    // pod with a container's name / id
    let e = s
        .add_pod(&PodConfig::new(new_id(), "one"), &PodState::default())
        .unwrap_err();
    assert!(
        matches!(&e, StateError::NameInUse { holder, .. } if holder == "container"),
        "{e}"
    );
    let e = s
        .add_pod(&PodConfig::new(c.id.clone(), "p"), &PodState::default())
        .unwrap_err();
    assert!(matches!(&e, StateError::IdInUse { .. }), "{e}");
    // container with a pod's name
    let p = PodConfig::new(new_id(), "pod1");
    s.add_pod(&p, &PodState::default()).unwrap();
    let e = s
        .add_container(&ctr("pod1"), &ContainerState::default())
        .unwrap_err();
    assert!(
        matches!(&e, StateError::NameInUse { holder, holder_id, .. }
        if holder == "pod" && *holder_id == p.id),
        "{e}"
    );
    // invalid names and ids
    assert!(matches!(
        s.add_container(&ctr("-bad"), &ContainerState::default()),
        Err(StateError::Invalid(_))
    ));
    assert!(matches!(
        s.add_container(
            &ContainerConfig::new("xyz", "ok"),
            &ContainerState::default()
        ),
        Err(StateError::Invalid(_))
    ));
    // failed adds left nothing behind
    assert_eq!(s.all_containers().unwrap().len(), 1);
    assert_eq!(s.all_pods().unwrap().len(), 1);
}

fn lookups(s: &dyn State) {
    let a = ContainerConfig::new(id_with_prefix("abc1"), "alpha");
    let b = ContainerConfig::new(id_with_prefix("abc2"), "beta");
    let p = PodConfig::new(id_with_prefix("abc3"), "gamma");
    s.add_container(&a, &ContainerState::default()).unwrap();
    s.add_container(&b, &ContainerState::default()).unwrap();
    s.add_pod(&p, &PodState::default()).unwrap();

    assert_eq!(s.lookup_container(&a.id).unwrap(), a.id);
    assert_eq!(s.lookup_container("alpha").unwrap(), a.id);
    assert_eq!(s.lookup_container("abc2").unwrap(), b.id);
    // "abc" matches both containers (the pod does not count): ambiguous
    match s.lookup_container("abc") {
        Err(StateError::Lookup(LookupError::Ambiguous { count, query, .. })) => {
            assert_eq!((count, query.as_str()), (2, "abc"))
        }
        other => panic!("expected ambiguous, got {other:?}"),
    }
    // pods are not containers and vice versa
    assert!(s.lookup_container("gamma").unwrap_err().is_not_found());
    assert!(s.lookup_container("abc3").unwrap_err().is_not_found());
    assert_eq!(s.lookup_pod("abc").unwrap(), p.id);
    assert_eq!(s.lookup_pod("gamma").unwrap(), p.id);
    assert!(s.lookup_pod("alpha").unwrap_err().is_not_found());
    let e = s.lookup_container("nothing").unwrap_err();
    assert!(e.to_string().contains("nothing"), "{e}");
    // One namespace of names for containers and pods; an id prefix is not a name.
    assert!(s.name_in_use("alpha").unwrap());
    assert!(s.name_in_use("gamma").unwrap());
    assert!(!s.name_in_use("abc").unwrap());
    assert!(!s.name_in_use("nothing").unwrap());
    // A prefix longer than an id, or with characters no id has, matches nothing.
    assert!(s
        .lookup_container(&format!("{}0", a.id))
        .unwrap_err()
        .is_not_found());
    assert!(s.lookup_container("abc~").unwrap_err().is_not_found());
    // special characters are not patterns
    assert!(s.lookup_container("%").unwrap_err().is_not_found());
    assert!(s.lookup_container("_").unwrap_err().is_not_found());
    // a name that looks like another container's id prefix: the name wins
    let c = ContainerConfig::new(new_id(), "abc1");
    s.add_container(&c, &ContainerState::default()).unwrap();
    assert_eq!(s.lookup_container("abc1").unwrap(), c.id);
}

fn pods_and_membership(s: &dyn State) {
    let p = PodConfig::new(new_id(), "pod");
    s.add_pod(&p, &PodState::default()).unwrap();
    assert_eq!(s.pod(&p.id).unwrap(), (p.clone(), PodState::default()));

    // container in a missing pod
    let mut orphan = ctr("orphan");
    orphan.pod = Some(new_id());
    assert!(matches!(
        s.add_container(&orphan, &ContainerState::default()),
        Err(StateError::NoSuchPod { .. })
    ));

    let mut infra = ctr("pod-infra");
    infra.pod = Some(p.id.clone());
    infra.is_infra = true;
    let mut app = ctr("app");
    app.pod = Some(p.id.clone());
    app.created = infra.created + chrono::Duration::seconds(1);
    let lone = ctr("lone");
    s.add_container(&infra, &ContainerState::default()).unwrap();
    s.add_container(&app, &running()).unwrap();
    s.add_container(&lone, &ContainerState::default()).unwrap();

    let ps = PodState {
        cgroup_path: Some("lpod/pod".into()),
        infra_container_id: Some(infra.id.clone()),
    };
    s.save_pod_state(&p.id, &ps).unwrap();
    assert_eq!(s.pod(&p.id).unwrap().1, ps);
    assert_eq!(s.all_pods().unwrap(), vec![(p.clone(), ps.clone())]);

    let members: Vec<String> = s
        .pod_containers(&p.id)
        .unwrap()
        .into_iter()
        .map(|(c, _)| c.id)
        .collect();
    assert_eq!(members, vec![infra.id.clone(), app.id.clone()]);
    assert_eq!(s.pod_containers(&p.id).unwrap()[1].1, running());

    // refused while it has containers
    match s.remove_pod(&p.id, false) {
        Err(StateError::PodHasContainers { id, count }) => {
            assert_eq!((id, count), (p.id.clone(), 2))
        }
        other => panic!("expected PodHasContainers, got {other:?}"),
    }
    assert!(s.pod(&p.id).is_ok());
    // removing one member then the pod with its containers
    s.remove_container(&app.id).unwrap();
    let removed = s.remove_pod(&p.id, true).unwrap();
    assert_eq!(removed, vec![infra.id.clone()]);
    assert!(matches!(s.pod(&p.id), Err(StateError::NoSuchPod { .. })));
    assert!(matches!(
        s.container(&infra.id),
        Err(StateError::NoSuchContainer { .. })
    ));
    assert!(matches!(
        s.pod_containers(&p.id),
        Err(StateError::NoSuchPod { .. })
    ));
    assert!(matches!(
        s.save_pod_state(&p.id, &ps),
        Err(StateError::NoSuchPod { .. })
    ));
    assert!(matches!(
        s.remove_pod(&p.id, true),
        Err(StateError::NoSuchPod { .. })
    ));
    // names and ids are free again
    s.add_pod(&PodConfig::new(p.id.clone(), "pod"), &PodState::default())
        .unwrap();
    s.add_container(&ctr("pod-infra"), &ContainerState::default())
        .unwrap();
    // lone container untouched; empty pod removable without force
    assert!(s.container(&lone.id).is_ok());
    assert!(s.remove_pod(&p.id, false).unwrap().is_empty());
}

fn exit_codes(s: &dyn State) {
    let c = ctr("short");
    s.add_container(&c, &ContainerState::default()).unwrap();
    assert!(matches!(
        s.exit_code(&c.id),
        Err(StateError::NoExitCode { .. })
    ));
    s.add_exit_code(&c.id, 3).unwrap();
    s.add_exit_code(&c.id, 7).unwrap();
    s.remove_container(&c.id).unwrap();
    // outlives removal
    assert_eq!(s.exit_code(&c.id).unwrap(), 7);
    let other = new_id();
    s.add_exit_code(&other, 0).unwrap();
    let hour = Duration::from_secs(3600);
    assert_eq!(s.prune_exit_codes(SystemTime::now() - hour).unwrap(), 0);
    assert_eq!(s.exit_code(&other).unwrap(), 0);
    assert_eq!(s.prune_exit_codes(SystemTime::now() + hour).unwrap(), 2);
    assert!(s.exit_code(&c.id).unwrap_err().is_not_found());
}

fn refresh_after_reboot(s: &dyn State) {
    let mut ids = Vec::new();
    for (i, status) in ContainerStatus::ALL.into_iter().enumerate() {
        let c = ctr(&format!("c{i}"));
        let mut st = ContainerState {
            status,
            pid: Some(100 + i as i32),
            conmon_pid: Some(200),
            mountpoint: Some("/mnt/x".into()),
            netns_path: Some("/run/netns/x".into()),
            exit_code: Some(i as i32),
            restart_count: 2,
            ..Default::default()
        };
        st.network_status
            .insert("lpod".into(), NetworkStatus::default());
        s.add_container(&c, &st).unwrap();
        ids.push((c.id, status));
    }
    s.refresh().unwrap();
    for (id, before) in ids {
        let st = s.container_state(&id).unwrap();
        assert_eq!(st.status, before.after_reboot(), "{before}");
        assert_eq!((st.pid, st.conmon_pid), (None, None));
        assert!(st.mountpoint.is_none() && st.netns_path.is_none());
        assert!(st.network_status.is_empty() && st.exec_sessions.is_empty());
        assert_eq!(st.restart_count, 2);
        assert!(st.exit_code.is_some());
    }
}

fn db_config_recorded_then_checked(s: &dyn State) {
    let cfg = DbConfig {
        static_dir: "/a/libpod".into(),
        tmp_dir: "/run/a".into(),
        graph_root: "/a/storage".into(),
        run_root: "/run/a/storage".into(),
        graph_driver: "overlay".into(),
    };
    s.validate_db_config(&cfg).unwrap();
    s.validate_db_config(&cfg).unwrap();
    let other = DbConfig {
        graph_root: "/b/storage".into(),
        ..cfg.clone()
    };
    match s.validate_db_config(&other) {
        Err(StateError::DbConfigMismatch {
            field,
            recorded,
            given,
        }) => {
            assert_eq!(
                (field, recorded.as_str(), given.as_str()),
                ("graph_root", "/a/storage", "/b/storage")
            )
        }
        r => panic!("expected mismatch, got {r:?}"),
    }
    let vfs = DbConfig {
        graph_driver: "vfs".into(),
        ..cfg.clone()
    };
    let e = s.validate_db_config(&vfs).unwrap_err();
    assert!(
        e.to_string().contains("overlay") && e.to_string().contains("vfs"),
        "{e}"
    );
}

fn close_refuses_later_calls(s: &dyn State) {
    s.close().unwrap();
    assert!(matches!(s.all_containers(), Err(StateError::Closed { .. })));
    assert!(matches!(
        s.add_container(&ctr("x"), &ContainerState::default()),
        Err(StateError::Closed { .. })
    ));
    s.close().unwrap();
}

fn state_is_shareable_across_threads(s: &dyn State) {
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for i in 0..10 {
                    let c = ctr(&format!("t{t}-{i}"));
                    s.add_container(&c, &ContainerState::default()).unwrap();
                    s.save_container_state(&c.id, &running()).unwrap();
                }
            });
        }
    });
    let all = s.all_containers().unwrap();
    assert_eq!(all.len(), 40);
    assert!(all.iter().all(|(_, st)| *st == running()));
}

fn rename_container_moves_the_name(s: &dyn State) {
    let a = ctr("old");
    let b = ctr("taken");
    let p = PodConfig::new(new_id(), "podname");
    s.add_container(&a, &running()).unwrap();
    s.add_container(&b, &ContainerState::default()).unwrap();
    s.add_pod(&p, &PodState::default()).unwrap();

    s.rename_container(&a.id, "new").unwrap();
    let (cfg, st) = s.container(&a.id).unwrap();
    assert_eq!(cfg.name, "new");
    assert_eq!(st, running(), "the state is untouched");
    assert_eq!(s.lookup_container("new").unwrap(), a.id);
    assert!(s.lookup_container("old").unwrap_err().is_not_found());
    assert!(!s.name_in_use("old").unwrap());
    // The freed name can be used again.
    let c = ctr("old");
    s.add_container(&c, &ContainerState::default()).unwrap();

    // Names held by a container or a pod are refused; nothing changes.
    for held in ["taken", "podname"] {
        match s.rename_container(&a.id, held) {
            Err(StateError::NameInUse { name, .. }) => assert_eq!(name, held),
            other => panic!("rename to {held}: {other:?}"),
        }
        assert_eq!(s.container(&a.id).unwrap().0.name, "new");
    }
    // The current name: a no-op; an invalid name and a missing container: errors.
    s.rename_container(&a.id, "new").unwrap();
    assert!(s.rename_container(&a.id, "bad/name").is_err());
    assert_eq!(s.container(&a.id).unwrap().0.name, "new");
    assert!(matches!(
        s.rename_container(&new_id(), "x"),
        Err(StateError::NoSuchContainer { .. })
    ));
    // The renamed container is still removable, and its name freed.
    s.remove_container(&a.id).unwrap();
    assert!(!s.name_in_use("new").unwrap());
}

fn journal_entry(kind: JournalKind, id: &str, op: &str, started_ms: i64) -> JournalEntry {
    JournalEntry {
        kind,
        id: id.to_string(),
        operation: op.to_string(),
        owner: JournalOwner {
            pid: 4242,
            start_time: 123_456_789_012,
            boot_id: "b00t".into(),
        },
        started_ms,
        payload: serde_json::json!({"mount": true, "netns": "/run/x/netns/lpod-1"}),
    }
}

fn journal_put_get_replace_remove(s: &dyn State) {
    assert!(s.journal_entries().unwrap().is_empty());
    let c = new_id();
    let p = new_id();
    // Entries need no container or pod row (a create journals before the row exists).
    let e1 = journal_entry(JournalKind::Container, &c, "create", 10);
    let e2 = journal_entry(JournalKind::Pod, &p, "remove", 5);
    s.journal_put(&e1).unwrap();
    s.journal_put(&e2).unwrap();
    assert_eq!(
        s.journal_get(JournalKind::Container, &c).unwrap(),
        Some(e1.clone())
    );
    // Same id, other kind: a separate key.
    assert_eq!(s.journal_get(JournalKind::Pod, &c).unwrap(), None);
    // Oldest first.
    assert_eq!(s.journal_entries().unwrap(), vec![e2.clone(), e1.clone()]);
    // One entry per object: a put replaces, payload and operation included.
    let mut e3 = e1.clone();
    e3.operation = "init".into();
    e3.payload = serde_json::json!({"conmon_pid": 77});
    s.journal_put(&e3).unwrap();
    assert_eq!(s.journal_get(JournalKind::Container, &c).unwrap(), Some(e3));
    assert_eq!(s.journal_entries().unwrap().len(), 2);
    assert!(s.journal_remove(JournalKind::Container, &c).unwrap());
    assert!(!s.journal_remove(JournalKind::Container, &c).unwrap());
    assert_eq!(s.journal_entries().unwrap(), vec![e2]);
    // The journal outlives the object's rows and a refresh.
    s.refresh().unwrap();
    assert_eq!(s.journal_entries().unwrap().len(), 1);
}

fn volume(name: &str) -> VolumeConfig {
    VolumeConfig::new(name, std::path::Path::new("/vols"))
}

fn volumes_add_get_save_remove(s: &dyn State) {
    let v = volume("data");
    s.add_volume(&v, &VolumeState::default()).unwrap();
    assert_eq!(
        s.volume("data").unwrap(),
        (v.clone(), VolumeState::default())
    );
    // Volume names are their own namespace: a container may share one.
    s.add_container(&ctr("data"), &ContainerState::default())
        .unwrap();
    assert!(matches!(
        s.add_volume(&volume("data"), &VolumeState::default()),
        Err(StateError::VolumeExists { name }) if name == "data"
    ));
    assert!(matches!(
        s.add_volume(&volume("-bad"), &VolumeState::default()),
        Err(StateError::Invalid(_))
    ));
    let st = VolumeState {
        mount_count: 2,
        mounted: true,
        copied_up: true,
        chowned: true,
        host_mounts: 1,
    };
    s.save_volume_state("data", &st).unwrap();
    assert_eq!(s.volume("data").unwrap().1, st);
    assert!(matches!(
        s.save_volume_state("nope", &st),
        Err(StateError::NoSuchVolume { .. })
    ));
    // A reboot unmounts everything; the copy-up stays done.
    s.refresh().unwrap();
    assert_eq!(
        s.volume("data").unwrap().1,
        VolumeState {
            copied_up: true,
            chowned: true,
            ..VolumeState::default()
        }
    );
    s.remove_volume("data").unwrap();
    let e = s.volume("data").unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(matches!(
        s.remove_volume("data"),
        Err(StateError::NoSuchVolume { .. })
    ));
    // The container of the same name is untouched.
    assert_eq!(s.all_containers().unwrap().len(), 1);
}

fn volumes_listed_by_creation(s: &dyn State) {
    let mut a = volume("b-second");
    let mut b = volume("a-first");
    b.created = a.created - chrono::Duration::seconds(5);
    a.anonymous = true;
    s.add_volume(&a, &VolumeState::default()).unwrap();
    s.add_volume(&b, &VolumeState::default()).unwrap();
    let names: Vec<String> = s
        .all_volumes()
        .unwrap()
        .into_iter()
        .map(|(c, _)| c.name)
        .collect();
    assert_eq!(names, ["a-first", "b-second"]);
    assert!(s.volume("b-second").unwrap().0.anonymous);
}

fn volume_journal_entries(s: &dyn State) {
    let e = journal_entry(JournalKind::Volume, "vol", "create", 1);
    s.journal_put(&e).unwrap();
    assert_eq!(s.journal_get(JournalKind::Volume, "vol").unwrap(), Some(e));
    assert_eq!(s.journal_get(JournalKind::Container, "vol").unwrap(), None);
    assert!(s.journal_remove(JournalKind::Volume, "vol").unwrap());
}

macro_rules! conformance {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;
            macro_rules! case {
                ($name:ident) => {
                    #[test]
                    fn $name() {
                        let f: Fixture = $make;
                        super::$name(f.state.as_ref());
                    }
                };
            }
            case!(add_get_save_remove_container);
            case!(rewrite_container_config_keeps_identity_state_and_keys);
            case!(all_containers_ordered_by_creation);
            case!(id_and_name_conflicts);
            case!(lookups);
            case!(pods_and_membership);
            case!(exit_codes);
            case!(refresh_after_reboot);
            case!(db_config_recorded_then_checked);
            case!(close_refuses_later_calls);
            case!(state_is_shareable_across_threads);
            case!(journal_put_get_replace_remove);
            case!(rename_container_moves_the_name);
            case!(volumes_add_get_save_remove);
            case!(volumes_listed_by_creation);
            case!(volume_journal_entries);
        }
    };
}

conformance!(in_memory, in_memory());
conformance!(sqlite, sqlite());

/// SQLite keeps everything across a reopen, including the db config.
#[test]
fn sqlite_persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let cfg = DbConfig {
        static_dir: "/a".into(),
        tmp_dir: "/b".into(),
        graph_root: "/c".into(),
        run_root: "/d".into(),
        graph_driver: "overlay".into(),
    };
    let c = ctr("kept");
    let p = PodConfig::new(new_id(), "kept-pod");
    {
        let s = SqliteState::open(&path).unwrap();
        s.validate_db_config(&cfg).unwrap();
        s.add_pod(&p, &PodState::default()).unwrap();
        s.add_container(&c, &running()).unwrap();
        s.add_exit_code(&c.id, 42).unwrap();
        s.close().unwrap();
    }
    let s = SqliteState::open(&path).unwrap();
    assert_eq!(s.container(&c.id).unwrap(), (c, running()));
    assert_eq!(s.pod(&p.id).unwrap().0, p);
    assert_eq!(
        s.exit_code(&s.all_containers().unwrap()[0].0.id).unwrap(),
        42
    );
    let e = s
        .validate_db_config(&DbConfig {
            tmp_dir: "/other".into(),
            ..cfg
        })
        .unwrap_err();
    assert!(matches!(
        e,
        StateError::DbConfigMismatch {
            field: "tmp_dir",
            ..
        }
    ));
}
