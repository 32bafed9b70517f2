//! The `State` trait: what the runtime stores, whatever the backend.

use std::path::PathBuf;
use std::time::SystemTime;

use libpod_config::{
    ContainerConfig, ContainerState, PodConfig, PodState, RuntimeConfig, VolumeConfig, VolumeState,
};

use crate::error::{Result, StateError};
use crate::journal::{JournalEntry, JournalKind};

/// The paths and driver a database was created with. The first runtime to
/// open a database records them; a later runtime with other values is refused
/// (it would look for containers' files in the wrong places).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbConfig {
    /// `RuntimeConfig::static_dir`.
    pub static_dir: PathBuf,
    /// `RuntimeConfig::tmp_dir`.
    pub tmp_dir: PathBuf,
    /// `RuntimeConfig::graph_root`.
    pub graph_root: PathBuf,
    /// `RuntimeConfig::run_root`.
    pub run_root: PathBuf,
    /// `RuntimeConfig::storage_driver`.
    pub graph_driver: String,
}

impl DbConfig {
    /// The values of a runtime configuration.
    pub fn from_runtime_config(cfg: &RuntimeConfig) -> Self {
        DbConfig {
            static_dir: cfg.static_dir.clone(),
            tmp_dir: cfg.tmp_dir.clone(),
            graph_root: cfg.graph_root.clone(),
            run_root: cfg.run_root.clone(),
            graph_driver: cfg.storage_driver.clone(),
        }
    }

    /// Compares with the recorded values: the first differing field is an error
    /// naming both values.
    pub fn check_against(&self, recorded: &DbConfig) -> Result<()> {
        let fields: [(&'static str, String, String); 5] = [
            (
                "static_dir",
                recorded.static_dir.display().to_string(),
                self.static_dir.display().to_string(),
            ),
            (
                "tmp_dir",
                recorded.tmp_dir.display().to_string(),
                self.tmp_dir.display().to_string(),
            ),
            (
                "graph_root",
                recorded.graph_root.display().to_string(),
                self.graph_root.display().to_string(),
            ),
            (
                "run_root",
                recorded.run_root.display().to_string(),
                self.run_root.display().to_string(),
            ),
            (
                "graph_driver",
                recorded.graph_driver.clone(),
                self.graph_driver.clone(),
            ),
        ];
        for (field, recorded, given) in fields {
            if recorded != given {
                return Err(StateError::DbConfigMismatch {
                    field,
                    recorded,
                    given,
                });
            }
        }
        Ok(())
    }
}

/// The runtime's database of containers, pods and exit codes.
///
/// Every method takes `&self` (backends lock inside) and every write is atomic:
/// either all of it is stored or none. Ids and names are unique across
/// containers *and* pods. Container configs never change after
/// `add_container`; only states are saved.
///
/// The caller (libpod-core) holds the object's [`crate::LockManager`] lock
/// around read-modify-write sequences; the state itself only guarantees that
/// each call is atomic.
pub trait State: Send + Sync {
    /// Records `cfg` if the database has no configuration yet, otherwise
    /// checks that it matches (error [`StateError::DbConfigMismatch`]).
    fn validate_db_config(&self, cfg: &DbConfig) -> Result<()>;

    /// Adds a container. Fails if its id or name is used by any container or
    /// pod, or if its pod does not exist.
    fn add_container(&self, config: &ContainerConfig, state: &ContainerState) -> Result<()>;

    /// Adds a container and removes the journal entry of its creation (`kind`, the
    /// container's id) as one commit: the create is done exactly when the row exists
    /// and the entry is gone, so a full disk cannot leave a container its creator
    /// reported as created while its entry tells the next open to undo it. The default
    /// does the two steps in order; transactional backends override it.
    fn add_container_ending_journal(
        &self,
        config: &ContainerConfig,
        state: &ContainerState,
        kind: JournalKind,
    ) -> Result<()> {
        self.add_container(config, state)?;
        self.journal_remove(kind, &config.id).map(drop)
    }

    /// A container's config and state, by full id.
    fn container(&self, id: &str) -> Result<(ContainerConfig, ContainerState)>;

    /// A container's state, by full id.
    fn container_state(&self, id: &str) -> Result<ContainerState>;

    /// Replaces a container's state.
    fn save_container_state(&self, id: &str, state: &ContainerState) -> Result<()>;

    /// Replaces a container's config (`lpod update` records new limits this way).
    /// Its id, name, pod and creation time must stay as they are
    /// ([`StateError::ImmutableField`]); nothing else checks the new config.
    fn save_container_config(&self, config: &ContainerConfig) -> Result<()>;

    /// Gives a container a new name, in one transaction: the shared id/name index and
    /// the stored config change together. A name held by another container or pod is
    /// [`StateError::NameInUse`]; renaming to the current name is a no-op.
    fn rename_container(&self, id: &str, new_name: &str) -> Result<()>;

