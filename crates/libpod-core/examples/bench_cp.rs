//! Bench: `cp` of a 100 MB tree (10 directories of 10 files of 1 MB, plus 100 small
//! files) from the host into a running container and back out, through the `lpod` CLI
//! next to Podman 4.3.1's `podman cp`, in the same run. Each copy goes to a new path
//! (removed, untimed, after each round). Podman runs in its own temp root, run root and
//! tmpdir inside a private mount namespace (see `bench_common`), never the host's
//! Podman paths. `cargo xtask bench cp` builds the release `lpod` first.
//!
//! Env: `LPOD_BENCH_CP_N` (rounds, default 5), `LPOD_BENCH_PODMAN=0` skips Podman,
//! `LPOD_BIN` (the lpod binary, default target/release/lpod), `LPOD_TEST_IMAGE_DIR`
//! (busybox.tar).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod bench_common;
use bench_common::*;

/// Writes the tree: 10 × 10 files of 1 MiB (pseudo-random bytes, so no filesystem can
/// skip them) and 100 files of 1 KiB; returns its size in bytes.
fn make_tree(dir: &Path) -> Result<u64, String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut total = 0;
    let mut block = vec![0u8; 1 << 20];
    for d in 0..10 {
        let sub = dir.join(format!("d{d}"));
        std::fs::create_dir_all(&sub).map_err(|e| format!("{}: {e}", sub.display()))?;
        for f in 0..10 {
            for chunk in block.chunks_mut(8) {
                chunk.copy_from_slice(&next().to_le_bytes());
            }
            let p = sub.join(format!("f{f}"));
            let mut file =
                std::fs::File::create(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            file.write_all(&block)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            total += block.len() as u64;
        }
    }
    let small = dir.join("small");
    std::fs::create_dir_all(&small).map_err(|e| format!("{}: {e}", small.display()))?;
    for f in 0..100 {
        let p = small.join(format!("s{f}"));
        std::fs::write(&p, &block[..1024]).map_err(|e| format!("{}: {e}", p.display()))?;
        total += 1024;
    }
    Ok(total)
}

struct CpTimes {
    into: Vec<Duration>,
    out: Vec<Duration>,
}

/// `cp TREE CTR:/inN` and `cp CTR:/src HOST/outN`, `n` rounds after one warm-up.
fn bench_cp(
    cmd: &dyn Fn() -> Command,
    extra: &[&str],
    tree: &Path,
    work: &Path,
    n: usize,
) -> Result<CpTimes, String> {
    let ctr = run_out(cmd().args(["run", "-d"]).args(extra).args([
        "--network",
        "none",
        "localhost/busybox",
        "sleep",
        "100000",
    ]))?;
    let result = (|| {
        // The source of the copies out.
        run_out(cmd().arg("cp").arg(tree).arg(format!("{ctr}:/src")))?;
        let mut t = CpTimes {
            into: Vec::new(),
            out: Vec::new(),
        };
        for i in 0..=n {
            let t0 = Instant::now();
            run_out(cmd().arg("cp").arg(tree).arg(format!("{ctr}:/in")))?;
            let t1 = Instant::now();
            let out = work.join(format!("out{i}"));
            run_out(cmd().arg("cp").arg(format!("{ctr}:/src")).arg(&out))?;
            let t2 = Instant::now();
            let got = du(&out);
            let want = du(tree);
            if got != want {
                return Err(format!("copied out {got} bytes, expected {want}"));
            }
            std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            run_out(cmd().args(["exec", &ctr, "rm", "-rf", "/in"]))?;
            if i > 0 {
                t.into.push(t1 - t0);
                t.out.push(t2 - t1);
            }
        }
        Ok(t)
    })();
    let _ = run_out(cmd().args(["rm", "-f", "-t", "0", &ctr]));
    result
}

/// Bytes in the regular files below `dir`.
fn du(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-cp-")
        .tempdir()?;
    let result = bench(tmp.path());
    unmount_below(tmp.path());
    result
}

fn bench(tmp: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let n = env_num("LPOD_BENCH_CP_N", 5).max(1);
    let tar = busybox_tar()?;
    let lpod_bin = lpod_bin();
    if !lpod_bin.exists() {
        return Err(format!(
            "{} missing: cargo build --release -p lpod",
            lpod_bin.display()
        )
        .into());
    }
    let tree = tmp.join("tree");
    let size = make_tree(&tree)?;
    let work = tmp.join("work");
    std::fs::create_dir_all(&work)?;

    let ldir = tmp.join("lpod");
    let rt = runtime(&ldir, &tar)?;
    rt.shutdown(true)?;
    let lpod_cli = || lpod(&lpod_bin, &ldir);
    let l = bench_cp(&lpod_cli, &[], &tree, &work, n)?;
    println!(
        "cp of a {:.0} MB tree (100 files of 1 MiB, 100 of 1 KiB) with a running container, N={n}, medians:",
        size as f64 / 1e6
    );
    let mbps = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
    println!(
        "  lpod (CLI)       into {:8.1} ms ({:5.0} MB/s)   out {:8.1} ms ({:5.0} MB/s)",
        ms(median(&l.into)),
        mbps(median(&l.into)),
        ms(median(&l.out)),
        mbps(median(&l.out)),
    );
    if with_podman() {
        let pdir = tmp.join("podman");
        podman_dir(&pdir, &tar)?;
        let p = bench_cp(&|| podman(&pdir), &PODMAN_ULIMITS, &tree, &work, n)?;
        println!(
            "  podman 4.3.1     into {:8.1} ms ({:5.0} MB/s)   out {:8.1} ms ({:5.0} MB/s)",
            ms(median(&p.into)),
            mbps(median(&p.into)),
            ms(median(&p.out)),
            mbps(median(&p.out)),
        );
        println!(
            "  ratio lpod/podman: into {:.3}  out {:.3}",
            ms(median(&l.into)) / ms(median(&p.into)),
            ms(median(&l.out)) / ms(median(&p.out)),
        );
        let _ = run_out(podman(&pdir).args(["rm", "-a", "-f", "-t", "0"]));
    } else {
        println!("  podman: skipped");
    }
    Ok(())
}
