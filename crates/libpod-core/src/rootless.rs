//! The per-user namespace of rootless lpod.
//!
//! An unprivileged user's lpod runs every command inside one user namespace (the
//! user is uid 0 there, the user's `/etc/subuid`/`/etc/subgid` ranges are ids 1..)
//! and one mount namespace owned by it, as rootless Podman does. A long-lived "pause"
//! process holds both namespaces open between commands; its pid and start time are in
//! `RUN/pause.pid` (`RUN` = the user's per-boot dir, see
//! [`libpod_config::rootless::RootlessPaths`]). The first command creates it; every
//! later command joins it with `setns` (which must happen before the process has a
//! second thread: the CLI calls [`enter`] first thing in `main`).
//! `lpod system migrate` kills it ([`kill_pause`]) so that the next command makes a
//! new one (after `/etc/subuid` changed, say).
//!
//! Why a pause process and not a namespace pinned by a bind mount: the user cannot
//! bind-mount in the initial mount namespace, and a namespace lives only while a
//! process or a mount holds it.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;

use libpod_config::rootless::{Identity, RootlessPaths, SubIdRange, ROOTLESS_UID_ENV};
use nix::sched::CloneFlags;

/// The programs that write a user namespace's maps for an unprivileged user (setuid
/// root, package `uidmap`).
const NEWUIDMAP: &str = "newuidmap";
const NEWGIDMAP: &str = "newgidmap";

/// Why the user namespace could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RootlessError {
    /// A file or directory of the run dir.
    #[error("rootless: {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The run dir exists but is not the user's own private directory.
    #[error("rootless: run directory {path} is not private to uid {uid} (owner {owner}, mode {mode:o}): refusing to use it")]
    UnsafeRunDir {
        /// The directory.
        path: PathBuf,
        /// The user.
        uid: u32,
        /// Its owner.
        owner: u32,
        /// Its mode.
        mode: u32,
    },
    /// A system call.
    #[error("rootless: {what}: {source}")]
    Sys {
        /// The call and its object.
        what: String,
        /// The error.
        #[source]
        source: nix::Error,
    },
    /// `newuidmap`/`newgidmap` failed or is missing.
    #[error("rootless: {program} {args} failed: {message} (is package `uidmap` installed and are the ranges in /etc/subuid and /etc/subgid the user's?)")]
    IdMap {
        /// The program.
        program: &'static str,
        /// Its arguments.
        args: String,
        /// What it said (or why it could not run).
        message: String,
    },
    /// The pause process died before it held the namespace.
    #[error("rootless: the pause process {pid} exited before its namespace was ready")]
    PauseDied {
        /// Its pid.
        pid: i32,
    },
    /// The command cannot run rootless.
    #[error("{0}")]
    Unsupported(String),
}

type Result<T> = std::result::Result<T, RootlessError>;

/// True when this process acts for an unprivileged user (see
/// [`libpod_config::rootless::Identity`]).
pub fn is_rootless() -> bool {
    Identity::current().is_rootless()
}

/// Whether a forced kill may use the runtime's `kill --all`: it finds the container's
/// processes through its cgroup, and a rootless container has none here (cgroup v1 is
/// not the user's), so rootless kills the container's init alone, which takes every
/// other process of its pid namespace with it.
pub(crate) fn kill_all() -> bool {
    !is_rootless()
}

/// An OCI id mapping: `(container id, id outside, count)` lines.
type IdMapping = Vec<(u32, u32, u32)>;

