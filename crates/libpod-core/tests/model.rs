//! Property test: random sequences of verbs, simulated exits and reboots against
//! a real SqliteState (and vfs store) with a FAKE OCI driver, compared with a
//! model of the transition rules. A second, shorter randomized run uses real crun.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use libpod_config::ContainerStatus;
use libpod_core::{Container, Error, Runtime};
use libpod_oci::{
    AttachConn, CreateOptions, Created, ExecOptions, ExecSession, ExitInfo, OciError, OciRuntime,
    RuntimeState, RuntimeStatus,
};
use oci_spec::runtime::Spec;
use proptest::prelude::*;

// ---------------------------------------------------------------- fake driver

#[derive(Debug, Clone)]
struct FakeCtr {
    status: RuntimeStatus,
    exit: Option<ExitInfo>,
}

/// An OCI driver that keeps containers in a map; a signal ends the process at
/// once with 128+signal; `exit` simulates the process ending by itself.
#[derive(Default)]
struct FakeOci {
    ctrs: Mutex<HashMap<String, FakeCtr>>,
    next_pid: Mutex<i32>,
}

fn not_found(id: &str) -> OciError {
    OciError::NotFound {
        id: id.to_string(),
        runtime: "fake".into(),
    }
}

fn refused(id: &str, verb: &'static str) -> OciError {
    OciError::Runtime {
        runtime: "fake".into(),
        verb,
        id: id.to_string(),
        status: "1".into(),
        stderr: "wrong state".into(),
    }
}

impl FakeOci {
    fn end(c: &mut FakeCtr, code: i32) {
        if c.exit.is_none() {
            c.status = RuntimeStatus::Stopped;
            c.exit = Some(ExitInfo {
                exit_code: code,
                exited_at: SystemTime::now(),
                oom_killed: false,
            });
        }
    }

    /// The process of `id` exits with `code` (if it runs).
    fn exit(&self, id: &str, code: i32) -> bool {
        let mut m = self.ctrs.lock().unwrap();
        match m.get_mut(id) {
            Some(c) if c.status == RuntimeStatus::Running => {
                Self::end(c, code);
                true
            }
            _ => false,
        }
    }
}

