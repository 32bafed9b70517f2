//! `RuntimeConfig::load_default` honours `LPOD_CONFIG` (one test per binary:
//! it changes the process environment).

use libpod_config::{RuntimeConfig, StateBackend};

#[test]
fn lpod_config_env_overrides_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lpod.toml");
    std::fs::write(
        &p,
        "state_backend = \"inmemory\"\ncgroup_parent = \"mine\"\n",
    )
    .unwrap();
    std::env::set_var("LPOD_CONFIG", &p);
    let c = RuntimeConfig::load_default().unwrap();
    assert_eq!(c.state_backend, StateBackend::InMemory);
    assert_eq!(c.cgroup_parent, "mine");

    // A missing file named by LPOD_CONFIG is an error naming it.
    let missing = dir.path().join("nope.toml");
    std::env::set_var("LPOD_CONFIG", &missing);
    let e = RuntimeConfig::load_default().unwrap_err();
    assert!(e.to_string().contains("nope.toml"), "{e}");

    // A bad key in it names key and file.
    std::fs::write(&p, "[engine]\nruntime = \"crun\"\n").unwrap();
    std::env::set_var("LPOD_CONFIG", &p);
    let e = RuntimeConfig::load_default().unwrap_err().to_string();
    assert!(
        e.contains("engine") && e.contains(&p.display().to_string()),
        "{e}"
    );
    std::env::remove_var("LPOD_CONFIG");
}
