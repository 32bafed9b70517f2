//! Image verbs of the runtime: removal (`rmi`, refused while containers use
//! the image), and the registry verbs pull, push, login, logout, with the pull
//! policy `create`/`run` apply to a missing image.
//!
//! The mechanisms live in `libpod_storage::registry`; this module maps the
//! runtime's configuration (`registries` = unqualified-search registries,
//! `insecure_registries`, `registries_certs_dir`, `auth_file`) and a command's
//! own overrides ([`RegistryAccess`]) onto its `RegistryOptions`.
//!
//! ```no_run
//! use libpod_core::image::{PullOptions, PullPolicy};
//! use libpod_core::Runtime;
//! let rt = Runtime::builder().build()?;
//! let pulled = rt.pull("127.0.0.1:5000/busybox:latest", &PullOptions::default(), &|ev| {
//!     eprintln!("{ev:?}")
//! })?;
//! println!("{}", pulled.image.id);
//! let name = rt.ensure_image("busybox", PullPolicy::Missing, &PullOptions::default(), &|_| {})?;
//! println!("create from {name}");
//! # Ok::<(), libpod_core::image::ImageError>(())
//! ```

use std::path::PathBuf;

use libpod_config::RuntimeConfig;
use libpod_storage::registry::{self, RegistryOptions};

pub use libpod_storage::registry::{
    Credentials, Platform, Progress, ProgressEvent, PulledImage, RegistryError,
};

use crate::events::{Event, EventStatus};
use crate::Runtime;

/// Errors of the registry verbs; each names the reference or registry it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The registry, the auth file or the transfer failed (unauthorized, not
    /// found, TLS, short name unresolvable, digest mismatch, ...).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The runtime failed (stopped, store error, ...).
    #[error(transparent)]
    Runtime(#[from] crate::Error),
    /// No local image to push.
    #[error("image {0} not known (pull, load or build it first)")]
    NoSuchImage(String),
    /// A `--pull` value that is not a policy.
    #[error("invalid pull policy {0:?}: use missing, always, never or newer")]
    InvalidPolicy(String),
    /// The image is missing locally and the policy forbids pulling it.
    #[error("{0}: image not known")]
    NeverPull(String),
}

impl ImageError {
    /// Podman's exit code: 125 for every registry error.
    pub fn exit_code(&self) -> i32 {
        match self {
            ImageError::Runtime(e) => e.exit_code(),
            _ => 125,
        }
    }
}

/// Result with [`ImageError`].
pub type Result<T, E = ImageError> = std::result::Result<T, E>;

/// When `create`/`run` pull their image (Podman's `--pull`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull only when no local image matches (the default).
    #[default]
    Missing,
    /// Always pull (layers already present are not downloaded again).
    Always,
    /// Never pull: a missing image is an error.
    Never,
    /// Podman pulls when the registry has a newer image; lpod does not compare
    /// yet and behaves as [`PullPolicy::Missing`].
    Newer,
}

impl std::str::FromStr for PullPolicy {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "missing" | "ifmissing" | "" => Ok(PullPolicy::Missing),
            "always" | "true" => Ok(PullPolicy::Always),
            "never" | "false" => Ok(PullPolicy::Never),
            "newer" | "ifnewer" => Ok(PullPolicy::Newer),
            _ => Err(ImageError::InvalidPolicy(s.to_string())),
        }
    }
}

/// A command's overrides of the configured registry access (`--tls-verify`,
/// `--creds`, `--authfile`, `--cert-dir`).
#[derive(Debug, Clone, Default)]
pub struct RegistryAccess {
    /// `--tls-verify`: `Some(false)` allows HTTP / unverified TLS for every
    /// registry; `None` uses `insecure_registries`.
    pub tls_verify: Option<bool>,
    /// `--creds user:pass`: used instead of any auth file.
    pub credentials: Option<Credentials>,
    /// `--authfile`: replaces the configured `auth_file`.
    pub auth_file: Option<PathBuf>,
    /// `--cert-dir`: replaces the configured `registries_certs_dir`.
    pub certs_dir: Option<PathBuf>,
}

