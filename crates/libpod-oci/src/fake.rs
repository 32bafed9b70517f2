//! An in-memory [`OciRuntime`] for tests of higher layers (state-machine property tests).
//! It follows the runtime's rules (start only from created, pause only when running, delete
//! only when not running unless forced) and records calls; processes "exit" when
//! [`FakeRuntime::exit`] is called or on kill/stop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use oci_spec::runtime::Spec;

use crate::attach::AttachConn;
use crate::driver::{
    CreateOptions, Created, ExitInfo, OciError, OciRuntime, RuntimeState, RuntimeStatus,
};
use crate::exec::{ExecOptions, ExecSession};

#[derive(Debug, Clone)]
struct FakeCtr {
    status: RuntimeStatus,
    pid: i32,
    bundle: PathBuf,
}

#[derive(Debug, Default)]
struct Inner {
    ctrs: HashMap<String, FakeCtr>,
    exits: HashMap<String, ExitInfo>,
    next_pid: i32,
    calls: Vec<String>,
    fail_create: Option<String>,
}

/// A fake runtime; see the module docs.
#[derive(Debug, Default)]
pub struct FakeRuntime {
    inner: Mutex<Inner>,
}

impl FakeRuntime {
    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Make the container's process exit with `code` (as if it ended by itself).
    pub fn exit(&self, id: &str, code: i32, oom: bool) {
        let mut g = self.lock();
        if let Some(c) = g.ctrs.get_mut(id) {
            if matches!(c.status, RuntimeStatus::Running | RuntimeStatus::Paused) {
                c.status = RuntimeStatus::Stopped;
                c.pid = 0;
                g.exits.insert(
                    id.to_string(),
                    ExitInfo {
                        exit_code: code,
                        exited_at: SystemTime::now(),
                        oom_killed: oom,
                    },
                );
            }
        }
    }

    /// Make the next create fail with this runtime message.
    pub fn fail_next_create(&self, message: &str) {
        self.lock().fail_create = Some(message.to_string());
    }

    /// The verbs called so far, as `verb id`.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    fn err(verb: &'static str, id: &str, msg: &str) -> OciError {
        OciError::Runtime {
            runtime: "fake".into(),
            verb,
            id: id.to_string(),
            status: "exit status: 1".into(),
            stderr: msg.to_string(),
        }
    }

    fn with<T>(
        &self,
        verb: &'static str,
        id: &str,
        f: impl FnOnce(&mut Inner) -> Result<T, OciError>,
    ) -> Result<T, OciError> {
        let mut g = self.lock();
        g.calls.push(format!("{verb} {id}"));
        if !g.ctrs.contains_key(id) && verb != "create" {
            return Err(OciError::NotFound {
                id: id.to_string(),
                runtime: "fake".into(),
            });
        }
        f(&mut g)
    }
}

fn signal_exit(g: &mut Inner, id: &str, signal: i32) {
    if let Some(c) = g.ctrs.get_mut(id) {
        c.status = RuntimeStatus::Stopped;
        c.pid = 0;
    }
    g.exits.insert(
        id.to_string(),
        ExitInfo {
            exit_code: 128 + signal,
            exited_at: SystemTime::now(),
            oom_killed: false,
        },
    );
}

impl OciRuntime for FakeRuntime {
    fn create(
        &self,
        id: &str,
        bundle: &Path,
        _spec: &Spec,
        _opts: &CreateOptions,
    ) -> Result<Created, OciError> {
        self.with("create", id, |g| {
            if let Some(message) = g.fail_create.take() {
                return Err(OciError::CreateFailed {
                    id: id.to_string(),
                    runtime: "fake".into(),
                    message,
                });
            }
            if g.ctrs.contains_key(id) {
                return Err(Self::err("create", id, "container already exists"));
            }
            g.next_pid += 1;
            let pid = 100_000 + g.next_pid;
            g.exits.remove(id);
            g.ctrs.insert(
                id.to_string(),
                FakeCtr {
                    status: RuntimeStatus::Created,
                    pid,
                    bundle: bundle.to_path_buf(),
                },
            );
            Ok(Created {
                pid,
                conmon_pid: Some(pid - 1),
            })
        })
    }

    fn start(&self, id: &str) -> Result<(), OciError> {
        self.with("start", id, |g| {
            let c = g
                .ctrs
                .get_mut(id)
                .ok_or_else(|| Self::err("start", id, "gone"))?;
            if c.status != RuntimeStatus::Created {
                return Err(Self::err(
                    "start",
                    id,
                    "cannot start a container that is not created",
                ));
            }
            c.status = RuntimeStatus::Running;
            Ok(())
        })
    }

