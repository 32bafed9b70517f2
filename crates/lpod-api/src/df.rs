//! `GET /system/df`: Docker's disk usage document over libpod-core's
//! [`Runtime::disk_usage`](libpod_core::Runtime::disk_usage): the entries of
//! `/images/json`, `/containers/json` and `/volumes` with their usage filled in.

use std::sync::Arc;

use libpod_core::{ContainerUsage, DiskUsage, ImageUsage, VolumeUsage};
use serde_json::{json, Value};

use crate::containers::list_entry;
use crate::http::{blocking, ok_json, ApiResult};
use crate::images::summary;
use crate::state::AppState;
use crate::volumes::docker_volume;

/// An image of `/images/json` with `SharedSize` and `Containers`.
fn image(u: &ImageUsage) -> Value {
    let mut v = summary(&u.image);
    v["SharedSize"] = json!(u.shared_size);
    v["Containers"] = json!(u.containers);
    v
}

/// A container of `/containers/json` with `SizeRw`, `SizeRootFs` and its volumes as
/// Docker's `MountPoint`s (the Docker CLI counts a container's local volumes from these).
fn container(u: &ContainerUsage) -> Value {
    let mut v = list_entry(&u.summary);
    v["SizeRw"] = json!(u.rw_size);
    v["SizeRootFs"] = json!(u.rootfs_size);
    v["Mounts"] = u
        .volumes
        .iter()
        .map(|m| {
            json!({
                "Type": "volume",
                "Name": m.name,
                "Source": m.source,
                "Destination": m.destination,
                "Driver": "local",
                "Mode": "",
                "RW": true,
                "Propagation": "",
            })
        })
        .collect();
    v
}

/// A volume of `/volumes` with `UsageData`.
fn volume(u: &VolumeUsage) -> Value {
    let mut v = docker_volume(&u.volume);
    v["UsageData"] = json!({"Size": u.size, "RefCount": u.links()});
    v
}

/// Docker's `types.DiskUsage` (API v1.41) for a report; pods' infra containers are left
/// out, as in `/containers/json`; lpod keeps no build cache.
pub(crate) fn document(du: &DiskUsage) -> Value {
    json!({
        "LayersSize": du.layers_size,
        "Images": du.images.iter().map(image).collect::<Vec<_>>(),
        "Containers": du
            .containers
            .iter()
            .filter(|c| !c.summary.is_infra)
            .map(container)
            .collect::<Vec<_>>(),
        "Volumes": du.volumes.iter().map(volume).collect::<Vec<_>>(),
        "BuildCache": [],
    })
}

/// `GET /system/df`.
pub(crate) async fn df(st: &Arc<AppState>) -> ApiResult {
    let rt = st.rt.clone();
    let du = blocking(move || Ok(rt.disk_usage()?)).await?;
    ok_json(&document(&du))
}
