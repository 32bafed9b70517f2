//! Helpers shared by the storage benches (included with `mod common;`).
#![allow(dead_code)]

use libpod_storage::{DriverKind, Store, StoreOptions};
use std::ffi::OsStr;
use std::path::Path;
use std::time::Instant;

/// `--name N` from the command line, else `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A store under `root` (graph/ and run/), with the given driver or the default.
pub fn open_store(root: &Path, driver: Option<DriverKind>) -> Store {
    Store::open(StoreOptions {
        graph_root: root.join("graph"),
        run_root: root.join("run"),
        driver,
    })
    .unwrap()
}

/// The median of some timings.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Times one `podman <verb...>` with its own temp root under `base`. Podman 4.3 still writes
/// under /var/lib/containers and /run/containers whatever --root says, so it runs in a
/// private mount namespace with temp dirs bound over /var/lib and /run; `base` is removed
/// afterwards. `None` (with Podman's stderr printed) when it fails.
pub fn time_podman<S: AsRef<OsStr>>(base: &Path, driver: DriverKind, verb: &[S]) -> Option<f64> {
    // Podman confined to `base` in a private mount namespace; removed (images and all) on drop.
    let podman = lpod_test_support::PrivatePodman::with_driver(base, driver.as_str());
    let t = Instant::now();
    let out = podman.command(verb).output().ok()?;
    let secs = t.elapsed().as_secs_f64();
    if out.status.success() {
        Some(secs)
    } else {
        eprintln!("podman failed: {}", String::from_utf8_lossy(&out.stderr));
        None
    }
}
