//! Rootless lpod: the built binary run by real unprivileged users this test creates
//! (useradd, with their own /etc/subuid and /etc/subgid ranges), each in its own user
//! namespace held by a pause process, with its own store under its home.
//!
//! Every user is removed on drop (`userdel -r`), with the processes it ran (all of them
//! were started by this test: the users are new) killed by pid, and its run dir.

mod common;

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// Retries a shadow-utils command that may meet another test's lock on /etc/passwd.
fn shadow(program: &str, args: &[&str]) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..50 {
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        if !last.contains("lock") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(format!("{program} {args:?}: {last}"))
}

/// The `start:count` range of `name` in a subuid/subgid file.
fn sub_range(file: &str, name: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() != 3 || f[0] != name {
            return None;
        }
        Some((f[1].parse().ok()?, f[2].parse().ok()?))
    })
}

/// A real unprivileged user with its own subordinate ranges and a copy of the lpod
/// binary and the test image it may read.
struct TestUser {
    name: String,
    uid: u32,
    gid: u32,
    home: PathBuf,
    /// Root-owned 0755 dir holding the binary and the image tar.
    shared: tempfile::TempDir,
    subuid: (u32, u32),
}

impl TestUser {
    /// Creates the user, or `None` (skip; a failure in CI) without the prerequisites.
    fn create() -> Option<TestUser> {
        let mut missing = Vec::new();
        if !is_root() {
            missing.push("root".to_string());
        }
        for (bin, pkg) in [
            ("useradd", "passwd"),
            ("newuidmap", "uidmap"),
            ("newgidmap", "uidmap"),
            ("crun", "crun"),
            ("conmon", "conmon"),
        ] {
            if which(bin).is_none() {
                missing.push(format!("{bin} (package {pkg})"));
            }
        }
        if !test_image_tar().is_file() {
            missing.push(format!(
                "{} (run `cargo xtask test-image`)",
                test_image_tar().display()
            ));
        }
        if !require(missing.is_empty(), &missing.join(", ")) {
            return None;
        }
        let name = format!("lpodrl{}", random_hex(8));
        // useradd gives the user a free subordinate range of its own (login.defs
        // SUB_UID_COUNT); one is added explicitly where it does not.
        shadow("useradd", &["-m", "-s", "/bin/sh", &name]).expect("useradd");
        let out = Command::new("id").args(["-u", &name]).output().unwrap();
        let uid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        let out = Command::new("id").args(["-g", &name]).output().unwrap();
        let gid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        let mut user = TestUser {
            home: PathBuf::from(format!("/home/{name}")),
            name,
            uid,
            gid,
            shared: tempfile::Builder::new()
                .prefix("lpod-rootless-")
                .tempdir()
                .unwrap(),
            subuid: (0, 0),
        };
        for (file, flag) in [
            ("/etc/subuid", "--add-subuids"),
            ("/etc/subgid", "--add-subgids"),
        ] {
            if sub_range(file, &user.name).is_none() {
                let start = 400_000_000 + (random_u32() % 2000) * 65536;
                let range = format!("{start}-{}", start + 65535);
                shadow("usermod", &[flag, &range, &user.name]).expect("usermod");
            }
        }
        user.subuid = sub_range("/etc/subuid", &user.name).expect("subuid range");
        let dir = user.shared.path();
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        std::fs::copy(lpod_bin(), dir.join("lpod")).expect("copy lpod");
        for tar in ["busybox.tar", "multilayer.tar"] {
            std::fs::copy(test_image_tar().with_file_name(tar), dir.join(tar))
                .unwrap_or_else(|e| panic!("copy {tar}: {e}"));
            std::fs::set_permissions(
                dir.join(tar),
                std::os::unix::fs::PermissionsExt::from_mode(0o644),
            )
            .unwrap();
        }
        Some(user)
    }

