//! `lpod healthcheck run`, the healthcheck flags of `run`/`create`, and the hidden
//! `lpod container healthmonitor` (see `libpod_core::health_monitor`).

use std::time::Duration;

use libpod_core::libpod_config::health::{parse_go_duration, parse_health_cmd};
use libpod_core::libpod_config::{HealthError, HealthStatus};
use libpod_core::{HealthOptions, Runtime};

use super::{CliError, CmdResult};
use crate::cli::{GlobalOpts, HealthFlags, HealthcheckRunArgs, HealthmonitorArgs};

impl From<HealthError> for CliError {
    fn from(e: HealthError) -> Self {
        CliError::Usage(e.to_string())
    }
}

/// The `--health-*` flags as core's options (bad values are usage errors).
pub fn health_options(f: &HealthFlags) -> Result<HealthOptions, CliError> {
    let dur = |flag: &'static str, v: &Option<String>| -> Result<Option<Duration>, CliError> {
        v.as_deref()
            .map(|s| parse_go_duration(flag, s))
            .transpose()
            .map_err(CliError::from)
    };
    let interval = match f.health_interval.as_deref() {
        Some("disable") => Some(Duration::ZERO),
        _ => dur("--health-interval", &f.health_interval)?,
    };
    if f.no_healthcheck && f.health_cmd.is_some() {
        return Err(CliError::Usage(
            "cannot specify both --no-healthcheck and --health-cmd".into(),
        ));
    }
    Ok(HealthOptions {
        test: f.health_cmd.as_deref().map(parse_health_cmd).transpose()?,
        interval,
        timeout: dur("--health-timeout", &f.health_timeout)?,
        start_period: dur("--health-start-period", &f.health_start_period)?,
        retries: f.health_retries,
        on_failure: f.health_on_failure.as_deref().map(str::parse).transpose()?,
        disable: f.no_healthcheck,
    })
}

/// `lpod healthcheck run`: exit 0 when healthy; otherwise prints the status (as
/// Podman) and exits 1. A container without a healthcheck or not running is an error
/// (125).
pub fn run(rt: &Runtime, a: HealthcheckRunArgs) -> CmdResult {
    let c = rt.container(&a.container)?;
    match c.healthcheck_run()? {
        HealthStatus::Healthy => Ok(0),
        other => {
            println!("{}", other.as_str());
            Ok(1)
        }
    }
}

/// `lpod container healthmonitor --run-root DIR ID`: the monitor's life. Refuses a
/// run root other than the runtime's (its command line is what audits match).
pub fn monitor(g: &GlobalOpts, a: HealthmonitorArgs) -> CmdResult {
    let rt = super::open(g)?;
    let ours = rt.config()?.config.tmp_dir;
    if ours != a.run_root {
        return Err(CliError::Usage(format!(
            "health monitor for run root {} started against run root {}",
            a.run_root.display(),
            ours.display()
        )));
    }
    let c = match rt.container(&a.container) {
        Ok(c) => c,
        Err(libpod_core::Error::NoSuchContainer(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    c.health_monitor()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_to_options() {
        let f = HealthFlags {
            health_cmd: Some("test -e /ok".into()),
            health_interval: Some("disable".into()),
            health_retries: Some(2),
            health_on_failure: Some("restart".into()),
            ..Default::default()
        };
        let o = health_options(&f).unwrap();
        assert_eq!(
            o.test.unwrap(),
            ["CMD-SHELL".to_string(), "test -e /ok".to_string()]
        );
        assert_eq!(o.interval, Some(Duration::ZERO));
        assert_eq!(o.retries, Some(2));
        let bad = HealthFlags {
            health_on_failure: Some("reboot".into()),
            ..Default::default()
        };
        assert!(matches!(health_options(&bad), Err(CliError::Usage(m)) if m.contains("reboot")));
        let bad = HealthFlags {
            health_timeout: Some("ten".into()),
            ..Default::default()
        };
        assert!(
            matches!(health_options(&bad), Err(CliError::Usage(m)) if m.contains("--health-timeout"))
        );
    }
}
