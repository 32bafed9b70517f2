//! Podman's `--sig-proxy`: while a foreground container runs, the signals lpod receives
//! (INT, TERM, HUP, QUIT, USR1, USR2) are sent to the container instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nix::sys::signal::{SigSet, Signal};

const PROXIED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// Forwards signals to a container until dropped.
pub struct SignalProxy {
    active: Arc<AtomicBool>,
    set: SigSet,
}

impl SignalProxy {
    /// Blocks the proxied signals in this thread (threads started later inherit that) and
    /// starts a thread that waits for them and sends each to `c`.
    pub fn start(c: libpod_core::Container) -> Option<SignalProxy> {
        let mut set = SigSet::empty();
        for s in PROXIED {
            set.add(s);
        }
        set.thread_block().ok()?;
        let active = Arc::new(AtomicBool::new(true));
        let flag = active.clone();
        let waited = set;
        std::thread::Builder::new()
            .name("sig-proxy".into())
            .spawn(move || {
                while let Ok(sig) = waited.wait() {
                    if !flag.load(Ordering::SeqCst) {
                        continue;
                    }
                    if let Err(e) = c.kill(sig as i32) {
                        tracing::debug!(signal = %sig, error = %e, "forwarding a signal");
                    }
                }
            })
            .ok()?;
        Some(SignalProxy { active, set })
    }
}

impl Drop for SignalProxy {
    fn drop(&mut self) {
        // The thread stays parked in sigwait (the process ends soon) but stops forwarding;
        // this thread takes the signals' default actions again.
        self.active.store(false, Ordering::SeqCst);
        let _ = self.set.thread_unblock();
    }
}
