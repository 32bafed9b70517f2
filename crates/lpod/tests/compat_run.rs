//! Podman's `run`, `logs` and `exec` as its system tests (030-run, 035-logs, 075-exec)
//! use them (issue 14): exit codes, the run/create flags, log drivers and options,
//! several containers' logs, the container's recorded OCI runtime.

mod common;

use std::process::Command;

use common::{lpod_bin, Lpod};

/// Runs lpod and returns (code, stdout + stderr).
fn both(l: &Lpod, args: &[&str]) -> (i32, String) {
    let out = l.run(args);
    (out.code, format!("{}{}", out.stdout, out.stderr))
}

#[test]
fn commands_that_cannot_run_exit_126_and_127_in_run_and_exec() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let (code, out) = both(&l, &["run", "--rm", &img, "/etc"]);
    assert_eq!(code, 126, "{out}");
    assert!(out.contains("permission denied"), "{out}");
    let (code, out) = both(&l, &["run", "--rm", &img, "/no/such/command"]);
    assert_eq!(code, 127, "{out}");
    l.ok(&["run", "-d", "--name", "ex", &img, "sleep", "60"]);
    let (code, out) = both(&l, &["exec", "ex", "/etc"]);
    assert_eq!(code, 126, "{out}");
    assert!(out.contains("permission denied"), "{out}");
    let (code, _) = both(&l, &["exec", "ex", "/no/such/command"]);
    assert_eq!(code, 127);
    // Big output through exec is not truncated.
    let n = l.ok(&[
        "exec",
        "ex",
        "sh",
        "-c",
        "head -c 300000 /dev/zero | tr '\\0' x",
    ]);
    assert_eq!(n.len(), 300_000);
    l.ok(&["rm", "-f", "-t", "0", "ex"]);
}

#[test]
fn container_exists_wait_condition_and_pull_never() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let cid = l.ok(&["run", "-d", "--name", "ce", &img, "true"]);
    let cid = cid.trim();
    assert_eq!(l.run(&["container", "exists", "ce"]).code, 0);
    assert_eq!(l.run(&["container", "exists", cid]).code, 0);
    let code = l.ok(&[
        "container",
        "wait",
        "--condition=exited",
        "--condition=stopped",
        "ce",
    ]);
    assert_eq!(code.trim(), "0");
    l.ok(&["rm", "ce"]);
    assert_eq!(l.run(&["container", "exists", "ce"]).code, 1);
    let out = l.run(&["run", "--pull=never", "localhost/nosuch:1", "true"]);
    out.assert_error(125, "pull never");
    assert_eq!(
        out.stderr.trim(),
        "Error: localhost/nosuch:1: image not known"
    );
    // --noout: nothing on stdout.
    let out = l.run(&["--noout", "create", "--name", "quiet", &img, "true"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    assert_eq!(l.run(&["--noout", "rm", "quiet"]).stdout, "");
}

#[test]
fn environment_defaults_home_and_unsetenv() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let env = l.ok(&["run", "--rm", &img, "env"]);
    for want in ["TERM=xterm", "container=podman", "HOME=/root", "PATH="] {
        assert!(env.lines().any(|e| e.starts_with(want)), "{want}: {env}");
    }
    let env = l.ok(&["run", "--rm", "--user", "4321", &img, "env"]);
    assert!(env.lines().any(|e| e == "HOME=/"), "{env}");
    let env = l.ok(&["run", "--rm", "--unsetenv=TERM", &img, "env"]);
    assert!(!env.contains("TERM"), "{env}");
    assert!(env.contains("container=podman"), "{env}");
    let env = l.ok(&[
        "run",
        "--rm",
        "--unsetenv-all",
        "--env",
        "TERM=abc",
        &img,
        "/usr/bin/env",
    ]);
    assert!(env.contains("TERM=abc"), "{env}");
    assert!(
        !env.contains("container=") && !env.contains("PATH="),
        "{env}"
    );
}

