//! An exec session kept in the service's memory between create, start and inspect.

use std::sync::Mutex;

use libpod_core::{Container, ExecOptions};

/// One exec session created by `POST /containers/{id}/exec`.
pub(crate) struct ExecSession {
    pub container: Container,
    pub opts: ExecOptions,
    pub stdout: bool,
    pub stderr: bool,
    pub progress: Mutex<Progress>,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Progress {
    pub started: bool,
    pub running: bool,
    pub exit_code: Option<i32>,
}
