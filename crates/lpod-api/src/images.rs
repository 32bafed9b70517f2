//! `/images/*`: list, pull (`create`), inspect, history, tag, push, remove, prune,
//! save (`get`) and load.

use std::sync::Arc;

use hyper::{Method, StatusCode};
use libpod_core::image::{Credentials, ProgressEvent, PullOptions, PushOptions, RegistryAccess};
use libpod_core::libpod_storage::Image;
use serde_json::{json, Value};

use crate::http::{blocking, ok_json, streamed, ApiError, ApiResult, Query};
use crate::state::AppState;
use crate::types::unix_secs;

fn no_such_image(name: &str) -> ApiError {
    ApiError::NotFound(format!("No such image: {name}"))
}

/// An image as `/images/json` lists it (also `/system/df`'s entries).
pub(crate) fn summary(i: &Image) -> Value {
    json!({
        "Id": format!("sha256:{}", i.id),
        "ParentId": "",
        "RepoTags": i.names,
        "RepoDigests": i.repo_digests,
        "Created": unix_secs(i.created.as_deref().unwrap_or("")),
        "Size": i.size,
        "SharedSize": -1,
        "VirtualSize": i.size,
        "Labels": i.config.labels.clone().unwrap_or_default(),
        "Containers": -1,
    })
}

/// `GET /images/json`.
pub(crate) async fn list(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let all = q.flag("all", false)?;
    let _ = all;
    let rt = st.rt.clone();
    let images = blocking(move || Ok(rt.store()?.list_images()?)).await?;
    let mut out = Vec::new();
    for i in &images {
        let mut keep = true;
        for (k, v) in &filters {
            keep &= match k.as_str() {
                "dangling" => (v == "true") == i.names.is_empty(),
                "reference" => i.names.iter().any(|n| {
                    n == v
                        || n.ends_with(&format!("/{v}"))
                        || n.split(':').next() == Some(v.as_str())
                }),
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => i
                        .config
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(lk))
                        .is_some_and(|x| x == lv),
                    None => i.config.labels.as_ref().is_some_and(|l| l.contains_key(v)),
                },
                "before" | "since" => true,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "invalid filter {other:?} for images"
                    )))
                }
            };
        }
        if keep {
            out.push(summary(i));
        }
    }
    ok_json(&out)
}

/// `/images/{name}/json|history|tag|push` and `DELETE /images/{name}` (names hold
/// slashes, so the verb is the last path segment).
pub(crate) async fn by_name(st: &Arc<AppState>, m: &Method, rest: &str, q: &Query) -> ApiResult {
    let get = *m == Method::GET || *m == Method::HEAD;
    let post = *m == Method::POST;
    if *m == Method::DELETE {
        return remove(st, rest, q).await;
    }
    match rest.rsplit_once('/') {
        Some((name, "json")) if get => inspect(st, name).await,
        Some((name, "history")) if get => history(st, name).await,
        Some((name, "tag")) if post => tag(st, name, q).await,
        Some((name, "push")) if post => push(st, name, q).await,
        Some((name, "get")) if get => save(st, &[name]).await,
        _ => Err(ApiError::NotFound(format!(
            "page not found: {m} /images/{rest} is not an endpoint of this API"
        ))),
    }
}

async fn image(st: &Arc<AppState>, name: &str) -> Result<Image, ApiError> {
    let rt = st.rt.clone();
    let n = name.to_string();
    blocking(move || rt.store()?.image(&n).map_err(|_| no_such_image(&n))).await
}

async fn inspect(st: &Arc<AppState>, name: &str) -> ApiResult {
    let i = image(st, name).await?;
    let config = serde_json::to_value(&i.config).unwrap_or(json!({}));
    ok_json(&json!({
        "Id": format!("sha256:{}", i.id),
        "RepoTags": i.names,
        "RepoDigests": i.repo_digests,
        "Parent": "",
        "Comment": "",
        "Created": i.created.clone().unwrap_or_default(),
        "Container": "",
        "DockerVersion": "",
        "Author": "",
        "Config": config,
        "Architecture": i.architecture.clone().unwrap_or_default(),
        "Os": i.os.clone().unwrap_or_default(),
        "Size": i.size,
        "VirtualSize": i.size,
        "GraphDriver": {"Name": "overlay", "Data": {}},
        "RootFS": {"Type": "layers", "Layers": i.diff_ids},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }))
}

