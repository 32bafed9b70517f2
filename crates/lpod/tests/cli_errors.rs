//! The CLI's own errors: one clear `Error:` line and exit code 125, and the verbs that need
//! no container runtime.

mod common;

use common::Lpod;

#[test]
fn version_prints_the_version() {
    let l = Lpod::bare();
    let out = l.ok(&["version"]);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    let json = l.ok(&["version", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["Client"]["Version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn unknown_flag_is_exit_125() {
    let l = Lpod::bare();
    let out = l.run(&["ps", "--bogus"]);
    assert_eq!(out.code, 125, "{out:?}");
}

#[test]
fn unknown_container_is_one_line_and_125_or_rms_1() {
    let l = Lpod::bare();
    for verb in [
        &["inspect", "nosuchcontainer"][..],
        &["rm", "nosuchcontainer"],
        &["stop", "nosuchcontainer"],
        &["start", "nosuchcontainer"],
        &["logs", "nosuchcontainer"],
        &["wait", "nosuchcontainer"],
        &["exec", "nosuchcontainer", "true"],
        &["kill", "nosuchcontainer"],
        &["pause", "nosuchcontainer"],
    ] {
        let out = l.run(verb);
        // Podman's `rm` says "no such container" with exit code 1.
        let code = if verb[0] == "rm" { 1 } else { 125 };
        out.assert_error(code, &format!("{verb:?}"));
        assert!(out.stderr.contains("nosuchcontainer"), "{verb:?}: {out:?}");
    }
    // `inspect` of any kind: an empty list and Podman's words (700-play checks them).
    let out = l.run(&["inspect", "nosuchcontainer"]);
    assert_eq!(out.stdout.trim(), "[]", "{out:?}");
    assert_eq!(
        out.stderr,
        "Error: inspecting object: no such object: \"nosuchcontainer\"\n"
    );
}

#[test]
fn bad_flag_values_are_one_line_and_125() {
    let l = Lpod::bare();
    for args in [
        &["run", "--memory", "12x", "img"][..],
        &["run", "--cpus", "zero", "img"],
        &["run", "-v", "/a:relative", "img"],
        &["run", "--network", "bad net!", "img"],
        &["run", "--env-file", "/nonexistent/env", "img"],
        &["kill", "-s", "NOSUCHSIG", "x"],
        &["ps", "--filter", "color=red"],
        &["ps", "--format", "{{.Nope"],
    ] {
        let out = l.run(args);
        out.assert_error(125, &format!("{args:?}"));
    }
}

#[test]
fn empty_store_lists_nothing() {
    let l = Lpod::bare();
    let ps = l.ok(&["ps", "-a"]);
    assert!(ps.starts_with("CONTAINER ID"), "{ps}");
    assert_eq!(ps.lines().count(), 1, "{ps}");
    assert_eq!(l.ok(&["ps", "-a", "--format", "json"]).trim(), "[]");
    assert_eq!(l.ok(&["ps", "-aq"]), "");
    let images = l.ok(&["images"]);
    assert!(images.starts_with("REPOSITORY"), "{images}");
    assert_eq!(l.ok(&["images", "--format", "json"]).trim(), "[]");
}

#[test]
fn log_level_debug_shows_spans() {
    let l = Lpod::bare();
    let out = l.run(&["--log-level", "debug", "ps", "-a"]);
    assert_eq!(out.code, 0, "{out:?}");
    // Podman's (logrus') line shape, with the spans lpod's verbs enter.
    assert!(out.stderr.contains(" level=debug "), "{out:?}");
    assert!(out.stderr.contains(" span="), "{out:?}");
}

#[test]
fn system_reset_empties_the_root() {
    let l = Lpod::bare();
    l.ok(&["ps", "-a"]);
    l.ok(&["system", "reset", "--force"]);
    let left: Vec<_> = std::fs::read_dir(&l.root)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn tag_of_an_unknown_image_names_it_and_changes_nothing() {
    let l = Lpod::bare();
    let out = l.run(&["tag", "nosuchimage", "localhost/other:v1"]);
    out.assert_error(125, "tag nosuchimage");
    assert!(out.stderr.contains("nosuchimage"), "{out:?}");
    let images = l.run(&["images", "--format", "{{.Repository}}"]);
    assert!(!images.stdout.contains("localhost/other"), "{images:?}");
}
