//! `lpod ps`: a table like Podman's, ids only, JSON, or a Go template per row.

use chrono::{DateTime, Utc};
use libpod_core::{ContainerSummary, Runtime};
use serde_json::{json, Value};

use super::filter::CtrFilters;
use super::CliError;
use super::{print_json, CmdResult};
use crate::cli::PsArgs;
use crate::format;

/// The STATUS column for a summary.
pub fn status_text(s: &ContainerSummary, now: DateTime<Utc>) -> String {
    let text = format::status_column(
        &s.state,
        Some(s.exit_code),
        s.started_time,
        s.exited_time,
        now,
    );
    // Podman: "Up 3 seconds (healthy)".
    if s.health.is_empty() {
        text
    } else {
        format!("{text} ({})", s.health)
    }
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
        "CreatedHuman": format::ago(s.created_time, now),
        "IsInfra": s.is_infra,
        "Exited": s.exited,
        "ExitedAt": s.exited_time.map(|t| t.timestamp()).unwrap_or(0),
        "StartedAt": s.started_time.map(|t| t.timestamp()).unwrap_or(0),
    })
}

/// The keys `ps --sort` takes.
const SORT_KEYS: &[&str] = &[
    "command",
    "created",
    "id",
    "image",
    "names",
    "pod",
    "runningfor",
    "size",
    "status",
];

/// Sorts rows by Podman's `--sort` key (ascending, as Podman).
fn sort_rows(rows: &mut [ContainerSummary], key: &str) {
    match key {
        "command" => rows.sort_by_key(|s| s.command.join(" ")),
        "created" | "size" => rows.sort_by_key(|s| s.created_time),
        "id" => rows.sort_by(|a, b| a.id.cmp(&b.id)),
        "image" => rows.sort_by(|a, b| a.image.cmp(&b.image)),
        "names" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        "pod" => rows.sort_by(|a, b| a.pod.cmp(&b.pod)),
        "runningfor" => rows.sort_by_key(|s| s.started_time),
        _ => rows.sort_by(|a, b| a.state.cmp(&b.state)),
    }
}

/// `ps --size`: the bytes the container wrote, and with its image's ("virtual"), in
/// go-units' short form as Podman prints them (`12.3kB (virtual 1.46MB)`).
fn size_column(rt: &Runtime, s: &ContainerSummary) -> Result<String, CliError> {
    let store = rt.store()?;
    let rw = match store.container_rw_size(&s.id) {
        Ok(n) => n,
        Err(libpod_storage::StoreError::ContainerNotFound(_)) => 0,
        Err(e) => return Err(e.into()),
    };
    let image = match store.image(&s.image_id) {
        Ok(i) => i.size,
        Err(libpod_storage::StoreError::ImageNotFound(_)) => 0,
        Err(e) => return Err(e.into()),
    };
    let short = |n: u64| format::human_size(n).replace(' ', "");
    Ok(format!("{} (virtual {})", short(rw), short(rw + image)))
}

