//! `cp` (also `container cp`): thin over `Runtime::copy`.

use libpod_core::{CopyEnd, CopyOptions, Runtime};

use super::CmdResult;
use crate::cli::CpArgs;

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
