//! `system df`: how much disk the images, containers and volumes use, and how much
//! of it removing what nothing uses would free.

use std::collections::BTreeMap;
use std::path::PathBuf;

use libpod_config::{ContainerStatus, MountKind};
use libpod_storage::{Image, StoreError};

use crate::container::ContainerSummary;
use crate::volume::VolumeInfo;
use crate::{Result, Runtime};

/// The disk usage report of a runtime (Podman's `SystemDfReport`, Docker's `/system/df`).
#[derive(Debug, Clone, PartialEq)]
pub struct DiskUsage {
    /// Bytes of every image layer, each layer once (Docker's `LayersSize`).
    pub layers_size: u64,
    /// One entry per image.
    pub images: Vec<ImageUsage>,
    /// One entry per container, oldest first.
    pub containers: Vec<ContainerUsage>,
    /// One entry per volume, oldest first.
    pub volumes: Vec<VolumeUsage>,
}

/// An image's share of the disk.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageUsage {
    /// The image (id, names, created, size = sum of its layers).
    pub image: Image,
    /// Bytes of its layers that another image also lists.
    pub shared_size: u64,
    /// Bytes of its layers that no other image lists (`size - shared_size`).
    pub unique_size: u64,
    /// How many containers were created from it.
    pub containers: usize,
}

/// A volume a container mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMountUsage {
    /// The volume's name.
    pub name: String,
    /// Where it appears in the container.
    pub destination: PathBuf,
    /// The volume's data directory on the host (empty if the volume is gone).
    pub source: PathBuf,
}

/// A container's share of the disk.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerUsage {
    /// What `ps -a` shows of it (id, name, image, command, created, status).
    pub summary: ContainerSummary,
    /// Bytes it wrote to its own layer.
    pub rw_size: u64,
    /// Bytes of its root filesystem: its image's layers and its own.
    pub rootfs_size: u64,
    /// The volumes it mounts (Podman's `LocalVolumes` is their number).
    pub volumes: Vec<VolumeMountUsage>,
}

/// A volume's share of the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeUsage {
    /// The volume, with the containers that use it.
    pub volume: VolumeInfo,
    /// Bytes of the regular files under its data directory.
    pub size: u64,
}

impl VolumeUsage {
    /// How many containers use it (Podman's `Links`, Docker's `RefCount`).
    pub fn links(&self) -> usize {
        self.volume.users.len()
    }

    /// Bytes that removing it would free: all of it when no container uses it.
    pub fn reclaimable(&self) -> u64 {
        if self.volume.users.is_empty() {
            self.size
        } else {
            0
        }
    }
}

impl ContainerUsage {
    /// True while its processes run (Podman counts these as active).
    pub fn is_running(&self) -> bool {
        self.summary.status == ContainerStatus::Running
    }
}

/// Shared and unique bytes of each image in `images` (same order): a layer is shared
/// when more than one image lists it.
fn shared_unique(images: &[Image], sizes: &BTreeMap<String, u64>) -> Vec<(u64, u64)> {
    let mut listed: BTreeMap<&str, usize> = BTreeMap::new();
    for i in images {
        let mut own: Vec<&str> = i.layers.iter().map(String::as_str).collect();
        own.sort_unstable();
        own.dedup();
        for l in own {
            *listed.entry(l).or_default() += 1;
        }
    }
    images
        .iter()
        .map(|i| {
            let shared: u64 = i
                .layers
                .iter()
                .filter(|l| listed.get(l.as_str()).copied().unwrap_or(0) > 1)
                .map(|l| sizes.get(l).copied().unwrap_or(0))
                .sum();
            let shared = shared.min(i.size);
            (shared, i.size - shared)
        })
        .collect()
}

