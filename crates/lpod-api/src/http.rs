//! HTTP plumbing shared by the handlers: Docker's error document and status codes,
//! query parameters, bounded JSON bodies, streamed bodies, the hijacked stream of
//! attach/exec and Docker's 8-byte stream framing.

use std::convert::Infallible;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};

/// Largest request body accepted (a create or network document).
pub(crate) const MAX_BODY: usize = 4 << 20;

/// The response body of every handler.
pub(crate) type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;
/// A handler's response.
pub(crate) type Resp = Response<Body>;
/// A handler's result.
pub(crate) type ApiResult = Result<Resp, ApiError>;

/// An error answered as Docker's `{"message": ...}` with its status code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 404: no such container, image, network, exec session or route.
    #[error("{0}")]
    NotFound(String),
    /// 409: the object is in use or in the wrong state.
    #[error("{0}")]
    Conflict(String),
    /// 304: start of a running or stop of a stopped container (no body).
    #[error("{0}")]
    NotModified(String),
    /// 400: a bad parameter or body.
    #[error("{0}")]
    BadRequest(String),
    /// 413: the request body is larger than the service accepts.
    #[error("request body larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// 501: an endpoint lpod does not offer (yet).
    #[error("{0}")]
    NotImplemented(String),
    /// An error of libpod-core, mapped onto Docker's codes by its kind.
    #[error(transparent)]
    Core(#[from] libpod_core::Error),
    /// The image store's error.
    #[error(transparent)]
    Store(#[from] libpod_core::libpod_storage::StoreError),
    /// An image verb's error.
    #[error(transparent)]
    Image(#[from] libpod_core::image::ImageError),
    /// 500: anything else.
    #[error("{0}")]
    Internal(String),
}

/// Docker's wording is matched by clients (`docker inspect` falls through on 404):
/// errors of lower layers that say "not found" in their own words are 404s too.
fn looks_missing(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("no such") || m.contains("not known") || m.contains("not found")
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::NotModified(_) => StatusCode::NOT_MODIFIED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Image(libpod_core::image::ImageError::NoSuchImage(_)) => {
                StatusCode::NOT_FOUND
            }
            ApiError::Image(libpod_core::image::ImageError::Runtime(e)) => core_status(e),
            ApiError::Image(e) if looks_missing(&e.to_string()) => StatusCode::NOT_FOUND,
            ApiError::Image(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Core(e) => core_status(e),
            ApiError::Store(e) if looks_missing(&e.to_string()) => StatusCode::NOT_FOUND,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

fn core_status(e: &libpod_core::Error) -> StatusCode {
    use libpod_core::Error as E;
    match e {
        E::NoSuchContainer(_) | E::NoSuchImage(_) => StatusCode::NOT_FOUND,
        E::NameInUse(_)
        | E::ImageInUse { .. }
        | E::HasDependents { .. }
        | E::InvalidState { .. }
        | E::AmbiguousContainer(_) => StatusCode::CONFLICT,
        E::InvalidArgument { .. }
        | E::Rejected(_)
        | E::CommandNotFound(_)
        | E::CommandNotInvokable(_)
        | E::WorkdirMissing { .. }
        | E::Capability(_)
        | E::Seccomp(_)
        | E::Device(_)
        | E::Id(_) => StatusCode::BAD_REQUEST,
        E::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
        E::Copy(c) => {
            use libpod_core::CopyError as C;
            match c {
                C::NotFound { .. } => StatusCode::NOT_FOUND,
                C::NoContainer(_)
                | C::DirOntoFile { .. }
                | C::StreamNeedsDir
                | C::NotAnArchive
                | C::InvalidDestination(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
        E::Volume(v) => match **v {
            libpod_core::VolumeError::NoSuch(_) => StatusCode::NOT_FOUND,
            libpod_core::VolumeError::Exists(_) | libpod_core::VolumeError::InUse { .. } => {
                StatusCode::CONFLICT
            }
            libpod_core::VolumeError::Driver(_) | libpod_core::VolumeError::Options(_) => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        },
        other if looks_missing(&other.to_string()) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// Docker's error response.
    pub(crate) fn into_response(self) -> Resp {
        let status = self.status();
        if status == StatusCode::NOT_MODIFIED {
            return empty(status);
        }
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        json(status, &serde_json::json!({ "message": self.to_string() }))
    }
}

/// Runs a blocking core call on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("request handler failed: {e}")))?
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, v: &impl serde::Serialize) -> Resp {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

/// 200 with a JSON body.
pub(crate) fn ok_json(v: &impl serde::Serialize) -> ApiResult {
    Ok(json(StatusCode::OK, v))
}

/// A response without a body.
pub(crate) fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(full(Vec::new()));
    *r.status_mut() = status;
    r
}

/// A whole body.
pub(crate) fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed()
}

/// The query parameters of a request.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(q: Option<&str>) -> Query {
        Query(
            form_urlencoded::parse(q.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The last value of `k` (Go's `r.URL.Query().Get` takes the first; clients send one).
    pub(crate) fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `k`, in order (`names=a&names=b`).
    pub(crate) fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A boolean: `1`, `true`, `True` are true; absent is `default`.
    pub(crate) fn flag(&self, k: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(k) {
            None | Some("") => Ok(default),
            Some("1") | Some("true") | Some("True") | Some("TRUE") => Ok(true),
            Some("0") | Some("false") | Some("False") | Some("FALSE") => Ok(false),
            Some(v) => Err(ApiError::BadRequest(format!(
                "invalid boolean value {v:?} for query parameter {k:?}"
            ))),
        }
    }

    /// A number, when present.
    pub(crate) fn num<T: std::str::FromStr>(&self, k: &str) -> Result<Option<T>, ApiError> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::BadRequest(format!("invalid number {v:?} for query parameter {k:?}"))
            }),
        }
    }

    /// Docker's `filters` parameter: `{"key": ["v", ...]}` or the older
    /// `{"key": {"v": true}}`.
    pub(crate) fn filters(&self) -> Result<Vec<(String, String)>, ApiError> {
        let Some(raw) = self.get("filters").filter(|s| !s.is_empty()) else {
            return Ok(Vec::new());
        };
        let v: serde_json::Value = serde_json::from_str(raw)
            .map_err(|e| ApiError::BadRequest(format!("invalid filters {raw:?}: {e}")))?;
        let obj = v.as_object().ok_or_else(|| {
            ApiError::BadRequest(format!("invalid filters {raw:?}: not an object"))
        })?;
        let mut out = Vec::new();
        for (k, vals) in obj {
            match vals {
                serde_json::Value::Array(a) => {
                    for x in a {
                        let s = x.as_str().ok_or_else(|| {
                            ApiError::BadRequest(format!("invalid filter value for {k:?}"))
                        })?;
                        out.push((k.clone(), s.to_string()));
                    }
                }
                serde_json::Value::Object(m) => {
                    for (x, on) in m {
                        if on.as_bool().unwrap_or(false) {
                            out.push((k.clone(), x.clone()));
                        }
                    }
                }
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "invalid filter value for {k:?}"
                    )))
                }
            }
        }
        Ok(out)
    }
}

