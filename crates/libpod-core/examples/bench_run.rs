//! Bench: `run --rm --network=none busybox true` through the library (create,
//! init, start, wait, rm phases) next to Podman 4.3.1 in its own temp root and
//! run root, in the same run; then `ps -a` with many created containers.
//! `cargo xtask bench run`.
//!
//! Env: `LPOD_BENCH_N` (runs, default 20), `LPOD_BENCH_PS` (containers for the
//! ps bench, default 500; 0 skips it), `LPOD_BENCH_PODMAN=0` skips Podman,
//! `LPOD_TEST_IMAGE_DIR` (busybox.tar).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libpod_core::{CreateOptions, NetworkMode, Runtime};

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Podman confined to `dir`: never its default paths.
fn podman(dir: &Path) -> Command {
    let mut c = Command::new("podman");
    c.arg("--root")
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
        ]);
    c
}

fn run_ok(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn unmount_below(dir: &Path) {
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

struct Phases {
    create: Vec<Duration>,
    init: Vec<Duration>,
    start: Vec<Duration>,
    wait: Vec<Duration>,
    rm: Vec<Duration>,
    total: Vec<Duration>,
}

fn bench_lpod(rt: &Runtime, n: usize) -> Result<Phases, Box<dyn std::error::Error>> {
    let mut p = Phases {
        create: vec![],
        init: vec![],
        start: vec![],
        wait: vec![],
        rm: vec![],
        total: vec![],
    };
    for i in 0..=n {
        let t0 = Instant::now();
        let c = rt.create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["true".into()]),
            network: NetworkMode::None,
            remove: true,
            ..Default::default()
        })?;
        let t1 = Instant::now();
        c.init()?;
        let t2 = Instant::now();
        c.start()?;
        let t3 = Instant::now();
        let code = c.wait()?;
        let t4 = Instant::now();
        c.remove(false)?;
        let t5 = Instant::now();
        assert_eq!(code, 0);
        if i == 0 {
            continue; // warm-up
        }
        p.create.push(t1 - t0);
        p.init.push(t2 - t1);
        p.start.push(t3 - t2);
        p.wait.push(t4 - t3);
        p.rm.push(t5 - t4);
        p.total.push(t5 - t0);
    }
    Ok(p)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-run-")
        .tempdir()?;
    let result = bench(tmp.path());
    // Podman's storage bind-mounts its overlay dir; lpod may leave mounts on error.
    unmount_below(tmp.path());
    result
}

fn bench(tmp: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let n = env_num("LPOD_BENCH_N", 20).max(1);
    let ps_n = env_num("LPOD_BENCH_PS", 500);
    let with_podman = std::env::var("LPOD_BENCH_PODMAN").as_deref() != Ok("0")
        && Command::new("podman")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    let images = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-image"));
    let tar = images.join("busybox.tar");
    if !tar.exists() {
        return Err(format!("{} missing: run `cargo xtask test-image`", tar.display()).into());
    }

    let rt = Runtime::builder()
        .root(tmp.join("lpod/root"))
        .run_root(tmp.join("lpod/run"))
        .runtime("crun")
        .storage_driver("overlay")
        .build()?;
    rt.store()?.load(&tar)?;

    let p = bench_lpod(&rt, n)?;
    println!("run --rm --network=none busybox true, N={n}, medians:");
    println!(
        "  lpod (library)   total {:7.2} ms  [create {:.2}  init {:.2}  start {:.2}  wait {:.2}  rm {:.2}]",
        ms(median(&p.total)),
        ms(median(&p.create)),
        ms(median(&p.init)),
        ms(median(&p.start)),
        ms(median(&p.wait)),
        ms(median(&p.rm)),
    );

    let pdir = tmp.join("podman");
    let mut podman_run = None;
    if with_podman {
        std::fs::create_dir_all(&pdir)?;
        run_ok(podman(&pdir).arg("load").arg("-i").arg(&tar))?;
        let mut v = Vec::new();
        for i in 0..=n {
            let t0 = Instant::now();
            run_ok(podman(&pdir).args([
                "run",
                "--rm",
                // Podman's default rlimits exceed this host's (no CAP_SYS_RESOURCE).
                "--ulimit",
                "nofile=1024:1024",
                "--ulimit",
                "nproc=1024:1024",
                "--network",
                "none",
                "localhost/busybox",
                "true",
            ]))?;
            if i > 0 {
                v.push(t0.elapsed());
            }
        }
        let m = median(&v);
        podman_run = Some(m);
        println!("  podman 4.3.1     total {:7.2} ms", ms(m));
        println!("  ratio lpod/podman: {:.3}", ms(median(&p.total)) / ms(m));
    } else {
        println!("  podman: skipped");
    }

    if ps_n > 0 {
        for _ in 0..ps_n {
            rt.create_container(CreateOptions {
                image: "busybox".into(),
                command: Some(vec!["true".into()]),
                ..Default::default()
            })?;
        }
        let mut v = Vec::new();
        for _ in 0..n {
            let t0 = Instant::now();
            let rows = rt.list_containers()?;
            v.push(t0.elapsed());
            assert_eq!(rows.len(), ps_n);
        }
        let lp = median(&v);
        println!("ps -a with {ps_n} created containers, N={n}, medians:");
        println!("  lpod (library)   {:7.2} ms", ms(lp));
        if with_podman {
            // Create in a few parallel batches to keep the setup bearable.
            let per = ps_n.div_ceil(4);
            let handles: Vec<_> = (0..4)
                .map(|b| {
                    let pdir = pdir.clone();
                    std::thread::spawn(move || -> Result<(), String> {
                        for _ in (b * per)..((b + 1) * per).min(ps_n) {
                            run_ok(podman(&pdir).args([
                                "create",
                                "--ulimit",
                                "nofile=1024:1024",
                                "--ulimit",
                                "nproc=1024:1024",
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
            let mut v = Vec::new();
            for _ in 0..n {
                let t0 = Instant::now();
                run_ok(podman(&pdir).args(["ps", "-a", "-q"]))?;
                v.push(t0.elapsed());
            }
            let pm = median(&v);
            println!("  podman ps -a     {:7.2} ms", ms(pm));
            println!("  ratio lpod/podman: {:.4}", ms(lp) / ms(pm));
        }
        rt.reset()?;
    }
    let _ = podman_run;

    rt.reset()?;
    rt.shutdown(true)?;
    if with_podman {
        let _ = run_ok(podman(&pdir).args(["rm", "-a", "-f"]));
    }
    Ok(())
}
