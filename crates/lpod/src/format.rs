//! Output: Podman-style tables, human durations and sizes, and a small Go-template subset
//! (`{{.Field.Sub}}`, `{{json .X}}`, `{{index .Labels "k"}}`) over JSON values.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

/// A template that does not parse or refers to something that does not exist.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// Unbalanced `{{` / `}}`.
    #[error("template {0:?}: unclosed action")]
    Unclosed(String),
    /// An action we do not support.
    #[error("template {template:?}: unsupported action {action:?} (supported: .Field.Path, json .X, index .X \"key\")")]
    Unsupported {
        /// The whole template.
        template: String,
        /// The action.
        action: String,
    },
    /// A field that is not there.
    #[error("template {template:?}: can't evaluate field {field} ")]
    NoField {
        /// The whole template.
        template: String,
        /// The field path.
        field: String,
    },
}

/// Renders rows as Podman does (Go tabwriter, minwidth 12, padding 2): every column but the
/// last is padded to max(12, widest cell + 2).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, c) in cells.enumerate() {
            if i + 1 < n {
                let w = (widths[i] + 2).max(12);
                let _ = write!(s, "{c:<w$}");
            } else {
                s.push_str(c);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

/// Human duration as Docker's go-units `HumanDuration` writes it ("3 seconds", "About a minute").
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        return "Less than a second".into();
    }
    let s = secs as u64;
    if s == 1 {
        return "1 second".into();
    }
    if s < 60 {
        return format!("{s} seconds");
    }
    let minutes = s / 60;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (secs / 3600.0 + 0.5) as u64;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", (secs / 3600.0) as u64 / 24 / 365)
}

/// "2 minutes ago" for a moment before `now` (a moment in the future counts as now).
pub fn ago(t: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let d = (now - t).to_std().unwrap_or_default();
    format!("{} ago", human_duration(d))
}

/// Size with 3 significant digits and decimal units, as `podman images` prints ("1.46 MB").
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    // Three significant digits without Go's %g exponent form.
    let mut text = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    // Rounding can reach the next unit (999.6 kB -> "1000").
    if text == "1000" && i + 1 < UNITS.len() {
        text = "1".into();
        i += 1;
    }
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').into();
    }
    format!("{text} {}", UNITS[i])
}

/// The first 12 characters of an id (or the whole id with `no_trunc`).
pub fn short_id(id: &str, no_trunc: bool) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    if no_trunc || id.len() <= 12 {
        id
    } else {
        &id[..12]
    }
}

/// A command line for `ps`: words joined by spaces, quoted-ish like Podman, cut to 17 + "...".
pub fn command_column(argv: &[String], no_trunc: bool) -> String {
    let s = argv.join(" ");
    if no_trunc || s.chars().count() <= 20 {
        s
    } else {
        let cut: String = s.chars().take(17).collect();
        format!("{cut}...")
    }
}

/// The STATUS column of `ps`, as Podman writes it.
pub fn status_column(
    status: &str,
    exit_code: Option<i32>,
    started: Option<chrono::DateTime<chrono::Utc>>,
    finished: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    match status {
        "running" => match started {
            Some(t) => format!("Up {}", ago(t, now)),
            None => "Up".into(),
        },
        "paused" => "Paused".into(),
        "exited" | "stopped" => {
            let code = exit_code.unwrap_or(0);
            match finished {
                Some(t) => format!("Exited ({code}) {}", ago(t, now)),
                None => format!("Exited ({code})"),
            }
        }
        "created" | "configured" => "Created".into(),
        "stopping" => "Stopping".into(),
        "removing" => "Removing".into(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => "Unknown".into(),
            }
        }
    }
}

/// Whether a `--format` value asks for JSON.
pub fn is_json(format: Option<&str>) -> bool {
    matches!(format.map(str::trim), Some("json") | Some("{{json .}}"))
}

/// Renders a Go-template subset against `v`: text with `{{.A.B}}`, `{{json .A}}`,
/// `{{index .A "key"}}`, `{{.}}`; a `table ` prefix is dropped; `\t` and `\n` escapes work.
/// Field names match case-insensitively, and `ID` also finds `Id`.
pub fn template(tpl: &str, v: &Value) -> Result<String, TemplateError> {
    let body = tpl.strip_prefix("table ").unwrap_or(tpl);
    let body = body.replace("\\t", "\t").replace("\\n", "\n");
    let mut out = String::new();
    let mut rest = body.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| TemplateError::Unclosed(tpl.into()))?;
        let action = after[..end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        out.push_str(&eval(tpl, action, v)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn eval(tpl: &str, action: &str, v: &Value) -> Result<String, TemplateError> {
    let words: Vec<&str> = split_words(action);
    let unsupported = || TemplateError::Unsupported {
        template: tpl.into(),
        action: action.into(),
    };
    match words.as_slice() {
        [path] if path.starts_with('.') => Ok(scalar(lookup(tpl, v, path)?)),
        ["json", path] if path.starts_with('.') => {
            Ok(serde_json::to_string(lookup(tpl, v, path)?).unwrap_or_default())
        }
        ["index", path, key] if path.starts_with('.') => {
            let base = lookup(tpl, v, path)?;
            let key = key.trim_matches('"');
            let got = match base {
                Value::Object(m) => m.get(key).cloned().unwrap_or(Value::Null),
                Value::Array(a) => key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| a.get(i).cloned())
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
            Ok(scalar(&got))
        }
        _ => Err(unsupported()),
    }
}

fn split_words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if rest.starts_with('"') {
            let end = rest[1..].find('"').map(|i| i + 2).unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = rest[end..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
    }
    out
}

fn lookup<'a>(tpl: &str, v: &'a Value, path: &str) -> Result<&'a Value, TemplateError> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let next = match cur {
            Value::Object(m) => m.get(part).or_else(|| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(part))
                    .map(|(_, v)| v)
            }),
            _ => None,
        };
        cur = next.ok_or_else(|| TemplateError::NoField {
            template: tpl.into(),
            field: path.into(),
        })?;
    }
    Ok(cur)
}

