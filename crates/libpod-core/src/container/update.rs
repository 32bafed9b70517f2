//! `update`: new cgroup limits (memory, swap, CPU quota/period/shares, pids) for a
//! container. A running or created container gets them at once through the OCI
//! runtime (`update --resources`); every container records them in its config, so
//! `inspect` shows them and the next start applies them.

use libpod_config::Resources;

use super::*;
use crate::Error;

/// The limits `update` changes; `None` leaves a limit as it is. A memory, swap or pids
/// value of `-1` (or, for pids, `0`) removes that limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceUpdate {
    /// Memory limit, bytes.
    pub memory: Option<i64>,
    /// Memory plus swap limit, bytes (`-1`: unlimited swap).
    pub memory_swap: Option<i64>,
    /// CFS quota, microseconds per period.
    pub cpu_quota: Option<i64>,
    /// CFS period, microseconds.
    pub cpu_period: Option<u64>,
    /// CPU shares (relative weight).
    pub cpu_shares: Option<u64>,
    /// Maximum number of tasks.
    pub pids: Option<i64>,
}

/// The kernel refuses memory limits this small (Podman's minimum too).
const MIN_MEMORY: i64 = 6 * 1024 * 1024;

impl ResourceUpdate {
    /// True when no limit is given.
    pub fn is_empty(&self) -> bool {
        *self == ResourceUpdate::default()
    }

    fn validate(&self) -> Result<()> {
        if !self.is_empty() && crate::rootless::is_rootless() {
            return Err(Error::RootlessUnsupported {
                what: "update of resource limits".into(),
                why: "an unprivileged user cannot write cgroup v1 controllers on this host".into(),
            });
        }
        let bad = |what: &'static str, value: String| Err(Error::InvalidArgument { what, value });
        if let Some(m) = self.memory {
            if m != -1 && m < MIN_MEMORY {
                return bad(
                    "memory limit (the minimum is 6MB; -1 for none)",
                    m.to_string(),
                );
            }
        }
        if let (Some(m), Some(s)) = (self.memory, self.memory_swap) {
            if m > 0 && s != -1 && s < m {
                return bad(
                    "memory-swap limit (must be at least the memory limit, or -1)",
                    s.to_string(),
                );
            }
        }
        if let Some(s) = self.memory_swap {
            if s != -1 && s < 0 {
                return bad("memory-swap limit", s.to_string());
            }
        }
        if let Some(q) = self.cpu_quota {
            if q != -1 && q < 1000 {
                return bad(
                    "CPU quota (microseconds, at least 1000; -1 for none)",
                    q.to_string(),
                );
            }
        }
        if let Some(p) = self.cpu_period {
            if !(1000..=1_000_000).contains(&p) {
                return bad("CPU period (microseconds, 1000 to 1000000)", p.to_string());
            }
        }
        if let Some(s) = self.cpu_shares {
            if s < 2 {
                return bad("CPU shares (at least 2)", s.to_string());
            }
        }
        if let Some(p) = self.pids {
            if p < -1 {
                return bad("pids limit (-1 or 0 for none)", p.to_string());
            }
        }
        Ok(())
    }

    /// `current` with this update applied (a removed limit becomes `None`).
    pub fn apply_to(&self, current: &Resources) -> Resources {
        let limit = |v: Option<i64>, old: Option<i64>| match v {
            Some(-1) => None,
            Some(n) => Some(n),
            None => old,
        };
        Resources {
            memory: limit(self.memory, current.memory),
            memory_swap: limit(self.memory_swap, current.memory_swap),
            cpu_quota: limit(self.cpu_quota, current.cpu_quota),
            cpu_period: self.cpu_period.or(current.cpu_period),
            cpu_shares: self.cpu_shares.or(current.cpu_shares),
            pids: match self.pids {
                Some(n) if n <= 0 => None,
                other => other.or(current.pids),
            },
        }
    }

