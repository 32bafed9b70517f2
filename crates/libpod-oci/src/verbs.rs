//! Lifecycle verbs of [`ConmonRuntime`] that call the runtime directly, conmon's exit files,
//! and the [`OciRuntime`] implementation.

use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use oci_spec::runtime::Spec;

use crate::attach::AttachConn;
use crate::conmon::ConmonRuntime;
use crate::driver::{
    CreateOptions, Created, ExitInfo, OciError, OciRuntime, RuntimeState, RuntimeStatus,
};
use crate::error::io_err;
use crate::exec::{ExecOptions, ExecSession};

/// How long pause and resume wait for the runtime to report the new status.
const PAUSE_SETTLE: Duration = Duration::from_secs(5);

/// How long stop waits for SIGKILL to take effect before giving up.
const KILL_WAIT: Duration = Duration::from_secs(30);

/// A pidfd for `pid`, or `None` if the process is already gone.
pub(crate) fn pidfd_open(pid: i32, id: &str) -> Result<Option<OwnedFd>, OciError> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1; no memory is shared.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        let errno = nix::errno::Errno::last();
        if errno == nix::errno::Errno::ESRCH {
            return Ok(None);
        }
        return Err(OciError::Sys {
            op: "pidfd_open",
            id: id.to_string(),
            source: errno,
        });
    }
    // SAFETY: the syscall returned a fresh descriptor that we now own.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd as i32) }))
}

/// Wait until the process behind `pidfd` exits; `false` on timeout.
pub(crate) fn wait_pidfd(pidfd: &OwnedFd, timeout: Duration, id: &str) -> Result<bool, OciError> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32)
            .unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, ms) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(nix::Error::EINTR) => continue,
            Err(source) => {
                return Err(OciError::Sys {
                    op: "poll pidfd",
                    id: id.to_string(),
                    source,
                })
            }
        }
    }
}

