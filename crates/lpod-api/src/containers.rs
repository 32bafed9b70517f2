//! `/containers/*`: list, create, inspect, the lifecycle verbs, wait, logs, attach,
//! top, stats, rename, resize, remove, prune.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use libpod_core::libpod_config::{ContainerStatus, RestartPolicy};
use libpod_core::{Container, CreateOptions, LogOptions, LogStream, MountSpec, NetworkMode};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::http::MAX_BODY;
use crate::http::{
    blocking, body_bytes, empty, frame, hijack, json, ok_json, streamed, ApiError, ApiResult,
    Query, StreamWriter,
};
use crate::state::AppState;
use crate::types::{docker_state, human_duration, parse_time, unix_secs};

/// Parses a signal name (`SIGTERM`, `TERM`) or number.
pub(crate) fn parse_signal(s: &str) -> Result<i32, ApiError> {
    if let Ok(n) = s.parse::<i32>() {
        if n > 0 && n < 65 {
            return Ok(n);
        }
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    name.parse::<nix::sys::signal::Signal>()
        .map(|s| s as i32)
        .map_err(|_| ApiError::BadRequest(format!("invalid signal {s:?}")))
}

async fn lookup(st: &Arc<AppState>, id: &str) -> Result<Container, ApiError> {
    let rt = st.rt.clone();
    let id = id.to_string();
    blocking(move || {
        rt.container(&id).map_err(|e| match e {
            libpod_core::Error::NoSuchContainer(_) => {
                ApiError::NotFound(format!("No such container: {id}"))
            }
            other => other.into(),
        })
    })
    .await
}

// ---------------------------------------------------------------- list

/// Docker's `Ports` list from core's `127.0.0.1:8080->80/tcp, ...` column.
pub(crate) fn docker_ports(s: &str) -> Vec<Value> {
    // "127.0.0.1:8080->80/tcp, 0.0.0.0:9000->90/udp"
    let mut out = Vec::new();
    for p in s.split(", ").filter(|p| !p.is_empty()) {
        let Some((host, ctr)) = p.split_once("->") else {
            continue;
        };
        let (cport, proto) = ctr.split_once('/').unwrap_or((ctr, "tcp"));
        let (ip, hport) = host.rsplit_once(':').unwrap_or(("0.0.0.0", host));
        let (Ok(cport), Ok(hport)) = (cport.parse::<u16>(), hport.parse::<u16>()) else {
            continue;
        };
        out.push(json!({"IP": ip, "PrivatePort": cport, "PublicPort": hport, "Type": proto}));
    }
    out
}

/// Docker's `Status` text (`Up 3 seconds`, `Exited (0) 2 minutes ago`).
pub(crate) fn status_text(s: &libpod_core::ContainerSummary) -> String {
    let now = chrono::Utc::now();
    match s.status {
        ContainerStatus::Running | ContainerStatus::Stopping => {
            let up = s.started_time.map(|t| now - t).unwrap_or_default();
            let health = if s.health.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.health)
            };
            format!("Up {}{health}", human_duration(up))
        }
        ContainerStatus::Paused => {
            let up = s.started_time.map(|t| now - t).unwrap_or_default();
            format!("Up {} (Paused)", human_duration(up))
        }
        ContainerStatus::Exited | ContainerStatus::Stopped => {
            let ago = s.exited_time.map(|t| now - t).unwrap_or_default();
            format!("Exited ({}) {} ago", s.exit_code, human_duration(ago))
        }
        ContainerStatus::Removing => "Removal In Progress".into(),
        _ => "Created".into(),
    }
}

fn filter_matches(
    s: &libpod_core::ContainerSummary,
    key: &str,
    val: &str,
) -> Result<bool, ApiError> {
    Ok(match key {
        "id" => s.id.starts_with(val),
        "name" => s.name.contains(val.trim_start_matches('/')),
        "status" => docker_state(s.status) == val,
        "label" => match val.split_once('=') {
            Some((k, v)) => s.labels.get(k).is_some_and(|x| x == v),
            None => s.labels.contains_key(val),
        },
        "exited" => {
            let code: i32 = val
                .parse()
                .map_err(|_| ApiError::BadRequest(format!("invalid exited filter {val:?}")))?;
            s.exited && s.exit_code == code
        }
        "ancestor" => {
            s.image == val || s.image_id.starts_with(val) || s.image.ends_with(&format!("/{val}"))
        }
        "before" | "since" | "health" | "volume" | "network" | "publish" | "expose" | "is-task" => {
            true
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "invalid filter {other:?} for containers"
            )))
        }
    })
}

/// A container as `/containers/json` lists it (also `/system/df`'s entries).
pub(crate) fn list_entry(s: &libpod_core::ContainerSummary) -> Value {
    json!({
        "Id": s.id,
        "Names": [format!("/{}", s.name)],
        "Image": s.image,
        "ImageID": format!("sha256:{}", s.image_id),
        "Command": s.command.join(" "),
        "Created": unix_secs(&s.created),
        "Ports": docker_ports(&s.ports),
        "Labels": s.labels,
        "State": docker_state(s.status),
        "Status": status_text(s),
        "HostConfig": {"NetworkMode": "default"},
        "NetworkSettings": {"Networks": {}},
        "Mounts": [],
    })
}

/// `GET /containers/json?all&limit&filters`.
pub(crate) async fn list(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let all = q.flag("all", false)?;
    let limit: Option<i64> = q.num("limit")?;
    let filters = q.filters()?;
    let rt = st.rt.clone();
    let rows = blocking(move || Ok(rt.list_containers()?)).await?;
    let mut out = Vec::new();
    let mut rows: Vec<_> = rows.into_iter().filter(|r| !r.is_infra).collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.created_time));
    for s in rows {
        let running = matches!(
            s.status,
            ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Stopping
        );
        // Filters on status show non-running containers without `all`, as Docker.
        if !all && !running && filters.iter().all(|(k, _)| k != "status") {
            continue;
        }
        // Values of one key are alternatives; keys must all match.
        let mut keys: BTreeMap<&str, bool> = BTreeMap::new();
        for (k, v) in &filters {
            let m = filter_matches(&s, k, v)?;
            let e = keys.entry(k.as_str()).or_insert(false);
            *e |= m;
        }
        if keys.values().any(|m| !m) {
            continue;
        }
        out.push(list_entry(&s));
        if limit.is_some_and(|l| l > 0 && out.len() as i64 >= l) {
            break;
        }
    }
    ok_json(&out)
}

