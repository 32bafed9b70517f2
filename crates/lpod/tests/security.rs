//! Confinement through the real `lpod` binary: capabilities, privileged mode, seccomp,
//! no-new-privileges, masked paths, read-only root and devices, observed from inside real
//! containers (crun under conmon, busybox test image, private root and run root).

mod common;

use std::collections::BTreeMap;

use common::{Lpod, Out};

/// Capability numbers of Podman's default set (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL,
/// SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, SETFCAP).
const DEFAULT_CAP_NUMBERS: &[u32] = &[0, 1, 3, 4, 5, 6, 7, 8, 10, 18, 31];
/// CAP_NET_ADMIN.
const NET_ADMIN: u32 = 12;

fn mask(numbers: &[u32]) -> u64 {
    numbers.iter().fold(0, |m, n| m | (1u64 << n))
}

/// What a privileged container gets: every capability this kernel knows that our own
/// bounding set holds (a sandboxed CI host may lack some, e.g. CAP_SYS_RESOURCE).
fn privileged_caps_mask() -> u64 {
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .expect("cap_last_cap")
        .trim()
        .parse()
        .expect("cap_last_cap number");
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let bnd = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .map(|v| u64::from_str_radix(v.trim(), 16).expect("CapBnd hex"))
        .expect("CapBnd line");
    mask(&(0..=last).collect::<Vec<_>>()) & bnd
}

/// A path Podman masks by default that exists on this host (/proc/kcore is missing on
/// some kernels); inside a container it is /dev/null when masked.
fn masked_file() -> &'static str {
    ["/proc/kcore", "/proc/keys", "/proc/timer_list"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("one of the default masked /proc files exists")
}

/// Shell test printing `masked` or `open` for `path`.
fn probe(path: &str) -> String {
    format!("[ -c {path} ] && echo masked || echo open")
}

/// Runs `run --rm [flags] IMAGE cat /proc/self/status` and returns its fields.
fn status(l: &Lpod, flags: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&[l.image.as_str(), "cat", "/proc/self/status"]);
    let out = l.ok(&args);
    out.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn hex(fields: &BTreeMap<String, String>, key: &str) -> u64 {
    let v = fields
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {fields:?}"));
    u64::from_str_radix(v, 16).unwrap_or_else(|e| panic!("{key}={v}: {e}"))
}

/// Runs `run --rm [flags] IMAGE sh -c SCRIPT` and returns the outcome.
fn sh(l: &Lpod, flags: &[&str], script: &str) -> Out {
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&[l.image.as_str(), "sh", "-c", script]);
    l.run(&args)
}

/// Asserts a failed create: Podman's exit code and one error line naming `what`, and no
/// container left behind.
fn assert_refused(l: &Lpod, out: &Out, what: &str) {
    out.assert_error(125, what);
    assert!(
        out.stderr.contains(what),
        "error should name {what}: {out:?}"
    );
    assert!(
        l.ps_all().is_empty(),
        "nothing may be created: {:?}",
        l.ps_all()
    );
    // No container directory, storage container or journal entry either.
    let dir = l.root.join("libpod/containers");
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(entries.is_empty(), "left in {}: {entries:?}", dir.display());
    let check = l.run(&["system", "check"]);
    assert_eq!(
        check.code, 0,
        "system check after a refused create: {check:?}"
    );
}

#[test]
fn default_confinement_matches_podman() {
    let Some(l) = Lpod::with_image() else { return };
    let f = status(&l, &[]);
    assert_eq!(hex(&f, "CapEff"), mask(DEFAULT_CAP_NUMBERS), "{f:?}");
    assert_eq!(hex(&f, "CapBnd"), mask(DEFAULT_CAP_NUMBERS), "{f:?}");
    assert_eq!(f["NoNewPrivs"], "1");
    // A default masked path is /dev/null.
    let out = sh(&l, &[], &probe(masked_file()));
    assert_eq!(out.stdout.trim(), "masked", "{out:?}");
}

/// Needs the default seccomp profile (the seccomp branch): passes once it is merged.
#[test]
fn default_seccomp_filter_is_on() {
    let Some(l) = Lpod::with_image() else { return };
    let f = status(&l, &[]);
    assert_eq!(f["Seccomp"], "2", "{f:?}");
}

#[test]
fn seccomp_unconfined_turns_the_filter_off() {
    let Some(l) = Lpod::with_image() else { return };
    let f = status(&l, &["--security-opt", "seccomp=unconfined"]);
    assert_eq!(f["Seccomp"], "0", "{f:?}");
}

