//! Issue 12, "the store is private": after `lpod import` of a root filesystem with a
//! setuid-root binary, a world-writable file and a secret, and `lpod run -d` of it with a
//! secret in its environment, an unprivileged host user (`nobody`, through `runuser`)
//! can neither list, read, write nor execute anything under the root, the run root, the
//! layer, the mounted root filesystem, the state database, the OCI spec, the log or the
//! auth file; root can (so the test can fail). A store an older lpod left 0755/0644 is
//! made private by the next command, which says so once.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_bounded, Lpod, Out};

const NOBODY: &str = "nobody";
const ENV_SECRET: &str = "lpod-env-secret-4f1c";
const FILE_SECRET: &str = "lpod-file-secret-9a7e";

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()));
}

/// `runuser` (util-linux) is what drops to nobody; in CI its absence fails the test.
fn have_runuser() -> bool {
    let found = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .iter()
        .any(|p| Path::new(p).is_file());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and runuser (util-linux) is missing");
        }
        eprintln!("SKIPPED: runuser is missing");
    }
    found
}

/// Runs `argv` as root (this process) or as nobody with no groups.
fn run_as(nobody: bool, argv: &[&str]) -> Out {
    let mut c = if nobody {
        // runuser, not setpriv: setpriv keeps root's capabilities until its execve, so
        // the lookup of the program itself would still bypass directory modes.
        let mut c = Command::new("runuser");
        c.args(["-u", NOBODY, "--"]);
        c.args(argv);
        c
    } else {
        let mut c = Command::new(argv[0]);
        c.args(&argv[1..]);
        c
    };
    c.current_dir("/")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    run_bounded(c, argv)
}

/// Asserts nobody is refused with "Permission denied", while root succeeds (and, when
/// given, root's output contains `root_sees`).
fn refused(what: &str, argv: &[&str], root_sees: Option<&str>) {
    let n = run_as(true, argv);
    assert!(
        n.code != 0 && n.stderr.contains("Permission denied"),
        "{what}: nobody was not refused: {argv:?} -> {n:?}"
    );
    for secret in [ENV_SECRET, FILE_SECRET] {
        assert!(!n.stdout.contains(secret), "{what}: nobody read {secret}");
    }
    let r = run_as(false, argv);
    assert_eq!(r.code, 0, "{what}: root failed: {argv:?} -> {r:?}");
    if let Some(s) = root_sees {
        assert!(
            r.stdout.contains(s),
            "{what}: root does not see {s:?}: {r:?}"
        );
    }
}

/// A root filesystem: setuid-root busybox, `sh` linking to it, a 0666 file, a 0644 secret.
fn hostile_tarball(path: &Path) {
    let busybox = std::fs::read("/bin/busybox").expect("busybox-static at /bin/busybox");
    let f = std::fs::File::create(path).unwrap();
    let mut b = tar::Builder::new(f);
    let header = |kind: tar::EntryType, mode: u32, size: usize| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_577_836_800);
        h.set_size(size as u64);
        h
    };
    for (dir, m) in [
        ("./", 0o755),
        ("bin/", 0o755),
        ("etc/", 0o755),
        ("tmp/", 0o1777),
    ] {
        let mut h = header(tar::EntryType::Directory, m, 0);
        b.append_data(&mut h, dir, std::io::empty()).unwrap();
    }
    let mut h = header(tar::EntryType::Regular, 0o4755, busybox.len());
    b.append_data(&mut h, "bin/busybox", &busybox[..]).unwrap();
    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
    b.append_link(&mut h, "bin/sh", "busybox").unwrap();
    let ww = b"anyone may write here\n";
    let mut h = header(tar::EntryType::Regular, 0o666, ww.len());
    b.append_data(&mut h, "world-writable", &ww[..]).unwrap();
    let secret = format!("{FILE_SECRET}\n");
    let mut h = header(tar::EntryType::Regular, 0o644, secret.len());
    b.append_data(&mut h, "etc/secret", secret.as_bytes())
        .unwrap();
    b.into_inner().unwrap();
}

/// The world with the hostile image imported and its temp dir open to everyone (0755),
/// so that only lpod's own modes can stop nobody.
fn hostile_world() -> Option<Lpod> {
    if !have_runuser() {
        return None;
    }
    let l = Lpod::with_image()?;
    chmod(l.dir(), 0o755);
    let tarball = l.dir().join("hostile.tar");
    hostile_tarball(&tarball);
    l.ok(&[
        "import",
        "-q",
        tarball.to_str().unwrap(),
        "localhost/hostile:latest",
    ]);
    Some(l)
}

