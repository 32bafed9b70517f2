//! Storage benchmark (`cargo xtask bench storage`):
//! 1. import of a docker-archive with one 100 MB random-content layer, MB/s, next to
//!    `podman load` of the same file (podman with its own temp root/runroot/tmpdir in a
//!    private mount namespace, same driver), and the ratio;
//! 2. container rootfs create+mount+unmount+delete per second, per driver.
//!
//! Options: `--size-mb N` (default 100), `--runs N` (default 3), `--cycles N` (default 50).

use libpod_storage::archive::{write_docker_archive, Compression, ExportImage, ExportLayer};
use libpod_storage::testimage::config;
use libpod_storage::DriverKind;
use rand::RngCore;
mod common;
use common::{arg, median, open_store, time_podman};
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn make_archive(dir: &Path, size_mb: usize) -> PathBuf {
    let tar_path = dir.join("layer.tar");
    {
        let f = fs::File::create(&tar_path).unwrap();
        let mut b = tar::Builder::new(std::io::BufWriter::new(f));
        let mut data = vec![0u8; size_mb << 20];
        rand::thread_rng().fill_bytes(&mut data);
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_577_836_800);
        b.append_data(&mut h, "random.bin", &data[..]).unwrap();
        b.into_inner().unwrap().flush().unwrap();
    }
    let (digest, size) = libpod_storage::digest::sha256_file(&tar_path).unwrap();
    let layer = ExportLayer {
        blob: tar_path,
        digest: digest.clone(),
        size,
        compression: Compression::None,
        diff_id: digest,
    };
    let img = ExportImage {
        names: vec!["localhost/bench:latest".into()],
        config: config(
            std::slice::from_ref(&layer),
            serde_json::json!({"Cmd": ["sh"]}),
            "bench",
        ),
        layers: vec![layer],
    };
    let out = dir.join("bench.tar");
    write_docker_archive(&out, &[img]).unwrap();
    let _ = fs::remove_file(dir.join("layer.tar"));
    out
}

fn unmount_under(root: &Path) {
    for m in libpod_storage::driver::mounts_under(root) {
        let _ = rustix::mount::unmount(&m, rustix::mount::UnmountFlags::DETACH);
    }
}

fn main() {
    let size_mb = arg("--size-mb", 100);
    let runs = arg("--runs", 3).max(1);
    let cycles = arg("--cycles", 50).max(1);
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-storage")
        .tempdir()
        .unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    println!("generating a docker-archive with one {size_mb} MB random layer …");
    let archive = make_archive(&root, size_mb);
    let mb = fs::metadata(&archive).unwrap().len() as f64 / (1 << 20) as f64;
    let driver = open_store(&root.join("probe"), None).driver();
    let _ = fs::remove_dir_all(root.join("probe"));

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for i in 0..runs {
        let sroot = root.join(format!("lpod-{i}"));
        let store = open_store(&sroot, Some(driver));
        let t = Instant::now();
        store.load(&archive).unwrap();
        ours.push(t.elapsed().as_secs_f64());
        let _ = fs::remove_dir_all(&sroot);
        if let Some(s) = time_podman(
            &root.join(format!("podman-{i}")),
            driver,
            &[
                OsStr::new("load"),
                OsStr::new("-q"),
                OsStr::new("-i"),
                archive.as_os_str(),
            ],
        ) {
            theirs.push(s);
        }
    }
    let o = median(ours);
    println!(
        "import docker-archive ({mb:.0} MB, {driver}): lpod {o:.2} s = {:.0} MB/s (median of {runs})",
        mb / o
    );
    if theirs.is_empty() {
        println!("podman load: unavailable");
    } else {
        let p = median(theirs);
        println!(
            "podman load same file ({driver}): {p:.2} s = {:.0} MB/s; lpod/podman speed ratio {:.2}x",
            mb / p,
            p / o
        );
    }

    // Container rootfs lifecycle.
    let img_dir = std::env::var_os("LPOD_TEST_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("test-image"));
    libpod_storage::testimage::build(&img_dir).unwrap();
    let mut drivers = vec![DriverKind::Vfs];
    if driver == DriverKind::Overlay {
        drivers.insert(0, DriverKind::Overlay);
    }
    for d in drivers {
        let sroot = root.join(format!("cycle-{d}"));
        let store = open_store(&sroot, Some(d));
        let img = store.load(&img_dir.join("busybox.tar")).unwrap().remove(0);
        let t = Instant::now();
        for i in 0..cycles {
            let id = format!("bench{i}");
            store.create_container(&id, Some(&img.id)).unwrap();
            let r = store.mount(&id).unwrap();
            assert!(r.join("bin/busybox").exists());
            store.unmount(&id, false).unwrap();
            store.delete_container(&id).unwrap();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "container rootfs create+mount+unmount+delete ({d}, busybox): {:.1}/s ({cycles} cycles in {s:.2} s)",
            cycles as f64 / s
        );
        unmount_under(&sroot);
    }
    unmount_under(&root);
}
