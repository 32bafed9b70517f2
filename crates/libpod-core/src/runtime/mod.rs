//! The `Runtime`: opened once from a [`RuntimeBuilder`], shared by cheap clones,
//! unusable after [`Runtime::shutdown`].

mod boot;
mod builder;
mod df;
pub(crate) mod find;
pub(crate) mod info;
mod networks;
mod open;
pub(crate) mod refresh;
mod volumes;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub use boot::BootOutcome;
pub use builder::{RuntimeBuilder, RuntimeOptions, StateBackend};
pub use df::{ContainerUsage, DiskUsage, ImageUsage, VolumeMountUsage, VolumeUsage};
pub use info::{
    apparmor_enabled, selinux_enabled, Component, ContainerCounts, Count, Distribution, HostInfo,
    Info, Plugins, SecurityInfo, Slirp4Netns, StoreInfo, BUILDAH_VERSION,
};

use libpod_config::{ContainerConfig, ContainerState, ContainerStatus};
use libpod_storage::Store;

use crate::container::{Container, ContainerSummary, CreateOptions};
use crate::context::{Inner, Parts};
use crate::{Error, Result};

/// The lpod runtime. Cloning is cheap; every clone shares the same components.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("valid", &self.is_valid())
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A builder with the default options.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub(crate) fn from_parts(parts: Parts) -> Runtime {
        Runtime {
            inner: Arc::new(Inner {
                parts: RwLock::new(Some(Arc::new(parts))),
            }),
        }
    }

    /// A copy of the options the runtime was built with.
    pub fn config(&self) -> Result<RuntimeOptions> {
        Ok(self.inner.parts()?.opts.clone())
    }

    /// True until `shutdown`.
    pub fn is_valid(&self) -> bool {
        self.inner.parts().is_ok()
    }

    /// The image and layer store (images, load, save, tag, ...). Removing an image
    /// that a container uses should go through [`Runtime::remove_image`].
    pub fn store(&self) -> Result<Store> {
        Ok(self.inner.parts()?.store.clone())
    }

    /// Shuts the runtime down: with `force`, stops running containers first;
    /// releases the store and closes the state. Later calls return `RuntimeStopped`.
    #[tracing::instrument(skip(self))]
    pub fn shutdown(&self, force: bool) -> Result<()> {
        let mut errs = Vec::new();
        if force {
            match self.containers() {
                Ok(ctrs) => {
                    for c in ctrs {
                        if let Err(e) = c.stop(None) {
                            if !matches!(e, Error::NoSuchContainer(_)) {
                                errs.push(e);
                            }
                        }
                    }
                }
                Err(e) => errs.push(e),
            }
        }
        let parts = self
            .inner
            .parts
            .write()
            .map_err(|_| Error::RuntimeStopped)?
            .take()
            .ok_or(Error::RuntimeStopped)?;
        if let Err(e) = parts.state.close() {
            errs.push(e.into());
        }
        drop(parts);
        Error::join(errs)
    }

    /// Host and store facts.
    #[tracing::instrument(skip(self))]
    pub fn info(&self) -> Result<Info> {
        let p = self.inner.parts()?;
        let probe = |c: &Component| {
            if c.path.is_empty() {
                c.clone()
            } else {
                info::component(&c.name, std::path::Path::new(&c.path))
            }
        };
        let mut host = info::host_info(
            probe(&p.oci_component),
            probe(&p.conmon_component),
            "cgroupfs",
            p.opts.config.seccomp_profile.as_deref(),
        );
        host.event_logger = p.opts.config.events_logger.as_str().into();
        let images = p.store.list_images()?.len();
        let mut counts = ContainerCounts::default();
        for (_, st) in self.synced_rows(&p)? {
            let st = st.1;
            counts.number += 1;
            match st.status {
                ContainerStatus::Running | ContainerStatus::Stopping => counts.running += 1,
                ContainerStatus::Paused => counts.paused += 1,
                _ => counts.stopped += 1,
            }
            *counts
                .by_status
                .entry(st.status.as_str().to_string())
                .or_default() += 1;
        }
        let c = &p.opts.config;
        let (mut graph_options, mut graph_status, graph_root_allocated, graph_root_used) =
            info::store_details(
                p.store.graph_root(),
                p.store.driver().as_str(),
                &c.storage_options,
            );
        if let Some(prog) = p.store.mount_program() {
            // Podman shows the FUSE program among the graph options too.
            graph_options.insert("overlay.mount_program".into(), prog.display().to_string());
            graph_status.insert("Native Overlay Diff".into(), "false".into());
        }
        Ok(Info {
            host,
            store: StoreInfo {
                graph_root: p.store.graph_root().display().to_string(),
                run_root: p.store.run_root().display().to_string(),
                graph_driver_name: p.store.driver().as_str().to_string(),
                image_store: Count { number: images },
                container_store: counts,
                config_file: String::new(),
                graph_options,
                graph_status,
                graph_root_allocated,
                graph_root_used,
                image_copy_tmp_dir: p.store.graph_root().join("tmp").display().to_string(),
                volume_path: c.volume_path.display().to_string(),
            },
            plugins: info::Plugins {
                authorization: None,
                log: vec!["k8s-file".into(), "none".into()],
                network: vec!["bridge".into()],
                volume: vec!["local".into()],
            },
        })
    }

    /// Creates a container (status Configured) from an image in the local store.
    #[tracing::instrument(skip(self, opts), fields(image = %opts.image))]
    pub fn create_container(&self, opts: CreateOptions) -> Result<Container> {
        let p = self.inner.parts()?;
        let id = crate::container::create::create(&p, opts)?;
        crate::events::container_by_id(&p, &id, crate::events::EventStatus::Create, None);
        Ok(Container {
            id,
            rt: self.inner.clone(),
        })
    }

    /// Looks a container up by full id, unique id prefix or name.
    pub fn container(&self, name_or_id: &str) -> Result<Container> {
        let p = self.inner.parts()?;
        let id = p
            .state
            .lookup_container(name_or_id)
            .map_err(|e| crate::context::lookup_err(e, name_or_id))?;
        Ok(Container {
            id,
            rt: self.inner.clone(),
        })
    }

    /// Every container, oldest first.
    pub fn containers(&self) -> Result<Vec<Container>> {
        let p = self.inner.parts()?;
        Ok(p.state
            .all_containers()?
            .into_iter()
            .map(|(c, _)| Container {
                id: c.id,
                rt: self.inner.clone(),
            })
            .collect())
    }

    /// Every row with the status as conmon's exit files tell it (without locking
    /// or saving: a read for display).
    fn synced_rows(&self, p: &Parts) -> Result<Vec<(String, (ContainerConfig, ContainerState))>> {
        let rows = p.state.all_containers()?;
        Ok(rows
            .into_iter()
            .map(|(cfg, mut st)| {
                crate::ops::sync::peek_exit(p, &cfg.id, &mut st);
                (cfg.id.clone(), (cfg, st))
            })
            .collect())
    }

    /// One summary per container (what `ps -a` prints), read in one pass.
    #[tracing::instrument(skip(self))]
    pub fn list_containers(&self) -> Result<Vec<ContainerSummary>> {
        let p = self.inner.parts()?;
        Ok(self
            .synced_rows(&p)?
            .into_iter()
            .map(|(_, (cfg, st))| ContainerSummary::from_rows(&cfg, &st))
            .collect())
    }

    /// What conmon's exit command runs: [`Container::cleanup`] (records the exit,
    /// tears down, removes `--rm` containers, applies the restart policy, waiting
    /// out its backoff in this process). Idempotent; a container already removed
    /// is a success, and so is one that runs again (the exit command of an
    /// earlier run, late: a user or the policy started it meanwhile).
    pub fn cleanup_container(&self, name_or_id: &str) -> Result<()> {
        match self.container(name_or_id) {
            Ok(c) => match c.cleanup() {
                Err(Error::NoSuchContainer(_)) => Ok(()),
                Err(Error::InvalidState { status, .. })
                    if matches!(status.as_str(), "running" | "paused") =>
                {
                    tracing::debug!(status, "cleanup: the container runs again");
                    Ok(())
                }
                r => r,
            },
            Err(Error::NoSuchContainer(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The exit code of a container, waiting for it to exit; also works after the
    /// container was removed (by full id). A container that is not running (never
    /// started) answers at once, as Podman's `wait` (see [`Container::wait_stopped`]).
    pub fn wait_container(&self, name_or_id: &str) -> Result<i32> {
        match self.container(name_or_id) {
            Ok(c) => c.wait_stopped(),
            Err(Error::NoSuchContainer(q)) => {
                let p = self.inner.parts()?;
                p.state
                    .exit_code(name_or_id)
                    .map_err(|_| Error::NoSuchContainer(q))
            }
            Err(e) => Err(e),
        }
    }

    /// `system reset`: force-removes every container and image. The runtime stays
    /// usable (empty).
    pub fn reset(&self) -> Result<()> {
        self.reset_with(|_| {})
    }

    /// [`reset`](Self::reset), calling `on_container(total)` after each container
    /// that is not a pod's is removed (or failed to be), `total` being how many there
    /// are: a progress bar's step.
    #[tracing::instrument(skip(self, on_container))]
    pub fn reset_with(&self, mut on_container: impl FnMut(usize)) -> Result<()> {
        let mut errs = Vec::new();
        // Pods first (their members and infra containers with them).
        for pod in self.pods()? {
            if let Err(e) = pod.remove(true) {
                errs.push(e);
            }
        }
        let containers = self.containers()?;
        for c in &containers {
            match c.remove(true) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(e) => errs.push(e),
            }
            on_container(containers.len());
        }
        let p = self.inner.parts()?;
        for img in p.store.list_images()? {
            if let Err(e) = p.store.remove_image(&img.id, true) {
                errs.push(e.into());
            }
        }
        if let Err(e) = p.store.gc() {
            errs.push(e.into());
        }
        Error::join(errs)
    }

    /// Label counts by status, for callers that only need numbers.
    pub fn count_by_status(&self) -> Result<BTreeMap<ContainerStatus, usize>> {
        let p = self.inner.parts()?;
        let mut m = BTreeMap::new();
        for (_, (_, st)) in self.synced_rows(&p)? {
            *m.entry(st.status).or_default() += 1;
        }
        Ok(m)
    }
}
