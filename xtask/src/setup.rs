//! `cargo xtask setup`: what a fresh Debian machine needs for lpod's tests.

use std::path::Path;
use std::process::Command;

/// Debian packages the tests, the demo and the benches use, with a file each provides.
const PACKAGES: &[(&str, &str)] = &[
    ("runc", "/usr/sbin/runc"),
    ("crun", "/usr/bin/crun"),
    ("conmon", "/usr/bin/conmon"),
    ("containernetworking-plugins", "/usr/lib/cni/bridge"),
    // --network slirp4netns and its system tests.
    ("slirp4netns", "/usr/bin/slirp4netns"),
    ("busybox-static", "/bin/busybox"),
    ("catatonit", "/usr/bin/catatonit"),
    ("iptables", "/usr/sbin/iptables"),
    ("iproute2", "/usr/sbin/ip"),
    ("docker-registry", "/usr/bin/docker-registry"),
    ("podman", "/usr/bin/podman"),
    ("skopeo", "/usr/bin/skopeo"),
    // Rootless lpod: newuidmap/newgidmap map a user's subordinate ids, fuse-overlayfs
    // is the overlay fallback where the kernel refuses overlay in a user namespace,
    // passt (pasta) the alternative to slirp4netns.
    ("uidmap", "/usr/bin/newuidmap"),
    ("fuse-overlayfs", "/usr/bin/fuse-overlayfs"),
    ("passt", "/usr/bin/pasta"),
    ("hyperfine", "/usr/bin/hyperfine"),
    ("openssl", "/usr/bin/openssl"),
    ("apache2-utils", "/usr/bin/htpasswd"),
    ("sqlite3", "/usr/bin/sqlite3"),
    // The durability test records syscalls of lpod commands.
    ("strace", "/usr/bin/strace"),
    // The seccomp system test compiles a static probe (cc -static needs libc.a).
    ("gcc", "/usr/bin/gcc"),
    ("libc6-dev", "/usr/include/stdio.h"),
];

/// Packages whose marker file is absent. The Docker CLI (lpod-api's tests drive the
/// service with it) is Debian's `docker.io` only when no `/usr/local/bin/docker` is
/// installed; its dockerd is never started.
pub fn prerequisites_missing() -> Vec<&'static str> {
    let mut missing: Vec<&'static str> = PACKAGES
        .iter()
        .filter(|(_, f)| !Path::new(f).exists())
        .map(|(p, _)| *p)
        .collect();
    if !Path::new("/usr/local/bin/docker").exists() && !Path::new("/usr/bin/docker").exists() {
        missing.push("docker.io");
    }
    missing
}