/// The overlay layer dir of the hostile image (the one whose diff has etc/secret).
fn hostile_layer(l: &Lpod) -> PathBuf {
    let overlay = l.root.join("storage/overlay");
    std::fs::read_dir(&overlay)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("diff/etc/secret").is_file())
        .unwrap_or_else(|| panic!("no layer with etc/secret under {}", overlay.display()))
}

fn run_hostile(l: &Lpod) -> String {
    l.ok(&[
        "run",
        "-d",
        "--name",
        "hostile",
        "--network",
        "none",
        "-e",
        &format!("SECRET={ENV_SECRET}"),
        "localhost/hostile:latest",
        "/bin/busybox",
        "sh",
        "-c",
        "echo started; cat /etc/secret; exec /bin/busybox sleep 600",
    ])
    .trim()
    .to_string()
}

#[test]
fn nobody_cannot_read_list_or_execute_anything_in_the_store() {
    let Some(l) = hostile_world() else { return };
    // The setuid bit survived the import: this is the binary the issue ran.
    let layer = hostile_layer(&l);
    let diff = layer.join("diff");
    assert_eq!(mode(&diff.join("bin/busybox")), 0o4755);
    assert_eq!(mode(&diff.join("world-writable")), 0o666);

    // A registry login writes the auth file (in the open temp dir, not under a root).
    let auth = l.dir().join("auth").join("auth.json");
    let registry = libpod_storage::registry::testing::TestRegistry::tls_htpasswd("u", "pw");
    if let Some(reg) = &registry {
        std::fs::write(
            l.config_file(),
            format!(
                "default_network_mode = \"none\"\nauth_file = \"{}\"\nregistries_certs_dir = \"{}\"\n",
                auth.display(),
                reg.certs_dir.as_ref().expect("TLS registry certs").display()
            ),
        )
        .unwrap();
        l.ok(&["login", "-u", "u", "-p", "pw", &reg.host_port]);
        assert_eq!(mode(&auth), 0o600);
        assert_eq!(mode(auth.parent().unwrap()), 0o700);
    }

    let id = run_hostile(&l);
    let logs = l.wait_for("the container's first output", || {
        let o = l.ok(&["logs", "hostile"]);
        o.contains(FILE_SECRET).then_some(o)
    });
    assert!(logs.starts_with("started"), "{logs}");
    let rootfs = PathBuf::from(l.inspect("hostile", "{{.Rootfs}}"));
    let bundle = PathBuf::from(l.inspect("hostile", "{{.BundlePath}}"));
    let log = PathBuf::from(l.inspect("hostile", "{{.LogPath}}"));
    assert!(rootfs.join("etc/secret").is_file(), "{}", rootfs.display());
    let db = l.root.join("libpod/state.db");

    // Control: nobody can get into the test's own temp dir and run the host's busybox,
    // so only lpod's modes stop what follows.
    let ok = run_as(true, &["/bin/ls", l.dir().to_str().unwrap()]);
    assert_eq!(ok.code, 0, "nobody cannot list the open temp dir: {ok:?}");
    assert!(ok.stdout.contains("root"), "{ok:?}");

    let s = |p: &Path| p.to_str().unwrap().to_string();
    let suid_in_layer = s(&diff.join("bin/busybox"));
    let suid_in_rootfs = s(&rootfs.join("bin/busybox"));
    let cases: Vec<(&str, Vec<String>, Option<&str>)> = vec![
        (
            "list the root",
            vec!["/bin/ls".into(), s(&l.root)],
            Some("storage"),
        ),
        (
            "list the run root",
            vec!["/bin/ls".into(), s(&l.runroot)],
            None,
        ),
        (
            "list the layers",
            vec!["/bin/ls".into(), s(&l.root.join("storage/overlay"))],
            None,
        ),
        (
            "list a layer",
            vec!["/bin/ls".into(), s(&diff)],
            Some("etc"),
        ),
        (
            "read a secret in a layer",
            vec!["/bin/cat".into(), s(&diff.join("etc/secret"))],
            Some(FILE_SECRET),
        ),
        (
            "run the setuid binary in a layer",
            vec![suid_in_layer, "id".into(), "-u".into()],
            Some("0"),
        ),
        (
            "list the mounted root",
            vec!["/bin/ls".into(), s(&rootfs)],
            Some("etc"),
        ),
        (
            "read a secret in the mounted root",
            vec!["/bin/cat".into(), s(&rootfs.join("etc/secret"))],
            Some(FILE_SECRET),
        ),
        (
            "run the setuid binary in the mounted root",
            vec![suid_in_rootfs, "id".into(), "-u".into()],
            Some("0"),
        ),
        (
            "read the state database",
            vec!["/bin/cat".into(), s(&db)],
            Some("SQLite format 3"),
        ),
        (
            "read the OCI spec (the environment)",
            vec!["/bin/cat".into(), s(&bundle.join("config.json"))],
            Some(ENV_SECRET),
        ),
        (
            "read the container log",
            vec!["/bin/cat".into(), s(&log)],
            Some(FILE_SECRET),
        ),
    ];
    for (what, argv, sees) in &cases {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        refused(what, &argv, *sees);
    }
    // Writing the image's world-writable file through the layer (root's control is a read:
    // the test does not change the image).
    let ww = s(&diff.join("world-writable"));
    let n = run_as(true, &["/bin/sh", "-c", &format!("echo pwned >> '{ww}'")]);
    assert!(
        n.code != 0 && n.stderr.contains("Permission denied"),
        "nobody wrote the layer's world-writable file: {n:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&ww).unwrap(),
        "anyone may write here\n"
    );
    if registry.is_some() {
        refused(
            "read the auth file",
            &["/bin/cat", auth.to_str().unwrap()],
            Some("auths"),
        );
    }

    // The modes themselves.
    for dir in [
        &l.root,
        &l.runroot,
        &l.root.join("storage"),
        &layer,
        &bundle,
    ] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    assert_eq!(mode(rootfs.parent().unwrap()), 0o700);
    for file in [&db, &bundle.join("config.json"), &log] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    // Inside, the container still sees the image's own modes.
    let inside = l.ok(&[
        "exec",
        "hostile",
        "/bin/busybox",
        "stat",
        "-c",
        "%a",
        "/bin/busybox",
        "/world-writable",
    ]);
    assert_eq!(inside, "4755\n666\n");
    l.ok(&["rm", "-f", "-t", "0", &id]);
}

