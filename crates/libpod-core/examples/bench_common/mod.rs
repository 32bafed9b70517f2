//! What the bench examples share: timing helpers and the two CLIs on their own
//! roots (Podman confined to a temp dir in a private mount namespace, never the
//! host's Podman paths). Included by each bench with `mod bench_common;`; a bench
//! uses only some of it.
#![allow(dead_code)]

use std::path::Path;
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
