//! Healthchecks: what a container's healthcheck is (part of its configuration), what
//! the last checks found (part of its state), and the record of the monitor process
//! that runs them on schedule.
//!
//! The rules here are pure (no process, no clock of their own) so they are tested
//! without a container: how a `--health-cmd` string becomes Podman's `Test` array, how
//! that array becomes the argv run in the container, and how one result moves the
//! status (`starting` → `healthy` / `unhealthy`, the failing streak, the start period,
//! the last five log entries).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Podman's default interval between two checks (30 s).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// Podman's default time a check may take (30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Podman's default number of failures in a row that make a container unhealthy.
pub const DEFAULT_RETRIES: u32 = 3;
/// How many results the log keeps (Podman's `MaxHealthCheckNumberLogs`).
pub const MAX_LOG_ENTRIES: usize = 5;
/// How many bytes of a check's output the log keeps (Podman's `MaxHealthCheckLogLength`).
pub const MAX_LOG_OUTPUT: usize = 500;

/// A healthcheck setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthError {
    /// The command is empty (`--health-cmd ""`, `["CMD"]`).
    #[error("must define a healthcheck command for all healthchecks")]
    EmptyCommand,
    /// The `Test` array starts with a word other than CMD, CMD-SHELL or NONE.
    #[error("healthcheck test {0:?}: the first element must be CMD, CMD-SHELL or NONE")]
    BadTestKind(String),
    /// A duration flag that does not parse as a Go duration.
    #[error(
        "invalid duration {value:?} for {flag}: expected a Go duration such as 30s, 1m30s or 500ms"
    )]
    BadDuration {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
    },
    /// A duration below Podman's minimum (`--health-interval`, `--health-timeout`: 1 s).
    #[error("{flag} must be at least 1 second")]
    TooShort {
        /// The flag.
        flag: &'static str,
    },
    /// `--health-retries 0`.
    #[error("healthcheck-retries must be greater than 0")]
    ZeroRetries,
    /// `--health-on-failure` other than `none` for a container with no healthcheck
    /// (neither `--health-cmd` nor the image's).
    #[error("cannot set on-failure action to {0} without a health check")]
    OnFailureWithoutCheck(String),
    /// An unknown `--health-on-failure` action.
    #[error("invalid healthcheck on-failure action {0:?}: expected none, kill, restart or stop")]
    BadOnFailure(String),
}

/// What happens when a check leaves the container unhealthy (`--health-on-failure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthOnFailure {
    /// Nothing but the status.
    #[default]
    None,
    /// SIGKILL the container.
    Kill,
    /// Restart the container.
    Restart,
    /// Stop the container.
    Stop,
}

impl HealthOnFailure {
    /// The word Podman uses (`inspect`'s `HealthcheckOnFailureAction`).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthOnFailure::None => "none",
            HealthOnFailure::Kill => "kill",
            HealthOnFailure::Restart => "restart",
            HealthOnFailure::Stop => "stop",
        }
    }
}

impl std::str::FromStr for HealthOnFailure {
    type Err = HealthError;
    fn from_str(s: &str) -> Result<Self, HealthError> {
        Ok(match s {
            "none" => HealthOnFailure::None,
            "kill" => HealthOnFailure::Kill,
            "restart" => HealthOnFailure::Restart,
            "stop" => HealthOnFailure::Stop,
            other => return Err(HealthError::BadOnFailure(other.to_string())),
        })
    }
}

fn is_default_on_failure(a: &HealthOnFailure) -> bool {
    *a == HealthOnFailure::None
}

/// A container's healthcheck (Docker's and Podman's `Healthcheck`, plus the on-failure
/// action). Durations are nanoseconds as in the image config JSON; 0 means the default,
/// except that an interval of 0 means no scheduled checks (`--health-interval=disable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthConfig {
    /// `["CMD", arg...]`, `["CMD-SHELL", command]` (run by `/bin/sh -c`) or `["NONE"]`.
    pub test: Vec<String>,
    /// Time between two scheduled checks, ns (0: no schedule, only `healthcheck run`).
    #[serde(default)]
    pub interval_ns: u64,
    /// Time a check may take before it counts as failed, ns.
    #[serde(default)]
    pub timeout_ns: u64,
    /// Time after the start during which failures do not count, ns.
    #[serde(default)]
    pub start_period_ns: u64,
    /// Failures in a row that make the container unhealthy.
    #[serde(default)]
    pub retries: u32,
    /// What happens once it is unhealthy.
    #[serde(default, skip_serializing_if = "is_default_on_failure")]
    pub on_failure: HealthOnFailure,
}

