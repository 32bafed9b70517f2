//! Podman's image, info and basic verbs as Podman's own system tests use them (issue 14:
//! 001-basic, 005-info, 010-images, 120-load): registries.conf mirrors and blocked
//! registries, pull by digest, `untag`, `CONTAINERS_STORAGE_CONF`, `info`'s field tree and
//! global flags, log levels, `images` rows/sort/filter/table, `rmi` exit codes, and
//! `load`/`save` (invalid payloads, by id, multi-image, `--uncompressed`, from a URL).

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{lpod_bin, run_bounded, Lpod, Out};
use libpod_storage::registry::testing::TestRegistry;

/// Runs lpod in world `l` with an extra environment variable.
fn run_env(l: &Lpod, args: &[&str], key: &str, val: &Path) -> Out {
    let mut c = l.cmd(args);
    c.env(key, val);
    run_bounded(c, args)
}

/// An image of the world under a second name, so tests can change it freely.
fn own_name(l: &Lpod, name: &str) -> String {
    l.ok(&["tag", &l.image, name]);
    l.ok(&["images", name, "--format", "{{.Repository}}:{{.Tag}}"])
        .trim()
        .to_string()
}

#[test]
fn registries_conf_mirror_is_pulled_from_and_the_image_keeps_its_own_name() {
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let Some(src) = Lpod::with_image() else {
        return;
    };
    // The mirror holds the image; the registry it mirrors does not exist.
    let insecure = format!(
        "default_network_mode = \"none\"\ninsecure_registries = [\"{}\"]\n",
        reg.host_port
    );
    std::fs::write(src.config_file(), &insecure).unwrap();
    let push = src.run(&[
        "push",
        &src.image,
        &format!("docker://{}/mirrored/busybox:v1", reg.host_port),
    ]);
    assert_eq!(push.code, 0, "{push:?}");

    let dst = Lpod::bare();
    let conf = dst.dir().join("registries.conf");
    std::fs::write(
        &conf,
        format!(
            r#"
[[registry]]
prefix = "registry.invalid/libpod"
location = "registry.invalid/libpod"
[[registry.mirror]]
location = "{hp}/mirrored"
insecure = true

[[registry]]
prefix = "blocked.invalid"
blocked = true
"#,
            hp = reg.host_port
        ),
    )
    .unwrap();
    let env = "CONTAINERS_REGISTRIES_CONF";
    let name = "registry.invalid/libpod/busybox:v1";
    let out = run_env(&dst, &["pull", name], env, &conf);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&format!("Trying to pull {name}...")),
        "{out:?}"
    );
    let images = dst.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(images.trim(), name, "named as asked, not by the mirror");

    // By tag@digest: the same image; `images` shows no extra row; untag by the same words.
    let digest = dst.inspect(name, "{{.Digest}}");
    let by_digest = format!("{name}@{digest}");
    let out = run_env(&dst, &["pull", &by_digest], env, &conf);
    assert_eq!(out.code, 0, "{out:?}");
    let table = dst.ok(&["images", "-a"]);
    assert_eq!(table.lines().count(), 2, "{table}");
    dst.ok(&["untag", name, &by_digest]);
    assert_eq!(dst.run(&["image", "exists", name]).code, 0);

    // By repo@digest: rmi only untags it.
    let repo_digest = format!("registry.invalid/libpod/busybox@{digest}");
    let out = run_env(&dst, &["pull", &repo_digest], env, &conf);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(dst.ok(&["images", "-a"]), table);
    assert_eq!(
        dst.ok(&["rmi", &repo_digest]),
        format!("Untagged: {repo_digest}\n")
    );
    assert_eq!(dst.run(&["image", "exists", name]).code, 0);

    // A blocked registry is refused, naming it; a bad file is one error naming the file.
    let out = run_env(&dst, &["pull", "blocked.invalid/x:1"], env, &conf);
    out.assert_error(125, "blocked");
    assert!(out.stderr.contains("blocked.invalid"), "{out:?}");
    let bad = dst.dir().join("bad.conf");
    std::fs::write(&bad, "short-name-mode = \"sometimes\"\n").unwrap();
    let out = run_env(&dst, &["pull", name], env, &bad);
    out.assert_error(125, "bad registries.conf");
    assert!(out.stderr.contains("bad.conf"), "{out:?}");
}

