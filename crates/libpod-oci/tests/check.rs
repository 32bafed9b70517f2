//! `libpod_oci::check`: a real container under real conmon, once its caller
//! forgets it, is found as an orphan conmon and an orphan runtime state dir,
//! and repairing both leaves no process and no state behind.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use libpod_oci::check::{self, Audit, ConmonProcess, OciProblem};
use libpod_oci::OciRuntime;

use common::Fixture;

static N: AtomicU32 = AtomicU32::new(0);

/// A 64-hex-digit container id, unique per test process and call.
fn hex_id() -> String {
    let tail = format!(
        "{:08x}{:08x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    format!("{tail:0>64}")
}

fn audit<'a>(
    fx: &'a Fixture,
    state_root: &'a Path,
    known: &'a dyn Fn(&str) -> bool,
    explained: &'a dyn Fn(&ConmonProcess) -> bool,
) -> Audit<'a> {
    Audit {
        run_root: fx.tmp.path(),
        runtime_root: Some(state_root),
        known,
        conmon_explained: explained,
    }
}

fn orphans_found_and_repaired(fx: &Fixture) {
    let id = hex_id();
    let input = fx.input(&id, &["sleep", "100"]);
    let created = fx.create(&id, &input, &Default::default());
    fx.rt.start(&id).unwrap();
    let conmon = created.conmon_pid.expect("conmon pid");
    let state_root = fx.rt.state_root();

    // Known and explained: nothing to report.
    let yes = |_: &str| true;
    let explained = |_: &ConmonProcess| true;
    assert!(check::check(&audit(fx, &state_root, &yes, &explained)).is_clean());

    // Forgotten by the caller: conmon and the runtime's state dir are orphans.
    let no = |_: &str| false;
    let unexplained = |_: &ConmonProcess| false;
    let r = check::check(&audit(fx, &state_root, &no, &unexplained));
    assert_eq!(
        r.problems,
        vec![
            OciProblem::OrphanConmon(ConmonProcess {
                pid: conmon,
                id: id.clone(),
                exec: false,
            }),
            OciProblem::OrphanRuntimeState {
                id: id.clone(),
                path: state_root.join(&id),
            },
        ],
        "{r:?}"
    );

    // A pid that is not that conmon is left alone.
    let me = ConmonProcess {
        pid: std::process::id() as i32,
        id: id.clone(),
        exec: false,
    };
    assert!(!check::repair_orphan_conmon(&fx.rt, fx.tmp.path(), &me).unwrap());

    for p in &r.problems {
        assert!(check::repair(&fx.rt, fx.tmp.path(), p).unwrap(), "{p}");
    }
    assert!(
        check::check(&audit(fx, &state_root, &no, &unexplained)).is_clean(),
        "leftovers after repair"
    );
    assert!(!check::pid_alive_for(conmon, None), "conmon still lives");
    assert!(
        !check::pid_alive_for(created.pid, None),
        "container process still lives"
    );
    assert!(!state_root.join(&id).exists());
}

both_runtimes!(
    orphan_conmon_and_runtime_state,
    super::orphans_found_and_repaired
);
