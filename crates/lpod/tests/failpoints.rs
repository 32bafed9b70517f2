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
    bridge: String,
    /// Removes the bridge link at the end, even when the test fails (dropped last).
    _bridge_guard: common::Bridge,
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
        if Path::new("/sys/class/net").join(&self.bridge).exists() {
            let links = common::probe("ip", &["-o", "link", "show", "master", &self.bridge]);
            for line in links.lines().filter(|x| !x.trim().is_empty()) {
                leaks.push(format!("veth on {}: {line}", self.bridge));
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
        for e in storage_containers(&l.root.join("storage")) {
            leaks.push(format!("storage container {e}"));
        }
        let ps = l.ps_all();
        if !ps.is_empty() {
            leaks.push(format!("container rows: {ps:?}"));
        }
        let pods = l.ok(&["pod", "ps", "-q"]);
        if !pods.trim().is_empty() {
            leaks.push(format!("pod rows: {pods}"));
        }
        // The audit of libpod-core (`lpod system check`), which also reads the journal.
        for f in audit_findings(&l.run(&["system", "check", "--format", "json"])) {
            leaks.push(format!("system check: {f}"));
        }
        leaks
    }
}

/// The findings of `lpod system check --format json`: it must exit 0 (clean) or 1
/// (findings) and print a JSON report with a `findings` array; anything else fails the
/// test (an audit that cannot run is not a clean audit).
fn audit_findings(out: &common::Out) -> Vec<serde_json::Value> {
    assert!(
        out.code == 0 || out.code == 1,
        "system check must exit 0 or 1: {out:?}"
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("system check printed no JSON ({e}): {out:?}"));
    let findings = v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("system check JSON has no findings array: {out:?}"))
        .clone();
    assert_eq!(
        findings.is_empty(),
        out.code == 0,
        "exit code and findings disagree: {out:?}"
    );
    findings
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// Container ids in the storage's container records (any `containers.json`).
fn storage_containers(storage: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(storage.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        for p in read_dir(&d) {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if p.is_dir() && depth < 2 && name.contains("container") {
                stack.push((p.clone(), depth + 1));
                for c in read_dir(&p) {
                    if c.is_dir() {
                        out.push(c.display().to_string());
                    }
                }
            } else if name == "containers.json" {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                if let Ok(serde_json::Value::Array(a)) = serde_json::from_str(&text) {
                    for c in a {
                        out.push(format!("{} in {}", c["id"], p.display()));
                    }
                }
            }
        }
    }
    out
}

/// The steps that reach `fp` (the last one armed).
fn case(w: &World, fp: &'static str) -> Vec<Step> {
    let plain = |a: &[&str]| Step {
        args: w.s(a),
        armed: None,
    };
    let armed = |a: &[&str]| Step {
        args: w.s(a),
        armed: Some(fp),
    };
    let armed_as = |a: &[&str], name: &'static str| Step {
        args: w.s(a),
        armed: Some(name),
    };
    let create: &[&str] = &[
        "create",
        "--name",
        "c",
        "--network",
        "NET",
        "IMG",
        "sleep",
        "1000",
    ];
    let run: &[&str] = &[
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
    // A healthcheck on a schedule (a monitor is launched by start), and one only run
    // on demand.
    let run_health: &[&str] = &[
        "run",
        "-d",
        "--name",
        "c",
        "--network",
        "NET",
        "--health-cmd",
        "true",
        "--health-interval",
        "1s",
        "IMG",
        "sleep",
        "1000",
    ];
    let run_health_on_demand: &[&str] = &[
        "run",
        "-d",
        "--name",
        "c",
        "--network",
        "NET",
        "--health-cmd",
        "true",
        "--health-interval",
        "disable",
        "IMG",
        "sleep",
        "1000",
    ];
    let pod_create: &[&str] = &["pod", "create", "--name", "p", "--network", "NET"];
    let member: &[&str] = &[
        "run", "-d", "--pod", "p", "--name", "c", "IMG", "sleep", "1000",
    ];
    match fp {
        "container.create.after_storage" | "container.create.after_state" => vec![armed(create)],
        "container.init.after_mount"
        | "container.init.after_network"
        | "container.init.after_runtime_create"
        | "container.init.after_state"
        | "container.start.after_start" => vec![plain(create), armed(&["start", "c"])],
        "container.stop.after_kill" | "container.stop.after_wait" => {
            vec![plain(run), armed(&["stop", "-t", "0", "c"])]
        }
        "container.cleanup.after_runtime_delete"
        | "container.cleanup.after_network"
        | "container.cleanup.after_unmount"
        | "container.remove.after_kill"
        | "container.remove.after_storage_delete"
        | "container.remove.after_state" => vec![plain(run), armed(&["rm", "-f", "c"])],
        // Killed right after the monitor was launched: the monitor registers itself
        // (or exits), and `rm -fa` reaps it.
        "container.health.after_monitor_spawn" => vec![armed(run_health)],
        "container.health.before_record" => vec![
            plain(run_health_on_demand),
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
            plain(create),
            armed_as(&["start", "c"], "container.init.after_network"),
            armed(&["ps", "-a"]),
        ],
        // Crash while recovering a crashed pod create.
        "recovery.pod.before_undo" => vec![
            armed_as(pod_create, "pod.create.after_infra"),
            armed(&["ps", "-a"]),
        ],
        other => panic!("failpoint {other} has no case in tests/failpoints.rs: add one"),
    }
}

