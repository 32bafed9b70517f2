//! The one error type of libpod-core. Lower layers' errors are wrapped, never the
//! other way round: errors flow down-to-up only.

use std::path::PathBuf;

/// Everything a `Runtime` or `Container` call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The events log (`crate::events`).
    #[error(transparent)]
    Events(#[from] crate::events::error::EventsError),
    /// A healthcheck (`crate::container::HealthcheckError`).
    #[error(transparent)]
    Health(#[from] crate::container::health_opts::HealthcheckError),
    /// A Containerfile lpod cannot build (`crate::build`).
    #[error(transparent)]
    Build(#[from] crate::build::error::BuildError),
    /// The runtime was shut down; no call may use it any more.
    #[error("runtime is stopped")]
    RuntimeStopped,
    /// An option was changed after the runtime was finalized (built).
    #[error("runtime is finalized: option {0} can no longer be changed")]
    RuntimeFinalized(&'static str),
    /// A feature that is not written yet.
    #[error("not implemented yet: {0}")]
    NotImplemented(&'static str),
    /// No container matches this id, id prefix or name (Podman's wording).
    #[error("no container with name or ID {0:?} found: no such container")]
    NoSuchContainer(String),
    /// More than one container matches this id prefix.
    #[error("more than one container matches {0}: use more characters of the id")]
    AmbiguousContainer(String),
    /// The container name is in use.
    #[error("the container name \"{0}\" is already in use by another container or pod. You have to remove that container to be able to reuse that name: that name is already in use")]
    NameInUse(String),
    /// No image matches this reference in the local store.
    #[error("image {0} not known (load it first)")]
    NoSuchImage(String),
    /// The image is used by containers.
    #[error("image {image} is in use by container(s) {}: remove them first or force", .containers.join(", "))]
    ImageInUse {
        /// The image reference.
        image: String,
        /// The containers using it.
        containers: Vec<String>,
    },
    /// Other containers depend on the container (they join its namespaces): it cannot be
    /// removed before them (Podman's words; `rm --depend` removes them first).
    #[error("container {id} has dependent containers which must be removed before it: {}: container already exists", .dependents.join(","))]
    HasDependents {
        /// Container id.
        id: String,
        /// The ids of the containers that depend on it.
        dependents: Vec<String>,
    },
    /// The operation is not allowed in the container's current status (the
    /// transition table of libpod-config refused it).
    #[error("container {id} is {status}: cannot {op}")]
    InvalidState {
        /// Container id.
        id: String,
        /// Its current status.
        status: String,
        /// The refused operation.
        op: String,
    },
    /// A binary the runtime needs is missing.
    #[error("{binary} not found (install the Debian package {package})")]
    MissingBinary {
        /// The binary's name or path.
        binary: String,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// Two different mounts on one container path (Podman's wording).
    #[error("{}: duplicate mount destination", .0.display())]
    DuplicateMountDestination(std::path::PathBuf),
    /// `--ipc=container:NAME` of a container whose IPC namespace is private
    /// (`--ipc=private` or `none`), in Podman's words.
    #[error("joining the IPC namespace of container {0} is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)")]
    IpcNotShareable(String),
    /// An invalid argument or option value.
    #[error("invalid {what}: {value}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// The refused value.
        value: String,
    },
    /// The runtime's database was created with other paths or drivers.
    #[error(
        "database configuration mismatch for {field}: database has {stored}, runtime uses {ours}"
    )]
    DbConfigMismatch {
        /// Which setting differs.
        field: &'static str,
        /// The value recorded in the database.
        stored: String,
        /// The value of this runtime.
        ours: String,
    },
    /// The command to run in the container (exec/run) was not found: exit code 127.
    #[error("{0}: executable file not found")]
    CommandNotFound(String),
    /// Something an unprivileged (rootless) user cannot have on this host; nothing was
    /// created.
    #[error("rootless: {what}: {why}")]
    RootlessUnsupported {
        /// What was asked for.
        what: String,
        /// Why it cannot be, and what to use instead.
        why: String,
    },
    /// `--userns=auto` found no free range of ids of the size asked for.
    #[error("--userns=auto: no free range of {size} ids ({free} of the {total} ids {pool} are free; remove containers with their own user namespace or ask for fewer with auto:size=N)")]
    NoFreeIdRange {
        /// Ids asked for.
        size: u32,
        /// Ids not taken by other containers.
        free: u64,
        /// Ids in the pool.
        total: u64,
        /// Where the pool comes from.
        pool: &'static str,
    },
    /// Bad input, worded as Podman words it (its system tests match the text).
    #[error("{0}")]
    Rejected(String),
    /// A working directory given by the user is missing from the container's
    /// root filesystem and is no mount destination.
    #[error("workdir {workdir:?} does not exist on container {id}")]
    WorkdirMissing {
        /// The directory.
        workdir: String,
        /// Container id.
        id: String,
    },
    /// The user typed the detach keys: the container keeps running unattached.
    #[error("detached from container {0}")]
    Detached(String),
    /// `logs` of a container whose log driver keeps no readable log.
    #[error("{0}")]
    NoLogs(String),
    /// The command exists but cannot be invoked: exit code 126.
    #[error("{0}: permission denied or not executable")]
    CommandNotInvokable(String),
    /// Waiting timed out.
    #[error("timed out after {seconds}s waiting for container {id}")]
    Timeout {
        /// Container id.
        id: String,
        /// The timeout.
        seconds: u64,
    },
    /// A file system operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What we were doing.
        op: &'static str,
        /// The path it was about.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `cp` (`crate::container::copy_error::CopyError`).
    #[error(transparent)]
    Copy(#[from] crate::container::copy_error::CopyError),
    /// The state database failed.
    #[error("state: {0}")]
    State(#[from] libpod_state::StateError),
    /// A container lock failed.
    #[error("lock: {0}")]
    Lock(#[from] libpod_state::LockError),
    /// The image/layer store failed.
    #[error("storage: {0}")]
    Storage(#[from] libpod_storage::StoreError),
    /// The OCI runtime or conmon failed.
    #[error("oci runtime: {0}")]
    Oci(#[from] libpod_oci::OciError),
    /// Spec generation failed.
    #[error("oci spec: {0}")]
    Spec(#[from] libpod_oci::SpecError),
    /// Reading a container log failed.
    #[error("logs: {0}")]
    Log(#[from] libpod_oci::LogError),
    /// The runtime configuration is invalid.
    #[error("config: {0}")]
    Config(#[from] libpod_config::ConfigError),
    /// An id or name is invalid.
    #[error(transparent)]
    Id(#[from] libpod_config::IdError),
    /// Container networking or a network verb failed (see `network.rs`).
    #[error(transparent)]
    Network(Box<NetworkError>),
    /// A pod verb failed (see `pod/`).
    #[error(transparent)]
    Pod(Box<PodError>),
    /// A volume error.
    #[error(transparent)]
    Volume(Box<VolumeError>),
    /// A Kubernetes YAML file that cannot be played (`crate::kube`).
    #[error(transparent)]
    Kube(Box<crate::kube::KubeError>),
    /// An unknown capability name, or one both added and dropped.
    #[error(transparent)]
    Capability(#[from] libpod_oci::CapabilityError),
    /// A seccomp profile that cannot be read or is malformed.
    #[error(transparent)]
    Seccomp(#[from] libpod_oci::SeccompError),
    /// A device that does not exist or is no device node.
    #[error(transparent)]
    Device(#[from] libpod_oci::DeviceError),
    /// Several errors from a teardown that kept going.
    #[error("{} errors: {}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Multiple(Vec<Error>),
    /// Reading a container's resource usage (`crate::stats`).
    #[error(transparent)]
    Stats(Box<crate::stats::error::StatsError>),
}

impl Error {
    /// The exit code Podman uses for this error: 127 command not found, 126 not
    /// invokable, 125 for every other lpod error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::CommandNotFound(_) => 127,
            Error::CommandNotInvokable(_) => 126,
            _ => 125,
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// Joins teardown errors: none → Ok, one → that error, more → `Multiple`.
    pub(crate) fn join(mut errs: Vec<Error>) -> Result<()> {
        match errs.len() {
            0 => Ok(()),
            1 => Err(errs.remove(0)),
            _ => Err(Error::Multiple(errs)),
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of container networking and of the network verbs (`crate::network`).
/// Defined here, beside [`Error`], so that the error module depends on no verb.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// CNI setup of a container failed (everything set up was torn down again).
    #[error("network setup of container {id}: {source}")]
    Setup {
        /// Container id.
        id: String,
        /// The setup error.
        #[source]
        source: Box<libpod_net::SetupError>,
    },
    /// CNI teardown of a container failed (it kept going; every error is listed).
    #[error("network teardown of container {id}: {source}")]
    Teardown {
        /// Container id.
        id: String,
        /// Every error.
        #[source]
        source: Box<libpod_net::TeardownError>,
    },
    /// Creating or destroying a network namespace failed.
    #[error("network namespace of container {id}: {source}")]
    Netns {
        /// Container id.
        id: String,
        /// The netns error.
        #[source]
        source: libpod_net::NetnsError,
    },
    /// The slirp4netns of a `--network slirp4netns` container could not be started
    /// or did not come up.
    #[error("slirp4netns for container {id}: {reason}")]
    Slirp4netns {
        /// Container id.
        id: String,
        /// What went wrong.
        reason: String,
    },
    /// The pasta of a `--network pasta` container could not be started or did not
    /// come up.
    #[error("pasta for container {id}: {reason}")]
    Pasta {
        /// Container id.
        id: String,
        /// What went wrong.
        reason: String,
    },
    /// A network config operation failed.
    #[error("network {name}: {source}")]
    Store {
        /// Network name.
        name: String,
        /// The store error.
        #[source]
        source: Box<libpod_net::StoreError>,
    },
    /// Repairing a leftover of the network layer (`system check --repair`) failed.
    #[error("network repair of {problem}: {source}")]
    Repair {
        /// The leftover, as libpod-net describes it.
        problem: String,
        /// Why it failed.
        #[source]
        source: libpod_net::check::RepairError,
    },
    /// The default network cannot be removed.
    #[error("default network {0} cannot be removed")]
    DefaultNetwork(String),
    /// No such network.
    #[error("no such network: {0}")]
    NoSuchNetwork(String),
    /// A network of that name exists already.
    #[error("network name {0} already used: network already exists")]
    NameInUse(String),
    /// The network is used by containers.
    #[error("network {network} is in use by container(s) {}: remove them first or force", .containers.join(", "))]
    InUse {
        /// The network.
        network: String,
        /// The containers attached to it.
        containers: Vec<String>,
    },
    /// `network connect` of a network the container is on already.
    #[error(
        "container {id} is already connected to network {network:?}: network is already connected"
    )]
    AlreadyConnected {
        /// Container id.
        id: String,
        /// The network.
        network: String,
    },
    /// `network disconnect` of a network the container is not on.
    #[error("container {id} is not connected to network {network}")]
    NotConnected {
        /// Container id.
        id: String,
        /// The network.
        network: String,
    },
    /// Connecting or disconnecting networks needs bridge networking.
    #[error("container {id}: network mode {mode:?} is not supported: only bridge networking has networks to connect")]
    NotBridge {
        /// Container id.
        id: String,
        /// Its network mode.
        mode: String,
    },
    /// A container of a pod needs the pod's infra container running.
    #[error(
        "container {id}: the infra container {infra} of its pod is not running (start the pod)"
    )]
    InfraNotRunning {
        /// The member container.
        id: String,
        /// The infra container.
        infra: String,
    },
}

impl From<NetworkError> for Error {
    fn from(e: NetworkError) -> Self {
        Error::Network(Box::new(e))
    }
}

/// Errors of the pod verbs (`crate::pod`).
#[derive(Debug, thiserror::Error)]
pub enum PodError {
    /// No pod matches this id, id prefix or name.
    #[error("no such pod: {0}")]
    NoSuchPod(String),
    /// More than one pod matches this id prefix.
    #[error("more than one pod matches {0}: use more characters of the id")]
    AmbiguousPod(String),
    /// The name is used by a pod or container.
    #[error("pod name {0} is already in use")]
    NameInUse(String),
    /// The pod still has containers (remove them or force).
    #[error("pod {pod} has containers {}: remove them first or force", .containers.join(", "))]
    HasContainers {
        /// Pod id.
        pod: String,
        /// Its containers.
        containers: Vec<String>,
    },
    /// The pod has running containers and removal was not forced.
    #[error("pod {pod} has running containers {}: stop them first or force", .containers.join(", "))]
    Running {
        /// Pod id.
        pod: String,
        /// The running containers.
        containers: Vec<String>,
    },
    /// The infra container goes only with its pod.
    #[error("container {id} is the infra container of pod {pod} and cannot be removed without removing the pod")]
    InfraRemoval {
        /// The infra container.
        id: String,
        /// Its pod.
        pod: String,
    },
    /// A container option conflicts with the pod it joins.
    #[error("container in pod {pod}: {what}")]
    Conflict {
        /// Pod id.
        pod: String,
        /// What conflicts.
        what: &'static str,
    },
    /// The infra container could not be created.
    #[error("creating the infra container of pod {pod}: {source}")]
    Infra {
        /// Pod name.
        pod: String,
        /// Why.
        #[source]
        source: Box<Error>,
    },
}

impl From<crate::kube::KubeError> for Error {
    fn from(e: crate::kube::KubeError) -> Self {
        Error::Kube(Box::new(e))
    }
}

impl From<PodError> for Error {
    fn from(e: PodError) -> Self {
        Error::Pod(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_podman() {
        assert_eq!(Error::CommandNotFound("x".into()).exit_code(), 127);
        assert_eq!(Error::CommandNotInvokable("x".into()).exit_code(), 126);
        assert_eq!(Error::RuntimeStopped.exit_code(), 125);
    }

    #[test]
    fn join_keeps_every_error() {
        assert!(Error::join(vec![]).is_ok());
        let e = Error::join(vec![Error::RuntimeStopped, Error::NotImplemented("x")]).unwrap_err();
        assert!(matches!(e, Error::Multiple(ref v) if v.len() == 2));
    }
}

/// Errors about volumes.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// No volume of this name.
    #[error("no volume with name {0:?} found: no such volume")]
    NoSuch(String),
    /// The name is taken.
    #[error("volume with name {0} already exists: volume already exists")]
    Exists(String),
    /// Containers use the volume.
    #[error("volume {name} is being used by the following container(s): {}: volume is being used", .containers.join(", "))]
    InUse {
        /// The volume.
        name: String,
        /// The ids of the containers that use it.
        containers: Vec<String>,
    },
    /// A driver other than `local`.
    #[error("volume driver {0:?} is not supported (only \"local\")")]
    Driver(String),
    /// A bad `--opt`.
    #[error(transparent)]
    Options(#[from] libpod_config::VolumeOptionError),
    /// Mounting or unmounting the volume's own filesystem failed.
    #[error("{op} volume {name} ({what}): {source}")]
    Mount {
        /// mount or unmount.
        op: &'static str,
        /// The volume.
        name: String,
        /// What was mounted (type and device).
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A bind volume's `device=` directory cannot be used (Podman's wording).
    #[error("invalid volume option device for driver 'local': stat {device}: {reason}")]
    Device {
        /// The `device=` path.
        device: String,
        /// Why (`no such file or directory`).
        reason: String,
    },
    /// A volume with a filesystem of its own (`--opt type=`) that is not mounted now
    /// cannot be exported or imported (as Podman).
    #[error("volume {name} is using a filesystem of its own ({ty}) that is not mounted on {mountpoint}: mount it first (volume mount)")]
    NotMounted {
        /// The volume.
        name: String,
        /// Its `type=`.
        ty: String,
        /// Its mountpoint.
        mountpoint: std::path::PathBuf,
    },
    /// `volume unmount` of a volume that `volume mount` did not mount.
    #[error("volume {0} is not mounted by volume mount")]
    NotHostMounted(String),
    /// Reading or writing a volume's data as a tar archive failed.
    #[error("{what} volume {name}: {source}")]
    Archive {
        /// export or import.
        what: &'static str,
        /// The volume.
        name: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Copying an image directory's content into a new volume failed.
    #[error("copying {from} up into volume {name}: {source}")]
    CopyUp {
        /// The volume.
        name: String,
        /// The image directory.
        from: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl From<VolumeError> for Error {
    fn from(e: VolumeError) -> Self {
        Error::Volume(Box::new(e))
    }
}
