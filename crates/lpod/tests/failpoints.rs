//! Kill lpod at every failpoint of libpod-core (`libpod_config::failpoint::CORE`) and of
//! network setup and teardown inside libpod-net (`libpod_net::failpoint::NET`: netns
//! created, each plugin's ADD, result cached, DEL mid-chain), then check that the next
//! ordinary commands (`ps -a`, `pod rm -fa`, `rm -fa`) leave nothing behind: no mounts,
//! netns files, veths on the test bridge, host-local leases, iptables rules, CNI cache
//! entries, lock files, conmon processes, storage containers, database rows or journal
//! entries. Also: no child process (conmon, the runtime, the container) inherits an
//! armed `LPOD_FAILPOINT`. Real binary, real crun under conmon, real CNI bridge on a network of the
//! test's own (random `lfp<hex>` bridge, random 10.230–250.x.0/24 subnet).

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use common::{own_network, Lpod};
use libpod_config::failpoint;

/// One step of a case: lpod arguments, and the failpoint armed for it (if any).
struct Step {
    args: Vec<String>,
    armed: Option<&'static str>,
}

struct World {
    l: Lpod,
    net: String,
    subnet: String,
    /// The network's bridge; removes the link at the end, even when the test fails
    /// (dropped last).
    bridge: common::Bridge,
}

/// `create` of the container `c` on the test's network.
const CREATE: &[&str] = &[
    "create",
    "--name",
    "c",
    "--network",
    "NET",
    "IMG",
    "sleep",
    "1000",
];
/// `run -d` of the container `c` on the test's network.
const RUN: &[&str] = &[
    "run",
    "-d",
    "--name",
    "c",
    "--network",
    "NET",
    "IMG",
    "sleep",
    "1000",
];

