//! The real Docker CLI against `lpod system service`: named volumes (create, ls with
//! filters, inspect, data across runs, rm refused while in use, prune, `--mount`),
//! `docker cp` both ways (files, directories, container symlinks that must never reach
//! the host), `docker save | docker load`, and `docker push` to a loopback registry.

mod common;
use common::*;

use base64::Engine as _;
use std::path::Path;

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

#[test]
fn volumes_create_ls_inspect_rm_prune_and_data_across_runs() {
    let Some(w) = World::start("") else { return };
    assert_eq!(
        w.docker_ok(&["volume", "create", "--label", "app=web", "vol1"]),
        "vol1"
    );
    assert_eq!(w.docker_ok(&["volume", "create", "other"]), "other");
    // Creating an existing volume answers that volume, as Docker.
    assert_eq!(w.docker_ok(&["volume", "create", "vol1"]), "vol1");
    let ls = w.docker_ok(&["volume", "ls", "--format", "{{.Name}} {{.Driver}}"]);
    let mut got = lines(&ls);
    got.sort();
    assert_eq!(got, vec!["other local", "vol1 local"], "{ls}");
    let by_label = w.docker_ok(&["volume", "ls", "-q", "--filter", "label=app=web"]);
    assert_eq!(by_label, "vol1");
    let by_name = w.docker_ok(&["volume", "ls", "-q", "--filter", "name=oth"]);
    assert_eq!(by_name, "other");
    let bad = w.docker(&["volume", "ls", "--filter", "colour=red"]);
    assert_ne!(bad.code, 0, "{bad:?}");
    let ins = w.docker_ok(&[
        "volume",
        "inspect",
        "-f",
        "{{.Name}} {{.Driver}} {{.Scope}} {{.Labels.app}} {{.Mountpoint}}",
        "vol1",
    ]);
    let f: Vec<&str> = ins.split(' ').collect();
    assert_eq!(&f[..4], ["vol1", "local", "local", "web"], "{ins}");
    assert!(Path::new(f[4]).is_dir(), "mountpoint {ins}");
    assert!(
        Path::new(f[4]).starts_with(w.dir()),
        "the volume lives in the test's root: {ins}"
    );
    let missing = w.docker(&["volume", "inspect", "nope"]);
    assert_ne!(missing.code, 0, "{missing:?}");
    assert!(missing.stderr.contains("no such volume"), "{missing:?}");

    // Data written by one container is read by the next.
    let out = w.docker(&[
        "run",
        "--rm",
        "-v",
        "vol1:/data",
        &w.image,
        "sh",
        "-c",
        "echo persisted > /data/f",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = w.docker(&[
        "run",
        "--rm",
        "-v",
        "vol1:/data:ro",
        &w.image,
        "cat",
        "/data/f",
    ]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "persisted\n"),
        "{out:?}"
    );

    // In use: 409, and nothing is removed.
    w.docker_ok(&[
        "run",
        "-d",
        "--name",
        "holder",
        "-v",
        "vol1:/data",
        &w.image,
        "sleep",
        "1000",
    ]);
    let rm = w.docker(&["volume", "rm", "vol1"]);
    assert_ne!(rm.code, 0, "{rm:?}");
    assert!(rm.stderr.contains("being used"), "{rm:?}");
    let (code, text) = w.raw(
        b"DELETE /v1.41/volumes/vol1?force=1 HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 409, "{text}");
    let out = w.docker(&["exec", "holder", "cat", "/data/f"]);
    assert_eq!(out.stdout, "persisted\n", "{out:?}");
    let mounts = w.docker_ok(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}} {{.Driver}}{{end}}",
        "holder",
    ]);
    assert_eq!(mounts, "volume vol1 /data true local");
    let src = w.docker_ok(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Source}}{{end}}",
        "holder",
    ]);
    assert_eq!(src, f[4], "a volume's Source is its mountpoint");
    let binds = w.docker_ok(&["inspect", "-f", "{{.HostConfig.Binds}}", "holder"]);
    assert_eq!(binds, "[vol1:/data]");
    // A volume in use is not dangling.
    let dangling = w.docker_ok(&["volume", "ls", "-q", "--filter", "dangling=true"]);
    assert_eq!(dangling, "other");

    // --mount: a volume created on demand, a tmpfs, a read-only bind.
    let bind_src = w.dir().join("bindsrc");
    std::fs::create_dir(&bind_src).unwrap();
    std::fs::write(bind_src.join("h"), "from host\n").unwrap();
    let bind = format!("type=bind,src={},dst=/b,readonly", bind_src.display());
    let out = w.docker(&[
        "run",
        "--rm",
        "--mount",
        "type=volume,src=vol2,dst=/v2",
        "--mount",
        "type=tmpfs,dst=/t",
        "--mount",
        &bind,
        &w.image,
        "sh",
        "-c",
        "awk '$2==\"/t\"{print $3}' /proc/mounts; cat /b/h; touch /b/x 2>/dev/null || echo ro; echo v2 > /v2/f",
    ]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "tmpfs\nfrom host\nro\n"),
        "{out:?}"
    );
    assert!(!bind_src.join("x").exists());
    w.docker_ok(&["volume", "inspect", "vol2"]);

    w.docker_ok(&["rm", "-f", "holder"]);
    w.docker_ok(&["volume", "rm", "vol1"]);
    let gone = w.docker(&["volume", "rm", "vol1"]);
    assert_ne!(gone.code, 0, "{gone:?}");
    w.docker_ok(&["volume", "rm", "-f", "vol1"]);
    let pruned = w.docker_ok(&["volume", "prune", "-f"]);
    assert!(
        pruned.contains("other") && pruned.contains("vol2"),
        "{pruned}"
    );
    assert_eq!(w.docker_ok(&["volume", "ls", "-q"]), "");
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}

