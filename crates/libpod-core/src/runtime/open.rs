//! Opening a runtime: directories, state, DB-config check, OCI driver, refresh
//! after reboot under the alive lock, store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libpod_config::StateBackend;
use libpod_oci::{ConmonConfig, ConmonRuntime, OciRuntime, RuntimeKind};
use libpod_state::{DbConfig, InMemoryState, LockManager, SqliteState, State};
use libpod_storage::{DriverKind, Store, StoreOptions};

use super::info::Component;
use super::refresh::{clear_dir, read_boot_id, Alive, AliveLock};
use super::{Parts, Runtime, RuntimeOptions};
use crate::{Error, Result};

/// Creates a runtime directory 0700 (and missing parents, the persistent root
/// and run root included): none of them is for other users (issue 12).
pub(crate) fn mkdir(p: &Path) -> Result<()> {
    libpod_storage::private::create_private_dir(p).map_err(|e| Error::io("create directory", p, e))
}

/// The persistent root (`/var/lib/lpod`, `--root`): the directory holding both
/// `storage/` and `libpod/`, when the configuration keeps them side by side as
/// the defaults and `--root` do. `None` for a layout spread elsewhere: then no
/// shared parent is ours to change.
fn persistent_root(cfg: &libpod_config::RuntimeConfig) -> Option<PathBuf> {
    let a = cfg.graph_root.parent()?;
    let b = cfg.static_dir.parent()?;
    (a == b && a.parent().is_some() && !a.as_os_str().is_empty()).then(|| a.to_path_buf())
}

/// Entries of `dir` that are directories (not symlinks); none when it is missing.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Makes what an older lpod created with 0755/0644 private (issue 12): the
/// persistent root, the run root and every runtime directory under them that holds
/// container data, state, sockets or locks, each container's own directories, the
/// OCI specs (which hold the environment) and the auth file. Returns what changed.
/// Files the container must read through bind mounts (hosts, resolv.conf) keep
/// their modes: their directories are what is private.
fn tighten_runtime_dirs(opts: &RuntimeOptions, runtime_name: &str) -> Result<Vec<PathBuf>> {
    let cfg = &opts.config;
    let tmp = opts.tmp_dir();
    let mut top: Vec<PathBuf> = persistent_root(cfg).into_iter().collect();
    top.extend([
        tmp.clone(),
        opts.static_dir(),
        opts.containers_dir(),
        opts.lock_dir(),
        opts.lock_dir().join("named"),
        opts.exit_dir(),
        opts.socket_dir(),
        opts.persist_dir(),
        opts.bundle_dir(),
        tmp.join("exec"),
        tmp.join("netns"),
        tmp.join(runtime_name),
        cfg.volume_path.clone(),
        cfg.cni_cache_dir.clone(),
        cfg.cni_cache_dir.join("results"),
        cfg.cni_cache_dir.join("networks"),
    ]);
    // The credentials lpod writes for `login`; one owned by someone else (a path
    // given with --authfile) is not ours to change.
    let auth = cfg
        .auth_file
        .clone()
        .unwrap_or_else(libpod_storage::registry::auth::default_auth_file);
    if std::fs::symlink_metadata(&auth).is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt as _;
        m.uid() == nix::unistd::geteuid().as_raw()
    }) {
        top.push(auth);
    }
    // This lpod creates all of these private: only a loose top level (an older lpod's
    // layout) is worth the walk over every container's directories, which would
    // otherwise cost each command a stat per container. Per-container paths go first,
    // so a crash half-way leaves the top level loose for the next open.
    if !top.iter().any(|p| libpod_storage::private::is_loose(p)) {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in [
        opts.containers_dir(),
        opts.persist_dir(),
        opts.bundle_dir(),
        tmp.join("exec"),
    ] {
        paths.extend(subdirs(&d));
    }
    for b in subdirs(&opts.bundle_dir()) {
        paths.push(b.join("config.json"));
    }
    paths.extend(top);
    libpod_storage::private::tighten_all(paths.iter().map(PathBuf::as_path))
        .map_err(|(path, e)| Error::io("make private", path, e))
}

