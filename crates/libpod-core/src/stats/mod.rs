//! `stats`: what a running container uses — CPU time and share, memory against its
//! limit, tasks against the pids limit, network bytes per interface of its network
//! namespace, block I/O — as one typed [`ContainerStats`] per container.
//!
//! The figures come from the container's cgroups, found through `/proc/PID/cgroup`
//! of its init process and read per controller from a v1 hierarchy or from cgroup2
//! ([`cgroup`]), and from `/proc/PID/net/dev` (the container's network namespace).
//! CPU % is Podman's: CPU time used between two samples over the wall time between
//! them (100% = one CPU busy); the first sample of a container counts from its start.

pub mod cgroup;
pub mod error;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libpod_config::ContainerStatus;

use crate::container::Container;
use crate::pod::Pod;
use crate::{Error, Result};

pub use cgroup::{CgroupError, CgroupVersion, ProcessCgroups};
pub use error::StatsError;

/// Bytes through one network interface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct InterfaceIo {
    /// Bytes received.
    #[serde(rename = "RxBytes")]
    pub rx_bytes: u64,
    /// Bytes sent.
    #[serde(rename = "TxBytes")]
    pub tx_bytes: u64,
    /// Packets received.
    #[serde(rename = "RxPackets")]
    pub rx_packets: u64,
    /// Packets sent.
    #[serde(rename = "TxPackets")]
    pub tx_packets: u64,
}

/// Which cgroup version each figure came from (hybrid hosts mix them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StatsSources {
    /// CPU time.
    pub cpu: CgroupVersion,
    /// Memory.
    pub memory: Option<CgroupVersion>,
    /// Pids.
    pub pids: Option<CgroupVersion>,
    /// Block I/O.
    pub block_io: Option<CgroupVersion>,
}

/// One sample of a container's resource usage. Field names in JSON are Podman's
/// (`define.ContainerStats`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerStats {
    /// Full container id.
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    /// Container name.
    pub name: String,
    /// The pod's id, if the container is in one.
    #[serde(rename = "PodID")]
    pub pod_id: Option<String>,
    /// When this sample was taken, nanoseconds since the epoch.
    pub system_nano: u64,
    /// CPU time used since the container started, nanoseconds.
    #[serde(rename = "CPUNano")]
    pub cpu_nano: u64,
    /// Of that, in the kernel, nanoseconds.
    #[serde(rename = "CPUSystemNano")]
    pub cpu_system_nano: u64,
    /// Per-CPU time, nanoseconds (cgroup v1 only; empty otherwise).
    #[serde(rename = "PerCPU")]
    pub per_cpu: Vec<u64>,
    /// CPU % since the previous sample (or since the start for a first sample).
    #[serde(rename = "CPU")]
    pub cpu_percent: f64,
    /// CPU % averaged over the container's whole run.
    #[serde(rename = "AvgCPU")]
    pub avg_cpu_percent: f64,
    /// Memory in use, bytes (page cache included, as Podman reports it).
    pub mem_usage: u64,
    /// The memory limit, bytes: the cgroup's, capped at the host's RAM.
    pub mem_limit: u64,
    /// `mem_usage` over `mem_limit`, percent.
    pub mem_perc: f64,
    /// Tasks (processes and threads) in the container.
    #[serde(rename = "PIDs")]
    pub pids: u64,
    /// The pids limit, `None` when unlimited.
    pub pids_limit: Option<u64>,
    /// Bytes received over every interface but `lo`.
    pub net_input: u64,
    /// Bytes sent over every interface but `lo`.
    pub net_output: u64,
    /// Per interface of the container's network namespace (`lo` included); `None`
    /// when the container shares the host's network namespace.
    pub network: Option<BTreeMap<String, InterfaceIo>>,
    /// Bytes read from block devices.
    pub block_input: u64,
    /// Bytes written to block devices.
    pub block_output: u64,
    /// CPU time as a duration (Podman's `UpTime`: the same as `cpu_nano`).
    pub up_time: Duration,
    /// Which cgroup version each figure came from.
    pub sources: StatsSources,
}

