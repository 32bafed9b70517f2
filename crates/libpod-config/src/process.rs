//! Host processes lpod records in its state rows (a container's slirp4netns,
//! its health monitor): one shape for all of them.

use serde::{Deserialize, Serialize};

/// A host process lpod recorded in a state row: its pid and start time (field 22
/// of /proc/PID/stat, clock ticks since boot), so that a recycled pid is never
/// taken for it. Serialized as `{"pid":..,"startTime":..}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessRecord {
    /// Its pid.
    pub pid: i32,
    /// Its start time in clock ticks since boot.
    pub start_time: u64,
}
