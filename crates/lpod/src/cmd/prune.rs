//! `image prune`, `pod prune`, `container prune`, `network prune` and `system prune`: remove what nothing uses and print what
//! went, as Podman does. Objects that change meanwhile (started, removed, taken into use)
//! are passed over, not errors.

use std::collections::BTreeSet;

use libpod_core::{Error as CoreError, PodError, PodStatus, Runtime};

use super::{report, CliError, CmdResult};
use crate::cli::{PruneAllArgs, PruneForceArgs};

/// What one prune removed, and the errors it met along the way.
#[derive(Debug, Default)]
struct Pruned {
    /// Ids (names for networks) of what was removed, in order.
    removed: Vec<String>,
    /// Bytes the removed images held.
    bytes: u64,
    /// Errors, reported after the listing.
    errors: Vec<CliError>,
}

/// Asks `warning` on stderr and reads the answer from stdin: true for y/yes. End of input
/// (a script without a terminal) is no, as Podman. Every prune verb asks through it.
pub(super) fn confirm(warning: &str) -> Result<bool, CliError> {
    use std::io::Write as _;
    eprint!("{warning}\nAre you sure you want to continue? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("read", "stdin", e))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Removes dangling images (no name) that no container uses, or with `all` every image
/// no container uses. One pass: stored images have no parent links, so removing one
/// leaves no other dangling.
fn prune_images(rt: &Runtime, all: bool) -> Result<Pruned, CliError> {
    let mut out = Pruned::default();
    let used: BTreeSet<String> = rt
        .list_containers()?
        .into_iter()
        .map(|s| s.image_id)
        .collect();
    let candidates = rt
        .store()?
        .list_images()?
        .into_iter()
        .filter(|i| (all || i.names.is_empty()) && !used.contains(&i.id));
    for img in candidates {
        match rt.remove_image(&img.id, false) {
            Ok(id) => {
                out.bytes += img.size;
                out.removed.push(id);
            }
            Err(CoreError::NoSuchImage(_)) | Err(CoreError::ImageInUse { .. }) => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    Ok(out)
}

/// Removes every stopped or exited pod with its containers.
fn prune_pods(rt: &Runtime) -> Result<Pruned, CliError> {
    let mut out = Pruned::default();
    for pod in rt.pods()? {
        let status = match pod.status() {
            Ok(s) => s,
            Err(_) => continue, // Removed meanwhile.
        };
        if !matches!(status, PodStatus::Stopped | PodStatus::Exited) {
            continue;
        }
        match pod.remove(false) {
            Ok(()) => out.removed.push(pod.id().to_string()),
            Err(e) if is_gone_or_busy(&e) => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    Ok(out)
}

/// A pod removed or started by someone else meanwhile.
fn is_gone_or_busy(e: &CoreError) -> bool {
    match e {
        CoreError::Pod(pe) => matches!(**pe, PodError::NoSuchPod(_) | PodError::Running { .. }),
        _ => false,
    }
}

/// Removes every container that is not running, paused or stopping (infra containers
/// go with their pods), as `container prune`.
fn prune_containers(rt: &Runtime) -> Result<Pruned, CliError> {
    let mut out = Pruned::default();
    let targets: Vec<String> = rt
        .list_containers()?
        .into_iter()
        .filter(|s| !s.is_infra && !s.status.is_active())
        .map(|s| s.id)
        .collect();
    // A bar on a terminal once it takes more than a second (thousands of containers).
    let mut progress = crate::progress::Progress::new("pruning containers", targets.len());
    for id in targets {
        match progress.step(|| rt.container(&id).and_then(|c| c.remove(false))) {
            Ok(()) => out.removed.push(id),
            // Removed meanwhile (its own `--rm`), or started meanwhile: not ours to prune.
            Err(CoreError::NoSuchContainer(_)) | Err(CoreError::InvalidState { .. }) => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    Ok(out)
}

/// Reports every error but the last, which becomes the result (Podman's multi-error way).
fn finish(mut errors: Vec<CliError>) -> CmdResult {
    let last = errors.pop();
    for e in &errors {
        report(e);
    }
    match last {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// `lpod image prune [-a] [-f]`: prints each removed image's id.
pub fn images(rt: &Runtime, a: &PruneAllArgs) -> CmdResult {
    let warning = if a.all {
        "WARNING! This command removes all images without at least one container associated with them."
    } else {
        "WARNING! This command removes all dangling images."
    };
    if !a.force && !confirm(warning)? {
        return Ok(0);
    }
    print_pruned(prune_images(rt, a.all)?)
}

/// Prints each removed id, then [`finish`]es with the errors.
fn print_pruned(pruned: Pruned) -> CmdResult {
    for id in &pruned.removed {
        println!("{id}");
    }
    finish(pruned.errors)
}

/// `lpod pod prune [-f]`: prints each removed pod's id.
pub fn pods(rt: &Runtime, a: &PruneForceArgs) -> CmdResult {
    if !a.force && !confirm("WARNING! This will remove all stopped/exited pods..")? {
        return Ok(0);
    }
    print_pruned(prune_pods(rt)?)
}

/// `lpod container prune [-f]`: removes every container that is not running, paused or
/// stopping (pods' infra containers go with their pods), printing each id, as Podman.
pub fn containers(rt: &Runtime, a: &PruneForceArgs) -> CmdResult {
    if !a.force && !confirm("WARNING! This will remove all non running containers.")? {
        return Ok(0);
    }
    print_pruned(prune_containers(rt)?)
}

/// `lpod network prune [-f]`: removes every network no container uses, printing each name.
pub fn networks(rt: &Runtime, a: &PruneForceArgs) -> CmdResult {
    if !a.force
        && !confirm("WARNING! This will remove all networks not used by at least one container.")?
    {
        return Ok(0);
    }
    print_pruned(Pruned {
        removed: rt.prune_networks()?,
        ..Default::default()
    })
}

/// `lpod system prune [-a] [-f]`: pods, containers, networks, then images; each kind
/// that lost something gets Podman's `Deleted ...` heading, then the reclaimed total.
pub fn system(rt: &Runtime, a: &PruneAllArgs) -> CmdResult {
    let images = if a.all {
        "all images without at least one container associated with them"
    } else {
        "all dangling images"
    };
    let warning = format!(
        "WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container\n\t- {images}\n\t- all build cache\n"
    );
    if !a.force && !confirm(&warning)? {
        return Ok(0);
    }
    let mut errors = Vec::new();
    let pods = prune_pods(rt)?;
    let containers = prune_containers(rt)?;
    let networks = Pruned {
        removed: rt.prune_networks()?,
        ..Default::default()
    };
    let imgs = prune_images(rt, a.all)?;
    let bytes = imgs.bytes;
    for (title, pruned) in [
        ("Pods", pods),
        ("Containers", containers),
        ("Networks", networks),
        ("Images", imgs),
    ] {
        if !pruned.removed.is_empty() {
            println!("Deleted {title}");
            for id in &pruned.removed {
                println!("{id}");
            }
        }
        errors.extend(pruned.errors);
    }
    println!(
        "Total reclaimed space: {}",
        crate::format::human_size(bytes).replace(' ', "")
    );
    finish(errors)
}