impl From<StatsError> for Error {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::NotRunning { id, status } => Error::InvalidState {
                id,
                status,
                op: "read stats (stats need a running container)".into(),
            },
            other => Error::Stats(Box::new(other)),
        }
    }
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Podman's CPU %: CPU time between two readings over the wall time between them.
pub fn cpu_percent(cpu_now: u64, cpu_before: u64, wall_now: u64, wall_before: u64) -> f64 {
    let cpu = cpu_now.saturating_sub(cpu_before) as f64;
    let wall = wall_now.saturating_sub(wall_before) as f64;
    if wall > 0.0 && cpu > 0.0 {
        cpu / wall * 100.0
    } else {
        0.0
    }
}

/// The host's RAM in bytes (sysinfo), the limit of an unlimited container.
fn host_memory() -> Option<u64> {
    // SAFETY: sysinfo fills the struct we pass; a zeroed sysinfo is a valid value.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: `si` is a valid, writable sysinfo struct.
    if unsafe { libc::sysinfo(&mut si) } != 0 {
        return None;
    }
    Some((si.totalram as u64).saturating_mul(u64::from(si.mem_unit.max(1))))
}

/// Parses `/proc/net/dev`: interface → counters.
pub fn parse_net_dev(text: &str) -> BTreeMap<String, InterfaceIo> {
    let mut out = BTreeMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        if f.len() < 10 {
            continue;
        }
        out.insert(
            name.trim().to_string(),
            InterfaceIo {
                rx_bytes: f[0],
                rx_packets: f[1],
                tx_bytes: f[8],
                tx_packets: f[9],
            },
        );
    }
    out
}

/// The network counters of `pid`'s namespace; `None` when it is ours (a container on
/// the host's network: its counters would be the host's).
fn network_of(id: &str, pid: i32) -> Result<Option<BTreeMap<String, InterfaceIo>>, StatsError> {
    let ns = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
    let host = std::fs::read_link("/proc/self/ns/net").ok();
    if ns.is_some() && ns == host {
        return Ok(None);
    }
    let path = format!("/proc/{pid}/net/dev");
    let text = std::fs::read_to_string(&path).map_err(|source| StatsError::Net {
        id: id.to_string(),
        path,
        source,
    })?;
    Ok(Some(parse_net_dev(&text)))
}

/// Reads one sample of the processes under `pid`'s cgroups. `previous` is the
/// container's last sample (its CPU % counts from there), `started_ns` its start.
fn sample(
    id: &str,
    name: &str,
    pod_id: Option<String>,
    pid: i32,
    started_ns: u64,
    previous: Option<&ContainerStats>,
) -> Result<ContainerStats, StatsError> {
    let cg_err = |source| StatsError::Cgroup {
        id: id.to_string(),
        source,
    };
    let cgroups = ProcessCgroups::of_pid(pid).map_err(cg_err)?;
    let cpu = cgroups.cpu().map_err(cg_err)?;
    let now = now_nanos();
    let mem = cgroups.memory().map_err(cg_err)?;
    let pids = cgroups.pids().map_err(cg_err)?;
    let bio = match cgroups.block_io() {
        Ok(b) => b,
        // A host without blkio/io accounting: no figure rather than no stats.
        Err(CgroupError::NoController { .. }) => cgroup::BlockIo::default(),
        Err(e) => return Err(cg_err(e)),
    };
    let network = network_of(id, pid)?;
    let (net_input, net_output) = network
        .iter()
        .flatten()
        .filter(|(n, _)| n.as_str() != "lo")
        .fold((0, 0), |(r, t), (_, io)| (r + io.rx_bytes, t + io.tx_bytes));
    // A previous sample from an earlier run (more CPU than now) does not count.
    let (cpu_before, wall_before) = match previous {
        Some(p) if p.cpu_nano <= cpu.total_ns && p.container_id == id => {
            (p.cpu_nano, p.system_nano)
        }
        _ => (0, started_ns),
    };
    let host = host_memory();
    let mem_limit = match (mem.limit, host) {
        (Some(l), Some(h)) => l.min(h),
        (Some(l), None) => l,
        (None, Some(h)) => h,
        (None, None) => u64::MAX,
    };
    Ok(ContainerStats {
        container_id: id.to_string(),
        name: name.to_string(),
        pod_id,
        system_nano: now,
        cpu_nano: cpu.total_ns,
        cpu_system_nano: cpu.system_ns,
        per_cpu: cpu.per_cpu_ns,
        cpu_percent: cpu_percent(cpu.total_ns, cpu_before, now, wall_before),
        avg_cpu_percent: cpu_percent(cpu.total_ns, 0, now, started_ns),
        mem_usage: mem.usage,
        mem_limit,
        mem_perc: if mem_limit > 0 {
            mem.usage as f64 / mem_limit as f64 * 100.0
        } else {
            0.0
        },
        pids: pids.current,
        pids_limit: pids.limit,
        net_input,
        net_output,
        network,
        block_input: bio.read,
        block_output: bio.write,
        up_time: Duration::from_nanos(cpu.total_ns),
        sources: StatsSources {
            cpu: cgroups
                .cpu
                .as_ref()
                .map(|d| d.version)
                .unwrap_or(CgroupVersion::V2),
            memory: cgroups.memory.as_ref().map(|d| d.version),
            pids: cgroups.pids.as_ref().map(|d| d.version),
            block_io: cgroups.blkio.as_ref().map(|d| d.version),
        },
    })
}

