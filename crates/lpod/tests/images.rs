//! Images through the real `lpod` binary: load, images, tag, save, rmi, import.

mod common;

use common::Lpod;

#[test]
fn images_table_json_and_quiet() {
    let Some(l) = Lpod::with_image() else { return };
    let table = l.ok(&["images"]);
    let mut lines = table.lines();
    let header = lines.next().unwrap_or_default();
    for col in ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"] {
        assert!(header.contains(col), "{header}");
    }
    let row = lines.next().unwrap_or_default();
    assert!(row.contains("busybox"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&l.ok(&["images", "--format", "json"])).expect("json");
    let id = json[0]["Id"]
        .as_str()
        .expect("Id")
        .trim_start_matches("sha256:")
        .to_string();
    assert_eq!(l.ok(&["images", "-q"]).trim(), &id[..12]);
}

#[test]
fn tag_save_rmi_load_roundtrip() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["tag", &l.image, "localhost/copy:v1"]);
    assert!(l.ok(&["images"]).contains("localhost/copy"));
    for format in ["docker-archive", "oci-archive", "oci-dir"] {
        let out = l.dir().join(format!("saved-{format}"));
        l.ok(&[
            "save",
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
            "localhost/copy:v1",
        ]);
        assert!(out.exists(), "{format}");
    }
    l.ok(&["rmi", "localhost/copy:v1"]);
    assert!(!l.ok(&["images"]).contains("localhost/copy"));
    let archive = l.dir().join("saved-docker-archive");
    l.ok(&["load", "-i", archive.to_str().unwrap()]);
    assert!(l.ok(&["images"]).contains("localhost/copy"));
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "localhost/copy:v1",
        "echo",
        "ok",
    ]);
    assert_eq!(out, "ok\n");
}

#[test]
fn rmi_in_use_needs_force() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["create", "--name", "user", &l.image, "true"]);
    // Podman's exit codes: 2 for an image in use, 1 for an unknown image.
    l.run(&["rmi", &l.image]).assert_error(2, "rmi in use");
    l.ok(&["rmi", "-f", &l.image]);
    assert!(l.ps_all().is_empty(), "rmi -f removed the container");
    assert_eq!(l.ok(&["images", "-q"]), "");
    l.run(&["rmi", "nosuchimage"])
        .assert_error(1, "rmi unknown");
}

#[test]
fn import_a_rootfs_tarball() {
    let Some(l) = Lpod::with_image() else { return };
    // A root filesystem made of the host's static busybox.
    let rootfs = l.dir().join("rootfs");
    std::fs::create_dir_all(rootfs.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", rootfs.join("bin/busybox")).expect("busybox-static");
    std::os::unix::fs::symlink("busybox", rootfs.join("bin/sh")).unwrap();
    let tarball = l.dir().join("rootfs.tar");
    let st = std::process::Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .expect("tar");
    assert!(st.success());
    let id = l.ok(&[
        "import",
        "-c",
        r#"CMD ["/bin/sh","-c","echo imported $GREETING"]"#,
        "-c",
        "ENV GREETING=hello",
        tarball.to_str().unwrap(),
        "localhost/imported:latest",
    ]);
    assert!(!id.trim().is_empty());
    let out = l.ok(&["run", "--rm", "--network", "none", "localhost/imported"]);
    assert_eq!(out, "imported hello\n");
}

#[test]
fn system_reset_removes_everything() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&[
        "run",
        "-d",
        "--name",
        "r",
        "--network",
        "none",
        &l.image,
        "sleep",
        "600",
    ]);
    l.ok(&["system", "reset", "--force"]);
    assert!(l.mounts().is_empty(), "{:?}", l.mounts());
    assert!(l.conmons().is_empty(), "{:?}", l.conmons());
    let left: Vec<_> = std::fs::read_dir(&l.root)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left under the root: {left:?}");
    assert!(l.ps_all().is_empty());
}
