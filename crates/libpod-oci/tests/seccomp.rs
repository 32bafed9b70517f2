//! Seccomp against real conmon + runc and crun: the default profile is installed and blocks
//! what it should with EPERM, `Unconfined` installs nothing, capabilities open the
//! CAP_SYS_ADMIN group, a profile file is honoured, a bad one is refused before anything is
//! written.
//!
//! A small static C program (compiled by the test with the system compiler) makes the raw
//! syscalls and prints `NAME=ok` or `NAME=errno N` for each.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use libpod_oci::{
    CreateOptions, OciRuntime, SeccompError, SeccompPolicy, SeccompProfile, SpecError,
};
use oci_spec::runtime::Capability;

use common::{prerequisite, Fixture};

const PROBE_C: &str = r#"
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *name, long rc) {
    if (rc < 0) printf("%s=errno %d\n", name, errno);
    else printf("%s=ok\n", name);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *n = argv[i];
        long rc;
        errno = 0;
        if (!strcmp(n, "keyctl")) /* KEYCTL_GET_KEYRING_ID of the session keyring */
            rc = syscall(SYS_keyctl, 0, -3, 0);
        else if (!strcmp(n, "add_key")) /* a user key in the process keyring */
            rc = syscall(SYS_add_key, "user", "lpod-probe", "x", 1, -2);
        else if (!strcmp(n, "unshare_user"))
            rc = syscall(SYS_unshare, CLONE_NEWUSER);
        else if (!strcmp(n, "clone3")) /* size 0 is invalid: EINVAL when the call is reached */
            rc = syscall(SYS_clone3, NULL, 0);
        else if (!strcmp(n, "personality_bad")) /* ADDR_NO_RANDOMIZE is not in the allowed set */
            rc = syscall(SYS_personality, 0x0040000);
        else if (!strcmp(n, "personality_query"))
            rc = syscall(SYS_personality, 0xffffffff);
        else if (!strcmp(n, "socket_alg")) /* AF_ALG */
            rc = syscall(SYS_socket, 38, SOCK_SEQPACKET, 0);
        else if (!strcmp(n, "getpid"))
            rc = syscall(SYS_getpid);
        else { printf("%s=unknown\n", n); continue; }
        report(n, rc);
    }
    return 0;
}
"#;