impl HealthConfig {
    /// A check running `test` with Podman's defaults (30 s, 30 s, 3 retries, no start
    /// period, no action).
    pub fn new(test: Vec<String>) -> HealthConfig {
        HealthConfig {
            test,
            interval_ns: DEFAULT_INTERVAL.as_nanos() as u64,
            timeout_ns: DEFAULT_TIMEOUT.as_nanos() as u64,
            start_period_ns: 0,
            retries: DEFAULT_RETRIES,
            on_failure: HealthOnFailure::None,
        }
    }

    /// True for `["NONE"]` (or an empty test): the healthcheck is disabled.
    pub fn is_disabled(&self) -> bool {
        self.test
            .first()
            .is_none_or(|k| k.eq_ignore_ascii_case("NONE"))
    }

    /// The process run in the container: `CMD`'s arguments as they are, `CMD-SHELL`'s
    /// command under `/bin/sh -c` (as Podman).
    pub fn argv(&self) -> Result<Vec<String>, HealthError> {
        let Some((kind, rest)) = self.test.split_first() else {
            return Err(HealthError::EmptyCommand);
        };
        let argv = match kind.to_ascii_uppercase().as_str() {
            "CMD" => rest.to_vec(),
            "CMD-SHELL" => {
                let cmd = rest.join(" ");
                if cmd.trim().is_empty() {
                    return Err(HealthError::EmptyCommand);
                }
                vec!["/bin/sh".into(), "-c".into(), cmd]
            }
            "NONE" => Vec::new(),
            _ => return Err(HealthError::BadTestKind(kind.clone())),
        };
        if argv.is_empty() || argv[0].is_empty() {
            return Err(HealthError::EmptyCommand);
        }
        Ok(argv)
    }

    /// The interval (`None`: checks only run on demand).
    pub fn interval(&self) -> Option<Duration> {
        (self.interval_ns > 0).then(|| Duration::from_nanos(self.interval_ns))
    }

    /// The timeout of one check (the default when 0).
    pub fn timeout(&self) -> Duration {
        match self.timeout_ns {
            0 => DEFAULT_TIMEOUT,
            n => Duration::from_nanos(n),
        }
    }

    /// The start period.
    pub fn start_period(&self) -> Duration {
        Duration::from_nanos(self.start_period_ns)
    }

    /// Failures in a row before unhealthy (the default when 0).
    pub fn retries(&self) -> u32 {
        match self.retries {
            0 => DEFAULT_RETRIES,
            n => n,
        }
    }
}

/// `--health-cmd` as Podman reads it: `none` disables; a JSON array is a `CMD` (a
/// single element, or one starting with CMD/CMD-SHELL/NONE, keeps Podman's reading);
/// any other string is a `CMD-SHELL` command (run by `/bin/sh -c`).
pub fn parse_health_cmd(s: &str) -> Result<Vec<String>, HealthError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(HealthError::EmptyCommand);
    }
    if s.eq_ignore_ascii_case("none") {
        return Ok(vec!["NONE".into()]);
    }
    let keyword = |w: &str| {
        let u = w.to_ascii_uppercase();
        u == "CMD" || u == "CMD-SHELL" || u == "NONE"
    };
    if let Ok(arr) = serde_json::from_str::<Vec<String>>(s) {
        let Some(first) = arr.first() else {
            return Err(HealthError::EmptyCommand);
        };
        let test = if keyword(first) {
            let mut t = arr.clone();
            t[0] = first.to_ascii_uppercase();
            t
        } else if arr.len() > 1 {
            std::iter::once("CMD".to_string()).chain(arr).collect()
        } else {
            vec!["CMD-SHELL".into(), first.clone()]
        };
        let cfg = HealthConfig::new(test.clone());
        if !cfg.is_disabled() {
            cfg.argv()?;
        }
        return Ok(test);
    }
    let (first, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    let test = match first.to_ascii_uppercase().as_str() {
        "CMD" => std::iter::once("CMD".to_string())
            .chain(rest.split_whitespace().map(str::to_string))
            .collect(),
        "CMD-SHELL" => vec!["CMD-SHELL".into(), rest.trim().to_string()],
        _ => vec!["CMD-SHELL".into(), s.to_string()],
    };
    HealthConfig::new(test.clone()).argv()?;
    Ok(test)
}

