//! The CNI client: ADD/DEL/CHECK/VERSION over a network configuration list, with a
//! persistent result cache so DEL works after a crash or reboot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::conf::{ConfError, NetworkConfigList};
use crate::invoke::{find_plugin, Invocation, InvokeError, PluginExec, ProcessExec};
use crate::result::CniResult;

/// Errors from the CNI client.
#[derive(Debug, thiserror::Error)]
pub enum CniError {
    /// A plugin could not be found or run, or reported an error.
    #[error("network {network}: {source}")]
    Invoke {
        /// Network name.
        network: String,
        /// The plugin error.
        #[source]
        source: Box<InvokeError>,
    },
    /// A plugin printed something that is not a CNI result.
    #[error("network {network}: plugin {plugin} {command} printed an invalid result: {source}")]
    BadResult {
        /// Network name.
        network: String,
        /// Plugin type.
        plugin: String,
        /// CNI command.
        command: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// ADD failed; the list was torn down again (DEL) before returning.
    #[error("network {network}: ADD failed: {add}{}", match cleanup { Some(c) => format!("; cleanup DEL also failed: {c}"), None => String::new() })]
    AddFailed {
        /// Network name.
        network: String,
        /// The ADD error.
        add: Box<CniError>,
        /// The DEL error, if the cleanup failed too (the cache entry is then kept).
        cleanup: Option<Box<CniError>>,
    },
    /// One or more plugins failed during DEL (every plugin was still run).
    #[error("network {network}: DEL failed: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    DelFailed {
        /// Network name.
        network: String,
        /// Every plugin error, in the order they happened.
        errors: Vec<InvokeError>,
    },
    /// The result cache could not be read or written.
    #[error("CNI result cache {path}: {source}")]
    Cache {
        /// Cache file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A cache file is corrupt.
    #[error("CNI result cache {path}: {source}")]
    CacheJson {
        /// Cache file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// DEL needs a configuration but neither a cache entry nor a list was given.
    #[error("network {network}: no cached config for container {container_id} interface {ifname} and no config given")]
    NoConfig {
        /// Network name.
        network: String,
        /// Container id.
        container_id: String,
        /// Interface name.
        ifname: String,
    },
    /// The cached config no longer validates.
    #[error("network {network}: cached config: {source}")]
    CachedConf {
        /// Network name.
        network: String,
        /// The validation error.
        source: ConfError,
    },
    /// CHECK needs the cached ADD result and there is none.
    #[error(
        "network {network}: no cached ADD result for container {container_id} interface {ifname}"
    )]
    NoCachedResult {
        /// Network name.
        network: String,
        /// Container id.
        container_id: String,
        /// Interface name.
        ifname: String,
    },
    /// CHECK is not defined for this CNI version.
    #[error("network {network}: CHECK is not supported by cniVersion {version}")]
    CheckUnsupported {
        /// Network name.
        network: String,
        /// The list's version.
        version: String,
    },
    /// Invalid input (e.g. an id or ifname that would escape the cache dir).
    #[error("invalid {what} {value:?}")]
    Invalid {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: String,
    },
}

/// What host-local says when its range has no free address left.
const NO_FREE_ADDRESS: &str = "no IP addresses available";

impl CniError {
    /// True when the IPAM plugin (host-local) refused an ADD because every address
    /// of the network's range is taken.
    pub fn is_address_exhausted(&self) -> bool {
        match self {
            CniError::AddFailed { add, .. } => add.is_address_exhausted(),
            CniError::Invoke { source, .. } => match source.as_ref() {
                InvokeError::Plugin { msg, details, .. } => {
                    msg.contains(NO_FREE_ADDRESS) || details.contains(NO_FREE_ADDRESS)
                }
                InvokeError::Failed { stderr, .. } => stderr.contains(NO_FREE_ADDRESS),
                _ => false,
            },
            _ => false,
        }
    }
}

fn version_before_040(v: &str) -> bool {
    matches!(v, "0.1.0" | "0.2.0" | "0.3.0" | "0.3.1")
}

