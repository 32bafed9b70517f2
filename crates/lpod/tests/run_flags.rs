//! Podman's `run`/`create` flags of issue 14 through the lpod binary, with real crun
//! under conmon: `--group-add`, ...

mod common;

use common::Lpod;

/// Nothing is left behind: `ps -a -q` lists no container.
fn assert_no_containers(l: &Lpod) {
    let ids = l.ok(&["ps", "-a", "-q"]);
    assert!(ids.trim().is_empty(), "containers left: {ids}");
}

#[test]
fn group_add_sets_supplementary_groups_by_gid_and_name() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    // The image's /etc/group names `www-data`: read its gid there to assert on it.
    let group = l.ok(&["run", "--rm", &img, "cat", "/etc/group"]);
    let www: u32 = group
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 3 && f[0] == "www-data")
        .and_then(|f| f[2].parse().ok())
        .expect("the test image has a www-data group");
    let out = l.ok(&[
        "run",
        "--rm",
        "--group-add",
        "4242",
        "--group-add",
        "www-data",
        &img,
        "sh",
        "-c",
        "grep ^Groups: /proc/self/status",
    ]);
    let gids: Vec<u32> = out
        .trim()
        .trim_start_matches("Groups:")
        .split_whitespace()
        .map(|g| g.parse().expect("numeric gid"))
        .collect();
    assert!(gids.contains(&4242), "{out}");
    assert!(gids.contains(&www), "{out}");

    // Kept by create and applied at start; exec processes get them too.
    l.ok(&[
        "create",
        "--name",
        "ga",
        "--group-add",
        "4243",
        &img,
        "sleep",
        "60",
    ]);
    l.ok(&["start", "ga"]);
    let out = l.ok(&["exec", "ga", "id", "-G"]);
    assert!(out.split_whitespace().any(|g| g == "4243"), "{out}");
    assert_eq!(
        l.inspect("ga", "{{json .HostConfig.GroupAdd}}"),
        r#"["4243"]"#
    );
    l.ok(&["rm", "-f", "-t", "0", "ga"]);

    // A name the image does not know fails at start, naming it; nothing is left behind.
    let out = l.run(&["run", "--rm", "--group-add", "nosuchgroup", &img, "true"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("nosuchgroup"), "{out:?}");

    // keep-groups and malformed values are refused before anything is created.
    let out = l.run(&["run", "--rm", "--group-add", "keep-groups", &img, "true"]);
    out.assert_error(125, "keep-groups");
    assert!(out.stderr.contains("keep-groups"), "{out:?}");
    let out = l.run(&["create", "--group-add", "a:b", &img, "true"]);
    out.assert_error(125, "malformed group");
    assert_no_containers(&l);
}

