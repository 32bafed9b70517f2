//! Harness of the API tests: a private lpod world (root, run root, config), the
//! busybox test image, `lpod system service` on a socket in the world's temp dir, and
//! the real Docker CLI pointed at it. Everything is torn down on drop.
#![allow(dead_code)]

pub use lpod_test_support::*;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest one command may take before the test calls it hung.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(90);

/// One command's result.
#[derive(Debug)]
pub struct Out {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/lpod-api has a workspace root two levels up")
        .to_path_buf()
}

/// The lpod binary: `$LPOD_BIN`, else `lpod` beside this test's `deps` directory
/// (cargo builds the workspace's binaries for `cargo test --workspace`).
pub fn lpod_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("LPOD_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(|d| d.join("lpod"))
        .expect("target dir")
}

/// Where busybox.tar is: `$LPOD_TEST_IMAGE_DIR`, else `<workspace>/target/test-image`.
pub fn test_image_tar() -> PathBuf {
    std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/test-image"))
        .join("busybox.tar")
}

/// The Docker CLI (`/usr/local/bin/docker`, else on PATH).
pub fn docker_bin() -> Option<PathBuf> {
    let local = PathBuf::from("/usr/local/bin/docker");
    if local.is_file() {
        return Some(local);
    }
    which("docker")
}

/// Runs a command with piped output, killing it (and failing) past the deadline.
pub fn run_bounded(mut cmd: Command, input: Option<&[u8]>, what: &str) -> Out {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {what}: {e}"));
    if let Some(data) = input {
        let mut sin = child.stdin.take().expect("piped");
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = sin.write_all(&data);
        });
    }
    let mut so = child.stdout.take().expect("piped");
    let mut se = child.stderr.take().expect("piped");
    let t1 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = so.read_to_end(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = se.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > COMMAND_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {COMMAND_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Out {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&t1.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&t2.join().unwrap_or_default()).into_owned(),
    }
}

/// A private lpod world with the API service running on it.
pub struct World {
    dir: tempfile::TempDir,
    /// `--root`.
    pub root: PathBuf,
    /// `--runroot`.
    pub runroot: PathBuf,
    /// The service's socket.
    pub socket: PathBuf,
    /// The busybox image's name.
    pub image: String,
    docker: PathBuf,
    service: Option<Child>,
}

impl World {
    /// A world with the busybox image loaded and the service started, or `None` on a
    /// laptop without root, crun, conmon, the test image or the Docker CLI (in CI a
    /// missing prerequisite fails the test).
    pub fn start(extra_config: &str) -> Option<World> {
        let mut missing = Vec::new();
        if !is_root() {
            missing.push("root".to_string());
        }
        for bin in ["crun", "conmon"] {
            if which(bin).is_none() {
                missing.push(bin.to_string());
            }
        }
        if !test_image_tar().is_file() {
            missing.push(format!(
                "{} (run `cargo xtask test-image`)",
                test_image_tar().display()
            ));
        }
        if !lpod_bin().is_file() {
            missing.push(format!(
                "{} (build it: cargo build -p lpod)",
                lpod_bin().display()
            ));
        }
        let docker = docker_bin();
        if docker.is_none() {
            missing.push("the docker CLI (cargo xtask setup installs docker.io's client)".into());
        }
        if !require(missing.is_empty(), &missing.join(", ")) {
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("lpod-api-t-")
            .tempdir()
            .expect("temp dir");
        let mut w = World {
            root: dir.path().join("root"),
            runroot: dir.path().join("run"),
            socket: dir.path().join("api.sock"),
            dir,
            image: String::new(),
            docker: docker.expect("checked"),
            service: None,
        };
        std::fs::write(
            w.dir.path().join("lpod.toml"),
            format!("default_network_mode = \"none\"\n{extra_config}"),
        )
        .expect("write lpod.toml");
        std::fs::write(w.dir.path().join("registries.conf"), "").expect("registries.conf");
        std::fs::create_dir_all(w.dir.path().join("docker-config")).expect("docker config dir");
        let tar = test_image_tar();
        let out = w.lpod(&["load", "-i", tar.to_str().expect("utf-8 path")]);
        assert_eq!(out.code, 0, "load: {out:?}");
        w.image = "localhost/busybox:latest".into();
        let sock = format!("unix://{}", w.socket.display());
        let child = w
            .lpod_cmd(&["system", "service", "--time", "0", &sock])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(w.dir.path().join("service.log")).expect("service log"))
            .spawn()
            .expect("spawn lpod system service");
        w.service = Some(child);
        poll_until("the API socket", POLL_LIMIT, || {
            UnixStream::connect(&w.socket).ok().map(|_| ())
        });
        Some(w)
    }

