//! lpod state: the `State` trait with in-memory and SQLite backends, and a
//! cross-process lock manager.
//!
//! Depends only on `libpod-config` among the workspace crates; it must not depend
//! on storage, OCI, networking or core.
#![deny(missing_docs)]
