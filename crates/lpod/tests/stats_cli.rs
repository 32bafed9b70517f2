//! `stats`, `pod stats`, `top` and `update` through the real `lpod` binary (crun under
//! conmon, network none). No timing thresholds: values are compared with what the
//! containers did and with each other.

mod common;

use std::io::{BufRead as _, BufReader};

use common::Lpod;

/// Bytes from Go's HumanSize text (`34.15MB`, `209.7MB`, `0B`).
fn human_bytes(s: &str) -> f64 {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().unwrap_or_else(|_| panic!("size {s:?}"));
    n * match unit {
        "B" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        other => panic!("unit {other:?} in {s:?}"),
    }
}

#[test]
fn stats_shows_a_memory_hog_and_a_cpu_spinner() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&[
        "run", "-d", "--name", "hog", "-m", "256m", &l.image, "sh", "-c",
        "dd if=/dev/zero of=/dev/shm/hog bs=1M count=32 2>/dev/null && echo ready && while :; do :; done",
    ]);
    l.ok(&["run", "-d", "--name", "idle", &l.image, "sleep", "600"]);
    l.ok(&["create", "--name", "off", &l.image, "true"]);
    l.wait_for("hog ready", || {
        l.ok(&["logs", "hog"]).contains("ready").then_some(())
    });

    // Podman's default columns, running containers only.
    let out = l.ok(&["stats", "--no-stream"]);
    let mut lines = out.lines();
    let header = lines.next().unwrap_or_default();
    for col in [
        "ID",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET IO",
        "BLOCK IO",
        "PIDS",
    ] {
        assert!(header.contains(col), "{col} in {header:?}");
    }
    assert!(out.contains("hog") && out.contains("idle"), "{out}");
    assert!(
        !out.contains("off"),
        "a created container is not listed without -a: {out}"
    );
    // --all lists it with dashes.
    let all = l.ok(&["stats", "--no-stream", "-a"]);
    let off = all.lines().find(|r| r.contains("off")).expect("off listed");
    assert!(off.contains("--"), "{off}");

    // Memory: at least the 32 MiB the container holds, against its 256m limit.
    let mem = l.ok(&["stats", "--no-stream", "--format", "{{.MemUsage}}", "hog"]);
    let (usage, limit) = mem.trim().split_once(" / ").expect("usage / limit");
    assert!(human_bytes(usage) >= 32.0 * 1024.0 * 1024.0, "{mem}");
    // 256m is 268435456 bytes: "268.4MB" in Podman's units.
    assert_eq!(limit, "268.4MB", "{mem}");

    // JSON: Podman's keys.
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["stats", "--no-stream", "--format", "json", "hog"]))
            .expect("json");
    for key in [
        "id",
        "name",
        "cpu_time",
        "cpu_percent",
        "avg_cpu",
        "mem_usage",
        "mem_percent",
        "net_io",
        "block_io",
        "pids",
    ] {
        assert!(v[0].get(key).is_some(), "{key} in {v}");
    }
    assert_eq!(v[0]["name"], "hog");
    assert_eq!(v[0]["pids"], "1");

    // CPU time grows between samples of the spinner.
    let cpu = |l: &Lpod| -> u64 {
        l.ok(&["stats", "--no-stream", "--format", "{{.CPUNano}}", "hog"])
            .trim()
            .parse()
            .expect("CPUNano")
    };
    let first = cpu(&l);
    assert!(first > 0);
    l.wait_for("CPU time to grow", || (cpu(&l) > first).then_some(()));

    // A table template with Podman's titles; other fields.
    let t = l.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "table {{.ID}} {{.Name}} {{.CPUPerc}} {{.MemPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDs}}",
        "hog",
    ]);
    let mut tl = t.lines();
    let head = tl.next().unwrap_or_default();
    assert!(
        head.starts_with("ID") && head.contains("CPU %") && head.contains("NET IO"),
        "{t}"
    );
    assert!(tl.next().unwrap_or_default().contains('%'), "{t}");

    // A stopped container named explicitly is an error; so are a bad interval and
    // names with --all.
    let out = l.run(&["stats", "--no-stream", "off"]);
    out.assert_error(125, "stats of a created container");
    assert!(out.stderr.contains("running container"), "{out:?}");
    l.run(&["stats", "--interval", "0", "hog"])
        .assert_error(125, "interval 0");
    l.run(&["stats", "-a", "hog"])
        .assert_error(125, "--all with names");
    l.run(&["stats", "--no-stream", "nosuch"])
        .assert_error(125, "no such container");
    l.ok(&["rm", "-fa"]);
}

#[test]
fn stats_streams_sample_after_sample_when_not_a_terminal() {
    let Some(mut l) = Lpod::with_image() else {
        return;
    };
    l.ok(&["run", "-d", "--name", "s", &l.image, "sleep", "600"]);
    let child = l.spawn(&[
        "stats",
        "--interval",
        "1",
        "--format",
        "{{.Name}} {{.PIDS}}",
        "s",
    ]);
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    // Not a terminal: every sample is appended (no screen clearing), one line each.
    for _ in 0..3 {
        let line = lines.next().expect("a sample").expect("utf-8");
        assert_eq!(line, "s 1");
    }
    let _ = child.kill();
    let _ = child.wait();
    l.ok(&["rm", "-fa"]);
}

