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
