//! Registry pull, push, login and logout (OCI distribution v2), behind the default-on
//! `registry` cargo feature.
//!
//! The public API is blocking: tokio and the HTTP client (oci-client) stay inside this
//! module. Every blob (manifest, config, layers) is verified against its digest and size
//! before anything is committed; layers are committed through the same all-or-nothing
//! path as `load`, so an interrupted pull leaves no image and no layer behind.
//!
//! ```no_run
//! use libpod_storage::registry::RegistryOptions;
//! use libpod_storage::{Store, StoreOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::open(StoreOptions {
//!     graph_root: "/var/lib/lpod/storage".into(),
//!     run_root: "/run/lpod/storage".into(),
//!     driver: None,
//! })?;
//! let opts = RegistryOptions {
//!     insecure: vec!["127.0.0.1:5000".into()],
//!     ..Default::default()
//! };
//! let pulled = store.pull("127.0.0.1:5000/busybox:latest", &opts, &|ev| println!("{ev:?}"))?;
//! println!("{} {}", pulled.image.id, pulled.manifest_digest);
//! # Ok(()) }
//! ```

pub mod auth;
mod client;
pub mod conf;
mod pull;
pub use pull::{check_manifest, remote_manifest_entries};
mod push;
#[cfg(feature = "test-registry")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-registry")))]
pub mod testing;

use crate::reference::{is_short_name, ImageReference};
use crate::store::StoreError;
use crate::Image;
use std::path::PathBuf;

pub use auth::{default_auth_file, AuthFile};

/// Username and password for a registry (`--creds user:pass`, `login`).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// Parses `user:pass` (`--creds`); the password may contain `:`.
    pub fn parse(s: &str) -> Option<Credentials> {
        let (u, p) = s.split_once(':')?;
        if u.is_empty() {
            return None;
        }
        Some(Credentials {
            username: u.to_string(),
            password: p.to_string(),
        })
    }
}

/// A platform to select from a manifest list / image index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Platform {
    /// `linux`.
    pub os: String,
    /// OCI architecture name (`amd64`, `arm64`, …).
    pub arch: String,
    /// Variant (`v8`, `v7`), if any.
    pub variant: Option<String>,
}

impl Platform {
    /// The host platform (`linux/amd64` on x86_64).
    pub fn host() -> Platform {
        Platform {
            os: "linux".into(),
            arch: match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                "x86" => "386",
                "powerpc64" => "ppc64le",
                other => other,
            }
            .into(),
            variant: None,
        }
    }

    /// Parses `os/arch[/variant]` (`--platform`).
    pub fn parse(s: &str) -> Option<Platform> {
        let mut it = s.split('/');
        let os = it.next().filter(|x| !x.is_empty())?;
        let arch = it.next().filter(|x| !x.is_empty())?;
        let variant = it.next().map(str::to_string);
        if it.next().is_some() {
            return None;
        }
        Some(Platform {
            os: os.into(),
            arch: arch.into(),
            variant,
        })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Options for pull, push and login.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Registries tried, in order, for a short name (`busybox`); registries.conf's
    /// `unqualified-search-registries`.
    pub unqualified_search: Vec<String>,
    /// `host[:port]` entries allowed over plain HTTP or with an unverified certificate.
    pub insecure: Vec<String>,
    /// `--tls-verify`: `Some(false)` makes every registry insecure, `Some(true)` none.
    pub tls_verify: Option<bool>,
    /// Extra CA certificates: `<certs_dir>/<host[:port]>/*.crt` (like containers' certs.d).
    pub certs_dir: Option<PathBuf>,
    /// The auth file to read (and, for login, write). `None`: [`default_auth_file`] for
    /// writing; reading also falls back to Podman's and Docker's files.
    pub auth_file: Option<PathBuf>,
    /// `--creds`: used instead of any auth file.
    pub credentials: Option<Credentials>,
    /// Platform to pick from a manifest list; `None`: the host's.
    pub platform: Option<Platform>,
    /// Parallel blob transfers (0 is taken as 1). Default 3.
    pub parallel: usize,
    /// registries.conf: mirrors, per-registry insecure/blocked, short-name aliases.
    pub conf: conf::RegistriesConf,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            unqualified_search: Vec::new(),
            insecure: Vec::new(),
            tls_verify: None,
            certs_dir: None,
            auth_file: None,
            credentials: None,
            platform: None,
            parallel: 3,
            conf: conf::RegistriesConf::default(),
        }
    }
}

/// Progress of a pull or a push, reported through a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// The reference resolved to a manifest.
    Resolved {
        /// Fully qualified reference being pulled or pushed.
        reference: String,
        /// `sha256:` digest of the (platform) manifest.
        manifest_digest: String,
    },
    /// A blob needs no transfer (already in the store / on the registry).
    LayerSkipped {
        /// Blob digest.
        digest: String,
        /// Blob size.
        size: u64,
    },
    /// A blob transfer starts.
    LayerStart {
        /// Blob digest.
        digest: String,
        /// Blob size.
        size: u64,
    },
    /// Bytes transferred so far for one blob.
    LayerBytes {
        /// Blob digest.
        digest: String,
        /// Bytes done.
        done: u64,
        /// Blob size.
        total: u64,
    },
    /// A blob transfer finished and its digest checked out.
    LayerDone {
        /// Blob digest.
        digest: String,
    },
    /// The config blob is done.
    ConfigDone,
    /// Pull: the image is in the store. Push: the manifest is on the registry.
    Committed {
        /// The image id (hex).
        image_id: String,
    },
}

