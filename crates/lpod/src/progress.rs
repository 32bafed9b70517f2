//! Progress of a bulk command (`rm -a`, `container prune`, `system reset`, ...): a bar
//! on stderr, only when stderr is a terminal and only once the work has taken more
//! than a second, so quick commands and pipes print nothing extra. Nothing is built
//! (no bar, no terminal check) until then: single-name verbs and conmon's exit command
//! (`container cleanup`) pay for one clock read.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a bulk command runs before its bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A counted bulk step whose bar shows up on a terminal after [`SHOW_AFTER`].
pub struct Progress {
    what: String,
    total: usize,
    done: usize,
    started: Instant,
    show_after: Duration,
    /// Whether stderr is a terminal: asked once, when the bar would appear.
    tty: Option<bool>,
    /// The bar, once shown.
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A step of `total` items, labelled `what` (e.g. "removing containers").
    pub fn new(what: &str, total: usize) -> Progress {
        Progress {
            what: what.to_string(),
            total,
            done: 0,
            started: Instant::now(),
            show_after: SHOW_AFTER,
            tty: None,
            bar: None,
        }
    }

    /// Runs `f` (which may print to stdout) with the bar out of the way, then counts
    /// one item done.
    pub fn step<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let out = match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        };
        self.done += 1;
        match &self.bar {
            Some(bar) => bar.inc(1),
            None if self.started.elapsed() > self.show_after
                && *self
                    .tty
                    .get_or_insert_with(|| std::io::stderr().is_terminal()) =>
            {
                self.bar = Some(self.bar());
            }
            None => {}
        }
        out
    }

    /// The bar at the count so far, drawn on stderr.
    fn bar(&self) -> ProgressBar {
        let bar =
            ProgressBar::with_draw_target(Some(self.total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({elapsed}, {eta} left)")
        {
            bar.set_style(style);
        }
        bar.set_message(self.what.clone());
        bar.set_position(self.done as u64);
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_stays_hidden_off_a_terminal_or_when_quick() {
        let mut p = Progress::new("x", 3);
        p.tty = Some(false);
        p.show_after = Duration::ZERO;
        let mut seen = Vec::new();
        for i in 0..3 {
            seen.push(p.step(|| i * 2));
        }
        assert_eq!(seen, [0, 2, 4]);
        assert_eq!(p.done, 3);
        assert!(p.bar.is_none(), "no bar off a terminal");
        // On a terminal, a step that ends before SHOW_AFTER has passed builds nothing yet.
        let mut q = Progress::new("x", 2);
        q.tty = Some(true);
        q.show_after = Duration::from_secs(3600);
        q.step(|| ());
        assert!(q.bar.is_none());
    }

    #[test]
    fn the_bar_appears_on_a_terminal_at_the_count_so_far() {
        let mut p = Progress::new("removing", 5);
        p.tty = Some(true);
        p.show_after = Duration::ZERO;
        p.step(|| ());
        let bar = p.bar.clone().expect("shown after the first slow step");
        assert_eq!((bar.position(), bar.length()), (1, Some(5)));
        assert_eq!(p.step(|| 7), 7);
        assert_eq!(bar.position(), 2);
    }
}
