//! The input side of healthchecks, a leaf of core: the `create`/`run` flags, how they
//! combine with the image's `Healthcheck`, and the error of a check that cannot run.

use std::time::Duration;

use libpod_config::{HealthConfig, HealthError, HealthOnFailure};

/// Why a healthcheck could not run (Podman's messages).
#[derive(Debug, thiserror::Error)]
pub enum HealthcheckError {
    /// The container has no healthcheck, or it is disabled (`NONE`).
    #[error("container {0} has no defined healthcheck")]
    NoHealthcheck(String),
    /// The container does not run.
    #[error("container {0} is not running")]
    NotRunning(String),
    /// The healthcheck setting itself is unusable.
    #[error(transparent)]
    Config(#[from] HealthError),
}

/// The healthcheck flags of `create`/`run` (`--health-*`, `--no-healthcheck`): each
/// one given overrides the image's `Healthcheck`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HealthOptions {
    /// `--health-cmd` as a `Test` array (see `libpod_config::health::parse_health_cmd`).
    pub test: Option<Vec<String>>,
    /// `--health-interval` (zero: `disable`, no scheduled checks).
    pub interval: Option<Duration>,
    /// `--health-timeout`.
    pub timeout: Option<Duration>,
    /// `--health-start-period`.
    pub start_period: Option<Duration>,
    /// `--health-retries`.
    pub retries: Option<u32>,
    /// `--health-on-failure`.
    pub on_failure: Option<HealthOnFailure>,
    /// `--no-healthcheck`: none, not even the image's.
    pub disable: bool,
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos().min(u128::from(u64::MAX)) as u64
}

/// The container's healthcheck from the image's and the flags (Podman's precedence:
/// a flag wins over the image's value). `None`: no healthcheck. Bad values are
/// refused before anything is created.
pub(crate) fn resolve(
    image: Option<&libpod_storage::ImageHealthcheck>,
    opts: &HealthOptions,
) -> std::result::Result<Option<HealthConfig>, HealthError> {
    if let Some(i) = opts.interval.filter(|d| !d.is_zero()) {
        if i < Duration::from_secs(1) {
            return Err(HealthError::TooShort {
                flag: "healthcheck-interval",
            });
        }
    }
    if opts.timeout.is_some_and(|t| t < Duration::from_secs(1)) {
        return Err(HealthError::TooShort {
            flag: "healthcheck-timeout",
        });
    }
    if opts.retries == Some(0) {
        return Err(HealthError::ZeroRetries);
    }
    if opts.disable {
        return Ok(None);
    }
    let from_image = image.filter(|h| !h.test.is_empty()).map(|h| {
        let mut c = HealthConfig::new(h.test.clone());
        let pos = |n: i64| u64::try_from(n).ok().filter(|n| *n > 0);
        if let Some(n) = pos(h.interval) {
            c.interval_ns = n;
        }
        if let Some(n) = pos(h.timeout) {
            c.timeout_ns = n;
        }
        if let Some(n) = pos(h.start_period) {
            c.start_period_ns = n;
        }
        if let Some(n) = pos(h.retries) {
            c.retries = u32::try_from(n).unwrap_or(u32::MAX);
        }
        c
    });
    let mut c = match (&opts.test, from_image) {
        (Some(t), Some(mut c)) => {
            c.test = t.clone();
            c
        }
        (Some(t), None) => HealthConfig::new(t.clone()),
        (None, Some(c)) => c,
        (None, None) => {
            return match opts.on_failure {
                Some(a) if a != HealthOnFailure::None => {
                    Err(HealthError::OnFailureWithoutCheck(a.as_str().to_string()))
                }
                _ => Ok(None),
            };
        }
    };
    if c.is_disabled() {
        return Ok(None);
    }
    c.argv()?;
    if let Some(d) = opts.interval {
        c.interval_ns = nanos(d);
    }
    if let Some(d) = opts.timeout {
        c.timeout_ns = nanos(d);
    }
    if let Some(d) = opts.start_period {
        c.start_period_ns = nanos(d);
    }
    if let Some(r) = opts.retries {
        c.retries = r;
    }
    if let Some(a) = opts.on_failure {
        c.on_failure = a;
    }
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_image() {
        let img = libpod_storage::ImageHealthcheck {
            test: vec!["CMD-SHELL".into(), "test -e /ok".into()],
            interval: 5_000_000_000,
            retries: 2,
            ..Default::default()
        };
        let c = resolve(Some(&img), &HealthOptions::default())
            .unwrap()
            .unwrap();
        assert_eq!(c.interval(), Some(Duration::from_secs(5)));
        assert_eq!(
            (c.retries(), c.timeout()),
            (2, libpod_config::health::DEFAULT_TIMEOUT)
        );
        let o = HealthOptions {
            interval: Some(Duration::ZERO),
            on_failure: Some(HealthOnFailure::Kill),
            ..Default::default()
        };
        let c = resolve(Some(&img), &o).unwrap().unwrap();
        assert_eq!((c.interval(), c.on_failure), (None, HealthOnFailure::Kill));
        assert_eq!(c.test, img.test);
        let o = HealthOptions {
            disable: true,
            ..Default::default()
        };
        assert_eq!(resolve(Some(&img), &o).unwrap(), None);
        let o = HealthOptions {
            test: Some(vec!["NONE".into()]),
            ..Default::default()
        };
        assert_eq!(resolve(Some(&img), &o).unwrap(), None);
        assert_eq!(resolve(None, &HealthOptions::default()).unwrap(), None);
        // An on-failure action needs a healthcheck (Podman's words); `none` does not.
        let kill = HealthOptions {
            on_failure: Some(HealthOnFailure::Kill),
            ..Default::default()
        };
        assert_eq!(
            resolve(None, &kill).unwrap_err().to_string(),
            "cannot set on-failure action to kill without a health check"
        );
        let none = HealthOptions {
            on_failure: Some(HealthOnFailure::None),
            ..Default::default()
        };
        assert_eq!(resolve(None, &none).unwrap(), None);
    }

    #[test]
    fn bad_values_are_refused() {
        let o = HealthOptions {
            test: Some(vec!["CMD".into(), "true".into()]),
            interval: Some(Duration::from_millis(500)),
            ..Default::default()
        };
        assert!(matches!(
            resolve(None, &o),
            Err(HealthError::TooShort { .. })
        ));
        // A valid interval, so the retries are what is refused.
        let o = HealthOptions {
            retries: Some(0),
            interval: None,
            ..o
        };
        assert!(matches!(resolve(None, &o), Err(HealthError::ZeroRetries)));
    }
}
