//! proptest strategies for the data model (feature `arbitrary`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;

use crate::container::*;
use crate::pod::*;
use crate::status::ContainerStatus;

/// Any status.
pub fn status() -> impl Strategy<Value = ContainerStatus> {
    proptest::sample::select(ContainerStatus::ALL.to_vec())
}

/// A 64-hex id.
pub fn id() -> impl Strategy<Value = String> {
    "[0-9a-f]{64}"
}

/// A valid name.
pub fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}"
}

/// A UTC time with microsecond precision between 2000 and 2100.
pub fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..4_102_444_800i64, 0u32..1_000_000).prop_map(|(s, us)| {
        Utc.timestamp_opt(s, us * 1000)
            .single()
            .unwrap_or_else(Utc::now)
    })
}

fn text() -> impl Strategy<Value = String> {
    // Arbitrary unicode, including quotes, NULs and control characters.
    any::<String>().prop_map(|s| s.chars().take(12).collect())
}

fn path() -> impl Strategy<Value = PathBuf> {
    "(/[a-z0-9._-]{1,8}){1,4}".prop_map(PathBuf::from)
}

fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    btree_map(text(), text(), 0..4)
}

fn ip() -> impl Strategy<Value = IpAddr> {
    any::<IpAddr>()
}

fn mount() -> impl Strategy<Value = Mount> {
    (
        prop_oneof![
            Just(MountKind::Bind),
            Just(MountKind::Tmpfs),
            Just(MountKind::Volume),
            Just(MountKind::Image),
            Just(MountKind::Devpts)
        ],
        text(),
        path(),
        vec(text(), 0..3),
    )
        .prop_map(|(kind, source, destination, options)| Mount {
            kind,
            source,
            destination,
            options,
        })
}

fn ns_mode() -> impl Strategy<Value = NamespaceMode> {
    prop_oneof![
        Just(NamespaceMode::Private),
        Just(NamespaceMode::Host),
        Just(NamespaceMode::Pod),
        id().prop_map(NamespaceMode::Container),
    ]
}

fn namespaces() -> impl Strategy<Value = Namespaces> {
    (
        prop_oneof![
            Just(NetworkMode::None),
            Just(NetworkMode::Host),
            Just(NetworkMode::Bridge),
            Just(NetworkMode::Pod),
            id().prop_map(|id| NetworkMode::Container { id })
        ],
        ns_mode(),
        ns_mode(),
        ns_mode(),
    )
        .prop_map(|(network, pid, ipc, uts)| Namespaces {
            network,
            pid,
            ipc,
            uts,
        })
}

/// A port mapping.
pub fn port_mapping() -> impl Strategy<Value = PortMapping> {
    (
        option::of(ip()),
        any::<u16>(),
        any::<u16>(),
        prop_oneof![
            Just(Protocol::Tcp),
            Just(Protocol::Udp),
            Just(Protocol::Sctp)
        ],
    )
        .prop_map(
            |(host_ip, host_port, container_port, protocol)| PortMapping {
                host_ip,
                host_port,
                container_port,
                protocol,
            },
        )
}

fn restart_policy() -> impl Strategy<Value = RestartPolicy> {
    prop_oneof![
        Just(RestartPolicy::No),
        Just(RestartPolicy::Always),
        any::<u32>().prop_map(RestartPolicy::OnFailure),
        Just(RestartPolicy::UnlessStopped),
    ]
}

fn resources() -> impl Strategy<Value = Resources> {
    (
        option::of(any::<i64>()),
        option::of(any::<i64>()),
        option::of(any::<u64>()),
        option::of(any::<u64>()),
        option::of(any::<i64>()),
        option::of(any::<i64>()),
    )
        .prop_map(
            |(memory, cpu_quota, cpu_period, cpu_shares, pids, memory_swap)| Resources {
                memory,
                memory_swap,
                cpu_quota,
                cpu_period,
                cpu_shares,
                pids,
            },
        )
}

fn security() -> impl Strategy<Value = SecurityConfig> {
    let device = (path(), path(), text()).prop_map(|(h, c, p)| DeviceMapping {
        host_path: h,
        container_path: c,
        permissions: p,
    });
    (
        (vec(text(), 0..3), vec(text(), 0..3), any::<bool>()),
        (option::of(any::<bool>()), option::of(text())),
        (
            vec(text(), 0..2),
            vec(text(), 0..2),
            any::<bool>(),
            any::<bool>(),
        ),
        (vec(device, 0..2), vec(text(), 0..2)),
    )
        .prop_map(|(a, b, c, d)| SecurityConfig {
            cap_add: a.0,
            cap_drop: a.1,
            privileged: a.2,
            no_new_privileges: b.0,
            seccomp_profile: b.1,
            mask: c.0,
            unmask: c.1,
            read_only: c.2,
            read_only_tmpfs: c.3,
            devices: d.0,
            security_opt: d.1,
        })
}

