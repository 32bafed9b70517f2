//! Lifecycle against real conmon + runc and crun: create, start, state, kill, stop, pause,
//! resume, delete, exit codes, OOM, runtime errors, limits.

mod common;

use std::time::Duration;

use libpod_oci::{CreateOptions, OciError, OciRuntime, Resources, RuntimeStatus};

use common::Fixture;

fn create_start_exit_code(fx: &Fixture) {
    let id = fx.id("exit");
    let input = fx.input(&id, &["/bin/sh", "-c", "echo hello; echo oops >&2; exit 7"]);
    let created = fx.create(&id, &input, &CreateOptions::default());
    assert!(created.pid > 0);
    assert!(created.conmon_pid.is_some());
    // the runtime keeps its state under our run root, never the system default
    assert!(fx.rt.state_root().join(&id).exists());
    let st = fx.rt.state(&id).unwrap();
    assert_eq!(st.status, RuntimeStatus::Created);
    assert_eq!(st.pid, created.pid);
    fx.rt.start(&id).unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 7);
    assert!(!exit.oom_killed);
    assert_eq!(fx.rt.state(&id).unwrap().status, RuntimeStatus::Stopped);
    let log = libpod_oci::read_log(&fx.bundle(&id).join("ctr.log"), &Default::default()).unwrap();
    assert!(log
        .iter()
        .any(|l| l.msg == "hello" && l.stream == libpod_oci::LogStream::Stdout));
    assert!(log
        .iter()
        .any(|l| l.msg == "oops" && l.stream == libpod_oci::LogStream::Stderr));
    fx.rt.delete(&id, false).unwrap();
    assert!(matches!(fx.rt.state(&id), Err(OciError::NotFound { .. })));
    fx.rt.cleanup_files(&id).unwrap();
    assert!(fx.rt.exit_info(&id).unwrap().is_none());
}
both_runtimes!(create_start_exit_code_t, super::create_start_exit_code);

fn kill_reports_signal_exit(fx: &Fixture) {
    let id = fx.id("kill");
    let input = fx.input(&id, &["/bin/sleep", "1000"]);
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    assert_eq!(fx.rt.state(&id).unwrap().status, RuntimeStatus::Running);
    fx.rt.kill(&id, libc::SIGKILL, false).unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 128 + libc::SIGKILL);
    // signal 0 probes; killing a stopped container is an error
    assert!(fx.rt.kill(&id, libc::SIGKILL, false).is_err());

    let id2 = fx.id("killall");
    let input = fx.input(&id2, &["/bin/sh", "-c", "sleep 1000 & sleep 1000; wait"]);
    fx.create(&id2, &input, &CreateOptions::default());
    fx.rt.start(&id2).unwrap();
    fx.rt.kill(&id2, 0, false).unwrap();
    fx.rt.kill(&id2, libc::SIGKILL, true).unwrap();
    let exit = fx.rt.wait_exit(&id2, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 128 + libc::SIGKILL);
}
both_runtimes!(kill_reports_signal_exit_t, super::kill_reports_signal_exit);

fn stop_escalates_to_sigkill(fx: &Fixture) {
    let id = fx.id("stop");
    // ignores SIGTERM: stop must fall back to SIGKILL after the timeout
    let input = fx.input(
        &id,
        &[
            "/bin/sh",
            "-c",
            "trap '' TERM; echo ready; while :; do sleep 1; done",
        ],
    );
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    fx.rt
        .stop(&id, libc::SIGTERM, Duration::from_millis(300))
        .unwrap();
    assert_eq!(fx.rt.state(&id).unwrap().status, RuntimeStatus::Stopped);
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 128 + libc::SIGKILL);

    let id2 = fx.id("stopterm");
    let input = fx.input(
        &id2,
        &[
            "/bin/sh",
            "-c",
            "trap 'exit 3' TERM; echo ready; while :; do sleep 0.1; done",
        ],
    );
    fx.create(&id2, &input, &CreateOptions::default());
    fx.rt.start(&id2).unwrap();
    // wait until the trap is installed
    while !fx.log_text(&id2).contains("ready") {
        std::thread::sleep(Duration::from_millis(10));
    }
    fx.rt
        .stop(&id2, libc::SIGTERM, Duration::from_secs(30))
        .unwrap();
    let exit = fx.rt.wait_exit(&id2, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 3);
    // stopping a stopped container is a no-op
    fx.rt
        .stop(&id2, libc::SIGTERM, Duration::from_secs(1))
        .unwrap();
}
both_runtimes!(
    stop_escalates_to_sigkill_t,
    super::stop_escalates_to_sigkill
);

