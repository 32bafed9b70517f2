//! Routing: strips the optional `/v1.NN` prefix and dispatches on method and path.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request};

use crate::http::{ApiError, ApiResult, Query, Resp};
use crate::state::AppState;
use crate::{archive, containers, df, events, exec, images, networks, system, volumes};

/// The path without a leading `/v1.NN` (any version: the CLI negotiates with `/_ping`).
pub(crate) fn strip_version(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/v") {
        let (ver, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if !ver.is_empty() && ver.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return if tail.is_empty() { "/" } else { tail };
        }
    }
    path
}

/// Every request enters here.
pub(crate) async fn handle(
    state: Arc<AppState>,
    req: Request<Incoming>,
) -> Result<Resp, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::debug_span!("api", %method, %path);
    let _e = span.enter();
    tracing::debug!("request");
    drop(_e);
    let r = route(state, req).await;
    Ok(r.unwrap_or_else(|e| {
        tracing::debug!(%method, %path, error = %e, "request refused");
        e.into_response()
    }))
}

async fn route(st: Arc<AppState>, req: Request<Incoming>) -> ApiResult {
    let full = req.uri().path().to_string();
    let path = strip_version(&full).to_string();
    let q = Query::parse(req.uri().query());
    let m = req.method().clone();
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let is = |want: &Method| m == *want;
    let get = is(&Method::GET) || is(&Method::HEAD);
    let post = is(&Method::POST);
    let del = is(&Method::DELETE);
    match seg.as_slice() {
        ["_ping"] if get => system::ping(&m),
        ["version"] if get => system::version(&st).await,
        ["info"] if get => system::info(&st).await,
        ["events"] if get => events::events(&st, &q).await,
        ["auth"] if post => system::auth(req).await,
        ["system", "df"] if get => df::df(&st).await,
        ["containers", "json"] if get => containers::list(&st, &q).await,
        ["containers", "create"] if post => containers::create(&st, &q, req).await,
        ["containers", "prune"] if post => containers::prune(&st, &q).await,
        ["containers", id, "json"] if get => containers::inspect(&st, id).await,
        ["containers", id, "start"] if post => containers::start(&st, id).await,
        ["containers", id, "stop"] if post => containers::stop(&st, id, &q).await,
        ["containers", id, "restart"] if post => containers::restart(&st, id, &q).await,
        ["containers", id, "kill"] if post => containers::kill(&st, id, &q).await,
        ["containers", id, "pause"] if post => containers::pause(&st, id, true).await,
        ["containers", id, "unpause"] if post => containers::pause(&st, id, false).await,
        ["containers", id, "wait"] if post => containers::wait(&st, id, &q).await,
        ["containers", id, "rename"] if post => containers::rename(&st, id, &q).await,
        ["containers", id, "resize"] if post => containers::resize(&st, id, &q).await,
        ["containers", id, "logs"] if get => containers::logs(&st, id, &q).await,
        ["containers", id, "top"] if get => containers::top(&st, id, &q).await,
        ["containers", id, "stats"] if get => containers::stats(&st, id, &q).await,
        ["containers", id, "attach"] if post => {
            let id = id.to_string();
            let mut req = req;
            containers::attach(&st, &id, &q, &mut req).await
        }
        ["containers", id, "exec"] if post => {
            let id = id.to_string();
            exec::create(&st, &id, req).await
        }
        ["containers", id, "archive"] if get => archive::get(&st, &m, id, &q).await,
        ["containers", id, "archive"] if is(&Method::PUT) => {
            let id = id.to_string();
            archive::put(&st, &id, &q, req).await
        }
        ["containers", id] if del => containers::remove(&st, id, &q).await,
        ["exec", id, "start"] if post => {
            let id = id.to_string();
            let mut req = req;
            exec::start(&st, &id, &mut req).await
        }
        ["exec", id, "json"] if get => exec::inspect(&st, id),
        ["exec", id, "resize"] if post => exec::resize(&st, id, &q).await,
        ["images", "json"] if get => images::list(&st, &q).await,
        ["images", "create"] if post => {
            let auth = req
                .headers()
                .get("X-Registry-Auth")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            images::pull_with(&st, &q, auth).await
        }
        ["images", "prune"] if post => images::prune(&st).await,
        ["images", "load"] if post => images::load(&st, &q, req).await,
        ["images", "get"] if get => images::save(&st, &q.all("names")).await,
        ["images", rest @ ..] if !rest.is_empty() => {
            images::by_name(&st, &m, &rest.join("/"), &q).await
        }
        ["networks"] if get => networks::list(&st, &q).await,
        ["networks", "create"] if post => networks::create(&st, req).await,
        ["networks", "prune"] if post => networks::prune(&st).await,
        ["networks", id] if get => networks::inspect(&st, id).await,
        ["networks", id] if del => networks::remove(&st, id).await,
        ["networks", id, "connect"] if post => {
            let id = id.to_string();
            networks::connect(&st, &id, req, true).await
        }
        ["networks", id, "disconnect"] if post => {
            let id = id.to_string();
            networks::connect(&st, &id, req, false).await
        }
        ["volumes"] if get => volumes::list(&st, &q).await,
        ["volumes", "create"] if post => volumes::create(&st, req).await,
        ["volumes", "prune"] if post => volumes::prune(&st, &q).await,
        ["volumes", name] if get => volumes::inspect(&st, name).await,
        ["volumes", name] if del => volumes::remove(&st, name, &q).await,
        _ => Err(ApiError::NotFound(format!(
            "page not found: {m} {full} is not an endpoint of this API"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::strip_version;

    #[test]
    fn version_prefix_is_optional() {
        assert_eq!(strip_version("/v1.41/containers/json"), "/containers/json");
        assert_eq!(strip_version("/v1.50/_ping"), "/_ping");
        assert_eq!(strip_version("/containers/json"), "/containers/json");
        assert_eq!(strip_version("/volumes"), "/volumes");
        assert_eq!(strip_version("/v1.41"), "/");
    }
}