/// Compiles the probe statically into the fixture's rootfs as `/bin/probe`; false (skip) when
/// no compiler is installed, outside CI.
fn install_probe(fx: &Fixture) -> bool {
    let src = fx.tmp.path().join("probe.c");
    std::fs::write(&src, PROBE_C).unwrap();
    let out = fx.rootfs.join("bin/probe");
    let Some(cc) = ["cc", "gcc"].into_iter().find(|cc| {
        Command::new(cc)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }) else {
        return prerequisite(
            false,
            "a C compiler (cc/gcc) with static libc for the probe",
        );
    };
    let status = Command::new(cc)
        .args(["-static", "-O1", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .unwrap();
    prerequisite(
        status.success(),
        "cc -static (libc6-dev) to build the seccomp probe",
    )
}

const PROBES: &str =
    "keyctl add_key unshare_user clone3 personality_bad personality_query socket_alg getpid";

/// Runs `script` under `policy` and returns its output.
fn run(fx: &Fixture, name: &str, policy: SeccompPolicy, caps: Option<Vec<Capability>>) -> String {
    let id = fx.id(name);
    let script = format!(
        "grep '^Seccomp:' /proc/self/status; /bin/probe {PROBES}; \
         unshare -U true; echo unshare_rc=$?"
    );
    let mut input = fx.input(&id, &["/bin/sh", "-c", &script]);
    input.seccomp = policy;
    input.process.capabilities = caps;
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    let log = fx.log_text(&id);
    assert_eq!(exit.exit_code, 0, "{log}");
    log
}

fn has(log: &str, line: &str) -> bool {
    log.lines().any(|l| l == line)
}

fn default_profile_blocks_with_eperm(fx: &Fixture) {
    if !install_probe(fx) {
        return;
    }
    let log = run(fx, "default", SeccompPolicy::Default, None);
    assert!(has(&log, "Seccomp:\t2"), "{log}");
    for blocked in [
        "keyctl",
        "add_key",
        "unshare_user",
        "personality_bad",
        "socket_alg",
    ] {
        assert!(has(&log, &format!("{blocked}=errno 1")), "{blocked}: {log}");
    }
    // clone3 gets ENOSYS so libcs fall back to clone
    assert!(has(&log, "clone3=errno 38"), "{log}");
    assert!(has(&log, "personality_query=ok"), "{log}");
    assert!(has(&log, "getpid=ok"), "{log}");
    // busybox's unshare -U fails the same way
    assert!(!has(&log, "unshare_rc=0"), "{log}");
    assert!(log.contains("Operation not permitted"), "{log}");
}
both_runtimes!(
    default_profile_blocks_with_eperm_t,
    super::default_profile_blocks_with_eperm
);

fn unconfined_installs_no_filter(fx: &Fixture) {
    if !install_probe(fx) {
        return;
    }
    let log = run(fx, "unconfined", SeccompPolicy::Unconfined, None);
    assert!(has(&log, "Seccomp:\t0"), "{log}");
    for free in [
        "keyctl",
        "add_key",
        "unshare_user",
        "personality_bad",
        "getpid",
    ] {
        assert!(has(&log, &format!("{free}=ok")), "{free}: {log}");
    }
    // reached the kernel, which refuses the zero size
    assert!(has(&log, "clone3=errno 22"), "{log}");
    assert!(!has(&log, "socket_alg=errno 1"), "{log}");
    assert!(has(&log, "unshare_rc=0"), "{log}");
}
both_runtimes!(
    unconfined_installs_no_filter_t,
    super::unconfined_installs_no_filter
);

fn sys_admin_opens_its_group(fx: &Fixture) {
    if !install_probe(fx) {
        return;
    }
    let mut caps = libpod_oci::spec::DEFAULT_CAPABILITIES.to_vec();
    caps.push(Capability::SysAdmin);
    let log = run(fx, "sysadmin", SeccompPolicy::Default, Some(caps));
    assert!(has(&log, "Seccomp:\t2"), "{log}");
    assert!(has(&log, "unshare_user=ok"), "{log}");
    assert!(has(&log, "clone3=errno 22"), "{log}");
    assert!(has(&log, "unshare_rc=0"), "{log}");
    // the keyring calls are in no capability group
    assert!(has(&log, "keyctl=errno 1"), "{log}");
}
both_runtimes!(
    sys_admin_opens_its_group_t,
    super::sys_admin_opens_its_group
);

fn write_profile(fx: &Fixture, name: &str, json: &serde_json::Value) -> SeccompPolicy {
    let path = fx.tmp.path().join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
    SeccompPolicy::Profile(Box::new(SeccompProfile::load(&path).unwrap()))
}

fn profile_file_is_honoured(fx: &Fixture) {
    if !install_probe(fx) {
        return;
    }
    // allow-by-default, with errno rules, an arg rule and a name no kernel has (ignored)
    let policy = write_profile(
        fx,
        "custom.json",
        &serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "archMap": [
                {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
            ],
            "syscalls": [
                {"names": ["keyctl", "lpod_no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                {"name": "add_key", "action": "SCMP_ACT_ERRNO", "errno": "ENOSPC"},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
                 "args": [{"index": 0, "value": 4294967295u64, "op": "SCMP_CMP_EQ"}]},
                {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95,
                 "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
                {"names": ["getpid"], "action": "SCMP_ACT_LOG"}
            ]
        }),
    );
    let log = run(fx, "profile", policy, None);
    assert!(has(&log, "Seccomp:\t2"), "{log}");
    assert!(has(&log, "keyctl=errno 13"), "{log}");
    assert!(has(&log, "add_key=errno 28"), "{log}");
    assert!(has(&log, "personality_query=errno 22"), "{log}");
    assert!(has(&log, "personality_bad=ok"), "{log}");
    assert!(has(&log, "unshare_user=errno 95"), "{log}");
    assert!(has(&log, "getpid=ok"), "{log}");
    assert!(has(&log, "clone3=errno 22"), "{log}");
}
both_runtimes!(profile_file_is_honoured_t, super::profile_file_is_honoured);

/// Our default, rendered and written out as a Docker-format profile with another default
/// errno: loads back, and the runtime honours `defaultErrnoRet`.
fn default_errno_ret_is_honoured(fx: &Fixture) {
    if !install_probe(fx) {
        return;
    }
    let rendered = SeccompPolicy::Default
        .render(libpod_oci::spec::DEFAULT_CAPABILITIES)
        .unwrap()
        .unwrap();
    let mut json = serde_json::to_value(&rendered).unwrap();
    json["defaultErrnoRet"] = serde_json::json!(libc::EOPNOTSUPP);
    let policy = write_profile(fx, "rendered.json", &json);
    let log = run(fx, "errnoret", policy, None);
    assert!(has(&log, "Seccomp:\t2"), "{log}");
    assert!(has(&log, "keyctl=errno 95"), "{log}");
    assert!(has(&log, "unshare_user=errno 95"), "{log}");
    assert!(has(&log, "clone3=errno 38"), "{log}");
    assert!(has(&log, "getpid=ok"), "{log}");
}
both_runtimes!(
    default_errno_ret_is_honoured_t,
    super::default_errno_ret_is_honoured
);

/// Podman's own default profile as installed on this machine loads and works (its default
/// errno is ENOSYS; it leaves keyctl to the kernel).
fn podmans_installed_profile_works(fx: &Fixture) {
    let path = Path::new("/usr/share/containers/seccomp.json");
    if !prerequisite(path.exists(), "/usr/share/containers/seccomp.json (podman)") {
        return;
    }
    if !install_probe(fx) {
        return;
    }
    let policy = SeccompPolicy::Profile(Box::new(SeccompProfile::load(path).unwrap()));
    let log = run(fx, "podman", policy, None);
    assert!(has(&log, "Seccomp:\t2"), "{log}");
    assert!(has(&log, "keyctl=ok"), "{log}");
    assert!(has(&log, "getpid=ok"), "{log}");
}
both_runtimes!(
    podmans_installed_profile_works_t,
    super::podmans_installed_profile_works
);

fn malformed_profile_creates_nothing(fx: &Fixture) {
    let path = fx.tmp.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_PERHAPS"}]}"#,
    )
    .unwrap();
    let err = SeccompProfile::load(&path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SeccompError::Malformed { .. }), "{msg}");
    assert!(
        msg.contains("bad.json") && msg.contains("SCMP_ACT_PERHAPS"),
        "{msg}"
    );

    let missing = fx.tmp.path().join("missing.json");
    let err = SeccompProfile::load(&missing).unwrap_err();
    assert!(matches!(err, SeccompError::Read { .. }), "{err}");
    assert!(err.to_string().contains("missing.json"));

    // a profile that went bad after loading: spec generation fails and writes no bundle
    let id = fx.id("bad");
    let mut input = fx.input(&id, &["/bin/true"]);
    input.seccomp = SeccompPolicy::Profile(Box::new(SeccompProfile {
        path: path.clone(),
        json: "{ nope".into(),
    }));
    let bundle = fx.bundle(&id);
    std::fs::create_dir_all(&bundle).unwrap();
    let err = input.write_bundle(&bundle).unwrap_err();
    assert!(
        matches!(err, SpecError::Seccomp(SeccompError::Malformed { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("bad.json"), "{err}");
    assert!(!bundle.join("config.json").exists());
    assert!(fx.rt.state(&id).is_err());
}
both_runtimes!(
    malformed_profile_creates_nothing_t,
    super::malformed_profile_creates_nothing
);

/// What the runtimes accept beyond ERRNO/ALLOW: SCMP_ACT_LOG lets the call through,
/// SCMP_ACT_KILL_PROCESS kills with SIGSYS, names the kernel does not know are ignored.
/// Filter flags: crun applies them; runc 1.1.5 refuses any ("seccomp flags are not yet
/// supported by runc"), which must surface as a create error, not a silent run.
fn runtimes_accept_actions_and_unknown_names(fx: &Fixture) {
    if !install_probe(fx) {
        return;
    }
    let profile = |flags: bool| {
        let mut p = serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [
                {"names": ["getpid", "lpod_not_a_syscall"], "action": "SCMP_ACT_LOG"},
                {"names": ["unshare"], "action": "SCMP_ACT_KILL_PROCESS"}
            ]
        });
        if flags {
            p["flags"] = serde_json::json!(["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]);
        }
        p
    };
    let script = "/bin/probe getpid; unshare -U true; echo unshare_rc=$?";
    let id = fx.id("actions");
    let mut input = fx.input(&id, &["/bin/sh", "-c", script]);
    input.seccomp = write_profile(fx, "actions.json", &profile(false));
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    let log = fx.log_text(&id);
    assert_eq!(exit.exit_code, 0, "{log}");
    assert!(has(&log, "getpid=ok"), "{log}");
    assert!(has(&log, "unshare_rc=159"), "killed by SIGSYS: {log}");

    let id = fx.id("flags");
    let mut input = fx.input(&id, &["/bin/sh", "-c", script]);
    input.seccomp = write_profile(fx, "flags.json", &profile(true));
    match fx.kind {
        libpod_oci::RuntimeKind::Crun => {
            fx.create(&id, &input, &CreateOptions::default());
            fx.rt.start(&id).unwrap();
            let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
            let log = fx.log_text(&id);
            assert_eq!(exit.exit_code, 0, "{log}");
            assert!(has(&log, "unshare_rc=159"), "{log}");
        }
        libpod_oci::RuntimeKind::Runc => {
            // a runc that learnt flags runs it; one that did not must say so
            match fx.try_create(&id, &input, &CreateOptions::default()) {
                Ok(_) => {
                    fx.rt.start(&id).unwrap();
                    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
                    assert_eq!(exit.exit_code, 0, "{}", fx.log_text(&id));
                }
                Err(e) => {
                    eprintln!("runc refuses seccomp flags: {e}");
                    assert!(e.to_string().contains("flags"), "{e}");
                }
            }
        }
    }
}
both_runtimes!(
    runtimes_accept_actions_and_unknown_names_t,
    super::runtimes_accept_actions_and_unknown_names
);
