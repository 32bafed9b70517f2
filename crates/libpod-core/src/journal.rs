//! Crash safety: journaling multi-step operations and recovering the ones
//! whose process died.
//!
//! # Design
//!
//! Every multi-step verb (container create, init, start, stop, cleanup,
//! remove; pod create and remove) opens an `Op`: a row in the state
//! database's journal table (see `libpod_state::journal`) naming the object,
//! the operation and the owning process (pid + process start time + boot id).
//! Before each step that acquires something outside the database, the verb
//! records its *intent* in the entry's payload ([`Acquired`]: "about to mount",
//! "about to create netns X", "about to create the runtime container", then
//! the conmon pid it got). The entry goes when the verb ends (drop of the
//! `Op`; the verbs' own error paths already undo what they did).
//!
//! A process killed mid-operation leaves its entry behind. Recovery runs
//!
//! - when a runtime opens, after the reboot refresh and under the same alive
//!   lock (one recoverer per run root at a time), for every entry whose owner
//!   is dead (`recover_all`);
//! - when any verb locks a container that has such an entry
//!   (`recover_locked`, called by `Locked::acquire`), so an entry left by a
//!   process that died after this runtime opened is handled before the verb
//!   touches the container.
//!
//! Owners that are alive are left alone: their operation is still running.
//!
//! What recovery does, per operation:
//!
//! | operation        | direction     | action                                                   |
//! |------------------|---------------|----------------------------------------------------------|
//! | container create | back          | remove runtime leftovers, storage container, dirs, row, lock |
//! | init, start      | back          | kill the recorded conmon (only after checking its start time), delete the runtime container, CNI DEL + netns removal, unmount → Configured/Exited |
//! | stop             | forward       | SIGKILL, wait for the exit, teardown → Exited            |
//! | cleanup          | forward       | teardown (and `--rm` removal)                            |
//! | remove           | forward       | finish the removal                                       |
//! | pod create       | back          | remove the pod and its infra container                   |
//! | pod remove       | forward       | finish the removal                                       |
//!
//! Creation is rolled back because the user never got an id; everything that
//! tears down is rolled forward because the user asked for the end state and
//! the undo would need the very resources being released. Every step of
//! recovery tolerates "already gone", and the entry is removed only after
//! the last step, so a crash during recovery is recovered by the next one
//! (the `recovery.*` failpoints prove it).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use libpod_config::failpoint;
use libpod_config::{ContainerStatus, Operation};
use libpod_state::{JournalEntry, JournalKind, JournalOwner};
use serde::{Deserialize, Serialize};

use crate::container::lock::Locked;
use crate::runtime::{Parts, Runtime};
use crate::{Error, Result};

/// Errors of the journal itself (recovery errors are the verbs' errors).
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// This process's identity could not be read from /proc.
    #[error("reading {path} for the journal owner: {source}")]
    Owner {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// `/proc/<pid>/stat` did not have the expected fields.
    #[error("unexpected format of {path}")]
    StatFormat {
        /// The file.
        path: PathBuf,
    },
    /// A payload could not be encoded or decoded.
    #[error("journal payload of {id}: {source}")]
    Payload {
        /// The object id.
        id: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

impl From<JournalError> for Error {
    fn from(e: JournalError) -> Self {
        match e {
            JournalError::Owner { path, source } => Error::Io {
                op: "read journal owner",
                path,
                source,
            },
            JournalError::StatFormat { path } => Error::Io {
                op: "parse journal owner",
                path,
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, "bad stat format"),
            },
            JournalError::Payload { id, source } => Error::State(libpod_state::StateError::Json {
                what: "journal payload",
                id,
                source,
            }),
        }
    }
}

/// What an operation has acquired (or is about to acquire) so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Acquired {
    /// A storage container with the object's id (create).
    pub storage_container: bool,
    /// The container's persistent directory (create).
    pub ctr_dir: Option<PathBuf>,
    /// The database rows exist (create).
    pub state_row: bool,
    /// The rootfs is (about to be) mounted.
    pub mount: bool,
    /// The netns (about to be) created and attached to CNI networks.
    pub netns: Option<PathBuf>,
    /// The networks (about to be) attached.
    pub networks: Vec<String>,
    /// The runtime container is (about to be) created under conmon.
    pub runtime_create: bool,
    /// conmon's pid once known.
    pub conmon_pid: Option<i32>,
    /// conmon's start time (`/proc/<pid>/stat` field 22), to check before killing.
    pub conmon_start: Option<u64>,
    /// The container process was (about to be) started.
    pub started: bool,
    /// A pod's infra container id (pod create).
    pub infra: Option<String>,
}

