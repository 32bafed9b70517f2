//! One reader of `/proc/PID/stat` for every test that asks about a process: is it
//! still running, is it stopped, who is its parent, which session is it in.

/// The fields of `/proc/PID/stat` the tests read (see proc(5)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// The state letter: `R`, `S`, `D`, `T`, `Z`, `X`, ...
    pub state: char,
    /// The parent's pid.
    pub ppid: i32,
    /// The process group.
    pub pgrp: i32,
    /// The session id.
    pub session: i32,
}

/// `/proc/PID/stat`, parsed; `None` when there is no such process (or the line
/// does not parse). The command name may hold spaces and parentheses, so the
/// fields are read after its last `)`.
pub fn proc_stat(pid: i32) -> Option<ProcStat> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgrp = f.next()?.parse().ok()?;
    let session = f.next()?.parse().ok()?;
    Some(ProcStat {
        state,
        ppid,
        pgrp,
        session,
    })
}

/// True when `pid` no longer runs: no such process, or a zombie (`Z`) or dead (`X`)
/// one that its parent has not reaped yet.
pub fn pid_gone(pid: i32) -> bool {
    proc_stat(pid).is_none_or(|s| matches!(s.state, 'Z' | 'X'))
}

/// True when `pid` exists and is not a zombie: the opposite of [`pid_gone`].
pub fn pid_live(pid: i32) -> bool {
    !pid_gone(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id() as i32;
        let s = proc_stat(me).expect("own stat");
        assert!(matches!(s.state, 'R' | 'S'), "{s:?}");
        assert_eq!(s.ppid, std::os::unix::process::parent_id() as i32);
        assert!(pid_live(me));
    }

    #[test]
    fn an_unreaped_child_is_a_zombie_and_gone() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id() as i32;
        // Not reaped yet, so the pid cannot be reused while this waits.
        crate::poll_until("true to exit", crate::POLL_LIMIT, || {
            (proc_stat(pid)?.state == 'Z').then_some(())
        });
        assert!(pid_gone(pid));
        assert_eq!(
            proc_stat(pid).map(|s| s.ppid),
            Some(std::process::id() as i32)
        );
        child.wait().expect("reap");
    }
}
