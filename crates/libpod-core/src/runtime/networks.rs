//! The network verbs of the [`Runtime`]: `network create/ls/inspect/rm` over
//! the runtime's CNI network store (the container side of networking is in
//! `crate::network`).

use libpod_config::NetworkMode;
use libpod_net::{NetworkCreateOptions, NetworkInfo, NetworkStore, StoreError};

use super::Runtime;
use crate::network::{manager, NetworkError};
use crate::{Error, Result};

fn store_err(name: &str, e: StoreError) -> Error {
    match e {
        StoreError::NotFound { .. } => NetworkError::NoSuchNetwork(name.to_string()).into(),
        StoreError::Exists { .. } => NetworkError::NameInUse(name.to_string()).into(),
        StoreError::Default { .. } => NetworkError::DefaultNetwork(name.to_string()).into(),
        other => NetworkError::Store {
            name: name.to_string(),
            source: Box::new(other),
        }
        .into(),
    }
}

impl Runtime {
    /// The runtime's network store (conflists under the runtime's CNI config dir).
    pub fn network_store(&self) -> Result<NetworkStore> {
        let p = self.inner.parts()?;
        // The store and the plugins would create these world-readable.
        let c = &p.opts.config;
        for d in [&c.cni_config_dir, &c.cni_cache_dir] {
            libpod_storage::private::create_private_dir(d)
                .map_err(|e| Error::io("create directory", d, e))?;
        }
        Ok(manager(&p).store().clone())
    }

    /// `network create`. Without a name (`opts.name` empty) the network gets `lpodN` with
    /// the smallest N from 1 that no network has (the default network is `podman`), as
    /// Podman's `podmanN`; the name is chosen and written under the network store's lock.
    #[tracing::instrument(skip(self, opts), fields(name = %opts.name))]
    pub fn create_network(&self, opts: &NetworkCreateOptions) -> Result<NetworkInfo> {
        let store = self.network_store()?;
        let info = if opts.name.is_empty() {
            store.create_with_free_name("lpod", opts)
        } else {
            store.create(opts)
        }
        .map_err(|e| store_err(&opts.name, e))?;
        self.emit_event(crate::events::Event::network(
            "",
            &info.name,
            &info.name,
            crate::events::EventStatus::Create,
        ));
        Ok(info)
    }

    /// `network ls` (the default network is generated first when missing).
    pub fn list_networks(&self) -> Result<Vec<NetworkInfo>> {
        let s = self.network_store()?;
        if let Err(e) = s.ensure_default() {
            tracing::warn!(error = %e, "generating the default network");
        }
        s.list().map_err(|e| store_err("*", e))
    }

    /// `network inspect`.
    pub fn inspect_network(&self, name: &str) -> Result<NetworkInfo> {
        let s = self.network_store()?;
        if name == s.default_network().name {
            let _ = s.ensure_default();
        }
        s.inspect(name).map_err(|e| store_err(name, e))
    }

    /// `network rm`: refuses while containers use it unless `force` (which
    /// removes them first). Returns the removed containers.
    #[tracing::instrument(skip(self))]
    pub fn remove_network(&self, name: &str, force: bool) -> Result<Vec<String>> {
        let p = self.inner.parts()?;
        let s = manager(&p).store().clone();
        let Ok(list) = s.load(name) else {
            return Err(NetworkError::NoSuchNetwork(name.to_string()).into());
        };
        let default = s.default_network().name.clone();
        // Refused before any container is touched, even with force.
        if list.name == default {
            return Err(store_err(
                name,
                StoreError::Default {
                    name: name.to_string(),
                },
            ));
        }
        let users: Vec<String> = p
            .state
            .all_containers()?
            .into_iter()
            .filter(|(c, _)| {
                c.namespaces.network == NetworkMode::Bridge
                    && crate::network::network_names(c, &default)
                        .iter()
                        .any(|n| n == name)
            })
            .map(|(c, _)| c.id)
            .collect();
        if !users.is_empty() {
            if !force {
                return Err(NetworkError::InUse {
                    network: name.to_string(),
                    containers: users,
                }
                .into());
            }
            for id in &users {
                match self.container(id).and_then(|c| c.remove(true)) {
                    Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        s.remove(name).map_err(|e| store_err(name, e))?;
        crate::events::emit(
            &p,
            crate::events::Event::network("", name, name, crate::events::EventStatus::Remove),
        );
        Ok(users)
    }

    /// `network prune`: removes every network no container uses, except the default
    /// network (as Podman). Returns the removed networks' names.
    #[tracing::instrument(skip(self))]
    pub fn prune_networks(&self) -> Result<Vec<String>> {
        let p = self.inner.parts()?;
        let default = manager(&p).store().default_network().name.clone();
        let mut removed = Vec::new();
        for net in self.list_networks()? {
            if net.name == default {
                continue;
            }
            match self.remove_network(&net.name, false) {
                Ok(_) => removed.push(net.name),
                // In use, or removed meanwhile by another process: not ours to prune.
                Err(Error::Network(e))
                    if matches!(
                        *e,
                        NetworkError::InUse { .. } | NetworkError::NoSuchNetwork(_)
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }
}