impl ConmonRuntime {
    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn start_impl(&self, id: &str) -> Result<(), OciError> {
        self.run_runtime("start", id, &[id]).map(|_| ())
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn kill_impl(&self, id: &str, signal: i32, all: bool) -> Result<(), OciError> {
        let sig = signal.to_string();
        if all {
            self.run_runtime("kill", id, &["--all", id, &sig])
        } else {
            self.run_runtime("kill", id, &[id, &sig])
        }
        .map(|_| ())
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn stop_impl(&self, id: &str, signal: i32, timeout: Duration) -> Result<(), OciError> {
        let st = self.state_impl(id)?;
        if st.status == RuntimeStatus::Stopped || st.pid <= 0 {
            return Ok(());
        }
        let Some(pidfd) = pidfd_open(st.pid, id)? else {
            return Ok(());
        };
        let paused = st.status == RuntimeStatus::Paused;
        if let Err(e) = self.kill_impl(id, signal, false) {
            if !wait_pidfd(&pidfd, Duration::ZERO, id)? {
                return Err(e);
            }
            return Ok(());
        }
        if paused {
            // a frozen process cannot act on the signal
            let _ = self.resume_impl(id);
        }
        if wait_pidfd(&pidfd, timeout, id)? {
            return Ok(());
        }
        tracing::info!(id, ?timeout, "stop signal timed out, sending SIGKILL");
        if let Err(e) = self.kill_impl(id, libc::SIGKILL, false) {
            if !wait_pidfd(&pidfd, Duration::ZERO, id)? {
                return Err(e);
            }
        }
        if wait_pidfd(&pidfd, KILL_WAIT, id)? {
            Ok(())
        } else {
            Err(OciError::Timeout {
                what: "SIGKILL",
                id: id.to_string(),
                timeout: KILL_WAIT,
            })
        }
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn pause_impl(&self, id: &str) -> Result<(), OciError> {
        self.run_runtime("pause", id, &[id])?;
        self.settle(id, "paused", |s| s == RuntimeStatus::Paused)
    }

    /// Freezing and thawing are asynchronous on cgroup2 (`cgroup.freeze` is written;
    /// the kernel reports `frozen 1|0` in `cgroup.events` once every task is stopped or
    /// running again), and the runtime may return before that, so that `state` still
    /// shows the old status. Waits, a bounded while, until the runtime reports what
    /// the verb did: a pause or resume is done when it returns.
    fn settle(
        &self,
        id: &str,
        what: &str,
        done: fn(RuntimeStatus) -> bool,
    ) -> Result<(), OciError> {
        let deadline = Instant::now() + PAUSE_SETTLE;
        loop {
            let st = self.state_impl(id)?;
            if done(st.status) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                tracing::warn!(id, status = ?st.status, "the runtime does not report the container {what} yet");
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn resume_impl(&self, id: &str) -> Result<(), OciError> {
        self.run_runtime("resume", id, &[id])?;
        self.settle(id, "running", |s| s != RuntimeStatus::Paused)
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn delete_impl(&self, id: &str, force: bool) -> Result<(), OciError> {
        if force {
            self.run_runtime("delete", id, &["--force", id])
        } else {
            self.run_runtime("delete", id, &[id])
        }
        .map(|_| ())
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn state_impl(&self, id: &str) -> Result<RuntimeState, OciError> {
        let out = self.run_runtime("state", id, &[id])?;
        parse_state(&out, id)
    }

    fn exit_info_impl(&self, id: &str) -> Result<Option<ExitInfo>, OciError> {
        let path = self.exit_file(id);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("reading exit file", &path)(e)),
        };
        let text = text.trim();
        if text.is_empty() {
            // conmon writes the file atomically, but be tolerant of a racing reader
            return Ok(None);
        }
        let exit_code: i32 = text.parse().map_err(|e| OciError::Parse {
            what: "exit file",
            id: id.to_string(),
            detail: format!("{e}: {text:?}"),
        })?;
        let exited_at = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(io_err("stat exit file", &path))?;
        let oom_killed = self.persist_dir(id).join("oom").exists();
        Ok(Some(ExitInfo {
            exit_code,
            exited_at,
            oom_killed,
        }))
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn wait_exit_impl(&self, id: &str, timeout: Duration) -> Result<ExitInfo, OciError> {
        use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
        let deadline = Instant::now() + timeout;
        // conmon writes the exit file to a temporary name and renames it: watch the directory
        // so we wake up as soon as it appears (polling remains as a fallback).
        let watch = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)
            .and_then(|ino| {
                ino.add_watch(
                    &self.exit_dir(),
                    AddWatchFlags::IN_MOVED_TO | AddWatchFlags::IN_CLOSE_WRITE,
                )
                .map(|_| ino)
            })
            .ok();
        loop {
            if let Some(info) = self.exit_info_impl(id)? {
                return Ok(info);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(OciError::Timeout {
                    what: "exit file",
                    id: id.to_string(),
                    timeout,
                });
            }
            match &watch {
                Some(ino) => {
                    let ms = left.as_millis().min(100) as i32;
                    let mut fds = [PollFd::new(ino.as_fd(), PollFlags::POLLIN)];
                    let _ = poll(
                        &mut fds,
                        PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
                    );
                    // drain events; we re-check the file either way
                    while let Ok(ev) = ino.read_events() {
                        if ev.is_empty() {
                            break;
                        }
                    }
                }
                None => std::thread::sleep(Duration::from_millis(5).min(left)),
            }
        }
    }

    #[tracing::instrument(skip(self), fields(runtime = self.runtime_name()))]
    fn cleanup_files_impl(&self, id: &str) -> Result<(), OciError> {
        let exit = self.exit_file(id);
        match std::fs::remove_file(&exit) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("removing exit file", &exit)(e)),
        }
        let persist = self.persist_dir(id);
        match std::fs::remove_dir_all(&persist) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("removing persist dir", &persist)(e)),
        }
    }
}

/// Parse the runtime's `state` JSON.
pub(crate) fn parse_state(out: &[u8], id: &str) -> Result<RuntimeState, OciError> {
    let v: serde_json::Value = serde_json::from_slice(out).map_err(|e| OciError::Parse {
        what: "runtime state",
        id: id.to_string(),
        detail: e.to_string(),
    })?;
    let status = match v["status"].as_str().unwrap_or("") {
        "creating" => RuntimeStatus::Creating,
        "created" => RuntimeStatus::Created,
        "running" => RuntimeStatus::Running,
        "paused" => RuntimeStatus::Paused,
        "stopped" => RuntimeStatus::Stopped,
        other => {
            return Err(OciError::Parse {
                what: "runtime state status",
                id: id.to_string(),
                detail: format!("unknown status {other:?}"),
            })
        }
    };
    Ok(RuntimeState {
        status,
        pid: v["pid"].as_i64().unwrap_or(0) as i32,
        bundle: v["bundle"].as_str().unwrap_or("").into(),
    })
}

impl OciRuntime for ConmonRuntime {
    fn create(
        &self,
        id: &str,
        bundle: &Path,
        spec: &Spec,
        opts: &CreateOptions,
    ) -> Result<Created, OciError> {
        self.create_impl(id, bundle, spec, opts)
    }
    fn start(&self, id: &str) -> Result<(), OciError> {
        self.start_impl(id)
    }
    fn kill(&self, id: &str, signal: i32, all: bool) -> Result<(), OciError> {
        self.kill_impl(id, signal, all)
    }
    fn stop(&self, id: &str, signal: i32, timeout: Duration) -> Result<(), OciError> {
        self.stop_impl(id, signal, timeout)
    }
    fn pause(&self, id: &str) -> Result<(), OciError> {
        self.pause_impl(id)
    }
    fn resume(&self, id: &str) -> Result<(), OciError> {
        self.resume_impl(id)
    }
    fn delete(&self, id: &str, force: bool) -> Result<(), OciError> {
        self.delete_impl(id, force)
    }
    fn state(&self, id: &str) -> Result<RuntimeState, OciError> {
        self.state_impl(id)
    }
    fn exit_info(&self, id: &str) -> Result<Option<ExitInfo>, OciError> {
        self.exit_info_impl(id)
    }
    fn wait_exit(&self, id: &str, timeout: Duration) -> Result<ExitInfo, OciError> {
        self.wait_exit_impl(id, timeout)
    }
    fn cleanup_files(&self, id: &str) -> Result<(), OciError> {
        self.cleanup_files_impl(id)
    }
    fn conmon_pid(&self, id: &str) -> Option<i32> {
        std::fs::read_to_string(self.conmon_pidfile(id))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }
    #[tracing::instrument(skip(self, bundle), fields(bundle = %bundle.display()))]
    fn attach(&self, id: &str, bundle: &Path) -> Result<AttachConn, OciError> {
        AttachConn::connect(&bundle.join("attach"), id)
    }
    #[tracing::instrument(skip(self, bundle), fields(bundle = %bundle.display()))]
    fn resize(&self, id: &str, bundle: &Path, height: u16, width: u16) -> Result<(), OciError> {
        crate::attach::resize(&bundle.join("ctl"), id, height, width)
    }
    fn exec(&self, id: &str, opts: &ExecOptions) -> Result<ExecSession, OciError> {
        self.exec_impl(id, opts)
    }

    fn update(&self, id: &str, resources: &crate::spec::Resources) -> Result<(), OciError> {
        self.update_impl(id, resources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_runc_state() {
        let s = br#"{"ociVersion":"1.0.2","id":"x","pid":1234,"status":"running","bundle":"/b","rootfs":"/r","created":"2026-01-01T00:00:00Z","owner":""}"#;
        let st = parse_state(s, "x").unwrap();
        assert_eq!(st.status, RuntimeStatus::Running);
        assert_eq!(st.pid, 1234);
        assert!(parse_state(br#"{"status":"weird"}"#, "x").is_err());
    }

    #[test]
    fn pidfd_of_self_does_not_fire() {
        let fd = pidfd_open(std::process::id() as i32, "self")
            .unwrap()
            .unwrap();
        assert!(!wait_pidfd(&fd, Duration::ZERO, "self").unwrap());
    }
}
