//! Test harness for the `lpod` system tests: the real binary, a private root and run root,
//! the busybox test image, and a Drop guard that leaves nothing behind.
#![allow(dead_code, unused_imports)]

pub use lpod_test_support::*;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a single lpod command may take before the test calls it hung.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(90);

/// The output of one lpod invocation.
#[derive(Debug)]
pub struct Out {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Out {
    /// Asserts a Podman-style error: the given code and exactly one `Error: ...` line.
    pub fn assert_error(&self, code: i32, what: &str) {
        assert_eq!(self.code, code, "{what}: {self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{what}: want one stderr line: {self:?}");
        assert!(lines[0].starts_with("Error: "), "{what}: {self:?}");
    }
}

/// What `lpod system check --format json` reported ([`Lpod::system_check`]).
#[derive(Debug)]
pub struct CheckReport {
    /// Exit code: 0 clean, 1 findings remain.
    pub code: i32,
    /// The findings that remain.
    pub findings: Vec<serde_json::Value>,
    /// What `--repair` repaired (empty without it).
    pub repaired: Vec<serde_json::Value>,
}

/// The lpod binary under test.
pub fn lpod_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lpod"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/lpod has a workspace root two levels up")
        .to_path_buf()
}

/// Where busybox.tar is: `$LPOD_TEST_IMAGE_DIR`, else `<workspace>/target/test-image`.
pub fn test_image_tar() -> PathBuf {
    let dir = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/test-image"));
    dir.join("busybox.tar")
}

/// Checks what the container tests need; `None` (with a note) on a laptop, a panic in CI.
fn prerequisites(need_containers: bool) -> Option<()> {
    let mut missing = Vec::new();
    if need_containers {
        if !is_root() {
            missing.push("root".to_string());
        }
        for bin in ["crun", "conmon"] {
            if which(bin).is_none() {
                missing.push(bin.to_string());
            }
        }
        let tar = test_image_tar();
        if !tar.is_file() {
            missing.push(format!("{} (run `cargo xtask test-image`)", tar.display()));
        }
    }
    require(missing.is_empty(), &missing.join(", ")).then_some(())
}

/// One test's private lpod world.
pub struct Lpod {
    dir: tempfile::TempDir,
    /// `--root`.
    pub root: PathBuf,
    /// `--runroot`.
    pub runroot: PathBuf,
    /// The busybox image's name once loaded.
    pub image: String,
    /// Children spawned through [`Lpod::spawn`] (killed on drop if still running).
    children: Vec<Child>,
    /// This world's default network's own bridge and subnet (in its lpod.toml): a pod
    /// or `--network bridge` container without a network never lands on the shared
    /// `lpod0`/10.89.0.0/24. Deleted on drop, after the containers.
    default_bridge: Bridge,
    default_subnet: String,
}