/// Resolves the OCI runtime binary: the configured candidates, then the
/// default search list; missing → `MissingBinary` naming the Debian package.
fn find_runtime(opts: &RuntimeOptions) -> Result<(RuntimeKind, PathBuf)> {
    super::find::find_runtime_named(&opts.config, &opts.config.runtime)
}

fn find_conmon(opts: &RuntimeOptions) -> Result<PathBuf> {
    let mut candidates = opts.config.conmon_path.clone();
    candidates.extend(libpod_oci::find::default_conmon_paths());
    candidates
        .into_iter()
        .find(|p| super::find::is_executable(p))
        .ok_or(Error::MissingBinary {
            binary: "conmon".into(),
            package: "conmon",
        })
}

/// Per-boot leftovers of containers cleared on a new boot (the state's refresh
/// clears their rows' pids and mount state).
fn clear_boot_dirs(opts: &RuntimeOptions, runtime_name: &str) -> Vec<Error> {
    let tmp = opts.tmp_dir();
    let mut errs = Vec::new();
    for d in [
        opts.exit_dir(),
        opts.socket_dir(),
        opts.persist_dir(),
        opts.bundle_dir(),
        tmp.join("exec"),
        tmp.join(runtime_name),
        opts.config.run_root.clone(),
    ] {
        errs.extend(clear_dir(&d));
    }
    errs
}

