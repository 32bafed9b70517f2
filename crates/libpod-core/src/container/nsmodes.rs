//! `--pid`, `--ipc` and `--uts` (Podman's namespace modes): `private` (the default, a
//! new namespace), `host` (the host's), `container:NAME|ID` (another container's: a
//! dependency, started first). IPC has two more, as Podman: the default is
//! `shareable` (others may join it), `private` may not be joined, and `none` is a
//! namespace of its own without `/dev/shm`. At create the modes are parsed and the containers
//! resolved to ids; at init the OCI spec joins the namespaces. `--cgroupns` (host or
//! private, in the run settings) is applied here too.

use std::path::PathBuf;

use libpod_config::{ContainerConfig, NamespaceMode};
use libpod_oci::{MountInput, Namespace, SpecInput};

use super::options::CreateOptions;
use crate::context::Parts;
use crate::ops::lock::Locked;
use crate::{Error, Result};

/// Parses one namespace flag (`kind`: pid, ipc or uts) into a mode; a container is
/// resolved to its id. `shareable` (ipc) is a private namespace others may join.
fn mode(p: &Parts, kind: &'static str, value: &str) -> Result<NamespaceMode> {
    match value {
        "private" if kind == "ipc" => Ok(NamespaceMode::Unshareable),
        "none" if kind == "ipc" => Ok(NamespaceMode::NoShm),
        "private" | "" => Ok(NamespaceMode::Private),
        "shareable" if kind == "ipc" => Ok(NamespaceMode::Private),
        "host" => Ok(NamespaceMode::Host),
        other => match other.strip_prefix("container:") {
            Some(q) if !q.is_empty() => {
                let (id, cfg) = crate::deps::resolve_dependency_config(p, q)?;
                if kind == "ipc" && !cfg.namespaces.ipc.ipc_shareable() {
                    return Err(Error::IpcNotShareable(q.to_string()));
                }
                Ok(NamespaceMode::Container(id))
            }
            _ => Err(Error::InvalidArgument {
                what: match kind {
                    "pid" => "--pid mode (host, private or container:NAME)",
                    "ipc" => "--ipc mode (host, private, shareable, none or container:NAME)",
                    _ => "--uts mode (host, private or container:NAME)",
                },
                value: other.to_string(),
            }),
        },
    }
}

/// Sets the container's pid, ipc and uts modes from the create options (they win over
/// a pod's sharing); `--hostname` with the host's or another container's UTS
/// namespace is refused (as Podman).
pub(crate) fn apply_create(p: &Parts, opts: &CreateOptions, c: &mut ContainerConfig) -> Result<()> {
    if let Some(v) = &opts.pid_ns {
        c.namespaces.pid = mode(p, "pid", v)?;
    }
    if let Some(v) = &opts.ipc_ns {
        c.namespaces.ipc = mode(p, "ipc", v)?;
    }
    if let Some(v) = &opts.uts_ns {
        c.namespaces.uts = mode(p, "uts", v)?;
        if c.hostname.is_some()
            && matches!(
                c.namespaces.uts,
                NamespaceMode::Host | NamespaceMode::Container(_)
            )
        {
            return Err(Error::InvalidArgument {
                what: "--hostname (cannot be set when joining the host's or another container's UTS namespace)",
                value: format!("--uts {v}"),
            });
        }
    }
    Ok(())
}

/// The namespace of kind `kind` of the container `dep`, which must be running.
fn join_of(l: &Locked<'_>, dep: &str, kind: &str) -> Result<Namespace> {
    let (_, st) = crate::deps::dependency_row(l, dep)?;
    match (st.status, st.pid) {
        (
            libpod_config::ContainerStatus::Running | libpod_config::ContainerStatus::Paused,
            Some(pid),
        ) => Ok(Namespace::Join(PathBuf::from(format!(
            "/proc/{pid}/ns/{kind}"
        )))),
        _ => Err(Error::InvalidArgument {
            what: "dependency (not running: its namespace cannot be joined)",
            value: format!("{} needs the {kind} namespace of {dep}", l.id()),
        }),
    }
}

/// Applies the host and container modes to the spec (private and pod modes are
/// already there).
pub(crate) fn apply_spec(l: &Locked<'_>, input: &mut SpecInput) -> Result<()> {
    let ns = &l.cfg.namespaces;
    for (kind, m) in [("pid", &ns.pid), ("ipc", &ns.ipc), ("uts", &ns.uts)] {
        let n = match m {
            NamespaceMode::Host => Namespace::Host,
            NamespaceMode::Container(dep) => join_of(l, dep, kind)?,
            NamespaceMode::NoShm => {
                input.no_shm = true;
                continue;
            }
            NamespaceMode::Private | NamespaceMode::Unshareable | NamespaceMode::Pod => continue,
        };
        match kind {
            "pid" => input.namespaces.pid = n,
            "ipc" => {
                // POSIX shared memory lives in /dev/shm: with the host's IPC namespace,
                // the host's (as Podman). Another container's /dev/shm is a tmpfs of its
                // own mount namespace, which cannot be bound from here: not shared yet.
                if n == Namespace::Host {
                    input.mounts.push(MountInput::Bind {
                        source: PathBuf::from("/dev/shm"),
                        destination: PathBuf::from("/dev/shm"),
                        readonly: false,
                        options: Vec::new(),
                    });
                }
                input.namespaces.ipc = n;
            }
            _ => {
                input.namespaces.uts = n;
                input.hostname = None;
            }
        }
    }
    match l.cfg.run.cgroupns {
        Some(NamespaceMode::Private) => input.namespaces.cgroup = Namespace::New,
        Some(NamespaceMode::Host) => input.namespaces.cgroup = Namespace::Host,
        _ => {}
    }
    Ok(())
}
