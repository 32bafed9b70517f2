//! lpod OCI layer: runtime spec generation and a conmon driver over runc and crun.
//!
//! Depends on no other workspace crate but the tiny `libpod-failpoint` (its `scrub` keeps
//! `LPOD_FAILPOINT` out of the programs it spawns): a downstream crate can use it alone.
//!
//! ```no_run
//! use libpod_oci::{ConmonConfig, ConmonRuntime, CreateOptions, OciRuntime, SpecInput};
//! use std::time::Duration;
//!
//! let rt = ConmonRuntime::new(ConmonConfig::detect("/run/lpod/oci")?)?;
//! let mut input = SpecInput::new("/var/lib/lpod/rootfs", vec!["/bin/echo".into(), "hi".into()]);
//! input.cgroup_path = Some(SpecInput::cgroup_path_for(None, "ctr1"));
//! let spec = input.to_spec()?;
//! let bundle = std::path::Path::new("/run/lpod/bundles/ctr1");
//! rt.create("ctr1", bundle, &spec, &CreateOptions::default())?;
//! rt.start("ctr1")?;
//! let exit = rt.wait_exit("ctr1", Duration::from_secs(10))?;
//! rt.delete("ctr1", false)?;
//! rt.cleanup_files("ctr1")?;
//! println!("exit code {}", exit.exit_code);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

/// The OCI runtime-spec types this crate takes and returns ([`SpecInput::to_spec`] returns an
/// `oci_spec::runtime::Spec`; capabilities and rlimits are `oci_spec` types).
pub use oci_spec;

pub mod attach;
pub mod capabilities;
pub mod check;
pub mod conmon;
pub mod devices;
pub mod driver;
mod error;
pub mod exec;
mod files;
pub mod find;
pub mod logs;
mod pipes;
pub mod seccomp;
pub mod spec;
mod types;
mod update;
mod verbs;

pub use attach::{AttachConn, OutputStream};
pub use capabilities::{
    all_capabilities, canonical_name, capability_mask, capability_name, merge_capabilities,
    parse_capability, privileged_capabilities, CapabilityError,
};
pub use conmon::{ConmonConfig, ConmonRuntime};
pub use devices::{host_devices, DeviceError, DeviceInput, DeviceKind};
pub use driver::{
    CreateOptions, Created, ExitInfo, OciError, OciRuntime, RuntimeState, RuntimeStatus,
};
pub use exec::{exec_output, ExecOptions, ExecOutput, ExecSession};
pub use find::{find_conmon, find_runtime, find_runtime_kind, FindError, RuntimeKind};
pub use logs::{follow_log, parse_line, read_log, LogError, LogLine, LogOptions, LogStream};
pub use pipes::set_inherited_fds;
pub use seccomp::{SeccompError, SeccompPolicy, SeccompProfile};
pub use spec::{
    capped_rlimit, process_spec, write_config, BlkioThrottle, MountInput, Namespace, Namespaces,
    ProcessInput, Resources, SpecError, SpecInput, ThrottleKind,
};
pub use update::PID_MAX_LIMIT;
