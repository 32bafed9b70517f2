//! Registry verbs through the real `lpod` binary against Debian's docker-registry on
//! 127.0.0.1 (libpod-storage's `TestRegistry`): push, pull by tag and by digest, run
//! from a pulled image, `run` pulling a missing image, `images --digests`, progress
//! lines, and login/logout against a TLS + htpasswd registry.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{run_bounded, Lpod};
use libpod_storage::registry::testing::TestRegistry;

/// Writes this world's lpod.toml: no default network (as every CLI test), plus `extra`.
fn configure(l: &Lpod, extra: &str) -> PathBuf {
    let p = l.dir().join("lpod.toml");
    std::fs::write(&p, format!("default_network_mode = \"none\"\n{extra}")).unwrap();
    p
}

/// Registry settings for an HTTP registry marked insecure; credentials kept in the
/// world's own auth file (never the user's).
fn insecure_config(l: &Lpod, reg: &TestRegistry, search: bool) -> String {
    let mut s = format!(
        "insecure_registries = [\"{hp}\"]\nauth_file = \"{auth}\"\nregistries_certs_dir = \"{certs}\"\n",
        hp = reg.host_port,
        auth = l.dir().join("auth.json").display(),
        certs = l.dir().join("certs.d").display(),
    );
    if search {
        s.push_str(&format!("registries = [\"{}\"]\n", reg.host_port));
    }
    s
}

/// A second world with no image, for pulling into an empty store.
fn fresh(extra: &str) -> Lpod {
    let l = Lpod::bare();
    std::fs::create_dir_all(l.dir()).unwrap();
    configure(&l, extra);
    l
}

fn image_id(l: &Lpod, name: &str) -> String {
    l.inspect(name, "{{.Id}}")
        .trim_start_matches("sha256:")
        .to_string()
}

/// Pushes the world's busybox to `dest` and checks the plain progress lines.
fn push(l: &Lpod, dest: &str) {
    let out = l.run(&["push", &l.image, dest]);
    assert_eq!(out.code, 0, "push: {out:?}");
    assert!(out.stderr.contains("Copying blob"), "{out:?}");
    assert!(
        out.stderr.contains("Writing manifest to image destination"),
        "{out:?}"
    );
}

#[test]
fn http_push_pull_by_tag_and_digest_then_run() {
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let Some(src) = Lpod::with_image() else {
        return;
    };
    configure(&src, &insecure_config(&src, &reg, false));
    let want_id = image_id(&src, &src.image);
    let tagged = format!("{}/busybox:v1", reg.host_port);
    push(&src, &format!("docker://{tagged}"));

    // Pull by tag into an empty store: non-TTY progress lines, the id on stdout.
    let dst = fresh(&insecure_config(&src, &reg, false));
    let out = dst.run(&["pull", &tagged]);
    assert_eq!(out.code, 0, "pull: {out:?}");
    assert_eq!(out.stdout.trim(), want_id, "{out:?}");
    assert!(out.stderr.contains("Trying to pull"), "{out:?}");
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("Copying blob ") && l.ends_with(" done")),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("Writing manifest to image destination"),
        "{out:?}"
    );

    // The digest shows in images --digests, in JSON and in templates.
    let json: serde_json::Value =
        serde_json::from_str(&dst.ok(&["images", "--format", "json"])).unwrap();
    let digest = json[0]["Digest"].as_str().expect("Digest").to_string();
    assert!(digest.starts_with("sha256:"), "{json}");
    let repo_digests = json[0]["RepoDigests"].to_string();
    assert!(
        repo_digests.contains(&format!("{}/busybox@{digest}", reg.host_port)),
        "{json}"
    );
    let table = dst.ok(&["images", "--digests"]);
    let header = table.lines().next().unwrap_or_default();
    assert!(header.contains("DIGEST"), "{table}");
    assert!(table.contains(&digest), "{table}");
    assert!(!dst.ok(&["images"]).contains(&digest));
    assert_eq!(
        dst.ok(&["images", "--format", "{{.Digest}}"]).trim(),
        digest
    );

    // A second pull downloads nothing.
    let again = dst.run(&["pull", &tagged]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stderr.contains("skipped: already exists"),
        "{again:?}"
    );
    assert!(
        !again
            .stderr
            .lines()
            .any(|l| l.starts_with("Copying blob ") && l.ends_with(" done")),
        "{again:?}"
    );

    // A container from the pulled image.
    let ran = dst.ok(&["run", "--rm", &tagged, "echo", "pulled-by-tag"]);
    assert_eq!(ran, "pulled-by-tag\n");

    // Pull by digest into another empty store, quietly: only the id.
    let by_digest = fresh(&insecure_config(&src, &reg, false));
    let reference = format!("{}/busybox@{digest}", reg.host_port);
    let out = by_digest.run(&["pull", "-q", &reference]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{want_id}\n"));
    assert_eq!(out.stderr, "", "-q prints no progress");
    let ran = by_digest.ok(&["run", "--rm", &reference, "echo", "pulled-by-digest"]);
    assert_eq!(ran, "pulled-by-digest\n");
}

