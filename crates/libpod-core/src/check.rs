//! `system check`: a leak and consistency audit of one runtime, and its repair.
//!
//! The audit compares what the state database says with what exists on the
//! host, within this runtime's own paths (graph root, run root, tmp dir, lock
//! dir, netns dir, CNI cache dir) and its own networks (the configs in its CNI
//! config dir): storage containers, mounts, netns files, host veths, host-local
//! leases, CNI cache entries, iptables rules, lock files, conmon processes,
//! runtime state dirs and per-container files. Each [`Finding`] names the
//! object, path or pid it is about.
//!
//! The audit is exact on a quiescent runtime. Run while other processes are in
//! the middle of a verb it may report their transient objects (e.g. the storage
//! of a container between its storage creation and its database row); `repair`
//! re-checks each object under its lock before touching it, but is meant for a
//! quiescent runtime, as Podman's `system check --repair`.
//!
//! Two guards keep a repair from undoing work in flight on a busy runtime:
//!
//! - an object whose id has a journal entry of a live process is left alone: that
//!   process is in the middle of a verb on it (a create between its storage and its
//!   row, a start between its netns and its state). The journal is read before the
//!   row, so a create that commits in between is seen as done, never as an orphan;
//! - the leftovers a create makes before its row exists (storage container, container
//!   directory) are removed only once older than [`RepairOptions::max_age`]
//!   (Podman's `--max`, default [`DEFAULT_MAX_AGE`]): protection for writers that
//!   journal nothing (another lpod version, a tool using libpod-storage alone).
//!   Crash leftovers do not wait for it: the journal names them and recovery removes
//!   them at the next open.
//!
//! ```no_run
//! # let rt = libpod_core::Runtime::builder().build()?;
//! let report = rt.check()?;
//! for f in &report.findings {
//!     println!("{f}");
//! }
//! if !report.is_clean() {
//!     let after = rt.check_repair()?;
//!     assert!(after.is_clean(), "{after}");
//! }
//! # Ok::<(), libpod_core::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use libpod_config::{ContainerConfig, ContainerState, ContainerStatus, NetworkMode};
use libpod_net::check::{Known, NetProblem};
use libpod_net::Netns;
use libpod_oci::check::{self as oci_check, ConmonProcess, OciProblem};
use serde::{Deserialize, Serialize};

use crate::context::Parts;
use crate::ops::lock::Locked;
use crate::{Error, Result, Runtime};

/// What kind of inconsistency a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A storage container with no database row.
    OrphanStorage,
    /// A database container whose storage container is missing.
    MissingStorage,
    /// A mount under the runtime's roots that no mounted database container owns.
    OrphanMount,
    /// A database container recorded as mounted whose root is not mounted.
    MissingMount,
    /// A storage mount count above zero for a container the database says is not mounted.
    StaleMountCount,
    /// A netns file in the runtime's netns dir that no database container owns.
    OrphanNetns,
    /// A database container whose recorded netns is missing.
    MissingNetns,
    /// A host veth on one of the runtime's bridges whose container is gone.
    OrphanVeth,
    /// A host-local lease of one of the runtime's networks for an unknown container.
    OrphanLease,
    /// A CNI result cache entry for an unknown container.
    OrphanCniCache,
    /// An iptables rule of the runtime's networks (CNI comment) for an unknown container.
    OrphanIptablesRule,
    /// A lock file owned by no database container or pod.
    OrphanLock,
    /// A conmon process of this runtime for a container that is unknown or not running.
    OrphanConmon,
    /// A database container that should be running, with no live conmon or process.
    DeadContainer,
    /// An OCI runtime state dir (crun/runc `--root`) for an unknown container.
    OrphanRuntimeState,
    /// Per-container files (bundle, persist dir, exit file, logs dir) of an unknown container.
    OrphanFiles,
    /// An operation journal entry whose owner process is dead.
    PendingJournal,
    /// An inconsistency inside the image/layer store.
    StorageInconsistency,
    /// A healthcheck monitor process of this run root that its container's state does
    /// not record (container unknown, not running, or watched by another monitor).
    OrphanHealthMonitor,
    /// A running container with a scheduled healthcheck whose recorded monitor is dead.
    DeadHealthMonitor,
    /// A slirp4netns process serving a netns of this run root that no running
    /// container's state records.
    OrphanSlirp4netns,
    /// A directory under the volume path that no volume record names.
    OrphanVolumeDir,
    /// A volume record whose data directory is missing.
    MissingVolumeDir,
    /// A volume's own filesystem mounted while no initialised container uses it.
    OrphanVolumeMount,
}

impl FindingKind {
    /// The kebab-case name (as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::OrphanStorage => "orphan-storage",
            FindingKind::MissingStorage => "missing-storage",
            FindingKind::OrphanMount => "orphan-mount",
            FindingKind::MissingMount => "missing-mount",
            FindingKind::StaleMountCount => "stale-mount-count",
            FindingKind::OrphanNetns => "orphan-netns",
            FindingKind::MissingNetns => "missing-netns",
            FindingKind::OrphanVeth => "orphan-veth",
            FindingKind::OrphanLease => "orphan-lease",
            FindingKind::OrphanCniCache => "orphan-cni-cache",
            FindingKind::OrphanIptablesRule => "orphan-iptables-rule",
            FindingKind::OrphanLock => "orphan-lock",
            FindingKind::OrphanConmon => "orphan-conmon",
            FindingKind::DeadContainer => "dead-container",
            FindingKind::OrphanRuntimeState => "orphan-runtime-state",
            FindingKind::OrphanFiles => "orphan-files",
            FindingKind::PendingJournal => "pending-journal",
            FindingKind::StorageInconsistency => "storage-inconsistency",
            FindingKind::OrphanHealthMonitor => "orphan-health-monitor",
            FindingKind::DeadHealthMonitor => "dead-health-monitor",
            FindingKind::OrphanSlirp4netns => "orphan-slirp4netns",
            FindingKind::OrphanVolumeDir => "orphan-volume-dir",
            FindingKind::MissingVolumeDir => "missing-volume-dir",
            FindingKind::OrphanVolumeMount => "orphan-volume-mount",
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One inconsistency: its kind and the object, path or pid it is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    /// The kind.
    pub kind: FindingKind,
    /// The container or pod id it is about, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The path it is about (mount point, netns file, lease, lock file, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// The process it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    /// That process's start time (`/proc/<pid>/stat` field 22), when a repair
    /// must check it again before it kills the pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<u64>,
    /// Human-readable detail (network, interface, rule text, status, ...).
    #[serde(default)]
    pub detail: String,
}

