//! Containers through the real `lpod` binary, each verb in its own process: real crun under
//! real conmon, a private root and run root, the busybox test image.

mod common;

use std::time::Duration;

use common::{child_output, Lpod};

fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn status_of(l: &Lpod, name: &str) -> String {
    l.inspect(name, "{{.State.Status}}")
}

#[test]
fn detached_container_across_processes() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let id = l.ok(&[
        "run",
        "-d",
        "--name",
        "ticker",
        "--network",
        "none",
        "-l",
        "app=demo",
        &img,
        "sh",
        "-c",
        "echo started; while true; do sleep 0.1; done",
    ]);
    let id = id.trim().to_string();
    assert!(is_full_id(&id), "run -d prints the full id: {id:?}");

    // ps (table) shows the short id and the name.
    let ps = l.ok(&["ps"]);
    assert!(ps.starts_with("CONTAINER ID"), "{ps}");
    let row = ps
        .lines()
        .find(|r| r.starts_with(&id[..12]))
        .unwrap_or_else(|| panic!("no row for {id} in\n{ps}"));
    assert!(row.contains("ticker") && row.contains("Up"), "{row}");
    assert_eq!(l.ok(&["ps", "-q"]).trim(), &id[..12]);
    assert_eq!(l.ok(&["ps", "-q", "--no-trunc"]).trim(), id);

    // ps json and filters.
    let all = l.ps_all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["State"], "running");
    assert_eq!(
        l.ok(&["ps", "-q", "--filter", "label=app=demo"]).trim(),
        &id[..12]
    );
    assert_eq!(
        l.ok(&["ps", "-q", "--filter", "name=tick"]).trim(),
        &id[..12]
    );
    assert_eq!(l.ok(&["ps", "-aq", "--filter", "status=exited"]).trim(), "");
    assert_eq!(
        l.ok(&["ps", "--format", "{{.ID}} {{.Names}} {{.State}}"])
            .trim(),
        format!("{} ticker running", &id[..12])
    );

    // logs from another process.
    let logs = l.wait_for("the first log line", || {
        let out = l.ok(&["logs", "ticker"]);
        out.contains("started").then_some(out)
    });
    assert_eq!(logs, "started\n");

    // exec sees the container; its exit code comes back.
    let out = l.ok(&["exec", "ticker", "cat", "/proc/1/cmdline"]);
    assert!(out.contains("while true"), "{out}");
    let out = l.run(&["exec", &id[..8], "sh", "-c", "exit 5"]);
    assert_eq!(out.code, 5, "{out:?}");
    let out = l.ok(&[
        "exec",
        "-e",
        "X=42",
        "-w",
        "/tmp",
        "ticker",
        "sh",
        "-c",
        "echo $X $(pwd)",
    ]);
    assert_eq!(out, "42 /tmp\n");

    // stop from yet another process; the state is visible to all.
    l.ok(&["stop", "-t", "1", "ticker"]);
    assert_eq!(status_of(&l, "ticker"), "exited");
    let ps = l.ok(&["ps"]);
    assert_eq!(
        ps.lines().count(),
        1,
        "stopped containers are not in plain ps: {ps}"
    );
    let psa = l.ok(&["ps", "-a"]);
    assert!(psa.contains("Exited ("), "{psa}");
    assert_eq!(
        l.ok(&["ps", "-aq", "--filter", "status=exited"]).trim(),
        &id[..12]
    );

    l.ok(&["rm", "ticker"]);
    assert!(l.ps_all().is_empty());
    l.run(&["inspect", "ticker"])
        .assert_error(125, "inspect after rm");
}

#[test]
fn foreground_run_passes_output_and_exit_code() {
    let Some(l) = Lpod::with_image() else { return };
    let out = l.run(&[
        "run",
        "--network",
        "none",
        &l.image,
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(out.stdout, "out\n");
    assert!(out.stderr.contains("err"), "{out:?}");
    let ps = l.ps_all();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0]["ExitCode"], 3);
}

