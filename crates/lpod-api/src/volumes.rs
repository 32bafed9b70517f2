//! `/volumes/*`: Docker's named volumes over libpod-core's (the `local` driver):
//! list with filters, create, inspect, remove, prune.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use libpod_core::{VolumeCreateOptions, VolumeError, VolumeInfo};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{blocking, body_json, empty, json, ok_json, ApiError, ApiResult, Query};
use crate::state::AppState;

/// Docker's volume document.
pub(crate) fn docker_volume(v: &VolumeInfo) -> Value {
    let c = &v.config;
    let opts = c.options.as_map();
    json!({
        "Name": c.name,
        "Driver": c.driver,
        "Mountpoint": c.mountpoint,
        "CreatedAt": c.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "Status": {},
        "Labels": c.labels,
        "Scope": "local",
        "Options": if opts.is_empty() { Value::Null } else { json!(opts) },
        "UsageData": null,
    })
}

/// A volume that does not exist is Docker's 404 with its wording.
fn no_such(name: &str) -> impl FnOnce(libpod_core::Error) -> ApiError + '_ {
    move |e| match e {
        libpod_core::Error::Volume(v) if matches!(*v, VolumeError::NoSuch(_)) => {
            ApiError::NotFound(format!("get {name}: no such volume"))
        }
        other => other.into(),
    }
}

/// Whether `v` passes one of Docker's volume filters.
fn matches(v: &VolumeInfo, key: &str, val: &str) -> Result<bool, ApiError> {
    let c = &v.config;
    Ok(match key {
        "name" => c.name.contains(val),
        "driver" => c.driver == val,
        "label" => match val.split_once('=') {
            Some((k, want)) => c.labels.get(k).is_some_and(|x| x == want),
            None => c.labels.contains_key(val),
        },
        "label!" => match val.split_once('=') {
            Some((k, want)) => c.labels.get(k).is_none_or(|x| x != want),
            None => !c.labels.contains_key(val),
        },
        "dangling" => {
            let want = match val {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "invalid filter 'dangling={val}': true or false"
                    )))
                }
            };
            v.users.is_empty() == want
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "invalid filter {other:?} for volumes: name, label, label!, dangling or driver"
            )))
        }
    })
}

