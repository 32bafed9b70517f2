//! A container outlives the process that created it: process A creates and starts it and
//! exits; a fresh process B reads its exit code after it ends. Both are this test binary,
//! re-executed with a role in the environment.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use libpod_oci::{
    ConmonConfig, ConmonRuntime, CreateOptions, MountInput, OciRuntime, RuntimeKind, RuntimeStatus,
    SpecInput,
};

use common::Fixture;

const ROLE: &str = "LPOD_OCI_TEST_ROLE";

fn child_runtime() -> (ConmonRuntime, String, PathBuf) {
    let kind = match std::env::var("LPOD_OCI_KIND").unwrap().as_str() {
        "crun" => RuntimeKind::Crun,
        _ => RuntimeKind::Runc,
    };
    let run_root = PathBuf::from(std::env::var("LPOD_OCI_RUN_ROOT").unwrap());
    let rt = ConmonRuntime::new(ConmonConfig::for_kind(kind, run_root).unwrap()).unwrap();
    let id = std::env::var("LPOD_OCI_ID").unwrap();
    let bundle = PathBuf::from(std::env::var("LPOD_OCI_BUNDLE").unwrap());
    (rt, id, bundle)
}

/// Entry point of the child roles, run by `run_role` with `--ignored`; not a test of its own.
#[test]
#[ignore = "child role of container_outlives_creator, run by it with --ignored"]
fn outlive_child_role() {
    let Ok(role) = std::env::var(ROLE) else {
        return; // run by hand with --ignored: nothing to do without a role
    };
    let (rt, id, bundle) = child_runtime();
    match role.as_str() {
        "create" => {
            let input: SpecInput =
                serde_json::from_str(&std::env::var("LPOD_OCI_INPUT").unwrap()).unwrap();
            let spec = input.to_spec().unwrap();
            rt.create(&id, &bundle, &spec, &CreateOptions::default())
                .unwrap();
            rt.start(&id).unwrap();
            println!("STARTED");
        }
        "read" => {
            let exit = rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
            println!("EXIT={}", exit.exit_code);
        }
        other => panic!("unknown role {other}"),
    }
}

fn run_role(fx: &Fixture, role: &str, id: &str, input: Option<&SpecInput>) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        "outlive_child_role",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(ROLE, role)
    .env("LPOD_OCI_KIND", fx.kind.name())
    .env("LPOD_OCI_RUN_ROOT", &fx.rt.config().run_root)
    .env("LPOD_OCI_ID", id)
    .env("LPOD_OCI_BUNDLE", fx.bundle(id));
    if let Some(i) = input {
        cmd.env("LPOD_OCI_INPUT", serde_json::to_string(i).unwrap());
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "role {role} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn container_outlives_creator(fx: &Fixture) {
    let id = fx.id("outlive");
    fx.adopt(&id);
    let gate = fx.tmp.path().join("gate");
    std::fs::create_dir_all(&gate).unwrap();
    let mut input = fx.input(
        &id,
        &[
            "/bin/sh",
            "-c",
            "while [ ! -e /gate/go ]; do sleep 0.05; done; exit 42",
        ],
    );
    input.mounts.push(MountInput::Bind {
        source: gate.clone(),
        destination: "/gate".into(),
        readonly: true,
        options: vec![],
    });
    let out = run_role(fx, "create", &id, Some(&input));
    assert!(out.contains("STARTED"), "{out}");
    // process A has exited; the container runs on under conmon
    let st = fx.rt.state(&id).unwrap();
    assert_eq!(st.status, RuntimeStatus::Running);
    assert!(fx.rt.exit_info(&id).unwrap().is_none());
    std::fs::write(gate.join("go"), "").unwrap();
    let out = run_role(fx, "read", &id, None);
    assert!(out.contains("EXIT=42"), "{out}");
}
both_runtimes!(
    container_outlives_creator_t,
    super::container_outlives_creator
);
