//! `cargo xtask stress [--procs N] [--ops M]`: N workers, each running M random
//! lpod verbs (create/start/stop/rm/exec/pod create/pod rm/run --rm, a few on a
//! bridge network of the run's own) against ONE private store, then
//! `lpod system check`. Prints ops/s, errors by kind (expected races vs
//! unexpected) and the audit's findings.
//!
//! Every op is one `lpod` process (the real binary, as users and scripts run
//! it): N workers mean up to N lpod processes (plus their conmons and exit
//! commands) racing on the same database, locks, storage and network, which is
//! what the crash-safety work must survive. A library-level driver would share
//! one process's memory and miss cross-process races.
//!
//! Std-only. The short version in `crates/lpod/tests/stress.rs` and `cargo xtask stress`
//! both use this module.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Concurrent workers.
    pub procs: usize,
    /// Ops per worker.
    pub ops: usize,
    /// The lpod binary.
    pub lpod: PathBuf,
    /// The busybox test image tarball.
    pub image_tar: PathBuf,
    /// OCI runtime (crun).
    pub runtime: String,
    /// Whether some ops use a bridge network of the run's own.
    pub bridge: bool,
    /// Random seed (0: from /dev/urandom).
    pub seed: u64,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Ops run.
    pub ops: usize,
    /// Wall time of the op phase.
    pub elapsed: Duration,
    /// Ops by verb.
    pub by_verb: BTreeMap<String, usize>,
    /// Errors by kind: `expected:...` (races: no such object, wrong state) and
    /// `unexpected:...`.
    pub errors: BTreeMap<String, usize>,
    /// A few unexpected errors in full (command and stderr).
    pub unexpected: Vec<String>,
    /// `lpod system check` findings (one line each); empty when clean.
    pub findings: Vec<String>,
    /// Cleanup problems (things left after the run's own cleanup).
    pub leftovers: Vec<String>,
}

impl Outcome {
    /// Ops per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    /// Unexpected errors in total.
    pub fn unexpected_count(&self) -> usize {
        self.errors
            .iter()
            .filter(|(k, _)| k.starts_with("unexpected"))
            .map(|(_, v)| *v)
            .sum()
    }
    /// Expected (race) errors in total.
    pub fn expected_count(&self) -> usize {
        self.errors
            .iter()
            .filter(|(k, _)| k.starts_with("expected"))
            .map(|(_, v)| *v)
            .sum()
    }
    /// The summary printed by `cargo xtask stress`.
    pub fn summary(&self, cfg: &Config) -> String {
        let mut s = format!(
            "stress {} procs x {} ops: {} ops in {:.1}s = {:.1} ops/s\n",
            cfg.procs,
            cfg.ops,
            self.ops,
            self.elapsed.as_secs_f64(),
            self.ops_per_sec()
        );
        s.push_str(&format!("ops by verb: {:?}\n", self.by_verb));
        s.push_str(&format!(
            "errors: {} expected, {} unexpected: {:?}\n",
            self.expected_count(),
            self.unexpected_count(),
            self.errors
        ));
        for u in &self.unexpected {
            s.push_str(&format!("  unexpected: {u}\n"));
        }
        s.push_str(&format!("audit findings: {}\n", self.findings.len()));
        for f in &self.findings {
            s.push_str(&format!("  {f}\n"));
        }
        for l in &self.leftovers {
            s.push_str(&format!("  leftover after cleanup: {l}\n"));
        }
        s
    }
}

/// A small xorshift generator (no dependency; quality is plenty for op choice).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn urandom_u64() -> u64 {
    let mut b = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut b);
    }
    u64::from_ne_bytes(b) | 1
}

/// The private world of one stress run; everything removed on drop.
pub struct World {
    dir: PathBuf,
    root: PathBuf,
    runroot: PathBuf,
    config: PathBuf,
    lpod: PathBuf,
    runtime: String,
    /// The bridge network (name = bridge name), when created.
    network: Option<String>,
}

/// Longest one lpod command may take before it is called hung (and killed).
const DEADLINE: Duration = Duration::from_secs(120);

/// Longest the exit-command cleanups may take after the last op before the run fails.
const QUIESCE_LIMIT: Duration = Duration::from_secs(120);

