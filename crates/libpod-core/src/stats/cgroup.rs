//! Reading a process's resource usage from its cgroups, v1 and v2 alike.
//!
//! A host may be hybrid: some controllers mounted as v1 hierarchies, the rest (and
//! the always-present CPU accounting of `cpu.stat`) in the cgroup2 hierarchy. So each
//! figure is looked up per controller: the v1 hierarchy that carries the controller
//! if the process is in one (its line in `/proc/PID/cgroup`), else the process's
//! cgroup2 directory (the `0::` line) if that controller is enabled there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which cgroup version a figure was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CgroupVersion {
    /// A legacy hierarchy of one or more controllers.
    V1,
    /// The unified hierarchy.
    V2,
}

/// Reading a cgroup failed.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A cgroup or proc file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A cgroup file did not have the expected shape.
    #[error("parsing {path}: unexpected content {content:?}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was there (first line).
        content: String,
    },
    /// The process is in no hierarchy that accounts this resource.
    #[error("process {pid} is in no cgroup with the {controller} controller (v1 or v2)")]
    NoController {
        /// The process.
        pid: i32,
        /// The controller (cpu, memory, pids, blkio/io).
        controller: &'static str,
    },
}

/// One cgroup directory that accounts a resource, and its version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ControllerDir {
    /// v1 or v2.
    pub version: CgroupVersion,
    /// The directory under the cgroup mount.
    pub path: PathBuf,
}

/// Where a process's resources are accounted, controller by controller.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProcessCgroups {
    /// The process.
    pub pid: i32,
    /// CPU time (v1 `cpuacct`, else v2 `cpu.stat`).
    pub cpu: Option<ControllerDir>,
    /// Memory.
    pub memory: Option<ControllerDir>,
    /// Number of tasks.
    pub pids: Option<ControllerDir>,
    /// Block I/O (v1 `blkio`, v2 `io`).
    pub blkio: Option<ControllerDir>,
    /// The process's cgroup2 directory, if a cgroup2 hierarchy is mounted.
    pub unified: Option<PathBuf>,
}

/// CPU time used.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CpuUsage {
    /// Total, nanoseconds.
    pub total_ns: u64,
    /// In the kernel, nanoseconds.
    pub system_ns: u64,
    /// Per CPU, nanoseconds (v1 `cpuacct.usage_percpu` only; empty on v2).
    pub per_cpu_ns: Vec<u64>,
}

/// Memory in use and its limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MemoryUsage {
    /// Bytes charged to the cgroup (page cache included, as Podman reports it).
    pub usage: u64,
    /// The cgroup's limit in bytes; `None` when unlimited.
    pub limit: Option<u64>,
    /// Inactive page cache in bytes (`inactive_file`), which the kernel reclaims first.
    pub inactive_file: u64,
}

/// Tasks in the cgroup and their limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PidsUsage {
    /// Tasks now.
    pub current: u64,
    /// `pids.max`; `None` when unlimited.
    pub limit: Option<u64>,
}

/// Bytes read from and written to block devices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BlockIo {
    /// Bytes read.
    pub read: u64,
    /// Bytes written.
    pub write: u64,
}

/// A cgroup mount from mountinfo: v1 with its controllers, or v2.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CgroupMount {
    version: CgroupVersion,
    /// The cgroup path at the mount's root (mountinfo field 4).
    root: String,
    mount_point: PathBuf,
    /// v1: the controllers (and `name=` of named hierarchies) in the super options.
    controllers: Vec<String>,
}

fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let pre: Vec<&str> = pre.split(' ').collect();
        let post: Vec<&str> = post.split(' ').collect();
        if pre.len() < 5 || post.len() < 3 {
            continue;
        }
        let version = match post[0] {
            "cgroup" => CgroupVersion::V1,
            "cgroup2" => CgroupVersion::V2,
            _ => continue,
        };
        let controllers = match version {
            CgroupVersion::V1 => post[2]
                .split(',')
                .filter(|o| !matches!(*o, "rw" | "ro") && !o.contains("clone_children"))
                .map(str::to_string)
                .collect(),
            CgroupVersion::V2 => Vec::new(),
        };
        out.push(CgroupMount {
            version,
            root: libpod_storage::driver::unescape_mountinfo(pre[3]),
            mount_point: PathBuf::from(libpod_storage::driver::unescape_mountinfo(pre[4])),
            controllers,
        });
    }
    out
}