impl Finding {
    fn new(kind: FindingKind) -> Self {
        Finding {
            kind,
            id: None,
            path: None,
            pid: None,
            start_time: None,
            detail: String::new(),
        }
    }
    fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
    fn path(mut self, p: impl Into<PathBuf>) -> Self {
        self.path = Some(p.into());
        self
    }
    fn pid(mut self, pid: i32) -> Self {
        self.pid = Some(pid);
        self
    }
    fn process(mut self, rec: libpod_config::ProcessRecord) -> Self {
        self.pid = Some(rec.pid);
        self.start_time = Some(rec.start_time);
        self
    }
    fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(id) = &self.id {
            write!(f, " id={id}")?;
        }
        if let Some(p) = &self.path {
            write!(f, " path={}", p.display())?;
        }
        if let Some(pid) = self.pid {
            write!(f, " pid={pid}")?;
        }
        if let Some(t) = self.start_time {
            write!(f, " start_time={t}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// The result of an audit (and of a repair).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What is inconsistent now (after the repair, for [`Runtime::check_repair`]).
    pub findings: Vec<Finding>,
    /// What the repair fixed (empty for [`Runtime::check`]).
    #[serde(default)]
    pub repaired: Vec<Finding>,
    /// Repair steps that failed, as text naming the object.
    #[serde(default)]
    pub errors: Vec<String>,
}

impl Report {
    /// True when nothing is inconsistent and no repair step failed.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.errors.is_empty()
    }

    /// How many findings of `kind` remain.
    pub fn count(&self, kind: FindingKind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// Findings per kind.
    pub fn by_kind(&self) -> BTreeMap<FindingKind, usize> {
        let mut m = BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.kind).or_default() += 1;
        }
        m
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.repaired {
            writeln!(f, "repaired {r}")?;
        }
        for x in &self.findings {
            writeln!(f, "{x}")?;
        }
        for e in &self.errors {
            writeln!(f, "error {e}")?;
        }
        Ok(())
    }
}

impl Runtime {
    /// Audits this runtime: database rows against storage, mounts, netns files,
    /// veths, leases, CNI cache, iptables rules, lock files, conmon processes and
    /// per-container files. Read-only.
    #[tracing::instrument(skip(self))]
    pub fn check(&self) -> Result<Report> {
        let p = self.inner.parts()?;
        Ok(Report {
            findings: audit(&p)?,
            ..Report::default()
        })
    }

    /// Audits, repairs every finding it safely can (each object re-checked
    /// under its lock), then audits again: `repaired` lists what was fixed,
    /// `findings` what remains. Idempotent. With the default [`RepairOptions`]
    /// (creation leftovers younger than [`DEFAULT_MAX_AGE`] are left).
    pub fn check_repair(&self) -> Result<Report> {
        self.check_repair_with(&RepairOptions::default())
    }

    /// [`Runtime::check_repair`] with explicit options (`system check --repair --max`).
    #[tracing::instrument(skip(self))]
    pub fn check_repair_with(&self, opts: &RepairOptions) -> Result<Report> {
        let p = self.inner.parts()?;
        let young = std::cell::RefCell::new(BTreeSet::new());
        let repair_one = |rt: &Runtime, p: &Parts, f: &Finding| -> Result<bool> {
            if let Some(age) = too_young(p, f, opts.max_age) {
                tracing::info!(finding = %f, age_s = age.as_secs(), "younger than max age; left");
                young.borrow_mut().insert((f.kind, f.id.clone()));
                return Ok(false);
            }
            repair_one(rt, p, f)
        };
        let before = audit(&p)?;
        let mut errors = Vec::new();
        let mut repaired = Vec::new();
        // Order matters: processes first, then network (needs the netns),
        // then mounts and storage, then files and locks.
        let mut ordered = before.clone();
        ordered.sort_by_key(|f| repair_rank(f.kind));
        for f in &ordered {
            match repair_one(self, &p, f) {
                Ok(true) => repaired.push(f.clone()),
                Ok(false) => {}
                Err(e) => errors.push(format!("{f}: {e}")),
            }
        }
        // A second pass for what the first exposed (e.g. rules left after a DEL).
        let mid = audit(&p)?;
        for f in &mid {
            if matches!(
                f.kind,
                FindingKind::OrphanIptablesRule
                    | FindingKind::OrphanVeth
                    | FindingKind::OrphanLease
                    | FindingKind::OrphanLock
                    | FindingKind::OrphanFiles
            ) {
                match repair_one(self, &p, f) {
                    Ok(true) => repaired.push(f.clone()),
                    Ok(false) => {}
                    Err(e) => errors.push(format!("{f}: {e}")),
                }
            }
        }
        let mut findings = audit(&p)?;
        let young = young.into_inner();
        for f in &mut findings {
            if young.contains(&(f.kind, f.id.clone())) {
                f.detail = format!(
                    "{}{}younger than --max {}s: left",
                    f.detail,
                    if f.detail.is_empty() { "" } else { "; " },
                    opts.max_age.as_secs()
                );
            }
        }
        // Errors about things that are gone now do not matter.
        if findings.is_empty() {
            errors.clear();
        }
        Ok(Report {
            findings,
            repaired,
            errors,
        })
    }
}

