//! `lpod system df`: Podman 4.3.1's summary (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) and its
//! `-v` tables, sizes in go-units' `HumanSize`.

use chrono::{DateTime, Utc};
use libpod_core::{DiskUsage, Runtime};
use serde::Serialize;
use serde_json::{json, Value};

use super::{CliError, CmdResult};
use crate::cli::DfArgs;
use crate::format;

/// One row of the summary (Podman's `dfSummary`; JSON as Podman ≥ 4.5 writes it, with
/// Docker's `TotalCount` and the display strings next to the raw numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Summary {
    #[serde(rename = "Type")]
    kind: &'static str,
    total: usize,
    active: usize,
    raw_size: u64,
    raw_reclaimable: u64,
    total_count: usize,
    size: String,
    reclaimable: String,
}

impl Summary {
    fn new(kind: &'static str, total: usize, active: usize, size: u64, reclaimable: u64) -> Self {
        // Podman: the percentage of the size, rounded; 0 when there is nothing.
        let percent = if size > 0 {
            (reclaimable as f64 / size as f64 * 100.0).round() as u64
        } else {
            0
        };
        Summary {
            kind,
            total,
            active,
            raw_size: size,
            raw_reclaimable: reclaimable,
            total_count: total,
            size: format::go_human_size(size),
            reclaimable: format!("{} ({percent}%)", format::go_human_size(reclaimable)),
        }
    }
}

/// One image row: Podman lists an image once per repository tag (`<none>` without one).
struct ImageRow<'a> {
    repository: String,
    tag: String,
    usage: &'a libpod_core::ImageUsage,
}

/// `localhost/busybox:latest` → (`localhost/busybox`, `latest`); a name without a tag
/// (a digest reference) has the tag `<none>`.
fn repo_tag(name: &str) -> (String, String) {
    let name = name.split('@').next().unwrap_or(name);
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[slash..].rfind(':') {
        Some(c) => (
            name[..slash + c].to_string(),
            name[slash + c + 1..].to_string(),
        ),
        None => (name.to_string(), "<none>".to_string()),
    }
}

fn image_rows(du: &DiskUsage) -> Vec<ImageRow<'_>> {
    let mut rows = Vec::new();
    for u in &du.images {
        if u.image.names.is_empty() {
            rows.push(ImageRow {
                repository: "<none>".into(),
                tag: "<none>".into(),
                usage: u,
            });
        }
        for n in &u.image.names {
            let (repository, tag) = repo_tag(n);
            rows.push(ImageRow {
                repository,
                tag,
                usage: u,
            });
        }
    }
    rows
}

/// The three summary rows, counted as Podman 4.3.1 counts them: images per repository
/// tag (active: used by a container), containers (active: running; reclaimable: what the
/// others wrote), volumes (active: the sum of their users; reclaimable: unused ones).
fn summaries(du: &DiskUsage) -> Vec<Summary> {
    let rows = image_rows(du);
    let img_active = rows.iter().filter(|r| r.usage.containers > 0).count();
    let img_size: u64 = rows.iter().map(|r| r.usage.image.size).sum();
    let img_reclaim: u64 = rows
        .iter()
        .filter(|r| r.usage.containers == 0)
        .map(|r| r.usage.image.size)
        .sum();
    let c_active = du.containers.iter().filter(|c| c.is_running()).count();
    let c_size: u64 = du.containers.iter().map(|c| c.rw_size).sum();
    let c_reclaim: u64 = du
        .containers
        .iter()
        .filter(|c| !c.is_running())
        .map(|c| c.rw_size)
        .sum();
    let v_active: usize = du.volumes.iter().map(|v| v.links()).sum();
    let v_size: u64 = du.volumes.iter().map(|v| v.size).sum();
    let v_reclaim: u64 = du.volumes.iter().map(|v| v.reclaimable()).sum();
    vec![
        Summary::new("Images", rows.len(), img_active, img_size, img_reclaim),
        Summary::new(
            "Containers",
            du.containers.len(),
            c_active,
            c_size,
            c_reclaim,
        ),
        Summary::new(
            "Local Volumes",
            du.volumes.len(),
            v_active,
            v_size,
            v_reclaim,
        ),
    ]
}

const SUMMARY_ROW: &str = "{{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";

fn summary_headers() -> Value {
    json!({
        "Type": "TYPE", "Total": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
        "Reclaimable": "RECLAIMABLE", "RawSize": "RAW SIZE",
        "RawReclaimable": "RAW RECLAIMABLE", "TotalCount": "TOTAL COUNT",
    })
}

/// The summary as Podman prints it: the table, JSON, or the user's template per row.
fn render_summary(rows: &[Summary], tpl: Option<&str>) -> Result<String, CliError> {
    if format::is_json(tpl) {
        let mut buf = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
        rows.serialize(&mut ser)
            .map_err(|e| CliError::io("encode JSON for", "stdout", std::io::Error::other(e)))?;
        return Ok(format!("{}\n", String::from_utf8_lossy(&buf)));
    }
    let docs: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    let default = format!("table {SUMMARY_ROW}");
    let tpl = tpl.unwrap_or(&default);
    Ok(format::render(
        tpl,
        SUMMARY_ROW,
        &summary_headers(),
        &docs,
        false,
    )?)
}

