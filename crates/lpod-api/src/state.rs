//! What every handler shares: the runtime, the exec sessions, the connection count.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libpod_core::Runtime;

use crate::session::ExecSession;

/// What every handler shares.
pub(crate) struct AppState {
    pub rt: Runtime,
    pub execs: Mutex<HashMap<String, Arc<ExecSession>>>,
    pub connections: AtomicUsize,
    pub last_seen: Mutex<Instant>,
}

impl AppState {
    pub(crate) fn touch(&self) {
        if let Ok(mut t) = self.last_seen.lock() {
            *t = Instant::now();
        }
    }
}
