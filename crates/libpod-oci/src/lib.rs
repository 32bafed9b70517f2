//! lpod OCI layer: runtime spec generation and a conmon driver over runc and crun.
//!
//! Depends on no other workspace crate: a downstream crate can use it alone.
#![deny(missing_docs)]