#[test]
fn containers_storage_conf_selects_the_store() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let graph = l.dir().join("sc-root");
    let run = l.dir().join("sc-run");
    let conf = l.dir().join("storage.conf");
    std::fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"overlay\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
            graph.display(),
            run.display()
        ),
    )
    .unwrap();
    // Without --root/--runroot: the file decides.
    let lp = |args: &[&str], conf: &Path| {
        let mut c = Command::new(lpod_bin());
        c.args(args)
            .env("CONTAINERS_STORAGE_CONF", conf)
            .env("LPOD_CONFIG", l.config_file())
            .stdin(Stdio::null());
        run_bounded(c, args)
    };
    let out = lp(
        &[
            "info",
            "--format",
            "{{.Store.GraphRoot}} {{.Store.ConfigFile}}",
        ],
        &conf,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout.trim(),
        format!("{} {}", graph.display(), conf.display())
    );
    let tar = l.dir().join("img.tar");
    l.ok(&["save", "-o", tar.to_str().unwrap(), &l.image]);
    let out = lp(&["load", "-i", tar.to_str().unwrap()], &conf);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(graph.join("images.json").exists());
    let out = lp(&["images", "--format", "{{.Repository}}:{{.Tag}}"], &conf);
    assert_eq!(out.stdout.trim(), l.image, "{out:?}");
    let out = lp(&["rmi", "-a"], &conf);
    assert_eq!(out.code, 0, "{out:?}");
    // A bad file: one error naming the file and the key; nothing created.
    let bad = l.dir().join("bad-storage.conf");
    std::fs::write(&bad, "[storage]\ngraphroot = \"relative/path\"\n").unwrap();
    let out = lp(&["info"], &bad);
    out.assert_error(125, "relative graphroot");
    assert!(
        out.stderr.contains("bad-storage.conf") && out.stderr.contains("graphroot"),
        "{out:?}"
    );
    assert!(!Path::new("relative").exists());
}