async fn history(st: &Arc<AppState>, name: &str) -> ApiResult {
    let rt = st.rt.clone();
    let n = name.to_string();
    let (img, cfg) = blocking(move || {
        let store = rt.store()?;
        let img = store.image(&n).map_err(|_| no_such_image(&n))?;
        let bytes = store.image_config_bytes(&img.id)?;
        let cfg: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::Internal(format!("image {n}: config is not JSON: {e}")))?;
        Ok((img, cfg))
    })
    .await?;
    let mut out: Vec<Value> = Vec::new();
    let entries = cfg["history"].as_array().cloned().unwrap_or_default();
    let n = entries.len();
    for (i, h) in entries.iter().enumerate() {
        out.push(json!({
            "Id": if i + 1 == n { format!("sha256:{}", img.id) } else { "<missing>".into() },
            "Created": unix_secs(h["created"].as_str().unwrap_or("")),
            "CreatedBy": h["created_by"].as_str().unwrap_or(""),
            "Tags": if i + 1 == n { json!(img.names) } else { Value::Null },
            "Size": 0,
            "Comment": h["comment"].as_str().unwrap_or(""),
        }));
    }
    out.reverse();
    ok_json(&out)
}

async fn tag(st: &Arc<AppState>, name: &str, q: &Query) -> ApiResult {
    let repo = q
        .get("repo")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::BadRequest("tag needs the query parameter repo".into()))?;
    let target = match q.get("tag").filter(|s| !s.is_empty()) {
        Some(t) => format!("{repo}:{t}"),
        None => repo.to_string(),
    };
    let _ = image(st, name).await?;
    let rt = st.rt.clone();
    let n = name.to_string();
    blocking(move || Ok(rt.tag_image(&n, &target)?)).await?;
    Ok(crate::http::empty(StatusCode::CREATED))
}

async fn remove(st: &Arc<AppState>, name: &str, q: &Query) -> ApiResult {
    let force = q.flag("force", false)?;
    let _ = image(st, name).await?;
    let rt = st.rt.clone();
    let n = name.to_string();
    let id = blocking(move || Ok(rt.remove_image(&n, force)?)).await?;
    ok_json(&json!([{"Untagged": name}, {"Deleted": format!("sha256:{id}")}]))
}

/// `POST /images/prune`: removes images without a name that no container uses.
pub(crate) async fn prune(st: &Arc<AppState>) -> ApiResult {
    let rt = st.rt.clone();
    let deleted = blocking(move || {
        let mut out = Vec::new();
        for i in rt.store()?.list_images()? {
            if i.names.is_empty() && rt.remove_image(&i.id, false).is_ok() {
                out.push(json!({"Deleted": format!("sha256:{}", i.id)}));
            }
        }
        Ok(out)
    })
    .await?;
    ok_json(&json!({"ImagesDeleted": deleted, "SpaceReclaimed": 0}))
}

/// Credentials from `X-Registry-Auth` (base64url JSON with username and password).
fn registry_auth(header: Option<&str>) -> Result<RegistryAccess, ApiError> {
    use base64::Engine;
    let mut access = RegistryAccess::default();
    let Some(h) = header.filter(|h| !h.is_empty()) else {
        return Ok(access);
    };
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(h.trim())
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(h.trim()))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h.trim()))
        .map_err(|e| ApiError::BadRequest(format!("invalid X-Registry-Auth header: {e}")))?;
    let v: Value = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::BadRequest(format!("invalid X-Registry-Auth header: {e}")))?;
    let user = v["username"].as_str().unwrap_or("");
    let pass = v["password"].as_str().unwrap_or("");
    if !user.is_empty() {
        access.credentials = Some(Credentials {
            username: user.to_string(),
            password: pass.to_string(),
        });
    }
    Ok(access)
}

fn short(d: &str) -> String {
    d.trim_start_matches("sha256:").chars().take(12).collect()
}

