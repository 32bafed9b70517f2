//! `attach` and `start_attached`: the container's stdio over conmon's attach socket.

use std::io::{Read, Write};

use libpod_config::Operation;
use libpod_oci::{AttachConn, OutputStream};

use super::*;
use crate::ops::lock::Locked;
use crate::Error;

/// Finds a detach key sequence in stdin: bytes that may start it are held back
/// until it matches (detach) or fails (they are forwarded after all).
struct DetachScanner {
    keys: Vec<u8>,
    matched: usize,
}

impl DetachScanner {
    /// Feeds `input`; returns the bytes to forward and whether the sequence completed.
    fn feed(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(input.len());
        for &b in input {
            if self.keys.is_empty() {
                out.push(b);
                continue;
            }
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    return (out, true);
                }
            } else {
                out.extend_from_slice(&self.keys[..self.matched]);
                self.matched = 0;
                if b == self.keys[0] {
                    self.matched = 1;
                } else {
                    out.push(b);
                }
            }
        }
        (out, false)
    }
}

/// Copies output frames to `streams` until conmon closes the connection; stdin
/// (if any) is forwarded from a detached thread and closed at its EOF. Returns true
/// when the user typed the detach keys (the container keeps running).
pub(crate) fn pump(conn: AttachConn, streams: Streams, detach_keys: &[u8]) -> Result<bool> {
    let Streams {
        stdin,
        mut stdout,
        mut stderr,
    } = streams;
    let detached = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(mut input) = stdin {
        let w = conn.try_clone()?;
        let flag = detached.clone();
        let mut scan = DetachScanner {
            keys: detach_keys.to_vec(),
            matched: 0,
        };
        // Detached: a read of our stdin may block past the container's end.
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match input.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let (data, done) = scan.feed(&buf[..n]);
                        if !data.is_empty() && w.write_stdin(&data).is_err() {
                            return;
                        }
                        if done {
                            flag.store(true, std::sync::atomic::Ordering::SeqCst);
                            // Ends the output loop below; the container runs on.
                            use std::os::fd::AsRawFd;
                            // SAFETY: shutdown on the attach socket's valid descriptor,
                            // owned by `w` for the duration of the call.
                            unsafe {
                                libc::shutdown(w.as_fd().as_raw_fd(), libc::SHUT_RDWR);
                            }
                            return;
                        }
                    }
                }
            }
            let _ = w.close_stdin();
        });
    }
    let is_detached = || detached.load(std::sync::atomic::Ordering::SeqCst);
    loop {
        let frame = match conn.read_frame() {
            Ok(f) => f,
            Err(_) if is_detached() => return Ok(true),
            Err(e) => return Err(e.into()),
        };
        let Some((stream, data)) = frame else { break };
        let out: &mut dyn Write = match stream {
            OutputStream::Stdout => &mut *stdout,
            OutputStream::Stderr => &mut *stderr,
        };
        // A closed reader of ours (e.g. `| head`) must not stop the container.
        if out.write_all(&data).and_then(|_| out.flush()).is_err() {
            continue;
        }
    }
    Ok(is_detached())
}

/// A live connection to a container's stdio, from [`Container::connect_attach`].
/// Dropping it detaches without streaming.
#[derive(Debug)]
pub struct Attachment {
    conn: AttachConn,
}

impl Attachment {
    /// Copies the container's output to `streams` (and `streams.stdin` to the
    /// container) until the output ends.
    pub fn stream(self, streams: Streams) -> Result<()> {
        pump(self.conn, streams, &[])?;
        Ok(())
    }
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
        self.connect_attach()?.stream(streams)
    }

    /// The first half of [`Container::attach`]: connects to the container's stdio
    /// now and returns the connection, to be streamed later with
    /// [`Attachment::stream`]. Output the container writes after this returns
    /// reaches the attachment, so a caller that must answer its own client
    /// before streaming (an API server's hijacked connection) connects first and
    /// lets the client start the container only then.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn connect_attach(&self) -> Result<Attachment> {
        let p = self.enter()?;
        let l = Locked::acquire(&p, &self.id)?;
        l.check(Operation::Attach)?;
        let conn = connect(&l)?;
        crate::events::container(&p, &l.cfg, crate::events::EventStatus::Attach);
        Ok(Attachment { conn })
    }

    /// Starts the container with `streams` attached before the start (so no
    /// output is lost) and returns when its output ends. Used by `run` without
    /// `-d` and `start -a`. The lock is released while streaming.
    #[tracing::instrument(skip(self, streams), fields(id = %self.id()))]
    pub fn start_attached(&self, streams: Streams) -> Result<()> {
        self.start_attached_detachable(streams, &[])
    }

    /// [`Container::start_attached`] where typing `detach_keys` on stdin detaches:
    /// the container keeps running and this returns [`Error::Detached`].
    pub fn start_attached_detachable(&self, streams: Streams, detach_keys: &[u8]) -> Result<()> {
        let p = self.enter()?;
        let conn = {
            let mut l = Locked::acquire(&p, &self.id)?;
            l.check(Operation::Start)?;
            super::start::user_start_resets_policy(&mut l);
            super::start::start_dependencies(&mut l)?;
            crate::ops::init::ensure_created(&mut l)?;
            let conn = connect(&l)?;
            crate::ops::start::start_locked(&mut l)?;
            crate::events::container(&p, &l.cfg, crate::events::EventStatus::Attach);
            conn
        };
        if pump(conn, streams, detach_keys)? {
            return Err(Error::Detached(self.id.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod detach_tests {
    use super::DetachScanner;

    #[test]
    fn detach_keys_are_held_back_then_forwarded_or_matched() {
        let mut s = DetachScanner {
            keys: vec![16, 17],
            matched: 0,
        };
        assert_eq!(s.feed(b"ab\x10"), (b"ab".to_vec(), false));
        assert_eq!(s.feed(b"x"), (b"\x10x".to_vec(), false));
        assert_eq!(s.feed(b"\x10\x10"), (b"\x10".to_vec(), false));
        assert_eq!(s.feed(b"\x11rest"), (Vec::new(), true));
    }
}