impl Runtime {
    pub(crate) fn open(
        opts: RuntimeOptions,
        driver: Option<Arc<dyn OciRuntime>>,
    ) -> Result<Runtime> {
        let cfg = &opts.config;
        cfg.validate(Path::new("<builder>"))?;
        // An older lpod left these 0755/0644: private again before anything else
        // (reported below, once, with what storage and state tightened).
        // The runtime's state dir is named after its kind: a runtime given as a path
        // must never make that path (the binary) one of our directories.
        let state_name = RuntimeKind::from_path(Path::new(&cfg.runtime)).name();
        let mut tightened = tighten_runtime_dirs(&opts, state_name)?;
        for d in [
            cfg.static_dir.clone(),
            cfg.tmp_dir.clone(),
            opts.lock_dir(),
            opts.exit_dir(),
            opts.socket_dir(),
            opts.persist_dir(),
            opts.bundle_dir(),
            opts.containers_dir(),
        ] {
            mkdir(&d)?;
        }

        // OCI driver first: a missing binary is the clearest error to give.
        let mut template = None;
        // Versions are probed lazily by `info()`: no process spawns on open.
        let (oci, oci_component, conmon_component): (Arc<dyn OciRuntime>, Component, Component) =
            match driver {
                Some(d) => (
                    d,
                    Component {
                        name: "injected".into(),
                        ..Component::default()
                    },
                    Component::default(),
                ),
                None => {
                    let (kind, runtime_path) = find_runtime(&opts)?;
                    let conmon_path = find_conmon(&opts)?;
                    let rc = Component {
                        name: kind.name().to_string(),
                        path: runtime_path.display().to_string(),
                        ..Component::default()
                    };
                    let cc = Component {
                        name: "conmon".into(),
                        path: conmon_path.display().to_string(),
                        ..Component::default()
                    };
                    let cc_cfg = ConmonConfig {
                        runtime_kind: kind,
                        runtime_path,
                        conmon_path,
                        run_root: cfg.tmp_dir.clone(),
                        conmon_log_level: opts.log_level.clone(),
                        create_timeout: std::time::Duration::from_secs(120),
                        runtime_flags: opts.runtime_flags.clone(),
                    };
                    template = Some(cc_cfg.clone());
                    (Arc::new(ConmonRuntime::new(cc_cfg)?), rc, cc)
                }
            };

        let state: Box<dyn State> = match cfg.state_backend {
            StateBackend::Sqlite => {
                let st = SqliteState::open(cfg.state_db_path())?;
                tightened.extend(st.tightened().iter().cloned());
                Box::new(st)
            }
            StateBackend::InMemory => Box::new(InMemoryState::new()),
        };
        state
            .validate_db_config(&DbConfig::from_runtime_config(cfg))
            .map_err(|e| match e {
                libpod_state::StateError::DbConfigMismatch {
                    field,
                    recorded,
                    given,
                } => Error::DbConfigMismatch {
                    field,
                    stored: recorded,
                    ours: given,
                },
                other => Error::State(other),
            })?;
        let locks = LockManager::new(opts.lock_dir())?;

        // Refresh after a reboot: one process at a time, under the alive lock,
        // which stays held until the journal's recovery below is done.
        let mut refreshed = false;
        let alive_guard = {
            let alive = Alive::new(&cfg.tmp_dir);
            let guard = AliveLock::acquire(&alive.lock)?;
            let boot_id = read_boot_id(&opts.boot_id_path)?;
            if alive.needs_refresh(&boot_id)? {
                tracing::info!(boot_id = %boot_id, "new boot: refreshing state");
                let mut errs = crate::network::refresh(&opts, state.as_ref());
                errs.extend(clear_boot_dirs(&opts, &oci_component.name));
                for e in &errs {
                    tracing::warn!(error = %e, "refresh: clearing per-boot files");
                }
                state.refresh()?;
                alive.mark(&boot_id)?;
                refreshed = true;
            }
            guard
        };

        let driver_kind = match cfg.storage_driver.as_str() {
            "overlay" | "overlay2" => Some(DriverKind::Overlay),
            "vfs" => Some(DriverKind::Vfs),
            "" => None,
            other => {
                return Err(Error::InvalidArgument {
                    what: "storage driver (overlay|vfs)",
                    value: other.to_string(),
                })
            }
        };
        let store = Store::open_with(
            StoreOptions {
                graph_root: cfg.graph_root.clone(),
                run_root: cfg.run_root.clone(),
                driver: driver_kind,
            },
            &overlay_options(&cfg.storage_options)?,
        )?;
        tightened.extend(store.tightened().iter().cloned());
        if !tightened.is_empty() {
            tracing::warn!(
                "made {} private (other users could read them; an older lpod created them so): {}",
                if tightened.len() == 1 {
                    "a path"
                } else {
                    "paths"
                },
                tightened
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }

        let rt = Runtime::from_parts(Parts {
            opts,
            state,
            locks,
            store,
            oci,
            oci_component,
            conmon_component,
            other_oci: Default::default(),
            conmon_template: template,
        });
        // Operations whose process died (see `crate::journal`): finished or undone
        // before this runtime is handed out. Errors are logged; the entries stay
        // and the next open (or the next verb on the object) tries again.
        // Containers first; the pod entries it hands back are rolled forward by
        // the pod verbs.
        let errs = match rt.inner.parts() {
            Ok(p) => {
                let rec = crate::recovery::recover_all(&p);
                let mut errs = rec.errors;
                errs.extend(crate::pod::recover::recover_all(&rt, &p, &rec.pods));
                errs.extend(crate::volume::recover::recover_all(&p, &rec.volumes));
                errs
            }
            Err(e) => vec![e],
        };
        for e in errs {
            tracing::warn!(error = %e, "journal recovery");
        }
        if refreshed {
            use crate::events::{Event, EventStatus, EventType};
            rt.emit_event(Event::new(EventType::System, EventStatus::Refresh));
        }
        drop(alive_guard);
        Ok(rt)
    }
}

/// The overlay driver's options among the storage options: `overlay.mount_program=PATH`
/// (Podman's: always mount through PATH; empty: fuse-overlayfs where the kernel's
/// overlay cannot be used; `none`: never) and lpod's `overlay.native=false` (do not use
/// the kernel's overlayfs). Other options are left to whoever reads them.
pub(crate) fn overlay_options(
    options: &[String],
) -> Result<libpod_storage::driver::OverlayOptions> {
    use libpod_storage::driver::{MountProgram, OverlayOptions};
    let mut o = OverlayOptions::default();
    for opt in options {
        let Some((k, v)) = opt.split_once('=') else {
            continue;
        };
        match k.trim().trim_start_matches("overlay.") {
            "mount_program" => {
                o.mount_program = match v.trim() {
                    "" => MountProgram::Auto,
                    "none" => MountProgram::Never,
                    p => MountProgram::Always(std::path::PathBuf::from(p)),
                }
            }
            "native" => {
                o.native = match v.trim() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    other => {
                        return Err(Error::InvalidArgument {
                            what: "storage option overlay.native (true|false)",
                            value: other.to_string(),
                        })
                    }
                }
            }
            _ => {}
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_options_from_storage_options() {
        use libpod_storage::driver::MountProgram;
        let o = overlay_options(&[]).unwrap();
        assert!(o.native);
        assert_eq!(o.mount_program, MountProgram::Auto);
        let o = overlay_options(&[
            "overlay.native=false".into(),
            "overlay.mount_program=/usr/bin/fuse-overlayfs".into(),
            "overlay.mountopt=nodev".into(),
        ])
        .unwrap();
        assert!(!o.native);
        assert_eq!(
            o.mount_program,
            MountProgram::Always("/usr/bin/fuse-overlayfs".into())
        );
        let o = overlay_options(&["mount_program=none".into()]).unwrap();
        assert_eq!(o.mount_program, MountProgram::Never);
        let e = overlay_options(&["overlay.native=maybe".into()]).unwrap_err();
        assert!(e.to_string().contains("overlay.native"), "{e}");
    }

    #[test]
    fn persistent_root_is_the_shared_parent_of_storage_and_libpod() {
        let c = libpod_config::RuntimeConfig::with_roots("/tmp/x/root", "/tmp/x/run");
        assert_eq!(persistent_root(&c), Some(PathBuf::from("/tmp/x/root")));
        let d = libpod_config::RuntimeConfig::default();
        assert_eq!(persistent_root(&d), Some(PathBuf::from("/var/lib/lpod")));
        // Spread out, or at the top: no parent is ours to change.
        let mut e = c.clone();
        e.static_dir = "/srv/state/libpod".into();
        assert_eq!(persistent_root(&e), None);
        let mut f = c;
        f.graph_root = "/storage".into();
        f.static_dir = "/libpod".into();
        assert_eq!(persistent_root(&f), None);
    }

    #[test]
    fn loose_runtime_dirs_are_tightened_and_reported_once() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let opts = RuntimeOptions {
            config: libpod_config::RuntimeConfig::with_roots(
                d.path().join("root"),
                d.path().join("run"),
            ),
            ..RuntimeOptions::default()
        };
        let bundle = opts.bundle_dir().join("c1");
        std::fs::create_dir_all(&bundle).unwrap();
        std::fs::create_dir_all(&opts.config.graph_root).unwrap();
        std::fs::create_dir_all(&opts.config.static_dir).unwrap();
        std::fs::write(bundle.join("config.json"), b"{}").unwrap();
        let loose = [
            d.path().join("root"),
            d.path().join("run"),
            opts.bundle_dir(),
            bundle.clone(),
            opts.config.static_dir.clone(),
        ];
        for p in &loose {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(
            bundle.join("config.json"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let changed = tighten_runtime_dirs(&opts, "crun").unwrap();
        for p in loose.iter().chain([&bundle.join("config.json")]) {
            assert!(changed.contains(p), "{} not in {changed:?}", p.display());
            let m = std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(m & 0o077, 0, "{}", p.display());
        }
        assert!(tighten_runtime_dirs(&opts, "crun").unwrap().is_empty());
    }
}