fn progress_line(ev: &ProgressEvent) -> Option<Value> {
    Some(match ev {
        ProgressEvent::Resolved { reference, .. } => {
            json!({"status": format!("Resolved {reference}")})
        }
        ProgressEvent::LayerSkipped { digest, .. } => {
            json!({"status": "Already exists", "id": short(digest)})
        }
        ProgressEvent::LayerStart { digest, .. } => {
            json!({"status": "Pulling fs layer", "id": short(digest)})
        }
        ProgressEvent::LayerBytes {
            digest,
            done,
            total,
        } => json!({
            "status": "Downloading", "id": short(digest),
            "progressDetail": {"current": done, "total": total},
        }),
        ProgressEvent::LayerDone { digest, .. } => {
            json!({"status": "Download complete", "id": short(digest)})
        }
        _ => return None,
    })
}

fn send_line(tx: &tokio::sync::mpsc::Sender<bytes::Bytes>, v: &Value) {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    if tokio::runtime::Handle::try_current().is_ok() {
        // A progress callback run on a thread of the registry client's own runtime
        // (layer workers): blocking there panics. A full channel drops this progress
        // line; the final lines are sent from the blocking thread below.
        let _ = tx.try_send(b.into());
    } else {
        let _ = tx.blocking_send(b.into());
    }
}

/// The query and `X-Registry-Auth` of `POST /images/create`: the reference to pull
/// and the registry credentials.
pub(crate) fn pull_query(
    q: &Query,
    auth: Option<&str>,
) -> Result<(String, RegistryAccess), ApiError> {
    if q.get("fromSrc").is_some_and(|s| !s.is_empty()) {
        return Err(ApiError::NotImplemented(
            "image import (fromSrc) is not offered by lpod's API yet".into(),
        ));
    }
    let from = q
        .get("fromImage")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::BadRequest("fromImage is required".into()))?;
    let reference = match q.get("tag").filter(|s| !s.is_empty()) {
        Some(t) if t.starts_with("sha256:") => format!("{from}@{t}"),
        Some(t) => format!("{from}:{t}"),
        None => from.to_string(),
    };
    Ok((reference, registry_auth(auth)?))
}

/// `POST /images/create?fromImage=&tag=` (credentials from `X-Registry-Auth`): pulls,
/// answering newline-delimited JSON progress; a failure after the headers is an
/// `error` line.
pub(crate) async fn pull_with(st: &Arc<AppState>, q: &Query, auth: Option<String>) -> ApiResult {
    let (reference, access) = pull_query(q, auth.as_deref())?;
    let rt = st.rt.clone();
    let (tx, resp) = streamed("application/json");
    tokio::task::spawn_blocking(move || {
        send_line(&tx, &json!({"status": format!("Pulling from {reference}")}));
        let opts = PullOptions {
            access,
            platform: None,
        };
        let r = rt.pull(&reference, &opts, &|ev| {
            if let Some(v) = progress_line(&ev) {
                send_line(&tx, &v);
            }
        });
        match r {
            Ok(p) => {
                send_line(
                    &tx,
                    &json!({"status": format!("Digest: {}", p.manifest_digest)}),
                );
                send_line(
                    &tx,
                    &json!({"status": format!("Status: Downloaded newer image for {}", p.reference)}),
                );
            }
            Err(e) => {
                let m = e.to_string();
                send_line(&tx, &json!({"errorDetail": {"message": m}, "error": m}));
            }
        }
    });
    Ok(resp)
}

async fn push(st: &Arc<AppState>, name: &str, q: &Query) -> ApiResult {
    let dest = match q.get("tag").filter(|s| !s.is_empty()) {
        Some(t) => format!("{name}:{t}"),
        None => name.to_string(),
    };
    let _ = image(st, &dest).await?;
    let rt = st.rt.clone();
    let (tx, resp) = streamed("application/json");
    tokio::task::spawn_blocking(move || {
        send_line(
            &tx,
            &json!({"status": format!("The push refers to repository [{dest}]")}),
        );
        let r = rt.push(&dest, Some(&dest), &PushOptions::default(), &|ev| {
            if let Some(v) = progress_line(&ev) {
                send_line(&tx, &v);
            }
        });
        match r {
            Ok(d) => send_line(
                &tx,
                &json!({"status": format!("{dest}: digest: {d}"), "aux": {"Tag": "", "Digest": d, "Size": 0}}),
            ),
            Err(e) => {
                let m = e.to_string();
                send_line(&tx, &json!({"errorDetail": {"message": m}, "error": m}));
            }
        }
    });
    Ok(resp)
}

