//! `update`: new cgroup limits for a running container, through the runtime's own
//! `update --resources FILE` (runc and crun take the OCI `linux.resources` JSON).

use crate::conmon::ConmonRuntime;
use crate::driver::OciError;
use crate::error::io_err;
use crate::spec::{Resources, SpecError};

/// The kernel's highest pid limit (`PID_MAX_LIMIT` on 64-bit): `pids.max` at this
/// value never binds, so it stands for "no limit" where a runtime cannot write `max`.
pub const PID_MAX_LIMIT: i64 = 1 << 22;

impl Resources {
    /// The OCI `linux.resources` object of the limits that are set (unset ones are
    /// left out, so the runtime keeps them as they are): the same memory, cpu and pids
    /// objects the container's spec carries.
    pub fn update_json(&self) -> Result<serde_json::Value, SpecError> {
        let res = self.linux_resources()?;
        serde_json::to_value(&res).map_err(|e| SpecError::Build {
            field: "resources",
            source: oci_spec::OciSpecError::SerDe(e),
        })
    }
}

impl ConmonRuntime {
    /// Writes the limits to `RUN_ROOT/update/ID.json` (0600) and runs
    /// `RUNTIME update --resources FILE ID`; the file is removed afterwards.
    #[tracing::instrument(skip(self, resources), fields(runtime = self.runtime_name()))]
    pub(crate) fn update_impl(&self, id: &str, resources: &Resources) -> Result<(), OciError> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let dir = self.cfg.run_root.join("update");
        crate::files::mkdir(&dir)?;
        let file = dir.join(format!("{id}.json"));
        let mut resources = resources.clone();
        if self.cfg.runtime_kind == crate::find::RuntimeKind::Crun
            && resources.pids_limit.is_some_and(|p| p <= 0)
        {
            // crun 1.8 writes a negative limit verbatim into a v1 pids.max (EINVAL)
            // and takes 0 as "unchanged": the kernel's ceiling is the same as none.
            resources.pids_limit = Some(PID_MAX_LIMIT);
        }
        let body = serde_json::to_vec(&resources.update_json()?).map_err(|e| OciError::Io {
            op: "encoding resources for",
            path: file.clone(),
            source: std::io::Error::other(e),
        })?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&file)
            .map_err(io_err("creating", &file))?;
        f.write_all(&body).map_err(io_err("writing", &file))?;
        drop(f);
        let path = file.to_string_lossy().into_owned();
        let res = self.run_runtime("update", id, &["--resources", &path, id]);
        let _ = std::fs::remove_file(&file);
        res.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_set_limits_are_sent() {
        let r = Resources {
            memory_limit: Some(64 << 20),
            pids_limit: Some(10),
            ..Default::default()
        };
        assert_eq!(
            r.update_json().unwrap(),
            serde_json::json!({"memory": {"limit": 64 << 20}, "pids": {"limit": 10}})
        );
        let r = Resources {
            cpu_quota: Some(50_000),
            cpu_period: Some(100_000),
            cpu_shares: Some(512),
            memory_swap: Some(-1),
            ..Default::default()
        };
        assert_eq!(
            r.update_json().unwrap(),
            serde_json::json!({"memory": {"swap": -1}, "cpu": {"shares": 512, "quota": 50_000, "period": 100_000}})
        );
        assert_eq!(
            Resources::default().update_json().unwrap(),
            serde_json::json!({})
        );
    }
}
