//! The steps of a container's life under its held lock, below every verb and
//! below recovery: locking ([`lock::Locked`]), syncing with conmon's exit file,
//! init and start, teardown, removal, the restart policy's bookkeeping.
//!
//! A verb (`Container::start`, `Pod::remove`, ...) is an entry: it recovers a
//! crashed operation, takes the lock, starts what the container depends on
//! (a pod's infra) and then calls these steps. Recovery (`crate::recovery`)
//! rolls operations forward or back with the same steps. So the dependencies
//! flow one way: verbs → recovery → ops → network, journal, context. Nothing
//! here names a verb, a `Pod` or the `Runtime`.

pub(crate) mod init;
pub(crate) mod lock;
pub(crate) mod policy;
pub(crate) mod remove;
pub(crate) mod start;
pub(crate) mod sync;
pub(crate) mod teardown;