/// Options of [`Runtime::pull`].
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Registry access overrides.
    pub access: RegistryAccess,
    /// Platform to pick from a manifest list (`--platform`, `--arch`, `--os`);
    /// `None` = the host's.
    pub platform: Option<Platform>,
}

/// Options of [`Runtime::push`].
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Registry access overrides.
    pub access: RegistryAccess,
}

/// The auth file a command uses: `--authfile`, else the configured one, else
/// `None` (the registry library's default).
pub fn auth_file(cfg: &RuntimeConfig, access: &RegistryAccess) -> Option<PathBuf> {
    access.auth_file.clone().or_else(|| cfg.auth_file.clone())
}

/// Maps the runtime configuration plus a command's overrides onto the registry
/// library's options.
pub fn registry_options(
    cfg: &RuntimeConfig,
    access: &RegistryAccess,
    platform: Option<Platform>,
) -> RegistryOptions {
    RegistryOptions {
        unqualified_search: cfg.registries.clone(),
        insecure: cfg.insecure_registries.clone(),
        tls_verify: access.tls_verify,
        certs_dir: Some(
            access
                .certs_dir
                .clone()
                .unwrap_or_else(|| cfg.registries_certs_dir.clone()),
        ),
        auth_file: auth_file(cfg, access),
        credentials: access.credentials.clone(),
        platform,
        ..RegistryOptions::default()
    }
}

/// Adds registries.conf to registry options: its mirrors, insecure and blocked
/// registries and aliases; its `unqualified-search-registries` when the runtime
/// configuration names no `registries` of its own.
pub fn apply_registries_conf(
    mut opts: RegistryOptions,
    conf: registry::conf::RegistriesConf,
) -> RegistryOptions {
    if opts.unqualified_search.is_empty() {
        opts.unqualified_search = conf.unqualified_search.clone();
    }
    opts.conf = conf;
    opts
}

/// [`registry_options`] plus the system's registries.conf
/// (`$CONTAINERS_REGISTRIES_CONF`, else `/etc/containers/registries.conf` and its
/// drop-ins). An invalid file is an error naming it.
pub fn system_registry_options(
    cfg: &RuntimeConfig,
    access: &RegistryAccess,
    platform: Option<Platform>,
) -> Result<RegistryOptions> {
    let conf = registry::conf::RegistriesConf::load_default().map_err(RegistryError::from)?;
    Ok(apply_registries_conf(
        registry_options(cfg, access, platform),
        conf,
    ))
}

/// Checks `creds` against `registry` and stores them in the auth file; returns
/// the file written. Wrong credentials: [`RegistryError::Unauthorized`], nothing
/// written. Needs no opened runtime (only the configuration).
#[tracing::instrument(skip(cfg, creds, access), fields(user = %creds.username))]
pub fn login(
    cfg: &RuntimeConfig,
    registry: &str,
    creds: &Credentials,
    access: &RegistryAccess,
) -> Result<PathBuf> {
    let opts = system_registry_options(cfg, access, None)?;
    Ok(registry::login(registry, creds, &opts)?)
}

/// Removes `registry`'s entry from the auth file (`None` = every entry, `logout
/// --all`). Returns false when the registry had no entry.
#[tracing::instrument(skip(cfg, access))]
pub fn logout(
    cfg: &RuntimeConfig,
    registry: Option<&str>,
    access: &RegistryAccess,
) -> Result<bool> {
    let file = auth_file(cfg, access);
    match registry {
        Some(r) => Ok(registry::logout(r, file.as_deref())?),
        None => {
            registry::logout_all(file.as_deref())?;
            Ok(true)
        }
    }
}

/// The auth file `login`/`logout` would write for this configuration.
pub fn effective_auth_file(cfg: &RuntimeConfig, access: &RegistryAccess) -> PathBuf {
    auth_file(cfg, access).unwrap_or_else(registry::default_auth_file)
}

fn is_local_only(reference: &str) -> bool {
    reference.starts_with("localhost/")
}

