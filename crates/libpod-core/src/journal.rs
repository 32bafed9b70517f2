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
//! - when a verb starts on a container that has such an entry (its first
//!   step, before it takes the container's lock), so an entry left by a
//!   process that died after this runtime opened is handled before the verb
//!   touches the container. Taking a lock never recovers.
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

use libpod_config::Operation;
use libpod_state::{JournalEntry, JournalKind, JournalOwner};
use serde::{Deserialize, Serialize};

use crate::context::Parts;
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
    let s = crate::process::stat(pid)?;
    Ok((s.start, s.comm))
}

impl From<crate::process::StatError> for JournalError {
    fn from(e: crate::process::StatError) -> Self {
        match e {
            crate::process::StatError::Read(path, source) => JournalError::Owner { path, source },
            crate::process::StatError::Format(path) => JournalError::StatFormat { path },
        }
    }
}

/// This process as a journal owner (its identity is read once: see
/// [`crate::process::current_identity`]).
fn current_owner(p: &Parts) -> Result<JournalOwner> {
    let me = crate::process::current_identity().map_err(JournalError::from)?;
    Ok(JournalOwner {
        pid: me.pid,
        start_time: me.start_time,
        boot_id: boot_id(p),
    })
}

fn boot_id(p: &Parts) -> String {
    std::fs::read_to_string(&p.opts.boot_id_path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// True when the owner process still runs: same boot, same pid with the same
/// start time, not a zombie (see `crate::process::owner_alive`).
pub(crate) fn owner_alive(p: &Parts, owner: &JournalOwner) -> bool {
    crate::process::owner_alive(owner, &boot_id(p))
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
    /// Removed by [`Op::finish`]: nothing left for `Drop`.
    finished: bool,
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
            finished: false,
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

impl Op<'_> {
    /// Ends an operation whose entry the caller removed itself, in the same commit as
    /// the operation's last step (`State::add_container_ending_journal`).
    pub(crate) fn committed(mut self) {
        self.finished = true;
    }
}

impl Drop for Op<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Err(e) = self.p.state.journal_remove(self.entry.kind, &self.entry.id) {
            tracing::warn!(id = %self.entry.id, error = %e, "removing a journal entry");
        }
    }
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
