//! Pipes shared with conmon (`_OCI_SYNCPIPE`, `_OCI_STARTPIPE`, `_OCI_ATTACHPIPE`) and
//! spawning conmon with them at fixed descriptor numbers.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::error::OciError;

/// First fd number conmon sees for our pipes (0-2 are stdio).
pub(crate) const FIRST_PIPE_FD: i32 = 3;

/// How many descriptors after stdio (3, 4, ...) this process inherited to pass on to
/// the container it creates (`run --preserve-fds N`); see [`set_inherited_fds`].
static INHERITED_FDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Declares that descriptors 3 .. 3+n of this process were inherited for the container
/// (the caller reserved them before opening anything else). Only these are ever passed
/// in: a container created later by another process gets none.
pub fn set_inherited_fds(n: u32) {
    INHERITED_FDS.store(n, std::sync::atomic::Ordering::SeqCst);
}

/// Copies of the inherited descriptors, at most `want` of them.
pub(crate) fn inherited_fds(want: u32, id: &str) -> Result<Vec<OwnedFd>, OciError> {
    let n = want.min(INHERITED_FDS.load(std::sync::atomic::Ordering::SeqCst));
    (0..n as i32)
        .map(|i| {
            // SAFETY: `set_inherited_fds` promised these numbers stay open (reserved by
            // the caller for the process's lifetime); we only borrow them to duplicate.
            let b = unsafe { std::os::fd::BorrowedFd::borrow_raw(FIRST_PIPE_FD + i) };
            b.try_clone_to_owned().map_err(|e| OciError::Sys {
                op: "dup inherited fd",
                id: id.to_string(),
                source: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)),
            })
        })
        .collect()
}

/// A CLOEXEC pipe: (read end, write end).
pub(crate) fn cloexec_pipe(id: &str) -> Result<(OwnedFd, OwnedFd), OciError> {
    nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|source| OciError::Sys {
        op: "pipe2",
        id: id.to_string(),
        source,
    })
}

/// Move an fd above 10 so that dup2 onto 3.. in the child never clobbers another one.
fn dup_high(fd: &OwnedFd, min: i32, id: &str) -> Result<OwnedFd, OciError> {
    let raw =
        fcntl(fd.as_raw_fd(), FcntlArg::F_DUPFD_CLOEXEC(min)).map_err(|source| OciError::Sys {
            op: "fcntl(F_DUPFD_CLOEXEC)",
            id: id.to_string(),
            source,
        })?;
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) just returned this new descriptor, which nothing else owns.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) })
}

