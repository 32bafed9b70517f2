//! `top`: the processes running in a container (or in every container of a pod),
//! read from `/proc`: every host process in the container's pid namespace, with the
//! pids as the container sees them.

use std::path::Path;

use crate::container::Container;
use crate::pod::Pod;
use crate::{Error, Result};

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

/// A `top` answer: a header and rows of cells. When lpod ran `ps` in the container
/// (descriptors that are ps(1) options), each line of its output is one cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopTable {
    /// Column titles.
    pub header: Vec<String>,
    /// One row per process.
    pub rows: Vec<Vec<String>>,
}

/// The format descriptors `top` reads from /proc itself (Podman's, from psgo): the
/// AIX names and codes of ps(1) plus capabilities, seccomp, label and the host's
/// view (`h*`). Anything else is handed to ps(1) in the container.
pub const DESCRIPTORS: &[(&str, Option<&str>, &str)] = &[
    ("args", Some("%a"), "COMMAND"),
    ("capamb", None, "AMBIENT CAPS"),
    ("capbnd", None, "BOUNDING CAPS"),
    ("capeff", None, "EFFECTIVE CAPS"),
    ("capinh", None, "INHERITED CAPS"),
    ("capprm", None, "PERMITTED CAPS"),
    ("comm", Some("%c"), "COMMAND"),
    ("etime", Some("%t"), "ELAPSED"),
    ("group", Some("%G"), "GROUP"),
    ("groups", None, "GROUPS"),
    ("hgroup", None, "HGROUP"),
    ("hgroups", None, "HGROUPS"),
    ("hpid", None, "HPID"),
    ("huid", None, "HUID"),
    ("huser", None, "HUSER"),
    ("label", None, "LABEL"),
    ("nice", Some("%n"), "NI"),
    ("pcpu", Some("%C"), "%CPU"),
    ("pgid", Some("%r"), "PGID"),
    ("pid", Some("%p"), "PID"),
    ("ppid", Some("%P"), "PPID"),
    ("rgroup", Some("%g"), "RGROUP"),
    ("rss", None, "RSS"),
    ("ruser", Some("%u"), "RUSER"),
    ("seccomp", None, "SECCOMP"),
    ("state", None, "STATE"),
    ("stime", None, "STIME"),
    ("time", Some("%x"), "TIME"),
    ("tty", Some("%y"), "TTY"),
    ("uid", None, "UID"),
    ("user", Some("%U"), "USER"),
    ("vsz", Some("%z"), "VSZ"),
];

/// Podman's default columns.
pub const DEFAULT_DESCRIPTORS: &[&str] = &[
    "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args",
];

/// The normal name of a descriptor (`pid` or `%p`), if `top` knows it.
fn known_descriptor(d: &str) -> Option<&'static str> {
    DESCRIPTORS
        .iter()
        .find(|(n, c, _)| *n == d || *c == Some(d))
        .map(|(n, _, _)| *n)
}

/// Capability names by bit (the kernel's numbering), without `CAP_`, as psgo prints them.
const CAP_NAMES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

