//! Volumes and container mounts through the real `lpod` binary: real crun under real
//! conmon, real mounts (tmpfs volumes, binds), a private root and run root.

mod common;

use std::path::{Path, PathBuf};

use common::Lpod;

fn volume_json(l: &Lpod, name: &str) -> serde_json::Value {
    let out = l.ok(&["volume", "inspect", name]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("volume inspect json");
    v[0].clone()
}

fn mountpoint(l: &Lpod, name: &str) -> PathBuf {
    PathBuf::from(
        volume_json(l, name)["Mountpoint"]
            .as_str()
            .expect("Mountpoint"),
    )
}

fn mounted(path: &Path) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(path.to_str().unwrap_or("")))
}

#[test]
fn named_volume_outlives_the_container_that_wrote_it() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    // Created on demand by the first container.
    l.ok(&[
        "run",
        "--rm",
        "-v",
        "data:/data",
        &img,
        "sh",
        "-c",
        "echo kept > /data/f",
    ]);
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), "data");
    assert_eq!(
        l.ok_trim(&["run", "--rm", "-v", "data:/srv:ro", &img, "cat", "/srv/f"]),
        "kept"
    );
    let mp = mountpoint(&l, "data");
    assert_eq!(mp, l.root.join("volumes/data/_data"));
    assert_eq!(std::fs::read_to_string(mp.join("f")).unwrap(), "kept\n");
    // Inspect shows the mount as Podman does.
    l.ok(&[
        "create",
        "--name",
        "c",
        "-v",
        "data:/data:ro,z",
        &img,
        "true",
    ]);
    let mounts: serde_json::Value =
        serde_json::from_str(&l.inspect("c", "{{json .Mounts}}")).expect("mounts json");
    let m = &mounts[0];
    assert_eq!(m["Type"], "volume");
    assert_eq!(m["Name"], "data");
    assert_eq!(m["Source"], mp.display().to_string());
    assert_eq!(m["Destination"], "/data");
    assert_eq!(m["Driver"], "local");
    assert_eq!(m["Mode"], "z");
    assert_eq!(m["RW"], false);
    assert_eq!(m["Propagation"], "rprivate");
    // ls filters and formats.
    l.ok(&["volume", "create", "--label", "k=v", "other"]);
    assert_eq!(
        l.ok_trim(&["volume", "ls", "-q", "--filter", "label=k=v"]),
        "other"
    );
    assert_eq!(
        l.ok_trim(&["volume", "ls", "-q", "--filter", "dangling=true"]),
        "other"
    );
    assert_eq!(
        l.ok_trim(&[
            "volume",
            "ls",
            "--format",
            "{{.Name}} {{.Driver}}",
            "--filter",
            "name=dat"
        ]),
        "data local"
    );
    assert_eq!(l.run(&["volume", "exists", "data"]).code, 0);
    assert_eq!(l.run(&["volume", "exists", "nope"]).code, 1);
    // An unnamed volume gets 64 hex characters.
    let gen = l.ok_trim(&["volume", "create"]);
    assert!(
        gen.len() == 64 && gen.bytes().all(|b| b.is_ascii_hexdigit()),
        "{gen}"
    );
    // prune removes the unused ones only.
    let pruned = l.ok(&["volume", "prune", "-f"]);
    assert!(
        pruned.contains("other") && pruned.contains(&gen),
        "{pruned}"
    );
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), "data");
    l.ok(&["rm", "c"]);
}

#[test]
fn anonymous_volumes_go_with_rm_v_and_run_rm() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&[
        "run",
        "--rm",
        "-v",
        "/data",
        &img,
        "sh",
        "-c",
        "echo x > /data/f",
    ]);
    assert_eq!(
        l.ok_trim(&["volume", "ls", "-q"]),
        "",
        "--rm took its volume"
    );
    // rm without -v keeps it; rm -v removes it.
    l.ok(&["run", "--name", "a", "-v", "/data", &img, "true"]);
    l.ok(&["run", "--name", "b", "-v", "/data", &img, "true"]);
    let vols = l.ok(&["volume", "ls", "-q"]);
    assert_eq!(vols.lines().count(), 2, "{vols}");
    let anon_a = volume_of(&l, "a");
    assert_eq!(volume_json(&l, &anon_a)["Anonymous"], true);
    l.ok(&["rm", "a"]);
    assert!(l.ok(&["volume", "ls", "-q"]).contains(&anon_a));
    l.ok(&["rm", "-v", "b"]);
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), anon_a);
    l.ok(&["volume", "rm", &anon_a]);
    // idmap is refused clearly, and nothing is left behind.
    let out = l.run(&["create", "-v", "v2:/data:idmap", &img, "true"]);
    out.assert_error(125, "idmap");
    assert!(out.stderr.contains("user namespaces"), "{out:?}");
    assert_eq!(l.ok_trim(&["ps", "-aq"]), "");
}