#[test]
fn log_drivers_and_log_options() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    for (driver, has_file) in [("none", false), ("k8s-file", true), ("json-file", true)] {
        let out = l.ok(&[
            "run",
            "--name",
            "lg",
            "--log-driver",
            driver,
            &img,
            "echo",
            "hi",
        ]);
        assert_eq!(out.trim(), "hi", "{driver}");
        assert_eq!(l.inspect("lg", "{{.HostConfig.LogConfig.Type}}"), driver);
        let path = l.inspect("lg", "{{.HostConfig.LogConfig.Path}}");
        if has_file {
            let text = std::fs::read_to_string(&path).expect("log file");
            assert!(text.trim_end().ends_with(" stdout F hi"), "{text}");
            assert_eq!(l.ok(&["logs", "lg"]).trim(), "hi");
        } else {
            assert_eq!(path, "");
            let out = l.run(&["logs", "lg"]);
            out.assert_error(125, "logs of none");
            assert!(out.stderr.contains("'none' log driver"), "{out:?}");
        }
        l.ok(&["rm", "lg"]);
    }
    let out = l.run(&["run", "--log-driver=bogus", &img, "true"]);
    out.assert_error(125, "bad driver");
    assert!(out.stderr.contains("invalid log driver"), "{out:?}");
    let logfile = l.dir().join("custom.log");
    let cid = l.ok(&[
        "run",
        "-d",
        "--log-opt",
        "max-size=3.051m",
        "--log-opt",
        &format!("path={}", logfile.display()),
        "--log-opt",
        "tag=mytag",
        &img,
        "echo",
        "tagged",
    ]);
    let cid = cid.trim();
    assert_eq!(l.inspect(cid, "{{.HostConfig.LogConfig.Size}}"), "3.051MB");
    assert_eq!(l.inspect(cid, "{{.HostConfig.LogConfig.Tag}}"), "mytag");
    l.ok(&["wait", cid]);
    let text = std::fs::read_to_string(&logfile).expect("log at --log-opt path");
    assert!(text.contains("tagged"), "{text}");
    l.ok(&["rm", cid]);
    // journald: the container runs; reading its logs is a clear error.
    let (code, out) = both(
        &l,
        &[
            "run",
            "--name",
            "jd",
            "--log-driver",
            "journald",
            &img,
            "echo",
            "j",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let out = l.run(&["logs", "jd"]);
    out.assert_error(125, "journald logs");
    assert!(out.stderr.contains("journald"), "{out:?}");
    // 090-events: following it names the events backend, in Podman's words.
    let out = l.run(&["--events-backend", "file", "logs", "--follow", "jd"]);
    out.assert_error(125, "journald logs --follow");
    assert_eq!(
        out.stderr.trim_end(),
        "Error: using --follow with the journald --log-driver but without the journald --events-backend (file) is not supported"
    );
}

#[test]
fn cidfile_conmon_pidfile_and_timeout() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let cidfile = l.dir().join("cid");
    let pidfile = l.dir().join("conmon.pid");
    let cid = l.ok(&[
        "run",
        "-d",
        &format!("--cidfile={}", cidfile.display()),
        &format!("--conmon-pidfile={}", pidfile.display()),
        &img,
        "sleep",
        "60",
    ]);
    assert_eq!(std::fs::read_to_string(&cidfile).unwrap(), cid.trim());
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    assert_eq!(pid.trim(), l.inspect(cid.trim(), "{{.State.ConmonPid}}"));
    let exe = std::fs::read_link(format!("/proc/{}/exe", pid.trim())).unwrap();
    assert!(exe.ends_with("conmon"), "{exe:?}");
    l.ok(&["rm", "-f", "-t", "0", cid.trim()]);
    let out = l.run(&[
        "run",
        &format!("--cidfile={}", cidfile.display()),
        &img,
        "true",
    ]);
    out.assert_error(125, "existing cidfile");
    assert!(out.stderr.contains("container id file exists"), "{out:?}");
    // --timeout: conmon kills it; exit code -1 (255 for the shell).
    let t0 = std::time::Instant::now();
    let out = l.run(&["run", "--name", "to", "--timeout", "2", &img, "sleep", "60"]);
    assert_eq!(out.code, 255, "{out:?}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(l.inspect("to", "{{.State.ExitCode}}"), "-1");
    l.ok(&["rm", "to"]);
}

#[test]
fn timezone_workdir_containerenv_and_warnings() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let out = l.ok(&[
        "run",
        "--rm",
        "--tz=Iceland",
        "--tz=MST7MDT",
        &img,
        "date",
        "-d",
        "@1600000000",
    ]);
    assert!(out.contains("MDT 2020"), "{out}");
    let out = l.run(&["run", "--rm", "--tz=No/Such", &img, "true"]);
    out.assert_error(125, "bad tz");
    // A user-given working directory must exist (or be a mount); the image's is created.
    let (code, out) = both(
        &l,
        &["run", "--rm", "--workdir", "/i/do/not/exist", &img, "pwd"],
    );
    assert_eq!(code, 126, "{out}");
    assert!(
        out.contains("workdir \"/i/do/not/exist\" does not exist on container"),
        "{out}"
    );
    let vol = l.dir().join("vol");
    std::fs::create_dir(&vol).unwrap();
    std::fs::write(vol.join("content"), "xyz\n").unwrap();
    let out = l.ok(&[
        "run",
        "--rm",
        "--workdir",
        "/NotOnImage",
        "-v",
        &format!("{}:/NotOnImage/sub", vol.display()),
        &img,
        "cat",
        "sub/content",
    ]);
    assert_eq!(out.trim(), "xyz");
    // /run/.containerenv: empty unless privileged.
    assert_eq!(
        l.ok(&[
            "run",
            "--rm",
            &img,
            "stat",
            "-c",
            "%s",
            "/run/.containerenv"
        ])
        .trim(),
        "0"
    );
    let out = l.ok(&[
        "run",
        "--rm",
        "--privileged",
        "--name",
        "envc",
        &img,
        "sh",
        "-c",
        ". /run/.containerenv; echo $engine; echo $name; echo $id",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("podman-"), "{out}");
    assert_eq!(lines[1], "envc");
    assert_eq!(lines[2].len(), 64);
    // Warnings Podman users expect, and flags that change nothing.
    let out = l.run(&[
        "run",
        "--rm",
        "-p",
        "8080",
        "--net=host",
        &img,
        "echo",
        "ok",
    ]);
    assert_eq!((out.code, out.stdout.trim()), (0, "ok"), "{out:?}");
    assert!(
        out.stderr.starts_with("Port mappings have been discarded"),
        "{out:?}"
    );
    let (code, out) = both(&l, &["run", "--rm", "--kernel-memory", "100", &img, "true"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("The --kernel-memory flag is no longer supported"),
        "{out}"
    );
    assert_eq!(
        l.ok(&["run", "--rm", "--memory=0", &img, "echo", "m"])
            .trim(),
        "m"
    );
    for opt in [
        "no-new-privileges=true",
        "no-new-privileges:true",
        "no-new-privileges",
    ] {
        let id = l.ok(&["create", "--security-opt", opt, &img]);
        l.ok(&["rm", id.trim()]);
    }
}

#[test]
fn device_cgroup_rules_are_checked_and_applied() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    for rule in ["b 7:* rmw", "c 7:* rmw", "a 7:1 rmw", "a 7 rmw"] {
        l.ok(&["run", "--rm", "--device-cgroup-rule", rule, &img, "true"]);
    }
    for (rule, msg) in [
        ("b 7:* rmX", "Error: invalid device access in device-access-add: X"),
        (
            "b 7:2",
            "Error: invalid device cgroup rule requires type, major:Minor, and access rules: \"b 7:2\"",
        ),
        ("x 7:* rmw", "Error: invalid device type in device-access-add: x"),
        ("a a:* rmw", "Error: strconv.ParseUint: parsing \"a\": invalid syntax"),
    ] {
        let out = l.run(&["run", "--rm", "--device-cgroup-rule", rule, &img, "true"]);
        out.assert_error(125, rule);
        assert_eq!(out.stderr.trim(), msg);
    }
    assert_eq!(l.ok(&["ps", "-a", "-q"]).trim(), "", "nothing created");
}

#[test]
fn attach_streams_and_start_interactive() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let out = l.run(&[
        "run", "--name", "as", "--attach", "stdin", &img, "echo", "hello",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let id = l.inspect("as", "{{.Id}}");
    assert_eq!(out.stdout.trim(), id);
    assert_eq!(l.ok(&["logs", "as"]).trim(), "hello");
    l.ok(&["rm", "as"]);
    let out = l.run(&[
        "run",
        "--name",
        "ae",
        "--attach",
        "stderr",
        &img,
        "sh",
        "-c",
        "echo out; echo err >&2",
    ]);
    assert_eq!(
        (out.stdout.as_str(), out.stderr.trim()),
        ("", "err"),
        "{out:?}"
    );
    // `inspect -l` is the latest container.
    assert_eq!(
        l.ok(&["inspect", "-l", "--format", "{{.Name}}"]).trim(),
        "ae"
    );
    l.ok(&["rm", "ae"]);
    let cid = l.ok(&["create", &img, "echo", "started"]);
    assert_eq!(l.ok(&["logs", cid.trim()]), "");
    let out = l.ok(&["start", "--attach", "--interactive", cid.trim()]);
    assert_eq!(out.trim(), "started");
    assert_eq!(l.ok(&["logs", cid.trim()]).trim(), "started");
    l.ok(&["logs", "--since", "1000", cid.trim()]);
    assert_eq!(l.ok(&["logs", "--until", "1000", cid.trim()]), "");
    l.ok(&["rm", cid.trim()]);
}

#[test]
fn logs_of_several_containers_tail_timestamps_and_restarts() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let cid = l.ok(&["run", "-d", &img, "sh", "-c", "echo test1; echo test2"]);
    let cid = cid.trim();
    l.ok(&["wait", cid]);
    let first = l.ok(&["logs", "--tail", "1", "--timestamps", cid]);
    let (ts, msg) = first.trim().split_once(' ').expect("timestamp prefix");
    assert_eq!(msg, "test2");
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    l.ok(&["restart", cid]);
    l.ok(&["wait", cid]);
    let second = l.ok(&["logs", "-t", "--tail", "1", cid]);
    assert!(second.trim().ends_with(" test2"), "{second}");
    assert_ne!(first, second);
    assert_eq!(
        l.ok(&["logs", cid]).lines().count(),
        4,
        "the log survives the restart"
    );
    l.ok(&["rm", cid]);

    let c1 = l.ok(&[
        "run",
        "-d",
        "--name",
        "c1",
        &img,
        "sh",
        "-c",
        "echo a; sleep 3; echo d",
    ]);
    let c2 = l.ok(&[
        "run",
        "-d",
        "--name",
        "c2",
        &img,
        "sh",
        "-c",
        "sleep 1; echo b; sleep 1; echo c",
    ]);
    let out = l.ok(&["logs", "-f", "c1", "c2"]);
    let (s1, s2) = (&c1.trim()[..12], &c2.trim()[..12]);
    assert_eq!(out, format!("{s1} a\n{s2} b\n{s2} c\n{s1} d\n"));
    let out = l.ok(&["logs", "--names", "c1", "c2"]);
    assert_eq!(out, "c1 a\nc2 b\nc2 c\nc1 d\n");
    l.ok(&["rm", "c1", "c2"]);
}

#[test]
fn every_verb_uses_the_runtime_the_container_was_created_with() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    // Skips on a laptop without runc; a failure when CI is set (any truthy value).
    if common::require_binary("runc", "runc").is_none() {
        return;
    }
    let img = l.image.clone();
    // Without --runtime: the configured default (crun) for everything after create.
    let plain = |args: &[&str]| {
        let mut c = Command::new(lpod_bin());
        c.arg("--root")
            .arg(&l.root)
            .arg("--runroot")
            .arg(&l.runroot)
            .args(args)
            .env("LPOD_CONFIG", l.config_file())
            .stdin(std::process::Stdio::null());
        common::run_bounded(c, args)
    };
    let out = plain(&[
        "--runtime",
        "runc",
        "run",
        "-d",
        "--name",
        "rc",
        &img,
        "sleep",
        "60",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(l.inspect("rc", "{{.OCIRuntime}}"), "runc");
    let out = plain(&["exec", "rc", "echo", "in-runc"]);
    assert_eq!((out.code, out.stdout.trim()), (0, "in-runc"), "{out:?}");
    for verb in [
        &["pause", "rc"][..],
        &["unpause", "rc"],
        &["stop", "-t", "1", "rc"],
        &["start", "rc"],
        &["kill", "rc"],
    ] {
        let out = plain(verb);
        assert_eq!(out.code, 0, "{verb:?}: {out:?}");
    }
    plain(&["wait", "rc"]);
    assert_eq!(plain(&["rm", "rc"]).code, 0);

    // A runtime given as a path is recorded as that path.
    let copy = l.dir().join("myruntime");
    std::fs::copy(common::which("crun").unwrap(), &copy).unwrap();
    let copy_s = copy.to_str().unwrap();
    let mode = |p: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    };
    let before = mode(&copy);
    let out = plain(&[
        "run",
        "-d",
        "--runtime",
        copy_s,
        "--name",
        "rp",
        &img,
        "sleep",
        "60",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "", "no warning about the runtime binary");
    assert_eq!(
        mode(&copy),
        before,
        "the runtime binary is not ours to change"
    );
    assert_eq!(l.inspect("rp", "{{.OCIRuntime}}"), copy_s);
    assert_eq!(plain(&["kill", "rp"]).code, 0);
    plain(&["wait", "rp"]);
    assert_eq!(plain(&["rm", "rp"]).code, 0);
    // Global runtime flags reach the runtime (an unknown one makes run fail with 126).
    let out = plain(&["--runtime-flag", "invalidflag", "run", "--rm", &img, "true"]);
    assert_eq!(out.code, 126, "{out:?}");
    assert!(out.stderr.contains("invalidflag"), "{out:?}");
}

#[test]
fn preserve_fds_passes_the_callers_descriptors_in() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let file = l.dir().join("fdfile");
    std::fs::write(&file, "through fd 4\n").unwrap();
    // The shell opens fd 4 for lpod, as `podman run --preserve-fds=2 ... 4<file` does.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "exec \"$0\" --root \"$1\" --runroot \"$2\" run --rm -i --preserve-fds=2 {} sh -c 'cat <&4' 4<\"$3\"",
            l.image
        ))
        .arg(lpod_bin())
        .arg(&l.root)
        .arg(&l.runroot)
        .arg(&file)
        .env("LPOD_CONFIG", l.config_file())
        .stdin(std::process::Stdio::null());
    let out = common::run_bounded(cmd, &["run", "--preserve-fds"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "through fd 4\n"),
        "{out:?}"
    );
    // Without the flag nothing of ours leaks in.
    let fds = l.ok(&["run", "--rm", &l.image, "ls", "/proc/self/fd"]);
    assert_eq!(fds.split_whitespace().count(), 4, "{fds}");
}