#[test]
fn run_pulls_a_missing_image_and_short_names_use_registries() {
    let Some(reg) = TestRegistry::http() else {
        return;
    };
    let Some(src) = Lpod::with_image() else {
        return;
    };
    configure(&src, &insecure_config(&src, &reg, false));
    let tagged = format!("{}/busybox:v2", reg.host_port);
    push(&src, &tagged);

    // --pull never: the image is missing and may not be pulled.
    let dst = fresh(&insecure_config(&src, &reg, true));
    let out = dst.run(&["run", "--rm", "--pull", "never", &tagged, "true"]);
    out.assert_error(125, "run --pull never");
    // Podman's words: the image is not known (and nothing was pulled).
    assert!(out.stderr.contains("image not known"), "{out:?}");
    assert_eq!(dst.ok(&["images", "-q"]).lines().count(), 0);

    // Default policy (missing): run pulls, progress on stderr, only the output on stdout.
    let out = dst.run(&["run", "--rm", &tagged, "echo", "auto-pulled"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "auto-pulled\n");
    assert!(out.stderr.contains("Copying blob"), "{out:?}");
    assert_eq!(dst.ok(&["images", "-q"]).lines().count(), 1);

    // A short name goes through the configured registries (here: one).
    let short = fresh(&insecure_config(&src, &reg, true));
    let out = short.run(&["run", "--rm", "-q", "busybox:v2", "echo", "short"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "short\n");
    assert_eq!(out.stderr, "", "-q prints no progress");
    // Found locally now: no second pull.
    let out = short.run(&["run", "--rm", "busybox:v2", "echo", "local"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("Copying"), "{out:?}");

    // Unknown tag: a clear not-found error naming the reference.
    let out = dst.run(&["pull", &format!("{}/busybox:nosuchtag", reg.host_port)]);
    out.assert_error(125, "pull unknown tag");
    assert!(out.stderr.contains("nosuchtag"), "{out:?}");
}

#[test]
fn short_name_without_registries_is_a_clear_error() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    configure(&l, "");
    let out = l.run(&["pull", "nosuchimage"]);
    out.assert_error(125, "pull short name");
    assert!(
        out.stderr.contains("nosuchimage") && out.stderr.contains("no unqualified-search"),
        "{out:?}"
    );
    let out = l.run(&["run", "--rm", "nosuchimage", "true"]);
    out.assert_error(125, "run short name");
    assert!(out.stderr.contains("nosuchimage"), "{out:?}");
    // With two registries configured the name is ambiguous.
    configure(&l, "registries = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n");
    let out = l.run(&["pull", "nosuchimage"]);
    out.assert_error(125, "pull ambiguous short name");
    assert!(out.stderr.contains("ambiguous"), "{out:?}");
}

fn login_with_stdin(l: &Lpod, registry: &str, password: &str) -> common::Out {
    let pw = l.dir().join("password");
    std::fs::write(&pw, format!("{password}\n")).unwrap();
    let mut c = l.cmd(&["login", "-u", "tester", "--password-stdin", registry]);
    c.stdin(Stdio::from(std::fs::File::open(&pw).unwrap()));
    run_bounded(c, &["login"])
}

fn auth_entries(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn tls_htpasswd_login_push_pull_logout() {
    let Some(reg) = TestRegistry::tls_htpasswd("tester", "s3cret") else {
        return;
    };
    let Some(src) = Lpod::with_image() else {
        return;
    };
    let certs = reg
        .certs_dir
        .clone()
        .expect("a TLS registry has a certs dir");
    let auth = src.dir().join("auth.json");
    let cfg = format!(
        "auth_file = \"{}\"\nregistries_certs_dir = \"{}\"\n",
        auth.display(),
        certs.display()
    );
    configure(&src, &cfg);
    let hp = reg.host_port.clone();
    let tagged = format!("{hp}/private/busybox:v1");

    // Not logged in: unauthorized, naming the registry.
    let out = src.run(&["push", "-q", &src.image, &tagged]);
    out.assert_error(125, "push without login");
    assert!(out.stderr.contains(&hp), "{out:?}");

    // Wrong password: one clear error line, nothing written.
    let out = src.run(&["login", "-u", "tester", "-p", "wrong", &hp]);
    out.assert_error(125, "login with a wrong password");
    assert!(
        out.stderr.contains(&hp) && out.stderr.contains("unauthorized"),
        "{out:?}"
    );
    assert!(!auth.exists(), "a failed login wrote {}", auth.display());

    // Right password (from stdin): the auth file has the entry.
    let out = login_with_stdin(&src, &hp, "s3cret");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "Login Succeeded!\n");
    assert!(auth_entries(&auth).contains(&hp), "{}", auth_entries(&auth));
    assert!(!auth_entries(&auth).contains("s3cret"), "stored in base64");

    push(&src, &tagged);

    // Another world using the same auth file pulls over verified TLS.
    let dst = fresh(&cfg);
    let out = dst.run(&["pull", "-q", &tagged]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.trim(), image_id(&src, &src.image));

    // Without the certs dir the registry's certificate is not trusted.
    let untrusted = fresh(&format!(
        "auth_file = \"{}\"\nregistries_certs_dir = \"{}\"\n",
        auth.display(),
        dst.dir().join("empty-certs").display()
    ));
    let out = untrusted.run(&["pull", "-q", &tagged]);
    out.assert_error(125, "pull with an unknown CA");
    assert!(out.stderr.contains(&hp), "{out:?}");
    // --creds works without any auth file entry; --tls-verify=false skips verification.
    let out = untrusted.run(&[
        "pull",
        "-q",
        "--tls-verify=false",
        "--creds",
        "tester:s3cret",
        "--authfile",
        untrusted.dir().join("none.json").to_str().unwrap(),
        &tagged,
    ]);
    assert_eq!(out.code, 0, "{out:?}");

    // Logout removes the entry; pulling then fails again.
    let out = src.run(&["logout", &hp]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("Removed login credentials for {hp}\n"));
    assert!(
        !auth_entries(&auth).contains(&hp),
        "{}",
        auth_entries(&auth)
    );
    let out = src.run(&["logout", &hp]);
    out.assert_error(125, "logout twice");
    let again = fresh(&cfg);
    let out = again.run(&["pull", "-q", &tagged]);
    out.assert_error(125, "pull after logout");
    assert!(out.stderr.contains("unauthorized"), "{out:?}");
}
