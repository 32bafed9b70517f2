//! lpod storage: a layer and image store with overlay and vfs drivers, container
//! root filesystems, image import/export and safe layer extraction.
//!
//! Depends on no other lpod layer: only on the tiny `libpod-failpoint` mechanism, whose names
//! for this crate are listed in [`failpoint`].
//!
//! ```no_run
//! use libpod_storage::{Store, StoreOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::open(StoreOptions {
//!     graph_root: "/var/lib/lpod/storage".into(),
//!     run_root: "/run/lpod/storage".into(),
//!     driver: None, // probe overlay, fall back to vfs
//! })?;
//! let images = store.load(std::path::Path::new("busybox.tar"))?;
//! let ctr = store.create_container("c0ffee", Some(&images[0].id))?;
//! let rootfs = store.mount(&ctr.id)?;
//! println!("rootfs at {}", rootfs.display());
//! store.unmount(&ctr.id, false)?;
//! store.delete_container(&ctr.id)?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod archive;
pub mod changes;
pub mod check;
pub mod commit;
pub mod contained;
pub mod digest;
mod dirs;
pub mod driver;
mod durable;
pub mod export;
pub mod extract;
pub mod failpoint;
pub mod history;
pub mod image;
mod image_mount;
pub mod import;
pub mod manifest;
pub mod private;
pub mod reference;
#[cfg(feature = "registry")]
#[cfg_attr(docsrs, doc(cfg(feature = "registry")))]
pub mod registry;
pub mod store;
#[cfg(feature = "test-fixtures")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-fixtures")))]
pub mod testimage;
mod usage;

pub use check::{StorageProblem, StorageReport};
pub use commit::CommitOptions;
pub use driver::DriverKind;
pub use export::ExportFormat;
pub use image::{ConfigChanges, Image, ImageConfig, ImageHealthcheck};
pub use import::{RootfsImport, SourceFormat};
pub use manifest::{EntryOptions, EntryPlatform, ManifestEntry, ManifestList};
pub use store::{ContainerLayer, RemovedImage, Store, StoreError, StoreOptions};
pub use usage::tree_bytes;
