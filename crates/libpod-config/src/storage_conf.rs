//! containers-storage.conf(5), read when `CONTAINERS_STORAGE_CONF` names one: the `[storage]`
//! table's `driver`, `graphroot`, `runroot` and `[storage.options]` keys Podman users set to
//! give a command its own store. lpod never reads Podman's own default file (its store is
//! Podman's, not ours); only a file named by the variable.
//!
//! ```
//! use std::path::Path;
//! use libpod_config::{storage_conf::StorageConf, RuntimeConfig};
//!
//! let sc = StorageConf::parse(
//!     "[storage]\ndriver = \"vfs\"\ngraphroot = \"/tmp/s/root\"\nrunroot = \"/tmp/s/run\"\n",
//!     Path::new("storage.conf"),
//! )?;
//! let mut cfg = RuntimeConfig::default();
//! sc.apply(&mut cfg);
//! assert_eq!(cfg.graph_root, Path::new("/tmp/s/root"));
//! assert_eq!(cfg.static_dir, Path::new("/tmp/s/root/libpod"));
//! assert_eq!(cfg.run_root, Path::new("/tmp/s/run/storage"));
//! assert_eq!(cfg.storage_driver, "vfs");
//! # Ok::<(), libpod_config::ConfigError>(())
//! ```

use std::path::{Path, PathBuf};

use crate::runtime_config::{ConfigError, RuntimeConfig};

/// Environment variable naming the storage.conf to read.
pub const STORAGE_CONF_ENV: &str = "CONTAINERS_STORAGE_CONF";

/// The keys of a storage.conf lpod acts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageConf {
    /// The file it came from.
    pub path: PathBuf,
    /// `driver` (`overlay`, `vfs`); `None` keeps the configured one.
    pub driver: Option<String>,
    /// `graphroot`: the persistent store.
    pub graph_root: Option<PathBuf>,
    /// `runroot`: the per-boot store state.
    pub run_root: Option<PathBuf>,
    /// `[storage.options]` scalar keys as `key=value` (Podman's graph options).
    pub options: Vec<String>,
}

impl StorageConf {
    /// Parses a storage.conf; `origin` names it in errors. Unknown keys are ignored (a
    /// Podman file has many lpod has no use for); a wrong type or a relative root is an
    /// error naming the key.
    pub fn parse(text: &str, origin: &Path) -> Result<StorageConf, ConfigError> {
        let v: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        let invalid = |key: &'static str, reason: String| ConfigError::Invalid {
            path: origin.to_path_buf(),
            key,
            reason,
        };
        let mut sc = StorageConf {
            path: origin.to_path_buf(),
            ..StorageConf::default()
        };
        let Some(storage) = v.get("storage") else {
            return Ok(sc);
        };
        let storage = storage
            .as_table()
            .ok_or_else(|| invalid("storage", "is not a table".into()))?;
        let string = |key: &'static str| -> Result<Option<String>, ConfigError> {
            match storage.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) if s.is_empty() => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(invalid(key, format!("{other} is not a string"))),
            }
        };
        sc.driver = string("driver")?;
        for (key, slot) in [
            ("graphroot", &mut sc.graph_root),
            ("runroot", &mut sc.run_root),
        ] {
            if let Some(p) = string(key)? {
                let p = PathBuf::from(p);
                if !p.is_absolute() {
                    return Err(invalid(key, format!("{} is not absolute", p.display())));
                }
                *slot = Some(p);
            }
        }
        if let Some(d) = &sc.driver {
            if !matches!(d.as_str(), "overlay" | "vfs") {
                return Err(invalid(
                    "driver",
                    format!("{d:?} is not supported (lpod has overlay and vfs)"),
                ));
            }
        }
        if let Some(toml::Value::Table(opts)) = storage.get("options") {
            for (k, v) in opts {
                match v {
                    toml::Value::String(s) => sc.options.push(format!("{k}={s}")),
                    toml::Value::Boolean(_) | toml::Value::Integer(_) => {
                        sc.options.push(format!("{k}={v}"))
                    }
                    _ => {}
                }
            }
        }
        Ok(sc)
    }

    /// Reads a storage.conf (it must exist).
    pub fn load(path: &Path) -> Result<StorageConf, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// The file `$CONTAINERS_STORAGE_CONF` names, if it is set.
    pub fn from_env() -> Result<Option<StorageConf>, ConfigError> {
        match std::env::var_os(STORAGE_CONF_ENV) {
            Some(p) if !p.is_empty() => Self::load(Path::new(&p)).map(Some),
            _ => Ok(None),
        }
    }

    /// Applies the file to a runtime configuration, as Podman lays a store out: the graph
    /// root holds the store itself with `libpod/` (state), `volumes/` and `cni/` beside it.
    /// The run root is taken as `--runroot` takes it: lpod's per-boot files (locks, exit
    /// files, sockets) in it and the store's per-boot state in `storage/` below (the store
    /// clears its own run root on a new boot, so lpod's files cannot live inside that).
    pub fn apply(&self, cfg: &mut RuntimeConfig) {
        if let Some(d) = &self.driver {
            cfg.storage_driver = d.clone();
        }
        if let Some(g) = &self.graph_root {
            cfg.graph_root = g.clone();
            cfg.static_dir = g.join("libpod");
            cfg.volume_path = g.join("volumes");
            cfg.cni_cache_dir = g.join("cni");
            cfg.cni_config_dir = g.join("cni").join("net.d");
        }
        if let Some(r) = &self.run_root {
            cfg.run_root = r.join("storage");
            cfg.tmp_dir = r.clone();
        }
        if !self.options.is_empty() {
            cfg.storage_options = self.options.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_file_applies_roots_driver_and_options() {
        let sc = StorageConf::parse(
            r#"
[storage]
driver = "overlay"
graphroot = "/tmp/x/root"
runroot = "/tmp/x/run"
rootless_storage_path = "$HOME/.local/share/containers/storage"

[storage.options]
additionalimagestores = []
mount_program = ""

[storage.options.overlay]
mountopt = "nodev"
"#,
            Path::new("/etc/s.conf"),
        )
        .unwrap();
        let mut cfg = RuntimeConfig::default();
        sc.apply(&mut cfg);
        assert_eq!(cfg.graph_root, Path::new("/tmp/x/root"));
        assert_eq!(cfg.volume_path, Path::new("/tmp/x/root/volumes"));
        assert_eq!(cfg.run_root, Path::new("/tmp/x/run/storage"));
        assert_eq!(cfg.tmp_dir, Path::new("/tmp/x/run"));
        assert_eq!(cfg.storage_driver, "overlay");
        assert_eq!(cfg.storage_options, ["mount_program="]);
        cfg.validate(Path::new("x")).unwrap();
    }

    #[test]
    fn partial_and_bad_files() {
        let sc = StorageConf::parse("", Path::new("s.conf")).unwrap();
        let mut cfg = RuntimeConfig::default();
        sc.apply(&mut cfg);
        assert_eq!(cfg, RuntimeConfig::default());
        for (text, key) in [
            ("[storage]\ngraphroot = \"rel/path\"", "graphroot"),
            ("[storage]\ndriver = \"btrfs\"", "driver"),
            ("[storage]\nrunroot = 5", "runroot"),
            ("[storage", "s.conf"),
        ] {
            let e = StorageConf::parse(text, Path::new("s.conf")).unwrap_err();
            assert!(e.to_string().contains(key), "{text}: {e}");
        }
    }
}