#[test]
fn cap_drop_all_and_cap_add() {
    let Some(l) = Lpod::with_image() else { return };
    let f = status(&l, &["--cap-drop", "ALL"]);
    assert_eq!(hex(&f, "CapEff"), 0, "{f:?}");
    assert_eq!(hex(&f, "CapBnd"), 0, "{f:?}");

    let with_admin = mask(DEFAULT_CAP_NUMBERS) | mask(&[NET_ADMIN]);
    for name in ["NET_ADMIN", "cap_net_admin"] {
        let f = status(&l, &["--cap-add", name]);
        assert_eq!(hex(&f, "CapEff"), with_admin, "{name}: {f:?}");
    }
    // Podman's order: drop ALL, then add; comma lists.
    let f = status(&l, &["--cap-drop=all", "--cap-add", "net_admin,CAP_KILL"]);
    assert_eq!(hex(&f, "CapEff"), mask(&[NET_ADMIN, 5]), "{f:?}");
}

#[test]
fn privileged_gets_everything() {
    let Some(l) = Lpod::with_image() else { return };
    let f = status(&l, &["--privileged"]);
    assert_eq!(hex(&f, "CapEff"), privileged_caps_mask(), "{f:?}");
    assert_eq!(f["Seccomp"], "0", "{f:?}");
    assert_eq!(f["NoNewPrivs"], "0", "{f:?}");
    let out = sh(
        &l,
        &["--privileged"],
        &format!("{}; [ -c /dev/kmsg ] && echo kmsg", probe(masked_file())),
    );
    assert_eq!(out.stdout, "open\nkmsg\n", "{out:?}");
}

#[test]
fn no_new_privileges_can_be_turned_off() {
    let Some(l) = Lpod::with_image() else { return };
    let f = status(&l, &["--security-opt", "no-new-privileges=false"]);
    assert_eq!(f["NoNewPrivs"], "0", "{f:?}");
    let f = status(&l, &["--security-opt", "no-new-privileges"]);
    assert_eq!(f["NoNewPrivs"], "1", "{f:?}");
}

#[test]
fn bad_seccomp_profiles_create_nothing() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let missing = l.dir().join("nonexistent.json");
    let missing = missing.to_str().expect("utf-8");
    let out = l.run(&[
        "create",
        "--security-opt",
        &format!("seccomp={missing}"),
        &img,
        "true",
    ]);
    assert_refused(&l, &out, missing);

    let malformed = l.dir().join("malformed.json");
    std::fs::write(&malformed, "{ this is not json").expect("write profile");
    let malformed = malformed.to_str().expect("utf-8");
    let out = l.run(&[
        "run",
        "--rm",
        "--security-opt",
        &format!("seccomp={malformed}"),
        &img,
        "true",
    ]);
    assert_refused(&l, &out, malformed);
}

#[test]
fn unknown_capability_creates_nothing() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let out = l.run(&["create", "--cap-add", "FOO", &img, "true"]);
    assert_refused(&l, &out, "FOO");
    let out = l.run(&[
        "run",
        "--rm",
        "--cap-drop",
        "NET_ADMIN,BOGUS_CAP",
        &img,
        "true",
    ]);
    assert_refused(&l, &out, "BOGUS_CAP");
}

#[test]
fn missing_device_creates_nothing() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let out = l.run(&[
        "create",
        "--device",
        "/dev/lpod-no-such-device",
        &img,
        "true",
    ]);
    assert_refused(&l, &out, "/dev/lpod-no-such-device");
}

#[test]
fn apparmor_and_selinux_options_say_they_are_off() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.starts_with('Y'));
    if !apparmor {
        let out = l.run(&[
            "create",
            "--security-opt",
            "apparmor=myprofile",
            &img,
            "true",
        ]);
        assert_refused(&l, &out, "AppArmor is not enabled on this host");
    }
    let out = l.run(&["create", "--security-opt", "label=type:x_t", &img, "true"]);
    assert_refused(&l, &out, "SELinux is not enabled");
    let out = sh(&l, &["--security-opt", "label=disable"], "echo ok");
    assert_eq!((out.code, out.stdout.as_str()), (0, "ok\n"), "{out:?}");
}

#[test]
fn read_only_root_with_and_without_tmpfs() {
    let Some(l) = Lpod::with_image() else { return };
    let script = "touch /rootfile 2>/dev/null && echo root-rw || echo root-ro; \
                  for d in /tmp /var/tmp /run /dev/shm; do \
                  touch $d/f 2>/dev/null && echo $d-rw || echo $d-ro; done";
    let out = sh(&l, &["--read-only"], script);
    assert_eq!(
        out.stdout, "root-ro\n/tmp-rw\n/var/tmp-rw\n/run-rw\n/dev/shm-rw\n",
        "{out:?}"
    );
    let out = sh(&l, &["--read-only", "--read-only-tmpfs=false"], script);
    assert_eq!(
        out.stdout, "root-ro\n/tmp-ro\n/var/tmp-ro\n/run-ro\n/dev/shm-rw\n",
        "{out:?}"
    );
    let out = sh(&l, &[], "touch /rootfile /tmp/f && echo rw");
    assert_eq!(out.stdout, "rw\n", "{out:?}");
}

