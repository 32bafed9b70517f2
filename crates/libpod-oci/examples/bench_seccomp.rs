//! Bench: what the default seccomp profile costs. For runc and crun, create+start+wait+delete
//! of `/bin/true` through our conmon driver with `SeccompPolicy::Default` and with
//! `Unconfined`, interleaved, median of N each; plus a bare `<runtime> run` of the same bundle
//! timed in wall-clock and in CPU time (user+sys of the runtime and its children, which a
//! loaded machine disturbs much less than wall-clock), and the cost of generating the spec.
//!
//! `cargo run -p libpod-oci --example bench_seccomp` (as root).
//! Env: `LPOD_BENCH_N` (default 20), `LPOD_BENCH_RUNTIME` (`runc`, `crun`; default both).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libpod_oci::{
    ConmonConfig, ConmonRuntime, CreateOptions, OciRuntime, RuntimeKind, SeccompPolicy, SpecInput,
};

mod common;
use common::{busybox_rootfs, median, ms, remove_cgroup_parent};

fn children_cpu() -> Duration {
    // SAFETY: rusage is plain old data that getrusage fills.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// A bare `<runtime> run` of `bundle` (its config.json already written): (wall, CPU).
fn bare_run(
    runtime: &Path,
    root: &Path,
    bundle: &Path,
    id: &str,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let cpu = children_cpu();
    let t = Instant::now();
    let status = Command::new(runtime)
        .arg(format!("--root={}", root.display()))
        .args(["run", "--bundle"])
        .arg(bundle)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()?;
    let wall = t.elapsed();
    if !status.success() {
        return Err(format!("bare {} run {id} failed", runtime.display()).into());
    }
    Ok((wall, children_cpu() - cpu))
}

/// One create+start+wait+delete; returns (spec generation, container run) durations.
fn run_once(
    rt: &ConmonRuntime,
    rootfs: &Path,
    tmp: &Path,
    cgroup_parent: &Path,
    id: &str,
    policy: &SeccompPolicy,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let mut input = SpecInput::new(rootfs, vec!["/bin/true".into()]);
    input.cgroup_path = Some(SpecInput::cgroup_path_for(Some(cgroup_parent), id));
    input.seccomp = policy.clone();
    let t = Instant::now();
    let spec = input.to_spec()?;
    let gen = t.elapsed();
    let bundle = tmp.join("bundles").join(id);
    let t = Instant::now();
    rt.create(id, &bundle, &spec, &CreateOptions::default())?;
    rt.start(id)?;
    let exit = rt.wait_exit(id, Duration::from_secs(60))?;
    rt.delete(id, false)?;
    let run = t.elapsed();
    rt.cleanup_files(id)?;
    if exit.exit_code != 0 {
        return Err(format!("/bin/true exited {} ({id})", exit.exit_code).into());
    }
    Ok((gen, run))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("LPOD_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let kinds = match std::env::var("LPOD_BENCH_RUNTIME").as_deref() {
        Ok("runc") => vec![RuntimeKind::Runc],
        Ok("crun") => vec![RuntimeKind::Crun],
        _ => vec![RuntimeKind::Runc, RuntimeKind::Crun],
    };
    // first use parses the built-in rules; measured on its own
    let t = Instant::now();
    libpod_oci::seccomp::default_profile()?;
    let first_parse = t.elapsed();

    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-seccomp-")
        .tempdir()?;
    let rootfs = busybox_rootfs(tmp.path())?;
    let cgroup_parent = PathBuf::from(format!("/lpod-bench-seccomp-{}", std::process::id()));
    println!("bench seccomp (N={n}): create+start+wait+delete /bin/true, median");
    println!(
        "  parsing the built-in profile (once per process): {:.3} ms",
        ms(first_parse)
    );
    let policies = [
        ("default", SeccompPolicy::Default),
        ("unconfined", SeccompPolicy::Unconfined),
    ];
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        for kind in kinds {
            let rt = ConmonRuntime::new(ConmonConfig::for_kind(
                kind,
                tmp.path().join(format!("run-{}", kind.name())),
            )?)?;
            let mut gen: [Vec<Duration>; 2] = Default::default();
            let mut run: [Vec<Duration>; 2] = Default::default();
            let mut bare_wall: [Vec<Duration>; 2] = Default::default();
            let mut bare_cpu: [Vec<Duration>; 2] = Default::default();
            // one warm-up each, then interleave so drift hits both alike
            for (name, policy) in &policies {
                let id = format!("warm-{}-{name}-{}", kind.name(), std::process::id());
                run_once(&rt, &rootfs, tmp.path(), &cgroup_parent, &id, policy)?;
            }
            for i in 0..n {
                for (p, (name, policy)) in policies.iter().enumerate() {
                    let id = format!("b-{}-{name}-{}-{i}", kind.name(), std::process::id());
                    let (g, r) = run_once(&rt, &rootfs, tmp.path(), &cgroup_parent, &id, policy)?;
                    gen[p].push(g);
                    run[p].push(r);
                    let bundle = tmp.path().join("bundles").join(&id);
                    let (w, c) = bare_run(
                        &rt.config().runtime_path,
                        &tmp.path().join("bare-root"),
                        &bundle,
                        &format!("bare-{id}"),
                    )?;
                    bare_wall[p].push(w);
                    bare_cpu[p].push(c);
                }
            }
            let g: Vec<f64> = gen.iter_mut().map(|v| ms(median(v))).collect();
            let r: Vec<f64> = run.iter_mut().map(|v| ms(median(v))).collect();
            let bw: Vec<f64> = bare_wall.iter_mut().map(|v| ms(median(v))).collect();
            let bc: Vec<f64> = bare_cpu.iter_mut().map(|v| ms(median(v))).collect();
            println!(
                "  {:<4} lpod driver wall: default {:7.2} ms  unconfined {:7.2} ms  cost {:+.2} ms  \
                 (to_spec: {:.3} vs {:.3} ms)",
                kind.name(),
                r[0],
                r[1],
                r[0] - r[1],
                g[0],
                g[1]
            );
            println!(
                "       bare `{} run` wall: default {:7.2} ms  unconfined {:7.2} ms  cost {:+.2} ms",
                kind.name(),
                bw[0],
                bw[1],
                bw[0] - bw[1]
            );
            println!(
                "       bare `{} run` CPU:  default {:7.2} ms  unconfined {:7.2} ms  cost {:+.2} ms",
                kind.name(),
                bc[0],
                bc[1],
                bc[0] - bc[1]
            );
        }
        Ok(())
    })();
    remove_cgroup_parent(&cgroup_parent);
    result
}
