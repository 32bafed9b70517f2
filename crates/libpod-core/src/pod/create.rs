//! `pod create`: the pod row and (by default) its infra container.

use super::*;

impl Runtime {
    /// Creates a pod and (by default) its infra container, not started.
    #[tracing::instrument(skip(self, opts), fields(name = ?opts.name))]
    pub fn create_pod(&self, opts: PodCreateOptions) -> Result<Pod> {
        let p = self.inner.parts()?;
        if let Some(n) = &opts.name {
            validate_name(n)?;
        }
        let id = new_id();
        // A generated name is checked against the name index first; one taken
        // between that check and the insert makes the next candidate's turn.
        let mut candidates = libpod_config::name_candidates();
        let mut next_name = || -> Result<String> {
            match &opts.name {
                Some(n) => Ok(n.clone()),
                None => match crate::context::next_free_name(p.state.as_ref(), &mut candidates)? {
                    Ok(n) => Ok(n),
                    Err(last) => Err(PodError::NameInUse(last).into()),
                },
            }
        };
        let name = next_name()?;
        let pod_mounts = pod_mounts(&p, &opts.volumes)?;
        let build = |name: &str| {
            let mut pc = PodConfig::new(&id, name);
            pc.labels = opts.labels.clone();
            pc.has_infra = opts.infra;
            pc.shared_namespaces = if opts.infra {
                opts.share.clone()
            } else {
                Vec::new()
            };
            pc.port_mappings = opts.ports.clone();
            pc.networks = opts.networks.clone();
            pc.hostname = opts.hostname.clone().or_else(|| Some(name.to_string()));
            pc.exit_policy = opts.exit_policy;
            pc.mounts = pod_mounts.clone();
            pc.host_network = opts.network == NetworkMode::Host;
            pc
        };
        let mut pc = build(&name);
        if !opts.infra && !opts.ports.is_empty() {
            return Err(PodError::Conflict {
                pod: id,
                what: "published ports need an infra container",
            }
            .into());
        }
        // Rolled back after a crash (see `crate::journal`).
        let mut op = Op::begin(
            &p,
            JournalKind::Pod,
            &id,
            Operation::Create,
            Acquired::default(),
        )?;
        loop {
            match p.state.add_pod(&pc, &PodState::default()) {
                Ok(()) => break,
                Err(libpod_state::StateError::NameInUse { name, .. }) if opts.name.is_none() => {
                    tracing::debug!(name = %name, "generated pod name taken meanwhile, trying another");
                    pc = build(&next_name()?);
                }
                Err(e) => return Err(pod_err(e, &pc.name)),
            }
        }
        let name = pc.name.clone();
        failpoint::hit("pod.create.after_state");
        let pod = Pod {
            id: id.clone(),
            rt: self.inner.clone(),
        };
        if opts.infra {
            let r = (|| -> Result<()> {
                let image = opts
                    .infra_image
                    .clone()
                    .or_else(|| p.opts.config.infra_image.clone())
                    .unwrap_or_else(|| PAUSE_IMAGE.to_string());
                infra::ensure_image(&p.store, &image)?;
                let copts = CreateOptions {
                    image,
                    name: Some(
                        opts.infra_name
                            .clone()
                            .unwrap_or_else(|| format!("{}-infra", libpod_config::short_id(&id))),
                    ),
                    entrypoint: opts.infra_command.clone(),
                    command: opts.infra_command.as_ref().map(|_| Vec::new()),
                    dns: opts.dns.clone(),
                    network: if pc.shares(SharedNamespace::Net) {
                        opts.network
                    } else {
                        NetworkMode::None
                    },
                    networks: opts.networks.clone(),
                    ports: opts.ports.clone(),
                    static_mac: opts.static_mac.clone(),
                    hostname: pc.hostname.clone(),
                    labels: opts.labels.clone(),
                    ..Default::default()
                };
                let pod_id = id.clone();
                let cid = crate::container::create::create_with(&p, copts, &|c| {
                    c.pod = Some(pod_id.clone());
                    c.is_infra = true;
                    Ok(())
                })
                .map_err(|e| PodError::Infra {
                    pod: name.clone(),
                    source: Box::new(e),
                })?;
                op.record(|a| a.infra = Some(cid.clone()))?;
                failpoint::hit("pod.create.after_infra");
                let (_, mut ps) = p.state.pod(&id)?;
                ps.infra_container_id = Some(cid);
                p.state.save_pod_state(&id, &ps)?;
                Ok(())
            })();
            if let Err(e) = r {
                if let Err(e2) = pod.remove(true) {
                    tracing::warn!(error = %e2, "removing a half-created pod");
                }
                return Err(e);
            }
        }
        crate::events::emit(
            &p,
            crate::events::Event::pod(&id, &name, crate::events::EventStatus::Create),
        );
        Ok(pod)
    }
}

/// The pod's `-v` mounts as config mounts; volumes are created (or found) now.
fn pod_mounts(p: &Parts, specs: &[crate::MountSpec]) -> Result<Vec<libpod_config::Mount>> {
    use libpod_config::{Mount, MountKind};
    let mut out = Vec::new();
    for s in specs {
        out.push(match s {
            crate::MountSpec::Volume {
                name,
                destination,
                options,
            } => {
                crate::container::create::check_volume_options(destination, options)?;
                let v = crate::volume::create::create_volume(
                    p,
                    crate::volume::VolumeCreateOptions {
                        name: name.clone(),
                        ignore_existing: true,
                        ..Default::default()
                    },
                )?;
                Mount {
                    kind: MountKind::Volume,
                    source: v.name,
                    destination: destination.clone(),
                    options: options.clone(),
                }
            }
            crate::MountSpec::Bind {
                source,
                destination,
                read_only,
                options,
            } => Mount {
                kind: MountKind::Bind,
                source: source.display().to_string(),
                destination: destination.clone(),
                options: crate::container::create::bind_options(*read_only, options),
            },
            _ => {
                return Err(Error::InvalidArgument {
                    what: "pod mount (volumes and binds only)",
                    value: format!("{s:?}"),
                })
            }
        });
    }
    Ok(out)
}
