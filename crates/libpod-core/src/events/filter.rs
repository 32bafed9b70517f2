//! Podman's event filters: `--filter key=value` (values of one key OR, keys
//! AND), `--since`/`--until` (RFC 3339, a date, unix time, or a Go duration
//! before/after now).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::{Event, EventType, EventsError};

/// One `key=value` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    /// Of `kind` with this name or id prefix.
    Named(EventType, String),
    /// A volume by name (volumes have no id).
    Volume(String),
    /// The status word (`event=` or `status=`).
    Status(String),
    /// The type word.
    Type(String),
    /// A label (attribute) `key=value`, or just `key` present.
    Label(String, Option<String>),
    /// The network of the event.
    Network(String),
}

impl Cond {
    fn matches(&self, e: &Event) -> bool {
        match self {
            Cond::Named(kind, v) => e.kind == *kind && (e.name == *v || e.id.starts_with(v)),
            Cond::Volume(v) => e.kind == EventType::Volume && (e.name == *v || e.id == *v),
            Cond::Status(v) => e.status.as_str() == v,
            Cond::Type(v) => e.kind.as_str() == v,
            Cond::Label(k, v) => e
                .attributes
                .as_ref()
                .and_then(|a| a.get(k))
                .is_some_and(|have| v.as_ref().is_none_or(|want| have == want)),
            Cond::Network(v) => e.network == *v,
        }
    }
}

/// A parsed set of filters; [`EventFilter::matches`] decides per event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    groups: BTreeMap<&'static str, Vec<Cond>>,
    since: Option<DateTime<FixedOffset>>,
    until: Option<DateTime<FixedOffset>>,
}

impl EventFilter {
    /// Parses Podman's `--filter` values and `--since`/`--until`.
    pub fn parse(
        filters: &[String],
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<EventFilter, EventsError> {
        let mut f = EventFilter::default();
        for raw in filters {
            let (key, val) = raw
                .split_once('=')
                .ok_or_else(|| EventsError::InvalidFilter(raw.clone()))?;
            let val = val.to_string();
            let (group, cond) = match key.to_ascii_lowercase().as_str() {
                "container" => ("container", Cond::Named(EventType::Container, val)),
                "image" => ("image", Cond::Named(EventType::Image, val)),
                "pod" => ("pod", Cond::Named(EventType::Pod, val)),
                "volume" => ("volume", Cond::Volume(val)),
                "event" | "status" => ("event", Cond::Status(val)),
                "type" => ("type", Cond::Type(val)),
                "network" => ("network", Cond::Network(val)),
                "label" => {
                    let (k, v) = match val.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (val, None),
                    };
                    ("label", Cond::Label(k, v))
                }
                _ => return Err(EventsError::InvalidFilter(key.to_string())),
            };
            f.groups.entry(group).or_default().push(cond);
        }
        let time = |which: &'static str, v: Option<&str>, since: bool| {
            v.filter(|s| !s.is_empty())
                .map(|s| {
                    parse_input_time(s, since).ok_or_else(|| EventsError::InvalidTime {
                        which,
                        value: s.to_string(),
                    })
                })
                .transpose()
        };
        f.since = time("since", since, true)?;
        f.until = time("until", until, false)?;
        Ok(f)
    }

    /// True if `e` passes every key (one of its values) and the time window.
    pub fn matches(&self, e: &Event) -> bool {
        self.since.is_none_or(|s| e.time > s)
            && self.until.is_none_or(|u| e.time < u)
            && self
                .groups
                .values()
                .all(|conds| conds.iter().any(|c| c.matches(e)))
    }

    /// The `--until` time, if any (a streaming reader stops there).
    pub fn until(&self) -> Option<DateTime<FixedOffset>> {
        self.until
    }

    /// The `--since` time, if any.
    pub fn since(&self) -> Option<DateTime<FixedOffset>> {
        self.since
    }
}