#[test]
fn info_has_podmans_fields_and_honors_the_global_flags() {
    let l = Lpod::bare();
    let t = l.ok(&[
        "info",
        "--format",
        "{{.Host.OCIRuntime.Name}}|{{.Host.CgroupsVersion}}|{{.Host.LogDriver}}|{{.Host.EventLogger}}|{{.Host.NetworkBackend}}|{{.Host.Security.Rootless}}|{{.Host.OS}}",
    ]);
    let f: Vec<&str> = t.trim().split('|').collect();
    assert_eq!(f.len(), 7, "{t}");
    assert!(matches!(f[0], "crun" | "runc"), "{t}");
    assert!(matches!(f[1], "v1" | "v2"), "{t}");
    assert_eq!(
        &f[2..],
        ["k8s-file", "file", "cni", "false", "linux"],
        "{t}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&l.ok(&["info", "--format", "json"])).unwrap();
    for p in [
        "/host/conmon/path",
        "/host/ociRuntime/path",
        "/host/logDriver",
        "/host/slirp4netns/executable",
        "/store/configFile",
        "/store/graphOptions",
        "/store/graphStatus",
        "/store/volumePath",
        "/plugins/log",
        "/registries",
        "/version/APIVersion",
    ] {
        assert!(json.pointer(p).is_some(), "{p} in {json}");
    }
    assert_eq!(json["store"]["imageStore"]["number"], 0);
    // 005-info checks a Buildah version of the form [1-9][0-9]*.[0-9.]+ in both forms.
    let bv = json["host"]["buildahVersion"].as_str().unwrap_or_default();
    assert!(
        bv.split('.').count() == 3 && bv.split('.').all(|p| p.parse::<u32>().is_ok()),
        "host.buildahVersion {bv:?} in {json}"
    );
    let text = l.ok(&["--storage-opt=", "info"]);
    assert!(text.contains("graphOptions: {}"), "{text}");
    assert!(text.contains("\nregistries:"), "{text}");
    assert!(
        text.contains(&format!("  buildahVersion: {bv}\n")),
        "{text}"
    );
    // 005-info: `conmon:` then `package:` (Podman's conmon entry has no name).
    assert!(text.contains("  conmon:\n    package: "), "{text}");
    assert!(json["host"]["conmon"].get("name").is_none(), "{json}");

    let other = l.dir().join("other-root");
    let vols = l.dir().join("vols");
    let gopts = l.ok(&[
        "--storage-driver=vfs",
        "--root",
        other.to_str().unwrap(),
        "--volumepath",
        vols.to_str().unwrap(),
        "info",
        "--format",
        "{{.Store.GraphOptions}} {{.Store.VolumePath}} {{.Store.GraphDriverName}}",
    ]);
    assert_eq!(
        gopts.trim(),
        format!("map[] {} vfs", vols.display()),
        "{gopts}"
    );
    // An empty store still prints the images header.
    let h = l.ok(&[
        "--storage-driver=vfs",
        "--root",
        other.to_str().unwrap(),
        "images",
    ]);
    assert_eq!(
        h.trim_end(),
        "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE"
    );

    // version: Podman's Server block, which helpers use to name the pause image.
    let v = l.ok(&[
        "version",
        "--format",
        "{{.Server.Version}}-{{.Server.Built}}",
    ]);
    assert_eq!(v.trim(), format!("{}-0", env!("CARGO_PKG_VERSION")));
}

#[test]
fn log_levels_are_podmans() {
    let l = Lpod::bare();
    let out = l.run(&["--log-level=telepathic", "info"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .starts_with("Log Level \"telepathic\" is not supported, choose from: trace, debug"),
        "{out:?}"
    );
    assert_eq!(out.stdout, "");
    let out = l.run(&["--debug", "--log-level=panic", "info"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "Setting --log-level and --debug is not allowed"
    );
    let levels = |args: &[&str]| {
        let out = l.run(args);
        assert_eq!(out.code, 0, "{out:?}");
        ["trace", "debug", "info", "warning"]
            .iter()
            .filter(|lv| out.stderr.contains(&format!(" level={lv} ")))
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        levels(&["--log-level=trace", "info"]),
        ["trace", "debug", "info"]
    );
    assert_eq!(levels(&["--log-level=debug", "info"]), ["debug", "info"]);
    assert_eq!(levels(&["-D", "info"]), ["debug", "info"]);
    assert_eq!(levels(&["--log-level=info", "info"]), ["info"]);
    for quiet in ["warn", "warning", "error"] {
        let out = l.run(&[&format!("--log-level={quiet}"), "info"]);
        assert!(!out.stderr.contains(" level="), "{quiet}: {out:?}");
    }
    // logrus' line shape.
    let out = l.run(&["--log-level=info", "info"]);
    let line = out.stderr.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("time=\"") && line.contains("\" level=info msg=\""),
        "{line}"
    );
}

#[test]
fn images_rows_sort_filter_and_table_format() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let aaa = own_name(&l, "a.b/c:d");
    let zzz = own_name(&l, "zzzzzzzzzz.yyyyyyyyy/xxxxxxxxx:tagtagtagtagtag");
    assert_eq!(aaa, "a.b/c:d");
    let iid = l.inspect(&l.image, "{{.ID}}");
    let iid = iid.trim_start_matches("sha256:");
    let short = &iid[..12];
    let out = l.ok(&[
        "images",
        "--sort",
        "repository",
        "--format",
        "table {{.Repository}} {{.Tag}} {{.ID}}",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("REPOSITORY"), "{out}");
    assert!(
        lines[0].contains("  TAG") && lines[0].ends_with("IMAGE ID"),
        "{out}"
    );
    let w1 = "zzzzzzzzzz.yyyyyyyyy/xxxxxxxxx".len();
    let w2 = "tagtagtagtagtag"
        .len()
        .max(l.image.rsplit(':').next().unwrap().len());
    assert_eq!(lines[1], format!("{:<w1$}  {:<w2$}  {short}", "a.b/c", "d"));
    assert_eq!(
        lines[3],
        format!(
            "{:<w1$}  {:<w2$}  {short}",
            "zzzzzzzzzz.yyyyyyyyy/xxxxxxxxx", "tagtagtagtagtag"
        )
    );
    // CreatedAt is a Go time.Time in Podman's template data: printed as Go prints it.
    let out = l.ok(&[
        "images",
        "--format",
        "{{.CreatedSince}}--{{.CreatedAt}}",
        &l.image,
    ]);
    let (since, at) = out.trim().split_once("--").expect("two fields");
    assert!(since.ends_with(" ago"), "{out}");
    assert!(
        at.ends_with(" +0000 UTC")
            && chrono::NaiveDateTime::parse_from_str(&at[..19], "%Y-%m-%d %H:%M:%S").is_ok(),
        "{out}"
    );
    // history's top layer says the same (110-history).
    let hist = l.ok(&[
        "image",
        "history",
        "--format",
        "{{.CreatedSince}}--{{.CreatedAt}}",
        &l.image,
    ]);
    assert_eq!(hist.lines().next(), Some(out.trim()), "{hist}");
    // -n drops the header; IMAGE limits the rows to that name; upper and Labels work.
    let n = l.ok(&["images", "-n", "--format", "table {{.Repository}}"]);
    assert_eq!(n.lines().count(), 3, "{n}");
    let one = l.ok(&["images", &zzz, "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(one.trim(), zzz);
    let up = l.ok(&["images", "a.b/c:d", "--format", "{{.ID | upper}}"]);
    assert_eq!(up.trim(), short.to_uppercase());
    l.ok(&["images", "--format", "{{.Labels}}"]);
    let full = l.ok(&["images", "a.b/c:d", "--no-trunc", "--format", "{{.ID}}"]);
    assert_eq!(full.trim(), format!("sha256:{iid}"));
    // Filters: references, before/after an image, dangling, bad keys.
    let r = l.ok(&[
        "images",
        "-n",
        "--filter",
        "reference=a.b/*",
        "--format",
        "{{.Repository}}",
    ]);
    assert_eq!(r.trim(), "a.b/c");
    let none = l.ok(&["images", "--noheading", "--filter", &format!("after={iid}")]);
    assert_eq!(none, "");
    let none = l.ok(&[
        "images",
        "--noheading",
        "--filter",
        &format!("before={iid}"),
    ]);
    assert_eq!(none, "");
    let d = l.ok(&["images", "--noheading", "--filter", "dangling=true"]);
    assert_eq!(d, "");
    l.run(&["images", "--filter", "color=blue"])
        .assert_error(125, "unknown filter");
    l.run(&["images", "--sort", "colour"])
        .assert_error(125, "unknown sort");
}

#[test]
fn rmi_exit_codes_and_messages_are_podmans() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let out = l.run(&["rmi", "nosuchimage"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stderr.trim(), "Error: nosuchimage: image not known");
    let out = l.run(&["rmi", "--ignore", "nosuchimage"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let out = l.run(&["image", "rm", "--force", "bogus"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let out = l.run(&["rmi", "nosuch1", "nosuch2"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .starts_with("Error: 2 errors occurred:\n\t* nosuch1: image not known"),
        "{out:?}"
    );

    // In use: exit 2, Podman's words; -f removes the container too.
    let name = own_name(&l, "localhost/rmi-test:v1");
    let id = l.inspect(&name, "{{.Id}}");
    l.ok(&["create", "--name", "user", &name, "true"]);
    l.ok(&["untag", &l.image, &l.image]);
    let out = l.run(&["rmi", &name]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("image is in use by a container: consider listing external containers and force-removing image"),
        "{out:?}"
    );
    let out = l.run(&["rmi", "-f", &name]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("Untagged: {name}\nDeleted: {id}\n"));
    assert_eq!(l.ok(&["ps", "-a", "--format", "{{.Names}}"]), "");
    // untag of a name the image lacks.
    l.run(&["untag", "nosuchimage"])
        .assert_error(125, "untag unknown image");
}

/// Serves `file` once over HTTP on 127.0.0.1; returns the URL.
fn serve_once(file: std::path::PathBuf) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/image.tar", listener.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            // Read the whole request: closing with unread bytes would reset the connection.
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let body = std::fs::read(&file).unwrap_or_default();
            let _ = write!(
                s,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    (url, h)
}

#[test]
fn load_and_save_like_podman() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    // Invalid payloads: Podman's words, exit 125, nothing loaded.
    let invalid = l.dir().join("invalid");
    std::fs::write(
        &invalid,
        "I am an invalid file and should cause a load error\n",
    )
    .unwrap();
    let out = l.run(&["load", "-i", invalid.to_str().unwrap()]);
    out.assert_error(125, "invalid load");
    assert!(
        out.stderr
            .contains("payload does not match any of the supported image formats:"),
        "{out:?}"
    );
    let mut c = l.cmd(&["load"]);
    c.stdin(std::fs::File::open(&invalid).unwrap());
    let out = run_bounded(c, &["load"]);
    assert_eq!(out.code, 125, "{out:?}");

    // By id: the archive names no image.
    let iid = l.inspect(&l.image, "{{.Id}}");
    let by_id = l.dir().join("by-id.tar");
    l.ok(&["save", &iid[..12], "-o", by_id.to_str().unwrap()]);
    l.ok(&["rmi", &iid]);
    l.ok(&["load", "-i", by_id.to_str().unwrap()]);
    let row = l.ok(&[
        "images",
        "-a",
        "--format",
        "{{.ID}} {{.Repository}}:{{.Tag}}",
    ]);
    assert_eq!(row.trim(), format!("{} <none>:<none>", &iid[..12]));
    l.ok(&["tag", &iid, &l.image]);

    // Several images in one docker-archive (-m), loaded back by name.
    let second = own_name(&l, "localhost/second:v2");
    let multi = l.dir().join("multi.tar");
    l.ok(&[
        "save",
        "-m",
        "-o",
        multi.to_str().unwrap(),
        &l.image,
        &second,
    ]);
    l.ok(&["rmi", "-f", &l.image, &second]);
    l.ok(&["load", "-i", multi.to_str().unwrap()]);
    assert_eq!(l.run(&["image", "exists", &l.image]).code, 0);
    assert_eq!(l.run(&["image", "exists", &second]).code, 0);

    // --uncompressed: every layer blob of the oci-archive is a plain tar.
    let oci = l.dir().join("oci.tar");
    l.ok(&[
        "save",
        "--format",
        "oci-archive",
        "--uncompressed",
        "-o",
        oci.to_str().unwrap(),
        &l.image,
    ]);
    let untar = l.dir().join("untar");
    std::fs::create_dir_all(&untar).unwrap();
    let st = Command::new("tar")
        .arg("-C")
        .arg(&untar)
        .arg("-xf")
        .arg(&oci)
        .status()
        .unwrap();
    assert!(st.success());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(untar.join("index.json")).unwrap()).unwrap();
    let mdigest = index["manifests"][0]["digest"].as_str().unwrap();
    let blob = |d: &str| {
        untar
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(mdigest)).unwrap()).unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    assert!(!layers.is_empty());
    for layer in layers {
        assert_eq!(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar");
        let bytes = std::fs::read(blob(layer["digest"].as_str().unwrap())).unwrap();
        assert_eq!(&bytes[257..262], b"ustar", "a plain tar");
    }

    // From an http:// URL.
    let named = l.dir().join("named.tar");
    l.ok(&["save", "-o", named.to_str().unwrap(), &l.image]);
    l.ok(&["rmi", "-f", &l.image, &second]);
    let (url, server) = serve_once(named);
    let out = l.run(&["load", "-i", &url]);
    server.join().unwrap();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(l.run(&["image", "exists", &l.image]).code, 0);

    // Podman's "bare manifest list": the list is an entry of its own, the image is still
    // listed, and rmi removes the list.
    let iid = l.inspect(&l.image, "{{.ID}}");
    let iid = iid.trim_start_matches("sha256:");
    let list = l.ok_trim(&["manifest", "create", "test:1.0"]);
    let ids = l.ok(&["images", "--format", "{{.ID}}", "--no-trunc"]);
    assert!(ids.contains(&format!("sha256:{iid}")), "{ids}");
    assert!(ids.contains(&format!("sha256:{list}")), "{ids}");
    l.ok(&["rmi", "test:1.0"]);
    assert_eq!(l.run(&["manifest", "exists", "test:1.0"]).code, 1);
}

#[test]
fn remote_flags_are_offered_and_refused_clearly() {
    let l = Lpod::bare();
    let help = l.ok(&["--help"]);
    assert!(help.contains(" --remote "), "{help}");
    // A remote service already named: --remote is not offered.
    let mut c = l.cmd(&["--help"]);
    c.env("CONTAINER_HOST", "foobar");
    let out = run_bounded(c, &["--help"]);
    assert!(!out.stdout.contains(" --remote "), "{out:?}");
    let help = l.ok(&["--url", "foobar", "--help"]);
    assert!(!help.contains(" --remote "), "{help}");
    // Using it: one clear error, nothing done.
    let out = l.run(&["--remote", "ps"]);
    out.assert_error(125, "--remote ps");
    assert!(out.stderr.contains("not supported"), "{out:?}");
    let out = l.run(&["--remote"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(out.stderr.contains("Usage:"), "{out:?}");
}

#[test]
fn commit_makes_an_image_with_the_containers_changes_and_names_history_is_kept() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let base = l.inspect(&l.image, "{{.Id}}");
    l.ok(&[
        "run",
        "--name",
        "c1",
        &l.image,
        "sh",
        "-c",
        "mkdir /d && echo committed > /d/f",
    ]);
    let out = l.run(&["commit", "-q", "-c", "LABEL stage=one", "c1", "first"]);
    assert_eq!(out.code, 0, "{out:?}");
    let id1 = out.stdout.trim().to_string();
    assert_eq!(id1.len(), 64, "{out:?}");
    assert_eq!(
        l.ok(&[
            "images",
            "first",
            "--format",
            "{{.Repository}}:{{.Tag}} {{.Labels.stage}}"
        ])
        .trim(),
        "localhost/first:latest one"
    );
    assert_eq!(
        l.ok(&["run", "--rm", "first", "cat", "/d/f"]),
        "committed\n"
    );
    // A deletion is committed as a whiteout.
    l.ok(&["run", "--name", "c2", "first", "rm", "/d/f"]);
    l.ok(&["commit", "-q", "c2", "second"]);
    assert_eq!(
        l.ok(&[
            "run",
            "--rm",
            "second",
            "sh",
            "-c",
            "test -e /d/f || echo gone"
        ]),
        "gone\n"
    );
    // after/since/before see the new images.
    let opts = [
        "--noheading",
        "--no-trunc",
        "--format",
        "{{.ID}}--{{.Repository}}:{{.Tag}}",
    ];
    let mut args = vec!["images", "--filter"];
    let after = format!("after={base}");
    args.push(&after);
    args.extend(opts);
    let got = l.ok(&args);
    assert!(
        got.contains(&format!("sha256:{id1}--localhost/first:latest")),
        "{got}"
    );
    assert!(!got.contains(&base), "{got}");
    let got = l.ok(&[
        "images",
        "--noheading",
        "--filter",
        "before=first",
        "--format",
        "{{.Id}}",
    ]);
    assert_eq!(got.trim(), base, "{got}");
    // NamesHistory: current names first, then the dropped ones, newest first.
    l.ok(&["tag", "first", "rand1"]);
    // Untagged names the image's own name, as Podman prints it.
    assert_eq!(
        l.ok(&["rmi", "rand1"]),
        "Untagged: localhost/rand1:latest\n"
    );
    l.ok(&["tag", "first", "rand2"]);
    l.ok(&["rmi", "rand2"]);
    assert_eq!(
        l.ok(&["images", "first", "--format", "{{.History}}"])
            .trim(),
        "localhost/first:latest, localhost/rand2:latest, localhost/rand1:latest"
    );
    l.ok(&["rm", "c1", "c2"]);
    l.ok(&["rmi", "second", "first"]);
}

#[test]
fn commit_keeps_the_containers_own_entrypoint_and_command() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    l.ok(&[
        "run",
        "--network",
        "none",
        "--name",
        "myc",
        "--entrypoint",
        r#"["/bin/echo","magic-entry"]"#,
        &l.image,
    ]);
    l.ok(&["commit", "-q", "myc", "myi"]);
    let out = l.ok(&["run", "--rm", "--network", "none", "myi"]);
    assert_eq!(out, "magic-entry\n");
    l.ok(&[
        "run",
        "--network",
        "none",
        "--name",
        "c2",
        &l.image,
        "echo",
        "from-cmd",
    ]);
    l.ok(&["commit", "-q", "c2", "myi2"]);
    assert_eq!(
        l.ok(&["run", "--rm", "--network", "none", "myi2"]),
        "from-cmd\n"
    );
    l.ok(&["rm", "-f", "myc", "c2"]);
}

/// 030-run (`no /etc/mtab`, `top does not use nsenter from image`) and 200-pod
/// (`--infra-image` of a built image) build images: FROM, RUN (shell form with `\`
/// continuations, exec form), ENV seen by a later RUN, ENTRYPOINT; a Containerfile on
/// stdin; a failing RUN or an instruction lpod does not build is a clear error naming the
/// line, and leaves no container behind. A container gets an /etc/mtab when its image
/// has none, as Podman's.
#[test]
fn build_runs_steps_commits_them_and_names_what_it_refuses() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let ctx = l.dir().join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "# no mtab, a new file\nFROM {}\nRUN rm /etc/mtab\nENV FOO=bar\nRUN echo $FOO > /foo; \\\n  echo step-output\nRUN [\"/bin/touch\", \"/exec-form\"]\nENTRYPOINT [\"/original-entrypoint\"]\n",
            l.image
        ),
    )
    .unwrap();
    let out = l.run(&["build", "-t", "nomtab", ctx.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("step-output"), "{out:?}");
    assert!(out.stderr.contains("STEP 6/6: ENTRYPOINT"), "{out:?}");
    let got = l.ok(&[
        "run",
        "--rm",
        "--entrypoint",
        "",
        "nomtab",
        "sh",
        "-c",
        "stat -c %N /etc/mtab; cat /foo; ls /exec-form; echo $FOO",
    ]);
    assert_eq!(
        got.replace('\r', ""),
        "'/etc/mtab' -> '/proc/mounts'\nbar\n/exec-form\nbar\n"
    );
    assert_eq!(
        l.inspect("nomtab", "{{.Config.Entrypoint}}"),
        "[/original-entrypoint]"
    );
    // No step's container is left.
    assert_eq!(l.ok(&["ps", "-aq"]).trim(), "");
    // A container's entrypoint is one string in inspect (Podman 4; 200-pod checks an
    // --infra-command that way), an image's stays a list.
    l.ok(&["create", "--name", "ep1", "nomtab"]);
    assert_eq!(
        l.inspect("ep1", "{{.Config.Entrypoint}}"),
        "/original-entrypoint"
    );
    l.ok(&[
        "create",
        "--name",
        "ep2",
        "--entrypoint",
        "[\"/bin/echo\",\"hi\"]",
        "nomtab",
    ]);
    assert_eq!(l.inspect("ep2", "{{.Config.Entrypoint}}"), "/bin/echo hi");
    l.ok(&["rm", "ep1", "ep2"]);

    // From stdin, as `build -t NAME - <<EOF`.
    let mut c = l.cmd(&["build", "-q", "-t", "fromstdin", "-"]);
    let file = l.dir().join("stdin.Containerfile");
    std::fs::write(
        &file,
        format!("FROM {}\nRUN ln /bin/busybox /linked\n", l.image),
    )
    .unwrap();
    c.stdin(std::fs::File::open(&file).unwrap());
    let out = run_bounded(c, &["build", "-"]);
    assert_eq!(out.code, 0, "{out:?}");
    let id = out
        .stdout
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert_eq!(l.inspect("fromstdin", "{{.Id}}"), id);
    l.ok(&["run", "--rm", "fromstdin", "ls", "/linked"]);

    // A failing RUN: its line and code; nothing tagged, no container left.
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {}\n\nRUN exit 3\n", l.image),
    )
    .unwrap();
    let out = l.run(&["build", "-t", "failed", ctx.to_str().unwrap()]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(
        out.stderr.contains("line 3: RUN \"exit 3\" exited with 3"),
        "{out:?}"
    );
    assert_eq!(l.run(&["image", "exists", "failed"]).code, 1);
    assert_eq!(l.ok(&["ps", "-aq"]).trim(), "");
    // An instruction lpod does not build: named with its line, nothing runs.
    std::fs::write(
        ctx.join("Containerfile"),
        format!("FROM {}\nARG a=1\n", l.image),
    )
    .unwrap();
    let before = l.ok(&["images", "-q"]);
    let out = l.run(&["build", ctx.to_str().unwrap()]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(
        out.stderr.contains("line 2: ARG is not supported"),
        "{out:?}"
    );
    assert_eq!(l.ok(&["images", "-q"]), before);
}

/// COPY and ADD (125-import, 220-healthcheck and 700-play build with them): files,
/// directories' contents, wildcards, a directory the image has, missing directories
/// made, relative to WORKDIR, --chown, ADD unpacking a tar; a source outside the
/// context (`..`, a symlink) is refused and builds nothing; a Containerfile on stdin has
/// no context for COPY.
#[test]
fn build_copy_and_add_take_files_from_the_context_only() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let ctx = l.dir().join("copyctx");
    std::fs::create_dir_all(ctx.join("tree/sub")).unwrap();
    std::fs::write(ctx.join("one.txt"), "one\n").unwrap();
    std::fs::write(ctx.join("two.txt"), "two\n").unwrap();
    std::fs::write(ctx.join("tree/top"), "top\n").unwrap();
    std::fs::write(ctx.join("tree/sub/deep"), "deep\n").unwrap();
    std::os::unix::fs::symlink("top", ctx.join("tree/toplink")).unwrap();
    let script = ctx.join("run.sh");
    std::fs::write(&script, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // A tar for ADD to unpack.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(4);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "fromtar/file", &b"tar\n"[..])
        .unwrap();
    std::fs::write(ctx.join("a.tar"), b.into_inner().unwrap()).unwrap();
    std::fs::write(
        ctx.join("Containerfile"),
        format!(
            "FROM {}\nCOPY one.txt /tmp\nCOPY *.txt /multi/\nCOPY tree /made/tree\nWORKDIR /work\nCOPY [\"run.sh\", \"rel/\"]\nCOPY --chown=12:34 one.txt /owned\nADD a.tar /unpacked/\nADD two.txt /added-file\n",
            l.image
        ),
    )
    .unwrap();
    let out = l.run(&["build", "-t", "copied", ctx.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("STEP 2/9: COPY one.txt /tmp"),
        "{out:?}"
    );
    let got = l.ok(&[
        "run",
        "--rm",
        "copied",
        "sh",
        "-c",
        "cat /tmp/one.txt /multi/one.txt /multi/two.txt /made/tree/top /made/tree/sub/deep; \
         readlink /made/tree/toplink; /work/rel/run.sh; stat -c '%u:%g %a' /owned /tmp/one.txt; \
         cat /unpacked/fromtar/file /added-file; ls -d /made/tree/tree 2>&1 || true",
    ]);
    assert_eq!(
        got,
        "one\none\ntwo\ntop\ndeep\ntop\nran\n12:34 644\n0:0 644\ntar\ntwo\nls: /made/tree/tree: No such file or directory\n"
    );
    assert_eq!(l.ok(&["ps", "-aq"]).trim(), "");

    // Outside the context: refused by line, nothing built.
    let outside = l.dir().join("outside-secret");
    std::fs::write(&outside, "secret").unwrap();
    std::os::unix::fs::symlink(&outside, ctx.join("escape")).unwrap();
    let before = l.ok(&["images", "-q"]);
    for src in ["../outside-secret", "escape"] {
        std::fs::write(
            ctx.join("Containerfile"),
            format!("FROM {}\nCOPY {src} /x\n", l.image),
        )
        .unwrap();
        let out = l.run(&["build", ctx.to_str().unwrap()]);
        assert_eq!(out.code, 125, "{out:?}");
        assert!(
            out.stderr
                .contains(&format!("line 2: \"{src}\" is outside the build context")),
            "{out:?}"
        );
    }
    // A missing source is named.
    std::fs::write(
        ctx.join("Containerfile"),
        format!("FROM {}\nCOPY nonesuch /x\n", l.image),
    )
    .unwrap();
    let out = l.run(&["build", ctx.to_str().unwrap()]);
    assert!(
        out.code == 125 && out.stderr.contains("line 2: source \"nonesuch\""),
        "{out:?}"
    );
    assert_eq!(l.ok(&["images", "-q"]), before);
    assert_eq!(l.ok(&["ps", "-aq"]).trim(), "");
    // From stdin there is no context.
    let file = l.dir().join("copy.Containerfile");
    std::fs::write(&file, format!("FROM {}\nCOPY one.txt /x\n", l.image)).unwrap();
    let mut c = l.cmd(&["build", "-"]);
    c.stdin(std::fs::File::open(&file).unwrap());
    let out = run_bounded(c, &["build", "-"]);
    assert!(
        out.code == 125 && out.stderr.contains("line 2: COPY needs a build context"),
        "{out:?}"
    );
}
