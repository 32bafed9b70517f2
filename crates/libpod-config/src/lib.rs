//! The lpod data model.
//!
//! `RuntimeConfig` (loadable from TOML), `ContainerConfig`/`ContainerState`,
//! `PodConfig`/`PodState`, `ContainerStatus` and the one table that says which
//! operation is allowed in which status, plus ids and names.
//!
//! Depends on no other workspace crate: everything else depends on it.
#![deny(missing_docs)]