    /// A command running the lpod copy as this user (no root groups), with a login-like
    /// environment (no XDG_RUNTIME_DIR: the run dir is `/tmp/lpod-run-UID`).
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.shared.path().join("lpod"));
        c.args(["--runtime", "crun"])
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("USER", &self.name)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
            .current_dir(&self.home)
            .uid(self.uid)
            .gid(self.gid)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        run_bounded(self.cmd(args), args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{} lpod {args:?}: {out:?}", self.name);
        out.stdout
    }

    /// Loads the test image; returns its name.
    fn load_image(&self) -> String {
        let tar = self.shared.path().join("busybox.tar");
        self.ok(&["load", "-i", tar.to_str().unwrap()]);
        let v: serde_json::Value =
            serde_json::from_str(&self.ok(&["images", "--format", "json"])).unwrap();
        v[0]["Names"][0].as_str().expect("image name").to_string()
    }

    fn run_dir(&self) -> PathBuf {
        PathBuf::from(format!("/tmp/lpod-run-{}", self.uid))
    }

    /// The pause process recorded in the user's run dir.
    fn pause_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.run_dir().join("pause.pid"))
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// Pids of every process running as this user (or in its subordinate range).
    fn processes(&self) -> Vec<i32> {
        let (start, count) = self.subuid;
        let mut pids = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            if let Ok(md) = std::fs::metadata(e.path()) {
                let u = md.uid();
                if u == self.uid || (u >= start && u < start + count) {
                    pids.push(pid);
                }
            }
        }
        pids
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        // Containers first (conmon, their processes), then the namespace's pause process.
        let _ = run_quiet(self.cmd(&["rm", "-a", "-f", "-t", "0"]));
        let _ = run_quiet(self.cmd(&["system", "migrate"]));
        // Whatever is left ran as this new user, so this test started it: kill by pid.
        for _ in 0..50 {
            let pids = self.processes();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(self.run_dir());
        // The intermediate mount points of --uidmap/--userns=auto containers.
        if let Ok(rd) = std::fs::read_dir("/tmp") {
            let prefix = format!("lpod-intermediate-{}.", self.uid);
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir(e.path());
                }
            }
        }
        let _ = shadow("userdel", &["-r", "-f", &self.name]);
        // userdel removes the user's subordinate ranges; a leftover line would block
        // nothing but is removed all the same.
        for f in ["/etc/subuid", "/etc/subgid"] {
            if let Ok(t) = std::fs::read_to_string(f) {
                let prefix = format!("{}:", self.name);
                if t.lines().any(|l| l.starts_with(&prefix)) {
                    let kept: String = t
                        .lines()
                        .filter(|l| !l.starts_with(&prefix))
                        .map(|l| format!("{l}\n"))
                        .collect();
                    let _ = std::fs::write(f, kept);
                }
            }
        }
    }
}

/// Runs a cleanup command with its output discarded.
fn run_quiet(mut c: Command) -> Option<i32> {
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c.status().ok()?.code()
}

/// `/proc/self/uid_map` lines as (inside, outside, count).
fn map_lines(text: &str) -> Vec<(u64, u64, u64)> {
    text.lines()
        .map(|l| {
            let f: Vec<u64> = l.split_whitespace().map(|v| v.parse().unwrap()).collect();
            (f[0], f[1], f[2])
        })
        .collect()
}

#[test]
fn rootless_info_paths_and_private_store() {
    let Some(u) = TestUser::create() else { return };
    let info: serde_json::Value =
        serde_json::from_str(&u.ok(&["info", "--format", "json"])).unwrap();
    assert_eq!(info["host"]["security"]["rootless"], true, "{info}");
    let data = u.home.join(".local/share/lpod");
    let text = info.to_string();
    assert!(
        text.contains(data.join("storage").to_str().unwrap()),
        "graph root under {}: {info}",
        data.display()
    );
    assert!(
        text.contains(u.run_dir().to_str().unwrap()),
        "run root {}: {info}",
        u.run_dir().display()
    );
    // The stores are the user's own and private.
    for d in [data.clone(), data.join("storage"), u.run_dir()] {
        let md = std::fs::metadata(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        assert_eq!(md.uid(), u.uid, "{} owned by the user", d.display());
        assert_eq!(
            md.mode() & 0o077,
            0,
            "{} private: {:o}",
            d.display(),
            md.mode()
        );
    }
    // One pause process holds the namespace, the user's own.
    let pid = u.pause_pid().expect("pause pid file");
    let md = std::fs::metadata(format!("/proc/{pid}")).expect("pause process runs");
    assert_eq!(md.uid(), u.uid);
    // `unshare` runs in it: the user is 0, its subordinate range follows.
    let maps = map_lines(&u.ok(&["unshare", "cat", "/proc/self/uid_map"]));
    assert_eq!(maps[0], (0, u64::from(u.uid), 1), "{maps:?}");
    assert!(
        maps.contains(&(1, u64::from(u.subuid.0), u64::from(u.subuid.1))),
        "{maps:?}"
    );
    assert_eq!(
        u.pause_pid(),
        Some(pid),
        "the namespace is rejoined, not remade"
    );
    // `system migrate` ends it; the next command makes a new one.
    u.ok(&["system", "migrate"]);
    poll_until("pause process gone", POLL_LIMIT, || {
        pid_gone(pid).then_some(())
    });
    u.ok(&["unshare", "true"]);
    let new = u.pause_pid().expect("a new pause process");
    assert_ne!(new, pid);
    // As root, unshare is refused.
    let root = Command::new(lpod_bin())
        .args(["unshare", "true"])
        .output()
        .unwrap();
    assert_eq!(root.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&root.stderr).contains("rootless"));
}

