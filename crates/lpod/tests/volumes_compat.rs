//! Volume behaviours Podman's own system tests (160-volumes.bats) check, through the
//! real `lpod` binary: real crun under real conmon, real mounts, a private root and run
//! root. Each test guards one fix.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use common::Lpod;

fn inspect_volume(l: &Lpod, name: &str, template: &str) -> String {
    l.ok_trim(&["volume", "inspect", "--format", template, name])
}

fn mountpoint(l: &Lpod, name: &str) -> PathBuf {
    PathBuf::from(inspect_volume(l, name, "{{.Mountpoint}}"))
}

fn mounted(path: &std::path::Path) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(path.to_str().unwrap_or("")))
}

/// Runs lpod with `input` on stdin; returns (exit code, stdout, stderr).
fn run_with_stdin(l: &Lpod, args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut c = l.cmd(args);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn lpod");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait lpod");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn volume_rm_force_of_a_missing_volume_is_silent() {
    let Some(l) = Lpod::with_image() else { return };
    let out = l.run(&["volume", "rm", "bogus"]);
    out.assert_error(1, "volume rm of a missing volume");
    assert!(
        out.stderr
            .contains("no volume with name \"bogus\" found: no such volume"),
        "{out:?}"
    );
    let out = l.run(&["volume", "rm", "--force", "bogus"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
}

#[test]
fn volume_ls_name_filter_is_a_regular_expression() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["volume", "create", "volume_1_x"]);
    l.ok(&["volume", "create", "volume_2_x"]);
    let ls = |f: &str| l.ok_trim(&["volume", "ls", "--filter", f, "--format", "{{.Name}}"]);
    assert_eq!(ls("name=volume_1.+"), "volume_1_x");
    // `_1*` is a regular expression (zero or more 1s), not a glob: both match.
    assert_eq!(ls("name=volume_1*"), "volume_1_x\nvolume_2_x");
    assert_eq!(ls("name=^volume_2"), "volume_2_x");
    l.run(&["volume", "ls", "--filter", "name=("])
        .assert_error(125, "a bad regular expression");
}

#[test]
fn volume_prune_without_force_lists_what_it_would_remove_and_asks() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    for v in ["v1", "v4"] {
        l.ok(&["volume", "create", v]);
    }
    for v in ["v5", "v6"] {
        l.ok(&["volume", "create", "--label", "mylabel", v]);
    }
    l.ok(&["create", "--name", "c1", "-v", "v1:/vol1", &img, "true"]);
    let (code, out, _) = run_with_stdin(&l, &["volume", "prune"], b"N\n");
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("WARNING! This will remove all volumes"),
        "{out}"
    );
    assert_eq!(lines[1..4], ["v4", "v5", "v6"], "{out}");
    assert!(lines[4].starts_with("Are you sure"), "{out}");
    // The filter narrows the list.
    let (_, out, _) = run_with_stdin(
        &l,
        &["volume", "prune", "--filter", "label=mylabel"],
        b"N\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1..3], ["v5", "v6"], "{out}");
    // N removed nothing.
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), "v1\nv4\nv5\nv6");
    // y removes those of the filter only.
    let (code, out, _) = run_with_stdin(
        &l,
        &["volume", "prune", "--filter", "label=mylabel"],
        b"y\n",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), "v1\nv4");
    l.ok(&["rm", "c1"]);
}

#[test]
fn volume_export_and_import_round_trip() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&["volume", "create", "my_vol"]);
    l.ok(&[
        "run",
        "--rm",
        "-v",
        "my_vol:/data",
        &img,
        "sh",
        "-c",
        "echo hello > /data/test; mkdir /data/d; ln -s /etc/passwd /data/d/link",
    ]);
    l.ok(&["volume", "create", "my_vol2"]);
    let tar = l.dir().join("vol.tar");
    l.ok(&[
        "volume",
        "export",
        "my_vol",
        "--output",
        tar.to_str().unwrap(),
    ]);
    let data = std::fs::read(&tar).unwrap();
    let (code, out, err) = run_with_stdin(&l, &["volume", "import", "my_vol2", "-"], &data);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(
        l.ok_trim(&[
            "run",
            "--rm",
            "-v",
            "my_vol2:/data",
            &img,
            "cat",
            "/data/test"
        ]),
        "hello"
    );
    // The symlink came over as a link, never followed on the host.
    let mp2 = mountpoint(&l, "my_vol2");
    assert_eq!(
        std::fs::read_link(mp2.join("d/link")).unwrap(),
        PathBuf::from("/etc/passwd")
    );
    // From a file, and a missing volume is an error naming it.
    l.ok(&["volume", "create", "my_vol3"]);
    l.ok(&["volume", "import", "my_vol3", tar.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(mountpoint(&l, "my_vol3").join("test")).unwrap(),
        "hello\n"
    );
    let out = l.run(&["volume", "export", "nope", "-o", tar.to_str().unwrap()]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("nope"), "{out:?}");
}

