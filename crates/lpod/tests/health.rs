//! Healthchecks end to end: the real binary, real crun under real conmon, no systemd.
//! The monitor process that `start` launches runs the checks on schedule; these tests
//! watch what it records (`inspect`'s `State.Health`, `ps`, `health_status` events),
//! its on-failure actions, `healthcheck run`'s exit codes, and that nothing of it is
//! left after `rm -fa` (by pid) or survives `system check --repair`.

mod common;

use common::{pid_live, Lpod};

/// `inspect --format '{{json .State.Health}}'`, parsed.
fn health(l: &Lpod, name: &str) -> serde_json::Value {
    let s = l.inspect(name, "{{json .State.Health}}");
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("health json {e}: {s}"))
}

fn wait_status(l: &Lpod, name: &str, want: &str) -> serde_json::Value {
    l.wait_for(&format!("{name} to be {want}"), || {
        let h = health(l, name);
        (h["Status"] == want).then_some(h)
    })
}

/// The monitor of this world's only monitored container, once it runs.
fn one_monitor(l: &Lpod) -> i32 {
    l.wait_for("the health monitor", || match l.health_monitors()[..] {
        [pid] => Some(pid),
        _ => None,
    })
}

#[test]
fn healthy_then_failing_flips_to_unhealthy_after_retries() {
    let Some(l) = Lpod::with_image() else { return };
    // Healthy until /tmp/bad exists; two failures in a row make it unhealthy.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "hc",
        "--health-cmd",
        "test ! -e /tmp/bad && echo fine",
        "--health-interval",
        "1s",
        "--health-retries",
        "2",
        &l.image,
        "sleep",
        "1000",
    ]);
    let test: Vec<String> =
        serde_json::from_str(&l.inspect("hc", "{{json .Config.Healthcheck.Test}}")).unwrap();
    assert_eq!(test, ["CMD-SHELL", "test ! -e /tmp/bad && echo fine"]);
    let h = wait_status(&l, "hc", "healthy");
    assert_eq!(h["FailingStreak"], 0);
    let last = h["Log"].as_array().and_then(|a| a.last()).cloned().unwrap();
    assert_eq!(last["ExitCode"], 0);
    // The output without its final newline, as Podman keeps it.
    assert_eq!(last["Output"].as_str(), Some("fine"));
    // Podman 4's alias.
    assert_eq!(l.inspect("hc", "{{.State.Healthcheck.Status}}"), "healthy");
    let ps = l.ok(&["ps", "--format", "{{.Status}}"]);
    assert!(ps.trim().ends_with("(healthy)"), "{ps}");

    l.ok(&["exec", "hc", "touch", "/tmp/bad"]);
    let h = wait_status(&l, "hc", "unhealthy");
    assert!(h["FailingStreak"].as_u64().unwrap() >= 2, "{h}");
    let log = h["Log"].as_array().unwrap();
    assert!(log.len() <= 5, "the log keeps five results: {h}");
    assert_eq!(log.last().unwrap()["ExitCode"], 1);
    let ps = l.ok(&["ps", "--format", "{{.Status}}"]);
    assert!(ps.trim().ends_with("(unhealthy)"), "{ps}");
    // Unhealthy without an action: still running.
    assert_eq!(l.inspect("hc", "{{.State.Status}}"), "running");

    let ev = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "event=health_status",
        "--format",
        "json",
    ]);
    let statuses: Vec<String> = ev
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("event json");
            assert_eq!(v["Name"], "hc");
            assert_eq!(v["Type"], "container");
            v["health_status"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert!(statuses.iter().any(|s| s == "healthy"), "{ev}");
    assert!(statuses.iter().any(|s| s == "unhealthy"), "{ev}");
}