// ---------------------------------------------------------------- create

/// The keys of Docker's container config (and the create body's extras): anything
/// else is refused, so a typo does not silently do nothing.
const CONFIG_KEYS: &[&str] = &[
    "Hostname",
    "Domainname",
    "User",
    "AttachStdin",
    "AttachStdout",
    "AttachStderr",
    "ExposedPorts",
    "Tty",
    "OpenStdin",
    "StdinOnce",
    "Env",
    "Cmd",
    "Healthcheck",
    "ArgsEscaped",
    "Image",
    "Volumes",
    "WorkingDir",
    "Entrypoint",
    "NetworkDisabled",
    "MacAddress",
    "OnBuild",
    "Labels",
    "StopSignal",
    "StopTimeout",
    "Shell",
    "HostConfig",
    "NetworkingConfig",
    "Platform",
];

const HOST_CONFIG_KEYS: &[&str] = &[
    "Binds",
    "ContainerIDFile",
    "LogConfig",
    "NetworkMode",
    "PortBindings",
    "RestartPolicy",
    "AutoRemove",
    "VolumeDriver",
    "VolumesFrom",
    "ConsoleSize",
    "Annotations",
    "CapAdd",
    "CapDrop",
    "CgroupnsMode",
    "Dns",
    "DnsOptions",
    "DnsSearch",
    "ExtraHosts",
    "GroupAdd",
    "IpcMode",
    "Cgroup",
    "Links",
    "OomScoreAdj",
    "PidMode",
    "Privileged",
    "PublishAllPorts",
    "ReadonlyRootfs",
    "SecurityOpt",
    "StorageOpt",
    "Tmpfs",
    "UTSMode",
    "UsernsMode",
    "ShmSize",
    "Sysctls",
    "Runtime",
    "Isolation",
    "CpuShares",
    "Memory",
    "NanoCpus",
    "CgroupParent",
    "BlkioWeight",
    "BlkioWeightDevice",
    "BlkioDeviceReadBps",
    "BlkioDeviceWriteBps",
    "BlkioDeviceReadIOps",
    "BlkioDeviceWriteIOps",
    "CpuPeriod",
    "CpuQuota",
    "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
    "CpusetCpus",
    "CpusetMems",
    "Devices",
    "DeviceCgroupRules",
    "DeviceRequests",
    "KernelMemory",
    "KernelMemoryTCP",
    "MemoryReservation",
    "MemorySwap",
    "MemorySwappiness",
    "OomKillDisable",
    "PidsLimit",
    "Ulimits",
    "CpuCount",
    "CpuPercent",
    "IOMaximumIOps",
    "IOMaximumBandwidth",
    "Mounts",
    "MaskedPaths",
    "ReadonlyPaths",
    "Init",
];

fn check_keys(v: &Value, allowed: &[&str], what: &str) -> Result<(), ApiError> {
    if let Some(o) = v.as_object() {
        if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ApiError::BadRequest(format!(
                "unknown field {k:?} in {what}"
            )));
        }
    }
    Ok(())
}

/// A string or a list of strings (`Cmd`, `Entrypoint`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Words {
    One(String),
    Many(Vec<String>),
}

