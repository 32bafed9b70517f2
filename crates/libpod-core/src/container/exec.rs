//! `exec`: an extra process in a running container through conmon; streams
//! its output, returns its exit code.

use std::path::PathBuf;

use libpod_config::Operation;

use super::create::merge_env;
use super::*;
use crate::context::Parts;
use crate::ops::lock::Locked;
use crate::Error;

impl Container {
    /// Runs a process in the running container, streaming through `streams`;
    /// returns its exit code (a command the runtime cannot find or invoke is
    /// `CommandNotFound`/`CommandNotInvokable`, exit codes 127/126). The lock is
    /// held only to start the session.
    #[tracing::instrument(skip(self, opts, streams), fields(id = %self.id()))]
    pub fn exec(&self, opts: &ExecOptions, streams: Streams) -> Result<i32> {
        if opts.command.is_empty() {
            return Err(Error::InvalidArgument {
                what: "exec command",
                value: "(empty)".into(),
            });
        }
        let p = self.enter()?;
        let session = self.start_exec_session(&p, opts)?;
        let has_stdin = opts.stdin && streams.stdin.is_some();
        let streams = if has_stdin {
            streams
        } else {
            Streams {
                stdin: None,
                ..streams
            }
        };
        if let (true, Some((rows, cols))) = (opts.tty, opts.terminal_size) {
            if let Err(e) = session.resize(rows, cols) {
                tracing::debug!(error = %e, "setting the exec terminal's size");
            }
        }
        if let Some(conn) = session.conn() {
            let conn = conn.try_clone()?;
            match super::attach::pump(conn, streams, &opts.detach_keys) {
                Ok(true) => return Err(crate::Error::Detached(self.id.clone())),
                Ok(false) => {}
                Err(e) => {
                    // Still reap the session (its exit, its directory under the run root).
                    if let Err(w) = session.wait() {
                        tracing::debug!(error = %w, "reaping an exec session after a failed attach");
                    }
                    return Err(e);
                }
            }
        }
        let code = session.wait()?;
        crate::events::container_by_id(
            &p,
            &self.id,
            crate::events::EventStatus::ExecDied,
            Some(code),
        );
        Ok(code)
    }

    /// Starts an exec session of `opts.command` in the running container (under
    /// its lock, which is released when the session runs) and emits `exec`.
    pub(crate) fn start_exec_session(
        &self,
        p: &Parts,
        opts: &ExecOptions,
    ) -> Result<libpod_oci::ExecSession> {
        let l = Locked::acquire(p, &self.id)?;
        l.check(Operation::Exec)?;
        let rootfs = l.st.mountpoint.clone().unwrap_or_default();
        let mut cfg = l.cfg.clone();
        if opts.user.is_some() {
            cfg.user = opts.user.clone();
        }
        cfg.terminal = opts.tty;
        let mut process = crate::ops::init::process_input(&cfg, &rootfs)?;
        process.args = opts.command.clone();
        process.env = merge_env(&process.env, &opts.env);
        process.console_size = opts.terminal_size.filter(|_| opts.tty);
        if let Some(w) = &opts.workdir {
            process.cwd = PathBuf::from(w);
        }
        let eo = libpod_oci::ExecOptions {
            process,
            session_id: None,
            stdin: opts.stdin,
            attach: true,
            conmon_env: Vec::new(),
        };
        let session = p
            .oci_for(&l.cfg.oci_runtime)?
            .exec(&self.id, &eo)
            .map_err(|e| crate::ops::init::map_create_error(e.into(), &opts.command[0]))?;
        crate::events::container(p, &l.cfg, crate::events::EventStatus::Exec);
        Ok(session)
    }

    /// Runs a process and collects its output: (exit code, stdout, stderr).
    pub fn exec_output(&self, command: &[&str]) -> Result<(i32, Vec<u8>, Vec<u8>)> {
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let err = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let streams = Streams {
            stdin: None,
            stdout: Box::new(SharedBuf(out.clone())),
            stderr: Box::new(SharedBuf(err.clone())),
        };
        let opts = ExecOptions {
            command: command.iter().map(|s| s.to_string()).collect(),
            ..ExecOptions::default()
        };
        let code = self.exec(&opts, streams)?;
        let take = |b: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>| {
            b.lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default()
        };
        Ok((code, take(&out), take(&err)))
    }
}

/// A `Write` into a shared buffer.
pub(crate) struct SharedBuf(pub(crate) std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned buffer"))?
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
