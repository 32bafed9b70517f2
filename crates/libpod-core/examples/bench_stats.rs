//! Bench: stats collection time per container. `LPOD_BENCH_STATS_CTRS` busybox
//! containers (default 10, network none) sleep; then, `LPOD_BENCH_N` times (default
//! 20): every container's `Container::stats` through the library (per call), one
//! `lpod stats --no-stream` over all of them and one of a single container (the CLI),
//! and the same two through Podman 4.3.1's CLI in its own temp root (confined as in
//! `bench_run`: a private mount namespace with temp /var/lib and /run). Prints
//! medians and per-container figures with ratios. `cargo xtask bench stats` builds the
//! release `lpod` first.
//!
//! Env: `LPOD_BENCH_N`, `LPOD_BENCH_STATS_CTRS`, `LPOD_BENCH_PODMAN=0` skips Podman,
//! `LPOD_BIN` (default target/release/lpod), `LPOD_TEST_IMAGE_DIR` (busybox.tar).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use libpod_core::CreateOptions;

mod bench_common;
use bench_common::*;

/// Medians of a CLI's `stats --no-stream` over every container and over one.
fn bench_cli(
    cmd: &dyn Fn() -> Command,
    one: &str,
    ctrs: usize,
    n: usize,
) -> Result<(Duration, Duration), String> {
    let mut all = Vec::new();
    let mut single = Vec::new();
    for i in 0..=n {
        let t0 = Instant::now();
        let out = run_out(cmd().args(["stats", "--no-stream", "--format", "json"]))?;
        let t1 = Instant::now();
        run_out(cmd().args(["stats", "--no-stream", "--format", "json", one]))?;
        let t2 = Instant::now();
        let v: serde_json::Value =
            serde_json::from_str(&out).map_err(|e| format!("stats json: {e}: {out}"))?;
        let rows = v.as_array().map(Vec::len).unwrap_or(0);
        if rows != ctrs {
            return Err(format!("stats listed {rows} containers, expected {ctrs}"));
        }
        if i > 0 {
            all.push(t1 - t0);
            single.push(t2 - t1);
        }
    }
    Ok((median(&all), median(&single)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-stats-")
        .tempdir()?;
    let result = bench(tmp.path());
    unmount_below(tmp.path());
    result
}

fn bench(tmp: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let n = env_num("LPOD_BENCH_N", 20).max(1);
    let ctrs = env_num("LPOD_BENCH_STATS_CTRS", 10).max(1);
    let with_podman = with_podman();
    let tar = busybox_tar()?;
    let rt = runtime(&tmp.join("lpod"), &tar)?;
    let mut list = Vec::new();
    for _ in 0..ctrs {
        let c = rt.create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["sleep".into(), "600".into()]),
            ..Default::default()
        })?;
        c.start()?;
        list.push(c);
    }
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        let mut per = Vec::new();
        let mut prev = std::collections::BTreeMap::new();
        for i in 0..=n {
            for c in &list {
                let t0 = Instant::now();
                let s = c.stats(prev.get(c.id()))?;
                let d = t0.elapsed();
                if i > 0 {
                    per.push(d);
                }
                prev.insert(c.id().to_string(), s);
            }
        }
        let lib = median(&per);
        println!("stats collection, {ctrs} running containers, N={n}, medians:");
        println!("  lpod (library)   {:7.3} ms per container", ms(lib));

        let lpod_bin = lpod_bin();
        let ldir = tmp.join("lpod");
        let lp = if lpod_bin.exists() {
            let (all, one) = bench_cli(&|| lpod(&lpod_bin, &ldir), list[0].id(), ctrs, n)?;
            println!(
                "  lpod stats (CLI) {:7.2} ms for all ({:.2} ms per container), {:.2} ms for one",
                ms(all),
                ms(all) / ctrs as f64,
                ms(one)
            );
            Some((all, one))
        } else {
            println!("  lpod CLI: skipped ({} missing)", lpod_bin.display());
            None
        };

        if with_podman {
            let pdir = tmp.join("podman");
            podman_dir(&pdir, &tar)?;
            let pm = || podman(&pdir);
            let mut first = String::new();
            for i in 0..ctrs {
                let id = run_out(
                    pm().args(["run", "-d", "--network", "none"])
                        .args(PODMAN_ULIMITS)
                        .args(["localhost/busybox", "sleep", "600"]),
                )?;
                if i == 0 {
                    first = id;
                }
            }
            let res = bench_cli(&pm, &first, ctrs, n);
            let _ = run_out(pm().args(["rm", "-a", "-f", "-t", "0"]));
            let (all, one) = res?;
            println!(
                "  podman stats     {:7.2} ms for all ({:.2} ms per container), {:.2} ms for one",
                ms(all),
                ms(all) / ctrs as f64,
                ms(one)
            );
            if let Some((la, lo)) = lp {
                println!(
                    "  ratio lpod CLI/podman: all {:.3}  one {:.3}",
                    ms(la) / ms(all),
                    ms(lo) / ms(one)
                );
            }
        } else {
            println!("  podman: skipped");
        }
        Ok(())
    })();
    for c in &list {
        let _ = c.remove(true);
    }
    rt.reset()?;
    rt.shutdown(true)?;
    result
}