/// The request body, at most `limit` bytes.
pub(crate) async fn body_bytes(req: Request<Incoming>, limit: usize) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(req.into_body(), limit);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::TooLarge { limit }),
        Err(e) => Err(ApiError::BadRequest(format!(
            "reading the request body: {e}"
        ))),
    }
}

/// The request body parsed as JSON (an empty body is `null`, for optional bodies).
pub(crate) async fn body_json<T: serde::de::DeserializeOwned>(
    req: Request<Incoming>,
    what: &str,
) -> Result<T, ApiError> {
    let b = body_bytes(req, MAX_BODY).await?;
    json_from_bytes(&b, what)
}

/// A request body parsed as JSON (an empty body is `null`, for optional bodies).
pub(crate) fn json_from_bytes<T: serde::de::DeserializeOwned>(
    b: &[u8],
    what: &str,
) -> Result<T, ApiError> {
    let b: &[u8] = if b.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        b
    };
    serde_json::from_slice(b)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body for {what}: {e}")))
}

/// A body fed chunk by chunk from a channel (logs, events, pull progress, wait).
pub(crate) struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

/// A streamed response: the sender feeds the body (from a blocking thread with
/// `blocking_send`); the headers go out at once.
pub(crate) fn streamed(content_type: &'static str) -> (tokio::sync::mpsc::Sender<Bytes>, Resp) {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut r = Response::new(ChannelBody { rx }.boxed());
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    (tx, r)
}

/// A blocking writer onto a [`streamed`] body (from a blocking thread). A client
/// that went away is `BrokenPipe`.
pub(crate) struct SenderWriter(pub tokio::sync::mpsc::Sender<Bytes>);

impl Write for SenderWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Bytes::copy_from_slice(buf))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A request body read as a blocking [`std::io::Read`] (on a blocking thread): a task
/// pulls the body's frames and hands them over a bounded channel, so a large upload
/// (a tar for `docker cp`, an image for `docker load`) is never held whole in memory.
pub(crate) struct BodyReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    cur: Bytes,
}

impl BodyReader {
    /// Starts pulling `body` (call from the runtime).
    pub(crate) fn spawn(body: Incoming) -> BodyReader {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            let mut body = body;
            while let Some(f) = body.frame().await {
                let item = match f {
                    Ok(f) => match f.into_data() {
                        Ok(d) => Ok(d),
                        Err(_) => continue,
                    },
                    Err(e) => Err(std::io::Error::other(format!(
                        "reading the request body: {e}"
                    ))),
                };
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    break;
                }
            }
        });
        BodyReader {
            rx,
            cur: Bytes::new(),
        }
    }
}

