//! Input and output types of the [`crate::OciRuntime`] verbs.

use std::path::PathBuf;
use std::time::SystemTime;

/// Options for [`OciRuntime::create`](crate::OciRuntime::create) that vary per container.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Container name given to conmon (`-n`); the id when `None`.
    pub name: Option<String>,
    /// k8s-file log path; `BUNDLE/ctr.log` when `None`.
    pub log_path: Option<PathBuf>,
    /// Maximum log size in bytes (`--log-size-max`); conmon truncates beyond it.
    pub log_size_max: Option<u64>,
    /// Keep stdin open through the attach socket (`-i`). A terminal (`-t`) comes from the spec.
    pub stdin: bool,
    /// `--exit-command` binary and its arguments (core passes `lpod container cleanup ID`).
    pub exit_command: Option<(PathBuf, Vec<String>)>,
    /// Extra environment for conmon (and thus the runtime), `KEY=VALUE`.
    pub conmon_env: Vec<(String, String)>,
    /// conmon's log driver: `k8s-file` (when empty), `journald` or `none`.
    pub log_driver: String,
    /// conmon `--log-tag`.
    pub log_tag: Option<String>,
    /// conmon kills the container after this many seconds (`--timeout`, 0 = never).
    pub timeout: u32,
    /// A second file conmon writes its pid to (`--conmon-pidfile` of `run`).
    pub conmon_pidfile: Option<PathBuf>,
    /// Pass this many inherited descriptors (3 ..) into the container (`--preserve-fds`);
    /// only those the process declared with [`crate::set_inherited_fds`].
    pub preserve_fds: u32,
    /// `(source, target)`: conmon (and so the runtime) starts in a mount namespace of its
    /// own, a slave of the caller's, in which `source` (the mounted root) is bind-mounted
    /// on `target` (the spec's root path). Podman's intermediate mount point: a rootless
    /// container whose user namespace does not map the user cannot traverse the user's
    /// private store, but can reach a 0755 directory; the bind lives and dies with
    /// conmon's namespace, so nothing is left to unmount.
    pub root_bind: Option<(PathBuf, PathBuf)>,
    /// Descriptors conmon inherits and holds open for the container's life (the
    /// published ports' sockets, so that no other process takes those ports while it
    /// runs, as Podman reserves them).
    pub held_fds: Vec<std::sync::Arc<std::os::fd::OwnedFd>>,
}

/// What [`OciRuntime::create`](crate::OciRuntime::create) returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    /// The container's init pid (host pid namespace).
    pub pid: i32,
    /// conmon's pid (the daemonized monitor), when its pidfile could be read.
    pub conmon_pid: Option<i32>,
}

/// Status reported by the runtime's `state` verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuntimeStatus {
    /// Being created.
    Creating,
    /// Created, not started.
    Created,
    /// Running.
    Running,
    /// Frozen.
    Paused,
    /// Process exited.
    Stopped,
}

/// The runtime's view of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeState {
    /// Status.
    pub status: RuntimeStatus,
    /// Init pid (0 when stopped).
    pub pid: i32,
    /// Bundle path.
    pub bundle: PathBuf,
}

/// Exit information left by conmon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// Exit code (128+signal when killed by a signal; -1 when conmon could not tell).
    pub exit_code: i32,
    /// When the exit file was written.
    pub exited_at: SystemTime,
    /// The container was OOM-killed.
    pub oom_killed: bool,
}