#[test]
fn a_host_port_in_use_fails_run_with_126_and_run_rm_leaves_nothing() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_bridge, net, _) = common::own_network(&l, "lpcr");
    let img = l.image.clone();
    let port = format!("{}:80", 20000 + common::random() % 20000);
    l.ok(&[
        "run",
        "-d",
        "--rm",
        "--name",
        "c_ok",
        "--network",
        &net,
        "-p",
        &port,
        &img,
        "sleep",
        "60",
    ]);
    let out = l.run(&[
        "run",
        "-d",
        "--name",
        "c_fail",
        "--network",
        &net,
        "-p",
        &port,
        &img,
        "sleep",
        "60",
    ]);
    assert_eq!(out.code, 126, "{out:?}");
    assert!(out.stderr.contains("address already in use"), "{out:?}");
    let out = l.run(&[
        "run",
        "-d",
        "--rm",
        "--name",
        "c_fail_rm",
        "--network",
        &net,
        "-p",
        &port,
        &img,
        "sleep",
        "60",
    ]);
    assert_eq!(out.code, 126, "{out:?}");
    let names = l.ok(&["ps", "-a", "--sort", "names", "--format", "{{.Names}}"]);
    let names: Vec<&str> = names.lines().collect();
    assert_eq!(names, ["c_fail", "c_ok"]);
    l.ok(&["container", "rm", "-f", "-t", "0", "c_ok", "c_fail"]);
}