impl std::io::Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len());
        out[..n].copy_from_slice(&self.cur.split_to(n));
        Ok(n)
    }
}

/// Docker's stream framing: `[stream, 0, 0, 0, len as u32 BE] ++ data`.
pub(crate) fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 8);
    v.extend_from_slice(&[stream, 0, 0, 0]);
    v.extend_from_slice(&(data.len() as u32).to_be_bytes());
    v.extend_from_slice(data);
    v
}

/// A writer onto the hijacked stream: framed for `stream` 1 or 2, or raw (`None`,
/// with a terminal).
pub(crate) struct StreamWriter {
    pub sock: UnixStream,
    pub stream: Option<u8>,
}

impl Write for StreamWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.stream {
            None => self.sock.write(buf),
            Some(s) => {
                self.sock.write_all(&frame(s, buf))?;
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

/// Answers 101 and hands the upgraded connection, as a blocking Unix stream, to `f`
/// on a blocking thread. The client's half-close reaches `f` as EOF; when `f` returns
/// the stream is closed both ways.
pub(crate) fn hijack(
    req: &mut Request<Incoming>,
    tty: bool,
    f: impl FnOnce(UnixStream) + Send + 'static,
) -> ApiResult {
    let wants_upgrade = req
        .headers()
        .get(hyper::header::UPGRADE)
        .is_some_and(|v| !v.is_empty());
    if !wants_upgrade {
        return Err(ApiError::BadRequest(
            "this endpoint hijacks the connection: send `Connection: Upgrade` and `Upgrade: tcp`"
                .into(),
        ));
    }
    let on = hyper::upgrade::on(req);
    tokio::spawn(async move {
        let upgraded = match on.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "upgrade failed");
                return;
            }
        };
        let (ours, theirs) = match UnixStream::pair() {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "socketpair for a hijacked stream");
                return;
            }
        };
        let bridge = async move {
            theirs.set_nonblocking(true)?;
            let theirs = tokio::net::UnixStream::from_std(theirs)?;
            let (mut tr, mut tw) = theirs.into_split();
            let (mut ur, mut uw) = tokio::io::split(hyper_util::rt::TokioIo::new(upgraded));
            use tokio::io::AsyncWriteExt;
            let input = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut ur, &mut tw).await;
                // The client half-closed: EOF for the process's stdin.
                let _ = tw.shutdown().await;
            });
            let _ = tokio::io::copy(&mut tr, &mut uw).await;
            let _ = uw.shutdown().await;
            input.abort();
            Ok::<(), std::io::Error>(())
        };
        let work = tokio::task::spawn_blocking(move || {
            let closer = ours.try_clone();
            f(ours);
            if let Ok(c) = closer {
                let _ = c.shutdown(std::net::Shutdown::Both);
            }
        });
        if let Err(e) = bridge.await {
            tracing::debug!(error = %e, "hijacked stream");
        }
        let _ = work.await;
    });
    let ct = if tty {
        "application/vnd.docker.raw-stream"
    } else {
        "application/vnd.docker.multiplexed-stream"
    };
    let mut r = empty(StatusCode::SWITCHING_PROTOCOLS);
    let h = r.headers_mut();
    h.insert(
        hyper::header::CONNECTION,
        "Upgrade".parse().expect("static"),
    );
    h.insert(hyper::header::UPGRADE, "tcp".parse().expect("static"));
    h.insert(hyper::header::CONTENT_TYPE, ct.parse().expect("static"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_stream_zero_padding_and_big_endian_length() {
        assert_eq!(frame(1, b"hi"), vec![1, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']);
        assert_eq!(frame(2, &[0u8; 258])[..8], [2, 0, 0, 0, 0, 0, 1, 2]);
    }

    #[test]
    fn filters_accept_both_docker_shapes_and_refuse_garbage() {
        let q = Query::parse(Some(
            "filters=%7B%22status%22%3A%5B%22exited%22%5D%2C%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%7D",
        ));
        let mut f = q.filters().unwrap();
        f.sort();
        assert_eq!(
            f,
            vec![
                ("label".to_string(), "a=b".to_string()),
                ("status".to_string(), "exited".to_string())
            ]
        );
        let bad = Query::parse(Some("filters=%5B1%5D"));
        assert!(matches!(bad.filters(), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn errors_map_to_docker_status_codes() {
        let nf = ApiError::Core(libpod_core::Error::NoSuchContainer("x".into()));
        assert_eq!(nf.status(), StatusCode::NOT_FOUND);
        let inuse = ApiError::Core(libpod_core::Error::NameInUse("x".into()));
        assert_eq!(inuse.status(), StatusCode::CONFLICT);
        assert_eq!(
            ApiError::BadRequest("x".into()).status(),
            StatusCode::BAD_REQUEST
        );
    }
}
