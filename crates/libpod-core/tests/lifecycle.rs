//! System tests: real crun (and runc once) under real conmon with the busybox
//! test image, each in its own temp root and run root.

mod common;

use std::path::Path;
use std::time::Duration;

use libpod_config::ContainerStatus;
use libpod_core::{Error, ExecOptions, Runtime, Streams};

#[test]
fn create_init_start_wait_exit_code_then_remove_cleans_everything() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sh", "-c", "exit 3"]))
        .unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Configured);
    c.init().unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Created);
    let insp = c.inspect().unwrap();
    assert!(insp.state.conmon_pid > 0);
    let bundle = insp.bundle_path.clone();
    assert!(Path::new(&bundle).join("config.json").exists());
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 3);
    // Without an exit command the next verb syncs and cleans up lazily.
    assert_eq!(c.status().unwrap(), ContainerStatus::Stopped);
    c.cleanup().unwrap();
    c.cleanup().unwrap(); // idempotent
    assert_eq!(c.status().unwrap(), ContainerStatus::Exited);
    assert_eq!(c.inspect().unwrap().state.exit_code, 3);
    let id = c.id().to_string();
    let store = env.rt.store().unwrap();
    assert!(store.container_exists(&id).unwrap());
    c.remove(false).unwrap();
    assert!(!store.container_exists(&id).unwrap());
    assert!(!Path::new(&bundle).exists());
    assert!(matches!(
        env.rt.container(&id),
        Err(Error::NoSuchContainer(_))
    ));
    // wait after removal answers from the exit-code table
    assert_eq!(c.wait().unwrap(), 3);
    assert_eq!(env.rt.wait_container(&id).unwrap(), 3);
}

#[test]
fn stop_sleep_container_with_timeout_kills_it() {
    let Some(env) = common::env() else { return };
    // sleep as pid 1 ignores SIGTERM: the stop timeout then SIGKILL decide.
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    c.start().unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Running);
    c.stop(Some(Duration::from_millis(500))).unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Exited);
    assert_eq!(c.inspect().unwrap().state.exit_code, 137);
    // stop again is a no-op; start again works (re-init)
    c.stop(None).unwrap();
    c.start().unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Running);
    c.remove(true).unwrap();
}

#[test]
fn stop_with_a_handled_signal_exits_cleanly() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&[
            "sh",
            "-c",
            "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done",
        ]))
        .unwrap();
    c.start().unwrap();
    // PID 1 ignores SIGTERM until its trap is installed: stop only after "ready".
    common::wait_for_log(&c, "ready");
    c.stop(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(c.inspect().unwrap().state.exit_code, 0);
    c.remove(false).unwrap();
}

#[test]
fn pause_unpause_and_refusals_follow_the_table() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    assert!(matches!(c.pause(), Err(Error::InvalidState { .. })));
    c.start().unwrap();
    c.pause().unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Paused);
    let insp = c.inspect().unwrap();
    assert!(insp.state.paused && insp.state.running);
    assert!(matches!(c.remove(false), Err(Error::InvalidState { .. })));
    c.unpause().unwrap();
    assert_eq!(c.status().unwrap(), ContainerStatus::Running);
    c.remove(true).unwrap();
}

#[test]
fn exec_streams_output_and_returns_exit_code() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    c.start().unwrap();
    let (code, out, err) = c
        .exec_output(&["sh", "-c", "echo hi; echo oops >&2; exit 7"])
        .unwrap();
    assert_eq!(code, 7);
    assert_eq!(out, b"hi\n");
    assert_eq!(err, b"oops\n");
    // env and workdir
    let opts = ExecOptions {
        command: vec!["sh".into(), "-c".into(), "echo $FOO $(pwd)".into()],
        env: vec!["FOO=bar".into()],
        workdir: Some("/tmp".into()),
        ..Default::default()
    };
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct W(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let code = c
        .exec(
            &opts,
            Streams {
                stdin: None,
                stdout: Box::new(W(buf.clone())),
                stderr: Box::new(std::io::sink()),
            },
        )
        .unwrap();
    assert_eq!(code, 0);
    assert_eq!(&*buf.lock().unwrap(), b"bar /tmp\n");
    // a missing command: 127 either as the code or as the typed error
    match c.exec_output(&["/no/such/cmd"]) {
        Ok((code, _, _)) => assert_eq!(code, 127),
        Err(e) => assert_eq!(e.exit_code(), 127, "{e}"),
    }
    c.remove(true).unwrap();
}