#[test]
fn untag_and_the_image_name_a_container_records() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let id = l.inspect(&img, "{{.ID}}");
    l.ok(&["tag", &img, "localhost/xa/yb"]);
    let cid = l.ok(&["create", "localhost/xa/yb"]);
    assert_eq!(
        l.inspect(cid.trim(), "{{.ImageName}}"),
        "localhost/xa/yb:latest"
    );
    assert_eq!(
        l.inspect(cid.trim(), "{{.Image}}"),
        l.inspect(&img, "{{.ID}}")
    );
    l.ok(&["rm", cid.trim()]);
    l.ok(&["untag", &img, "localhost/xa/yb"]);
    assert_eq!(l.run(&["image", "exists", "localhost/xa/yb"]).code, 1);
    // Every name: the image stays, reachable by id.
    l.ok(&["untag", &img]);
    assert_eq!(l.run(&["image", "exists", &img]).code, 1);
    assert_eq!(l.ok(&["run", "--rm", &id, "echo", "by-id"]).trim(), "by-id");
    l.ok(&["tag", &id, &img]);
}

#[test]
fn systemd_mode_hides_host_terminals_from_a_privileged_container() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let script = "ls -d /dev/tty*; grep -c ' /run tmpfs' /proc/mounts";
    let out = l.ok(&[
        "run",
        "--rm",
        "--privileged",
        "--systemd=always",
        &img,
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(out, "/dev/tty\n1\n");
    let cid = l.ok(&["create", "--systemd=always", &img, "true"]);
    assert_eq!(
        l.inspect(cid.trim(), "{{.Config.StopSignal}}"),
        (libc::SIGRTMIN() + 3).to_string()
    );
    l.ok(&["rm", cid.trim()]);
    let out = l.run(&["create", "--systemd=sometimes", &img, "true"]);
    out.assert_error(125, "bad --systemd");
}

/// Runs `lpod args` on the slave side of a fresh pty of size `rows`x`cols` (lpod is
/// the session leader, the pty its controlling terminal); `script` gets the master
/// and may resize it; returns everything lpod printed.
fn on_a_pty(
    l: &Lpod,
    args: &[&str],
    (rows, cols): (u16, u16),
    script: impl FnOnce(&std::os::fd::OwnedFd),
) -> String {
    use std::io::Read;
    use std::os::fd::OwnedFd;
    use std::os::unix::process::CommandExt;
    let ws = nix::pty::Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(Some(&ws), None).expect("openpty");
    // Close-on-exec: other tests' children (run in parallel) must not keep a copy of
    // the slave, or the master never sees the end.
    for fd in [&pty.master, &pty.slave] {
        use std::os::fd::AsRawFd;
        nix::fcntl::fcntl(
            fd.as_raw_fd(),
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        )
        .expect("FD_CLOEXEC");
    }
    let slave: OwnedFd = pty.slave;
    let mut cmd = l.cmd(args);
    cmd.stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave.try_clone().unwrap());
    // SAFETY: setsid and ioctl(TIOCSCTTY) are async-signal-safe; fd 0 is the slave.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn lpod on the pty");
    drop(slave);
    drop(cmd);
    let master = pty.master;
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once every slave copy is closed.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(all);
    });
    script(&master);
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait lpod") {
            break st.success();
        }
        if start.elapsed() > common::COMMAND_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("lpod {args:?} on a pty did not finish");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("pty output");
    assert!(
        status,
        "lpod on the pty failed: {}",
        String::from_utf8_lossy(&out)
    );
    String::from_utf8_lossy(&out).replace('\r', "")
}

