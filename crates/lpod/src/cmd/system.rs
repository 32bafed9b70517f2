//! `version`, `info`, `system check`, `system reset` and `system boot`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use libpod_core::Runtime;
use serde_json::{json, Value};

use super::{print_json, report, CliError, CmdResult};
use crate::cli::{CheckArgs, FormatArgs, GlobalOpts, ResetArgs, ServiceArgs};
use crate::format;

/// The Podman version whose command line lpod follows: `version` reports it as the API
/// version, which is what tools compare to decide which flags they may use.
pub const PODMAN_API_VERSION: &str = "4.3.1";

/// `version`'s data: Podman's `Client` block, and `Server` (the same, as for a local Podman).
fn version_json() -> Value {
    let built = option_env!("SOURCE_DATE_EPOCH")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let built_time = chrono::DateTime::from_timestamp(built, 0)
        .map(|t| t.format("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_default();
    let c = json!({
        "APIVersion": PODMAN_API_VERSION,
        "Version": env!("CARGO_PKG_VERSION"),
        "GoVersion": "",
        "GitCommit": "",
        "BuiltTime": built_time,
        "Built": built,
        "OsArch": format!("{}/{}", std::env::consts::OS, go_arch()),
        "Os": std::env::consts::OS,
    });
    json!({ "Client": c.clone(), "Server": c })
}

/// `lpod version`.
pub fn version(a: &FormatArgs) -> CmdResult {
    let v = version_json();
    match a.format.as_deref() {
        f if format::is_json(f) => print_json(&v)?,
        Some(t) => println!("{}", format::template(t, &v)?),
        None => {
            let c = &v["Client"];
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            println!("Client:       lpod");
            println!("Version:      {}", s("Version"));
            println!("API Version:  {}", s("APIVersion"));
            println!("Built:        {}", s("BuiltTime"));
            println!("OS/Arch:      {}", s("OsArch"));
        }
    }
    Ok(0)
}

fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `registries` of `podman info`: the search list and each `[[registry]]`, from
/// registries.conf.
fn registries_json() -> Result<Value, CliError> {
    let conf = libpod_storage::registry::conf::RegistriesConf::load_default()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut m = serde_json::Map::new();
    for r in &conf.registries {
        let mirrors: Vec<Value> = r
            .mirrors
            .iter()
            .map(|x| json!({"Location": x.location, "Insecure": x.insecure}))
            .collect();
        m.insert(
            r.prefix.clone(),
            json!({
                "Prefix": r.prefix,
                "Location": r.location,
                "Insecure": r.insecure,
                "Blocked": r.blocked,
                "MirrorByDigestOnly": r.mirror_by_digest_only,
                "Mirrors": mirrors,
            }),
        );
    }
    if !conf.unqualified_search.is_empty() {
        m.insert("search".into(), json!(conf.unqualified_search));
    }
    Ok(Value::Object(m))
}

/// The storage configuration file in effect: `$CONTAINERS_STORAGE_CONF`, else lpod's own.
fn storage_config_file(g: &GlobalOpts) -> String {
    if let Some(p) = std::env::var_os(libpod_config::storage_conf::STORAGE_CONF_ENV) {
        if !p.is_empty() {
            return super::absolute(Path::new(&p)).display().to_string();
        }
    }
    match (
        &g.config,
        std::env::var_os(libpod_config::runtime_config::CONFIG_ENV),
    ) {
        (Some(c), _) => super::absolute(c).display().to_string(),
        (None, Some(e)) if !e.is_empty() => PathBuf::from(e).display().to_string(),
        _ => libpod_config::runtime_config::DEFAULT_CONFIG_PATH.to_string(),
    }
}

/// Go field names of `podman info`'s JSON keys where they are not the key capitalised.
const GO_NAMES: &[(&str, &str)] = &[
    ("ociRuntime", "OCIRuntime"),
    ("cgroupVersion", "CgroupsVersion"),
    ("cpus", "CPUs"),
    ("cpuUtilization", "CPUUtilization"),
    ("idMappings", "IDMappings"),
    ("slirp4netns", "Slirp4NetNS"),
    ("os", "OS"),
    ("apparmorEnabled", "AppArmorEnabled"),
    ("selinuxEnabled", "SELinuxEnabled"),
    ("seccompEnabled", "SECCOMPEnabled"),
    ("seccompProfilePath", "SECCOMPProfilePath"),
    ("by_status", "ByStatus"),
];

/// `info`'s JSON with Podman's Go field names, for `--format` templates
/// (`{{.Host.OCIRuntime.Name}}`, `{{.Store.GraphRoot}}`). Maps of user data keep their keys.
fn go_field_names(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let go = GO_NAMES
                        .iter()
                        .find(|(j, _)| j == k)
                        .map(|(_, g)| g.to_string())
                        .unwrap_or_else(|| {
                            let mut c = k.chars();
                            c.next()
                                .map(|f| f.to_uppercase().chain(c).collect())
                                .unwrap_or_default()
                        });
                    let user = matches!(k.as_str(), "graphOptions" | "graphStatus" | "registries");
                    (go, if user { v.clone() } else { go_field_names(v) })
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(go_field_names).collect()),
        other => other.clone(),
    }
}

