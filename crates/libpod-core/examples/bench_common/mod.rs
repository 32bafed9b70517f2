//! What the bench examples share: timing helpers and the two CLIs on their own
//! roots (Podman confined to a temp dir in a private mount namespace, never the
//! host's Podman paths). Included by each bench with `mod bench_common;`; a bench
//! uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Podman confined to `dir`: never its default paths. It runs in a private
/// mount namespace with temp dirs over /var/lib and /run.
pub fn podman(dir: &Path) -> Command {
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(r#"mount --bind "$0" /var/lib && mount --bind "$1" /run && shift && exec podman "$@""#)
        .arg(dir.join("varlib"))
        .arg(dir.join("hostrun"))
        .arg("--root")
        .arg(dir.join("root"))
        .arg("--runroot")
        .arg(dir.join("run"))
        .arg("--tmpdir")
        .arg(dir.join("tmp"))
        .arg("--volumepath")
        .arg(dir.join("volumes"))
        .arg("--network-config-dir")
        .arg(dir.join("cni"))
        .args([
            "--cgroup-manager",
            "cgroupfs",
            "--runtime",
            "crun",
            "--storage-driver",
            "overlay",
            "--events-backend",
            "file",
        ])
        .env("TMPDIR", dir.join("tmp"));
    c
}

/// The lpod CLI on its own root and run root.
pub fn lpod(bin: &Path, dir: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg("--root")
        .arg(dir.join("root"))
        .arg("--runroot")
        .arg(dir.join("run"))
        .args(["--runtime", "crun", "--storage-driver", "overlay"]);
    c
}

/// Output of a successful command (its stdout, trimmed).
pub fn run_out(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub fn unmount_below(dir: &Path) {
    let needle = dir.display().to_string();
    let Ok(m) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let mut mps: Vec<&str> = m
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|mp| mp.starts_with(&needle))
        .collect();
    mps.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for mp in mps {
        let _ = nix::mount::umount2(mp, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// Podman's default rlimits exceed this host's (no CAP_SYS_RESOURCE).
pub const PODMAN_ULIMITS: [&str; 4] = [
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=1024:1024",
];

/// Whether Podman takes part: installed, and not switched off with `LPOD_BENCH_PODMAN=0`.
pub fn with_podman() -> bool {
    std::env::var("LPOD_BENCH_PODMAN").as_deref() != Ok("0")
        && Command::new("podman")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// The hermetic busybox image (`LPOD_TEST_IMAGE_DIR`, else target/test-image).
pub fn busybox_tar() -> Result<PathBuf, String> {
    let images = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-image"));
    let tar = images.join("busybox.tar");
    if !tar.exists() {
        return Err(format!(
            "{} missing: run `cargo xtask test-image`",
            tar.display()
        ));
    }
    Ok(tar)
}

/// The lpod binary the CLI rows run (`LPOD_BIN`, else target/release/lpod); it may be
/// missing (the caller decides).
pub fn lpod_bin() -> PathBuf {
    std::env::var_os("LPOD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/lpod"))
}

/// `n` Podman containers (`--network none busybox true`) in `pdir`'s Podman, created in
/// four parallel batches to keep the setup bearable.
pub fn podman_create_many(pdir: &Path, n: usize) -> Result<(), String> {
    let per = n.div_ceil(4).max(1);
    let handles: Vec<_> = (0..4)
        .map(|b| {
            let pdir = pdir.to_path_buf();
            std::thread::spawn(move || -> Result<(), String> {
                for _ in (b * per)..((b + 1) * per).min(n) {
                    run_out(podman(&pdir).arg("create").args(PODMAN_ULIMITS).args([
                        "--network",
                        "none",
                        "localhost/busybox",
                        "true",
                    ]))?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "podman create thread panicked")??;
    }
    Ok(())
}

/// Prepares `pdir` for [`podman`] (its bind-mount sources and temp dir) and loads the
/// busybox image `tar` into that Podman.
pub fn podman_dir(pdir: &Path, tar: &Path) -> Result<(), String> {
    for d in ["varlib", "hostrun", "tmp"] {
        std::fs::create_dir_all(pdir.join(d)).map_err(|e| format!("{}: {e}", pdir.display()))?;
    }
    run_out(podman(pdir).arg("load").arg("-i").arg(tar))?;
    Ok(())
}

/// A library runtime on `dir/root` and `dir/run` (crun, overlay) with the busybox
/// image `tar` loaded: the same roots [`lpod`] gives the CLI.
pub fn runtime(dir: &Path, tar: &Path) -> Result<libpod_core::Runtime, String> {
    let rt = libpod_core::Runtime::builder()
        .root(dir.join("root"))
        .run_root(dir.join("run"))
        .runtime("crun")
        .storage_driver("overlay")
        .build()
        .map_err(|e| format!("runtime on {}: {e}", dir.display()))?;
    rt.store()
        .map_err(|e| format!("store of {}: {e}", dir.display()))?
        .load(tar)
        .map_err(|e| format!("load {}: {e}", tar.display()))?;
    Ok(rt)
}