fn set_pty_size(master: &std::os::fd::OwnedFd, rows: u16, cols: u16) {
    use std::os::fd::AsRawFd;
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads the valid `ws`; the master fd is open.
    let r = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    assert_eq!(r, 0, "TIOCSWINSZ");
}

#[test]
fn run_and_exec_with_a_terminal_take_its_size_and_follow_it() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    // Each step waits for what the container itself reports, never for a while: the
    // first `stty size` has run once /tmp/first exists, and the terminal has its new
    // size once `stty -F /dev/console size` (the container's terminal) says so.
    let console_size = |want: &str| {
        lpod_test_support::poll_until(
            "the container's terminal to have the size",
            std::time::Duration::from_secs(30),
            || {
                let q = l.run(&["exec", "pty", "stty", "-F", "/dev/console", "size"]);
                (q.stdout.trim() == want).then_some(())
            },
        )
    };
    let out = on_a_pty(
        &l,
        &[
            "run",
            "--rm",
            "-it",
            "--name",
            "pty",
            &img,
            "sh",
            "-c",
            "stty size; touch /tmp/first; read x; stty size",
        ],
        (33, 101),
        |master| {
            lpod_test_support::poll_until(
                "the -it container's first stty",
                std::time::Duration::from_secs(30),
                || (l.run(&["exec", "pty", "test", "-e", "/tmp/first"]).code == 0).then_some(()),
            );
            set_pty_size(master, 40, 120);
            console_size("40 120");
            use std::io::Write;
            let mut w = std::fs::File::from(master.try_clone().unwrap());
            w.write_all(b"go\r").unwrap();
        },
    );
    assert!(out.contains("33 101\n"), "first size: {out:?}");
    assert!(out.contains("40 120\n"), "size after SIGWINCH: {out:?}");
    // exec -it: the process spec's consoleSize and a resize through conmon's ctl before
    // the start. runc sizes the terminal before the process runs, so the very first
    // `stty size` sees it. crun 1.8 sizes an exec terminal while the process already
    // runs (Podman's own exec size test is disabled for it, containers/podman#10710):
    // there the size must arrive, so the process asks until its terminal has one.
    l.ok(&[
        "run",
        "-d",
        "--runtime",
        "runc",
        "--name",
        "tt",
        &img,
        "sleep",
        "60",
    ]);
    let out = on_a_pty(&l, &["exec", "-it", "tt", "stty", "size"], (21, 77), |_| {});
    assert!(out.contains("21 77"), "{out:?}");
    l.ok(&[
        "run",
        "-d",
        "--runtime",
        "crun",
        "--name",
        "tc",
        &img,
        "sleep",
        "60",
    ]);
    let out = on_a_pty(
        &l,
        &[
            "exec",
            "-it",
            "tc",
            "sh",
            "-c",
            // busybox's stty prints "stty: standard input" and exits 0 on a 0x0 terminal.
            "until s=$(stty size 2>/dev/null); [ -n \"$s\" ] && [ \"$s\" != \"0 0\" ]; do :; done; echo \"$s\"",
        ],
        (21, 77),
        |_| {},
    );
    assert!(out.contains("21 77"), "{out:?}");
    l.ok(&["rm", "-f", "-t", "0", "tt", "tc"]);
}