fn pause_resume(fx: &Fixture) {
    let id = fx.id("pause");
    fx.create_started(&id, &["/bin/sleep", "1000"]);
    fx.rt.pause(&id).unwrap();
    assert_eq!(fx.rt.state(&id).unwrap().status, RuntimeStatus::Paused);
    fx.rt.resume(&id).unwrap();
    assert_eq!(fx.rt.state(&id).unwrap().status, RuntimeStatus::Running);
    fx.rt.pause(&id).unwrap();
    // stop works on a paused container too
    fx.rt
        .stop(&id, libc::SIGTERM, Duration::from_millis(200))
        .unwrap();
    fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    fx.rt.delete(&id, false).unwrap();
}
both_runtimes!(pause_resume_t, super::pause_resume);

fn delete_force_running(fx: &Fixture) {
    let id = fx.id("delforce");
    fx.create_started(&id, &["/bin/sleep", "1000"]);
    assert!(fx.rt.delete(&id, false).is_err());
    fx.rt.delete(&id, true).unwrap();
    assert!(matches!(fx.rt.state(&id), Err(OciError::NotFound { .. })));
    // conmon still records the exit
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 128 + libc::SIGKILL);
}
both_runtimes!(delete_force_running_t, super::delete_force_running);

fn create_error_is_surfaced(fx: &Fixture) {
    let id = fx.id("bad");
    let input = fx.input(&id, &["/does/not/exist"]);
    // runc reports a bad executable at create, crun at start
    match fx.try_create(&id, &input, &CreateOptions::default()) {
        Err(OciError::CreateFailed { message, .. }) => {
            assert!(
                message.contains("/does/not/exist") || message.contains("no such file"),
                "{message}"
            );
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => {
            let err = fx.rt.start(&id).err();
            let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
            assert!(
                err.is_some() || exit.exit_code != 0,
                "a missing executable must fail at create or start"
            );
        }
    }
    // a rootfs that does not exist fails at create on both
    let id2 = fx.id("badroot");
    let mut input = fx.input(&id2, &["/bin/true"]);
    input.rootfs = fx.tmp.path().join("no-such-rootfs");
    let err = fx
        .try_create(&id2, &input, &CreateOptions::default())
        .unwrap_err();
    match err {
        OciError::CreateFailed { message, .. } => assert!(!message.is_empty()),
        other => panic!("unexpected error {other}"),
    }
}
both_runtimes!(create_error_is_surfaced_t, super::create_error_is_surfaced);

/// The contents of `file` of `controller` in the cgroup of `pid`, found through
/// /proc/PID/cgroup (cgroup v1: `/sys/fs/cgroup/<controller><path>`; v2: the unified
/// `/sys/fs/cgroup<path>`), trimmed.
fn cgroup_file(pid: i32, controller: &str, file: &str) -> String {
    let table = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let v1 = table.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
        ctrls
            .split(',')
            .any(|c| c == controller)
            .then(|| format!("/sys/fs/cgroup/{controller}{path}"))
    });
    let dir = v1.unwrap_or_else(|| {
        let path = table
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap_or_else(|| panic!("pid {pid} has no cgroup for {controller}: {table}"));
        format!("/sys/fs/cgroup{path}")
    });
    let p = format!("{dir}/{file}");
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("reading {p}: {e}"))
        .trim()
        .to_string()
}