#[test]
fn a_loose_store_from_an_older_lpod_is_tightened_once() {
    let Some(l) = hostile_world() else { return };
    let id = run_hostile(&l);
    let layer = hostile_layer(&l);
    let bundle = PathBuf::from(l.inspect("hostile", "{{.BundlePath}}"));
    let db = l.root.join("libpod/state.db");
    // What an older lpod left: 0755 directories, 0644 files.
    let dirs = [
        l.root.clone(),
        l.runroot.clone(),
        l.root.join("storage"),
        l.root.join("storage/overlay"),
        l.root.join("storage/images"),
        layer.clone(),
        l.root.join("libpod"),
        l.root.join("libpod/containers"),
        l.root.join("libpod/containers").join(&id),
        l.runroot.join("storage"),
        l.runroot.join("locks"),
        l.runroot.join("exits"),
        l.runroot.join("bundles"),
        bundle.clone(),
    ];
    let files = [
        db.clone(),
        bundle.join("config.json"),
        l.root.join("storage/layers.json"),
    ];
    for d in &dirs {
        chmod(d, mode(d) | 0o055);
    }
    for f in &files {
        chmod(f, mode(f) | 0o044);
    }
    let diff_mode = mode(&layer.join("diff"));
    let open = run_as(
        true,
        &["/bin/cat", layer.join("diff/etc/secret").to_str().unwrap()],
    );
    assert_eq!(
        open.code, 0,
        "the loosened store must expose the layer: {open:?}"
    );

    let out = l.run(&["ps", "-a"]);
    assert_eq!(out.code, 0, "{out:?}");
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|s| s.contains("private"))
        .collect();
    assert_eq!(warnings.len(), 1, "want one warning: {out:?}");
    for p in dirs.iter().chain(&files) {
        assert_eq!(mode(p) & 0o077, 0, "{} not tightened", p.display());
        assert!(
            warnings[0].contains(p.to_str().unwrap()),
            "warning does not name {}: {}",
            p.display(),
            warnings[0]
        );
    }
    assert_eq!(
        mode(&layer.join("diff")),
        diff_mode,
        "layer contents keep their modes"
    );
    refused(
        "read a secret in a layer after tightening",
        &["/bin/cat", layer.join("diff/etc/secret").to_str().unwrap()],
        Some(FILE_SECRET),
    );
    // Said once: the next command finds nothing to do.
    let again = l.run(&["ps", "-a"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(!again.stderr.contains("private"), "{again:?}");
    l.ok(&["rm", "-f", "-t", "0", &id]);
}