#[test]
fn detach_keys_leave_the_container_running() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let typed = |keys: &'static [u8]| {
        move |master: &std::os::fd::OwnedFd| {
            use std::io::Write;
            std::thread::sleep(std::time::Duration::from_secs(2));
            let mut w = std::fs::File::from(master.try_clone().unwrap());
            w.write_all(keys).unwrap();
        }
    };
    // Podman's default: ctrl-p, ctrl-q.
    on_a_pty(
        &l,
        &["run", "-it", "--name", "dk", &img, "sleep", "60"],
        (24, 80),
        typed(b"\x10\x11"),
    );
    assert_eq!(l.inspect("dk", "{{.State.Status}}"), "running");
    // Chosen keys, for exec too.
    on_a_pty(
        &l,
        &[
            "exec",
            "-it",
            "--detach-keys",
            "ctrl-a,x",
            "dk",
            "sleep",
            "60",
        ],
        (24, 80),
        typed(b"\x01x"),
    );
    assert_eq!(l.inspect("dk", "{{.State.Status}}"), "running");
    // Without a terminal, piped data holding the default keys passes untouched.
    let data = l.dir().join("keys.bin");
    std::fs::write(&data, b"a\x10\x11b\n").unwrap();
    let mut cmd = l.cmd(&["exec", "-i", "dk", "od", "-An", "-tx1"]);
    cmd.stdin(std::fs::File::open(&data).unwrap());
    let out = common::run_bounded(cmd, &["exec", "-i"]);
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>(),
        ["61", "10", "11", "62", "0a"],
        "{out:?}"
    );
    l.ok(&["rm", "-f", "-t", "0", "dk"]);
    let out = l.run(&["run", "--detach-keys", "ctrl-", &img, "true"]);
    out.assert_error(125, "bad detach keys");
    assert_eq!(l.ok(&["ps", "-a", "-q"]), "", "nothing created");
}