/// A Go duration (`1h2m3.5s`, `500ms`, `90s`, `0`) as Podman's duration flags take it.
/// Negative durations are refused.
pub fn parse_go_duration(flag: &'static str, s: &str) -> Result<Duration, HealthError> {
    crate::go_duration(s.trim()).ok_or_else(|| HealthError::BadDuration {
        flag,
        value: s.to_string(),
    })
}

/// The health of a container as the last checks found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Started, no successful check yet (or failures still within the start period /
    /// below the retries).
    #[default]
    Starting,
    /// The last check succeeded.
    Healthy,
    /// `retries` checks in a row failed.
    Unhealthy,
}

impl HealthStatus {
    /// Podman's word.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

/// One check's result (Podman's `HealthCheckLog`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthLogEntry {
    /// When the check started.
    pub start: DateTime<Utc>,
    /// When it ended.
    pub end: DateTime<Utc>,
    /// Its exit code (-1: it timed out).
    pub exit_code: i32,
    /// Its output (stdout then stderr), at most [`MAX_LOG_OUTPUT`] bytes.
    pub output: String,
}

/// What the checks of the current run found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthState {
    /// Status.
    pub status: HealthStatus,
    /// Failures in a row (outside the start period).
    pub failing_streak: u32,
    /// The last [`MAX_LOG_ENTRIES`] results, oldest first.
    pub log: Vec<HealthLogEntry>,
}

impl HealthState {
    /// Applies one result: a success is healthy and resets the streak; a failure
    /// within the start period only goes to the log; any other failure extends the
    /// streak, and `retries` in a row are unhealthy. Returns the new status.
    pub fn record(
        &mut self,
        mut entry: HealthLogEntry,
        retries: u32,
        in_start_period: bool,
    ) -> HealthStatus {
        if entry.output.len() > MAX_LOG_OUTPUT {
            let mut cut = MAX_LOG_OUTPUT;
            while !entry.output.is_char_boundary(cut) {
                cut -= 1;
            }
            entry.output.truncate(cut);
        }
        if entry.exit_code == 0 {
            self.status = HealthStatus::Healthy;
            self.failing_streak = 0;
        } else if !in_start_period {
            self.failing_streak = self.failing_streak.saturating_add(1);
            if self.failing_streak >= retries.max(1) {
                self.status = HealthStatus::Unhealthy;
            }
        }
        self.log.push(entry);
        if self.log.len() > MAX_LOG_ENTRIES {
            let extra = self.log.len() - MAX_LOG_ENTRIES;
            self.log.drain(..extra);
        }
        self.status
    }

    /// A new run: `starting`, no streak; the log of earlier runs stays.
    pub fn restarted(&self) -> HealthState {
        HealthState {
            status: HealthStatus::Starting,
            failing_streak: 0,
            log: self.log.clone(),
        }
    }
}

