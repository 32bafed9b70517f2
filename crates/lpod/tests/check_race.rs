//! `system check --repair` on a busy runtime: a repair racing a real create must not
//! remove the creating container's storage.
//!
//! The create is held in the middle (after its storage container exists, before its
//! database row) by arming its failpoint with `@stop`: the real `lpod create` stops
//! itself with SIGSTOP there, so the race is exact and needs no sleeping. Real binary,
//! real storage, real SQLite.

mod common;

use std::process::Stdio;

use common::Lpod;
use libpod_config::failpoint;

/// A stopped `lpod create` that is killed (SIGKILL) and reaped if the test ends early.
struct HeldCreate {
    child: std::process::Child,
}

impl HeldCreate {
    /// Starts `lpod create --name NAME IMG true` armed to stop after its storage.
    fn start(l: &Lpod, name: &str) -> HeldCreate {
        let mut cmd = l.cmd(&["create", "--name", name, &l.image, "true"]);
        cmd.env(
            failpoint::ENV,
            format!("container.create.after_storage{}", failpoint::STOP_SUFFIX),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let child = cmd.spawn().expect("spawn lpod create");
        let held = HeldCreate { child };
        let pid = held.pid();
        l.wait_for("the create to stop at its failpoint", || {
            (common::proc_stat(pid)?.state == 'T').then_some(())
        });
        held
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig)
            .expect("signal our own child");
    }

    /// Continues it and returns its output.
    fn finish(mut self) -> common::Out {
        self.signal(nix::sys::signal::Signal::SIGCONT);
        let out = common::child_output(&mut self.child);
        std::mem::forget(self);
        out
    }
}

impl Drop for HeldCreate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kinds(list: &[serde_json::Value]) -> Vec<String> {
    list.iter()
        .map(|f| f["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn repair_racing_a_create_leaves_its_storage() {
    let Some(l) = Lpod::with_image() else { return };
    let held = HeldCreate::start(&l, "racer");
    // The create is between its storage and its row: the audit sees an orphan.
    let ids = l.storage_containers();
    assert_eq!(ids.len(), 1, "the held create made its storage: {ids:?}");
    let id = ids[0].clone();
    let report = l.system_check(&[]);
    assert_eq!(report.code, 1);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f["kind"] == "orphan-storage" && f["id"] == id.as_str()),
        "{report:?}"
    );
    // A repair with the default age guard, then one without it (--max 0): the live
    // create's journal entry still protects it. Neither removes its storage.
    for args in [&["--repair"][..], &["--repair", "--max", "0"][..]] {
        let repaired = l.system_check(args).repaired;
        assert!(
            !repaired.iter().any(|f| f["id"] == id.as_str()),
            "{args:?} repaired the live create's objects: {repaired:?}"
        );
        assert_eq!(l.storage_containers(), vec![id.clone()], "{args:?}");
    }
    // The create finishes as if nothing happened, and its container runs.
    let out = held.finish();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.trim(), id);
    l.ok(&["start", "-a", "racer"]);
    assert_eq!(l.inspect("racer", "{{.State.ExitCode}}"), "0");
    let report = l.system_check(&[]);
    assert_eq!(report.code, 0, "{report:?}");
    l.ok(&["rm", "racer"]);
}

#[test]
fn a_killed_create_is_repaired_whatever_its_age() {
    let Some(l) = Lpod::with_image() else { return };
    let held = HeldCreate::start(&l, "victim");
    assert_eq!(l.storage_containers().len(), 1);
    // Dead now (kill -9 while stopped): its journal entry names a dead owner.
    held.signal(nix::sys::signal::Signal::SIGKILL);
    drop(held);
    // The age guard is for live writers: the journal proves this one is gone, and
    // recovery (at the repair's open) removes what it made, young as it is.
    let report = l.system_check(&["--repair"]);
    assert_eq!(report.code, 0, "{:?}", kinds(&report.findings));
    assert!(l.storage_containers().is_empty());
    assert!(l.ps_all().is_empty());
}

#[test]
fn a_bad_max_age_is_a_usage_error() {
    let l = Lpod::bare();
    let out = l.run(&["system", "check", "--repair", "--max", "soon"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("soon"), "{out:?}");
}
