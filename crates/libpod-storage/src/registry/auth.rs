//! Registry credentials in the containers-auth.json format
//! (`{"auths":{"host:port":{"auth":"base64(user:pass)"}}}`), which Docker's
//! `~/.docker/config.json` shares.
//!
//! lpod writes its own file, [`default_auth_file`]: `$REGISTRY_AUTH_FILE` when set, else
//! `$XDG_RUNTIME_DIR/lpod/auth.json` when `XDG_RUNTIME_DIR` is set, else
//! `/run/lpod/auth.json` for root and `/run/user/<uid>/lpod/auth.json` for others.
//! Lookups (when no explicit file is given) also read Podman's
//! `${XDG_RUNTIME_DIR}/containers/auth.json` (`/run/containers/0/auth.json` for root)
//! and Docker's `~/.docker/config.json`, in that order after lpod's own file.

use super::{io_at, normalize_registry, Credentials, RegistryError, Result};
use base64::Engine as _;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// lpod's default auth file (see the module docs).
pub fn default_auth_file() -> PathBuf {
    if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(x).join("lpod/auth.json");
    }
    let uid = rustix::process::getuid();
    if uid.is_root() {
        PathBuf::from("/run/lpod/auth.json")
    } else {
        PathBuf::from(format!("/run/user/{}/lpod/auth.json", uid.as_raw()))
    }
}

/// The files credentials are looked up in when no file is given: lpod's, Podman's,
/// Docker's.
pub fn lookup_files() -> Vec<PathBuf> {
    let mut v = vec![default_auth_file()];
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        Some(x) => v.push(PathBuf::from(x).join("containers/auth.json")),
        None => {
            let uid = rustix::process::getuid().as_raw();
            v.push(PathBuf::from(format!("/run/containers/{uid}/auth.json")));
        }
    }
    if let Some(h) = std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        v.push(PathBuf::from(h).join(".docker/config.json"));
    }
    v
}

/// An auth file; unknown keys are kept when it is saved.
#[derive(Debug, Clone, Default)]
pub struct AuthFile {
    doc: Map<String, Value>,
}

impl AuthFile {
    /// Reads `path`; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<AuthFile> {
        match std::fs::read(path) {
            Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(AuthFile::default()),
            Ok(b) => {
                let doc: Map<String, Value> =
                    serde_json::from_slice(&b).map_err(|e| RegistryError::AuthFile {
                        path: path.to_path_buf(),
                        msg: e.to_string(),
                    })?;
                Ok(AuthFile { doc })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AuthFile::default()),
            Err(e) => Err(io_at(path)(e)),
        }
    }

    /// Writes the file atomically and durably, mode 0600, creating its directory.
    pub fn save(&self, path: &Path) -> Result<()> {
        // A directory made here holds only credentials: 0700 (an existing one, such
        // as `$XDG_RUNTIME_DIR`, is not ours to change).
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_private_dir(d).map_err(io_at(d))?;
        }
        let bytes = serde_json::to_vec_pretty(&Value::Object(self.doc.clone())).map_err(|e| {
            RegistryError::AuthFile {
                path: path.to_path_buf(),
                msg: e.to_string(),
            }
        })?;
        crate::archive::write_private(path, &bytes).map_err(|e| match e {
            crate::archive::ArchiveError::Io { path, source } => RegistryError::Io { path, source },
            other => RegistryError::AuthFile {
                path: path.to_path_buf(),
                msg: other.to_string(),
            },
        })
    }

    fn auths(&mut self) -> &mut Map<String, Value> {
        let v = self
            .doc
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        match v {
            Value::Object(m) => m,
            _ => unreachable!("just made an object"),
        }
    }

    /// Stores `creds` for `registry` (`host[:port]`).
    pub fn set(&mut self, registry: &str, creds: &Credentials) {
        let enc = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", creds.username, creds.password));
        self.auths()
            .insert(registry.to_string(), serde_json::json!({ "auth": enc }));
    }

    /// Removes `registry`'s entries; true when there were any.
    pub fn remove(&mut self, registry: &str) -> bool {
        let keys: Vec<String> = self
            .auths()
            .keys()
            .filter(|k| normalize_registry(k) == registry)
            .cloned()
            .collect();
        for k in &keys {
            self.auths().remove(k);
        }
        !keys.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.auths().clear();
    }

    /// Registries with stored credentials.
    pub fn registries(&self) -> Vec<String> {
        self.doc
            .get("auths")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(|k| normalize_registry(k)).collect())
            .unwrap_or_default()
    }

    /// Credentials for `registry` (`host[:port]`): an exact key first, then any key
    /// (`https://host/v1/`, `host/repo`) that normalises to it.
    pub fn get(&self, registry: &str) -> Option<Credentials> {
        let auths = self.doc.get("auths")?.as_object()?;
        let entry = auths.get(registry).or_else(|| {
            auths
                .iter()
                .find(|(k, _)| normalize_registry(k) == registry)
                .map(|(_, v)| v)
        })?;
        let obj = entry.as_object()?;
        if let Some(a) = obj.get("auth").and_then(Value::as_str) {
            let dec = base64::engine::general_purpose::STANDARD.decode(a).ok()?;
            return Credentials::parse(&String::from_utf8(dec).ok()?);
        }
        let u = obj.get("username")?.as_str()?;
        let p = obj.get("password")?.as_str()?;
        Some(Credentials {
            username: u.into(),
            password: p.into(),
        })
    }
}

/// Credentials for `registry` per `opts`: `--creds`, else the given auth file, else the
/// lookup files in order. Unreadable or invalid lookup files are skipped.
pub(crate) fn credentials_for(
    registry: &str,
    opts: &super::RegistryOptions,
) -> Result<Option<Credentials>> {
    if let Some(c) = &opts.credentials {
        return Ok(Some(c.clone()));
    }
    if let Some(p) = &opts.auth_file {
        return Ok(AuthFile::load(p)?.get(registry));
    }
    for p in lookup_files() {
        if let Ok(f) = AuthFile::load(&p) {
            if let Some(c) = f.get(registry) {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_other_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/auth.json");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            &p,
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"}},"credsStore":"x"}"#,
        )
        .unwrap();
        let mut f = AuthFile::load(&p).unwrap();
        assert_eq!(f.get("docker.io").unwrap().username, "u");
        f.set(
            "127.0.0.1:5000",
            &Credentials {
                username: "me".into(),
                password: "s:cret".into(),
            },
        );
        f.save(&p).unwrap();
        let g = AuthFile::load(&p).unwrap();
        assert_eq!(g.get("127.0.0.1:5000").unwrap().password, "s:cret");
        let raw: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(raw["credsStore"], "x");
        let mut g = g;
        assert!(g.remove("docker.io"));
        assert!(!g.remove("docker.io"));
        assert_eq!(g.registries(), vec!["127.0.0.1:5000".to_string()]);
        assert!(AuthFile::load(&d.path().join("missing.json"))
            .unwrap()
            .get("x")
            .is_none());
    }

    #[test]
    fn saved_file_is_0600_in_a_0700_dir_even_over_a_loose_old_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("lpod/auth.json");
        AuthFile::default().save(&p).unwrap();
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        assert_eq!(mode(&p), 0o600);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        AuthFile::default().save(&p).unwrap();
        assert_eq!(mode(&p), 0o600);
    }
}