    /// What the runtime is told: only the given limits, "none" spelled as the
    /// runtimes take it (`-1`; pids `0` becomes `-1` too).
    fn to_oci(self) -> libpod_oci::Resources {
        libpod_oci::Resources {
            memory_limit: self.memory,
            memory_swap: self.memory_swap,
            cpu_quota: self.cpu_quota,
            cpu_period: self.cpu_period,
            cpu_shares: self.cpu_shares,
            pids_limit: self.pids.map(|p| if p <= 0 { -1 } else { p }),
        }
    }
}

impl Container {
    /// Changes the container's cgroup limits and records them in its config. A
    /// running, paused or created container gets them at once from the OCI runtime;
    /// a stopped one on its next start. Returns the limits now recorded.
    #[tracing::instrument(skip(self), fields(id = %self.id()))]
    pub fn update(&self, update: &ResourceUpdate) -> Result<Resources> {
        if update.is_empty() {
            return Err(Error::InvalidArgument {
                what: "update",
                value: "no limit given (memory, memory-swap, cpus, cpu-quota, cpu-period, cpu-shares, pids-limit)".into(),
            });
        }
        update.validate()?;
        let p = self.enter()?;
        let l = crate::ops::lock::Locked::acquire(&p, &self.id)?;
        let mut cfg = l.cfg.clone();
        let merged = update.apply_to(&cfg.resources);
        match l.st.status {
            ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Created => {
                // Swap on its own is checked against the memory limit in force.
                let mut oci = update.to_oci();
                if oci.memory_swap.is_some() && oci.memory_limit.is_none() {
                    oci.memory_limit = merged.memory;
                }
                p.oci_for(&l.cfg.oci_runtime)?.update(&self.id, &oci)?;
            }
            ContainerStatus::Configured | ContainerStatus::Stopped | ContainerStatus::Exited => {}
            other => {
                return Err(Error::InvalidState {
                    id: self.id.clone(),
                    status: other.as_str().to_string(),
                    op: "update".into(),
                })
            }
        }
        cfg.resources = merged;
        p.state
            .save_container_config(&cfg)
            .map_err(|e| crate::context::ctr_err(e, &self.id))?;
        crate::events::container(&p, &cfg, crate::events::EventStatus::Other("update".into()));
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_keeps_unset_and_removes_minus_one() {
        let cur = Resources {
            memory: Some(100 << 20),
            pids: Some(50),
            cpu_shares: Some(512),
            ..Default::default()
        };
        let u = ResourceUpdate {
            memory: Some(-1),
            pids: Some(10),
            ..Default::default()
        };
        let r = u.apply_to(&cur);
        assert_eq!(r.memory, None);
        assert_eq!(r.pids, Some(10));
        assert_eq!(r.cpu_shares, Some(512));
        let r = ResourceUpdate {
            pids: Some(0),
            ..Default::default()
        }
        .apply_to(&cur);
        assert_eq!(r.pids, None);
        assert_eq!(
            ResourceUpdate {
                pids: Some(0),
                ..Default::default()
            }
            .to_oci()
            .pids_limit,
            Some(-1)
        );
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let refused = |u: ResourceUpdate, what: &str| match u.validate() {
            Err(Error::InvalidArgument { what: w, .. }) => assert!(w.contains(what), "{w}"),
            other => panic!("{u:?}: {other:?}"),
        };
        refused(
            ResourceUpdate {
                memory: Some(1024),
                ..Default::default()
            },
            "memory",
        );
        refused(
            ResourceUpdate {
                memory: Some(64 << 20),
                memory_swap: Some(32 << 20),
                ..Default::default()
            },
            "memory-swap",
        );
        refused(
            ResourceUpdate {
                cpu_period: Some(10),
                ..Default::default()
            },
            "CPU period",
        );
        refused(
            ResourceUpdate {
                pids: Some(-5),
                ..Default::default()
            },
            "pids",
        );
        assert!(ResourceUpdate {
            memory: Some(-1),
            pids: Some(-1),
            ..Default::default()
        }
        .validate()
        .is_ok());
    }
}
