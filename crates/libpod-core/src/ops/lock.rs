//! Locking a container for a verb, with the lock order encoded in types: a
//! [`CtrLock`] can only be built by passing the pod's [`PodLock`] in (already
//! held) or by proving the container has no pod. So the pod lock is always taken
//! first, and released last (fields drop in declaration order).

use libpod_config::{check, ContainerConfig, ContainerState, Operation, Transition};
use libpod_state::{LockGuard, LockManager};

use crate::context::Parts;
use crate::context::{ctr_err, lock_err};
use crate::{Error, Result};

/// A held pod lock.
pub(crate) struct PodLock {
    _guard: LockGuard,
}

impl PodLock {
    pub(crate) fn acquire(locks: &LockManager, pod_id: &str) -> Result<PodLock> {
        Ok(PodLock {
            _guard: locks.lock(pod_id).map_err(|e| lock_err(e, pod_id))?,
        })
    }
}

/// A held container lock (and its pod's, when it has one).
pub(crate) struct CtrLock {
    _ctr: LockGuard,
    _pod: Option<PodLock>,
}

impl CtrLock {
    /// Locks a container whose pod lock `pod` is already held (or `None` for a
    /// container without a pod).
    pub(crate) fn acquire(locks: &LockManager, pod: Option<PodLock>, id: &str) -> Result<CtrLock> {
        Ok(CtrLock {
            _ctr: locks.lock(id).map_err(|e| lock_err(e, id))?,
            _pod: pod,
        })
    }
}

/// A container locked for a verb, with its rows loaded and synced with conmon's
/// exit file. Changes to `st` are written by [`Locked::save`].
pub(crate) struct Locked<'p> {
    pub(crate) p: &'p Parts,
    pub(crate) cfg: ContainerConfig,
    pub(crate) st: ContainerState,
    _lock: CtrLock,
}

impl<'p> Locked<'p> {
    /// Takes the pod lock (if any) then the container lock, loads and syncs.
    /// Nothing else: recovering a crashed operation is the verb's first step
    /// (`crate::recovery::recover_container`), not a side effect of locking.
    pub(crate) fn acquire(p: &'p Parts, id: &str) -> Result<Locked<'p>> {
        // The pod of a container never changes, so an unlocked read is enough to
        // know which pod lock to take first.
        let (cfg0, _) = p.state.container(id).map_err(|e| ctr_err(e, id))?;
        let pod = match &cfg0.pod {
            Some(pod_id) => {
                let g = PodLock::acquire(&p.locks, pod_id)?;
                // Removed while we waited: our open may have re-created its lock
                // file; we hold it exclusively, so remove it as the remover did.
                if matches!(
                    p.state.pod(pod_id),
                    Err(libpod_state::StateError::NoSuchPod { .. })
                ) {
                    let _ = p.locks.remove(pod_id);
                    return Err(Error::NoSuchContainer(id.to_string()));
                }
                Some(g)
            }
            None => None,
        };
        let lock = CtrLock::acquire(&p.locks, pod, id)?;
        let (cfg, st) = match p.state.container(id) {
            Ok(rows) => rows,
            Err(e) => {
                // The same for the container's own lock file (see above).
                if matches!(e, libpod_state::StateError::NoSuchContainer { .. }) {
                    let _ = p.locks.remove(id);
                }
                return Err(ctr_err(e, id));
            }
        };
        let mut l = Locked {
            p,
            cfg,
            st,
            _lock: lock,
        };
        if super::sync::sync_exit(p, &l.cfg.id, &mut l.st)? {
            l.save()?;
        }
        Ok(l)
    }

    /// Locks another container of the same pod while this one is locked: this
    /// lock already holds the pod lock, so the pod → container order holds
    /// without taking the pod lock twice (used to start a pod's infra container).
    pub(crate) fn acquire_sibling(&self, id: &str) -> Result<Locked<'p>> {
        let p = self.p;
        let (cfg0, _) = p.state.container(id).map_err(|e| ctr_err(e, id))?;
        if cfg0.pod.is_none() || cfg0.pod != self.cfg.pod {
            return Err(Error::InvalidArgument {
                what: "sibling container (not in the same pod)",
                value: id.to_string(),
            });
        }
        let lock = CtrLock::acquire(&p.locks, None, id)?;
        let (cfg, st) = p.state.container(id).map_err(|e| ctr_err(e, id))?;
        let mut l = Locked {
            p,
            cfg,
            st,
            _lock: lock,
        };
        if super::sync::sync_exit(p, &l.cfg.id, &mut l.st)? {
            l.save()?;
        }
        Ok(l)
    }

    /// The container id.
    pub(crate) fn id(&self) -> &str {
        &self.cfg.id
    }

    /// Writes `st`.
    pub(crate) fn save(&self) -> Result<()> {
        self.p
            .state
            .save_container_state(&self.cfg.id, &self.st)
            .map_err(|e| ctr_err(e, &self.cfg.id))
    }

    /// Holds the status the table gives `t` while it runs (its `via`, e.g.
    /// `Stopping`) and saves, so that other processes see it.
    pub(crate) fn begin(&mut self, t: &Transition) -> Result<()> {
        self.st.status = t.in_progress();
        self.save()
    }

    /// Ends `t`: the status becomes the table's target for it; saves (with
    /// whatever else the verb changed in `st`).
    pub(crate) fn commit(&mut self, t: &Transition) -> Result<()> {
        self.st.status = t.target();
        self.save()
    }

    /// Asks the transition table whether `op` is allowed now.
    pub(crate) fn check(&self, op: Operation) -> Result<Transition> {
        check(op, self.st.status).map_err(|_| Error::InvalidState {
            id: self.cfg.id.clone(),
            status: self.st.status.as_str().to_string(),
            op: op.as_str().to_string(),
        })
    }
}
