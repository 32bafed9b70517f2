//! Bench: `run --rm --network=none busybox true` through the library (create,
//! init, start, wait, rm phases), then the same through the `lpod` CLI and
//! Podman 4.3.1's CLI, whole and phase by phase (create, start, wait, rm), in the
//! same run; then `run --rm -v vol:/data` (a named volume) through the `lpod` CLI next to
//! Podman's; then `ps -a` with many created containers (library, lpod CLI,
//! Podman); then restart latency: a `--restart=always` container started by the
//! `lpod` CLI, its process killed with SIGKILL, until it runs again (conmon's exit
//! command, `lpod container cleanup`, restarts it after the policy's first 100 ms
//! backoff; lpod only, since Podman's exit command would leave its confinement).
//! Podman runs in its own temp root, run root and tmpdir, inside a
//! private mount namespace whose /var/lib and /run are temp dirs (Podman 4.3.1
//! writes caches there even with --root), so nothing of the host's Podman is
//! touched. `cargo xtask bench run` builds the release `lpod` first.
//!
//! Env: `LPOD_BENCH_N` (runs, default 20), `LPOD_BENCH_PS` (containers for the
//! ps bench, default 500; 0 skips it), `LPOD_BENCH_PODMAN=0` skips Podman,
//! `LPOD_BIN` (the lpod binary, default target/release/lpod),
//! `LPOD_TEST_IMAGE_DIR` (busybox.tar).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libpod_core::{CreateOptions, NetworkMode, Runtime};

mod bench_common;
use bench_common::*;

/// CLI phases: create, start, wait, rm, and a whole `run --rm`.
#[derive(Default)]
struct CliPhases {
    create: Vec<Duration>,
    start: Vec<Duration>,
    wait: Vec<Duration>,
    rm: Vec<Duration>,
    run: Vec<Duration>,
}

fn bench_cli(
    cmd: &dyn Fn() -> Command,
    extra: &[&str],
    net: &str,
    n: usize,
) -> Result<CliPhases, String> {
    let mut p = CliPhases::default();
    for i in 0..=n {
        let t0 = Instant::now();
        let id = run_out(cmd().arg("create").args(extra).args([
            "--network",
            net,
            "localhost/busybox",
            "true",
        ]))?;
        let t1 = Instant::now();
        run_out(cmd().args(["start", &id]))?;
        let t2 = Instant::now();
        let code = run_out(cmd().args(["wait", &id]))?;
        let t3 = Instant::now();
        run_out(cmd().args(["rm", &id]))?;
        let t4 = Instant::now();
        run_out(cmd().args(["run", "--rm"]).args(extra).args([
            "--network",
            net,
            "localhost/busybox",
            "true",
        ]))?;
        let t5 = Instant::now();
        if code.trim() != "0" {
            return Err(format!("wait printed {code:?}, expected 0"));
        }
        if i == 0 {
            continue; // warm-up
        }
        p.create.push(t1 - t0);
        p.start.push(t2 - t1);
        p.wait.push(t3 - t2);
        p.rm.push(t4 - t3);
        p.run.push(t5 - t4);
    }
    Ok(p)
}

/// `run --rm -v benchvol:/data --network=none busybox true`: a named volume (created by
/// the warm-up run, then reused), the whole command timed N times.
fn bench_volume(
    cmd: &dyn Fn() -> Command,
    extra: &[&str],
    n: usize,
) -> Result<Vec<Duration>, String> {
    let mut v = Vec::new();
    for i in 0..=n {
        let t0 = Instant::now();
        run_out(cmd().args(["run", "--rm"]).args(extra).args([
            "-v",
            "benchvol:/data",
            "--network",
            "none",
            "localhost/busybox",
            "true",
        ]))?;
        if i > 0 {
            v.push(t0.elapsed());
        }
    }
    run_out(cmd().args(["volume", "rm", "benchvol"]))?;
    Ok(v)
}

