//! `image history` (also `lpod history`) and `image tree`.

use chrono::{DateTime, Utc};
use libpod_core::Runtime;
use libpod_storage::history::HistoryEntry;
use serde_json::{json, Value};

use super::{print_json, CliError, CmdResult};
use crate::cli::{HistoryArgs, TreeArgs};
use crate::format;

/// Podman's cut for the CREATED BY column.
const CREATED_BY_WIDTH: usize = 45;

/// The id column: 12 characters, the full id with `--no-trunc`, `<missing>` where no
/// local image has the step.
fn id_column(e: &HistoryEntry, no_trunc: bool) -> String {
    match &e.id {
        Some(id) => format::short_id(id, no_trunc).to_string(),
        None => "<missing>".into(),
    }
}

fn created_by_column(e: &HistoryEntry, no_trunc: bool) -> String {
    let s = &e.created_by;
    if no_trunc || s.chars().count() <= CREATED_BY_WIDTH {
        return s.clone();
    }
    let cut: String = s.chars().take(CREATED_BY_WIDTH - 3).collect();
    format!("{cut}...")
}

fn created_time(e: &HistoryEntry) -> Option<DateTime<Utc>> {
    e.created
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// `lpod image history IMAGE`: newest step first.
pub fn history(rt: &Runtime, a: &HistoryArgs) -> CmdResult {
    // Parsed before touching the store, so a typo fails fast.
    let template = match a.format.as_deref() {
        Some(t) if !format::is_json(Some(t)) => {
            let headers = json!({
                "ID": "ID", "Created": "CREATED", "CreatedBy": "CREATED BY",
                "Size": "SIZE", "Comment": "COMMENT", "Tags": "TAGS",
            });
            let default = "{{.ID}} {{.Created}} {{.CreatedBy}} {{.Size}} {{.Comment}}";
            Some(format::Rows::parse(t, default, &headers)?)
        }
        _ => None,
    };
    let entries = rt
        .store()?
        .image_history(&a.image)
        .map_err(|e| libpod_core::image_err(e, &a.image))?;
    if a.quiet {
        for e in &entries {
            println!("{}", id_column(e, a.no_trunc));
        }
        return Ok(0);
    }
    let now = Utc::now();
    let created = |e: &HistoryEntry| match created_time(e) {
        Some(t) if a.human => format::ago(t, now),
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => String::new(),
    };
    let size = |e: &HistoryEntry| {
        if a.human {
            format::human_size(e.size)
        } else {
            e.size.to_string()
        }
    };
    match (a.format.as_deref(), template) {
        (f, _) if format::is_json(f) => {
            let v: Vec<Value> = entries
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id.clone().unwrap_or_else(|| "<missing>".into()),
                        "created": e.created,
                        "CreatedBy": e.created_by,
                        "size": e.size,
                        "comment": e.comment,
                        "tags": e.tags,
                    })
                })
                .collect();
            print_json(&v)?;
        }
        (_, Some(template)) => {
            let items: Vec<Value> = entries
                .iter()
                .map(|e| {
                    json!({
                        "ID": id_column(e, a.no_trunc),
                        "Created": created(e),
                        // As in `images`: "X ago", and Go's print of the time.Time.
                        "CreatedSince": created_time(e).map(|t| format::ago(t, now)).unwrap_or_default(),
                        "CreatedAt": created_time(e).map(format::go_time).unwrap_or_default(),
                        "CreatedBy": created_by_column(e, a.no_trunc),
                        "Size": size(e),
                        "Comment": e.comment,
                        "Tags": e.tags,
                    })
                })
                .collect();
            print!("{}", template.render(&items, false)?);
        }
        _ => {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        id_column(e, a.no_trunc),
                        created(e),
                        created_by_column(e, a.no_trunc),
                        size(e),
                        e.comment.clone(),
                    ]
                })
                .collect();
            let t = format::table(&["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"], &rows);
            format::print_table(&t, false);
        }
    }
    Ok(0)
}

/// `lpod image tree IMAGE`: the image, then its layers bottom first, each marked with the
/// images whose top layer it is.
pub fn tree(rt: &Runtime, a: &TreeArgs) -> CmdResult {
    let store = rt.store()?;
    let not_found = |e: libpod_storage::StoreError| match e {
        libpod_storage::StoreError::ImageNotFound(_) => {
            CliError::Core(libpod_core::Error::NoSuchImage(a.image.clone()))
        }
        e => e.into(),
    };
    let img = store.image(&a.image).map_err(not_found)?;
    let layers = store.image_layers(&img.id).map_err(not_found)?;
    let mut out = String::new();
    out.push_str(&format!("Image ID: {}\n", format::short_id(&img.id, false)));
    out.push_str(&format!("Tags:     [{}]\n", img.names.join(" ")));
    out.push_str(&format!(
        "Size:     {}\n",
        format::human_size(img.size).replace(' ', "")
    ));
    out.push_str("Image Layers\n");
    let n = layers.len();
    for (i, l) in layers.iter().enumerate() {
        let branch = if i + 1 == n { "└──" } else { "├──" };
        out.push_str(&format!(
            "{branch} ID: {} Size: {}",
            format::short_id(&l.id, false),
            format::human_size(l.size).replace(' ', "")
        ));
        if !l.top_of.is_empty() {
            out.push_str(&format!(" Top Layer of: [{}]", l.top_of.join(" ")));
        }
        out.push('\n');
    }
    print!("{out}");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Option<&str>, created_by: &str) -> HistoryEntry {
        HistoryEntry {
            id: id.map(String::from),
            created: None,
            created_by: created_by.into(),
            comment: String::new(),
            size: 0,
            empty_layer: false,
            tags: Vec::new(),
        }
    }

    #[test]
    fn created_by_is_cut_to_45_characters_unless_no_trunc() {
        let long = "/bin/sh -c echo 0123456789012345678901234567890123456789";
        let e = entry(None, long);
        let cut = created_by_column(&e, false);
        assert_eq!(cut.chars().count(), 45);
        assert_eq!(cut, format!("{}...", &long[..42]));
        assert_eq!(created_by_column(&e, true), long);
        let short = entry(None, "lpod commit");
        assert_eq!(created_by_column(&short, false), "lpod commit");
        // Multi-byte text is cut on characters, not bytes.
        let wide = entry(None, &"é".repeat(50));
        assert_eq!(created_by_column(&wide, false).chars().count(), 45);
    }

    #[test]
    fn id_column_is_short_full_or_missing() {
        let id = "a".repeat(64);
        let e = entry(Some(&id), "x");
        assert_eq!(id_column(&e, false), "a".repeat(12));
        assert_eq!(id_column(&e, true), id);
        assert_eq!(id_column(&entry(None, "x"), false), "<missing>");
    }
}