fn limits_reach_the_kernel(fx: &Fixture) {
    let id = fx.id("limits");
    let mut input = fx.input(&id, &["/bin/sleep", "1000"]);
    input.resources = Resources {
        memory_limit: Some(64 * 1024 * 1024),
        cpu_quota: Some(50_000),
        cpu_period: Some(100_000),
        cpu_shares: Some(512),
        pids_limit: Some(42),
        ..Resources::default()
    };
    let created = fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    // Read the limits from the host, in the cgroup the kernel reports for the
    // container's process (no assumption on the cgroup version or mount layout).
    let pid = created.pid;
    let unified = !std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .unwrap()
        .lines()
        .any(|l| {
            l.split(':')
                .nth(1)
                .is_some_and(|c| c.split(',').any(|c| c == "memory"))
        });
    if unified {
        assert_eq!(cgroup_file(pid, "memory", "memory.max"), "67108864");
        assert_eq!(cgroup_file(pid, "cpu", "cpu.max"), "50000 100000");
        let weight: u64 = cgroup_file(pid, "cpu", "cpu.weight").parse().unwrap();
        assert!(
            weight < 100,
            "shares 512 (half the default) gave weight {weight}"
        );
        assert_eq!(cgroup_file(pid, "pids", "pids.max"), "42");
    } else {
        assert_eq!(
            cgroup_file(pid, "memory", "memory.limit_in_bytes"),
            "67108864"
        );
        assert_eq!(cgroup_file(pid, "cpu", "cpu.cfs_quota_us"), "50000");
        assert_eq!(cgroup_file(pid, "cpu", "cpu.cfs_period_us"), "100000");
        assert_eq!(cgroup_file(pid, "cpu", "cpu.shares"), "512");
        assert_eq!(cgroup_file(pid, "pids", "pids.max"), "42");
    }
    fx.rt.kill(&id, libc::SIGKILL, false).unwrap();
    fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
}
both_runtimes!(limits_reach_the_kernel_t, super::limits_reach_the_kernel);

fn oom_is_reported(fx: &Fixture) {
    let id = fx.id("oom");
    // grow a shell variable beyond the memory limit
    let mut input = fx.input(
        &id,
        &[
            "/bin/sh",
            "-c",
            "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done",
        ],
    );
    input.resources.memory_limit = Some(16 * 1024 * 1024);
    input.resources.memory_swap = Some(16 * 1024 * 1024);
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(120)).unwrap();
    assert_eq!(exit.exit_code, 137);
    assert!(exit.oom_killed);
}
both_runtimes!(oom_is_reported_t, super::oom_is_reported);

fn spec_features_apply(fx: &Fixture) {
    let id = fx.id("features");
    let shared = fx.tmp.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("f"), "from-host\n").unwrap();
    let script = "hostname; id -u; id -g; id -G; cat /data/f; echo x > /scratch/y && cat /scratch/y; \
                  (echo z > /data/g) 2>/dev/null || echo ro-ok; ulimit -n; ls -A /sys/firmware | wc -l; pwd; echo $FOO";
    let mut input = fx.input(&id, &["/bin/sh", "-c", script]);
    input.hostname = Some("lpodhost".into());
    input.process.uid = 1000;
    input.process.gid = 1000;
    input.process.additional_gids = vec![2000];
    input.process.cwd = "/tmp".into();
    input.process.env = vec!["FOO=bar".into()];
    input.mounts = vec![
        libpod_oci::MountInput::Bind {
            source: shared.clone(),
            destination: "/data".into(),
            readonly: true,
            options: vec![],
        },
        libpod_oci::MountInput::Tmpfs {
            destination: "/scratch".into(),
            options: vec!["mode=1777".into()],
        },
    ];
    input.readonly_rootfs = true;
    input.annotations.insert("org.lpod.test".into(), "1".into());
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    let out = fx.log_text(&id);
    assert_eq!(exit.exit_code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "lpodhost", "{out}");
    assert_eq!(lines[1], "1000");
    assert_eq!(lines[2], "1000");
    assert!(lines[3].split(' ').any(|g| g == "2000"), "{out}");
    assert_eq!(lines[4], "from-host");
    assert_eq!(lines[5], "x");
    assert_eq!(lines[6], "ro-ok");
    let (_, hard) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    assert_eq!(lines[7], hard.min(1_048_576).to_string());
    assert_eq!(lines[8], "0", "masked /sys/firmware must be empty: {out}");
    assert_eq!(lines[9], "/tmp");
    assert_eq!(lines[10], "bar");
}
both_runtimes!(spec_features_apply_t, super::spec_features_apply);

