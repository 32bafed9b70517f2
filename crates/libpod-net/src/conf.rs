//! CNI network configuration files: `.conflist` lists and single-plugin `.conf`/`.json` files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Errors from reading or validating a network configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    /// The file could not be read.
    #[error("reading network config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON.
    #[error("parsing network config {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A required field is missing, empty or of the wrong type.
    #[error("network config {path}: field {field}: {problem}")]
    Field {
        /// The file (or `<memory>` for in-memory configs).
        path: PathBuf,
        /// The field, e.g. `plugins[2].type`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No network with this name in any of the configuration directories.
    #[error("network {name:?} not found in {dirs:?}")]
    NotFound {
        /// The network name.
        name: String,
        /// The directories searched.
        dirs: Vec<PathBuf>,
    },
    /// A directory could not be listed.
    #[error("listing network config dir {path}: {source}")]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One plugin entry of a list: its `type` and its whole JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginConf {
    /// The plugin type (binary name), e.g. `bridge`.
    pub plugin_type: String,
    /// The plugin's raw JSON object as written in the file.
    pub raw: Map<String, Value>,
}

impl PluginConf {
    /// The capabilities the plugin declares (`"capabilities": {"portMappings": true}`).
    pub fn capabilities(&self) -> Vec<String> {
        match self.raw.get("capabilities") {
            Some(Value::Object(m)) => m
                .iter()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .map(|(k, _)| k.clone())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A validated network configuration list (a `.conflist`, or a `.conf` wrapped as a one-plugin list).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfigList {
    /// The network name.
    pub name: String,
    /// The CNI version of the list.
    pub cni_version: String,
    /// `disableCheck` from the list.
    pub disable_check: bool,
    /// The plugins in list order.
    pub plugins: Vec<PluginConf>,
    /// The file it was loaded from, if any.
    pub path: Option<PathBuf>,
    /// The whole JSON document (for a `.conf`, the generated list form).
    pub raw: Value,
}

fn field_err(path: &Path, field: impl Into<String>, problem: impl Into<String>) -> ConfError {
    ConfError::Field {
        path: path.to_path_buf(),
        field: field.into(),
        problem: problem.into(),
    }
}

fn req_str(
    obj: &Map<String, Value>,
    key: &str,
    path: &Path,
    field: &str,
) -> Result<String, ConfError> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(field_err(path, field, "must not be empty")),
        Some(_) => Err(field_err(path, field, "must be a string")),
        None => Err(field_err(path, field, "is missing")),
    }
}

const KNOWN_VERSIONS: &[&str] = &["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"];

impl NetworkConfigList {
    /// Parses and validates a `.conflist` document. `path` is used in errors.
    pub fn from_list_json(doc: Value, path: &Path) -> Result<Self, ConfError> {
        let obj = doc
            .as_object()
            .ok_or_else(|| field_err(path, "(root)", "must be a JSON object"))?;
        let name = req_str(obj, "name", path, "name")?;
        let cni_version = req_str(obj, "cniVersion", path, "cniVersion")?;
        if !KNOWN_VERSIONS.contains(&cni_version.as_str()) {
            return Err(field_err(
                path,
                "cniVersion",
                format!("unsupported version {cni_version:?} (known: {KNOWN_VERSIONS:?})"),
            ));
        }
        let disable_check = match obj.get("disableCheck") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(field_err(path, "disableCheck", "must be a boolean")),
        };
        let list = match obj.get("plugins") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(Value::Array(_)) => return Err(field_err(path, "plugins", "must not be empty")),
            Some(_) => return Err(field_err(path, "plugins", "must be an array")),
            None => return Err(field_err(path, "plugins", "is missing")),
        };
        let mut plugins = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            let field = format!("plugins[{i}]");
            let po = p
                .as_object()
                .ok_or_else(|| field_err(path, &field, "must be a JSON object"))?;
            let plugin_type = req_str(po, "type", path, &format!("{field}.type"))?;
            if plugin_type.contains('/') || plugin_type.starts_with('.') {
                return Err(field_err(
                    path,
                    format!("{field}.type"),
                    format!("{plugin_type:?} is not a plain plugin name"),
                ));
            }
            plugins.push(PluginConf {
                plugin_type,
                raw: po.clone(),
            });
        }
        Ok(NetworkConfigList {
            name,
            cni_version,
            disable_check,
            plugins,
            path: Some(path.to_path_buf()),
            raw: doc,
        })
    }

    /// Parses and validates a single-plugin `.conf` document, wrapping it as a one-plugin list.
    pub fn from_conf_json(doc: Value, path: &Path) -> Result<Self, ConfError> {
        let obj = doc
            .as_object()
            .ok_or_else(|| field_err(path, "(root)", "must be a JSON object"))?;
        let name = req_str(obj, "name", path, "name")?;
        let version = req_str(obj, "cniVersion", path, "cniVersion")?;
        req_str(obj, "type", path, "type")?;
        let mut plugin = obj.clone();
        plugin.remove("name");
        plugin.remove("cniVersion");
        let list = serde_json::json!({
            "cniVersion": version,
            "name": name,
            "plugins": [Value::Object(plugin)],
        });
        NetworkConfigList::from_list_json(list, path)
    }

    /// Loads one file: `.conflist` as a list, `.conf`/`.json` as a single plugin.
    pub fn load_file(path: &Path) -> Result<Self, ConfError> {
        let bytes = std::fs::read(path).map_err(|source| ConfError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let doc: Value = serde_json::from_slice(&bytes).map_err(|source| ConfError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        if path.extension().and_then(|e| e.to_str()) == Some("conflist") {
            Self::from_list_json(doc, path)
        } else {
            Self::from_conf_json(doc, path)
        }
    }

    /// Parses an in-memory `.conflist` document.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ConfError> {
        let p = Path::new("<memory>");
        let doc: Value = serde_json::from_slice(bytes).map_err(|source| ConfError::Json {
            path: p.to_path_buf(),
            source,
        })?;
        let mut l = Self::from_list_json(doc, p)?;
        l.path = None;
        Ok(l)
    }

    /// The JSON a plugin at `index` receives, without `prevResult` and `runtimeConfig`:
    /// its own object with the list's `name` and `cniVersion` injected.
    pub fn plugin_config(&self, index: usize) -> Map<String, Value> {
        let mut m = self.plugins[index].raw.clone();
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert("cniVersion".into(), Value::String(self.cni_version.clone()));
        m
    }
}

