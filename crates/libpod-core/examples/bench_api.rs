//! Bench: the Docker API. `docker run --rm --network none busybox true` with the real
//! Docker CLI through `lpod system service`, next to the same through `podman system
//! service` (Podman 4.3.1, confined like the other benches: own temp root, run root,
//! tmpdir and socket, in a private mount namespace) and next to `lpod run --rm`;
//! then requests/s of `GET /containers/json?all=1` with 100 containers present,
//! lpod's service next to Podman's (one client, sequential requests).
//!
//! Env: `LPOD_BENCH_N` (runs, default 20), `LPOD_BENCH_REQS` (list requests, default
//! 300), `LPOD_BENCH_CTRS` (containers for the list, default 100),
//! `LPOD_BENCH_PODMAN=0` skips Podman, `LPOD_BIN` (default target/release/lpod),
//! `DOCKER` (the Docker CLI, default /usr/local/bin/docker), `LPOD_TEST_IMAGE_DIR`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod bench_common;
use bench_common::*;

/// A service process, stopped with SIGTERM (then killed) on drop.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_service(mut cmd: Command, sock: &Path) -> Result<Service, String> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let svc = Service(child);
    let t0 = Instant::now();
    while UnixStream::connect(sock).is_err() {
        if t0.elapsed() > Duration::from_secs(60) {
            return Err(format!("no service on {} after 60 s", sock.display()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(svc)
}

fn docker_bin() -> PathBuf {
    std::env::var_os("DOCKER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/local/bin/docker"))
}

fn docker(sock: &Path, cfg: &Path) -> Command {
    let mut c = Command::new(docker_bin());
    c.env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .env("DOCKER_CONFIG", cfg)
        .env_remove("DOCKER_CONTEXT");
    c
}

/// `run --rm [extra] --network none busybox true` through `cmd`, N timed runs after
/// one warm-up.
fn time_runs(cmd: &dyn Fn() -> Command, extra: &[&str], n: usize) -> Result<Vec<Duration>, String> {
    let mut v = Vec::new();
    for i in 0..=n {
        let t0 = Instant::now();
        run_out(cmd().args(["run", "--rm"]).args(extra).args([
            "--network",
            "none",
            "localhost/busybox",
            "true",
        ]))?;
        if i > 0 {
            v.push(t0.elapsed());
        }
    }
    Ok(v)
}

/// `reqs` sequential `GET /containers/json?all=1` (one connection each); requests/s,
/// after checking that the list holds `want` containers.
fn list_rate(sock: &Path, reqs: usize, want: usize) -> Result<f64, String> {
    let one = || -> Result<Vec<u8>, String> {
        let mut s = UnixStream::connect(sock).map_err(|e| format!("{}: {e}", sock.display()))?;
        s.write_all(
            b"GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n",
        )
        .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
        Ok(buf)
    };
    let first = one()?;
    let text = String::from_utf8_lossy(&first);
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    // A chunked body (Podman's) holds the array between its size lines.
    let start = body.find('[').unwrap_or(0);
    let end = body.rfind(']').map(|e| e + 1).unwrap_or(body.len());
    let list: serde_json::Value = serde_json::from_str(&body[start..end])
        .map_err(|e| format!("list body: {e}: {}", &body[..body.len().min(200)]))?;
    let got = list.as_array().map(Vec::len).unwrap_or(0);
    if got != want {
        return Err(format!("the list holds {got} containers, expected {want}"));
    }
    let t0 = Instant::now();
    for _ in 0..reqs {
        one()?;
    }
    Ok(reqs as f64 / t0.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-api-")
        .tempdir()?;
    let result = bench(tmp.path());
    unmount_below(tmp.path());
    result
}

fn bench(tmp: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let n = env_num("LPOD_BENCH_N", 20).max(1);
    let reqs = env_num("LPOD_BENCH_REQS", 300).max(1);
    let ctrs = env_num("LPOD_BENCH_CTRS", 100);
    let tar = busybox_tar()?;
    let bin = lpod_bin();
    if !bin.exists() {
        return Err(format!("{} missing (cargo build --release -p lpod)", bin.display()).into());
    }
    if !docker_bin().exists() {
        return Err(format!("{} missing (cargo xtask setup)", docker_bin().display()).into());
    }
    let dcfg = tmp.join("docker-config");
    std::fs::create_dir_all(&dcfg)?;

    let ldir = tmp.join("lpod");
    run_out(lpod(&bin, &ldir).arg("load").arg("-i").arg(&tar))?;
    let lsock = tmp.join("lpod.sock");
    let lsvc = start_service(
        {
            let mut c = lpod(&bin, &ldir);
            c.args(["system", "service", "--time", "0"])
                .arg(format!("unix://{}", lsock.display()));
            c
        },
        &lsock,
    )?;
    let lpod_api = time_runs(&|| docker(&lsock, &dcfg), &[], n)?;
    let lpod_cli = time_runs(&|| lpod(&bin, &ldir), &[], n)?;

    let with_podman = with_podman();
    let pdir = tmp.join("podman");
    let psock = tmp.join("podman.sock");
    let mut podman_api = None;
    let mut psvc = None;
    if with_podman {
        podman_dir(&pdir, &tar)?;
        let mut c = podman(&pdir);
        c.args(["system", "service", "--time", "0"])
            .arg(format!("unix://{}", psock.display()));
        psvc = Some(start_service(c, &psock)?);
        podman_api = Some(time_runs(&|| docker(&psock, &dcfg), &PODMAN_ULIMITS, n)?);
    }

    println!("docker run --rm --network none busybox true, N={n}, medians:");
    println!(
        "  docker CLI -> lpod system service    {:8.1} ms",
        ms(median(&lpod_api))
    );
    if let Some(p) = &podman_api {
        println!(
            "  docker CLI -> podman system service  {:8.1} ms",
            ms(median(p))
        );
    }
    println!(
        "  lpod run --rm (CLI, no service)      {:8.1} ms",
        ms(median(&lpod_cli))
    );
    if let Some(p) = &podman_api {
        println!(
            "  ratio lpod service/podman service: {:.3}",
            ms(median(&lpod_api)) / ms(median(p))
        );
    }
    println!(
        "  ratio lpod service/lpod CLI:       {:.3}",
        ms(median(&lpod_api)) / ms(median(&lpod_cli))
    );

    // The list with `ctrs` created containers.
    for _ in 0..ctrs {
        run_out(lpod(&bin, &ldir).args([
            "create",
            "--network",
            "none",
            "localhost/busybox",
            "true",
        ]))?;
    }
    let lrate = list_rate(&lsock, reqs, ctrs)?;
    println!("GET /containers/json?all=1 with {ctrs} containers, {reqs} sequential requests:");
    println!("  lpod system service    {lrate:8.1} req/s");
    if with_podman {
        podman_create_many(&pdir, ctrs)?;
        let prate = list_rate(&psock, reqs, ctrs)?;
        println!("  podman system service  {prate:8.1} req/s");
        println!(
            "  ratio lpod/podman (req/s, higher is better): {:.3}",
            lrate / prate
        );
    }
    drop(lsvc);
    drop(psvc);
    run_out(lpod(&bin, &ldir).args(["rm", "-a", "-f"]))?;
    if with_podman {
        run_out(podman(&pdir).args(["rm", "-a", "-f"]))?;
    }
    Ok(())
}