/// One finished lpod invocation.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl World {
    /// A fresh private root/run root with the test image loaded and, with
    /// `bridge`, a network of its own (random `lps<hex>` bridge and 10.x subnet
    /// outside Podman's 10.88.0.0/16).
    pub fn new(cfg: &Config) -> Result<World, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("lpod-stress-{}-{nanos:08x}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let config = dir.join("lpod.toml");
        std::fs::write(&config, "default_network_mode = \"none\"\n")
            .map_err(|e| format!("write {}: {e}", config.display()))?;
        let mut w = World {
            root: dir.join("root"),
            runroot: dir.join("run"),
            dir,
            config,
            lpod: cfg.lpod.clone(),
            runtime: cfg.runtime.clone(),
            network: None,
        };
        let tar = cfg.image_tar.display().to_string();
        let out = w.run(&["load", "-i", &tar]);
        if out.code != 0 {
            return Err(format!("lpod load: {}", out.stderr.trim()));
        }
        if cfg.bridge {
            // A bridge name no host link has and a subnet lpod accepts: `network create`
            // refuses a subnet that overlaps a host route or another network, so a
            // conflict (another test picked the same one meanwhile) is retried.
            let mut last = String::new();
            for _ in 0..20 {
                let r = urandom_u64();
                let name = format!("lps{:04x}", r & 0xffff);
                if Path::new("/sys/class/net").join(&name).exists() {
                    continue;
                }
                let subnet = format!("10.{}.{}.0/24", 230 + (r >> 16) % 21, (r >> 24) & 0xff);
                let out = w.run(&[
                    "network",
                    "create",
                    "--subnet",
                    &subnet,
                    "--interface-name",
                    &name,
                    &name,
                ]);
                if out.code == 0 {
                    w.network = Some(name);
                    break;
                }
                last = out.stderr.trim().to_string();
                if !(last.contains("overlaps") || last.contains("already")) {
                    break;
                }
            }
            if w.network.is_none() {
                return Err(format!("network create: {last}"));
            }
        }
        Ok(w)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.lpod);
        c.arg("--root")
            .arg(&self.root)
            .arg("--runroot")
            .arg(&self.runroot)
            .arg("--runtime")
            .arg(&self.runtime)
            .args(args)
            .env("LPOD_CONFIG", &self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs lpod to completion; a command past [`DEADLINE`] is killed (by its pid).
    fn run(&self, args: &[&str]) -> Out {
        let mut child = match self.cmd(args).spawn() {
            Ok(c) => c,
            Err(e) => {
                return Out {
                    code: -1,
                    stdout: String::new(),
                    stderr: format!("spawn lpod: {e}"),
                }
            }
        };
        let mut so = child.stdout.take();
        let mut se = child.stderr.take();
        let t_out = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(o) = so.as_mut() {
                let _ = o.read_to_string(&mut s);
            }
            s
        });
        let t_err = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(e) = se.as_mut() {
                let _ = e.read_to_string(&mut s);
            }
            s
        });
        let start = Instant::now();
        let mut timed_out = false;
        let code = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st.code().unwrap_or(-1),
                Ok(None) if start.elapsed() > DEADLINE => {
                    let _ = child.kill();
                    let _ = child.wait();
                    timed_out = true;
                    break -1;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break -1,
            }
        };
        let stdout = t_out.join().unwrap_or_default();
        let mut stderr = t_err.join().unwrap_or_default();
        if timed_out {
            stderr.push_str("\n(timed out)");
        }
        Out {
            code,
            stdout,
            stderr,
        }
    }

    /// `lpod system check` lines (empty when clean).
    pub fn audit(&self, repair: bool) -> Vec<String> {
        let mut args = vec!["system", "check"];
        if repair {
            args.push("--repair");
        }
        let out = self.run(&args);
        match out.code {
            0 => Vec::new(),
            1 => out
                .stdout
                .lines()
                .filter(|l| !l.starts_with("repaired ") && !l.trim().is_empty())
                .map(str::to_string)
                .collect(),
            _ => vec![format!(
                "system check failed (exit {}): {}",
                out.code,
                out.stderr.trim()
            )],
        }
    }

    /// Live conmon processes naming this world's dir (ours by proof).
    fn conmons(&self) -> Vec<i32> {
        let needle = self.dir.display().to_string();
        let mut out = Vec::new();
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if let Ok(b) = std::fs::read(format!("/proc/{pid}/cmdline")) {
                let argv: Vec<String> = b
                    .split(|c| *c == 0)
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect();
                let is_conmon = argv
                    .first()
                    .map(|a| a.ends_with("/conmon") || a == "conmon")
                    .unwrap_or(false);
                if is_conmon && argv.iter().any(|a| a.contains(&needle)) {
                    out.push(pid);
                }
            }
        }
        out
    }

    fn mounts(&self) -> Vec<String> {
        let needle = self.dir.display().to_string();
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .filter(|m| m.starts_with(&needle))
            .map(str::to_string)
            .collect()
    }

    /// Removes everything: containers, pods, network, state; then kills any
    /// conmon of ours by pid and unmounts leftovers. Returns what it had to
    /// clean by force (should be nothing).
    pub fn teardown(&mut self) -> Vec<String> {
        let mut left = Vec::new();
        let _ = self.run(&["pod", "rm", "-f", "-a"]);
        let _ = self.run(&["rm", "-f", "-a"]);
        if let Some(n) = self.network.take() {
            let out = self.run(&["network", "rm", "-f", &n]);
            if out.code != 0 {
                left.push(format!("network rm {n}: {}", out.stderr.trim()));
            }
            if Path::new("/sys/class/net").join(&n).exists() {
                let _ = Command::new("ip")
                    .args(["link", "del", &n])
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let _ = self.run(&["system", "reset", "--force"]);
        for _ in 0..100 {
            if self.conmons().is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for pid in self.conmons() {
            left.push(format!("conmon pid {pid}"));
            // A pid we just proved is a conmon of this run.
            let _ = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let mut mounts = self.mounts();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in mounts {
            left.push(format!("mount {m}"));
            let _ = Command::new("umount")
                .args(["-l", &m])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        left
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if self.dir.exists() {
            let _ = self.teardown();
        }
    }
}

/// Names shared by the workers (so that ops race on each other's objects).
#[derive(Default)]
struct Pool {
    ctrs: Vec<String>,
    pods: Vec<String>,
}

/// The container status words of libpod-config (as `InvalidState` prints them).
const STATUSES: &[&str] = &[
    "unknown",
    "configured",
    "created",
    "running",
    "stopped",
    "paused",
    "exited",
    "removing",
    "stopping",
];

/// An id or name as lpod prints it in an error: one non-empty token.
fn is_token(s: &str) -> bool {
    !s.is_empty() && !s.contains(char::is_whitespace) && !s.contains(':')
}

/// The kind of a typed lpod error message that a race between workers explains (the
/// verbs refused cleanly), or `None`. Exact shapes of libpod-core's messages only.
fn expected_kind(msg: &str) -> Option<&'static str> {
    if msg
        .strip_prefix("no container with name or ID \"")
        .and_then(|r| r.strip_suffix("\" found: no such container"))
        .is_some_and(is_token)
    {
        return Some("no-such-container");
    }
    if msg.strip_prefix("no such pod: ").is_some_and(is_token) {
        return Some("no-such-pod");
    }
    // A member started while `pod rm -f` in another process had removed the infra
    // and not yet the member (pod rm -f then removes it too): core's
    // `Error::InvalidArgument` naming the pod.
    if msg
        .strip_prefix("invalid network mode pod (the container's pod has no infra container): ")
        .is_some_and(is_token)
    {
        return Some("pod-removed-meanwhile");
    }
    let rest = msg.strip_prefix("container ")?;
    // InvalidState: `container ID is STATUS: cannot OP`.
    if let Some((id, rest)) = rest.split_once(" is ") {
        if let Some((status, op)) = rest.split_once(": cannot ") {
            let op_ok = !op.is_empty() && op.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            if is_token(id) && STATUSES.contains(&status) && op_ok {
                return Some("wrong-state");
            }
        }
    }
    // InfraNotRunning: a member started while its pod's infra is stopped.
    if let Some((id, rest)) = rest.split_once(": the infra container ") {
        if let Some(infra) = rest.strip_suffix(" of its pod is not running (start the pod)") {
            if is_token(id) && is_token(infra) {
                return Some("infra-not-running");
            }
        }
    }
    None
}

/// What a failed op means: `expected:<kind>` for a race the verbs must refuse cleanly
/// (exit 125 and exactly one `Error: ` line of a known typed message), else
/// `unexpected:...` (a bug, a hang, a crash).
pub fn classify(code: i32, stderr: &str) -> String {
    if code == -1 && stderr.ends_with("(timed out)") {
        return "unexpected:timeout".into();
    }
    let errors: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("Error: "))
        .map(str::trim)
        .collect();
    if code == 125 && errors.len() == 1 {
        if let Some(kind) = expected_kind(errors[0]) {
            return format!("expected:{kind}");
        }
        // A verb over several containers that kept going (`N errors: a; b; ...`, e.g.
        // `pod start` while another process removes the pod): expected only when there
        // are exactly N parts and all of them are one expected kind.
        if let Some((n, parts)) = errors[0].split_once(" errors: ") {
            let parts: Vec<&str> = parts.split("; ").collect();
            let kinds: Vec<Option<&str>> = parts.iter().map(|p| expected_kind(p)).collect();
            if n.parse::<usize>().ok() == Some(parts.len())
                && parts.len() > 1
                && kinds[0].is_some()
                && kinds.iter().all(|k| *k == kinds[0])
            {
                return format!("expected:{}-each", kinds[0].unwrap_or_default());
            }
        }
    }
    let first = errors
        .first()
        .copied()
        .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("");
    format!("unexpected:exit {code}: {}", shape(first))
}

/// A message's shape, to group errors: runs of 12+ hex digits (ids) become `<id>`,
/// other digits `#`; at most 80 characters.
fn shape(msg: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 12 {
            out.push_str("<id>");
        } else {
            out.extend(
                run.chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c }),
            );
        }
        run.clear();
    };
    for c in msg.chars() {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out.chars().take(80).collect()
}

