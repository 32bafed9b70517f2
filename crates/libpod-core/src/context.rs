//! The leaf every verb builds on: the opened components of a runtime
//! ([`Parts`]), the options they were opened with ([`RuntimeOptions`]), and
//! the mapping of lower-layer errors onto core's where they mean something
//! specific to the caller (not found, in use). Depends on no other module of
//! core but the error type (and `runtime::info`'s plain `Component`).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use libpod_config::RuntimeConfig;
use libpod_oci::OciRuntime;
use libpod_state::{LockError, LockManager, State, StateError};
use libpod_storage::{Store, StoreError};

use crate::error::PodError;
use crate::runtime::info::Component;
use crate::{Error, Result};

/// The resolved options of a runtime; `Runtime::config()` returns a copy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuntimeOptions {
    /// The data-model configuration (paths, OCI runtime, conmon, state backend, ...).
    pub config: RuntimeConfig,
    /// Where the boot id is read from (tests point it at a file to simulate a reboot).
    pub boot_id_path: PathBuf,
    /// conmon's exit command: binary and the arguments before `container cleanup ID`.
    pub exit_command: Option<(PathBuf, Vec<String>)>,
    /// conmon log level.
    pub log_level: String,
    /// Global flags for every OCI runtime invocation (Podman's `--runtime-flag`, each
    /// already prefixed with `--`).
    pub runtime_flags: Vec<String>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            config: RuntimeConfig::default(),
            boot_id_path: PathBuf::from("/proc/sys/kernel/random/boot_id"),
            exit_command: None,
            log_level: "error".into(),
            runtime_flags: Vec::new(),
        }
    }
}

impl RuntimeOptions {
    /// `static_dir`: state.db and per-container persistent dirs.
    pub fn static_dir(&self) -> PathBuf {
        self.config.static_dir.clone()
    }
    /// `tmp_dir`: the per-boot directory that holds `alive`.
    pub fn tmp_dir(&self) -> PathBuf {
        self.config.tmp_dir.clone()
    }
    /// Per-container lock files.
    pub fn lock_dir(&self) -> PathBuf {
        self.config.lock_dir()
    }
    /// conmon exit files.
    pub fn exit_dir(&self) -> PathBuf {
        self.config.exits_dir()
    }
    /// conmon attach sockets.
    pub fn socket_dir(&self) -> PathBuf {
        self.config.socket_dir()
    }
    /// conmon persist dirs (OOM markers), one per container.
    pub fn persist_dir(&self) -> PathBuf {
        self.config.tmp_dir.join("persist")
    }
    /// OCI bundles (config.json, pid files, attach/ctl), one per container.
    pub fn bundle_dir(&self) -> PathBuf {
        self.config.tmp_dir.join("bundles")
    }
    /// Persistent per-container dirs (logs).
    pub fn containers_dir(&self) -> PathBuf {
        self.config.static_dir.join("containers")
    }
}

/// The opened components; dropped at shutdown.
pub(crate) struct Parts {
    pub(crate) opts: RuntimeOptions,
    pub(crate) state: Box<dyn State>,
    pub(crate) locks: LockManager,
    pub(crate) store: Store,
    pub(crate) oci: Arc<dyn OciRuntime>,
    /// Name and version of the OCI runtime, conmon (for info).
    pub(crate) oci_component: Component,
    pub(crate) conmon_component: Component,
    /// Drivers of the other runtimes containers recorded (by name or path), built on
    /// first use: every verb drives a container with the runtime that created it.
    pub(crate) other_oci: std::sync::Mutex<std::collections::HashMap<String, Arc<dyn OciRuntime>>>,
    /// The opened driver's conmon settings, the template for those others (`None` for
    /// an injected driver, which serves every container).
    pub(crate) conmon_template: Option<libpod_oci::ConmonConfig>,
}

