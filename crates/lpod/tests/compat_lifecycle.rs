//! Podman's lifecycle verbs as a Podman user meets them (issue 14): `ps` filters, sorting
//! and `--noheading`; `start --all/--filter`; `stop --ignore/--timeout` and the SIGKILL
//! warning; `rm`'s messages and exit codes; `kill -s` validation; `pause/unpause --all`;
//! `wait` on a container that never ran; `mount`/`umount`, `image mount/umount`, `run
//! --mount type=image`;
//! `--restart` policies; the global `--noout`. Real crun under real conmon.

mod common;

use std::time::{Duration, Instant};

use common::Lpod;

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

fn no_such(name: &str) -> String {
    format!("Error: no container with name or ID \"{name}\" found: no such container")
}

#[test]
fn ps_filters_sort_last_and_noheading_read_like_podman() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    assert_eq!(l.ok(&["ps", "--noheading"]), "");
    let runner = l.ok(&["run", "-d", "--name", "runner", &img, "sleep", "60"]);
    let runner = runner.trim();
    l.ok(&["run", "-d", "--name", "stopped", &img, "true"]);
    l.ok(&["wait", "stopped"]);
    l.ok(&["run", "-d", "--name", "failed", &img, "false"]);
    l.ok(&["wait", "failed"]);
    l.ok(&["create", "--name", "created", &img, "echo", "hi"]);

    // The table without its header: one row per running container.
    let rows = l.ok(&["ps", "--noheading"]);
    assert_eq!(lines(&rows).len(), 1, "{rows}");
    assert!(rows.starts_with(&runner[..12]), "{rows}");

    // name= is a regular expression; without -a only running containers.
    let f = |args: &[&str]| l.ok(args).trim().to_string();
    assert_eq!(
        f(&["ps", "--filter", "name=^run", "--format", "{{.ID}}"]),
        runner[..12]
    );
    assert_eq!(
        f(&["ps", "--filter", "name=stopped", "--format", "{{.ID}}"]),
        ""
    );
    assert_eq!(
        f(&[
            "ps",
            "-a",
            "--filter",
            "name=stopp.d",
            "--format",
            "{{.Names}}"
        ]),
        "stopped"
    );
    // A status filter lists every container (Docker's rule); stopped means exited.
    assert_eq!(
        f(&[
            "ps",
            "--filter",
            "status=stopped",
            "--format",
            "{{.Names}}",
            "--sort",
            "names"
        ]),
        "failed\nstopped"
    );
    assert_eq!(
        f(&[
            "ps",
            "--filter",
            "status=exited",
            "--filter",
            "exited=1",
            "--format",
            "{{.Names}}"
        ]),
        "failed"
    );
    // Values of one key are alternatives; --sort created is oldest first.
    assert_eq!(
        f(&[
            "ps",
            "-a",
            "--filter",
            "status=exited",
            "--filter",
            "status=running",
            "--format",
            "{{.Names}}",
            "--sort",
            "created",
        ]),
        "runner\nstopped\nfailed"
    );
    assert_eq!(
        f(&[
            "ps",
            "-a",
            "--filter",
            "status=created",
            "--format",
            "{{.Names}}"
        ]),
        "created"
    );
    // --last N: the N newest, whatever their status.
    assert_eq!(
        f(&["ps", "--last", "2", "--format", "{{.Names}}"]),
        "created\nfailed"
    );
    assert_eq!(f(&["ps", "--latest", "--format", "{{.Names}}"]), "created");
    // The status column.
    let st = f(&[
        "ps",
        "-a",
        "--sort",
        "names",
        "--format",
        "{{.Names}}--{{.Status}}",
    ]);
    let st: Vec<&str> = st.lines().collect();
    assert!(st[0].starts_with("created--Created"), "{st:?}");
    assert!(st[1].starts_with("failed--Exited (1)"), "{st:?}");
    assert!(st[2].starts_with("runner--Up "), "{st:?}");

    // Bad input: one clear error each.
    let out = l.run(&["ps", "--filter", "color=red"]);
    out.assert_error(125, "unknown filter key");
    assert!(out.stderr.contains("color is an invalid filter"), "{out:?}");
    let out = l.run(&["ps", "--sort", "bogus"]);
    out.assert_error(125, "bad sort key");
    assert!(out.stderr.contains("invalid option for --sort"), "{out:?}");
    l.ok(&["rm", "-f", "-t", "0", "runner"]);
}

