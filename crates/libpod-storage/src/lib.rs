//! lpod storage: a layer and image store with overlay and vfs drivers, container
//! root filesystems, image import/export and safe layer extraction.
//!
//! Depends on no other workspace crate: a downstream crate can use it alone.
#![deny(missing_docs)]

pub mod archive;
pub mod digest;
pub mod reference;
