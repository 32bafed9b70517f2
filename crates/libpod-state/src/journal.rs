//! The operation journal: one row per object (container, pod or volume) that a
//! multi-step operation is changing right now.
//!
//! # Why a journal table (and not only the state rows)
//!
//! A container's state row records what the container *has* once a verb
//! finished (mountpoint, netns path, conmon pid); while the verb runs, the
//! resources it acquired so far exist only in that process's memory. A process
//! killed in between (`kill -9`, OOM killer, power loss) would leave a mount,
//! a netns with CNI attachments, a conmon or a storage container that no row
//! names. The journal closes that gap: before each step the verb records its
//! *intent* ("about to create netns X") in the entry's JSON payload, in the
//! same database and with the same durability (`synchronous=FULL`) as the
//! state rows, so the next process that opens the runtime (or locks the
//! object) knows exactly what to undo or finish. The entry is removed when
//! the operation ends, successfully or after a clean rollback.
//!
//! An entry names its owner by pid, the process's start time (field 22 of
//! `/proc/<pid>/stat`, in clock ticks since boot) and the boot id: a reused
//! pid has another start time, and after a reboot the boot id differs, so a
//! dead owner is never mistaken for a live one. Entries of live owners are
//! left alone (the operation is still running).
//!
//! The table is keyed by (kind, id): an object has at most one operation in
//! flight (the verbs hold the object's lock), and a nested step of the same
//! process simply replaces the entry.
//!
//! The payload is opaque JSON here: libpod-core decides what it records.

use serde::{Deserialize, Serialize};

/// What kind of object an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JournalKind {
    /// A container.
    Container,
    /// A pod.
    Pod,
    /// A volume (its id is its name).
    Volume,
}

impl JournalKind {
    /// `container` or `pod`.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalKind::Container => "container",
            JournalKind::Pod => "pod",
            JournalKind::Volume => "volume",
        }
    }

    /// Parses [`JournalKind::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "container" => Some(JournalKind::Container),
            "pod" => Some(JournalKind::Pod),
            "volume" => Some(JournalKind::Volume),
            _ => None,
        }
    }
}

/// The process that owns an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalOwner {
    /// Process id.
    pub pid: i32,
    /// Start time of the process (`/proc/<pid>/stat` field 22, clock ticks since boot).
    pub start_time: u64,
    /// `/proc/sys/kernel/random/boot_id` when the entry was written.
    pub boot_id: String,
}

/// One operation in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Container or pod.
    pub kind: JournalKind,
    /// The object's full id.
    pub id: String,
    /// The operation (`create`, `init`, `start`, `stop`, `cleanup`, `remove`, ...).
    pub operation: String,
    /// Who runs it.
    pub owner: JournalOwner,
    /// When it started, milliseconds since the Unix epoch.
    pub started_ms: i64,
    /// Resources acquired (or about to be) so far; JSON chosen by the caller.
    pub payload: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in [
            JournalKind::Container,
            JournalKind::Pod,
            JournalKind::Volume,
        ] {
            assert_eq!(JournalKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(JournalKind::parse("network"), None);
    }
}