#[test]
fn start_all_and_filters_print_ids_or_raw_input() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let out = l.run(&["start", "--all", "12333"]);
    out.assert_error(125, "start --all with names");
    assert!(
        out.stderr
            .contains("either start all containers or the container(s) provided in the arguments"),
        "{out:?}"
    );
    let t = l.ok(&["run", "-d", &img, "true"]).trim().to_string();
    let f = l
        .ok(&["run", "-d", "--restart=no", &img, "false"])
        .trim()
        .to_string();
    let always = l
        .ok(&["run", "-d", "--restart=always", &img, "sleep", "60"])
        .trim()
        .to_string();
    l.ok(&["wait", &t, &f]);
    // --all starts what does not run and prints full ids; never the running one.
    let started = l.ok(&["start", "--all"]);
    assert!(started.contains(&t) && started.contains(&f), "{started}");
    assert!(!started.contains(&always), "{started}");
    l.ok(&["wait", &t, &f]);
    // Filters: restart-policy (none = no policy), exited=.
    assert_eq!(
        l.ok(&["start", "--filter", "restart-policy=always", &t])
            .trim(),
        ""
    );
    assert_eq!(
        l.ok(&["start", "--filter", "restart-policy=none", &t])
            .trim(),
        t
    );
    l.ok(&["wait", &t]);
    assert_eq!(l.ok(&["start", "--all", "--filter", "exited=1"]).trim(), f);
    l.ok(&["wait", &f]);
    let out = l.run(&["start", "--filter", "restart-policy=fakepolicy", &t]);
    out.assert_error(125, "bad policy");
    assert_eq!(
        out.stderr.trim(),
        "Error: fakepolicy invalid restart policy"
    );
    // Named: the raw input is printed.
    l.ok(&["create", "--name", "named1", &img, "sleep", "60"]);
    assert_eq!(l.ok(&["start", "named1"]).trim(), "named1");
    l.ok(&["rm", "-f", "-t", "0", "named1", &always]);
}