/// crun refuses hybrid cgroups while cgroup2 still owns a controller.
pub fn cgroups_ready_for_crun() -> bool {
    match std::fs::read_to_string("/sys/fs/cgroup/unified/cgroup.controllers") {
        Ok(s) => s.trim().is_empty(),
        // No hybrid layout (pure v1 or pure v2): nothing to fix.
        Err(_) => true,
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Installs missing packages and fixes the cgroup layout for crun. Idempotent.
pub fn setup() -> Result<(), String> {
    let missing = prerequisites_missing();
    if missing.is_empty() {
        eprintln!("setup: all packages present");
    } else {
        if !is_root() {
            return Err(format!(
                "setup needs root to install: {} (apt-get install {})",
                missing.join(", "),
                missing.join(" ")
            ));
        }
        eprintln!("setup: installing {}", missing.join(" "));
        crate::run(Command::new("apt-get").args(["update", "-qq"]))?;
        // docker.io's (and containerd's) maintainer scripts would start their daemons:
        // a policy-rc.d that refuses every start keeps them stopped during the install.
        let policy = Path::new("/usr/sbin/policy-rc.d");
        let own_policy = missing.contains(&"docker.io") && !policy.exists();
        if own_policy {
            std::fs::write(
                policy,
                "#!/bin/sh\n# lpod xtask setup: never start dockerd\nexit 101\n",
            )
            .map_err(|e| format!("write {}: {e}", policy.display()))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(policy, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("chmod {}: {e}", policy.display()))?;
        }
        let installed = crate::run(
            Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        );
        if own_policy {
            let _ = std::fs::remove_file(policy);
        }
        installed?;
    }
    docker_py()?;
    fix_cgroups_for_crun()?;
    kernel_modules();
    tun_for_users()?;
    Ok(())
}

/// Device nodes rootless lpod opens as the user: /dev/net/tun (slirp4netns, pasta) and
/// /dev/fuse (fuse-overlayfs, the storage fallback).
const USER_DEVICES: &[(&str, &str)] = &[
    ("/dev/net/tun", "rootless networking (slirp4netns, pasta)"),
    ("/dev/fuse", "the fuse-overlayfs storage fallback"),
];

/// Whether unprivileged users can open /dev/net/tun and /dev/fuse (or there are none
/// to fix).
pub fn tun_ready_for_users() -> bool {
    use std::os::unix::fs::PermissionsExt;
    USER_DEVICES.iter().all(|(d, _)| {
        std::fs::metadata(d).map_or(true, |m| m.permissions().mode() & 0o666 == 0o666)
    })
}

/// Rootless lpod opens /dev/net/tun and /dev/fuse as the user. Stock distributions
/// ship them 0666; our machines have them 0600 root, so they are opened up, and that
/// change to the machine is printed.
fn tun_for_users() -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    for (dev, why) in USER_DEVICES {
        let path = Path::new(dev);
        let Ok(md) = std::fs::metadata(path) else {
            eprintln!("setup: no {dev}: {why} will be unavailable");
            continue;
        };
        if md.permissions().mode() & 0o666 == 0o666 {
            continue;
        }
        if !is_root() {
            return Err(format!("setup needs root to make {dev} 0666 for {why}"));
        }
        eprintln!(
            "setup: CHANGING THE MACHINE: chmod 0666 {dev} (as stock distributions have \
             it) so unprivileged users can open it for {why}"
        );
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))
            .map_err(|e| format!("chmod 0666 {dev}: {e}"))?;
    }
    Ok(())
}

/// docker-py (the Docker SDK for Python), which lpod-api's client-library tests drive.
fn docker_py() -> Result<(), String> {
    let have = Command::new("python3")
        .args(["-c", "import docker"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if have {
        return Ok(());
    }
    crate::run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "-q",
        "--break-system-packages",
        "docker",
    ]))
}

/// On a hybrid host, cgroup2 (`/sys/fs/cgroup/unified`) may still own controllers
/// (hugetlb on our VMs) and crun then refuses with "cgroups in hybrid mode not
/// supported". Mounting each such controller as its own v1 hierarchy moves it off
/// cgroup2. This changes the machine's cgroup layout, so it is printed.
fn fix_cgroups_for_crun() -> Result<(), String> {
    let path = "/sys/fs/cgroup/unified/cgroup.controllers";
    let Ok(list) = std::fs::read_to_string(path) else {
        eprintln!("setup: no hybrid cgroup layout, nothing to fix for crun");
        return Ok(());
    };
    for ctrl in list.split_whitespace() {
        let dir = format!("/sys/fs/cgroup/{ctrl}");
        eprintln!(
            "setup: CHANGING THE MACHINE: mounting cgroup v1 controller {ctrl} at {dir} \
             so crun accepts this hybrid cgroup layout"
        );
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {dir}: {e}"))?;
        crate::run(Command::new("mount").args(["-t", "cgroup", "-o", ctrl, "cgroup", &dir]))?;
    }
    if cgroups_ready_for_crun() {
        eprintln!("setup: cgroup layout is ready for crun");
        Ok(())
    } else {
        Err(format!("{path} still lists controllers after the fix"))
    }
}

/// Loads kernel modules the network tests use; failures are reported, not fatal
/// (the module may be built in).
fn kernel_modules() {
    for m in ["overlay", "br_netfilter", "veth", "bridge"] {
        let _ = Command::new("modprobe")
            .arg(m)
            .stderr(std::process::Stdio::null())
            .status();
    }
}
