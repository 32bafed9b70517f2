//! Bind mount options (`[no]exec`, `[no]dev`, `[no]suid`, `[r]shared|slave|private`,
//! `U`) and `--mount type=devpts`, checked where they land: the container's own
//! /proc/self/mountinfo. Real crun under real conmon, a private root and run root.

mod common;

use std::os::unix::fs::MetadataExt;
use std::process::Command;

use common::Lpod;
use lpod_test_support::Tmpfs;

/// The mountinfo line of `path` inside a new container run with `args`: (per-mount
/// options, optional fields, filesystem type, super options).
fn mount_of(
    l: &Lpod,
    args: &[&str],
    path: &str,
) -> (Vec<String>, Vec<String>, String, Vec<String>) {
    let mut a = vec!["run", "--rm"];
    a.extend_from_slice(args);
    a.extend_from_slice(&[l.image.as_str(), "cat", "/proc/self/mountinfo"]);
    let info = l.ok(&a);
    let line = info
        .lines()
        .rfind(|x| x.split(' ').nth(4) == Some(path))
        .unwrap_or_else(|| panic!("{path} not mounted in the container:\n{info}"));
    let f: Vec<&str> = line.split(' ').collect();
    let dash = f.iter().position(|x| *x == "-").expect("separator");
    let split = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
    (
        split(f[5]),
        f[6..dash].iter().map(|s| s.to_string()).collect(),
        f[dash + 1].to_string(),
        split(f[dash + 3]),
    )
}

#[test]
fn bind_mount_exec_dev_suid_options_reach_the_mount() {
    let Some(l) = Lpod::with_image() else { return };
    let dir = l.dir().join("b");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.display().to_string();
    let (opts, ..) = mount_of(&l, &["-v", &format!("{d}:/b:noexec,nodev,nosuid")], "/b");
    for o in ["noexec", "nodev", "nosuid"] {
        assert!(opts.contains(&o.to_string()), "{o} missing: {opts:?}");
    }
    let (opts, ..) = mount_of(&l, &["-v", &format!("{d}:/b:exec,dev,suid")], "/b");
    for o in ["noexec", "nodev", "nosuid"] {
        assert!(!opts.contains(&o.to_string()), "{o} present: {opts:?}");
    }
    // --mount takes them too, with ro.
    let (opts, ..) = mount_of(
        &l,
        &["--mount", &format!("type=bind,src={d},dst=/b,ro,noexec")],
        "/b",
    );
    assert!(
        opts.contains(&"ro".to_string()) && opts.contains(&"noexec".to_string()),
        "{opts:?}"
    );
    // noexec is enforced: a script in the bind cannot run.
    let script = dir.join("s");
    std::fs::write(&script, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = l.run(&[
        "run",
        "--rm",
        "-v",
        &format!("{d}:/b:noexec"),
        &l.image,
        "/b/s",
    ]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("ermission denied"),
        "{out:?}"
    );
    assert_eq!(
        l.ok_trim(&["run", "--rm", "-v", &format!("{d}:/b"), &l.image, "/b/s"]),
        "ran"
    );
    // An unknown option is refused with its name.
    let out = l.run(&[
        "run",
        "--rm",
        "-v",
        &format!("{d}:/b:bogus"),
        &l.image,
        "true",
    ]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(out.stderr.contains("bogus"), "{out:?}");
}

#[test]
fn bind_mount_propagation_options_reach_the_mount() {
    let Some(l) = Lpod::with_image() else { return };
    // A shared mount of the test's own as the source, so that slave has a master.
    let t = Tmpfs::mount(&l.dir().join("shared"), "1m");
    let st = Command::new("mount")
        .arg("--make-shared")
        .arg(t.path())
        .status()
        .expect("mount --make-shared");
    assert!(st.success());
    let d = t.path().display().to_string();
    let (_, opt, ..) = mount_of(&l, &["-v", &format!("{d}:/p:rshared")], "/p");
    assert!(
        opt.iter().any(|o| o.starts_with("shared:")),
        "rshared: {opt:?}"
    );
    let (_, opt, ..) = mount_of(&l, &["-v", &format!("{d}:/p:rslave")], "/p");
    assert!(
        opt.iter().any(|o| o.starts_with("master:")),
        "rslave: {opt:?}"
    );
    assert!(
        !opt.iter().any(|o| o.starts_with("shared:")),
        "rslave: {opt:?}"
    );
    let (_, opt, ..) = mount_of(&l, &["-v", &format!("{d}:/p:rprivate")], "/p");
    assert!(opt.is_empty(), "rprivate: {opt:?}");
    let (_, opt, ..) = mount_of(
        &l,
        &[
            "--mount",
            &format!("type=bind,src={d},dst=/p,bind-propagation=shared"),
        ],
        "/p",
    );
    assert!(
        opt.iter().any(|o| o.starts_with("shared:")),
        "shared: {opt:?}"
    );
}

#[test]
fn bind_mount_u_chowns_the_source_to_the_container_user() {
    let Some(l) = Lpod::with_image() else { return };
    let dir = l.dir().join("u");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("f"), "x").unwrap();
    let d = dir.display().to_string();
    assert_eq!(
        l.ok_trim(&[
            "run",
            "--rm",
            "--user",
            "1000:2000",
            "-v",
            &format!("{d}:/data:U"),
            &l.image,
            "stat",
            "-c",
            "%u:%g",
            "/data/f",
        ]),
        "1000:2000"
    );
    let md = std::fs::metadata(dir.join("f")).unwrap();
    assert_eq!((md.uid(), md.gid()), (1000, 2000));
}

#[test]
fn mount_type_devpts_gives_a_new_instance_with_its_options() {
    let Some(l) = Lpod::with_image() else { return };
    let (_, _, fstype, sopts) = mount_of(
        &l,
        &["--mount", "type=devpts,destination=/mypts,gid=5,mode=600"],
        "/mypts",
    );
    assert_eq!(fstype, "devpts");
    assert!(sopts.contains(&"mode=600".to_string()), "{sopts:?}");
    assert!(sopts.contains(&"gid=5".to_string()), "{sopts:?}");
    assert!(sopts.contains(&"ptmxmode=666".to_string()), "{sopts:?}");
    // A bad option is refused.
    let out = l.run(&[
        "run",
        "--rm",
        "--mount",
        "type=devpts,destination=/mypts,mode=rw",
        &l.image,
        "true",
    ]);
    assert_eq!(out.code, 125, "{out:?}");
}
