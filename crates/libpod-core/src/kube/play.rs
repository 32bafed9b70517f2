//! `play kube` and `play kube --down` on a runtime.

use std::collections::BTreeMap;

use super::error::KubeError;
use super::model::KubeDocument;
use super::plan::{plan, HostPathPrep, HostPathType, PodPlan};
use crate::container::NetworkMode;
use crate::image::{Progress, PullOptions};
use crate::pod::Pod;
use crate::{Error, PodError, Result, Runtime};

/// How `play kube` plays a file.
#[derive(Debug, Clone)]
pub struct PlayOptions {
    /// Start the pods (Podman's `--start`, on by default).
    pub start: bool,
    /// Tear down the pods the file names first (`--replace`); without it an existing
    /// pod of the same name is [`KubeError::PodExists`].
    pub replace: bool,
    /// The pods' network mode and networks (`--network`); a pod with
    /// `spec.hostNetwork` uses the host's all the same.
    pub network: NetworkMode,
    /// Networks to join in bridge mode (empty: the default network).
    pub networks: Vec<String>,
    /// The infra image (lpod's pause image when `None`).
    pub infra_image: Option<String>,
    /// Registry access for the images pulled.
    pub pull: PullOptions,
    /// Annotations for every container made (`--annotation`), over the file's.
    pub annotations: BTreeMap<String, String>,
}

impl Default for PlayOptions {
    fn default() -> Self {
        PlayOptions {
            start: true,
            replace: false,
            network: NetworkMode::Bridge,
            networks: Vec::new(),
            infra_image: None,
            pull: PullOptions::default(),
            annotations: BTreeMap::new(),
        }
    }
}

/// One pod `play kube` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayedPod {
    /// Pod id.
    pub id: String,
    /// Pod name.
    pub name: String,
    /// Its containers' ids (the infra container not among them), in the file's order.
    pub containers: Vec<String>,
    /// Why containers did not start (the pod and its containers stay).
    pub start_errors: Vec<String>,
}

/// What `play kube` made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlayReport {
    /// Volumes of the PersistentVolumeClaims.
    pub volumes: Vec<String>,
    /// The pods.
    pub pods: Vec<PlayedPod>,
}

/// What `play kube --down` did.
#[derive(Debug, Default)]
pub struct DownReport {
    /// Ids of the pods stopped.
    pub stopped: Vec<String>,
    /// Ids of the pods removed (with their containers).
    pub removed: Vec<String>,
    /// Stop and remove failures (the others went on).
    pub errors: Vec<Error>,
}

fn is_no_such_pod(e: &Error) -> bool {
    matches!(e, Error::Pod(p) if matches!(**p, PodError::NoSuchPod(_)))
}

