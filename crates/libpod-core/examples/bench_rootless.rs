//! Bench (issue 18): rootless `run --rm --network none busybox true` through the `lpod`
//! CLI next to rootless Podman, both run by one real unprivileged user this bench
//! creates (useradd, with its own /etc/subuid and /etc/subgid range) and removes at the
//! end (its processes killed by pid, `userdel -r`); then the same with the default
//! rootless network (slirp4netns for both). Podman gets its own temp store under the
//! user's home (--root/--runroot/--tmpdir), never the user's default one.
//! `cargo xtask bench rootless` (or `bench run --rootless`) builds the release `lpod`.
//!
//! Env: `LPOD_BENCH_N` (runs, default 20), `LPOD_BENCH_PODMAN=0` skips Podman,
//! `LPOD_BIN` (default target/release/lpod), `LPOD_TEST_IMAGE_DIR` (busybox.tar).

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod bench_common;
use bench_common::*;

/// The temporary user; removed on drop with everything it ran.
struct User {
    name: String,
    uid: u32,
    gid: u32,
    home: PathBuf,
    /// Root-owned 0755 dir with the lpod binary and the image tar.
    shared: PathBuf,
    subuid: (u32, u32),
}

/// A random-enough u32 (no rand dependency in libpod-core): the kernel's uuid.
fn random_u32() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .ok()
        .and_then(|u| u32::from_str_radix(&u[..8], 16).ok())
        .unwrap_or_else(std::process::id)
}

fn id_of(flag: &str, name: &str) -> Result<u32, String> {
    run_out(Command::new("id").args([flag, name]))?
        .parse()
        .map_err(|e| format!("id {flag} {name}: {e}"))
}

fn sub_range(file: &str, name: &str) -> Option<(u32, u32)> {
    std::fs::read_to_string(file).ok()?.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() == 3 && f[0] == name).then(|| Some((f[1].parse().ok()?, f[2].parse().ok()?)))?
    })
}

