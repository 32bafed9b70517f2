//! The listener: binds the Unix socket, serves HTTP/1.1 connections (with upgrades
//! for attach and exec), stops after an idle time, and drains on SIGTERM/SIGINT.

use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use libpod_core::Runtime;

use crate::state::AppState;

/// Where `lpod system service` listens by default (never Docker's or Podman's socket).
pub const DEFAULT_URI: &str = "unix:///run/lpod/lpod.sock";
/// How long SIGTERM waits for in-flight requests before the process exits anyway.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The URI is not one this service can listen on.
    #[error("invalid service URI {uri:?}: {reason}")]
    BadUri {
        /// The URI given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Binding or preparing the socket failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What we were doing.
        op: &'static str,
        /// The path it was about.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Another process already serves this socket.
    #[error("{0}: another service is listening on this socket")]
    InUse(PathBuf),
    /// The tokio runtime or the signal thread could not be set up.
    #[error("starting the service: {0}")]
    Setup(#[source] std::io::Error),
}

/// Where the service listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix socket path.
    Unix(PathBuf),
}

impl std::str::FromStr for Endpoint {
    type Err = ServeError;
    fn from_str(uri: &str) -> Result<Endpoint, ServeError> {
        let bad = |reason| ServeError::BadUri {
            uri: uri.to_string(),
            reason,
        };
        let path = match uri.split_once("://") {
            Some(("unix", rest)) => rest,
            Some(("tcp", _)) => {
                return Err(bad("tcp is not offered: lpod serves a Unix socket only"))
            }
            Some(_) => return Err(bad("only unix:///PATH is supported")),
            None => uri,
        };
        if path.is_empty() || !path.starts_with('/') {
            return Err(bad("the socket path must be absolute (unix:///PATH)"));
        }
        Ok(Endpoint::Unix(PathBuf::from(path)))
    }
}

/// How [`serve`] runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub endpoint: Endpoint,
    /// Stop after this long without any connection (`None`: run until signalled).
    pub idle_timeout: Option<Duration>,
}

impl ServeOptions {
    /// Options for `uri` (`unix:///PATH` or an absolute path), no idle timeout.
    pub fn new(uri: &str) -> Result<ServeOptions, ServeError> {
        Ok(ServeOptions {
            endpoint: uri.parse()?,
            idle_timeout: None,
        })
    }
}

/// Serves the Docker Engine API for `rt` until SIGTERM/SIGINT (in-flight requests
/// finish first) or, with an idle timeout, until no client came for that long. Blocks;
/// runs its own tokio runtime. The socket is created mode 0660 and removed on exit.
pub fn serve(rt: Runtime, opts: ServeOptions) -> Result<(), ServeError> {
    use nix::sys::signal::{SigSet, Signal};
    catch_sigpipe()?;
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGINT);
    // Blocked before any thread starts, so every thread inherits the mask and the
    // signals wait for the one thread that takes them.
    signals
        .thread_block()
        .map_err(|e| ServeError::Setup(e.into()))?;
    let Endpoint::Unix(path) = &opts.endpoint;
    let listener = bind(path)?;
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .thread_name("lpod-api")
        .build()
        .map_err(ServeError::Setup)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    std::thread::Builder::new()
        .name("lpod-api-signals".into())
        .spawn(move || {
            if let Ok(sig) = signals.wait() {
                tracing::info!(signal = %sig, "stopping the API service");
            }
            let _ = stop_tx.send(true);
        })
        .map_err(ServeError::Setup)?;
    let state = Arc::new(AppState {
        rt,
        execs: Mutex::new(HashMap::new()),
        connections: AtomicUsize::new(0),
        last_seen: Mutex::new(Instant::now()),
    });
    let result = tokio_rt.block_on(run(listener, state, opts.idle_timeout, stop_rx));
    let _ = std::fs::remove_file(path);
    // Hijacked streams still pumping in blocking threads end with the process.
    tokio_rt.shutdown_timeout(Duration::from_millis(100));
    result
}