fn caps_text(hex: &str) -> String {
    let Ok(mask) = u64::from_str_radix(hex.trim(), 16) else {
        return "?".into();
    };
    let last = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .unwrap_or(40)
        .min(63);
    let full = if last >= 63 {
        u64::MAX
    } else {
        (1u64 << (last + 1)) - 1
    };
    if mask == 0 {
        return "none".into();
    }
    if mask & full == full {
        return "full".into();
    }
    (0..64)
        .filter(|b| mask & (1u64 << b) != 0)
        .map(|b| {
            CAP_NAMES
                .get(b as usize)
                .map(|n| n.to_string())
                .unwrap_or_else(|| format!("CAP_{b}"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Go's `time.Duration` text (`0s`, `12ms`, `1.5s`, `1h2m3.5s`), as Podman prints times.
pub fn go_duration(nanos: u128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let frac = |v: u128, unit: u128| -> String {
        let whole = v / unit;
        let rest = v % unit;
        if rest == 0 {
            return whole.to_string();
        }
        let width = unit.ilog10() as usize;
        let digits = format!("{rest:0width$}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    };
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", frac(nanos, 1_000));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", frac(nanos, 1_000_000));
    }
    let secs_total = nanos / 1_000_000_000;
    let sub = nanos % 1_000_000_000;
    let h = secs_total / 3600;
    let m = (secs_total % 3600) / 60;
    let s = frac((secs_total % 60) * 1_000_000_000 + sub, 1_000_000_000);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{s}s"));
    out
}

fn tty_name(nr: u64) -> String {
    // The kernel's encoding of dev_t in /proc/PID/stat's tty_nr.
    let major = (nr >> 8) & 0xfff;
    let minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
    match major {
        0 => "?".into(),
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        5 if minor == 1 => "console".into(),
        5 if minor == 0 => "tty".into(),
        _ => format!("{major}:{minor}"),
    }
}

/// `name:x:id:...` lookup in a passwd or group file; the number when absent.
fn id_name(file: &Path, id: &str) -> String {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == id).then(|| f[0].to_string())
        })
        .unwrap_or_else(|| id.to_string())
}

/// What /proc says about one process of the container.
struct ProcInfo {
    host_pid: i64,
    host_ppid: i64,
    status: String,
    stat: Vec<String>,
    comm: String,
    cmdline: Vec<String>,
    label: String,
}

impl ProcInfo {
    fn read(pid: i64) -> Option<ProcInfo> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let raw = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (head, rest) = raw.rsplit_once(')')?;
        let comm = head
            .split_once('(')
            .map(|(_, c)| c)
            .unwrap_or("")
            .to_string();
        let stat: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .unwrap_or_default()
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let label = std::fs::read_to_string(format!("/proc/{pid}/attr/current"))
            .map(|s| s.trim_end_matches(['\0', '\n']).to_string())
            .unwrap_or_default();
        let host_ppid = status_field(&status, "PPid")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Some(ProcInfo {
            host_pid: pid,
            host_ppid,
            status,
            stat,
            comm,
            cmdline,
            label,
        })
    }

    fn field(&self, key: &str) -> &str {
        status_field(&self.status, key).unwrap_or("")
    }

    /// The `n`-th whitespace field of a status line (Uid/Gid: real, effective, ...).
    fn nth(&self, key: &str, n: usize) -> String {
        self.field(key)
            .split_whitespace()
            .nth(n)
            .unwrap_or("?")
            .to_string()
    }

    fn stat_num(&self, i: usize) -> f64 {
        self.stat.get(i).and_then(|s| s.parse().ok()).unwrap_or(0.0)
    }
}

/// Clock facts for the time columns.
struct Clock {
    ticks: f64,
    uptime: f64,
    boot_epoch: f64,
}

impl Clock {
    fn now() -> Clock {
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let uptime: f64 = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|u| u.split_whitespace().next().and_then(|s| s.parse().ok()))
            .unwrap_or(0.0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Clock {
            ticks,
            uptime,
            boot_epoch: now - uptime,
        }
    }
}

fn cell(d: &str, p: &ProcInfo, ns_pids: &[(i64, i64)], root: &Path, clock: &Clock) -> String {
    let in_ctr = |f: &str| root.join(f);
    let ns_of = |host: i64| {
        ns_pids
            .iter()
            .find(|(h, _)| *h == host)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| "0".into())
    };
    let cpu_secs = (p.stat_num(11) + p.stat_num(12)) / clock.ticks;
    let elapsed = (clock.uptime - p.stat_num(19) / clock.ticks).max(0.0);
    match d {
        "args" if p.cmdline.is_empty() => format!("[{}]", p.field("Name")),
        "args" => p.cmdline.join(" "),
        "comm" => p.comm.clone(),
        "capamb" => caps_text(p.field("CapAmb")),
        "capbnd" => caps_text(p.field("CapBnd")),
        "capeff" => caps_text(p.field("CapEff")),
        "capinh" => caps_text(p.field("CapInh")),
        "capprm" => caps_text(p.field("CapPrm")),
        "etime" => go_duration((elapsed * 1e9) as u128),
        "group" => id_name(&in_ctr("etc/group"), &p.nth("Gid", 1)),
        "rgroup" => id_name(&in_ctr("etc/group"), &p.nth("Gid", 0)),
        "groups" => p
            .field("Groups")
            .split_whitespace()
            .map(|g| id_name(&in_ctr("etc/group"), g))
            .collect::<Vec<_>>()
            .join(","),
        "hgroup" => id_name(Path::new("/etc/group"), &p.nth("Gid", 1)),
        "hgroups" => p
            .field("Groups")
            .split_whitespace()
            .map(|g| id_name(Path::new("/etc/group"), g))
            .collect::<Vec<_>>()
            .join(","),
        "hpid" => p.host_pid.to_string(),
        "huid" => p.nth("Uid", 1),
        "huser" => id_name(Path::new("/etc/passwd"), &p.nth("Uid", 1)),
        "label" => p.label.clone(),
        "nice" => p.stat.get(16).cloned().unwrap_or_default(),
        "pcpu" => {
            let pc = if elapsed > 0.0 {
                100.0 * cpu_secs / elapsed
            } else {
                0.0
            };
            format!("{pc:.3}")
        }
        "pgid" => p
            .field("NSpgid")
            .split_whitespace()
            .last()
            .unwrap_or("?")
            .to_string(),
        "pid" => ns_of(p.host_pid),
        "ppid" => ns_of(p.host_ppid),
        "rss" => {
            let v = p.field("VmRSS").split_whitespace().next().unwrap_or("0");
            v.to_string()
        }
        "ruser" => id_name(&in_ctr("etc/passwd"), &p.nth("Uid", 0)),
        "user" => id_name(&in_ctr("etc/passwd"), &p.nth("Uid", 1)),
        "uid" => p.nth("Uid", 1),
        "seccomp" => match p.field("Seccomp") {
            "0" => "disabled".into(),
            "1" => "strict".into(),
            "2" => "filter".into(),
            _ => "?".into(),
        },
        "state" => p
            .field("State")
            .split_whitespace()
            .next()
            .unwrap_or("?")
            .to_string(),
        "stime" => {
            let start = clock.boot_epoch + p.stat_num(19) / clock.ticks;
            chrono::DateTime::from_timestamp(start.floor() as i64, 0)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M:%S %z %Z")
                        .to_string()
                })
                .unwrap_or_else(|| "?".into())
        }
        "time" => go_duration((cpu_secs * 1e9).round() as u128),
        "tty" => tty_name(p.stat_num(4) as u64),
        "vsz" => format!("{}", (p.stat_num(20) as u64) / 1024),
        _ => "?".into(),
    }
}

