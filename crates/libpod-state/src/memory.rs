//! `InMemoryState`: the state in one process's memory (tests, one-shot tools).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use libpod_config::{
    resolve, validate_id, validate_name, ContainerConfig, ContainerState, PodConfig, PodState,
    VolumeConfig, VolumeState,
};

use crate::error::{Result, StateError};
use crate::journal::{JournalEntry, JournalKind};
use crate::state::{millis, DbConfig, State};

#[derive(Default)]
struct Inner {
    closed: bool,
    db_config: Option<DbConfig>,
    /// id → (name, kind)
    namespace: BTreeMap<String, (String, &'static str)>,
    /// name → id
    names: BTreeMap<String, String>,
    containers: BTreeMap<String, (ContainerConfig, ContainerState)>,
    pods: BTreeMap<String, (PodConfig, PodState)>,
    exit_codes: BTreeMap<String, (i32, i64)>,
    volumes: BTreeMap<String, (VolumeConfig, VolumeState)>,
    journal: BTreeMap<(JournalKind, String), JournalEntry>,
}

impl Inner {
    /// `NameInUse` (with its holder) when a container or pod already has `name`.
    fn name_free(&self, name: &str) -> Result<()> {
        match self.names.get(name) {
            Some(holder_id) => Err(StateError::NameInUse {
                name: name.to_string(),
                holder: self
                    .namespace
                    .get(holder_id)
                    .map_or("object", |h| h.1)
                    .to_string(),
                holder_id: holder_id.clone(),
            }),
            None => Ok(()),
        }
    }

    fn claim(&mut self, id: &str, name: &str, kind: &'static str) -> Result<()> {
        validate_id(id)?;
        validate_name(name)?;
        if let Some((_, holder)) = self.namespace.get(id) {
            return Err(StateError::IdInUse {
                id: id.to_string(),
                holder: holder.to_string(),
            });
        }
        self.name_free(name)?;
        self.namespace
            .insert(id.to_string(), (name.to_string(), kind));
        self.names.insert(name.to_string(), id.to_string());
        Ok(())
    }

    fn release(&mut self, id: &str) {
        if let Some((name, _)) = self.namespace.remove(id) {
            self.names.remove(&name);
        }
    }

    fn sorted<C: Clone, S: Clone>(
        items: impl Iterator<Item = (C, S)>,
        key: impl Fn(&C) -> (i64, String),
    ) -> Vec<(C, S)> {
        let mut v: Vec<(C, S)> = items.collect();
        v.sort_by_key(|(c, _)| key(c));
        v
    }
}

fn ctr_key(c: &ContainerConfig) -> (i64, String) {
    (
        c.created.timestamp_nanos_opt().unwrap_or(i64::MAX),
        c.id.clone(),
    )
}

fn pod_key(p: &PodConfig) -> (i64, String) {
    (
        p.created.timestamp_nanos_opt().unwrap_or(i64::MAX),
        p.id.clone(),
    )
}

/// The state kept in memory; lost when the process exits.
#[derive(Default)]
pub struct InMemoryState {
    inner: Mutex<Inner>,
}

impl InMemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A panic while holding the lock leaves maps that are still consistent
        // (every write validates before mutating), so a poisoned lock is reused.
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.closed {
            return Err(StateError::Closed {
                path: ":memory:".into(),
            });
        }
        Ok(g)
    }
}

impl State for InMemoryState {
    fn validate_db_config(&self, cfg: &DbConfig) -> Result<()> {
        let mut g = self.lock()?;
        match &g.db_config {
            Some(recorded) => cfg.check_against(recorded),
            None => {
                g.db_config = Some(cfg.clone());
                Ok(())
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %config.id))]
    fn add_container(&self, config: &ContainerConfig, state: &ContainerState) -> Result<()> {
        let mut g = self.lock()?;
        if let Some(pod) = &config.pod {
            if !g.pods.contains_key(pod) {
                return Err(StateError::NoSuchPod { id: pod.clone() });
            }
        }
        g.claim(&config.id, &config.name, "container")?;
        g.containers
            .insert(config.id.clone(), (config.clone(), state.clone()));
        Ok(())
    }

    fn container(&self, id: &str) -> Result<(ContainerConfig, ContainerState)> {
        let g = self.lock()?;
        g.containers
            .get(id)
            .cloned()
            .ok_or_else(|| StateError::NoSuchContainer { id: id.to_string() })
    }

