//! System tests of `stats`, `update` and `top` with descriptors: real crun and runc
//! under real conmon, busybox containers that allocate memory and spin a CPU. The
//! expected cgroup versions come from the host's own layout (`/proc/self/cgroup`):
//! on a hybrid host (v1 controllers and cgroup2) both are read. No timing
//! thresholds: readings are compared with each other and with what the container did.

mod common;

use std::collections::BTreeMap;

use libpod_core::stats::{CgroupVersion, ProcessCgroups};
use libpod_core::{CreateOptions, Error, Limits, PodCreateOptions, ResourceUpdate};

const MIB: u64 = 1024 * 1024;

/// This host's cgroup layout as `/proc/self/cgroup` shows it, read without lpod.
struct HostCgroups {
    /// CPU time is accounted by a v1 `cpuacct` hierarchy (else by cgroup2's cpu.stat).
    cpuacct_v1: bool,
    /// The unified (cgroup2) hierarchy is mounted (a `0::` line): hybrid or pure v2.
    unified: bool,
}

fn host_cgroups() -> HostCgroups {
    let text = std::fs::read_to_string("/proc/self/cgroup").expect("/proc/self/cgroup");
    let mut host = HostCgroups {
        cpuacct_v1: false,
        unified: false,
    };
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (id, controllers) = (f.next().unwrap_or_default(), f.next().unwrap_or_default());
        if id == "0" && controllers.is_empty() {
            host.unified = true;
        } else if controllers.split(',').any(|c| c == "cpuacct") {
            host.cpuacct_v1 = true;
        }
    }
    host
}

/// A container that puts 32 MiB in /dev/shm (charged to its memory cgroup and kept
/// there), says `ready`, then spins a CPU.
fn hog_opts(env: &common::Env) -> CreateOptions {
    env.opts(&[
        "sh",
        "-c",
        "dd if=/dev/zero of=/dev/shm/hog bs=1M count=32 2>/dev/null && echo ready && while :; do :; done",
    ])
}

#[test]
fn stats_of_a_memory_hog_and_cpu_spinner_show_both() {
    let Some(env) = common::env() else { return };
    let c = env.rt.create_container(hog_opts(&env)).unwrap();
    c.start().unwrap();
    common::wait_for_log(&c, "ready");

    let first = c.stats(None).unwrap();
    assert_eq!(first.container_id, c.id());
    assert!(
        first.mem_usage >= 32 * MIB,
        "memory {} below the 32 MiB the container holds: {first:?}",
        first.mem_usage
    );
    assert!(first.mem_limit >= first.mem_usage, "{first:?}");
    assert!(first.mem_perc > 0.0 && first.mem_perc <= 100.0, "{first:?}");
    assert!(first.pids >= 1, "{first:?}");
    assert!(first.cpu_nano > 0, "{first:?}");
    assert!(first.avg_cpu_percent > 0.0, "{first:?}");
    // Network none: its own namespace with only a loopback, no traffic counted.
    let net = first
        .network
        .as_ref()
        .expect("a network namespace of its own");
    assert!(net.contains_key("lo"), "{net:?}");
    assert_eq!((first.net_input, first.net_output), (0, 0));
    // Where the host accounts CPU time (a v1 cpuacct hierarchy on a hybrid host).
    let host = host_cgroups();
    let cpu_version = if host.cpuacct_v1 {
        CgroupVersion::V1
    } else {
        CgroupVersion::V2
    };
    assert_eq!(first.sources.cpu, cpu_version, "{:?}", first.sources);

    // The spinner keeps using CPU: a later sample has more, and a CPU % over the
    // time between the two samples.
    let second = common::poll_until("CPU time to grow", common::POLL_LIMIT, || {
        let s = c.stats(Some(&first)).unwrap();
        (s.cpu_nano > first.cpu_nano).then_some(s)
    });
    assert!(second.cpu_percent > 0.0, "{second:?}");
    assert!(second.system_nano > first.system_nano);

    // The same CPU time is accounted in cgroup2's cpu.stat wherever cgroup2 is
    // mounted (hybrid or pure v2): it grows too. On pure v1 there is none.
    let pid = c.inspect().unwrap().state.pid;
    let cg = ProcessCgroups::of_pid(pid).unwrap();
    if !host.unified {
        assert_eq!(cg.unified, None, "no cgroup2 on this host: {cg:?}");
        c.remove(true).unwrap();
        return;
    }
    let unified = cg.unified.clone().expect("a cgroup2 hierarchy is mounted");
    assert!(
        unified.to_string_lossy().contains(c.id()),
        "cgroup2 dir {unified:?} is the container's"
    );
    let v2 = cg.cpu_v2().unwrap().total_ns;
    assert!(v2 > 0);
    common::poll_until("cgroup2 CPU time to grow", common::POLL_LIMIT, || {
        (cg.cpu_v2().unwrap().total_ns > v2).then_some(())
    });
    c.remove(true).unwrap();
}