#[test]
fn volume_mount_and_unmount() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    // A plain volume: mount prints its data directory.
    l.ok(&["volume", "create", "plain"]);
    let mnt = PathBuf::from(l.ok_trim(&["volume", "mount", "plain"]));
    assert_eq!(mnt, mountpoint(&l, "plain"));
    std::fs::write(mnt.join("f"), "text").unwrap();
    assert_eq!(
        l.ok_trim(&["run", "--rm", "-v", "plain:/vol:z", &img, "cat", "/vol/f"]),
        "text"
    );
    assert_eq!(l.ok_trim(&["volume", "unmount", "plain"]), "plain");
    // A tmpfs volume: its filesystem is mounted until the unmount, even across a
    // container's use.
    l.ok(&[
        "volume",
        "create",
        "-o",
        "type=tmpfs",
        "-o",
        "device=tmpfs",
        "tv",
    ]);
    let mnt = PathBuf::from(l.ok_trim(&["volume", "mount", "tv"]));
    assert!(mounted(&mnt), "tmpfs volume mounted");
    l.ok(&["run", "--rm", "-v", "tv:/vol", &img, "true"]);
    assert!(mounted(&mnt), "still mounted after a container used it");
    l.ok(&["volume", "unmount", "tv"]);
    assert!(!mounted(&mnt), "unmounted");
    // Unmount again: not mounted by volume mount.
    let out = l.run(&["volume", "unmount", "tv"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("tv"), "{out:?}");
}

#[test]
fn bind_volume_checks_its_device_and_binds_it() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let out = l.run(&[
        "volume",
        "create",
        "-o",
        "type=bind",
        "-o",
        "device=/bogus",
        "bv",
    ]);
    out.assert_error(125, "bind volume with a missing device");
    assert!(
        out.stderr.contains(
            "invalid volume option device for driver 'local': stat /bogus: no such file or directory"
        ),
        "{out:?}"
    );
    let dir = l.dir().join("bindsrc");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("myfile"), "in the host dir").unwrap();
    let dev = format!("device={}", dir.display());
    l.ok(&["volume", "create", "-o", "type=bind", "-o", &dev, "bv"]);
    assert_eq!(
        l.ok_trim(&["run", "--rm", "-v", "bv:/vol:z", &img, "cat", "/vol/myfile"]),
        "in the host dir"
    );
    let mp = mountpoint(&l, "bv");
    assert!(!mounted(&mp), "unmounted after the last user");
}