    /// The temp dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The service's pid.
    pub fn service_pid(&self) -> i32 {
        self.service.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }

    /// A command for lpod with this world's flags.
    pub fn lpod_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(lpod_bin());
        c.arg("--root")
            .arg(&self.root)
            .arg("--runroot")
            .arg(&self.runroot)
            .arg("--runtime")
            .arg("crun")
            .args(args)
            .env("LPOD_CONFIG", self.dir.path().join("lpod.toml"))
            .env(
                "CONTAINERS_REGISTRIES_CONF",
                self.dir.path().join("registries.conf"),
            )
            .stdin(Stdio::null());
        c
    }

    /// Runs lpod.
    pub fn lpod(&self, args: &[&str]) -> Out {
        run_bounded(self.lpod_cmd(args), None, &format!("lpod {args:?}"))
    }

    fn docker_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.docker);
        c.args(args)
            .env("DOCKER_HOST", format!("unix://{}", self.socket.display()))
            .env("DOCKER_CONFIG", self.dir.path().join("docker-config"))
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY");
        c
    }

    /// Runs the Docker CLI against the service.
    pub fn docker(&self, args: &[&str]) -> Out {
        run_bounded(self.docker_cmd(args), None, &format!("docker {args:?}"))
    }

    /// Runs the Docker CLI with `input` on its stdin.
    pub fn docker_in(&self, args: &[&str], input: &[u8]) -> Out {
        run_bounded(
            self.docker_cmd(args),
            Some(input),
            &format!("docker {args:?}"),
        )
    }

    /// Runs the Docker CLI and asserts success; stdout trimmed.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert_eq!(out.code, 0, "docker {args:?}: {out:?}");
        out.stdout.trim().to_string()
    }

    /// One raw HTTP/1.1 request on the socket; returns (status, headers+body text).
    pub fn raw(&self, request: &[u8]) -> (u16, String) {
        let mut s = UnixStream::connect(&self.socket).expect("connect to the API socket");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        // The service may answer (413) and close before a huge body is sent.
        let _ = s.write_all(request);
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    /// `lpod system check` findings (empty when clean).
    pub fn check_findings(&self) -> Vec<serde_json::Value> {
        let out = self.lpod(&["system", "check", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("system check json {e}: {out:?}"));
        v["findings"]
            .as_array()
            .or_else(|| v["Findings"].as_array())
            .cloned()
            .unwrap_or_default()
    }

    /// Stops the service with SIGTERM and returns its exit status code.
    pub fn stop_service(&mut self) -> Option<i32> {
        let mut c = self.service.take()?;
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(c.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let start = Instant::now();
        loop {
            if let Ok(Some(st)) = c.try_wait() {
                return st.code();
            }
            if start.elapsed() > COMMAND_DEADLINE {
                let _ = c.kill();
                let _ = c.wait();
                panic!("lpod system service did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log =
                std::fs::read_to_string(self.dir.path().join("service.log")).unwrap_or_default();
            eprintln!("--- lpod system service log ---\n{log}");
        }
        if let Some(mut c) = self.service.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if self.root.exists() {
            let mut c = self.lpod_cmd(&["rm", "-fa", "-t", "0"]);
            c.stdout(Stdio::null()).stderr(Stdio::null());
            if let Ok(mut child) = c.spawn() {
                let start = Instant::now();
                while matches!(child.try_wait(), Ok(None)) {
                    if start.elapsed() > Duration::from_secs(60) {
                        let _ = child.kill();
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                let _ = child.wait();
            }
        }
        // conmon processes naming our paths (only ours).
        if let Ok(rd) = std::fs::read_dir("/proc") {
            let ours = self.dir.path().to_string_lossy().into_owned();
            for e in rd.flatten() {
                let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                    continue;
                };
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let cmd = String::from_utf8_lossy(&cmd);
                if cmd.starts_with("/usr/bin/conmon") && cmd.contains(&ours) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
        }
        let mut mounts = mounts_under(self.dir.path());
        mounts.sort_by_key(|m| std::cmp::Reverse(m.as_os_str().len()));
        for m in mounts {
            let _ = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH);
        }
    }
}

/// GET `path` from 127.0.0.1:`port`; the body, or `None` while nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).ok()?;
    r.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}
