//! The stats error type (a leaf: `crate::error` names it).

use super::cgroup::CgroupError;

/// Reading stats failed.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The container does not run (stats need its cgroup and its processes).
    #[error("container {id} is {status}: stats need a running container")]
    NotRunning {
        /// Container id.
        id: String,
        /// Its status.
        status: String,
    },
    /// A cgroup or proc file of the container.
    #[error("stats of container {id}: {source}")]
    Cgroup {
        /// Container id.
        id: String,
        /// The cgroup error.
        #[source]
        source: CgroupError,
    },
    /// The container's network counters.
    #[error("stats of container {id}: reading {path}: {source}")]
    Net {
        /// Container id.
        id: String,
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