#[test]
fn duplicate_mount_destinations_are_refused_and_identical_mounts_kept_once() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let d1 = l.dir().join("d1");
    let d2 = l.dir().join("d2");
    std::fs::create_dir(&d1).unwrap();
    std::fs::create_dir(&d2).unwrap();
    let (s1, s2) = (d1.display().to_string(), d2.display().to_string());
    let b1 = format!("{s1}:/vol1");
    l.ok(&["run", "--rm", "-v", &b1, "-v", &b1, &img, "true"]);
    let x1 = format!("{s1}:{s1}");
    let x2 = format!("{s2}:{s1}");
    let out = l.run(&["run", "--rm", "-v", &x1, "-v", &x2, &img, "true"]);
    out.assert_error(125, "two binds on one destination");
    assert!(
        out.stderr
            .contains(&format!("Error: {s1}: duplicate mount destination")),
        "{out:?}"
    );
    l.ok(&[
        "run",
        "--rm",
        "-v",
        "vol1:/vol1",
        "-v",
        "vol1:/vol1",
        &img,
        "true",
    ]);
    let out = l.run(&[
        "run",
        "--rm",
        "-v",
        "vol1:/vol1",
        "-v",
        "vol2:/vol1",
        &img,
        "true",
    ]);
    out.assert_error(125, "two volumes on one destination");
    assert!(
        out.stderr
            .contains("Error: /vol1: duplicate mount destination"),
        "{out:?}"
    );
    l.ok(&[
        "run", "--rm", "--tmpfs", "/vol1", "--tmpfs", "/vol1", &img, "true",
    ]);
    let out = l.run(&[
        "run",
        "--rm",
        "-v",
        "vol2:/vol2",
        "--tmpfs",
        "/vol2",
        &img,
        "true",
    ]);
    out.assert_error(125, "a volume and a tmpfs on one destination");
    // A refused create made no anonymous or named volume of its own.
    assert!(
        !l.ok(&["volume", "ls", "-q"]).contains("vol2"),
        "vol2 was created"
    );
}

#[test]
fn needs_copy_up_and_needs_chown_follow_podman() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&["volume", "create", "cv"]);
    assert_eq!(inspect_volume(&l, "cv", "{{.NeedsCopyUp}}"), "true");
    assert_eq!(inspect_volume(&l, "cv", "{{.NeedsChown}}"), "true");
    // Over a missing (empty) image directory: nothing to copy, still pending; the
    // chown happened.
    l.ok(&["run", "--rm", "-v", "cv:/vol", &img, "true"]);
    assert_eq!(inspect_volume(&l, "cv", "{{.NeedsCopyUp}}"), "true");
    assert_eq!(inspect_volume(&l, "cv", "{{.NeedsChown}}"), "false");
    // Over /etc: copied.
    l.ok(&["run", "--rm", "-v", "cv:/etc", &img, "ls", "/etc/passwd"]);
    assert_eq!(inspect_volume(&l, "cv", "{{.NeedsCopyUp}}"), "false");
    assert!(mountpoint(&l, "cv").join("passwd").is_file());
    // A volume first used by a user without an image directory there belongs to it.
    l.ok(&[
        "run",
        "--rm",
        "--user",
        "1234:5678",
        "-v",
        "owned:/nothere",
        &img,
        "true",
    ]);
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(mountpoint(&l, "owned")).unwrap();
    assert_eq!((md.uid(), md.gid()), (1234, 5678));
}

#[test]
fn image_volume_modes_bind_tmpfs_ignore() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    // `build` takes VOLUME (Podman's test builds this image).
    let ctx = l.dir().join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(
        ctx.join("Containerfile"),
        format!("FROM {img}\nVOLUME /data\n"),
    )
    .unwrap();
    l.ok(&["build", "-t", "volume_image", ctx.to_str().unwrap()]);
    let fs = |extra: &[&str]| {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["volume_image", "stat", "-f", "-c", "%T", "/data"]);
        l.run(&args)
    };
    let out = fs(&["--image-volume", "tmpfs"]);
    assert_eq!(out.stdout.trim(), "tmpfs", "{out:?}");
    let out = fs(&["--image-volume", "ignore"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("No such file or directory")
            || out.stderr.contains("No such file or directory"),
        "{out:?}"
    );
    let out = fs(&["--image-volume", "bind"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_ne!(out.stdout.trim(), "tmpfs", "{out:?}");
    // containers.conf's image_volume_mode is the default; the flag wins.
    let conf = l.dir().join("containers.conf");
    std::fs::write(&conf, "[engine]\nimage_volume_mode=\"tmpfs\"\n").unwrap();
    let with_conf = |extra: &[&str]| {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["volume_image", "stat", "-f", "-c", "%T", "/data"]);
        let mut c = l.cmd(&args);
        c.env("CONTAINERS_CONF", &conf);
        common::run_bounded(c, &args)
    };
    assert_eq!(with_conf(&[]).stdout.trim(), "tmpfs");
    let out = with_conf(&["--image-volume", "bind"]);
    assert_ne!(out.stdout.trim(), "tmpfs", "{out:?}");
    // No anonymous volume is left by the --rm runs.
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), "");
}
