//! `lpod network connect/disconnect/reload`, the default network's name (`podman`) and
//! the pasta refusal through the real binary over real CNI plugins (issue 14,
//! 500-networking.bats). Networks are the test's own (own bridge name and subnet); the
//! default network is only inspected, never attached.

mod common;

use common::{own_network, Lpod};

/// `FIELD` of the container's entry for network `net` in inspect's NetworkSettings.
fn on_network(l: &Lpod, cid: &str, net: &str, field: &str) -> String {
    l.inspect(
        cid,
        &format!("{{{{(index .NetworkSettings.Networks \"{net}\").{field}}}}}"),
    )
}

#[test]
fn default_network_is_named_podman_and_cannot_be_removed() {
    let l = Lpod::bare();
    let quiet = l.ok(&["network", "ls", "--quiet"]);
    assert!(quiet.lines().any(|n| n == "podman"), "{quiet}");
    let inspect = l.ok(&["network", "inspect", "podman"]);
    assert!(!inspect.contains("cni-podman0"), "{inspect}");
    assert!(!inspect.contains("10.88."), "{inspect}");
    let out = l.run(&["network", "rm", "-t", "0", "-f", "podman"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "Error: default network podman cannot be removed"
    );
    assert_eq!(l.run(&["network", "exists", "podman"]).code, 0);
}

/// `--network pasta` as root: pasta would switch to `nobody` and fail to open the
/// container's namespace; lpod keeps it root, and it is gone after the run.
#[test]
fn pasta_gives_a_root_container_its_network() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    if lpod_test_support::require_binary("pasta", "passt").is_none() {
        return;
    }
    let out = l.run(&[
        "run",
        "--rm",
        "--network",
        "pasta",
        &l.image,
        "sh",
        "-c",
        "ip -4 addr show eth0",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("inet "), "{out:?}");
    assert_eq!(l.ok(&["ps", "-aq"]).trim(), "");
    let check = l.run(&["system", "check"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn connect_disconnect_and_reload_a_running_container() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b1, net1, _) = own_network(&l, "lpc1");
    let (_b2, net2, _) = own_network(&l, "lpc2");
    let cid = l
        .ok(&["run", "-d", "--network", &net1, &l.image, "sleep", "300"])
        .trim()
        .to_string();
    let short = &cid[..12];
    assert_eq!(on_network(&l, &cid, &net1, "Aliases"), format!("[{short}]"));
    let ip1 = on_network(&l, &cid, &net1, "IPAddress");
    assert!(!ip1.is_empty());

    let out = l.run(&["network", "connect", "--alias", "web", &net2, &cid]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    assert_eq!(
        on_network(&l, &cid, &net2, "Aliases"),
        format!("[web {short}]")
    );
    let ip2 = on_network(&l, &cid, &net2, "IPAddress");
    assert!(!ip2.is_empty());
    let hosts = l.ok(&["exec", &cid, "cat", "/etc/hosts"]);
    assert!(hosts.contains(&ip2), "{hosts}");
    // Connected already: Podman's error, exit 125.
    let out = l.run(&["network", "connect", &net2, &cid]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(out.stderr.contains("already connected"), "{out:?}");

    let out = l.run(&["network", "disconnect", &net1, &cid]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let n = l.ok(&[
        "inspect",
        "--format",
        "{{len .NetworkSettings.Networks}}",
        &cid,
    ]);
    assert_eq!(n.trim(), "1");
    let hosts = l.ok(&["exec", &cid, "cat", "/etc/hosts"]);
    assert!(!hosts.contains(&ip1), "{hosts}");
    let out = l.run(&["network", "disconnect", &net1, &cid]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(out.stderr.contains("is not connected"), "{out:?}");

    // Reload prints the container's id and keeps its address.
    assert_eq!(l.ok(&["network", "reload", &cid]).trim(), cid);
    assert_eq!(l.ok(&["network", "reload", "--all"]).trim(), cid);
    assert_eq!(on_network(&l, &cid, &net2, "IPAddress"), ip2);
    l.ok(&["rm", "-f", "-t", "0", &cid]);
}