/// The steps that reach the libpod-net failpoint `fp` (the last one armed).
fn net_case(w: &World, fp: &'static str) -> Vec<Step> {
    let plain = |a: &[&str]| Step {
        args: w.s(a),
        armed: None,
    };
    let armed = |a: &[&str]| Step {
        args: w.s(a),
        armed: Some(fp),
    };
    let create: &[&str] = &[
        "create",
        "--name",
        "c",
        "--network",
        "NET",
        "IMG",
        "sleep",
        "1000",
    ];
    let run: &[&str] = &[
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
    match fp {
        // Network setup runs inside `start` (init): netns, then the ADD chain
        // (bridge, portmap, firewall), then the cached result.
        "net.netns.after_create"
        | "net.add.after_attempt_cached"
        | "net.add.after_plugin_1"
        | "net.add.after_plugin_2"
        | "net.add.after_plugin_3"
        | "net.add.after_result_cached" => vec![plain(create), armed(&["start", "c"])],
        // Teardown runs inside `rm -f`: the DEL chain in reverse.
        "net.del.after_plugin_1" | "net.del.after_plugin_2" => {
            vec![plain(run), armed(&["rm", "-f", "c"])]
        }
        other => panic!("failpoint {other} has no case in tests/failpoints.rs: add one"),
    }
}

/// Arms every failpoint of `list` in turn (through `case`), runs the ordinary commands
/// a user runs next, and collects every leak. Returns the failpoints reached and the
/// failures.
fn walk(
    w: &World,
    list: &[&'static str],
    case: fn(&World, &'static str) -> Vec<Step>,
) -> (std::collections::BTreeSet<&'static str>, Vec<String>) {
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
    (reached, failures)
}

fn world(prefix: &str) -> Option<World> {
    let l = Lpod::with_image()?;
    let (bridge, net, subnet) = own_network(&l, prefix);
    Some(World {
        l,
        net,
        subnet,
        bridge: bridge.0.clone(),
        _bridge_guard: bridge,
    })
}

#[test]
fn every_core_failpoint_recovers_without_leaks() {
    let Some(w) = world("lfp") else { return };
    let (reached, failures) = walk(&w, failpoint::CORE, case);
    let _ = w.l.run(&["network", "rm", "-f", &w.net]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let all: std::collections::BTreeSet<&str> = failpoint::CORE.iter().copied().collect();
    assert_eq!(
        reached, all,
        "every core failpoint must be reached by its case"
    );
}

#[test]
fn every_net_failpoint_recovers_without_leaks() {
    let Some(w) = world("lfn") else { return };
    let (reached, failures) = walk(&w, libpod_net::failpoint::NET, net_case);
    let _ = w.l.run(&["network", "rm", "-f", &w.net]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let all: std::collections::BTreeSet<&str> =
        libpod_net::failpoint::NET.iter().copied().collect();
    assert_eq!(
        reached, all,
        "every net failpoint must be reached by its case"
    );
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
    let mut cmd = w.l.cmd(
        &w.s(&[
            "run",
            "-d",
            "--name",
            "c",
            "--network",
            "NET",
            "IMG",
            "sleep",
            "1000",
        ])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    cmd.env(failpoint::ENV, armed);
    let out = common::run_bounded(cmd, &["run", "-d"]);
    assert_eq!(out.code, 0, "{out:?}");
    let conmons = w.l.conmons();
    assert_eq!(conmons.len(), 1, "one conmon: {conmons:?}");
    let pid: i32 =
        w.l.inspect("c", "{{.State.Pid}}")
            .parse()
            .expect("container pid");
    let mut looked = 0;
    for p in [conmons[0], pid] {
        let env = environ(p);
        // Proof that this reads a real environment (conmon and the container have PATH).
        assert!(env.iter().any(|v| v.starts_with("PATH=")), "{p}: {env:?}");
        assert!(
            !env.iter()
                .any(|v| v.starts_with(&format!("{}=", failpoint::ENV))),
            "pid {p} inherited the armed failpoint: {env:?}"
        );
        looked += 1;
    }
    assert_eq!(looked, 2);
    // The exit command runs without it: a stop cleans up completely.
    w.l.ok(&["stop", "-t", "0", "c"]);
    w.l.ok(&["rm", "-f", "c"]);
    let leaks = w.leaks();
    let _ = w.l.run(&["network", "rm", "-f", &w.net]);
    assert!(leaks.is_empty(), "{leaks:?}");
}
