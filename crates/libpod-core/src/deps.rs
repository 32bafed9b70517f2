//! Containers that depend on other containers: one that joins another's network
//! namespace (`--network container:ID`) or its pid, ipc or uts namespace depends on
//! it. As in Podman, a dependency is started before the container that needs it,
//! and a container cannot be removed while others depend on it (`rm --depend`
//! removes those first).
//!
//! The truth is each container's config (`dependencies`). So that `rm` need not
//! read every container's config to find the dependents of one, each dependency's
//! own directory keeps an index: an empty file `dependents/<ID>` per container that
//! depends on it, written before that container's row is stored and removed after
//! its row is gone. An entry whose container no longer exists or no longer depends
//! on it (a crash between the two) is ignored.

use std::path::PathBuf;

use libpod_config::{ContainerConfig, ContainerStatus, NamespaceMode, NetworkMode};

use crate::context::{ctr_err, Parts};
use crate::ops::lock::Locked;
use crate::{Error, Result};

/// The ids of the containers `cfg` depends on, in the order they are started
/// (network first), without repeats. A pod's infra is not listed: the pod sees to it.
pub(crate) fn dependencies(cfg: &ContainerConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: &str| {
        if id != cfg.id && !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    };
    if let NetworkMode::Container { id } = &cfg.namespaces.network {
        push(id);
    }
    for ns in [
        &cfg.namespaces.pid,
        &cfg.namespaces.ipc,
        &cfg.namespaces.uts,
    ] {
        if let NamespaceMode::Container(id) = ns {
            push(id);
        }
    }
    out
}

/// The index directory of the containers that depend on `id`.
fn index_dir(p: &Parts, id: &str) -> PathBuf {
    p.opts.containers_dir().join(id).join("dependents")
}

/// Records `cfg` in the index of each container it depends on (before its row is
/// stored: an entry without a row is ignored, a row without an entry never exists).
pub(crate) fn record_dependent(p: &Parts, cfg: &ContainerConfig) -> Result<()> {
    for dep in dependencies(cfg) {
        let dir = index_dir(p, &dep);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create directory", &dir, e))?;
        let entry = dir.join(&cfg.id);
        std::fs::write(&entry, b"").map_err(|e| Error::io("write", &entry, e))?;
    }
    Ok(())
}

/// Drops `cfg` from the indexes of the containers it depended on (after its row is
/// gone). A dependency removed meanwhile has no index left: nothing to do.
pub(crate) fn forget_dependent(p: &Parts, cfg: &ContainerConfig) -> Vec<Error> {
    let mut errs = Vec::new();
    for dep in dependencies(cfg) {
        let entry = index_dir(p, &dep).join(&cfg.id);
        match std::fs::remove_file(&entry) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => errs.push(Error::io("remove", &entry, e)),
        }
    }
    errs
}

/// The containers that depend on `id` (their full ids, sorted): the index entries
/// whose container exists and depends on `id`.
pub(crate) fn dependents(p: &Parts, id: &str) -> Result<Vec<String>> {
    let dir = index_dir(p, id);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read directory", &dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", &dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        match p.state.container(&name) {
            Ok((c, _)) if dependencies(&c).iter().any(|d| d == id) => out.push(name),
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    out.sort();
    Ok(out)
}

/// Resolves the container named in `--network container:NAME|ID` to its full id
/// (a missing one is `NoSuchContainer`, as Podman reports it).
pub(crate) fn resolve_dependency(p: &Parts, query: &str) -> Result<String> {
    resolve_dependency_config(p, query).map(|(id, _)| id)
}

/// [`resolve_dependency`], with the dependency's configuration it read.
pub(crate) fn resolve_dependency_config(
    p: &Parts,
    query: &str,
) -> Result<(String, ContainerConfig)> {
    let id = p
        .state
        .lookup_container(query)
        .map_err(|e| crate::context::lookup_err(e, query))?;
    let (cfg, _) = p.state.container(&id).map_err(|e| ctr_err(e, query))?;
    if cfg.is_infra {
        return Err(Error::InvalidArgument {
            what: "dependency (a pod's infra container is joined through --pod)",
            value: query.to_string(),
        });
    }
    Ok((id, cfg))
}

/// Refuses to remove `l` while other containers depend on it, with Podman's words.
/// A removal that already began (status Removing: a crashed `rm` rolled forward)
/// is not stopped.
pub(crate) fn check_no_dependents(l: &Locked<'_>) -> Result<()> {
    if l.st.status == ContainerStatus::Removing {
        return Ok(());
    }
    let deps = dependents(l.p, l.id())?;
    if deps.is_empty() {
        return Ok(());
    }
    Err(Error::HasDependents {
        id: l.id().to_string(),
        dependents: deps,
    })
}

/// Locks a dependency of `l`: as a sibling when both are in the same pod (the
/// pod lock is held already), else with its own pod lock first.
pub(crate) fn lock_dependency<'p>(l: &Locked<'p>, id: &str) -> Result<Locked<'p>> {
    let (cfg, _) = l.p.state.container(id).map_err(|e| ctr_err(e, id))?;
    if cfg.pod.is_some() && cfg.pod == l.cfg.pod {
        l.acquire_sibling(id)
    } else {
        Locked::acquire(l.p, id)
    }
}

/// The row of dependency `dep` of the locked container, its state synced with the
/// exit file (whose namespaces are about to be joined).
pub(crate) fn dependency_row(
    l: &Locked<'_>,
    dep: &str,
) -> Result<(ContainerConfig, libpod_config::ContainerState)> {
    let (cfg, mut st) = l.p.state.container(dep).map_err(|e| ctr_err(e, dep))?;
    crate::ops::sync::peek_exit(l.p, dep, &mut st);
    Ok((cfg, st))
}

#[cfg(test)]
mod tests {
    use super::*;
    use libpod_config::{ContainerConfig, NamespaceMode, NetworkMode};

    #[test]
    fn dependencies_come_from_the_namespaces() {
        let mut c = ContainerConfig::new("a".repeat(64), "x");
        assert!(dependencies(&c).is_empty());
        c.namespaces.network = NetworkMode::Container { id: "b".repeat(64) };
        c.namespaces.pid = NamespaceMode::Container("b".repeat(64));
        c.namespaces.ipc = NamespaceMode::Container("c".repeat(64));
        c.namespaces.uts = NamespaceMode::Pod;
        assert_eq!(dependencies(&c), vec!["b".repeat(64), "c".repeat(64)]);
    }
}