    fn kill(&self, id: &str, signal: i32, _all: bool) -> Result<(), OciError> {
        self.with("kill", id, |g| {
            let status = g.ctrs[id].status;
            if status == RuntimeStatus::Stopped {
                return Err(Self::err("kill", id, "container not running"));
            }
            if signal != 0 {
                signal_exit(g, id, signal);
            }
            Ok(())
        })
    }

    fn stop(&self, id: &str, signal: i32, _timeout: Duration) -> Result<(), OciError> {
        self.with("stop", id, |g| {
            if g.ctrs[id].status != RuntimeStatus::Stopped {
                signal_exit(g, id, signal);
            }
            Ok(())
        })
    }

    fn pause(&self, id: &str) -> Result<(), OciError> {
        self.with("pause", id, |g| {
            let c = g
                .ctrs
                .get_mut(id)
                .ok_or_else(|| Self::err("pause", id, "gone"))?;
            if c.status != RuntimeStatus::Running {
                return Err(Self::err("pause", id, "container not running"));
            }
            c.status = RuntimeStatus::Paused;
            Ok(())
        })
    }

    fn resume(&self, id: &str) -> Result<(), OciError> {
        self.with("resume", id, |g| {
            let c = g
                .ctrs
                .get_mut(id)
                .ok_or_else(|| Self::err("resume", id, "gone"))?;
            if c.status != RuntimeStatus::Paused {
                return Err(Self::err("resume", id, "container not paused"));
            }
            c.status = RuntimeStatus::Running;
            Ok(())
        })
    }

    fn delete(&self, id: &str, force: bool) -> Result<(), OciError> {
        self.with("delete", id, |g| {
            let status = g.ctrs[id].status;
            if matches!(status, RuntimeStatus::Running | RuntimeStatus::Paused) {
                if !force {
                    return Err(Self::err("delete", id, "container is running"));
                }
                signal_exit(g, id, libc::SIGKILL);
            }
            g.ctrs.remove(id);
            Ok(())
        })
    }

    fn state(&self, id: &str) -> Result<RuntimeState, OciError> {
        self.with("state", id, |g| {
            let c = &g.ctrs[id];
            Ok(RuntimeState {
                status: c.status,
                pid: c.pid,
                bundle: c.bundle.clone(),
            })
        })
    }

    fn exit_info(&self, id: &str) -> Result<Option<ExitInfo>, OciError> {
        Ok(self.lock().exits.get(id).copied())
    }

    fn wait_exit(&self, id: &str, timeout: Duration) -> Result<ExitInfo, OciError> {
        self.exit_info(id)?.ok_or(OciError::Timeout {
            what: "exit file",
            id: id.to_string(),
            timeout,
        })
    }

    fn cleanup_files(&self, id: &str) -> Result<(), OciError> {
        self.lock().exits.remove(id);
        Ok(())
    }

    fn attach(&self, id: &str, _bundle: &Path) -> Result<AttachConn, OciError> {
        Err(OciError::Unsupported {
            op: "attach",
            id: id.to_string(),
        })
    }

    fn resize(&self, id: &str, _bundle: &Path, _h: u16, _w: u16) -> Result<(), OciError> {
        Err(OciError::Unsupported {
            op: "resize",
            id: id.to_string(),
        })
    }

    fn exec(&self, id: &str, _opts: &ExecOptions) -> Result<ExecSession, OciError> {
        Err(OciError::Unsupported {
            op: "exec",
            id: id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_runtime_rules() {
        let f = FakeRuntime::new();
        let spec = Spec::default();
        let c = f
            .create("a", Path::new("/b"), &spec, &CreateOptions::default())
            .unwrap();
        assert!(c.pid > 0);
        assert!(f.pause("a").is_err());
        f.start("a").unwrap();
        assert!(f.start("a").is_err());
        f.pause("a").unwrap();
        assert_eq!(f.state("a").unwrap().status, RuntimeStatus::Paused);
        f.resume("a").unwrap();
        assert!(f.delete("a", false).is_err());
        f.exit("a", 3, false);
        assert_eq!(f.wait_exit("a", Duration::ZERO).unwrap().exit_code, 3);
        f.delete("a", false).unwrap();
        assert!(matches!(f.state("a"), Err(OciError::NotFound { .. })));
        f.fail_next_create("boom");
        assert!(matches!(
            f.create("b", Path::new("/b"), &spec, &CreateOptions::default()),
            Err(OciError::CreateFailed { .. })
        ));
    }
}