#[test]
fn exec_detach_returns_without_waiting_and_the_process_runs() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let c = l.ok(&["run", "-d", "--network", "none", &l.image, "sleep", "60"]);
    let c = c.trim();
    // The process waits for a file only we create after `exec -d` returned: an `exec -d`
    // that waited for its process would never return (the run's timeout fails the test).
    let out = l.run(&[
        "exec",
        "-d",
        c,
        "sh",
        "-c",
        "while [ ! -e /tmp/go ]; do sleep 0.1; done; echo done > /tmp/marker",
    ]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    l.ok(&["exec", c, "touch", "/tmp/go"]);
    lpod_test_support::poll_until(
        "the detached exec's marker",
        std::time::Duration::from_secs(20),
        || {
            let out = l.run(&["exec", c, "cat", "/tmp/marker"]);
            (out.code == 0 && out.stdout == "done\n").then_some(())
        },
    );
    // A stopped container cannot take a detached exec: an error, not a silent background failure.
    l.ok(&["stop", "-t", "0", c]);
    let out = l.run(&["exec", "-d", c, "true"]);
    out.assert_error(125, "exec -d on a stopped container");
    l.ok(&["rm", "-f", c]);
}

#[test]
fn run_and_create_take_a_docker_archive_as_the_image() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let archive = l.dir().join("archive.tar");
    let archive_s = archive.display().to_string();
    l.ok(&["save", "-o", &archive_s, &l.image]);
    let out = l.run(&[
        "run",
        "--rm",
        "--network",
        "none",
        &format!("docker-archive:{archive_s}"),
        "echo",
        "from-archive",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "from-archive\n");
    assert!(
        out.stderr.starts_with("Getting image source signatures\n"),
        "{out:?}"
    );
    assert!(out.stderr.contains("Writing manifest"), "{out:?}");
    let out = l.run(&[
        "create",
        "--network",
        "none",
        "-q",
        "docker-archive:/no/such.tar",
        "true",
    ]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(l.ps_all().is_empty());
}

#[test]
fn run_dash_h_is_the_hostname_as_in_podman() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    // 300-cli-parsing: `-h` of run and create is --hostname, so alone it lacks a value.
    let o = l.run(&["run", "-h"]);
    assert_eq!(o.code, 125, "{o:?}");
    assert!(
        o.stderr.contains("a value is required for '--hostname"),
        "{o:?}"
    );
    let out = l.ok(&["run", "--rm", "-h", "dash-h.example", &l.image, "hostname"]);
    assert_eq!(out.trim(), "dash-h.example");
    // --help still prints the help, and names -h.
    let help = l.ok(&["create", "--help"]);
    assert!(help.contains("-h, --hostname"), "{help}");
}