/// The start time of a process (field 22 of `/proc/<pid>/stat`) and its command name.
pub(crate) fn proc_start(pid: i32) -> std::result::Result<(u64, String), JournalError> {
    let path = PathBuf::from(format!("/proc/{pid}/stat"));
    let text = std::fs::read_to_string(&path).map_err(|source| JournalError::Owner {
        path: path.clone(),
        source,
    })?;
    // comm is in parentheses and may contain spaces: split after the last ')'.
    let (head, rest) = text
        .rsplit_once(')')
        .ok_or_else(|| JournalError::StatFormat { path: path.clone() })?;
    let comm = head
        .split_once('(')
        .map(|(_, c)| c.to_string())
        .unwrap_or_default();
    // rest starts at field 3 (state); field 22 is index 19 there.
    let start = rest
        .split_whitespace()
        .nth(19)
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(JournalError::StatFormat { path })?;
    Ok((start, comm))
}

/// This process as a journal owner (computed once).
fn current_owner(p: &Parts) -> Result<JournalOwner> {
    static OWNER: OnceLock<(i32, u64)> = OnceLock::new();
    let (pid, start) = match OWNER.get() {
        Some(v) => *v,
        None => {
            let pid = std::process::id() as i32;
            let (start, _) = proc_start(pid)?;
            *OWNER.get_or_init(|| (pid, start))
        }
    };
    Ok(JournalOwner {
        pid,
        start_time: start,
        boot_id: boot_id(p),
    })
}

fn boot_id(p: &Parts) -> String {
    std::fs::read_to_string(&p.opts.boot_id_path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// True when the owner process still runs: same boot, same pid with the same start time.
pub(crate) fn owner_alive(p: &Parts, owner: &JournalOwner) -> bool {
    if owner.boot_id != boot_id(p) {
        return false;
    }
    matches!(proc_start(owner.pid), Ok((start, _)) if start == owner.start_time)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One journaled operation in flight. Dropping it removes the entry (the
/// operation ended, or failed and undid its steps).
pub(crate) struct Op<'p> {
    p: &'p Parts,
    entry: JournalEntry,
    acq: Acquired,
}

impl<'p> Op<'p> {
    /// Records that `operation` starts on the object with what it is about to
    /// acquire first (replacing an entry of this same process: a nested step).
    pub(crate) fn begin(
        p: &'p Parts,
        kind: JournalKind,
        id: &str,
        operation: Operation,
        acq: Acquired,
    ) -> Result<Op<'p>> {
        let op = Op {
            p,
            entry: JournalEntry {
                kind,
                id: id.to_string(),
                operation: operation.as_str().to_string(),
                owner: current_owner(p)?,
                started_ms: now_ms(),
                payload: serde_json::Value::Null,
            },
            acq,
        };
        op.write()?;
        Ok(op)
    }

    fn write(&self) -> Result<()> {
        let mut e = self.entry.clone();
        e.payload = serde_json::to_value(&self.acq).map_err(|source| JournalError::Payload {
            id: e.id.clone(),
            source,
        })?;
        self.p.state.journal_put(&e)?;
        Ok(())
    }

    /// Records an intent (or a result) before (after) acting.
    pub(crate) fn record(&mut self, f: impl FnOnce(&mut Acquired)) -> Result<()> {
        f(&mut self.acq);
        self.write()
    }
}

impl Drop for Op<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.p.state.journal_remove(self.entry.kind, &self.entry.id) {
            tracing::warn!(id = %self.entry.id, error = %e, "removing a journal entry");
        }
    }
}

fn payload(e: &JournalEntry) -> Acquired {
    serde_json::from_value(e.payload.clone()).unwrap_or_else(|err| {
        tracing::warn!(id = %e.id, error = %err, "unreadable journal payload, treating as empty");
        Acquired::default()
    })
}

