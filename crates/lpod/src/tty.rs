//! Terminal handling for `-t`: the local terminal in raw mode while attached.

use std::os::fd::AsFd;

use nix::sys::termios::{self, SetArg, Termios};

/// Raw mode on our stdin while alive; the previous settings come back on drop.
pub struct RawMode {
    saved: Termios,
}

impl RawMode {
    /// Puts stdin in raw mode if it is a terminal; `None` otherwise (nothing to restore).
    pub fn enable() -> Option<RawMode> {
        let stdin = std::io::stdin();
        let fd = stdin.as_fd();
        if !std::io::IsTerminal::is_terminal(&stdin) {
            return None;
        }
        let saved = termios::tcgetattr(fd).ok()?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(fd, SetArg::TCSANOW, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let stdin = std::io::stdin();
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &self.saved);
    }
}

/// The size (rows, columns) of the terminal on stdin, if it is one.
pub fn size() -> Option<(u16, u16)> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes a `winsize` into the valid, exclusively borrowed `ws`.
    let r = unsafe { libc::ioctl(libc::STDIN_FILENO, libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
}

/// Keeps a container's terminal the size of ours: sets it once the container has one,
/// then again on every SIGWINCH, until the process ends.
pub fn follow_size(c: libpod_core::Container) {
    use nix::sys::signal::{SigSet, Signal};
    if size().is_none() {
        return;
    }
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    // Blocked here so the thread below (which inherits it) takes it with sigwait.
    if set.thread_block().is_err() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("winch".into())
        .spawn(move || {
            // The terminal exists once the container is created: try for a while.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let Some((rows, cols)) = size() else { return };
                if c.resize(rows, cols).is_ok() {
                    break;
                }
                if std::time::Instant::now() > deadline {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            while set.wait().is_ok() {
                if let Some((rows, cols)) = size() {
                    if let Err(e) = c.resize(rows, cols) {
                        tracing::debug!(error = %e, "resizing the container's terminal");
                    }
                }
            }
        });
}
