//! Manifest lists (`podman manifest ...`): an image record without layers whose content
//! is a list of image manifests, one per platform.
//!
//! A list is stored as an image: a record in `images.json` (with `manifest_list` set)
//! and its file `images/<id>/manifest.json`, which holds the entries and, for each entry
//! added from a local image, that image's id (so `manifest push --all` can push it). The
//! id is random (as Podman's), the list's digest is that of its OCI index as pushed.
//!
//! Crash safety follows the image import: a new list's file is written (atomically and
//! durably) before `images.json` names it, so a writer killed in between leaves an
//! unreferenced `images/<id>/` that the next writer's recovery removes; a change of an
//! existing list replaces its file atomically (the old or the new list, never half).

use crate::archive::{MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST};
use crate::digest::{digest_hex, sha256_digest};
use crate::failpoint;
use crate::private;
use crate::store::{io_at, load_json, resolve_image, ImageRecord, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The platform of one entry of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPlatform {
    /// CPU architecture (`amd64`, `arm64`).
    pub architecture: String,
    /// Operating system (`linux`).
    pub os: String,
    /// `os.version`.
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    /// `os.features`.
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant (`v8`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// CPU features (Docker lists only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// One entry of a list: an image manifest for one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Media type of the image manifest.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// Size of the image manifest in bytes.
    pub size: u64,
    /// `sha256:` digest of the image manifest.
    pub digest: String,
    /// Its platform.
    pub platform: EntryPlatform,
    /// Annotations (OCI indexes only: not shown by `manifest inspect`, as Podman).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A manifest list as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestList {
    /// The entries, in the order they were added.
    pub manifests: Vec<ManifestEntry>,
    /// For entries added from local images: entry digest → local image id.
    #[serde(default)]
    pub instances: BTreeMap<String, String>,
}

/// What `manifest add` / `manifest annotate` set on an entry (unset fields keep their
/// value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryOptions {
    /// `--arch`.
    pub arch: Option<String>,
    /// `--os`.
    pub os: Option<String>,
    /// `--variant`.
    pub variant: Option<String>,
    /// `--os-version`.
    pub os_version: Option<String>,
    /// `--features`.
    pub features: Vec<String>,
    /// `--os-features`.
    pub os_features: Vec<String>,
    /// `--annotation KEY=VALUE`, parsed.
    pub annotations: BTreeMap<String, String>,
}

impl EntryOptions {
    fn apply(&self, e: &mut ManifestEntry) {
        if let Some(v) = &self.arch {
            e.platform.architecture = v.clone();
        }
        if let Some(v) = &self.os {
            e.platform.os = v.clone();
        }
        if let Some(v) = &self.variant {
            e.platform.variant = v.clone();
        }
        if let Some(v) = &self.os_version {
            e.platform.os_version = v.clone();
        }
        if !self.features.is_empty() {
            e.platform.features = self.features.clone();
        }
        if !self.os_features.is_empty() {
            e.platform.os_features = self.os_features.clone();
        }
        e.annotations
            .extend(self.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// The top level of a list as serialized (fields in Podman's order; `serde_json::json!`
/// would sort them).
#[derive(Serialize)]
struct Index<'a, E: Serialize> {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    manifests: Vec<E>,
}

/// A list entry with only the fields a Docker manifest list has.
#[derive(Serialize)]
struct DockerEntry<'a> {
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    size: u64,
    digest: &'a str,
    platform: &'a EntryPlatform,
}

/// An OCI index entry (no Docker-only `features`).
#[derive(Serialize)]
struct OciEntry<'a> {
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    size: u64,
    digest: &'a str,
    platform: OciPlatform<'a>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct OciPlatform<'a> {
    architecture: &'a str,
    os: &'a str,
    #[serde(rename = "os.version", skip_serializing_if = "str::is_empty")]
    os_version: &'a str,
    #[serde(rename = "os.features", skip_serializing_if = "<[String]>::is_empty")]
    os_features: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    variant: &'a str,
}

impl ManifestList {
    /// The list as Podman's `manifest inspect` prints it: a Docker manifest list
    /// (schema 2), indented by four spaces.
    pub fn docker_json(&self) -> String {
        let manifests: Vec<DockerEntry<'_>> = self
            .manifests
            .iter()
            .map(|e| DockerEntry {
                media_type: &e.media_type,
                size: e.size,
                digest: &e.digest,
                platform: &e.platform,
            })
            .collect();
        let v = Index {
            schema_version: 2,
            media_type: MEDIA_DOCKER_LIST,
            manifests,
        };
        let mut out = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
        // Serializing plain structs into a Vec cannot fail.
        let _ = v.serialize(&mut ser);
        String::from_utf8(out).unwrap_or_default()
    }

    /// The list as the OCI image index `manifest push` uploads (compact JSON).
    pub fn oci_index(&self) -> Vec<u8> {
        let manifests: Vec<OciEntry<'_>> = self
            .manifests
            .iter()
            .map(|e| OciEntry {
                media_type: &e.media_type,
                size: e.size,
                digest: &e.digest,
                platform: OciPlatform {
                    architecture: &e.platform.architecture,
                    os: &e.platform.os,
                    os_version: &e.platform.os_version,
                    os_features: &e.platform.os_features,
                    variant: &e.platform.variant,
                },
                annotations: &e.annotations,
            })
            .collect();
        let v = Index {
            schema_version: 2,
            media_type: MEDIA_OCI_INDEX,
            manifests,
        };
        serde_json::to_vec(&v).unwrap_or_default()
    }

    /// The `sha256:` digest of [`ManifestList::oci_index`].
    pub fn digest(&self) -> String {
        sha256_digest(&self.oci_index())
    }
}

impl Store {
    pub(crate) fn manifest_path(&self, id: &str) -> PathBuf {
        self.graph_root
            .join("images")
            .join(id)
            .join("manifest.json")
    }

    pub(crate) fn load_manifest_list(&self, id: &str) -> Result<ManifestList> {
        let p = self.manifest_path(id);
        if !p.is_file() {
            return Err(StoreError::Io {
                path: p,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "manifest list file missing",
                ),
            });
        }
        load_json(&p)
    }

    fn save_manifest_list(&self, id: &str, list: &ManifestList) -> Result<()> {
        crate::store::save_json(&self.manifest_path(id), list)
    }

    /// The index of the list `name` in `images`: `ManifestListNotFound` when nothing
    /// has that name, `NotAManifestList` when an image does.
    fn resolve_list(images: &[ImageRecord], name: &str) -> Result<usize> {
        match resolve_image(images, name) {
            Ok(i) if images[i].manifest_list => Ok(i),
            Ok(_) => Err(StoreError::NotAManifestList(name.to_string())),
            Err(StoreError::ImageNotFound(_)) => {
                Err(StoreError::ManifestListNotFound(name.to_string()))
            }
            Err(e) => Err(e),
        }
    }

    /// Creates an empty manifest list named `name` (a short name goes under
    /// `localhost/`). Returns its id. Refused when an image or list has the name.
    #[tracing::instrument(skip(self))]
    pub fn create_manifest_list(&self, name: &str) -> Result<String> {
        let full = crate::reference::normalize_local_name(name)?;
        let _l = self.lock()?;
        let mut images = self.load_images()?;
        if let Some(other) = images.iter().find(|i| i.names.contains(&full)) {
            return Err(StoreError::NameInUse {
                name: full,
                image: other.id.clone(),
            });
        }
        let id = hex::encode(rand::random::<[u8; 32]>());
        let dir = self.graph_root.join("images").join(&id);
        private::create_private_dir(&dir).map_err(io_at(&dir))?;
        let images_dir = self.graph_root.join("images");
        crate::durable::sync(&images_dir).map_err(io_at(&images_dir))?;
        self.save_manifest_list(&id, &ManifestList::default())?;
        failpoint::hit("storage.manifest_create.after_list_file");
        let mut rec = ImageRecord {
            id: id.clone(),
            names: vec![full],
            digest: None,
            layers: Vec::new(),
            digests: Vec::new(),
            names_history: Vec::new(),
            manifest_list: true,
        };
        rec.note_names();
        images.push(rec);
        self.save_images(&images)?;
        failpoint::hit("storage.manifest_create.after_images_json");
        Ok(id)
    }

    /// The list `name` (name, id or id prefix) with its id.
    pub fn manifest_list(&self, name: &str) -> Result<(String, ManifestList)> {
        let _l = self.lock_shared()?;
        let images = self.load_images()?;
        let idx = Store::resolve_list(&images, name)?;
        let id = images[idx].id.clone();
        let list = self.load_manifest_list(&id)?;
        Ok((id, list))
    }

    /// True when `name` is a manifest list.
    pub fn manifest_list_exists(&self, name: &str) -> Result<bool> {
        match self.manifest_list(name) {
            Ok(_) => Ok(true),
            Err(StoreError::ManifestListNotFound(_) | StoreError::NotAManifestList(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds local image `image` to list `list` as an OCI image manifest (the one `push`
    /// uploads for it), with its platform from the image config overridden by `opts`.
    /// An entry with the same digest is replaced. Returns the entry's digest.
    #[tracing::instrument(skip(self, opts))]
    pub fn manifest_add_image(
        &self,
        list: &str,
        image: &str,
        opts: &EntryOptions,
    ) -> Result<String> {
        // The list first: its errors come before the image's (as Podman).
        self.manifest_list(list)?;
        let img = self.image(image)?;
        if img.manifest_list {
            return Err(StoreError::Unsupported(format!(
                "adding manifest list {image} to manifest list {list}"
            )));
        }
        let manifest = self.export_image(&img.id)?.oci_manifest();
        let mut entry = ManifestEntry {
            media_type: MEDIA_OCI_MANIFEST.to_string(),
            size: manifest.len() as u64,
            digest: sha256_digest(&manifest),
            platform: EntryPlatform {
                architecture: img.architecture.clone().unwrap_or_default(),
                os: img.os.clone().unwrap_or_default(),
                ..Default::default()
            },
            annotations: BTreeMap::new(),
        };
        opts.apply(&mut entry);
        let digest = entry.digest.clone();
        self.update_list(list, |l| {
            l.manifests.retain(|e| e.digest != digest);
            l.manifests.push(entry);
            l.instances.insert(digest.clone(), img.id.clone());
            Ok(())
        })?;
        Ok(digest)
    }

    /// Adds an entry for a manifest that is not a local image (e.g. one on a
    /// registry): `push --all` cannot push its content, only name it.
    pub fn manifest_add_entry(
        &self,
        list: &str,
        mut entry: ManifestEntry,
        opts: &EntryOptions,
    ) -> Result<String> {
        digest_hex(&entry.digest)?;
        opts.apply(&mut entry);
        let digest = entry.digest.clone();
        self.update_list(list, |l| {
            l.manifests.retain(|e| e.digest != digest);
            l.manifests.push(entry);
            l.instances.remove(&digest);
            Ok(())
        })?;
        Ok(digest)
    }

    /// Changes the entry `digest` of list `list` (`manifest annotate`).
    #[tracing::instrument(skip(self, opts))]
    pub fn manifest_annotate(
        &self,
        list: &str,
        digest: &str,
        opts: &EntryOptions,
    ) -> Result<String> {
        self.update_list(list, |l| {
            let e = l
                .manifests
                .iter_mut()
                .find(|e| e.digest == digest)
                .ok_or_else(|| StoreError::ManifestEntryNotFound {
                    list: list.to_string(),
                    digest: digest.to_string(),
                })?;
            opts.apply(e);
            Ok(())
        })
    }

    /// Removes the entry `digest` from list `list`. Returns the list's id.
    #[tracing::instrument(skip(self))]
    pub fn manifest_remove(&self, list: &str, digest: &str) -> Result<String> {
        self.update_list(list, |l| {
            let before = l.manifests.len();
            l.manifests.retain(|e| e.digest != digest);
            if l.manifests.len() == before {
                return Err(StoreError::ManifestEntryNotFound {
                    list: list.to_string(),
                    digest: digest.to_string(),
                });
            }
            l.instances.remove(digest);
            Ok(())
        })
    }

    /// Removes manifest list `name` (refused for an image that is not a list).
    #[tracing::instrument(skip(self))]
    pub fn remove_manifest_list(&self, name: &str) -> Result<String> {
        let (id, _) = self.manifest_list(name)?;
        self.remove_image(&id, false)?;
        Ok(id)
    }

    /// Writes list `list` as an OCI image layout in `dir` (`manifest push LIST oci:DIR`):
    /// the blobs and manifests of its entries (all must be local images), the list's
    /// index as a blob, and an `index.json` naming that index (annotated with the list's
    /// first name). Returns the index's digest.
    #[tracing::instrument(skip(self), fields(dir = %dir.display()))]
    pub fn save_manifest_list_oci(&self, list: &str, dir: &std::path::Path) -> Result<String> {
        let (id, ml) = self.manifest_list(list)?;
        let name = self.image(&id)?.names.first().cloned();
        let mut exports = Vec::new();
        for e in &ml.manifests {
            let img = ml.instances.get(&e.digest).ok_or_else(|| {
                StoreError::Unsupported(format!(
                    "oci:{}: entry {} of {list} was added from a registry: only local images can be written to a layout",
                    dir.display(),
                    e.digest
                ))
            })?;
            let mut x = self.export_image(img)?;
            x.names.clear();
            let got = sha256_digest(&x.oci_manifest());
            if got != e.digest {
                return Err(StoreError::Mismatch {
                    what: format!("manifest of image {img} in list {list}"),
                    expected: e.digest.clone(),
                    actual: got,
                });
            }
            exports.push(x);
        }
        crate::archive::write_oci_layout(dir, &exports)?;
        let index = ml.oci_index();
        let digest = sha256_digest(&index);
        let blob = dir.join("blobs/sha256").join(digest_hex(&digest)?);
        crate::archive::write_atomic(&blob, &index)?;
        let mut desc = serde_json::json!({
            "mediaType": MEDIA_OCI_INDEX,
            "digest": digest,
            "size": index.len(),
        });
        if let Some(n) = name {
            desc["annotations"] = serde_json::json!({ "org.opencontainers.image.ref.name": n });
        }
        let top = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_OCI_INDEX,
            "manifests": [desc],
        });
        let top = serde_json::to_vec(&top).unwrap_or_default();
        crate::archive::write_atomic(&dir.join("index.json"), &top)?;
        Ok(digest)
    }

    /// Reads, changes and atomically rewrites list `list` under the store lock.
    fn update_list(
        &self,
        list: &str,
        change: impl FnOnce(&mut ManifestList) -> Result<()>,
    ) -> Result<String> {
        let _l = self.lock()?;
        let images = self.load_images()?;
        let idx = Store::resolve_list(&images, list)?;
        let id = images[idx].id.clone();
        let mut l = self.load_manifest_list(&id)?;
        change(&mut l)?;
        self.save_manifest_list(&id, &l)?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(d: char) -> ManifestEntry {
        ManifestEntry {
            media_type: MEDIA_OCI_MANIFEST.into(),
            size: 42,
            digest: format!("sha256:{}", d.to_string().repeat(64)),
            platform: EntryPlatform {
                architecture: "arm64".into(),
                os: "linux".into(),
                variant: "v8".into(),
                features: vec!["sse4".into()],
                ..Default::default()
            },
            annotations: [("k".to_string(), "v".to_string())].into(),
        }
    }

    #[test]
    fn empty_list_prints_as_podman() {
        let l = ManifestList::default();
        assert_eq!(
            l.docker_json(),
            "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n    \"manifests\": []\n}"
        );
    }

    #[test]
    fn docker_and_oci_forms() {
        let l = ManifestList {
            manifests: vec![entry('a')],
            instances: BTreeMap::new(),
        };
        let d: serde_json::Value = serde_json::from_str(&l.docker_json()).unwrap();
        let m = &d["manifests"][0];
        assert_eq!(m["platform"]["variant"], "v8");
        assert_eq!(m["platform"]["features"][0], "sse4");
        assert!(m.get("annotations").is_none());
        assert!(m["platform"].get("os.version").is_none());
        let o: serde_json::Value = serde_json::from_slice(&l.oci_index()).unwrap();
        assert_eq!(o["mediaType"], MEDIA_OCI_INDEX);
        assert_eq!(o["manifests"][0]["annotations"]["k"], "v");
        assert!(o["manifests"][0]["platform"].get("features").is_none());
        assert_eq!(l.digest(), sha256_digest(&l.oci_index()));
    }

    #[test]
    fn options_override_platform_and_merge_annotations() {
        let mut e = entry('b');
        EntryOptions {
            arch: Some("s390x".into()),
            os_version: Some("7.7.7".into()),
            annotations: [("x".to_string(), "y".to_string())].into(),
            ..Default::default()
        }
        .apply(&mut e);
        assert_eq!(e.platform.architecture, "s390x");
        assert_eq!(e.platform.os_version, "7.7.7");
        assert_eq!(e.platform.variant, "v8");
        assert_eq!(e.annotations.len(), 2);
    }
}
