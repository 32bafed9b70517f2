//! The healthcheck monitor process: how it is started, found and reaped. What it
//! does once running (the schedule, the checks, the on-failure action) is
//! `Container::health_monitor` in `container/health.rs`.
//!
//! # Design: one monitor per container, registering itself
//!
//! Without systemd there is no timer to run checks after the CLI exits, and lpod has
//! no daemon. So `start` launches a small process of lpod's own binary
//! (`lpod [global flags] container healthmonitor --run-root RUN_ROOT ID`): detached
//! (double fork, so it is nobody's child to reap; `setsid`; stdio on /dev/null;
//! `LPOD_FAILPOINT` removed from its environment) and living as long as the run of
//! the container it watches.
//!
//! One per container rather than one per run root, because:
//! - its lifetime is exactly the container's run: it starts with `start`, and
//!   `teardown` (which stop, rm, the exit command's cleanup and crash recovery all
//!   go through) kills it. A shared monitor would need its own start/stop protocol,
//!   a socket or a rescan of the database to learn about new containers, and one
//!   crash of it would stop every container's checks at once.
//! - the record is a field of the container's state, written under the container's
//!   lock: every change to "who watches this container" is serialised with the
//!   container's lifecycle by the lock that already exists. A per-run-root monitor
//!   would need a lock of its own and an order with the container locks.
//! - it costs one sleeping lpod process per container with a scheduled healthcheck
//!   (about 22 MB RSS for a debug build, mostly shared binary pages); containers
//!   without one get none. A per-run-root monitor would save that memory; a host
//!   with hundreds of checked containers is where that would matter.
//!
//! The record is `ContainerState::health_monitor` (pid + `/proc` start time, so a
//! reused pid is never killed). The launcher learns the monitor's pid through a pipe
//! and `start` saves it under the lock it holds; and the *monitor* registers itself
//! too: it takes the container's lock and goes on only when the container runs and
//! the record is empty, dead or names itself; otherwise it exits. So if `start` is
//! SIGKILLed between the spawn and the save (failpoint
//! `container.health.after_monitor_spawn`) nothing is left unrecorded: the monitor
//! records itself, or exits because the container is gone or stopped. On each
//! tick it checks again that the container runs and that the record still names
//! it, and exits otherwise. Before an on-failure action (stop, kill, restart) it
//! removes its own record under the lock, so the teardown that the action causes
//! does not kill the process doing it; a restart's start launches the next monitor.
//!
//! `lpod system check` lists every monitor process of its run root (by command
//! line) and reports one that its container's record does not name as an
//! `orphan-health-monitor` (`--repair` kills it after checking its start time again),
//! and a running container with a scheduled healthcheck whose recorded monitor is dead
//! as `dead-health-monitor` (`--repair` starts a new one).

use std::path::Path;

use libpod_config::{ContainerState, MonitorRecord};

use crate::context::Parts;
use crate::{Error, Result};

/// The subcommand words the monitor runs under.
pub const SUBCOMMAND: [&str; 2] = ["container", "healthmonitor"];
/// The flag naming the run root in a monitor's command line (what audits match).
pub const RUN_ROOT_FLAG: &str = "--run-root";

/// This process as a monitor record.
pub(crate) fn current() -> Result<MonitorRecord> {
    let pid = std::process::id() as i32;
    let start = crate::journal::proc_start(pid)?.0;
    Ok(MonitorRecord {
        pid,
        start_time: start,
    })
}

/// True when `rec` names a live process (not a zombie) with the recorded start time.
pub(crate) fn alive(rec: &MonitorRecord) -> bool {
    matches!(crate::process::stat(rec.pid), Ok(s) if s.start == rec.start_time && s.state != 'Z')
}