#[test]
fn rootless_run_is_root_inside_and_files_are_the_users() {
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    let out = u.ok(&["run", "--rm", "--network", "none", &img, "id"]);
    assert!(out.starts_with("uid=0(root) gid=0(root)"), "{out}");
    let maps = map_lines(&u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &img,
        "cat",
        "/proc/self/uid_map",
    ]));
    assert_eq!(maps[0], (0, u64::from(u.uid), 1), "{maps:?}");
    // A bind-mounted dir of the user's: what root writes belongs to the user on the host,
    // what uid 1000 writes to subuid base + 999.
    let dir = u.home.join("data");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(u.uid), Some(u.gid)).unwrap();
    let vol = format!("{}:/data", dir.display());
    u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &vol,
        &img,
        "sh",
        "-c",
        "echo hi > /data/f && touch /data/g && chown 1000:1000 /data/g",
    ]);
    let f = std::fs::metadata(dir.join("f")).unwrap();
    assert_eq!((f.uid(), f.gid()), (u.uid, u.gid));
    let g = std::fs::metadata(dir.join("g")).unwrap();
    assert_eq!(
        g.uid(),
        u.subuid.0 + 999,
        "uid 1000 inside = subuid base + 999"
    );
    // The image's files are owned by root inside: the user outside.
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &img,
        "stat",
        "-c",
        "%u",
        "/bin",
    ]);
    assert_eq!(out.trim(), "0");
    let storage = u.home.join(".local/share/lpod/storage");
    assert_eq!(std::fs::metadata(&storage).unwrap().uid(), u.uid);
    // Layers with a whiteout and an opaque directory, extracted and mounted by overlay
    // inside the user namespace (user.overlay.* markers, userxattr).
    let tar = u.shared.path().join("multilayer.tar");
    u.ok(&["load", "-i", tar.to_str().unwrap()]);
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "localhost/multilayer:latest",
        "sh",
        "-c",
        "ls /data; ls /opaque; cat /etc/motd",
    ]);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        words,
        ["keep.txt", "layer3.txt", "new.txt", "layer3"],
        "whiteout and opaque dir honoured: {out}"
    );
    let info: serde_json::Value =
        serde_json::from_str(&u.ok(&["info", "--format", "json"])).unwrap();
    assert_eq!(info["store"]["graphDriverName"], "overlay", "{info}");
}

#[test]
fn rootless_detached_container_across_commands() {
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    let pause = u.pause_pid().expect("pause process");
    let id = u.ok(&[
        "run",
        "-d",
        "--name",
        "sleeper",
        "--network",
        "none",
        &img,
        "sh",
        "-c",
        "echo started; exec sleep 1000",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "{id}");
    let ps = u.ok(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    assert!(ps.contains("sleeper Up"), "{ps}");
    poll_until("log line", POLL_LIMIT, || {
        u.ok(&["logs", "sleeper"]).contains("started").then_some(())
    });
    assert_eq!(u.ok(&["exec", "sleeper", "id", "-u"]).trim(), "0");
    // The container's process is the user's on the host (uid 0 inside).
    let pid: i32 = u
        .ok(&["inspect", "--format", "{{.State.Pid}}", "sleeper"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        std::fs::metadata(format!("/proc/{pid}")).unwrap().uid(),
        u.uid
    );
    u.ok(&["stop", "-t", "1", "sleeper"]);
    let st = u.ok(&["inspect", "--format", "{{.State.Status}}", "sleeper"]);
    assert_eq!(st.trim(), "exited");
    assert!(pid_gone(pid));
    u.ok(&["rm", "sleeper"]);
    assert!(u.ok(&["ps", "-a", "-q"]).trim().is_empty());
    assert_eq!(
        u.pause_pid(),
        Some(pause),
        "every command joined one namespace"
    );
}

/// `push` and `pull` against a loopback registry as the user (Debian's docker-registry
/// on 127.0.0.1): the pulled image runs, its files owned by root inside, and a
/// missing reference fails by name and stores nothing.
#[test]
fn rootless_push_and_pull_through_a_loopback_registry() {
    let Some(reg) = libpod_storage::registry::testing::TestRegistry::http() else {
        return;
    };
    let Some(u) = TestUser::create() else { return };
    write_user_config(
        &u,
        &format!("insecure_registries = [\"{}\"]\n", reg.host_port),
    );
    let img = u.load_image();
    let dest = format!("{}/rootless/busybox:v1", reg.host_port);
    u.ok(&["push", &img, &format!("docker://{dest}")]);
    u.ok(&["rmi", &img]);
    assert!(u.ok(&["images", "-q"]).trim().is_empty());
    let out = u.run(&["pull", &dest]);
    assert_eq!(out.code, 0, "{out:?}");
    let names = u.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(names.lines().any(|l| l == dest), "{names}");
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &dest,
        "sh",
        "-c",
        "stat -c %u /bin/sh; id -u",
    ]);
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["0", "0"],
        "{out}"
    );
    // A reference the registry lacks fails by name and stores nothing.
    let missing = format!("{}/rootless/nothing:v1", reg.host_port);
    let out = u.run(&["pull", &missing]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("nothing"), "{out:?}");
    assert_eq!(u.ok(&["images", "-q"]).lines().count(), 1);
}