fn volume_of(l: &Lpod, ctr: &str) -> String {
    l.inspect(ctr, "{{range .Mounts}}{{.Name}}{{end}}")
}

#[test]
fn bind_mount_ro_refuses_writes() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let host = l.dir().join("host");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("canary"), "untouched").unwrap();
    let spec = format!("{}:/h:ro", host.display());
    let out = l.run(&[
        "run",
        "--rm",
        "-v",
        &spec,
        &img,
        "sh",
        "-c",
        "echo x > /h/canary",
    ]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Read-only file system"), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(host.join("canary")).unwrap(),
        "untouched"
    );
    // Read-write by default.
    let spec = format!("{}:/h", host.display());
    l.ok(&[
        "run",
        "--rm",
        "-v",
        &spec,
        &img,
        "sh",
        "-c",
        "echo y > /h/new",
    ]);
    assert_eq!(std::fs::read_to_string(host.join("new")).unwrap(), "y\n");
}

/// 1K blocks of the filesystem at `path` in a container, from busybox df.
fn df_blocks(l: &Lpod, args: &[&str], path: &str) -> u64 {
    let mut a: Vec<&str> = vec!["run", "--rm"];
    a.extend(args);
    a.extend([l.image.as_str(), "df", "-k", path]);
    let out = l.ok(&a);
    let line = out.lines().nth(1).unwrap_or_else(|| panic!("df: {out}"));
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("df: {out}"))
}

#[test]
fn tmpfs_sizes_are_honored() {
    let Some(l) = Lpod::with_image() else { return };
    assert_eq!(df_blocks(&l, &["--tmpfs", "/t:size=1m"], "/t"), 1024);
    assert_eq!(
        df_blocks(&l, &["--mount", "type=tmpfs,dst=/t,tmpfs-size=2m"], "/t"),
        2048
    );
    // A volume with a tmpfs of its own: mounted for the container, unmounted after.
    l.ok(&[
        "volume",
        "create",
        "--opt",
        "type=tmpfs",
        "--opt",
        "device=tmpfs",
        "--opt",
        "o=size=3m",
        "tv",
    ]);
    let mp = mountpoint(&l, "tv");
    assert_eq!(df_blocks(&l, &["-v", "tv:/data"], "/data"), 3072);
    assert!(!mounted(&mp), "the last user is gone: unmounted");
    let img = l.image.clone();
    l.ok(&[
        "run", "-d", "--name", "hold", "-v", "tv:/data", &img, "sleep", "1000",
    ]);
    assert!(mounted(&mp), "mounted while a container uses it");
    assert_eq!(volume_json(&l, "tv")["MountCount"], 1);
    l.ok(&["rm", "-f", "-t", "0", "hold"]);
    assert!(!mounted(&mp));
    let ev = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "type=volume",
        "--format",
        "{{.Status}}",
    ]);
    for s in ["create", "mount", "unmount"] {
        assert!(ev.lines().any(|l| l == s), "volume {s} event: {ev}");
    }
}