impl Words {
    fn into_vec(self) -> Vec<String> {
        match self {
            Words::One(s) => vec![s],
            Words::Many(v) => v,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct CreateBody {
    image: Option<String>,
    cmd: Option<Words>,
    entrypoint: Option<Words>,
    env: Option<Vec<String>>,
    working_dir: Option<String>,
    user: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    tty: Option<bool>,
    open_stdin: Option<bool>,
    hostname: Option<String>,
    stop_signal: Option<String>,
    stop_timeout: Option<i64>,
    host_config: Option<HostConfig>,
    networking_config: Option<NetworkingConfig>,
    volumes: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct HostConfig {
    binds: Option<Vec<String>>,
    network_mode: Option<String>,
    port_bindings: Option<BTreeMap<String, Option<Vec<PortBinding>>>>,
    restart_policy: Option<RestartPolicyBody>,
    auto_remove: Option<bool>,
    cap_add: Option<Vec<String>>,
    cap_drop: Option<Vec<String>>,
    privileged: Option<bool>,
    readonly_rootfs: Option<bool>,
    memory: Option<i64>,
    nano_cpus: Option<i64>,
    pids_limit: Option<i64>,
    mounts: Option<Vec<MountBody>>,
    tmpfs: Option<BTreeMap<String, String>>,
    security_opt: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PortBinding {
    host_ip: Option<String>,
    host_port: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct RestartPolicyBody {
    name: Option<String>,
    maximum_retry_count: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct MountBody {
    #[serde(rename = "Type")]
    kind: Option<String>,
    source: Option<String>,
    target: Option<String>,
    read_only: Option<bool>,
    volume_options: Option<VolumeOptionsBody>,
    tmpfs_options: Option<TmpfsOptionsBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct VolumeOptionsBody {
    no_copy: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct TmpfsOptionsBody {
    size_bytes: Option<i64>,
    mode: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct NetworkingConfig {
    endpoints_config: Option<BTreeMap<String, Value>>,
}

/// One `HostConfig.Binds` entry: `/host:/ctr[:opts]` binds a host path,
/// `NAME:/ctr[:opts]` mounts the named volume (created when missing, as Docker).
fn bind_mount(spec: &str) -> Result<MountSpec, ApiError> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (src, dst, opts) = match parts.as_slice() {
        [s, d] => (*s, *d, ""),
        [s, d, o] => (*s, *d, *o),
        _ => {
            return Err(ApiError::BadRequest(format!(
                "invalid bind {spec:?}: want SOURCE:DESTINATION[:OPTIONS]"
            )))
        }
    };
    if src.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "invalid bind {spec:?}: the source is empty"
        )));
    }
    if !dst.starts_with('/') {
        return Err(ApiError::BadRequest(format!(
            "invalid bind {spec:?}: the destination must be an absolute path"
        )));
    }
    let opts: Vec<&str> = opts.split(',').filter(|o| !o.is_empty()).collect();
    if !src.starts_with('/') {
        return Ok(MountSpec::Volume {
            name: Some(src.to_string()),
            destination: dst.into(),
            // `rw` is the default; the rest (ro, nocopy, z, Z, ...) is core's to check.
            options: opts
                .iter()
                .filter(|o| **o != "rw")
                .map(|o| o.to_string())
                .collect(),
        });
    }
    Ok(MountSpec::Bind {
        source: src.into(),
        destination: dst.into(),
        read_only: opts.contains(&"ro"),
        options: opts
            .iter()
            // Docker's consistency hints (cached, delegated, ...) mean nothing here.
            .filter(|o| {
                matches!(
                    **o,
                    "exec"
                        | "noexec"
                        | "dev"
                        | "nodev"
                        | "suid"
                        | "nosuid"
                        | "shared"
                        | "rshared"
                        | "slave"
                        | "rslave"
                        | "private"
                        | "rprivate"
                        | "z"
                        | "Z"
                )
            })
            .map(|o| o.to_string())
            .collect(),
    })
}

/// One `HostConfig.Mounts` entry (`docker run --mount`).
fn mount_spec(m: MountBody) -> Result<MountSpec, ApiError> {
    let target =
        m.target.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
            ApiError::BadRequest("invalid mount config: Target is required".into())
        })?;
    if !target.starts_with('/') {
        return Err(ApiError::BadRequest(format!(
            "invalid mount config: Target {target:?} must be an absolute path"
        )));
    }
    let read_only = m.read_only.unwrap_or(false);
    let source = m.source.clone().filter(|s| !s.is_empty());
    Ok(match m.kind.as_deref().unwrap_or("volume") {
        "bind" => {
            let source = source.ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "invalid mount config for type \"bind\" at {target}: Source is required"
                ))
            })?;
            if !source.starts_with('/') {
                return Err(ApiError::BadRequest(format!(
                    "invalid mount config for type \"bind\": Source {source:?} must be an absolute path"
                )));
            }
            if !std::path::Path::new(&source).exists() {
                return Err(ApiError::BadRequest(format!(
                    "invalid mount config for type \"bind\": bind source path does not exist: {source}"
                )));
            }
            MountSpec::Bind {
                source: source.into(),
                destination: target.into(),
                read_only,
                options: Vec::new(),
            }
        }
        "volume" => {
            let mut options = Vec::new();
            if read_only {
                options.push("ro".to_string());
            }
            if m.volume_options.as_ref().and_then(|v| v.no_copy) == Some(true) {
                options.push("nocopy".to_string());
            }
            MountSpec::Volume {
                name: source,
                destination: target.into(),
                options,
            }
        }
        "tmpfs" => {
            if source.is_some() {
                return Err(ApiError::BadRequest(
                    "invalid mount config for type \"tmpfs\": Source must not be given".into(),
                ));
            }
            let mut options = Vec::new();
            if let Some(t) = &m.tmpfs_options {
                if let Some(sz) = t.size_bytes.filter(|s| *s > 0) {
                    options.push(format!("size={sz}"));
                }
                if let Some(mode) = t.mode.filter(|m| *m > 0) {
                    options.push(format!("mode={:o}", mode & 0o7777));
                }
            }
            if read_only {
                options.push("ro".to_string());
            }
            MountSpec::Tmpfs {
                destination: target.into(),
                options,
            }
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "invalid mount type {other:?}: bind, tmpfs or volume"
            )))
        }
    })
}

fn port_mappings(
    bindings: &BTreeMap<String, Option<Vec<PortBinding>>>,
) -> Result<Vec<libpod_core::libpod_config::PortMapping>, ApiError> {
    let mut out = Vec::new();
    for (port, binds) in bindings {
        let (cport, proto) = port.split_once('/').unwrap_or((port, "tcp"));
        for b in binds.iter().flatten() {
            let ip = b.host_ip.as_deref().unwrap_or("");
            let hport = b.host_port.as_deref().unwrap_or("");
            let spec = match (ip.is_empty(), hport.is_empty()) {
                (true, true) => format!("{cport}/{proto}"),
                (true, false) => format!("{hport}:{cport}/{proto}"),
                (false, _) => format!("{ip}:{hport}:{cport}/{proto}"),
            };
            out.extend(
                libpod_core::network::parse_ports(&spec).map_err(|e| {
                    ApiError::BadRequest(format!("invalid port binding {port}: {e}"))
                })?,
            );
        }
    }
    Ok(out)
}

fn restart_policy(r: &RestartPolicyBody) -> Result<Option<RestartPolicy>, ApiError> {
    Ok(match r.name.as_deref().unwrap_or("") {
        "" => None,
        "no" => Some(RestartPolicy::No),
        "always" => Some(RestartPolicy::Always),
        "unless-stopped" => Some(RestartPolicy::UnlessStopped),
        "on-failure" => Some(RestartPolicy::OnFailure(r.maximum_retry_count.unwrap_or(0))),
        other => {
            return Err(ApiError::BadRequest(format!(
                "invalid restart policy {other:?}: no, always, unless-stopped or on-failure"
            )))
        }
    })
}