#[test]
fn rootless_users_do_not_see_each_other() {
    let Some(a) = TestUser::create() else { return };
    let Some(b) = TestUser::create() else { return };
    let img = a.load_image();
    a.ok(&[
        "create",
        "--name",
        "mine",
        "--network",
        "none",
        &img,
        "true",
    ]);
    assert!(a
        .ok(&["ps", "-a", "--format", "{{.Names}}"])
        .contains("mine"));
    assert!(b.ok(&["ps", "-a", "-q"]).trim().is_empty());
    let out = b.run(&["rm", "mine"]);
    assert_ne!(out.code, 0, "{out:?}");
    // b cannot even read a's store.
    let out = b.run(&[
        "--root",
        a.home.join(".local/share/lpod").to_str().unwrap(),
        "ps",
        "-a",
    ]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(a
        .ok(&["ps", "-a", "--format", "{{.Names}}"])
        .contains("mine"));
    assert_ne!(a.pause_pid(), b.pause_pid());
}

#[test]
fn rootless_refuses_limits_and_bridge_and_creates_nothing() {
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    for args in [
        vec![
            "create",
            "--network",
            "none",
            "--memory",
            "64m",
            &img,
            "true",
        ],
        vec![
            "create",
            "--network",
            "none",
            "--pids-limit",
            "10",
            &img,
            "true",
        ],
        vec!["create", "--network", "bridge", &img, "true"],
    ] {
        let out = u.run(&args);
        out.assert_error(125, &format!("{args:?}"));
        assert!(out.stderr.contains("rootless"), "{out:?}");
    }
    assert!(u.ok(&["ps", "-a", "-q"]).trim().is_empty());
    let id = u.ok(&["create", "--network", "none", &img, "true"]);
    let out = u.run(&["update", "--memory", "64m", id.trim()]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("rootless"), "{out:?}");
}

#[test]
fn rootless_keep_id_runs_as_the_users_own_ids() {
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--userns",
        "keep-id",
        &img,
        "sh",
        "-c",
        "id -u; id -g; cat /proc/self/uid_map",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], u.uid.to_string(), "{out}");
    assert_eq!(lines[1], u.gid.to_string(), "{out}");
    // Inside, the user's uid is itself; outside (in lpod's namespace) it is 0, the user.
    let maps = map_lines(&lines[2..].join("\n"));
    assert!(maps.contains(&(u64::from(u.uid), 0, 1)), "{maps:?}");
    // What it writes in a bind mount is the user's on the host.
    let dir = u.home.join("kept");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(u.uid), Some(u.gid)).unwrap();
    let vol = format!("{}:/kept", dir.display());
    u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--userns=keep-id",
        "-v",
        &vol,
        &img,
        "touch",
        "/kept/f",
    ]);
    let f = std::fs::metadata(dir.join("f")).unwrap();
    assert_eq!((f.uid(), f.gid()), (u.uid, u.gid));
    // Other modes are refused by name.
    let out = u.run(&["create", "--userns", "bogus", &img, "true"]);
    out.assert_error(125, "--userns=bogus");
    assert!(out.stderr.contains("--userns=bogus"), "{out:?}");
}

