//! `top`: the processes running in a container (or in every container of a pod),
//! read from `/proc`: every host process in the container's pid namespace, with the
//! pids as the container sees them.

use std::path::Path;

use crate::container::Container;
use crate::pod::Pod;
use crate::{Error, Result};

/// One process, with Podman's `top` columns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopRow {
    /// User name (from the container's /etc/passwd, else the uid).
    pub user: String,
    /// Pid in the container's pid namespace.
    pub pid: i64,
    /// Parent pid in the container's pid namespace (0 outside it).
    pub ppid: i64,
    /// CPU share, Podman's `%CPU`.
    pub cpu: String,
    /// Time since the process started.
    pub elapsed: String,
    /// Controlling terminal (`?` when none).
    pub tty: String,
    /// CPU time used.
    pub time: String,
    /// The command line.
    pub command: String,
}

/// Podman's header of `top` for [`TopRow`].
pub const TOP_HEADER: [&str; 8] = [
    "USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND",
];

impl TopRow {
    /// The row's cells in [`TOP_HEADER`] order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.user.clone(),
            self.pid.to_string(),
            self.ppid.to_string(),
            self.cpu.clone(),
            self.elapsed.clone(),
            self.tty.clone(),
            self.time.clone(),
            self.command.clone(),
        ]
    }
}

fn status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status.lines().find_map(|l| {
        l.strip_prefix(key)
            .map(|v| v.trim_start_matches(':').trim())
    })
}

/// The pid as the innermost namespace sees it (last `NSpid` field), else the host pid.
fn ns_pid(status: &str, host: i64) -> i64 {
    status_field(status, "NSpid")
        .and_then(|v| v.split_whitespace().last())
        .and_then(|p| p.parse().ok())
        .unwrap_or(host)
}

fn user_name(root: &Path, uid: u32) -> String {
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap_or_default();
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[0].to_string())
        })
        .unwrap_or_else(|| {
            if uid == 0 {
                "root".into()
            } else {
                uid.to_string()
            }
        })
}

fn seconds(s: f64) -> String {
    if s >= 3600.0 {
        format!(
            "{}h{}m{:.0}s",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64,
            s % 60.0
        )
    } else if s >= 60.0 {
        format!("{}m{:.3}s", (s / 60.0) as u64, s % 60.0)
    } else {
        format!("{s:.3}s")
    }
}

/// The processes in the pid namespace of `init_pid` (a container's first process).
pub(crate) fn processes(init_pid: i32) -> Result<Vec<TopRow>> {
    let ns_link = format!("/proc/{init_pid}/ns/pid");
    let ns = std::fs::read_link(&ns_link).map_err(|e| Error::io("read", &ns_link, e))?;
    let root = std::path::PathBuf::from(format!("/proc/{init_pid}/root"));
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|u| u.split_whitespace().next().and_then(|s| s.parse().ok()))
        .unwrap_or(0.0);
    let dir = std::fs::read_dir("/proc").map_err(|e| Error::io("read", "/proc", e))?;
    // (host pid, host ppid, row)
    let mut found: Vec<(i64, i64, TopRow)> = Vec::new();
    for ent in dir.flatten() {
        let Some(pid) = ent.file_name().to_str().and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        if std::fs::read_link(format!("/proc/{pid}/ns/pid"))
            .ok()
            .as_ref()
            != Some(&ns)
        {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let uid = status_field(&status, "Uid")
            .and_then(|v| v.split_whitespace().next())
            .and_then(|u| u.parse().ok())
            .unwrap_or(0);
        let host_ppid = status_field(&status, "PPid")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, r)| r.split_whitespace().collect())
            .unwrap_or_default();
        let num = |i: usize| {
            fields
                .get(i)
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // Fields after the command start at field 3: utime is 14, stime 15, start 22.
        let cpu_secs = (num(11) + num(12)) / ticks;
        let elapsed = (uptime - num(19) / ticks).max(0.0);
        let cpu = if elapsed > 0.0 {
            cpu_secs * 100.0 / elapsed
        } else {
            0.0
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let mut command = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        if command.is_empty() {
            command = status_field(&status, "Name").unwrap_or("").to_string();
        }
        found.push((
            pid,
            host_ppid,
            TopRow {
                user: user_name(&root, uid),
                pid: ns_pid(&status, pid),
                ppid: 0,
                cpu: format!("{cpu:.3}"),
                elapsed: seconds(elapsed),
                tty: "?".into(),
                time: seconds(cpu_secs),
                command,
            },
        ));
    }
    let in_ns: Vec<(i64, i64)> = found.iter().map(|(h, _, r)| (*h, r.pid)).collect();
    let mut rows: Vec<TopRow> = found
        .into_iter()
        .map(|(_, host_ppid, mut r)| {
            r.ppid = in_ns
                .iter()
                .find(|(h, _)| *h == host_ppid)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            r
        })
        .collect();
    rows.sort_by_key(|r| r.pid);
    Ok(rows)
}

impl Container {
    /// The processes running in the container (empty when it does not run).
    pub fn top(&self) -> Result<Vec<TopRow>> {
        let st = self.state()?;
        match (st.status, st.pid) {
            (libpod_config::ContainerStatus::Running, Some(pid)) => processes(pid),
            _ => Ok(Vec::new()),
        }
    }
}

impl Pod {
    /// The processes of every running container of the pod (infra included), each pid
    /// namespace once.
    pub fn top(&self) -> Result<Vec<TopRow>> {
        let mut out = Vec::new();
        let mut namespaces = Vec::new();
        for c in self.containers()? {
            let st = match c.state() {
                Ok(s) => s,
                Err(Error::NoSuchContainer(_)) => continue,
                Err(e) => return Err(e),
            };
            let (libpod_config::ContainerStatus::Running, Some(pid)) = (st.status, st.pid) else {
                continue;
            };
            let Ok(ns) = std::fs::read_link(format!("/proc/{pid}/ns/pid")) else {
                continue;
            };
            if namespaces.contains(&ns) {
                continue;
            }
            namespaces.push(ns);
            out.extend(processes(pid)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_namespace_lists_this_process() {
        let me = std::process::id() as i32;
        let rows = processes(me).unwrap();
        assert!(rows.iter().any(|r| r.pid == i64::from(me)), "{rows:?}");
        assert_eq!(TOP_HEADER.len(), rows[0].cells().len());
    }

    #[test]
    fn durations_read_like_podman() {
        assert_eq!(seconds(1.5), "1.500s");
        assert_eq!(seconds(61.0), "1m1.000s");
        assert_eq!(ns_pid("Name:\tx\nNSpid:\t1234\t7\n", 1234), 7);
        assert_eq!(ns_pid("Name:\tx\n", 9), 9);
    }
}