/// The container's environment as `lpod run ... env` prints it, one `KEY=VALUE` a line.
fn env_of(out: &str, key: &str) -> Option<String> {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[test]
fn env_host_goes_below_the_image_env_and_e_flags() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let plain = l.ok(&["run", "--rm", &img, "env"]);
    let image_path = env_of(&plain, "PATH").expect("the image sets PATH");
    assert_eq!(env_of(&plain, "LPOD_ENVHOST_A"), None, "{plain}");

    let mut cmd = l.cmd(&[
        "run",
        "--rm",
        "--env-host",
        "-e",
        "LPOD_ENVHOST_B=flag",
        &img,
        "env",
    ]);
    cmd.env("LPOD_ENVHOST_A", "host")
        .env("LPOD_ENVHOST_B", "host")
        .env(
            "PATH",
            format!(
                "/lpod-host-only:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        );
    let out = common::run_bounded(cmd, &["run", "--env-host"]);
    assert_eq!(out.code, 0, "{out:?}");
    // The host's variable comes in; -e overrides the host; the image's PATH overrides
    // the host's.
    assert_eq!(
        env_of(&out.stdout, "LPOD_ENVHOST_A").as_deref(),
        Some("host"),
        "{out:?}"
    );
    assert_eq!(
        env_of(&out.stdout, "LPOD_ENVHOST_B").as_deref(),
        Some("flag"),
        "{out:?}"
    );
    assert_eq!(env_of(&out.stdout, "PATH"), Some(image_path), "{out:?}");

    // Without --env-host the host's variables stay out.
    let mut cmd = l.cmd(&["run", "--rm", &img, "env"]);
    cmd.env("LPOD_ENVHOST_A", "host");
    let out = common::run_bounded(cmd, &["run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env_of(&out.stdout, "LPOD_ENVHOST_A"), None, "{out:?}");
}

#[test]
fn label_file_labels_are_overridden_by_label_flags() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("labels");
    std::fs::write(&file, "# a comment\n\nfrom.file=one\nboth=file\nempty\n").expect("write");
    let file_arg = file.to_str().expect("utf-8 path");
    l.ok(&[
        "create",
        "--name",
        "lf",
        "--label-file",
        file_arg,
        "--label",
        "both=flag",
        &img,
        "true",
    ]);
    let labels = l.inspect("lf", "{{json .Config.Labels}}");
    let labels: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&labels).expect("labels as JSON");
    assert_eq!(
        labels.get("from.file").map(String::as_str),
        Some("one"),
        "{labels:?}"
    );
    assert_eq!(
        labels.get("both").map(String::as_str),
        Some("flag"),
        "{labels:?}"
    );
    assert_eq!(
        labels.get("empty").map(String::as_str),
        Some(""),
        "{labels:?}"
    );
    assert!(!labels.keys().any(|k| k.starts_with('#')), "{labels:?}");
    l.ok(&["rm", "lf"]);

    // A missing file is a clear error naming it; nothing is created.
    let missing = dir.path().join("nope");
    let out = l.run(&[
        "create",
        "--label-file",
        missing.to_str().expect("utf-8"),
        &img,
        "true",
    ]);
    out.assert_error(125, "missing label file");
    assert!(out.stderr.contains("nope"), "{out:?}");
    assert_no_containers(&l);
}

#[test]
fn umask_sets_the_process_umask() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let out = l.ok(&["run", "--rm", "--umask", "0077", &img, "sh", "-c", "umask"]);
    assert_eq!(out.trim(), "0077");
    let out = l.ok(&[
        "run",
        "--rm",
        "--umask",
        "027",
        &img,
        "sh",
        "-c",
        "touch /tmp/f && stat -c %a /tmp/f",
    ]);
    assert_eq!(out.trim(), "640");
    let out = l.run(&["create", "--umask", "0999", &img, "true"]);
    out.assert_error(125, "bad umask");
    assert!(out.stderr.contains("0999"), "{out:?}");
    assert_no_containers(&l);
}

#[test]
fn ulimit_sets_limits_and_refuses_more_than_the_host_hard_limit() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let out = l.ok(&[
        "run",
        "--rm",
        "--ulimit",
        "nofile=1000:2000",
        "--ulimit",
        "core=0",
        &img,
        "sh",
        "-c",
        "echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Hc)",
    ]);
    assert_eq!(out.trim(), "1000 2000 0");
    // Above the host's hard limit: lpod (without CAP_SYS_RESOURCE) cannot raise it, and
    // says so before creating anything.
    let (_, host) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .expect("getrlimit");
    assert_ne!(host, u64::MAX, "RLIMIT_NOFILE is never unlimited on Linux");
    let over = format!("nofile=1024:{}", host + 1);
    let out = l.run(&["run", "--rm", "--ulimit", &over, &img, "true"]);
    out.assert_error(125, "ulimit above the host's");
    assert!(out.stderr.contains("host's hard limit"), "{out:?}");
    let out = l.run(&["create", "--ulimit", "nofile=20:10", &img, "true"]);
    out.assert_error(125, "soft above hard");
    assert_no_containers(&l);
}