#[test]
fn healthcheck_run_exit_codes_and_errors() {
    let Some(l) = Lpod::with_image() else { return };
    // No schedule: checks run only when asked.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "hc",
        "--health-cmd",
        r#"["test","-e","/tmp/ok"]"#,
        "--health-interval",
        "disable",
        "--health-retries",
        "2",
        &l.image,
        "sleep",
        "1000",
    ]);
    assert!(l.health_monitors().is_empty(), "no schedule, no monitor");
    assert_eq!(l.inspect("hc", "{{.State.Health.Status}}"), "starting");
    // One failure of two allowed: still starting (printed, exit 1, as Podman).
    let out = l.run(&["healthcheck", "run", "hc"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout.trim(), "starting", "{out:?}");
    let out = l.run(&["healthcheck", "run", "hc"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout.trim(), "unhealthy", "{out:?}");
    assert_eq!(health(&l, "hc")["FailingStreak"], 2);
    l.ok(&["exec", "hc", "touch", "/tmp/ok"]);
    let out = l.run(&["healthcheck", "run", "hc"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    assert_eq!(l.inspect("hc", "{{.State.Health.Status}}"), "healthy");

    // A command that is not there is a failed check (127), not an error.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "missing",
        "--health-cmd",
        r#"["/no/such/check"]"#,
        "--health-interval",
        "disable",
        "--health-retries",
        "1",
        &l.image,
        "sleep",
        "1000",
    ]);
    let out = l.run(&["healthcheck", "run", "missing"]);
    assert_eq!(out.code, 1, "{out:?}");
    let h = health(&l, "missing");
    assert_ne!(h["Log"][0]["ExitCode"], 0, "{h}");

    // A check that outlives its timeout is killed and fails with -1 (Podman's message).
    l.ok(&[
        "run",
        "-d",
        "--name",
        "slow",
        "--health-cmd",
        "sleep 600",
        "--health-timeout",
        "1s",
        "--health-interval",
        "disable",
        "--health-retries",
        "1",
        &l.image,
        "sleep",
        "1000",
    ]);
    let out = l.run(&["healthcheck", "run", "slow"]);
    assert_eq!((out.code, out.stdout.trim()), (1, "unhealthy"), "{out:?}");
    let h = health(&l, "slow");
    assert_eq!(h["Log"][0]["ExitCode"], -1, "{h}");
    assert!(
        h["Log"][0]["Output"]
            .as_str()
            .is_some_and(|o| o.contains("exceeded timeout of 1s")),
        "{h}"
    );
    let top = l.ok(&["exec", "slow", "ps", "-o", "args"]);
    assert!(
        !top.contains("sleep 600"),
        "the timed-out check was killed: {top}"
    );

    l.ok(&["run", "-d", "--name", "plain", &l.image, "sleep", "1000"]);
    let out = l.run(&["healthcheck", "run", "plain"]);
    out.assert_error(125, "no healthcheck");
    assert!(out.stderr.contains("has no defined healthcheck"), "{out:?}");

    l.ok(&["stop", "-t", "0", "hc"]);
    let out = l.run(&["healthcheck", "run", "hc"]);
    out.assert_error(125, "stopped");
    assert!(out.stderr.contains("is not running"), "{out:?}");

    let out = l.run(&["healthcheck", "run", "nonesuch"]);
    out.assert_error(125, "unknown container");

    let out = l.run(&[
        "create",
        "--health-cmd",
        "true",
        "--health-on-failure",
        "reboot",
        &l.image,
    ]);
    out.assert_error(125, "bad action");
    assert!(out.stderr.contains("reboot"), "{out:?}");
    // An action needs a healthcheck (the test image has none), in Podman's words.
    let out = l.run(&["create", "--health-on-failure=kill", &l.image]);
    out.assert_error(125, "on-failure without a healthcheck");
    assert!(
        out.stderr
            .contains("Error: cannot set on-failure action to kill without a health check"),
        "{out:?}"
    );
    let out = l.run(&[
        "create",
        "--health-cmd",
        "true",
        "--health-interval",
        "500ms",
        &l.image,
    ]);
    out.assert_error(125, "interval below 1s");
    let out = l.run(&["create", "--health-timeout", "soon", &l.image]);
    out.assert_error(125, "bad duration");
    assert!(out.stderr.contains("--health-timeout"), "{out:?}");
    assert_eq!(l.ps_all().len(), 4, "the refused creates left nothing");
}

#[test]
fn on_failure_restart_kill_and_stop() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&[
        "run",
        "-d",
        "--name",
        "re",
        "--stop-timeout",
        "0",
        "--health-cmd",
        "test -e /tmp/ok",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        "--health-on-failure",
        "restart",
        &l.image,
        "sleep",
        "1000",
    ]);
    assert_eq!(
        l.inspect("re", "{{.Config.HealthcheckOnFailureAction}}"),
        "restart"
    );
    let first_start = l.inspect("re", "{{.State.StartedAt}}");
    let first_monitor = one_monitor(&l);
    l.wait_for("a restart by the health monitor", || {
        let count: u32 = l.inspect("re", "{{.RestartCount}}").parse().ok()?;
        (count >= 1 && l.inspect("re", "{{.State.Status}}") == "running").then_some(())
    });
    assert_ne!(l.inspect("re", "{{.State.StartedAt}}"), first_start);
    let ev = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=re",
        "--format",
        "{{.Status}}",
    ]);
    assert!(ev.lines().any(|s| s == "restart"), "{ev}");
    // The restarted run has its own monitor; the one that acted is gone.
    let second = l.wait_for("the next run's monitor", || {
        l.health_monitors()
            .into_iter()
            .find(|p| *p != first_monitor)
    });
    l.wait_for("the acting monitor to exit", || {
        (!pid_live(first_monitor)).then_some(())
    });
    l.ok(&["rm", "-f", "-t", "0", "re"]);
    l.wait_for("no monitor after rm", || (!pid_live(second)).then_some(()));

    l.ok(&[
        "run",
        "-d",
        "--name",
        "ki",
        "--health-cmd",
        "exit 3",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        "--health-on-failure",
        "kill",
        &l.image,
        "sleep",
        "1000",
    ]);
    l.wait_for("the kill by the health monitor", || {
        (l.inspect("ki", "{{.State.Status}}") == "exited").then_some(())
    });
    assert_eq!(l.inspect("ki", "{{.State.ExitCode}}"), "137");
    l.wait_for("no monitor after the kill", || {
        l.health_monitors().is_empty().then_some(())
    });
    // `healthcheck run` takes the action itself before it answers (220-healthcheck; a
    // timer running it is how Podman checks): a long interval keeps the monitor out.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "ki2",
        "--health-cmd",
        "test ! -e /tmp/bad",
        "--health-interval",
        "1h",
        "--health-retries",
        "1",
        "--health-on-failure",
        "kill",
        &l.image,
        "sleep",
        "1000",
    ]);
    assert_eq!(l.run(&["healthcheck", "run", "ki2"]).code, 0);
    l.ok(&["exec", "ki2", "touch", "/tmp/bad"]);
    let out = l.run(&["healthcheck", "run", "ki2"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "unhealthy\n"),
        "{out:?}"
    );
    assert_eq!(
        l.inspect("ki2", "{{.State.Status}} {{.State.ExitCode}}"),
        "exited 137"
    );

    l.ok(&[
        "run",
        "-d",
        "--name",
        "st",
        "--stop-timeout",
        "0",
        "--health-cmd",
        "false",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        "--health-on-failure",
        "stop",
        &l.image,
        "sleep",
        "1000",
    ]);
    l.wait_for("the stop by the health monitor", || {
        (l.inspect("st", "{{.State.Status}}") == "exited").then_some(())
    });
    let ev = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=st",
        "--format",
        "{{.Status}}",
    ]);
    assert!(ev.lines().any(|s| s == "stop"), "{ev}");
    l.wait_for("no monitor after the stop", || {
        l.health_monitors().is_empty().then_some(())
    });
}

