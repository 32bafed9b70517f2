//! Pull benchmark (`cargo xtask bench pull`): a loopback HTTP `docker-registry`, a
//! ~100 MB image of random (incompressible) gzip layers pushed to it, then the time to
//! pull it into an empty store with lpod (library) and with `podman pull
//! --tls-verify=false` (own temp root/runroot in a private mount namespace, like
//! bench_storage), median of N runs (env `LPOD_BENCH_N`, default 3), and the ratio.
//!
//! Options: `--size-mb N` (default 100), `--layers N` (default 4).

use libpod_storage::archive::{write_oci_layout, Compression, ExportImage};
use libpod_storage::registry::testing::TestRegistry;
use libpod_storage::testimage::{config, Layer};
use libpod_storage::DriverKind;
use rand::RngCore;
mod common;
use common::{arg, median, open_store, time_podman};
use std::fs;
use std::time::Instant;

fn main() {
    let size_mb = arg("--size-mb", 100);
    let nlayers = arg("--layers", 4).max(1);
    let runs: usize = std::env::var("LPOD_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let tmp = tempfile::Builder::new()
        .prefix("lpod-bench-pull")
        .tempdir()
        .unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let Some(reg) = TestRegistry::http() else {
        eprintln!("bench pull: docker-registry missing");
        std::process::exit(1);
    };
    let opts = reg.options();
    let driver = open_store(&root.join("probe"), None).driver();
    let _ = fs::remove_dir_all(root.join("probe"));

    println!("building a {size_mb} MB image ({nlayers} random gzip layers) and pushing it …");
    let seed = open_store(&root.join("seed"), Some(DriverKind::Vfs));
    let work = root.join("work");
    fs::create_dir_all(&work).unwrap();
    let mut layers = Vec::new();
    let mut rng = rand::thread_rng();
    for i in 0..nlayers {
        let mut data = vec![0u8; (size_mb << 20) / nlayers];
        rng.fill_bytes(&mut data);
        let mut l = Layer::default();
        l.file(&format!("data/layer{i}.bin"), 0o644, data);
        layers.push(l.write(&work, Compression::Gzip).unwrap());
    }
    let img = ExportImage {
        names: vec!["localhost/bench-pull:latest".into()],
        config: config(&layers, serde_json::json!({"Cmd": ["sh"]}), "bench"),
        layers,
    };
    let layout = root.join("layout");
    write_oci_layout(&layout, &[img]).unwrap();
    let id = seed.load(&layout).unwrap()[0].id.clone();
    let reference = reg.reference("bench/pull:latest");
    seed.push(&id, Some(&reference), &opts, &|_| {}).unwrap();
    let _ = fs::remove_dir_all(root.join("seed"));
    let _ = fs::remove_dir_all(&work);
    let _ = fs::remove_dir_all(&layout);

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for i in 0..runs {
        let sroot = root.join(format!("lpod-{i}"));
        let store = open_store(&sroot, Some(driver));
        let t = Instant::now();
        store.pull(&reference, &opts, &|_| {}).unwrap();
        ours.push(t.elapsed().as_secs_f64());
        for m in libpod_storage::driver::mounts_under(&sroot) {
            let _ = rustix::mount::unmount(&m, rustix::mount::UnmountFlags::DETACH);
        }
        let _ = fs::remove_dir_all(&sroot);
        if let Some(s) = time_podman(
            &root.join(format!("podman-{i}")),
            driver,
            &["pull", "-q", "--tls-verify=false", reference.as_str()],
        ) {
            theirs.push(s);
        }
    }
    let o = median(ours);
    println!("pull {size_mb} MB ({nlayers} layers, {driver}), median of {runs}:");
    println!("  lpod   {o:.3} s  ({:.0} MB/s)", size_mb as f64 / o);
    if theirs.is_empty() {
        println!("  podman n/a");
    } else {
        let p = median(theirs);
        println!("  podman {p:.3} s  ({:.0} MB/s)", size_mb as f64 / p);
        println!("  ratio lpod/podman {:.2} (goal <= 0.7)", o / p);
    }
}
