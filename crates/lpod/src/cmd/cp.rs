//! `cp`, `diff` and `export` (also under `container`): thin over libpod-core.

use libpod_core::{CopyEnd, CopyOptions, Runtime};
use libpod_storage::changes::ChangeKind;

use super::{CliError, CmdResult};
use crate::cli::{CpArgs, DiffArgs, ExportArgs};

/// `lpod cp [-a] [--overwrite] SRC DEST`: prints nothing on success, as Podman.
pub fn cp(rt: &Runtime, a: &CpArgs) -> CmdResult {
    let src = CopyEnd::parse(&a.src);
    let dst = CopyEnd::parse(&a.dst);
    let opts = CopyOptions {
        archive: a.archive,
        overwrite: a.overwrite,
    };
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    rt.copy(&src, &dst, opts, &mut stdin, &mut stdout)?;
    Ok(0)
}

/// `lpod diff [--format json] CONTAINER|IMAGE` (or `-l`, the latest container): `C /etc` lines, or Podman's JSON.
pub fn diff(rt: &Runtime, a: &DiffArgs) -> CmdResult {
    let target = match &a.target {
        Some(t) => t.clone(),
        None => super::container::latest(rt)?,
    };
    let changes = rt.diff(&target)?;
    match a.format.as_deref() {
        None | Some("") => {
            for c in &changes {
                println!("{} {}", c.kind.letter(), c.path);
            }
        }
        Some("json") => {
            let pick = |k: ChangeKind| -> Vec<&str> {
                changes
                    .iter()
                    .filter(|c| c.kind == k)
                    .map(|c| c.path.as_str())
                    .collect()
            };
            let mut v = serde_json::Map::new();
            for (key, k) in [
                ("changed", ChangeKind::Changed),
                ("added", ChangeKind::Added),
                ("deleted", ChangeKind::Deleted),
            ] {
                let paths = pick(k);
                if !paths.is_empty() {
                    v.insert(key.into(), serde_json::json!(paths));
                }
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
            );
        }
        Some(f) => {
            return Err(CliError::Usage(format!(
                "--format {f:?}: diff takes only json"
            )))
        }
    }
    Ok(0)
}

/// `lpod export [-o FILE] CONTAINER`: the root filesystem as a tar, to FILE or stdout.
pub fn export(rt: &Runtime, a: &ExportArgs) -> CmdResult {
    tar_to_file_or_stdout(a.output.as_ref(), |w| {
        rt.export_container(&a.container, w)?;
        Ok(())
    })
}

/// Writes a tar made by `write` to `output` (synced before returning) or to stdout,
/// which must not be a terminal (the `export` verbs' `-o FILE` rule, as Podman's).
pub fn tar_to_file_or_stdout(
    output: Option<&std::path::PathBuf>,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), CliError>,
) -> CmdResult {
    match output {
        Some(p) => {
            let io_err = |source| CliError::Io {
                what: "writing",
                path: p.clone(),
                source,
            };
            let mut f = std::fs::File::create(p).map_err(io_err)?;
            write(&mut f)?;
            f.sync_all().map_err(io_err)?;
        }
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return Err(CliError::Usage(
                    "refusing to export to terminal. Use -o flag or redirect".into(),
                ));
            }
            write(&mut std::io::stdout().lock())?;
        }
    }
    Ok(0)
}
