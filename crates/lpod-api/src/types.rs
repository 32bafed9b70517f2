//! Small conversions shared by the handlers: Docker's status words and times.

use libpod_core::libpod_config::ContainerStatus;

/// Docker's `State` word for a status.
pub(crate) fn docker_state(s: ContainerStatus) -> &'static str {
    match s {
        ContainerStatus::Configured | ContainerStatus::Created => "created",
        ContainerStatus::Running | ContainerStatus::Stopping => "running",
        ContainerStatus::Paused => "paused",
        ContainerStatus::Removing => "removing",
        ContainerStatus::Stopped | ContainerStatus::Exited => "exited",
        _ => "dead",
    }
}

/// Go's `units.HumanDuration`, as Docker's `Status` column uses it.
pub(crate) fn human_duration(d: chrono::Duration) -> String {
    let s = d.num_seconds();
    if s < 1 {
        return "Less than a second".into();
    }
    if s == 1 {
        return "1 second".into();
    }
    if s < 60 {
        return format!("{s} seconds");
    }
    let m = d.num_minutes();
    if m == 1 {
        return "About a minute".into();
    }
    if m < 60 {
        return format!("{m} minutes");
    }
    let h = (d.num_seconds() as f64 / 3600.0).round() as i64;
    if h == 1 {
        return "About an hour".into();
    }
    if h < 48 {
        return format!("{h} hours");
    }
    if h < 24 * 7 * 2 {
        return format!("{} days", h / 24);
    }
    if h < 24 * 30 * 2 {
        return format!("{} weeks", h / 24 / 7);
    }
    if h < 24 * 365 * 2 {
        return format!("{} months", h / 24 / 30);
    }
    format!("{} years", h / 24 / 365)
}

/// An RFC 3339 time as Unix seconds (0 when unparsable or empty).
pub(crate) fn unix_secs(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .unwrap_or(0)
}

/// Docker's `since`/`until` value: Unix seconds (with optional fraction) or RFC 3339.
pub(crate) fn parse_time(v: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(f) = v.parse::<f64>() {
        let secs = f.trunc() as i64;
        let nanos = ((f - f.trunc()) * 1e9) as u32;
        return chrono::DateTime::from_timestamp(secs, nanos);
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_docker_prints_them() {
        assert_eq!(human_duration(chrono::Duration::seconds(5)), "5 seconds");
        assert_eq!(
            human_duration(chrono::Duration::seconds(70)),
            "About a minute"
        );
        assert_eq!(human_duration(chrono::Duration::hours(3)), "3 hours");
    }

    #[test]
    fn times_are_unix_seconds_or_rfc3339() {
        assert_eq!(parse_time("10").unwrap().timestamp(), 10);
        assert_eq!(
            parse_time("2024-01-02T03:04:05Z").unwrap().timestamp(),
            1704164645
        );
        assert!(parse_time("yesterday").is_none());
    }
}