#[test]
fn copy_up_happens_once_and_only_into_an_empty_volume() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    // A new volume over the image's /etc gets its content.
    l.ok(&["run", "--rm", "-v", "etcvol:/etc", &img, "true"]);
    let mp = mountpoint(&l, "etcvol");
    assert!(mp.join("passwd").is_file(), "copied up");
    // Only once: what the user removed stays removed.
    std::fs::remove_file(mp.join("passwd")).unwrap();
    l.ok(&["run", "--rm", "-v", "etcvol:/etc", &img, "true"]);
    assert!(!mp.join("passwd").exists(), "copy-up happened again");
    // A volume with content of its own is never overwritten.
    l.ok(&["volume", "create", "full"]);
    let full = mountpoint(&l, "full");
    std::fs::write(full.join("mine"), "m").unwrap();
    l.ok(&["run", "--rm", "-v", "full:/etc", &img, "true"]);
    assert!(!full.join("passwd").exists());
    assert_eq!(std::fs::read_to_string(full.join("mine")).unwrap(), "m");
    // nocopy: nothing copied (the runtime still makes its own mount targets there,
    // such as /etc/hosts).
    l.ok(&["run", "--rm", "-v", "nc:/etc:nocopy", &img, "true"]);
    let nc = mountpoint(&l, "nc");
    assert!(!nc.join("passwd").exists() && !nc.join("group").exists());
}

#[test]
fn volume_rm_of_a_used_volume_fails_and_removes_nothing() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&["create", "--name", "user", "-v", "busy:/data", &img, "true"]);
    let id = l.ok_trim(&["inspect", "user", "--format", "{{.Id}}"]);
    let mp = mountpoint(&l, "busy");
    std::fs::write(mp.join("f"), "data").unwrap();
    let out = l.run(&["volume", "rm", "busy"]);
    out.assert_error(2, "volume rm of a used volume");
    assert!(out.stderr.contains(&id), "names the container: {out:?}");
    assert_eq!(std::fs::read_to_string(mp.join("f")).unwrap(), "data");
    assert_eq!(l.ok_trim(&["volume", "ls", "-q"]), "busy");
    assert_eq!(l.ok_trim(&["ps", "-aq", "--no-trunc"]), id);
    // A missing one: exit 1.
    l.run(&["volume", "rm", "nope"])
        .assert_error(1, "missing volume");
    // -f removes the user, then the volume.
    assert_eq!(l.ok_trim(&["volume", "rm", "-f", "busy"]), "busy");
    assert_eq!(l.ok_trim(&["ps", "-aq"]), "");
    assert!(!mp.exists());
    let check = l.system_check(&[]);
    assert!(check.findings.is_empty(), "{:?}", check.findings);
}

#[test]
fn system_check_finds_and_repairs_volume_leftovers() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["volume", "create", "kept"]);
    // A directory nobody recorded, and a record whose data went.
    let stray = l.root.join("volumes/stray");
    std::fs::create_dir_all(stray.join("_data")).unwrap();
    let kept = mountpoint(&l, "kept");
    std::fs::remove_dir(&kept).unwrap();
    let r = l.system_check(&[]);
    let kinds: Vec<&str> = r
        .findings
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"orphan-volume-dir"), "{:?}", r.findings);
    assert!(kinds.contains(&"missing-volume-dir"), "{:?}", r.findings);
    let r = l.system_check(&["--repair"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!stray.exists());
    assert!(kept.is_dir());
    assert!(l.system_check(&[]).findings.is_empty());
}

#[test]
fn volumes_from_and_pod_volumes_share_data() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&[
        "create",
        "--name",
        "src",
        "-v",
        "shared:/data",
        &img,
        "true",
    ]);
    l.ok(&[
        "run",
        "--rm",
        "--volumes-from",
        "src",
        &img,
        "sh",
        "-c",
        "echo from > /data/f",
    ]);
    // :ro makes the inherited mount read-only.
    let out = l.run(&[
        "run",
        "--rm",
        "--volumes-from",
        "src:ro",
        &img,
        "sh",
        "-c",
        "echo x > /data/g",
    ]);
    assert_ne!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(mountpoint(&l, "shared").join("f")).unwrap(),
        "from\n"
    );
    // A pod's volume: every member gets it.
    l.ok(&["pod", "create", "--name", "p", "-v", "podvol:/pv"]);
    l.ok(&[
        "run",
        "--rm",
        "--pod",
        "p",
        &img,
        "sh",
        "-c",
        "echo m1 > /pv/f",
    ]);
    assert_eq!(
        l.ok_trim(&["run", "--rm", "--pod", "p", &img, "cat", "/pv/f"]),
        "m1"
    );
    l.ok(&["pod", "rm", "-f", "p"]);
    l.ok(&["rm", "src"]);
}