#[test]
fn stop_ignore_timeout_alias_warning_and_noout() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let out = l.run(&["stop", "nosuchctr"]);
    out.assert_error(125, "stop of a missing container");
    assert_eq!(out.stderr.trim(), no_such("nosuchctr"));
    let out = l.run(&["stop", "--ignore", "nosuchctr"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");

    // A container that ignores SIGTERM: Podman's warning, then SIGKILL after -t seconds.
    l.ok(&["run", "-d", "--name", "stopme", &img, "sleep", "100"]);
    let t0 = Instant::now();
    let out = l.run(&["stop", "-t", "1", "stopme"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.trim(), "stopme");
    assert!(
        out.stderr.contains(
            "StopSignal SIGTERM failed to stop container stopme in 1 seconds, resorting to SIGKILL"
        ),
        "{out:?}"
    );
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_eq!(l.inspect("stopme", "{{.State.ExitCode}}"), "137");

    // One that traps it exits by itself: no warning, `--timeout` is `--time`.
    l.ok(&[
        "run",
        "-d",
        "--name",
        "trapper",
        &img,
        "sh",
        "-c",
        "trap 'echo got TERM; exit' TERM; echo READY; while :; do sleep 0.1; done",
    ]);
    l.wait_for("READY", || {
        l.ok(&["logs", "trapper"]).contains("READY").then_some(())
    });
    let out = l.run(&["stop", "--timeout=5", "trapper"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("StopSignal"), "{out:?}");
    assert_eq!(l.inspect("trapper", "{{.State.ExitCode}}"), "0");

    // --noout: the verb's output goes nowhere, the effect stays.
    l.ok(&["start", "stopme"]);
    let out = l.run(&["--noout", "stop", "-t", "0", "stopme"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    assert_eq!(l.inspect("stopme", "{{.State.Status}}"), "exited");
    // stop --all prints the ids.
    let id = l.ok(&["run", "-d", &img, "sleep", "60"]).trim().to_string();
    assert!(l.ok(&["stop", "-a", "-t", "0"]).contains(&id));
}

#[test]
fn rm_messages_and_exit_codes_are_podmans() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let cid = l.ok(&["run", "-d", &img, "sleep", "60"]).trim().to_string();
    let out = l.run(&["rm", &cid]);
    out.assert_error(2, "rm of a running container");
    assert_eq!(
        out.stderr.trim(),
        format!(
            "Error: cannot remove container {cid} as it is running - running or paused containers cannot be removed without force: container state improper"
        )
    );
    let out = l.run(&["container", "rm", "bogus"]);
    out.assert_error(1, "rm of a missing container");
    assert_eq!(out.stderr.trim(), no_such("bogus"));
    let out = l.run(&["container", "rm", "--force", "bogus"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    // The raw input is printed; -f removes the running one.
    l.ok(&["create", "--name", "rmme", &img, "true"]);
    assert_eq!(l.ok(&["rm", "rmme"]).trim(), "rmme");
    assert_eq!(
        l.ok(&["rm", "-f", "-t", "0", &cid[..12]]).trim(),
        &cid[..12]
    );
    assert_eq!(l.run(&["inspect", &cid]).code, 125);
    // --cidfile: the id as `run --cidfile` writes it (systemd units use this).
    let cid = l.ok(&["run", "-d", &img, "sleep", "60"]).trim().to_string();
    let f = l.dir().join("cid");
    std::fs::write(&f, &cid).unwrap();
    let f = f.to_str().unwrap();
    assert_eq!(l.ok(&["stop", "-t", "0", "--cidfile", f]).trim(), cid);
    assert_eq!(l.ok(&["rm", "--cidfile", f]).trim(), cid);
    let gone = l.dir().join("gone");
    let gone = gone.to_str().unwrap();
    l.ok(&["rm", "--ignore", "--cidfile", gone]);
    l.ok(&["stop", "--ignore", "--cidfile", gone]);
    assert_eq!(l.run(&["rm", "--cidfile", gone]).code, 125);
}

#[test]
fn kill_rejects_bad_signals_as_podman_does() {
    let l = Lpod::bare();
    for s in [
        "0",
        "SIGBADSIG",
        "SIG",
        "BADSIG",
        "%%",
        "!",
        "-0",
        "-SIG",
        "-",
    ] {
        let raw = s.strip_prefix('-').unwrap_or(s);
        let out = l.run(&["kill", "-s", s, "nosuchcontainer"]);
        out.assert_error(125, s);
        // Podman's line verbatim (for `-`, with its trailing space).
        assert_eq!(out.stderr, format!("Error: invalid signal: {raw}\n"), "{s}");
        let out = l.run(&["pod", "kill", "-s", s, "nosuchpod"]);
        // Podman's line verbatim (for `-`, with its trailing space).
        assert_eq!(out.stderr, format!("Error: invalid signal: {raw}\n"), "{s}");
    }
    for s in ["65", "-65", "96", "999", "99999999"] {
        let out = l.run(&["kill", "-s", s, "nosuchcontainer"]);
        out.assert_error(125, s);
        assert_eq!(
            out.stderr.trim(),
            "Error: valid signals are 1 through 64",
            "{s}"
        );
    }
}

#[test]
fn kill_by_name_or_number_reaches_the_container() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let cid = l
        .ok(&[
            "run",
            "-d",
            &img,
            "sh",
            "-c",
            "for i in 1 2 10 12 64; do trap \"echo got: $i\" $i; done; \
             trap 'echo DONE; exit 0' TERM; echo READY; while :; do sleep 0.05; done",
        ])
        .trim()
        .to_string();
    l.wait_for("READY", || {
        l.ok(&["logs", &cid]).contains("READY").then_some(())
    });
    for (sig, num) in [
        ("-1", 1),
        ("-INT", 2),
        ("SIGUSR1", 10),
        ("-SIGUSR2", 12),
        ("RTMAX", 64),
    ] {
        assert_eq!(l.ok(&["kill", "-s", sig, &cid]).trim(), cid);
        let want = format!("got: {num}");
        l.wait_for(&want, || {
            l.ok(&["logs", &cid]).contains(&want).then_some(())
        });
    }
    // TERM ends it (not an exec'd `touch /stop`, which pid 1's exit could kill with the
    // rest of the namespace before it had exited itself: exec then said 137).
    assert_eq!(l.ok(&["kill", "-s", "TERM", &cid]).trim(), cid);
    assert_eq!(l.ok(&["wait", &cid]).trim(), "0");
    assert!(l.ok(&["logs", &cid]).contains("DONE"));
}

#[test]
fn pause_and_unpause_all() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    l.ok(&["create", "--name", "notrunning", &img]);
    let cid = l
        .ok(&["run", "-d", "--name", "p1", &img, "sleep", "60"])
        .trim()
        .to_string();
    let out = l.run(&["--noout", "pause", &cid]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    assert_eq!(l.inspect("p1", "{{.State.Status}}"), "paused");
    assert_eq!(
        l.ok(&[
            "ps",
            "-a",
            "--filter",
            "name=p1",
            "--format",
            "{{.Names}} {{.Status}}"
        ])
        .trim(),
        "p1 Paused"
    );
    // --all skips the containers that are not paused.
    assert_eq!(l.ok(&["unpause", "--all"]).trim(), cid);
    assert_eq!(l.inspect("p1", "{{.State.Status}}"), "running");
    assert_eq!(l.ok(&["pause", "--all"]).trim(), cid);
    assert_eq!(l.ok(&["unpause", "p1"]).trim(), "p1");
    // The wrong state, in Podman's words.
    let out = l.run(&["unpause", "p1"]);
    out.assert_error(125, "unpause of a running container");
    assert!(
        out.stderr
            .contains("is not paused, can't unpause: container state improper"),
        "{out:?}"
    );
    let out = l.run(&["pause", "notrunning"]);
    out.assert_error(125, "pause of a created container");
    assert!(
        out.stderr
            .contains("is not running, can't pause: container state improper"),
        "{out:?}"
    );
    let out = l.run(&["kill", "notrunning"]);
    out.assert_error(125, "kill of a created container");
    assert!(
        out.stderr.contains("can only kill running containers."),
        "{out:?}"
    );
    l.ok(&["rm", "-f", "-t", "0", "p1"]);
    assert_eq!(l.run(&["pause", &cid]).code, 125);
    assert_eq!(l.run(&["unpause", "p1"]).code, 125);
}

#[test]
fn wait_answers_at_once_for_a_container_that_never_ran() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    l.ok(&["create", "--name", "never", &img, "/no/such/command"]);
    let t0 = Instant::now();
    assert_eq!(l.ok(&["wait", "never"]).trim(), "0");
    // `start` fails with 125 whatever the reason (126/127 are `run`'s).
    let out = l.run(&["start", "never"]);
    out.assert_error(125, "start of a missing command");
    l.ok(&["wait", "never"]);
    assert!(t0.elapsed() < Duration::from_secs(20));
}

#[test]
fn mount_and_umount_containers_and_images() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let cid = l
        .ok(&[
            "run",
            "--name",
            "mnt",
            &img,
            "sh",
            "-c",
            "echo hello > /tmp/f",
        ])
        .trim()
        .to_string();
    let _ = cid;
    let path = l.ok(&["mount", "mnt"]).trim().to_string();
    assert_eq!(
        std::fs::read_to_string(format!("{path}/tmp/f")).expect("file via mount"),
        "hello\n"
    );
    let listed = l.ok(&["mount", "--notruncate"]);
    let row: Vec<&str> = listed.split_whitespace().collect();
    assert_eq!(row.len(), 2, "{listed}");
    assert_eq!(row[0].len(), 64, "{listed}");
    assert_eq!(row[1], path);
    assert_eq!(l.ok(&["umount", "mnt"]).trim(), "mnt");
    assert!(!std::path::Path::new(&format!("{path}/tmp/f")).exists());

    // Images: read-only, counted, listed by name.
    let iid = l.ok(&["inspect", "--type", "image", "--format", "{{.Id}}", &img]);
    let iid = iid.trim();
    l.ok(&["image", "umount", "-a"]);
    let ipath = l.ok(&["image", "mount", &img]).trim().to_string();
    assert!(std::path::Path::new(&ipath).join("bin").exists(), "{ipath}");
    assert!(
        std::fs::write(format!("{ipath}/x"), "x").is_err(),
        "image mount is read-only"
    );
    let all = l.ok(&["image", "mount", "-a"]);
    assert!(all.contains(&img) && all.contains(&ipath), "{all}");
    assert_eq!(l.ok(&["image", "mount"]).trim(), format!("{img} {ipath}"));
    assert_eq!(l.ok(&["image", "umount", "-f", &img]).trim(), iid);
    assert_eq!(l.ok(&["image", "umount", &img]).trim(), "");
    assert_eq!(l.ok(&["image", "mount"]).trim(), "");
    let out = l.run(&["image", "umount", "no-such-image"]);
    out.assert_error(125, "image umount of a missing image");
    assert_eq!(out.stderr.trim(), "Error: no-such-image: image not known");
    // Removing a mounted image unmounts it first.
    l.ok(&["rm", "-a", "-f"]);
    let ipath = l.ok(&["image", "mount", &img]).trim().to_string();
    l.ok(&["rmi", &img]);
    assert!(!l
        .mounts()
        .iter()
        .any(|m| m.to_str() == Some(ipath.as_str())));
    assert_eq!(l.ok(&["image", "mount"]).trim(), "");
}

#[test]
fn restart_policy_restarts_a_failing_container_and_replace_replaces() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    l.ok(&[
        "run",
        "-d",
        "--name",
        "flaky",
        "--restart",
        "on-failure:2",
        &img,
        "sh",
        "-c",
        "sleep 0.5; exit 3",
    ]);
    l.wait_for("two restarts", || {
        (l.inspect("flaky", "{{.RestartCount}}") == "2"
            && l.inspect("flaky", "{{.State.Status}}") == "exited")
            .then_some(())
    });
    let out = l.run(&["run", "-d", "--restart", "sometimes", &img, "true"]);
    out.assert_error(125, "bad restart policy");
    let out = l.run(&["run", "-d", "--rm", "--restart", "always", &img, "true"]);
    out.assert_error(125, "--rm with --restart");
    assert!(out.stderr.contains("conflicts with --restart"), "{out:?}");
    // --replace: the name is taken over, the old container is gone.
    let old = l
        .ok(&["create", "--name", "rep", &img, "true"])
        .trim()
        .to_string();
    let new = l
        .ok(&["create", "--replace", "--name", "rep", &img, "true"])
        .trim()
        .to_string();
    assert_ne!(old, new);
    assert_eq!(l.run(&["inspect", &old]).code, 125);
    assert_eq!(l.inspect("rep", "{{.Id}}"), new);
}

#[test]
fn run_mount_type_image_is_read_only_unless_rw_and_counted() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let iid = l.ok(&["inspect", "--type", "image", "--format", "{{.Id}}", &img]);
    let iid = iid.trim();
    let m = format!("type=image,src={img},dst=/image-mount");
    l.ok(&[
        "run",
        "--rm",
        "--mount",
        &m,
        &img,
        "diff",
        "/bin/busybox",
        "/image-mount/bin/busybox",
    ]);
    let out = l.run(&[
        "run",
        "--rm",
        "--mount",
        &m,
        &img,
        "touch",
        "/image-mount/ro",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("Read-only file system"), "{out:?}");
    for rw in ["rw=true", "readwrite=true"] {
        l.ok(&[
            "run",
            "--rm",
            "--mount",
            &format!("{m},{rw}"),
            &img,
            "touch",
            "/image-mount/rw",
        ]);
    }
    // The containers' references are gone with them, also after a failed start.
    let out = l.run(&["run", "--rm", "--mount", &m, &img, "/no/such/command"]);
    assert_eq!(out.code, 127, "{out:?}");
    assert_eq!(l.ok(&["image", "mount"]).trim(), "");
    assert_eq!(l.ok(&["image", "umount", &img]).trim(), "");
    // A running container holds one; the user's umount drops it, the container keeps
    // its view.
    let cid = l
        .ok(&[
            "run",
            "-d",
            "--mount",
            &format!("type=image,src={iid},dst=/image-mount,rw=true"),
            &img,
            "sleep",
            "60",
        ])
        .trim()
        .to_string();
    assert_eq!(l.inspect(&cid, "{{(index .Mounts 0).Type}}"), "image");
    assert_eq!(l.inspect(&cid, "{{(index .Mounts 0).Source}}"), iid);
    assert_eq!(
        l.inspect(&cid, "{{(index .Mounts 0).Destination}}"),
        "/image-mount"
    );
    assert_eq!(l.inspect(&cid, "{{(index .Mounts 0).RW}}"), "true");
    assert_eq!(l.ok(&["image", "umount", &img]).trim(), iid);
    assert_eq!(l.ok(&["image", "umount", &img]).trim(), "");
    l.ok(&[
        "exec",
        &cid,
        "diff",
        "/bin/busybox",
        "/image-mount/bin/busybox",
    ]);
    l.ok(&["rm", "-f", "-t", "0", &cid]);
    // A missing image: one error, nothing created.
    let out = l.run(&[
        "create",
        "--mount",
        "type=image,src=nosuchimage,dst=/m",
        &img,
    ]);
    out.assert_error(125, "missing image");
    assert_eq!(l.ok(&["ps", "-a", "-q"]).trim(), "");
}

#[test]
fn ps_pod_and_ns_columns() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    l.ok(&["pod", "create", "--name", "pp"]);
    l.ok(&[
        "run", "-d", "--pod", "pp", "--name", "inpod", &img, "sleep", "60",
    ]);
    let out = l.ok(&["ps", "--pod", "--filter", "name=inpod"]);
    let rows: Vec<&str> = out.lines().collect();
    assert!(
        rows[0].contains("POD ID") && rows[0].ends_with("PODNAME"),
        "{out}"
    );
    assert!(rows[1].ends_with(" pp"), "{out}");
    let pid = l.inspect("inpod", "{{.State.Pid}}");
    let out = l.ok(&["ps", "--ns", "--noheading", "--filter", "name=inpod"]);
    let cols: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(cols.len(), 10, "{out}");
    assert_eq!((cols[1], cols[2]), ("inpod", pid.as_str()), "{out}");
    let net = std::fs::read_link(format!("/proc/{pid}/ns/net")).expect("netns link");
    assert_eq!(net.to_string_lossy(), format!("net:[{}]", cols[6]), "{out}");
    // --size: what the container wrote, and with its image.
    l.ok(&["exec", "inpod", "sh", "-c", "head -c 5000 /dev/zero > /big"]);
    let out = l.ok(&["ps", "--size", "--filter", "name=inpod"]);
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows[0].ends_with("SIZE"), "{out}");
    assert!(rows[1].contains("kB (virtual "), "{out}");
    let out = l.ok(&[
        "ps",
        "--filter",
        "name=inpod",
        "--format",
        "{{.Names}} {{.PodName}} {{.IsInfra}} {{.Size}}",
    ]);
    assert!(
        out.starts_with("inpod pp false ") && out.contains("(virtual"),
        "{out}"
    );
    l.ok(&["pod", "rm", "-f", "pp"]);
}

#[test]
fn bridge_networking_leaves_no_loose_directories_to_warn_about() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let (_bridge, net, _) = common::own_network(&l, "lplc");
    l.ok(&["run", "--rm", "--network", &net, &img, "true"]);
    // host-local made its lease directory 0755; lpod creates it private first, so the
    // next command has nothing to tighten and says nothing about it.
    use std::os::unix::fs::PermissionsExt as _;
    for d in ["cni", "cni/networks"] {
        let mode = std::fs::metadata(l.root.join(d))
            .expect(d)
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{d}: {mode:o}");
    }
    let out = l.run(&["ps", "-a", "--format", "{{.ID}}"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
}