/// Podman's default for `system check --max`: 24 hours.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// Options of [`Runtime::check_repair_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairOptions {
    /// A container's storage or directory that no row knows is removed only when
    /// older than this (it may belong to a create in progress that journals nothing).
    /// `Duration::ZERO` repairs them whatever their age.
    pub max_age: Duration,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions {
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

/// A `--max` value (Go duration syntax as Podman: `24h`, `90m`, `1h30m`, `0`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid max age {value:?}: want a duration such as 24h, 30m or 0")]
pub struct MaxAgeError {
    /// The rejected value.
    pub value: String,
}

/// Parses a `--max` value.
pub fn parse_max_age(s: &str) -> std::result::Result<Duration, MaxAgeError> {
    crate::events::parse_go_duration(s.trim())
        .and_then(|d| d.to_std().ok())
        .ok_or_else(|| MaxAgeError {
            value: s.to_string(),
        })
}

/// The age of a creation leftover younger than `max_age` (`None`: old enough, or not
/// a creation leftover). The age is the youngest of the object's birth and change
/// times: anything touching it makes it look younger, never older.
fn too_young(p: &Parts, f: &Finding, max_age: Duration) -> Option<Duration> {
    if max_age.is_zero() {
        return None;
    }
    let path = match (f.kind, &f.path) {
        (FindingKind::OrphanStorage, Some(rootfs)) => {
            // overlay: <layer>/merged (the layer dir holds it); vfs: the layer dir.
            if p.store.driver() == libpod_storage::DriverKind::Overlay {
                rootfs.parent()?.to_path_buf()
            } else {
                rootfs.clone()
            }
        }
        (FindingKind::OrphanFiles, Some(path)) => path.clone(),
        _ => return None,
    };
    let m = std::fs::symlink_metadata(&path).ok()?;
    let newest = [m.created().ok(), m.modified().ok()]
        .into_iter()
        .flatten()
        .max()?;
    // A time in the future (clock stepped back) counts as age zero: young.
    let age = SystemTime::now()
        .duration_since(newest)
        .unwrap_or(Duration::ZERO);
    (age < max_age).then_some(age)
}

/// True when a live process holds a journal entry for `id`: a verb is running on it.
fn in_progress(p: &Parts, id: &str) -> Result<bool> {
    Ok(p.state
        .journal_entries()?
        .iter()
        .any(|e| e.id == id && crate::journal::owner_alive(p, &e.owner)))
}

fn repair_rank(k: FindingKind) -> u8 {
    match k {
        FindingKind::OrphanConmon => 0,
        FindingKind::OrphanRuntimeState => 1,
        FindingKind::DeadContainer => 2,
        FindingKind::MissingStorage => 3,
        FindingKind::OrphanCniCache => 4,
        FindingKind::MissingNetns => 5,
        FindingKind::OrphanNetns => 6,
        FindingKind::OrphanIptablesRule => 7,
        FindingKind::OrphanVeth => 8,
        FindingKind::OrphanLease => 9,
        FindingKind::OrphanMount => 10,
        FindingKind::MissingMount => 11,
        FindingKind::StaleMountCount => 12,
        FindingKind::OrphanStorage => 13,
        FindingKind::OrphanFiles => 14,
        FindingKind::OrphanLock => 15,
        FindingKind::PendingJournal => 16,
        FindingKind::StorageInconsistency => 17,
        FindingKind::OrphanHealthMonitor => 18,
        FindingKind::DeadHealthMonitor => 19,
        FindingKind::OrphanSlirp4netns => 20,
        FindingKind::OrphanVolumeMount => 21,
        FindingKind::OrphanVolumeDir => 22,
        FindingKind::MissingVolumeDir => 23,
    }
}

// ---------------------------------------------------------------------------
// What the database says

struct Db {
    ctrs: BTreeMap<String, (ContainerConfig, ContainerState)>,
    pods: BTreeSet<String>,
}

impl Db {
    fn load(p: &Parts) -> Result<Db> {
        let mut ctrs = BTreeMap::new();
        for (cfg, mut st) in p.state.all_containers()? {
            crate::ops::sync::peek_exit(p, &cfg.id, &mut st);
            ctrs.insert(cfg.id.clone(), (cfg, st));
        }
        let pods = p.state.all_pods()?.into_iter().map(|(c, _)| c.id).collect();
        Ok(Db { ctrs, pods })
    }
    fn has(&self, id: &str) -> bool {
        self.ctrs.contains_key(id) || self.pods.contains(id)
    }
}

// ---------------------------------------------------------------------------
// Host views

/// One mount of `/proc/self/mountinfo`: mount point and fs type.
fn mounts() -> Vec<(PathBuf, String)> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split(' ').collect();
            let mp = fields.get(4)?;
            let dash = fields.iter().position(|f| *f == "-")?;
            let fstype = fields.get(dash + 1).copied().unwrap_or("");
            Some((
                PathBuf::from(libpod_storage::driver::unescape_mountinfo(mp)),
                fstype.to_string(),
            ))
        })
        .collect()
}

fn is_mountpoint(mounts: &[(PathBuf, String)], p: &Path) -> bool {
    mounts.iter().any(|(m, _)| m == p)
}

fn dir_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The audit

/// What every audit step looks at, read once.
struct Seen<'a> {
    p: &'a Parts,
    db: Db,
    storage: Vec<libpod_storage::ContainerLayer>,
    mounts: Vec<(PathBuf, String)>,
    tmp: PathBuf,
    netns_dir: PathBuf,
    /// Every host process with its argv: one walk of `/proc` that the conmon,
    /// health monitor and slirp4netns audits all match against.
    procs: Vec<(i32, Vec<String>)>,
}

