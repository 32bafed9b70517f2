//! An image's history (from its config, with the size of the layer each step made) and
//! its layers (for `image history` and `image tree`).

use serde::Deserialize;

use crate::image::RootFs;
use crate::store::{io_at, resolve_image, ImageRecord, LayerRecord, Result, Store, StoreError};

/// One step of an image's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The id of the local image whose top layer this step made (the image itself for the
    /// newest step); `None` where no local image has it (Podman's `<missing>`).
    pub id: Option<String>,
    /// When the step ran (RFC 3339), if recorded.
    pub created: Option<String>,
    /// The command that made the step.
    pub created_by: String,
    /// The step's comment.
    pub comment: String,
    /// Uncompressed size of the layer the step made (0 for an empty layer).
    pub size: u64,
    /// Whether the step made no layer (`ENV`, `CMD`, ...).
    pub empty_layer: bool,
    /// The names of the local images whose top layer this step made.
    pub tags: Vec<String>,
}

/// One layer of an image, bottom first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The layer id (hex).
    pub id: String,
    /// Its diff id (`sha256:...`), if known.
    pub diff_id: Option<String>,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Names of the local images whose top layer this is (their ids when unnamed).
    pub top_of: Vec<String>,
}

/// The parts of an image config that history and layers read.
#[derive(Debug, Deserialize)]
struct HistoryConfig {
    #[serde(default)]
    history: Vec<RawEntry>,
    rootfs: RootFs,
}

/// An image with what its history and layers are read from, all loaded under one shared
/// lock: its record, its config, and the layers and images files.
struct Loaded {
    img: ImageRecord,
    cfg: HistoryConfig,
    layers: Vec<LayerRecord>,
    images: Vec<ImageRecord>,
}

#[derive(Debug, Default, Deserialize)]
struct RawEntry {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    empty_layer: bool,
}

impl Store {
    /// Resolves `name_or_id` and reads its config, `layers.json` and `images.json` under
    /// one shared lock.
    fn load_for_history(&self, name_or_id: &str) -> Result<Loaded> {
        let _l = self.lock_shared()?;
        let images = self.load_images()?;
        let idx = resolve_image(&images, name_or_id)?;
        let img = images[idx].clone();
        if img.manifest_list {
            return Err(StoreError::IsManifestList(name_or_id.to_string()));
        }
        let layers = self.load_layers()?;
        let path = self.config_path(&img.id);
        let bytes = std::fs::read(&path).map_err(io_at(&path))?;
        let cfg = serde_json::from_slice(&bytes)
            .map_err(|source| StoreError::Corrupt { path, source })?;
        Ok(Loaded {
            img,
            cfg,
            layers,
            images,
        })
    }

    /// The history of an image, newest step first (Podman's walk: each non-empty step
    /// takes the next layer down from the top).
    pub fn image_history(&self, name_or_id: &str) -> Result<Vec<HistoryEntry>> {
        let Loaded {
            img,
            cfg,
            layers,
            images,
        } = self.load_for_history(name_or_id)?;
        let mut layer = img
            .layers
            .last()
            .and_then(|t| layers.iter().find(|l| &l.id == t));
        let mut used = std::collections::BTreeSet::new();
        let mut out = Vec::with_capacity(cfg.history.len());
        let n = cfg.history.len();
        for (x, h) in cfg.history.into_iter().enumerate().rev() {
            let mut e = HistoryEntry {
                id: (x + 1 == n).then(|| img.id.clone()),
                created: h.created,
                created_by: h.created_by.unwrap_or_default(),
                comment: h.comment.unwrap_or_default(),
                size: 0,
                empty_layer: h.empty_layer,
                tags: Vec::new(),
            };
            if let Some(l) = layer {
                if !h.empty_layer {
                    e.size = l.size;
                }
                let tops: Vec<_> = images
                    .iter()
                    .filter(|i| i.layers.last() == Some(&l.id))
                    .collect();
                if let Some(first) = tops.first() {
                    if used.insert(first.id.clone()) {
                        e.id = Some(first.id.clone());
                    }
                }
                e.tags = tops.iter().flat_map(|i| i.names.clone()).collect();
                if !h.empty_layer {
                    layer = l
                        .parent
                        .as_ref()
                        .and_then(|p| layers.iter().find(|x| &x.id == p));
                }
            }
            out.push(e);
        }
        Ok(out)
    }

    /// The layers of an image, bottom first.
    pub fn image_layers(&self, name_or_id: &str) -> Result<Vec<LayerInfo>> {
        let Loaded {
            img,
            cfg,
            layers,
            images,
        } = self.load_for_history(name_or_id)?;
        let mut out = Vec::with_capacity(img.layers.len());
        for (i, id) in img.layers.iter().enumerate() {
            let rec = layers.iter().find(|l| &l.id == id).ok_or_else(|| {
                let p = self.graph_root().join("layers.json");
                io_at(&p)(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("layer {id} of image {} is not in the store", img.id),
                ))
            })?;
            let top_of = images
                .iter()
                .filter(|im| im.layers.last() == Some(id))
                .flat_map(|im| {
                    if im.names.is_empty() {
                        vec![im.id.clone()]
                    } else {
                        im.names.clone()
                    }
                })
                .collect();
            out.push(LayerInfo {
                id: id.clone(),
                diff_id: rec
                    .diff_id
                    .clone()
                    .or_else(|| cfg.rootfs.diff_ids.get(i).cloned()),
                size: rec.size,
                top_of,
            });
        }
        Ok(out)
    }
}
