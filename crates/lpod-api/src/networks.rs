//! `/networks/*`: list, inspect, create, remove, connect, disconnect, prune.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use libpod_core::libpod_net::{NetworkCreateOptions, NetworkInfo};
use libpod_core::ConnectOptions;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{blocking, body_json, empty, json, ok_json, ApiError, ApiResult, Query};
use crate::state::AppState;

/// A network's id: the sha256 of its name, as Podman derives ids of CNI networks.
fn net_id(name: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(name.as_bytes()))
}

fn doc(n: &NetworkInfo) -> Value {
    let config: Vec<Value> = n
        .subnets
        .iter()
        .map(|s| {
            let mut c = json!({"Subnet": s.subnet.to_string()});
            if let Some(g) = s.gateway {
                c["Gateway"] = json!(g.to_string());
            }
            c
        })
        .collect();
    let mut options = BTreeMap::new();
    if let Some(b) = &n.bridge {
        options.insert("com.docker.network.bridge.name", b.clone());
    }
    json!({
        "Name": n.name,
        "Id": net_id(&n.name),
        "Created": "0001-01-01T00:00:00Z",
        "Scope": "local",
        "Driver": n.driver,
        "EnableIPv6": false,
        "IPAM": {"Driver": "default", "Options": {}, "Config": config},
        "Internal": false,
        "Attachable": false,
        "Ingress": false,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": false,
        "Containers": {},
        "Options": options,
        "Labels": n.labels,
    })
}

async fn find(st: &Arc<AppState>, name: &str) -> Result<NetworkInfo, ApiError> {
    let rt = st.rt.clone();
    let n = name.to_string();
    blocking(move || {
        if let Ok(i) = rt.inspect_network(&n) {
            return Ok(i);
        }
        // By id or id prefix.
        let hit: Vec<NetworkInfo> = rt
            .list_networks()?
            .into_iter()
            .filter(|i| n.len() >= 3 && net_id(&i.name).starts_with(&n))
            .collect();
        match hit.len() {
            1 => Ok(hit.into_iter().next().expect("one")),
            0 => Err(ApiError::NotFound(format!("network {n} not found"))),
            _ => Err(ApiError::Conflict(format!(
                "network {n} is ambiguous: more than one network id starts with it"
            ))),
        }
    })
    .await
}

/// `GET /networks?filters=`.
pub(crate) async fn list(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let rt = st.rt.clone();
    let nets = blocking(move || Ok(rt.list_networks()?)).await?;
    let mut out = Vec::new();
    for n in &nets {
        let mut keys: BTreeMap<&str, bool> = BTreeMap::new();
        for (k, v) in &filters {
            let m = match k.as_str() {
                "name" => n.name.contains(v.as_str()),
                "id" => net_id(&n.name).starts_with(v.as_str()),
                "driver" => n.driver == *v,
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => n.labels.get(lk).is_some_and(|x| x == lv),
                    None => n.labels.contains_key(v),
                },
                "scope" => v == "local",
                "type" => v == "custom" || v == "builtin",
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "invalid filter {other:?} for networks"
                    )))
                }
            };
            *keys.entry(k.as_str()).or_insert(false) |= m;
        }
        if keys.values().all(|m| *m) {
            out.push(doc(n));
        }
    }
    ok_json(&out)
}

