//! `run --rootfs DIR:O` as a Podman user meets it (issue 14): the first argument is a
//! root file system directory, not an image; the container runs on an overlay of it,
//! its changes are its own and the directory stays unchanged; inspect shows no image
//! digest. A directory without `:O` (Podman's in-place mode) and a missing one are
//! refused with clear errors. Real crun under real conmon.

mod common;

use common::Lpod;

#[test]
fn run_rootfs_overlay_runs_on_a_directory_and_leaves_it_unchanged() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();

    // A plain directory holding an exploded root file system.
    let mnt = l.ok(&["image", "mount", &img]).trim().to_string();
    let dir = l.dir().join("exploded");
    let cp = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{mnt}/."))
        .arg(&dir)
        .status()
        .expect("run cp");
    assert!(cp.success(), "copy the image's tree");
    let arg = format!("{}:O", dir.display());
    let out = l.ok(&[
        "run",
        "--name",
        "onroot",
        "--rootfs",
        &arg,
        "sh",
        "-c",
        "echo written > /fresh && cat /fresh && cat /etc/hostname >/dev/null && echo ok",
    ]);
    assert_eq!(out, "written\nok\n");
    assert!(!dir.join("fresh").exists(), "the directory is not written");
    assert_eq!(l.inspect("onroot", "{{.ImageDigest}}"), "");
    assert_eq!(l.inspect("onroot", "{{.ImageName}}"), "");
    // It starts again on the same overlay.
    l.ok(&["start", "onroot"]);
    l.ok(&["wait", "onroot"]);
    assert!(l.ok(&["logs", "onroot"]).contains("written"));
    l.ok(&["rm", "-f", "-t", "0", "onroot"]);

    // The image's own mount works as the directory (Podman's system test does this).
    let arg = format!("{mnt}:O");
    let out = l.ok(&["run", "--rm", "--rootfs", &arg, "echo", "Hello world"]);
    assert_eq!(out.trim(), "Hello world");
    l.ok(&["image", "unmount", &img]);
    assert!(
        l.mounts().iter().all(|m| !m.starts_with(&mnt)),
        "no mount left under the image mount"
    );
}

#[test]
fn run_rootfs_refuses_in_place_mode_and_missing_directories() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let dir = l.dir().join("empty-root");
    std::fs::create_dir(&dir).expect("mkdir");
    let plain = dir.display().to_string();
    let out = l.run(&["run", "--rm", "--rootfs", &plain, "true"]);
    out.assert_error(125, "--rootfs without :O");
    assert!(out.stderr.contains("DIR:O"), "{out:?}");

    let missing = format!("{}:O", l.dir().join("nope").display());
    let out = l.run(&["create", "--rootfs", &missing, "true"]);
    out.assert_error(125, "--rootfs of a missing directory");
    assert!(out.stderr.contains("rootfs"), "{out:?}");
    assert!(l.ps_all().is_empty(), "nothing was created");
}