#[test]
fn init_runs_catatonit_as_pid_1_which_forwards_signals() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let Some(catatonit) = common::require_binary("catatonit", "catatonit (cargo xtask setup)")
    else {
        return;
    };
    let img = l.image.clone();
    // pid 1 is the bind-mounted init, running the command after `--`.
    let out = l.ok(&[
        "run",
        "--rm",
        "--init",
        &img,
        "sh",
        "-c",
        "tr '\\0' ' ' < /proc/1/cmdline",
    ]);
    assert_eq!(
        out.trim(),
        "/run/podman-init -- sh -c tr '\\0' ' ' < /proc/1/cmdline"
    );
    let out = l.ok(&[
        "run",
        "--rm",
        "--init",
        &img,
        "sh",
        "-c",
        "test -x /run/podman-init && ! touch /run/podman-init 2>/dev/null && echo ro",
    ]);
    assert_eq!(out.trim(), "ro");

    // The init forwards SIGTERM to `sh` (which, as pid 1 itself, would ignore it): the
    // container exits by the signal (143), not by the stop timeout's SIGKILL (137).
    l.ok(&[
        "run",
        "-d",
        "--name",
        "in",
        "--init",
        &img,
        "sh",
        "-c",
        "sleep 600 & wait",
    ]);
    l.ok(&["stop", "-t", "30", "in"]);
    assert_eq!(l.inspect("in", "{{.State.ExitCode}}"), "143");
    assert_eq!(l.inspect("in", "{{.HostConfig.Init}}"), "true");
    l.ok(&["rm", "in"]);

    // --init-path: the binary given; one that does not exist is a clear error.
    let path = catatonit.to_str().expect("utf-8 path");
    let out = l.ok(&["run", "--rm", "--init", "--init-path", path, &img, "true"]);
    assert_eq!(out, "");
    let out = l.run(&[
        "run",
        "--rm",
        "--init",
        "--init-path",
        "/no/such/init",
        &img,
        "true",
    ]);
    out.assert_error(125, "missing init");
    assert!(out.stderr.contains("/no/such/init"), "{out:?}");
    assert_no_containers(&l);
}

/// This test process's namespace link of `kind` (e.g. `pid:[4026531836]`).
fn host_ns(kind: &str) -> String {
    std::fs::read_link(format!("/proc/self/ns/{kind}"))
        .expect("read own namespace link")
        .display()
        .to_string()
}

