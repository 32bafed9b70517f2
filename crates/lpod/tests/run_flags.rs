//! Podman's `run`/`create` flags of issue 14 through the lpod binary, with real crun
//! under conmon: `--group-add`, ...

mod common;

use common::Lpod;

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
    assert!(l.ok(&["ps", "-a", "-q"]).trim().is_empty());
}
