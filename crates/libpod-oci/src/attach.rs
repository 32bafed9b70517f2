//! conmon's attach socket (`BUNDLE/attach`, SOCK_SEQPACKET) and terminal resize (`BUNDLE/ctl`).
//!
//! Each packet conmon sends starts with one byte naming the stream (2 stdout, 3 stderr)
//! followed by the data. Stdin is written raw, without a prefix; shutting down our write side
//! closes the container's stdin (unless conmon was told to leave it open).

use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::sys::socket::{
    connect, recv, send, shutdown, socket, AddressFamily, MsgFlags, Shutdown, SockFlag, SockType,
    UnixAddr,
};

use crate::error::{io_err, OciError};

/// conmon's stdout frame type.
pub const FRAME_STDOUT: u8 = 2;
/// conmon's stderr frame type.
pub const FRAME_STDERR: u8 = 3;
/// Largest stdin packet we send (conmon reads 32 KiB per packet; keep well under it).
const STDIN_CHUNK: usize = 8192;

/// Which output stream a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    /// Standard output (and everything when a terminal is used).
    Stdout,
    /// Standard error.
    Stderr,
}

/// A connection to a conmon attach socket.
#[derive(Debug)]
pub struct AttachConn {
    fd: OwnedFd,
    id: String,
    path: PathBuf,
}

impl AttachConn {
    /// Connect to the attach socket at `path` (any length: we go through `/proc/self/fd`).
    pub fn connect(path: &Path, id: &str) -> Result<AttachConn, OciError> {
        let parent = path.parent().unwrap_or(Path::new("/"));
        let name = path.file_name().unwrap_or_default();
        let dir = std::fs::File::options()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(parent)
            .map_err(io_err("opening attach socket dir", parent))?;
        let short = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd())).join(name);
        let fd = socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(|source| OciError::Sys {
            op: "socket(AF_UNIX, SOCK_SEQPACKET)",
            id: id.to_string(),
            source,
        })?;
        let addr = UnixAddr::new(&short).map_err(|source| OciError::Sys {
            op: "attach socket address",
            id: id.to_string(),
            source,
        })?;
        connect(fd.as_raw_fd(), &addr).map_err(|source| OciError::Io {
            op: "connecting to attach socket",
            path: path.to_path_buf(),
            source: source.into(),
        })?;
        drop(dir);
        Ok(AttachConn {
            fd,
            id: id.to_string(),
            path: path.to_path_buf(),
        })
    }

    /// The next output frame; `None` when conmon closed the connection (the process ended).
    pub fn read_frame(&self) -> Result<Option<(OutputStream, Vec<u8>)>, OciError> {
        let mut buf = vec![0u8; 32 * 1024 + 1];
        loop {
            let n = match recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(n) => n,
                Err(nix::Error::EINTR) => continue,
                // conmon closed its end while bytes we sent (typed input the process never
                // read) were still queued there. The kernel reports that reset once, before
                // the frames still queued for us: read on, they follow, then the end.
                Err(nix::Error::ECONNRESET) => continue,
                Err(source) => {
                    return Err(OciError::Io {
                        op: "reading attach socket",
                        path: self.path.clone(),
                        source: source.into(),
                    })
                }
            };
            if n == 0 {
                return Ok(None);
            }
            let stream = match buf[0] {
                FRAME_STDOUT => OutputStream::Stdout,
                FRAME_STDERR => OutputStream::Stderr,
                other => {
                    tracing::debug!(id = %self.id, frame = other, "skipping unknown attach frame");
                    continue;
                }
            };
            return Ok(Some((stream, buf[1..n].to_vec())));
        }
    }

    /// Read frames until EOF; returns (stdout, stderr).
    pub fn read_to_end(&self) -> Result<(Vec<u8>, Vec<u8>), OciError> {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        while let Some((s, data)) = self.read_frame()? {
            match s {
                OutputStream::Stdout => out.extend_from_slice(&data),
                OutputStream::Stderr => err.extend_from_slice(&data),
            }
        }
        Ok((out, err))
    }

    /// Write to the process's stdin.
    pub fn write_stdin(&self, data: &[u8]) -> Result<(), OciError> {
        for chunk in data.chunks(STDIN_CHUNK) {
            let mut off = 0;
            while off < chunk.len() {
                match send(self.fd.as_raw_fd(), &chunk[off..], MsgFlags::MSG_NOSIGNAL) {
                    Ok(n) => off += n,
                    Err(nix::Error::EINTR) => {}
                    Err(source) => {
                        return Err(OciError::Io {
                            op: "writing attach socket",
                            path: self.path.clone(),
                            source: source.into(),
                        })
                    }
                }
            }
        }
        Ok(())
    }

    /// Close our sending side: conmon then closes the process's stdin.
    pub fn close_stdin(&self) -> Result<(), OciError> {
        shutdown(self.fd.as_raw_fd(), Shutdown::Write).map_err(|source| OciError::Io {
            op: "shutting down attach socket",
            path: self.path.clone(),
            source: source.into(),
        })
    }

    /// Borrow the socket (for poll loops).
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// A second handle on the same connection (e.g. one thread writes stdin, one reads).
    pub fn try_clone(&self) -> Result<AttachConn, OciError> {
        let fd = self
            .fd
            .try_clone()
            .map_err(io_err("dup attach socket", &self.path))?;
        Ok(AttachConn {
            fd,
            id: self.id.clone(),
            path: self.path.clone(),
        })
    }
}

