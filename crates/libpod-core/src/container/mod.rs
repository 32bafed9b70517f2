//! The `Container` handle and its verbs, one file per verb. A verb is the
//! entry: it recovers a crashed operation (`Container::enter`), locks, starts
//! what the container depends on, then runs the steps in `crate::ops`.

mod attach;
pub(crate) mod cleanup;
pub(crate) mod copy;
mod copy_archive;
pub(crate) mod copy_error;
pub(crate) mod create;
pub(crate) mod deps;
mod diff;
mod exec;
mod export;
pub(crate) mod health;
pub(crate) mod health_opts;
mod init;
pub(crate) mod inspect;
mod kill;
mod logs;
mod mount;
mod netconnect;
pub(crate) mod nsmodes;
mod options;
mod pause;
mod remove;
mod rename;
mod restart;
pub(crate) mod runopts;
pub(crate) mod security;
mod start;
mod stop;
mod update;
mod wait;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::network::InspectNetworkSettings;
pub use attach::Attachment;
pub use copy::{CopyEnd, CopyError, CopyOptions};
pub use copy_archive::{go_file_mode, PathStat};
pub use health_opts::{HealthOptions, HealthcheckError};
pub use inspect::{
    bytes_size, human_size, InspectConfig, InspectData, InspectDevice, InspectHealth,
    InspectHealthConfig, InspectHealthLog, InspectHostConfig, InspectLogConfig, InspectMount,
    InspectState,
};
pub use netconnect::ConnectOptions;
pub use options::{
    parse_detach_keys, CreateOptions, ExecOptions, Limits, LogLine, LogOptions, LogStream,
    MountSpec, NetworkMode, Streams, DEFAULT_STOP_TIMEOUT,
};
pub use update::ResourceUpdate;

use libpod_config::{ContainerConfig, ContainerState, ContainerStatus};

use crate::context::ctr_err;
use crate::context::{Inner, Parts};
use crate::ops::lock::Locked;
use crate::Result;

/// A handle on one container: its id and the runtime it lives in. Cheap to clone;
/// every verb reads the current state from the database under the container's lock.
#[derive(Clone)]
pub struct Container {
    pub(crate) id: String,
    pub(crate) rt: Arc<Inner>,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container").field("id", &self.id).finish()
    }
}

/// One row of `ps -a`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerSummary {
    /// Full id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Image reference as given at create.
    pub image: String,
    /// Image id.
    pub image_id: String,
    /// Entrypoint + command.
    pub command: Vec<String>,
    /// Creation time, RFC 3339.
    pub created: String,
    /// Podman's status word: created (also for configured), running, paused, stopped, exited, ...
    pub state: String,
    /// The data-model status.
    #[serde(skip)]
    pub status: ContainerStatus,
    /// Creation time.
    #[serde(skip)]
    pub created_time: chrono::DateTime<chrono::Utc>,
    /// Start time of the last run.
    #[serde(skip)]
    pub started_time: Option<chrono::DateTime<chrono::Utc>>,
    /// Exit time of the last run.
    #[serde(skip)]
    pub exited_time: Option<chrono::DateTime<chrono::Utc>>,
    /// Exit code of the last run.
    pub exit_code: i32,
    /// True if the container ran and exited.
    pub exited: bool,
    /// Start time, RFC 3339 (empty if never started).
    pub started_at: String,
    /// Exit time, RFC 3339 (empty if never exited).
    pub exited_at: String,
    /// Init pid (0 when not running).
    pub pid: i32,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Remove after exit.
    pub auto_remove: bool,
    /// Published ports, `127.0.0.1:8080->80/tcp, ...` ("" without any).
    pub ports: String,
    /// Pod id ("" outside a pod).
    pub pod: String,
    /// True for a pod's infra container.
    pub is_infra: bool,
    /// Healthcheck status of a running container with a healthcheck (starting,
    /// healthy, unhealthy); "" otherwise. `ps` shows it after "Up ...".
    #[serde(skip)]
    pub health: String,
}

/// Podman's word for a status: like the data model's, except that a container
/// that exists only in the database (Configured) reads "created", as in Podman 4.
pub fn podman_status_word(s: ContainerStatus) -> &'static str {
    match s {
        ContainerStatus::Configured => "created",
        other => other.as_str(),
    }
}

pub(crate) fn rfc3339(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        .unwrap_or_default()
}

impl ContainerSummary {
    pub(crate) fn from_rows(cfg: &ContainerConfig, st: &ContainerState) -> Self {
        let mut command = cfg.entrypoint.clone();
        command.extend(cfg.command.iter().cloned());
        ContainerSummary {
            id: cfg.id.clone(),
            name: cfg.name.clone(),
            image: cfg.image.clone(),
            image_id: cfg.image_id.clone(),
            command,
            created: rfc3339(Some(cfg.created)),
            state: podman_status_word(st.status).to_string(),
            status: st.status,
            created_time: cfg.created,
            started_time: st.started_at,
            exited_time: st.finished_at,
            exit_code: st.exit_code.unwrap_or(0),
            exited: st.status.has_exited(),
            started_at: rfc3339(st.started_at),
            exited_at: rfc3339(st.finished_at),
            pid: st.pid.unwrap_or(0),
            labels: cfg.labels.clone(),
            auto_remove: cfg.auto_remove,
            ports: crate::network::format_ports(&cfg.port_mappings),
            pod: cfg.pod.clone().unwrap_or_default(),
            is_infra: cfg.is_infra,
            health: match (&cfg.healthcheck, st.status) {
                (Some(h), ContainerStatus::Running) if !h.is_disabled() => st
                    .health
                    .as_ref()
                    .map(|h| h.status)
                    .unwrap_or_default()
                    .as_str()
                    .to_string(),
                _ => String::new(),
            },
        }
    }
}

impl Container {
    /// The full id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn parts(&self) -> Result<Arc<Parts>> {
        self.rt.parts()
    }

    /// The entry of every verb that locks the container: the runtime's parts,
    /// after recovering an operation on this container whose process died
    /// (see `crate::recovery`). Locking itself never recovers.
    pub(crate) fn enter(&self) -> Result<Arc<Parts>> {
        let p = self.rt.parts()?;
        crate::recovery::recover_container(&p, &self.id)?;
        Ok(p)
    }

    /// The immutable configuration.
    pub fn config(&self) -> Result<ContainerConfig> {
        let p = self.parts()?;
        Ok(p.state
            .container(&self.id)
            .map_err(|e| ctr_err(e, &self.id))?
            .0)
    }

    /// The current state, synced with conmon's exit file (under the lock).
    pub fn state(&self) -> Result<ContainerState> {
        let p = self.enter()?;
        let l = Locked::acquire(&p, &self.id)?;
        Ok(l.st.clone())
    }

    /// The name.
    pub fn name(&self) -> Result<String> {
        Ok(self.config()?.name)
    }

    /// The current status (synced with conmon's exit file).
    pub fn status(&self) -> Result<ContainerStatus> {
        Ok(self.state()?.status)
    }

    /// A `ps` row for this container.
    pub fn summary(&self) -> Result<ContainerSummary> {
        let p = self.enter()?;
        let l = Locked::acquire(&p, &self.id)?;
        Ok(ContainerSummary::from_rows(&l.cfg, &l.st))
    }
}
