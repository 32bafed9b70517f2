//! lpod networking: a CNI 1.0 client, network namespaces and port mappings.
//!
//! Depends on no other workspace crate: a downstream crate can use it alone.
#![deny(missing_docs)]
