//! `/containers/{id}/exec`, `/exec/{id}/start` (hijacked), `/exec/{id}/json`,
//! `/exec/{id}/resize`. A session lives in the service's memory: its exit code is
//! recorded before the hijacked stream closes, so the client's inspect that follows
//! sees it.

use std::io::Read;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use libpod_core::{ExecOptions, Streams};
use serde::Deserialize;
use serde_json::json;

use crate::http::{body_json, hijack, json, ok_json, ApiError, ApiResult, StreamWriter};
use crate::session::{ExecSession, Progress};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ExecBody {
    attach_stdin: Option<bool>,
    attach_stdout: Option<bool>,
    attach_stderr: Option<bool>,
    tty: Option<bool>,
    cmd: Option<Vec<String>>,
    env: Option<Vec<String>>,
    working_dir: Option<String>,
    user: Option<String>,
    privileged: Option<bool>,
    detach_keys: Option<String>,
    console_size: Option<Vec<u16>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct StartBody {
    detach: Option<bool>,
    tty: Option<bool>,
    console_size: Option<Vec<u16>>,
}

fn new_id() -> Result<String, ApiError> {
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| ApiError::Internal(format!("reading /dev/urandom for an exec id: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn session(st: &AppState, id: &str) -> Result<Arc<ExecSession>, ApiError> {
    st.execs
        .lock()
        .map_err(|_| ApiError::Internal("exec table poisoned".into()))?
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("No such exec instance: {id}")))
}

/// An exec create body decoded: core's options and which streams to attach.
#[derive(Debug)]
pub(crate) struct DecodedExec {
    pub(crate) opts: ExecOptions,
    pub(crate) stdout: bool,
    pub(crate) stderr: bool,
}

/// The body of `POST /containers/{id}/exec` as core's exec options.
pub(crate) fn decode_create(b: Option<ExecBody>) -> Result<DecodedExec, ApiError> {
    let b = b.ok_or_else(|| ApiError::BadRequest("exec create needs a JSON body".into()))?;
    let cmd = b.cmd.filter(|c| !c.is_empty()).ok_or_else(|| {
        ApiError::BadRequest("exec create: Cmd is required (the command to run)".into())
    })?;
    if b.privileged.unwrap_or(false) {
        return Err(ApiError::NotImplemented(
            "privileged exec sessions are not offered by lpod's API".into(),
        ));
    }
    let detach_keys = match b.detach_keys.as_deref() {
        None | Some("") => Vec::new(),
        Some(k) => libpod_core::parse_detach_keys(k)?,
    };
    let opts = ExecOptions {
        command: cmd,
        env: b.env.unwrap_or_default(),
        workdir: b.working_dir.filter(|s| !s.is_empty()),
        user: b.user.filter(|s| !s.is_empty()),
        tty: b.tty.unwrap_or(false),
        stdin: b.attach_stdin.unwrap_or(false),
        terminal_size: b
            .console_size
            .filter(|s| s.len() == 2 && s[0] > 0)
            .map(|s| (s[0], s[1])),
        detach_keys,
    };
    Ok(DecodedExec {
        opts,
        stdout: b.attach_stdout.unwrap_or(true),
        stderr: b.attach_stderr.unwrap_or(true),
    })
}

/// `POST /containers/{id}/exec`: 201 `{"Id"}`; 409 when the container does not run.
pub(crate) async fn create(st: &Arc<AppState>, id: &str, req: Request<Incoming>) -> ApiResult {
    let b: Option<ExecBody> = body_json(req, "exec create").await?;
    let d = decode_create(b)?;
    let rt = st.rt.clone();
    let cid = id.to_string();
    let c = crate::http::blocking(move || {
        let c = rt.container(&cid).map_err(|e| match e {
            libpod_core::Error::NoSuchContainer(_) => {
                ApiError::NotFound(format!("No such container: {cid}"))
            }
            other => other.into(),
        })?;
        if c.status()? != libpod_core::libpod_config::ContainerStatus::Running {
            return Err(ApiError::Conflict(format!(
                "Container {cid} is not running"
            )));
        }
        Ok(c)
    })
    .await?;
    let exec_id = new_id()?;
    let s = Arc::new(ExecSession {
        container: c,
        opts: d.opts,
        stdout: d.stdout,
        stderr: d.stderr,
        progress: Mutex::new(Progress::default()),
    });
    st.execs
        .lock()
        .map_err(|_| ApiError::Internal("exec table poisoned".into()))?
        .insert(exec_id.clone(), s);
    Ok(json(StatusCode::CREATED, &json!({"Id": exec_id})))
}

fn run(s: &ExecSession, opts: &ExecOptions, streams: Streams) {
    let r = s.container.exec(opts, streams);
    let code = match r {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "exec failed");
            e.exit_code()
        }
    };
    if let Ok(mut p) = s.progress.lock() {
        p.running = false;
        p.exit_code = Some(code);
    }
}