#[test]
fn network_counters_come_from_the_containers_own_namespace() {
    let Some(env) = common::env() else { return };
    // Loopback traffic inside the container's own network namespace (network none).
    let c = env
        .rt
        .create_container(env.opts(&[
            "sh",
            "-c",
            "mkdir -p /tmp/w && echo hello > /tmp/w/index.html && httpd -p 127.0.0.1:8080 -h /tmp/w && \
             wget -q -O /dev/null http://127.0.0.1:8080/ && echo ready && sleep 1000",
        ]))
        .unwrap();
    c.start().unwrap();
    common::wait_for_log(&c, "ready");
    let s = c.stats(None).unwrap();
    let net = s.network.expect("own namespace");
    assert_eq!(net.keys().collect::<Vec<_>>(), ["lo"], "only a loopback");
    assert!(net["lo"].rx_bytes > 0 && net["lo"].tx_bytes > 0, "{net:?}");
    // Loopback is not network I/O.
    assert_eq!((s.net_input, s.net_output), (0, 0));
    c.remove(true).unwrap();

    // On the host's network there is no namespace of its own to count.
    let h = env
        .rt
        .create_container(CreateOptions {
            network: libpod_core::NetworkMode::Host,
            ..env.opts(&["sleep", "1000"])
        })
        .unwrap();
    h.start().unwrap();
    let s = h.stats(None).unwrap();
    assert!(s.network.is_none(), "{s:?}");
    h.remove(true).unwrap();
}

#[test]
fn stats_of_a_container_that_does_not_run_is_a_clear_error() {
    let Some(env) = common::env() else { return };
    let c = env.rt.create_container(env.opts(&["true"])).unwrap();
    let err = c.stats(None).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidState { status, .. } if status == "configured"),
        "{err:?}"
    );
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 0);
    let err = c.stats(None).unwrap_err();
    assert!(matches!(&err, Error::InvalidState { .. }), "{err:?}");
    assert!(
        err.to_string().contains("stats need a running container"),
        "{err}"
    );
    c.remove(true).unwrap();
}