/// Go's default printing of a value: strings bare, arrays as `[a b]`, maps as `map[k:v]`.
fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(scalar).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", scalar(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_pad_like_tabwriter() {
        let t = table(
            &["CONTAINER ID", "IMAGE", "NAMES"],
            &[vec![
                "0123456789ab".into(),
                "localhost/busybox:latest".into(),
                "x".into(),
            ]],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "CONTAINER ID  IMAGE                     NAMES");
        assert_eq!(lines[1], "0123456789ab  localhost/busybox:latest  x");
        // Short columns are at least 12 wide.
        let t = table(&["A", "B"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(t, format!("A{}B\n1{}2\n", " ".repeat(11), " ".repeat(11)));
    }

    #[test]
    fn durations_read_like_podman() {
        let s = Duration::from_secs;
        assert_eq!(
            human_duration(Duration::from_millis(300)),
            "Less than a second"
        );
        assert_eq!(human_duration(s(1)), "1 second");
        assert_eq!(human_duration(s(45)), "45 seconds");
        assert_eq!(human_duration(s(90)), "About a minute");
        assert_eq!(human_duration(s(150)), "2 minutes");
        assert_eq!(human_duration(s(3600)), "About an hour");
        assert_eq!(human_duration(s(3 * 3600)), "3 hours");
        assert_eq!(human_duration(s(3 * 86400)), "3 days");
        assert_eq!(human_duration(s(21 * 86400)), "3 weeks");
        assert_eq!(human_duration(s(90 * 86400)), "3 months");
        assert_eq!(human_duration(s(3 * 365 * 86400)), "3 years");
        let now = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        let then = chrono::DateTime::from_timestamp(1_000_000 - 120, 0).unwrap();
        assert_eq!(ago(then, now), "2 minutes ago");
        assert_eq!(ago(now, then), "Less than a second ago");
    }

    #[test]
    fn sizes_read_like_podman() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1_464_000), "1.46 MB");
        assert_eq!(human_size(4_860), "4.86 kB");
        assert_eq!(human_size(12_345_678), "12.3 MB");
        assert_eq!(human_size(123_456_789), "123 MB");
        assert_eq!(human_size(999_600), "1 MB");
        assert_eq!(human_size(2_000_000_000), "2 GB");
    }

    #[test]
    fn ids_and_commands() {
        let id = "a".repeat(64);
        assert_eq!(short_id(&id, false).len(), 12);
        assert_eq!(short_id(&id, true).len(), 64);
        assert_eq!(short_id(&format!("sha256:{id}"), false), "aaaaaaaaaaaa");
        assert_eq!(command_column(&["sh".into(), "-c".into()], false), "sh -c");
        let long: Vec<String> = vec![
            "sh".into(),
            "-c".into(),
            "while true; do sleep 1; done".into(),
        ];
        assert_eq!(command_column(&long, false), "sh -c while true;...");
        assert_eq!(
            command_column(&long, true),
            "sh -c while true; do sleep 1; done"
        );
    }

    #[test]
    fn statuses() {
        let now = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        let t = chrono::DateTime::from_timestamp(1_000_000 - 5, 0);
        assert_eq!(
            status_column("running", None, t, None, now),
            "Up 5 seconds ago"
        );
        assert_eq!(
            status_column("exited", Some(3), t, t, now),
            "Exited (3) 5 seconds ago"
        );
        assert_eq!(status_column("created", None, None, None, now), "Created");
        assert_eq!(status_column("paused", None, t, None, now), "Paused");
    }

    #[test]
    fn templates() {
        let v = json!({"Id": "abc", "State": {"Status": "running", "ExitCode": 0},
                       "Names": ["n1"], "Labels": {"k": "v"}});
        assert_eq!(template("{{.State.Status}}", &v).unwrap(), "running");
        assert_eq!(
            template("{{.ID}}\\t{{.State.ExitCode}} x", &v).unwrap(),
            "abc\t0 x"
        );
        assert_eq!(template("{{.Names}}", &v).unwrap(), "[n1]");
        assert_eq!(template("{{json .Names}}", &v).unwrap(), "[\"n1\"]");
        assert_eq!(template("{{index .Labels \"k\"}}", &v).unwrap(), "v");
        assert_eq!(template("{{ .state.status }}", &v).unwrap(), "running");
        assert!(matches!(
            template("{{.Nope}}", &v),
            Err(TemplateError::NoField { .. })
        ));
        assert!(template("{{.Id", &v).is_err());
        assert!(template("{{if .Id}}x{{end}}", &v).is_err());
        assert!(is_json(Some("json")));
        assert!(!is_json(Some("{{.Id}}")));
    }
}
