//! Registry system tests against a real `docker-registry` on 127.0.0.1 (plain HTTP and
//! TLS + htpasswd), with real stores (root: overlay).

mod common;

use common::{image_dir, require_root, TestStore};
use libpod_storage::archive::{write_oci_layout, Compression, ExportImage, MEDIA_OCI_INDEX};
use libpod_storage::registry::testing::TestRegistry;
use libpod_storage::registry::{
    login, logout, Credentials, Platform, ProgressEvent, RegistryError, RegistryOptions,
};
use libpod_storage::testimage::{config, Layer};
use libpod_storage::{DriverKind, Store};
use std::sync::Mutex;

fn quiet(_: ProgressEvent) {}

/// A store with busybox loaded from the hermetic test image.
fn seeded() -> TestStore {
    let t = TestStore::new(DriverKind::Overlay);
    t.store.load(&image_dir().join("busybox.tar")).unwrap();
    t
}

fn image_count(s: &Store) -> usize {
    s.list_images().unwrap().len()
}

/// Pushes busybox to `reg` as `repo:tag`; returns the manifest digest.
fn push_busybox(reg: &TestRegistry, opts: &RegistryOptions, repo_tag: &str) -> String {
    let seed = seeded();
    seed.store
        .push(
            "localhost/busybox:latest",
            Some(&reg.reference(repo_tag)),
            opts,
            &quiet,
        )
        .unwrap()
}