#[test]
fn rootless_uidmap_and_userns_auto() {
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    // --uidmap: the ids outside count in the user's namespace (0 is the user, 1.. its
    // subordinate range); one map given serves for gids too.
    let dir = u.home.join("mapped");
    std::fs::create_dir(&dir).unwrap();
    // Owned by the id root inside will have (subuid base + 99, see below).
    std::os::unix::fs::chown(&dir, Some(u.subuid.0 + 99), Some(u.gid)).unwrap();
    let vol = format!("{}:/data", dir.display());
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--uidmap",
        "0:100:5000",
        "-v",
        &vol,
        &img,
        "sh",
        "-c",
        "cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u:%g /bin/busybox /etc/passwd; touch /data/f",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        map_lines(&lines[..2].join("\n")),
        [(0, 100, 5000), (0, 100, 5000)],
        "{out}"
    );
    assert_eq!(lines[2], "0", "{out}");
    // The image's root files were shifted onto the mapping: root's inside.
    assert_eq!(&lines[3..5], ["0:0", "0:0"], "{out}");
    // Root inside is id 100 of the user's namespace: subuid base + 99 on the host.
    let f = std::fs::metadata(dir.join("f")).unwrap();
    assert_eq!(f.uid(), u.subuid.0 + 99, "host owner of a file root wrote");
    // --userns=auto:size=N: ranges after the user's own id, none overlapping another's.
    u.ok(&[
        "run",
        "-d",
        "--name",
        "a1",
        "--network",
        "none",
        "--userns",
        "auto:size=1000",
        &img,
        "sleep",
        "1000",
    ]);
    let a1 = map_lines(&u.ok(&["exec", "a1", "cat", "/proc/self/uid_map"]));
    assert_eq!(a1, [(0, 1, 1000)]);
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--userns=auto:size=1000",
        &img,
        "sh",
        "-c",
        "cat /proc/self/uid_map /proc/self/gid_map; stat -c %u /bin",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        map_lines(&lines[..2].join("\n")),
        [(0, 1001, 1000), (0, 1001, 1000)],
        "{out}"
    );
    assert_eq!(lines[2], "0", "{out}");
    // Plain auto asks for 65536 ids: the user has 65536 in all and a1 holds 1000.
    let out = u.run(&[
        "create",
        "--network",
        "none",
        "--userns",
        "auto",
        &img,
        "true",
    ]);
    out.assert_error(125, "auto without room");
    assert!(
        out.stderr.contains("--userns=auto") && out.stderr.contains("no free range"),
        "{out:?}"
    );
    u.ok(&["rm", "-f", "-t", "0", "a1"]);
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--userns",
        "auto",
        &img,
        "cat",
        "/proc/self/uid_map",
    ]);
    assert_eq!(map_lines(&out), [(0, 1, 65536)]);
    // The runtime reached the roots through a 0755 dir of the user's (the bind lived in
    // conmon's own mount namespace only: empty here); the store stayed private.
    let inter = PathBuf::from(format!("/tmp/lpod-intermediate-{}.0", u.uid));
    let md = std::fs::metadata(&inter).expect("intermediate mount point");
    assert_eq!((md.uid(), md.mode() & 0o777), (u.uid, 0o755));
    assert_eq!(std::fs::read_dir(&inter).unwrap().count(), 0);
    let store = std::fs::metadata(u.home.join(".local/share/lpod/storage")).unwrap();
    assert_eq!(store.mode() & 0o077, 0, "store private: {:o}", store.mode());
    // Bad mappings fail by name and create nothing.
    for (args, named) in [
        (vec!["--uidmap", "0:1"], "0:1"),
        (vec!["--uidmap", "0:70000:10"], "0:70000:10"),
        (vec!["--userns", "auto:size=x"], "size"),
        (vec!["--userns", "keep-id", "--uidmap", "0:1:10"], "keep-id"),
    ] {
        let mut a = vec!["create", "--network", "none"];
        a.extend(args.iter().copied());
        a.extend([img.as_str(), "true"]);
        let out = u.run(&a);
        out.assert_error(125, &format!("{args:?}"));
        assert!(out.stderr.contains(named), "{args:?}: {out:?}");
    }
    assert!(u.ok(&["ps", "-a", "-q"]).trim().is_empty());
}

/// Rootless networking opens /dev/net/tun as the user (`cargo xtask setup` makes it 0666).
fn tun_open_for_users() -> bool {
    let ok = std::fs::metadata("/dev/net/tun").is_ok_and(|m| m.mode() & 0o006 == 0o006);
    require(
        ok && which("slirp4netns").is_some(),
        "slirp4netns and a /dev/net/tun users may open (cargo xtask setup makes it 0666)",
    )
}

#[test]
fn rootless_default_network_publishes_a_loopback_port() {
    let Some(u) = TestUser::create() else { return };
    if !tun_open_for_users() {
        return;
    }
    let img = u.load_image();
    let port = reserve_port();
    let publish = format!("127.0.0.1:{port}:80");
    // No --network: the rootless default, slirp4netns.
    u.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        &publish,
        &img,
        "sh",
        "-c",
        "mkdir -p /www && echo hello-rootless > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    let mode = u.ok(&["inspect", "--format", "{{.HostConfig.NetworkMode}}", "web"]);
    assert_eq!(mode.trim(), "slirp4netns");
    let body = poll_until("published port answers", POLL_LIMIT, || http_get(port, "/"));
    assert!(body.contains("hello-rootless"), "{body}");
    u.ok(&["rm", "-f", "web"]);
}

/// Pids of the user's processes whose name starts with `pas` (pasta, pasta.avx2).
fn pasta_processes(u: &TestUser) -> Vec<i32> {
    u.processes()
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with("pas"))
        })
        .collect()
}

#[test]
fn rootless_pasta_publishes_a_loopback_port() {
    let Some(u) = TestUser::create() else { return };
    if !tun_open_for_users() || !require(which("pasta").is_some(), "pasta (package passt)") {
        return;
    }
    let img = u.load_image();
    let port = reserve_port();
    let publish = format!("127.0.0.1:{port}:80");
    u.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "pasta",
        "-p",
        &publish,
        &img,
        "sh",
        "-c",
        "mkdir -p /www && echo hello-pasta > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    let mode = u.ok(&["inspect", "--format", "{{.HostConfig.NetworkMode}}", "web"]);
    assert_eq!(mode.trim(), "pasta");
    assert_eq!(
        pasta_processes(&u).len(),
        1,
        "one pasta serves the container"
    );
    let body = poll_until("published port answers", POLL_LIMIT, || http_get(port, "/"));
    assert!(body.contains("hello-pasta"), "{body}");
    // The namespace has more than loopback: pasta configured an interface in it.
    let links = u.ok(&["exec", "web", "ip", "-o", "link"]);
    assert!(links.lines().count() >= 2, "{links}");
    u.ok(&["rm", "-f", "-t", "0", "web"]);
    // Killed by pid on teardown (reaped by whoever adopted the daemon: polled).
    poll_until("pasta gone with the container", POLL_LIMIT, || {
        let left: Vec<i32> = pasta_processes(&u)
            .into_iter()
            .filter(|p| {
                !std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
                    s.rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z'))
                })
            })
            .collect();
        left.is_empty().then_some(())
    });
    // pasta's own options are not passed through: refused by name.
    let out = u.run(&["create", "--network", "pasta:-T,auto", &img, "true"]);
    out.assert_error(125, "pasta:OPTS");
    assert!(out.stderr.contains("pasta"), "{out:?}");
}

