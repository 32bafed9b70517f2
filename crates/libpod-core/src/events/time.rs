//! Times the way Go writes them: `Time` in the log is Go's RFC3339Nano (trailing
//! zeros of the fraction dropped, `Z` for UTC), and the text line and templates
//! print Go's `time.Time.String()` (`2006-01-02 15:04:05.999999999 -0700 MST`).

use chrono::{DateTime, FixedOffset, Timelike};

/// The fraction of a second as Go's `.999999999` prints it: nothing for zero,
/// else a dot and the digits without trailing zeros.
fn fraction(nanos: u32) -> String {
    if nanos == 0 {
        return String::new();
    }
    let digits = format!("{nanos:09}");
    format!(".{}", digits.trim_end_matches('0'))
}

/// Go's `time.RFC3339Nano` rendering of `t`.
pub fn go_rfc3339_nano(t: &DateTime<FixedOffset>) -> String {
    let off = t.offset().local_minus_utc();
    let zone = if off == 0 {
        "Z".to_string()
    } else {
        t.format("%:z").to_string()
    };
    format!(
        "{}{}{}",
        t.format("%Y-%m-%dT%H:%M:%S"),
        fraction(t.nanosecond() % 1_000_000_000),
        zone
    )
}

/// Go's `time.Time.String()` rendering of `t` (a zone without a name prints its
/// offset twice, as Go does for a fixed zone; offset 0 is `UTC`).
pub fn go_time_string(t: &DateTime<FixedOffset>) -> String {
    let off = t.format("%z").to_string();
    let name = if t.offset().local_minus_utc() == 0 {
        "UTC".to_string()
    } else {
        off.clone()
    };
    format!(
        "{}{} {off} {name}",
        t.format("%Y-%m-%d %H:%M:%S"),
        fraction(t.nanosecond() % 1_000_000_000)
    )
}

/// serde for `Time`: written as Go's RFC3339Nano, read from any RFC 3339 time.
pub(crate) mod serde_go {
    use chrono::{DateTime, FixedOffset};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        t: &DateTime<FixedOffset>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::go_rfc3339_nano(t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<DateTime<FixedOffset>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_renderings() {
        let t = DateTime::parse_from_rfc3339("2022-04-06T11:26:42.723667900+02:00").unwrap();
        assert_eq!(go_rfc3339_nano(&t), "2022-04-06T11:26:42.7236679+02:00");
        assert_eq!(
            go_time_string(&t),
            "2022-04-06 11:26:42.7236679 +0200 +0200"
        );
        let u = DateTime::parse_from_rfc3339("2022-04-06T11:26:42Z").unwrap();
        assert_eq!(go_rfc3339_nano(&u), "2022-04-06T11:26:42Z");
        assert_eq!(go_time_string(&u), "2022-04-06 11:26:42 +0000 UTC");
    }
}