impl Runtime {
    /// Plays `docs`: volumes for the PersistentVolumeClaims, then one pod per Pod (and
    /// per Deployment replica) with its containers, started unless `opts.start` is
    /// false. Everything is checked first; if a pod or container cannot be created,
    /// the pods made so far are removed again.
    #[tracing::instrument(skip_all, fields(documents = docs.len()))]
    pub fn play_kube(
        &self,
        docs: &[KubeDocument],
        opts: &PlayOptions,
        progress: Progress<'_>,
    ) -> Result<PlayReport> {
        if let Some((_, v)) = super::over_limit(opts.annotations.iter()) {
            return Err(KubeError::AnnotationTooLong {
                value: v.clone(),
                max: super::MAX_ANNOTATION,
            }
            .into());
        }
        let plans = plan(docs)?;
        if opts.replace {
            let down = self.play_kube_down(docs, true)?;
            if let Some(e) = down.errors.into_iter().next() {
                return Err(e);
            }
        } else {
            for p in &plans {
                let name = p.pod.name.clone().unwrap_or_default();
                match self.pod(&name) {
                    // A lookup may match an id prefix: only the same name clashes.
                    Ok(p) if p.name()? == name => return Err(KubeError::PodExists { name }.into()),
                    Ok(_) => {}
                    Err(e) if is_no_such_pod(&e) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let mut report = PlayReport::default();
        for d in docs {
            if let KubeDocument::PersistentVolumeClaim(c) = d {
                let name = c.metadata.required_name("persistent volume claim")?;
                // An existing volume of that name is used as it is.
                let v = self.create_volume(crate::VolumeCreateOptions {
                    name: Some(name),
                    labels: c.metadata.labels.clone(),
                    ignore_existing: true,
                    ..Default::default()
                })?;
                report.volumes.push(v.name);
            }
        }
        let mut made: Vec<Pod> = Vec::new();
        for p in plans {
            match self.play_pod(p, opts, progress, &mut made) {
                Ok(played) => report.pods.push(played),
                Err(e) => {
                    for pod in made.iter().rev() {
                        if let Err(e2) = pod.remove(true) {
                            tracing::warn!(pod = %pod.id(), error = %e2, "removing a pod play kube made");
                        }
                    }
                    return Err(e);
                }
            }
        }
        if opts.start {
            for (pod, played) in made.iter().zip(report.pods.iter_mut()) {
                match pod.start() {
                    Ok(()) => {}
                    Err(Error::Multiple(errs)) => {
                        played
                            .start_errors
                            .extend(errs.iter().map(|e| e.to_string()));
                    }
                    Err(e) => played.start_errors.push(e.to_string()),
                }
            }
        }
        Ok(report)
    }

    /// One pod of [`Runtime::play_kube`]: its images and host paths first, then the pod
    /// (pushed on `made` at once) and its containers.
    fn play_pod(
        &self,
        plan: PodPlan,
        opts: &PlayOptions,
        progress: Progress<'_>,
        made: &mut Vec<Pod>,
    ) -> Result<PlayedPod> {
        let mut images = Vec::new();
        for c in &plan.containers {
            let image = self
                .ensure_image(&c.create.image, c.pull_policy, &opts.pull, progress)
                .map_err(|source| KubeError::Image {
                    container: c.create.name.clone().unwrap_or_default(),
                    image: c.create.image.clone(),
                    source: Box::new(source),
                })?;
            images.push(image);
        }
        for h in &plan.host_paths {
            prepare_host_path(h)?;
        }
        let mut popts = plan.pod;
        if plan.host_network {
            popts.network = NetworkMode::Host;
            popts.networks.clear();
        } else {
            popts.network = opts.network.clone();
            popts.networks = opts.networks.clone();
        }
        popts.infra_image = opts.infra_image.clone();
        let name = popts.name.clone().unwrap_or_default();
        let pod = self.create_pod(popts)?;
        made.push(pod.clone());
        let p = self.inner.parts()?;
        let mut containers = Vec::new();
        for (c, image) in plan.containers.into_iter().zip(images) {
            let mut create = c.create;
            create.image = image;
            create.pod = Some(pod.id().to_string());
            let mut annotations: BTreeMap<String, String> = c.annotations;
            annotations.extend(opts.annotations.clone());
            let id = crate::container::create::create_with(&p, create, &|cfg| {
                cfg.annotations.extend(annotations.clone());
                Ok(())
            })?;
            crate::events::container_by_id(&p, &id, crate::events::EventStatus::Create, None);
            containers.push(id);
        }
        Ok(PlayedPod {
            id: pod.id().to_string(),
            name,
            containers,
            start_errors: Vec::new(),
        })
    }

    /// Stops and removes (with their containers) the pods `docs` name. A pod that does
    /// not exist is an error unless `ignore_missing`; nothing is done then.
    #[tracing::instrument(skip_all, fields(documents = docs.len()))]
    pub fn play_kube_down(
        &self,
        docs: &[KubeDocument],
        ignore_missing: bool,
    ) -> Result<DownReport> {
        let mut pods = Vec::new();
        for name in super::pod_names(docs)? {
            match self.pod(&name) {
                Ok(p) if p.name()? == name => pods.push(p),
                Ok(_) if ignore_missing => {}
                Ok(_) => return Err(PodError::NoSuchPod(name).into()),
                Err(e) if ignore_missing && is_no_such_pod(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let mut report = DownReport::default();
        for p in &pods {
            match p.stop(None) {
                Ok(()) => report.stopped.push(p.id().to_string()),
                Err(e) => report.errors.push(e),
            }
        }
        for p in &pods {
            match p.remove(true) {
                Ok(()) => report.removed.push(p.id().to_string()),
                Err(e) => report.errors.push(e),
            }
        }
        Ok(report)
    }
}

/// Checks a hostPath against its type, creating it for the `...OrCreate` types
/// (Podman's rules).
fn prepare_host_path(h: &HostPathPrep) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let bad = |why: &str| -> Error {
        KubeError::HostPath {
            path: h.path.clone(),
            why: why.to_string(),
        }
        .into()
    };
    let io = |source: std::io::Error| -> Error {
        KubeError::HostPathIo {
            path: h.path.clone(),
            source,
        }
        .into()
    };
    match h.kind {
        HostPathType::DirectoryOrCreate => {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(&h.path)
                .map_err(io)?;
        }
        HostPathType::FileOrCreate if !h.path.exists() => {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&h.path)
                .map_err(io)?;
        }
        _ => {}
    }
    let meta = std::fs::metadata(&h.path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => bad("no such file or directory"),
        _ => io(e),
    })?;
    match h.kind {
        HostPathType::Directory | HostPathType::DirectoryOrCreate if !meta.is_dir() => {
            Err(bad("not a directory"))
        }
        HostPathType::File | HostPathType::FileOrCreate if !meta.is_file() => {
            Err(bad("not a file"))
        }
        HostPathType::Socket if !meta.file_type().is_socket() => Err(bad("not a socket")),
        _ => Ok(()),
    }
}