fn worker(
    w: &World,
    pool: &Mutex<Pool>,
    wid: usize,
    cfg: &Config,
    seed: u64,
) -> Vec<(String, String, Option<String>)> {
    let mut rng = Rng(seed ^ (wid as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut results = Vec::new();
    let pick = |rng: &mut Rng, v: &[String]| -> Option<String> {
        if v.is_empty() {
            None
        } else {
            Some(v[rng.below(v.len())].clone())
        }
    };
    for k in 0..cfg.ops {
        let roll = rng.below(100);
        let (verb, args): (&str, Vec<String>) = {
            let p = pool.lock().unwrap_or_else(|e| e.into_inner());
            let ctr = pick(&mut rng, &p.ctrs);
            let pod = pick(&mut rng, &p.pods);
            drop(p);
            match (roll, ctr, pod) {
                (0..=19, _, _) => {
                    let name = format!("s{wid}c{k}");
                    let mut a = vec!["create".to_string(), "--name".into(), name];
                    if cfg.bridge && rng.below(8) == 0 {
                        if let Some(n) = &w.network {
                            a.push("--network".into());
                            a.push(n.clone());
                        }
                    }
                    a.extend(["busybox".into(), "sleep".into(), "1000".into()]);
                    ("create", a)
                }
                (20..=34, Some(c), _) => ("start", vec!["start".into(), c]),
                (35..=44, Some(c), _) => ("stop", vec!["stop".into(), "-t".into(), "0".into(), c]),
                (45..=56, Some(c), _) => ("rm", vec!["rm".into(), "-f".into(), c]),
                (57..=66, Some(c), _) => ("exec", vec!["exec".into(), c, "true".into()]),
                (67..=72, _, _) => {
                    // Without --network a pod gets the config's mode (none); some pods
                    // use the run's own bridge, never the shared default one.
                    let mut a = vec![
                        "pod".to_string(),
                        "create".into(),
                        "--name".into(),
                        format!("s{wid}p{k}"),
                    ];
                    if cfg.bridge && rng.below(4) == 0 {
                        if let Some(n) = &w.network {
                            a.push("--network".into());
                            a.push(n.clone());
                        }
                    }
                    ("pod-create", a)
                }
                (73..=77, _, Some(p)) => {
                    ("pod-rm", vec!["pod".into(), "rm".into(), "-f".into(), p])
                }
                (78..=81, _, Some(p)) => (
                    "pod-member",
                    vec![
                        "create".into(),
                        "--pod".into(),
                        p,
                        "--name".into(),
                        format!("s{wid}m{k}"),
                        "busybox".into(),
                        "sleep".into(),
                        "1000".into(),
                    ],
                ),
                (82..=85, _, Some(p)) => ("pod-start", vec!["pod".into(), "start".into(), p]),
                _ => {
                    let mut a = vec!["run".to_string(), "--rm".into()];
                    if cfg.bridge && rng.below(6) == 0 {
                        if let Some(n) = &w.network {
                            a.push("--network".into());
                            a.push(n.clone());
                        }
                    }
                    a.extend(["busybox".into(), "true".into()]);
                    ("run-rm", a)
                }
            }
        };
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = w.run(&argv);
        let err = if out.code == 0 {
            None
        } else {
            Some(classify(out.code, &out.stderr))
        };
        if out.code == 0 {
            let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
            match verb {
                "create" | "pod-member" => p.ctrs.push(
                    args[args
                        .iter()
                        .position(|a| a == "--name")
                        .map(|i| i + 1)
                        .unwrap_or(0)]
                    .clone(),
                ),
                "pod-create" => p.pods.push(args[3].clone()),
                "rm" => p.ctrs.retain(|c| c != &args[2]),
                "pod-rm" => p.pods.retain(|c| c != &args[3]),
                _ => {}
            }
        }
        let detail = err
            .as_ref()
            .filter(|e| e.starts_with("unexpected"))
            .map(|_| {
                format!(
                    "lpod {} -> exit {}: {}",
                    args.join(" "),
                    out.code,
                    out.stderr.trim()
                )
            });
        let _ = &out.stdout;
        results.push((verb.to_string(), err.unwrap_or_default(), detail));
    }
    results
}

/// One op's result: verb, error class (empty when it succeeded), detail of an unexpected one.
type OpResult = (String, String, Option<String>);

/// A worker's results; a worker that panicked is one unexpected error (a failed run),
/// never an empty result.
fn worker_results(i: usize, joined: std::thread::Result<Vec<OpResult>>) -> Vec<OpResult> {
    joined.unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        vec![(
            "worker".to_string(),
            "unexpected:worker panicked".to_string(),
            Some(format!("worker {i} panicked: {why}")),
        )]
    })
}