/// Per-attachment runtime parameters of a plugin call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeConf {
    /// `CNI_CONTAINERID`.
    pub container_id: String,
    /// `CNI_NETNS`: path of the network namespace.
    pub netns: PathBuf,
    /// `CNI_IFNAME`, e.g. `eth0`.
    pub ifname: String,
    /// `CNI_ARGS` pairs, joined as `K=V;K=V`.
    #[serde(default)]
    pub args: Vec<(String, String)>,
    /// Capability arguments (`portMappings`, `ips`, `mac`, ...); each goes into a plugin's
    /// `runtimeConfig` only when the plugin declares that capability.
    #[serde(default)]
    pub capability_args: Map<String, Value>,
}

/// What the cache stores per attachment (`NET-CID-IFNAME`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedAttachment {
    /// Format tag.
    pub kind: String,
    /// Network name.
    pub network_name: String,
    /// The runtime parameters of the ADD.
    pub runtime: RuntimeConf,
    /// The configuration list used for the ADD.
    pub config: Value,
    /// The final (or, after a partial ADD, the last) raw result; `None` before the first plugin returned.
    pub result: Option<Value>,
}

impl CachedAttachment {
    /// The typed result, if one was cached and it parses.
    pub fn typed_result(&self) -> Option<CniResult> {
        self.result
            .as_ref()
            .and_then(|r| serde_json::from_value(r.clone()).ok())
    }
}

const CACHE_KIND: &str = "lpodCniCacheV1";

/// Version information a plugin reports for `VERSION`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// The version of the reply.
    #[serde(default)]
    pub cni_version: String,
    /// Every spec version the plugin speaks.
    #[serde(default)]
    pub supported_versions: Vec<String>,
}

/// A CNI client over a set of plugin directories and a result cache directory.
#[derive(Clone)]
pub struct CniClient {
    plugin_dirs: Vec<PathBuf>,
    cache_dir: PathBuf,
    exec: Arc<dyn PluginExec>,
}

impl std::fmt::Debug for CniClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CniClient")
            .field("plugin_dirs", &self.plugin_dirs)
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

fn check_component(what: &'static str, v: &str) -> Result<(), CniError> {
    if v.is_empty() || v.contains('/') || v.contains('\0') || v == "." || v == ".." {
        return Err(CniError::Invalid {
            what,
            value: v.to_string(),
        });
    }
    Ok(())
}

/// Writes `data` to `path` atomically (temp file in the same dir, rename); with `durable`,
/// the file and the directory are also fsynced.
pub(crate) fn write_atomic(path: &Path, data: &[u8], durable: bool) -> std::io::Result<()> {
    write_atomic_mode(path, data, durable, false)
}

