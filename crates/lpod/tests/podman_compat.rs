//! Podman's command line as its own system tests' setup and teardown use it (issue 14):
//! `rm --ignore`, `pod rm -t --ignore`, `ps --external`, `images --all`, `image exists`,
//! `network prune`.

mod common;

use common::{own_network, Lpod};

#[test]
fn setup_and_teardown_commands_work_on_an_empty_store() {
    let l = Lpod::bare();
    l.ok(&["rm", "-t", "0", "--all", "--force", "--ignore"]);
    l.ok(&["pod", "rm", "-t", "0", "--all", "--force", "--ignore"]);
    let ps = l.ok(&[
        "ps",
        "--all",
        "--external",
        "--format",
        "{{.ID}} {{.Names}}",
    ]);
    assert_eq!(ps.trim(), "", "{ps}");
    let images = l.ok(&[
        "images",
        "--all",
        "--format",
        "{{.Repository}}:{{.Tag}} {{.ID}}",
    ]);
    assert_eq!(images.trim(), "", "{images}");
}

#[test]
fn ignore_turns_a_missing_container_or_pod_into_success_and_only_then() {
    let l = Lpod::bare();
    l.ok(&["rm", "--ignore", "nosuchcontainer"]);
    l.ok(&["rm", "-i", "-f", "nosuchcontainer"]);
    let out = l.run(&["rm", "nosuchcontainer"]);
    // Podman's exit code for a missing container in `rm`.
    out.assert_error(1, "rm without --ignore");
    l.ok(&["pod", "rm", "--ignore", "nosuchpod"]);
    let out = l.run(&["pod", "rm", "nosuchpod"]);
    out.assert_error(1, "pod rm without --ignore (Podman exits 1)");
    assert!(out.stderr.contains("nosuchpod"), "{out:?}");
}

#[test]
fn image_exists_answers_with_the_exit_code_only() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let out = l.run(&["image", "exists", "nosuchimage"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
    let image = l.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let image = image.lines().next().expect("an image").to_string();
    let out = l.run(&["image", "exists", &image]);
    assert_eq!(out.code, 0, "{image}: {out:?}");
    // The group's other verbs are the top-level ones.
    assert_eq!(
        l.ok(&["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]),
        l.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
    );
    l.ok(&["image", "tag", &image, "localhost/compat:v1"]);
    assert_eq!(l.run(&["image", "exists", "localhost/compat:v1"]).code, 0);
    l.ok(&["image", "rm", "localhost/compat:v1"]);
    assert_eq!(l.run(&["image", "exists", "localhost/compat:v1"]).code, 1);
}

#[test]
fn network_prune_removes_unused_networks_and_keeps_used_ones() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b1, unused, _) = own_network(&l, "lpcp");
    let (_b2, used, _) = own_network(&l, "lpcq");
    let image = l.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let image = image.lines().next().expect("an image").to_string();
    // A created (not started) container uses its network as far as prune is concerned.
    l.ok(&[
        "create",
        "--name",
        "user",
        "--network",
        &used,
        &image,
        "true",
    ]);
    // Without --force the answer comes from stdin, which is empty here: nothing removed.
    l.ok(&["network", "prune"]);
    let names = l.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(names.lines().any(|n| n == unused), "{names}");
    let removed = l.ok(&["network", "prune", "--force"]);
    assert_eq!(removed.trim(), unused, "{removed}");
    let names = l.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!names.lines().any(|n| n == unused), "{names}");
    assert!(names.lines().any(|n| n == used), "{names}");
    l.ok(&["rm", "-f", "user"]);
    let removed = l.ok(&["network", "prune", "-f"]);
    assert_eq!(removed.trim(), used, "{removed}");
}