#[test]
fn pid_ipc_uts_modes_host_private_and_container() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let links = "for k in pid ipc uts; do readlink /proc/self/ns/$k; done";
    let host: Vec<String> = ["pid", "ipc", "uts"].iter().map(|k| host_ns(k)).collect();
    // host: the host's namespaces (and the host's name).
    let out = l.ok(&[
        "run",
        "--rm",
        "--pid",
        "host",
        "--ipc",
        "host",
        "--uts",
        "host",
        &img,
        "sh",
        "-c",
        &format!("{links}; hostname"),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        host.iter().map(String::as_str).collect::<Vec<_>>()[..],
        "{out}"
    );
    let hostname = nix::unistd::gethostname().expect("hostname");
    assert_eq!(lines[3], hostname.to_string_lossy(), "{out}");
    // --ipc host shares the host's /dev/shm (POSIX shared memory); the file is the
    // test's own, removed on drop.
    let shm = tempfile::Builder::new()
        .prefix("lpod-ipc-test")
        .tempfile_in("/dev/shm")
        .expect("temp file in /dev/shm");
    std::fs::write(shm.path(), "shared").expect("write");
    let in_ctr = format!(
        "/dev/shm/{}",
        shm.path().file_name().expect("name").to_string_lossy()
    );
    let out = l.ok(&["run", "--rm", "--ipc", "host", &img, "cat", &in_ctr]);
    assert_eq!(out, "shared");
    let out = l.run(&["run", "--rm", &img, "cat", &in_ctr]);
    assert_ne!(
        out.code, 0,
        "a private IPC namespace has its own /dev/shm: {out:?}"
    );
    // private (the default, said explicitly; shareable for ipc): none of the host's.
    let out = l.ok(&[
        "run",
        "--rm",
        "--pid",
        "private",
        "--ipc",
        "shareable",
        "--uts",
        "private",
        &img,
        "sh",
        "-c",
        links,
    ]);
    for (line, h) in out.lines().zip(&host) {
        assert_ne!(line, h, "{out}");
    }
    // container:NAME: the other container's namespaces; its processes are visible.
    l.ok(&["run", "-d", "--name", "nsa", &img, "sleep", "600"]);
    let a = l.ok(&["exec", "nsa", "sh", "-c", links]);
    let out = l.ok(&[
        "run",
        "--rm",
        "--pid",
        "container:nsa",
        "--ipc",
        "container:nsa",
        "--uts",
        "container:nsa",
        &img,
        "sh",
        "-c",
        &format!("{links}; ps -o comm | grep -c '^sleep$'"),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[..3].join("\n"), a.trim(), "{out}");
    assert_eq!(lines[3], "1", "{out}");
    // --ipc private: a namespace of its own that others may not join (190-run-ipcns);
    // none: one of its own without /dev/shm, and not joinable either.
    let host_ipc = std::fs::read_link("/proc/self/ns/ipc").expect("host ipc ns");
    l.ok(&[
        "run", "-d", "--ipc", "private", "--name", "ipcp", &img, "sleep", "600",
    ]);
    assert_eq!(l.inspect("ipcp", "{{.HostConfig.IpcMode}}"), "private");
    let o = l.run(&["run", "--rm", "--ipc", "container:ipcp", &img, "true"]);
    o.assert_error(125, "joining a private IPC namespace");
    assert!(
        o.stderr.contains("ipcp is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"),
        "{o:?}"
    );
    let out = l.ok(&[
        "run",
        "--rm",
        "--ipc",
        "none",
        &img,
        "readlink",
        "/proc/self/ns/ipc",
    ]);
    assert_ne!(out.trim(), host_ipc.to_string_lossy(), "{out}");
    let o = l.run(&["run", "--rm", "--ipc", "none", &img, "ls", "/dev/shm"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stdout.contains("/dev/shm: No such file or directory")
            || o.stderr.contains("/dev/shm: No such file or directory"),
        "{o:?}"
    );
    l.ok(&[
        "create", "--ipc", "none", "--name", "ipcn", &img, "sleep", "600",
    ]);
    assert_eq!(l.inspect("ipcn", "{{.HostConfig.IpcMode}}"), "none");
    let o = l.run(&["create", "--ipc", "container:ipcn", &img, "true"]);
    o.assert_error(125, "joining an IPC namespace without /dev/shm");
    l.ok(&["rm", "-f", "-t", "0", "ipcp", "ipcn"]);
    // A dependency that is not running is started first; it cannot be removed while
    // its dependent exists.
    l.ok(&["create", "--name", "dep", &img, "sleep", "600"]);
    l.ok(&[
        "create",
        "--name",
        "user",
        "--pid",
        "container:dep",
        &img,
        "sh",
        "-c",
        "ps -o comm | grep -c '^sleep$'",
    ]);
    l.ok(&["start", "user"]);
    assert_eq!(l.ok(&["wait", "user"]).trim(), "0");
    assert_eq!(l.inspect("dep", "{{.State.Status}}"), "running");
    assert_ne!(
        l.run(&["rm", "-f", "-t", "0", "dep"]).code,
        0,
        "dep has a dependent"
    );
    l.ok(&["rm", "user"]);
    l.ok(&["rm", "-f", "-t", "0", "dep"]);
    // Bad modes and --hostname with a joined UTS namespace are refused at create.
    let modes = "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}";
    l.ok(&[
        "create",
        "--name",
        "nsb",
        "--pid",
        "host",
        "--ipc",
        "container:nsa",
        &img,
        "true",
    ]);
    let nsa = l.inspect("nsa", "{{.Id}}");
    assert_eq!(
        l.inspect("nsb", modes),
        format!("host container:{nsa} private")
    );
    l.ok(&["rm", "nsb"]);
    let out = l.run(&["create", "--pid", "bogus", &img, "true"]);
    out.assert_error(125, "bad --pid");
    assert!(out.stderr.contains("bogus"), "{out:?}");
    let out = l.run(&["create", "--ipc", "container:nosuch", &img, "true"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(out.stderr.contains("nosuch"), "{out:?}");
    let out = l.run(&["create", "--uts", "host", "--hostname", "x", &img, "true"]);
    out.assert_error(125, "hostname with uts host");
    l.ok(&["rm", "-f", "-t", "0", "nsa"]);
    assert_no_containers(&l);
}

#[test]
fn cgroupns_host_or_private() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let host = host_ns("cgroup");
    let link = "readlink /proc/self/ns/cgroup";
    let out = l.ok(&["run", "--rm", "--cgroupns", "host", &img, "sh", "-c", link]);
    assert_eq!(out.trim(), host);
    let out = l.ok(&[
        "run",
        "--rm",
        "--cgroupns",
        "private",
        &img,
        "sh",
        "-c",
        link,
    ]);
    assert_ne!(out.trim(), host);
    assert!(out.trim().starts_with("cgroup:["), "{out}");
    l.ok(&[
        "create",
        "--name",
        "cg",
        "--cgroupns",
        "private",
        &img,
        "true",
    ]);
    assert_eq!(l.inspect("cg", "{{.HostConfig.CgroupnsMode}}"), "private");
    l.ok(&["rm", "cg"]);
    let out = l.run(&["create", "--cgroupns", "container:x", &img, "true"]);
    out.assert_error(125, "bad --cgroupns");
    assert_no_containers(&l);
}

/// `:z`/`:Z` relabel nothing on a host without SELinux, silently as Podman: a run's
/// stderr stays empty so scripts reading its output see only the container's.
#[test]
fn z_and_big_z_volume_options_are_accepted_silently() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let dir = l.dir().join("zdir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("f"), "content\n").unwrap();
    for opt in ["z", "Z"] {
        let vol = format!("{}:/data:{opt}", dir.display());
        let out = l.run(&["run", "--rm", "-v", &vol, &l.image, "cat", "/data/f"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.stdout, "content\n", "{out:?}");
        assert_eq!(out.stderr, "", "a :{opt} run printed on stderr: {out:?}");
    }
    assert_no_containers(&l);
}

/// A whole disk of this host (not loop, ram or zram): its /dev path and `major:minor`.
fn host_disk() -> Option<(String, String)> {
    std::fs::read_dir("/sys/block")
        .ok()?
        .flatten()
        .find_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if ["loop", "ram", "zram"].iter().any(|p| name.starts_with(p)) {
                return None;
            }
            let dev = std::fs::read_to_string(e.path().join("dev")).ok()?;
            let path = format!("/dev/{name}");
            std::path::Path::new(&path)
                .exists()
                .then(|| (path, dev.trim().to_string()))
        })
}

#[test]
fn device_bps_and_iops_limits_reach_the_blkio_cgroup() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let Some((disk, numbers)) = host_disk() else {
        common::require(false, "a disk under /sys/block");
        return;
    };
    // 030-run: the limits show in the container's own blkio cgroup, by major:minor.
    // (runc: crun 1.8 writes no iops limits on cgroup v1.)
    let out = l.ok(&[
        "--runtime",
        "runc",
        "run",
        "--rm",
        "--device-read-bps",
        &format!("{disk}:1M"),
        "--device-write-iops",
        &format!("{disk}:300"),
        &l.image,
        "sh",
        "-c",
        "cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device",
    ]);
    assert_eq!(out, format!("{numbers} 1048576\n{numbers} 300\n"));
    // Not a device, or no rate: refused, naming the value; nothing is created.
    for bad in ["/etc/hostname:1M", "/dev/zero"] {
        let out = l.run(&["create", "--device-read-bps", bad, &l.image]);
        out.assert_error(125, "bad --device-read-bps");
        assert!(out.stderr.contains(bad), "{out:?}");
    }
    assert_no_containers(&l);
}