/// [`RUN`] with a healthcheck every `interval` (`disable`: only run on demand).
fn run_health(interval: &'static str) -> Vec<&'static str> {
    let (head, tail) = RUN.split_at(6);
    let mut args = head.to_vec();
    args.extend(["--health-cmd", "true", "--health-interval", interval]);
    args.extend(tail);
    args
}

impl World {
    fn s(&self, args: &[&str]) -> Vec<String> {
        args.iter()
            .map(|a| match *a {
                "NET" => self.net.clone(),
                "IMG" => self.l.image.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    /// A step running `args` (`NET` and `IMG` replaced), with `armed` armed.
    fn step(&self, args: &[&str], armed: Option<&'static str>) -> Step {
        Step {
            args: self.s(args),
            armed,
        }
    }

    /// Runs one step; an armed step must die by SIGKILL at exactly its failpoint, which
    /// it returns.
    fn run(&self, step: &Step, case: &str) -> Option<&'static str> {
        let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
        let mut cmd = self.l.cmd(&args);
        match step.armed {
            Some(fp) => {
                cmd.env(failpoint::ENV, fp);
            }
            None => {
                cmd.env_remove(failpoint::ENV);
            }
        }
        let out = cmd.output().expect("spawn lpod");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match step.armed {
            Some(fp) => {
                assert_eq!(
                    out.status.signal(),
                    Some(libc::SIGKILL),
                    "[{case}] lpod {args:?} with {fp} armed should die by SIGKILL (failpoint never reached?): {:?} {stderr}",
                    out.status
                );
                assert!(
                    stderr.contains(&format!("failpoint {fp} reached")),
                    "[{case}] {stderr}"
                );
                Some(fp)
            }
            None => {
                assert!(
                    out.status.success(),
                    "[{case}] lpod {args:?}: {:?} {stderr}",
                    out.status
                );
                None
            }
        }
    }

    /// Every leak found, as readable lines (empty = clean).
    fn leaks(&self) -> Vec<String> {
        let l = &self.l;
        let mut leaks = Vec::new();
        for m in l.mounts() {
            leaks.push(format!("mount {}", m.display()));
        }
        let netns_dir = l.runroot.join("netns");
        for e in read_dir(&netns_dir) {
            leaks.push(format!("netns file {}", e.display()));
        }
        // The bridge exists once a container was attached (CNI creates it). A probe that
        // fails (missing `ip`) fails the test: it must never read as "no veth left".
        let bridge = &self.bridge.0;
        if Path::new("/sys/class/net").join(bridge).exists() {
            let links = common::probe("ip", &["-o", "link", "show", "master", bridge]);
            for line in links.lines().filter(|x| !x.trim().is_empty()) {
                leaks.push(format!("veth on {bridge}: {line}"));
            }
        }
        for e in read_dir(&l.root.join("cni/networks").join(&self.net)) {
            let name = e
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if name.parse::<std::net::IpAddr>().is_ok() {
                leaks.push(format!("host-local lease {}", e.display()));
            }
        }
        for e in read_dir(&l.root.join("cni/results")) {
            leaks.push(format!("CNI cache {}", e.display()));
        }
        let rules = common::probe("iptables-save", &[]);
        let net_ip = self.subnet.split('/').next().unwrap_or_default();
        let net_prefix = net_ip.rsplit_once('.').map_or(net_ip, |x| x.0).to_string() + ".";
        for line in rules.lines() {
            let about_us = line.contains(&format!("\"{}\"", self.net))
                || (line.contains(&net_prefix) && !line.contains(&self.subnet));
            if about_us {
                leaks.push(format!("iptables: {line}"));
            }
        }
        for e in read_dir(&l.runroot.join("locks")) {
            if e.is_file() {
                leaks.push(format!("lock file {}", e.display()));
            }
        }
        // conmon exits just after writing the exit file that `rm -f` waits for: one
        // still finishing is given time (a liveness bound); one that stays is a leak.
        let deadline = std::time::Instant::now() + common::POLL_LIMIT;
        let mut conmons = l.conmons();
        while !conmons.is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
            conmons = l.conmons();
        }
        for pid in conmons {
            leaks.push(format!("conmon pid {pid}"));
        }
        for pid in l.health_monitors() {
            leaks.push(format!("health monitor pid {pid}"));
        }
        for dir in ["bundles", "persist", "exits"] {
            for e in read_dir(&l.runroot.join(dir)) {
                leaks.push(format!("runtime file {}", e.display()));
            }
        }
        for e in read_dir(&l.root.join("libpod/containers")) {
            leaks.push(format!("container dir {}", e.display()));
        }
        for id in l.storage_containers() {
            leaks.push(format!("storage container {id}"));
        }
        let ps = l.ps_all();
        if !ps.is_empty() {
            leaks.push(format!("container rows: {ps:?}"));
        }
        let vols = l.ok(&["volume", "ls", "-q"]);
        if !vols.trim().is_empty() {
            leaks.push(format!("volume rows: {vols}"));
        }
        for e in read_dir(&l.root.join("volumes")) {
            leaks.push(format!("volume dir {}", e.display()));
        }
        let pods = l.ok(&["pod", "ps", "-q"]);
        if !pods.trim().is_empty() {
            leaks.push(format!("pod rows: {pods}"));
        }
        // The audit of libpod-core (`lpod system check`), which also reads the journal.
        for f in l.system_check(&[]).findings {
            leaks.push(format!("system check: {f}"));
        }
        leaks
    }
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// The steps that reach `fp` (the last one armed).
fn case(w: &World, fp: &'static str) -> Vec<Step> {
    let plain = |a: &[&str]| w.step(a, None);
    let armed = |a: &[&str]| w.step(a, Some(fp));
    let pod_create: &[&str] = &["pod", "create", "--name", "p", "--network", "NET"];
    let member: &[&str] = &[
        "run", "-d", "--pod", "p", "--name", "c", "IMG", "sleep", "1000",
    ];
    match fp {
        "container.create.after_storage" | "container.create.after_state" => vec![armed(CREATE)],
        "container.init.after_mount"
        | "container.init.after_network"
        | "container.init.after_runtime_create"
        | "container.init.after_state"
        | "container.start.after_start" => vec![plain(CREATE), armed(&["start", "c"])],
        "container.stop.after_kill" | "container.stop.after_wait" => {
            vec![plain(RUN), armed(&["stop", "-t", "0", "c"])]
        }
        "container.cleanup.after_runtime_delete"
        | "container.cleanup.after_network"
        | "container.cleanup.after_unmount"
        | "container.remove.after_kill"
        | "container.remove.after_storage_delete"
        | "container.remove.after_state" => vec![plain(RUN), armed(&["rm", "-f", "c"])],
        // Killed right after the monitor was launched: the monitor registers itself
        // (or exits), and `rm -fa` reaps it.
        "container.health.after_monitor_spawn" => vec![armed(&run_health("1s"))],
        "container.health.before_record" => vec![
            // A healthcheck only run on demand: no monitor.
            plain(&run_health("disable")),
            armed(&["healthcheck", "run", "c"]),
        ],
        "pod.create.after_state" | "pod.create.after_infra" => vec![armed(pod_create)],
        "pod.remove.after_containers"
        | "pod.remove.after_detach"
        | "pod.remove.after_infra"
        | "pod.remove.after_state" => vec![
            plain(pod_create),
            plain(member),
            armed(&["pod", "rm", "-f", "p"]),
        ],
        // Crash while recovering a crashed start (netns + CNI attached, mounted).
        "recovery.container.before_undo" | "recovery.container.after_undo" => vec![
            plain(CREATE),
            w.step(&["start", "c"], Some("container.init.after_network")),
            armed(&["ps", "-a"]),
        ],
        // Crash while recovering a crashed pod create.
        "recovery.pod.before_undo" => vec![
            w.step(pod_create, Some("pod.create.after_infra")),
            armed(&["ps", "-a"]),
        ],
        "volume.create.after_dir" | "volume.create.after_state" => {
            vec![armed(&["volume", "create", "v"])]
        }
        "volume.remove.after_dir" | "volume.remove.after_state" => vec![
            plain(&["volume", "create", "v"]),
            armed(&["volume", "rm", "v"]),
        ],
        // A volume with a filesystem of its own, mounted by the start that dies.
        "volume.mount.after_mount" => vec![
            plain(&[
                "volume",
                "create",
                "--opt",
                "type=tmpfs",
                "--opt",
                "device=tmpfs",
                "--opt",
                "o=size=1m",
                "v",
            ]),
            plain(&[
                "create",
                "--name",
                "c",
                "--network",
                "NET",
                "-v",
                "v:/data",
                "IMG",
                "sleep",
                "1000",
            ]),
            armed(&["start", "c"]),
        ],
        "recovery.volume.before_undo" => vec![
            w.step(
                &["volume", "create", "v"],
                Some("volume.create.after_state"),
            ),
            armed(&["ps", "-a"]),
        ],
        other => panic!("failpoint {other} has no case in tests/failpoints.rs: add one"),
    }
}

/// The steps that reach the libpod-net failpoint `fp` (the last one armed).
fn net_case(w: &World, fp: &'static str) -> Vec<Step> {
    let plain = |a: &[&str]| w.step(a, None);
    let armed = |a: &[&str]| w.step(a, Some(fp));
    match fp {
        // Network setup runs inside `start` (init): netns, then the ADD chain
        // (bridge, portmap, firewall), then the cached result.
        "net.netns.after_create"
        | "net.add.after_attempt_cached"
        | "net.add.after_plugin_1"
        | "net.add.after_plugin_2"
        | "net.add.after_plugin_3"
        | "net.add.after_result_cached" => vec![plain(CREATE), armed(&["start", "c"])],
        // Teardown runs inside `rm -f`: the DEL chain in reverse.
        "net.del.after_plugin_1" | "net.del.after_plugin_2" => {
            vec![plain(RUN), armed(&["rm", "-f", "c"])]
        }
        other => panic!("failpoint {other} has no case in tests/failpoints.rs: add one"),
    }
}

/// Arms every failpoint of `list` in turn (through `case`), runs the ordinary commands
/// a user runs next, and collects every leak; then removes the network and fails the
/// test on any failure or on a failpoint of `list` that no armed step reached.
fn walk(w: &World, list: &[&'static str], case: fn(&World, &'static str) -> Vec<Step>) {
    // Failpoints an armed step actually died at (as the failpoint's own message proves).
    let mut reached = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let mut leaks_total = 0;
    for &fp in list {
        let steps = case(w, fp);
        for s in &steps {
            reached.extend(w.run(s, fp));
        }
        // The ordinary commands a user runs next, without the failpoint.
        for cleanup in [
            &["ps", "-a"][..],
            &["pod", "rm", "-fa"][..],
            &["rm", "-fa"][..],
            &["volume", "rm", "-fa"][..],
        ] {
            let out = w.l.run(cleanup);
            if out.code != 0 {
                failures.push(format!("[{fp}] lpod {cleanup:?} failed: {out:?}"));
            }
        }
        let leaks = w.leaks();
        leaks_total += leaks.len();
        for leak in leaks {
            failures.push(format!("[{fp}] leak: {leak}"));
        }
        println!("failpoint {fp}: recovered");
        if !failures.is_empty() {
            // Leave a clean world for the next case, so one leak is reported once.
            let _ = w.l.run(&["system", "check", "--repair", "--max", "0"]);
            let _ = w.l.run(&["pod", "rm", "-fa"]);
            let _ = w.l.run(&["rm", "-fa"]);
        }
    }
    println!("failpoints reached: {}", reached.len());
    println!("leaks found: {leaks_total}");
    let _ = w.l.run(&["network", "rm", "-f", &w.net]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let all: std::collections::BTreeSet<&str> = list.iter().copied().collect();
    assert_eq!(reached, all, "every failpoint must be reached by its case");
}

fn world(prefix: &str) -> Option<World> {
    let l = Lpod::with_image()?;
    let (bridge, net, subnet) = own_network(&l, prefix);
    Some(World {
        l,
        net,
        subnet,
        bridge,
    })
}

#[test]
fn every_core_failpoint_recovers_without_leaks() {
    let Some(w) = world("lfp") else { return };
    walk(&w, failpoint::CORE, case);
}

#[test]
fn every_net_failpoint_recovers_without_leaks() {
    let Some(w) = world("lfn") else { return };
    walk(&w, libpod_net::failpoint::NET, net_case);
}

/// Environment variables of a live process (`/proc/PID/environ`).
fn environ(pid: i32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ"))
        .unwrap_or_else(|e| panic!("read environ of {pid}: {e}"));
    raw.split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

#[test]
fn no_child_inherits_an_armed_failpoint() {
    let Some(w) = world("lfe") else { return };
    // Armed at a step `run -d` itself never reaches, but conmon's exit command (an
    // `lpod container cleanup`) would, had it inherited the variable.
    let armed = "container.cleanup.after_network";
    let args = w.s(RUN);
    let mut cmd =
        w.l.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    cmd.env(failpoint::ENV, armed);
    let out = common::run_bounded(cmd, &["run", "-d"]);
    assert_eq!(out.code, 0, "{out:?}");
    let conmons = w.l.conmons();
    assert_eq!(conmons.len(), 1, "one conmon: {conmons:?}");
    let pid: i32 =
        w.l.inspect("c", "{{.State.Pid}}")
            .parse()
            .expect("container pid");
    for p in [conmons[0], pid] {
        let env = environ(p);
        // Proof that this reads a real environment (conmon and the container have PATH).
        assert!(env.iter().any(|v| v.starts_with("PATH=")), "{p}: {env:?}");
        assert!(
            !env.iter()
                .any(|v| v.starts_with(&format!("{}=", failpoint::ENV))),
            "pid {p} inherited the armed failpoint: {env:?}"
        );
    }
    // The exit command runs without it: a stop cleans up completely.
    w.l.ok(&["stop", "-t", "0", "c"]);
    w.l.ok(&["rm", "-f", "c"]);
    let leaks = w.leaks();
    let _ = w.l.run(&["network", "rm", "-f", &w.net]);
    assert!(leaks.is_empty(), "{leaks:?}");
}