/// `dir` joined with the cgroup path `cg` relative to the mount's root `root`.
fn under_mount(m: &CgroupMount, cg: &str) -> PathBuf {
    let rel = if m.root == "/" {
        cg
    } else {
        cg.strip_prefix(m.root.as_str()).unwrap_or(cg)
    };
    m.mount_point.join(rel.trim_start_matches('/'))
}

impl ProcessCgroups {
    /// The cgroups of process `pid`, from `/proc/PID/cgroup` and our own mountinfo.
    pub fn of_pid(pid: i32) -> Result<ProcessCgroups, CgroupError> {
        let cg_path = PathBuf::from(format!("/proc/{pid}/cgroup"));
        let cgroup = std::fs::read_to_string(&cg_path).map_err(|source| CgroupError::Read {
            path: cg_path,
            source,
        })?;
        let mi_path = PathBuf::from("/proc/self/mountinfo");
        let mountinfo = std::fs::read_to_string(&mi_path).map_err(|source| CgroupError::Read {
            path: mi_path,
            source,
        })?;
        Ok(Self::resolve(pid, &cgroup, &mountinfo, |dir| {
            std::fs::read_to_string(dir.join("cgroup.controllers")).unwrap_or_default()
        }))
    }

    /// Resolves the controllers from the text of `/proc/PID/cgroup` and of a mountinfo;
    /// `v2_controllers(dir)` gives the `cgroup.controllers` of a cgroup2 directory.
    pub(crate) fn resolve(
        pid: i32,
        proc_cgroup: &str,
        mountinfo: &str,
        v2_controllers: impl Fn(&Path) -> String,
    ) -> ProcessCgroups {
        let mounts = parse_mountinfo(mountinfo);
        let mut v1: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut unified = None;
        for line in proc_cgroup.lines() {
            let mut f = line.splitn(3, ':');
            let (Some(_), Some(ctrls), Some(path)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if ctrls.is_empty() {
                if let Some(m) = mounts.iter().find(|m| m.version == CgroupVersion::V2) {
                    unified = Some(under_mount(m, path));
                }
                continue;
            }
            for c in ctrls.split(',') {
                let Some(m) = mounts.iter().find(|m| {
                    m.version == CgroupVersion::V1 && m.controllers.iter().any(|x| x == c)
                }) else {
                    continue;
                };
                v1.insert(c.to_string(), under_mount(m, path));
            }
        }
        let v2_enabled: Vec<String> = unified
            .as_deref()
            .map(|d| {
                v2_controllers(d)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let pick = |v1_name: &str, v2_name: &str, v2_always: bool| {
            if let Some(p) = v1.get(v1_name) {
                return Some(ControllerDir {
                    version: CgroupVersion::V1,
                    path: p.clone(),
                });
            }
            let u = unified.as_ref()?;
            (v2_always || v2_enabled.iter().any(|c| c == v2_name)).then(|| ControllerDir {
                version: CgroupVersion::V2,
                path: u.clone(),
            })
        };
        ProcessCgroups {
            pid,
            // cgroup2's cpu.stat (usage_usec, system_usec) exists in every cgroup,
            // with or without the cpu controller.
            cpu: pick("cpuacct", "cpu", true),
            memory: pick("memory", "memory", false),
            pids: pick("pids", "pids", false),
            blkio: pick("blkio", "io", false),
            unified,
        }
    }

    fn need<'a>(
        &self,
        d: &'a Option<ControllerDir>,
        controller: &'static str,
    ) -> Result<&'a ControllerDir, CgroupError> {
        d.as_ref().ok_or(CgroupError::NoController {
            pid: self.pid,
            controller,
        })
    }

    /// CPU time used by the cgroup.
    pub fn cpu(&self) -> Result<CpuUsage, CgroupError> {
        let d = self.need(&self.cpu, "cpu")?;
        read_cpu(d)
    }

    /// CPU time from the cgroup2 `cpu.stat` of the process, whatever hierarchy carries
    /// `cpuacct` (cgroup2 accounts CPU time in every cgroup).
    pub fn cpu_v2(&self) -> Result<CpuUsage, CgroupError> {
        let u = self.unified.as_ref().ok_or(CgroupError::NoController {
            pid: self.pid,
            controller: "cpu (cgroup2)",
        })?;
        read_cpu(&ControllerDir {
            version: CgroupVersion::V2,
            path: u.clone(),
        })
    }

    /// Memory usage and limit of the cgroup.
    pub fn memory(&self) -> Result<MemoryUsage, CgroupError> {
        let d = self.need(&self.memory, "memory")?;
        let (usage_file, limit_file, inactive_key) = match d.version {
            CgroupVersion::V1 => (
                "memory.usage_in_bytes",
                "memory.limit_in_bytes",
                "total_inactive_file",
            ),
            CgroupVersion::V2 => ("memory.current", "memory.max", "inactive_file"),
        };
        let usage = read_u64(&d.path.join(usage_file))?;
        let limit = read_limit(&d.path.join(limit_file))?;
        let stat = read_keyed(&d.path.join("memory.stat")).unwrap_or_default();
        Ok(MemoryUsage {
            usage,
            limit,
            inactive_file: stat.get(inactive_key).copied().unwrap_or(0),
        })
    }

    /// Tasks in the cgroup.
    pub fn pids(&self) -> Result<PidsUsage, CgroupError> {
        let d = self.need(&self.pids, "pids")?;
        Ok(PidsUsage {
            current: read_u64(&d.path.join("pids.current"))?,
            // At the kernel's ceiling the limit never binds: none.
            limit: read_limit(&d.path.join("pids.max"))?
                .filter(|l| *l < libpod_oci::PID_MAX_LIMIT as u64),
        })
    }

    /// Block I/O of the cgroup.
    pub fn block_io(&self) -> Result<BlockIo, CgroupError> {
        let d = self.need(&self.blkio, "blkio/io")?;
        match d.version {
            CgroupVersion::V2 => {
                let p = d.path.join("io.stat");
                Ok(parse_io_stat(&read(&p)?))
            }
            CgroupVersion::V1 => {
                // The CFQ/BFQ files count what the scheduler saw; the throttle files
                // count every bio. Take the first that has per-device lines.
                let mut last = BlockIo::default();
                for f in [
                    "blkio.io_service_bytes_recursive",
                    "blkio.bfq.io_service_bytes_recursive",
                    "blkio.throttle.io_service_bytes_recursive",
                ] {
                    let Ok(text) = std::fs::read_to_string(d.path.join(f)) else {
                        continue;
                    };
                    let (io, has_devices) = parse_blkio_v1(&text);
                    last = io;
                    if has_devices {
                        return Ok(io);
                    }
                }
                Ok(last)
            }
        }
    }
}

fn read_cpu(d: &ControllerDir) -> Result<CpuUsage, CgroupError> {
    match d.version {
        CgroupVersion::V1 => {
            let total_ns = read_u64(&d.path.join("cpuacct.usage"))?;
            // cpuacct.usage_sys is in ns (newer kernels); cpuacct.stat is in USER_HZ.
            let system_ns = match read_u64(&d.path.join("cpuacct.usage_sys")) {
                Ok(v) => v,
                Err(_) => {
                    let stat = read_keyed(&d.path.join("cpuacct.stat")).unwrap_or_default();
                    stat.get("system").copied().unwrap_or(0) * 1_000_000_000 / clock_ticks()
                }
            };
            let per_cpu_ns = std::fs::read_to_string(d.path.join("cpuacct.usage_percpu"))
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect();
            Ok(CpuUsage {
                total_ns,
                system_ns,
                per_cpu_ns,
            })
        }
        CgroupVersion::V2 => {
            let p = d.path.join("cpu.stat");
            let stat = read_keyed(&p)?;
            let usec = |k: &str| stat.get(k).copied().unwrap_or(0).saturating_mul(1000);
            if !stat.contains_key("usage_usec") {
                return Err(CgroupError::Parse {
                    path: p,
                    content: "no usage_usec".into(),
                });
            }
            Ok(CpuUsage {
                total_ns: usec("usage_usec"),
                system_ns: usec("system_usec"),
                per_cpu_ns: Vec::new(),
            })
        }
    }
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

fn read(p: &Path) -> Result<String, CgroupError> {
    std::fs::read_to_string(p).map_err(|source| CgroupError::Read {
        path: p.to_path_buf(),
        source,
    })
}

fn parse_err(p: &Path, text: &str) -> CgroupError {
    CgroupError::Parse {
        path: p.to_path_buf(),
        content: text.lines().next().unwrap_or("").to_string(),
    }
}

fn read_u64(p: &Path) -> Result<u64, CgroupError> {
    let t = read(p)?;
    t.trim().parse().map_err(|_| parse_err(p, &t))
}

/// A limit file: `max` (v2) or a v1 value at or above 2^62 (the kernel's "unlimited",
/// rounded to pages) is `None`.
fn read_limit(p: &Path) -> Result<Option<u64>, CgroupError> {
    let t = read(p)?;
    let v = t.trim();
    if v == "max" {
        return Ok(None);
    }
    let n: u64 = v.parse().map_err(|_| parse_err(p, &t))?;
    Ok((n < (1 << 62)).then_some(n))
}

/// `key value` lines (memory.stat, cpu.stat, cpuacct.stat).
fn read_keyed(p: &Path) -> Result<BTreeMap<String, u64>, CgroupError> {
    Ok(parse_keyed(&read(p)?))
}

fn parse_keyed(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// v1 `MAJ:MIN Op bytes` lines (and a final `Total N`): sums of Read and Write, and
/// whether any device line was there.
fn parse_blkio_v1(text: &str) -> (BlockIo, bool) {
    let mut io = BlockIo::default();
    let mut devices = false;
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 3 {
            continue;
        }
        devices = true;
        let v: u64 = f[2].parse().unwrap_or(0);
        match f[1].to_ascii_lowercase().as_str() {
            "read" => io.read += v,
            "write" => io.write += v,
            _ => {}
        }
    }
    (io, devices)
}

/// v2 `io.stat`: `MAJ:MIN rbytes=N wbytes=N rios=N ...` per device.
fn parse_io_stat(text: &str) -> BlockIo {
    let mut io = BlockIo::default();
    for l in text.lines() {
        for kv in l.split_whitespace().skip(1) {
            match kv.split_once('=') {
                Some(("rbytes", v)) => io.read += v.parse::<u64>().unwrap_or(0),
                Some(("wbytes", v)) => io.write += v.parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    io
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_MOUNTINFO: &str = "\
30 23 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
32 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
";

    #[test]
    fn hybrid_host_takes_each_controller_from_its_own_hierarchy() {
        let proc_cgroup = "\
5:name=systemd:/lpod/abc
4:memory:/lpod/abc
2:cpuacct:/lpod/abc
1:cpu:/lpod/abc
0::/lpod/abc
";
        let unified = std::path::PathBuf::from("/sys/fs/cgroup/unified/lpod/abc");
        let cg = ProcessCgroups::resolve(7, proc_cgroup, HYBRID_MOUNTINFO, |d| {
            assert_eq!(d, unified);
            "pids io".into()
        });
        let cpu = cg.cpu.clone().unwrap();
        assert_eq!(cpu.version, CgroupVersion::V1);
        assert_eq!(cpu.path, Path::new("/sys/fs/cgroup/cpuacct/lpod/abc"));
        assert_eq!(cg.memory.clone().unwrap().version, CgroupVersion::V1);
        // pids and io are enabled only in cgroup2 here.
        assert_eq!(cg.pids.clone().unwrap().version, CgroupVersion::V2);
        assert_eq!(cg.pids.clone().unwrap().path, unified);
        assert_eq!(cg.blkio.clone().unwrap().version, CgroupVersion::V2);
        assert_eq!(cg.unified.as_deref(), Some(unified.as_path()));
    }

    #[test]
    fn pure_v2_host_and_missing_controllers() {
        let mi = "31 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let cg = ProcessCgroups::resolve(9, "0::/x/y\n", mi, |_| "cpu memory".into());
        assert_eq!(cg.cpu.clone().unwrap().version, CgroupVersion::V2);
        assert_eq!(
            cg.memory.clone().unwrap().path,
            Path::new("/sys/fs/cgroup/x/y")
        );
        assert!(cg.pids.is_none());
        assert!(matches!(
            cg.pids(),
            Err(CgroupError::NoController {
                pid: 9,
                controller: "pids"
            })
        ));
    }

    #[test]
    fn reads_v2_files() {
        let d = tempfile::tempdir().unwrap();
        let w = |f: &str, s: &str| std::fs::write(d.path().join(f), s).unwrap();
        w(
            "cpu.stat",
            "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n",
        );
        w("memory.current", "1048576\n");
        w("memory.max", "max\n");
        w("memory.stat", "anon 10\ninactive_file 4096\n");
        w("pids.current", "3\n");
        w("pids.max", "42\n");
        w(
            "io.stat",
            "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n",
        );
        let dir = ControllerDir {
            version: CgroupVersion::V2,
            path: d.path().to_path_buf(),
        };
        let cg = ProcessCgroups {
            pid: 1,
            cpu: Some(dir.clone()),
            memory: Some(dir.clone()),
            pids: Some(dir.clone()),
            blkio: Some(dir),
            unified: None,
        };
        let cpu = cg.cpu().unwrap();
        assert_eq!((cpu.total_ns, cpu.system_ns), (2_500_000, 500_000));
        let m = cg.memory().unwrap();
        assert_eq!((m.usage, m.limit, m.inactive_file), (1 << 20, None, 4096));
        assert_eq!(
            cg.pids().unwrap(),
            PidsUsage {
                current: 3,
                limit: Some(42)
            }
        );
        assert_eq!(
            cg.block_io().unwrap(),
            BlockIo {
                read: 101,
                write: 202
            }
        );
    }

    #[test]
    fn reads_v1_files() {
        let d = tempfile::tempdir().unwrap();
        let w = |f: &str, s: &str| std::fs::write(d.path().join(f), s).unwrap();
        w("cpuacct.usage", "123456789\n");
        w("cpuacct.usage_sys", "1000\n");
        w("cpuacct.usage_percpu", "100000000 23456789 \n");
        w("memory.usage_in_bytes", "8192\n");
        w("memory.limit_in_bytes", "9223372036854771712\n");
        w("memory.stat", "cache 0\ntotal_inactive_file 512\n");
        w("pids.current", "1\n");
        w("pids.max", "max\n");
        w(
            "blkio.throttle.io_service_bytes_recursive",
            "8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\nTotal 30\n",
        );
        w("blkio.bfq.io_service_bytes_recursive", "Total 0\n");
        let dir = ControllerDir {
            version: CgroupVersion::V1,
            path: d.path().to_path_buf(),
        };
        let cg = ProcessCgroups {
            pid: 1,
            cpu: Some(dir.clone()),
            memory: Some(dir.clone()),
            pids: Some(dir.clone()),
            blkio: Some(dir),
            unified: None,
        };
        let cpu = cg.cpu().unwrap();
        assert_eq!(cpu.total_ns, 123_456_789);
        assert_eq!(cpu.system_ns, 1000);
        assert_eq!(cpu.per_cpu_ns, vec![100_000_000, 23_456_789]);
        let m = cg.memory().unwrap();
        assert_eq!((m.usage, m.limit, m.inactive_file), (8192, None, 512));
        assert_eq!(cg.pids().unwrap().limit, None);
        assert_eq!(
            cg.block_io().unwrap(),
            BlockIo {
                read: 10,
                write: 20
            }
        );
        std::fs::write(d.path().join("pids.current"), "lots\n").unwrap();
        assert!(matches!(cg.pids(), Err(CgroupError::Parse { .. })));
    }

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(
            libpod_storage::driver::unescape_mountinfo(r"/a\040b"),
            "/a b"
        );
        assert_eq!(
            libpod_storage::driver::unescape_mountinfo(r"/plain"),
            "/plain"
        );
        assert_eq!(
            libpod_storage::driver::unescape_mountinfo(r"/end\"),
            "/end\\"
        );
    }
}
