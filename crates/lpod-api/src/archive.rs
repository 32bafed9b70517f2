//! `/containers/{id}/archive` (`docker cp`): `HEAD` stats a container path, `GET`
//! streams a tar of it, `PUT` extracts a tar into a container directory. Every path
//! is resolved inside the container's root filesystem by libpod-core (never on the
//! host); the status travels in `X-Docker-Container-Path-Stat` (base64 JSON).

use std::sync::Arc;

use base64::Engine as _;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, StatusCode};
use libpod_core::{CopyEnd, CopyOptions, PathStat};

use crate::http::{
    blocking, empty, streamed, ApiError, ApiResult, BodyReader, Query, Resp, SenderWriter,
};
use crate::state::AppState;

const STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

pub(crate) fn path_param(q: &Query) -> Result<String, ApiError> {
    q.get("path")
        .filter(|p| !p.is_empty())
        .map(String::from)
        .ok_or_else(|| ApiError::BadRequest("the path query parameter is required".into()))
}

fn stat_header(s: &PathStat) -> Result<HeaderValue, ApiError> {
    let doc = serde_json::to_vec(&s.to_json())
        .map_err(|e| ApiError::Internal(format!("encoding the path status: {e}")))?;
    HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(doc))
        .map_err(|e| ApiError::Internal(format!("encoding the path status: {e}")))
}

fn with_stat(mut r: Resp, s: &PathStat) -> ApiResult {
    r.headers_mut().insert(STAT_HEADER, stat_header(s)?);
    Ok(r)
}

/// Docker's 404 wording for a container that does not exist.
fn core_err(id: &str) -> impl FnOnce(libpod_core::Error) -> ApiError + '_ {
    move |e| match e {
        libpod_core::Error::NoSuchContainer(_) => {
            ApiError::NotFound(format!("No such container: {id}"))
        }
        other => other.into(),
    }
}

/// `HEAD` and `GET /containers/{id}/archive?path=`.
pub(crate) async fn get(st: &Arc<AppState>, m: &Method, id: &str, q: &Query) -> ApiResult {
    let path = path_param(q)?;
    let rt = st.rt.clone();
    let id = id.to_string();
    if *m == Method::HEAD {
        let s = blocking(move || rt.container_path_stat(&id, &path).map_err(core_err(&id))).await?;
        return with_stat(empty(StatusCode::OK), &s);
    }
    let (stat_tx, stat_rx) = tokio::sync::oneshot::channel::<PathStat>();
    let (tx, resp) = streamed("application/x-tar");
    let task = tokio::task::spawn_blocking(move || {
        let mut stat_tx = Some(stat_tx);
        let mut on_stat = |s: &PathStat| {
            if let Some(t) = stat_tx.take() {
                let _ = t.send(s.clone());
            }
        };
        rt.container_path_archive(&id, &path, &mut on_stat, &mut SenderWriter(tx))
            .map_err(core_err(&id))
    });
    match stat_rx.await {
        Ok(s) => {
            // The headers go out now; an error later can only cut the stream short.
            tokio::spawn(async move {
                match task.await {
                    Ok(Err(e)) => tracing::debug!(error = %e, "archive stream ended early"),
                    Err(e) => tracing::warn!(error = %e, "archive task failed"),
                    Ok(Ok(_)) => {}
                }
            });
            with_stat(resp, &s)
        }
        // Failed before the status was known: a plain error answer.
        Err(_) => match task.await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(_)) => Err(ApiError::Internal(
                "the archive ended without a path status".into(),
            )),
            Err(e) => Err(ApiError::Internal(format!("archive task failed: {e}"))),
        },
    }
}

/// `PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=&copyUIDGID=`: the body
/// (a tar, maybe compressed) is extracted into the directory `path`. Without
/// `copyUIDGID` entries keep the archive's owners (as Podman's compat API); with it
/// they belong to the container's user.
pub(crate) async fn put(
    st: &Arc<AppState>,
    id: &str,
    q: &Query,
    req: Request<Incoming>,
) -> ApiResult {
    let path = path_param(q)?;
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let opts = CopyOptions {
        archive: q.flag("copyUIDGID", false)?,
        overwrite: !q.flag("noOverwriteDirNonDir", false)?,
    };
    let rt = st.rt.clone();
    let id = id.to_string();
    let mut body = BodyReader::spawn(req.into_body());
    blocking(move || {
        let dst = CopyEnd::Container {
            container: id.clone(),
            path,
        };
        rt.copy(
            &CopyEnd::Stream,
            &dst,
            opts,
            &mut body,
            &mut std::io::sink(),
        )
        .map_err(core_err(&id))
    })
    .await?;
    Ok(empty(StatusCode::OK))
}