fn process_gone(pid: i32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

impl Container {
    /// One stats sample of the running (or paused) container. `previous` is this
    /// container's last sample, if any: CPU % covers the time since it (else since
    /// the container started). A container that does not run is an error
    /// ([`Error::InvalidState`]).
    #[tracing::instrument(level = "debug", skip(self, previous), fields(id = %self.id()))]
    pub fn stats(&self, previous: Option<&ContainerStats>) -> Result<ContainerStats> {
        // Config and state from one locked read (the state synced with the exit file).
        let (cfg, st) = {
            let p = self.enter()?;
            let l = crate::ops::lock::Locked::acquire(&p, &self.id)?;
            (l.cfg.clone(), l.st.clone())
        };
        let not_running = || StatsError::NotRunning {
            id: self.id.clone(),
            status: st.status.as_str().to_string(),
        };
        let pid = match (st.status, st.pid) {
            (ContainerStatus::Running | ContainerStatus::Paused, Some(pid)) if pid > 0 => pid,
            _ => return Err(not_running().into()),
        };
        let started_ns = st
            .started_at
            .and_then(|t| t.timestamp_nanos_opt())
            .map(|n| n.max(0) as u64)
            .unwrap_or(0);
        match sample(
            &self.id,
            &cfg.name,
            cfg.pod.clone(),
            pid,
            started_ns,
            previous,
        ) {
            Ok(s) => Ok(s),
            // It exited while we read: say so, not which file vanished.
            Err(_) if process_gone(pid) => Err(not_running().into()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Pod {
    /// A stats sample of every running member (infra included), in the pod's
    /// container order. `previous` holds the members' last samples by container id.
    pub fn stats(
        &self,
        previous: &BTreeMap<String, ContainerStats>,
    ) -> Result<Vec<ContainerStats>> {
        let mut out = Vec::new();
        for c in self.containers()? {
            match c.stats(previous.get(c.id())) {
                Ok(s) => out.push(s),
                // Stopped, or removed meanwhile: not a running member.
                Err(Error::InvalidState { .. } | Error::NoSuchContainer(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_percent_is_cpu_over_wall_time() {
        // 0.5 s of CPU in 1 s: 50%; two CPUs busy: 200%.
        assert_eq!(
            cpu_percent(1_500_000_000, 1_000_000_000, 3_000_000_000, 2_000_000_000),
            50.0
        );
        assert_eq!(cpu_percent(2_000_000_000, 0, 1_000_000_000, 0), 200.0);
        // No time passed, or the counter went backwards: 0, not NaN or a panic.
        assert_eq!(cpu_percent(5, 5, 10, 10), 0.0);
        assert_eq!(cpu_percent(1, 5, 10, 1), 0.0);
    }

    #[test]
    fn net_dev_parses_every_interface() {
        let text = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0: 5000000    3000    0    0    0     0          0         0   123456      99    0    0    0     0       0          0
";
        let m = parse_net_dev(text);
        assert_eq!(m.len(), 2);
        assert_eq!(
            m["eth0"],
            InterfaceIo {
                rx_bytes: 5_000_000,
                tx_bytes: 123_456,
                rx_packets: 3000,
                tx_packets: 99
            }
        );
        assert_eq!(m["lo"].rx_bytes, 100);
    }

    #[test]
    fn own_process_reads_from_its_cgroups() {
        // This process is in some cgroup on any Linux host: its CPU time is readable.
        let cg = ProcessCgroups::of_pid(std::process::id() as i32).unwrap();
        let cpu = cg.cpu().unwrap();
        assert!(cpu.total_ns > 0, "{cg:?}");
        assert!(host_memory().unwrap() > 0);
    }
}
