//! System tests for the store (as root, real overlayfs and vfs).

mod common;

use common::{image_dir, require_root, TestStore, DRIVERS};
use libpod_storage::archive::{write_oci_layout, Compression};
use libpod_storage::testimage::{config, Layer};
use libpod_storage::{ConfigChanges, DriverKind, ExportFormat, RootfsImport, StoreError};
use std::fs;

fn read(p: &std::path::Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn import_each_format_with_each_driver() {
    if !require_root("import_each_format_with_each_driver") {
        return;
    }
    let dir = image_dir();
    for driver in DRIVERS {
        // Make an oci-archive from a first store.
        let seed = TestStore::new(driver);
        seed.store.load(&dir.join("busybox.tar")).unwrap();
        let oci_archive = seed.root().join("busybox-oci.tar");
        seed.store
            .save(
                &["localhost/busybox:latest"],
                ExportFormat::OciArchive,
                &oci_archive,
            )
            .unwrap();
        for src in [
            dir.join("busybox-oci"),
            dir.join("busybox.tar"),
            oci_archive.clone(),
        ] {
            let t = TestStore::new(driver);
            let imgs = t.store.load(&src).unwrap();
            assert_eq!(imgs.len(), 1, "{driver} {}", src.display());
            let img = &imgs[0];
            assert_eq!(img.names, vec!["localhost/busybox:latest"]);
            assert_eq!(img.config.cmd.as_deref(), Some(&["sh".to_string()][..]));
            assert!(img.size > 1_000_000);
            assert_eq!(t.store.image("busybox").unwrap().id, img.id);
            assert_eq!(t.store.image(&img.id[..12]).unwrap().id, img.id);
            let c = t.store.create_container("ctr1", Some("busybox")).unwrap();
            let root = t.store.mount(&c.id).unwrap();
            assert_eq!(read(&root.join("www/index.html")), "hello from lpod\n");
            assert!(read(&root.join("etc/passwd")).contains("www-data"));
            assert_eq!(
                fs::read_link(root.join("bin/sh")).unwrap().to_str(),
                Some("/bin/busybox")
            );
            use std::os::unix::fs::PermissionsExt;
            let tmp_mode = fs::metadata(root.join("tmp")).unwrap().permissions().mode();
            assert_eq!(tmp_mode & 0o7777, 0o1777);
            t.store.unmount(&c.id, false).unwrap();
            t.store.delete_container(&c.id).unwrap();
            assert!(libpod_storage::driver::mounts_under(&t.root()).is_empty());
        }
    }
}

#[test]
fn whiteouts_and_opaque_dirs_hide_lower_files() {
    if !require_root("whiteouts_and_opaque_dirs_hide_lower_files") {
        return;
    }
    let dir = image_dir();
    for driver in DRIVERS {
        for src in ["multilayer-oci", "multilayer.tar"] {
            let t = TestStore::new(driver);
            let imgs = t.store.load(&dir.join(src)).unwrap();
            assert_eq!(imgs[0].layers.len(), 3);
            let c = t
                .store
                .create_container("ml", Some("localhost/multilayer"))
                .unwrap();
            let root = t.store.mount(&c.id).unwrap();
            assert!(root.join("data/keep.txt").exists(), "{driver} {src}");
            assert!(!root.join("data/remove-me.txt").exists(), "{driver} {src}");
            assert!(root.join("data/layer3.txt").exists());
            assert!(!root.join("opaque/old1.txt").exists(), "{driver} {src}");
            assert!(!root.join("opaque/olddir").exists(), "{driver} {src}");
            assert_eq!(read(&root.join("opaque/new.txt")), "new\n");
            assert_eq!(read(&root.join("etc/motd")), "layer3\n");
            assert!(root.join("bin/busybox").exists());
            t.store.delete_container(&c.id).unwrap();
            assert!(libpod_storage::driver::mounts_under(&t.root()).is_empty());
        }
    }
}

#[test]
fn containers_share_lower_layers_and_mounts_are_counted() {
    if !require_root("containers_share_lower_layers_and_mounts_are_counted") {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Overlay);
    t.store.load(&dir.join("busybox.tar")).unwrap();
    t.store.load(&dir.join("multilayer-oci")).unwrap();
    // The busybox layer is stored once for both images.
    let image_layers = t.store.layers().unwrap();
    assert_eq!(image_layers.len(), 3);
    let a = t.store.create_container("a", Some("busybox")).unwrap();
    let b = t.store.create_container("b", Some("busybox")).unwrap();
    assert_ne!(a.layer_id, b.layer_id);
    let ra = t.store.mount("a").unwrap();
    let rb = t.store.mount("b").unwrap();
    fs::write(ra.join("only-in-a"), "a").unwrap();
    assert!(!rb.join("only-in-a").exists());
    assert_eq!(read(&rb.join("www/index.html")), "hello from lpod\n");
    // Counting: two mounts, one unmount → still mounted.
    t.store.mount("a").unwrap();
    assert_eq!(t.store.mount_count("a").unwrap(), 2);
    assert_eq!(t.store.unmount("a", false).unwrap(), 1);
    assert!(libpod_storage::driver::is_mountpoint(&ra));
    assert_eq!(t.store.unmount("a", false).unwrap(), 0);
    assert!(!libpod_storage::driver::is_mountpoint(&ra));
    // Data survives a remount.
    let ra = t.store.mount("a").unwrap();
    assert_eq!(read(&ra.join("only-in-a")), "a");
    // Image in use: refused without force.
    assert!(matches!(
        t.store.remove_image("busybox", false),
        Err(StoreError::ImageInUse { .. })
    ));
    assert!(t.store.container_exists("a").unwrap());
    for id in ["a", "b"] {
        t.store.delete_container(id).unwrap();
    }
    assert!(!t.store.container_exists("a").unwrap());
    assert!(libpod_storage::driver::mounts_under(&t.root()).is_empty());
    // Removing busybox keeps the shared layer (multilayer uses it).
    t.store.remove_image("busybox", false).unwrap();
    assert_eq!(t.store.layers().unwrap().len(), 3);
    t.store.remove_image("multilayer", false).unwrap();
    assert!(t.store.layers().unwrap().is_empty());
    let overlay = t.store.graph_root().join("overlay");
    let left: Vec<_> = fs::read_dir(&overlay)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "l" && n != "empty")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(fs::read_dir(overlay.join("l")).unwrap().count(), 0);
}