impl Lpod {
    /// A world with no image, for tests that need no containers (still needs nothing else).
    pub fn bare() -> Lpod {
        let dir = tempfile::Builder::new()
            .prefix("lpod-t-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path().join("root");
        let runroot = dir.path().join("run");
        Lpod {
            dir,
            root,
            runroot,
            image: String::new(),
            children: Vec::new(),
            default_bridge: Bridge::free("lpcli"),
            default_subnet: free_subnet(&[]),
        }
    }

    /// A world with the busybox image loaded, or `None` when a laptop lacks the prerequisites.
    pub fn with_image() -> Option<Lpod> {
        prerequisites(true)?;
        let mut l = Lpod::bare();
        let tar = test_image_tar();
        let out = l.run(&["load", "-i", tar.to_str().expect("utf-8 path")]);
        assert_eq!(out.code, 0, "load: {out:?}");
        let images = l.ok(&["images", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&images).expect("images json");
        let first = &v[0];
        let name = first["Names"][0]
            .as_str()
            .or_else(|| first["RepoTags"][0].as_str())
            .unwrap_or_else(|| panic!("no image name in {images}"));
        l.image = name.to_string();
        Some(l)
    }

    /// The temp directory (for test files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// This world's lpod.toml (written on first use).
    pub fn config_file(&self) -> PathBuf {
        let p = self.dir.path().join("lpod.toml");
        if !p.exists() {
            std::fs::write(
                &p,
                format!(
                    "default_network_mode = \"none\"\ndefault_bridge = \"{}\"\ndefault_subnet = \"{}\"\n",
                    self.default_bridge.name(),
                    self.default_subnet
                ),
            )
            .unwrap();
        }
        p
    }

    /// This world's registries.conf (empty; written on first use).
    pub fn registries_conf(&self) -> PathBuf {
        let p = self.dir.path().join("registries-empty.conf");
        if !p.exists() {
            std::fs::write(&p, "").unwrap();
        }
        p
    }

    /// A command for the lpod binary with this world's global flags.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(lpod_bin());
        c.arg("--root")
            .arg(&self.root)
            .arg("--runroot")
            .arg(&self.runroot)
            .arg("--runtime")
            .arg("crun")
            .args(args)
            // Tests choose their networks: a container without `--network` gets
            // none, not the shared default bridge.
            .env("LPOD_CONFIG", self.config_file())
            // Nor the host's registries.conf (its short-name aliases, mirrors): an empty one.
            .env("CONTAINERS_REGISTRIES_CONF", self.registries_conf())
            .stdin(Stdio::null());
        c
    }

    /// Runs lpod to completion (bounded by [`COMMAND_DEADLINE`]).
    pub fn run(&self, args: &[&str]) -> Out {
        run_bounded(self.cmd(args), args)
    }

    /// Runs lpod and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, 0, "lpod {args:?}: {out:?}");
        out.stdout
    }

    /// Runs lpod and asserts success; returns stdout trimmed (an id, a name, one value).
    pub fn ok_trim(&self, args: &[&str]) -> String {
        self.ok(args).trim().to_string()
    }

    /// Starts lpod in the background (stdout/stderr piped); killed on drop if still running.
    pub fn spawn(&mut self, args: &[&str]) -> &mut Child {
        let child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lpod");
        self.children.push(child);
        self.children.last_mut().expect("just pushed")
    }