extern "C" fn on_sigpipe(_: libc::c_int) {}

/// A client that hangs up must not kill the service: writes to its socket then fail
/// with EPIPE instead of raising SIGPIPE (the CLI restores the default action). A
/// handler, not SIG_IGN, so that the programs the service starts (conmon, runtimes,
/// containers) get the default action back at exec.
fn catch_sigpipe() -> Result<(), ServeError> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let act = SigAction::new(
        SigHandler::Handler(on_sigpipe),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing (async-signal-safe); it replaces the default
    // action of SIGPIPE for this process only, before any thread of ours starts.
    unsafe { sigaction(Signal::SIGPIPE, &act) }.map_err(|e| ServeError::Setup(e.into()))?;
    Ok(())
}

fn bind(path: &Path) -> Result<std::os::unix::net::UnixListener, ServeError> {
    let io = |op, source| ServeError::Io {
        op,
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create directory for", e))?;
    }
    if let Ok(md) = std::fs::symlink_metadata(path) {
        if !md.file_type().is_socket() {
            return Err(io(
                "refusing to replace",
                std::io::Error::other("not a socket"),
            ));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(ServeError::InUse(path.to_path_buf()));
        }
        std::fs::remove_file(path).map_err(|e| io("remove stale socket", e))?;
    }
    let l = std::os::unix::net::UnixListener::bind(path).map_err(|e| io("bind", e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| io("chmod", e))?;
    l.set_nonblocking(true)
        .map_err(|e| io("set non-blocking", e))?;
    Ok(l)
}

async fn run(
    listener: std::os::unix::net::UnixListener,
    state: Arc<AppState>,
    idle: Option<Duration>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), ServeError> {
    let listener = tokio::net::UnixListener::from_std(listener).map_err(ServeError::Setup)?;
    let mut tasks = tokio::task::JoinSet::new();
    let tick = Duration::from_millis(250);
    loop {
        tokio::select! {
            acc = listener.accept() => {
                let stream = match acc {
                    Ok((s, _)) => s,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                state.connections.fetch_add(1, Ordering::SeqCst);
                state.touch();
                let st = state.clone();
                let stop = stop.clone();
                tasks.spawn(connection(stream, st, stop));
            }
            _ = stop.changed() => break,
            _ = tokio::time::sleep(tick) => {
                while tasks.try_join_next().is_some() {}
                if let Some(limit) = idle {
                    let since = state.last_seen.lock().map(|t| t.elapsed()).unwrap_or_default();
                    if state.connections.load(Ordering::SeqCst) == 0 && since >= limit {
                        tracing::info!(idle = ?limit, "idle timeout: stopping the API service");
                        break;
                    }
                }
            }
        }
    }
    drop(listener);
    // In-flight requests finish; connections are told to close after them.
    let drain = async { while tasks.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(DRAIN_LIMIT, drain).await;
    Ok(())
}

async fn connection(
    stream: tokio::net::UnixStream,
    state: Arc<AppState>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let st = state.clone();
    let svc = service_fn(move |req| crate::router::handle(st.clone(), req));
    let conn = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades();
    tokio::pin!(conn);
    let stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
    }
    state.connections.fetch_sub(1, Ordering::SeqCst);
    state.touch();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_unix_uris_and_refuse_the_rest() {
        assert_eq!(
            "unix:///run/x.sock".parse::<Endpoint>().unwrap(),
            Endpoint::Unix("/run/x.sock".into())
        );
        assert_eq!(
            "/tmp/a.sock".parse::<Endpoint>().unwrap(),
            Endpoint::Unix("/tmp/a.sock".into())
        );
        for bad in ["tcp://127.0.0.1:80", "unix://rel.sock", "http://x", ""] {
            let e = bad.parse::<Endpoint>().unwrap_err();
            assert!(e.to_string().contains("invalid service URI"), "{bad}: {e}");
        }
    }
}