#[test]
fn rm_fa_leaves_no_monitor_and_check_repairs_orphans() {
    let Some(mut l) = Lpod::with_image() else {
        return;
    };
    for name in ["a", "b"] {
        l.ok(&[
            "run",
            "-d",
            "--name",
            name,
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            &l.image,
            "sleep",
            "1000",
        ]);
    }
    let pids = l.wait_for("two monitors", || {
        let p = l.health_monitors();
        (p.len() == 2).then_some(p)
    });
    let me = common::proc_stat(std::process::id() as i32).expect("own stat");
    let bin = std::fs::canonicalize(common::lpod_bin()).expect("lpod binary");
    for p in &pids {
        // Detached: in a session of its own (setsid), so no terminal or process group
        // of the caller reaches it, and re-parented away from the lpod that started it
        // (double fork): its parent is no lpod process.
        let stat = common::proc_stat(*p).unwrap_or_else(|| panic!("monitor {p} stat"));
        assert_ne!(stat.session, me.session, "monitor {p}: {stat:?}");
        assert_ne!(stat.pgrp, me.pgrp, "monitor {p}: {stat:?}");
        let parent = std::fs::read_link(format!("/proc/{}/exe", stat.ppid)).ok();
        assert_ne!(parent.as_ref(), Some(&bin), "monitor {p}: {stat:?}");
    }
    wait_status(&l, "a", "healthy");
    let out = l.run(&["system", "check"]);
    assert_eq!(out.code, 0, "recorded monitors are no findings: {out:?}");

    // Paused: no checks, but the monitor stays (no finding) and checks again after
    // the unpause.
    l.ok(&["pause", "a"]);
    let out = l.run(&["system", "check"]);
    assert_eq!(out.code, 0, "a paused container keeps its monitor: {out:?}");
    assert!(pids.iter().all(|p| pid_live(*p)));
    let last_start = |l: &Lpod| {
        health(l, "a")["Log"]
            .as_array()
            .and_then(|a| a.last())
            .map(|e| e["Start"].to_string())
    };
    let before = last_start(&l);
    l.ok(&["unpause", "a"]);
    l.wait_for("a check after the unpause", || {
        (last_start(&l) != before).then_some(())
    });
    assert!(pids.iter().all(|p| pid_live(*p)));

    // A monitor killed behind lpod's back: the audit sees the dead record, and
    // --repair starts a new monitor for the still running container.
    let victim = pids[0];
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(victim),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill the monitor this test's container got");
    l.wait_for("the killed monitor to die", || {
        (!pid_live(victim)).then_some(())
    });
    let out = l.run(&["system", "check", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("dead-health-monitor"), "{out:?}");
    l.ok(&["system", "check", "--repair"]);
    let pids = l.wait_for("a new monitor beside the other one", || {
        let p = l.health_monitors();
        (p.len() == 2 && !p.contains(&victim)).then_some(p)
    });
    l.wait_for("the new monitor to register", || {
        (l.run(&["system", "check"]).code == 0).then_some(())
    });

    l.ok(&["rm", "-fa", "-t", "0"]);
    for p in &pids {
        assert!(!pid_live(*p), "monitor {p} left after rm -fa");
    }
    assert!(l.health_monitors().is_empty());

    // A process that looks like a monitor of this run root for an unknown container
    // (a test double beside the real monitors): an orphan, which --repair kills.
    let run_root = l.runroot.to_string_lossy().into_owned();
    let fake_id = "f".repeat(64);
    let child = l.spawn_raw(
        "sh",
        &[
            "-c",
            "while :; do sleep 1; done",
            "lpod",
            "container",
            "healthmonitor",
            "--run-root",
            &run_root,
            &fake_id,
        ],
    );
    let out = l.run(&["system", "check", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "orphan-health-monitor")
        .cloned()
        .unwrap_or_else(|| panic!("no orphan-health-monitor finding: {out:?}"));
    assert_eq!(found["pid"], child);
    assert_eq!(found["id"], fake_id.as_str());
    l.ok(&["system", "check", "--repair"]);
    l.wait_for("the orphan to die", || (!pid_live(child)).then_some(()));
    assert_eq!(l.run(&["system", "check"]).code, 0);
}

/// Copies the busybox OCI layout to `dir` with a `Healthcheck` in its image config and
/// the name `localhost/hcimage:latest`.
fn image_with_healthcheck(src: &std::path::Path, dir: &std::path::Path) {
    use libpod_storage::digest::sha256_digest;
    let blob = |d: &str| -> std::path::PathBuf {
        dir.join("blobs/sha256")
            .join(d.strip_prefix("sha256:").unwrap())
    };
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    for e in std::fs::read_dir(src.join("blobs/sha256"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), dir.join("blobs/sha256").join(e.file_name())).unwrap();
    }
    std::fs::copy(src.join("oci-layout"), dir.join("oci-layout")).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(src.join("index.json")).unwrap()).unwrap();
    let mdigest = index["manifests"][0]["digest"].as_str().unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(mdigest)).unwrap()).unwrap();
    let cdigest = manifest["config"]["digest"].as_str().unwrap().to_string();
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(&cdigest)).unwrap()).unwrap();
    config["config"]["Healthcheck"] = serde_json::json!({
        "Test": ["CMD-SHELL", "test ! -e /tmp/bad"],
        "Interval": 1_000_000_000u64,
        "Retries": 1,
    });
    let cbytes = serde_json::to_vec(&config).unwrap();
    let cd = sha256_digest(&cbytes);
    std::fs::write(blob(&cd), &cbytes).unwrap();
    manifest["config"]["digest"] = cd.clone().into();
    manifest["config"]["size"] = cbytes.len().into();
    let mbytes = serde_json::to_vec(&manifest).unwrap();
    let md = sha256_digest(&mbytes);
    std::fs::write(blob(&md), &mbytes).unwrap();
    let mut index = index.clone();
    index["manifests"][0]["digest"] = md.into();
    index["manifests"][0]["size"] = mbytes.len().into();
    index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] =
        "localhost/hcimage:latest".into();
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn the_image_healthcheck_applies_unless_overridden() {
    let Some(l) = Lpod::with_image() else { return };
    let src = common::test_image_tar().with_file_name("busybox-oci");
    let dir = l.dir().join("hcimage-oci");
    image_with_healthcheck(&src, &dir);
    l.ok(&["load", "-i", dir.to_str().unwrap()]);
    l.ok(&[
        "run",
        "-d",
        "--name",
        "img",
        "localhost/hcimage",
        "sleep",
        "1000",
    ]);
    let test: Vec<String> =
        serde_json::from_str(&l.inspect("img", "{{json .Config.Healthcheck.Test}}")).unwrap();
    assert_eq!(test, ["CMD-SHELL", "test ! -e /tmp/bad"]);
    assert_eq!(
        l.inspect("img", "{{.Config.Healthcheck.Interval}}"),
        "1000000000"
    );
    wait_status(&l, "img", "healthy");
    // A flag overrides the image's value; the rest stays the image's.
    l.ok(&[
        "create",
        "--name",
        "over",
        "--health-retries",
        "4",
        "localhost/hcimage",
        "sleep",
        "1000",
    ]);
    assert_eq!(l.inspect("over", "{{.Config.Healthcheck.Retries}}"), "4");
    assert_eq!(
        l.inspect("over", "{{.Config.Healthcheck.Interval}}"),
        "1000000000"
    );
    // --no-healthcheck: none at all.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "none",
        "--no-healthcheck",
        "localhost/hcimage",
        "sleep",
        "1000",
    ]);
    let out = l.run(&["healthcheck", "run", "none"]);
    out.assert_error(125, "--no-healthcheck");
    let doc = l.ok(&["inspect", "none"]);
    assert!(!doc.contains("\"Health\""), "{doc}");
    l.ok(&["rm", "-fa", "-t", "0"]);
    assert!(l.health_monitors().is_empty());
}