fn is_conf_file(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("conflist") | Some("conf") | Some("json")
    )
}

/// Lists configuration files of `dirs` (missing dirs are skipped) in name order per dir.
pub fn config_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, ConfError> {
    let mut out = Vec::new();
    for d in dirs {
        let rd = match std::fs::read_dir(d) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(ConfError::ReadDir {
                    path: d.clone(),
                    source,
                })
            }
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_conf_file(p))
            .collect();
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Loads every valid network of `dirs`, keyed by name; the first directory wins on duplicates.
/// Invalid files are returned separately so a caller can report them without failing.
pub fn load_all(
    dirs: &[PathBuf],
) -> Result<(BTreeMap<String, NetworkConfigList>, Vec<ConfError>), ConfError> {
    let mut nets = BTreeMap::new();
    let mut bad = Vec::new();
    for f in config_files(dirs)? {
        match NetworkConfigList::load_file(&f) {
            Ok(l) => {
                nets.entry(l.name.clone()).or_insert(l);
            }
            Err(e) => bad.push(e),
        }
    }
    Ok((nets, bad))
}

/// Finds the network `name` in `dirs` (first directory wins).
pub fn load_network(name: &str, dirs: &[PathBuf]) -> Result<NetworkConfigList, ConfError> {
    // Fast path: `<dir>/<name>.conflist`, the name lpod writes.
    for d in dirs {
        let p = d.join(format!("{name}.conflist"));
        if p.is_file() {
            if let Ok(l) = NetworkConfigList::load_file(&p) {
                if l.name == name {
                    return Ok(l);
                }
            }
        }
    }
    let (mut all, _) = load_all(dirs)?;
    all.remove(name).ok_or_else(|| ConfError::NotFound {
        name: name.to_string(),
        dirs: dirs.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: ConfError) -> String {
        match e {
            ConfError::Field { field, .. } => field,
            other => panic!("expected field error, got {other}"),
        }
    }

    #[test]
    fn validates_list() {
        let p = Path::new("x.conflist");
        let ok = json!({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"}]});
        let l = NetworkConfigList::from_list_json(ok, p).unwrap();
        assert_eq!(l.plugins[0].plugin_type, "bridge");
        let c = l.plugin_config(0);
        assert_eq!(c["name"], "n");
        assert_eq!(c["cniVersion"], "1.0.0");

        let e = NetworkConfigList::from_list_json(json!({"name":"n","plugins":[]}), p);
        assert_eq!(field_of(e.unwrap_err()), "cniVersion");
        let e = NetworkConfigList::from_list_json(
            json!({"cniVersion":"1.0.0","name":"n","plugins":[]}),
            p,
        );
        assert_eq!(field_of(e.unwrap_err()), "plugins");
        let e = NetworkConfigList::from_list_json(
            json!({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"},{"x":1}]}),
            p,
        );
        assert_eq!(field_of(e.unwrap_err()), "plugins[1].type");
        let e = NetworkConfigList::from_list_json(
            json!({"cniVersion":"9.9.9","name":"n","plugins":[{"type":"bridge"}]}),
            p,
        );
        assert_eq!(field_of(e.unwrap_err()), "cniVersion");
        let e = NetworkConfigList::from_list_json(
            json!({"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]}),
            p,
        );
        assert_eq!(field_of(e.unwrap_err()), "name");
        let e = NetworkConfigList::from_list_json(
            json!({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../evil"}]}),
            p,
        );
        assert_eq!(field_of(e.unwrap_err()), "plugins[0].type");
    }

    #[test]
    fn conf_wraps_single_plugin() {
        let l = NetworkConfigList::from_conf_json(
            json!({"cniVersion":"0.4.0","name":"one","type":"loopback"}),
            Path::new("a.conf"),
        )
        .unwrap();
        assert_eq!(l.plugins.len(), 1);
        assert!(!l.plugins[0].raw.contains_key("name"));
        assert_eq!(l.cni_version, "0.4.0");
    }

    #[test]
    fn capabilities_only_true() {
        let l = NetworkConfigList::from_list_json(
            json!({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"portmap","capabilities":{"portMappings":true,"ips":false}}]}),
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(
            l.plugins[0].capabilities(),
            vec!["portMappings".to_string()]
        );
    }
}
