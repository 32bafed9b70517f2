//! Mapping lower-layer errors onto core's error where a lower error means
//! something specific to the caller (not found, in use).

use libpod_state::{LockError, StateError};
use libpod_storage::StoreError;

use crate::Error;

/// A container lookup error: not found/ambiguous become typed errors.
pub(crate) fn lookup_err(e: StateError, query: &str) -> Error {
    match e {
        StateError::Lookup(libpod_config::LookupError::NotFound { .. })
        | StateError::NoSuchContainer { .. } => Error::NoSuchContainer(query.to_string()),
        StateError::Lookup(libpod_config::LookupError::Ambiguous { .. }) => {
            Error::AmbiguousContainer(query.to_string())
        }
        other => Error::State(other),
    }
}

/// A state error about one container: not found becomes `NoSuchContainer(id)`.
pub(crate) fn ctr_err(e: StateError, id: &str) -> Error {
    match e {
        StateError::NoSuchContainer { .. } => Error::NoSuchContainer(id.to_string()),
        StateError::NameInUse { name, .. } => Error::NameInUse(name),
        other => Error::State(other),
    }
}

/// A lock error about one container: removed-while-waiting becomes `NoSuchContainer(id)`.
pub(crate) fn lock_err(e: LockError, id: &str) -> Error {
    match e {
        LockError::Removed { .. } => Error::NoSuchContainer(id.to_string()),
        other => Error::Lock(other),
    }
}

/// An image lookup error: unknown image becomes `NoSuchImage(reference)`.
pub(crate) fn image_err(e: StoreError, reference: &str) -> Error {
    match e {
        StoreError::ImageNotFound(_) => Error::NoSuchImage(reference.to_string()),
        other => Error::Storage(other),
    }
}
