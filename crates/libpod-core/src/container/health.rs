//! Healthchecks: `healthcheck run` (one check, recorded) and the monitor's loop
//! (checks on schedule, the on-failure action). How the monitor process is started,
//! found and reaped, and why there is one per container, is `crate::health_monitor`.

use std::sync::mpsc;
use std::time::Duration;

use chrono::Utc;
use libpod_config::{
    failpoint, ContainerStatus, HealthConfig, HealthLogEntry, HealthOnFailure, HealthState,
    HealthStatus,
};

use super::exec::SharedBuf;
use super::health_opts::HealthcheckError;
use super::*;
use crate::ops::lock::Locked;

impl Container {
    /// Runs the container's healthcheck once (in the container, through exec, within
    /// its timeout), records the result in the state (`State.Health`), emits a
    /// `health_status` event and returns the new status (`lpod healthcheck run`). When
    /// the container became unhealthy, its `--health-on-failure` action is taken before
    /// this returns, as in Podman (a killed container has exited by then).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn healthcheck_run(&self) -> Result<HealthStatus> {
        let hc = self.healthcheck_config()?;
        let p = self.enter()?;
        let entry = self.run_check(&p, &hc)?;
        failpoint::hit("container.health.before_record");
        let status = self.record(&p, &hc, entry)?;
        drop(p);
        if status == HealthStatus::Unhealthy {
            if let Err(e) = self.take_on_failure_action(hc.on_failure) {
                // The health monitor may have taken the action first: only a container
                // that still runs is a failure of it.
                if self.status()? == ContainerStatus::Running {
                    return Err(e);
                }
            }
        }
        Ok(status)
    }

    /// The container's enabled healthcheck.
    fn healthcheck_config(&self) -> Result<HealthConfig> {
        let cfg = self.config()?;
        match cfg.healthcheck {
            Some(hc) if !hc.is_disabled() => Ok(hc),
            _ => Err(HealthcheckError::NoHealthcheck(cfg.id).into()),
        }
    }

    /// Execs the check and collects its exit code and output; a check that outlives
    /// its timeout is killed and counts as failed (exit code -1, Podman's message).
    fn run_check(&self, p: &crate::context::Parts, hc: &HealthConfig) -> Result<HealthLogEntry> {
        let argv = hc.argv().map_err(HealthcheckError::from)?;
        let start = Utc::now();
        let opts = ExecOptions {
            command: argv.clone(),
            ..ExecOptions::default()
        };
        let session = match self.start_exec_session(p, &opts) {
            Ok(s) => s,
            // A check whose command is missing is a failed check, as in Podman.
            Err(e @ (crate::Error::CommandNotFound(_) | crate::Error::CommandNotInvokable(_))) => {
                let code = if matches!(e, crate::Error::CommandNotFound(_)) {
                    127
                } else {
                    126
                };
                return Ok(HealthLogEntry {
                    start,
                    end: Utc::now(),
                    exit_code: code,
                    output: e.to_string(),
                });
            }
            // The exec's own state check (under the lock it takes) says it does not run.
            Err(crate::Error::InvalidState { .. }) => {
                return Err(HealthcheckError::NotRunning(self.id.clone()).into())
            }
            Err(e) => return Err(e),
        };
        let pid = session.pid;
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let streams = Streams {
            stdin: None,
            stdout: Box::new(SharedBuf(out.clone())),
            stderr: Box::new(SharedBuf(out.clone())),
        };
        let (tx, rx) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            let r = (|| -> Result<i32> {
                if let Some(conn) = session.conn() {
                    let conn = conn.try_clone()?;
                    super::attach::pump(conn, streams, &[])?;
                }
                Ok(session.wait()?)
            })();
            let _ = tx.send(r);
        });
        let timeout = hc.timeout();
        let (code, mut output, timed_out) = match rx.recv_timeout(timeout) {
            Ok(r) => (r?, String::new(), false),
            Err(_) => {
                // SAFETY: kill(2) of the check's own process, which we started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                let _ = rx.recv_timeout(Duration::from_secs(10));
                (
                    -1,
                    format!(
                        "healthcheck command exceeded timeout of {}",
                        crate::top::go_duration(timeout.as_nanos())
                    ),
                    true,
                )
            }
        };
        // The worker ends once the session's connection closes.
        if !timed_out {
            let _ = worker.join();
        }
        if output.is_empty() {
            let bytes = out
                .lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default();
            output = String::from_utf8_lossy(&bytes).into_owned();
            // The log keeps the text without its final newline, as Podman's.
            output.truncate(output.trim_end_matches('\n').len());
        }
        crate::events::container_by_id(
            p,
            &self.id,
            crate::events::EventStatus::ExecDied,
            Some(code),
        );
        Ok(HealthLogEntry {
            start,
            end: Utc::now(),
            exit_code: code,
            output,
        })
    }

    /// Records a result under the lock (only while the container still runs) and
    /// emits `health_status`.
    fn record(
        &self,
        p: &crate::context::Parts,
        hc: &HealthConfig,
        entry: HealthLogEntry,
    ) -> Result<HealthStatus> {
        let mut l = Locked::acquire(p, &self.id)?;
        if l.st.status != ContainerStatus::Running {
            return Err(HealthcheckError::NotRunning(self.id.clone()).into());
        }
        let in_start_period = l.st.started_at.is_some_and(|s| {
            (entry.start - s)
                .to_std()
                .is_ok_and(|d| d < hc.start_period())
        });
        let status = l.st.health.get_or_insert_with(HealthState::default).record(
            entry,
            hc.retries(),
            in_start_period,
        );
        l.save()?;
        let mut ev =
            crate::events::Event::container(&l.cfg, crate::events::EventStatus::HealthStatus);
        ev.health_status = status.as_str().to_string();
        crate::events::emit(p, ev);
        Ok(status)
    }

    /// The monitor's life (what `lpod container healthmonitor ID` runs): registers
    /// itself in the container's state, then checks every interval until the
    /// container stops running, its record names another process, or an on-failure
    /// action ran. The first check runs one interval after the start (as Docker's).
    /// Returns when it should exit; see `crate::health_monitor`.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn health_monitor(&self) -> Result<()> {
        let hc = match self.healthcheck_config() {
            Ok(hc) => hc,
            Err(crate::Error::NoSuchContainer(_)) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some(interval) = hc.interval() else {
            return Ok(());
        };
        let me = crate::health_monitor::current()?;
        let p = self.enter()?;
        {
            let mut l = match Locked::acquire(&p, &self.id) {
                Ok(l) => l,
                Err(crate::Error::NoSuchContainer(_)) => return Ok(()),
                Err(e) => return Err(e),
            };
            if !matches!(
                l.st.status,
                ContainerStatus::Running | ContainerStatus::Paused
            ) {
                return Ok(());
            }
            if let Some(other) = l.st.health_monitor {
                if other != me && crate::health_monitor::alive(&other) {
                    tracing::debug!(pid = other.pid, "another health monitor watches it");
                    return Ok(());
                }
            }
            l.st.health_monitor = Some(me);
            l.save()?;
        }
        drop(p);
        loop {
            std::thread::sleep(interval);
            let p = self.enter()?;
            {
                let l = match Locked::acquire(&p, &self.id) {
                    Ok(l) => l,
                    Err(crate::Error::NoSuchContainer(_)) => return Ok(()),
                    Err(e) => return Err(e),
                };
                if l.st.health_monitor != Some(me) {
                    return Ok(());
                }
                match l.st.status {
                    ContainerStatus::Running => {}
                    // No checks while paused (as Podman); the monitor stays.
                    ContainerStatus::Paused => continue,
                    _ => return Ok(()),
                }
            }
            let status = match self.run_check(&p, &hc) {
                Ok(o) => self.record(&p, &hc, o),
                Err(e) => Err(e),
            };
            let status = match status {
                Ok(s) => s,
                Err(crate::Error::NoSuchContainer(_)) => return Ok(()),
                // Paused or stopped meanwhile: the next tick looks at the status again.
                Err(crate::Error::Health(HealthcheckError::NotRunning(_))) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "healthcheck could not run");
                    continue;
                }
            };
            if status == HealthStatus::Unhealthy && hc.on_failure != HealthOnFailure::None {
                return self.on_failure(&p, me, hc.on_failure);
            }
        }
    }

    /// Runs the on-failure action, after removing this monitor's record (so the
    /// teardown the action causes does not kill the process running it).
    fn on_failure(
        &self,
        p: &crate::context::Parts,
        me: libpod_config::MonitorRecord,
        action: HealthOnFailure,
    ) -> Result<()> {
        {
            let mut l = Locked::acquire(p, &self.id)?;
            if l.st.health_monitor != Some(me) || l.st.status != ContainerStatus::Running {
                return Ok(());
            }
            l.st.health_monitor = None;
            l.save()?;
        }
        self.take_on_failure_action(action)
    }

    /// The `--health-on-failure` action itself, for the monitor and `healthcheck run`
    /// alike; a kill returns once the container has exited.
    fn take_on_failure_action(&self, action: HealthOnFailure) -> Result<()> {
        if action == HealthOnFailure::None {
            return Ok(());
        }
        tracing::info!(
            action = action.as_str(),
            "container unhealthy: on-failure action"
        );
        match action {
            HealthOnFailure::None => Ok(()),
            HealthOnFailure::Kill => self
                .kill(libc::SIGKILL)
                .and_then(|()| self.wait().map(drop)),
            HealthOnFailure::Stop => self.stop(None),
            HealthOnFailure::Restart => self.restart(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timeouts_print_like_go() {
        use crate::top::go_duration;
        use std::time::Duration;
        assert_eq!(go_duration(Duration::from_secs(30).as_nanos()), "30s");
        assert_eq!(go_duration(Duration::from_millis(1500).as_nanos()), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(90).as_nanos()), "1m30s");
    }
}