/// The user namespace maps of a `--userns=keep-id` container, built from the maps of
/// the user's namespace this process runs in: the user's host uid (gid) maps onto id 0
/// here (the user), ids below it onto 1.., ids above it onto themselves, so the
/// container sees the user's own ids and as many others as the subordinate ranges give.
pub(crate) fn keep_id_maps() -> crate::Result<(IdMapping, IdMapping)> {
    let (uid, gid) = match Identity::current() {
        Identity::Rootless { uid, gid, .. } => (uid, gid),
        Identity::Root => {
            return Err(crate::Error::RootlessUnsupported {
                what: "--userns=keep-id".into(),
                why: "keep-id is only supported in rootless mode".into(),
            })
        }
    };
    let size = |file: &str| -> crate::Result<u32> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| crate::Error::io("read", PathBuf::from(file), e))?;
        Ok(text
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
            .sum::<u64>()
            .min(u64::from(u32::MAX)) as u32)
    };
    let build = |own: u32, total: u32| -> crate::Result<IdMapping> {
        if own == 0 || own >= total {
            return Err(crate::Error::RootlessUnsupported {
                what: "--userns=keep-id".into(),
                why: format!(
                    "id {own} does not fit below the {total} ids of the user namespace (add subordinate ids in /etc/subuid and /etc/subgid, then `lpod system migrate`)"
                ),
            });
        }
        Ok(keep_id_map(own, total))
    };
    Ok((
        build(uid, size("/proc/self/uid_map")?)?,
        build(gid, size("/proc/self/gid_map")?)?,
    ))
}

/// keep-id's mapping for id `own` in a namespace of `total` ids (see [`keep_id_maps`]).
fn keep_id_map(own: u32, total: u32) -> IdMapping {
    let mut v = vec![(0, 1, own), (own, 0, 1)];
    if total > own + 1 {
        v.push((own + 1, own + 1, total - own - 1));
    }
    v
}

/// A half-open range of ids `[start, start + size)`.
pub(crate) type IdRange = (u64, u64);

/// The ids `--userns=auto` may hand out, from a `uid_map`/`gid_map` text of the
/// namespace lpod runs in (`map`) or, as real root, from the `containers` entries of
/// `/etc/subuid`/`/etc/subgid` (`subids`): rootless, every id of the user's namespace
/// but 0 (the user itself), as Podman.
pub(crate) fn auto_pool(rootless: bool, map: &str, subids: &[SubIdRange]) -> Vec<IdRange> {
    if !rootless {
        return subids
            .iter()
            .map(|r| (u64::from(r.start), u64::from(r.count)))
            .collect();
    }
    let mut pool: Vec<IdRange> = map
        .lines()
        .filter_map(|l| {
            let f: Vec<u64> = l
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect();
            (f.len() == 3).then(|| (f[0], f[2]))
        })
        .filter_map(|(start, size)| {
            // Id 0 is the user: never handed out.
            if start == 0 {
                (size > 1).then_some((1, size - 1))
            } else {
                Some((start, size))
            }
        })
        .collect();
    pool.sort_unstable();
    pool
}

/// The first `size` ids of `pool` that overlap nothing in `used` (first fit, as
/// containers/storage's auto user namespaces).
pub(crate) fn pick_free(pool: &[IdRange], used: &[IdRange], size: u32) -> Option<u32> {
    let size = u64::from(size);
    let mut used: Vec<IdRange> = used.to_vec();
    used.sort_unstable();
    for &(start, len) in pool {
        let end = start + len;
        let mut at = start;
        while at + size <= end {
            match used.iter().find(|&&(s, n)| s < at + size && at < s + n) {
                Some(&(s, n)) => at = s + n,
                None => return u32::try_from(at).ok(),
            }
        }
    }
    None
}

/// How many ids of `pool` nothing in `used` covers (for the error message).
pub(crate) fn free_ids(pool: &[IdRange], used: &[IdRange]) -> u64 {
    // Merge `used` first so an id two containers share is counted once.
    let mut merged: Vec<IdRange> = Vec::new();
    let mut sorted = used.to_vec();
    sorted.sort_unstable();
    for (s, n) in sorted {
        match merged.last_mut() {
            Some((ms, mn)) if s <= *ms + *mn => *mn = (*mn).max(s + n - *ms),
            _ => merged.push((s, n)),
        }
    }
    pool.iter()
        .map(|&(start, len)| {
            let taken: u64 = merged
                .iter()
                .map(|&(s, n)| (start + len).min(s + n).saturating_sub(start.max(s)))
                .sum();
            len - taken
        })
        .sum()
}