    /// Runs lpod with output discarded, killed after 30 s; for cleanup.
    fn run_quiet(&self, args: &[&str]) -> Option<i32> {
        let mut c = self.cmd(args);
        c.stdout(Stdio::null()).stderr(Stdio::null());
        let mut child = c.spawn().ok()?;
        let start = Instant::now();
        while matches!(child.try_wait(), Ok(None)) {
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        child.wait().ok()?.code()
    }

    /// Starts another program (not lpod) in the background, output discarded; killed on
    /// drop if still running. Returns its pid.
    pub fn spawn_raw(&mut self, program: &str, args: &[&str]) -> i32 {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        let pid = child.id() as i32;
        self.children.push(child);
        pid
    }

    /// The child most recently started with [`Lpod::spawn`].
    pub fn children_last(&mut self) -> &mut Child {
        self.children.last_mut().expect("a spawned child")
    }

    /// Polls `f` until it returns `Some`, for up to [`POLL_LIMIT`] (a liveness bound, not a
    /// timing test).
    pub fn wait_for<T>(&self, what: &str, f: impl FnMut() -> Option<T>) -> T {
        poll_until(what, POLL_LIMIT, f)
    }

    /// `inspect --format TEMPLATE NAME`, trimmed.
    pub fn inspect(&self, name: &str, template: &str) -> String {
        self.ok(&["inspect", "--format", template, name])
            .trim()
            .to_string()
    }

    /// `ps -a --format json`, parsed.
    pub fn ps_all(&self) -> Vec<serde_json::Value> {
        let s = self.ok(&["ps", "-a", "--format", "json"]);
        serde_json::from_str(&s).unwrap_or_else(|e| panic!("ps json {e}: {s}"))
    }

    /// `system check [ARGS...] --format json`, parsed. It must exit 0 (clean) or 1
    /// (findings remain) and print a JSON report whose `findings` array is empty
    /// exactly when it exits 0; anything else fails the test (an audit that cannot run
    /// is not a clean audit).
    pub fn system_check(&self, args: &[&str]) -> CheckReport {
        let mut all = vec!["system", "check"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        let out = self.run(&all);
        assert!(
            out.code == 0 || out.code == 1,
            "{all:?} must exit 0 or 1: {out:?}"
        );
        let v: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{all:?} printed no JSON ({e}): {out:?}"));
        let findings = v["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{all:?}: the JSON has no findings array: {out:?}"))
            .clone();
        assert_eq!(
            findings.is_empty(),
            out.code == 0,
            "{all:?}: exit code and findings disagree: {out:?}"
        );
        CheckReport {
            code: out.code,
            findings,
            repaired: v["repaired"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// Ids of the storage's container records (`ROOT/storage/containers/ID.json`, one
    /// file per container; none when the store has no such directory yet), sorted. A
    /// record that does not parse, or names another id, fails the test.
    pub fn storage_containers(&self) -> Vec<String> {
        let dir = self.root.join("storage/containers");
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => panic!("read {}: {e}", dir.display()),
        };
        let mut ids: Vec<String> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .map(|f| {
                let text = std::fs::read_to_string(&f)
                    .unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
                let v: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}: {text}", f.display()));
                let id = v["id"].as_str().unwrap_or_default().to_string();
                assert_eq!(
                    f.file_stem().map(|s| s.to_string_lossy().into_owned()),
                    Some(id.clone()),
                    "{}: names another id: {text}",
                    f.display()
                );
                id
            })
            .collect();
        ids.sort();
        ids
    }

    /// Mount points under this world's root or run root, from /proc/self/mountinfo.
    pub fn mounts(&self) -> Vec<PathBuf> {
        let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        info.lines()
            .filter_map(|l| l.split(' ').nth(4))
            .map(unescape_mount)
            .map(PathBuf::from)
            .filter(|p| p.starts_with(self.dir.path()))
            .collect()
    }

    /// Processes whose command line names this world's paths and passes `is_kind`
    /// (given the split argv). One /proc walk for conmons, slirp4netns and monitors.
    fn processes_of_ours(&self, is_kind: impl Fn(&[String]) -> bool) -> Vec<i32> {
        let ours = self.dir.path().to_string_lossy().into_owned();
        let mut pids = Vec::new();
        let Ok(rd) = std::fs::read_dir("/proc") else {
            return pids;
        };
        for e in rd.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
                continue;
            };
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            if is_kind(&args) && args.iter().any(|a| a.contains(&ours)) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Live processes of the lpod binary under test that name this world's paths (the
    /// exit command's cleanup, waiting out a backoff, is one). Never conmon.
    pub fn lpod_processes(&self) -> Vec<i32> {
        let bin = std::fs::canonicalize(lpod_bin()).expect("lpod binary");
        let mut pids = self.processes_of_ours(|_| true);
        pids.retain(|p| {
            std::fs::read_link(format!("/proc/{p}/exe")).ok().as_ref() == Some(&bin) && pid_live(*p)
        });
        pids
    }

    /// Live conmon processes that belong to this world (their command line names our paths).
    pub fn conmons(&self) -> Vec<i32> {
        self.processes_of_ours(|args| {
            args.first()
                .is_some_and(|a0| a0.rsplit('/').next() == Some("conmon"))
        })
    }

    /// Live (non-zombie) slirp4netns processes of this world (their netns path
    /// argument names our run root).
    pub fn slirps(&self) -> Vec<i32> {
        let mut pids = self.processes_of_ours(|args| {
            args.first()
                .is_some_and(|a0| a0.rsplit('/').next() == Some("slirp4netns"))
        });
        pids.retain(|p| pid_live(*p));
        pids
    }

    /// Live (non-zombie) healthcheck monitor processes of this world: `container
    /// healthmonitor` command lines that name our paths.
    pub fn health_monitors(&self) -> Vec<i32> {
        let mut pids = self.processes_of_ours(|args| {
            args.windows(2)
                .any(|w| w[0] == "container" && w[1] == "healthmonitor")
        });
        pids.retain(|p| pid_live(*p));
        pids
    }

    /// Pids named by pidfiles under the run root and root whose process is attributable to
    /// this world: a conmon naming our paths, or a process whose root is under our root.
    fn attributable_pids(&self) -> Vec<i32> {
        let mut files = Vec::new();
        collect_pidfiles(&self.runroot, &mut files, 0);
        collect_pidfiles(&self.root, &mut files, 0);
        let ours = self.dir.path();
        let mut pids = self.conmons();
        pids.extend(self.health_monitors());
        pids.extend(self.slirps());
        for f in files {
            let Some(pid) = std::fs::read_to_string(&f)
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
            else {
                continue;
            };
            if pid <= 1 || pids.contains(&pid) {
                continue;
            }
            let root_link = std::fs::read_link(format!("/proc/{pid}/root")).ok();
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let names_us = String::from_utf8_lossy(&cmdline).contains(&*ours.to_string_lossy());
            if root_link.is_some_and(|r| r.starts_with(ours)) || names_us {
                pids.push(pid);
            }
        }
        pids
    }
}

fn collect_pidfiles(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 6 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            // Never walk into container root filesystems.
            if p.file_name()
                .is_some_and(|n| n == "merged" || n == "rootfs" || n == "diff")
            {
                continue;
            }
            collect_pidfiles(&p, out, depth + 1);
        } else if ft.is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".pid") || name == "pidfile" {
                out.push(p);
            }
        }
    }
}