/// The default table's columns; `--pod` adds the pod's id and name.
fn plain_table(
    rt: &Runtime,
    rows: &[ContainerSummary],
    now: DateTime<Utc>,
    no_trunc: bool,
    pod: bool,
) -> (&'static [&'static str], Vec<Vec<String>>) {
    const PLAIN: &[&str] = &[
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    const WITH_POD: &[&str] = &[
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
        "POD ID",
        "PODNAME",
    ];
    let table = rows
        .iter()
        .map(|s| {
            let mut row = vec![
                format::short_id(&s.id, no_trunc).to_string(),
                s.image.clone(),
                format::command_column(&s.command, no_trunc),
                format::ago(s.created_time, now),
                status_text(s, now),
                s.ports.clone(),
                s.name.clone(),
            ];
            if pod {
                let name = if s.pod.is_empty() {
                    String::new()
                } else {
                    rt.pod(&s.pod).and_then(|p| p.name()).unwrap_or_default()
                };
                row.push(format::short_id(&s.pod, no_trunc).to_string());
                row.push(name);
            }
            row
        })
        .collect();
    (if pod { WITH_POD } else { PLAIN }, table)
}

/// The inode number of one of a process's namespaces (`net:[4026531992]` → the number),
/// empty when the process is gone.
fn ns_inode(pid: i32, ns: &str) -> String {
    if pid <= 0 {
        return String::new();
    }
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .ok()
        .and_then(|l| {
            let l = l.to_string_lossy().into_owned();
            let start = l.find('[')? + 1;
            let end = l.rfind(']')?;
            Some(l[start..end].to_string())
        })
        .unwrap_or_default()
}

/// `ps --ns`: each container's init pid and namespace inodes, as Podman's columns.
fn ns_table(
    rows: &[ContainerSummary],
    no_trunc: bool,
) -> (&'static [&'static str], Vec<Vec<String>>) {
    const NS: &[&str] = &[
        "CONTAINER ID",
        "NAMES",
        "PID",
        "CGROUPNS",
        "IPC",
        "MNT",
        "NET",
        "PIDNS",
        "USERNS",
        "UTS",
    ];
    let table = rows
        .iter()
        .map(|s| {
            let mut row = vec![
                format::short_id(&s.id, no_trunc).to_string(),
                s.name.clone(),
                s.pid.to_string(),
            ];
            for ns in ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] {
                row.push(ns_inode(s.pid, ns));
            }
            row
        })
        .collect();
    (NS, table)
}

/// `lpod ps`.
pub fn ps(rt: &Runtime, a: PsArgs) -> CmdResult {
    let filters = CtrFilters::parse(rt, &a.filter)?;
    if let Some(k) = a.sort.as_deref() {
        if !SORT_KEYS.contains(&k) {
            return Err(CliError::Usage(
                "invalid option for --sort, options are: command, created, id, image, names, runningfor, size, or status".into(),
            ));
        }
    }
    // Parsed before touching the store, so a typo fails fast.
    let compiled = a
        .format
        .as_deref()
        .filter(|t| !format::is_json(Some(t)))
        .map(format::Template::parse)
        .transpose()?;
    let now = Utc::now();
    let last = if a.latest {
        Some(1)
    } else {
        a.last.filter(|n| *n >= 0)
    };
    // Podman (like Docker) lists every container when a status is asked for.
    let all = a.all || a.external || filters.has_status() || last.is_some();
    let mut rows: Vec<ContainerSummary> = rt
        .list_containers()?
        .into_iter()
        .filter(|s| all || s.state == "running")
        .filter(|s| filters.matches_in(rt, s))
        .collect();
    // Newest first, as Podman lists.
    rows.sort_by_key(|s| std::cmp::Reverse(s.created_time));
    if let Some(n) = last {
        rows.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if let Some(k) = a.sort.as_deref() {
        sort_rows(&mut rows, k);
    }
    if a.quiet {
        for s in &rows {
            println!("{}", format::short_id(&s.id, a.no_trunc));
        }
        return Ok(0);
    }
    match (a.format.as_deref(), compiled) {
        (f, _) if format::is_json(f) => {
            let v: Vec<Value> = rows.iter().map(|s| json_row(s, now)).collect();
            print_json(&v)?;
        }
        (Some(t), Some(compiled)) => {
            for s in &rows {
                let mut v = template_row(s, now, a.no_trunc);
                // Fields that cost a lookup, only when the template asks for them.
                if t.contains("PodName") {
                    v["PodName"] = Value::String(if s.pod.is_empty() {
                        String::new()
                    } else {
                        rt.pod(&s.pod).and_then(|p| p.name()).unwrap_or_default()
                    });
                }
                if t.contains(".Size") {
                    v["Size"] = Value::String(size_column(rt, s)?);
                }
                println!("{}", compiled.render(&v)?);
            }
        }
        _ => {
            let (header, mut table) = if a.ns {
                ns_table(&rows, a.no_trunc)
            } else {
                plain_table(rt, &rows, now, a.no_trunc, a.pod)
            };
            let mut header: Vec<&str> = header.to_vec();
            if a.size && !a.ns {
                header.push("SIZE");
                for (row, s) in table.iter_mut().zip(&rows) {
                    row.push(size_column(rt, s)?);
                }
            }
            format::print_table(&format::table(&header, &table), a.noheading);
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