#[test]
fn logs_keep_stdout_and_stderr() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sh", "-c", "echo out1; echo err1 >&2; echo out2"]))
        .unwrap();
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 0);
    let (out, err) = c.logs_bytes().unwrap();
    assert_eq!(out, b"out1\nout2\n");
    assert_eq!(err, b"err1\n");
    let mut tail = Vec::new();
    c.logs(
        &libpod_core::LogOptions {
            tail: Some(1),
            ..Default::default()
        },
        &mut |l| {
            tail.push(l.line.clone());
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(tail.len(), 1);
    c.remove(false).unwrap();
}

#[test]
fn start_attached_streams_output() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sh", "-c", "echo attached; echo e >&2; exit 4"]))
        .unwrap();
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct W(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    c.start_attached(Streams {
        stdin: None,
        stdout: Box::new(W(out.clone())),
        stderr: Box::new(std::io::sink()),
    })
    .unwrap();
    assert_eq!(c.wait().unwrap(), 4);
    assert_eq!(&*out.lock().unwrap(), b"attached\n");
    c.remove(false).unwrap();
}

#[test]
fn inspect_json_has_podman_field_names() {
    let Some(env) = common::env() else { return };
    let mut o = env.opts(&["true"]);
    o.name = Some("inspected".into());
    o.env = vec!["A=1".into()];
    o.labels.insert("k".into(), "v".into());
    o.limits.memory = Some(64 << 20);
    o.mounts.push(libpod_core::MountSpec::Tmpfs {
        destination: "/scratch".into(),
        options: vec!["size=1m".into()],
    });
    let c = env.rt.create_container(o).unwrap();
    let v = serde_json::to_value(c.inspect().unwrap()).unwrap();
    assert_eq!(v["Name"], "inspected");
    assert_eq!(v["State"]["Status"], "created");
    assert_eq!(v["Path"], "true");
    assert_eq!(v["Config"]["Labels"]["k"], "v");
    assert!(v["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "A=1"));
    assert_eq!(v["HostConfig"]["Memory"], 64 << 20);
    assert_eq!(v["HostConfig"]["NetworkMode"], "none");
    assert_eq!(v["Mounts"][0]["Type"], "tmpfs");
    for k in [
        "Id",
        "Created",
        "Args",
        "Image",
        "ImageName",
        "RestartCount",
        "NetworkSettings",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    for k in [
        "Running",
        "Paused",
        "Pid",
        "ExitCode",
        "OOMKilled",
        "StartedAt",
        "FinishedAt",
        "ConmonPid",
    ] {
        assert!(v["State"].get(k).is_some(), "missing State.{k}");
    }
    // the tmpfs works when it runs
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 0);
    c.remove(false).unwrap();
}

#[test]
fn bind_mount_user_workdir_and_limits_apply() {
    let Some(env) = common::env() else { return };
    let host = env.dir.path().join("shared");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("in.txt"), "from host").unwrap();
    let mut o = env.opts(&[
        "sh",
        "-c",
        "cat /data/in.txt > /data/out.txt; id -u >> /data/out.txt; pwd >> /data/out.txt",
    ]);
    o.mounts.push(libpod_core::MountSpec::Bind {
        source: host.clone(),
        destination: "/data".into(),
        read_only: false,
        options: Vec::new(),
    });
    o.workdir = Some("/tmp".into());
    o.limits.pids = Some(64);
    o.limits.memory = Some(128 << 20);
    let c = env.rt.create_container(o).unwrap();
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 0);
    assert_eq!(
        std::fs::read_to_string(host.join("out.txt")).unwrap(),
        "from host0\n/tmp\n"
    );
    c.remove(false).unwrap();
}

#[test]
fn host_network_sees_host_interfaces() {
    let Some(env) = common::env() else { return };
    let host_links = || -> std::collections::BTreeSet<String> {
        std::fs::read_dir("/sys/class/net")
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "lo")
            .collect()
    };
    let before = host_links();
    let mut o = env.opts(&["sh", "-c", "ls /sys/class/net"]);
    o.network = libpod_core::NetworkMode::Host;
    let c = env.rt.create_container(o).unwrap();
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 0);
    let after = host_links();
    let (out, _) = c.logs_bytes().unwrap();
    let seen: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    // Every host link other than lo that existed all along (other tests add and remove
    // veths meanwhile) is visible inside: the container is in the host's netns.
    let stable: Vec<&String> = before.intersection(&after).collect();
    assert!(!stable.is_empty(), "the host has no link besides lo");
    for l in stable {
        assert!(seen.contains(l), "host link {l} not seen inside: {seen:?}");
    }
    c.remove(false).unwrap();
    let o = env.opts(&["sh", "-c", "ls /sys/class/net"]);
    let c = env.rt.create_container(o).unwrap();
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 0);
    let (out, _) = c.logs_bytes().unwrap();
    assert_eq!(String::from_utf8_lossy(&out).trim(), "lo");
    c.remove(false).unwrap();
}

#[test]
fn runc_runs_a_container_too() {
    let Some(env) = common::env_with("runc") else {
        return;
    };
    let c = env
        .rt
        .create_container(env.opts(&["sh", "-c", "echo runc; exit 5"]))
        .unwrap();
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 5);
    assert_eq!(c.logs_bytes().unwrap().0, b"runc\n");
    c.remove(false).unwrap();
}

