//! Load an image archive into a store of your own, give a container a root filesystem from
//! it, mount it, look inside, and remove everything again: nothing but this crate.
//!
//! ```sh
//! sudo cargo run -p libpod-storage --example import_and_mount -- IMAGE.tar
//! ```
//!
//! IMAGE.tar is a `docker save`/`podman save` archive (docker-archive or oci-archive), e.g.
//! `podman save -o busybox.tar busybox`. The overlay driver needs root (it mounts); the store
//! falls back to the vfs driver (plain copies) where overlay is not available. The store lives
//! in a temporary directory and is removed at the end.

use std::path::Path;

use libpod_storage::{Store, StoreOptions};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let archive = std::env::args()
        .nth(1)
        .ok_or("usage: import_and_mount IMAGE.tar")?;
    let tmp = tempfile::Builder::new()
        .prefix("lpod-storage-example-")
        .tempdir()?;
    let store = Store::open(StoreOptions {
        graph_root: tmp.path().join("storage"),
        run_root: tmp.path().join("run"),
        driver: None, // probe overlay, fall back to vfs
    })?;
    println!("store driver: {:?}", store.driver());

    let images = store.load(Path::new(&archive))?;
    let image = images.first().ok_or("the archive held no image")?;
    println!("loaded image {} {:?}", &image.id[..12], image.names);

    let ctr = store.create_container("example-container", Some(&image.id))?;
    let rootfs = store.mount(&ctr.id)?;
    let looked = (|| -> Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(&rootfs)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()?;
        names.sort();
        Ok(names)
    })();
    // Unmount and delete whatever happened while looking.
    let unmounted = store.unmount(&ctr.id, false);
    let deleted = store.delete_container(&ctr.id);
    let top = looked?;
    unmounted?;
    deleted?;
    println!(
        "container root filesystem at {} held: {}",
        rootfs.display(),
        top.join(" ")
    );
    store.remove_image(&image.id, false)?;
    println!("container and image removed");
    Ok(())
}
