//! `/_ping`, `/version`, `/info`, `/auth`.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::json;

use crate::http::{blocking, empty, full, ok_json, ApiError, ApiResult};
use crate::state::AppState;
use crate::version::{API_VERSION, MIN_API_VERSION};

/// `GET|HEAD /_ping`: `OK` and the headers the CLI negotiates with.
pub(crate) fn ping(m: &Method) -> ApiResult {
    let mut r = if *m == Method::HEAD {
        empty(StatusCode::OK)
    } else {
        let mut r = empty(StatusCode::OK);
        *r.body_mut() = full(&b"OK"[..]);
        r
    };
    let h = r.headers_mut();
    h.insert("Api-Version", API_VERSION.parse().expect("static"));
    h.insert("Ostype", "linux".parse().expect("static"));
    h.insert("Docker-Experimental", "false".parse().expect("static"));
    h.insert("Builder-Version", "".parse().expect("static"));
    h.insert(
        "Cache-Control",
        "no-cache, no-store, must-revalidate"
            .parse()
            .expect("static"),
    );
    h.insert("Pragma", "no-cache".parse().expect("static"));
    h.insert(
        hyper::header::CONTENT_TYPE,
        "text/plain; charset=utf-8".parse().expect("static"),
    );
    Ok(r)
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `GET /version`.
pub(crate) async fn version(st: &Arc<AppState>) -> ApiResult {
    let _ = st;
    // The kernel release only: `Runtime::info` probes every component (about a second),
    // and clients call /version on connect.
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let version = env!("CARGO_PKG_VERSION");
    ok_json(&json!({
        "Platform": {"Name": "lpod"},
        "Components": [{
            "Name": "Engine",
            "Version": version,
            "Details": {"ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION, "Os": "linux", "Arch": arch()}
        }],
        "Version": version,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "",
        "GoVersion": "",
        "Os": "linux",
        "Arch": arch(),
        "KernelVersion": kernel,
        "Experimental": false,
        "BuildTime": "",
    }))
}

/// `GET /info`.
pub(crate) async fn info(st: &Arc<AppState>) -> ApiResult {
    let rt = st.rt.clone();
    let i = blocking(move || Ok(rt.info()?)).await?;
    let c = &i.store.container_store;
    let runtime = i.host.oci_runtime.name.clone();
    let security: Vec<String> = ["name=seccomp,profile=default"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    ok_json(&json!({
        "ID": "",
        "Containers": c.number,
        "ContainersRunning": c.running,
        "ContainersPaused": c.paused,
        "ContainersStopped": c.stopped,
        "Images": i.store.image_store.number,
        "Driver": i.store.graph_driver_name,
        "DriverStatus": i.store.graph_status.iter().map(|(k, v)| [k.clone(), v.clone()]).collect::<Vec<_>>(),
        "DockerRootDir": i.store.graph_root,
        "Plugins": {"Volume": ["local"], "Network": ["bridge"], "Authorization": null, "Log": ["k8s-file"]},
        "MemoryLimit": true,
        "SwapLimit": true,
        "CpuCfsPeriod": true,
        "CpuCfsQuota": true,
        "CPUShares": true,
        "PidsLimit": true,
        "IPv4Forwarding": true,
        "Debug": false,
        "NFd": 0,
        "NGoroutines": 0,
        "SystemTime": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "LoggingDriver": "k8s-file",
        "CgroupDriver": i.host.cgroup_manager,
        "CgroupVersion": i.host.cgroup_version.trim_start_matches('v'),
        "NEventsListener": 0,
        "KernelVersion": i.host.kernel,
        "OperatingSystem": i.host.distribution.distribution,
        "OSVersion": i.host.distribution.version,
        "OSType": "linux",
        "Architecture": i.host.arch,
        "IndexServerAddress": "https://index.docker.io/v1/",
        "NCPU": i.host.cpus,
        "MemTotal": i.host.mem_total,
        "Name": i.host.hostname,
        "Labels": [],
        "ExperimentalBuild": false,
        "ServerVersion": env!("CARGO_PKG_VERSION"),
        "Runtimes": {runtime.clone(): {"path": i.host.oci_runtime.path}},
        "DefaultRuntime": runtime,
        "LiveRestoreEnabled": false,
        "Isolation": "",
        "InitBinary": "",
        "SecurityOptions": security,
        "Swarm": {"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": "", "ControlAvailable": false},
        "Warnings": [],
    }))
}

/// `POST /auth`: lpod logs in per pull/push (`X-Registry-Auth`); credentials are not
/// checked here.
pub(crate) async fn auth(req: Request<Incoming>) -> ApiResult {
    let v: serde_json::Value = crate::http::body_json(req, "/auth").await?;
    if !v.is_object() {
        return Err(ApiError::BadRequest(
            "/auth takes a JSON object (username, password, serveraddress)".into(),
        ));
    }
    ok_json(&json!({"Status": "Login Succeeded", "IdentityToken": ""}))
}
