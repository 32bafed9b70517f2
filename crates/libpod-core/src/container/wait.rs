//! `wait`: blocks until the container exits, without holding its lock (Podman
//! #8501), and returns the exit code; after removal, the exit-code table answers.

use std::time::{Duration, Instant};

use libpod_config::ContainerStatus;
use libpod_state::StateError;

use super::*;
use crate::Error;

const FIRST_POLL: Duration = Duration::from_millis(2);
const MAX_POLL: Duration = Duration::from_millis(100);

/// What an unlocked look at a container says.
enum Seen {
    /// It exited with this code (or is gone and this code was recorded).
    Exited(i32),
    /// Gone without a recorded code.
    Gone,
    /// Still to wait for.
    Pending,
}

fn look(p: &Parts, id: &str, configured_counts_as_exited: bool) -> Result<Seen> {
    if let Some(i) = p.oci.exit_info(id)? {
        return Ok(Seen::Exited(i.exit_code));
    }
    match p.state.container_state(id) {
        Ok(st) => Ok(match st.status {
            s if s.has_exited() => Seen::Exited(st.exit_code.unwrap_or(0)),
            ContainerStatus::Configured if configured_counts_as_exited => {
                Seen::Exited(st.exit_code.unwrap_or(0))
            }
            _ => Seen::Pending,
        }),
        Err(StateError::NoSuchContainer { .. }) => match p.state.exit_code(id) {
            Ok(c) => Ok(Seen::Exited(c)),
            Err(_) => Ok(Seen::Gone),
        },
        Err(e) => Err(e.into()),
    }
}

/// Polls until the container is no longer running or `timeout` passes; returns
/// the exit code, or `None` on timeout. Never holds the container lock.
pub(crate) fn wait_unlocked(
    p: &Parts,
    id: &str,
    timeout: Option<Duration>,
    configured_counts_as_exited: bool,
) -> Result<Option<i32>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut step = FIRST_POLL;
    loop {
        match look(p, id, configured_counts_as_exited)? {
            Seen::Exited(c) => return Ok(Some(c)),
            Seen::Gone => return Err(Error::NoSuchContainer(id.to_string())),
            Seen::Pending => {}
        }
        if let Some(d) = deadline {
            if Instant::now() >= d {
                return Ok(None);
            }
        }
        // The driver's wait wakes as soon as conmon writes the exit file; the
        // state is re-read at least every MAX_POLL (removal, cleanup by others).
        let mut slice = step;
        if let Some(d) = deadline {
            slice = slice.min(d.saturating_duration_since(Instant::now()));
        }
        let t = Instant::now();
        if let Ok(i) = p.oci.wait_exit(id, slice) {
            return Ok(Some(i.exit_code));
        }
        if let Some(rest) = slice.checked_sub(t.elapsed()) {
            std::thread::sleep(rest);
        }
        step = (step * 2).min(MAX_POLL);
    }
}

impl Container {
    /// Blocks until the container exits and returns its exit code; works also
    /// after the container was removed (the state keeps exit codes).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn wait(&self) -> Result<i32> {
        let p = self.parts()?;
        wait_unlocked(&p, &self.id, None, false)?.ok_or(Error::NoSuchContainer(self.id.clone()))
    }

    /// Podman's `wait`: returns at once for a container that is not running (never
    /// started, or created and not started: its exit code, 0 when it never ran), else
    /// blocks until it exits, as [`Container::wait`].
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn wait_stopped(&self) -> Result<i32> {
        let p = self.parts()?;
        match p.state.container_state(&self.id) {
            Ok(mut st) => {
                crate::ops::sync::peek_exit(&p, &self.id, &mut st);
                if matches!(
                    st.status,
                    ContainerStatus::Configured | ContainerStatus::Created
                ) {
                    return Ok(st.exit_code.unwrap_or(0));
                }
            }
            Err(StateError::NoSuchContainer { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        wait_unlocked(&p, &self.id, None, true)?.ok_or(Error::NoSuchContainer(self.id.clone()))
    }

    /// Blocks until the container's status is one of `statuses` (Podman's `wait
    /// --condition`; `stopped` and `exited` both mean "has exited", `created` also
    /// matches `configured`). Returns the exit code once exited, else -1 (as Podman).
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn wait_for_status(&self, statuses: &[ContainerStatus]) -> Result<i32> {
        let p = self.parts()?;
        let wanted = |s: ContainerStatus| {
            statuses.iter().any(|w| {
                *w == s
                    || (w.has_exited() && s.has_exited())
                    || (*w == ContainerStatus::Created && s == ContainerStatus::Configured)
                    || (*w == ContainerStatus::Configured && s == ContainerStatus::Created)
            })
        };
        let mut step = FIRST_POLL;
        loop {
            let mut st = p
                .state
                .container_state(&self.id)
                .map_err(|e| crate::context::ctr_err(e, &self.id))?;
            crate::ops::sync::peek_exit(&p, &self.id, &mut st);
            if wanted(st.status) {
                return Ok(if st.status.has_exited() {
                    st.exit_code.unwrap_or(0)
                } else {
                    -1
                });
            }
            std::thread::sleep(step);
            step = (step * 2).min(MAX_POLL);
        }
    }

    /// As [`Container::wait`], giving up after `timeout` with `Error::Timeout`.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<i32> {
        let p = self.parts()?;
        wait_unlocked(&p, &self.id, Some(timeout), false)?.ok_or(Error::Timeout {
            id: self.id.clone(),
            seconds: timeout.as_secs(),
        })
    }
}
