//! Tearing the runtime side of a container down (runtime container, conmon's
//! files, network, rootfs mount): the step cleanup, removal, re-init and
//! recovery share. Depends on no verb.

use libpod_config::{failpoint, ContainerStatus};
use libpod_oci::OciError;

use super::lock::Locked;
use crate::{Error, Result};

/// Network teardown: CNI DEL and netns removal for bridge (see `crate::network`).
fn network_teardown(l: &mut Locked<'_>) -> Vec<Error> {
    crate::network::teardown(l)
}

/// Tears the runtime side of a container down: deletes the runtime container
/// and conmon's files, tears the network down, unmounts the rootfs. Keeps going
/// after an error and returns all of them. The end status is the table's
/// (`ContainerStatus::after_teardown`: Created → Configured, an exited one →
/// Exited, Removing stays); saves unless Removing.
pub(crate) fn teardown(l: &mut Locked<'_>) -> Result<()> {
    let id = l.id().to_string();
    let p = l.p;
    let mut errs = Vec::new();
    // The run is over: its health monitor goes first (see `crate::health_monitor`).
    crate::health_monitor::reap(&mut l.st);
    let oci = p.oci_for(&l.cfg.oci_runtime)?;
    match oci.delete(&id, true) {
        Ok(()) | Err(OciError::NotFound { .. }) => {}
        Err(e) => errs.push(Error::from(e)),
    }
    if let Err(e) = oci.cleanup_files(&id) {
        errs.push(e.into());
    }
    failpoint::hit("container.cleanup.after_runtime_delete");
    errs.extend(network_teardown(l));
    failpoint::hit("container.cleanup.after_network");
    if l.st.mountpoint.is_some() {
        // Image mounts are taken when the container is initialised (with its root).
        errs.extend(image_volumes_teardown(l));
        for m in l
            .cfg
            .mounts
            .iter()
            .filter(|m| m.kind == libpod_config::MountKind::Volume)
        {
            if let Err(e) = crate::volume::mount::release(p, &m.source, &id) {
                errs.push(e);
            }
        }
    }
    if l.st.mountpoint.take().is_some() {
        match p.store.unmount(&id, false) {
            Ok(_) | Err(libpod_storage::StoreError::ContainerNotFound(_)) => {}
            Err(e) => errs.push(e.into()),
        }
    }
    failpoint::hit("container.cleanup.after_unmount");
    l.st.pid = None;
    l.st.conmon_pid = None;
    l.st.status = l.st.status.after_teardown();
    // A container being removed loses its row right after: no write for it.
    if l.st.status != ContainerStatus::Removing {
        if let Err(e) = l.save() {
            errs.push(e);
        }
    }
    Error::join(errs)
}

/// Drops the container's image mounts: its writable overlays, then its reference on
/// each image (an image that the user unmounted meanwhile is simply not mounted).
pub(crate) fn image_volumes_teardown(l: &Locked<'_>) -> Vec<Error> {
    use libpod_config::MountKind;
    let mut errs = Vec::new();
    for m in l.cfg.mounts.iter().filter(|m| m.kind == MountKind::Image) {
        if m.options.iter().any(|o| o == "rw") {
            let dir = image_volume_dir(l.p, l.id(), &m.destination);
            let merged = dir.join("merged");
            if libpod_storage::driver::is_mountpoint(&merged) {
                if let Err(e) = l.p.store.unmount_path(&merged) {
                    errs.push(e.into());
                    continue;
                }
            }
        }
        match l.p.store.unmount_image(&m.source, false) {
            Ok(_) | Err(libpod_storage::StoreError::ImageNotFound(_)) => {}
            Err(e) => errs.push(e.into()),
        }
    }
    errs
}

/// The directory of a writable image mount's layers: per container and destination.
pub(crate) fn image_volume_dir(
    p: &crate::context::Parts,
    id: &str,
    destination: &std::path::Path,
) -> std::path::PathBuf {
    let key: String = destination
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    p.opts
        .containers_dir()
        .join(id)
        .join("image-mounts")
        .join(key)
}
