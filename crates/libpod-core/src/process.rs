//! Facts about host processes read from `/proc`, one way for all of core:
//! whether a pid still lives (a zombie counts as dead: it will never act
//! again), whether a recorded process (pid + start time: a journal entry's
//! owner, a health monitor, a slirp4netns, a restart's waiter) is still the
//! one that was recorded, and signalling it only then.

use std::path::PathBuf;
use std::sync::OnceLock;

use libpod_config::ProcessRecord;
use libpod_state::JournalOwner;

/// The fields of `/proc/<pid>/stat` core uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stat {
    /// The command name (field 2, without the parentheses).
    pub(crate) comm: String,
    /// The state letter (field 3): `R`, `S`, `D`, `Z`, ...
    pub(crate) state: char,
    /// The start time (field 22, clock ticks since boot).
    pub(crate) start: u64,
}

/// Why a stat file could not be used.
#[derive(Debug)]
pub(crate) enum StatError {
    /// The file could not be read (mostly: no such process).
    Read(PathBuf, std::io::Error),
    /// The file did not have the expected fields.
    Format(PathBuf),
}

/// Reads `/proc/<pid>/stat`.
pub(crate) fn stat(pid: i32) -> Result<Stat, StatError> {
    let path = PathBuf::from(format!("/proc/{pid}/stat"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return Err(StatError::Read(path, e)),
    };
    // comm is in parentheses and may contain spaces: split after the last ')'.
    let Some((head, rest)) = text.rsplit_once(')') else {
        return Err(StatError::Format(path));
    };
    let comm = head
        .split_once('(')
        .map(|(_, c)| c.to_string())
        .unwrap_or_default();
    // rest starts at field 3 (state); field 22 is index 19 there.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first().and_then(|s| s.chars().next());
    let start = fields.get(19).and_then(|s| s.parse::<u64>().ok());
    match (state, start) {
        (Some(state), Some(start)) => Ok(Stat { comm, state, start }),
        _ => Err(StatError::Format(path)),
    }
}

/// True when `pid` names a process that has not exited: it exists and is no zombie
/// (the OCI layer's liveness check, which its own audit uses too).
pub(crate) fn pid_alive(pid: i32) -> bool {
    libpod_oci::check::pid_alive_for(pid, None)
}

impl From<StatError> for crate::Error {
    fn from(e: StatError) -> Self {
        match e {
            StatError::Read(path, source) => {
                crate::Error::io("read process identity", path, source)
            }
            StatError::Format(path) => crate::Error::io(
                "parse process identity",
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, "bad stat format"),
            ),
        }
    }
}

/// True when `pid` is still the process recorded with start time `start`: it
/// exists, has that start time (a reused pid has another) and is no zombie.
pub(crate) fn same_process(pid: i32, start: u64) -> bool {
    matches!(stat(pid), Ok(s) if s.start == start && s.state != 'Z')
}

/// Sends `sig` to `pid` only when it is still the process recorded with start
/// time `start` ([`same_process`]). Ok(true): sent; Ok(false): not that process
/// (gone, a zombie or a reused pid): nothing sent; Err: kill(2) failed.
pub(crate) fn kill_if_same(
    pid: i32,
    start: u64,
    sig: nix::sys::signal::Signal,
) -> nix::Result<bool> {
    if !same_process(pid, start) {
        return Ok(false);
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig)?;
    Ok(true)
}

/// This process's identity: its pid and start time (read once per process).
pub(crate) fn current_identity() -> Result<ProcessRecord, StatError> {
    static ME: OnceLock<ProcessRecord> = OnceLock::new();
    let pid = std::process::id() as i32;
    // A forked child has another pid: it reads its own identity.
    if let Some(me) = ME.get().filter(|me| me.pid == pid) {
        return Ok(*me);
    }
    let me = ProcessRecord {
        pid,
        start_time: stat(pid)?.start,
    };
    Ok(*ME.get_or_init(|| me))
}

/// True when a journal entry's owner still runs: the same boot, and the pid
/// names a live (non-zombie) process with the owner's start time.
pub(crate) fn owner_alive(owner: &JournalOwner, boot_id: &str) -> bool {
    owner.boot_id == boot_id && same_process(owner.pid, owner.start_time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_its_owner_too() {
        let pid = std::process::id() as i32;
        let s = stat(pid).unwrap();
        assert!(!s.comm.is_empty());
        assert_ne!(s.state, 'Z');
        assert!(pid_alive(pid));
        let me = JournalOwner {
            pid,
            start_time: s.start,
            boot_id: "b".into(),
        };
        assert!(owner_alive(&me, "b"));
        assert!(!owner_alive(&me, "another boot"));
        let reused = JournalOwner {
            start_time: s.start + 1,
            ..me
        };
        assert!(!owner_alive(&reused, "b"));
        assert!(stat(i32::MAX).is_err());
        assert!(!pid_alive(i32::MAX));
    }

    #[test]
    fn same_process_needs_the_recorded_start_time() {
        let me = current_identity().unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
        assert_eq!(stat(me.pid).unwrap().start, me.start_time);
        assert_eq!(current_identity().unwrap(), me);
        assert!(same_process(me.pid, me.start_time));
        assert!(!same_process(me.pid, me.start_time + 1));
        assert!(!same_process(i32::MAX, me.start_time));
        // Nothing is sent to a gone pid or to a pid with another start time.
        assert_eq!(
            kill_if_same(i32::MAX, 0, nix::sys::signal::Signal::SIGKILL),
            Ok(false)
        );
        assert_eq!(
            kill_if_same(me.pid, me.start_time + 1, nix::sys::signal::Signal::SIGKILL),
            Ok(false)
        );
    }

    #[test]
    fn a_zombie_is_dead() {
        // A child that exited and is not reaped yet is a zombie.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !matches!(stat(pid), Ok(s) if s.state == 'Z') {
            assert!(
                std::time::Instant::now() < deadline,
                "child never became a zombie"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!pid_alive(pid));
        let owner = JournalOwner {
            pid,
            start_time: stat(pid).unwrap().start,
            boot_id: "b".into(),
        };
        assert!(!owner_alive(&owner, "b"));
        assert!(!same_process(pid, owner.start_time));
        child.wait().unwrap();
    }
}
