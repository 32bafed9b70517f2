//! lpod core: the `Runtime`, and `Container` and `Pod` handles that own their verbs.
//!
//! The only crate that composes config, state, storage, OCI and networking. It owns
//! the rules (which operation is allowed in which state, lock order pod then
//! container), not the mechanisms.
#![deny(missing_docs)]