/// The image's own name that `name` (as typed: `busybox`, `x@sha256:...`) stands for,
/// as Podman prints it in `Untagged:`; `name` itself when none matches exactly.
fn stored_name(names: &[String], name: &str) -> String {
    use libpod_storage::reference::{is_short_name, ImageReference};
    let Ok(r) = ImageReference::parse(name) else {
        return name.to_string();
    };
    let mut cands = vec![r.to_string()];
    if r.digest.is_some() {
        let mut d = r.clone();
        d.tag = None;
        cands.push(d.to_string());
    }
    if let Some(c) = cands.iter().find(|c| names.contains(c)) {
        return c.clone();
    }
    if is_short_name(name) {
        let short = r.path.strip_prefix("library/").unwrap_or(&r.path);
        let hits: Vec<&String> = names
            .iter()
            .filter(|n| {
                ImageReference::parse(n).is_ok_and(|nr| {
                    nr.tag == r.tag
                        && nr.digest.is_none()
                        && (nr.path == short || nr.path.ends_with(&format!("/{short}")))
                })
            })
            .collect();
        if let [one] = hits.as_slice() {
            return (*one).clone();
        }
    }
    name.to_string()
}

/// What `rmi NAME` does to the image NAME names (Podman's rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RmiAction {
    /// NAME is one of several names of the image: only that name goes
    /// ([`Runtime::untag_image`]).
    Untag(String),
    /// NAME is the image's id or its only name: the image goes with all its
    /// names ([`Runtime::remove_image`]).
    Remove {
        /// The image id.
        id: String,
        /// Every name the image has.
        names: Vec<String>,
    },
}

/// Records an image event for the image `name_or_id` names, under `name` as
/// the user gave it (Podman's `tag` and `push` events do not normalise it).
fn image_event(p: &crate::context::Parts, name_or_id: &str, name: &str, status: EventStatus) {
    let id = p.store.image(name_or_id).map(|i| i.id).unwrap_or_default();
    crate::events::emit(p, Event::image(&id, name, status));
}

impl Runtime {
    /// Decides what `rmi name_or_id` does (see [`RmiAction`]); changes nothing.
    pub fn rmi_action(&self, name_or_id: &str) -> crate::Result<RmiAction> {
        let p = self.inner.parts()?;
        let img = p
            .store
            .image(name_or_id)
            .map_err(|e| crate::context::image_err(e, name_or_id))?;
        let is_id = img.id.starts_with(name_or_id.trim_start_matches("sha256:"));
        Ok(if !is_id && img.names.len() > 1 {
            RmiAction::Untag(stored_name(&img.names, name_or_id))
        } else {
            RmiAction::Remove {
                id: img.id,
                names: img.names,
            }
        })
    }

    /// Adds the name `new_name` (normalised: `busybox` → `localhost/busybox:latest`) to the
    /// image `name_or_id`; another image holding that name loses it, as `podman tag`.
    #[tracing::instrument(skip(self))]
    pub fn tag_image(&self, name_or_id: &str, new_name: &str) -> crate::Result<()> {
        let p = self.inner.parts()?;
        p.store
            .tag(name_or_id, new_name)
            .map_err(|e| crate::context::image_err(e, name_or_id))?;
        image_event(&p, name_or_id, new_name, EventStatus::Tag);
        Ok(())
    }

    /// Commits container `name_or_id`'s changes as a new image (`podman commit`): its
    /// image's layers plus one layer with what the container changed. The container is
    /// not paused: commit a stopped container for a consistent layer, or see
    /// [`Runtime::commit_container_paused`].
    #[tracing::instrument(skip(self, opts))]
    pub fn commit_container(
        &self,
        name_or_id: &str,
        opts: &libpod_storage::CommitOptions,
    ) -> crate::Result<libpod_storage::Image> {
        self.commit_container_paused(name_or_id, opts, false)
    }