use std::os::unix::fs::OpenOptionsExt;

/// Ask conmon to resize the terminal: writes `1 HEIGHT WIDTH\n` to the `ctl` fifo.
pub fn resize(ctl: &Path, id: &str, height: u16, width: u16) -> Result<(), OciError> {
    let _ = id;
    let mut f = std::fs::File::options()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(ctl)
        .map_err(io_err("opening ctl fifo", ctl))?;
    f.write_all(format!("1 {height} {width}\n").as_bytes())
        .map_err(io_err("writing ctl fifo", ctl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_split_by_type() {
        let dir = tempfile::tempdir().unwrap();
        let sock_path = dir.path().join("attach");
        let listener = socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap();
        nix::sys::socket::bind(listener.as_raw_fd(), &UnixAddr::new(&sock_path).unwrap()).unwrap();
        nix::sys::socket::listen(&listener, nix::sys::socket::Backlog::new(1).unwrap()).unwrap();
        let conn = AttachConn::connect(&sock_path, "t").unwrap();
        let srv = nix::sys::socket::accept(listener.as_raw_fd()).unwrap();
        send(srv, b"\x02out", MsgFlags::empty()).unwrap();
        send(srv, b"\x03err", MsgFlags::empty()).unwrap();
        conn.write_stdin(b"in").unwrap();
        let mut buf = [0u8; 16];
        let n = recv(srv, &mut buf, MsgFlags::empty()).unwrap();
        assert_eq!(&buf[..n], b"in");
        // SAFETY: closing the accepted fd we own.
        unsafe { libc::close(srv) };
        let (o, e) = conn.read_to_end().unwrap();
        assert_eq!((o.as_slice(), e.as_slice()), (&b"out"[..], &b"err"[..]));
    }

    #[test]
    fn a_close_with_our_input_unread_ends_the_output_after_every_frame() {
        let dir = tempfile::tempdir().unwrap();
        let sock_path = dir.path().join("attach");
        let listener = socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap();
        nix::sys::socket::bind(listener.as_raw_fd(), &UnixAddr::new(&sock_path).unwrap()).unwrap();
        nix::sys::socket::listen(&listener, nix::sys::socket::Backlog::new(1).unwrap()).unwrap();
        let conn = AttachConn::connect(&sock_path, "t").unwrap();
        let srv = nix::sys::socket::accept(listener.as_raw_fd()).unwrap();
        send(srv, b"\x0221 77\n", MsgFlags::empty()).unwrap();
        // Typed input the process never read, then conmon goes away: a reset for us.
        conn.write_stdin(b"unread").unwrap();
        // SAFETY: closing the accepted fd we own.
        unsafe { libc::close(srv) };
        let (o, e) = conn.read_to_end().unwrap();
        assert_eq!((o.as_slice(), e.as_slice()), (&b"21 77\n"[..], &b""[..]));
    }

    #[test]
    fn resize_missing_ctl_is_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(resize(&dir.path().join("ctl"), "t", 24, 80).is_err());
    }
}