/// The monitor process that runs a container's checks on schedule: its pid and start
/// time (`/proc/<pid>/stat` field 22), so a reused pid is never taken for it.
pub type MonitorRecord = crate::process::ProcessRecord;

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: i32) -> HealthLogEntry {
        HealthLogEntry {
            start: Utc::now(),
            end: Utc::now(),
            exit_code: code,
            output: String::new(),
        }
    }

    #[test]
    fn health_cmd_forms() {
        assert_eq!(parse_health_cmd("none").unwrap(), ["NONE"]);
        assert_eq!(
            parse_health_cmd("test -f /ok").unwrap(),
            ["CMD-SHELL", "test -f /ok"]
        );
        assert_eq!(
            parse_health_cmd(r#"["test", "-f", "/ok"]"#).unwrap(),
            ["CMD", "test", "-f", "/ok"]
        );
        assert_eq!(
            parse_health_cmd(r#"["CMD-SHELL", "exit 1"]"#).unwrap(),
            ["CMD-SHELL", "exit 1"]
        );
        assert_eq!(
            parse_health_cmd(r#"["true"]"#).unwrap(),
            ["CMD-SHELL", "true"]
        );
        assert_eq!(
            parse_health_cmd("CMD true x").unwrap(),
            ["CMD", "true", "x"]
        );
        assert_eq!(parse_health_cmd(""), Err(HealthError::EmptyCommand));
        assert_eq!(parse_health_cmd("[]"), Err(HealthError::EmptyCommand));
        assert_eq!(
            parse_health_cmd(r#"["CMD"]"#),
            Err(HealthError::EmptyCommand)
        );
    }

    #[test]
    fn argv_of_each_kind() {
        let c = HealthConfig::new(vec!["CMD-SHELL".into(), "exit 3".into()]);
        assert_eq!(c.argv().unwrap(), ["/bin/sh", "-c", "exit 3"]);
        let c = HealthConfig::new(vec!["CMD".into(), "true".into()]);
        assert_eq!(c.argv().unwrap(), ["true"]);
        assert!(HealthConfig::new(vec!["NONE".into()]).is_disabled());
        assert_eq!(
            HealthConfig::new(vec!["RUN".into(), "x".into()]).argv(),
            Err(HealthError::BadTestKind("RUN".into()))
        );
    }

    #[test]
    fn go_durations() {
        let d = |s| parse_go_duration("--health-interval", s);
        assert_eq!(d("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(d("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(d("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(d("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(d("0").unwrap(), Duration::ZERO);
        for bad in ["", "10", "-1s", "5x", "s"] {
            assert!(
                matches!(d(bad), Err(HealthError::BadDuration { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn status_moves_with_results() {
        let mut h = HealthState::default();
        assert_eq!(h.record(entry(1), 2, true), HealthStatus::Starting);
        assert_eq!(h.failing_streak, 0, "start period failures do not count");
        assert_eq!(h.record(entry(0), 2, true), HealthStatus::Healthy);
        assert_eq!(h.record(entry(1), 2, false), HealthStatus::Healthy);
        assert_eq!(h.failing_streak, 1);
        assert_eq!(h.record(entry(1), 2, false), HealthStatus::Unhealthy);
        assert_eq!(h.failing_streak, 2);
        assert_eq!(h.record(entry(0), 2, false), HealthStatus::Healthy);
        assert_eq!(h.failing_streak, 0);
        for _ in 0..10 {
            h.record(entry(7), 2, false);
        }
        assert_eq!(h.log.len(), MAX_LOG_ENTRIES);
        let r = h.restarted();
        assert_eq!((r.status, r.failing_streak), (HealthStatus::Starting, 0));
        assert_eq!(r.log.len(), MAX_LOG_ENTRIES);
    }

    #[test]
    fn long_output_is_cut_on_a_char_boundary() {
        let mut h = HealthState::default();
        let mut e = entry(0);
        e.output = "é".repeat(400);
        h.record(e, 3, false);
        assert!(h.log[0].output.len() <= MAX_LOG_OUTPUT);
        assert!(h.log[0].output.chars().all(|c| c == 'é'));
    }

    #[test]
    fn old_rows_and_defaults() {
        let c: HealthConfig = serde_json::from_str(r#"{"test":["CMD","true"]}"#).unwrap();
        assert_eq!(c.interval(), None);
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.retries(), DEFAULT_RETRIES);
        assert_eq!(c.on_failure, HealthOnFailure::None);
        assert_eq!(
            "restart".parse::<HealthOnFailure>(),
            Ok(HealthOnFailure::Restart)
        );
        assert!("reboot".parse::<HealthOnFailure>().is_err());
    }
}