#[test]
fn exit_codes_126_and_127() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let out = l.run(&["run", "--rm", "--network", "none", &img, "/nonexistent"]);
    assert_eq!(out.code, 127, "{out:?}");
    assert!(
        out.stderr.lines().any(|x| x.starts_with("Error: ")),
        "{out:?}"
    );
    let out = l.run(&["run", "--rm", "--network", "none", &img, "/etc/passwd"]);
    assert_eq!(out.code, 126, "{out:?}");
    let out = l.run(&["run", "--rm", "--network", "none", &img, "true"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = l.run(&[
        "run",
        "--rm",
        "--network",
        "none",
        &img,
        "sh",
        "-c",
        "exit 42",
    ]);
    assert_eq!(out.code, 42, "{out:?}");
    // Same mapping for exec.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "e",
        "--network",
        "none",
        &img,
        "sleep",
        "600",
    ]);
    assert_eq!(l.run(&["exec", "e", "/nonexistent"]).code, 127);
    assert_eq!(l.run(&["exec", "e", "/etc/passwd"]).code, 126);
    l.ok(&["rm", "-f", "-t", "0", "e"]);
}

#[test]
fn killed_cli_leaves_container_running_and_exit_code_is_recorded() {
    let Some(mut l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let child = l.spawn(&[
        "run",
        "--name",
        "orphan",
        "--network",
        "none",
        &img,
        "sh",
        "-c",
        "while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 7",
    ]);
    let lpod_pid = child.id();
    l.wait_for("the container to run", || {
        let out = l.run(&["inspect", "--format", "{{.State.Status}}", "orphan"]);
        (out.stdout.trim() == "running").then_some(())
    });
    // Kill -9 the foreground lpod (only the process we spawned, by pid).
    let child = l.children_last();
    assert_eq!(child.id(), lpod_pid);
    child.kill().expect("kill lpod");
    let out = child_output(child);
    assert_eq!(out.code, -1, "killed by a signal: {out:?}");

    assert_eq!(status_of(&l, "orphan"), "running");
    l.ok(&["exec", "orphan", "touch", "/tmp/go"]);
    let code = l.ok(&["wait", "orphan"]);
    assert_eq!(code.trim(), "7");
    // The exit command (conmon -> lpod container cleanup) moves it to Exited.
    l.wait_for("the exit command to clean up", || {
        (status_of(&l, "orphan") == "exited").then_some(())
    });
    assert_eq!(l.inspect("orphan", "{{.State.ExitCode}}"), "7");
    // The exit command (conmon -> lpod container cleanup) unmounted the rootfs.
    l.wait_for("cleanup to unmount the root filesystem", || {
        let m = l.mounts();
        m.iter()
            .all(|p| !p.to_string_lossy().contains("merged"))
            .then_some(())
    });
}

#[test]
fn run_rm_leaves_nothing_behind() {
    let Some(l) = Lpod::with_image() else { return };
    let before = dirs_under(&l.root);
    let out = l.ok(&["run", "--rm", "--network", "none", &l.image, "echo", "bye"]);
    assert_eq!(out, "bye\n");
    assert!(l.ps_all().is_empty(), "no row in ps -a");
    let after = dirs_under(&l.root);
    let new: Vec<_> = after.difference(&before).collect();
    assert!(new.is_empty(), "new directories under the root: {new:?}");
    assert!(l.mounts().is_empty(), "mounts left: {:?}", l.mounts());
    assert!(l.conmons().is_empty(), "conmon left: {:?}", l.conmons());
}

#[test]
fn detached_run_rm_is_removed_by_the_exit_command() {
    let Some(l) = Lpod::with_image() else { return };
    let id = l.ok(&[
        "run",
        "-d",
        "--rm",
        "--network",
        "none",
        &l.image,
        "sh",
        "-c",
        "exit 0",
    ]);
    assert!(is_full_id(id.trim()), "{id}");
    l.wait_for("the exit command to remove the container", || {
        l.ps_all().is_empty().then_some(())
    });
    l.wait_for("mounts to go", || l.mounts().is_empty().then_some(()));
    l.wait_for("conmon to exit", || l.conmons().is_empty().then_some(()));
}

#[test]
fn eight_concurrent_run_rm() {
    let Some(l) = Lpod::with_image() else { return };
    let mut children = Vec::new();
    for i in 0..8 {
        let msg = format!("hello {i}");
        let c = l
            .cmd(&["run", "--rm", "--network", "none", &l.image, "echo", &msg])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        children.push((msg, c));
    }
    for (msg, mut c) in children {
        let out = child_output(&mut c);
        assert_eq!(out.code, 0, "{msg}: {out:?}");
        assert_eq!(out.stdout.trim(), msg, "{out:?}");
    }
    assert!(l.ps_all().is_empty());
    assert!(l.mounts().is_empty(), "{:?}", l.mounts());
}

#[test]
fn create_start_attach_and_wait() {
    let Some(l) = Lpod::with_image() else { return };
    let id = l.ok(&[
        "create",
        "--name",
        "c1",
        "--network",
        "none",
        &l.image,
        "sh",
        "-c",
        "echo hi; exit 4",
    ]);
    assert!(is_full_id(id.trim()), "{id}");
    assert_eq!(status_of(&l, "c1"), "created");
    let ps = l.ok(&["ps", "-a"]);
    assert!(ps.contains("Created"), "{ps}");
    let out = l.run(&["start", "-a", "c1"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.stdout, "hi\n");
    assert_eq!(l.ok(&["wait", "c1"]).trim(), "4");
    // Start again, detached: prints the name back like podman.
    assert_eq!(l.ok(&["start", "c1"]).trim(), "c1");
    assert_eq!(l.ok(&["wait", "c1"]).trim(), "4");
    assert_eq!(l.ok(&["logs", "c1"]), "hi\nhi\n");
}

#[test]
fn kill_pause_unpause_restart() {
    let Some(l) = Lpod::with_image() else { return };
    // PID 1 ignores signals it has no handler for: trap TERM so `kill -s TERM` shows.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "k",
        "--network",
        "none",
        &l.image,
        "sh",
        "-c",
        "trap 'exit 3' TERM; echo ready; while true; do sleep 0.1; done",
    ]);
    l.ok(&["pause", "k"]);
    assert_eq!(status_of(&l, "k"), "paused");
    assert!(l.ok(&["ps", "-a"]).contains("Paused"));
    l.ok(&["unpause", "k"]);
    assert_eq!(status_of(&l, "k"), "running");
    let pid1 = l.inspect("k", "{{.State.Pid}}");
    l.ok(&["restart", "-t", "0", "k"]);
    assert_eq!(status_of(&l, "k"), "running");
    let pid2 = l.inspect("k", "{{.State.Pid}}");
    assert_ne!(pid1, pid2, "restart made a new process");
    // The trap is set once the second run said "ready".
    l.wait_for("the restarted shell to set its trap", || {
        (l.ok(&["logs", "k"]).matches("ready").count() == 2).then_some(())
    });
    l.ok(&["kill", "-s", "TERM", "k"]);
    assert_eq!(l.ok(&["wait", "k"]).trim(), "3");
    // Exited once the exit command cleaned up; Stopped until then.
    let st = status_of(&l, "k");
    assert!(st == "exited" || st == "stopped", "{st}");
    // Removing a running container needs -f.
    l.ok(&["start", "k"]);
    // Podman's exit code 2: the container's state forbids it.
    l.run(&["rm", "k"]).assert_error(2, "rm running");
    l.ok(&["rm", "-f", "-t", "0", "k"]);
    assert!(l.ps_all().is_empty());
}