/// [`write_atomic`]; with `private`, the file is 0600 in a directory created 0700
/// (the CNI result cache: addresses and configs of every container).
fn write_atomic_mode(
    path: &Path,
    data: &[u8],
    durable: bool,
    private: bool,
) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    if private {
        crate::private::create_private_dir(dir)?;
    } else {
        std::fs::create_dir_all(dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", rand::random::<u32>()));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if private { 0o600 } else { 0o644 })
            .open(&tmp)?;
        f.write_all(data)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if durable {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

impl CniClient {
    /// A client running real plugins from `plugin_dirs`, caching results under `cache_dir`
    /// (e.g. `<root>/cni/results`). `plugin_dirs` may be
    /// [`DEFAULT_PLUGIN_DIRS`](crate::DEFAULT_PLUGIN_DIRS) as it is, or any list of paths.
    pub fn new<P: Into<PathBuf>>(
        plugin_dirs: impl IntoIterator<Item = P>,
        cache_dir: impl Into<PathBuf>,
    ) -> Self {
        let dirs = plugin_dirs.into_iter().map(Into::into).collect();
        Self::with_exec(dirs, cache_dir, Arc::new(ProcessExec))
    }

    /// A client with a custom [`PluginExec`] (tests, tracing wrappers).
    pub fn with_exec(
        plugin_dirs: Vec<PathBuf>,
        cache_dir: impl Into<PathBuf>,
        exec: Arc<dyn PluginExec>,
    ) -> Self {
        CniClient {
            plugin_dirs,
            cache_dir: cache_dir.into(),
            exec,
        }
    }

    /// The plugin directories.
    pub fn plugin_dirs(&self) -> &[PathBuf] {
        &self.plugin_dirs
    }

    /// The cache directory.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The cache file of one attachment: `CACHE_DIR/NET-CID-IFNAME`.
    pub fn cache_path(
        &self,
        network: &str,
        container_id: &str,
        ifname: &str,
    ) -> Result<PathBuf, CniError> {
        check_component("network name", network)?;
        check_component("container id", container_id)?;
        check_component("interface name", ifname)?;
        Ok(self
            .cache_dir
            .join(format!("{network}-{container_id}-{ifname}")))
    }

    /// Reads the cache entry of one attachment, if any.
    pub fn cached(
        &self,
        network: &str,
        container_id: &str,
        ifname: &str,
    ) -> Result<Option<CachedAttachment>, CniError> {
        let path = self.cache_path(network, container_id, ifname)?;
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|source| CniError::CacheJson { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CniError::Cache { path, source }),
        }
    }

    /// Every cache entry of a container (for crash recovery: tear down what was set up).
    pub fn cached_for_container(
        &self,
        container_id: &str,
    ) -> Result<Vec<CachedAttachment>, CniError> {
        check_component("container id", container_id)?;
        let rd = match std::fs::read_dir(&self.cache_dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(CniError::Cache {
                    path: self.cache_dir.clone(),
                    source,
                })
            }
        };
        let needle = format!("-{container_id}-");
        let mut out = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !name.contains(&needle) {
                continue;
            }
            let path = e.path();
            let b = std::fs::read(&path).map_err(|source| CniError::Cache {
                path: path.clone(),
                source,
            })?;
            let c: CachedAttachment =
                serde_json::from_slice(&b).map_err(|source| CniError::CacheJson {
                    path: path.clone(),
                    source,
                })?;
            if c.runtime.container_id == container_id {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.network_name.cmp(&b.network_name));
        Ok(out)
    }

    /// The ids of the containers that have cache entries, from one listing of the
    /// cache dir (file names `NET-CID-IFNAME`; CID is 64 hex characters). Lets a
    /// caller walking many containers skip those with nothing cached instead of
    /// listing the directory once per container.
    pub fn cached_container_ids(&self) -> Result<std::collections::HashSet<String>, CniError> {
        let rd = match std::fs::read_dir(&self.cache_dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(source) => {
                return Err(CniError::Cache {
                    path: self.cache_dir.clone(),
                    source,
                })
            }
        };
        let mut out = std::collections::HashSet::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            for part in name.split('-') {
                if part.len() == 64 && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.insert(part.to_string());
                }
            }
        }
        Ok(out)
    }

    fn write_cache(
        &self,
        list: &NetworkConfigList,
        rt: &RuntimeConf,
        result: Option<&Value>,
    ) -> Result<(), CniError> {
        let path = self.cache_path(&list.name, &rt.container_id, &rt.ifname)?;
        let entry = CachedAttachment {
            kind: CACHE_KIND.into(),
            network_name: list.name.clone(),
            runtime: rt.clone(),
            config: list.raw.clone(),
            result: result.cloned(),
        };
        let data = serde_json::to_vec_pretty(&entry).map_err(|source| CniError::CacheJson {
            path: path.clone(),
            source,
        })?;
        // Durable, the attempt record included: plugins leave state that outlives a power
        // loss (host-local's lease files under our root), and only this record lets the
        // DEL after the reboot find and release it. fsync of the file before the rename
        // that commits it, of the directory after.
        write_atomic_mode(&path, &data, true, true)
            .map_err(|source| CniError::Cache { path, source })
    }

    fn remove_cache(&self, network: &str, rt: &RuntimeConf) -> Result<(), CniError> {
        let path = self.cache_path(network, &rt.container_id, &rt.ifname)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(CniError::Cache { path, source }),
        }
    }

    fn env(&self, command: &str, rt: &RuntimeConf) -> Vec<(&'static str, String)> {
        let args = rt
            .args
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";");
        let path = std::env::join_paths(&self.plugin_dirs)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        vec![
            ("CNI_COMMAND", command.to_string()),
            ("CNI_CONTAINERID", rt.container_id.clone()),
            ("CNI_NETNS", rt.netns.to_string_lossy().into_owned()),
            ("CNI_IFNAME", rt.ifname.clone()),
            ("CNI_ARGS", args),
            ("CNI_PATH", path),
        ]
    }

    /// Builds the stdin of plugin `index`: its config with `name`/`cniVersion` injected,
    /// `runtimeConfig` from its capabilities, and `prevResult` when given.
    pub fn plugin_stdin(
        list: &NetworkConfigList,
        index: usize,
        rt: &RuntimeConf,
        prev: Option<&Value>,
    ) -> Value {
        let mut conf = list.plugin_config(index);
        let caps = list.plugins[index].capabilities();
        let mut runtime = Map::new();
        for c in caps {
            if let Some(v) = rt.capability_args.get(&c) {
                runtime.insert(c, v.clone());
            }
        }
        if !runtime.is_empty() {
            conf.insert("runtimeConfig".into(), Value::Object(runtime));
        } else {
            conf.remove("runtimeConfig");
        }
        match prev {
            Some(p) => {
                conf.insert("prevResult".into(), p.clone());
            }
            None => {
                conf.remove("prevResult");
            }
        }
        Value::Object(conf)
    }

    fn run(
        &self,
        list: &NetworkConfigList,
        index: usize,
        command: &str,
        rt: &RuntimeConf,
        prev: Option<&Value>,
    ) -> Result<Vec<u8>, InvokeError> {
        let plugin = &list.plugins[index].plugin_type;
        let path = find_plugin(plugin, &self.plugin_dirs)?;
        let stdin = Self::plugin_stdin(list, index, rt, prev);
        let inv = Invocation {
            plugin,
            path: &path,
            command,
            env: self.env(command, rt),
            stdin: serde_json::to_vec(&stdin).unwrap_or_default(),
        };
        let started = std::time::Instant::now();
        let out = self.exec.exec(&inv);
        tracing::debug!(plugin = %plugin, command, container = %rt.container_id,
            elapsed_ms = started.elapsed().as_millis() as u64, ok = out.is_ok(), "CNI plugin ran");
        out
    }

    /// ADD: runs the list in order, chaining `prevResult`, caches the final result and returns it.
    /// When plugin k fails, the whole list is deleted again (reverse order) before the error
    /// is returned; the cache entry is removed only when that DEL succeeded.
    #[tracing::instrument(skip_all, fields(network = %list.name, container = %rt.container_id, ifname = %rt.ifname))]
    pub fn add_network_list(
        &self,
        list: &NetworkConfigList,
        rt: &RuntimeConf,
    ) -> Result<CniResult, CniError> {
        // A cache entry means an earlier ADD was never followed by its DEL (crash, restart
        // without cleanup): delete it first, or host-local refuses a second allocation.
        if self
            .cached(&list.name, &rt.container_id, &rt.ifname)?
            .is_some()
        {
            tracing::warn!("stale CNI attachment found in cache; running DEL before ADD");
            if let Err(e) = self.del_network_list(&list.name, Some(list), rt) {
                tracing::warn!(error = %e, "DEL of the stale attachment failed; trying ADD anyway");
            }
        }
        // Record the attempt first: if we crash mid-ADD, a later DEL still finds config and args.
        self.write_cache(list, rt, None)?;
        crate::failpoint::hit("net.add.after_attempt_cached");
        let mut prev: Option<Value> = None;
        for i in 0..list.plugins.len() {
            let step = self.run(list, i, "ADD", rt, prev.as_ref()).and_then(|out| {
                serde_json::from_slice::<Value>(&out).map_err(|e| InvokeError::Failed {
                    plugin: list.plugins[i].plugin_type.clone(),
                    command: "ADD".into(),
                    status: "success".into(),
                    stderr: format!("invalid JSON result: {e}"),
                })
            });
            match step {
                Ok(v) => {
                    // The partial result too, before the next plugin runs: a DEL after a
                    // crash here needs it as prevResult (firewall removes its rules by
                    // the addresses in it; without them they stay).
                    if i + 1 < list.plugins.len() {
                        if let Err(e) = self.write_cache(list, rt, Some(&v)) {
                            return Err(self.cleanup_after_failed_add(list, rt, Some(&v), e));
                        }
                    }
                    prev = Some(v);
                    crate::failpoint::hit_add_step(i);
                }
                Err(source) => {
                    let add = CniError::Invoke {
                        network: list.name.clone(),
                        source: Box::new(source),
                    };
                    return Err(self.cleanup_after_failed_add(list, rt, prev.as_ref(), add));
                }
            }
        }
        let raw = prev.unwrap_or(Value::Object(Map::new()));
        let typed: CniResult = match serde_json::from_value(raw.clone()) {
            Ok(t) => t,
            Err(source) => {
                let add = CniError::BadResult {
                    network: list.name.clone(),
                    plugin: list.plugins[list.plugins.len() - 1].plugin_type.clone(),
                    command: "ADD".into(),
                    source,
                };
                return Err(self.cleanup_after_failed_add(list, rt, Some(&raw), add));
            }
        };
        if let Err(e) = self.write_cache(list, rt, Some(&raw)) {
            return Err(self.cleanup_after_failed_add(list, rt, Some(&raw), e));
        }
        crate::failpoint::hit("net.add.after_result_cached");
        Ok(typed)
    }

    fn cleanup_after_failed_add(
        &self,
        list: &NetworkConfigList,
        rt: &RuntimeConf,
        partial: Option<&Value>,
        add: CniError,
    ) -> CniError {
        if add.is_address_exhausted() {
            // A full network is reported to the caller as such; no warning besides it.
            tracing::debug!(error = %add, "CNI ADD found no free address; running DEL to clean up");
        } else {
            tracing::warn!(error = %add, "CNI ADD failed; running DEL to clean up");
        }
        let _ = self.write_cache(list, rt, partial);
        let prev = if version_before_040(&list.cni_version) {
            None
        } else {
            partial
        };
        let cleanup = self
            .del_with(list, rt, prev, true)
            .and_then(|()| self.remove_cache(&list.name, rt))
            .err()
            .map(Box::new);
        CniError::AddFailed {
            network: list.name.clone(),
            add: Box::new(add),
            cleanup,
        }
    }

    /// Runs DEL over the list in reverse. With `tolerate_missing` (cleanup after a failed ADD),
    /// a plugin binary that does not exist is skipped: it never ran, so it set nothing up.
    fn del_with(
        &self,
        list: &NetworkConfigList,
        rt: &RuntimeConf,
        prev: Option<&Value>,
        tolerate_missing: bool,
    ) -> Result<(), CniError> {
        let mut errors = Vec::new();
        // A namespace that is gone (or a stale file after a reboot) is passed as empty:
        // plugins then clean their host-side state and skip the container side.
        let gone;
        let rt = if !rt.netns.as_os_str().is_empty() && !crate::netns::is_netns_path(&rt.netns) {
            tracing::debug!(netns = %rt.netns.display(), "netns gone; DEL with empty CNI_NETNS");
            gone = RuntimeConf {
                netns: PathBuf::new(),
                ..rt.clone()
            };
            &gone
        } else {
            rt
        };
        let netns_gone = rt.netns.as_os_str().is_empty();
        for (done, i) in (0..list.plugins.len()).rev().enumerate() {
            if let Err(e) = self.run(list, i, "DEL", rt, prev) {
                if tolerate_missing && matches!(e, InvokeError::NotFound { .. }) {
                    continue;
                }
                tracing::warn!(plugin = %list.plugins[i].plugin_type, error = %e, "CNI DEL failed");
                errors.push(e);
            }
            crate::failpoint::hit_del_step(done + 1);
        }
        if netns_gone {
            if let Some(r) = prev.and_then(|p| serde_json::from_value::<CniResult>(p.clone()).ok())
            {
                crate::fixups::remove_bridge_ipmasq(list, &rt.container_id, &r);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CniError::DelFailed {
                network: list.name.clone(),
                errors,
            })
        }
    }

    /// DEL: runs the list in reverse order, every plugin even when one fails.
    ///
    /// The cached ADD (config, runtime parameters and result) is preferred: it is what was set
    /// up, and it lets DEL work after a crash or after the network config was removed. Without a
    /// cache entry, `list` and `rt` are used and `prevResult` is omitted. The cache entry is
    /// removed once every plugin succeeded.
    #[tracing::instrument(skip_all, fields(network = %network, container = %rt.container_id, ifname = %rt.ifname))]
    pub fn del_network_list(
        &self,
        network: &str,
        list: Option<&NetworkConfigList>,
        rt: &RuntimeConf,
    ) -> Result<(), CniError> {
        let cached = self.cached(network, &rt.container_id, &rt.ifname)?;
        match cached {
            Some(c) => {
                let clist =
                    NetworkConfigList::from_list_json(c.config.clone(), Path::new("<cache>"))
                        .map_err(|source| CniError::CachedConf {
                            network: network.to_string(),
                            source,
                        })?;
                let mut crt = c.runtime.clone();
                // The netns path may have changed (e.g. after a reboot the caller knows better).
                if !rt.netns.as_os_str().is_empty() {
                    crt.netns = rt.netns.clone();
                }
                for (k, v) in &rt.capability_args {
                    crt.capability_args.entry(k.clone()).or_insert(v.clone());
                }
                // As libcni: prevResult on DEL only from spec 0.4.0 on.
                let prev = if version_before_040(&clist.cni_version) {
                    None
                } else {
                    c.result.as_ref()
                };
                self.del_with(&clist, &crt, prev, false)?;
            }
            None => {
                let list = list.ok_or_else(|| CniError::NoConfig {
                    network: network.to_string(),
                    container_id: rt.container_id.clone(),
                    ifname: rt.ifname.clone(),
                })?;
                self.del_with(list, rt, None, false)?;
            }
        }
        self.remove_cache(network, rt)
    }

    /// CHECK: runs the list in order with the cached ADD result as `prevResult`.
    #[tracing::instrument(skip_all, fields(network = %list.name, container = %rt.container_id))]
    pub fn check_network_list(
        &self,
        list: &NetworkConfigList,
        rt: &RuntimeConf,
    ) -> Result<(), CniError> {
        if version_before_040(&list.cni_version) {
            return Err(CniError::CheckUnsupported {
                network: list.name.clone(),
                version: list.cni_version.clone(),
            });
        }
        if list.disable_check {
            return Ok(());
        }
        let cached = self.cached(&list.name, &rt.container_id, &rt.ifname)?;
        let prev = cached
            .and_then(|c| c.result)
            .ok_or_else(|| CniError::NoCachedResult {
                network: list.name.clone(),
                container_id: rt.container_id.clone(),
                ifname: rt.ifname.clone(),
            })?;
        let prev = Some(prev);
        for i in 0..list.plugins.len() {
            self.run(list, i, "CHECK", rt, prev.as_ref())
                .map_err(|source| CniError::Invoke {
                    network: list.name.clone(),
                    source: Box::new(source),
                })?;
        }
        Ok(())
    }

    /// VERSION: asks plugin `plugin` which spec versions it supports.
    pub fn plugin_version(&self, plugin: &str) -> Result<VersionInfo, CniError> {
        let wrap = |source| CniError::Invoke {
            network: String::new(),
            source: Box::new(source),
        };
        let path = find_plugin(plugin, &self.plugin_dirs).map_err(wrap)?;
        let inv = Invocation {
            plugin,
            path: &path,
            command: "VERSION",
            env: vec![
                ("CNI_COMMAND", "VERSION".to_string()),
                (
                    "CNI_PATH",
                    std::env::join_paths(&self.plugin_dirs)
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
            ],
            stdin: br#"{"cniVersion":"1.0.0"}"#.to_vec(),
        };
        let out = self.exec.exec(&inv).map_err(wrap)?;
        serde_json::from_slice(&out).map_err(|source| CniError::BadResult {
            network: String::new(),
            plugin: plugin.to_string(),
            command: "VERSION".into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;

    #[test]
    fn cached_container_ids_from_one_listing() {
        let d = tempfile::tempdir().unwrap();
        let c = CniClient::new(Vec::<PathBuf>::new(), d.path().join("results"));
        assert!(c.cached_container_ids().unwrap().is_empty(), "missing dir");
        std::fs::create_dir_all(d.path().join("results")).unwrap();
        let a = "a".repeat(64);
        let b = "0b".repeat(32);
        for f in [
            format!("my-net-{a}-eth0"),
            format!("lpod-{b}-eth1"),
            format!(".tmp-lpod-{b}-eth0"),
            "lpod-short-eth0".to_string(),
        ] {
            std::fs::write(d.path().join("results").join(f), "{}").unwrap();
        }
        let ids = c.cached_container_ids().unwrap();
        assert_eq!(ids, [a, b].into_iter().collect());
    }

    #[test]
    fn address_exhaustion_is_recognised_through_add_failed() {
        let plugin = |msg: &str| CniError::Invoke {
            network: "n".into(),
            source: Box::new(InvokeError::Plugin {
                plugin: "bridge".into(),
                command: "ADD".into(),
                code: 999,
                msg: msg.into(),
                details: String::new(),
            }),
        };
        let full = plugin("failed to allocate for range 0: no IP addresses available in range set: 10.0.0.1-10.0.0.2");
        assert!(full.is_address_exhausted());
        let wrapped = CniError::AddFailed {
            network: "n".into(),
            add: Box::new(full),
            cleanup: None,
        };
        assert!(wrapped.is_address_exhausted());
        assert!(!plugin("permission denied").is_address_exhausted());
    }

    /// Records every call and answers from a script: plugin type → result or error.
    struct Recorder {
        calls: Mutex<Vec<(String, String, Value)>>,
        fail_add: Option<&'static str>,
    }

    impl PluginExec for Recorder {
        fn exec(&self, inv: &Invocation<'_>) -> Result<Vec<u8>, InvokeError> {
            let stdin: Value = serde_json::from_slice(&inv.stdin).unwrap();
            self.calls.lock().unwrap().push((
                inv.plugin.to_string(),
                inv.command.to_string(),
                stdin.clone(),
            ));
            if inv.command == "ADD" && Some(inv.plugin) == self.fail_add {
                return Err(InvokeError::Plugin {
                    plugin: inv.plugin.into(),
                    command: "ADD".into(),
                    code: 11,
                    msg: "boom".into(),
                    details: String::new(),
                });
            }
            if inv.command == "ADD" {
                let mut r = stdin.get("prevResult").cloned().unwrap_or(json!({
                    "cniVersion": "1.0.0", "interfaces": [], "ips": []
                }));
                r["interfaces"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": inv.plugin}));
                return Ok(serde_json::to_vec(&r).unwrap());
            }
            Ok(Vec::new())
        }
    }

    fn setup(
        fail: Option<&'static str>,
    ) -> (
        tempfile::TempDir,
        CniClient,
        Arc<Recorder>,
        NetworkConfigList,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        use std::os::unix::fs::PermissionsExt;
        for p in ["a", "b", "c"] {
            let f = bin.join(p);
            std::fs::write(&f, "").unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let rec = Arc::new(Recorder {
            calls: Mutex::new(Vec::new()),
            fail_add: fail,
        });
        let client = CniClient::with_exec(vec![bin], dir.path().join("cache"), rec.clone());
        let list = NetworkConfigList::from_list_json(
            json!({"cniVersion":"1.0.0","name":"net","plugins":[
                {"type":"a"},{"type":"b","capabilities":{"portMappings":true}},{"type":"c"}]}),
            Path::new("t.conflist"),
        )
        .unwrap();
        (dir, client, rec, list)
    }

    fn rt() -> RuntimeConf {
        let mut caps = Map::new();
        caps.insert(
            "portMappings".into(),
            json!([{"hostPort":1,"containerPort":2,"protocol":"tcp"}]),
        );
        caps.insert("mac".into(), json!("02:00:00:00:00:01"));
        RuntimeConf {
            container_id: "cid".into(),
            netns: "/run/netns/x".into(),
            ifname: "eth0".into(),
            args: vec![("IgnoreUnknown".into(), "1".into())],
            capability_args: caps,
        }
    }

    #[test]
    fn add_chains_prev_result_and_runtime_config() {
        let (_d, client, rec, list) = setup(None);
        let r = client.add_network_list(&list, &rt()).unwrap();
        assert_eq!(r.interfaces.len(), 3);
        let calls = rec.calls.lock().unwrap();
        assert_eq!(calls.len(), 3);
        assert!(calls[0].2.get("prevResult").is_none());
        assert_eq!(calls[1].2["prevResult"]["interfaces"][0]["name"], "a");
        assert_eq!(
            calls[1].2["runtimeConfig"]["portMappings"][0]["hostPort"],
            1
        );
        assert!(calls[1].2["runtimeConfig"].get("mac").is_none());
        assert!(calls[0].2.get("runtimeConfig").is_none());
        assert_eq!(calls[2].2["name"], "net");
        assert_eq!(calls[2].2["cniVersion"], "1.0.0");
        drop(calls);
        let cached = client.cached("net", "cid", "eth0").unwrap().unwrap();
        assert_eq!(cached.typed_result().unwrap(), r);
        // A new client (after a "crash") deletes from the cache in reverse order.
        let rec2 = Arc::new(Recorder {
            calls: Mutex::new(Vec::new()),
            fail_add: None,
        });
        let c2 = CniClient::with_exec(
            client.plugin_dirs().to_vec(),
            client.cache_dir(),
            rec2.clone(),
        );
        let mut bare = rt();
        bare.capability_args.clear();
        c2.del_network_list("net", None, &bare).unwrap();
        let calls = rec2.calls.lock().unwrap();
        let order: Vec<_> = calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(order, ["c", "b", "a"]);
        assert_eq!(
            calls[0].2["prevResult"]["interfaces"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            calls[1].2["runtimeConfig"]["portMappings"][0]["hostPort"],
            1
        );
        assert!(client.cached("net", "cid", "eth0").unwrap().is_none());
    }

    #[test]
    fn failed_add_runs_del_and_reports_code() {
        let (_d, client, rec, list) = setup(Some("c"));
        let e = client.add_network_list(&list, &rt()).unwrap_err();
        match &e {
            CniError::AddFailed { add, cleanup, .. } => {
                assert!(cleanup.is_none());
                match add.as_ref() {
                    CniError::Invoke { source, .. } => assert_eq!(source.code(), Some(11)),
                    other => panic!("{other}"),
                }
            }
            other => panic!("{other}"),
        }
        let calls = rec.calls.lock().unwrap();
        let seq: Vec<_> = calls.iter().map(|c| format!("{}:{}", c.1, c.0)).collect();
        assert_eq!(seq, ["ADD:a", "ADD:b", "ADD:c", "DEL:c", "DEL:b", "DEL:a"]);
        assert!(client.cached("net", "cid", "eth0").unwrap().is_none());
    }

    #[test]
    fn del_without_cache_needs_config() {
        let (_d, client, rec, list) = setup(None);
        assert!(matches!(
            client.del_network_list("net", None, &rt()),
            Err(CniError::NoConfig { .. })
        ));
        client.del_network_list("net", Some(&list), &rt()).unwrap();
        let calls = rec.calls.lock().unwrap();
        assert_eq!(calls.len(), 3);
        assert!(calls.iter().all(|c| c.2.get("prevResult").is_none()));
    }

    #[test]
    fn check_and_old_versions() {
        let (_d, client, rec, list) = setup(None);
        assert!(matches!(
            client.check_network_list(&list, &rt()),
            Err(CniError::NoCachedResult { .. })
        ));
        client.add_network_list(&list, &rt()).unwrap();
        client.check_network_list(&list, &rt()).unwrap();
        rec.calls.lock().unwrap().clear();
        // A 0.3.1 list: no CHECK, and DEL gets no prevResult (libcni's rule).
        let mut old = list.clone();
        old.cni_version = "0.3.1".into();
        old.raw["cniVersion"] = json!("0.3.1");
        old.name = "old".into();
        old.raw["name"] = json!("old");
        assert!(matches!(
            client.check_network_list(&old, &rt()),
            Err(CniError::CheckUnsupported { .. })
        ));
        client.add_network_list(&old, &rt()).unwrap();
        client.del_network_list("old", None, &rt()).unwrap();
        let calls = rec.calls.lock().unwrap();
        let dels: Vec<_> = calls.iter().filter(|c| c.1 == "DEL").collect();
        assert_eq!(dels.len(), 3);
        assert!(dels.iter().all(|c| c.2.get("prevResult").is_none()));
        assert!(dels.iter().all(|c| c.2["cniVersion"] == "0.3.1"));
    }

    #[test]
    fn rejects_path_components() {
        let (_d, client, _rec, _list) = setup(None);
        assert!(client.cache_path("net", "../x", "eth0").is_err());
        assert!(client.cache_path("net", "cid", "").is_err());
    }
}
