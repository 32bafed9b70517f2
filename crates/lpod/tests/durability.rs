//! fsync discipline, proved on the syscalls of real commands: an image import (`load`),
//! a create, a start on a bridge network of the test's own (CNI result cache), and an
//! rm, each recorded with strace, and every rename into a committed path under the
//! persistent root checked to be preceded by an fsync of what it commits and followed
//! by an fsync of its directory (`lpod_test_support::durability`, whose unit tests
//! show that a trace breaking the rule fails).
//!
//! What this cannot show: that the state survives an actual power cut. Replaying the
//! crash states of a recorded write sequence (dm-log-writes) needs device-mapper, and
//! the kernel of our machines has none; the ordering proof above is what is available.
//!
//! strace follows lpod's threads (`-f`) but detaches from children at their `execve`
//! (`-b execve`): conmon, the runtime and CNI plugins are not lpod's code and are not
//! held up by the tracer.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{own_network, Lpod};
use lpod_test_support::durability::{check_trace, TraceSummary, DURABILITY_SYSCALLS};

/// Runs `lpod ARGS` under strace; asserts success; returns the checked trace.
fn traced(l: &Lpod, strace: &Path, args: &[&str]) -> TraceSummary {
    let trace = l
        .dir()
        .join(format!("trace-{}-{}.txt", args[0], common::random()));
    let inner = l.cmd(args);
    let mut cmd = Command::new(strace);
    cmd.args(["-f", "-qq", "-y", "-b", "execve", "-e"])
        .arg(format!("trace={DURABILITY_SYSCALLS}"))
        .arg("-o")
        .arg(&trace)
        .arg(inner.get_program())
        .args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = common::run_bounded(cmd, args);
    assert_eq!(out.code, 0, "strace lpod {args:?}: {out:?}");
    let text = std::fs::read_to_string(&trace)
        .unwrap_or_else(|e| panic!("read trace {}: {e}", trace.display()));
    check_trace(&text, &[l.root.as_path()])
}

fn names(s: &TraceSummary) -> Vec<String> {
    s.committed_renames
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn import_create_start_rm_fsync_before_and_after_every_commit() {
    let Some(strace) = common::require_binary("strace", "strace") else {
        return;
    };
    let Some(l) = Lpod::with_image() else { return };
    let (_bridge, net, _subnet) = own_network(&l, "ldu");
    let mut failures = Vec::new();
    let check = |failures: &mut Vec<String>, what: &str, s: &TraceSummary, expect: &[&str]| {
        let got = names(s);
        println!("{what}: {} committed renames: {got:?}", got.len());
        for v in &s.violations {
            failures.push(format!("{what}: {v}"));
        }
        for e in expect {
            if !got.iter().any(|n| n == e) {
                failures.push(format!("{what}: no rename into {e} was seen: {got:?}"));
            }
        }
    };

    // Import: remove the image `with_image` loaded, then load it again under strace
    // (so its layers, blobs, config and metadata are all written anew).
    l.ok(&["rmi", "-a", "-f"]);
    let tar: PathBuf = common::test_image_tar();
    let s = traced(&l, &strace, &["load", "-i", tar.to_str().expect("utf-8")]);
    check(&mut failures, "load", &s, &["layers.json", "images.json"]);

    let s = traced(
        &l,
        &strace,
        &["create", "--name", "d", "--network", &net, &l.image, "true"],
    );
    // The container's own record (`containers/ID.json`) commits its storage.
    let got = names(&s);
    println!("create: {} committed renames: {got:?}", got.len());
    for v in &s.violations {
        failures.push(format!("create: {v}"));
    }
    let records = l.root.join("storage/containers");
    if !s
        .committed_renames
        .iter()
        .any(|p| p.parent() == Some(records.as_path()))
    {
        failures.push(format!(
            "create: no rename into {}: {got:?}",
            records.display()
        ));
    }

    let s = traced(&l, &strace, &["start", "d"]);
    let cache = l.root.join("cni/results");
    let cached = s.committed_renames.iter().any(|p| p.starts_with(&cache));
    if !cached {
        failures.push(format!(
            "start: no rename into the CNI cache {}: {:?}",
            cache.display(),
            names(&s)
        ));
    }
    check(&mut failures, "start", &s, &[]);

    let s = traced(&l, &strace, &["rm", "-f", "d"]);
    // rm commits by unlinking the record (then fsyncs its directory); its renames
    // (state, none of storage's) are checked all the same.
    check(&mut failures, "rm", &s, &[]);

    let _ = l.run(&["network", "rm", "-f", &net]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
