//! `lpod manifest ...`: manifest lists in the image store (libpod-storage's
//! [`libpod_storage::manifest`]), pushed to registries as OCI image indexes.

use std::collections::BTreeMap;

use libpod_core::image::ImageError;
use libpod_core::Runtime;
use libpod_storage::registry::remote_manifest_entries;
use libpod_storage::{EntryOptions, StoreError};

use super::registry::Reporter;
use super::{CliError, CmdResult};
use crate::cli::{
    AccessFlags, ManifestAddArgs, ManifestAnnotateArgs, ManifestCommand, ManifestCreateArgs,
    ManifestEntryFlags, ManifestInspectArgs, ManifestPushArgs, ManifestRemoveArgs, ManifestRmArgs,
};

/// Runs one `manifest` subcommand.
pub fn run(rt: &Runtime, c: ManifestCommand) -> CmdResult {
    match c {
        ManifestCommand::Create(a) => create(rt, a),
        ManifestCommand::Add(a) => add(rt, a),
        ManifestCommand::Annotate(a) => annotate(rt, a),
        ManifestCommand::Inspect(a) => inspect(rt, a),
        ManifestCommand::Exists(a) => exists(rt, a),
        ManifestCommand::Remove(a) => remove(rt, a),
        ManifestCommand::Rm(a) => rm(rt, a),
        ManifestCommand::Push(a) => push(rt, a),
    }
}

impl ManifestEntryFlags {
    fn options(&self) -> Result<EntryOptions, CliError> {
        let mut annotations = BTreeMap::new();
        for a in &self.annotation {
            let (k, v) = a
                .split_once('=')
                .ok_or_else(|| CliError::Usage(format!("no value given for annotation {a:?}")))?;
            annotations.insert(k.to_string(), v.to_string());
        }
        Ok(EntryOptions {
            arch: self.arch.clone(),
            os: self.os.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            features: self.features.clone(),
            os_features: self.os_features.clone(),
            annotations,
        })
    }
}

/// Adds `image` to `list`: a local image (`containers-storage:NAME`, or a name or id the
/// store knows) or an image on a registry (`docker://REFERENCE`, or a name not stored
/// locally): its manifest (with `all`, every entry of its manifest list) is recorded,
/// not pulled. Returns the digest of the (last) entry added.
fn add_one(
    rt: &Runtime,
    list: &str,
    image: &str,
    all: bool,
    access: &AccessFlags,
    opts: &EntryOptions,
) -> Result<String, CliError> {
    let store = rt.store()?;
    // The list's errors first (as Podman): a missing list is reported as such even
    // when the image is missing too.
    store.manifest_list(list)?;
    let remote = match image.strip_prefix("containers-storage:") {
        Some(local) => return Ok(store.manifest_add_image(list, local, opts)?),
        None if image.starts_with("docker://") => image,
        None if store.image_exists(image)? => {
            return Ok(store.manifest_add_image(list, image, opts)?)
        }
        None => image,
    };
    let ropts = rt.registry_options(&access.access()?, None)?;
    let entries = remote_manifest_entries(remote, all, &ropts).map_err(ImageError::from)?;
    let mut last = String::new();
    for e in entries {
        last = store.manifest_add_entry(list, e, opts)?;
    }
    Ok(last)
}

fn create(rt: &Runtime, a: ManifestCreateArgs) -> CmdResult {
    let store = rt.store()?;
    let id = match store.create_manifest_list(&a.name) {
        Ok(id) => id,
        Err(StoreError::NameInUse { .. }) if a.amend => store.manifest_list(&a.name)?.0,
        Err(e) => return Err(e.into()),
    };
    let opts = EntryOptions::default();
    for img in &a.images {
        add_one(rt, &id, img, a.all, &a.access, &opts)?;
    }
    println!("{id}");
    Ok(0)
}

fn add(rt: &Runtime, a: ManifestAddArgs) -> CmdResult {
    let opts = a.entry.options()?;
    add_one(rt, &a.list, &a.image, a.all, &a.access, &opts)?;
    let (id, _) = rt.store()?.manifest_list(&a.list)?;
    println!("{id}");
    Ok(0)
}

fn annotate(rt: &Runtime, a: ManifestAnnotateArgs) -> CmdResult {
    check_digest(&a.digest)?;
    let opts = a.entry.options()?;
    let id = rt.store()?.manifest_annotate(&a.list, &a.digest, &opts)?;
    println!("{id}");
    Ok(0)
}

fn inspect(rt: &Runtime, a: ManifestInspectArgs) -> CmdResult {
    let (_, list) = rt.store()?.manifest_list(&a.list)?;
    println!("{}", list.docker_json());
    Ok(0)
}

fn exists(rt: &Runtime, a: ManifestInspectArgs) -> CmdResult {
    Ok(if rt.store()?.manifest_list_exists(&a.list)? {
        0
    } else {
        1
    })
}

/// Podman's check of a `DIGEST` argument (`invalid image digest "x": ...`).
fn check_digest(d: &str) -> Result<(), CliError> {
    libpod_storage::digest::digest_hex(d)
        .map(|_| ())
        .map_err(|e| CliError::Usage(format!("invalid image digest {d:?}: {e}")))
}

fn remove(rt: &Runtime, a: ManifestRemoveArgs) -> CmdResult {
    check_digest(&a.digest)?;
    let id = rt.store()?.manifest_remove(&a.list, &a.digest)?;
    println!("{id}");
    Ok(0)
}

fn rm(rt: &Runtime, a: ManifestRmArgs) -> CmdResult {
    let store = rt.store()?;
    let mut first_err: Option<CliError> = None;
    for name in &a.lists {
        let res = store
            .manifest_list(name)
            .map_err(CliError::from)
            .and_then(|(id, _)| {
                let names = store.image(&id)?.names;
                let id = rt.remove_image(&id, false)?;
                Ok((id, names))
            });
        match res {
            Ok((id, names)) => {
                for n in names {
                    println!("Untagged: {n}");
                }
                println!("Deleted: {id}");
            }
            Err(e) => {
                if let Some(prev) = first_err.replace(e) {
                    eprintln!("Error: {prev}");
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

fn push(rt: &Runtime, a: ManifestPushArgs) -> CmdResult {
    let store = rt.store()?;
    let (id, _) = store.manifest_list(&a.list)?;
    let dest = match &a.destination {
        Some(d) => d.clone(),
        None => store.image(&id)?.names.first().cloned().ok_or_else(|| {
            CliError::Usage(format!(
                "{}: the list has no name to push it to: give a destination",
                a.list
            ))
        })?,
    };
    let digest = if let Some(dir) = dest.strip_prefix("oci:").filter(|d| !d.is_empty()) {
        store.save_manifest_list_oci(&id, std::path::Path::new(dir))?
    } else if dest.split_once(':').is_some_and(|(t, _)| {
        matches!(
            t,
            "dir" | "oci-archive" | "docker-archive" | "containers-storage"
        )
    }) {
        return Err(CliError::Usage(format!(
            "{dest}: lpod pushes manifest lists to registries (docker://) and OCI layouts (oci:) only"
        )));
    } else {
        let ropts = rt.registry_options(&a.access.access()?, None)?;
        let rep = Reporter::new(a.quiet, true);
        store
            .push_manifest_list(&id, &dest, a.all, &ropts, &|ev| rep.event(ev))
            .map_err(ImageError::from)?
    };
    super::registry::write_digestfile(a.digestfile.as_ref(), &digest)?;
    if a.rm {
        rt.remove_image(&id, false)?;
    }
    Ok(0)
}
