//! `mount`/`umount` of containers' root filesystems and `image mount`/`image umount`.

use libpod_core::Runtime;
use libpod_storage::StoreError;
use serde_json::json;

use super::container::targets;
use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{ImageMountArgs, ImageUmountArgs, MountArgs, UmountArgs};
use crate::format;

/// `lpod mount`: mounts the named containers and prints each mount point; without
/// names, lists the mounted containers as `ID PATH`.
pub fn mount(rt: &Runtime, a: MountArgs) -> CmdResult {
    if a.containers.is_empty() && !a.all {
        let store = rt.store()?;
        let mut rows = Vec::new();
        for s in rt.list_containers()? {
            if store.mount_count(&s.id)? > 0 || s.status.is_active() {
                let path = store.container(&s.id)?.rootfs;
                rows.push((s, path));
            }
        }
        if format::is_json(a.format.as_deref()) && a.format.is_some() {
            let v: Vec<_> = rows
                .iter()
                .map(|(s, p)| json!({"id": s.id, "names": [s.name], "mountpoint": p}))
                .collect();
            return print_json(&v).map(|_| 0);
        }
        for (s, p) in rows {
            println!("{} {}", format::short_id(&s.id, a.no_trunc), p.display());
        }
        return Ok(0);
    }
    let list = targets(rt, a.all, &a.containers, &[], false)?;
    for_each(&list, |t| {
        let path = t.c.mount()?;
        println!("{}", path.display());
        Ok(())
    })
}

/// `lpod umount`: drops one mount of each container (all with `--force`); prints what
/// was given.
pub fn umount(rt: &Runtime, a: UmountArgs) -> CmdResult {
    let mut list = targets(rt, a.all, &a.containers, &[], false)?;
    if a.all {
        let store = rt.store()?;
        list.retain(|t| store.mount_count(t.c.id()).is_ok_and(|n| n > 0));
    }
    for_each(&list, |t| {
        t.c.unmount(a.force)?;
        println!("{}", t.print);
        Ok(())
    })
}

/// Podman's wording for an image that is not in the store.
fn image_err(name: &str, e: StoreError) -> CliError {
    match e {
        StoreError::ImageNotFound(_) => CliError::Usage(format!("{name}: image not known")),
        other => other.into(),
    }
}

/// The name `image mount` lists an image by: its first name, else its id.
fn image_label(img: &libpod_storage::Image) -> String {
    img.names.first().cloned().unwrap_or_else(|| img.id.clone())
}

/// `lpod image mount`: mounts images read-only and prints each mount point; without
/// names, lists the mounted images as `NAME PATH`; `--all` mounts every image and lists
/// them.
pub fn image_mount(rt: &Runtime, a: ImageMountArgs) -> CmdResult {
    let store = rt.store()?;
    if a.all {
        for img in store.list_images()? {
            store.mount_image(&img.id)?;
        }
    }
    if a.images.is_empty() {
        let rows = store.mounted_images()?;
        if a.format.is_some() && format::is_json(a.format.as_deref()) {
            let v: Vec<_> = rows
                .iter()
                .map(|(i, p)| json!({"id": i.id, "Repositories": i.names, "mountpoint": p}))
                .collect();
            return print_json(&v).map(|_| 0);
        }
        for (img, p) in rows {
            println!("{} {}", image_label(&img), p.display());
        }
        return Ok(0);
    }
    for_each(&a.images, |name| {
        let p = store.mount_image(name).map_err(|e| image_err(name, e))?;
        println!("{}", p.display());
        Ok(())
    })
}

/// `lpod image umount`: drops one mount of each image (all with `--force`) and prints
/// the id of each image it unmounted; an image that is not mounted prints nothing.
pub fn image_umount(rt: &Runtime, a: ImageUmountArgs) -> CmdResult {
    let store = rt.store()?;
    let names: Vec<String> = if a.all {
        store
            .mounted_images()?
            .into_iter()
            .map(|(i, _)| i.id)
            .collect()
    } else if a.images.is_empty() {
        return Err(CliError::Usage("image name or ID must be specified".into()));
    } else {
        a.images.clone()
    };
    for_each(&names, |name| {
        if let Some((id, _)) = store
            .unmount_image(name, a.force || a.all)
            .map_err(|e| image_err(name, e))?
        {
            println!("{id}");
        }
        Ok(())
    })
}
