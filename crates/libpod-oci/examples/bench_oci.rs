//! Bench: create+start+wait+delete of `/bin/true` through our conmon driver, next to a bare
//! `<runtime> run` of the same bundle, in the same run. `cargo xtask bench oci`.
//!
//! Env: `LPOD_BENCH_N` (default 20), `LPOD_BENCH_RUNTIME` (`crun` default, or `runc`).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libpod_oci::{ConmonConfig, ConmonRuntime, CreateOptions, OciRuntime, RuntimeKind, SpecInput};

mod common;
use common::{busybox_rootfs, median, ms, remove_cgroup_parent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("LPOD_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let kind = match std::env::var("LPOD_BENCH_RUNTIME").as_deref() {
        Ok("runc") => RuntimeKind::Runc,
        _ => RuntimeKind::Crun,
    };
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-oci-")
        .tempdir()?;
    let rootfs = busybox_rootfs(tmp.path())?;
    let rt = ConmonRuntime::new(ConmonConfig::for_kind(kind, tmp.path().join("run"))?)?;
    let cgroup_parent = PathBuf::from(format!("/lpod-bench-{}", std::process::id()));

    let mut ours = Vec::with_capacity(n);
    let mut split = Vec::with_capacity(n);
    let mut phases: [Vec<Duration>; 4] = Default::default();
    let mut bare = Vec::with_capacity(n);
    for i in 0..n {
        // ours: conmon + runtime create, start, wait for conmon's exit file, delete
        let id = format!("bench-{}-{i}", std::process::id());
        let mut input = SpecInput::new(&rootfs, vec!["/bin/true".into()]);
        input.cgroup_path = Some(SpecInput::cgroup_path_for(Some(&cgroup_parent), &id));
        let spec = input.to_spec()?;
        let bundle = tmp.path().join("bundles").join(&id);
        let t = Instant::now();
        rt.create(&id, &bundle, &spec, &CreateOptions::default())?;
        let t1 = Instant::now();
        rt.start(&id)?;
        let t2 = Instant::now();
        let exit = rt.wait_exit(&id, Duration::from_secs(60))?;
        let t3 = Instant::now();
        rt.delete(&id, false)?;
        let t4 = Instant::now();
        ours.push(t.elapsed());
        phases[0].push(t1 - t);
        phases[1].push(t2 - t1);
        phases[2].push(t3 - t2);
        phases[3].push(t4 - t3);
        rt.cleanup_files(&id)?;
        assert_eq!(exit.exit_code, 0, "/bin/true failed under our driver");

        // bare: `<runtime> run` of the same bundle (already has config.json)
        let bare_id = format!("bare-{}-{i}", std::process::id());
        let t = Instant::now();
        let status = Command::new(&rt.config().runtime_path)
            .arg(format!("--root={}", tmp.path().join("bare-root").display()))
            .args(["run", "--bundle"])
            .arg(&bundle)
            .arg(&bare_id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()?;
        bare.push(t.elapsed());
        assert!(status.success(), "bare {} run failed", kind.name());

        // bare split verbs without conmon: create, start, wait for the pid, delete
        let split_id = format!("split-{}-{i}", std::process::id());
        let pidfile = tmp.path().join("split.pid");
        let root_arg = format!("--root={}", tmp.path().join("bare-root").display());
        let runtime = |args: &[&str]| -> std::io::Result<std::process::ExitStatus> {
            Command::new(&rt.config().runtime_path)
                .arg(&root_arg)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .status()
        };
        let t = Instant::now();
        let bundle_s = bundle.display().to_string();
        let pidfile_s = pidfile.display().to_string();
        runtime(&[
            "create",
            "--bundle",
            &bundle_s,
            "--pid-file",
            &pidfile_s,
            &split_id,
        ])?;
        let pid: i32 = std::fs::read_to_string(&pidfile)?.trim().parse()?;
        // SAFETY: pidfd_open takes plain integers and returns a new fd or -1.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
        runtime(&["start", &split_id])?;
        if pidfd >= 0 {
            let mut pfd = libc::pollfd {
                fd: pidfd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: pfd is a valid pollfd for the duration of the call; we own pidfd.
            unsafe {
                libc::poll(&mut pfd, 1, 60_000);
                libc::close(pidfd);
            }
        }
        runtime(&["delete", "--force", &split_id])?;
        split.push(t.elapsed());
    }
    remove_cgroup_parent(&cgroup_parent);
    let (o, b, sp) = (median(&mut ours), median(&mut bare), median(&mut split));
    println!(
        "bench oci ({}, N={n}): create+start+wait+delete /bin/true",
        kind.name()
    );
    println!(
        "  lpod driver (conmon + {}): median {:.2} ms",
        kind.name(),
        ms(o)
    );
    println!(
        "  bare `{} run`:            median {:.2} ms",
        kind.name(),
        ms(b)
    );
    println!(
        "  bare split {0} create/start/delete (no conmon): median {1:.2} ms",
        kind.name(),
        ms(sp)
    );
    println!("  overhead vs `run`:          {:.2} ms", ms(o) - ms(b));
    println!(
        "  overhead vs split verbs (conmon + driver): {:.2} ms",
        ms(o) - ms(sp)
    );
    let names = ["create", "start", "wait", "delete"];
    let parts: Vec<String> = phases
        .iter_mut()
        .zip(names)
        .map(|(v, name)| format!("{name} {:.2}", ms(median(v))))
        .collect();
    println!("  driver phases (median ms):  {}", parts.join(", "));
    Ok(())
}