#[test]
fn deep_image_with_45_layers_mounts_on_overlay() {
    if !require_root("deep_image_with_45_layers_mounts_on_overlay") {
        return;
    }
    let t = TestStore::new(DriverKind::Overlay);
    let work = t.root().join("work");
    fs::create_dir_all(&work).unwrap();
    let mut layers = Vec::new();
    for i in 0..45 {
        let mut l = Layer::default();
        l.file(&format!("layers/{i:02}"), 0o644, format!("{i}\n"));
        l.file("top", 0o644, format!("{i}\n"));
        layers.push(l.write(&work, Compression::None).unwrap());
    }
    let img = libpod_storage::archive::ExportImage {
        names: vec!["localhost/deep:latest".into()],
        config: config(&layers, serde_json::json!({"Cmd": ["sh"]}), "deep"),
        layers,
    };
    let layout = t.root().join("deep-oci");
    write_oci_layout(&layout, &[img]).unwrap();
    let imgs = t.store.load(&layout).unwrap();
    assert_eq!(imgs[0].layers.len(), 45);
    t.store
        .create_container("deep", Some("localhost/deep"))
        .unwrap();
    let root = t.store.mount("deep").unwrap();
    assert_eq!(fs::read_dir(root.join("layers")).unwrap().count(), 45);
    assert_eq!(read(&root.join("top")), "44\n");
    t.store.delete_container("deep").unwrap();
    assert!(libpod_storage::driver::mounts_under(&t.root()).is_empty());
}

#[test]
fn names_tags_and_gc() {
    if !require_root("names_tags_and_gc") {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Vfs);
    let img = t.store.load(&dir.join("pause.tar")).unwrap().remove(0);
    assert_eq!(
        img.config.entrypoint.as_deref(),
        Some(&["/catatonit".to_string(), "-P".to_string()][..])
    );
    t.store.tag("pause", "quay.io/x/pause:3").unwrap();
    // rmi of one of several names only untags.
    t.store.tag("pause", "localhost/extra:1").unwrap();
    let r = t.store.remove_image("localhost/extra:1", false).unwrap();
    assert!(!r.deleted);
    assert_eq!(r.untagged, vec!["localhost/extra:1"]);
    assert!(t.store.image_exists(&img.id).unwrap());
    t.store.tag(&img.id, "mypause").unwrap();
    assert_eq!(
        t.store
            // A short name goes under localhost/, as `podman tag` puts it.
            .image("localhost/mypause:latest")
            .unwrap()
            .id,
        img.id
    );
    assert_eq!(t.store.image("quay.io/x/pause:3").unwrap().id, img.id);
    t.store.untag(&img.id, "mypause").unwrap();
    assert!(matches!(
        t.store.image("mypause"),
        Err(StoreError::ImageNotFound(_))
    ));
    assert_eq!(t.store.list_images().unwrap().len(), 1);
    // A container without an image, and GC of unused layers.
    t.store.create_container("empty", None).unwrap();
    let r = t.store.mount("empty").unwrap();
    assert_eq!(fs::read_dir(&r).unwrap().count(), 0);
    t.store.create_container("p", Some("pause")).unwrap();
    t.store.remove_image("pause", true).unwrap();
    assert!(!t.store.container_exists("p").unwrap());
    assert!(t.store.gc().unwrap().is_empty());
    t.store.delete_container("empty").unwrap();
    assert!(t.store.layers().unwrap().is_empty());
}