impl User {
    fn create(bin: &Path, tar: &Path) -> Result<User, String> {
        let name = format!("lpodbr{:08x}", random_u32());
        run_out(Command::new("useradd").args(["-m", "-s", "/bin/sh", &name]))?;
        let shared = PathBuf::from(format!("/tmp/{name}-shared"));
        let mut u = User {
            uid: id_of("-u", &name)?,
            gid: id_of("-g", &name)?,
            home: PathBuf::from(format!("/home/{name}")),
            shared,
            subuid: (0, 0),
            name,
        };
        for (file, flag) in [
            ("/etc/subuid", "--add-subuids"),
            ("/etc/subgid", "--add-subgids"),
        ] {
            if sub_range(file, &u.name).is_none() {
                let start = 400_000_000 + (random_u32() % 2000) * 65536;
                let range = format!("{start}-{}", start + 65535);
                run_out(Command::new("usermod").args([flag, &range, &u.name]))?;
            }
        }
        u.subuid = sub_range("/etc/subuid", &u.name).ok_or("no subuid range")?;
        std::fs::create_dir(&u.shared).map_err(|e| format!("{}: {e}", u.shared.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&u.shared, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
        std::fs::copy(bin, u.shared.join("lpod")).map_err(|e| format!("copy lpod: {e}"))?;
        std::fs::copy(tar, u.shared.join("busybox.tar")).map_err(|e| format!("copy tar: {e}"))?;
        std::fs::set_permissions(
            u.shared.join("busybox.tar"),
            std::fs::Permissions::from_mode(0o644),
        )
        .map_err(|e| e.to_string())?;
        Ok(u)
    }

    /// `program` run as the user with a login-like environment.
    fn cmd(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("HOME", &self.home)
            .env("USER", &self.name)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
            .current_dir(&self.home)
            .uid(self.uid)
            .gid(self.gid)
            .stdin(Stdio::null());
        c
    }

    fn lpod(&self) -> Command {
        let mut c = self.cmd(&self.shared.join("lpod"));
        c.args(["--runtime", "crun"]);
        c
    }

    /// Rootless Podman on its own temp store under the user's home.
    fn podman(&self) -> Command {
        let d = self.home.join("podman-bench");
        let mut c = self.cmd(Path::new("podman"));
        c.arg("--root")
            .arg(d.join("root"))
            .arg("--runroot")
            .arg(d.join("run"))
            .arg("--tmpdir")
            .arg(d.join("tmp"))
            .args([
                "--cgroup-manager",
                "cgroupfs",
                "--runtime",
                "crun",
                "--storage-driver",
                "overlay",
                "--events-backend",
                "file",
            ]);
        c
    }

    /// Pids of the user's processes (its own uid or its subordinate range).
    fn processes(&self) -> Vec<i32> {
        let (start, count) = self.subuid;
        std::fs::read_dir("/proc")
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let pid = e.file_name().to_str()?.parse::<i32>().ok()?;
                        let u = std::fs::metadata(e.path()).ok()?.uid();
                        (u == self.uid || (u >= start && u < start + count)).then_some(pid)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let quiet = |mut c: Command| {
            let _ = c.stdout(Stdio::null()).stderr(Stdio::null()).status();
        };
        let mut c = self.lpod();
        c.args(["rm", "-a", "-f", "-t", "0"]);
        quiet(c);
        let mut c = self.lpod();
        c.args(["system", "migrate"]);
        quiet(c);
        let mut c = self.podman();
        c.args(["rm", "-a", "-f", "-t", "0"]);
        quiet(c);
        // Everything left ran as this new user: this bench started it.
        for _ in 0..50 {
            let pids = self.processes();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(format!("/tmp/lpod-run-{}", self.uid));
        let _ = std::fs::remove_dir_all(format!("/tmp/podman-run-{}", self.uid));
        let _ = std::fs::remove_dir_all(format!("/tmp/containers-user-{}", self.uid));
        let _ = std::fs::remove_dir_all(&self.shared);
        let _ = std::fs::remove_dir(format!("/tmp/lpod-intermediate-{}.0", self.uid));
        quiet({
            let mut c = Command::new("userdel");
            c.args(["-r", "-f", &self.name]);
            c
        });
    }
}

/// `n` timed runs (after one warm-up) of `cmd() run --rm [extra] IMG true`.
fn bench(cmd: &dyn Fn() -> Command, extra: &[&str], n: usize) -> Result<Vec<Duration>, String> {
    let mut v = Vec::new();
    for i in 0..=n {
        let t0 = Instant::now();
        run_out(
            cmd()
                .args(["run", "--rm"])
                .args(extra)
                .args(["localhost/busybox", "true"]),
        )?;
        if i > 0 {
            v.push(t0.elapsed());
        }
    }
    Ok(v)
}

fn main() -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        return Err("bench_rootless creates a user: run it as root".into());
    }
    let n = env_num("LPOD_BENCH_N", 20);
    let tar = busybox_tar()?;
    let bin = lpod_bin();
    if !bin.exists() {
        return Err(format!(
            "{} missing (cargo build --release -p lpod)",
            bin.display()
        ));
    }
    let with_podman = with_podman();
    let u = User::create(&bin, &tar)?;
    let tar_arg = u.shared.join("busybox.tar");
    let tar_arg = tar_arg.to_str().ok_or("tar path")?;
    run_out(u.lpod().args(["load", "-i", tar_arg]))?;
    if with_podman {
        run_out(u.podman().args(["load", "-i", tar_arg]))?;
    }
    let lpod = || u.lpod();
    let podman = || {
        let mut c = u.podman();
        // Podman's default rlimits exceed this host's (no CAP_SYS_RESOURCE).
        c.arg("--log-level=error");
        c
    };
    println!("rootless (user {}, uid {}), N={n}, medians:", u.name, u.uid);
    for (label, net) in [
        ("run --rm --network none busybox true", Some("none")),
        (
            "run --rm busybox true (default rootless network: slirp4netns)",
            None,
        ),
    ] {
        let mut extra: Vec<&str> = Vec::new();
        if let Some(net) = net {
            extra.extend(["--network", net]);
        }
        let l = median(&bench(&lpod, &extra, n)?);
        println!("{label}:");
        println!("  lpod (CLI)       {:7.2} ms", ms(l));
        if with_podman {
            let mut pextra = extra.clone();
            pextra.extend(PODMAN_ULIMITS);
            let p = median(&bench(&podman, &pextra, n)?);
            println!("  podman 4.3.1     {:7.2} ms", ms(p));
            println!("  ratio lpod/podman: {:.3}", ms(l) / ms(p));
        }
    }
    drop(u);
    Ok(())
}