impl Runtime {
    /// The disk usage report (`system df`). A read for display: it takes the store's
    /// shared lock for each read, as `ps --size`, and no container or volume lock; a
    /// container whose storage is already gone counts 0 bytes.
    #[tracing::instrument(skip(self))]
    pub fn disk_usage(&self) -> Result<DiskUsage> {
        let p = self.inner.parts()?;
        let store = &p.store;
        let images = store.list_images()?;
        let sizes = store.layer_sizes()?;
        let rows = self.synced_rows(&p)?;
        let volumes: Vec<VolumeInfo> = crate::volume::all_volumes(&p)?;
        let mountpoints: BTreeMap<&str, &PathBuf> = volumes
            .iter()
            .map(|v| (v.config.name.as_str(), &v.config.mountpoint))
            .collect();

        let image_size: BTreeMap<&str, u64> =
            images.iter().map(|i| (i.id.as_str(), i.size)).collect();
        let mut containers = Vec::with_capacity(rows.len());
        for (_, (cfg, st)) in &rows {
            let rw_size = match store.container_rw_size(&cfg.id) {
                Ok(n) => n,
                Err(StoreError::ContainerNotFound(_)) => 0,
                Err(e) => return Err(e.into()),
            };
            let base = image_size.get(cfg.image_id.as_str()).copied().unwrap_or(0);
            let volumes = cfg
                .mounts
                .iter()
                .filter(|m| m.kind == MountKind::Volume)
                .map(|m| VolumeMountUsage {
                    name: m.source.clone(),
                    destination: m.destination.clone(),
                    source: mountpoints
                        .get(m.source.as_str())
                        .map(|p| (*p).clone())
                        .unwrap_or_default(),
                })
                .collect();
            containers.push(ContainerUsage {
                summary: ContainerSummary::from_rows(cfg, st),
                rw_size,
                rootfs_size: base + rw_size,
                volumes,
            });
        }

        let mut by_image: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, (cfg, _)) in &rows {
            *by_image.entry(cfg.image_id.as_str()).or_default() += 1;
        }
        let split = shared_unique(&images, &sizes);
        let mut layer_ids: Vec<&str> = images
            .iter()
            .flat_map(|i| i.layers.iter().map(String::as_str))
            .collect();
        layer_ids.sort_unstable();
        layer_ids.dedup();
        let layers_size = layer_ids
            .iter()
            .map(|l| sizes.get(*l).copied().unwrap_or(0))
            .sum();
        let images = images
            .iter()
            .zip(split)
            .map(|(i, (shared_size, unique_size))| ImageUsage {
                containers: by_image.get(i.id.as_str()).copied().unwrap_or(0),
                image: i.clone(),
                shared_size,
                unique_size,
            })
            .collect();

        let volumes = volumes
            .into_iter()
            .map(|v| VolumeUsage {
                size: libpod_storage::tree_bytes(&v.config.mountpoint),
                volume: v,
            })
            .collect();
        Ok(DiskUsage {
            layers_size,
            images,
            containers,
            volumes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, layers: &[(&str, u64)]) -> Image {
        Image {
            id: id.into(),
            names: vec![],
            names_history: vec![],
            digest: None,
            digests: vec![],
            repo_digests: vec![],
            layers: layers.iter().map(|(l, _)| l.to_string()).collect(),
            diff_ids: vec![],
            size: layers.iter().map(|(_, s)| s).sum(),
            created: None,
            architecture: None,
            os: None,
            config: Default::default(),
            manifest_list: false,
        }
    }

    #[test]
    fn a_layer_two_images_list_is_shared_and_the_rest_unique() {
        let base = image("a", &[("l1", 100)]);
        let child = image("b", &[("l1", 100), ("l2", 30)]);
        let alone = image("c", &[("l3", 7)]);
        let sizes: BTreeMap<String, u64> = [("l1", 100), ("l2", 30), ("l3", 7)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let got = shared_unique(&[base, child, alone], &sizes);
        assert_eq!(got, vec![(100, 0), (100, 30), (0, 7)]);
    }
}
