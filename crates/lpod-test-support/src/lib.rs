//! Shared fixtures of lpod's system tests (a dev-only crate, never published).
//!
//! Every crate's `tests/common/mod.rs` re-exports this crate (`pub use
//! lpod_test_support::*;`) and adds what only its own tests need. What lives here:
//!
//! - prerequisite guards: [`ci`], [`require`], [`require_root`], [`require_binary`]: on
//!   a laptop a missing prerequisite skips the test with a note; under CI (`CI` set to a
//!   truthy value) it fails the test;
//! - [`probe`]: runs a command whose output a leak check reads, and fails the test when
//!   the command itself fails (a failed `ip` must not read as "no leaks");
//! - [`poll_until`]: waits for a condition instead of sleeping and hoping;
//! - temp roots ([`TempRoot`]), mounts below a path ([`mounts_under`]) and tmpfs guards
//!   ([`Tmpfs`], [`SmallDisk`]);
//! - the test's own bridge name and subnet, checked against the host's links and routes
//!   ([`free_bridge_name`], [`free_subnet`]) and a bridge guard ([`Bridge`]);
//! - Podman in a private mount namespace with its own temp root ([`PrivatePodman`]);
//! - one `/proc/PID/stat` reader ([`proc_stat`], [`pid_gone`], [`pid_live`]);
//! - [`durability`]: the fsync-discipline checker over an strace recording;
//! - the stress driver ([`stress`]) shared by `cargo xtask stress` and lpod's short stress test.
#![deny(missing_docs)]

pub mod durability;
mod fs;
mod guards;
mod net;
mod podman;
mod proc;
pub mod stress;

pub use fs::{mounts_under, unescape_mount, SmallDisk, TempRoot, Tmpfs};
pub use guards::{
    ci, ci_value_is_truthy, is_root, poll_until, probe, require, require_binary, require_root,
    run_example, try_probe, which, ProbeError, POLL_LIMIT,
};
pub use net::{
    free_bridge_name, free_subnet, host_ipv4_networks, random_hex, random_u32, reserve_port,
    subnets_overlap, Bridge, Ipv4Net,
};
pub use podman::{require_podman, PrivatePodman};
pub use proc::{pid_gone, pid_live, proc_stat, ProcStat};