/// Podman's intermediate mount point: a 0755 directory of the caller's own in `$TMPDIR`
/// (else /tmp), `lpod-intermediate-UID.N`, on which conmon's private mount namespace
/// binds the root of a container whose own user namespace cannot traverse the store (see
/// `libpod_oci::CreateOptions::root_bind`). A directory of that name someone else owns
/// is passed over (the next N), never used.
pub(crate) fn intermediate_mountpoint() -> crate::Result<PathBuf> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let host_uid = Identity::current().host_uid();
    let (me, my_gid) = (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    let tmp = std::env::var_os("TMPDIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    for i in 0..100 {
        let dir = tmp.join(format!("lpod-intermediate-{host_uid}.{i}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| crate::Error::io("chmod 0755", &dir, e))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let md = std::fs::symlink_metadata(&dir)
                    .map_err(|e| crate::Error::io("stat", &dir, e))?;
                if md.is_dir() && md.uid() == me && md.gid() == my_gid {
                    return Ok(dir);
                }
            }
            Err(e) => return Err(crate::Error::io("create", &dir, e)),
        }
    }
    Err(crate::Error::io(
        "find a free intermediate mount point in",
        tmp,
        std::io::Error::other("100 names taken by other users"),
    ))
}

/// What [`enter`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entered {
    /// Real root: nothing to do.
    Root,
    /// Already inside the user's namespace (conmon's children, `lpod unshare`'s shell).
    AlreadyInside,
    /// Joined the pause process `pid` (`created`: this call started it).
    Joined {
        /// The pause process.
        pid: i32,
        /// Whether this call created it.
        created: bool,
    },
}

/// The id maps of a user: the user's own id → 0, the subordinate ranges → 1...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdMaps {
    /// Login name (for the warning).
    pub name: String,
    /// Host uid.
    pub uid: u32,
    /// Host gid.
    pub gid: u32,
    /// `/etc/subuid` ranges.
    pub uids: Vec<SubIdRange>,
    /// `/etc/subgid` ranges.
    pub gids: Vec<SubIdRange>,
}

impl IdMaps {
    /// The caller's maps from `/etc/passwd`, `/etc/subuid` and `/etc/subgid`.
    pub fn for_user(uid: u32, gid: u32) -> Result<IdMaps> {
        let name = libpod_config::rootless::passwd_entry(uid)
            .map(|e| e.name)
            .unwrap_or_else(|| uid.to_string());
        let read = |f: &str| {
            SubIdRange::read_for(Path::new(f), &name, uid).map_err(|source| RootlessError::Io {
                what: "read",
                path: f.into(),
                source,
            })
        };
        Ok(IdMaps {
            uids: read("/etc/subuid")?,
            gids: read("/etc/subgid")?,
            name,
            uid,
            gid,
        })
    }

    /// `newuidmap`'s (or `newgidmap`'s) arguments after the pid: `0 ID 1` then each
    /// range at the next free id inside.
    pub fn map_args(own: u32, ranges: &[SubIdRange]) -> Vec<String> {
        let mut args = vec!["0".to_string(), own.to_string(), "1".to_string()];
        let mut inside: u64 = 1;
        for r in ranges {
            args.extend([inside.to_string(), r.start.to_string(), r.count.to_string()]);
            inside += u64::from(r.count);
        }
        args
    }

    /// Whether both files give the user a range (else a single-id map is all there is).
    pub fn has_ranges(&self) -> bool {
        !self.uids.is_empty() && !self.gids.is_empty()
    }
}

/// The pause process's pid file in the user's run dir.
pub fn pause_pid_file(paths: &RootlessPaths) -> PathBuf {
    paths.run.join("pause.pid")
}