#[test]
fn rootfs_tarball_import_with_changes() {
    if !require_root("rootfs_tarball_import_with_changes") {
        return;
    }
    for driver in DRIVERS {
        let t = TestStore::new(driver);
        let mut l = Layer::default();
        l.file("hello.txt", 0o644, "hi\n");
        l.dir("srv", 0o755);
        let work = t.root().join("w");
        fs::create_dir_all(&work).unwrap();
        let layer = l.write(&work, Compression::Gzip).unwrap();
        let img = t
            .store
            .import_rootfs(
                &layer.blob,
                &RootfsImport {
                    name: Some("localhost/imported:v1".into()),
                    changes: ConfigChanges::parse(&[
                        "CMD [\"/hello\"]".into(),
                        "WORKDIR /srv".into(),
                        "ENV A=b".into(),
                    ])
                    .unwrap(),
                    message: None,
                },
            )
            .unwrap();
        assert_eq!(img.names, vec!["localhost/imported:v1"]);
        assert_eq!(img.diff_ids, vec![layer.diff_id.clone()]);
        assert_eq!(img.config.working_dir.as_deref(), Some("/srv"));
        assert!(img.config.env.unwrap().contains(&"A=b".to_string()));
        t.store.create_container("c", Some("imported:v1")).unwrap();
        let r = t.store.mount("c").unwrap();
        assert_eq!(read(&r.join("hello.txt")), "hi\n");
        t.store.delete_container("c").unwrap();
    }
}

#[test]
fn export_roundtrips_with_stable_ids() {
    if !require_root("export_roundtrips_with_stable_ids") {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Overlay);
    let orig = t.store.load(&dir.join("multilayer-oci")).unwrap().remove(0);
    for (fmt, name) in [
        (ExportFormat::DockerArchive, "out.tar"),
        (ExportFormat::OciDir, "out-oci"),
        (ExportFormat::OciArchive, "out-oci.tar"),
    ] {
        let out = t.root().join(name);
        t.store.save(&["multilayer"], fmt, &out).unwrap();
        let t2 = TestStore::new(DriverKind::Vfs);
        let back = t2.store.load(&out).unwrap().remove(0);
        assert_eq!(back.id, orig.id, "{fmt:?}");
        assert_eq!(back.diff_ids, orig.diff_ids);
        assert_eq!(back.names, vec!["localhost/multilayer:latest"]);
    }
}

#[test]
fn several_images_in_one_docker_archive() {
    if !require_root("several_images_in_one_docker_archive") {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Vfs);
    t.store.load(&dir.join("busybox.tar")).unwrap();
    t.store.load(&dir.join("pause-oci")).unwrap();
    t.store.tag("busybox", "localhost/busybox:other").unwrap();
    let out = t.root().join("two.tar");
    t.store
        .save(
            &["localhost/busybox:latest", "localhost/pause:latest"],
            ExportFormat::DockerArchive,
            &out,
        )
        .unwrap();
    let t2 = TestStore::new(DriverKind::Overlay);
    let imgs = t2.store.load(&out).unwrap();
    assert_eq!(imgs.len(), 2);
    let mut names: Vec<_> = imgs.iter().flat_map(|i| i.names.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        vec!["localhost/busybox:latest", "localhost/pause:latest"]
    );
    // gc after an image removal leaves only what the other image uses.
    t2.store.remove_image("pause", false).unwrap();
    assert_eq!(t2.store.layers().unwrap().len(), 1);
}

#[test]
fn concurrent_imports_from_two_threads_share_the_store() {
    if !require_root("concurrent_imports_from_two_threads_share_the_store") {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Overlay);
    std::thread::scope(|s| {
        let a = s.spawn(|| t.store.load(&dir.join("busybox.tar")).unwrap());
        let b = s.spawn(|| t.store.load(&dir.join("multilayer.tar")).unwrap());
        a.join().unwrap();
        b.join().unwrap();
    });
    assert_eq!(t.store.list_images().unwrap().len(), 2);
    assert_eq!(t.store.layers().unwrap().len(), 3);
}
