//! exec through conmon (`-e --exec-process-spec`, `--exec-attach` with `_OCI_ATTACHPIPE`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::attach::AttachConn;
use crate::conmon::ConmonRuntime;
use crate::error::{io_err, OciError};
use crate::files::{mkdir, read_oci_log_errors};
use crate::pipes::{cloexec_pipe, spawn_with_fds, SyncReader};
use crate::spec::{process_spec, ProcessInput};

/// What to run with exec.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// The process (args, env, cwd, user, terminal, capabilities).
    pub process: ProcessInput,
    /// Session id; generated when `None`.
    pub session_id: Option<String>,
    /// Open stdin (`-i`); write to it through [`ExecSession::conn`].
    pub stdin: bool,
    /// Attach to the session's stdio before the process starts (no output is lost).
    /// Without it the output only reaches the session's log.
    pub attach: bool,
    /// Extra conmon environment.
    pub conmon_env: Vec<(String, String)>,
}

/// Result of [`exec_output`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit code of the process.
    pub exit_code: i32,
    /// What it wrote to stdout (everything, with a terminal).
    pub stdout: Vec<u8>,
    /// What it wrote to stderr.
    pub stderr: Vec<u8>,
}

/// A running exec session.
#[derive(Debug)]
pub struct ExecSession {
    /// Session id.
    pub session_id: String,
    /// Container id.
    pub container_id: String,
    /// The process's pid (host pid namespace).
    pub pid: i32,
    /// The session directory (attach socket, ctl fifo, log, exit file).
    pub dir: PathBuf,
    conn: Option<AttachConn>,
    sync: SyncReader,
}

static SESSION_COUNTER: AtomicU64 = AtomicU64::new(0);

fn new_session_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:x}{:08x}{:04x}",
        nanos,
        std::process::id(),
        SESSION_COUNTER.fetch_add(1, Ordering::Relaxed) & 0xffff
    )
}

impl ExecSession {
    /// The attach connection (present when [`ExecOptions::attach`] was set).
    pub fn conn(&self) -> Option<&AttachConn> {
        self.conn.as_ref()
    }

    /// Resize the session's terminal.
    pub fn resize(&self, height: u16, width: u16) -> Result<(), OciError> {
        crate::attach::resize(&self.dir.join("ctl"), &self.session_id, height, width)
    }

    /// Path of the session's k8s-file log.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("exec_log")
    }

    /// Wait for the process to end and return its exit code; removes the session directory.
    #[tracing::instrument(skip(self), fields(session = %self.session_id))]
    pub fn wait(mut self) -> Result<i32, OciError> {
        let msg = self.sync.next("exec exit code", None)?;
        let code = match msg {
            Some(m) => m.data as i32,
            None => {
                let path = self.dir.join("exits").join(&self.container_id);
                let text = std::fs::read_to_string(&path)
                    .map_err(io_err("reading exec exit file", &path))?;
                text.trim().parse().map_err(|e| OciError::Parse {
                    what: "exec exit file",
                    id: self.session_id.clone(),
                    detail: format!("{e}"),
                })?
            }
        };
        drop(self.conn.take());
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(code)
    }
}

/// Run an exec session to completion, feeding `stdin` (then closing it) and collecting output.
pub fn exec_output(
    rt: &dyn crate::OciRuntime,
    id: &str,
    opts: &ExecOptions,
    stdin: Option<&[u8]>,
) -> Result<ExecOutput, OciError> {
    let mut opts = opts.clone();
    opts.attach = true;
    opts.stdin = stdin.is_some();
    let session = rt.exec(id, &opts)?;
    let conn = session.conn().ok_or_else(|| OciError::Parse {
        what: "exec session",
        id: id.to_string(),
        detail: "no attach connection".into(),
    })?;
    let writer = match stdin {
        Some(data) => {
            let w = conn.try_clone()?;
            let data = data.to_vec();
            Some(std::thread::spawn(move || {
                let r = w.write_stdin(&data);
                let _ = w.close_stdin();
                r
            }))
        }
        None => None,
    };
    let (stdout, stderr) = conn.read_to_end()?;
    if let Some(h) = writer {
        // A process that exits without reading its stdin makes the write fail; that is fine.
        let _ = h.join();
    }
    let exit_code = session.wait()?;
    Ok(ExecOutput {
        exit_code,
        stdout,
        stderr,
    })
}