/// Runs a command with piped output, killing it (and failing) past the deadline.
pub fn run_bounded(mut cmd: Command, what: &[&str]) -> Out {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lpod");
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
        if let Some(st) = child.try_wait().expect("wait lpod") {
            break st;
        }
        if start.elapsed() > COMMAND_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("lpod {what:?} did not finish within {COMMAND_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&t1.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t2.join().unwrap_or_default()).into_owned();
    Out {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// Collects a spawned child's output (after it exited or was killed).
pub fn child_output(child: &mut Child) -> Out {
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut stdout);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut stderr);
    }
    let code = child.wait().map(|s| s.code().unwrap_or(-1)).unwrap_or(-1);
    Out {
        code,
        stdout,
        stderr,
    }
}

impl Drop for Lpod {
    fn drop(&mut self) {
        for c in &mut self.children {
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
        if self.root.exists() {
            // Best effort through lpod itself first, bounded so a hung lpod cannot hang the test.
            let _ = self.run_quiet(&["pod", "rm", "-fa"]);
            let _ = self.run_quiet(&["rm", "-fa", "-t", "0"]);
        }
        for pid in self.attributable_pids() {
            // Only processes this world started: conmon naming our paths, or a container whose
            // root file system lives under our root.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let mut mounts = self.mounts();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.as_os_str().len()));
        for m in mounts {
            let _ = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH);
        }
    }
}

/// A random number from /dev/urandom.
pub fn random() -> u32 {
    random_u32()
}

/// Creates a bridge network of the test's own (bridge `<prefix><hex>` that no host link
/// has, a random /24 in 10.230.0.0–10.250.255.0 that no host route or address overlaps,
/// never Podman's 10.88/16); returns the bridge guard, the network name and the subnet.
pub fn own_network(l: &Lpod, prefix: &str) -> (Bridge, String, String) {
    let bridge = Bridge::free(prefix);
    let subnet = free_subnet(&[]);
    let net = format!("n{}", bridge.0);
    l.ok(&[
        "network",
        "create",
        "--subnet",
        &subnet,
        "--interface-name",
        &bridge.0,
        &net,
    ]);
    (bridge, net, subnet)
}

/// GET `path` from 127.0.0.1:`port` (HTTP/1.0); the body, or `None` while nothing
/// answers there (callers poll it with [`Lpod::wait_for`]).
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).ok()?;
    r.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}