#[test]
fn rootless_pod_members_share_localhost() {
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    u.ok(&["pod", "create", "--name", "p", "--network", "none"]);
    u.ok(&[
        "run",
        "-d",
        "--pod",
        "p",
        "--name",
        "server",
        &img,
        "sh",
        "-c",
        "mkdir -p /www && echo from-server > /www/index.html && exec httpd -f -p 8080 -h /www",
    ]);
    let body = poll_until("pod member answers on localhost", POLL_LIMIT, || {
        let out = u.run(&[
            "run",
            "--rm",
            "--pod",
            "p",
            &img,
            "wget",
            "-qO-",
            "http://127.0.0.1:8080/",
        ]);
        (out.code == 0).then_some(out.stdout)
    });
    assert_eq!(body.trim(), "from-server");
    u.ok(&["pod", "rm", "-f", "p"]);
    assert!(u.ok(&["ps", "-a", "-q"]).trim().is_empty());
}

/// Root mode is untouched by the rootless paths: root still gets /var/lib/lpod-style
/// defaults (here: `info` without --root reports no user path and rootless false).
#[test]
fn root_mode_is_not_rootless() {
    if !require_root("root_mode_is_not_rootless") {
        return;
    }
    let l = Lpod::bare();
    let info: serde_json::Value =
        serde_json::from_str(&l.ok(&["info", "--format", "json"])).unwrap();
    assert_eq!(info["host"]["security"]["rootless"], false);
    let _ = Path::new("/");
}

/// Writes the user's `~/.config/lpod/lpod.toml`.
fn write_user_config(u: &TestUser, text: &str) {
    let dir = u.home.join(".config/lpod");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lpod.toml"), text).unwrap();
    for d in [u.home.join(".config"), dir.clone(), dir.join("lpod.toml")] {
        std::os::unix::fs::chown(&d, Some(u.uid), Some(u.gid)).unwrap();
    }
}

/// Runs the multilayer image (whiteout and opaque dir) and checks what it shows.
fn assert_multilayer_runs(u: &TestUser) {
    let tar = u.shared.path().join("multilayer.tar");
    u.ok(&["load", "-i", tar.to_str().unwrap()]);
    let out = u.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "localhost/multilayer:latest",
        "sh",
        "-c",
        "ls /data; ls /opaque; cat /etc/motd; echo w > /data/new.txt && cat /data/new.txt",
    ]);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        words,
        ["keep.txt", "layer3.txt", "new.txt", "layer3", "w"],
        "whiteout and opaque dir honoured, root writable: {out}"
    );
}

