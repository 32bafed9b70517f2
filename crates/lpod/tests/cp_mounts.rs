//! `cp` into and out of a container's mounts (Podman's 065-cp.bats cases): a running
//! container is copied through its own mount namespace (its volumes, binds and tmpfs
//! mounts), a stopped or created one through its volumes' and binds' host directories.
//! Real crun under real conmon, real mounts, a private root and run root.

mod common;

use std::path::PathBuf;

use common::Lpod;

fn mountpoint(l: &Lpod, name: &str) -> PathBuf {
    PathBuf::from(l.ok_trim(&["volume", "inspect", "--format", "{{.Mountpoint}}", name]))
}

#[test]
fn cp_into_a_running_containers_tmpfs_and_a_created_ones() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let src = l.dir().join("file");
    std::fs::write(&src, "tmpfs content\n").unwrap();
    let s = src.to_str().unwrap();
    // Running: the copy lands in the tmpfs the container sees.
    l.ok(&[
        "run",
        "-d",
        "--mount",
        "type=tmpfs,dst=/tmp",
        "--name",
        "r",
        &img,
        "sleep",
        "1000",
    ]);
    l.ok(&["cp", s, "r:/tmp"]);
    assert_eq!(
        l.ok_trim(&["exec", "r", "cat", "/tmp/file"]),
        "tmpfs content"
    );
    // And back out of it.
    let back = l.dir().join("back");
    l.ok(&["cp", "r:/tmp/file", back.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "tmpfs content\n");
    l.ok(&["rm", "-f", "-t", "0", "r"]);
    // Created: the copy lands below the tmpfs, which gets it at start (tmpcopyup).
    l.ok(&[
        "create",
        "--mount",
        "type=tmpfs,dst=/tmp",
        "--name",
        "c",
        &img,
        "sleep",
        "1000",
    ]);
    l.ok(&["cp", s, "c:/tmp"]);
    l.ok(&["start", "c"]);
    assert_eq!(
        l.ok_trim(&["exec", "c", "cat", "/tmp/file"]),
        "tmpfs content"
    );
    l.ok(&["rm", "-f", "-t", "0", "c"]);
}

#[test]
fn cp_into_a_created_containers_nested_volumes_and_bind_mounts() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let src = l.dir().join("hostfile");
    std::fs::write(&src, "This file should be in volume2\n").unwrap();
    let s = src.to_str().unwrap();
    l.ok(&["volume", "create", "volume1"]);
    l.ok(&["volume", "create", "volume2"]);
    let (m1, m2) = (mountpoint(&l, "volume1"), mountpoint(&l, "volume2"));
    // volume2 is mounted below volume1: the deeper one wins.
    l.ok(&[
        "create",
        "--name",
        "c",
        "-v",
        "volume1:/tmp/volume",
        "-v",
        "volume2:/tmp/volume/sub-volume",
        &img,
    ]);
    l.ok(&["cp", s, "c:/tmp/volume/sub-volume"]);
    assert_eq!(
        std::fs::read_to_string(m2.join("hostfile")).unwrap(),
        "This file should be in volume2\n"
    );
    assert_eq!(std::fs::read_dir(&m1).unwrap().count(), 0, "volume1 empty");
    // Out of a volume of a created container.
    let out = l.dir().join("out");
    l.ok(&[
        "cp",
        "c:/tmp/volume/sub-volume/hostfile",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "This file should be in volume2\n"
    );
    l.ok(&["rm", "c"]);
    // A bind mount on a volume.
    let mdir = l.dir().join("mountdir");
    std::fs::create_dir(&mdir).unwrap();
    let bind = format!("{}:/tmp/volume/mount", mdir.display());
    l.ok(&[
        "create",
        "--name",
        "c2",
        "-v",
        "volume1:/tmp/volume",
        "-v",
        &bind,
        &img,
    ]);
    l.ok(&["cp", s, "c2:/tmp/volume/mount"]);
    assert!(
        mdir.join("hostfile").is_file(),
        "copied into the bind source"
    );
    assert!(!m1.join("mount/hostfile").exists(), "not into the volume");
    // A symlink inside the bind source cannot lead out of it.
    std::os::unix::fs::symlink("/etc", mdir.join("escape")).unwrap();
    let canary = l.dir().join("canary");
    std::fs::create_dir(&canary).unwrap();
    std::os::unix::fs::symlink(&canary, mdir.join("abs")).unwrap();
    l.run(&["cp", s, "c2:/tmp/volume/mount/abs/"]);
    l.run(&["cp", s, "c2:/tmp/volume/mount/escape/x"]);
    assert_eq!(
        std::fs::read_dir(&canary).unwrap().count(),
        0,
        "wrote through a symlink to the host"
    );
    assert!(!std::path::Path::new("/etc/x").exists());
    l.ok(&["rm", "c2"]);
}

#[test]
fn cp_into_a_running_containers_volume() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let src = l.dir().join("f");
    std::fs::write(&src, "in the volume\n").unwrap();
    l.ok(&[
        "run",
        "-d",
        "--name",
        "r",
        "-v",
        "data:/data",
        &img,
        "sleep",
        "1000",
    ]);
    l.ok(&["cp", src.to_str().unwrap(), "r:/data/"]);
    assert_eq!(
        std::fs::read_to_string(mountpoint(&l, "data").join("f")).unwrap(),
        "in the volume\n"
    );
    l.ok(&["rm", "-f", "-t", "0", "r"]);
}