impl OciRuntime for FakeOci {
    fn create(
        &self,
        id: &str,
        _b: &Path,
        _s: &Spec,
        _o: &CreateOptions,
    ) -> Result<Created, OciError> {
        let mut m = self.ctrs.lock().unwrap();
        if m.contains_key(id) {
            return Err(refused(id, "create"));
        }
        m.insert(
            id.to_string(),
            FakeCtr {
                status: RuntimeStatus::Created,
                exit: None,
            },
        );
        let mut p = self.next_pid.lock().unwrap();
        *p += 1;
        // The conmon pid is our own: alive for as long as the test runs.
        Ok(Created {
            pid: 100_000 + *p,
            conmon_pid: Some(std::process::id() as i32),
        })
    }
    fn start(&self, id: &str) -> Result<(), OciError> {
        let mut m = self.ctrs.lock().unwrap();
        let c = m.get_mut(id).ok_or_else(|| not_found(id))?;
        if c.status != RuntimeStatus::Created {
            return Err(refused(id, "start"));
        }
        c.status = RuntimeStatus::Running;
        Ok(())
    }
    fn kill(&self, id: &str, signal: i32, _all: bool) -> Result<(), OciError> {
        let mut m = self.ctrs.lock().unwrap();
        let c = m.get_mut(id).ok_or_else(|| not_found(id))?;
        if c.status == RuntimeStatus::Stopped {
            return Err(refused(id, "kill"));
        }
        Self::end(c, 128 + signal);
        Ok(())
    }
    fn stop(&self, id: &str, signal: i32, _t: Duration) -> Result<(), OciError> {
        self.kill(id, signal, false)
    }
    fn pause(&self, id: &str) -> Result<(), OciError> {
        let mut m = self.ctrs.lock().unwrap();
        let c = m.get_mut(id).ok_or_else(|| not_found(id))?;
        if c.status != RuntimeStatus::Running {
            return Err(refused(id, "pause"));
        }
        c.status = RuntimeStatus::Paused;
        Ok(())
    }
    fn resume(&self, id: &str) -> Result<(), OciError> {
        let mut m = self.ctrs.lock().unwrap();
        let c = m.get_mut(id).ok_or_else(|| not_found(id))?;
        if c.status != RuntimeStatus::Paused {
            return Err(refused(id, "resume"));
        }
        c.status = RuntimeStatus::Running;
        Ok(())
    }
    fn delete(&self, id: &str, force: bool) -> Result<(), OciError> {
        let mut m = self.ctrs.lock().unwrap();
        let c = m.get(id).ok_or_else(|| not_found(id))?;
        if c.status == RuntimeStatus::Running && !force {
            return Err(refused(id, "delete"));
        }
        m.remove(id);
        Ok(())
    }
    fn state(&self, id: &str) -> Result<RuntimeState, OciError> {
        let m = self.ctrs.lock().unwrap();
        let c = m.get(id).ok_or_else(|| not_found(id))?;
        Ok(RuntimeState {
            status: c.status,
            pid: 1,
            bundle: "/".into(),
        })
    }
    fn exit_info(&self, id: &str) -> Result<Option<ExitInfo>, OciError> {
        Ok(self.ctrs.lock().unwrap().get(id).and_then(|c| c.exit))
    }
    fn wait_exit(&self, id: &str, timeout: Duration) -> Result<ExitInfo, OciError> {
        self.exit_info(id)?.ok_or(OciError::Timeout {
            what: "exit",
            id: id.to_string(),
            timeout,
        })
    }
    fn cleanup_files(&self, id: &str) -> Result<(), OciError> {
        if let Some(c) = self.ctrs.lock().unwrap().get_mut(id) {
            c.exit = None;
        }
        Ok(())
    }
    fn attach(&self, id: &str, _b: &Path) -> Result<AttachConn, OciError> {
        Err(not_found(id))
    }
    fn resize(&self, id: &str, _b: &Path, _h: u16, _w: u16) -> Result<(), OciError> {
        Err(not_found(id))
    }
    fn exec(&self, id: &str, _o: &ExecOptions) -> Result<ExecSession, OciError> {
        Err(not_found(id))
    }
    fn update(&self, id: &str, _r: &libpod_oci::Resources) -> Result<(), OciError> {
        Err(not_found(id))
    }
}

// ---------------------------------------------------------------- model

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    Configured,
    Created,
    Running,
    Paused,
    Stopped,
    Exited,
}

#[derive(Debug, Clone)]
struct MCtr {
    status: M,
    /// exit code of the current/last run as the state holds it
    code: Option<i32>,
    /// last exit code recorded in the exit-code table
    recorded: Option<i32>,
    removed: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Create,
    Init(usize),
    Start(usize),
    Stop(usize),
    Kill(usize),
    Pause(usize),
    Unpause(usize),
    Restart(usize),
    Cleanup(usize),
    Remove(usize, bool),
    Wait(usize),
    Exit(usize, i32),
    Reboot,
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..4;
    prop_oneof![
        2 => Just(Op::Create),
        2 => i.clone().prop_map(Op::Init),
        3 => i.clone().prop_map(Op::Start),
        2 => i.clone().prop_map(Op::Stop),
        1 => i.clone().prop_map(Op::Kill),
        1 => i.clone().prop_map(Op::Pause),
        1 => i.clone().prop_map(Op::Unpause),
        1 => i.clone().prop_map(Op::Restart),
        1 => i.clone().prop_map(Op::Cleanup),
        1 => (i.clone(), any::<bool>()).prop_map(|(i, f)| Op::Remove(i, f)),
        1 => i.clone().prop_map(Op::Wait),
        2 => (i, 0i32..4).prop_map(|(i, c)| Op::Exit(i, c)),
        1 => Just(Op::Reboot),
    ]
}

fn to_status(m: M) -> ContainerStatus {
    match m {
        M::Configured => ContainerStatus::Configured,
        M::Created => ContainerStatus::Created,
        M::Running => ContainerStatus::Running,
        M::Paused => ContainerStatus::Paused,
        M::Stopped => ContainerStatus::Stopped,
        M::Exited => ContainerStatus::Exited,
    }
}