fn join_network_namespace(fx: &Fixture) {
    // a first container owns a netns; a second joins it through /proc/PID/ns/net
    let a = fx.id("nsowner");
    let input = fx.input(&a, &["/bin/sleep", "1000"]);
    let created = fx.create(&a, &input, &CreateOptions::default());
    fx.rt.start(&a).unwrap();
    let b = fx.id("nsjoin");
    let mut input = fx.input(&b, &["/bin/sh", "-c", "readlink /proc/self/ns/net"]);
    input.namespaces.net =
        libpod_oci::Namespace::Join(format!("/proc/{}/ns/net", created.pid).into());
    fx.create(&b, &input, &CreateOptions::default());
    fx.rt.start(&b).unwrap();
    fx.rt.wait_exit(&b, Duration::from_secs(60)).unwrap();
    let want = std::fs::read_link(format!("/proc/{}/ns/net", created.pid)).unwrap();
    assert_eq!(fx.log_text(&b).trim(), want.to_string_lossy());
    fx.rt
        .stop(&a, libc::SIGKILL, Duration::from_secs(5))
        .unwrap();
}
both_runtimes!(join_network_namespace_t, super::join_network_namespace);

fn exit_command_runs(fx: &Fixture) {
    let id = fx.id("exitcmd");
    let marker = fx.tmp.path().join("exit-command-ran");
    let input = fx.input(&id, &["/bin/true"]);
    let opts = CreateOptions {
        exit_command: Some((
            "/bin/sh".into(),
            vec![
                "-c".into(),
                format!("echo \"$0\" > {}", marker.display()),
                id.clone(),
            ],
        )),
        ..Default::default()
    };
    fx.create(&id, &input, &opts);
    fx.rt.start(&id).unwrap();
    fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    let mut text = String::new();
    for _ in 0..1000 {
        text = std::fs::read_to_string(&marker).unwrap_or_default();
        if !text.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(text.trim(), id);
}
both_runtimes!(exit_command_runs_t, super::exit_command_runs);

fn log_size_max_is_honoured(fx: &Fixture) {
    let id = fx.id("logmax");
    let input = fx.input(
        &id,
        &[
            "/bin/sh",
            "-c",
            "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done",
        ],
    );
    let opts = CreateOptions {
        log_size_max: Some(4096),
        ..Default::default()
    };
    fx.create(&id, &input, &opts);
    fx.rt.start(&id).unwrap();
    fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    let size = std::fs::metadata(fx.bundle(&id).join("ctr.log"))
        .unwrap()
        .len();
    assert!(size <= 4096, "log is {size} bytes");
    // the newest lines survive
    assert!(fx.log_text(&id).contains("line-1999"));
}
both_runtimes!(log_size_max_is_honoured_t, super::log_size_max_is_honoured);

fn follow_logs_until_exit(fx: &Fixture) {
    let id = fx.id("follow");
    let input = fx.input(
        &id,
        &[
            "/bin/sh",
            "-c",
            "echo a; sleep 0.2; echo b; sleep 0.2; printf partial; echo; echo c >&2",
        ],
    );
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    let mut seen = Vec::new();
    libpod_oci::follow_log(
        &fx.bundle(&id).join("ctr.log"),
        &Default::default(),
        Duration::from_millis(20),
        || fx.rt.exit_info(&id).unwrap().is_some(),
        |l| {
            seen.push((l.stream, l.msg));
            true
        },
    )
    .unwrap();
    let text: Vec<&str> = seen.iter().map(|(_, m)| m.as_str()).collect();
    assert!(text.starts_with(&["a", "b"]), "{text:?}");
    assert!(text.contains(&"c"), "{text:?}");
    assert!(seen
        .iter()
        .any(|(s, m)| *s == libpod_oci::LogStream::Stderr && m == "c"));
    // tail
    let tail = libpod_oci::read_log(
        &fx.bundle(&id).join("ctr.log"),
        &libpod_oci::LogOptions {
            tail: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(tail.len(), 1);
}
both_runtimes!(follow_logs_until_exit_t, super::follow_logs_until_exit);