/// `GET /networks/{id}`.
pub(crate) async fn inspect(st: &Arc<AppState>, id: &str) -> ApiResult {
    let n = find(st, id).await?;
    ok_json(&doc(&n))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub(crate) struct CreateBody {
    name: Option<String>,
    check_duplicate: Option<bool>,
    driver: Option<String>,
    scope: Option<String>,
    internal: Option<bool>,
    attachable: Option<bool>,
    ingress: Option<bool>,
    config_only: Option<bool>,
    config_from: Option<Value>,
    #[serde(rename = "IPAM")]
    ipam: Option<Ipam>,
    #[serde(rename = "EnableIPv6")]
    enable_ipv6: Option<bool>,
    #[serde(rename = "EnableIPv4")]
    enable_ipv4: Option<bool>,
    options: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Ipam {
    driver: Option<String>,
    config: Option<Vec<IpamConfig>>,
    options: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct IpamConfig {
    subnet: Option<String>,
    #[serde(rename = "IPRange")]
    ip_range: Option<String>,
    gateway: Option<String>,
}

/// `POST /networks/create`: 201 `{"Id", "Warning"}`; 409 when the name is taken.
pub(crate) async fn create(st: &Arc<AppState>, req: Request<Incoming>) -> ApiResult {
    let b: Option<CreateBody> = body_json(req, "network create").await?;
    let opts = create_options(b)?;
    let name = opts.name.clone();
    let rt = st.rt.clone();
    let n = name.clone();
    blocking(move || {
        if rt.inspect_network(&n).is_ok() {
            return Err(ApiError::Conflict(format!(
                "network with name {n} already exists"
            )));
        }
        Ok(rt.create_network(&opts)?)
    })
    .await?;
    Ok(json(
        StatusCode::CREATED,
        &json!({"Id": net_id(&name), "Warning": ""}),
    ))
}

/// The body of `POST /networks/create` as core's options.
pub(crate) fn create_options(b: Option<CreateBody>) -> Result<NetworkCreateOptions, ApiError> {
    let b = b.ok_or_else(|| ApiError::BadRequest("network create needs a JSON body".into()))?;
    let name = b
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::BadRequest("network create: Name is required".into()))?;
    match b.driver.as_deref() {
        None | Some("") | Some("bridge") => {}
        Some(d) => {
            return Err(ApiError::BadRequest(format!(
                "network driver {d:?} is not offered: lpod creates bridge networks"
            )))
        }
    }
    if b.enable_ipv6.unwrap_or(false) {
        return Err(ApiError::BadRequest(
            "IPv6 networks are not offered by lpod's API yet".into(),
        ));
    }
    let mut opts = NetworkCreateOptions {
        name: name.clone(),
        labels: b.labels.unwrap_or_default(),
        ..Default::default()
    };
    for (k, v) in b.options.unwrap_or_default() {
        match k.as_str() {
            "com.docker.network.bridge.name" => opts.bridge = Some(v),
            "com.docker.network.driver.mtu" => {
                opts.mtu = Some(v.parse().map_err(|_| {
                    ApiError::BadRequest(format!("invalid MTU {v:?} in network options"))
                })?)
            }
            "com.docker.network.bridge.enable_ip_masquerade" => opts.ip_masq = Some(v == "true"),
            other => {
                return Err(ApiError::BadRequest(format!(
                    "network option {other:?} is not offered"
                )))
            }
        }
    }
    let configs = b.ipam.and_then(|i| i.config).unwrap_or_default();
    if configs.len() > 1 {
        return Err(ApiError::BadRequest(
            "more than one IPAM config is not offered: one subnet per network".into(),
        ));
    }
    if let Some(c) = configs.into_iter().next() {
        opts.subnet = c.subnet.filter(|s| !s.is_empty());
        opts.ip_range = c.ip_range.filter(|s| !s.is_empty());
        if let Some(g) = c.gateway.filter(|s| !s.is_empty()) {
            opts.gateway = Some(
                g.parse()
                    .map_err(|_| ApiError::BadRequest(format!("invalid gateway {g:?}")))?,
            );
        }
    }
    Ok(opts)
}

/// `DELETE /networks/{id}`.
pub(crate) async fn remove(st: &Arc<AppState>, id: &str) -> ApiResult {
    let n = find(st, id).await?;
    let rt = st.rt.clone();
    blocking(move || Ok(rt.remove_network(&n.name, false).map(|_| ())?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /networks/prune`.
pub(crate) async fn prune(st: &Arc<AppState>) -> ApiResult {
    let rt = st.rt.clone();
    let gone = blocking(move || Ok(rt.prune_networks()?)).await?;
    ok_json(&json!({"NetworksDeleted": gone}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ConnectBody {
    container: Option<String>,
    endpoint_config: Option<Value>,
    force: Option<bool>,
}

/// `POST /networks/{id}/connect` and `/disconnect`.
pub(crate) async fn connect(
    st: &Arc<AppState>,
    id: &str,
    req: Request<Incoming>,
    connect: bool,
) -> ApiResult {
    let b: Option<ConnectBody> = body_json(req, "network connect").await?;
    let (ctr, opts) = connect_options(b)?;
    let net = find(st, id).await?;
    let rt = st.rt.clone();
    blocking(move || {
        let c = rt.container(&ctr).map_err(|e| match e {
            libpod_core::Error::NoSuchContainer(_) => {
                ApiError::NotFound(format!("No such container: {ctr}"))
            }
            other => other.into(),
        })?;
        if connect {
            c.network_connect(&net.name, &opts)?;
        } else {
            c.network_disconnect(&net.name)?;
        }
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

/// The body of `POST /networks/{id}/connect` (and `/disconnect`): the container and
/// core's connect options.
pub(crate) fn connect_options(
    b: Option<ConnectBody>,
) -> Result<(String, ConnectOptions), ApiError> {
    let b = b.unwrap_or_default();
    let ctr = b
        .container
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::BadRequest("Container is required".into()))?;
    let mut opts = ConnectOptions::default();
    if let Some(ep) = &b.endpoint_config {
        if let Some(a) = ep["Aliases"].as_array() {
            opts.aliases = a
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect();
        }
        if let Some(ip) = ep["IPAMConfig"]["IPv4Address"]
            .as_str()
            .filter(|s| !s.is_empty())
        {
            opts.static_ips.push(
                ip.parse()
                    .map_err(|_| ApiError::BadRequest(format!("invalid IPv4Address {ip:?}")))?,
            );
        }
    }
    let _ = b.force;
    Ok((ctr, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_ids_are_stable_hex_and_bodies_refuse_unknown_fields() {
        assert_eq!(net_id("a"), net_id("a"));
        assert_eq!(net_id("a").len(), 64);
        let e = serde_json::from_str::<CreateBody>(r#"{"Name":"x","Nmae":"y"}"#).unwrap_err();
        assert!(e.to_string().contains("Nmae"), "{e}");
    }
}
