//! `cargo xtask fuzz [TARGET] [--time SECS] [--list]`: the coverage-guided fuzz targets in
//! `fuzz/` (cargo-fuzz, libFuzzer, the nightly toolchain), one at a time with one worker.
//!
//! Each target starts from its committed seeds (`fuzz/corpus/TARGET`) and grows a working
//! corpus in `fuzz/work/TARGET` (not committed). A crash leaves its input in
//! `fuzz/artifacts/TARGET/` and fails the task; the summary gives executions per target.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Every fuzz target (the `[[bin]]`s of fuzz/Cargo.toml, checked by a test).
pub const TARGETS: &[&str] = &[
    "image_reference",
    "layer_extract",
    "image_archive",
    "registry_manifest",
    "cni_result",
    "cni_conf",
    "lpod_toml",
    "containers_conf",
    "registries_conf",
    "storage_conf",
    "go_template",
    "seccomp_profile",
    "api_request",
];

/// Seconds per target when `--time` is not given (the figure).
const DEFAULT_SECS: u64 = 600;

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    targets: Vec<&'static str>,
    secs: u64,
    list_only: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut targets = Vec::new();
    let mut secs = DEFAULT_SECS;
    let mut list_only = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--time" => {
                let v = it.next().ok_or("--time needs a number of seconds")?;
                secs = v
                    .parse()
                    .map_err(|_| format!("--time {v:?}: not a number of seconds"))?;
            }
            "--list" => list_only = true,
            t => {
                let known = TARGETS.iter().find(|k| **k == t).ok_or_else(|| {
                    format!("unknown fuzz target {t:?}; targets: {}", TARGETS.join(" "))
                })?;
                targets.push(*known);
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    Ok(Args {
        targets,
        secs,
        list_only,
    })
}

fn fuzz_dir() -> PathBuf {
    crate::root().join("fuzz")
}

/// One target's outcome.
struct Outcome {
    target: &'static str,
    execs: Option<u64>,
    /// libFuzzer started (the target built and ran).
    started: bool,
    /// The run ended in failure (after a start: a crash, leak, timeout or OOM).
    crashed: bool,
}

/// The task.
pub fn fuzz(args: &[String]) -> Result<(), String> {
    let a = parse_args(args)?;
    eprintln!("fuzz targets: {}", TARGETS.join(" "));
    if a.list_only {
        return Ok(());
    }
    let probe = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !probe.status.success() {
        return Err(
            "cargo-fuzz on the nightly toolchain is needed: `rustup toolchain install \
                    nightly` and `cargo install cargo-fuzz`"
                .into(),
        );
    }
    let mut outcomes = Vec::new();
    for t in &a.targets {
        outcomes.push(run_target(t, a.secs)?);
    }
    eprintln!("\n{:<18} {:>14}  result", "target", "executions");
    for o in &outcomes {
        eprintln!(
            "{:<18} {:>14}  {}",
            o.target,
            o.execs.map_or_else(|| "?".into(), |n| n.to_string()),
            if !o.started {
                format!(
                    "NOT RUN: the target did not build or start (fuzz/work/{}.log)",
                    o.target
                )
            } else if o.crashed {
                format!("CRASH (input in fuzz/artifacts/{}/)", o.target)
            } else {
                format!("no crash in {} s", a.secs)
            }
        );
    }
    let names = |f: fn(&Outcome) -> bool| -> Vec<&str> {
        outcomes.iter().filter(|o| f(o)).map(|o| o.target).collect()
    };
    let not_run = names(|o| !o.started);
    let crashed = names(|o| o.started && o.crashed);
    let mut problems = Vec::new();
    if !crashed.is_empty() {
        problems.push(format!("crashes in {}", crashed.join(" ")));
    }
    if !not_run.is_empty() {
        problems.push(format!("not run (build failed?): {}", not_run.join(" ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn run_target(target: &'static str, secs: u64) -> Result<Outcome, String> {
    let dir = fuzz_dir();
    let work = dir.join("work").join(target);
    std::fs::create_dir_all(&work).map_err(|e| format!("creating {}: {e}", work.display()))?;
    let log_path = dir.join("work").join(format!("{target}.log"));
    let mut log = std::fs::File::create(&log_path)
        .map_err(|e| format!("creating {}: {e}", log_path.display()))?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&dir)
        // The stable toolchain's variables (set by `cargo xtask`) must not pin the nightly run.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .args(["+nightly", "fuzz", "run", target])
        .arg(&work)
        .arg(dir.join("corpus").join(target))
        .args([
            "--",
            &format!("-max_total_time={secs}"),
            // One process, in-process fuzzing (no -jobs: the machine is shared).
            "-workers=1",
            // Templates and archives must stay bounded: a slow or huge input is a finding.
            "-timeout=20",
            "-rss_limit_mb=2048",
            "-max_len=65536",
            "-print_final_stats=1",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::inherit());
    eprintln!("+ (in fuzz/) {}", crate::show(&cmd));
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let mut execs = None;
    // libFuzzer's first line: a run that never printed it failed to build or start,
    // which is no crash of the target.
    let mut started = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.map_err(|e| format!("reading cargo fuzz output: {e}"))?;
        let _ = writeln!(log, "{line}");
        started |= line.starts_with("INFO: Seed:");
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            execs = n.trim().parse().ok();
        }
        if interesting(&line) {
            eprintln!("{target}: {line}");
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo fuzz: {e}"))?;
    eprintln!("{target}: full log in {}", log_path.display());
    Ok(Outcome {
        target,
        execs,
        started,
        crashed: !status.success(),
    })
}

/// The lines of libFuzzer's output worth showing live (the log keeps every line).
fn interesting(line: &str) -> bool {
    [
        "pulse",
        "DONE",
        "INIT",
        "ERROR",
        "SUMMARY",
        "panicked",
        "Test unit written",
        "stat::",
    ]
    .iter()
    .any(|k| line.contains(k))
        || line.starts_with("error")
        || line.starts_with("==")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn arguments() {
        let all = parse_args(&[]).unwrap();
        assert_eq!(all.targets, TARGETS);
        assert_eq!(all.secs, DEFAULT_SECS);
        let one = parse_args(&s(&["go_template", "--time", "30"])).unwrap();
        assert_eq!(one.targets, ["go_template"]);
        assert_eq!(one.secs, 30);
        assert!(parse_args(&s(&["--list"])).unwrap().list_only);
        let e = parse_args(&s(&["nope"])).unwrap_err();
        assert!(e.contains("nope") && e.contains("layer_extract"), "{e}");
        assert!(parse_args(&s(&["--time", "x"])).is_err());
        assert!(parse_args(&s(&["--time"])).is_err());
    }

    /// The list matches fuzz/Cargo.toml's targets, and each has a committed seed corpus.
    #[test]
    fn every_target_is_declared_and_seeded() {
        let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
        let mut declared: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|n| *n != "lpod-fuzz")
            .collect();
        declared.sort();
        let mut ours = TARGETS.to_vec();
        ours.sort();
        assert_eq!(declared, ours);
        for t in TARGETS {
            assert!(
                fuzz_dir()
                    .join("fuzz_targets")
                    .join(format!("{t}.rs"))
                    .is_file(),
                "{t}"
            );
            let seeds = std::fs::read_dir(fuzz_dir().join("corpus").join(t))
                .unwrap_or_else(|e| panic!("{t}: {e}"))
                .count();
            assert!(seeds > 0, "{t} has no seed");
        }
    }
}
