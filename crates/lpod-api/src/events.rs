//! `GET /events?since&until&filters`: the events log as Docker's messages, streamed
//! (headers flushed at once) until `until` or until the client goes.

use std::sync::Arc;
use std::time::Duration;

use libpod_core::events::{Event, EventFilter};
use serde_json::json;

use crate::http::{blocking, streamed, ApiError, ApiResult, Query};
use crate::state::AppState;
use crate::types::parse_time;

/// Docker's shape of one event.
fn docker_event(e: &Event) -> serde_json::Value {
    let mut attrs = e.attributes.clone().unwrap_or_default();
    if !e.name.is_empty() {
        attrs.insert("name".into(), e.name.clone());
    }
    if !e.image.is_empty() {
        attrs.insert("image".into(), e.image.clone());
    }
    if let Some(c) = e.container_exit_code {
        attrs.insert("exitCode".into(), c.to_string());
    }
    let nanos = e.time.timestamp_nanos_opt().unwrap_or(0);
    let action = e.status.as_str();
    let kind = e.kind.as_str();
    let mut v = json!({
        "Type": kind,
        "Action": action,
        "Actor": {"ID": e.id, "Attributes": attrs},
        "scope": "local",
        "time": e.time.timestamp(),
        "timeNano": nanos,
    });
    if kind == "container" {
        v["status"] = json!(action);
        v["id"] = json!(e.id);
        v["from"] = json!(e.image);
    }
    v
}

fn rfc3339(q: &Query, k: &str) -> Result<Option<String>, ApiError> {
    match q.get(k).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => parse_time(v)
            .map(|t| Some(t.to_rfc3339()))
            .ok_or_else(|| ApiError::BadRequest(format!("invalid {k} time {v:?}"))),
    }
}

/// The query of `GET /events`: its filter, whether it has a `since`, and its `until`
/// (RFC 3339).
pub(crate) fn events_query(q: &Query) -> Result<(EventFilter, bool, Option<String>), ApiError> {
    let since = rfc3339(q, "since")?;
    let until = rfc3339(q, "until")?;
    let filters: Vec<String> = q
        .filters()?
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let filter = EventFilter::parse(&filters, since.as_deref(), until.as_deref())
        .map_err(|e| ApiError::BadRequest(format!("invalid events query: {e}")))?;
    Ok((filter, since.is_some(), until))
}

/// `GET /events`.
pub(crate) async fn events(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let (filter, since, until) = events_query(q)?;
    let rt = st.rt.clone();
    let log = blocking(move || Ok(rt.event_log()?)).await?;
    let (tx, resp) = streamed("application/json");
    let stop_at = until
        .as_deref()
        .and_then(|u| chrono::DateTime::parse_from_rfc3339(u).ok());
    tokio::task::spawn_blocking(move || {
        let send = |e: &Event| -> bool {
            let mut b = serde_json::to_vec(&docker_event(e)).unwrap_or_default();
            b.push(b'\n');
            tx.blocking_send(b.into()).is_ok()
        };
        // Follow from the current end, then replay the past: nothing falls between.
        let mut follower = log.follow(false);
        let _ = follower.poll();
        if since || stop_at.is_some() {
            match log.read_all() {
                Ok(past) => {
                    for e in past.iter().filter(|e| filter.matches(e)) {
                        if !send(e) {
                            return;
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "reading the events log"),
            }
        }
        loop {
            if stop_at.is_some_and(|u| chrono::Utc::now() > u) || tx.is_closed() {
                return;
            }
            match follower.poll() {
                Ok(new) => {
                    for e in new.iter().filter(|e| filter.matches(e)) {
                        if !send(e) {
                            return;
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "following the events log");
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    Ok(resp)
}
