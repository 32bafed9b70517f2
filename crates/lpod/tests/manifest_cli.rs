//! `lpod manifest ...` through the real binary: create, add, annotate, inspect, remove,
//! rm, exists, how `images` and `rmi` treat a list (Podman's "bare manifest list" case),
//! the errors for missing lists and images and for images that are not lists, and
//! `manifest push --all` to Debian's docker-registry on 127.0.0.1 with one
//! architecture pulled back into an empty store.

mod common;

use std::path::PathBuf;

use common::Lpod;
use libpod_storage::registry::testing::TestRegistry;

fn image_id(l: &Lpod, name: &str) -> String {
    l.inspect(name, "{{.Id}}")
        .trim_start_matches("sha256:")
        .to_string()
}

fn inspect_json(l: &Lpod, list: &str) -> serde_json::Value {
    let out = l.ok(&["manifest", "inspect", list]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("manifest inspect {list}: {e}: {out}"))
}

fn multilayer_tar() -> PathBuf {
    common::test_image_tar().with_file_name("multilayer.tar")
}

#[test]
fn create_add_inspect_remove_and_rm() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let iid = image_id(&l, &l.image);

    // create prints the id; the list is an image entry of its own, the image stays.
    let id = l.ok_trim(&["manifest", "create", "test:1.0"]);
    assert_eq!(id.len(), 64, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_ne!(id, iid);
    let ids = l.ok(&["images", "--format", "{{.ID}}", "--no-trunc"]);
    assert!(ids.contains(&format!("sha256:{iid}")), "{ids}");
    assert!(ids.contains(&format!("sha256:{id}")), "{ids}");
    let names = l.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(names.contains("localhost/test:1.0"), "{names}");

    // An empty list prints exactly as Podman's.
    assert_eq!(
        l.ok(&["manifest", "inspect", "test:1.0"]),
        "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n    \"manifests\": []\n}\n"
    );
    // By id too.
    assert_eq!(inspect_json(&l, &id)["manifests"], serde_json::json!([]));

    // exists: 0 for a list, 1 for an image that is not one and for nothing.
    assert_eq!(l.run(&["manifest", "exists", "test:1.0"]).code, 0);
    assert_eq!(l.run(&["manifest", "exists", &l.image]).code, 1);
    assert_eq!(l.run(&["manifest", "exists", "nosuchlist"]).code, 1);

    // The same name again: refused; with --amend the same list.
    let dup = l.run(&["manifest", "create", "test:1.0"]);
    dup.assert_error(125, "create duplicate");
    assert!(dup.stderr.contains("already associated"), "{dup:?}");
    assert_eq!(
        l.ok_trim(&["manifest", "create", "--amend", "test:1.0"]),
        id
    );
    // A name an image holds is refused too.
    let taken = l.run(&["manifest", "create", &l.image]);
    taken.assert_error(125, "create over an image's name");

    // add: the image's manifest, platform from its config, overridden by flags.
    let out = l.ok_trim(&[
        "manifest",
        "add",
        "--arch",
        "arm64",
        "--variant",
        "v8",
        "--os-version",
        "7.7.7",
        "--features",
        "sse4",
        "--annotation",
        "org.example=yes",
        "test:1.0",
        &l.image,
    ]);
    assert_eq!(out, id);
    let j = inspect_json(&l, "test:1.0");
    let entries = j["manifests"].as_array().expect("manifests");
    assert_eq!(entries.len(), 1, "{j}");
    let e = &entries[0];
    assert_eq!(e["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert!(e["size"].as_u64().unwrap_or(0) > 0, "{j}");
    let digest = e["digest"].as_str().expect("digest").to_string();
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{j}");
    assert_eq!(e["platform"]["architecture"], "arm64");
    assert_eq!(e["platform"]["os"], "linux");
    assert_eq!(e["platform"]["variant"], "v8");
    assert_eq!(e["platform"]["os.version"], "7.7.7");
    assert_eq!(e["platform"]["features"], serde_json::json!(["sse4"]));

    // annotate changes the entry in place.
    assert_eq!(
        l.ok_trim(&["manifest", "annotate", "--arch", "s390x", "test:1.0", &digest]),
        id
    );
    let j = inspect_json(&l, "test:1.0");
    assert_eq!(j["manifests"][0]["platform"]["architecture"], "s390x");
    assert_eq!(j["manifests"][0]["platform"]["variant"], "v8");

    // Errors: typed and naming what they are about.
    // Not stored locally: looked up on the registries (none configured here).
    let out = l.run(&["manifest", "add", "test:1.0", "nosuchimage"]);
    out.assert_error(125, "add a missing image");
    assert!(out.stderr.contains("\"nosuchimage\""), "{out:?}");
    let out = l.run(&[
        "manifest",
        "add",
        "test:1.0",
        "containers-storage:nosuchimage",
    ]);
    out.assert_error(125, "add a missing local image");
    assert!(
        out.stderr.contains("image not known: nosuchimage"),
        "{out:?}"
    );
    let out = l.run(&["manifest", "add", "nosuchlist", &l.image]);
    out.assert_error(125, "add to a missing list");
    assert!(
        out.stderr.contains("nosuchlist: manifest list not known"),
        "{out:?}"
    );
    let out = l.run(&["manifest", "add", &l.image, &l.image]);
    out.assert_error(125, "add to an image");
    assert!(out.stderr.contains("is not a manifest list"), "{out:?}");
    let out = l.run(&["manifest", "inspect", &l.image]);
    out.assert_error(125, "inspect an image");
    assert!(out.stderr.contains("is not a manifest list"), "{out:?}");
    let out = l.run(&["manifest", "remove", "test:1.0", "notadigest"]);
    out.assert_error(125, "remove a bad digest");
    assert!(out.stderr.contains("invalid image digest"), "{out:?}");
    let other = format!("sha256:{}", "0".repeat(64));
    let out = l.run(&["manifest", "remove", "test:1.0", &other]);
    out.assert_error(125, "remove a digest not in the list");
    assert!(out.stderr.contains(&other), "{out:?}");
    // A list is not an image to run.
    let out = l.run(&["run", "--rm", "test:1.0", "true"]);
    out.assert_error(125, "run a list");
    assert!(out.stderr.contains("is a manifest list"), "{out:?}");

    // remove takes the entry out.
    assert_eq!(l.ok_trim(&["manifest", "remove", "test:1.0", &digest]), id);
    assert_eq!(
        inspect_json(&l, "test:1.0")["manifests"],
        serde_json::json!([])
    );

    // rmi removes the list (as in Podman's bats test), the image stays.
    let out = l.ok(&["rmi", "test:1.0"]);
    assert!(out.contains(&format!("Deleted: {id}")), "{out}");
    let ids = l.ok(&["images", "--format", "{{.ID}}", "--no-trunc"]);
    assert_eq!(ids.trim(), format!("sha256:{iid}"));
    assert_eq!(l.run(&["manifest", "exists", "test:1.0"]).code, 1);

    // manifest rm: lists only.
    let id2 = l.ok_trim(&["manifest", "create", "other"]);
    l.ok(&["manifest", "add", "other", &l.image]);
    let out = l.ok(&["manifest", "rm", "other"]);
    assert_eq!(
        out,
        format!("Untagged: localhost/other:latest\nDeleted: {id2}\n")
    );
    let out = l.run(&["manifest", "rm", &l.image]);
    out.assert_error(125, "manifest rm of an image");
    assert!(out.stderr.contains("is not a manifest list"), "{out:?}");
    assert_eq!(image_id(&l, &l.image), iid, "the image survives");
    let out = l.run(&["manifest", "rm", "other"]);
    out.assert_error(125, "manifest rm of a removed list");
    assert!(out.stderr.contains("manifest list not known"), "{out:?}");

    let check = l.system_check(&[]);
    assert_eq!(check.code, 0, "{:?}", check.findings);
}

#[test]
fn push_all_to_a_registry_and_pull_each_arch_back() {
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let Some(src) = Lpod::with_image() else {
        return;
    };
    let config = format!(
        "default_network_mode = \"none\"\ninsecure_registries = [\"{hp}\"]\nauth_file = \"{auth}\"\n",
        hp = reg.host_port,
        auth = src.dir().join("auth.json").display(),
    );
    std::fs::write(src.config_file(), &config).unwrap();
    src.ok(&["load", "-q", "-i", multilayer_tar().to_str().unwrap()]);
    let busybox = image_id(&src, &src.image);
    let multilayer = image_id(&src, "localhost/multilayer:latest");
    assert_ne!(busybox, multilayer);

    src.ok(&["manifest", "create", "multi"]);
    // busybox for this host's platform, multilayer claimed for arm64 (pull --arch picks it).
    src.ok(&["manifest", "add", "multi", &src.image]);
    src.ok(&[
        "manifest",
        "add",
        "--arch",
        "arm64",
        "multi",
        "localhost/multilayer:latest",
    ]);
    let j = inspect_json(&src, "multi");
    assert_eq!(j["manifests"].as_array().map(Vec::len), Some(2), "{j}");

    let dest = format!("{}/multi:v1", reg.host_port);
    let digestfile = src.dir().join("digest");
    let out = src.run(&[
        "manifest",
        "push",
        "--all",
        "--digestfile",
        digestfile.to_str().unwrap(),
        "multi",
        &format!("docker://{dest}"),
    ]);
    assert_eq!(out.code, 0, "manifest push: {out:?}");
    let digest = std::fs::read_to_string(&digestfile).unwrap();
    assert!(digest.starts_with("sha256:"), "{digest}");
    // The index on the registry is the one pushed.
    let blob = reg.blob_path(&digest);
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&blob).unwrap_or_else(|e| panic!("{}: {e}", blob.display())),
    )
    .unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(index["manifests"][1]["platform"]["architecture"], "arm64");

    // An empty store pulls the host's entry by the list's tag, and arm64's by --arch.
    let dst = Lpod::bare();
    std::fs::create_dir_all(dst.dir()).unwrap();
    std::fs::write(dst.config_file(), &config).unwrap();
    let out = dst.run(&["pull", "-q", &dest]);
    assert_eq!(out.code, 0, "pull host arch: {out:?}");
    assert_eq!(out.stdout.trim(), busybox);
    let out = dst.run(&["pull", "-q", "--arch", "arm64", &dest]);
    assert_eq!(out.code, 0, "pull arm64: {out:?}");
    assert_eq!(out.stdout.trim(), multilayer);
    // And the list by digest.
    let out = dst.run(&[
        "pull",
        "-q",
        "--arch",
        "arm64",
        &format!("{}/multi@{digest}", reg.host_port),
    ]);
    assert_eq!(out.code, 0, "pull by index digest: {out:?}");
    assert_eq!(out.stdout.trim(), multilayer);

    // A list of the registry's entries (by reference, nothing pulled): --all takes
    // every entry, without it the host's; pushed (without --all) next to them.
    let src_digests: Vec<serde_json::Value> = inspect_json(&src, "multi")["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].clone())
        .collect();
    dst.ok(&["manifest", "create", "remote"]);
    dst.ok(&[
        "manifest",
        "add",
        "--all",
        "remote",
        &format!("docker://{dest}"),
    ]);
    let j = inspect_json(&dst, "remote");
    let got: Vec<serde_json::Value> = j["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].clone())
        .collect();
    assert_eq!(got, src_digests, "{j}");
    assert_eq!(j["manifests"][1]["platform"]["architecture"], "arm64");
    dst.ok(&["manifest", "create", "one"]);
    dst.ok(&["manifest", "add", "one", &format!("docker://{dest}")]);
    let j = inspect_json(&dst, "one");
    assert_eq!(j["manifests"].as_array().map(Vec::len), Some(1), "{j}");
    assert_eq!(j["manifests"][0]["digest"], src_digests[0]);
    let copy = format!("{}/multi:copy", reg.host_port);
    let out = dst.run(&["manifest", "push", "remote", &format!("docker://{copy}")]);
    assert_eq!(out.code, 0, "push a list of remote entries: {out:?}");
    let out = dst.run(&["pull", "-q", "--arch", "arm64", &copy]);
    assert_eq!(out.code, 0, "pull the copy: {out:?}");
    assert_eq!(out.stdout.trim(), multilayer);
    // A registry reference that does not exist: the registry's not-found error.
    let out = dst.run(&[
        "manifest",
        "add",
        "one",
        &format!("docker://{}/nosuch:v1", reg.host_port),
    ]);
    out.assert_error(125, "add a missing remote image");
    assert!(out.stderr.contains("nosuch"), "{out:?}");

    // --rm removes the list after the push; a missing list is a clear error.
    let out = src.run(&[
        "manifest",
        "push",
        "--rm",
        "multi",
        &format!("docker://{dest}"),
    ]);
    assert_eq!(out.code, 0, "push --rm: {out:?}");
    assert_eq!(src.run(&["manifest", "exists", "multi"]).code, 1);
    let out = src.run(&["manifest", "push", "multi", &format!("docker://{dest}")]);
    out.assert_error(125, "push a missing list");
    assert!(
        out.stderr.contains("multi: manifest list not known"),
        "{out:?}"
    );
}

#[test]
fn push_to_an_oci_layout() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    l.ok(&["manifest", "create", "lay"]);
    l.ok(&["manifest", "add", "lay", &l.image]);
    let entry = inspect_json(&l, "lay")["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = l.dir().join("layout");
    let digestfile = l.dir().join("digest");
    l.ok(&[
        "manifest",
        "push",
        "--digestfile",
        digestfile.to_str().unwrap(),
        "lay",
        &format!("oci:{}", dir.display()),
    ]);
    let digest = std::fs::read_to_string(&digestfile).unwrap();
    let blob = |d: &str| {
        dir.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(top["manifests"].as_array().map(Vec::len), Some(1), "{top}");
    assert_eq!(top["manifests"][0]["digest"], digest.as_str());
    assert_eq!(
        top["manifests"][0]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(
        top["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "localhost/lay:latest"
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(&digest)).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], entry.as_str());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(&entry)).unwrap()).unwrap();
    for layer in manifest["layers"].as_array().unwrap() {
        assert!(
            blob(layer["digest"].as_str().unwrap()).is_file(),
            "{manifest}"
        );
    }
    assert!(blob(manifest["config"]["digest"].as_str().unwrap()).is_file());
    // Other local transports are refused clearly.
    let out = l.run(&[
        "manifest",
        "push",
        "lay",
        &format!("dir:{}", l.dir().join("d").display()),
    ]);
    out.assert_error(125, "push a list to dir:");
    assert!(
        out.stderr.contains("docker://") && out.stderr.contains("oci:"),
        "{out:?}"
    );
}