/// Runs the stress: world, workers, audit, teardown.
pub fn run(cfg: &Config) -> Result<Outcome, String> {
    let mut world = World::new(cfg)?;
    let seed = if cfg.seed == 0 {
        urandom_u64()
    } else {
        cfg.seed
    };
    let pool = Arc::new(Mutex::new(Pool::default()));
    let start = Instant::now();
    let all: Vec<Vec<(String, String, Option<String>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..cfg.procs)
            .map(|i| {
                let w = &world;
                let pool = &pool;
                s.spawn(move || worker(w, pool, i, cfg, seed))
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(i, h)| worker_results(i, h.join()))
            .collect()
    });
    let elapsed = start.elapsed();
    let mut o = Outcome {
        elapsed,
        ..Outcome::default()
    };
    for r in all.into_iter().flatten() {
        o.ops += 1;
        *o.by_verb.entry(r.0).or_default() += 1;
        if !r.1.is_empty() {
            *o.errors.entry(r.1).or_default() += 1;
        }
        if let Some(d) = r.2 {
            if o.unexpected.len() < 10 {
                o.unexpected.push(d);
            }
        }
    }
    // Conmon exit commands may still be cleaning up after the last ops: the
    // audit is exact on a quiescent runtime, so wait for their cleanups. The bound is
    // a liveness check only; a cleanup still running after it is reported, and the
    // audit does not run on a busy runtime.
    let quiet_start = Instant::now();
    loop {
        let busy = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                std::fs::read(e.path().join("cmdline"))
                    .map(|b| {
                        let s = String::from_utf8_lossy(&b);
                        s.contains(&*world.dir.to_string_lossy())
                            && s.contains("cleanup")
                            && !s.starts_with("/usr/bin/conmon")
                    })
                    .unwrap_or(false)
            });
        if !busy {
            o.findings = world.audit(false);
            break;
        }
        if quiet_start.elapsed() > QUIESCE_LIMIT {
            o.findings = vec![format!(
                "exit-command cleanups still running after {QUIESCE_LIMIT:?}: audit skipped"
            )];
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    o.leftovers = world.teardown();
    Ok(o)
}

