//! Go's `time.ParseDuration` syntax (`1h30m`, `250ms`, `1.5s`, `0`), unsigned: the one
//! parser behind healthcheck intervals, `events --since 10m`, `system check --max`
//! and the CLI's timeouts. Callers add their own rules (a sign, a bare number) on top.

use std::time::Duration;

/// Parses a Go duration without a sign (a leading `+` is accepted): `None` for
/// anything Go would refuse (no unit, an unknown unit, an empty string) or a value
/// too large for [`Duration`].
///
/// ```
/// use std::time::Duration;
/// assert_eq!(libpod_config::go_duration("1m30s"), Some(Duration::from_secs(90)));
/// assert_eq!(libpod_config::go_duration("250ms"), Some(Duration::from_millis(250)));
/// assert_eq!(libpod_config::go_duration("0"), Some(Duration::ZERO));
/// assert_eq!(libpod_config::go_duration("5"), None);
/// ```
pub fn go_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Some(Duration::ZERO);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * scale;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_syntax_and_refusals() {
        assert_eq!(
            go_duration("1h2m3.5s"),
            Some(Duration::from_secs_f64(3723.5))
        );
        assert_eq!(go_duration("+10us"), Some(Duration::from_micros(10)));
        assert_eq!(go_duration("10µs"), Some(Duration::from_micros(10)));
        assert_eq!(go_duration("3ns"), Some(Duration::from_nanos(3)));
        for bad in ["", "-1s", "5", "1d", "s", "1.2.3s", "1e400h"] {
            assert_eq!(go_duration(bad), None, "{bad:?}");
        }
    }
}
