//! `RuntimeBuilder`: the options of a runtime, consumed by `build` (the seed's
//! `RuntimeOption` closures plus its `valid` flag, as a type).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libpod_oci::OciRuntime;

use super::Runtime;
use crate::Result;

use libpod_config::RuntimeConfig;
pub use libpod_config::StateBackend;

pub use crate::context::RuntimeOptions;

/// Builds a [`Runtime`]; `build` consumes it, so options cannot change afterwards.
#[derive(Clone, Default)]
pub struct RuntimeBuilder {
    opts: RuntimeOptions,
    driver: Option<Arc<dyn OciRuntime>>,
}

impl std::fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("opts", &self.opts)
            .field("driver", &self.driver.as_ref().map(|_| "injected"))
            .finish()
    }
}

impl RuntimeBuilder {
    /// Persistent root (default `/var/lib/lpod`): `storage/`, `libpod/`,
    /// `volumes/`, `cni/` below it (as `RuntimeConfig::with_roots`).
    pub fn root(mut self, p: impl AsRef<Path>) -> Self {
        let root = p.as_ref();
        let c = &mut self.opts.config;
        c.graph_root = root.join("storage");
        c.volume_path = root.join("volumes");
        c.static_dir = root.join("libpod");
        c.cni_cache_dir = root.join("cni");
        c.cni_config_dir = root.join("cni").join("net.d");
        self
    }
    /// Per-boot run root (default `/run/lpod`): `tmp_dir` itself, storage's run
    /// root at `storage/` below it.
    pub fn run_root(mut self, p: impl AsRef<Path>) -> Self {
        let run = p.as_ref();
        self.opts.config.run_root = run.join("storage");
        self.opts.config.tmp_dir = run.to_path_buf();
        self
    }
    /// Directory of named volumes (default `root/volumes`); call after [`Self::root`].
    pub fn volume_path(mut self, p: impl AsRef<Path>) -> Self {
        self.opts.config.volume_path = p.as_ref().to_path_buf();
        self
    }
    /// Start from a data-model configuration (e.g. loaded from `lpod.toml`);
    /// later builder calls override its fields.
    pub fn runtime_config(mut self, c: RuntimeConfig) -> Self {
        self.opts.config = c;
        self
    }
    /// OCI runtime name or path (default `crun`).
    pub fn runtime(mut self, r: impl Into<String>) -> Self {
        let r: String = r.into();
        if r.contains('/') {
            // A path is its own key: containers record it as given (Podman's
            // `OCIRuntime`), and later verbs find the same binary by it.
            let path = PathBuf::from(&r);
            self.opts.config.runtimes.insert(r.clone(), vec![path]);
            self.opts.config.runtime = r;
        } else {
            self.opts.config.runtime = r;
        }
        self
    }
    /// conmon path (tried before the configured candidates).
    pub fn conmon(mut self, p: impl AsRef<Path>) -> Self {
        self.opts
            .config
            .conmon_path
            .insert(0, p.as_ref().to_path_buf());
        self
    }
    /// Storage driver (default `overlay`).
    pub fn storage_driver(mut self, d: impl Into<String>) -> Self {
        self.opts.config.storage_driver = d.into();
        self
    }
    /// State backend (default SQLite).
    pub fn state_backend(mut self, b: StateBackend) -> Self {
        self.opts.config.state_backend = b;
        self
    }
    /// Boot-id source (default `/proc/sys/kernel/random/boot_id`).
    pub fn boot_id_path(mut self, p: impl AsRef<Path>) -> Self {
        self.opts.boot_id_path = p.as_ref().to_path_buf();
        self
    }
    /// conmon's exit command: `bin args... container cleanup ID` runs when a
    /// container exits. Without it, cleanup happens on the next verb.
    pub fn exit_command(mut self, bin: impl AsRef<Path>, args: Vec<String>) -> Self {
        self.opts.exit_command = Some((bin.as_ref().to_path_buf(), args));
        self
    }
    /// conmon log level (default `error`).
    pub fn log_level(mut self, l: impl Into<String>) -> Self {
        self.opts.log_level = l.into();
        self
    }
    /// Global flags for every OCI runtime invocation (Podman's `--runtime-flag`):
    /// each gets a leading `--` unless it has one.
    pub fn runtime_flags(mut self, flags: &[String]) -> Self {
        self.opts.runtime_flags = flags
            .iter()
            .map(|f| {
                if f.starts_with('-') {
                    f.clone()
                } else {
                    format!("--{f}")
                }
            })
            .collect();
        self
    }
    /// Start from a complete set of options.
    pub fn options(mut self, o: RuntimeOptions) -> Self {
        self.opts = o;
        self
    }
    /// Use this OCI driver instead of conmon over runc/crun (tests use a fake).
    pub fn oci_driver(mut self, d: Arc<dyn OciRuntime>) -> Self {
        self.driver = Some(d);
        self
    }
    /// The options as they are now.
    pub fn peek(&self) -> &RuntimeOptions {
        &self.opts
    }
    /// Opens state, storage and the OCI driver, refreshes after a reboot, and
    /// returns the finalized runtime.
    pub fn build(self) -> Result<Runtime> {
        Runtime::open(self.opts, self.driver)
    }
}