/// `lpod info`: YAML-like text by default, JSON or a template on request.
pub fn info(rt: &Runtime, g: &GlobalOpts, a: &FormatArgs) -> CmdResult {
    let mut v = serde_json::to_value(rt.info()?).unwrap_or_default();
    v["store"]["configFile"] = json!(storage_config_file(g));
    v["registries"] = registries_json()?;
    v["version"] = version_json()["Client"].clone();
    // Podman's conmon entry is package, path, version (005-info reads `conmon:` followed
    // by `package:`); only the OCI runtime's names itself.
    if let Some(m) = v["host"]["conmon"].as_object_mut() {
        m.remove("name");
    }
    match a.format.as_deref() {
        f if format::is_json(f) => print_json(&v)?,
        Some(t) => println!("{}", format::template(t, &go_field_names(&v))?),
        None => {
            let mut out = String::new();
            yaml(&v, 0, &mut out);
            print!("{out}");
        }
    }
    Ok(0)
}

/// Renders JSON as indented `key: value` lines (what `podman info` prints, in YAML).
fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml(v, indent + 1, out);
                    }
                    Value::Array(items) if !items.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        for i in items {
                            out.push_str(&format!("{pad}- {}\n", scalar(i)));
                        }
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(v))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

/// Exit code of `system check` when findings remain (0 when clean; 125 when the audit
/// itself failed).
pub const CHECK_FINDINGS: i32 = 1;

/// `lpod system check [--repair] [--format json]`: one finding per line (or the report as
/// JSON); with `--repair`, what was repaired first (`repaired ...` lines), then what remains.
/// Exit 0 when clean, [`CHECK_FINDINGS`] when findings remain.
pub fn check(rt: &Runtime, a: &CheckArgs) -> CmdResult {
    let mut opts = libpod_core::check::RepairOptions::default();
    if let Some(m) = &a.max {
        opts.max_age = libpod_core::check::parse_max_age(m)
            .map_err(|e| CliError::Usage(format!("system check --max: {e}")))?;
    }
    let report = if a.repair {
        rt.check_repair_with(&opts)?
    } else {
        rt.check()?
    };
    match a.format.as_deref() {
        f if format::is_json(f) => print_json(&serde_json::to_value(&report).unwrap_or_default())?,
        Some(t) => {
            let v = serde_json::to_value(&report).unwrap_or_default();
            println!("{}", format::template(t, &v)?)
        }
        None => {
            print!("{report}");
            if report.is_clean() {
                println!("no problems found");
            }
        }
    }
    Ok(if report.is_clean() { 0 } else { CHECK_FINDINGS })
}

/// `lpod system service [--time SECS] [URI]`: the Docker-compatible API until stopped
/// (SIGTERM/SIGINT finish in-flight requests) or idle for `--time` seconds.
pub fn service(rt: &Runtime, a: &ServiceArgs) -> CmdResult {
    let uri = a.uri.as_deref().unwrap_or(lpod_api::DEFAULT_URI);
    let mut opts = lpod_api::ServeOptions::new(uri).map_err(|e| CliError::Usage(e.to_string()))?;
    if a.time > 0 {
        opts.idle_timeout = Some(std::time::Duration::from_secs(a.time));
    }
    lpod_api::serve(rt.clone(), opts).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(0)
}

/// `lpod system boot`: starts what ran at shutdown under an `always` or
/// `unless-stopped` policy (see [`Runtime::boot`]); prints each started id. A
/// container that failed to start is reported (one `Error:` line each) and the
/// exit code is 125; the others still start.
pub fn boot(rt: &Runtime) -> CmdResult {
    let out = rt.boot()?;
    for id in &out.started {
        println!("{id}");
    }
    let failed = !out.failed.is_empty();
    for (id, e) in out.failed {
        report(&CliError::Usage(format!("starting container {id}: {e}")));
    }
    Ok(if failed { 125 } else { 0 })
}

/// Rootless: ends the user's pause process (see `libpod_core::rootless`); root: nothing.
fn kill_rootless_pause() -> Result<Option<i32>, CliError> {
    let id = libpod_config::rootless::Identity::current();
    if !id.is_rootless() {
        return Ok(None);
    }
    let paths = libpod_config::rootless::RootlessPaths::for_uid(id.host_uid());
    libpod_core::rootless::kill_pause(&paths).map_err(|e| CliError::Usage(e.to_string()))
}