/// The progress callback type.
pub type Progress<'a> = &'a (dyn Fn(ProgressEvent) + Sync);

/// What [`crate::Store::pull`] returns.
#[derive(Debug, Clone)]
pub struct PulledImage {
    /// The image as now in the store.
    pub image: Image,
    /// The fully qualified reference pulled (`docker.io/library/busybox:latest`).
    pub reference: String,
    /// `sha256:` digest of the image manifest (the platform's, for a manifest list).
    pub manifest_digest: String,
}

/// Registry errors. Each names the registry, reference, digest or path it is about.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The reference does not parse.
    #[error("invalid image reference {0:?}")]
    InvalidReference(String),
    /// The registry refused the credentials (or needs some).
    #[error("authentication to registry {registry} failed: unauthorized (check the user name and password, or log in)")]
    Unauthorized {
        /// `host[:port]`.
        registry: String,
    },
    /// The registry has no such repository, tag or digest.
    #[error("{reference}: manifest unknown (not found on the registry)")]
    NotFound {
        /// The reference looked up.
        reference: String,
    },
    /// A short name with several search registries and no local image to pick.
    #[error("short name {name:?} is ambiguous: it could be any of {}; use a fully qualified name", candidates.join(", "))]
    ShortNameAmbiguous {
        /// The short name.
        name: String,
        /// Fully qualified candidates, in search order.
        candidates: Vec<String>,
    },
    /// A short name and no unqualified-search registries configured.
    #[error("short name {name:?} did not resolve to an image: no unqualified-search registries are configured")]
    NoSearchRegistries {
        /// The short name.
        name: String,
    },
    /// A blob's content does not match its digest or size.
    #[error("digest mismatch for blob {digest}: got {got}")]
    DigestMismatch {
        /// The digest the manifest promised.
        digest: String,
        /// What arrived (digest or size).
        got: String,
    },
    /// A manifest list / index has no manifest for the platform.
    #[error("{reference}: no image for platform {platform} in the manifest list (available: {})", available.join(", "))]
    NoMatchingPlatform {
        /// The reference.
        reference: String,
        /// The platform asked for.
        platform: String,
        /// Platforms the list offers.
        available: Vec<String>,
    },
    /// A manifest or config that cannot be used.
    #[error("{reference}: unsupported or invalid manifest: {msg}")]
    BadManifest {
        /// The reference.
        reference: String,
        /// What is wrong.
        msg: String,
    },
    /// TLS failed (unknown CA, bad certificate, not TLS).
    #[error("TLS error talking to registry {registry}: {msg} (use --tls-verify=false or add its CA to the certs dir)")]
    Tls {
        /// `host[:port]`.
        registry: String,
        /// Details.
        msg: String,
    },
    /// The connection failed or broke off.
    #[error("cannot talk to registry {registry}: {msg}")]
    Connect {
        /// `host[:port]`.
        registry: String,
        /// Details.
        msg: String,
    },
    /// Any other error the registry returned.
    #[error("registry {registry}: {msg}")]
    Registry {
        /// `host[:port]`.
        registry: String,
        /// Details.
        msg: String,
    },
    /// Reading or writing a local file (auth file, certificate, staging blob).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An auth file that does not parse.
    #[error("invalid auth file {}: {msg}", path.display())]
    AuthFile {
        /// The file.
        path: PathBuf,
        /// Details.
        msg: String,
    },
    /// The store refused the image.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// registries.conf is unreadable or invalid, or blocks the reference.
    #[error(transparent)]
    Conf(#[from] conf::RegistriesConfError),
}

pub(crate) type Result<T> = std::result::Result<T, RegistryError>;

