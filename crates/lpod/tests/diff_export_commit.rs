//! `diff`, `export` and `commit` (issue 16) on real containers (crun under conmon): the
//! A/C/D list against the image, the container's filesystem as a tar, and a commit
//! whose `--change`s and files a `run` of the new image sees.

mod common;

use common::Lpod;

fn prepare(l: &Lpod, name: &str) {
    let script = "echo hello > /added && echo extra >> /etc/passwd && rm /etc/group \
                  && echo READY && exec sleep 1000";
    l.ok(&["run", "-d", "--name", name, &l.image, "sh", "-c", script]);
    l.wait_for("container ready", || {
        l.ok(&["logs", name]).contains("READY").then_some(())
    });
}

#[test]
fn diff_lists_added_changed_deleted() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    prepare(&l, "d1");
    let out = l.ok(&["diff", "d1"]);
    let lines: Vec<&str> = out.lines().collect();
    for want in ["A /added", "C /etc", "C /etc/passwd", "D /etc/group"] {
        assert!(lines.contains(&want), "{want} in {out}");
    }
    assert!(!lines.iter().any(|l| l.ends_with(" /bin")), "{out}");
    // The mount points lpod made (/etc/hosts, /run/.containerenv, ...) are no change of
    // the container's own: not listed, as Podman's.
    for made in [
        "/etc/hosts",
        "/etc/resolv.conf",
        "/run",
        "/run/.containerenv",
    ] {
        assert!(!lines.iter().any(|l| &l[2..] == made), "{made} in {out}");
    }
    let js: serde_json::Value =
        serde_json::from_str(&l.ok(&["container", "diff", "--format", "json", "d1"])).unwrap();
    assert!(js["added"].as_array().unwrap().contains(&"/added".into()));
    assert!(js["deleted"]
        .as_array()
        .unwrap()
        .contains(&"/etc/group".into()));
    // -l: the latest container (d1, the only one).
    assert_eq!(l.ok(&["diff", "-l"]), out);
    // An unknown container or image is an error naming it.
    let o = l.run(&["diff", "nonesuch"]);
    o.assert_error(125, "diff of nothing");
    assert!(o.stderr.contains("nonesuch"), "{o:?}");
}

#[test]
fn export_writes_the_container_filesystem() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    prepare(&l, "e1");
    let file = l.dir().join("e1.tar");
    l.ok(&["export", "-o", file.to_str().unwrap(), "e1"]);
    let data = std::fs::read(&file).unwrap();
    let mut names = std::collections::HashMap::new();
    for e in tar::Archive::new(&data[..]).entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        let mut s = String::new();
        if e.header().entry_type().is_file() {
            std::io::Read::read_to_string(&mut e, &mut s).ok();
        }
        names.insert(p, s);
    }
    assert_eq!(names.get("added").map(String::as_str), Some("hello\n"));
    assert!(names["etc/passwd"].ends_with("extra\n"));
    assert!(!names.contains_key("etc/group"));
    assert!(names.contains_key("bin/busybox") || names.contains_key("bin/sh"));
    // To stdout, the same entries (container export, stopped container).
    l.ok(&["stop", "-t", "0", "e1"]);
    let out = l
        .cmd(&["container", "export", "e1"])
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let n = tar::Archive::new(&out.stdout[..])
        .entries()
        .unwrap()
        .count();
    assert_eq!(n, names.len());
}

#[test]
fn commit_with_changes_then_run_sees_them() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    prepare(&l, "c1");
    // Running: paused for the commit (Podman's default) and running again after.
    let id = l.ok_trim(&[
        "commit",
        "-q",
        "--change",
        "CMD [\"cat\", \"/added\"]",
        "--change",
        "ENV FOO=bar",
        "--change",
        "LABEL made=bycommit",
        "--change",
        "WORKDIR /etc",
        "--change",
        "STOPSIGNAL SIGINT",
        "--change",
        "VOLUME /data",
        "--change",
        "EXPOSE 8080",
        "--message",
        "the message",
        "--author",
        "the author",
        "c1",
        "committed",
    ]);
    assert_eq!(id.len(), 64, "-q prints the id only: {id}");
    assert_eq!(l.inspect("c1", "{{.State.Status}}"), "running");
    assert_eq!(l.ok(&["run", "--rm", "committed"]), "hello\n");
    assert_eq!(
        l.ok(&["run", "--rm", "committed", "sh", "-c", "echo $FOO $(pwd)"]),
        "bar /etc\n"
    );
    // The deletion was committed too.
    assert_eq!(
        l.run(&["run", "--rm", "committed", "test", "-e", "/etc/group"])
            .code,
        1
    );
    let img: serde_json::Value =
        serde_json::from_str(&l.ok(&["image", "inspect", "committed"])).unwrap();
    let cfg = &img[0]["Config"];
    assert_eq!(cfg["Labels"]["made"], "bycommit", "{img}");
    assert_eq!(cfg["StopSignal"], "SIGINT", "{img}");
    assert!(cfg["Volumes"].get("/data").is_some(), "{img}");
    assert!(cfg["ExposedPorts"].get("8080/tcp").is_some(), "{img}");
    assert!(l.ok(&["history", "committed"]).contains("the message"));
    // --pause=false works too, and a stopped container commits as well.
    l.ok(&["commit", "-q", "--pause=false", "c1", "c2img"]);
    l.ok(&["stop", "-t", "0", "c1"]);
    l.ok(&["container", "commit", "-q", "c1", "c3img"]);
    assert_eq!(l.ok(&["run", "--rm", "c3img", "cat", "/added"]), "hello\n");
}