struct World {
    dir: tempfile::TempDir,
    boot: u32,
    rt: Runtime,
    fake: Arc<FakeOci>,
    ctrs: Vec<(Container, MCtr)>,
}

fn open(dir: &Path, fake: Arc<FakeOci>) -> Runtime {
    common::builder(dir, "crun")
        .storage_driver("vfs")
        .oci_driver(fake)
        .build()
        .unwrap()
}

fn is_refused(r: &Result<(), Error>) -> bool {
    matches!(r, Err(Error::InvalidState { .. }))
}

impl World {
    fn new(image_dir: &Path) -> World {
        let dir = tempfile::Builder::new()
            .prefix("lpod-model-")
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("boot_id"), "boot-0").unwrap();
        let fake = Arc::new(FakeOci::default());
        let rt = open(dir.path(), fake.clone());
        rt.store()
            .unwrap()
            .load(&image_dir.join("busybox.tar"))
            .unwrap();
        World {
            dir,
            boot: 0,
            rt,
            fake,
            ctrs: Vec::new(),
        }
    }

    /// Applies `op` to the real runtime and the model; checks they agree.
    fn step(&mut self, op: &Op) {
        let live: Vec<usize> = (0..self.ctrs.len())
            .filter(|&i| !self.ctrs[i].1.removed)
            .collect();
        let pick = |i: usize| -> Option<usize> {
            if live.is_empty() {
                None
            } else {
                Some(live[i % live.len()])
            }
        };
        match *op {
            Op::Create => {
                if live.len() >= 4 {
                    return;
                }
                let c = self
                    .rt
                    .create_container(libpod_core::CreateOptions {
                        image: "busybox".into(),
                        command: Some(vec!["true".into()]),
                        ..Default::default()
                    })
                    .unwrap();
                self.ctrs.push((
                    c,
                    MCtr {
                        status: M::Configured,
                        code: None,
                        recorded: None,
                        removed: false,
                    },
                ));
            }
            Op::Reboot => {
                self.rt.shutdown(false).unwrap();
                self.boot += 1;
                std::fs::write(
                    self.dir.path().join("boot_id"),
                    format!("boot-{}", self.boot),
                )
                .unwrap();
                self.fake = Arc::new(FakeOci::default());
                self.rt = open(self.dir.path(), self.fake.clone());
                for (_, m) in self.ctrs.iter_mut() {
                    if m.removed {
                        continue;
                    }
                    m.status = match m.status {
                        M::Configured | M::Created => M::Configured,
                        _ => M::Exited,
                    };
                }
                // Handles must point at the new runtime.
                for (c, m) in self.ctrs.iter_mut() {
                    if !m.removed {
                        *c = self.rt.container(c.id()).unwrap();
                    }
                }
            }
            Op::Init(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.init();
                match m.status {
                    M::Configured | M::Exited | M::Stopped => {
                        r.unwrap();
                        m.status = M::Created;
                        m.code = None;
                    }
                    _ => assert!(is_refused(&r), "{r:?}"),
                }
            }
            Op::Start(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.start();
                match m.status {
                    M::Configured | M::Created | M::Exited | M::Stopped => {
                        r.unwrap();
                        m.status = M::Running;
                        m.code = None;
                    }
                    M::Running => r.unwrap(),
                    M::Paused => assert!(is_refused(&r), "{r:?}"),
                }
            }
            Op::Stop(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                c.stop(Some(Duration::from_secs(5))).unwrap();
                match m.status {
                    M::Configured | M::Exited => {}
                    M::Stopped => m.status = M::Exited,
                    M::Created | M::Paused => {
                        m.status = M::Exited;
                        m.code = Some(137);
                        m.recorded = Some(137);
                    }
                    M::Running => {
                        m.status = M::Exited;
                        m.code = Some(143);
                        m.recorded = Some(143);
                    }
                }
            }
            Op::Kill(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.kill(9);
                match m.status {
                    M::Running | M::Paused => {
                        r.unwrap();
                        m.status = M::Stopped;
                        m.code = Some(137);
                        m.recorded = Some(137);
                    }
                    _ => assert!(is_refused(&r), "{r:?}"),
                }
            }
            Op::Pause(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.pause();
                if m.status == M::Running {
                    r.unwrap();
                    m.status = M::Paused;
                } else {
                    assert!(is_refused(&r), "{r:?}");
                }
            }
            Op::Unpause(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.unpause();
                if m.status == M::Paused {
                    r.unwrap();
                    m.status = M::Running;
                } else {
                    assert!(is_refused(&r), "{r:?}");
                }
            }
            Op::Restart(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.restart(Some(Duration::from_secs(5)));
                if m.status == M::Paused {
                    assert!(is_refused(&r), "{r:?}");
                } else {
                    r.unwrap();
                    if m.status == M::Running {
                        m.recorded = Some(143);
                    }
                    m.status = M::Running;
                    m.code = None;
                }
            }
            Op::Cleanup(i) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.cleanup();
                match m.status {
                    M::Created => {
                        r.unwrap();
                        m.status = M::Configured;
                    }
                    M::Stopped => {
                        r.unwrap();
                        m.status = M::Exited;
                    }
                    M::Configured | M::Exited => r.unwrap(),
                    M::Running | M::Paused => assert!(is_refused(&r), "{r:?}"),
                }
            }
            Op::Remove(i, force) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let r = c.remove(force);
                match (m.status, force) {
                    (M::Running | M::Paused, false) => assert!(is_refused(&r), "{r:?}"),
                    (M::Running | M::Paused, true) => {
                        r.unwrap();
                        m.recorded = Some(137);
                        m.removed = true;
                    }
                    _ => {
                        r.unwrap();
                        m.removed = true;
                    }
                }
            }
            Op::Wait(i) => {
                // Waiting blocks on a container that has yet to exit: only wait
                // where the model says the answer is there.
                let Some(i) = self.ctrs.len().checked_sub(1).map(|n| i.min(n)) else {
                    return;
                };
                let (c, m) = &self.ctrs[i];
                if m.removed {
                    match m.recorded {
                        Some(code) => assert_eq!(self.rt.wait_container(c.id()).unwrap(), code),
                        None => assert!(matches!(
                            self.rt.wait_container(c.id()),
                            Err(Error::NoSuchContainer(_))
                        )),
                    }
                } else if matches!(m.status, M::Stopped | M::Exited) {
                    assert_eq!(c.wait().unwrap(), m.code.unwrap_or(0));
                }
            }
            Op::Exit(i, code) => {
                let Some(i) = pick(i) else { return };
                let (c, m) = &mut self.ctrs[i];
                let exited = self.fake.exit(c.id(), code);
                assert_eq!(exited, m.status == M::Running, "fake and model disagree");
                if exited {
                    m.status = M::Stopped;
                    m.code = Some(code);
                    m.recorded = Some(code);
                }
            }
        }
        self.check();
    }

    fn check(&self) {
        let mut live = 0;
        for (c, m) in &self.ctrs {
            if m.removed {
                assert!(matches!(
                    self.rt.container(c.id()),
                    Err(Error::NoSuchContainer(_))
                ));
                continue;
            }
            live += 1;
            let st = c.state().unwrap();
            assert_eq!(st.status, to_status(m.status), "container {}", c.id());
            if matches!(m.status, M::Stopped | M::Exited) {
                assert_eq!(st.exit_code, m.code, "exit code of {}", c.id());
            }
        }
        assert_eq!(self.rt.list_containers().unwrap().len(), live);
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for (c, m) in &self.ctrs {
            if !m.removed {
                let _ = c.remove(true);
            }
        }
        let _ = self.rt.shutdown(false);
    }
}

fn image_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-image"));
    if dir.join("busybox.tar").exists() {
        Some(dir)
    } else if common::ci() {
        panic!("{}/busybox.tar missing with CI=true", dir.display());
    } else {
        eprintln!("SKIP: no test image");
        None
    }
}

proptest! {
    // 12 cases keep the crate's suite short on 2 cores; LPOD_MODEL_CASES=200 for a long run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("LPOD_MODEL_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(12),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn verbs_exits_and_reboots_match_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        let Some(images) = image_dir() else { return Ok(()) };
        let mut w = World::new(&images);
        for op in &ops {
            w.step(op);
        }
    }
}