pub(crate) fn io_at(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Strips an optional `docker://` transport prefix.
pub fn strip_transport(reference: &str) -> &str {
    reference.strip_prefix("docker://").unwrap_or(reference)
}

/// Resolves `name` to a fully qualified reference (`registry/repo:tag` or `@digest`).
/// A fully qualified name is normalised. A short name (`busybox`, `user/app`) goes
/// through `opts.unqualified_search`: none configured is [`RegistryError::NoSearchRegistries`],
/// one is used, several is [`RegistryError::ShortNameAmbiguous`] (there is no prompt).
pub fn resolve_short_name(name: &str, opts: &RegistryOptions) -> Result<String> {
    let name = strip_transport(name);
    let parsed =
        ImageReference::parse(name).map_err(|_| RegistryError::InvalidReference(name.into()))?;
    if !is_short_name(name) {
        return Ok(parsed.to_string());
    }
    // registries.conf `[aliases]`: the short repository (without tag or digest).
    let repo = name.split('@').next().unwrap_or(name);
    let repo = match repo.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => r,
        _ => repo,
    };
    if let Some(target) = opts.conf.aliases.get(repo) {
        let mut aliased = ImageReference::parse(target)
            .map_err(|_| RegistryError::InvalidReference(target.clone()))?;
        aliased.tag = parsed.tag.clone();
        aliased.digest = parsed.digest.clone();
        return Ok(aliased.to_string());
    }
    let candidates: Vec<String> = opts
        .unqualified_search
        .iter()
        .map(|reg| {
            // `docker.io` keeps its `library/` rule; others take the path as written.
            let path = if reg == "docker.io" {
                parsed.path.clone()
            } else {
                parsed
                    .path
                    .strip_prefix("library/")
                    .filter(|_| !name.contains('/'))
                    .unwrap_or(&parsed.path)
                    .to_string()
            };
            let r = ImageReference {
                domain: reg.clone(),
                path,
                tag: parsed.tag.clone(),
                digest: parsed.digest.clone(),
            };
            r.to_string()
        })
        .collect();
    match candidates.len() {
        0 => Err(RegistryError::NoSearchRegistries { name: name.into() }),
        1 => Ok(candidates.into_iter().next().unwrap_or_default()),
        _ => Err(RegistryError::ShortNameAmbiguous {
            name: name.into(),
            candidates,
        }),
    }
}

/// Normalises a registry given to login/logout (`https://host:5000/v2/` → `host:5000`,
/// `docker.io`'s aliases → `docker.io`).
pub fn normalize_registry(registry: &str) -> String {
    let r = registry
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("docker://");
    let host = r.split('/').next().unwrap_or(r);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        h => h.to_string(),
    }
}

/// Checks `creds` against `registry` (a `GET` the registry must authorise), then stores
/// them in the auth file (`opts.auth_file` or [`default_auth_file`]) and returns its path.
/// Wrong credentials: [`RegistryError::Unauthorized`], nothing written.
#[tracing::instrument(skip(creds, opts), fields(user = %creds.username))]
pub fn login(registry: &str, creds: &Credentials, opts: &RegistryOptions) -> Result<PathBuf> {
    let registry = normalize_registry(registry);
    client::verify_login(&registry, creds, opts)?;
    let path = opts.auth_file.clone().unwrap_or_else(default_auth_file);
    let mut f = AuthFile::load(&path)?;
    f.set(&registry, creds);
    f.save(&path)?;
    Ok(path)
}

/// Removes the stored credentials for `registry` from `auth_file` (default:
/// [`default_auth_file`]). Returns false when there were none.
#[tracing::instrument]
pub fn logout(registry: &str, auth_file: Option<&std::path::Path>) -> Result<bool> {
    let registry = normalize_registry(registry);
    let path = auth_file
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(default_auth_file);
    let mut f = AuthFile::load(&path)?;
    let removed = f.remove(&registry);
    if removed {
        f.save(&path)?;
    }
    Ok(removed)
}

/// Removes every stored credential from the auth file (`logout --all`).
pub fn logout_all(auth_file: Option<&std::path::Path>) -> Result<()> {
    let path = auth_file
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(default_auth_file);
    let mut f = AuthFile::load(&path)?;
    f.clear();
    f.save(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        let mut o = RegistryOptions::default();
        assert!(matches!(
            resolve_short_name("busybox", &o),
            Err(RegistryError::NoSearchRegistries { .. })
        ));
        assert_eq!(
            resolve_short_name("docker://quay.io/a/b", &o).unwrap(),
            "quay.io/a/b:latest"
        );
        assert_eq!(
            resolve_short_name("docker.io/busybox", &o).unwrap(),
            "docker.io/library/busybox:latest"
        );
        o.unqualified_search = vec!["docker.io".into()];
        assert_eq!(
            resolve_short_name("busybox:1.36", &o).unwrap(),
            "docker.io/library/busybox:1.36"
        );
        o.unqualified_search = vec!["127.0.0.1:5000".into()];
        assert_eq!(
            resolve_short_name("busybox", &o).unwrap(),
            "127.0.0.1:5000/busybox:latest"
        );
        o.unqualified_search = vec!["docker.io".into(), "quay.io".into()];
        match resolve_short_name("busybox", &o) {
            Err(RegistryError::ShortNameAmbiguous { candidates, .. }) => assert_eq!(
                candidates,
                vec!["docker.io/library/busybox:latest", "quay.io/busybox:latest"]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn platforms_and_creds() {
        let p = Platform::parse("linux/arm64/v8").unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert!(Platform::parse("linux").is_none());
        let c = Credentials::parse("u:p:q").unwrap();
        assert_eq!(c.password, "p:q");
        assert!(!format!("{c:?}").contains("p:q"));
        assert_eq!(
            normalize_registry("https://index.docker.io/v1/"),
            "docker.io"
        );
        assert_eq!(normalize_registry("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