/// Filters are ANDed across keys and ORed among one key's values (Docker's rule);
/// `label` values are ANDed, as Docker's.
fn keep(v: &VolumeInfo, filters: &[(String, String)]) -> Result<bool, ApiError> {
    let mut by_key: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, val) in filters {
        by_key.entry(k.as_str()).or_default().push(val.as_str());
    }
    for (k, vals) in by_key {
        let mut hits = vals.iter().map(|x| matches(v, k, x));
        let ok = if k == "label" || k == "label!" {
            hits.try_fold(true, |acc, h| h.map(|h| acc && h))?
        } else {
            hits.try_fold(false, |acc, h| h.map(|h| acc || h))?
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `GET /volumes?filters=`.
pub(crate) async fn list(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let rt = st.rt.clone();
    let vols = blocking(move || {
        let mut out = Vec::new();
        for v in rt.volumes()? {
            if keep(&v, &filters)? {
                out.push(docker_volume(&v));
            }
        }
        Ok(out)
    })
    .await?;
    ok_json(&json!({"Volumes": vols, "Warnings": []}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub(crate) struct CreateBody {
    name: Option<String>,
    driver: Option<String>,
    driver_opts: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
    cluster_volume_spec: Option<Value>,
}

/// The core options of a create body: `DriverOpts` become `--opt KEY=VALUE`.
pub(crate) fn create_options(b: CreateBody) -> Result<VolumeCreateOptions, ApiError> {
    if b.cluster_volume_spec.is_some() {
        return Err(ApiError::BadRequest(
            "cluster volumes (ClusterVolumeSpec) need a swarm, which lpod does not offer".into(),
        ));
    }
    let options = b
        .driver_opts
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            if k == "nocopy" && (v.is_empty() || v == "true") {
                k
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    Ok(VolumeCreateOptions {
        name: b.name.filter(|n| !n.is_empty()),
        driver: b.driver.filter(|d| !d.is_empty()),
        labels: b.labels.unwrap_or_default(),
        options,
        anonymous: false,
        // Docker answers an existing volume of that name with that volume.
        ignore_existing: true,
    })
}

/// `POST /volumes/create`: 201 with the volume.
pub(crate) async fn create(st: &Arc<AppState>, req: Request<Incoming>) -> ApiResult {
    let b: Option<CreateBody> = body_json(req, "volume create").await?;
    let opts = create_options(b.unwrap_or_default())?;
    let rt = st.rt.clone();
    let v = blocking(move || {
        let cfg = rt.create_volume(opts)?;
        Ok(rt.volume(&cfg.name)?)
    })
    .await?;
    Ok(json(StatusCode::CREATED, &docker_volume(&v)))
}

/// `GET /volumes/{name}`.
pub(crate) async fn inspect(st: &Arc<AppState>, name: &str) -> ApiResult {
    let rt = st.rt.clone();
    let name = name.to_string();
    let v = blocking(move || rt.volume(&name).map_err(no_such(&name))).await?;
    ok_json(&docker_volume(&v))
}

/// `DELETE /volumes/{name}?force=`: 204; 409 (nothing removed) when containers use
/// it. `force` only makes a missing volume no error, as Docker's: it never removes
/// the containers that use a volume.
pub(crate) async fn remove(st: &Arc<AppState>, name: &str, q: &Query) -> ApiResult {
    let force = q.flag("force", false)?;
    let rt = st.rt.clone();
    let name = name.to_string();
    blocking(move || match rt.remove_volume(&name, false) {
        Ok(()) => Ok(()),
        Err(libpod_core::Error::Volume(v)) if force && matches!(*v, VolumeError::NoSuch(_)) => {
            Ok(())
        }
        Err(e) => Err(no_such(&name)(e)),
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /volumes/prune?filters=`: every volume no container uses (API 1.41 prunes
/// named volumes too), narrowed by `label`/`label!`.
pub(crate) async fn prune(st: &Arc<AppState>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    for (k, _) in &filters {
        if k != "label" && k != "label!" && k != "all" {
            return Err(ApiError::BadRequest(format!(
                "invalid filter {k:?} for volume prune: label or label!"
            )));
        }
    }
    let filters: Vec<(String, String)> = filters.into_iter().filter(|(k, _)| k != "all").collect();
    let rt = st.rt.clone();
    let (gone, space) = blocking(move || {
        let sizes: BTreeMap<String, u64> = rt
            .volumes()?
            .iter()
            .map(|v| (v.config.name.clone(), dir_size(&v.config.mountpoint)))
            .collect();
        let gone = rt.prune_volumes(&|v| !keep(v, &filters).unwrap_or(false))?;
        let space: u64 = gone.iter().filter_map(|n| sizes.get(n)).sum();
        Ok((gone, space))
    })
    .await?;
    ok_json(&json!({"VolumesDeleted": gone, "SpaceReclaimed": space}))
}

/// Bytes of the regular files under `dir` (symlinks not followed); what prune reports.
fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use libpod_core::libpod_config::{VolumeConfig, VolumeState};

    fn vol(name: &str, labels: &[(&str, &str)], users: &[&str]) -> VolumeInfo {
        let mut config = VolumeConfig::new(name, std::path::Path::new("/v"));
        config.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        VolumeInfo {
            config,
            state: VolumeState::default(),
            users: users.iter().map(|u| u.to_string()).collect(),
        }
    }

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_follow_dockers_rules() {
        let a = vol("data-a", &[("app", "web"), ("tier", "1")], &["c1"]);
        let b = vol("other", &[("app", "db")], &[]);
        assert!(keep(&a, &f(&[("name", "data")])).unwrap());
        assert!(!keep(&b, &f(&[("name", "data")])).unwrap());
        assert!(keep(&b, &f(&[("name", "data"), ("name", "oth")])).unwrap());
        assert!(keep(&a, &f(&[("label", "app=web"), ("label", "tier")])).unwrap());
        assert!(!keep(&a, &f(&[("label", "app=web"), ("label", "nope")])).unwrap());
        assert!(keep(&b, &f(&[("label!", "tier")])).unwrap());
        assert!(keep(&b, &f(&[("dangling", "true")])).unwrap());
        assert!(!keep(&a, &f(&[("dangling", "true")])).unwrap());
        assert!(keep(&a, &f(&[("driver", "local")])).unwrap());
        assert!(matches!(
            keep(&a, &f(&[("dangling", "maybe")])),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            keep(&a, &f(&[("colour", "red")])),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn the_document_has_dockers_fields() {
        let v = docker_volume(&vol("x", &[("k", "v")], &[]));
        assert_eq!(v["Name"], "x");
        assert_eq!(v["Driver"], "local");
        assert_eq!(v["Scope"], "local");
        assert_eq!(v["Mountpoint"], "/v/x/_data");
        assert_eq!(v["Labels"]["k"], "v");
        assert!(v["CreatedAt"].as_str().unwrap().ends_with('Z'), "{v}");
        assert!(v["Options"].is_null());
    }

    #[test]
    fn driver_opts_become_core_options() {
        let b: CreateBody = serde_json::from_value(json!({
            "Name": "v", "Driver": "local",
            "DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"},
            "Labels": {"a": "b"}
        }))
        .unwrap();
        let o = create_options(b).unwrap();
        assert_eq!(o.options, vec!["device=tmpfs", "o=size=1m", "type=tmpfs"]);
        assert_eq!(o.name.as_deref(), Some("v"));
        assert!(o.ignore_existing);
        assert!(serde_json::from_value::<CreateBody>(json!({"Nmae": "x"})).is_err());
    }
}