/// Every file under `dir` with its content (symlinks as `-> target`).
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                out.push((
                    rel,
                    format!("-> {}", std::fs::read_link(&p).unwrap().display()),
                ));
            } else if ft.is_dir() {
                out.push((rel, "dir".into()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

fn head_stat(w: &World, ctr: &str, path: &str) -> (u16, Option<serde_json::Value>) {
    let req = format!(
        "HEAD /v1.41/containers/{ctr}/archive?path={path} HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n"
    );
    let (code, text) = w.raw(req.as_bytes());
    let stat = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if !k.eq_ignore_ascii_case("x-docker-container-path-stat") {
            return None;
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .expect("base64 header");
        Some(serde_json::from_slice(&raw).expect("json header"))
    });
    (code, stat)
}

#[test]
fn docker_cp_both_ways_and_container_symlinks_never_reach_the_host() {
    let Some(w) = World::start("") else { return };
    let host = w.dir().join("host");
    std::fs::create_dir_all(host.join("src/sub")).unwrap();
    std::fs::write(host.join("src/a.txt"), "alpha\n").unwrap();
    std::fs::write(host.join("src/sub/b.txt"), "beta\n").unwrap();
    std::fs::write(host.join("single.txt"), "single\n").unwrap();
    // The canary: a host directory whose absolute path the container's links name.
    let canary = w.dir().join("canary");
    std::fs::create_dir(&canary).unwrap();
    std::fs::write(canary.join("canary.txt"), "untouched\n").unwrap();
    let before = snapshot(&canary);
    let c = canary.display().to_string();

    w.docker_ok(&["run", "-d", "--name", "box", &w.image, "sleep", "1000"]);
    let h = |p: &str| host.join(p).display().to_string();

    // Host → container: a file into a directory, a directory under a new name.
    w.docker_ok(&["cp", &h("single.txt"), "box:/tmp/"]);
    w.docker_ok(&["cp", &h("src"), "box:/tmp/srcdir"]);
    let out = w.docker_ok(&[
        "exec",
        "box",
        "sh",
        "-c",
        "cat /tmp/single.txt /tmp/srcdir/a.txt /tmp/srcdir/sub/b.txt",
    ]);
    assert_eq!(out, "single\nalpha\nbeta");

    // Container → host: a directory into an existing directory, a file to a new name.
    std::fs::create_dir(host.join("out")).unwrap();
    w.docker_ok(&["cp", "box:/tmp/srcdir", &h("out")]);
    assert_eq!(
        std::fs::read_to_string(host.join("out/srcdir/sub/b.txt")).unwrap(),
        "beta\n"
    );
    // `DIR/.`: the directory's contents, into a new and into an existing directory.
    w.docker_ok(&["cp", "box:/tmp/srcdir/.", &h("dotnew")]);
    assert_eq!(
        std::fs::read_to_string(host.join("dotnew/sub/b.txt")).unwrap(),
        "beta\n"
    );
    assert_eq!(
        std::fs::read_to_string(host.join("dotnew/a.txt")).unwrap(),
        "alpha\n"
    );
    w.docker_ok(&["cp", "box:/tmp/srcdir/.", &h("out")]);
    assert_eq!(
        std::fs::read_to_string(host.join("out/a.txt")).unwrap(),
        "alpha\n"
    );
    w.docker_ok(&["cp", &format!("{}/.", h("src")), "box:/tmp/dotin"]);
    let out = w.docker_ok(&["exec", "box", "cat", "/tmp/dotin/sub/b.txt"]);
    assert_eq!(out, "beta");
    w.docker_ok(&["cp", "box:/tmp/single.txt", &h("copied.txt")]);
    assert_eq!(
        std::fs::read_to_string(host.join("copied.txt")).unwrap(),
        "single\n"
    );

    // Links inside the container that name the host canary's path, absolutely and
    // through `..`, and one to /etc.
    let setup = format!(
        "mkdir -p {c} && ln -s {c} /lnk && ln -s ../../../../../../../../..{c} /tmp/up && ln -s /etc /etclink"
    );
    w.docker_ok(&["exec", "box", "sh", "-c", &setup]);
    w.docker_ok(&["cp", &h("single.txt"), "box:/lnk/"]);
    w.docker_ok(&["cp", &h("src"), "box:/tmp/up/"]);
    let inside = w.docker_ok(&["exec", "box", "ls", &c]);
    assert_eq!(lines(&inside), vec!["single.txt", "src"], "{inside}");
    let passwd = w.docker_ok(&["exec", "box", "cat", "/etc/passwd"]);
    w.docker_ok(&["cp", "box:/etclink/passwd", &h("passwd")]);
    assert_eq!(
        std::fs::read_to_string(host.join("passwd")).unwrap().trim(),
        passwd,
        "the container's /etc/passwd, not the host's"
    );
    // A link is copied out as the link itself, as Docker.
    w.docker_ok(&["cp", "box:/lnk", &h("lnkcopy")]);
    assert_eq!(
        std::fs::read_link(host.join("lnkcopy")).unwrap(),
        canary,
        "a symlink comes out as a symlink"
    );
    assert_eq!(snapshot(&canary), before, "the host canary changed");

    // The path status: Go's FileMode bits, the link's target inside the container.
    let (code, st) = head_stat(&w, "box", "/tmp");
    assert_eq!(code, 200);
    let st = st.expect("stat header");
    assert_eq!(st["name"], "tmp");
    assert_eq!(st["mode"].as_u64().unwrap() >> 31, 1, "ModeDir: {st}");
    let (_, st) = head_stat(&w, "box", "/etclink");
    let st = st.expect("stat header");
    assert_ne!(
        st["mode"].as_u64().unwrap() & (1 << 27),
        0,
        "ModeSymlink: {st}"
    );
    assert_eq!(st["linkTarget"], "/etc");
    let (code, _) = head_stat(&w, "box", "/nonexistent");
    assert_eq!(code, 404);
    let out = w.docker(&["cp", "box:/nonexistent", &h("x")]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(!host.join("x").exists());
    let out = w.docker(&["cp", &h("single.txt"), "box:/nonexistent/dir/"]);
    assert_ne!(out.code, 0, "{out:?}");

    w.docker_ok(&["rm", "-f", "box"]);
    assert_eq!(snapshot(&canary), before, "the host canary changed");
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}

#[test]
fn save_load_round_trip_and_push_to_a_loopback_registry() {
    let reg = libpod_storage::registry::testing::TestRegistry::http();
    let insecure = reg
        .as_ref()
        .map(|r| format!("insecure_registries = [\"{}\"]\n", r.host_port))
        .unwrap_or_default();
    let Some(w) = World::start(&insecure) else {
        return;
    };
    let tar = w.dir().join("img.tar");
    let t = tar.display().to_string();
    w.docker_ok(&["save", "-o", &t, &w.image]);
    let len = std::fs::metadata(&tar).unwrap().len();
    assert!(len > 100_000, "archive of {len} bytes");
    let id = w.docker_ok(&["images", "-q", "--no-trunc", &w.image]);
    w.docker_ok(&["rmi", &w.image]);
    assert_eq!(w.docker_ok(&["images", "-q"]), "");
    let out = w.docker_ok(&["load", "-i", &t]);
    assert!(
        out.contains("Loaded image: localhost/busybox:latest"),
        "{out}"
    );
    assert_eq!(w.docker_ok(&["images", "-q", "--no-trunc", &w.image]), id);
    let out = w.docker(&["run", "--rm", &w.image, "echo", "loaded"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "loaded\n"), "{out:?}");
    let missing = w.docker(&["save", "-o", &t, "no/such:image"]);
    assert_ne!(missing.code, 0, "{missing:?}");
    let garbage = w.docker_in(&["load"], b"this is not a tar archive");
    assert_ne!(garbage.code, 0, "{garbage:?}");

    let Some(reg) = reg else { return };
    let dest = format!("{}/api/pushed:v1", reg.host_port);
    w.docker_ok(&["tag", &w.image, &dest]);
    let out = w.docker(&["push", &dest]);
    assert_eq!(out.code, 0, "{out:?}");
    w.docker_ok(&["rmi", &dest]);
    w.docker_ok(&["pull", &dest]);
    let out = w.docker(&["run", "--rm", &dest, "echo", "pushed"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "pushed\n"), "{out:?}");
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}