/// Kills a recorded conmon, only if the pid still names that conmon.
fn kill_recorded(pid: Option<i32>, start: Option<u64>) {
    let (Some(pid), Some(start)) = (pid, start) else {
        return;
    };
    match proc_start(pid) {
        Ok((s, comm)) if s == start && comm == "conmon" => {
            tracing::info!(pid, "recovery: killing the conmon of a crashed operation");
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        _ => tracing::debug!(pid, "recorded conmon is gone (or the pid was reused)"),
    }
}

/// Puts what the payload says was acquired into the state, so that the
/// ordinary teardown releases it.
fn patch_state(l: &mut Locked<'_>, acq: &Acquired) {
    if acq.mount && l.st.mountpoint.is_none() {
        l.st.mountpoint = Some(PathBuf::new());
    }
    if l.st.netns_path.is_none() {
        l.st.netns_path = acq.netns.clone();
    }
}

/// The ordinary teardown; during recovery its errors (mostly "already gone"
/// after an earlier, interrupted recovery) are logged, not fatal.
fn teardown_logged(l: &mut Locked<'_>) {
    if let Err(e) = crate::container::cleanup::teardown(l) {
        tracing::warn!(error = %e, "recovery: teardown");
    }
}

/// Recovers the dead owner's entry of the locked container. Returns false when
/// the container no longer exists afterwards.
pub(crate) fn recover_locked(l: &mut Locked<'_>, e: &JournalEntry) -> Result<bool> {
    let span = tracing::info_span!("recover", kind = "container", id = %e.id, op = %e.operation);
    let _g = span.enter();
    let p = l.p;
    let acq = payload(e);
    tracing::info!(owner = e.owner.pid, "recovering a crashed operation");
    let exists = match e.operation.parse::<Operation>().ok() {
        Some(Operation::Create) => {
            kill_recorded(acq.conmon_pid, acq.conmon_start);
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            crate::container::remove::remove_locked(l, true)?;
            false
        }
        Some(Operation::Stop) => {
            if l.st.status.is_active() {
                let id = l.id().to_string();
                let _ = p.oci.kill(&id, libc::SIGKILL, true);
                if l.st.status == ContainerStatus::Paused {
                    let _ = p.oci.resume(&id);
                }
                let _ = p.oci.wait_exit(&id, Duration::from_secs(30));
                if crate::container::sync::sync_exit(p, &id, &mut l.st)? {
                    l.save()?;
                }
            }
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            teardown_logged(l);
            true
        }
        Some(Operation::Cleanup) => {
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            teardown_logged(l);
            if l.cfg.auto_remove && l.st.status == ContainerStatus::Exited {
                crate::container::remove::remove_locked(l, false)?;
                false
            } else {
                true
            }
        }
        Some(Operation::Remove | Operation::RemoveForce) => {
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            crate::container::remove::remove_locked(l, true)?;
            false
        }
        // init, start and anything unknown: back to before the operation.
        _ => {
            kill_recorded(acq.conmon_pid, acq.conmon_start);
            patch_state(l, &acq);
            failpoint::hit("recovery.container.before_undo");
            teardown_logged(l);
            true
        }
    };
    failpoint::hit("recovery.container.after_undo");
    p.state.journal_remove(JournalKind::Container, &e.id)?;
    Ok(exists)
}

/// A container entry whose rows are gone (a create that died before the row,
/// a remove that died after it): release what is left by id.
fn recover_rowless(p: &Parts, e: &JournalEntry) -> Result<()> {
    let span = tracing::info_span!("recover", kind = "container", id = %e.id, op = %e.operation);
    let _g = span.enter();
    let acq = payload(e);
    let id = &e.id;
    let _lock = p
        .locks
        .lock(id)
        .map_err(|err| crate::runtime::convert::lock_err(err, id))?;
    // Another recoverer may have finished meanwhile.
    if p.state.journal_get(JournalKind::Container, id)?.is_none() {
        return Ok(());
    }
    kill_recorded(acq.conmon_pid, acq.conmon_start);
    let mut errs = Vec::new();
    match p.oci.delete(id, true) {
        Ok(()) | Err(libpod_oci::OciError::NotFound { .. }) => {}
        Err(err) => errs.push(Error::from(err)),
    }
    if let Err(err) = p.oci.cleanup_files(id) {
        errs.push(err.into());
    }
    if let Some(ns) = &acq.netns {
        if let Err(err) = libpod_net::Netns::destroy_path(ns) {
            tracing::warn!(error = %err, "recovery: removing a netns");
        }
    }
    failpoint::hit("recovery.container.before_undo");
    match p.store.unmount(id, true) {
        Ok(_) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
        Err(err) => errs.push(err.into()),
    }
    match p.store.delete_container(id) {
        Ok(()) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
        Err(err) => errs.push(err.into()),
    }
    for dir in [
        p.opts.bundle_dir().join(id),
        p.opts.containers_dir().join(id),
    ] {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => errs.push(Error::io("remove", dir, err)),
        }
    }
    if !errs.is_empty() {
        return Error::join(errs);
    }
    failpoint::hit("recovery.container.after_undo");
    p.state.journal_remove(JournalKind::Container, id)?;
    if let Err(err) = p.locks.remove(id) {
        tracing::debug!(error = %err, "removing a lock file");
    }
    Ok(())
}