/// Every process in the pid namespace of `init_pid`, as /proc describes it.
fn namespace_processes(init_pid: i32) -> Result<Vec<ProcInfo>> {
    let ns_link = format!("/proc/{init_pid}/ns/pid");
    let ns = std::fs::read_link(&ns_link).map_err(|e| Error::io("read", &ns_link, e))?;
    let dir = std::fs::read_dir("/proc").map_err(|e| Error::io("read", "/proc", e))?;
    let mut out = Vec::new();
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
        if let Some(p) = ProcInfo::read(pid) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The column titles of `descriptors` (known names).
fn header_of(descriptors: &[&'static str]) -> Vec<String> {
    descriptors
        .iter()
        .filter_map(|d| DESCRIPTORS.iter().find(|(n, _, _)| n == d))
        .map(|(_, _, h)| h.to_string())
        .collect()
}

/// `top`'s descriptor arguments (comma-separated or one per item) as known names
/// ([`DEFAULT_DESCRIPTORS`] when none); the first unknown one is the error.
fn known_descriptors(descriptors: &[String]) -> std::result::Result<Vec<&'static str>, &str> {
    let split: Vec<&str> = descriptors
        .iter()
        .flat_map(|d| d.split(','))
        .filter(|d| !d.is_empty())
        .collect();
    if split.is_empty() {
        return Ok(DEFAULT_DESCRIPTORS.to_vec());
    }
    split
        .into_iter()
        .map(|d| known_descriptor(d).ok_or(d))
        .collect()
}

/// `top` with format descriptors of the processes in `init_pid`'s pid namespace.
pub(crate) fn table(init_pid: i32, descriptors: &[&'static str]) -> Result<TopTable> {
    let procs = namespace_processes(init_pid)?;
    let root = std::path::PathBuf::from(format!("/proc/{init_pid}/root"));
    let clock = Clock::now();
    let ns_pids: Vec<(i64, i64)> = procs
        .iter()
        .map(|p| (p.host_pid, ns_pid(&p.status, p.host_pid)))
        .collect();
    let mut rows: Vec<(i64, Vec<String>)> = procs
        .iter()
        .map(|p| {
            let ns = ns_pid(&p.status, p.host_pid);
            let cells = descriptors
                .iter()
                .map(|d| cell(d, p, &ns_pids, &root, &clock))
                .collect();
            (ns, cells)
        })
        .collect();
    rows.sort_by_key(|(ns, _)| *ns);
    Ok(TopTable {
        header: header_of(descriptors),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    })
}

impl Pod {
    /// `pod top` with format descriptors (empty: [`DEFAULT_DESCRIPTORS`]): the processes
    /// of every running member, each pid namespace once. Only descriptors `top`
    /// knows are accepted, as Podman's `pod top`.
    pub fn top_with(&self, descriptors: &[String]) -> Result<TopTable> {
        let known: Vec<&'static str> = match known_descriptors(descriptors) {
            Ok(known) => known,
            Err(d) => {
                return Err(Error::InvalidArgument {
                    what: "pod top format descriptor",
                    value: d.to_string(),
                })
            }
        };
        let mut out = TopTable {
            header: Vec::new(),
            rows: Vec::new(),
        };
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
            let t = table(pid, &known)?;
            out.header = t.header;
            out.rows.extend(t.rows);
        }
        if out.header.is_empty() {
            out.header = header_of(&known);
        }
        Ok(out)
    }
}