/// A container config with the given id and name and everything else arbitrary.
pub fn container_config_with(
    id: String,
    ctr_name: String,
) -> impl Strategy<Value = ContainerConfig> {
    let a = (
        text(),
        text(),
        option::of(path()),
        vec(text(), 0..4),
        vec(text(), 0..2),
        vec(text(), 0..4),
        option::of(path()),
        option::of(text()),
        option::of(text()),
        any::<bool>(),
        any::<bool>(),
    );
    let b = (
        vec(mount(), 0..3),
        namespaces(),
        any::<bool>(),
        vec(port_mapping(), 0..3),
        vec(name(), 0..2),
        path(),
        prop_oneof![Just(LogDriver::K8sFile), Just(LogDriver::None)],
        1i32..64,
        any::<u32>(),
        restart_policy(),
    );
    let c = (
        labels(),
        labels(),
        resources(),
        text(),
        time(),
        any::<bool>(),
        security(),
    );
    (a, b, c).prop_map(move |(a, b, c)| ContainerConfig {
        id: id.clone(),
        name: ctr_name.clone(),
        image: a.0,
        image_id: a.1,
        rootfs: a.2,
        command: a.3,
        entrypoint: a.4,
        env: a.5,
        working_dir: a.6,
        user: a.7,
        hostname: a.8,
        terminal: a.9,
        stdin: a.10,
        mounts: b.0,
        namespaces: b.1,
        pod: None,
        is_infra: b.2,
        port_mappings: b.3,
        networks: b.4,
        network_options: BTreeMap::new(),
        networks_cleared: false,
        log_path: b.5,
        log_driver: b.6,
        stop_signal: b.7,
        stop_timeout: b.8,
        restart_policy: b.9,
        labels: c.0,
        annotations: c.1,
        resources: c.2,
        oci_runtime: c.3,
        created: c.4,
        auto_remove: c.5,
        security: c.6,
        run: Default::default(),
        dns: crate::container::DnsConfig {
            servers: vec!["192.0.2.53".into()],
            search: Vec::new(),
            options: vec!["ndots:2".into()],
            hosts_add: vec!["h:192.0.2.1".into()],
        },
        healthcheck: b.2.then(|| {
            crate::health::HealthConfig::new(vec!["CMD-SHELL".into(), "test -e /ok".into()])
        }),
    })
}

/// An arbitrary container config (no pod).
pub fn container_config() -> impl Strategy<Value = ContainerConfig> {
    (id(), name()).prop_flat_map(|(i, n)| container_config_with(i, n))
}

fn network_status() -> impl Strategy<Value = NetworkStatus> {
    (
        text(),
        vec(text(), 0..2),
        option::of(text()),
        option::of(ip()),
    )
        .prop_map(|(interface, ips, mac, gateway)| NetworkStatus {
            interface,
            ips,
            mac,
            gateway,
        })
}

fn exec_session() -> impl Strategy<Value = ExecSession> {
    (
        id(),
        vec(text(), 0..3),
        any::<bool>(),
        prop_oneof![
            Just(ExecStatus::Created),
            Just(ExecStatus::Running),
            Just(ExecStatus::Exited)
        ],
        option::of(any::<i32>()),
        option::of(any::<i32>()),
    )
        .prop_map(
            |(id, command, terminal, status, pid, exit_code)| ExecSession {
                id,
                command,
                terminal,
                status,
                pid,
                exit_code,
            },
        )
}

/// An arbitrary container state.
pub fn container_state() -> impl Strategy<Value = ContainerState> {
    let a = (
        status(),
        option::of(any::<i32>()),
        option::of(any::<i32>()),
        option::of(any::<i32>()),
        any::<bool>(),
        option::of(time()),
        option::of(time()),
        option::of(path()),
    );
    let b = (
        option::of(path()),
        btree_map(name(), network_status(), 0..2),
        any::<u32>(),
        vec(exec_session(), 0..2),
        option::of(path()),
        option::of(path()),
        any::<bool>(),
        option::of(text()),
    );
    (a, b).prop_map(|(a, b)| ContainerState {
        status: a.0,
        pid: a.1,
        conmon_pid: a.2,
        exit_code: a.3,
        oom_killed: a.4,
        started_at: a.5,
        finished_at: a.6,
        mountpoint: a.7,
        netns_path: b.0,
        network_status: b.1,
        restart_count: b.2,
        exec_sessions: b.3.into_iter().map(|e| (e.id.clone(), e)).collect(),
        bundle_path: b.4,
        runtime_path: b.5,
        stopped_by_user: b.6,
        error: b.7,
        health: None,
        health_monitor: a
            .2
            .map(|pid| crate::health::MonitorRecord { pid, start_time: 1 }),
        ..ContainerState::default()
    })
}

/// An arbitrary pod config.
pub fn pod_config() -> impl Strategy<Value = PodConfig> {
    (
        id(),
        name(),
        labels(),
        any::<bool>(),
        proptest::sample::subsequence(
            vec![
                SharedNamespace::Net,
                SharedNamespace::Ipc,
                SharedNamespace::Uts,
                SharedNamespace::Pid,
                SharedNamespace::Cgroup,
            ],
            0..=5,
        ),
        vec(port_mapping(), 0..3),
        vec(name(), 0..2),
        option::of(text()),
        option::of(text()),
        (time(), any::<bool>()),
    )
        .prop_map(
            |(
                id,
                name,
                labels,
                has_infra,
                shared_namespaces,
                port_mappings,
                networks,
                cgroup_parent,
                hostname,
                (created, stop),
            )| {
                PodConfig {
                    id,
                    name,
                    labels,
                    has_infra,
                    shared_namespaces,
                    port_mappings,
                    networks,
                    cgroup_parent,
                    hostname,
                    created,
                    exit_policy: if stop {
                        crate::pod::PodExitPolicy::Stop
                    } else {
                        crate::pod::PodExitPolicy::Continue
                    },
                    host_network: stop,
                    mounts: Vec::new(),
                }
            },
        )
}

/// An arbitrary pod state.
pub fn pod_state() -> impl Strategy<Value = PodState> {
    (option::of(text()), option::of(id())).prop_map(|(cgroup_path, infra_container_id)| PodState {
        cgroup_path,
        infra_container_id,
    })
}
