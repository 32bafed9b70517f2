//! `attach` and `start_attached`: the container's stdio over conmon's attach socket.

use std::io::{Read, Write};

use libpod_config::Operation;
use libpod_oci::{AttachConn, OutputStream};

use super::*;
use crate::ops::lock::Locked;
use crate::Error;

/// Copies output frames to `streams` until conmon closes the connection; stdin
/// (if any) is forwarded from a detached thread and closed at its EOF.
pub(crate) fn pump(conn: AttachConn, streams: Streams) -> Result<()> {
    let Streams {
        stdin,
        mut stdout,
        mut stderr,
    } = streams;
    if let Some(mut input) = stdin {
        let w = conn.try_clone()?;
        // Detached: a read of our stdin may block past the container's end.
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match input.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if w.write_stdin(&buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = w.close_stdin();
        });
    }
    while let Some((stream, data)) = conn.read_frame()? {
        let out: &mut dyn Write = match stream {
            OutputStream::Stdout => &mut *stdout,
            OutputStream::Stderr => &mut *stderr,
        };
        // A closed reader of ours (e.g. `| head`) must not stop the container.
        if out.write_all(&data).and_then(|_| out.flush()).is_err() {
            continue;
        }
    }
    Ok(())
}

fn connect(l: &Locked<'_>) -> Result<AttachConn> {
    let bundle =
        l.st.bundle_path
            .clone()
            .ok_or_else(|| Error::InvalidState {
                id: l.id().to_string(),
                status: l.st.status.as_str().to_string(),
                op: "attach (no bundle)".into(),
            })?;
    Ok(l.p.oci.attach(l.id(), &bundle)?)
}

impl Container {
    /// Sets the size (rows, columns) of the container's terminal through conmon.
    /// Fails while the container has no terminal set up yet (not created).
    pub fn resize(&self, rows: u16, cols: u16) -> Result<()> {
        let p = self.enter()?;
        let (cfg, st) = p
            .state
            .container(&self.id)
            .map_err(|e| crate::context::ctr_err(e, &self.id))?;
        let bundle = st.bundle_path.ok_or_else(|| Error::InvalidState {
            id: self.id.clone(),
            status: st.status.as_str().to_string(),
            op: "resize (no terminal yet)".into(),
        })?;
        p.oci_for(&cfg.oci_runtime)?
            .resize(&self.id, &bundle, rows, cols)?;
        Ok(())
    }

    /// Attaches `streams` to the container's stdio until its output ends. The
    /// lock is released while streaming.
    #[tracing::instrument(skip(self, streams), fields(id = %self.id()))]
    pub fn attach(&self, streams: Streams) -> Result<()> {
        let p = self.enter()?;
        let conn = {
            let l = Locked::acquire(&p, &self.id)?;
            l.check(Operation::Attach)?;
            let conn = connect(&l)?;
            crate::events::container(&p, &l.cfg, crate::events::EventStatus::Attach);
            conn
        };
        pump(conn, streams)
    }

    /// Starts the container with `streams` attached before the start (so no
    /// output is lost) and returns when its output ends. Used by `run` without
    /// `-d` and `start -a`. The lock is released while streaming.
    #[tracing::instrument(skip(self, streams), fields(id = %self.id()))]
    pub fn start_attached(&self, streams: Streams) -> Result<()> {
        let p = self.enter()?;
        let conn = {
            let mut l = Locked::acquire(&p, &self.id)?;
            l.check(Operation::Start)?;
            super::init::start_dependencies(&mut l)?;
            crate::ops::init::ensure_created(&mut l)?;
            let conn = connect(&l)?;
            crate::ops::start::start_locked(&mut l)?;
            crate::events::container(&p, &l.cfg, crate::events::EventStatus::Attach);
            conn
        };
        pump(conn, streams)
    }
}