/// Splits ps(1) arguments as a shell would (quotes and backslashes), as Podman does
/// before running ps in the container.
pub fn shell_split(s: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => match chars.next() {
                Some(n @ ('"' | '\\' | '$' | '`')) => cur.push(n),
                Some(n) => {
                    cur.push('\\');
                    cur.push(n);
                }
                None => cur.push('\\'),
            },
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(Error::InvalidArgument {
            what: "ps(1) arguments (unclosed quote)",
            value: s.to_string(),
        });
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

impl Container {
    /// Podman's `top` with format descriptors (comma-separated or one per item;
    /// empty: [`DEFAULT_DESCRIPTORS`]). Descriptors `top` knows ([`DESCRIPTORS`]) are
    /// read from /proc; anything else is taken as ps(1) arguments and `ps` runs in
    /// the container, as Podman does. The container must be running.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn top_with(&self, descriptors: &[String]) -> Result<TopTable> {
        let st = self.state()?;
        let pid = match (st.status, st.pid) {
            (libpod_config::ContainerStatus::Running, Some(pid)) if pid > 0 => pid,
            (status, _) => {
                return Err(Error::InvalidState {
                    id: self.id.clone(),
                    status: status.as_str().to_string(),
                    op: "top (top can only be used on running containers)".into(),
                })
            }
        };
        match known_descriptors(descriptors) {
            Ok(known) => table(pid, &known),
            Err(_) => self.top_ps(descriptors),
        }
    }

    /// Runs `ps ARGS` in the container; its lines, without the line of ps itself.
    fn top_ps(&self, descriptors: &[String]) -> Result<TopTable> {
        let mut args = vec!["ps".to_string()];
        for d in descriptors {
            args.extend(shell_split(d)?);
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = self.exec_output(&argv)?;
        if code != 0 {
            return Err(Error::Rejected(format!(
                "executing ps(1) in the container: exit status {code}: {}",
                String::from_utf8_lossy(&err).trim()
            )));
        }
        let own = descriptors.join(" ");
        let stdout = String::from_utf8_lossy(&out);
        let mut lines = stdout
            .lines()
            .filter(|l| own.is_empty() || !l.contains(&own));
        let header = lines
            .next()
            .map(|h| vec![h.to_string()])
            .unwrap_or_default();
        Ok(TopTable {
            header,
            rows: lines.map(|l| vec![l.to_string()]).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_read_this_process() {
        let me = std::process::id() as i32;
        let t = table(
            me,
            &[
                "pid", "hpid", "user", "comm", "state", "seccomp", "capeff", "vsz", "rss", "nice",
                "time", "etime", "tty",
            ],
        )
        .unwrap();
        assert_eq!(t.header[0], "PID");
        assert_eq!(t.header.len(), 13);
        let mine = t
            .rows
            .iter()
            .find(|r| r[1] == me.to_string())
            .expect("this process is listed");
        assert_eq!(mine.len(), 13);
        assert!(mine[3].len() <= 15 && !mine[3].is_empty(), "{mine:?}");
        assert!(["R", "S", "D"].contains(&mine[4].as_str()), "{mine:?}");
        assert!(mine[7].parse::<u64>().unwrap() > 0, "vsz {mine:?}");
        assert_eq!(known_descriptor("%C"), Some("pcpu"));
        assert_eq!(known_descriptor("aux"), None);
    }

    #[test]
    fn go_durations_and_ttys_and_caps() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(20_386_825_206), "20.386825206s");
        assert_eq!(go_duration(3_732_497_061_672), "1h2m12.497061672s");
        assert_eq!(go_duration(61_000_000_000), "1m1s");
        assert_eq!(go_duration(10_000_000), "10ms");
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name((136 << 8) | 3), "pts/3");
        assert_eq!(caps_text("0000000000000000"), "none");
        assert_eq!(caps_text("0000000000000003"), "CHOWN,DAC_OVERRIDE");
        assert_eq!(
            shell_split(r#"-o "pid,args" 'a b' c\ d"#).unwrap(),
            vec!["-o", "pid,args", "a b", "c d"]
        );
        assert!(shell_split("'open").is_err());
    }

    #[test]
    fn ns_pid_reads_the_innermost_namespace() {
        assert_eq!(ns_pid("Name:\tx\nNSpid:\t1234\t7\n", 1234), 7);
        assert_eq!(ns_pid("Name:\tx\n", 9), 9);
    }
}