/// Puts the calling process into the user's namespace (creating it and its pause process
/// when needed). Must be called while the process has one thread. Root and processes
/// already inside return at once. Afterwards the process is uid 0 in the namespace, its
/// working directory is what it was, and [`ROOTLESS_UID_ENV`] is set for its children.
pub fn enter() -> Result<Entered> {
    let id = Identity::current();
    let (uid, gid) = match id {
        Identity::Root => return Ok(Entered::Root),
        Identity::Rootless {
            in_userns: true, ..
        } => return Ok(Entered::AlreadyInside),
        Identity::Rootless { uid, gid, .. } => (uid, gid),
    };
    let paths = RootlessPaths::for_uid(uid);
    ensure_private_dir(&paths.run, uid)?;
    let cwd = std::env::current_dir().ok();
    let lock_path = paths.run.join("pause.lock");
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| RootlessError::Io {
            what: "open",
            path: lock_path.clone(),
            source,
        })?;
    let lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).map_err(
        |(_, source)| RootlessError::Sys {
            what: format!("lock {}", lock_path.display()),
            source,
        },
    )?;
    let pid_file = pause_pid_file(&paths);
    let (pid, created) = match live_pause(&pid_file) {
        Some(pid) => (pid, false),
        None => (create_pause(uid, gid, &pid_file)?, true),
    };
    join(pid)?;
    drop(lock);
    if let Some(d) = cwd {
        // setns into a mount namespace moves the working directory to its root.
        let _ = std::env::set_current_dir(d);
    }
    // SAFETY: called while the process is single-threaded (the contract of `enter`), so
    // no other thread reads the environment concurrently.
    unsafe { std::env::set_var(ROOTLESS_UID_ENV, uid.to_string()) };
    Ok(Entered::Joined { pid, created })
}

/// Creates `dir` (and parents) 0700 for `uid`, or checks that an existing one is the
/// user's own and private (a `/tmp/lpod-run-UID` someone else made is refused).
pub fn ensure_private_dir(dir: &Path, uid: u32) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let io = |what, source| RootlessError::Io {
        what,
        path: dir.to_path_buf(),
        source,
    };
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) => return Err(io("create", e)),
    }
    let md = std::fs::symlink_metadata(dir).map_err(|e| io("stat", e))?;
    let mode = md.mode() & 0o7777;
    if !md.is_dir() || md.uid() != uid || mode & 0o022 != 0 {
        return Err(RootlessError::UnsafeRunDir {
            path: dir.to_path_buf(),
            uid,
            owner: md.uid(),
            mode,
        });
    }
    if mode & 0o077 != 0 {
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .map_err(|e| io("chmod 0700", e))?;
    }
    Ok(())
}

/// The live pause process recorded in `pid_file` (pid and start time must both match).
fn live_pause(pid_file: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(pid_file).ok()?;
    let mut f = text.split_whitespace();
    let pid: i32 = f.next()?.parse().ok()?;
    let start: u64 = f.next()?.parse().ok()?;
    crate::process::same_process(pid, start).then_some(pid)
}

/// The pause process recorded in the user's pid file, if it still runs.
pub fn pause_pid(paths: &RootlessPaths) -> Option<i32> {
    live_pause(&pause_pid_file(paths))
}

/// Kills the user's pause process (SIGKILL, by its recorded pid and start time) and
/// removes its pid file; the next lpod command makes a new namespace. Returns the pid
/// killed, if one ran.
pub fn kill_pause(paths: &RootlessPaths) -> Result<Option<i32>> {
    let pid_file = pause_pid_file(paths);
    let pid = live_pause(&pid_file);
    if let Some(pid) = pid {
        match nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        ) {
            Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
            Err(source) => {
                return Err(RootlessError::Sys {
                    what: format!("kill pause process {pid}"),
                    source,
                })
            }
        }
    }
    match std::fs::remove_file(&pid_file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(RootlessError::Io {
                what: "remove",
                path: pid_file,
                source,
            })
        }
    }
    Ok(pid)
}

/// Joins the user and mount namespaces of `pid`.
fn join(pid: i32) -> Result<()> {
    let open = |ns: &str| {
        let p = PathBuf::from(format!("/proc/{pid}/ns/{ns}"));
        File::open(&p).map_err(|source| RootlessError::Io {
            what: "open",
            path: p,
            source,
        })
    };
    // Both before the first setns: afterwards /proc/PID may look different.
    let user = open("user")?;
    let mnt = open("mnt")?;
    let setns = |f: &File, flag: CloneFlags, what: &str| {
        nix::sched::setns(f.as_fd(), flag).map_err(|source| RootlessError::Sys {
            what: format!("join the {what} namespace of pause process {pid}"),
            source,
        })
    };
    setns(&user, CloneFlags::CLONE_NEWUSER, "user")?;
    setns(&mnt, CloneFlags::CLONE_NEWNS, "mount")?;
    Ok(())
}