/// A file in the runtime's temp dir (0600), removed on drop: an image on its way out
/// of the store or into it.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn create(
        rt: &libpod_core::Runtime,
        what: &str,
    ) -> Result<(TempFile, std::fs::File), ApiError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let dir = rt.config()?.tmp_dir();
        libpod_core::libpod_storage::private::create_private_dir(&dir)
            .map_err(|e| ApiError::Internal(format!("creating temp dir {}: {e}", dir.display())))?;
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("lpod-api-{what}-{}-{n}.tar", std::process::id()));
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| ApiError::Internal(format!("creating {}: {e}", path.display())))?;
        Ok((TempFile(path), f))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `GET /images/{name}/get` and `GET /images/get?names=A&names=B`: a docker-archive
/// tar of the images (written to a temp file first: a missing image is a 404 before
/// any byte goes out).
pub(crate) async fn save(st: &Arc<AppState>, names: &[&str]) -> ApiResult {
    if names.is_empty() {
        return Err(ApiError::BadRequest(
            "no image to save: give names=IMAGE".into(),
        ));
    }
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let rt = st.rt.clone();
    let (tmp, file) = blocking(move || {
        let store = rt.store()?;
        for n in &names {
            store.image(n).map_err(|_| no_such_image(n))?;
        }
        let (tmp, _) = TempFile::create(&rt, "save")?;
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        store.save(
            &refs,
            libpod_core::libpod_storage::ExportFormat::DockerArchive,
            &tmp.0,
        )?;
        for n in &names {
            let id = store.image(n).map(|i| i.id).unwrap_or_default();
            rt.emit_event(libpod_core::events::Event::image(
                &id,
                "-",
                libpod_core::events::EventStatus::Save,
            ));
        }
        let f = std::fs::File::open(&tmp.0)
            .map_err(|e| ApiError::Internal(format!("opening {}: {e}", tmp.0.display())))?;
        Ok((tmp, f))
    })
    .await?;
    let (tx, resp) = streamed("application/x-tar");
    tokio::task::spawn_blocking(move || {
        let _tmp = tmp;
        let mut f = file;
        if let Err(e) = std::io::copy(&mut f, &mut crate::http::SenderWriter(tx)) {
            tracing::debug!(error = %e, "image archive stream ended early");
        }
    });
    Ok(resp)
}

/// `POST /images/load?quiet=`: the body (a docker-archive or oci-archive tar) is
/// loaded; the answer is Docker's JSON message stream, one `Loaded image: NAME` per
/// name.
pub(crate) async fn load(
    st: &Arc<AppState>,
    _q: &Query,
    req: hyper::Request<hyper::body::Incoming>,
) -> ApiResult {
    let rt = st.rt.clone();
    let mut body = crate::http::BodyReader::spawn(req.into_body());
    let loaded = blocking(move || {
        let (tmp, mut f) = TempFile::create(&rt, "load")?;
        std::io::copy(&mut body, &mut f)
            .map_err(|e| ApiError::BadRequest(format!("reading the image archive: {e}")))?;
        drop(f);
        let loaded = rt.store()?.load(&tmp.0).map_err(|e| match e {
            // Not an image archive: the client's fault (and the temp path means nothing to it).
            libpod_core::libpod_storage::StoreError::InvalidSource { msg, .. } => {
                ApiError::BadRequest(format!("invalid image archive: {msg}"))
            }
            e => e.into(),
        })?;
        rt.emit_event(libpod_core::events::Event::image(
            "",
            "-",
            libpod_core::events::EventStatus::LoadFromArchive,
        ));
        Ok(loaded)
    })
    .await?;
    let mut out = Vec::new();
    for img in &loaded {
        let mut names: Vec<String> = img.names.clone();
        if names.is_empty() {
            names.push(format!("sha256:{}", img.id));
        }
        for n in names {
            let line = json!({"stream": format!("Loaded image: {n}\n")});
            out.extend_from_slice(line.to_string().as_bytes());
            out.push(b'\n');
        }
    }
    let mut r = hyper::Response::new(crate::http::full(out));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_auth_header_decodes_or_is_refused() {
        use base64::Engine;
        let h =
            base64::engine::general_purpose::URL_SAFE.encode(br#"{"username":"u","password":"p"}"#);
        let a = registry_auth(Some(&h)).unwrap();
        assert_eq!(a.credentials.unwrap().username, "u");
        assert!(registry_auth(Some("!!!")).is_err());
        assert!(registry_auth(None).unwrap().credentials.is_none());
    }
}
