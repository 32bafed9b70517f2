//! Bench: one-container verbs with many containers present. For each N (default
//! 0, 1000, 10000; `--n N` for one value, e.g. 50000), a fresh lpod root gets N
//! created containers (through the library: `--network none`, unnamed), then the
//! release `lpod` CLI times create, start, inspect, stop and rm of one container
//! (median of `LPOD_BENCH_N` rounds, default 5), `ps -a --format json` and
//! `system check`; beside it the state DB size and the files under the run root
//! per container. Podman 4.3.1 does the same in its own temp root, run root and
//! private mount namespace (see `bench_run`) for N up to its 2048 lock limit
//! (the timed container needs one lock too, so its N stops at 2047).
//!
//! Env: `LPOD_BENCH_N` (rounds), `LPOD_BENCH_PODMAN=0` skips Podman, `LPOD_BIN`,
//! `LPOD_TEST_IMAGE_DIR`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use libpod_core::{CreateOptions, NetworkMode};

mod bench_common;
use bench_common::*;

/// Podman's lock table size (`num_locks`): it cannot hold more containers.
const PODMAN_NUM_LOCKS: usize = 2048;

fn timed(cmd: &mut Command) -> Result<(Duration, String), String> {
    let t0 = Instant::now();
    let out = run_out(cmd)?;
    Ok((t0.elapsed(), out))
}

/// Medians of one engine at one N.
struct Row {
    create: Duration,
    start: Duration,
    inspect: Duration,
    stop: Duration,
    rm: Duration,
    ps: Duration,
    check: Option<Duration>,
}

/// Times the one-container verbs and the listings through a CLI.
fn time_cli(
    cli: &dyn Fn() -> Command,
    extra: &[&str],
    rounds: usize,
    n: usize,
    check: bool,
) -> Result<Row, String> {
    let (mut c, mut s, mut i, mut st, mut r, mut ps, mut ck) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for round in 0..=rounds {
        let (dc, id) = timed(cli().arg("create").args(extra).args([
            "--network",
            "none",
            "--stop-signal",
            "KILL",
            "localhost/busybox",
            "sleep",
            "600",
        ]))?;
        let (ds, _) = timed(cli().args(["start", &id]))?;
        let (di, _) = timed(cli().args(["inspect", &id]))?;
        let (dst, _) = timed(cli().args(["stop", &id]))?;
        let (dr, _) = timed(cli().args(["rm", &id]))?;
        let (dp, out) = timed(cli().args(["ps", "-a", "--format", "json"]))?;
        let listed = serde_json::from_str::<serde_json::Value>(&out)
            .map_err(|e| format!("ps -a --format json: {e}"))?
            .as_array()
            .map_or(0, Vec::len);
        if listed != n {
            return Err(format!("ps -a listed {listed} containers, expected {n}"));
        }
        let dk = if check {
            Some(timed(cli().args(["system", "check"]))?.0)
        } else {
            None
        };
        if round == 0 {
            continue; // warm-up
        }
        c.push(dc);
        s.push(ds);
        i.push(di);
        st.push(dst);
        r.push(dr);
        ps.push(dp);
        ck.extend(dk);
    }
    Ok(Row {
        create: median(&c),
        start: median(&s),
        inspect: median(&i),
        stop: median(&st),
        rm: median(&r),
        ps: median(&ps),
        check: (!ck.is_empty()).then(|| median(&ck)),
    })
}

fn files_under(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            n += 1;
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            }
        }
    }
    n
}

fn db_bytes(root: &Path) -> u64 {
    ["state.db", "state.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(root.join("libpod").join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn print_row(label: &str, n: usize, r: &Row) {
    let check = r
        .check
        .map_or_else(|| "   -   ".to_string(), |d| format!("{:7.1}", ms(d)));
    println!(
        "  {label:<7} {n:>6} | create {:6.1} | start {:6.1} | inspect {:6.1} | stop {:6.1} | rm {:6.1} | ps -a json {:7.1} | system check {check}",
        ms(r.create),
        ms(r.start),
        ms(r.inspect),
        ms(r.stop),
        ms(r.rm),
        ms(r.ps),
    );
}

fn with_lpod(tmp: &Path, bin: &Path, tar: &Path, n: usize, rounds: usize) -> Result<(), String> {
    let dir = tmp.join(format!("lpod-{n}"));
    let rt = runtime(&dir, tar)?;
    let t0 = Instant::now();
    for i in 0..n {
        rt.create_container(CreateOptions {
            image: "busybox".into(),
            command: Some(vec!["true".into()]),
            network: NetworkMode::None,
            ..Default::default()
        })
        .map_err(|e| format!("populating: create #{i}: {e}"))?;
    }
    let fill = t0.elapsed();
    let cli = || lpod(bin, &dir);
    let result = time_cli(&cli, &[], rounds, n, true);
    let run_files = files_under(&dir.join("run"));
    let db = db_bytes(&dir.join("root"));
    let r = result?;
    print_row("lpod", n, &r);
    println!(
        "  {:<7} {n:>6} | state DB {:.1} MiB ({} B/container) | files under run root {} ({:.2}/container) | {n} creates took {:.1} s through the library",
        "",
        db as f64 / 1048576.0,
        db / n.max(1) as u64,
        run_files,
        run_files as f64 / n.max(1) as f64,
        fill.as_secs_f64(),
    );
    let t1 = Instant::now();
    run_out(cli().args(["rm", "-a", "-f"]))?;
    println!(
        "  {:<7} {n:>6} | rm -a -f of {n}: {:.1} s",
        "",
        t1.elapsed().as_secs_f64()
    );
    rt.reset().map_err(|e| e.to_string())?;
    rt.shutdown(true).map_err(|e| e.to_string())?;
    Ok(())
}

fn bench_podman(tmp: &Path, tar: &Path, n: usize, rounds: usize) -> Result<(), String> {
    let pdir = tmp.join(format!("podman-{n}"));
    podman_dir(&pdir, tar)?;
    podman_create_many(&pdir, n)?;
    let cli = || podman(&pdir);
    let r = time_cli(&cli, &PODMAN_ULIMITS, rounds, n, false);
    let _ = run_out(podman(&pdir).args(["rm", "-a", "-f"]));
    let r = r?;
    print_row("podman", n, &r);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ns: Vec<usize> = match args.iter().position(|a| a == "--n") {
        Some(i) => vec![args
            .get(i + 1)
            .and_then(|v| v.replace('k', "000").parse().ok())
            .ok_or("--n takes a number (e.g. 1000 or 10k)")?],
        None => vec![0, 1000, 10_000],
    };
    let rounds = env_num("LPOD_BENCH_N", 5).max(1);
    let with_podman = with_podman();
    let tar = busybox_tar()?;
    let bin = lpod_bin();
    if !bin.exists() {
        return Err(format!("{} missing: cargo build --release -p lpod", bin.display()).into());
    }
    println!("one container's verbs with N containers present (CLI, medians of {rounds}, ms):");
    for n in ns {
        let tmp = tempfile::Builder::new()
            .prefix("lpod-bench-scale-")
            .tempdir()?;
        let r = with_lpod(tmp.path(), &bin, &tar, n, rounds).and_then(|()| {
            if !with_podman {
                println!("  podman  {n:>6} | skipped");
                Ok(())
            } else if n >= PODMAN_NUM_LOCKS {
                println!("  podman  {n:>6} | cannot: num_locks is {PODMAN_NUM_LOCKS}");
                Ok(())
            } else {
                bench_podman(tmp.path(), &tar, n, rounds)
            }
        });
        unmount_below(tmp.path());
        r?;
    }
    Ok(())
}
