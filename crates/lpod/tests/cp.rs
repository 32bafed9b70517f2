//! `lpod cp` (issue 16) with real containers (crun under conmon): into and out of
//! running and stopped containers, Podman's path rules, tar streams, ownership, and the
//! symlink escapes that bit docker cp (CVE-2019-14271, CVE-2018-15664): a container's
//! symlinks to host paths, `..` chains and a symlink swapped during copies, with host
//! canaries that must stay untouched.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{random, Lpod};

/// A host directory under the test's temp dir holding `secret` ("host-secret"); it must
/// be unchanged at the end.
fn canary(l: &Lpod) -> PathBuf {
    let d = l.dir().join(format!("canary-{}", random()));
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("secret"), "host-secret\n").unwrap();
    d
}

fn assert_canary(d: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["secret".to_string()],
        "host canary {d:?} touched"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("secret")).unwrap(),
        "host-secret\n"
    );
}

fn run_detached(l: &Lpod, name: &str, script: &str) {
    let script = format!("{script}; echo READY; exec sleep 1000");
    l.ok(&["run", "-d", "--name", name, &l.image, "sh", "-c", &script]);
    l.wait_for("container ready", || {
        l.ok(&["logs", name]).contains("READY").then_some(())
    });
}

fn host_file(l: &Lpod, name: &str, content: &str) -> String {
    let p = l.dir().join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

#[test]
fn cp_into_and_out_of_running_and_stopped_containers() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let f = host_file(&l, "hello.txt", "hello from the host\n");

    // Running.
    run_detached(&l, "run1", "mkdir /data && echo inside > /data/made-inside");
    l.ok(&["cp", &f, "run1:/data/copied.txt"]);
    assert_eq!(
        l.ok(&["exec", "run1", "cat", "/data/copied.txt"]),
        "hello from the host\n"
    );
    // Into an existing directory: the source's name; a relative container path.
    l.ok(&["cp", &f, "run1:data"]);
    assert_eq!(
        l.ok(&["exec", "run1", "cat", "/data/hello.txt"]),
        "hello from the host\n"
    );
    let out = l.dir().join("out-running");
    l.ok(&["container", "cp", "run1:/data", out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(out.join("made-inside")).unwrap(),
        "inside\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("copied.txt")).unwrap(),
        "hello from the host\n"
    );

    // Created (never started): the rootfs is mounted for the copy and unmounted after.
    l.ok(&["create", "--name", "crt", &l.image, "cat", "/in/hello.txt"]);
    let mounted = l.mounts().len();
    let out = l.run(&["cp", &f, "crt:/in/hello.txt"]);
    out.assert_error(125, "cp into a missing directory");
    assert!(
        out.stderr
            .contains("\"/in/hello.txt\" could not be found on container crt"),
        "{out:?}"
    );
    let dir = l.dir().join("indir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "from a dir\n").unwrap();
    l.ok(&["cp", dir.to_str().unwrap(), "crt:/in"]);
    assert_eq!(
        l.mounts().len(),
        mounted,
        "cp unmounted the created container's rootfs: {:?}",
        l.mounts()
    );
    l.ok(&["start", "-a", "crt"]);
    assert_eq!(l.ok(&["logs", "crt"]), "from a dir\n");

    // Stopped (exited): out of it.
    let back = l.dir().join("back.txt");
    l.ok(&["cp", "crt:/in/hello.txt", back.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "from a dir\n");
    assert_eq!(l.mounts().len(), mounted, "{:?}", l.mounts());

    // Host to host is refused clearly.
    let out = l.run(&["cp", &f, back.to_str().unwrap()]);
    out.assert_error(125, "host to host");
}

#[test]
fn cp_path_rules_follow_podman() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    run_detached(
        &l,
        "rules",
        "mkdir -p /src/sub /dst && echo a > /src/a && echo b > /src/sub/b && echo f > /file \
         && mkdir /tmp/d1 && ln -s /tmp/nonesuch1 /tmp/d1/x && mkdir /tmp/d2 \
         && ln -s /tmp/nonesuch2 /tmp/d2/x && mkdir /tmp/sub && ln -s .. /tmp/sub/weirdlink",
    );
    let h = l.dir().join("h");
    std::fs::create_dir(&h).unwrap();
    let hs = |p: &str| h.join(p).display().to_string();

    // Directory to a missing destination: created with the source's content.
    l.ok(&["cp", "rules:/src", &hs("new")]);
    assert!(h.join("new/a").is_file() && h.join("new/sub/b").is_file());
    // Directory to an existing directory: copied into it, by name.
    l.ok(&["cp", "rules:/src", &hs("new")]);
    assert!(h.join("new/src/sub/b").is_file());
    // `/.`: the content, into the existing directory.
    std::fs::create_dir(h.join("dot")).unwrap();
    l.ok(&["cp", "rules:/src/.", &hs("dot")]);
    assert!(h.join("dot/a").is_file() && !h.join("dot/src").exists());
    // A directory onto a file is an error and leaves the file.
    std::fs::write(h.join("afile"), "keep").unwrap();
    let out = l.run(&["cp", "rules:/src", &hs("afile")]);
    out.assert_error(125, "dir onto file");
    assert_eq!(std::fs::read_to_string(h.join("afile")).unwrap(), "keep");
    // A file onto a file overwrites it.
    l.ok(&["cp", "rules:/file", &hs("afile")]);
    assert_eq!(std::fs::read_to_string(h.join("afile")).unwrap(), "f\n");
    // A symlinked source directory is followed inside the container.
    l.ok(&["cp", "rules:/tmp/sub/weirdlink", &hs("weird")]);
    assert!(h.join("weird/d1").is_dir(), "the link's target, /tmp");

    // Into the container: a dangling final symlink is followed (Podman creates its
    // target), a missing directory with a trailing slash is an error.
    let f = host_file(&l, "f1", "one\n");
    l.ok(&["cp", &f, "rules:/tmp/d1/x"]);
    assert_eq!(l.ok(&["exec", "rules", "cat", "/tmp/nonesuch1"]), "one\n");
    let out = l.run(&["cp", &f, "rules:/tmp/d2/x/"]);
    out.assert_error(125, "missing dir with a slash");
    assert!(
        out.stderr.contains(
            "\"/tmp/d2/x/\" could not be found on container rules: no such file or directory"
        ),
        "{out:?}"
    );
    assert_eq!(
        l.run(&["exec", "rules", "test", "-e", "/tmp/nonesuch2"])
            .code,
        1
    );

    // --overwrite: a file over a directory only with it.
    l.ok(&["exec", "rules", "mkdir", "-p", "/dst/f1/keep"]);
    let out = l.run(&["cp", &f, "rules:/dst"]);
    out.assert_error(125, "file over dir");
    assert!(
        out.stderr.contains("error creating \"/dst/f1\"") && out.stderr.contains("file exists"),
        "{out:?}"
    );
    assert_eq!(
        l.run(&["exec", "rules", "test", "-d", "/dst/f1/keep"]).code,
        0
    );
    l.ok(&["cp", "--overwrite", &f, "rules:/dst"]);
    assert_eq!(l.ok(&["exec", "rules", "cat", "/dst/f1"]), "one\n");

    // Ownership: the container's user by default, the source's with --archive=false.
    let owned = host_file(&l, "owned", "o\n");
    std::os::unix::fs::chown(&owned, Some(1234), Some(5678)).unwrap();
    l.ok(&["cp", &owned, "rules:/tmp/a-true"]);
    l.ok(&["cp", "--archive=false", &owned, "rules:/tmp/a-false"]);
    assert_eq!(
        l.ok(&[
            "exec",
            "rules",
            "stat",
            "-c",
            "%u:%g",
            "/tmp/a-true",
            "/tmp/a-false"
        ]),
        "0:0\n1234:5678\n"
    );
}

#[test]
fn cp_tar_streams_in_and_out() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    run_detached(&l, "st", "mkdir /tmp/out && echo x > /tmp/out/file.txt");
    // Out: a tar of the directory, named by its base name.
    let out = l
        .cmd(&["cp", "st:/tmp/out", "-"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut names: Vec<String> = tar::Archive::new(&out.stdout[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    names.sort();
    assert_eq!(names, vec!["out", "out/file.txt"]);

    // In: a gzip tar into a directory.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(6);
    h.set_mode(0o644);
    b.append_data(&mut h, "streamed/in.txt", &b"stream"[..])
        .unwrap();
    let plain = b.into_inner().unwrap();
    let gz = {
        let mut c = std::process::Command::new("gzip")
            .arg("-c")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(&plain).unwrap();
        c.wait_with_output().unwrap().stdout
    };
    let feed = |args: &[&str], data: &[u8]| {
        let mut c = l
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut i = c.stdin.take().unwrap();
        let _ = i.write_all(data);
        drop(i);
        c.wait_with_output().unwrap()
    };
    let o = feed(&["cp", "-", "st:/tmp"], &gz);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        l.ok(&["exec", "st", "cat", "/tmp/streamed/in.txt"]),
        "stream"
    );
    let o = feed(&["cp", "-", "st:/tmp"], b"not a tar at all");
    assert_eq!(o.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("source must be a (compressed) tar archive when copying from stdin"));
    let o = feed(&["cp", "-", "st:/tmp/out/file.txt"], &plain);
    assert_eq!(o.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("destination must be a directory when copying from stdin"));
}

#[test]
fn cp_symlink_escapes_stay_in_the_container() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let can = canary(&l);
    let c = can.display().to_string();
    let tag = format!("lpod-cp-canary-{}", random());
    // /x -> /etc; /up -> a `..` chain to /etc; /hostlink -> the host canary's path;
    // the same path inside the container holds the container's own "secret".
    run_detached(
        &l,
        "esc",
        &format!(
            "ln -s /etc /x && ln -s ../../../../../../../etc /tmp/up && ln -s {c} /hostlink \
             && ln -s {c}/secret /slink && mkdir -p /inner{c} && echo inside > /inner{c}/secret \
             && ln -s /inner{c}/secret /inlink"
        ),
    );
    let f = host_file(&l, "payload", "payload\n");

    // Writes through /x land in the container's /etc, never the host's.
    l.ok(&["cp", &f, &format!("esc:/x/{tag}")]);
    assert_eq!(
        l.ok(&["exec", "esc", "cat", &format!("/etc/{tag}")]),
        "payload\n"
    );
    assert!(!Path::new("/etc").join(&tag).exists(), "host /etc written");
    l.ok(&["cp", &f, &format!("esc:/tmp/up/{tag}-2")]);
    assert_eq!(
        l.ok(&["exec", "esc", "cat", &format!("/etc/{tag}-2")]),
        "payload\n"
    );
    assert!(!Path::new("/etc").join(format!("{tag}-2")).exists());
    // `..` chains climbing out of the root stop at its `/`.
    let out = l.run(&["cp", &f, &format!("esc:/../../../../..{c}/new")]);
    out.assert_error(125, "a .. chain to the host canary");
    let out = l.run(&["cp", &f, "esc:/hostlink/new"]);
    out.assert_error(125, "a link to the host canary");
    // Reads: a link to a host path reads the container's path of that name.
    let out = l.run(&["cp", "esc:/slink", l.dir().join("leak").to_str().unwrap()]);
    out.assert_error(125, "a link to a host file");
    assert!(
        out.stderr.contains("could not be found on container esc"),
        "{out:?}"
    );
    assert!(!l.dir().join("leak").exists());
    let got = l.dir().join("got");
    l.ok(&["cp", "esc:/inlink", got.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&got).unwrap(), "inside\n");
    // Symlinks inside a copied tree stay symlinks on the host, never followed.
    let tree = l.dir().join("tree");
    l.ok(&["cp", "esc:/", tree.to_str().unwrap()]);
    assert_eq!(std::fs::read_link(tree.join("hostlink")).unwrap(), can);
    assert_canary(&can);
}

#[test]
fn cp_symlink_swapped_during_copies_never_reaches_the_host() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let can = canary(&l);
    run_detached(
        &l,
        "race",
        "mkdir -p /race/d && echo inner > /race/d/secret",
    );
    // Swap /race/d between a directory and a symlink to the host canary, from the host
    // side of the container's mount, while copies run.
    let mnt = PathBuf::from(l.ok_trim(&["mount", "race"]));
    let d = mnt.join("race/d");
    let real = mnt.join("race/real");
    let link = mnt.join("race/link");
    std::os::unix::fs::symlink(&can, &link).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swaps = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let swapper = {
        let (stop, swaps) = (stop.clone(), swaps.clone());
        let (d, real, link) = (d.clone(), real.clone(), link.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // d is the directory → d is the link → back.
                let _ = std::fs::rename(&d, &real);
                let _ = std::fs::rename(&link, &d);
                let _ = std::fs::rename(&d, &link);
                let _ = std::fs::rename(&real, &d);
                swaps.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    let f = host_file(&l, "racer", "racer\n");
    let out_dir = l.dir().join("race-out");
    std::fs::create_dir(&out_dir).unwrap();
    let mut ok_in = 0;
    let mut ok_out = 0;
    for i in 0..60 {
        if l.run(&["cp", &f, &format!("race:/race/d/w{i}")]).code == 0 {
            ok_in += 1;
        }
        let dst = out_dir.join(format!("r{i}"));
        if l.run(&["cp", "race:/race/d/secret", dst.to_str().unwrap()])
            .code
            == 0
        {
            ok_out += 1;
            // Whatever was read is the container's file, never the host's.
            assert_eq!(std::fs::read_to_string(&dst).unwrap(), "inner\n");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(swaps.load(std::sync::atomic::Ordering::Relaxed) > 0);
    assert!(ok_in + ok_out > 0, "some copies got through");
    assert_canary(&can);
    l.ok(&["umount", "race"]);
}

/// A relative container path starts at the container's working directory, as in Podman
/// (`podman cp FILE CTR:.` with `--workdir=/tmp` lands in /tmp; bats 065-cp).
#[test]
fn cp_relative_container_paths_start_at_the_workdir() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let f = host_file(&l, "wd.txt", "to the workdir\n");
    let script = "mkdir -p /tmp/sub && echo out > /tmp/sub/o; echo READY; exec sleep 1000";
    l.ok(&[
        "run",
        "-d",
        "--name",
        "wd",
        "--workdir=/tmp",
        &l.image,
        "sh",
        "-c",
        script,
    ]);
    l.wait_for("container ready", || {
        l.ok(&["logs", "wd"]).contains("READY").then_some(())
    });
    l.ok(&["cp", &f, "wd:."]);
    assert_eq!(
        l.ok(&["exec", "wd", "cat", "/tmp/wd.txt"]),
        "to the workdir\n"
    );
    let fails = l.run(&["exec", "wd", "cat", "/wd.txt"]);
    assert!(fails.code != 0, "copied to / instead of the workdir");
    let out = l.dir().join("wd-out");
    l.ok(&["cp", "wd:sub/o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "out\n");
}
