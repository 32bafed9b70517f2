//! Audit and repair of this layer's own leftovers under one run root: conmon
//! processes and OCI runtime state dirs (the `--root` of crun/runc) of
//! containers the caller no longer explains.
//!
//! A conmon is this run root's when its bundle or exit dir lies under it; it
//! is an orphan when the caller's predicate does not explain it (e.g. its
//! container is unknown or not running). A runtime state dir is an orphan
//! when its container id is unknown. [`check`] lists them as typed
//! [`OciProblem`]s, [`repair`] removes one (one function per kind).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{OciError, OciRuntime};

/// A conmon process of a run root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConmonProcess {
    /// Its pid.
    pub pid: i32,
    /// The container id it monitors.
    pub id: String,
    /// True when it monitors an exec session rather than the container.
    pub exec: bool,
}

/// One leftover found by [`check`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OciProblem {
    /// A conmon of this run root that the caller does not explain.
    OrphanConmon(ConmonProcess),
    /// A runtime state dir of an unknown container.
    OrphanRuntimeState {
        /// The container id (the dir's name).
        id: String,
        /// The dir.
        path: PathBuf,
    },
}

impl OciProblem {
    /// The container id it is about.
    pub fn container_id(&self) -> &str {
        match self {
            OciProblem::OrphanConmon(c) => &c.id,
            OciProblem::OrphanRuntimeState { id, .. } => id,
        }
    }
}

impl std::fmt::Display for OciProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OciProblem::OrphanConmon(c) => write!(
                f,
                "orphan conmon pid {} of container {}{}",
                c.pid,
                c.id,
                if c.exec { " (exec session)" } else { "" }
            ),
            OciProblem::OrphanRuntimeState { id, path } => write!(
                f,
                "orphan runtime state {} of container {id}",
                path.display()
            ),
        }
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OciReport {
    /// Every leftover found.
    pub problems: Vec<OciProblem>,
}

impl OciReport {
    /// True when nothing is left over.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Where to look and what the caller knows.
pub struct Audit<'a> {
    /// The run root (tmp dir) conmon's bundles and exit dirs lie under.
    pub run_root: &'a Path,
    /// The OCI runtime's state root (`--root`), when it is one of ours.
    pub runtime_root: Option<&'a Path>,
    /// True for a container id the caller knows.
    pub known: &'a dyn Fn(&str) -> bool,
    /// True for a conmon the caller explains (its container should be monitored).
    pub conmon_explained: &'a dyn Fn(&ConmonProcess) -> bool,
}

/// Audits conmon processes of `a.run_root` and the runtime state dirs under
/// `a.runtime_root`. Read-only.
pub fn check(a: &Audit<'_>) -> OciReport {
    check_in(a, &processes())
}

/// [`check`] over `procs` (what [`processes`] returned), for a caller that
/// matches other processes too and walks `/proc` once.
pub fn check_in(a: &Audit<'_>, procs: &[(i32, Vec<String>)]) -> OciReport {
    let mut problems: Vec<OciProblem> = conmons_in(procs, a.run_root)
        .into_iter()
        .filter(|c| !(a.conmon_explained)(c))
        .map(OciProblem::OrphanConmon)
        .collect();
    if let Some(root) = a.runtime_root {
        for name in dir_names(root) {
            if is_hex64(&name) && !(a.known)(&name) {
                problems.push(OciProblem::OrphanRuntimeState {
                    path: root.join(&name),
                    id: name,
                });
            }
        }
    }
    problems.sort();
    OciReport { problems }
}

/// Repairs one problem with `rt` (the caller re-checks first that it is still
/// an orphan). Ok(false) when it is left as is.
pub fn repair(
    rt: &dyn OciRuntime,
    run_root: &Path,
    problem: &OciProblem,
) -> Result<bool, OciError> {
    match problem {
        OciProblem::OrphanConmon(c) => repair_orphan_conmon(rt, run_root, c),
        OciProblem::OrphanRuntimeState { id, path } => repair_orphan_runtime_state(rt, id, path),
    }
}