fn audit(p: &Parts) -> Result<Vec<Finding>> {
    let s = Seen {
        p,
        db: Db::load(p)?,
        storage: p.store.list_containers()?,
        mounts: mounts(),
        tmp: p.opts.tmp_dir(),
        netns_dir: p.opts.config.netns_dir(),
        procs: oci_check::processes(),
    };
    let mut out = Vec::new();
    audit_containers(&s, &mut out);
    audit_mounts(&s, &mut out);
    audit_netns(&s, &mut out);
    audit_network(&s, &mut out);
    audit_locks(&s, &mut out);
    audit_conmons(&s, &mut out);
    audit_health_monitors(&s, &mut out);
    audit_slirps(&s, &mut out);
    audit_files(&s, &mut out);
    audit_storage(&s, &mut out)?;
    audit_journal(&s, &mut out)?;
    audit_volumes(&s, &mut out)?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Rows against storage and the host: orphan and missing storage, missing
/// mounts, stale mount counts, missing netns, dead containers.
fn audit_containers(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let p = s.p;
    let db = &s.db;
    let storage = &s.storage;
    let mounts = &s.mounts;
    let storage_ids: BTreeSet<&str> = storage.iter().map(|sc| sc.id.as_str()).collect();
    for sc in storage {
        if !db.ctrs.contains_key(&sc.id) {
            out.push(
                Finding::new(FindingKind::OrphanStorage)
                    .id(&sc.id)
                    .path(&sc.rootfs)
                    .detail(format!("layer {}", sc.layer_id)),
            );
        }
    }
    let overlay = p.store.driver() == libpod_storage::DriverKind::Overlay;
    for (id, (cfg, st)) in &db.ctrs {
        if cfg.rootfs.is_none() && !storage_ids.contains(id.as_str()) {
            out.push(
                Finding::new(FindingKind::MissingStorage)
                    .id(id)
                    .detail(format!("name {} status {}", cfg.name, st.status.as_str())),
            );
        }
        // Mount recorded but not there.
        if let Some(m) = &st.mountpoint {
            if overlay && cfg.rootfs.is_none() && !is_mountpoint(mounts, m) {
                out.push(
                    Finding::new(FindingKind::MissingMount)
                        .id(id)
                        .path(m)
                        .detail(format!("status {}", st.status.as_str())),
                );
            }
        } else if storage_ids.contains(id.as_str()) {
            let count = p.store.mount_count(id).unwrap_or(0);
            if count > 0 {
                out.push(
                    Finding::new(FindingKind::StaleMountCount)
                        .id(id)
                        .detail(format!(
                            "storage mount count {count}, not mounted per state"
                        )),
                );
            }
        }
        // Netns recorded but missing.
        if let Some(ns) = &st.netns_path {
            if cfg.namespaces.network == NetworkMode::Bridge
                && !libpod_net::netns::is_netns_path(ns)
            {
                out.push(
                    Finding::new(FindingKind::MissingNetns)
                        .id(id)
                        .path(ns)
                        .detail(format!("status {}", st.status.as_str())),
                );
            }
        }
        // Should be running but nothing lives.
        if st.status.is_monitored() {
            let alive = match (st.conmon_pid, st.pid) {
                (Some(c), _) if oci_check::pid_alive_for(c, Some(id)) => true,
                (_, Some(pid)) => oci_check::pid_alive_for(pid, None),
                _ => false,
            };
            if !alive {
                let mut f = Finding::new(FindingKind::DeadContainer)
                    .id(id)
                    .detail(format!(
                        "status {}, no live conmon or process",
                        st.status.as_str()
                    ));
                if let Some(c) = st.conmon_pid {
                    f = f.pid(c);
                }
                out.push(f);
            }
        }
    }
}

/// Mounts under our roots that no mounted container owns.
fn audit_mounts(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let p = s.p;
    let mounts = &s.mounts;
    let db = &s.db;
    let storage = &s.storage;
    let tmp = &s.tmp;
    let netns_dir = &s.netns_dir;
    let expected: BTreeSet<&Path> = db
        .ctrs
        .values()
        .filter_map(|(_, st)| st.mountpoint.as_deref())
        .collect();
    // Mounts a live container holds besides its root: a pod infra's /dev/shm tmpfs
    // and the overlays of its writable image mounts (under its own directory), and
    // the images `image mount` holds (counted by the store).
    let ctr_dir = p.opts.containers_dir();
    let held_by_container = |m: &Path| -> bool {
        let Ok(rel) = m.strip_prefix(&ctr_dir) else {
            return false;
        };
        let mut parts = rel.components();
        let (Some(id), Some(what)) = (parts.next(), parts.next()) else {
            return false;
        };
        let id = id.as_os_str().to_string_lossy();
        match db.ctrs.get(id.as_ref()) {
            Some((cfg, _)) => match what.as_os_str().to_str() {
                Some("shm") => cfg.is_infra && parts.next().is_none(),
                Some("image-mounts") => true,
                _ => false,
            },
            None => false,
        }
    };
    let image_mounts: BTreeSet<PathBuf> = p
        .store
        .mounted_images()
        .map(|v| v.into_iter().map(|(_, path)| path).collect())
        .unwrap_or_default();
    let rootfs_owner: BTreeMap<&Path, &str> = storage
        .iter()
        .map(|sc| (sc.rootfs.as_path(), sc.id.as_str()))
        .collect();
    let roots: Vec<PathBuf> = [
        p.store.graph_root().to_path_buf(),
        p.store.run_root().to_path_buf(),
        tmp.clone(),
        p.opts.static_dir(),
    ]
    .into_iter()
    .collect();
    for (m, fstype) in mounts {
        let under = roots.iter().any(|r| m.starts_with(r) && m != r);
        if !under || m.starts_with(netns_dir) || fstype == "nsfs" {
            continue;
        }
        // A root mounted on a root's ancestor (e.g. a tmpfs run root) is not ours.
        if roots.iter().any(|r| r.starts_with(m)) {
            continue;
        }
        if expected.contains(m.as_path())
            || held_by_container(m)
            || image_mounts.contains(m.as_path())
        {
            continue;
        }
        let mut f = Finding::new(FindingKind::OrphanMount)
            .path(m)
            .detail(format!("{fstype} mount"));
        if let Some(id) = rootfs_owner.get(m.as_path()) {
            f = f.id(*id);
        }
        out.push(f);
    }
}

/// Netns files no container owns.
fn audit_netns(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let db = &s.db;
    let netns_dir = &s.netns_dir;
    let owned_ns: BTreeSet<&Path> = db
        .ctrs
        .values()
        .filter_map(|(_, st)| st.netns_path.as_deref())
        .collect();
    for name in dir_names(netns_dir) {
        let path = netns_dir.join(&name);
        if owned_ns.contains(path.as_path()) {
            continue;
        }
        let mut f = Finding::new(FindingKind::OrphanNetns).path(&path);
        if let Some(id) = name.strip_prefix("lpod-") {
            f = f.id(id);
        }
        out.push(f.detail(if libpod_net::netns::is_netns_path(&path) {
            "pinned netns".to_string()
        } else {
            "stale file".to_string()
        }));
    }
}

/// Networking: what libpod-net finds of unknown containers (CNI cache,
/// leases, veths, iptables rules), as findings.
fn audit_network(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let db = &s.db;
    let mgr = crate::network::manager(s.p);
    // Addresses our containers hold (the firewall plugin's rules carry only those).
    let held: BTreeSet<std::net::IpAddr> = db
        .ctrs
        .values()
        .flat_map(|(_, st)| st.network_status.values())
        .flat_map(|ns| ns.ips.iter())
        .filter_map(|a| a.split('/').next().and_then(|a| a.parse().ok()))
        .collect();
    let known = |id: &str| db.ctrs.contains_key(id);
    let report = mgr.check(&Known {
        container: &known,
        addresses: &held,
    });
    out.extend(report.problems.iter().map(net_finding));
}

/// A libpod-net problem as a finding (kinds, ids, paths and details as
/// `system check` has always printed them).
fn net_finding(prob: &NetProblem) -> Finding {
    match prob {
        NetProblem::OrphanCniCache { id, path, network } => {
            Finding::new(FindingKind::OrphanCniCache)
                .id(id)
                .path(path)
                .detail(format!("network {network}"))
        }
        NetProblem::OrphanLease { id, path, network } => Finding::new(FindingKind::OrphanLease)
            .id(id)
            .path(path)
            .detail(format!("network {network}")),
        NetProblem::OrphanIptablesRule { id, table, rule } => {
            let f =
                Finding::new(FindingKind::OrphanIptablesRule).detail(format!("-t {table} {rule}"));
            match id {
                Some(id) => f.id(id),
                None => f,
            }
        }
        NetProblem::OrphanVeth {
            ifname,
            bridge,
            network,
        } => Finding::new(FindingKind::OrphanVeth)
            .detail(format!("{ifname} on bridge {bridge} (network {network})")),
    }
}

/// The libpod-net problem a network finding stands for (the inverse of
/// [`net_finding`]); None for another kind or a finding it cannot be read from.
fn net_problem(f: &Finding) -> Option<NetProblem> {
    let id = f.id.clone().unwrap_or_default();
    let after = |word: &str| {
        f.detail
            .split_once(word)
            .map(|(_, rest)| rest.trim_end_matches(')').to_string())
            .unwrap_or_default()
    };
    match f.kind {
        FindingKind::OrphanCniCache => Some(NetProblem::OrphanCniCache {
            id,
            path: f.path.clone()?,
            network: after("network "),
        }),
        FindingKind::OrphanLease => Some(NetProblem::OrphanLease {
            id,
            path: f.path.clone()?,
            network: after("network "),
        }),
        FindingKind::OrphanIptablesRule => {
            let (table, rule) = f.detail.strip_prefix("-t ")?.split_once(' ')?;
            Some(NetProblem::OrphanIptablesRule {
                id: f.id.clone(),
                table: table.to_string(),
                rule: rule.to_string(),
            })
        }
        FindingKind::OrphanVeth => {
            let mut words = f.detail.split(' ');
            let ifname = words.next()?.to_string();
            let bridge = match (words.next(), words.next(), words.next()) {
                (Some("on"), Some("bridge"), Some(b)) => b.to_string(),
                _ => String::new(),
            };
            Some(NetProblem::OrphanVeth {
                ifname,
                bridge,
                network: after("(network "),
            })
        }
        _ => None,
    }
}

/// Hands a network finding to libpod-net's repair.
fn repair_net(p: &Parts, f: &Finding) -> Result<bool> {
    let Some(prob) = net_problem(f) else {
        return Ok(false);
    };
    crate::network::manager(p).repair(&prob).map_err(|source| {
        crate::network::NetworkError::Repair {
            problem: prob.to_string(),
            source,
        }
        .into()
    })
}

/// Lock files of no container or pod.
fn audit_locks(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let p = s.p;
    let db = &s.db;
    let lock_dir = p.locks.dir().to_path_buf();
    for name in dir_names(&lock_dir) {
        if libpod_storage::digest::is_hex64(&name) && !db.has(&name) {
            out.push(
                Finding::new(FindingKind::OrphanLock)
                    .id(&name)
                    .path(lock_dir.join(&name)),
            );
        }
    }
}

/// conmon processes of this runtime that no live container explains, and
/// OCI runtime state dirs of unknown containers: what libpod-oci finds.
fn audit_conmons(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let p = s.p;
    let db = &s.db;
    let runtime_root = s.tmp.join(p.oci_component.name.as_str());
    let ours = !p.oci_component.name.is_empty() && p.oci_component.name != "injected";
    let known = |id: &str| db.ctrs.contains_key(id);
    let explained = |c: &ConmonProcess| match db.ctrs.get(&c.id) {
        None => false,
        Some((_, st)) => {
            st.status.is_monitored()
                || st.status == ContainerStatus::Stopped
                // conmon waits for its exit command, which waits out a restart's backoff.
                || st
                    .restart_pending
                    .as_ref()
                    .is_some_and(crate::ops::policy::waiter_alive)
                || (c.exec && st.status == ContainerStatus::Running)
        }
    };
    let report = oci_check::check_in(
        &oci_check::Audit {
            run_root: &s.tmp,
            runtime_root: ours.then_some(runtime_root.as_path()),
            known: &known,
            conmon_explained: &explained,
        },
        &s.procs,
    );
    for prob in report.problems {
        out.push(match prob {
            OciProblem::OrphanConmon(c) => {
                let detail = match db.ctrs.get(&c.id) {
                    None => "conmon of a container the state does not have".to_string(),
                    Some((_, st)) => {
                        format!("conmon of a container in status {}", st.status.as_str())
                    }
                };
                Finding::new(FindingKind::OrphanConmon)
                    .id(&c.id)
                    .pid(c.pid)
                    .detail(if c.exec {
                        format!("{detail} (exec session)")
                    } else {
                        detail
                    })
            }
            OciProblem::OrphanRuntimeState { id, path } => {
                Finding::new(FindingKind::OrphanRuntimeState)
                    .id(id)
                    .path(path)
            }
        });
    }
}

/// slirp4netns processes of this run root's netns that no live container records.
fn audit_slirps(s: &Seen<'_>, out: &mut Vec<Finding>) {
    for (id, sp) in crate::slirp::find(&s.procs, &s.netns_dir) {
        let detail = match s.db.ctrs.get(&id) {
            None => "slirp4netns of a container the state does not have".to_string(),
            Some((_, st)) if st.slirp4netns.as_ref() == Some(&sp) => continue,
            Some((_, st)) => format!(
                "slirp4netns the state of the container (status {}) does not record",
                st.status.as_str()
            ),
        };
        out.push(
            Finding::new(FindingKind::OrphanSlirp4netns)
                .id(&id)
                .process(sp)
                .detail(detail),
        );
    }
}

/// Repairs an `orphan-slirp4netns` finding: kills it (same pid and start time)
/// unless, under the container's lock, its state records it after all.
fn repair_orphan_slirp(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    let (Some(pid), Some(start_time)) = (f.pid, f.start_time) else {
        return Ok(false);
    };
    let sp = libpod_config::SlirpProcess { pid, start_time };
    let _guard = match recovered_and_locked(p, id)? {
        Some(l) if l.st.slirp4netns.as_ref() == Some(&sp) => return Ok(false),
        other => other,
    };
    if !crate::slirp::alive(&sp) {
        return Ok(false);
    }
    crate::slirp::kill(&sp);
    Ok(!crate::slirp::alive(&sp))
}

/// The statuses during which a container keeps its health monitor (paused: no checks,
/// but the monitor stays for the unpause).
fn watched(s: ContainerStatus) -> bool {
    matches!(s, ContainerStatus::Running | ContainerStatus::Paused)
}

/// Healthcheck monitors: processes of this run root that no container records, and
/// recorded monitors of running containers that died (see `crate::health_monitor`).
fn audit_health_monitors(s: &Seen<'_>, out: &mut Vec<Finding>) {
    for m in crate::health_monitor::find(s.p, &s.procs) {
        let detail = match s.db.ctrs.get(&m.id) {
            None => "monitor of a container the state does not have".to_string(),
            // An on-failure action in progress: the monitor removed its own record
            // and is stopping the container (see `crate::health_monitor`).
            Some((_, st)) if st.status == ContainerStatus::Stopping => continue,
            Some((_, st)) if !watched(st.status) => {
                format!("monitor of a container in status {}", st.status.as_str())
            }
            // Launched and not yet registered (a start or a repair launches the
            // monitor, which records itself once it gets the container lock).
            Some((_, st)) if st.health_monitor.is_none() => continue,
            Some((_, st)) if st.health_monitor != Some(m.rec) => {
                "monitor the container's state does not record".to_string()
            }
            Some(_) => continue,
        };
        out.push(
            Finding::new(FindingKind::OrphanHealthMonitor)
                .id(&m.id)
                .process(m.rec)
                .detail(detail),
        );
    }
    for (id, (cfg, st)) in &s.db.ctrs {
        let scheduled = cfg
            .healthcheck
            .as_ref()
            .is_some_and(|h| !h.is_disabled() && h.interval().is_some());
        if !scheduled || !watched(st.status) {
            continue;
        }
        if let Some(rec) = st
            .health_monitor
            .filter(|r| !crate::health_monitor::alive(r))
        {
            out.push(
                Finding::new(FindingKind::DeadHealthMonitor)
                    .id(id)
                    .pid(rec.pid)
                    .detail("the recorded health monitor is gone: no scheduled checks"),
            );
        }
    }
}

/// Per-container files of unknown containers.
fn audit_files(s: &Seen<'_>, out: &mut Vec<Finding>) {
    let p = s.p;
    let db = &s.db;
    for dir in [
        p.opts.bundle_dir(),
        p.opts.persist_dir(),
        p.opts.exit_dir(),
        p.opts.containers_dir(),
    ] {
        for name in dir_names(&dir) {
            if libpod_storage::digest::is_hex64(&name) && !db.ctrs.contains_key(&name) {
                out.push(
                    Finding::new(FindingKind::OrphanFiles)
                        .id(&name)
                        .path(dir.join(&name)),
                );
            }
        }
    }
}

/// The image/layer store's own consistency (layers, records, leftovers of writes).
fn audit_storage(s: &Seen<'_>, out: &mut Vec<Finding>) -> Result<()> {
    let p = s.p;
    for prob in p.store.check()?.problems {
        out.push(Finding::new(FindingKind::StorageInconsistency).detail(prob.to_string()));
    }
    Ok(())
}

/// Journal entries whose owner process is gone.
fn audit_journal(s: &Seen<'_>, out: &mut Vec<Finding>) -> Result<()> {
    let p = s.p;
    let boot_id = std::fs::read_to_string(&p.opts.boot_id_path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    for e in p.state.journal_entries()? {
        if !crate::process::owner_alive(&e.owner, &boot_id) {
            out.push(
                Finding::new(FindingKind::PendingJournal)
                    .id(&e.id)
                    .pid(e.owner.pid)
                    .detail(format!(
                        "{} {} of a dead process",
                        e.kind.as_str(),
                        e.operation
                    )),
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Repair

fn io_err(op: &'static str, path: &Path, e: std::io::Error) -> Error {
    Error::io(op, path, e)
}

fn remove_path(path: &Path) -> Result<()> {
    let r = if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("remove", path, e)),
    }
}

/// Still unknown to the state (re-read now).
fn unknown(p: &Parts, id: &str) -> Result<bool> {
    match p.state.container(id) {
        Ok(_) => Ok(false),
        Err(libpod_state::StateError::NoSuchContainer { .. }) => match p.state.pod(id) {
            Ok(_) => Ok(false),
            Err(libpod_state::StateError::NoSuchPod { .. }) => Ok(true),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Repairs one finding; Ok(false) when it is left as is (not safe, or gone).
/// One function per finding kind below.
fn repair_one(rt: &Runtime, p: &Parts, f: &Finding) -> Result<bool> {
    let id = f.id.as_deref().unwrap_or("");
    // Before any look at the row (see the module docs: journal first, then row).
    if !id.is_empty() && f.kind != FindingKind::PendingJournal && in_progress(p, id)? {
        tracing::info!(finding = %f, "a live process is working on it; left");
        return Ok(false);
    }
    match f.kind {
        FindingKind::OrphanConmon => repair_orphan_conmon(p, f, id),
        FindingKind::OrphanSlirp4netns => repair_orphan_slirp(p, f, id),
        FindingKind::OrphanRuntimeState => repair_orphan_runtime_state(p, f, id),
        FindingKind::DeadContainer => repair_dead_container(rt, p, id),
        FindingKind::MissingStorage => repair_missing_storage(rt, p, id),
        FindingKind::OrphanCniCache => repair_orphan_cni_cache(p, f, id),
        FindingKind::MissingNetns => repair_missing_netns(p, id),
        FindingKind::OrphanNetns => repair_orphan_netns(p, f, id),
        FindingKind::OrphanIptablesRule => repair_orphan_iptables_rule(p, f, id),
        FindingKind::OrphanVeth => repair_orphan_veth(p, f),
        FindingKind::OrphanLease => repair_orphan_lease(p, f, id),
        FindingKind::OrphanMount => repair_orphan_mount(p, f, id),
        FindingKind::MissingMount => repair_missing_mount(p, id),
        FindingKind::StaleMountCount => repair_stale_mount_count(p, id),
        FindingKind::OrphanStorage => repair_orphan_storage(p, id),
        FindingKind::OrphanFiles => repair_orphan_files(p, f, id),
        FindingKind::OrphanLock => repair_orphan_lock(p, id),
        FindingKind::PendingJournal => repair_pending_journal(p, id),
        FindingKind::StorageInconsistency => repair_storage_inconsistency(p),
        FindingKind::OrphanHealthMonitor => repair_orphan_health_monitor(p, f, id),
        FindingKind::DeadHealthMonitor => repair_dead_health_monitor(p, id),
        FindingKind::OrphanVolumeDir
        | FindingKind::MissingVolumeDir
        | FindingKind::OrphanVolumeMount => repair_volume(p, f, id),
    }
}

/// Volume records against the volume path and the mount table: directories no record
/// names, records without their data directory, a volume's own filesystem mounted with
/// no initialised container using it. (A volume's journal entry of a dead process is a
/// `pending-journal` finding.)
fn audit_volumes(s: &Seen<'_>, out: &mut Vec<Finding>) -> Result<()> {
    let p = s.p;
    let vols = p.state.all_volumes()?;
    let root = &p.opts.config.volume_path;
    let known: BTreeSet<&str> = vols.iter().map(|(c, _)| c.name.as_str()).collect();
    for name in dir_names(root) {
        if !known.contains(name.as_str()) {
            out.push(
                Finding::new(FindingKind::OrphanVolumeDir)
                    .id(&name)
                    .path(root.join(&name))
                    .detail("volume directory without a record".to_string()),
            );
        }
    }
    for (cfg, _) in &vols {
        if !cfg.mountpoint.is_dir() {
            out.push(
                Finding::new(FindingKind::MissingVolumeDir)
                    .id(&cfg.name)
                    .path(&cfg.mountpoint)
                    .detail("volume record without its data directory".to_string()),
            );
        }
        if is_mountpoint(&s.mounts, &cfg.mountpoint) {
            let used = s.db.ctrs.values().any(|(c, st)| {
                st.mountpoint.is_some()
                    && c.mounts
                        .iter()
                        .any(|m| m.kind == libpod_config::MountKind::Volume && m.source == cfg.name)
            });
            if !used {
                out.push(
                    Finding::new(FindingKind::OrphanVolumeMount)
                        .id(&cfg.name)
                        .path(&cfg.mountpoint)
                        .detail("volume filesystem mounted with no user".to_string()),
                );
            }
        }
    }
    Ok(())
}

/// Repairs the volume findings under the volumes lock, after checking again.
fn repair_volume(p: &Parts, f: &Finding, name: &str) -> Result<bool> {
    let _g = crate::volume::lock(p)?;
    let record = match p.state.volume(name) {
        Ok((c, _)) => Some(c),
        Err(libpod_state::StateError::NoSuchVolume { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    match (f.kind, record) {
        (FindingKind::OrphanVolumeDir, None) => {
            let Some(dir) = &f.path else { return Ok(false) };
            let data = dir.join("_data");
            if libpod_storage::driver::is_mountpoint(&data) {
                nix::mount::umount2(&data, nix::mount::MntFlags::MNT_DETACH)
                    .map_err(|e| io_err("unmount", &data, e.into()))?;
            }
            remove_path(dir)?;
            Ok(true)
        }
        (FindingKind::MissingVolumeDir, Some(cfg)) => {
            std::fs::create_dir_all(&cfg.mountpoint)
                .map_err(|e| io_err("create volume directory", &cfg.mountpoint, e))?;
            Ok(true)
        }
        (FindingKind::OrphanVolumeMount, Some(cfg)) => {
            let used = p.state.all_containers()?.iter().any(|(c, st)| {
                st.mountpoint.is_some()
                    && c.mounts
                        .iter()
                        .any(|m| m.kind == libpod_config::MountKind::Volume && m.source == cfg.name)
            });
            if used {
                return Ok(false);
            }
            crate::volume::mount::unmount_if_mounted(&cfg)
        }
        _ => Ok(false),
    }
}

/// Repairs an `orphan-health-monitor` finding: under the container's lock (when it
/// still exists) the record is read again; a monitor it does not name is killed
/// after its start time is checked again.
fn repair_orphan_health_monitor(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    let (Some(pid), Some(start_time)) = (f.pid, f.start_time) else {
        return Ok(false);
    };
    let rec = libpod_config::MonitorRecord { pid, start_time };
    let _guard = match recovered_and_locked(p, id)? {
        Some(l) if watched(l.st.status) && l.st.health_monitor == Some(rec) => return Ok(false),
        other => other,
    };
    Ok(crate::health_monitor::kill_found(&rec))
}

/// Repairs a `dead-health-monitor` finding: starts a new monitor and clears the
/// dead record, under the container's lock; the new monitor registers itself once
/// the lock is free (see `crate::health_monitor`). A runtime without an lpod binary
/// starts none and leaves the finding.
fn repair_dead_health_monitor(p: &Parts, id: &str) -> Result<bool> {
    if p.opts.exit_command.is_none() {
        return Ok(false);
    }
    let Some(mut l) = recovered_and_locked(p, id)? else {
        return Ok(false);
    };
    match l.st.health_monitor {
        Some(rec) if watched(l.st.status) && !crate::health_monitor::alive(&rec) => {
            crate::health_monitor::spawn(p, id)?;
            l.st.health_monitor = None;
            l.save()?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Repairs a `orphan-conmon` finding: libpod-oci proves again that the pid
/// is our conmon for this id and kills the container and conmon; core checks
/// the row and removes the runtime's files of an unknown container.
fn repair_orphan_conmon(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    let Some(pid) = f.pid else { return Ok(false) };
    let row = p.state.container(id).ok();
    match &row {
        None => {}
        Some((_, st)) if !st.status.is_monitored() && st.status != ContainerStatus::Stopped => {}
        Some(_) => return Ok(false),
    }
    let c = ConmonProcess {
        pid,
        id: id.to_string(),
        exec: f.detail.ends_with("(exec session)"),
    };
    if !oci_check::repair(&*p.oci, &p.opts.tmp_dir(), &OciProblem::OrphanConmon(c))? {
        return Ok(false);
    }
    if row.is_none() {
        let _ = p.oci.cleanup_files(id);
    }
    Ok(true)
}

/// Repairs a `orphan-runtime-state` finding.
fn repair_orphan_runtime_state(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    if !unknown(p, id)? {
        return Ok(false);
    }
    let Some(path) = &f.path else {
        return Ok(false);
    };
    let prob = OciProblem::OrphanRuntimeState {
        id: id.to_string(),
        path: path.clone(),
    };
    Ok(oci_check::repair(&*p.oci, &p.opts.tmp_dir(), &prob)?)
}

/// Recovers the container's journaled operation (the step every verb takes first) and
/// locks it; `None` when it no longer exists (removed meanwhile: nothing to repair).
fn recovered_and_locked<'p>(p: &'p Parts, id: &str) -> Result<Option<Locked<'p>>> {
    match crate::recovery::recover_container(p, id).and_then(|()| Locked::acquire(p, id)) {
        Ok(l) => Ok(Some(l)),
        Err(Error::NoSuchContainer(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Repairs a `dead-container` finding.
fn repair_dead_container(rt: &Runtime, p: &Parts, id: &str) -> Result<bool> {
    let mut l = match recovered_and_locked(p, id)? {
        Some(l) => l,
        None => return Ok(false),
    };
    if l.st.status.is_monitored() {
        let alive = match (l.st.conmon_pid, l.st.pid) {
            (Some(c), _) if oci_check::pid_alive_for(c, Some(id)) => true,
            (_, Some(pid)) => oci_check::pid_alive_for(pid, None),
            _ => false,
        };
        if alive {
            return Ok(false);
        }
        let code = l.st.exit_code.unwrap_or(-1);
        let oom = l.st.oom_killed;
        crate::ops::sync::apply_exit(&mut l.st, code, chrono::Utc::now(), oom);
        l.st.conmon_pid = None;
        p.state.add_exit_code(id, code)?;
        l.save()?;
    }
    drop(l);
    match rt.container(id).and_then(|c| c.cleanup()) {
        Ok(()) | Err(Error::NoSuchContainer(_)) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Repairs a `missing-storage` finding.
fn repair_missing_storage(rt: &Runtime, p: &Parts, id: &str) -> Result<bool> {
    if p.store.container_exists(id)? {
        return Ok(false);
    }
    // Without its root filesystem the container can never run again.
    match rt.container(id).and_then(|c| c.remove(true)) {
        Ok(()) => Ok(true),
        Err(Error::NoSuchContainer(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Repairs a `orphan-cni-cache` finding (libpod-net does the CNI DEL and
/// removes the entry).
fn repair_orphan_cni_cache(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    if !unknown(p, id)? {
        return Ok(false);
    }
    let _g = p.locks.try_lock(id).ok().flatten();
    repair_net(p, f)
}

/// Repairs a `missing-netns` finding.
fn repair_missing_netns(p: &Parts, id: &str) -> Result<bool> {
    let mut l = match recovered_and_locked(p, id)? {
        Some(l) => l,
        None => return Ok(false),
    };
    if l.st.status.is_monitored() || l.st.status == ContainerStatus::Stopped {
        // Its process may still use the namespace: leave it to cleanup.
        return Ok(false);
    }
    let errs = crate::network::teardown(&mut l);
    l.save()?;
    Error::join(errs)?;
    Ok(true)
}

/// Repairs a `orphan-netns` finding.
fn repair_orphan_netns(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    let Some(path) = &f.path else {
        return Ok(false);
    };
    if !id.is_empty() {
        if !unknown(p, id)? {
            return Ok(false);
        }
        let mgr = crate::network::manager(p);
        if let Err(e) = mgr.teardown_cached(id, Some(path)) {
            tracing::warn!(error = %e, id, "CNI DEL before removing an orphan netns");
        }
    }
    Netns::destroy_path(path).map_err(|source| crate::network::NetworkError::Netns {
        id: id.to_string(),
        source,
    })?;
    Ok(true)
}

/// Repairs a `orphan-iptables-rule` finding.
fn repair_orphan_iptables_rule(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    if !id.is_empty() && !unknown(p, id)? {
        return Ok(false);
    }
    repair_net(p, f)
}

/// Repairs a `orphan-veth` finding.
fn repair_orphan_veth(p: &Parts, f: &Finding) -> Result<bool> {
    repair_net(p, f)
}

/// Repairs a `orphan-lease` finding.
fn repair_orphan_lease(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    if !id.is_empty() && !unknown(p, id)? {
        return Ok(false);
    }
    repair_net(p, f)
}

/// Repairs a `orphan-mount` finding.
fn repair_orphan_mount(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    let Some(path) = &f.path else {
        return Ok(false);
    };
    // Still not the mount of a mounted container?
    let owned = p
        .state
        .all_containers()?
        .iter()
        .any(|(_, st)| st.mountpoint.as_deref() == Some(path.as_path()));
    if owned {
        return Ok(false);
    }
    if !id.is_empty() && p.store.container_exists(id)? {
        p.store.unmount(id, true)?;
    }
    match nix::mount::umount2(path.as_path(), nix::mount::MntFlags::MNT_DETACH) {
        Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => {}
        Err(e) => return Err(io_err("unmount", path, e.into())),
    }
    Ok(true)
}

/// Repairs a `missing-mount` finding.
fn repair_missing_mount(p: &Parts, id: &str) -> Result<bool> {
    let mut l = match recovered_and_locked(p, id)? {
        Some(l) => l,
        None => return Ok(false),
    };
    if l.st.status.is_monitored() {
        return Ok(false);
    }
    if l.st.mountpoint.take().is_some() {
        match p.store.unmount(id, true) {
            Ok(_) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        l.save()?;
    }
    Ok(true)
}

/// Repairs a `stale-mount-count` finding.
fn repair_stale_mount_count(p: &Parts, id: &str) -> Result<bool> {
    let l = match recovered_and_locked(p, id)? {
        Some(l) => l,
        None => return Ok(false),
    };
    if l.st.mountpoint.is_some() {
        return Ok(false);
    }
    p.store.unmount(id, true)?;
    Ok(true)
}

/// Repairs a `orphan-storage` finding.
fn repair_orphan_storage(p: &Parts, id: &str) -> Result<bool> {
    let Some(_g) = p.locks.try_lock(id)? else {
        return Ok(false);
    };
    if !unknown(p, id)? {
        return Ok(false);
    }
    match p.store.delete_container(id) {
        Ok(()) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    drop(_g);
    let _ = p.locks.remove(id);
    Ok(true)
}

/// Repairs a `orphan-files` finding.
fn repair_orphan_files(p: &Parts, f: &Finding, id: &str) -> Result<bool> {
    if !unknown(p, id)? {
        return Ok(false);
    }
    match &f.path {
        Some(path) => {
            if path.starts_with(p.opts.bundle_dir()) {
                // A bundle may hold a mount (bind of the rootfs): never follow it.
                for (m, _) in mounts() {
                    if m.starts_with(path) {
                        let _ = nix::mount::umount2(m.as_path(), nix::mount::MntFlags::MNT_DETACH);
                    }
                }
            }
            remove_path(path)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Repairs a `orphan-lock` finding.
fn repair_orphan_lock(p: &Parts, id: &str) -> Result<bool> {
    let Some(g) = p.locks.try_lock(id)? else {
        return Ok(false);
    };
    if !unknown(p, id)? {
        return Ok(false);
    }
    p.locks.remove(id)?;
    drop(g);
    Ok(true)
}

/// Repairs a `pending-journal` finding.
fn repair_pending_journal(p: &Parts, id: &str) -> Result<bool> {
    // A volume's entry: its recovery rolls it back (create) or forward (remove).
    if let Some(e) = p.state.journal_entries()?.into_iter().find(|e| {
        e.id == id
            && e.kind == libpod_state::JournalKind::Volume
            && !crate::journal::owner_alive(p, &e.owner)
    }) {
        return Ok(crate::volume::recover::recover_all(p, &[e]).is_empty());
    }
    // Rolling an operation forward or back is the verbs' recovery; here only
    // an entry whose object is gone altogether (and whose owner is dead) goes.
    let kind = if p.state.pod(id).is_ok() || p.state.container(id).is_ok() {
        return Ok(false);
    } else {
        p.state
            .journal_entries()?
            .into_iter()
            .find(|e| e.id == id)
            .map(|e| e.kind)
    };
    match kind {
        Some(k) => Ok(p.state.journal_remove(k, id)?),
        None => Ok(false),
    }
}

/// Repairs a `storage-inconsistency` finding.
fn repair_storage_inconsistency(p: &Parts) -> Result<bool> {
    Ok(!p.store.repair()?.is_clean())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn net_problems_round_trip_through_findings() {
        let probs = [
            NetProblem::OrphanCniCache {
                id: ID.into(),
                path: "/x/cni/results/net1-abc-eth0".into(),
                network: "net1".into(),
            },
            NetProblem::OrphanLease {
                id: String::new(),
                path: "/x/cni/networks/net1/10.1.2.3".into(),
                network: "net1".into(),
            },
            NetProblem::OrphanIptablesRule {
                id: Some(ID.into()),
                table: "nat".into(),
                rule: "-A POSTROUTING -j CNI-abc".into(),
            },
            NetProblem::OrphanIptablesRule {
                id: None,
                table: "filter".into(),
                rule: "-A CNI-FORWARD -d 10.1.2.3/32 -j ACCEPT".into(),
            },
            NetProblem::OrphanVeth {
                ifname: "veth0a1b2c".into(),
                bridge: "lpodbr1".into(),
                network: "net1".into(),
            },
        ];
        for prob in &probs {
            let f = net_finding(prob);
            assert_eq!(net_problem(&f).as_ref(), Some(prob), "{f}");
        }
        // The texts `system check` prints.
        assert_eq!(
            net_finding(&probs[4]).to_string(),
            "orphan-veth: veth0a1b2c on bridge lpodbr1 (network net1)"
        );
        assert_eq!(
            net_finding(&probs[2]).to_string(),
            format!("orphan-iptables-rule id={ID}: -t nat -A POSTROUTING -j CNI-abc")
        );
        assert_eq!(
            net_finding(&probs[1]).to_string(),
            "orphan-lease id= path=/x/cni/networks/net1/10.1.2.3: network net1"
        );
        assert_eq!(
            net_problem(&Finding::new(FindingKind::OrphanLock).id(ID)),
            None
        );
    }

    #[test]
    fn mount_escapes() {
        assert_eq!(
            libpod_storage::driver::unescape_mountinfo("/a\\040b"),
            "/a b"
        );
        assert_eq!(
            libpod_storage::driver::unescape_mountinfo("/plain"),
            "/plain"
        );
    }

    #[test]
    fn report_shapes() {
        let mut r = Report::default();
        assert!(r.is_clean());
        r.findings.push(
            Finding::new(FindingKind::OrphanNetns)
                .id(ID)
                .path("/x/netns/lpod-1")
                .detail("pinned netns"),
        );
        assert_eq!(r.count(FindingKind::OrphanNetns), 1);
        let s = r.to_string();
        assert!(s.starts_with("orphan-netns id="), "{s}");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["findings"][0]["kind"], "orphan-netns");
        let back: Report = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }
}
