//! Interop with Podman: what we save, `podman load` accepts (same image id); what
//! `podman save` writes, we load. Podman runs with its own temporary root, run root and
//! tmpdir under the test's temp dir, vfs storage and cgroupfs: never its default paths.
//! Podman 4.3 still writes a blob-info cache to /var/lib/containers/cache and network
//! state to /run/containers whatever --root says, so each podman runs in a private mount
//! namespace (`unshare --mount`) with temp dirs bind-mounted over /var/lib and /run.

mod common;

use common::{image_dir, require_podman, require_root, PrivatePodman as Podman, TestStore};
use libpod_storage::{DriverKind, ExportFormat};
use std::fs;

#[test]
fn podman_loads_what_we_save_and_we_load_what_podman_saves() {
    if !require_root("podman_interop") || !require_podman() {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Overlay);
    let ours = t.store.load(&dir.join("multilayer-oci")).unwrap().remove(0);
    let podman = Podman::new(&t.root().join("podman"));

    // Ours → podman, both archive formats.
    let dock = t.root().join("ours-docker.tar");
    t.store
        .save(
            &["localhost/multilayer:latest"],
            ExportFormat::DockerArchive,
            &dock,
        )
        .unwrap();
    podman.run(&["load", "-q", "-i", dock.to_str().unwrap()]);
    let id = podman.run(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "localhost/multilayer:latest",
    ]);
    assert_eq!(id, ours.id);
    podman.run(&["rmi", "-f", &ours.id]);
    let ociar = t.root().join("ours-oci.tar");
    t.store
        .save(
            &["localhost/multilayer:latest"],
            ExportFormat::OciArchive,
            &ociar,
        )
        .unwrap();
    let loaded = podman.run(&["load", "-i", ociar.to_str().unwrap()]);
    assert!(loaded.contains("Loaded image"), "{loaded}");
    let ids = podman.run(&["images", "-q", "--no-trunc"]);
    assert!(ids.contains(&ours.id), "{ids}");

    // Podman → ours (from the docker-archive load: docker-archive cannot carry zstd).
    podman.run(&["rmi", "-f", &ours.id]);
    podman.run(&["load", "-q", "-i", dock.to_str().unwrap()]);
    podman.run(&["tag", &ours.id, "localhost/from-podman:v1"]);
    for (fmt, file) in [
        ("docker-archive", "podman-docker.tar"),
        ("oci-archive", "podman-oci.tar"),
    ] {
        let out = t.root().join(file);
        podman.run(&[
            "save",
            "--format",
            fmt,
            "-o",
            out.to_str().unwrap(),
            "localhost/from-podman:v1",
        ]);
        let t2 = TestStore::new(DriverKind::Vfs);
        let back = t2.store.load(&out).unwrap();
        assert_eq!(back.len(), 1, "{fmt}");
        // podman rewrites the config when converting to OCI (new id); layers stay.
        if fmt == "docker-archive" {
            assert_eq!(back[0].id, ours.id, "{fmt}");
        }
        assert_eq!(back[0].diff_ids, ours.diff_ids, "{fmt}");
        t2.store.create_container("c", Some(&back[0].id)).unwrap();
        let root = t2.store.mount("c").unwrap();
        assert!(!root.join("data/remove-me.txt").exists());
        assert_eq!(
            fs::read_to_string(root.join("opaque/new.txt")).unwrap(),
            "new\n"
        );
        t2.store.delete_container("c").unwrap();
        if fmt == "docker-archive" {
            assert!(
                back[0]
                    .names
                    .contains(&"localhost/from-podman:v1".to_string()),
                "{:?}",
                back[0].names
            );
        }
    }
}