#[test]
fn update_changes_limits_seen_by_stats_and_inspect() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&[
        "run",
        "-d",
        "--name",
        "u",
        "-m",
        "64m",
        "--pids-limit",
        "50",
        &l.image,
        "sleep",
        "600",
    ]);
    let limits = |l: &Lpod| l.inspect("u", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}");
    assert_eq!(limits(&l), "67108864 50");
    let id = l.ok(&["update", "--memory", "128m", "--pids-limit", "20", "u"]);
    assert_eq!(id.trim(), l.inspect("u", "{{.Id}}"));
    assert_eq!(limits(&l), "134217728 20");
    let mem = l.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.MemUsageBytes}}",
        "u",
    ]);
    assert!(mem.trim().ends_with("/ 128MiB"), "{mem}");
    // Lower, through `container update`, and CPUs.
    l.ok(&["container", "update", "-m", "96m", "--cpus", "0.5", "u"]);
    assert_eq!(limits(&l), "100663296 20");
    assert_eq!(l.inspect("u", "{{.HostConfig.NanoCpus}}"), "500000000");
    let mem = l.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.MemUsageBytes}}",
        "u",
    ]);
    assert!(mem.trim().ends_with("/ 96MiB"), "{mem}");
    // Kept across a restart.
    l.ok(&["restart", "-t", "0", "u"]);
    let mem = l.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.MemUsageBytes}}",
        "u",
    ]);
    assert!(mem.trim().ends_with("/ 96MiB"), "after restart: {mem}");
    // Bad input: a clear error, nothing changed.
    l.run(&["update", "-m", "1k", "u"])
        .assert_error(125, "tiny memory");
    l.run(&["update", "u"]).assert_error(125, "no limit");
    l.run(&["update", "-m", "lots", "u"])
        .assert_error(125, "bad size");
    assert_eq!(limits(&l), "100663296 20");
    // Each update is an event.
    let ev = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "event=update",
        "--format",
        "{{.Name}}",
    ]);
    assert_eq!(ev.lines().filter(|n| *n == "u").count(), 2, "{ev}");
    l.ok(&["rm", "-fa"]);
}

#[test]
fn top_with_descriptors_and_ps_options() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&[
        "run",
        "-d",
        "--name",
        "t",
        &l.image,
        "sh",
        "-c",
        "echo ready; sleep 600; echo done",
    ]);
    l.wait_for("sleep running", || {
        l.ok(&["top", "t", "comm"]).contains("sleep").then_some(())
    });
    let out = l.ok(&["top", "t"]);
    let head = out.lines().next().unwrap_or_default();
    for col in [
        "USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND",
    ] {
        assert!(head.contains(col), "{col}: {out}");
    }
    let out = l.ok(&["top", "t", "pid,ppid", "user", "comm", "huser", "seccomp"]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|r| r.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["PID", "PPID", "USER", "COMMAND", "HUSER", "SECCOMP"]
    );
    assert!(
        rows.contains(&vec!["1", "0", "root", "sh", "root", "filter"]),
        "{out}"
    );
    assert!(rows.iter().any(|r| r[1] == "1" && r[3] == "sleep"), "{out}");
    // ps(1) options run ps in the container.
    let out = l.ok(&["container", "top", "t", "-o", "pid,comm"]);
    assert!(
        out.lines().next().unwrap_or_default().contains("PID"),
        "{out}"
    );
    assert!(out.contains("sleep"), "{out}");
    // pod top takes descriptors too; a stopped container is an error.
    l.ok(&["stop", "-t", "0", "t"]);
    l.run(&["top", "t"])
        .assert_error(125, "top of a stopped container");
    l.ok(&["rm", "-fa"]);
}

#[test]
fn pod_stats_and_pod_top_cover_the_members() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["pod", "create", "--name", "ps1", "--network", "none"]);
    l.ok(&[
        "run", "-d", "--pod", "ps1", "--name", "m", &l.image, "sleep", "600",
    ]);
    let out = l.ok(&["pod", "stats", "--no-stream"]);
    let head = out.lines().next().unwrap_or_default();
    for col in [
        "POD", "CID", "NAME", "CPU %", "MEM %", "NET IO", "BLOCK IO", "PIDS",
    ] {
        assert!(head.contains(col), "{col}: {out}");
    }
    assert!(out.contains(" m "), "member listed: {out}");
    assert!(out.contains("-infra"), "infra listed: {out}");
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["pod", "stats", "--no-stream", "--format", "json", "ps1"]))
            .expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
    assert!(v[0].get("MemUsageBytes").is_some(), "{v}");
    let top = l.ok(&["pod", "top", "ps1", "pid,comm"]);
    assert!(top.contains("sleep") && top.contains("catatonit"), "{top}");
    l.run(&["pod", "top", "ps1", "bogus"])
        .assert_error(125, "unknown pod top descriptor");
    l.ok(&["pod", "rm", "-f", "ps1"]);
}