/// Repairs an orphan conmon: proves again that `c.pid` is a conmon of
/// `run_root` for `c.id` (Ok(false) if not), kills the container process
/// through the runtime and deletes its state, then SIGKILLs conmon and waits
/// up to 2 s for it to go.
pub fn repair_orphan_conmon(
    rt: &dyn OciRuntime,
    run_root: &Path,
    c: &ConmonProcess,
) -> Result<bool, OciError> {
    match conmon_of(&cmdline(c.pid), run_root) {
        Some((id, _)) if id == c.id => {}
        _ => return Ok(false),
    }
    // The container process first (runtime state under our root), then conmon.
    let _ = rt.kill(&c.id, libc::SIGKILL, true);
    let _ = rt.delete(&c.id, true);
    if pid_alive_for(c.pid, Some(&c.id)) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(c.pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .map_err(|e| OciError::Io {
            op: "kill conmon",
            path: PathBuf::from(format!("/proc/{}", c.pid)),
            source: e.into(),
        })?;
    }
    for _ in 0..100 {
        if !pid_alive_for(c.pid, None) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(true)
}

/// Repairs an orphan runtime state dir: kills whatever the runtime still
/// runs for `id`, `delete --force`s it, and removes the dir.
pub fn repair_orphan_runtime_state(
    rt: &dyn OciRuntime,
    id: &str,
    path: &Path,
) -> Result<bool, OciError> {
    let _ = rt.kill(id, libc::SIGKILL, true);
    rt.delete(id, true)?;
    let r = if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(source) => Err(OciError::Io {
            op: "remove",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The conmon processes of `run_root` (this process excluded).
pub fn conmons(run_root: &Path) -> Vec<ConmonProcess> {
    conmons_in(&processes(), run_root)
}

/// The conmon processes of `run_root` among `procs` (this process excluded).
pub fn conmons_in(procs: &[(i32, Vec<String>)], run_root: &Path) -> Vec<ConmonProcess> {
    let me = std::process::id() as i32;
    procs
        .iter()
        .filter(|(pid, _)| *pid != me)
        .filter_map(|(pid, argv)| {
            let (id, exec) = conmon_of(argv, run_root)?;
            Some(ConmonProcess {
                pid: *pid,
                id,
                exec,
            })
        })
        .collect()
}

/// Every process of the host with its argv ([`cmdline`]), from one walk of `/proc`.
pub fn processes() -> Vec<(i32, Vec<String>)> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .map(|pid| (pid, cmdline(pid)))
        .collect()
}

/// A process's argv (empty when unreadable).
pub fn cmdline(pid: i32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// True when `pid` lives (exists and is no zombie) and, when `id` is given,
/// its argv mentions `id` (a guard against a reused pid).
pub fn pid_alive_for(pid: i32, id: Option<&str>) -> bool {
    let exists = !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    );
    if !exists || is_zombie(pid) {
        return false;
    }
    match id {
        Some(id) => cmdline(pid).iter().any(|a| a.contains(id)),
        None => true,
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 1..];
            rest.trim_start().chars().next()
        })
        == Some('Z')
}

/// If `argv` is a conmon whose exit dir or bundle lies under `run_root`, its
/// container id and whether it monitors an exec session.
pub fn conmon_of(argv: &[String], run_root: &Path) -> Option<(String, bool)> {
    let name = Path::new(argv.first()?).file_name()?.to_str()?;
    if name != "conmon" {
        return None;
    }
    let mut id = None;
    let mut ours = false;
    let mut exec = false;
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" | "--cid" => id = it.next().cloned(),
            "-b" | "--bundle" => {
                if let Some(b) = it.next() {
                    ours |= Path::new(b).starts_with(run_root);
                }
            }
            "-e" | "--exec" => exec = true,
            other => {
                if let Some(d) = other.strip_prefix("--exit-dir=") {
                    ours |= Path::new(d).starts_with(run_root);
                } else if let Some(b) = other.strip_prefix("--bundle=") {
                    ours |= Path::new(b).starts_with(run_root);
                } else if let Some(c) = other.strip_prefix("--cid=") {
                    id = Some(c.to_string());
                }
            }
        }
    }
    match (ours, id) {
        (true, Some(id)) if is_hex64(&id) => Some((id, exec)),
        _ => None,
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn dir_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn conmon_is_recognised_only_for_our_run_root() {
        let a = argv(&[
            "/usr/bin/conmon",
            "--api-version",
            "1",
            "-c",
            ID,
            "-b",
            "/tmp/x/run/bundles/abc",
            "--exit-dir=/tmp/x/run/exits",
        ]);
        assert_eq!(
            conmon_of(&a, Path::new("/tmp/x/run")),
            Some((ID.to_string(), false))
        );
        assert_eq!(conmon_of(&a, Path::new("/tmp/x/run2")), None);
        assert_eq!(conmon_of(&a, Path::new("/run/libpod")), None);
        let mut other = a.clone();
        other[0] = "/usr/bin/sleep".into();
        assert_eq!(conmon_of(&other, Path::new("/tmp/x/run")), None);
        let e = argv(&["conmon", "--cid=", "-e", "--exit-dir=/r/exits"]);
        assert_eq!(conmon_of(&e, Path::new("/r")), None, "no id");
        let e = argv(&["conmon", &format!("--cid={ID}"), "-e", "--bundle=/r/b"]);
        assert_eq!(conmon_of(&e, Path::new("/r")), Some((ID.to_string(), true)));
    }

    #[test]
    fn own_process_is_alive_and_a_dead_one_is_not() {
        let me = std::process::id() as i32;
        assert!(pid_alive_for(me, None));
        assert!(!cmdline(me).is_empty());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        child.wait().unwrap();
        assert!(!pid_alive_for(pid, None));
    }

    #[test]
    fn runtime_state_dirs_of_unknown_containers_are_reported() {
        let root = tempfile::tempdir().unwrap();
        let rt_root = root.path().join("crun");
        std::fs::create_dir_all(rt_root.join(ID)).unwrap();
        std::fs::create_dir_all(rt_root.join("not-an-id")).unwrap();
        let unknown = |_: &str| false;
        let explained = |_: &ConmonProcess| true;
        let r = check(&Audit {
            run_root: root.path(),
            runtime_root: Some(&rt_root),
            known: &unknown,
            conmon_explained: &explained,
        });
        assert_eq!(
            r.problems,
            vec![OciProblem::OrphanRuntimeState {
                id: ID.into(),
                path: rt_root.join(ID),
            }]
        );
        assert_eq!(r.problems[0].container_id(), ID);
        let known = |_: &str| true;
        assert!(check(&Audit {
            run_root: root.path(),
            runtime_root: Some(&rt_root),
            known: &known,
            conmon_explained: &explained,
        })
        .is_clean());
    }
}