/// Podman's reading of a `--since`/`--until` value: RFC 3339 (with or without
/// fraction or zone), a date, a unix time (`1700000000.5`), or a Go duration
/// (`1h30m`) counted back from now for `since`, forward for `until`.
pub fn parse_input_time(s: &str, since: bool) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&t).fixed_offset());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(
            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?)
                .fixed_offset(),
        );
    }
    // "2006-01-02Z07:00": a date with a zone.
    if s.len() > 10 && s.is_char_boundary(10) {
        let (date, zone) = s.split_at(10);
        if let Ok(d) = NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            let off = if zone == "Z" {
                Some(FixedOffset::east_opt(0)?)
            } else {
                DateTime::parse_from_rfc3339(&format!("{date}T00:00:00{zone}"))
                    .ok()
                    .map(|t| *t.offset())
            };
            if let Some(off) = off {
                return off.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single();
            }
        }
    }
    if let Ok(f) = s.parse::<f64>() {
        if f.is_finite() {
            let secs = f.trunc() as i64;
            let nanos = ((f - f.trunc()) * 1e9) as u32;
            return DateTime::from_timestamp(secs, nanos).map(|t| t.fixed_offset());
        }
    }
    let d = parse_go_duration(s)?;
    let now = Utc::now();
    let t = if since { now - d } else { now + d };
    Some(t.fixed_offset())
}

/// Go's `time.ParseDuration`: `[-+]` then one or more decimal numbers with a
/// unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `1h30m`, `1.5s`; `0` alone.
pub(crate) fn parse_go_duration(s: &str) -> Option<chrono::TimeDelta> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let nanos = i64::try_from(libpod_config::go_duration(rest)?.as_nanos()).ok()?;
    Some(chrono::TimeDelta::nanoseconds(if neg {
        -nanos
    } else {
        nanos
    }))
}

#[cfg(test)]
mod tests {
    use super::super::EventStatus;
    use super::*;

    fn ev(kind: EventType, status: EventStatus, name: &str, id: &str) -> Event {
        Event {
            name: name.into(),
            id: id.into(),
            ..Event::new(kind, status)
        }
    }

    #[test]
    fn same_key_ors_different_keys_and() {
        let f = EventFilter::parse(
            &[
                "container=foo".into(),
                "container=bar".into(),
                "event=start".into(),
            ],
            None,
            None,
        )
        .unwrap();
        assert!(f.matches(&ev(EventType::Container, EventStatus::Start, "foo", "1")));
        assert!(f.matches(&ev(EventType::Container, EventStatus::Start, "bar", "2")));
        assert!(!f.matches(&ev(EventType::Container, EventStatus::Start, "x", "abc")));
        assert!(!f.matches(&ev(EventType::Container, EventStatus::Stop, "foo", "1")));
        // Id prefix, and the type matters.
        let f = EventFilter::parse(&["container=ab".into()], None, None).unwrap();
        assert!(f.matches(&ev(EventType::Container, EventStatus::Start, "x", "abc")));
        assert!(!f.matches(&ev(EventType::Image, EventStatus::Pull, "x", "abc")));
    }

    #[test]
    fn labels_and_errors() {
        let mut e = ev(EventType::Container, EventStatus::Died, "c", "1");
        e.attributes = Some([("k".to_string(), "v w".to_string())].into());
        let f = EventFilter::parse(&["label=k=v w".into()], None, None).unwrap();
        assert!(f.matches(&e));
        let f = EventFilter::parse(&["label=k=v".into()], None, None).unwrap();
        assert!(!f.matches(&e));
        let f = EventFilter::parse(&["label=k".into()], None, None).unwrap();
        assert!(f.matches(&e));
        assert!(EventFilter::parse(&["nokey".into()], None, None).is_err());
        assert!(EventFilter::parse(&["color=red".into()], None, None).is_err());
        assert!(EventFilter::parse(&[], Some("yesterday-ish"), None).is_err());
    }

    #[test]
    fn input_times() {
        let t = parse_input_time("2022-03-06T11:26:42.723667984+02:00", true).unwrap();
        assert_eq!(t.timestamp(), 1646558802);
        assert_eq!(
            parse_input_time("2022-03-06", true).unwrap().timestamp(),
            1646524800
        );
        assert_eq!(
            parse_input_time("1646558802.5", true)
                .unwrap()
                .timestamp_millis(),
            1646558802500
        );
        let ago = parse_input_time("1h30m", true).unwrap();
        let d = Utc::now().fixed_offset() - ago;
        assert!((d.num_seconds() - 5400).abs() < 5, "{d}");
        let later = parse_input_time("10s", false).unwrap();
        assert!(later > Utc::now().fixed_offset());
        assert_eq!(
            parse_go_duration("1.5s"),
            Some(chrono::TimeDelta::milliseconds(1500))
        );
        assert_eq!(parse_go_duration("5x"), None);
        assert_eq!(parse_go_duration(""), None);
        assert!(parse_input_time("2022-03-06Z", true).is_some());
        assert!(parse_input_time("2022-03-06+02:00", true).is_some());
    }
}
