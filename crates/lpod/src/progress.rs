//! Progress of a bulk command (`rm -a`, `container prune`, `system reset`, ...): a bar
//! on stderr, only when stderr is a terminal and only once the work has taken more
//! than a second, so quick commands and pipes print nothing extra.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a bulk command runs before its bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A counted bulk step whose bar shows up on a terminal after [`SHOW_AFTER`].
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    tty: bool,
    shown: bool,
}

impl Progress {
    /// A step of `total` items, labelled `what` (e.g. "removing containers").
    pub fn new(what: &str, total: usize) -> Progress {
        Progress::with_terminal(what, total, std::io::stderr().is_terminal())
    }

    fn with_terminal(what: &str, total: usize, tty: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({elapsed}, {eta} left)")
        {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        Progress {
            bar,
            started: Instant::now(),
            tty,
            shown: false,
        }
    }

    /// Runs `f` (which may print to stdout) with the bar out of the way, then counts
    /// one item done.
    pub fn step<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let out = self.bar.suspend(f);
        self.bar.inc(1);
        if self.tty && !self.shown && self.started.elapsed() > SHOW_AFTER {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        out
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_stays_hidden_off_a_terminal_or_when_quick() {
        let mut p = Progress::with_terminal("x", 3, false);
        let mut seen = Vec::new();
        for i in 0..3 {
            seen.push(p.step(|| i * 2));
        }
        assert_eq!(seen, [0, 2, 4]);
        assert_eq!(p.bar.position(), 3);
        assert!(!p.shown);
        // On a terminal, a step that ends before a second has passed draws nothing yet.
        let mut q = Progress::with_terminal("x", 2, true);
        q.step(|| ());
        assert!(!q.shown);
    }
}
