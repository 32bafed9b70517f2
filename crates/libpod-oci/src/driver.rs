//! The driver trait over an OCI runtime. Its input/output types live in `types` and its
//! error in `error` (leaf modules, so the implementations need not depend on the trait);
//! both are re-exported here.

use std::path::Path;
use std::time::Duration;

use oci_spec::runtime::Spec;

use crate::attach::AttachConn;
pub use crate::error::OciError;
use crate::exec::{ExecOptions, ExecSession};
pub use crate::types::{CreateOptions, Created, ExitInfo, RuntimeState, RuntimeStatus};

/// The verbs lpod needs from an OCI runtime. [`crate::ConmonRuntime`] implements it over
/// conmon + runc/crun; tests of higher layers can implement it with a fake.
pub trait OciRuntime: Send + Sync {
    /// Write `spec` to `BUNDLE/config.json` and create the container under conmon.
    /// Returns once the runtime has created it (the process waits for `start`).
    fn create(
        &self,
        id: &str,
        bundle: &Path,
        spec: &Spec,
        opts: &CreateOptions,
    ) -> Result<Created, OciError>;
    /// Start a created container.
    fn start(&self, id: &str) -> Result<(), OciError>;
    /// Send `signal` to the init process (`all`: to every process in the container).
    fn kill(&self, id: &str, signal: i32, all: bool) -> Result<(), OciError>;
    /// Send `signal`, wait up to `timeout` for the process to go, then SIGKILL; returns once
    /// the init process is gone.
    fn stop(&self, id: &str, signal: i32, timeout: Duration) -> Result<(), OciError>;
    /// Freeze.
    fn pause(&self, id: &str) -> Result<(), OciError>;
    /// Thaw.
    fn resume(&self, id: &str) -> Result<(), OciError>;
    /// Delete the runtime's container (`force` kills a running one first).
    fn delete(&self, id: &str, force: bool) -> Result<(), OciError>;
    /// Query the runtime's state.
    fn state(&self, id: &str) -> Result<RuntimeState, OciError>;
    /// Exit code, time and OOM flag, if conmon has written them.
    fn exit_info(&self, id: &str) -> Result<Option<ExitInfo>, OciError>;
    /// Wait up to `timeout` for conmon to record the exit.
    fn wait_exit(&self, id: &str, timeout: Duration) -> Result<ExitInfo, OciError>;
    /// Remove conmon's per-container files (exit file, persist dir). Call after delete.
    fn cleanup_files(&self, id: &str) -> Result<(), OciError>;
    /// The pid of the container's conmon as conmon recorded it (its pid file), if
    /// the file is there; the process may have exited since. Drivers without a
    /// monitor process answer `None`.
    fn conmon_pid(&self, _id: &str) -> Option<i32> {
        None
    }
    /// Connect to the container's attach socket (`BUNDLE/attach`).
    fn attach(&self, id: &str, bundle: &Path) -> Result<AttachConn, OciError>;
    /// Resize the container's terminal through `BUNDLE/ctl`.
    fn resize(&self, id: &str, bundle: &Path, height: u16, width: u16) -> Result<(), OciError>;
    /// Run a process in a running container through conmon.
    fn exec(&self, id: &str, opts: &ExecOptions) -> Result<ExecSession, OciError>;
    /// Apply new cgroup limits to a running container (only the limits that are set
    /// in `resources` change).
    fn update(&self, id: &str, resources: &crate::spec::Resources) -> Result<(), OciError>;
}