/// `lpod system migrate`: rootless, stops every running container (they hold the old
/// namespace) and ends the pause process, so that the next command makes a new user
/// namespace from the current /etc/subuid and /etc/subgid. As root there is nothing to
/// migrate.
pub fn migrate(rt: &Runtime) -> CmdResult {
    if !libpod_config::rootless::Identity::current().is_rootless() {
        return Ok(0);
    }
    let mut failed = None;
    for c in rt.containers()? {
        let running = matches!(
            c.status(),
            Ok(libpod_config::ContainerStatus::Running | libpod_config::ContainerStatus::Paused)
        );
        if running {
            if let Err(e) = c.stop(None) {
                if let Some(prev) = failed.replace(CliError::from(e)) {
                    report(&prev);
                }
            }
        }
    }
    kill_rootless_pause()?;
    match failed {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// `lpod unshare [CMD...]`: runs CMD (default `$SHELL`, else `/bin/sh`) inside the
/// user's namespaces, which `main` has already joined. Root is refused, as Podman does.
pub fn unshare(a: &crate::cli::UnshareArgs) -> CmdResult {
    use std::os::unix::process::CommandExt;
    if !libpod_config::rootless::Identity::current().is_rootless() {
        return Err(CliError::Usage(
            "please use unshare with rootless: as root lpod runs in the host's namespaces".into(),
        ));
    }
    let mut argv = a.command.clone();
    if argv.is_empty() {
        argv.push(std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into()));
    }
    let err = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env("CONTAINERS_USERNS_CONFIGURED", "done")
        .exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        crate::exit::NOT_FOUND
    } else {
        crate::exit::CANNOT_INVOKE
    };
    Err(CliError::Coded {
        code,
        message: format!("unshare: running {}: {err}", argv[0]),
    })
}

/// Directories `system reset` empties, from the runtime's configuration.
fn reset_paths(c: &libpod_config::RuntimeConfig) -> Vec<PathBuf> {
    let mut v = vec![
        c.graph_root.clone(),
        c.run_root.clone(),
        c.static_dir.clone(),
        c.volume_path.clone(),
        c.cni_cache_dir.clone(),
        c.tmp_dir.clone(),
    ];
    // Never a top-level directory (`/`, `/run`, `/var`): only lpod's own.
    v.retain(|p| p.is_absolute() && p.components().count() >= 3);
    v.sort();
    v.dedup();
    v
}

fn unmount_under(dirs: &[PathBuf]) {
    let mut mounts: Vec<PathBuf> = libpod_storage::driver::mount_points()
        .into_iter()
        .filter(|m| dirs.iter().any(|d| m.starts_with(d)))
        .collect();
    mounts.sort_by_key(|m| std::cmp::Reverse(m.as_os_str().len()));
    for m in mounts {
        if let Err(e) = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH) {
            tracing::warn!(mount = %m.display(), error = %e, "unmounting during reset");
        }
    }
}

fn confirm(paths: &[PathBuf]) -> bool {
    eprintln!("WARNING! This will remove:");
    eprintln!(" - all containers");
    eprintln!(" - all pods");
    eprintln!(" - all images");
    eprintln!(" - all build cache, storage and state under:");
    for p in paths {
        eprintln!("     {}", p.display());
    }
    eprint!("Are you sure you want to continue? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "Yes")
}

/// `lpod system reset`: removes every container, pod and image, then the storage and
/// state directories themselves.
pub fn reset(g: &GlobalOpts, a: &ResetArgs) -> CmdResult {
    let builder = super::builder(g)?;
    let paths = reset_paths(&builder.peek().config);
    if !a.force && !confirm(&paths) {
        return Ok(0);
    }
    let mut failed: Option<CliError> = None;
    match builder.build() {
        Ok(rt) => {
            let reset = {
                // A bar on a terminal once it takes more than a second (thousands of
                // containers), gone before the runtime shuts down.
                let mut progress = None;
                rt.reset_with(|total| {
                    progress
                        .get_or_insert_with(|| {
                            crate::progress::Progress::new("removing containers", total)
                        })
                        .step(|| ())
                })
            };
            if let Err(e) = reset {
                failed = Some(e.into());
            }
            if let Err(e) = rt.shutdown(true) {
                tracing::warn!(error = %e, "shutting the runtime down during reset");
            }
        }
        // A broken database or store is what reset is for: go on with the directories.
        Err(e) => tracing::warn!(error = %e, "opening the runtime for reset"),
    }
    unmount_under(&paths);
    // Rootless: the pause process's pid file lives in the run dir about to go; end the
    // namespace with it, or the next command would leave this pause process behind.
    kill_rootless_pause()?;
    for p in &paths {
        if let Err(e) = remove_tree(p) {
            if let Some(prev) = failed.replace(e) {
                report(&prev);
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

fn remove_tree(p: &Path) -> Result<(), CliError> {
    match std::fs::remove_dir_all(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError::io("remove", p, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_never_touches_top_level_dirs() {
        let mut c = libpod_config::RuntimeConfig::with_roots("/tmp/x/root", "/tmp/x/run");
        c.tmp_dir = "/run".into();
        let p = reset_paths(&c);
        assert!(p.contains(&PathBuf::from("/tmp/x/root/storage")));
        assert!(p.contains(&PathBuf::from("/tmp/x/run/storage")));
        assert!(!p.contains(&PathBuf::from("/run")));
    }

    #[test]
    fn yaml_like_info() {
        let mut out = String::new();
        yaml(
            &json!({"host": {"arch": "amd64", "cpus": 2}, "list": ["a"], "empty": ""}),
            0,
            &mut out,
        );
        assert_eq!(
            out,
            "empty: \"\"\nhost:\n  arch: amd64\n  cpus: 2\nlist:\n- a\n"
        );
    }
}