/// Recovers one pod entry of a dead owner: create rolls back, remove forward.
fn recover_pod(rt: &Runtime, p: &Parts, e: &JournalEntry) -> Result<()> {
    let span = tracing::info_span!("recover", kind = "pod", id = %e.id, op = %e.operation);
    let _g = span.enter();
    tracing::info!(owner = e.owner.pid, "recovering a crashed pod operation");
    match p.state.pod(&e.id) {
        Ok(_) => {
            let pod = crate::pod::Pod {
                id: e.id.clone(),
                rt: rt.inner.clone(),
            };
            failpoint::hit("recovery.pod.before_undo");
            pod.remove(true)?;
        }
        Err(libpod_state::StateError::NoSuchPod { .. }) => {
            if let Err(err) = p.locks.remove(&e.id) {
                tracing::debug!(error = %err, "removing a pod lock file");
            }
        }
        Err(err) => return Err(err.into()),
    }
    p.state.journal_remove(JournalKind::Pod, &e.id)?;
    Ok(())
}

/// At runtime open (under the alive lock): recovers every entry whose owner
/// is dead, containers first, then pods. Keeps going; returns every error.
#[tracing::instrument(skip_all)]
pub(crate) fn recover_all(rt: &Runtime) -> Vec<Error> {
    let p = match rt.inner.parts() {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    let entries = match p.state.journal_entries() {
        Ok(v) => v,
        Err(e) => return vec![e.into()],
    };
    let mut errs = Vec::new();
    let (ctrs, pods): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .filter(|e| !owner_alive(&p, &e.owner))
        .partition(|e| e.kind == JournalKind::Container);
    for e in ctrs {
        // Locking recovers it (see `Locked::acquire`); no row: by id.
        match Locked::acquire(&p, &e.id) {
            Ok(_) => {}
            Err(Error::NoSuchContainer(_)) => {
                if p.state
                    .journal_get(JournalKind::Container, &e.id)
                    .ok()
                    .flatten()
                    .is_some()
                {
                    if let Err(err) = recover_rowless(&p, &e) {
                        errs.push(err);
                    }
                }
            }
            Err(err) => errs.push(err),
        }
    }
    for e in pods {
        if let Err(err) = recover_pod(rt, &p, &e) {
            errs.push(err);
        }
    }
    errs
}

/// Called by `Locked::acquire` with the container locked: the container's
/// entry, if its owner is dead.
pub(crate) fn dead_entry(p: &Parts, id: &str) -> Result<Option<JournalEntry>> {
    Ok(p.state
        .journal_get(JournalKind::Container, id)?
        .filter(|e| !owner_alive(p, &e.owner)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_start_time_reads_and_matches() {
        let pid = std::process::id() as i32;
        let (a, comm) = proc_start(pid).unwrap();
        let (b, _) = proc_start(pid).unwrap();
        assert_eq!(a, b);
        assert!(!comm.is_empty());
        assert!(proc_start(i32::MAX).is_err());
    }

    #[test]
    fn payload_round_trips_and_tolerates_missing_fields() {
        let a = Acquired {
            mount: true,
            netns: Some("/x/netns/lpod-1".into()),
            conmon_pid: Some(5),
            ..Default::default()
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(serde_json::from_value::<Acquired>(v).unwrap(), a);
        let partial: Acquired = serde_json::from_value(serde_json::json!({"mount": true})).unwrap();
        assert!(partial.mount && partial.netns.is_none());
    }
}