fn since(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format::human_duration((now - t).to_std().unwrap_or_default())
}

fn short12(id: &str) -> String {
    id.strip_prefix("sha256:")
        .unwrap_or(id)
        .chars()
        .take(12)
        .collect()
}

/// `-v`: Podman's three tables, each under its title.
fn render_verbose(du: &DiskUsage, now: DateTime<Utc>) -> String {
    let mut out = String::from("Images space usage:\n\n");
    let images: Vec<Vec<String>> = image_rows(du)
        .iter()
        .map(|r| {
            let created = r
                .usage
                .image
                .created
                .as_deref()
                .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
                .map(|c| since(c.with_timezone(&Utc), now))
                .unwrap_or_default();
            vec![
                r.repository.clone(),
                r.tag.clone(),
                short12(&r.usage.image.id),
                created,
                format::go_human_size(r.usage.image.size),
                format::go_human_size(r.usage.shared_size),
                format::go_human_size(r.usage.unique_size),
                r.usage.containers.to_string(),
            ]
        })
        .collect();
    out.push_str(&format::table(
        &[
            "REPOSITORY",
            "TAG",
            "IMAGE ID",
            "CREATED",
            "SIZE",
            "SHARED SIZE",
            "UNIQUE SIZE",
            "CONTAINERS",
        ],
        &images,
    ));
    out.push_str("\nContainers space usage:\n\n");
    let containers: Vec<Vec<String>> = du
        .containers
        .iter()
        .map(|c| {
            let s = &c.summary;
            vec![
                short12(&s.id),
                short12(&s.image_id),
                s.command.join(" "),
                c.volumes.len().to_string(),
                format::go_human_size(c.rw_size),
                since(s.created_time, now),
                s.state.clone(),
                s.name.clone(),
            ]
        })
        .collect();
    out.push_str(&format::table(
        &[
            "CONTAINER ID",
            "IMAGE",
            "COMMAND",
            "LOCAL VOLUMES",
            "SIZE",
            "CREATED",
            "STATUS",
            "NAMES",
        ],
        &containers,
    ));
    out.push_str("\nLocal Volumes space usage:\n\n");
    let volumes: Vec<Vec<String>> = du
        .volumes
        .iter()
        .map(|v| {
            vec![
                v.volume.config.name.clone(),
                v.links().to_string(),
                format::go_human_size(v.size),
            ]
        })
        .collect();
    out.push_str(&format::table(&["VOLUME NAME", "LINKS", "SIZE"], &volumes));
    out
}

/// `lpod system df [-v] [--format json|TEMPLATE]` (with `-v`, `--format` is ignored,
/// as Podman).
pub fn df(rt: &Runtime, a: &DfArgs) -> CmdResult {
    let du = rt.disk_usage()?;
    if a.verbose {
        print!("{}", render_verbose(&du, Utc::now()));
    } else {
        print!("{}", render_summary(&summaries(&du), a.format.as_deref())?);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_repository_and_tag() {
        assert_eq!(
            repo_tag("localhost/busybox:latest"),
            ("localhost/busybox".into(), "latest".into())
        );
        assert_eq!(
            repo_tag("registry:5000/a/b:v1"),
            ("registry:5000/a/b".into(), "v1".into())
        );
        assert_eq!(
            repo_tag("quay.io/x/y@sha256:abc"),
            ("quay.io/x/y".into(), "<none>".into())
        );
    }

    #[test]
    fn reclaimable_reads_size_and_rounded_percent() {
        let s = Summary::new("Images", 2, 1, 2_000_000, 500_000);
        assert_eq!(s.size, "2MB");
        assert_eq!(s.reclaimable, "500kB (25%)");
        let empty = Summary::new("Local Volumes", 0, 0, 0, 0);
        assert_eq!(empty.reclaimable, "0B (0%)");
    }

    #[test]
    fn summary_table_json_and_template() {
        let rows = vec![
            Summary::new("Images", 1, 1, 1_000, 0),
            Summary::new("Containers", 2, 1, 3_000, 1_000),
            Summary::new("Local Volumes", 2, 1, 0, 0),
        ];
        let table = render_summary(&rows, None).expect("table");
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
        );
        assert!(lines[2].starts_with("Containers"), "{table}");
        assert!(lines[2].ends_with("1kB (33%)"), "{table}");
        let tpl = render_summary(&rows, Some("{{ .Type }}:{{ .Total }}:{{ .Active }}"))
            .expect("template");
        assert_eq!(tpl, "Images:1:1\nContainers:2:1\nLocal Volumes:2:1\n");
        let js: Value = serde_json::from_str(&render_summary(&rows, Some("json")).expect("json"))
            .expect("parses");
        assert_eq!(js[1]["Type"], "Containers");
        assert_eq!(js[1]["RawSize"], 3000);
        assert_eq!(js[1]["Reclaimable"], "1kB (33%)");
        assert_eq!(js[2]["TotalCount"], 2);
    }
}