#[test]
fn rootless_storage_falls_back_to_fuse_overlayfs_then_vfs() {
    let fuse_ok = which("fuse-overlayfs").is_some()
        && std::fs::metadata("/dev/fuse").is_ok_and(|m| m.mode() & 0o006 == 0o006);
    if !require(
        fuse_ok,
        "fuse-overlayfs and a /dev/fuse users may open (cargo xtask setup installs it and makes it 0666)",
    ) {
        return;
    }
    // Native overlay refused by the knob: fuse-overlayfs mounts the roots.
    let Some(u) = TestUser::create() else { return };
    write_user_config(&u, "storage_options = [\"overlay.native=false\"]\n");
    let info: serde_json::Value =
        serde_json::from_str(&u.ok(&["info", "--format", "json"])).unwrap();
    assert_eq!(info["store"]["graphDriverName"], "overlay", "{info}");
    let prog = info["store"]["graphOptions"]["overlay.mount_program"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(prog.ends_with("fuse-overlayfs"), "{info}");
    assert_multilayer_runs(&u);
    let img = u.load_image();
    u.ok(&[
        "run",
        "-d",
        "--name",
        "f",
        "--network",
        "none",
        &img,
        "sleep",
        "1000",
    ]);
    let mounts = u.ok(&["unshare", "cat", "/proc/self/mountinfo"]);
    assert!(
        mounts
            .lines()
            .any(|l| l.contains(" - fuse") && l.contains("/merged")),
        "the running container's root is a FUSE mount: {mounts}"
    );
    u.ok(&["rm", "-f", "-t", "0", "f"]);
    // A later command keeps the program the store took (no knob needed any more).
    write_user_config(&u, "");
    let info: serde_json::Value =
        serde_json::from_str(&u.ok(&["info", "--format", "json"])).unwrap();
    assert_eq!(
        info["store"]["graphOptions"]["overlay.mount_program"], prog,
        "{info}"
    );
    // Neither native overlay nor a FUSE program: a new store is vfs.
    let Some(v) = TestUser::create() else { return };
    write_user_config(
        &v,
        "storage_options = [\"overlay.native=false\", \"overlay.mount_program=none\"]\n",
    );
    let info: serde_json::Value =
        serde_json::from_str(&v.ok(&["info", "--format", "json"])).unwrap();
    assert_eq!(info["store"]["graphDriverName"], "vfs", "{info}");
    assert_multilayer_runs(&v);
    // A bad value is refused by name.
    write_user_config(&v, "storage_options = [\"overlay.native=maybe\"]\n");
    let out = v.run(&["ps"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("overlay.native"), "{out:?}");
}

/// The steps (lpod arguments, the failpoint armed) that reach core failpoint `fp` as a
/// rootless user: the root suite's cases (tests/failpoints.rs) with `--network none`.
fn rootless_case(img: &str, fp: &'static str) -> Vec<(Vec<String>, Option<&'static str>)> {
    let v = |a: &[&str]| -> Vec<String> {
        a.iter()
            .map(|s| if *s == "IMG" { img } else { s }.to_string())
            .collect()
    };
    let create = v(&[
        "create",
        "--name",
        "c",
        "--network",
        "none",
        "IMG",
        "sleep",
        "1000",
    ]);
    let run = v(&[
        "run",
        "-d",
        "--name",
        "c",
        "--network",
        "none",
        "IMG",
        "sleep",
        "1000",
    ]);
    let health = |interval: &str| {
        v(&[
            "run",
            "-d",
            "--name",
            "c",
            "--network",
            "none",
            "--health-cmd",
            "true",
            "--health-interval",
            interval,
            "IMG",
            "sleep",
            "1000",
        ])
    };
    let pod_create = v(&["pod", "create", "--name", "p", "--network", "none"]);
    let member = v(&[
        "run", "-d", "--pod", "p", "--name", "c", "IMG", "sleep", "1000",
    ]);
    let plain = |a: Vec<String>| (a, None);
    let armed = |a: Vec<String>| (a, Some(fp));
    match fp {
        "container.create.after_storage" | "container.create.after_state" => vec![armed(create)],
        "container.init.after_mount"
        | "container.init.after_network"
        | "container.init.after_runtime_create"
        | "container.init.after_state"
        | "container.start.after_start" => vec![plain(create), armed(v(&["start", "c"]))],
        "container.stop.after_kill" | "container.stop.after_wait" => {
            vec![plain(run), armed(v(&["stop", "-t", "0", "c"]))]
        }
        "container.cleanup.after_runtime_delete"
        | "container.cleanup.after_network"
        | "container.cleanup.after_unmount"
        | "container.remove.after_kill"
        | "container.remove.after_storage_delete"
        | "container.remove.after_state" => vec![plain(run), armed(v(&["rm", "-f", "c"]))],
        "container.health.after_monitor_spawn" => vec![armed(health("1s"))],
        "container.health.before_record" => vec![
            plain(health("disable")),
            armed(v(&["healthcheck", "run", "c"])),
        ],
        "pod.create.after_state" | "pod.create.after_infra" => vec![armed(pod_create)],
        "pod.remove.after_containers"
        | "pod.remove.after_detach"
        | "pod.remove.after_infra"
        | "pod.remove.after_state" => vec![
            plain(pod_create),
            plain(member),
            armed(v(&["pod", "rm", "-f", "p"])),
        ],
        "recovery.container.before_undo" | "recovery.container.after_undo" => vec![
            plain(create),
            (v(&["start", "c"]), Some("container.init.after_mount")),
            armed(v(&["ps", "-a"])),
        ],
        "recovery.pod.before_undo" => vec![
            (pod_create, Some("pod.create.after_infra")),
            armed(v(&["ps", "-a"])),
        ],
        "volume.create.after_dir" | "volume.create.after_state" => {
            vec![armed(v(&["volume", "create", "v"]))]
        }
        "volume.remove.after_dir" | "volume.remove.after_state" => vec![
            plain(v(&["volume", "create", "v"])),
            armed(v(&["volume", "rm", "v"])),
        ],
        "volume.mount.after_mount" => vec![
            plain(v(&[
                "volume",
                "create",
                "--opt",
                "type=tmpfs",
                "--opt",
                "device=tmpfs",
                "--opt",
                "o=size=1m",
                "v",
            ])),
            plain(v(&[
                "create",
                "--name",
                "c",
                "--network",
                "none",
                "-v",
                "v:/data",
                "IMG",
                "sleep",
                "1000",
            ])),
            armed(v(&["start", "c"])),
        ],
        "recovery.volume.before_undo" => vec![
            (
                v(&["volume", "create", "v"]),
                Some("volume.create.after_state"),
            ),
            armed(v(&["ps", "-a"])),
        ],
        other => panic!("failpoint {other} has no rootless case in tests/rootless.rs: add one"),
    }
}

/// What a rootless user's lpod left behind (empty = clean): rows, storage containers,
/// mounts in the user's namespace, conmon processes, per-boot files, `system check`.
fn rootless_leaks(u: &TestUser) -> Vec<String> {
    let mut leaks = Vec::new();
    let data = u.home.join(".local/share/lpod");
    let run = u.run_dir();
    for (args, what) in [
        (&["ps", "-a", "-q"][..], "container rows"),
        (&["pod", "ps", "-q"][..], "pod rows"),
        (&["volume", "ls", "-q"][..], "volume rows"),
    ] {
        let out = u.ok(args);
        if !out.trim().is_empty() {
            leaks.push(format!("{what}: {out}"));
        }
    }
    let mounts = u.ok(&["unshare", "cat", "/proc/self/mountinfo"]);
    for line in mounts.lines() {
        if line.contains(data.to_str().unwrap()) || line.contains(run.to_str().unwrap()) {
            leaks.push(format!("mount {line}"));
        }
    }
    // conmon exits just after the exit file `rm -f` waits for: given time to finish.
    let conmons = || -> Vec<i32> {
        u.processes()
            .into_iter()
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| c.trim() == "conmon")
            })
            .collect()
    };
    let deadline = std::time::Instant::now() + POLL_LIMIT;
    let mut left = conmons();
    while !left.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = conmons();
    }
    for pid in left {
        leaks.push(format!("conmon pid {pid}"));
    }
    let read = |d: PathBuf| -> Vec<PathBuf> {
        std::fs::read_dir(&d)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    for d in ["bundles", "persist", "exits", "netns"] {
        for e in read(run.join(d)) {
            leaks.push(format!("runtime file {}", e.display()));
        }
    }
    for e in read(run.join("locks")) {
        if e.is_file() {
            leaks.push(format!("lock file {}", e.display()));
        }
    }
    for d in ["libpod/containers", "storage/containers", "volumes"] {
        for e in read(data.join(d)) {
            leaks.push(format!("left in {d}: {}", e.display()));
        }
    }
    let out = u.run(&["system", "check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("system check printed no JSON ({e}): {out:?}"));
    for f in v["findings"].as_array().cloned().unwrap_or_default() {
        leaks.push(format!("system check: {f}"));
    }
    leaks
}

#[test]
fn rootless_core_failpoints_recover_without_leaks() {
    use std::os::unix::process::ExitStatusExt;
    let Some(u) = TestUser::create() else { return };
    let img = u.load_image();
    let mut reached = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for &fp in libpod_config::failpoint::CORE {
        for (args, armed) in rootless_case(&img, fp) {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut cmd = u.cmd(&a);
            if let Some(f) = armed {
                cmd.env(libpod_config::failpoint::ENV, f);
            }
            let out = cmd.output().expect("spawn lpod");
            let stderr = String::from_utf8_lossy(&out.stderr);
            match armed {
                Some(f) => {
                    if out.status.signal() == Some(libc::SIGKILL)
                        && stderr.contains(&format!("failpoint {f} reached"))
                    {
                        if f == fp {
                            reached.insert(fp);
                        }
                    } else {
                        failures.push(format!(
                            "[{fp}] lpod {a:?} with {f} armed did not die there: {:?} {stderr}",
                            out.status
                        ));
                    }
                }
                None if !out.status.success() => {
                    failures.push(format!("[{fp}] lpod {a:?}: {:?} {stderr}", out.status))
                }
                None => {}
            }
        }
        // The ordinary commands the user runs next.
        for cleanup in [
            &["ps", "-a"][..],
            &["pod", "rm", "-fa"][..],
            &["rm", "-fa"][..],
            &["volume", "rm", "-fa"][..],
        ] {
            let out = u.run(cleanup);
            if out.code != 0 {
                failures.push(format!("[{fp}] lpod {cleanup:?} failed: {out:?}"));
            }
        }
        let leaks = rootless_leaks(&u);
        if !leaks.is_empty() {
            for l in leaks {
                failures.push(format!("[{fp}] leak: {l}"));
            }
            let _ = u.run(&["system", "check", "--repair", "--max", "0"]);
            let _ = u.run(&["pod", "rm", "-fa"]);
            let _ = u.run(&["rm", "-fa"]);
        }
        println!("rootless failpoint {fp}: recovered");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let all: std::collections::BTreeSet<&str> =
        libpod_config::failpoint::CORE.iter().copied().collect();
    assert_eq!(reached, all, "every failpoint must be reached by its case");
}