    /// [`Runtime::commit_container`]; with `pause`, a running container is paused while
    /// its layer is read and resumed after (Podman's `--pause`, its default).
    #[tracing::instrument(skip(self, opts))]
    pub fn commit_container_paused(
        &self,
        name_or_id: &str,
        opts: &libpod_storage::CommitOptions,
        pause: bool,
    ) -> crate::Result<libpod_storage::Image> {
        let c = self.container(name_or_id)?;
        let paused = pause && c.status()? == libpod_config::ContainerStatus::Running;
        if paused {
            c.pause()?;
        }
        let r = self.commit_unpaused(name_or_id, opts);
        if paused {
            // Resumed whatever the commit did; its error wins.
            let u = c.unpause();
            let img = r?;
            u?;
            return Ok(img);
        }
        r
    }

    fn commit_unpaused(
        &self,
        name_or_id: &str,
        opts: &libpod_storage::CommitOptions,
    ) -> crate::Result<libpod_storage::Image> {
        let c = self.container(name_or_id)?;
        let cfg = c.config()?;
        // The container's own process becomes the image's (as Podman commits it);
        // `--change` still wins.
        let mut opts = opts.clone();
        let ch = &mut opts.changes;
        let own_entrypoint = ch.entrypoint.is_none() && !cfg.entrypoint.is_empty();
        if own_entrypoint {
            ch.entrypoint = Some(cfg.entrypoint.clone());
        }
        // With its own entrypoint the container ran no image CMD: nor does the image.
        if ch.cmd.is_none() && (own_entrypoint || !cfg.command.is_empty()) {
            ch.cmd = Some(cfg.command.clone());
        }
        if ch.working_dir.is_none() {
            ch.working_dir = cfg.working_dir.as_ref().map(|w| w.display().to_string());
        }
        if ch.user.is_none() {
            ch.user = cfg.user.clone();
        }
        let p = self.inner.parts()?;
        Ok(p.store.commit_container(&c.id, &opts)?)
    }

    /// Removes the name `name` from the image it names (the image stays).
    #[tracing::instrument(skip(self))]
    pub fn untag_image(&self, name: &str) -> crate::Result<()> {
        let p = self.inner.parts()?;
        let id = p.store.image(name).map(|i| i.id).unwrap_or_default();
        p.store
            .untag(name, name)
            .map_err(|e| crate::context::image_err(e, name))?;
        let norm =
            libpod_storage::reference::normalize_name(name).unwrap_or_else(|_| name.to_string());
        crate::events::emit(&p, Event::image(&id, &norm, EventStatus::Untag));
        Ok(())
    }

