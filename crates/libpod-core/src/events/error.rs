//! The events log's error type (a leaf: `crate::error` names it).

use std::path::PathBuf;

/// Errors of the events log and of event queries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventsError {
    /// Events are switched off (`events_logger = "none"`).
    #[error("cannot read events with the \"none\" backend")]
    Disabled,
    /// I/O on the events log or its lock.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An event could not be encoded.
    #[error("encoding event: {0}")]
    Encode(#[source] serde_json::Error),
    /// A `--filter` that is not `key=value` or has an unknown key.
    #[error("failed to parse event filters: {0} is an invalid filter")]
    InvalidFilter(String),
    /// A `--since`/`--until` value that is no time, unix time or duration.
    #[error("failed to parse event filters: unable to convert {which} time of {value}: unable to interpret time value")]
    InvalidTime {
        /// `since` or `until`.
        which: &'static str,
        /// The value given.
        value: String,
    },
}

impl EventsError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EventsError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