    fn container_state(&self, id: &str) -> Result<ContainerState> {
        let g = self.lock()?;
        g.containers
            .get(id)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| StateError::NoSuchContainer { id: id.to_string() })
    }

    #[tracing::instrument(level = "debug", skip(self, state))]
    fn save_container_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        let mut g = self.lock()?;
        match g.containers.get_mut(id) {
            Some((_, s)) => {
                *s = state.clone();
                Ok(())
            }
            None => Err(StateError::NoSuchContainer { id: id.to_string() }),
        }
    }

    fn save_container_config(&self, config: &ContainerConfig) -> Result<()> {
        let mut g = self.lock()?;
        match g.containers.get_mut(&config.id) {
            Some((c, _)) => {
                if let Some(field) = crate::state::immutable_change(c, config) {
                    return Err(StateError::ImmutableField {
                        id: config.id.clone(),
                        field,
                    });
                }
                *c = config.clone();
                Ok(())
            }
            None => Err(StateError::NoSuchContainer {
                id: config.id.clone(),
            }),
        }
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn rename_container(&self, id: &str, new_name: &str) -> Result<()> {
        validate_name(new_name)?;
        let mut g = self.lock()?;
        let old = match g.containers.get(id) {
            Some((c, _)) => c.name.clone(),
            None => return Err(StateError::NoSuchContainer { id: id.to_string() }),
        };
        if old == new_name {
            return Ok(());
        }
        g.name_free(new_name)?;
        g.names.remove(&old);
        g.names.insert(new_name.to_string(), id.to_string());
        if let Some(entry) = g.namespace.get_mut(id) {
            entry.0 = new_name.to_string();
        }
        if let Some((c, _)) = g.containers.get_mut(id) {
            c.name = new_name.to_string();
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn remove_container(&self, id: &str) -> Result<()> {
        let mut g = self.lock()?;
        if g.containers.remove(id).is_none() {
            return Err(StateError::NoSuchContainer { id: id.to_string() });
        }
        g.release(id);
        Ok(())
    }

    fn all_containers(&self) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        let g = self.lock()?;
        Ok(Inner::sorted(g.containers.values().cloned(), ctr_key))
    }

    fn name_in_use(&self, name: &str) -> Result<bool> {
        Ok(self.lock()?.names.contains_key(name))
    }

    fn lookup_container(&self, query: &str) -> Result<String> {
        let g = self.lock()?;
        Ok(resolve(
            "container",
            query,
            g.containers
                .values()
                .map(|(c, _)| (c.id.as_str(), c.name.as_str())),
        )?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %config.id))]
    fn add_pod(&self, config: &PodConfig, state: &PodState) -> Result<()> {
        let mut g = self.lock()?;
        g.claim(&config.id, &config.name, "pod")?;
        g.pods
            .insert(config.id.clone(), (config.clone(), state.clone()));
        Ok(())
    }

    fn pod(&self, id: &str) -> Result<(PodConfig, PodState)> {
        let g = self.lock()?;
        g.pods
            .get(id)
            .cloned()
            .ok_or_else(|| StateError::NoSuchPod { id: id.to_string() })
    }

    #[tracing::instrument(level = "debug", skip(self, state))]
    fn save_pod_state(&self, id: &str, state: &PodState) -> Result<()> {
        let mut g = self.lock()?;
        match g.pods.get_mut(id) {
            Some((_, s)) => {
                *s = state.clone();
                Ok(())
            }
            None => Err(StateError::NoSuchPod { id: id.to_string() }),
        }
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn remove_pod(&self, id: &str, with_containers: bool) -> Result<Vec<String>> {
        let mut g = self.lock()?;
        if !g.pods.contains_key(id) {
            return Err(StateError::NoSuchPod { id: id.to_string() });
        }
        let members: Vec<String> = g
            .containers
            .values()
            .filter(|(c, _)| c.pod.as_deref() == Some(id))
            .map(|(c, _)| c.id.clone())
            .collect();
        if !members.is_empty() && !with_containers {
            return Err(StateError::PodHasContainers {
                id: id.to_string(),
                count: members.len(),
            });
        }
        for m in &members {
            g.containers.remove(m);
            g.release(m);
        }
        g.pods.remove(id);
        g.release(id);
        Ok(members)
    }

    fn all_pods(&self) -> Result<Vec<(PodConfig, PodState)>> {
        let g = self.lock()?;
        Ok(Inner::sorted(g.pods.values().cloned(), pod_key))
    }

    fn lookup_pod(&self, query: &str) -> Result<String> {
        let g = self.lock()?;
        Ok(resolve(
            "pod",
            query,
            g.pods
                .values()
                .map(|(p, _)| (p.id.as_str(), p.name.as_str())),
        )?)
    }

    fn pod_containers(&self, pod_id: &str) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        let g = self.lock()?;
        if !g.pods.contains_key(pod_id) {
            return Err(StateError::NoSuchPod {
                id: pod_id.to_string(),
            });
        }
        Ok(Inner::sorted(
            g.containers
                .values()
                .filter(|(c, _)| c.pod.as_deref() == Some(pod_id))
                .cloned(),
            ctr_key,
        ))
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn add_exit_code(&self, id: &str, code: i32) -> Result<()> {
        let mut g = self.lock()?;
        g.exit_codes
            .insert(id.to_string(), (code, millis(SystemTime::now())));
        Ok(())
    }

    fn exit_code(&self, id: &str) -> Result<i32> {
        let g = self.lock()?;
        g.exit_codes
            .get(id)
            .map(|(c, _)| *c)
            .ok_or_else(|| StateError::NoExitCode { id: id.to_string() })
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn prune_exit_codes(&self, older_than: SystemTime) -> Result<usize> {
        let mut g = self.lock()?;
        let cutoff = millis(older_than);
        let before = g.exit_codes.len();
        g.exit_codes.retain(|_, (_, t)| *t > cutoff);
        Ok(before - g.exit_codes.len())
    }

    fn refresh(&self) -> Result<()> {
        let mut g = self.lock()?;
        for (_, s) in g.containers.values_mut() {
            *s = s.refreshed();
        }
        for (_, s) in g.volumes.values_mut() {
            s.mount_count = 0;
            s.mounted = false;
            s.host_mounts = 0;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(name = %config.name))]
    fn add_volume(&self, config: &VolumeConfig, state: &VolumeState) -> Result<()> {
        validate_name(&config.name)?;
        let mut g = self.lock()?;
        if g.volumes.contains_key(&config.name) {
            return Err(StateError::VolumeExists {
                name: config.name.clone(),
            });
        }
        g.volumes
            .insert(config.name.clone(), (config.clone(), state.clone()));
        Ok(())
    }

    fn volume(&self, name: &str) -> Result<(VolumeConfig, VolumeState)> {
        let g = self.lock()?;
        g.volumes
            .get(name)
            .cloned()
            .ok_or_else(|| StateError::NoSuchVolume {
                name: name.to_string(),
            })
    }

    fn save_volume_state(&self, name: &str, state: &VolumeState) -> Result<()> {
        let mut g = self.lock()?;
        match g.volumes.get_mut(name) {
            Some((_, s)) => {
                *s = state.clone();
                Ok(())
            }
            None => Err(StateError::NoSuchVolume {
                name: name.to_string(),
            }),
        }
    }

    #[tracing::instrument(level = "debug", skip(self))]
    fn remove_volume(&self, name: &str) -> Result<()> {
        let mut g = self.lock()?;
        g.volumes
            .remove(name)
            .map(drop)
            .ok_or_else(|| StateError::NoSuchVolume {
                name: name.to_string(),
            })
    }

    fn all_volumes(&self) -> Result<Vec<(VolumeConfig, VolumeState)>> {
        let g = self.lock()?;
        let mut v: Vec<(VolumeConfig, VolumeState)> = g.volumes.values().cloned().collect();
        v.sort_by_key(|(c, _)| {
            (
                c.created.timestamp_nanos_opt().unwrap_or(i64::MAX),
                c.name.clone(),
            )
        });
        Ok(v)
    }

    fn journal_put(&self, entry: &JournalEntry) -> Result<()> {
        let mut g = self.lock()?;
        g.journal
            .insert((entry.kind, entry.id.clone()), entry.clone());
        Ok(())
    }

    fn journal_get(&self, kind: JournalKind, id: &str) -> Result<Option<JournalEntry>> {
        let g = self.lock()?;
        Ok(g.journal.get(&(kind, id.to_string())).cloned())
    }

    fn journal_remove(&self, kind: JournalKind, id: &str) -> Result<bool> {
        let mut g = self.lock()?;
        Ok(g.journal.remove(&(kind, id.to_string())).is_some())
    }

    fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        let g = self.lock()?;
        let mut v: Vec<JournalEntry> = g.journal.values().cloned().collect();
        v.sort_by(|a, b| (a.started_ms, &a.id).cmp(&(b.started_ms, &b.id)));
        Ok(v)
    }

    fn close(&self) -> Result<()> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.closed = true;
        Ok(())
    }
}