#[test]
fn push_then_pull_by_tag_and_digest_then_mount() {
    if !require_root("push_then_pull_by_tag_and_digest_then_mount") {
        return;
    }
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let opts = reg.options();
    let seed = seeded();
    let events = Mutex::new(Vec::new());
    let digest = seed
        .store
        .push(
            "busybox",
            Some(&format!("docker://{}", reg.reference("lpod/busybox:1"))),
            &opts,
            &|e| events.lock().unwrap().push(e),
        )
        .unwrap();
    assert!(digest.starts_with("sha256:"));
    let ev = events.into_inner().unwrap();
    assert!(ev
        .iter()
        .any(|e| matches!(e, ProgressEvent::LayerStart { .. })));
    // Pushing again: every blob is already there.
    let again = Mutex::new(Vec::new());
    seed.store
        .push(
            "busybox",
            Some(&reg.reference("lpod/busybox:1")),
            &opts,
            &|e| again.lock().unwrap().push(e),
        )
        .unwrap();
    assert!(!again
        .into_inner()
        .unwrap()
        .iter()
        .any(|e| matches!(e, ProgressEvent::LayerStart { .. })));
    let local = seed.store.image("busybox").unwrap();
    assert!(local.digests.contains(&digest));

    // Pull by tag into a fresh store.
    let t = TestStore::new(DriverKind::Overlay);
    let name = reg.reference("lpod/busybox:1");
    let pulled = t.store.pull(&name, &opts, &quiet).unwrap();
    assert_eq!(pulled.image.id, local.id);
    assert_eq!(pulled.manifest_digest, digest);
    assert_eq!(pulled.reference, name);
    assert_eq!(pulled.image.names, vec![name.clone()]);
    let repo = reg.reference("lpod/busybox");
    assert_eq!(pulled.image.repo_digests, vec![format!("{repo}@{digest}")]);
    let c = t.store.create_container("regctr", Some(&name)).unwrap();
    let root = t.store.mount(&c.id).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("www/index.html")).unwrap(),
        "hello from lpod\n"
    );
    t.store.unmount(&c.id, false).unwrap();
    t.store.delete_container(&c.id).unwrap();

    // Second pull: nothing downloaded.
    let ev2 = Mutex::new(Vec::new());
    t.store
        .pull(&name, &opts, &|e| ev2.lock().unwrap().push(e))
        .unwrap();
    let ev2 = ev2.into_inner().unwrap();
    assert!(ev2
        .iter()
        .any(|e| matches!(e, ProgressEvent::LayerSkipped { .. })));
    assert!(!ev2
        .iter()
        .any(|e| matches!(e, ProgressEvent::LayerStart { .. })));

    // Pull by digest into another fresh store; the store resolves repo@digest.
    let t2 = TestStore::new(DriverKind::Vfs);
    let by_digest = format!("{repo}@{digest}");
    let p2 = t2.store.pull(&by_digest, &opts, &quiet).unwrap();
    assert_eq!(p2.image.id, local.id);
    assert_eq!(t2.store.image(&by_digest).unwrap().id, local.id);
    // An unknown tag names the reference.
    match t2
        .store
        .pull(&reg.reference("lpod/busybox:nope"), &opts, &quiet)
    {
        Err(RegistryError::NotFound { reference }) => assert!(reference.contains("nope")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tls_htpasswd_login_and_pull() {
    if !require_root("tls_htpasswd_login_and_pull") {
        return;
    }
    let Some(reg) = TestRegistry::tls_htpasswd("lpod", "s3cret") else {
        return;
    };
    let auth_dir = tempfile::tempdir().unwrap();
    let auth_file = auth_dir.path().join("auth.json");
    let mut opts = reg.options();
    opts.auth_file = Some(auth_file.clone());
    let good = Credentials {
        username: "lpod".into(),
        password: "s3cret".into(),
    };
    let bad = Credentials {
        username: "lpod".into(),
        password: "wrong".into(),
    };
    match login(&reg.host_port, &bad, &opts) {
        Err(RegistryError::Unauthorized { registry }) => assert_eq!(registry, reg.host_port),
        other => panic!("{other:?}"),
    }
    assert!(!auth_file.exists());
    // Push without credentials: refused.
    let seed = seeded();
    match seed.store.push(
        "busybox",
        Some(&reg.reference("sec/busybox")),
        &opts,
        &quiet,
    ) {
        Err(RegistryError::Unauthorized { registry }) => assert_eq!(registry, reg.host_port),
        other => panic!("{other:?}"),
    }
    assert_eq!(login(&reg.host_port, &good, &opts).unwrap(), auth_file);
    seed.store
        .push(
            "busybox",
            Some(&reg.reference("sec/busybox")),
            &opts,
            &quiet,
        )
        .unwrap();
    let t = TestStore::new(DriverKind::Overlay);
    let p = t
        .store
        .pull(&reg.reference("sec/busybox"), &opts, &quiet)
        .unwrap();
    assert_eq!(p.image.names, vec![reg.reference("sec/busybox:latest")]);
    // No CA: the TLS error names the registry.
    let mut no_ca = opts.clone();
    no_ca.certs_dir = None;
    match t.store.pull(&reg.reference("sec/busybox"), &no_ca, &quiet) {
        Err(e @ RegistryError::Tls { .. }) => assert!(e.to_string().contains(&reg.host_port)),
        other => panic!("{other:?}"),
    }
    // --tls-verify=false works without the CA.
    no_ca.tls_verify = Some(false);
    TestStore::new(DriverKind::Vfs)
        .store
        .pull(&reg.reference("sec/busybox"), &no_ca, &quiet)
        .unwrap();
    assert!(logout(&reg.host_port, Some(&auth_file)).unwrap());
    match t.store.pull(&reg.reference("sec/busybox"), &opts, &quiet) {
        Err(RegistryError::Unauthorized { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn short_names_resolve_through_search_registries() {
    if !require_root("short_names_resolve_through_search_registries") {
        return;
    }
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let mut opts = reg.options();
    push_busybox(&reg, &opts, "busybox:latest");
    let t = TestStore::new(DriverKind::Vfs);
    match t.store.pull("busybox", &opts, &quiet) {
        Err(e @ RegistryError::NoSearchRegistries { .. }) => {
            assert!(e.to_string().contains("busybox"))
        }
        other => panic!("{other:?}"),
    }
    opts.unqualified_search = vec![reg.host_port.clone(), "quay.io".into()];
    match t.store.pull("busybox", &opts, &quiet) {
        Err(RegistryError::ShortNameAmbiguous { candidates, .. }) => {
            assert_eq!(candidates[0], reg.reference("busybox:latest"))
        }
        other => panic!("{other:?}"),
    }
    opts.unqualified_search = vec![reg.host_port.clone()];
    let p = t.store.pull("busybox", &opts, &quiet).unwrap();
    assert_eq!(p.reference, reg.reference("busybox:latest"));
}

#[test]
fn platform_selection_from_an_index() {
    if !require_root("platform_selection_from_an_index") {
        return;
    }
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let opts = reg.options();
    let seed = seeded();
    let amd = seed
        .store
        .push(
            "busybox",
            Some(&reg.reference("multi:amd64")),
            &opts,
            &quiet,
        )
        .unwrap();
    // An arm64 variant: same layers, config saying arm64.
    let ex: ExportImage = seed.store.export_image("busybox").unwrap();
    let mut cfg: serde_json::Value = serde_json::from_slice(&ex.config).unwrap();
    cfg["architecture"] = "arm64".into();
    cfg["variant"] = "v8".into();
    let arm = ExportImage {
        names: vec![],
        config: serde_json::to_vec(&cfg).unwrap(),
        layers: ex.layers.clone(),
    };
    reg.upload_blob("multi", &arm.config);
    let arm_manifest = arm.oci_manifest();
    let arm_digest = reg.upload_manifest(
        "multi",
        "arm64",
        "application/vnd.oci.image.manifest.v1+json",
        &arm_manifest,
    );
    let amd_len = {
        let t = TestStore::new(DriverKind::Vfs);
        t.store
            .pull(&reg.reference("multi:amd64"), &opts, &quiet)
            .unwrap();
        ex.oci_manifest().len()
    };
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_OCI_INDEX,
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd, "size": amd_len,
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm_digest, "size": arm_manifest.len(),
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        ],
    });
    reg.upload_manifest(
        "multi",
        "latest",
        MEDIA_OCI_INDEX,
        &serde_json::to_vec(&index).unwrap(),
    );
    let t = TestStore::new(DriverKind::Overlay);
    let host = t
        .store
        .pull(&reg.reference("multi"), &opts, &quiet)
        .unwrap();
    assert_eq!(host.manifest_digest, amd);
    assert_eq!(host.image.architecture.as_deref(), Some("amd64"));
    let mut o = opts.clone();
    o.platform = Platform::parse("linux/arm64");
    let a = t.store.pull(&reg.reference("multi"), &o, &quiet).unwrap();
    assert_eq!(a.manifest_digest, arm_digest);
    assert_eq!(a.image.architecture.as_deref(), Some("arm64"));
    o.platform = Platform::parse("linux/s390x");
    match t.store.pull(&reg.reference("multi"), &o, &quiet) {
        Err(RegistryError::NoMatchingPlatform {
            platform,
            available,
            ..
        }) => {
            assert_eq!(platform, "linux/s390x");
            assert_eq!(available, vec!["linux/amd64", "linux/arm64/v8"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn corrupted_blob_on_the_registry_is_rejected() {
    if !require_root("corrupted_blob_on_the_registry_is_rejected") {
        return;
    }
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let opts = reg.options();
    push_busybox(&reg, &opts, "bad:latest");
    let seed = seeded();
    let ex = seed.store.export_image("busybox").unwrap();
    let layer = &ex.layers[0];
    let on_disk = reg.blob_path(&layer.digest);
    let mut bytes = std::fs::read(&on_disk).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&on_disk, &bytes).unwrap();
    let t = TestStore::new(DriverKind::Overlay);
    match t.store.pull(&reg.reference("bad"), &opts, &quiet) {
        Err(RegistryError::DigestMismatch { digest, .. }) => assert_eq!(digest, layer.digest),
        other => panic!("{other:?}"),
    }
    assert_eq!(image_count(&t.store), 0);
    assert!(t.store.layers().unwrap().is_empty());
    let blobs = std::fs::read_dir(t.store.graph_root().join("blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(blobs, 0);
    let tmp = std::fs::read_dir(t.store.graph_root().join("tmp"))
        .unwrap()
        .count();
    assert_eq!(tmp, 0, "staging left behind");
}

/// Builds a one-layer image with ~40 MB of random bytes in an OCI layout and loads it.
fn big_image(t: &TestStore) -> String {
    use rand::RngCore;
    let work = t.tmp.path().join("big-work");
    std::fs::create_dir_all(&work).unwrap();
    let mut data = vec![0u8; 40 << 20];
    rand::thread_rng().fill_bytes(&mut data);
    let mut l = Layer::default();
    l.file("big/random.bin", 0o644, data);
    let layer = l.write(&work, Compression::None).unwrap();
    let cfg = config(std::slice::from_ref(&layer), serde_json::json!({}), "big");
    let img = ExportImage {
        names: vec!["localhost/big:latest".into()],
        config: cfg,
        layers: vec![layer],
    };
    let layout = t.tmp.path().join("big-oci");
    write_oci_layout(&layout, &[img]).unwrap();
    t.store.load(&layout).unwrap()[0].id.clone()
}

#[test]
fn registry_killed_mid_pull_then_later_pull_succeeds() {
    if !require_root("registry_killed_mid_pull_then_later_pull_succeeds") {
        return;
    }
    let Some(mut reg) = TestRegistry::http() else {
        return;
    };
    let opts = reg.options();
    let seed = TestStore::new(DriverKind::Vfs);
    let id = big_image(&seed);
    seed.store
        .push(&id, Some(&reg.reference("big")), &opts, &quiet)
        .unwrap();
    let t = TestStore::new(DriverKind::Overlay);
    let pid = reg.pid().unwrap();
    let killed = std::sync::atomic::AtomicBool::new(false);
    let r = t.store.pull(&reg.reference("big"), &opts, &|e| {
        if let ProgressEvent::LayerBytes { done, .. } = e {
            if done > 1 << 20 && !killed.swap(true, std::sync::atomic::Ordering::SeqCst) {
                // SAFETY: kill(2) on the pid of the registry this test started.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
        }
    });
    match r {
        Err(e @ RegistryError::Connect { .. }) => assert!(e.to_string().contains(&reg.host_port)),
        other => panic!("{other:?}"),
    }
    assert!(killed.into_inner());
    assert_eq!(image_count(&t.store), 0);
    assert!(t.store.layers().unwrap().is_empty());
    reg.restart();
    let p = t.store.pull(&reg.reference("big"), &opts, &quiet).unwrap();
    assert_eq!(p.image.id, id);
}