/// Launches the monitor of container `id`, detached, and returns its record (pid
/// and start time) for the caller to save under the container's lock. Without an
/// lpod binary (a runtime built with no exit command) there is none (`Ok(None)`):
/// checks then run only on demand (`Container::healthcheck_run`).
pub(crate) fn spawn(p: &Parts, id: &str) -> Result<Option<MonitorRecord>> {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    let Some((bin, global)) = &p.opts.exit_command else {
        return Ok(None);
    };
    // The launcher (the intermediate child) reports the monitor's pid on this pipe.
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two fds into the array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::io(
            "create the health monitor's pipe",
            bin.clone(),
            std::io::Error::last_os_error(),
        ));
    }
    // SAFETY: both fds were just created by pipe2 and are owned by nobody else.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let wfd = fds[1];
    let mut cmd = std::process::Command::new(bin);
    cmd.args(global)
        .args(SUBCOMMAND)
        .arg(RUN_ROOT_FLAG)
        .arg(p.opts.tmp_dir())
        .arg(id)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .env_remove(libpod_config::failpoint::ENV)
        .current_dir("/");
    for kv in &p.opts.config.conmon_env_vars {
        if let Some((k, v)) = kv.split_once('=') {
            cmd.env(k, v);
        }
    }
    // SAFETY: the closure runs in the forked child before exec and only calls
    // async-signal-safe functions (setsid, fork, write, _exit) on memory it owns.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            match libc::fork() {
                -1 => Err(std::io::Error::last_os_error()),
                // The grandchild goes on to exec the monitor (the pipe is close-on-exec).
                0 => Ok(()),
                // The intermediate child reports the monitor's pid and exits at once:
                // the monitor is nobody's child.
                pid => {
                    let bytes = pid.to_ne_bytes();
                    let _ = libc::write(wfd, bytes.as_ptr().cast(), bytes.len());
                    libc::_exit(0)
                }
            }
        });
    }
    let spawned = cmd.spawn();
    drop(write_end);
    let mut child = spawned.map_err(|e| Error::io("start the health monitor", bin.clone(), e))?;
    child
        .wait()
        .map_err(|e| Error::io("wait for the health monitor launcher", bin.clone(), e))?;
    let mut buf = [0u8; 4];
    std::fs::File::from(read_end)
        .read_exact(&mut buf)
        .map_err(|e| Error::io("read the health monitor's pid", bin.clone(), e))?;
    let pid = i32::from_ne_bytes(buf);
    let start_time = crate::journal::proc_start(pid)?.0;
    tracing::debug!(id, pid, "health monitor launched");
    Ok(Some(MonitorRecord { pid, start_time }))
}

/// Kills the monitor `st` records (unless it is this process, which is acting on
/// its container) and clears the record. Call under the container's lock.
pub(crate) fn reap(st: &mut ContainerState) {
    let Some(rec) = st.health_monitor.take() else {
        return;
    };
    if rec.pid == std::process::id() as i32 || !alive(&rec) {
        return;
    }
    // SAFETY: kill(2) with a pid whose start time we just checked against the record.
    if unsafe { libc::kill(rec.pid, libc::SIGKILL) } != 0 {
        tracing::debug!(pid = rec.pid, error = %std::io::Error::last_os_error(), "health monitor already gone");
    } else {
        tracing::debug!(pid = rec.pid, "health monitor killed");
    }
}

/// A monitor process of this run root found in `/proc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Its pid and start time.
    pub(crate) rec: MonitorRecord,
    /// The container it watches.
    pub(crate) id: String,
}

/// The container id a monitor's command line names, when it is a monitor of
/// `run_root`.
fn monitor_of(args: &[String], run_root: &Path) -> Option<String> {
    let at = args
        .windows(2)
        .position(|w| w[0] == SUBCOMMAND[0] && w[1] == SUBCOMMAND[1])?;
    let rest = &args[at + 2..];
    let flag = rest.iter().position(|a| a == RUN_ROOT_FLAG)?;
    if Path::new(rest.get(flag + 1)?) != run_root {
        return None;
    }
    let id = rest.last()?;
    libpod_storage::digest::is_hex64(id).then(|| id.clone())
}

/// Every live monitor process of this run root.
pub(crate) fn find(p: &Parts) -> Vec<Found> {
    let run_root = p.opts.tmp_dir();
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let Some(id) = monitor_of(&args, &run_root) else {
            continue;
        };
        let Ok(s) = crate::process::stat(pid) else {
            continue;
        };
        if s.state == 'Z' {
            continue;
        }
        out.push(Found {
            rec: MonitorRecord {
                pid,
                start_time: s.start,
            },
            id,
        });
    }
    out
}

/// Kills a monitor found by [`find`] after checking its start time again.
pub(crate) fn kill_found(rec: &MonitorRecord) -> bool {
    if !alive(rec) {
        return false;
    }
    // SAFETY: kill(2) of a pid whose start time was just checked.
    unsafe { libc::kill(rec.pid, libc::SIGKILL) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_of_monitors() {
        let id = "a".repeat(64);
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = args(&[
            "/usr/bin/lpod",
            "--root",
            "/r",
            "container",
            "healthmonitor",
            "--run-root",
            "/run/x",
            &id,
        ]);
        assert_eq!(monitor_of(&ok, Path::new("/run/x")), Some(id.clone()));
        assert_eq!(monitor_of(&ok, Path::new("/run/y")), None);
        let cleanup = args(&["/usr/bin/lpod", "container", "cleanup", &id]);
        assert_eq!(monitor_of(&cleanup, Path::new("/run/x")), None);
        let short = args(&[
            "lpod",
            "container",
            "healthmonitor",
            "--run-root",
            "/run/x",
            "abc",
        ]);
        assert_eq!(monitor_of(&short, Path::new("/run/x")), None);
    }

    #[test]
    fn own_process_record_is_alive_and_reap_spares_it() {
        let me = current().unwrap();
        assert!(alive(&me));
        assert!(!alive(&MonitorRecord {
            start_time: me.start_time + 1,
            ..me
        }));
        let mut st = ContainerState {
            health_monitor: Some(me),
            ..Default::default()
        };
        reap(&mut st);
        assert_eq!(st.health_monitor, None);
    }
}
