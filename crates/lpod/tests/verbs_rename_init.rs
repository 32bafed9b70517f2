//! `rename` and `init` (and their `container` forms), as a Podman user meets them
//! (issue 14). Real crun under real conmon.

mod common;

use common::Lpod;

#[test]
fn rename_changes_the_name_everywhere_and_refuses_a_taken_one() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let id = l.ok(&["run", "-d", "--name", "first", &img, "sleep", "60"]);
    let id = id.trim().to_string();
    l.ok(&["create", "--name", "other", &img, "true"]);

    // A running container may be renamed; nothing is printed.
    assert_eq!(l.ok(&["rename", "first", "second"]), "");
    assert_eq!(l.inspect("second", "{{.Name}}"), "second");
    assert_eq!(l.inspect(&id, "{{.Name}}"), "second");
    assert_eq!(l.inspect("second", "{{.State.Status}}"), "running");
    // The old name is free and no longer finds the container.
    assert_eq!(l.run(&["container", "exists", "first"]).code, 1);
    let names = l.ok(&["ps", "-a", "--format", "{{.Names}}", "--sort", "names"]);
    assert_eq!(names.trim(), "other\nsecond");

    // A name held by another container: the NameInUse error, nothing changes.
    let out = l.run(&["container", "rename", "second", "other"]);
    out.assert_error(125, "rename to a taken name");
    assert!(out.stderr.contains("other"), "{out:?}");
    assert_eq!(l.inspect(&id, "{{.Name}}"), "second");
    assert_eq!(l.inspect("other", "{{.Name}}"), "other");

    // The freed name can be taken by the `container` form, and by a new container.
    l.ok(&["container", "rename", "other", "first"]);
    l.ok(&["create", "--name", "other", &img, "true"]);
    // A missing container and an invalid name are errors.
    l.run(&["rename", "nosuch", "x"])
        .assert_error(125, "rename of a missing container");
    l.run(&["rename", "second", "bad/name"])
        .assert_error(125, "rename to an invalid name");
    assert_eq!(l.inspect(&id, "{{.Name}}"), "second");

    // The renamed container still stops and is removed by its new name.
    l.ok(&["rm", "-f", "-t", "0", "second"]);
    assert_eq!(l.run(&["container", "exists", &id]).code, 1);
}

#[test]
fn init_creates_without_starting_and_prints_ids() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let a = l.ok(&["create", "--name", "a", &img, "sleep", "60"]);
    let b = l.ok(&["create", "--name", "b", &img, "sleep", "60"]);
    let (a, b) = (a.trim().to_string(), b.trim().to_string());
    assert_eq!(l.inspect("a", "{{.State.Status}}"), "created");

    let out = l.ok(&["init", "a"]);
    assert_eq!(out.trim(), a);
    // Created in the runtime: conmon is up, the container process is not running.
    assert_eq!(l.inspect("a", "{{.State.Status}}"), "created");
    assert_eq!(l.conmons().len(), 1, "one conmon after init");
    // Initialized twice: Podman's state error.
    let again = l.run(&["init", "a"]);
    assert_eq!(again.code, 125, "{again:?}");

    // `container init --all` skips `a`, initializes `b`.
    let out = l.ok(&["container", "init", "--all"]);
    assert_eq!(out.trim(), b);
    assert_eq!(l.conmons().len(), 2, "two conmons after init --all");

    // An initialized container starts.
    l.ok(&["start", "a"]);
    assert_eq!(l.inspect("a", "{{.State.Status}}"), "running");
    l.run(&["init", "nosuch"])
        .assert_error(125, "init of a missing container");
    l.ok(&["rm", "-f", "-t", "0", "a", "b"]);
}