fn create_options(
    b: CreateBody,
    name: Option<String>,
    default_mode: &str,
) -> Result<CreateOptions, ApiError> {
    let image = b
        .image
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::BadRequest("config has no Image: an image is required".into()))?;
    let hc = b.host_config.unwrap_or_default();
    let mut o = CreateOptions {
        image,
        name: name.filter(|n| !n.is_empty()),
        ..Default::default()
    };
    o.command = b.cmd.map(Words::into_vec).filter(|c| !c.is_empty());
    o.entrypoint = b.entrypoint.map(|e| {
        let v = e.into_vec();
        if v.len() == 1 && v[0].is_empty() {
            Vec::new()
        } else {
            v
        }
    });
    o.env = b.env.unwrap_or_default();
    o.workdir = b.working_dir.filter(|s| !s.is_empty());
    o.user = b.user.filter(|s| !s.is_empty());
    o.labels = b.labels.unwrap_or_default();
    o.tty = b.tty.unwrap_or(false);
    o.stdin = b.open_stdin.unwrap_or(false);
    o.hostname = b.hostname.filter(|s| !s.is_empty());
    if let Some(s) = b.stop_signal.filter(|s| !s.is_empty()) {
        o.stop_signal = Some(parse_signal(&s)?);
    }
    if let Some(t) = b.stop_timeout {
        o.stop_timeout = Some(u64::try_from(t).map_err(|_| {
            ApiError::BadRequest(format!("invalid StopTimeout {t}: must not be negative"))
        })?);
    }
    for bind in hc.binds.unwrap_or_default() {
        o.mounts.push(bind_mount(&bind)?);
    }
    for m in hc.mounts.unwrap_or_default() {
        o.mounts.push(mount_spec(m)?);
    }
    for (dst, opts) in hc.tmpfs.unwrap_or_default() {
        o.mounts.push(MountSpec::Tmpfs {
            destination: dst.into(),
            options: opts
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    // `Config.Volumes` (`docker run -v /dst`, `VOLUME` of a Dockerfile): an anonymous
    // volume unless a bind, mount or tmpfs already covers that destination.
    for dst in b.volumes.unwrap_or_default().into_keys() {
        let covered = o
            .mounts
            .iter()
            .any(|m| MountSpec::destination(m) == Path::new(&dst));
        if !covered {
            if !dst.starts_with('/') {
                return Err(ApiError::BadRequest(format!(
                    "invalid volume {dst:?} in Volumes: the destination must be an absolute path"
                )));
            }
            o.mounts.push(MountSpec::Volume {
                name: None,
                destination: dst.into(),
                options: Vec::new(),
            });
        }
    }
    o.ports = port_mappings(&hc.port_bindings.unwrap_or_default())?;
    if let Some(r) = &hc.restart_policy {
        o.restart_policy = restart_policy(r)?;
    }
    o.remove = hc.auto_remove.unwrap_or(false);
    o.security.cap_add = hc.cap_add.unwrap_or_default();
    o.security.cap_drop = hc.cap_drop.unwrap_or_default();
    o.security.privileged = hc.privileged.unwrap_or(false);
    o.security.read_only = hc.readonly_rootfs.unwrap_or(false);
    o.security.security_opt = hc.security_opt.unwrap_or_default();
    o.limits.memory = hc.memory.filter(|m| *m > 0).map(|m| m as u64);
    o.limits.cpus = hc.nano_cpus.filter(|n| *n > 0).map(|n| n as f64 / 1e9);
    o.limits.pids = hc.pids_limit.filter(|n| *n > 0);
    let endpoints: Vec<String> = b
        .networking_config
        .and_then(|n| n.endpoints_config)
        .map(|m| m.into_keys().collect())
        .unwrap_or_default();
    let mode = hc.network_mode.filter(|m| !m.is_empty());
    match mode.as_deref().unwrap_or("default") {
        "default" => {
            o.network = default_mode.parse()?;
        }
        "bridge" => o.network = NetworkMode::Bridge,
        "host" | "none" => o.network = mode.as_deref().unwrap_or("none").parse()?,
        m if m.starts_with("container:") => o.network = m.parse()?,
        net => {
            o.network = NetworkMode::Bridge;
            o.networks.push(net.to_string());
        }
    }
    if o.network == NetworkMode::Bridge {
        for e in endpoints {
            if e != "bridge" && !o.networks.contains(&e) {
                o.networks.push(e);
            }
        }
    }
    Ok(o)
}

/// The body of `POST /containers/create`: JSON, an object, only keys this API knows.
fn decode_create_body(raw: &[u8]) -> Result<CreateBody, ApiError> {
    let v: Value = serde_json::from_slice(raw).map_err(|e| {
        ApiError::BadRequest(format!("invalid JSON body for container create: {e}"))
    })?;
    if !v.is_object() {
        return Err(ApiError::BadRequest(
            "invalid JSON body for container create: want an object".into(),
        ));
    }
    check_keys(&v, CONFIG_KEYS, "the container config")?;
    if let Some(hc) = v.get("HostConfig") {
        check_keys(hc, HOST_CONFIG_KEYS, "HostConfig")?;
    }
    serde_json::from_value(v)
        .map_err(|e| ApiError::BadRequest(format!("invalid container config: {e}")))
}

/// A container create request decoded into core's options, as the handler does
/// (`default_mode` stands for the runtime's default network mode).
pub(crate) fn decode_create(
    raw: &[u8],
    q: &Query,
    default_mode: &str,
) -> Result<CreateOptions, ApiError> {
    let body = decode_create_body(raw)?;
    create_options(body, q.get("name").map(String::from), default_mode)
}

/// `POST /containers/create?name=`.
pub(crate) async fn create(st: &Arc<AppState>, q: &Query, req: Request<Incoming>) -> ApiResult {
    let raw = body_bytes(req, MAX_BODY).await?;
    let body = decode_create_body(&raw)?;
    let name = q.get("name").map(String::from);
    let rt = st.rt.clone();
    let id = blocking(move || {
        let default_mode = rt.config()?.config.default_network_mode;
        let opts = create_options(body, name, &default_mode)?;
        // 404 lets the CLI pull and retry.
        let store = rt.store()?;
        if store.image(&opts.image).is_err() {
            return Err(ApiError::NotFound(format!("No such image: {}", opts.image)));
        }
        Ok(rt.create_container(opts)?.id().to_string())
    })
    .await?;
    Ok(json(
        StatusCode::CREATED,
        &json!({"Id": id, "Warnings": []}),
    ))
}

// ---------------------------------------------------------------- inspect

fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    if let Some(o) = v.as_object() {
        for k in keys {
            if let Some(x) = o.get(*k) {
                m.insert((*k).to_string(), x.clone());
            }
        }
    }
    Value::Object(m)
}

fn docker_status_word(podman: &str) -> &str {
    match podman {
        "configured" => "created",
        "stopped" | "exited" => "exited",
        "stopping" => "running",
        other => other,
    }
}

/// Docker's inspect document from core's (Podman's) one.
fn docker_inspect(
    d: &libpod_core::InspectData,
    cfg: &libpod_core::libpod_config::ContainerConfig,
) -> Value {
    let v = serde_json::to_value(d).unwrap_or(Value::Null);
    let mut state = pick(
        &v["State"],
        &[
            "Status",
            "Running",
            "Paused",
            "Restarting",
            "OOMKilled",
            "Dead",
            "Pid",
            "ExitCode",
            "Error",
            "StartedAt",
            "FinishedAt",
            "Health",
        ],
    );
    let word = docker_status_word(d.state.status.as_str()).to_string();
    state["Status"] = json!(word);
    let mut config = pick(
        &v["Config"],
        &[
            "Hostname",
            "Domainname",
            "User",
            "AttachStdin",
            "AttachStdout",
            "AttachStderr",
            "Tty",
            "OpenStdin",
            "StdinOnce",
            "Env",
            "Cmd",
            "Image",
            "WorkingDir",
            "Entrypoint",
            "Labels",
        ],
    );
    config["Tty"] = json!(cfg.terminal);
    config["OpenStdin"] = json!(cfg.stdin);
    config["Image"] = json!(d.image_name);
    let mut host = pick(
        &v["HostConfig"],
        &[
            "Binds",
            "NetworkMode",
            "Privileged",
            "ReadonlyRootfs",
            "CapAdd",
            "CapDrop",
        ],
    );
    host["AutoRemove"] = json!(cfg.auto_remove);
    let (name, max) = match cfg.restart_policy {
        RestartPolicy::No => ("no", 0),
        RestartPolicy::Always => ("always", 0),
        RestartPolicy::UnlessStopped => ("unless-stopped", 0),
        RestartPolicy::OnFailure(n) => ("on-failure", n),
    };
    host["RestartPolicy"] = json!({"Name": name, "MaximumRetryCount": max});
    host["LogConfig"] = json!({"Type": "k8s-file", "Config": {}});
    let mut bindings = Map::new();
    for p in &cfg.port_mappings {
        let proto = serde_json::to_value(p.protocol)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| "tcp".into());
        let key = format!("{}/{proto}", p.container_port);
        let entry = bindings.entry(key).or_insert_with(|| json!([]));
        if let Some(a) = entry.as_array_mut() {
            a.push(json!({
                "HostIp": p.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                "HostPort": p.host_port.to_string(),
            }));
        }
    }
    host["PortBindings"] = Value::Object(bindings);
    let net = pick(
        &v["NetworkSettings"],
        &[
            "SandboxKey",
            "IPAddress",
            "IPPrefixLen",
            "Gateway",
            "MacAddress",
            "Ports",
            "Networks",
        ],
    );
    let mounts: Vec<Value> = v["Mounts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    pick(
                        m,
                        &[
                            "Type",
                            "Name",
                            "Source",
                            "Destination",
                            "Driver",
                            "Mode",
                            "RW",
                            "Propagation",
                        ],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "Id": d.id,
        "Created": d.created,
        "Path": d.path,
        "Args": d.args,
        "State": state,
        "Image": format!("sha256:{}", d.image),
        "ResolvConfPath": "",
        "HostnamePath": "",
        "HostsPath": "",
        "LogPath": d.log_path,
        "Name": format!("/{}", d.name),
        "RestartCount": d.restart_count,
        "Driver": d.driver,
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": [],
        "HostConfig": host,
        "GraphDriver": {"Name": d.driver, "Data": {}},
        "Mounts": mounts,
        "Config": config,
        "NetworkSettings": net,
    })
}

