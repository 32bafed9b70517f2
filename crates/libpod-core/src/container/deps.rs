//! The dependency queries of a container (see `crate::deps`): the containers it
//! depends on and those that depend on it.

use super::*;

impl Container {
    /// The containers this one depends on (full ids): the one whose network
    /// namespace it joins (`--network container:ID`), and those of its other
    /// namespaces. They are started before it.
    pub fn dependencies(&self) -> Result<Vec<String>> {
        let p = self.enter()?;
        let (cfg, _) = p
            .state
            .container(&self.id)
            .map_err(|e| ctr_err(e, &self.id))?;
        Ok(crate::deps::dependencies(&cfg))
    }

    /// The containers that depend on this one (full ids): it cannot be removed
    /// before them (`rm --depend` removes them first).
    pub fn dependents(&self) -> Result<Vec<String>> {
        let p = self.enter()?;
        crate::deps::dependents(&p, &self.id)
    }
}