    /// Removes a container (config and state; its exit code stays).
    fn remove_container(&self, id: &str) -> Result<()>;

    /// Every container with its state, ordered by creation time, in one read.
    fn all_containers(&self) -> Result<Vec<(ContainerConfig, ContainerState)>>;

    /// Resolves a full id, an exact name, or a unique id prefix to a container id.
    fn lookup_container(&self, query: &str) -> Result<String>;

    /// Whether a container or pod holds `name` (one index lookup; for picking a
    /// generated name, which the insert still checks).
    fn name_in_use(&self, name: &str) -> Result<bool>;

    /// Adds a pod. Fails if its id or name is used by any container or pod.
    fn add_pod(&self, config: &PodConfig, state: &PodState) -> Result<()>;

    /// A pod's config and state, by full id.
    fn pod(&self, id: &str) -> Result<(PodConfig, PodState)>;

    /// Replaces a pod's state.
    fn save_pod_state(&self, id: &str, state: &PodState) -> Result<()>;

    /// Removes a pod. With members, fails with [`StateError::PodHasContainers`]
    /// unless `with_containers`, in which case the member containers are removed
    /// in the same transaction; returns the ids of removed containers.
    fn remove_pod(&self, id: &str, with_containers: bool) -> Result<Vec<String>>;

    /// Every pod with its state, ordered by creation time.
    fn all_pods(&self) -> Result<Vec<(PodConfig, PodState)>>;

    /// Resolves a full id, an exact name, or a unique id prefix to a pod id.
    fn lookup_pod(&self, query: &str) -> Result<String>;

    /// The containers of a pod (config and state), ordered by creation time.
    fn pod_containers(&self, pod_id: &str) -> Result<Vec<(ContainerConfig, ContainerState)>>;

    /// Adds a volume. Volume names are their own namespace (a volume may share a
    /// container's name, as in Podman); an invalid name is [`StateError::Invalid`], a taken
    /// one [`StateError::VolumeExists`].
    fn add_volume(&self, config: &VolumeConfig, state: &VolumeState) -> Result<()>;

    /// A volume's config and state, by exact name ([`StateError::NoSuchVolume`]).
    fn volume(&self, name: &str) -> Result<(VolumeConfig, VolumeState)>;

    /// Replaces a volume's state.
    fn save_volume_state(&self, name: &str, state: &VolumeState) -> Result<()>;

    /// Removes a volume's record ([`StateError::NoSuchVolume`] if there is none).
    fn remove_volume(&self, name: &str) -> Result<()>;

    /// Every volume with its state, ordered by creation time, then name.
    fn all_volumes(&self) -> Result<Vec<(VolumeConfig, VolumeState)>>;

    /// Records a container's exit code (replacing an earlier one); it outlives
    /// the container's removal (for `run --rm` and `wait` after removal).
    fn add_exit_code(&self, id: &str, code: i32) -> Result<()>;

    /// The recorded exit code of a container.
    fn exit_code(&self, id: &str) -> Result<i32>;

    /// Drops exit codes recorded at or before `older_than`; returns how many.
    fn prune_exit_codes(&self, older_than: SystemTime) -> Result<usize>;

    /// After a reboot: every container state becomes
    /// [`ContainerState::refreshed`] (status mapped by `after_reboot`, pids,
    /// mountpoint, netns, network status and exec sessions cleared), and every
    /// volume's mount count and mounted flag are reset (nothing is mounted after a
    /// reboot), in one transaction.
    fn refresh(&self) -> Result<()>;

    /// Writes the journal entry of `entry.kind`/`entry.id`, replacing an
    /// earlier one of the same object (see [`crate::journal`]).
    fn journal_put(&self, entry: &JournalEntry) -> Result<()>;

    /// The journal entry of one object, if any.
    fn journal_get(&self, kind: JournalKind, id: &str) -> Result<Option<JournalEntry>>;

    /// Removes the journal entry of one object; true if there was one.
    fn journal_remove(&self, kind: JournalKind, id: &str) -> Result<bool>;

    /// Every journal entry, oldest first.
    fn journal_entries(&self) -> Result<Vec<JournalEntry>>;

    /// Closes the backend; every later call fails with [`StateError::Closed`].
    fn close(&self) -> Result<()>;
}

/// The first identifying field that differs between a stored config and its rewrite
/// (the id cannot: the stored config is looked up by the new one's id).
pub(crate) fn immutable_change(
    old: &ContainerConfig,
    new: &ContainerConfig,
) -> Option<&'static str> {
    if old.name != new.name {
        Some("name")
    } else if old.pod != new.pod {
        Some("pod")
    } else if old.created != new.created {
        Some("created")
    } else {
        None
    }
}

pub(crate) fn millis(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}
