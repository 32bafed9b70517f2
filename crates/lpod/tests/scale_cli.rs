//! Scale-related verbs through the real binary: `container prune`, `network create`
//! without a name, and a full network's clear error (a /30 of the test's own, which
//! holds one container), over real crun, conmon and CNI plugins.

mod common;

use common::{free_subnet, Bridge, Lpod};

/// `run -d --network NETWORK --stop-signal KILL IMAGE sleep 600`: a container that
/// runs until removed (and `rm -f` kills at once).
fn sleeper<'a>(l: &'a Lpod, network: &'a str) -> [&'a str; 9] {
    [
        "run",
        "-d",
        "--network",
        network,
        "--stop-signal",
        "KILL",
        &l.image,
        "sleep",
        "600",
    ]
}

#[test]
fn container_prune_removes_every_container_that_does_not_run() {
    let Some(l) = Lpod::with_image() else { return };
    let created = l.ok_trim(&["create", "--network", "none", &l.image, "true"]);
    let exited = l.ok_trim(&["run", "-d", "--network", "none", &l.image, "true"]);
    l.ok(&["wait", &exited]);
    let running = l.ok_trim(&sleeper(&l, "none"));
    let out = l.ok(&["container", "prune", "-f"]);
    let mut pruned: Vec<&str> = out.lines().collect();
    pruned.sort();
    let mut want = vec![created.as_str(), exited.as_str()];
    want.sort();
    assert_eq!(pruned, want, "{out}");
    let left: Vec<String> = l
        .ps_all()
        .iter()
        .map(|c| c["Id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(left, vec![running.clone()]);
    // Nothing to prune: prints nothing and succeeds.
    assert_eq!(l.ok_trim(&["container", "prune", "--force"]), "");
    l.ok(&["rm", "-f", &running]);
}

#[test]
fn a_full_network_names_itself_and_its_subnet_and_unnamed_networks_get_lpod_n() {
    let Some(l) = Lpod::with_image() else { return };
    let bridge = Bridge::free("lps");
    let subnet = free_subnet(&[]).replace("/24", "/30");
    // No name: the first free lpodN.
    let name = l.ok_trim(&[
        "network",
        "create",
        "--subnet",
        &subnet,
        "--interface-name",
        &bridge.0,
    ]);
    assert_eq!(name, "lpod1");
    let first = l.ok_trim(&sleeper(&l, &name));
    let out = l.run(&sleeper(&l, &name));
    // `run` maps a failed start to 126 as before; one clear error line.
    out.assert_error(126, "run on a full network");
    assert!(
        out.stderr.contains(&format!("network {name} is full"))
            && out.stderr.contains(&subnet)
            && out.stderr.contains("--subnet"),
        "{out:?}"
    );
    // The refused container is not running; removing the first frees the address.
    let ps = l.ps_all();
    let refused: Vec<&serde_json::Value> =
        ps.iter().filter(|c| c["Id"] != first.as_str()).collect();
    assert_eq!(refused.len(), 1, "{ps:?}");
    assert_ne!(refused[0]["State"], "running", "{ps:?}");
    l.ok(&["rm", "-f", &first]);
    l.ok(&["rm", "-a", "-f"]);
    let again = l.ok_trim(&sleeper(&l, &name));
    l.ok(&["rm", "-f", &again]);
    l.ok(&["network", "rm", "-f", &name]);
}
