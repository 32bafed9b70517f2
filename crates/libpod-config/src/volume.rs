//! Volumes: data that outlives containers, as Podman models it.
//!
//! A volume has an immutable [`VolumeConfig`] (name, driver, labels, the `local`
//! driver's options, where its data lives) and a mutable [`VolumeState`] (how many
//! running containers have it mounted, whether its own filesystem is mounted, whether
//! the one-time copy-up from an image directory is still pending).
//!
//! ```
//! use libpod_config::volume::{VolumeConfig, VolumeOptions};
//! let v = VolumeConfig::new("data", "/var/lib/lpod/volumes".as_ref());
//! assert_eq!(v.mountpoint, std::path::Path::new("/var/lib/lpod/volumes/data/_data"));
//! assert!(VolumeOptions::parse(&["type=tmpfs".into(), "device=tmpfs".into(), "o=size=1m".into()]).is_ok());
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The only volume driver lpod has.
pub const LOCAL_DRIVER: &str = "local";

/// A volume option that is not one the `local` driver knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VolumeOptionError {
    /// Not `KEY=VALUE`, or an unknown key.
    #[error(
        "invalid volume option {0:?}: the local driver takes type=, device=, o= (and copy/nocopy)"
    )]
    Unknown(String),
    /// `type` without `device` or the other way round.
    #[error("volume options type= and device= go together (got type {ty:?}, device {device:?})")]
    Incomplete {
        /// `type=`.
        ty: Option<String>,
        /// `device=`.
        device: Option<String>,
    },
}

/// The `local` driver's options (`--opt type=,device=,o=`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeOptions {
    /// Filesystem type for mount(2) (`tmpfs`, `ext4`, `none` with `o=bind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_type: Option<String>,
    /// What is mounted (a device, `tmpfs`, a host path for `o=bind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Comma-separated mount options (`size=10m,uid=1000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o: Option<String>,
    /// `nocopy`: never copy an image directory's content up into the volume.
    #[serde(default)]
    pub nocopy: bool,
}

impl VolumeOptions {
    /// Parses `--opt` values (`type=X`, `device=Y`, `o=Z`, `copy`, `nocopy`).
    pub fn parse(opts: &[String]) -> Result<Self, VolumeOptionError> {
        let mut out = VolumeOptions::default();
        for o in opts {
            match o.split_once('=') {
                Some(("type", v)) => out.fs_type = Some(v.to_string()),
                Some(("device", v)) => out.device = Some(v.to_string()),
                Some(("o", v)) => out.o = Some(v.to_string()),
                None if o == "nocopy" => out.nocopy = true,
                None if o == "copy" => out.nocopy = false,
                _ => return Err(VolumeOptionError::Unknown(o.clone())),
            }
        }
        if out.fs_type.is_some() != out.device.is_some() {
            return Err(VolumeOptionError::Incomplete {
                ty: out.fs_type,
                device: out.device,
            });
        }
        Ok(out)
    }

    /// Whether the volume has a filesystem of its own to mount (else its data is a
    /// plain directory).
    pub fn needs_mount(&self) -> bool {
        self.fs_type.is_some()
    }

    /// The options as Podman shows them in `inspect` (`Options`).
    pub fn as_map(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        if let Some(t) = &self.fs_type {
            m.insert("type".into(), t.clone());
        }
        if let Some(d) = &self.device {
            m.insert("device".into(), d.clone());
        }
        if let Some(o) = &self.o {
            m.insert("o".into(), o.clone());
        }
        if self.nocopy {
            m.insert("nocopy".into(), "true".into());
        }
        m
    }
}

/// A volume's configuration; never changes after creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeConfig {
    /// The name (unique among volumes; a generated one is 64 hex characters).
    pub name: String,
    /// The driver (always [`LOCAL_DRIVER`]).
    pub driver: String,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The local driver's options.
    #[serde(default)]
    pub options: VolumeOptions,
    /// Where the data is: `<volumes dir>/NAME/_data`.
    pub mountpoint: PathBuf,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// An anonymous volume (`-v /dst` or an image `VOLUME`): removed with its container
    /// by `rm -v` and `--rm`.
    #[serde(default)]
    pub anonymous: bool,
}

impl VolumeConfig {
    /// A `local` volume named `name` under `volumes_dir`, created now.
    pub fn new(name: &str, volumes_dir: &Path) -> Self {
        VolumeConfig {
            name: name.to_string(),
            driver: LOCAL_DRIVER.into(),
            labels: BTreeMap::new(),
            options: VolumeOptions::default(),
            mountpoint: volumes_dir.join(name).join("_data"),
            created: Utc::now(),
            anonymous: false,
        }
    }

    /// The volume's own directory (`<volumes dir>/NAME`), parent of the mountpoint.
    pub fn dir(&self) -> &Path {
        self.mountpoint.parent().unwrap_or(&self.mountpoint)
    }
}

/// A volume's mutable state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeState {
    /// How many running containers use the volume now (its filesystem is mounted while
    /// this is above zero).
    #[serde(default)]
    pub mount_count: u32,
    /// Whether the volume's own filesystem (`--opt type=`) is mounted on its mountpoint.
    #[serde(default)]
    pub mounted: bool,
    /// The copy-up from an image directory already happened (or was declined): never again.
    /// An image directory that is missing or empty copies nothing and leaves it pending
    /// (Podman's `NeedsCopyUp`).
    #[serde(default)]
    pub copied_up: bool,
    /// A container used the volume: its top directory took that container's owner
    /// once (Podman's `NeedsChown` is the opposite).
    #[serde(default)]
    pub chowned: bool,
    /// `volume mount` calls not yet undone by `volume unmount`: the volume's own
    /// filesystem stays mounted while this is above zero.
    #[serde(default)]
    pub host_mounts: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_refuse() {
        let o = VolumeOptions::parse(&[
            "type=tmpfs".into(),
            "device=tmpfs".into(),
            "o=size=2m".into(),
        ])
        .unwrap();
        assert!(o.needs_mount());
        assert_eq!(o.as_map()["o"], "size=2m");
        assert!(matches!(
            VolumeOptions::parse(&["type=tmpfs".into()]),
            Err(VolumeOptionError::Incomplete { .. })
        ));
        assert!(matches!(
            VolumeOptions::parse(&["colour=blue".into()]),
            Err(VolumeOptionError::Unknown(_))
        ));
        assert!(VolumeOptions::parse(&["nocopy".into()]).unwrap().nocopy);
    }

    #[test]
    fn json_round_trip() {
        let mut v = VolumeConfig::new("x", Path::new("/v"));
        v.labels.insert("a".into(), "b".into());
        let j = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<VolumeConfig>(&j).unwrap(), v);
        assert_eq!(v.dir(), Path::new("/v/x"));
    }
}
