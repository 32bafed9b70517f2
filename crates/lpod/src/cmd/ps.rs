//! `lpod ps`: a table like Podman's, ids only, JSON, or a Go template per row.

use chrono::{DateTime, Utc};
use libpod_core::{ContainerSummary, Runtime};
use serde_json::{json, Value};

use super::{print_json, CmdResult};
use crate::cli::PsArgs;
use crate::format;
use crate::parse::{self, PsFilter};

fn matches(s: &ContainerSummary, f: &PsFilter) -> bool {
    match f {
        PsFilter::Status(st) => s.state == *st || (st == "exited" && s.state == "stopped"),
        PsFilter::Name(n) => s.name.contains(n.as_str()),
        PsFilter::Id(p) => s.id.starts_with(p.as_str()),
        PsFilter::Label(k, v) => match (s.labels.get(k), v) {
            (Some(_), None) => true,
            (Some(have), Some(want)) => have == want,
            (None, _) => false,
        },
    }
}

/// The STATUS column for a summary.
pub fn status_text(s: &ContainerSummary, now: DateTime<Utc>) -> String {
    format::status_column(
        &s.state,
        Some(s.exit_code),
        s.started_time,
        s.exited_time,
        now,
    )
}

/// Podman's `ps --format json` "Ports" list from core's `127.0.0.1:8080->80/tcp, ...`
/// column (null when the container publishes nothing, as Podman prints).
fn ports_json(ports: &str) -> Value {
    let list: Vec<Value> = ports
        .split(", ")
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (host, rest) = p.split_once("->")?;
            let (container, proto) = rest.split_once('/').unwrap_or((rest, "tcp"));
            let (ip, hport) = host.rsplit_once(':').unwrap_or(("", host));
            Some(json!({
                "host_ip": ip,
                "host_port": hport.parse::<u16>().ok()?,
                "container_port": container.parse::<u16>().ok()?,
                "protocol": proto,
                "range": 1,
            }))
        })
        .collect();
    if list.is_empty() {
        Value::Null
    } else {
        Value::Array(list)
    }
}

/// Podman's `ps --format json` object for one container.
pub fn json_row(s: &ContainerSummary, now: DateTime<Utc>) -> Value {
    let unix = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp()).unwrap_or(0);
    json!({
        "AutoRemove": s.auto_remove,
        "Command": s.command,
        "Created": s.created_time.timestamp(),
        "CreatedAt": format::ago(s.created_time, now),
        "Exited": s.exited,
        "ExitedAt": unix(s.exited_time),
        "ExitCode": s.exit_code,
        "Id": s.id,
        "Image": s.image,
        "ImageID": s.image_id,
        "Labels": s.labels,
        "Names": [s.name],
        "Pid": s.pid,
        "Ports": ports_json(&s.ports),
        "StartedAt": unix(s.started_time),
        "State": s.state,
        "Status": status_text(s, now),
    })
}

/// What a `ps --format '{{...}}'` template sees: Podman's field names, display values.
fn template_row(s: &ContainerSummary, now: DateTime<Utc>, no_trunc: bool) -> Value {
    json!({
        "Pod": format::short_id(&s.pod, no_trunc),
        "ID": format::short_id(&s.id, no_trunc),
        "Image": s.image,
        "ImageID": s.image_id,
        "Command": format::command_column(&s.command, no_trunc),
        "CreatedAt": s.created,
        "Created": format::ago(s.created_time, now),
        "RunningFor": format::ago(s.created_time, now),
        "Status": status_text(s, now),
        "State": s.state,
        "Names": s.name,
        "Labels": s.labels,
        "Ports": s.ports,
        "ExitCode": s.exit_code,
        "Pid": s.pid,
        "AutoRemove": s.auto_remove,
    })
}

/// `lpod ps`.
pub fn ps(rt: &Runtime, a: PsArgs) -> CmdResult {
    let filters = a
        .filter
        .iter()
        .map(|f| parse::ps_filter(f))
        .collect::<Result<Vec<_>, _>>()?;
    // Check a template before touching the store, so a typo fails fast.
    if let Some(t) = a.format.as_deref().filter(|t| !format::is_json(Some(t))) {
        format::check_template(t)?;
    }
    let now = Utc::now();
    let mut rows: Vec<ContainerSummary> = rt
        .list_containers()?
        .into_iter()
        .filter(|s| a.all || a.external || !filters.is_empty() || s.state == "running")
        .filter(|s| filters.iter().all(|f| matches(s, f)))
        .collect();
    // Newest first, as Podman lists.
    rows.sort_by_key(|s| std::cmp::Reverse(s.created_time));
    if a.quiet {
        for s in &rows {
            println!("{}", format::short_id(&s.id, a.no_trunc));
        }
        return Ok(0);
    }
    match a.format.as_deref() {
        f if format::is_json(f) => {
            let v: Vec<Value> = rows.iter().map(|s| json_row(s, now)).collect();
            print_json(&v)?;
        }
        Some(t) => {
            for s in &rows {
                println!(
                    "{}",
                    format::template(t, &template_row(s, now, a.no_trunc))?
                );
            }
        }
        None => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|s| {
                    vec![
                        format::short_id(&s.id, a.no_trunc).to_string(),
                        s.image.clone(),
                        format::command_column(&s.command, a.no_trunc),
                        format::ago(s.created_time, now),
                        status_text(s, now),
                        s.ports.clone(),
                        s.name.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                format::table(
                    &[
                        "CONTAINER ID",
                        "IMAGE",
                        "COMMAND",
                        "CREATED",
                        "STATUS",
                        "PORTS",
                        "NAMES"
                    ],
                    &table
                )
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_column_becomes_podmans_json_list() {
        assert_eq!(ports_json(""), Value::Null);
        let v = ports_json("127.0.0.1:8080->80/tcp, 0.0.0.0:53->53/udp");
        assert_eq!(v[0]["host_ip"], "127.0.0.1");
        assert_eq!(v[0]["host_port"], 8080);
        assert_eq!(v[0]["container_port"], 80);
        assert_eq!(v[1]["protocol"], "udp");
    }
}
