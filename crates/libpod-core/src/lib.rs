//! lpod core: the `Runtime`, and `Container` and `Pod` handles that own their verbs.
//!
//! The only crate that composes config, state, storage, OCI and networking. It owns
//! the rules (which operation is allowed in which state, lock order pod then
//! container), not the mechanisms.
//!
//! ```no_run
//! use libpod_core::{CreateOptions, Runtime};
//! let rt = Runtime::builder()
//!     .root("/tmp/lpod/root")
//!     .run_root("/tmp/lpod/run")
//!     .runtime("crun")
//!     .build()?;
//! let ctr = rt.create_container(CreateOptions {
//!     image: "busybox".into(),
//!     command: Some(vec!["true".into()]),
//!     ..Default::default()
//! })?;
//! ctr.start()?;
//! let code = ctr.wait()?;
//! ctr.remove(false)?;
//! assert_eq!(code, 0);
//! # Ok::<(), libpod_core::Error>(())
//! ```
#![deny(missing_docs)]

pub use libpod_config;
pub use libpod_net;
pub use libpod_oci;
/// The layer crates core composes, re-exported so that their types in core's API
/// (configs, statuses, specs, network results) need no extra dependency.
pub use libpod_oci::set_inherited_fds;
pub use libpod_state;
pub use libpod_storage;

pub mod build;
pub mod check;
pub mod container;
mod context;
mod deps;
mod error;
pub mod events;
pub mod health_monitor;
pub mod image;
pub mod journal;
pub mod kube;
pub mod network;
mod ops;
pub mod pod;
mod process;
mod recovery;
pub mod rootless;
pub mod runtime;
mod slirp;
pub mod stats;
pub mod top;
pub mod volume;

pub use build::{BuildError, BuildOptions};
pub use container::parse_detach_keys;
pub use container::{
    Attachment, ConnectOptions, Container, ContainerSummary, CopyEnd, CopyError, CopyOptions,
    CreateOptions, ExecOptions, HealthOptions, HealthcheckError, InspectData, Limits, LogLine,
    LogOptions, LogStream, MountSpec, NetworkMode, PathStat, ResourceUpdate, Streams,
};
pub use context::image_err;
pub use error::{Error, Result};
pub use network::NetworkError;
pub use pod::{Pod, PodCreateOptions, PodError, PodInfraConfig, PodInspect, PodStatus, PodSummary};
pub use runtime::{
    BootOutcome, ContainerUsage, DiskUsage, ImageUsage, Info, Runtime, RuntimeBuilder,
    RuntimeOptions, StateBackend, VolumeMountUsage, VolumeUsage,
};
pub use volume::{VolumeCreateOptions, VolumeError, VolumeInfo};