#[test]
fn reboot_simulation_resets_statuses() {
    let Some(env) = common::env() else { return };
    let configured = env.rt.create_container(env.opts(&["true"])).unwrap();
    let created = env.rt.create_container(env.opts(&["true"])).unwrap();
    created.init().unwrap();
    let exited = env
        .rt
        .create_container(env.opts(&["sh", "-c", "exit 2"]))
        .unwrap();
    exited.start().unwrap();
    assert_eq!(exited.wait().unwrap(), 2);
    let running = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    running.start().unwrap();
    let rt2 = env.power_cut(&[&created, &running]);
    let st = |c: &libpod_core::Container| rt2.container(c.id()).unwrap().status().unwrap();
    assert_eq!(st(&configured), ContainerStatus::Configured);
    assert_eq!(st(&created), ContainerStatus::Configured);
    assert_eq!(st(&exited), ContainerStatus::Exited);
    assert_eq!(st(&running), ContainerStatus::Exited);
    assert_eq!(
        rt2.container(running.id())
            .unwrap()
            .inspect()
            .unwrap()
            .state
            .pid,
        0
    );
    // The alive file now records the new boot: a third open does not refresh again.
    assert_eq!(
        std::fs::read_to_string(env.run_root().join("alive"))
            .unwrap()
            .trim(),
        "boot-2"
    );
    // Containers run again after the reboot.
    let again = rt2.container(running.id()).unwrap();
    again.start().unwrap();
    assert_eq!(again.status().unwrap(), ContainerStatus::Running);
    again.remove(true).unwrap();
    rt2.shutdown(false).unwrap();
}

#[test]
fn shut_down_runtime_refuses_every_call() {
    let Some(env) = common::env() else { return };
    let rt = env.reopen();
    let c = rt.create_container(env.opts(&["true"])).unwrap();
    rt.shutdown(false).unwrap();
    assert!(matches!(rt.info(), Err(Error::RuntimeStopped)));
    assert!(matches!(rt.config(), Err(Error::RuntimeStopped)));
    assert!(matches!(rt.list_containers(), Err(Error::RuntimeStopped)));
    assert!(matches!(c.start(), Err(Error::RuntimeStopped)));
    assert!(matches!(rt.shutdown(true), Err(Error::RuntimeStopped)));
    assert!(!rt.is_valid());
}

#[test]
fn missing_runtime_binary_is_named() {
    let Some(env) = common::env() else { return };
    let e = common::builder(env.dir.path(), "/nonexistent/crun")
        .build()
        .unwrap_err();
    match e {
        Error::MissingBinary { binary, package } => {
            // A runtime given as a path is recorded and reported as that path.
            assert_eq!(binary, "/nonexistent/crun");
            assert_eq!(package, "crun");
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn info_reports_host_and_store() {
    let Some(env) = common::env() else { return };
    let c = env.rt.create_container(env.opts(&["true"])).unwrap();
    let info = env.rt.info().unwrap();
    assert_eq!(info.host.oci_runtime.name, "crun");
    assert!(info.host.oci_runtime.version.contains("crun"));
    assert!(info.host.conmon.version.contains("conmon"));
    assert_eq!(info.host.cgroup_manager, "cgroupfs");
    assert_eq!(info.store.image_store.number, 1);
    assert_eq!(info.store.container_store.number, 1);
    assert_eq!(
        info.store.container_store.by_status.get("configured"),
        Some(&1)
    );
    let v = serde_json::to_value(&info).unwrap();
    assert!(v["host"]["memTotal"].as_u64().unwrap() > 0);
    assert!(v["store"]["graphRoot"].is_string());
    c.remove(false).unwrap();
}

#[test]
fn names_and_lookup() {
    let Some(env) = common::env() else { return };
    let mut o = env.opts(&["true"]);
    o.name = Some("web".into());
    let c = env.rt.create_container(o.clone()).unwrap();
    assert!(matches!(
        env.rt.create_container(o),
        Err(Error::NameInUse(_))
    ));
    assert_eq!(env.rt.container("web").unwrap().id(), c.id());
    assert_eq!(env.rt.container(&c.id()[..12]).unwrap().id(), c.id());
    assert!(matches!(
        env.rt.container("nope"),
        Err(Error::NoSuchContainer(_))
    ));
    let mut bad = env.opts(&["true"]);
    bad.image = "no-such-image".into();
    assert!(matches!(
        env.rt.create_container(bad),
        Err(Error::NoSuchImage(_))
    ));
    let ps = env.rt.list_containers().unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].name, "web");
    assert_eq!(ps[0].state, "created");
    c.remove(false).unwrap();
}

#[test]
fn concurrent_run_rm_from_threads() {
    let Some(env) = common::env() else { return };
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let rt: Runtime = env.rt.clone();
            let mut o = env.opts(&["sh", "-c", &format!("exit {i}")]);
            o.remove = true;
            std::thread::spawn(move || {
                let c = rt.create_container(o).unwrap();
                c.start().unwrap();
                let code = c.wait().unwrap();
                match c.remove(false) {
                    Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                    Err(e) => panic!("rm: {e}"),
                }
                code
            })
        })
        .collect();
    let mut codes: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, vec![0, 1, 2, 3]);
    assert!(env.rt.list_containers().unwrap().is_empty());
    assert!(env
        .rt
        .store()
        .unwrap()
        .list_containers()
        .unwrap()
        .is_empty());
}