/// `run --rm` on a bridge network of its own (own bridge name and subnet, never
/// Podman's podman0 or 10.88.0.0/16), lpod CLI next to Podman's CLI.
fn bench_bridge(
    lpod_cli: &dyn Fn() -> Command,
    pdir: &Path,
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let tag = std::process::id() % 0xffff;
    let third = 100 + (std::process::id() % 100);
    let lbr = format!("lpbl{tag:04x}");
    let links_before = links();
    run_out(
        lpod_cli()
            .args(["network", "create", "--subnet"])
            .arg(format!("10.231.{third}.0/24"))
            .args(["--interface-name", &lbr, "benchnet"]),
    )?;
    // Podman 4.3.1 cannot name the bridge: it picks a free podmanN. Use it only if
    // that link did not exist before (never share a bridge of the host's Podman).
    run_out(
        podman(pdir)
            .args(["network", "create", "--subnet"])
            .arg(format!("10.232.{third}.0/24"))
            .arg("benchnet"),
    )?;
    let pbr = run_out(podman(pdir).args([
        "network",
        "inspect",
        "benchnet",
        "--format",
        "{{.NetworkInterface}}",
    ]))?;
    let result = if links_before.contains(&pbr) {
        Err(format!(
            "Podman chose bridge {pbr}, which already exists: not benchmarking on it"
        ))
    } else {
        bench_cli(lpod_cli, &[], "benchnet", n).and_then(|l| {
            bench_cli(&|| podman(pdir), &PODMAN_ULIMITS, "benchnet", n).map(|p| (l, p))
        })
    };
    let _ = run_out(lpod_cli().args(["network", "rm", "-f", "benchnet"]));
    let _ = run_out(podman(pdir).args(["network", "rm", "-f", "benchnet"]));
    for br in [&lbr, &pbr] {
        if !links_before.contains(br) && links().contains(br) {
            let _ = Command::new("ip")
                .args(["link", "del", br])
                .stderr(Stdio::null())
                .status();
        }
    }
    let (l, p) = result?;
    println!("run --rm on a bridge network, N={n}, medians:");
    print_cli("lpod (CLI)", &l);
    print_cli("podman 4.3.1", &p);
    println!(
        "  ratio lpod CLI/podman:     run --rm {:.3}",
        ms(median(&l.run)) / ms(median(&p.run))
    );
    Ok(())
}

