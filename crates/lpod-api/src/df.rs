//! `GET /system/df`: Docker's disk usage document over libpod-core's
//! [`Runtime::disk_usage`](libpod_core::Runtime::disk_usage).

use std::collections::BTreeMap;
use std::sync::Arc;

use libpod_core::{ContainerUsage, DiskUsage, ImageUsage, VolumeUsage};
use serde::Serialize;
use serde_json::Value;

use crate::containers::{docker_ports, status_text};
use crate::http::{blocking, ok_json, ApiResult};
use crate::state::AppState;
use crate::types::{docker_state, unix_secs};

/// Docker's `types.DiskUsage` (API v1.41).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DockerDiskUsage {
    layers_size: u64,
    images: Vec<DfImage>,
    containers: Vec<DfContainer>,
    volumes: Vec<DfVolume>,
    /// lpod keeps no build cache.
    build_cache: Vec<Value>,
}

/// An image as `/images/json` lists it, with `SharedSize` and `Containers` filled in.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfImage {
    id: String,
    parent_id: String,
    repo_tags: Vec<String>,
    repo_digests: Vec<String>,
    created: i64,
    size: u64,
    shared_size: u64,
    virtual_size: u64,
    labels: BTreeMap<String, String>,
    containers: usize,
}

/// A container as `/containers/json` lists it, with `SizeRw` and `SizeRootFs`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfContainer {
    id: String,
    names: Vec<String>,
    image: String,
    #[serde(rename = "ImageID")]
    image_id: String,
    command: String,
    created: i64,
    ports: Vec<Value>,
    size_rw: u64,
    size_root_fs: u64,
    labels: BTreeMap<String, String>,
    state: &'static str,
    status: String,
    host_config: DfHostConfig,
    network_settings: DfNetworkSettings,
    mounts: Vec<DfMount>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfHostConfig {
    network_mode: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfNetworkSettings {
    networks: BTreeMap<String, Value>,
}

/// Docker's `MountPoint` of a volume (the Docker CLI counts a container's local volumes
/// from these).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfMount {
    #[serde(rename = "Type")]
    kind: &'static str,
    name: String,
    source: String,
    destination: String,
    driver: &'static str,
    mode: String,
    #[serde(rename = "RW")]
    rw: bool,
    propagation: String,
}

/// A volume as `/volumes` lists it, with `UsageData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfVolume {
    name: String,
    driver: String,
    mountpoint: String,
    created_at: String,
    labels: BTreeMap<String, String>,
    scope: &'static str,
    options: Option<BTreeMap<String, String>>,
    usage_data: DfUsageData,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DfUsageData {
    size: u64,
    ref_count: usize,
}

fn image(u: &ImageUsage) -> DfImage {
    let i = &u.image;
    DfImage {
        id: format!("sha256:{}", i.id),
        parent_id: String::new(),
        repo_tags: i.names.clone(),
        repo_digests: i.repo_digests.clone(),
        created: unix_secs(i.created.as_deref().unwrap_or("")),
        size: i.size,
        shared_size: u.shared_size,
        virtual_size: i.size,
        labels: i.config.labels.clone().unwrap_or_default(),
        containers: u.containers,
    }
}

fn container(u: &ContainerUsage) -> DfContainer {
    let s = &u.summary;
    DfContainer {
        id: s.id.clone(),
        names: vec![format!("/{}", s.name)],
        image: s.image.clone(),
        image_id: format!("sha256:{}", s.image_id),
        command: s.command.join(" "),
        created: unix_secs(&s.created),
        ports: docker_ports(&s.ports),
        size_rw: u.rw_size,
        size_root_fs: u.rootfs_size,
        labels: s.labels.clone(),
        state: docker_state(s.status),
        status: status_text(s),
        host_config: DfHostConfig {
            network_mode: "default",
        },
        network_settings: DfNetworkSettings {
            networks: BTreeMap::new(),
        },
        mounts: u
            .volumes
            .iter()
            .map(|m| DfMount {
                kind: "volume",
                name: m.name.clone(),
                source: m.source.display().to_string(),
                destination: m.destination.display().to_string(),
                driver: "local",
                mode: String::new(),
                rw: true,
                propagation: String::new(),
            })
            .collect(),
    }
}

fn volume(u: &VolumeUsage) -> DfVolume {
    let c = &u.volume.config;
    let opts = c.options.as_map();
    DfVolume {
        name: c.name.clone(),
        driver: c.driver.clone(),
        mountpoint: c.mountpoint.display().to_string(),
        created_at: c.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        labels: c.labels.clone(),
        scope: "local",
        options: if opts.is_empty() { None } else { Some(opts) },
        usage_data: DfUsageData {
            size: u.size,
            ref_count: u.links(),
        },
    }
}

/// Docker's document for a report; pods' infra containers are left out, as in
/// `/containers/json`.
pub(crate) fn document(du: &DiskUsage) -> DockerDiskUsage {
    DockerDiskUsage {
        layers_size: du.layers_size,
        images: du.images.iter().map(image).collect(),
        containers: du
            .containers
            .iter()
            .filter(|c| !c.summary.is_infra)
            .map(container)
            .collect(),
        volumes: du.volumes.iter().map(volume).collect(),
        build_cache: Vec::new(),
    }
}

/// `GET /system/df`.
pub(crate) async fn df(st: &Arc<AppState>) -> ApiResult {
    let rt = st.rt.clone();
    let du = blocking(move || Ok(rt.disk_usage()?)).await?;
    ok_json(&document(&du))
}