impl ConmonRuntime {
    #[tracing::instrument(skip(self, opts), fields(runtime = self.runtime_name()))]
    pub(crate) fn exec_impl(&self, id: &str, opts: &ExecOptions) -> Result<ExecSession, OciError> {
        let session_id = opts.session_id.clone().unwrap_or_else(new_session_id);
        let dir = self.cfg.run_root.join("exec").join(&session_id);
        mkdir(&dir)?;
        let exits = dir.join("exits");
        mkdir(&exits)?;
        let process = process_spec(&opts.process)?;
        let spec_path = dir.join("process.json");
        let data = serde_json::to_vec(&process).map_err(|e| OciError::Parse {
            what: "exec process spec",
            id: id.to_string(),
            detail: e.to_string(),
        })?;
        // The process spec holds the exec's environment: 0600.
        {
            use std::io::Write as _;
            use std::os::unix::fs::OpenOptionsExt as _;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&spec_path)
                .and_then(|mut f| f.write_all(&data))
                .map_err(io_err("writing exec process spec", &spec_path))?;
        }
        let oci_log = dir.join("oci-log");
        let mut args = self.shared_conmon_args(
            id,
            &session_id,
            &session_id,
            &dir,
            &dir.join("pidfile"),
            &format!("k8s-file:{}", dir.join("exec_log").display()),
            &exits,
            &dir,
            &oci_log,
        );
        args.push("-e".into());
        args.push(format!("--exec-process-spec={}", spec_path.display()));
        if opts.process.terminal {
            args.push("-t".into());
        } else if opts.stdin {
            args.push("-i".into());
        }
        if opts.attach {
            args.push("--exec-attach".into());
        }

        let fail = |e: OciError| {
            let _ = std::fs::remove_dir_all(&dir);
            e
        };
        let (sync_r, sync_w) = cloexec_pipe(id).map_err(fail)?;
        let (start_r, start_w) = cloexec_pipe(id).map_err(fail)?;
        let (attach_r, attach_w) = cloexec_pipe(id).map_err(fail)?;
        let mut env = Self::conmon_env(&opts.conmon_env);
        env.push(("_OCI_SYNCPIPE".into(), "3".into()));
        env.push(("_OCI_STARTPIPE".into(), "4".into()));
        let mut fds = vec![&sync_w, &start_r];
        if opts.attach {
            env.push(("_OCI_ATTACHPIPE".into(), "5".into()));
            fds.push(&attach_w);
        }
        let mut child =
            spawn_with_fds(&self.cfg.conmon_path, &args, &env, &fds, id, None).map_err(fail)?;
        drop(sync_w);
        drop(start_r);
        drop(attach_w);
        let mut start = std::fs::File::from(start_w);
        let _ = start.write_all(b"0");
        let status = child.wait().map_err(|source| {
            fail(OciError::Spawn {
                binary: self.cfg.conmon_path.clone(),
                source,
            })
        })?;
        if !status.success() {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
            }
            return Err(fail(OciError::Conmon {
                id: id.to_string(),
                status: status.to_string(),
                stderr: stderr.trim().to_string(),
            }));
        }
        drop(child.stderr.take());

        let mut conn = None;
        if opts.attach {
            let mut ar = SyncReader::new(attach_r, &session_id);
            match ar.next("exec attach pipe", Some(self.cfg.create_timeout)) {
                Ok(Some(m)) if m.data >= 0 => {}
                Ok(other) => {
                    return Err(fail(OciError::CreateFailed {
                        id: id.to_string(),
                        runtime: self.runtime_name().to_string(),
                        message: other
                            .and_then(|m| m.message)
                            .unwrap_or_else(|| "conmon did not set up the attach socket".into()),
                    }))
                }
                Err(e) => return Err(fail(e)),
            }
            conn = Some(AttachConn::connect(&dir.join("attach"), &session_id).map_err(fail)?);
            // The terminal's size before the process runs (as Podman): crun 1.8 leaves a
            // new exec terminal at 0x0 whatever the spec's consoleSize says, and a process
            // that asks at once (`stty size`) would see that if the size came only after
            // the start. conmon applies it as soon as it holds the terminal.
            if let (true, Some((rows, cols))) = (opts.process.terminal, opts.process.console_size) {
                if let Err(e) = crate::attach::resize(&dir.join("ctl"), &session_id, rows, cols) {
                    tracing::debug!(error = %e, "sizing the exec terminal before its start");
                }
            }
            // second start message: conmon's child now runs `runtime exec`
            let _ = start.write_all(b"0");
        }
        drop(start);

        let mut sync = SyncReader::new(sync_r, &session_id);
        let msg = sync
            .next("exec sync pipe", Some(self.cfg.create_timeout))
            .map_err(fail)?;
        let pid = match msg {
            Some(m) if m.data > 0 => m.data as i32,
            other => {
                let mut message = read_oci_log_errors(&oci_log);
                if message.is_empty() {
                    message = other
                        .and_then(|m| m.message)
                        .map(|s| s.trim().to_string())
                        .unwrap_or_else(|| "conmon exited without reporting a pid".into());
                }
                return Err(fail(OciError::ExecFailed {
                    id: id.to_string(),
                    runtime: self.runtime_name().to_string(),
                    message,
                }));
            }
        };
        tracing::info!(pid, session = %session_id, "exec started");
        let _ = Duration::ZERO;
        Ok(ExecSession {
            session_id,
            container_id: id.to_string(),
            pid,
            dir,
            conn,
            sync,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_unique() {
        let a = new_session_id();
        let b = new_session_id();
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