/// `cargo xtask stress` arguments: `--procs N --ops M [--seed S] [--no-bridge]`.
pub fn parse_args(args: &[String], cfg: &mut Config) -> Result<(), String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |what: &str| -> Result<u64, String> {
            it.next()
                .ok_or(format!("{what} needs a value"))?
                .parse::<u64>()
                .map_err(|e| format!("{what}: {e}"))
        };
        match a.as_str() {
            "--procs" => cfg.procs = num("--procs")? as usize,
            "--ops" => cfg.ops = num("--ops")? as usize,
            "--seed" => cfg.seed = num("--seed")?,
            "--no-bridge" => cfg.bridge = false,
            "--release" | "--debug" => {}
            other => return Err(format!("unknown stress flag {other:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn races_refused_cleanly_are_expected() {
        let cases = [
            ("Error: no container with name or ID \"s1c4\" found: no such container\n", "expected:no-such-container"),
            ("Error: no such pod: s0p12\n", "expected:no-such-pod"),
            (
                "Error: container 3f2a is exited: cannot exec\n",
                "expected:wrong-state",
            ),
            (
                "Error: container s2c7 is configured: cannot pause\n",
                "expected:wrong-state",
            ),
            (
                "Error: invalid network mode pod (the container's pod has no infra container): 9ab\n",
                "expected:pod-removed-meanwhile",
            ),
            (
                "Error: container 12ab: the infra container 34cd of its pod is not running (start the pod)\n",
                "expected:infra-not-running",
            ),
        ];
        for (stderr, want) in cases {
            assert_eq!(classify(125, stderr), want, "{stderr}");
        }
    }

    #[test]
    fn everything_else_is_unexpected() {
        for (code, stderr) in [
            // The right message with the wrong exit code.
            (
                1,
                "Error: no container with name or ID \"x\" found: no such container\n",
            ),
            (137, ""),
            // Substrings the old classifier accepted.
            (
                125,
                "Error: storage: cannot open layers.json: no such file\n",
            ),
            (125, "Error: oci runtime: container is not running\n"),
            (125, "Error: lock: the pod is running\n"),
            (
                125,
                "Error: container abc is running: cannot remove: busy\n",
            ),
            (125, "Error: container abc is sleepy: cannot start\n"),
            // Two errors at once.
            (125, "Error: no such pod: a\nError: no such pod: b\n"),
            // A panic has no Error: line.
            (101, "thread 'main' panicked at src/x.rs:1:1\n"),
            (-1, "\n(timed out)"),
        ] {
            let c = classify(code, stderr);
            assert!(c.starts_with("unexpected:"), "{code} {stderr:?} -> {c}");
        }
        assert_eq!(classify(-1, "\n(timed out)"), "unexpected:timeout");
    }

    #[test]
    fn unexpected_shapes_blank_numbers_and_ids() {
        assert_eq!(
            classify(125, "Error: 2 errors: x 17\n"),
            "unexpected:exit 125: # errors: x ##"
        );
        assert_eq!(
            classify(125, "Error: lock: 449f516bfd81ec4bc8415e38 stuck\n"),
            "unexpected:exit 125: lock: <id> stuck"
        );
    }

    #[test]
    fn several_errors_of_one_expected_kind_are_expected() {
        let each =
            "Error: 2 errors: no container with name or ID \"449f516bfd81\" found: no such container; no container with name or ID \"ecd5888de514\" found: no such container\n";
        assert_eq!(classify(125, each), "expected:no-such-container-each");
        for bad in [
            // Count and parts disagree.
            "Error: 3 errors: no container with name or ID \"a\" found: no such container; no container with name or ID \"b\" found: no such container\n",
            // Mixed kinds.
            "Error: 2 errors: no container with name or ID \"a\" found: no such container; no such pod: b\n",
            // One part is not an expected kind.
            "Error: 2 errors: no container with name or ID \"a\" found: no such container; storage: disk full\n",
        ] {
            assert!(classify(125, bad).starts_with("unexpected:"), "{bad}");
        }
    }

    #[test]
    fn a_panicked_worker_is_an_unexpected_error() {
        let joined = std::thread::spawn(|| -> Vec<OpResult> { panic!("boom") }).join();
        let r = worker_results(3, joined);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].1, "unexpected:worker panicked");
        assert!(r[0]
            .2
            .as_deref()
            .unwrap()
            .contains("worker 3 panicked: boom"));
        let fine = worker_results(0, Ok(vec![("rm".into(), String::new(), None)]));
        assert_eq!(fine.len(), 1);
    }
}