/// `GET /containers/{id}/json`.
pub(crate) async fn inspect(st: &Arc<AppState>, id: &str) -> ApiResult {
    let c = lookup(st, id).await?;
    let rt = st.rt.clone();
    let v = blocking(move || {
        let d = c.inspect()?;
        let cfg = c.config()?;
        let mut v = docker_inspect(&d, &cfg);
        let mut named = Vec::new();
        // A volume's Source is where its data is (Docker's `.../volumes/NAME/_data`).
        if let Some(mounts) = v["Mounts"].as_array_mut() {
            for m in mounts.iter_mut().filter(|m| m["Type"] == "volume") {
                let Some(name) = m["Name"].as_str().map(String::from) else {
                    continue;
                };
                if let Ok(vol) = rt.volume(&name) {
                    m["Source"] = json!(vol.config.mountpoint);
                    if !vol.config.anonymous {
                        named.push(format!(
                            "{name}:{}{}",
                            m["Destination"].as_str().unwrap_or_default(),
                            if m["RW"] == false { ":ro" } else { "" }
                        ));
                    }
                }
            }
        }
        // Docker's Binds hold the named volumes given as `NAME:/dst` too.
        if !named.is_empty() {
            let mut binds: Vec<Value> = v["HostConfig"]["Binds"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            binds.extend(named.into_iter().map(Value::from));
            v["HostConfig"]["Binds"] = Value::Array(binds);
        }
        Ok(v)
    })
    .await?;
    ok_json(&v)
}

// ---------------------------------------------------------------- lifecycle

/// `POST /containers/{id}/start`: 304 when it already runs.
pub(crate) async fn start(st: &Arc<AppState>, id: &str) -> ApiResult {
    let c = lookup(st, id).await?;
    blocking(move || {
        if matches!(
            c.status()?,
            ContainerStatus::Running | ContainerStatus::Paused
        ) {
            return Err(ApiError::NotModified("container already started".into()));
        }
        if let Err(e) = c.start() {
            // As Docker: an auto-remove container that cannot start is removed (the
            // CLI waits for `removed` before it reports the error).
            if c.config().is_ok_and(|cfg| cfg.auto_remove) {
                if let Err(rm) = c.remove(true) {
                    tracing::warn!(error = %rm, "removing an auto-remove container that failed to start");
                }
            }
            return Err(e.into());
        }
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn is_active(s: ContainerStatus) -> bool {
    matches!(
        s,
        ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Stopping
    )
}

/// The query of `POST /containers/{id}/stop`: the timeout and the signal.
pub(crate) fn stop_query(q: &Query) -> Result<(Option<i64>, Option<i32>), ApiError> {
    let t: Option<i64> = q.num("t")?;
    let signal = q
        .get("signal")
        .filter(|s| !s.is_empty())
        .map(parse_signal)
        .transpose()?;
    Ok((t, signal))
}

/// `POST /containers/{id}/stop?t=&signal=`: 304 when it does not run.
pub(crate) async fn stop(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let (t, signal) = stop_query(q)?;
    let c = lookup(st, id).await?;
    blocking(move || {
        if !is_active(c.status()?) {
            return Err(ApiError::NotModified("container already stopped".into()));
        }
        if let Some(sig) = signal {
            c.kill(sig)?;
        }
        Ok(c.stop(t.map(|t| Duration::from_secs(t.max(0) as u64)))?)
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/restart?t=`.
pub(crate) async fn restart(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let t: Option<i64> = q.num("t")?;
    let c = lookup(st, id).await?;
    blocking(move || Ok(c.restart(t.map(|t| Duration::from_secs(t.max(0) as u64)))?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/kill?signal=` (SIGKILL by default); 409 when it does not run.
pub(crate) async fn kill(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let sig = parse_signal(
        q.get("signal")
            .filter(|s| !s.is_empty())
            .unwrap_or("SIGKILL"),
    )?;
    let c = lookup(st, id).await?;
    let name = id.to_string();
    blocking(move || {
        if !is_active(c.status()?) {
            return Err(ApiError::Conflict(format!(
                "Cannot kill container: {name}: container is not running"
            )));
        }
        Ok(c.kill(sig)?)
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/pause` and `/unpause`.
pub(crate) async fn pause(st: &Arc<AppState>, id: &str, pause: bool) -> ApiResult {
    let c = lookup(st, id).await?;
    blocking(move || {
        if pause {
            c.pause()?;
        } else {
            c.unpause()?;
        }
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/rename?name=`.
pub(crate) async fn rename(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let name = q
        .get("name")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::BadRequest("rename needs the query parameter name".into()))?
        .to_string();
    let c = lookup(st, id).await?;
    blocking(move || Ok(c.rename(&name)?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/resize?h=&w=`.
pub(crate) async fn resize(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let h: u16 = q.num("h")?.unwrap_or(0);
    let w: u16 = q.num("w")?.unwrap_or(0);
    let c = lookup(st, id).await?;
    blocking(move || Ok(c.resize(h, w)?)).await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE /containers/{id}?force&v`: 409 for a running container without force.
pub(crate) async fn remove(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let force = q.flag("force", false)?;
    let _volumes = q.flag("v", false)?;
    let c = lookup(st, id).await?;
    let name = id.to_string();
    blocking(move || {
        if !force && is_active(c.status()?) {
            return Err(ApiError::Conflict(format!(
                "You cannot remove a running container {name}. Stop the container before attempting removal or force remove"
            )));
        }
        Ok(c.remove(force)?)
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /containers/prune`: removes every container that does not run.
pub(crate) async fn prune(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let rt = st.rt.clone();
    let deleted = blocking(move || {
        let mut out = Vec::new();
        for s in rt.list_containers()? {
            if is_active(s.status) || s.is_infra || !s.pod.is_empty() {
                continue;
            }
            let mut keep = false;
            for (k, v) in &filters {
                if k == "label" && !filter_matches(&s, k, v)? {
                    keep = true;
                }
            }
            if keep {
                continue;
            }
            if rt.container(&s.id).and_then(|c| c.remove(false)).is_ok() {
                out.push(s.id);
            }
        }
        Ok(out)
    })
    .await?;
    ok_json(&json!({"ContainersDeleted": deleted, "SpaceReclaimed": 0}))
}

// ---------------------------------------------------------------- wait

/// The `condition` of `POST /containers/{id}/wait` (default `not-running`).
pub(crate) fn wait_condition(q: &Query) -> Result<String, ApiError> {
    let cond = q.get("condition").unwrap_or("not-running").to_string();
    if !matches!(cond.as_str(), "" | "not-running" | "next-exit" | "removed") {
        return Err(ApiError::BadRequest(format!(
            "invalid condition {cond:?}: not-running, next-exit or removed"
        )));
    }
    Ok(cond)
}

/// `POST /containers/{id}/wait?condition=not-running|next-exit|removed`: the
/// headers go out at once (the CLI sends this before start), the body when the
/// condition holds.
pub(crate) async fn wait(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let cond = wait_condition(q)?;
    let c = lookup(st, id).await?;
    let rt = st.rt.clone();
    let (tx, resp) = streamed("application/json");
    tokio::task::spawn_blocking(move || {
        let r = match cond.as_str() {
            "next-exit" => c.wait(),
            "removed" => c.wait().and_then(|code| {
                let mut step = Duration::from_millis(5);
                loop {
                    match rt.container(c.id()) {
                        Err(libpod_core::Error::NoSuchContainer(_)) => return Ok(code),
                        Err(e) => return Err(e),
                        Ok(_) => {}
                    }
                    if tx.is_closed() {
                        return Ok(code);
                    }
                    std::thread::sleep(step);
                    step = (step * 2).min(Duration::from_millis(100));
                }
            }),
            _ => c.wait_stopped(),
        };
        let body = match r {
            Ok(code) => json!({"StatusCode": code, "Error": null}),
            Err(e) => json!({"StatusCode": -1, "Error": {"Message": e.to_string()}}),
        };
        let mut b = serde_json::to_vec(&body).unwrap_or_default();
        b.push(b'\n');
        let _ = tx.blocking_send(b.into());
    });
    Ok(resp)
}

// ---------------------------------------------------------------- logs

/// The query of `GET /containers/{id}/logs`, decoded.
#[derive(Debug)]
pub(crate) struct LogsQuery {
    pub(crate) opts: LogOptions,
    pub(crate) want_out: bool,
    pub(crate) want_err: bool,
    pub(crate) timestamps: bool,
}

/// Decodes the query of `GET /containers/{id}/logs`.
pub(crate) fn logs_query(q: &Query) -> Result<LogsQuery, ApiError> {
    let follow = q.flag("follow", false)?;
    let want_out = q.flag("stdout", false)?;
    let want_err = q.flag("stderr", false)?;
    if !want_out && !want_err {
        return Err(ApiError::BadRequest(
            "you must choose at least one stream (stdout=1 or stderr=1)".into(),
        ));
    }
    let timestamps = q.flag("timestamps", false)?;
    let tail =
        match q.get("tail") {
            None | Some("") | Some("all") => None,
            Some(n) => Some(n.parse::<usize>().map_err(|_| {
                ApiError::BadRequest(format!("invalid tail {n:?}: a number or all"))
            })?),
        };
    let time = |k: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
        match q.get(k).filter(|s| !s.is_empty() && *s != "0") {
            None => Ok(None),
            Some(v) => parse_time(v)
                .map(Some)
                .ok_or_else(|| ApiError::BadRequest(format!("invalid {k} time {v:?}"))),
        }
    };
    let opts = LogOptions {
        follow,
        tail,
        since: time("since")?,
        until: time("until")?,
    };
    Ok(LogsQuery {
        opts,
        want_out,
        want_err,
        timestamps,
    })
}

/// `GET /containers/{id}/logs?follow&stdout&stderr&since&until&timestamps&tail`:
/// framed with Docker's 8-byte headers unless the container has a terminal.
pub(crate) async fn logs(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let LogsQuery {
        opts,
        want_out,
        want_err,
        timestamps,
    } = logs_query(q)?;
    let c = lookup(st, id).await?;
    let c2 = c.clone();
    let tty = blocking(move || Ok(c2.config()?.terminal)).await?;
    let ct = if tty {
        "application/vnd.docker.raw-stream"
    } else {
        "application/vnd.docker.multiplexed-stream"
    };
    let (tx, resp) = streamed(ct);
    tokio::task::spawn_blocking(move || {
        let r = c.logs(&opts, &mut |l| {
            let (id, want) = match l.stream {
                LogStream::Stdout => (1u8, want_out),
                LogStream::Stderr => (2u8, want_err),
            };
            if !want {
                return Ok(());
            }
            let mut line = Vec::with_capacity(l.line.len() + 40);
            if timestamps {
                let _ = write!(
                    line,
                    "{} ",
                    l.time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
                );
            }
            line.extend_from_slice(&l.line);
            line.push(b'\n');
            let chunk = if tty { line } else { frame(id, &line) };
            tx.blocking_send(chunk.into())
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        });
        if let Err(e) = r {
            tracing::debug!(error = %e, "logs ended with an error");
            let msg = format!("Error: {e}\n");
            let chunk = if tty {
                msg.into_bytes()
            } else {
                frame(2, msg.as_bytes())
            };
            let _ = tx.blocking_send(chunk.into());
        }
    });
    Ok(resp)
}

// ---------------------------------------------------------------- attach

/// `POST /containers/{id}/attach?stream&stdin&stdout&stderr`: 101 and the hijacked
/// stream. A container not yet created is initialised first, so the attach comes
/// before the start and no output is lost (the CLI attaches, then starts).
pub(crate) async fn attach(
    st: &Arc<AppState>,
    id: &str,
    q: &Query,
    req: &mut Request<Incoming>,
) -> ApiResult {
    let stdin = q.flag("stdin", false)?;
    let stdout = q.flag("stdout", false)?;
    let stderr = q.flag("stderr", false)?;
    let stream = q.flag("stream", false)?;
    if !stream {
        return Err(ApiError::BadRequest(
            "attach without stream=1 (logs only) is not offered: use /containers/{id}/logs".into(),
        ));
    }
    let c = lookup(st, id).await?;
    // Connected before the 101 goes out: the CLI starts the container as soon as
    // it has the upgrade, and output written before we connected would be lost.
    let (tty, conn) = blocking(move || {
        let cfg = c.config()?;
        match c.status()? {
            ContainerStatus::Configured => {
                // A container that cannot be created (its command is missing) gets an
                // empty stream: the start that follows reports the error, as Docker.
                if let Err(e) = c.init() {
                    tracing::debug!(error = %e, "attach: the container cannot be created");
                    return Ok((cfg.terminal, None));
                }
            }
            ContainerStatus::Created | ContainerStatus::Running | ContainerStatus::Paused => {}
            s => {
                return Err(ApiError::Conflict(format!(
                    "cannot attach to container {}: it is {}",
                    c.id(),
                    docker_state(s)
                )))
            }
        }
        Ok((cfg.terminal, Some(c.connect_attach()?)))
    })
    .await?;
    hijack(req, tty, move |sock| {
        let Some(conn) = conn else { return };
        let writer = |on: bool, id: u8| -> Box<dyn Write + Send> {
            match (on, sock.try_clone()) {
                (true, Ok(s)) => Box::new(StreamWriter {
                    sock: s,
                    stream: if tty { None } else { Some(id) },
                }),
                _ => Box::new(std::io::sink()),
            }
        };
        let streams = libpod_core::Streams {
            stdin: if stdin {
                sock.try_clone()
                    .ok()
                    .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>)
            } else {
                None
            },
            stdout: writer(stdout, 1),
            stderr: writer(stderr, 2),
        };
        if let Err(e) = conn.stream(streams) {
            tracing::debug!(error = %e, "attach ended with an error");
        }
    })
}

// ---------------------------------------------------------------- top, stats

/// `GET /containers/{id}/top?ps_args=`.
pub(crate) async fn top(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let args: Vec<String> = q
        .get("ps_args")
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let c = lookup(st, id).await?;
    let t = blocking(move || Ok(c.top_with(&args)?)).await?;
    ok_json(&json!({"Titles": t.header, "Processes": t.rows}))
}

fn stats_doc(
    s: &libpod_core::stats::ContainerStats,
    prev: Option<&libpod_core::stats::ContainerStats>,
) -> Value {
    let now = chrono::Utc::now();
    let cpu = |x: &libpod_core::stats::ContainerStats| {
        json!({
            "cpu_usage": {"total_usage": x.cpu_nano, "percpu_usage": x.per_cpu, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "system_cpu_usage": x.cpu_system_nano,
            "online_cpus": x.per_cpu.len().max(1),
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
        })
    };
    let mut networks = Map::new();
    for (name, io) in s.network.iter().flatten() {
        networks.insert(
            name.clone(),
            json!({"rx_bytes": io.rx_bytes, "tx_bytes": io.tx_bytes, "rx_packets": 0, "tx_packets": 0, "rx_errors": 0, "tx_errors": 0, "rx_dropped": 0, "tx_dropped": 0}),
        );
    }
    json!({
        "read": now.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "preread": "0001-01-01T00:00:00Z",
        "id": s.container_id,
        "name": format!("/{}", s.name),
        "pids_stats": {"current": s.pids, "limit": s.pids_limit.unwrap_or(0)},
        "cpu_stats": cpu(s),
        "precpu_stats": prev.map(cpu).unwrap_or_else(|| json!({"cpu_usage": {"total_usage": 0}, "system_cpu_usage": 0, "online_cpus": 0, "throttling_data": {}})),
        "memory_stats": {"usage": s.mem_usage, "limit": s.mem_limit, "stats": {}},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 0, "minor": 0, "op": "read", "value": s.block_input},
            {"major": 0, "minor": 0, "op": "write", "value": s.block_output},
        ]},
        "networks": networks,
        "num_procs": 0,
        "storage_stats": {},
    })
}

/// `GET /containers/{id}/stats?stream=`: one sample with `stream=false`, else one
/// a second until the client goes.
pub(crate) async fn stats(st: &Arc<AppState>, id: &str, q: &Query) -> ApiResult {
    let stream = q.flag("stream", true)?;
    let c = lookup(st, id).await?;
    if !stream {
        let v = blocking(move || {
            let first = c.stats(None)?;
            Ok(stats_doc(&first, None))
        })
        .await?;
        return ok_json(&v);
    }
    let c2 = c.clone();
    let first = blocking(move || Ok(c2.stats(None)?)).await?;
    let (tx, resp) = streamed("application/json");
    tokio::task::spawn_blocking(move || {
        let mut prev = first;
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let Ok(next) = c.stats(Some(&prev)) else {
                return;
            };
            let mut b = serde_json::to_vec(&stats_doc(&next, Some(&prev))).unwrap_or_default();
            b.push(b'\n');
            if tx.blocking_send(b.into()).is_err() {
                return;
            }
            prev = next;
        }
    });
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_port_strings_become_docker_port_objects() {
        let p = docker_ports("127.0.0.1:8080->80/tcp, 0.0.0.0:53->53/udp");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0]["PublicPort"], 8080);
        assert_eq!(p[0]["IP"], "127.0.0.1");
        assert_eq!(p[1]["Type"], "udp");
    }

    #[test]
    fn create_bodies_map_onto_create_options() {
        let v = json!({
            "Image": "busybox", "Cmd": ["sh", "-c", "exit 7"], "Tty": true,
            "HostConfig": {"AutoRemove": true, "Binds": ["/tmp:/mnt:ro"], "NetworkMode": "mynet",
                "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
                "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}}
        });
        let b: CreateBody = serde_json::from_value(v).unwrap();
        let o = create_options(b, Some("n".into()), "none").unwrap();
        assert_eq!(o.command.unwrap()[2], "exit 7");
        assert!(o.tty && o.remove);
        assert_eq!(o.networks, vec!["mynet".to_string()]);
        assert_eq!(o.ports[0].host_port, 8080);
        assert_eq!(o.restart_policy, Some(RestartPolicy::OnFailure(3)));
        assert!(matches!(
            o.mounts[0],
            MountSpec::Bind {
                read_only: true,
                ..
            }
        ));
    }

    #[test]
    fn mounts_map_onto_core_mounts_and_volumes_onto_anonymous_ones() {
        let body: CreateBody = serde_json::from_value(json!({
            "Image": "busybox",
            "Volumes": {"/anon": {}, "/named": {}},
            "HostConfig": {
                "Binds": ["named:/named"],
                "Mounts": [
                    {"Type": "volume", "Source": "v2", "Target": "/v2", "ReadOnly": true,
                     "VolumeOptions": {"NoCopy": true}},
                    {"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 448}},
                    {"Type": "bind", "Source": "/tmp", "Target": "/b"}
                ]
            }
        }))
        .unwrap();
        let o = create_options(body, None, "none").unwrap();
        let vol = |n: Option<&str>, d: &str, opts: &[&str]| MountSpec::Volume {
            name: n.map(String::from),
            destination: d.into(),
            options: opts.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            o.mounts,
            vec![
                vol(Some("named"), "/named", &[]),
                vol(Some("v2"), "/v2", &["ro", "nocopy"]),
                MountSpec::Tmpfs {
                    destination: "/t".into(),
                    options: vec!["size=1048576".into(), "mode=700".into()],
                },
                MountSpec::Bind {
                    source: "/tmp".into(),
                    destination: "/b".into(),
                    read_only: false,
                    options: Vec::new(),
                },
                vol(None, "/anon", &[]),
            ]
        );
        for bad in [
            json!({"Type": "bind", "Target": "/x"}),
            json!({"Type": "bind", "Source": "/nonexistent-lpod-src", "Target": "/x"}),
            json!({"Type": "tmpfs", "Source": "x", "Target": "/x"}),
            json!({"Type": "volume", "Target": "rel"}),
            json!({"Type": "npipe", "Target": "/x"}),
        ] {
            let m: MountBody = serde_json::from_value(bad.clone()).unwrap();
            assert!(
                matches!(mount_spec(m), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_fields_and_relative_binds_are_refused() {
        let e = check_keys(
            &json!({"Image": "x", "Imagee": 1}),
            CONFIG_KEYS,
            "the container config",
        )
        .unwrap_err();
        assert!(e.to_string().contains("Imagee"), "{e}");
        assert_eq!(
            bind_mount("vol:/data:ro,z").unwrap(),
            MountSpec::Volume {
                name: Some("vol".into()),
                destination: "/data".into(),
                options: vec!["ro".into(), "z".into()],
            }
        );
        assert!(matches!(bind_mount("/a"), Err(ApiError::BadRequest(_))));
        assert!(matches!(bind_mount("v:rel"), Err(ApiError::BadRequest(_))));
        assert!(matches!(bind_mount(":/x"), Err(ApiError::BadRequest(_))));
        assert_eq!(parse_signal("TERM").unwrap(), 15);
        assert!(parse_signal("NOPE").is_err());
    }
}