#[test]
fn names_must_be_unique_and_valid() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["create", "--name", "dup", &l.image, "true"]);
    l.run(&["create", "--name", "dup", &l.image, "true"])
        .assert_error(125, "duplicate name");
    l.run(&["create", "--name", "bad name!", &l.image, "true"])
        .assert_error(125, "invalid name");
    l.run(&["run", "--rm", "nosuchimage:latest", "true"])
        .assert_error(125, "unknown image");
    assert_eq!(l.ps_all().len(), 1);
}

#[test]
fn env_workdir_user_volume_tmpfs_and_limits() {
    let Some(l) = Lpod::with_image() else { return };
    let host = l.dir().join("share");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("f"), "from host\n").unwrap();
    let envf = l.dir().join("env");
    std::fs::write(&envf, "# comment\nFROMFILE=yes\nB=file\n").unwrap();
    let vol = format!("{}:/data:ro", host.display());
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-e",
        "B=flag",
        "--env-file",
        envf.to_str().unwrap(),
        "-w",
        "/tmp",
        "-u",
        "1000:1000",
        "-v",
        &vol,
        "--tmpfs",
        "/scratch",
        "--memory",
        "64m",
        "--pids-limit",
        "100",
        "--cpus",
        "0.5",
        &l.image,
        "sh",
        "-c",
        "echo $FROMFILE $B; pwd; id -u; id -g; cat /data/f; touch /data/x 2>/dev/null || echo ro; \
         grep -c ' /scratch tmpfs ' /proc/mounts",
    ]);
    assert_eq!(
        out, "yes flag\n/tmp\n1000\n1000\nfrom host\nro\n1\n",
        "whole output"
    );
    assert!(!host.join("x").exists());
}

