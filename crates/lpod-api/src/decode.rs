//! Decoding a request without acting on it.
//!
//! Everything the server reads from a client before it touches the store — the
//! `/v1.NN` prefix, query flags, numbers, times and `filters`, the
//! `X-Registry-Auth` header and the JSON bodies of the create verbs — goes through the
//! same functions the handlers call. [`check_request`] runs them on a request and
//! answers the 4xx the server would answer, so a tool can validate a request offline
//! and the fuzz target `api_request` (in `fuzz/`) can drive every decoder with
//! hostile input without a runtime.

use crate::http::{json_from_bytes, ApiError, Query};
use crate::router::strip_version;
use crate::{archive, containers, events, exec, networks, volumes};

/// The default network mode the check assumes for `NetworkMode: "default"` (the
/// server takes the runtime's configured one).
const DEFAULT_MODE: &str = "bridge";

/// Decodes a request as the server would, without a runtime, and returns the error
/// the server would answer for bad input (400 bad parameter, 413 too large, 501 not
/// offered, 404 no such endpoint).
///
/// `target` is the request target (`/v1.41/containers/create?name=web`),
/// `registry_auth` the `X-Registry-Auth` header, `body` the request body. `Ok` means
/// the server would go on to act on the request, which may still fail on the store
/// (no such container, a name in use).
///
/// ```
/// let body = br#"{"Image": "busybox", "HostConfig": {"Binds": ["/tmp:/data:ro"]}}"#;
/// lpod_api::check_request("POST", "/v1.41/containers/create?name=web", None, body)?;
///
/// let bad = br#"{"Image": "busybox", "HostConfig": {"Memroy": 1}}"#;
/// let e = lpod_api::check_request("POST", "/containers/create", None, bad).unwrap_err();
/// assert_eq!(e.status().as_u16(), 400);
/// # Ok::<(), lpod_api::ApiError>(())
/// ```
pub fn check_request(
    method: &str,
    target: &str,
    registry_auth: Option<&str>,
    body: &[u8],
) -> Result<(), ApiError> {
    if body.len() > crate::http::MAX_BODY {
        return Err(ApiError::TooLarge {
            limit: crate::http::MAX_BODY,
        });
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let path = strip_version(path);
    let q = Query::parse(query);
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let get = method == "GET" || method == "HEAD";
    let post = method == "POST";
    let put = method == "PUT";
    let del = method == "DELETE";
    match seg.as_slice() {
        ["_ping"] | ["version"] | ["info"] if get => {}
        ["events"] if get => {
            events::events_query(&q)?;
        }
        ["auth"] if post => {
            json_from_bytes::<serde_json::Value>(body, "/auth")?;
        }
        ["containers", "json"] if get => {
            q.flag("all", false)?;
            q.num::<i64>("limit")?;
            q.filters()?;
        }
        ["containers", "create"] if post => {
            containers::decode_create(body, &q, DEFAULT_MODE)?;
        }
        ["containers", "prune"] if post => {
            q.filters()?;
        }
        ["containers", _, "json" | "top" | "stats"] if get => {
            q.flag("stream", true)?;
        }
        ["containers", _, "start" | "pause" | "unpause" | "rename"] if post => {}
        ["containers", _, "stop" | "restart"] if post => {
            containers::stop_query(&q)?;
        }
        ["containers", _, "kill"] if post => {
            if let Some(s) = q.get("signal").filter(|s| !s.is_empty()) {
                containers::parse_signal(s)?;
            }
        }
        ["containers", _, "wait"] if post => {
            containers::wait_condition(&q)?;
        }
        ["containers", _, "resize"] if post => {
            q.num::<u16>("h")?;
            q.num::<u16>("w")?;
        }
        ["containers", _, "logs"] if get => {
            containers::logs_query(&q)?;
        }
        ["containers", _, "attach"] if post => {
            for k in ["stdin", "stdout", "stderr", "stream", "logs"] {
                q.flag(k, false)?;
            }
        }
        ["containers", _, "exec"] if post => {
            exec::decode_create(json_from_bytes(body, "exec create")?)?;
        }
        ["containers", _, "archive"] if get || put => {
            archive::path_param(&q)?;
            q.flag("copyUIDGID", false)?;
            q.flag("noOverwriteDirNonDir", false)?;
        }
        ["containers", _] if del => {
            q.flag("force", false)?;
            q.flag("v", false)?;
        }
        ["exec", _, "start"] if post => {
            json_from_bytes::<serde_json::Value>(body, "exec start")?;
        }
        ["exec", _, "json"] if get => {}
        ["exec", _, "resize"] if post => {
            q.num::<u16>("h")?;
            q.num::<u16>("w")?;
        }
        ["images", "json"] if get => {
            q.flag("all", false)?;
            q.filters()?;
        }
        ["images", "create"] if post => {
            crate::images::pull_query(&q, registry_auth)?;
        }
        ["images", "prune" | "load"] if post => {}
        ["images", "get"] if get => {}
        ["images", rest @ ..] if !rest.is_empty() => {
            q.flag("force", false)?;
        }
        ["networks"] if get => {
            q.filters()?;
        }
        ["networks", "create"] if post => {
            networks::create_options(json_from_bytes(body, "network create")?)?;
        }
        ["networks", "prune"] if post => {}
        ["networks", _] if get || del => {}
        ["networks", _, "connect" | "disconnect"] if post => {
            networks::connect_options(json_from_bytes(body, "network connect")?)?;
        }
        ["volumes"] if get => {
            q.filters()?;
        }
        ["volumes", "create"] if post => {
            volumes::create_options(
                json_from_bytes::<Option<volumes::CreateBody>>(body, "volume create")?
                    .unwrap_or_default(),
            )?;
        }
        ["volumes", "prune"] if post => {
            q.filters()?;
        }
        ["volumes", _] if get => {}
        ["volumes", _] if del => {
            q.flag("force", false)?;
        }
        _ => {
            return Err(ApiError::NotFound(format!(
                "page not found: {method} {path} is not an endpoint of this API"
            )))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_request;

    fn status(method: &str, target: &str, body: &[u8]) -> u16 {
        match check_request(method, target, None, body) {
            Ok(()) => 200,
            Err(e) => e.status().as_u16(),
        }
    }

    #[test]
    fn good_requests_pass_and_bad_ones_get_the_servers_4xx() {
        assert_eq!(status("GET", "/v1.41/_ping", b""), 200);
        assert_eq!(
            status("POST", "/containers/create", br#"{"Image":"busybox"}"#),
            200
        );
        assert_eq!(status("POST", "/containers/create", b"{"), 400);
        assert_eq!(status("POST", "/containers/create", b"[]"), 400);
        assert_eq!(
            status("POST", "/containers/create", br#"{"Imgae":"x"}"#),
            400
        );
        assert_eq!(
            status(
                "POST",
                "/containers/create",
                br#"{"Image":"b","HostConfig":{"Binds":["nocolon"]}}"#
            ),
            400
        );
        assert_eq!(
            status("GET", "/containers/json?filters=%7Bnot%20json", b""),
            400
        );
        assert_eq!(status("GET", "/containers/x/logs?stdout=maybe", b""), 400);
        assert_eq!(status("GET", "/containers/x/logs", b""), 400);
        assert_eq!(
            status("POST", "/containers/x/wait?condition=soon", b""),
            400
        );
        assert_eq!(
            status("POST", "/containers/x/kill?signal=SIGNOPE", b""),
            400
        );
        assert_eq!(status("POST", "/networks/create", b"null"), 400);
        assert_eq!(
            status(
                "POST",
                "/networks/create",
                br#"{"Name":"n","Driver":"overlay"}"#
            ),
            400
        );
        assert_eq!(status("POST", "/containers/x/exec", br#"{"Cmd":[]}"#), 400);
        assert_eq!(status("POST", "/volumes/create", b""), 200);
        assert_eq!(status("GET", "/nope", b""), 404);
        assert_eq!(status("POST", "/images/create", b""), 400);
        let huge = vec![b' '; crate::http::MAX_BODY + 1];
        assert_eq!(status("POST", "/containers/create", &huge), 413);
    }

    #[test]
    fn a_bad_registry_auth_header_is_refused() {
        let e = check_request(
            "POST",
            "/images/create?fromImage=busybox",
            Some("%%%not base64"),
            b"",
        )
        .unwrap_err();
        assert_eq!(e.status().as_u16(), 400, "{e}");
    }
}
