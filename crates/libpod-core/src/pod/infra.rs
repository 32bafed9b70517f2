//! The infra container: starting it before a member that joins its
//! namespaces, and its image, `localhost/pause:latest`, loaded from an
//! archive when one is known, else built here from the host's static
//! `catatonit` (as Podman builds its pause image from catatonit).

use std::io::Write;
use std::path::{Path, PathBuf};

use libpod_storage::{ConfigChanges, RootfsImport, Store};

use crate::ops::lock::Locked;
use crate::{Error, Result};

/// Starts the infra container of the pod of `l` when `l` joins one of its
/// namespaces and the infra does not run (Podman starts a member's
/// dependencies). The member's verbs call it before they initialise the member
/// (`container::init::start_dependencies`), under the member's lock, which
/// holds the pod lock; the infra is locked as a sibling and started with the
/// plain steps (`ops::start`), as it has no infra of its own.
pub(crate) fn start_for_member(l: &Locked<'_>) -> Result<()> {
    if l.cfg.pod.is_none() || !crate::network::joins_infra(&l.cfg) {
        return Ok(());
    }
    let Some((icfg, ist)) = crate::network::pod_infra(l.p, l)? else {
        return Ok(());
    };
    if matches!(
        ist.status,
        libpod_config::ContainerStatus::Running | libpod_config::ContainerStatus::Paused
    ) {
        return Ok(());
    }
    let mut il = l.acquire_sibling(&icfg.id)?;
    crate::ops::start::prepare_and_start(&mut il)?;
    Ok(())
}

/// The infra image name: Podman's, `localhost/podman-pause:<version>-<build time>`, with
/// this lpod's version and build time 0 (as `lpod version` reports them).
pub const PAUSE_IMAGE: &str = concat!("localhost/podman-pause:", env!("CARGO_PKG_VERSION"), "-0");

/// Where a static catatonit may live (Podman's default first).
const CATATONIT: &[&str] = &[
    "/usr/libexec/podman/catatonit",
    "/usr/bin/catatonit",
    "/usr/libexec/catatonit/catatonit",
    "/usr/local/bin/catatonit",
];

/// The installed catatonit (the pause image's process, `run --init`'s init): the first
/// file of the usual places, its path resolved. [`Error::MissingBinary`] naming the
/// package when none is installed.
pub fn catatonit() -> Result<PathBuf> {
    CATATONIT
        .iter()
        .map(Path::new)
        .filter(|p| p.is_file())
        .find_map(|p| std::fs::canonicalize(p).ok())
        .ok_or(Error::MissingBinary {
            binary: "catatonit".into(),
            package: "catatonit",
        })
}

/// Archives tried before building: `$LPOD_PAUSE_IMAGE`, then
/// `$LPOD_TEST_IMAGE_DIR/pause.tar`.
fn archives() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("LPOD_PAUSE_IMAGE") {
        v.push(PathBuf::from(p));
    }
    if let Some(d) = std::env::var_os("LPOD_TEST_IMAGE_DIR") {
        v.push(Path::new(&d).join("pause.tar"));
    }
    v
}

/// Makes sure `image` is in the store. Only the default pause image can be
/// provided automatically; another missing image is `NoSuchImage`.
pub(crate) fn ensure_image(store: &Store, image: &str) -> Result<()> {
    if store.image_exists(image)? {
        return Ok(());
    }
    if image != PAUSE_IMAGE {
        return Err(Error::NoSuchImage(image.to_string()));
    }
    for a in archives() {
        if a.exists() {
            match store.load(&a) {
                Ok(_) if store.image_exists(image)? => return Ok(()),
                // An archive of another name (the test images' `localhost/pause:latest`).
                Ok(imgs) if imgs.len() == 1 => {
                    store.tag(&imgs[0].id, image)?;
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(archive = %a.display(), error = %e, "loading the pause image")
                }
            }
        }
    }
    build(store, &catatonit()?)
}

/// Writes a one-file ustar archive (`/catatonit`, mode 0755) of `bin`.
fn write_tar(out: &mut impl Write, bin: &[u8]) -> std::io::Result<()> {
    let mut h = [0u8; 512];
    let name = b"catatonit";
    h[..name.len()].copy_from_slice(name);
    let octal = |field: &mut [u8], v: u64| {
        let s = format!("{:0width$o}\0", v, width = field.len() - 1);
        field.copy_from_slice(s.as_bytes());
    };
    octal(&mut h[100..108], 0o755);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], bin.len() as u64);
    octal(&mut h[136..148], 946_684_800);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    out.write_all(&h)?;
    out.write_all(bin)?;
    let pad = (512 - bin.len() % 512) % 512;
    out.write_all(&vec![0u8; pad + 1024])?;
    Ok(())
}

fn build(store: &Store, bin: &Path) -> Result<()> {
    let data = std::fs::read(bin).map_err(|e| Error::io("read", bin, e))?;
    let dir = tempfile_dir()?;
    let tar = dir.join("pause.tar");
    let res = (|| {
        let mut f = std::fs::File::create(&tar).map_err(|e| Error::io("create", &tar, e))?;
        write_tar(&mut f, &data).map_err(|e| Error::io("write", &tar, e))?;
        drop(f);
        store.import_rootfs(
            &tar,
            &RootfsImport {
                name: Some(PAUSE_IMAGE.into()),
                changes: ConfigChanges {
                    entrypoint: Some(vec!["/catatonit".into(), "-P".into()]),
                    ..Default::default()
                },
                message: Some("lpod pause image (catatonit)".into()),
            },
        )?;
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    res
}

fn tempfile_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "lpod-pause-{}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    libpod_storage::private::create_private_dir(&d)
        .map_err(|e| Error::io("create directory", &d, e))?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_has_header_data_and_trailer() {
        let mut v = Vec::new();
        write_tar(&mut v, b"hello").unwrap();
        assert_eq!(v.len(), 512 + 512 + 1024);
        assert_eq!(&v[..9], b"catatonit");
        assert_eq!(&v[512..517], b"hello");
        assert_eq!(&v[257..262], b"ustar");
        // Checksum: octal sum of the header with the checksum field as spaces.
        let mut h = v[..512].to_vec();
        let stored = u64::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        h[148..156].copy_from_slice(b"        ");
        assert_eq!(stored, h.iter().map(|b| u64::from(*b)).sum::<u64>());
    }
}