    /// Removes an image unless a container uses it (`force` removes those
    /// containers first, as `podman rmi -f`). Returns the removed image id.
    #[tracing::instrument(skip(self))]
    pub fn remove_image(&self, name_or_id: &str, force: bool) -> crate::Result<String> {
        let p = self.inner.parts()?;
        let img = p
            .store
            .image(name_or_id)
            .map_err(|e| crate::context::image_err(e, name_or_id))?;
        let users: Vec<String> = p
            .state
            .all_containers()?
            .into_iter()
            .filter(|(c, _)| c.image_id == img.id)
            .map(|(c, _)| c.id)
            .collect();
        if !users.is_empty() {
            if !force {
                return Err(crate::Error::ImageInUse {
                    image: name_or_id.to_string(),
                    containers: users,
                });
            }
            for id in users {
                let c = crate::Container {
                    id,
                    rt: self.inner.clone(),
                };
                match c.remove(true) {
                    Ok(()) | Err(crate::Error::NoSuchContainer(_)) => {}
                    // A pod's infra container goes with its pod (as Podman's
                    // `rmi --force` removes the pods whose infra uses the image).
                    Err(crate::Error::Pod(pe))
                        if matches!(*pe, crate::error::PodError::InfraRemoval { .. }) =>
                    {
                        let crate::error::PodError::InfraRemoval { pod, .. } = *pe else {
                            continue;
                        };
                        self.pod(&pod)?.remove(true)?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let removed = p.store.remove_image(&img.id, force)?;
        for n in &removed.untagged {
            crate::events::emit(&p, Event::image(&removed.id, n, EventStatus::Untag));
        }
        if removed.deleted {
            crate::events::emit(
                &p,
                Event::image(&removed.id, &removed.id, EventStatus::Remove),
            );
        }
        Ok(removed.id)
    }
}

impl Runtime {
    /// The registry options this runtime's configuration gives, with `access`'s
    /// overrides.
    pub fn registry_options(
        &self,
        access: &RegistryAccess,
        platform: Option<Platform>,
    ) -> Result<RegistryOptions> {
        let p = self.inner.parts()?;
        system_registry_options(&p.opts.config, access, platform)
    }

    /// Pulls `reference` (`docker://` optional; short names go through the
    /// configured `registries`) into the store. Layers already stored are not
    /// downloaded; every blob is verified before anything is committed.
    #[tracing::instrument(skip(self, opts, progress))]
    pub fn pull(
        &self,
        reference: &str,
        opts: &PullOptions,
        progress: Progress<'_>,
    ) -> Result<PulledImage> {
        let p = self.inner.parts()?;
        // Archives and layouts (`docker-archive:`, `oci-archive:`, `oci:`): loaded as
        // `load` does; the first image is the pulled one.
        if let Some((_, path)) =
            local_transport(reference).filter(|(f, _)| *f != libpod_storage::ExportFormat::Dir)
        {
            let loaded = p
                .store
                .load(std::path::Path::new(path))
                .map_err(crate::Error::from)?;
            let image = loaded
                .into_iter()
                .next()
                .ok_or_else(|| ImageError::NoSuchImage(reference.to_string()))?;
            // Podman's event for an archive pull names no image id (as loadfromarchive).
            crate::events::emit(&p, Event::image("", reference, EventStatus::Pull));
            return Ok(PulledImage {
                manifest_digest: image.digest.clone().unwrap_or_default(),
                reference: image
                    .names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| image.id.clone()),
                image,
            });
        }
        let ropts = system_registry_options(&p.opts.config, &opts.access, opts.platform.clone())?;
        let pulled = p.store.pull(reference, &ropts, progress)?;
        crate::events::emit(
            &p,
            Event::image(&pulled.image.id, reference, EventStatus::Pull),
        );
        Ok(pulled)
    }

    /// Pushes local image `image` (name or id) to `dest` (`docker://host/repo:tag`
    /// or a bare reference; `None` = the image's own first name). Returns the
    /// manifest digest.
    #[tracing::instrument(skip(self, opts, progress))]
    pub fn push(
        &self,
        image: &str,
        dest: Option<&str>,
        opts: &PushOptions,
        progress: Progress<'_>,
    ) -> Result<String> {
        let p = self.inner.parts()?;
        if !p.store.image_exists(image).map_err(crate::Error::from)? {
            return Err(ImageError::NoSuchImage(image.to_string()));
        }
        // Local transports (`dir:`, `oci:`, `oci-archive:`, `docker-archive:`): the image
        // is written there as `save` writes it; the result has no registry digest.
        if let Some((format, path)) = dest.and_then(local_transport) {
            p.store
                .save(&[image], format, std::path::Path::new(path))
                .map_err(crate::Error::from)?;
            image_event(&p, image, dest.unwrap_or(image), EventStatus::Push);
            return Ok(String::new());
        }
        let ropts = system_registry_options(&p.opts.config, &opts.access, None)?;
        let digest = p.store.push(image, dest, &ropts, progress)?;
        image_event(&p, image, dest.unwrap_or(image), EventStatus::Push);
        Ok(digest)
    }

    /// [`login`] with this runtime's configuration.
    pub fn login(
        &self,
        registry: &str,
        creds: &Credentials,
        access: &RegistryAccess,
    ) -> Result<PathBuf> {
        let p = self.inner.parts()?;
        login(&p.opts.config, registry, creds, access)
    }

    /// [`logout`] with this runtime's configuration.
    pub fn logout(&self, registry: Option<&str>, access: &RegistryAccess) -> Result<bool> {
        let p = self.inner.parts()?;
        logout(&p.opts.config, registry, access)
    }

    /// Applies a pull policy before a container is created from `reference`:
    /// returns the name to create from — `reference` itself when a local image
    /// matches (and the policy is not `Always`), else the fully qualified
    /// reference just pulled. `Never` with no local image is
    /// [`ImageError::NeverPull`].
    #[tracing::instrument(skip(self, opts, progress))]
    pub fn ensure_image(
        &self,
        reference: &str,
        policy: PullPolicy,
        opts: &PullOptions,
        progress: Progress<'_>,
    ) -> Result<String> {
        let p = self.inner.parts()?;
        let local = p
            .store
            .image_exists(reference)
            .map_err(crate::Error::from)?;
        let pull = match policy {
            PullPolicy::Always => !is_local_only(reference) || !local,
            PullPolicy::Missing | PullPolicy::Newer => !local,
            PullPolicy::Never if local => false,
            PullPolicy::Never => return Err(ImageError::NeverPull(reference.to_string())),
        };
        if !pull {
            return Ok(reference.to_string());
        }
        drop(p);
        tracing::info!(reference, ?policy, "pulling the image for create");
        Ok(self.pull(reference, opts, progress)?.reference)
    }
}

/// A push destination in a local transport: the export format and the path.
/// (`oci:PATH` takes no `:REFERENCE` suffix here.)
fn local_transport(dest: &str) -> Option<(libpod_storage::ExportFormat, &str)> {
    use libpod_storage::ExportFormat as F;
    [
        ("dir:", F::Dir),
        ("oci:", F::OciDir),
        ("oci-archive:", F::OciArchive),
        ("docker-archive:", F::DockerArchive),
    ]
    .into_iter()
    .find_map(|(prefix, f)| dest.strip_prefix(prefix).map(|path| (f, path)))
    .filter(|(_, path)| !path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn policies_parse_like_podman() {
        assert_eq!(
            "missing".parse::<PullPolicy>().unwrap(),
            PullPolicy::Missing
        );
        assert_eq!("Always".parse::<PullPolicy>().unwrap(), PullPolicy::Always);
        assert_eq!("never".parse::<PullPolicy>().unwrap(), PullPolicy::Never);
        assert_eq!("newer".parse::<PullPolicy>().unwrap(), PullPolicy::Newer);
        let e = "sometimes".parse::<PullPolicy>().unwrap_err().to_string();
        assert!(e.contains("sometimes"), "{e}");
    }

    #[test]
    fn config_and_overrides_map_onto_registry_options() {
        let cfg = RuntimeConfig {
            registries: vec!["127.0.0.1:5000".into()],
            insecure_registries: vec!["127.0.0.1:5000".into()],
            auth_file: Some("/cfg/auth.json".into()),
            ..RuntimeConfig::default()
        };
        let o = registry_options(&cfg, &RegistryAccess::default(), None);
        assert_eq!(o.unqualified_search, ["127.0.0.1:5000"]);
        assert_eq!(o.insecure, ["127.0.0.1:5000"]);
        assert_eq!(o.certs_dir.as_deref(), Some(Path::new("/etc/lpod/certs.d")));
        assert_eq!(o.auth_file.as_deref(), Some(Path::new("/cfg/auth.json")));
        assert_eq!(o.tls_verify, None);

        let access = RegistryAccess {
            tls_verify: Some(false),
            credentials: Credentials::parse("u:p"),
            auth_file: Some("/flag/auth.json".into()),
            certs_dir: Some("/flag/certs".into()),
        };
        let o = registry_options(&cfg, &access, Platform::parse("linux/arm64"));
        assert_eq!(o.tls_verify, Some(false));
        assert_eq!(o.auth_file.as_deref(), Some(Path::new("/flag/auth.json")));
        assert_eq!(o.certs_dir.as_deref(), Some(Path::new("/flag/certs")));
        assert_eq!(o.credentials.unwrap().username, "u");
        assert_eq!(o.platform.unwrap().arch, "arm64");
        assert_eq!(
            effective_auth_file(&cfg, &access),
            Path::new("/flag/auth.json")
        );
    }
}
