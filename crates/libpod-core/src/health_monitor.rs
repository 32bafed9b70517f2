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
//! reused pid is never killed). `start` only launches the monitor; the *monitor*
//! registers itself: it takes the container's lock (so it goes on only after the
//! `start` that launched it released it) and goes on only when the container runs
//! and the record is empty, dead or names itself; otherwise it exits. So if `start`
//! is SIGKILLed right after the spawn (failpoint
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
//! as `dead-health-monitor` (`--repair` clears the record and starts a new monitor,
//! which registers itself).

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
    Ok(crate::process::current_identity()?)
}

/// True when `rec` names a live process (not a zombie) with the recorded start time.
pub(crate) fn alive(rec: &MonitorRecord) -> bool {
    crate::process::same_process(rec.pid, rec.start_time)
}

/// Launches the monitor of container `id`, detached; the monitor records itself
/// in the container's state (see the module doc). Without an lpod binary (a
/// runtime built with no exit command) there is none: checks then run only on
/// demand (`Container::healthcheck_run`).
pub(crate) fn spawn(p: &Parts, id: &str) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let Some((bin, global)) = &p.opts.exit_command else {
        return Ok(());
    };
    let mut cmd = std::process::Command::new(bin);
    cmd.args(global)
        .args(SUBCOMMAND)
        .arg(RUN_ROOT_FLAG)
        .arg(p.opts.tmp_dir())
        .arg(id)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .current_dir("/");
    libpod_config::failpoint::scrub(&mut cmd);
    for kv in &p.opts.config.conmon_env_vars {
        if let Some((k, v)) = kv.split_once('=') {
            cmd.env(k, v);
        }
    }
    // SAFETY: the closure runs in the forked child before exec and only calls
    // async-signal-safe functions (setsid, fork, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            match libc::fork() {
                -1 => Err(std::io::Error::last_os_error()),
                // The grandchild goes on to exec the monitor.
                0 => Ok(()),
                // The intermediate child exits at once: the monitor is nobody's child.
                _ => libc::_exit(0),
            }
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::io("start the health monitor", bin.clone(), e))?;
    child
        .wait()
        .map_err(|e| Error::io("wait for the health monitor launcher", bin.clone(), e))?;
    tracing::debug!(id, "health monitor launched");
    Ok(())
}

/// Kills the monitor `st` records (unless it is this process, which is acting on
/// its container) and clears the record. Call under the container's lock.
pub(crate) fn reap(st: &mut ContainerState) {
    let Some(rec) = st.health_monitor.take() else {
        return;
    };
    if rec.pid == std::process::id() as i32 {
        return;
    }
    match crate::process::kill_if_same(rec.pid, rec.start_time, nix::sys::signal::Signal::SIGKILL) {
        Ok(true) => tracing::debug!(pid = rec.pid, "health monitor killed"),
        Ok(false) => {}
        Err(e) => tracing::debug!(pid = rec.pid, error = %e, "health monitor already gone"),
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

/// Every live monitor process of this run root among `procs` (pid and argv of
/// each host process: one walk of `/proc` per audit).
pub(crate) fn find(p: &Parts, procs: &[(i32, Vec<String>)]) -> Vec<Found> {
    let run_root = p.opts.tmp_dir();
    procs
        .iter()
        .filter_map(|(pid, args)| {
            let id = monitor_of(args, &run_root)?;
            let s = crate::process::stat(*pid).ok().filter(|s| s.state != 'Z')?;
            Some(Found {
                rec: MonitorRecord {
                    pid: *pid,
                    start_time: s.start,
                },
                id,
            })
        })
        .collect()
}

/// Kills a monitor found by [`find`] after checking its start time again.
pub(crate) fn kill_found(rec: &MonitorRecord) -> bool {
    matches!(
        crate::process::kill_if_same(rec.pid, rec.start_time, nix::sys::signal::Signal::SIGKILL),
        Ok(true)
    )
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