/// Names of the host's network links.
fn links() -> Vec<String> {
    std::fs::read_dir("/sys/class/net")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn print_cli(label: &str, p: &CliPhases) {
    println!(
        "  {label:<16} run --rm {:7.2} ms  [create {:.2}  start {:.2}  wait {:.2}  rm {:.2}]",
        ms(median(&p.run)),
        ms(median(&p.create)),
        ms(median(&p.start)),
        ms(median(&p.wait)),
        ms(median(&p.rm)),
    );
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

/// Restart latency: kill -9 of an `always` container's process → running again
/// (status running with a new pid, read without locking as `ps` does). A fresh
/// container each round, so every restart waits the first backoff (100 ms).
fn bench_restart(
    rt: &Runtime,
    lpod_cli: &dyn Fn() -> Command,
    n: usize,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let running_pid = |id: &str| -> Result<Option<i32>, Box<dyn std::error::Error>> {
        Ok(rt
            .list_containers()?
            .into_iter()
            .find(|s| s.id == id && s.state == "running" && s.pid > 0)
            .map(|s| s.pid))
    };
    let mut v = Vec::new();
    for _ in 0..n {
        let id = run_out(lpod_cli().args([
            "run",
            "-d",
            "--restart",
            "always",
            "--network",
            "none",
            "localhost/busybox",
            "sleep",
            "1000",
        ]))?;
        let limit = Instant::now() + Duration::from_secs(60);
        let pid = loop {
            if let Some(p) = running_pid(&id)? {
                break p;
            }
            if Instant::now() > limit {
                return Err(format!("{id} never ran").into());
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let t0 = Instant::now();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )?;
        loop {
            if running_pid(&id)?.is_some_and(|p| p != pid) {
                break;
            }
            if t0.elapsed() > Duration::from_secs(60) {
                return Err(format!("{id} was not restarted within 60 s").into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        v.push(t0.elapsed());
        run_out(lpod_cli().args(["rm", "-f", "-t", "0", &id]))?;
    }
    Ok(v)
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
    let with_podman = with_podman();
    let tar = busybox_tar()?;

    let rt = runtime(&tmp.join("lpod"), &tar)?;

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

    let lpod_bin = lpod_bin();
    let with_cli = lpod_bin.exists();
    let ldir = tmp.join("lpod");
    let lpod_cli = || lpod(&lpod_bin, &ldir);
    let lp_cli = if with_cli {
        let p = bench_cli(&lpod_cli, &[], "none", n)?;
        print_cli("lpod (CLI)", &p);
        Some(p)
    } else {
        println!("  lpod CLI: skipped ({} missing)", lpod_bin.display());
        None
    };

    if with_cli {
        let v = bench_restart(&rt, &lpod_cli, n)?;
        let mut sorted = v.clone();
        sorted.sort();
        println!(
            "restart latency (--restart=always, kill -9 -> running again), N={n}: median {:.1} ms  [min {:.1}  max {:.1}], of which 100 ms is the policy's first backoff",
            ms(median(&v)),
            ms(sorted[0]),
            ms(sorted[sorted.len() - 1]),
        );
    }

    let pdir = tmp.join("podman");
    if with_podman {
        podman_dir(&pdir, &tar)?;
        let pm = bench_cli(&|| podman(&pdir), &PODMAN_ULIMITS, "none", n)?;
        print_cli("podman 4.3.1", &pm);
        let r = |a: &[Duration], b: &[Duration]| ms(median(a)) / ms(median(b));
        println!(
            "  ratio lpod library/podman: run --rm {:.3}",
            r(&p.total, &pm.run)
        );
        if let Some(l) = &lp_cli {
            println!(
                "  ratio lpod CLI/podman:     run --rm {:.3}  create {:.3}  start {:.3}  wait {:.3}  rm {:.3}",
                r(&l.run, &pm.run),
                r(&l.create, &pm.create),
                r(&l.start, &pm.start),
                r(&l.wait, &pm.wait),
                r(&l.rm, &pm.rm),
            );
        }
    } else {
        println!("  podman: skipped");
    }

    if with_cli {
        let lv = bench_volume(&lpod_cli, &[], n)?;
        println!("run --rm -v vol:/data --network=none busybox true, N={n}, medians:");
        println!("  lpod (CLI)       {:7.2} ms", ms(median(&lv)));
        if with_podman {
            let pv = bench_volume(&|| podman(&pdir), &PODMAN_ULIMITS, n)?;
            println!("  podman 4.3.1     {:7.2} ms", ms(median(&pv)));
            println!(
                "  ratio lpod CLI/podman: {:.3}",
                ms(median(&lv)) / ms(median(&pv))
            );
        }
    }

    if with_cli && with_podman && std::env::var("LPOD_BENCH_BRIDGE").as_deref() != Ok("0") {
        bench_bridge(&lpod_cli, &pdir, n)?;
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
        let mut lp_cli = None;
        if with_cli {
            let mut v = Vec::new();
            for _ in 0..n {
                let t0 = Instant::now();
                let out = run_out(lpod_cli().args(["ps", "-a", "-q"]))?;
                v.push(t0.elapsed());
                assert_eq!(out.lines().count(), ps_n);
            }
            lp_cli = Some(median(&v));
            println!("  lpod ps -a (CLI) {:7.2} ms", ms(median(&v)));
        }
        if with_podman {
            // Create in a few parallel batches to keep the setup bearable.
            podman_create_many(&pdir, ps_n)?;
            let mut v = Vec::new();
            for _ in 0..n {
                let t0 = Instant::now();
                run_out(podman(&pdir).args(["ps", "-a", "-q"]))?;
                v.push(t0.elapsed());
            }
            let pm = median(&v);
            println!("  podman ps -a     {:7.2} ms", ms(pm));
            println!("  ratio lpod library/podman: {:.4}", ms(lp) / ms(pm));
            if let Some(l) = lp_cli {
                println!("  ratio lpod CLI/podman:     {:.4}", ms(l) / ms(pm));
            }
        }
        rt.reset()?;
    }

    rt.reset()?;
    rt.shutdown(true)?;
    if with_podman {
        let _ = run_out(podman(&pdir).args(["rm", "-a", "-f"]));
    }
    Ok(())
}
