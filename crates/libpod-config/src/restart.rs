//! Restart policies with Docker's semantics: which exit is restarted, and the
//! backoff between restarts (doubling from 100 ms to 1 min, back to the start
//! after 10 s of uptime), so a crash-looping container does not eat the machine.
//!
//! Pure rules over the container's recorded state; libpod-core applies them in
//! the exit path (conmon's exit command) and records the outcome in
//! [`ContainerState`](crate::ContainerState).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::RestartPolicy;

/// The first wait before a restart.
pub const RESTART_BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest wait before a restart.
pub const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(60);
/// A run at least this long resets the backoff to [`RESTART_BACKOFF_MIN`].
pub const RESTART_BACKOFF_RESET_AFTER: Duration = Duration::from_secs(10);

/// How the user ended the last run, as far as restart policies care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserStop {
    /// Stopped by the user (`stop`, or `kill` with SIGKILL or the stop signal):
    /// never restarted.
    pub stopped: bool,
    /// Signalled by the user with another signal (Docker's "manually stopped"):
    /// an `unless-stopped` container is not restarted; `always` and `on-failure` are.
    pub killed: bool,
}

impl RestartPolicy {
    /// Whether an exit with `exit_code` is restarted, after `restart_count`
    /// restarts by the policy, as Docker decides: a user stop never is; `always`
    /// otherwise is; `unless-stopped` unless the user signalled it; `on-failure[:N]`
    /// on a non-zero code while fewer than N restarts were made (0 = no limit).
    pub fn restarts(&self, exit_code: i32, restart_count: u32, user: UserStop) -> bool {
        if user.stopped {
            return false;
        }
        match *self {
            RestartPolicy::No => false,
            RestartPolicy::Always => true,
            RestartPolicy::UnlessStopped => !user.killed,
            RestartPolicy::OnFailure(max) => exit_code != 0 && (max == 0 || restart_count < max),
        }
    }

    /// Whether `system boot` starts a container with this policy that ran when
    /// the host went down (`always` and `unless-stopped`).
    pub fn starts_at_boot(&self) -> bool {
        matches!(self, RestartPolicy::Always | RestartPolicy::UnlessStopped)
    }
}

/// The wait before the next restart, given the previous one (`prev`, zero when
/// there was none) and how long the run that just ended lasted: 100 ms first,
/// then doubling up to 1 min; a run of 10 s or more starts over at 100 ms.
pub fn next_restart_backoff(prev: Duration, uptime: Duration) -> Duration {
    if prev.is_zero() || uptime >= RESTART_BACKOFF_RESET_AFTER {
        return RESTART_BACKOFF_MIN;
    }
    (prev * 2).clamp(RESTART_BACKOFF_MIN, RESTART_BACKOFF_MAX)
}

/// A restart the policy scheduled: the process (conmon's exit command) that waits
/// out the backoff without holding any lock, then starts the container. Recorded
/// so that a user stop, start or removal meanwhile can cancel it (and end that
/// process: it is ours, identified by pid and start time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRestart {
    /// Pid of the waiting process.
    pub pid: i32,
    /// Its start time (clock ticks since boot, field 22 of `/proc/PID/stat`).
    pub start_time: u64,
    /// When the restart is due.
    pub due: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: UserStop = UserStop {
        stopped: false,
        killed: false,
    };
    const STOPPED: UserStop = UserStop {
        stopped: true,
        killed: false,
    };
    const KILLED: UserStop = UserStop {
        stopped: false,
        killed: true,
    };

    #[test]
    fn docker_semantics() {
        use RestartPolicy::*;
        assert!(!No.restarts(1, 0, NONE));
        assert!(Always.restarts(0, 100, NONE));
        assert!(Always.restarts(137, 0, KILLED));
        assert!(!Always.restarts(137, 0, STOPPED));
        assert!(UnlessStopped.restarts(0, 0, NONE));
        assert!(!UnlessStopped.restarts(1, 0, KILLED));
        assert!(!UnlessStopped.restarts(1, 0, STOPPED));
        assert!(!OnFailure(2).restarts(0, 0, NONE));
        assert!(OnFailure(2).restarts(1, 0, NONE));
        assert!(OnFailure(2).restarts(1, 1, NONE));
        assert!(!OnFailure(2).restarts(1, 2, NONE));
        assert!(OnFailure(0).restarts(1, 1000, NONE));
        assert!(OnFailure(0).restarts(1, 0, KILLED));
        assert!(!OnFailure(0).restarts(1, 0, STOPPED));
        assert!(Always.starts_at_boot() && UnlessStopped.starts_at_boot());
        assert!(!No.starts_at_boot() && !OnFailure(3).starts_at_boot());
    }

    #[test]
    fn backoff_doubles_caps_and_resets() {
        let short = Duration::from_millis(5);
        let mut b = Duration::ZERO;
        let mut seen = Vec::new();
        for _ in 0..12 {
            b = next_restart_backoff(b, short);
            seen.push(b.as_millis());
        }
        assert_eq!(
            seen,
            [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]
        );
        assert_eq!(
            next_restart_backoff(Duration::from_secs(60), Duration::from_secs(10)),
            RESTART_BACKOFF_MIN
        );
        assert_eq!(
            next_restart_backoff(Duration::from_secs(60), Duration::from_millis(9999)),
            RESTART_BACKOFF_MAX
        );
    }
}