/// `POST /exec/{id}/start`: detached (200 at once) or hijacked (101).
pub(crate) async fn start(st: &Arc<AppState>, id: &str, req: &mut Request<Incoming>) -> ApiResult {
    let s = session(st, id)?;
    // The body is small; read it without consuming the request (it is upgraded next).
    let body = {
        use http_body_util::BodyExt;
        let limited = http_body_util::Limited::new(req.body_mut(), crate::http::MAX_BODY);
        limited
            .collect()
            .await
            .map_err(|e| ApiError::BadRequest(format!("reading the exec start body: {e}")))?
            .to_bytes()
    };
    let b: StartBody = if body.iter().all(u8::is_ascii_whitespace) {
        StartBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body for exec start: {e}")))?
    };
    {
        let mut p = s
            .progress
            .lock()
            .map_err(|_| ApiError::Internal("exec session poisoned".into()))?;
        if p.started {
            return Err(ApiError::Conflict(format!(
                "exec session {id} was already started"
            )));
        }
        p.started = true;
        p.running = true;
    }
    let mut opts = s.opts.clone();
    if let Some(t) = b.tty {
        opts.tty = t;
    }
    if let Some(sz) = b.console_size.filter(|s| s.len() == 2 && s[0] > 0) {
        opts.terminal_size = Some((sz[0], sz[1]));
    }
    if b.detach.unwrap_or(false) {
        opts.stdin = false;
        tokio::task::spawn_blocking(move || run(&s, &opts, Streams::null()));
        return ok_json(&json!({}));
    }
    let tty = opts.tty;
    hijack(req, tty, move |sock| {
        let writer = |on: bool, id: u8| -> Box<dyn std::io::Write + Send> {
            match (on, sock.try_clone()) {
                (true, Ok(w)) => Box::new(StreamWriter {
                    sock: w,
                    stream: if tty { None } else { Some(id) },
                }),
                _ => Box::new(std::io::sink()),
            }
        };
        let streams = Streams {
            stdin: if opts.stdin {
                sock.try_clone()
                    .ok()
                    .map(|x| Box::new(x) as Box<dyn Read + Send>)
            } else {
                None
            },
            stdout: writer(s.stdout, 1),
            stderr: writer(s.stderr, 2),
        };
        run(&s, &opts, streams);
    })
}

/// `GET /exec/{id}/json`.
pub(crate) fn inspect(st: &Arc<AppState>, id: &str) -> ApiResult {
    let s = session(st, id)?;
    let p = *s
        .progress
        .lock()
        .map_err(|_| ApiError::Internal("exec session poisoned".into()))?;
    ok_json(&json!({
        "ID": id,
        "Running": p.running,
        "ExitCode": p.exit_code,
        "ProcessConfig": {
            "tty": s.opts.tty,
            "entrypoint": s.opts.command.first(),
            "arguments": s.opts.command.get(1..).unwrap_or_default(),
            "privileged": false,
            "user": s.opts.user.clone().unwrap_or_default(),
        },
        "OpenStdin": s.opts.stdin,
        "OpenStdout": s.stdout,
        "OpenStderr": s.stderr,
        "CanRemove": false,
        "ContainerID": s.container.id(),
        "DetachKeys": "",
        "Pid": 0,
    }))
}

/// `POST /exec/{id}/resize`: the size applies when the session starts (set before).
pub(crate) async fn resize(st: &Arc<AppState>, id: &str, q: &crate::http::Query) -> ApiResult {
    let _s = session(st, id)?;
    let _h: Option<u16> = q.num("h")?;
    let _w: Option<u16> = q.num("w")?;
    Ok(crate::http::empty(StatusCode::CREATED))
}
