//! Scale-related verbs through the real binary: `container prune`, `network create`
//! without a name, and a full network's clear error (a /30 of the test's own, which
//! holds one container), over real crun, conmon and CNI plugins.

mod common;

use common::{free_subnet, Bridge, Lpod};

/// Stdout of a successful command, trimmed (an id or a name).
fn ok(l: &Lpod, args: &[&str]) -> String {
    l.ok(args).trim().to_string()
}

#[test]
fn container_prune_removes_every_container_that_does_not_run() {
    let Some(l) = Lpod::with_image() else { return };
    let created = ok(&l, &["create", "--network", "none", &l.image, "true"]);
    let exited = ok(&l, &["run", "-d", "--network", "none", &l.image, "true"]);
    l.ok(&["wait", &exited]);
    let running = ok(
        &l,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--stop-signal",
            "KILL",
            &l.image,
            "sleep",
            "600",
        ],
    );
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
    assert_eq!(ok(&l, &["container", "prune", "--force"]), "");
    l.ok(&["rm", "-f", &running]);
}

#[test]
fn a_full_network_names_itself_and_its_subnet_and_unnamed_networks_get_lpod_n() {
    let Some(l) = Lpod::with_image() else { return };
    let bridge = Bridge::free("lps");
    let subnet = free_subnet(&[]).replace("/24", "/30");
    // No name: the first free lpodN.
    let name = ok(
        &l,
        &[
            "network",
            "create",
            "--subnet",
            &subnet,
            "--interface-name",
            &bridge.0,
        ],
    );
    assert_eq!(name, "lpod1");
    let first = ok(
        &l,
        &[
            "run",
            "-d",
            "--network",
            &name,
            "--stop-signal",
            "KILL",
            &l.image,
            "sleep",
            "600",
        ],
    );
    let out = l.run(&[
        "run",
        "-d",
        "--network",
        &name,
        "--stop-signal",
        "KILL",
        &l.image,
        "sleep",
        "600",
    ]);
    // `run` maps a failed start to 126 as before; one clear error line.
    assert_ne!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!("network {name} is full"))
            && out.stderr.contains(&subnet)
            && out.stderr.contains("--subnet"),
        "{out:?}"
    );
    // The refused container is not running; removing the first frees the address.
    l.ok(&["rm", "-f", &first]);
    l.ok(&["rm", "-a", "-f"]);
    let again = ok(
        &l,
        &[
            "run",
            "-d",
            "--network",
            &name,
            "--stop-signal",
            "KILL",
            &l.image,
            "sleep",
            "600",
        ],
    );
    l.ok(&["rm", "-f", &again]);
    l.ok(&["network", "rm", "-f", &name]);
}
