//! Pods through the real `lpod` binary (network none: no CNI, nothing shared with other tests).

mod common;

use common::Lpod;

#[test]
fn pod_shares_namespaces_and_is_removed_with_its_members() {
    let Some(l) = Lpod::with_image() else { return };
    let id = l.ok(&[
        "pod",
        "create",
        "--name",
        "p1",
        "--network",
        "none",
        "-l",
        "k=v",
    ]);
    assert_eq!(id.trim().len(), 64, "{id}");
    // Members share the pod's UTS namespace: the hostname is the pod's name.
    let out = l.ok(&["run", "--rm", "--pod", "p1", &l.image, "hostname"]);
    assert_eq!(out, "p1\n");
    l.ok(&[
        "run", "-d", "--pod", "p1", "--name", "m1", &l.image, "sleep", "600",
    ]);
    let table = l.ok(&["pod", "ps"]);
    let row = table.lines().find(|r| r.contains("p1")).unwrap_or_default();
    assert!(row.contains("Running"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&l.ok(&["pod", "ps", "--format", "json"])).expect("json");
    assert_eq!(json[0]["Name"], "p1");
    assert_eq!(
        l.ok(&["pod", "inspect", "--format", "{{.Name}}", "p1"])
            .trim(),
        "p1"
    );
    l.ok(&["pod", "stop", "-t", "0", "p1"]);
    assert!(l.ok(&["pod", "ps"]).contains("Exited"));
    l.run(&["pod", "rm", "nosuchpod"])
        .assert_error(1, "unknown pod (Podman exits 1)");
    l.ok(&["pod", "rm", "-f", "p1"]);
    assert_eq!(l.ok(&["pod", "ps", "-q"]), "");
    assert!(l.ps_all().is_empty(), "members and infra are gone");
    assert!(l.mounts().is_empty(), "{:?}", l.mounts());
}

#[test]
fn pod_create_without_network_uses_the_configured_default_mode() {
    // The harness's lpod.toml says `default_network_mode = "none"`.
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["pod", "create", "--name", "quiet"]);
    // Members join the infra's network namespace: only lo, no eth0 on a shared bridge.
    // (/proc/net/dev is per netns; /sys of a member that joins a netns is the host's.)
    let dev = l.ok(&[
        "run",
        "--rm",
        "--pod",
        "quiet",
        &l.image,
        "cat",
        "/proc/net/dev",
    ]);
    let links: Vec<&str> = dev
        .lines()
        .filter_map(|line| line.split_once(':').map(|(name, _)| name.trim()))
        .collect();
    assert_eq!(links, ["lo"], "{dev}");
    l.ok(&["pod", "rm", "-f", "quiet"]);
    assert_eq!(l.ok(&["pod", "ps", "-q"]), "");
}