#[test]
fn device_is_created_and_works() {
    let Some(l) = Lpod::with_image() else { return };
    let out = sh(
        &l,
        &["--device", "/dev/null:/dev/mynull"],
        "[ -c /dev/mynull ] && echo hello > /dev/mynull && wc -c < /dev/mynull",
    );
    assert_eq!((out.code, out.stdout.trim()), (0, "0"), "{out:?}");
    // Read-only permission in the device cgroup: opening for writing is refused. (Not
    // /dev/null: the runtime allows its default devices rwm anyway. A write to /dev/kmsg
    // would only log a line.)
    let out = sh(
        &l,
        &["--device", "/dev/kmsg:/dev/rokmsg:r"],
        "[ -c /dev/rokmsg ] || echo missing; \
         echo lpod-test > /dev/rokmsg 2>/dev/null && echo wrote || echo refused",
    );
    assert_eq!(out.stdout.trim(), "refused", "{out:?}");
}

#[test]
fn mask_and_unmask() {
    let Some(l) = Lpod::with_image() else { return };
    let masked = masked_file();
    let script = format!("{}; {}", probe(masked), probe("/proc/version"));
    let out = sh(&l, &["--security-opt", "mask=/proc/version"], &script);
    assert_eq!(out.stdout, "masked\nmasked\n", "{out:?}");
    let out = sh(
        &l,
        &["--security-opt", &format!("unmask={masked}")],
        &script,
    );
    assert_eq!(out.stdout, "open\nopen\n", "{out:?}");
    // unmask=ALL: nothing masked, /proc/sys no longer read-only.
    let ro = "grep -q ' /proc/sys .*ro,' /proc/self/mountinfo && echo ro || echo not-ro";
    let out = sh(&l, &[], &format!("{}; {ro}", probe(masked)));
    assert_eq!(out.stdout, "masked\nro\n", "{out:?}");
    let out = sh(
        &l,
        &["--security-opt", "unmask=ALL"],
        &format!("{}; {ro}", probe(masked)),
    );
    assert_eq!(out.stdout, "open\nnot-ro\n", "{out:?}");
}

#[test]
fn inspect_shows_security_settings() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&[
        "create",
        "--name",
        "confined",
        "--cap-add",
        "net_admin",
        "--cap-drop",
        "KILL",
        "--read-only",
        "--security-opt",
        "no-new-privileges=false",
        "--device",
        "/dev/null:/dev/mynull:rw",
        &img,
        "true",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["inspect", "confined"])).expect("inspect json");
    let hc = &v[0]["HostConfig"];
    assert_eq!(hc["CapAdd"], serde_json::json!(["CAP_NET_ADMIN"]), "{hc}");
    assert_eq!(hc["CapDrop"], serde_json::json!(["CAP_KILL"]), "{hc}");
    assert_eq!(hc["Privileged"], false);
    assert_eq!(hc["ReadonlyRootfs"], true);
    assert_eq!(
        hc["SecurityOpt"],
        serde_json::json!(["no-new-privileges=false"])
    );
    assert_eq!(hc["Devices"][0]["PathOnHost"], "/dev/null");
    assert_eq!(hc["Devices"][0]["PathInContainer"], "/dev/mynull");
    assert_eq!(hc["Devices"][0]["CgroupPermissions"], "rw");
    l.ok(&["rm", "confined"]);
}

#[test]
fn info_reports_host_security() {
    let Some(l) = Lpod::with_image() else { return };
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["info", "--format", "json"])).expect("info json");
    let sec = &v["host"]["security"];
    assert_eq!(sec["rootless"], false, "{sec}");
    assert_eq!(sec["seccompEnabled"], true, "{sec}");
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.starts_with('Y'));
    let selinux = std::path::Path::new("/sys/fs/selinux/enforce").exists();
    assert_eq!(sec["apparmorEnabled"], apparmor, "{sec}");
    assert_eq!(sec["selinuxEnabled"], selinux, "{sec}");
    assert!(sec["seccompProfilePath"].is_string(), "{sec}");
    let caps = sec["capabilities"].as_str().expect("capabilities string");
    assert_eq!(
        caps,
        "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,\
         CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT"
    );
}

#[test]
fn exec_processes_get_the_container_confinement() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&[
        "run",
        "-d",
        "--name",
        "dropped",
        "--cap-drop",
        "ALL",
        "--cap-add",
        "NET_ADMIN",
        "--security-opt",
        "no-new-privileges=false",
        &img,
        "sleep",
        "300",
    ]);
    let out = l.ok(&["exec", "dropped", "cat", "/proc/self/status"]);
    let f: BTreeMap<String, String> = out
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    assert_eq!(hex(&f, "CapEff"), mask(&[NET_ADMIN]), "{f:?}");
    assert_eq!(f["NoNewPrivs"], "0", "{f:?}");
    l.ok(&["rm", "-f", "dropped"]);
}
