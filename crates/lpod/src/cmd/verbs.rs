//! `rename` and `init` (also as `container rename` / `container init`).

use libpod_core::{Error as CoreError, Runtime};

use super::container::{latest, targets};
use super::{for_each, CliError, CmdResult};
use crate::cli::{InitArgs, RenameArgs};

/// `lpod rename CONTAINER NAME`: prints nothing, as Podman; a taken name is an error.
pub fn rename(rt: &Runtime, a: &RenameArgs) -> CmdResult {
    let c = rt.container(&a.container)?;
    c.rename(&a.name)?;
    Ok(0)
}

/// `lpod init CONTAINER...`: creates the containers in the OCI runtime without starting
/// them and prints their full ids (`--latest`: the most recently created one). With
/// `--all`, containers already initialized or running are skipped.
pub fn init(rt: &Runtime, a: &InitArgs) -> CmdResult {
    if a.latest && (a.all || !a.containers.is_empty()) {
        return Err(CliError::Usage(
            "--all, --latest and containers cannot be used together".into(),
        ));
    }
    if a.all && !a.containers.is_empty() {
        return Err(CliError::Usage(
            "--all and containers cannot be used together".into(),
        ));
    }
    let names = if a.latest {
        vec![latest(rt)?]
    } else {
        a.containers.clone()
    };
    let list = targets(rt, a.all, &names, &[], false)?;
    for_each(&list, |t| match t.c.init() {
        Ok(()) => {
            println!("{}", t.c.id());
            Ok(())
        }
        Err(CoreError::InvalidState { .. }) if a.all => Ok(()),
        Err(e) => Err(e.into()),
    })
}
