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
    // Podman's --pause=false is accepted (lpod never pauses).
    l.ok(&["cp", "--pause=false", src.to_str().unwrap(), "r:/data/"]);
    assert_eq!(
        std::fs::read_to_string(mountpoint(&l, "data").join("f")).unwrap(),
        "in the volume\n"
    );
    l.ok(&["rm", "-f", "-t", "0", "r"]);
}

#[test]
fn cp_overwrite_archive_flag_and_errors_as_podman() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&[
        "run",
        "-d",
        "--name",
        "f",
        &img,
        "sh",
        "-c",
        "echo file > /tmp/foo; sleep 1000",
    ]);
    l.ok(&[
        "run",
        "-d",
        "--name",
        "d",
        &img,
        "sh",
        "-c",
        "mkdir /tmp/foo; echo dir > /tmp/foo/file.txt; sleep 1000",
    ]);
    // A directory over a file: refused with Podman's words, then --overwrite does it.
    let out = l.run(&["cp", "d:/tmp/foo", "f:/tmp"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(
        out.stderr.contains("error creating \"/tmp/foo\"") && out.stderr.contains("file exists"),
        "{out:?}"
    );
    l.ok(&["cp", "--overwrite", "d:/tmp/foo", "f:/tmp"]);
    assert_eq!(l.ok_trim(&["exec", "f", "cat", "/tmp/foo/file.txt"]), "dir");
    // Into the host: the error names the entry from the destination directory.
    let host = l.dir().join("h");
    std::fs::create_dir_all(host.join("foo")).unwrap();
    let out = l.run(&[
        "cp",
        "d:/tmp/foo/file.txt",
        host.join("foo/file.txt/").to_str().unwrap(),
    ]);
    assert_ne!(out.code, 0);
    std::fs::write(host.join("x"), "").unwrap();
    let out = l.run(&["cp", "d:/tmp/foo", host.join("x").to_str().unwrap()]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(
        out.stderr
            .contains("destination must be a directory when copying a directory"),
        "{out:?}"
    );
    std::fs::remove_dir_all(host.join("foo")).unwrap();
    std::fs::write(host.join("foo"), "").unwrap();
    let out = l.run(&["cp", "d:/tmp/foo", host.to_str().unwrap()]);
    assert!(out.stderr.contains("error creating \"/foo\""), "{out:?}");
    l.ok(&["cp", "--overwrite", "d:/tmp/foo", host.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(host.join("foo/file.txt")).unwrap(),
        "dir\n"
    );
    // Podman's -a=false: the archive's owners are kept.
    let t = l.dir().join("a.tar");
    {
        let mut b = tar::Builder::new(std::fs::File::create(&t).unwrap());
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(0);
        h.set_uid(1042);
        h.set_gid(1043);
        b.append_data(&mut h, "a.txt", std::io::empty()).unwrap();
        b.finish().unwrap();
    }
    let mut c = l.cmd(&["cp", "-a=false", "-", "d:/tmp/"]);
    c.stdin(std::fs::File::open(&t).unwrap());
    let out = common::run_bounded(c, &["cp", "-a=false"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        l.ok_trim(&["exec", "d", "stat", "-c", "%u:%g", "/tmp/a.txt"]),
        "1042:1043"
    );
    l.ok(&["rm", "-f", "-t", "0", "f", "d"]);
}
