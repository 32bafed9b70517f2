//! Syncing a container's state with what conmon left behind: the exit file
//! (exit code, time, OOM flag) and whether conmon still lives.

use chrono::{DateTime, Utc};
use libpod_config::{ContainerState, ContainerStatus};

use crate::context::Parts;
use crate::Result;

/// Applies an observed exit to `st`: Stopped (the runtime container still
/// exists until cleanup), exit code, finish time, OOM flag.
pub(crate) fn apply_exit(st: &mut ContainerState, code: i32, at: DateTime<Utc>, oom: bool) {
    st.status = ContainerStatus::Stopped;
    st.exit_code = Some(code);
    st.finished_at = Some(at);
    st.oom_killed = oom;
    st.pid = None;
}

/// Looks at conmon's exit file (and conmon's liveness) for a monitored
/// container; on an exit, updates `st`, records the exit code in the state's
/// exit-code table, and returns true (the caller saves `st`). Call under the lock.
pub(crate) fn sync_exit(p: &Parts, id: &str, st: &mut ContainerState) -> Result<bool> {
    if !st.status.is_monitored() {
        return Ok(false);
    }
    let info = match p.oci.exit_info(id)? {
        Some(i) => Some(i),
        None => match st.conmon_pid {
            // conmon died without writing an exit file (killed): look once more
            // (it may have written it just before exiting), else unknown (-1).
            Some(pid) if !crate::process::pid_alive(pid) => p.oci.exit_info(id)?,
            _ => return Ok(false),
        },
    };
    let (code, at, oom) = match info {
        Some(i) => (
            i.exit_code,
            DateTime::<Utc>::from(i.exited_at),
            i.oom_killed,
        ),
        None => (-1, Utc::now(), false),
    };
    apply_exit(st, code, at, oom);
    st.conmon_pid = None;
    p.state.add_exit_code(id, code)?;
    crate::events::container_by_id(p, id, crate::events::EventStatus::Died, Some(code));
    tracing::debug!(id, code, "container exited");
    Ok(true)
}

/// The same as [`sync_exit`] for display only: no lock, nothing saved, errors ignored.
pub(crate) fn peek_exit(p: &Parts, id: &str, st: &mut ContainerState) {
    if !st.status.is_monitored() {
        return;
    }
    if let Ok(Some(i)) = p.oci.exit_info(id) {
        apply_exit(
            st,
            i.exit_code,
            DateTime::<Utc>::from(i.exited_at),
            i.oom_killed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_exit_sets_stopped() {
        let mut st = ContainerState {
            status: ContainerStatus::Running,
            pid: Some(5),
            ..Default::default()
        };
        apply_exit(&mut st, 3, Utc::now(), true);
        assert_eq!(st.status, ContainerStatus::Stopped);
        assert_eq!(st.exit_code, Some(3));
        assert!(st.oom_killed);
        assert_eq!(st.pid, None);
    }

    #[test]
    fn own_pid_is_alive() {
        assert!(crate::process::pid_alive(std::process::id() as i32));
    }
}