/// Forks the pause process, maps its namespace, records it in `pid_file`; returns its pid.
fn create_pause(uid: u32, gid: u32, pid_file: &Path) -> Result<i32> {
    let maps = IdMaps::for_user(uid, gid)?;
    if !maps.has_ranges() {
        tracing::warn!(
            "Using rootless single mapping into the namespace. This might break some images. Check /etc/subuid and /etc/subgid for adding sub*ids for user {}",
            maps.name
        );
    }
    let sys = |what: &str| {
        let what = what.to_string();
        move |source| RootlessError::Sys { what, source }
    };
    let (ready_r, ready_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
    let (go_r, go_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
    // SAFETY: the process is single-threaded (the contract of `enter`), so the child may
    // run any code; it never returns from `pause_child`.
    match unsafe { nix::unistd::fork() }.map_err(sys("fork the pause process"))? {
        nix::unistd::ForkResult::Child => {
            drop(ready_r);
            drop(go_w);
            pause_child(ready_w, go_r)
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(ready_w);
            drop(go_r);
            let pid = child.as_raw();
            let result = map_and_record(pid, &maps, ready_r, pid_file);
            match result {
                Ok(()) => {
                    // Releases the child into its pause loop.
                    let _ = File::from(go_w).write_all(b"1");
                    Ok(pid)
                }
                Err(e) => {
                    let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                    let _ = nix::sys::wait::waitpid(child, None);
                    Err(e)
                }
            }
        }
    }
}

/// The parent's half: waits for the child's namespaces, writes the maps, the pid file.
fn map_and_record(pid: i32, maps: &IdMaps, ready_r: OwnedFd, pid_file: &Path) -> Result<()> {
    let mut b = [0u8; 1];
    if File::from(ready_r)
        .read(&mut b)
        .map_err(|source| RootlessError::Io {
            what: "wait for",
            path: format!("pause process {pid}").into(),
            source,
        })?
        != 1
    {
        return Err(RootlessError::PauseDied { pid });
    }
    if maps.has_ranges() {
        run_map(NEWUIDMAP, pid, IdMaps::map_args(maps.uid, &maps.uids))?;
        run_map(NEWGIDMAP, pid, IdMaps::map_args(maps.gid, &maps.gids))?;
    } else {
        // Without subordinate ids an unprivileged process may map its own id alone
        // (gid only after setgroups is denied).
        let write = |file: &str, text: String| {
            let p = PathBuf::from(format!("/proc/{pid}/{file}"));
            std::fs::write(&p, text).map_err(|source| RootlessError::Io {
                what: "write",
                path: p,
                source,
            })
        };
        write("uid_map", format!("0 {} 1\n", maps.uid))?;
        write("setgroups", "deny".into())?;
        write("gid_map", format!("0 {} 1\n", maps.gid))?;
    }
    let start = crate::process::stat(pid)
        .map_err(|_| RootlessError::PauseDied { pid })?
        .start;
    let tmp = pid_file.with_extension("pid.tmp");
    std::fs::write(&tmp, format!("{pid} {start}\n"))
        .and_then(|()| std::fs::rename(&tmp, pid_file))
        .map_err(|source| RootlessError::Io {
            what: "write",
            path: pid_file.to_path_buf(),
            source,
        })
}

/// Runs newuidmap/newgidmap for `pid`.
fn run_map(program: &'static str, pid: i32, args: Vec<String>) -> Result<()> {
    let shown = format!("{pid} {}", args.join(" "));
    let out = Command::new(program)
        .arg(pid.to_string())
        .args(&args)
        .output()
        .map_err(|e| RootlessError::IdMap {
            program,
            args: shown.clone(),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(RootlessError::IdMap {
            program,
            args: shown,
            message: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(())
}

/// The pause process: its own session, new user and mount namespaces, no inherited
/// descriptors (a test's output pipe must not stay open for its lifetime), then sleeps
/// until killed.
fn pause_child(ready_w: OwnedFd, go_r: OwnedFd) -> ! {
    use std::os::fd::AsRawFd;
    let _ = nix::unistd::setsid();
    if let Ok(null) = File::options().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors of this single-threaded child.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
    let keep = [ready_w.as_raw_fd(), go_r.as_raw_fd()];
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        let fds: Vec<i32> = dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .filter(|fd| *fd > 2 && !keep.contains(fd))
            .collect();
        for fd in fds {
            // SAFETY: this child owns no Rust object over these descriptors that it
            // will use again (it only sleeps from here on).
            unsafe { libc::close(fd) };
        }
    }
    // SAFETY: PR_SET_NAME reads a NUL-terminated string that outlives the call.
    unsafe { libc::prctl(libc::PR_SET_NAME, c"lpod-pause".as_ptr()) };
    if nix::sched::unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS).is_err() {
        std::process::exit(1);
    }
    let mut w = File::from(ready_w);
    if w.write_all(b"1").is_err() {
        std::process::exit(1);
    }
    drop(w);
    let mut b = [0u8; 1];
    if !matches!(File::from(go_r).read(&mut b), Ok(1)) {
        // The parent died or gave up: no namespace to hold.
        std::process::exit(1);
    }
    for sig in [
        nix::sys::signal::Signal::SIGHUP,
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGPIPE,
    ] {
        // SAFETY: SIG_IGN installs no handler code.
        let _ = unsafe { nix::sys::signal::signal(sig, nix::sys::signal::SigHandler::SigIgn) };
    }
    loop {
        nix::unistd::pause();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_args_stack_ranges_after_the_user() {
        let r = [
            SubIdRange {
                start: 100000,
                count: 65536,
            },
            SubIdRange {
                start: 300000,
                count: 10,
            },
        ];
        assert_eq!(
            IdMaps::map_args(1000, &r),
            ["0", "1000", "1", "1", "100000", "65536", "65537", "300000", "10"]
        );
        assert_eq!(IdMaps::map_args(5, &[]), ["0", "5", "1"]);
    }

    #[test]
    fn auto_takes_the_first_free_range_after_the_user() {
        let pool = auto_pool(true, "0 1000 1\n1 100000 65536\n", &[]);
        assert_eq!(pool, [(1, 65536)]);
        assert_eq!(pick_free(&pool, &[], 65536), Some(1));
        assert_eq!(pick_free(&pool, &[(1, 65536)], 1), None);
        assert_eq!(pick_free(&pool, &[(1, 1000)], 1000), Some(1001));
        // A hole too small is skipped, a later one taken.
        assert_eq!(
            pick_free(&pool, &[(1, 1000), (1500, 1000)], 1000),
            Some(2500)
        );
        assert_eq!(
            pick_free(&pool, &[(1, 1000), (1500, 1000)], 499),
            Some(1001)
        );
        assert_eq!(free_ids(&[(1, 10)], &[(3, 2)]), 8);
        // Root: the `containers` ranges.
        let subs = [SubIdRange {
            start: 200000,
            count: 10,
        }];
        assert_eq!(auto_pool(false, "", &subs), [(200000, 10)]);
        assert_eq!(pick_free(&auto_pool(false, "", &subs), &[], 11), None);
    }

    #[test]
    fn keep_id_maps_the_user_onto_itself() {
        assert_eq!(
            keep_id_map(1000, 65537),
            [(0, 1, 1000), (1000, 0, 1), (1001, 1001, 64536)]
        );
        assert_eq!(keep_id_map(5, 6), [(0, 1, 5), (5, 0, 1)]);
    }

    #[test]
    fn private_dir_is_created_0700_and_a_foreign_one_refused() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let me = nix::unistd::geteuid().as_raw();
        let d = t.path().join("a/run");
        ensure_private_dir(&d, me).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = ensure_private_dir(&d, me).unwrap_err();
        assert!(matches!(e, RootlessError::UnsafeRunDir { .. }), "{e}");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o750)).unwrap();
        ensure_private_dir(&d, me).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let e = ensure_private_dir(&d, me + 1).unwrap_err();
        assert!(e.to_string().contains("not private"), "{e}");
    }
}