fn update_raises_and_lowers_limits(runtime: &str) {
    let Some(env) = common::env_with(runtime) else {
        return;
    };
    let c = env
        .rt
        .create_container(CreateOptions {
            limits: Limits {
                memory: Some(64 * MIB),
                pids: Some(50),
                ..Default::default()
            },
            ..env.opts(&["sleep", "1000"])
        })
        .unwrap();
    c.start().unwrap();
    let s = c.stats(None).unwrap();
    assert_eq!(s.mem_limit, 64 * MIB, "{s:?}");
    assert_eq!(s.pids_limit, Some(50), "{s:?}");

    // Raise memory, lower pids.
    let r = c
        .update(&ResourceUpdate {
            memory: Some(128 * MIB as i64),
            pids: Some(20),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.memory, Some(128 * MIB as i64));
    let s = c.stats(None).unwrap();
    assert_eq!(s.mem_limit, 128 * MIB, "{runtime}: {s:?}");
    assert_eq!(s.pids_limit, Some(20), "{runtime}: {s:?}");
    let hc = c.inspect().unwrap().host_config;
    assert_eq!((hc.memory, hc.pids_limit), (128 * MIB, 20));

    // Lower memory, raise pids, set a CPU quota.
    c.update(&ResourceUpdate {
        memory: Some(96 * MIB as i64),
        pids: Some(200),
        cpu_quota: Some(50_000),
        cpu_period: Some(100_000),
        ..Default::default()
    })
    .unwrap();
    let s = c.stats(None).unwrap();
    assert_eq!(s.mem_limit, 96 * MIB, "{runtime}: {s:?}");
    assert_eq!(s.pids_limit, Some(200), "{runtime}: {s:?}");
    let hc = c.inspect().unwrap().host_config;
    assert_eq!(hc.memory, 96 * MIB);
    assert_eq!(hc.nano_cpus, 500_000_000);

    // A bad value is refused by name and changes nothing.
    let err = c
        .update(&ResourceUpdate {
            memory: Some(1024),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert_eq!(c.inspect().unwrap().host_config.memory, 96 * MIB);

    // A restart keeps the recorded limits.
    c.stop(Some(std::time::Duration::ZERO)).unwrap();
    c.start().unwrap();
    let s = c.stats(None).unwrap();
    assert_eq!(s.mem_limit, 96 * MIB, "{runtime} after restart: {s:?}");
    assert_eq!(s.pids_limit, Some(200), "{runtime} after restart: {s:?}");

    // Removing the limits.
    c.update(&ResourceUpdate {
        pids: Some(-1),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.stats(None).unwrap().pids_limit, None);
    assert_eq!(c.inspect().unwrap().host_config.pids_limit, 0);
    c.remove(true).unwrap();
}

#[test]
fn update_raises_and_lowers_limits_with_crun() {
    update_raises_and_lowers_limits("crun");
}

#[test]
fn update_raises_and_lowers_limits_with_runc() {
    update_raises_and_lowers_limits("runc");
}

#[test]
fn update_of_a_stopped_container_applies_on_start() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sleep", "1000"]))
        .unwrap();
    c.update(&ResourceUpdate {
        memory: Some(80 * MIB as i64),
        ..Default::default()
    })
    .unwrap();
    c.start().unwrap();
    assert_eq!(c.stats(None).unwrap().mem_limit, 80 * MIB);
    c.remove(true).unwrap();
}

#[test]
fn top_with_descriptors_and_with_ps_arguments() {
    let Some(env) = common::env() else { return };
    let c = env
        .rt
        .create_container(env.opts(&["sh", "-c", "echo ready; sleep 1000; echo done"]))
        .unwrap();
    c.start().unwrap();
    common::wait_for_log(&c, "ready");
    let host_pid = c.inspect().unwrap().state.pid;

    let cols: Vec<String> = ["pid,ppid", "comm", "hpid", "user", "seccomp", "capeff"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // The shell prints `ready` before it forks sleep: wait for both.
    let t = common::poll_until("sleep in top", common::POLL_LIMIT, || {
        let t = c.top_with(&cols).unwrap();
        t.rows.iter().any(|r| r[2] == "sleep").then_some(t)
    });
    assert_eq!(
        t.header,
        [
            "PID",
            "PPID",
            "COMMAND",
            "HPID",
            "USER",
            "SECCOMP",
            "EFFECTIVE CAPS"
        ]
    );
    let sh = t.rows.iter().find(|r| r[0] == "1").expect("pid 1 listed");
    assert_eq!(sh[1], "0");
    assert_eq!(sh[2], "sh");
    assert_eq!(sh[3], host_pid.to_string());
    assert_eq!(sh[4], "root");
    assert_eq!(sh[5], "filter");
    assert!(
        sh[6].contains("CHOWN") && !sh[6].contains("SYS_ADMIN"),
        "{sh:?}"
    );
    let sleep = t
        .rows
        .iter()
        .find(|r| r[2] == "sleep")
        .expect("sleep listed");
    assert_eq!(sleep[1], "1", "sleep's parent is the shell: {t:?}");

    // Default columns are Podman's.
    let t = c.top_with(&[]).unwrap();
    assert_eq!(
        t.header,
        ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
    );
    // Codes work as names do.
    assert_eq!(
        c.top_with(&["%p".into(), "%c".into()]).unwrap().header,
        ["PID", "COMMAND"]
    );

    // Not a descriptor: ps(1) runs in the container with those arguments.
    let t = c.top_with(&["-o".into(), "pid,comm".into()]).unwrap();
    assert!(t.header[0].contains("PID"), "{t:?}");
    assert!(
        t.rows.iter().any(|r| r[0].contains("sleep")),
        "ps output lists sleep: {t:?}"
    );

    c.stop(Some(std::time::Duration::ZERO)).unwrap();
    let err = c.top_with(&[]).unwrap_err();
    assert!(err.to_string().contains("running"), "{err}");
    c.remove(true).unwrap();
}

#[test]
fn pod_stats_cover_every_running_member() {
    let Some(env) = common::env() else { return };
    let pod = env
        .rt
        .create_pod(PodCreateOptions {
            name: Some("statpod".into()),
            network: libpod_core::NetworkMode::None,
            ..Default::default()
        })
        .unwrap();
    let member = env
        .rt
        .create_container(CreateOptions {
            pod: Some("statpod".into()),
            ..hog_opts(&env)
        })
        .unwrap();
    let idle = env
        .rt
        .create_container(CreateOptions {
            pod: Some("statpod".into()),
            ..env.opts(&["true"])
        })
        .unwrap();
    pod.start().unwrap();
    common::wait_for_log(&member, "ready");
    common::poll_until("the short member to exit", common::POLL_LIMIT, || {
        (idle.status().ok()? != libpod_config::ContainerStatus::Running).then_some(())
    });
    let stats = pod.stats(&BTreeMap::new()).unwrap();
    let ids: Vec<&str> = stats.iter().map(|s| s.container_id.as_str()).collect();
    let infra = pod.infra().unwrap().expect("infra");
    assert!(ids.contains(&member.id()), "{ids:?}");
    assert!(ids.contains(&infra.id()), "{ids:?}");
    assert!(!ids.contains(&idle.id()), "exited member left out: {ids:?}");
    let m = stats
        .iter()
        .find(|s| s.container_id == member.id())
        .unwrap();
    assert!(m.mem_usage >= 32 * MIB, "{m:?}");
    assert_eq!(m.pod_id.as_deref(), Some(pod.id()));
    pod.remove(true).unwrap();
}