#[test]
fn network_none_and_host() {
    let Some(l) = Lpod::with_image() else { return };
    let none = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &l.image,
        "cat",
        "/proc/net/dev",
    ]);
    let ifaces: Vec<&str> = none
        .lines()
        .skip(2)
        .filter_map(|x| x.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(ifaces, ["lo"], "{none}");
    let host = l.ok(&[
        "run",
        "--rm",
        "--network",
        "host",
        &l.image,
        "cat",
        "/proc/net/dev",
    ]);
    assert!(host.lines().count() > 3, "host sees more than lo: {host}");
}

#[test]
fn logs_tail_and_since() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&[
        "run",
        "--name",
        "lines",
        "--network",
        "none",
        &l.image,
        "sh",
        "-c",
        "for i in 1 2 3 4 5; do echo $i; done",
    ]);
    assert_eq!(l.ok(&["logs", "lines"]), "1\n2\n3\n4\n5\n");
    assert_eq!(l.ok(&["logs", "--tail", "2", "lines"]), "4\n5\n");
    assert_eq!(l.ok(&["logs", "--since", "1h", "lines"]), "1\n2\n3\n4\n5\n");
    let future = (chrono_now_secs() + 3600).to_string();
    assert_eq!(l.ok(&["logs", "--since", &future, "lines"]), "");
    // -f on an exited container returns at once with everything.
    assert_eq!(l.ok(&["logs", "-f", "lines"]), "1\n2\n3\n4\n5\n");
}

#[test]
fn logs_follow_ends_when_the_container_exits() {
    let Some(mut l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    l.ok(&[
        "run",
        "-d",
        "--name",
        "f",
        "--network",
        "none",
        &img,
        "sh",
        "-c",
        "echo a; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo b",
    ]);
    l.spawn(&["logs", "-f", "f"]);
    l.wait_for("first line", || {
        l.ok(&["logs", "f"]).contains('a').then_some(())
    });
    l.ok(&["exec", "f", "touch", "/tmp/go"]);
    let out = child_output(l.children_last());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "a\nb\n");
}

#[test]
fn inspect_json_and_templates() {
    let Some(l) = Lpod::with_image() else { return };
    let id = l.ok(&[
        "create", "--name", "i1", "-l", "k=v", "-e", "A=1", &l.image, "echo", "x",
    ]);
    let id = id.trim();
    let json = l.ok(&["inspect", "i1"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("inspect is JSON");
    let c = &v[0];
    assert_eq!(c["Id"], id);
    assert_eq!(c["Name"], "i1");
    assert_eq!(c["State"]["Status"], "created");
    assert_eq!(c["Config"]["Labels"]["k"], "v");
    assert_eq!(
        l.inspect("i1", "{{.Id}} {{.State.Status}}"),
        format!("{id} created")
    );
    assert_eq!(l.inspect(&id[..10], "{{index .Config.Labels \"k\"}}"), "v");
    // Images inspect too.
    let img = l.ok(&["inspect", "--type", "image", &l.image]);
    let v: serde_json::Value = serde_json::from_str(&img).expect("image inspect is JSON");
    assert!(v[0]["Id"].as_str().is_some_and(|s| s.len() >= 12), "{img}");
}

#[test]
fn info_reports_our_paths() {
    let Some(l) = Lpod::with_image() else { return };
    let json = l.ok(&["info", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("info json");
    let text = v.to_string();
    assert!(text.contains(&*l.root.to_string_lossy()), "{json}");
    let human = l.ok(&["info"]);
    assert!(human.contains("host") || human.contains("Host"), "{human}");
}

fn chrono_now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// Every directory under `root` (depth ≤ 4), skipping the image's own content.
fn dirs_under(root: &std::path::Path) -> std::collections::BTreeSet<std::path::PathBuf> {
    fn walk(
        p: &std::path::Path,
        d: usize,
        out: &mut std::collections::BTreeSet<std::path::PathBuf>,
    ) {
        if d > 4 {
            return;
        }
        let Ok(rd) = std::fs::read_dir(p) else { return };
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                let path = e.path();
                if path.file_name().is_some_and(|n| n == "diff") {
                    continue;
                }
                out.insert(path.clone());
                walk(&path, d + 1, out);
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(root, 0, &mut out);
    out
}