/// Spawn `binary args` in its own process group with `fds[i]` at descriptor `3 + i`
/// (inheritable), stdin/stdout at /dev/null and stderr piped.
pub(crate) fn spawn_with_fds(
    binary: &Path,
    args: &[String],
    env: &[(String, String)],
    fds: &[&OwnedFd],
    id: &str,
    root_bind: Option<&(std::path::PathBuf, std::path::PathBuf)>,
) -> Result<Child, OciError> {
    // Built before the fork: the child must not allocate.
    let bind = match root_bind {
        Some((src, dst)) => {
            let c = |p: &Path| {
                std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).map_err(|_| {
                    OciError::Spawn {
                        binary: binary.to_path_buf(),
                        source: std::io::Error::other(format!(
                            "root bind path {} has a NUL byte",
                            p.display()
                        )),
                    }
                })
            };
            Some((c(src)?, c(dst)?))
        }
        None => None,
    };
    // Targets 3..3+len must stay below the duplicated sources (>= 10, and above the
    // last target).
    let min = (FIRST_PIPE_FD + fds.len() as i32).max(10);
    let high: Vec<OwnedFd> = fds
        .iter()
        .map(|f| dup_high(f, min, id))
        .collect::<Result<_, _>>()?;
    let raws: Vec<i32> = high.iter().map(|f| f.as_raw_fd()).collect();
    let mut cmd = Command::new(binary);
    // conmon passes its environment on to the runtime and the exit command (an lpod).
    libpod_failpoint::scrub(&mut cmd);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: between fork and exec the closure only calls dup2 (async-signal-safe) and
    // reads errno; it does not allocate or take locks. Its sources are the descriptors in
    // `high`, which stay open in the parent until spawn returns, and all are above the last
    // target (3 + len), so a dup2 never overwrites a source still to be copied. dup2 clears
    // FD_CLOEXEC on the target, so exactly these are inherited.
    // With a root bind: unshare, mount and errno are async-signal-safe system calls on
    // C strings built before the fork, in the child's own new mount namespace.
    unsafe {
        cmd.pre_exec(move || {
            for (i, raw) in raws.iter().enumerate() {
                if libc::dup2(*raw, FIRST_PIPE_FD + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some((src, dst)) = &bind {
                if libc::unshare(libc::CLONE_NEWNS) < 0
                    || libc::mount(
                        std::ptr::null(),
                        c"/".as_ptr(),
                        std::ptr::null(),
                        libc::MS_REC | libc::MS_SLAVE,
                        std::ptr::null(),
                    ) < 0
                    || libc::mount(
                        src.as_ptr(),
                        dst.as_ptr(),
                        std::ptr::null(),
                        libc::MS_BIND,
                        std::ptr::null(),
                    ) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|source| OciError::Spawn {
        binary: binary.to_path_buf(),
        source,
    })?;
    drop(high);
    Ok(child)
}

/// One message conmon writes on the sync or attach pipe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub(crate) struct SyncMessage {
    /// pid, exit code, or negative on failure.
    pub data: i64,
    /// Error message, if any.
    #[serde(default)]
    pub message: Option<String>,
}

/// Reads newline-terminated JSON messages from a conmon pipe without reading past one message.
#[derive(Debug)]
pub(crate) struct SyncReader {
    file: File,
    buf: Vec<u8>,
    id: String,
}

impl SyncReader {
    pub(crate) fn new(fd: OwnedFd, id: &str) -> Self {
        SyncReader {
            file: File::from(fd),
            buf: Vec::new(),
            id: id.to_string(),
        }
    }

    /// Next message, or `None` at EOF (conmon exited without writing). `timeout` bounds the
    /// wait; `None` waits forever.
    pub(crate) fn next(
        &mut self,
        what: &'static str,
        timeout: Option<Duration>,
    ) -> Result<Option<SyncMessage>, OciError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&line);
                let msg: SyncMessage =
                    serde_json::from_str(text.trim()).map_err(|e| OciError::Parse {
                        what,
                        id: self.id.clone(),
                        detail: format!("{e}: {text:?}"),
                    })?;
                return Ok(Some(msg));
            }
            let wait_ms = match deadline {
                None => PollTimeout::NONE,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(OciError::Timeout {
                            what,
                            id: self.id.clone(),
                            timeout: timeout.unwrap_or_default(),
                        });
                    }
                    PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32)
                        .unwrap_or(PollTimeout::MAX)
                }
            };
            {
                let mut fds = [PollFd::new(
                    std::os::fd::AsFd::as_fd(&self.file),
                    PollFlags::POLLIN,
                )];
                match poll(&mut fds, wait_ms) {
                    Ok(_) => {}
                    Err(nix::Error::EINTR) => continue,
                    Err(source) => {
                        return Err(OciError::Sys {
                            op: "poll sync pipe",
                            id: self.id.clone(),
                            source,
                        })
                    }
                }
                if fds[0].revents().map(|r| r.is_empty()).unwrap_or(true) {
                    continue;
                }
            }
            let mut chunk = [0u8; 4096];
            match self.file.read(&mut chunk) {
                Ok(0) => {
                    if self.buf.is_empty() {
                        return Ok(None);
                    }
                    // a final unterminated message
                    self.buf.push(b'\n');
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(OciError::Io {
                        op: "reading conmon pipe",
                        path: format!("pipe of {}", self.id).into(),
                        source,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_messages_one_at_a_time() {
        let (r, w) = cloexec_pipe("t").unwrap();
        let mut w = File::from(w);
        w.write_all(b"{\"data\": 42}\n{\"data\": -1, \"message\": \"boom\"}\n")
            .unwrap();
        drop(w);
        let mut rd = SyncReader::new(r, "t");
        assert_eq!(rd.next("x", None).unwrap().unwrap().data, 42);
        let m = rd.next("x", None).unwrap().unwrap();
        assert_eq!((m.data, m.message.as_deref()), (-1, Some("boom")));
        assert!(rd.next("x", None).unwrap().is_none());
    }

    #[test]
    fn times_out() {
        let (r, _w) = cloexec_pipe("t").unwrap();
        let mut rd = SyncReader::new(r, "t");
        assert!(matches!(
            rd.next("x", Some(Duration::from_millis(20))),
            Err(OciError::Timeout { .. })
        ));
    }
}