impl Parts {
    /// The driver for containers recorded with `runtime` (a name or a path): the opened
    /// one when it is the same (or unrecorded), else one built for it.
    pub(crate) fn oci_for(&self, runtime: &str) -> Result<Arc<dyn OciRuntime>> {
        let Some(template) = &self.conmon_template else {
            return Ok(self.oci.clone());
        };
        if runtime.is_empty() || runtime == self.opts.config.runtime {
            return Ok(self.oci.clone());
        }
        let mut cache = self.other_oci.lock().map_err(|_| Error::RuntimeStopped)?;
        if let Some(d) = cache.get(runtime) {
            return Ok(d.clone());
        }
        let (kind, path) = crate::runtime::find::find_runtime_named(&self.opts.config, runtime)?;
        let cfg = libpod_oci::ConmonConfig {
            runtime_kind: kind,
            runtime_path: path,
            ..template.clone()
        };
        let d: Arc<dyn OciRuntime> = Arc::new(libpod_oci::ConmonRuntime::new(cfg)?);
        cache.insert(runtime.to_string(), d.clone());
        Ok(d)
    }

    /// The driver of container `id` (its recorded runtime); the opened one when the
    /// container is unknown.
    pub(crate) fn oci_of(&self, id: &str) -> Result<Arc<dyn OciRuntime>> {
        match self.state.container(id) {
            Ok((cfg, _)) => self.oci_for(&cfg.oci_runtime),
            Err(_) => Ok(self.oci.clone()),
        }
    }
}

/// Shared by the `Runtime` and every `Container` handle.
pub(crate) struct Inner {
    pub(crate) parts: RwLock<Option<Arc<Parts>>>,
}

impl Inner {
    /// The opened components, or `RuntimeStopped`.
    pub(crate) fn parts(&self) -> Result<Arc<Parts>> {
        self.parts
            .read()
            .map_err(|_| Error::RuntimeStopped)?
            .clone()
            .ok_or(Error::RuntimeStopped)
    }
}

/// The next generated name from `candidates` (see `libpod_config::name_candidates`)
/// that no container or pod holds, by the state's name index. `Ok(Err(last))`
/// when every candidate was taken (`last` is the last one tried).
pub(crate) fn next_free_name(
    state: &dyn State,
    candidates: &mut dyn Iterator<Item = String>,
) -> Result<std::result::Result<String, String>> {
    let mut last = String::new();
    for c in candidates {
        if !state.name_in_use(&c)? {
            return Ok(Ok(c));
        }
        last = c;
    }
    Ok(Err(last))
}

/// A container lookup error: not found/ambiguous become typed errors.
pub(crate) fn lookup_err(e: StateError, query: &str) -> Error {
    match e {
        StateError::Lookup(libpod_config::LookupError::NotFound { .. })
        | StateError::NoSuchContainer { .. } => Error::NoSuchContainer(query.to_string()),
        StateError::Lookup(libpod_config::LookupError::Ambiguous { .. }) => {
            Error::AmbiguousContainer(query.to_string())
        }
        other => Error::State(other),
    }
}

/// A state error about one container: not found becomes `NoSuchContainer(id)`.
pub(crate) fn ctr_err(e: StateError, id: &str) -> Error {
    match e {
        StateError::NoSuchContainer { .. } => Error::NoSuchContainer(id.to_string()),
        StateError::NameInUse { name, .. } => Error::NameInUse(name),
        other => Error::State(other),
    }
}

/// A lock error about one container: removed-while-waiting becomes `NoSuchContainer(id)`.
pub(crate) fn lock_err(e: LockError, id: &str) -> Error {
    match e {
        LockError::Removed { .. } => Error::NoSuchContainer(id.to_string()),
        other => Error::Lock(other),
    }
}

/// An image lookup error: unknown image becomes `NoSuchImage(reference)`.
pub fn image_err(e: StoreError, reference: &str) -> Error {
    match e {
        StoreError::ImageNotFound(_) => Error::NoSuchImage(reference.to_string()),
        other => Error::Storage(other),
    }
}

/// A pod lookup error: not found/ambiguous/name in use become typed pod errors.
pub(crate) fn pod_err(e: StateError, q: &str) -> Error {
    match e {
        StateError::NoSuchPod { .. }
        | StateError::Lookup(libpod_config::LookupError::NotFound { .. }) => {
            PodError::NoSuchPod(q.to_string()).into()
        }
        StateError::Lookup(libpod_config::LookupError::Ambiguous { .. }) => {
            PodError::AmbiguousPod(q.to_string()).into()
        }
        StateError::NameInUse { name, .. } => PodError::NameInUse(name).into(),
        other => Error::State(other),
    }
}
