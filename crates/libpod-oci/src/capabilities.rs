//! Capability names (`--cap-add`/`--cap-drop`), the set of every capability this kernel
//! knows (`--privileged`), and Podman's rule for combining a base set with additions and
//! removals.

use oci_spec::runtime::Capability;

/// A capability name or combination that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapabilityError {
    /// The name is no Linux capability.
    #[error("unknown capability {name:?} (use names like NET_ADMIN or CAP_NET_ADMIN, or ALL)")]
    Unknown {
        /// The name as given.
        name: String,
    },
    /// The same capability is both added and dropped.
    #[error("capability {name} is both added and dropped")]
    AddedAndDropped {
        /// The canonical name.
        name: String,
    },
}

/// The keyword standing for every capability.
pub const ALL: &str = "ALL";

/// Normalises a user-given name: `net_admin`, `CAP_NET_ADMIN`, `Net_Admin` all become
/// `CAP_NET_ADMIN`; `all` becomes [`ALL`]. Unknown names are an error naming them.
pub fn canonical_name(name: &str) -> Result<String, CapabilityError> {
    let trimmed = name.trim();
    if trimmed.eq_ignore_ascii_case(ALL) {
        return Ok(ALL.to_string());
    }
    let unknown = || CapabilityError::Unknown {
        name: name.to_string(),
    };
    if trimmed.is_empty() {
        return Err(unknown());
    }
    let canon = caps::to_canonical(trimmed);
    canon.parse::<caps::Capability>().map_err(|_| unknown())?;
    Ok(canon)
}

/// The OCI capability for a name (with or without `CAP_`, any case). [`ALL`] is not one.
pub fn parse_capability(name: &str) -> Result<Capability, CapabilityError> {
    let canon = canonical_name(name)?;
    if canon == ALL {
        return Err(CapabilityError::Unknown {
            name: name.to_string(),
        });
    }
    serde_json::from_value(serde_json::Value::String(canon)).map_err(|_| CapabilityError::Unknown {
        name: name.to_string(),
    })
}

/// The canonical `CAP_...` name of a capability.
pub fn capability_name(cap: &Capability) -> String {
    match serde_json::to_value(cap) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{cap:?}"),
    }
}

/// Every capability the running kernel knows (`/proc/sys/kernel/cap_last_cap`), in kernel
/// number order; when procfs cannot say, every capability known to lpod.
pub fn all_capabilities() -> Vec<Capability> {
    let set = caps::runtime::procfs_all_supported(None).unwrap_or_else(|_| caps::all());
    let mut list: Vec<caps::Capability> = set.into_iter().collect();
    list.sort_by_key(|c| c.index());
    list.iter()
        .filter_map(|c| parse_capability(&c.to_string()).ok())
        .collect()
}

/// The capabilities a privileged container gets: every capability of this kernel that is
/// also in our own bounding set (a runtime cannot grant more than its caller has; Podman
/// uses its bounding set the same way). When the bounding set cannot be read, the kernel's.
pub fn privileged_capabilities() -> Vec<Capability> {
    match caps::read(None, caps::CapSet::Bounding) {
        Ok(bounding) => all_capabilities()
            .into_iter()
            .filter(|c| {
                capability_name(c)
                    .parse::<caps::Capability>()
                    .is_ok_and(|k| bounding.contains(&k))
            })
            .collect(),
        Err(_) => all_capabilities(),
    }
}

/// Podman's merge of `base` with `--cap-add` and `--cap-drop` names:
/// adding `ALL` gives every capability we can grant ([`privileged_capabilities`]) minus
/// the drops; dropping `ALL` keeps only the
/// additions; otherwise the base plus additions minus drops. A capability both added and
/// dropped by name is an error, as is an unknown name.
pub fn merge_capabilities(
    base: &[Capability],
    add: &[String],
    drop: &[String],
) -> Result<Vec<Capability>, CapabilityError> {
    let add = add
        .iter()
        .map(|n| canonical_name(n))
        .collect::<Result<Vec<_>, _>>()?;
    let drop = drop
        .iter()
        .map(|n| canonical_name(n))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(both) = add.iter().find(|a| *a != ALL && drop.contains(a)) {
        return Err(CapabilityError::AddedAndDropped { name: both.clone() });
    }
    let to_caps = |names: &[String]| -> Result<Vec<Capability>, CapabilityError> {
        names
            .iter()
            .filter(|n| *n != ALL)
            .map(|n| parse_capability(n))
            .collect()
    };
    let add_caps = to_caps(&add)?;
    let drop_caps = to_caps(&drop)?;
    let mut out: Vec<Capability> = if add.iter().any(|n| n == ALL) {
        privileged_capabilities()
    } else if drop.iter().any(|n| n == ALL) {
        Vec::new()
    } else {
        base.to_vec()
    };
    for c in add_caps {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.retain(|c| !drop_caps.contains(c));
    Ok(out)
}

/// The effective-set bit mask of a list of capabilities (as `CapEff` in
/// /proc/PID/status shows it, hexadecimal).
pub fn capability_mask(list: &[Capability]) -> u64 {
    list.iter()
        .filter_map(|c| capability_name(c).parse::<caps::Capability>().ok())
        .fold(0u64, |m, c| m | c.bitmask())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::DEFAULT_CAPABILITIES;

    #[test]
    fn names_normalise() {
        assert_eq!(canonical_name("net_admin").unwrap(), "CAP_NET_ADMIN");
        assert_eq!(canonical_name("CAP_NET_ADMIN").unwrap(), "CAP_NET_ADMIN");
        assert_eq!(canonical_name("cap_Sys_Admin").unwrap(), "CAP_SYS_ADMIN");
        assert_eq!(canonical_name("all").unwrap(), ALL);
        let e = canonical_name("FOO").unwrap_err();
        assert!(e.to_string().contains("FOO"), "{e}");
        assert!(canonical_name("").is_err());
        assert_eq!(parse_capability("kill").unwrap(), Capability::Kill);
        assert!(parse_capability("ALL").is_err());
        assert_eq!(capability_name(&Capability::NetAdmin), "CAP_NET_ADMIN");
    }

    #[test]
    fn merge_follows_podman() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let base = DEFAULT_CAPABILITIES;
        // drop ALL then add
        let got = merge_capabilities(base, &s(&["net_admin"]), &s(&["ALL"])).unwrap();
        assert_eq!(got, vec![Capability::NetAdmin]);
        // plain add and drop
        let got = merge_capabilities(base, &s(&["NET_ADMIN"]), &s(&["CAP_KILL"])).unwrap();
        assert!(got.contains(&Capability::NetAdmin) && !got.contains(&Capability::Kill));
        assert_eq!(got.len(), base.len());
        // add ALL minus drops
        let got = merge_capabilities(base, &s(&["all"]), &s(&["sys_admin"])).unwrap();
        assert!(!got.contains(&Capability::SysAdmin));
        assert_eq!(got.len(), privileged_capabilities().len() - 1);
        // errors
        assert!(matches!(
            merge_capabilities(base, &s(&["FOO"]), &[]),
            Err(CapabilityError::Unknown { name }) if name == "FOO"
        ));
        assert!(matches!(
            merge_capabilities(base, &s(&["kill"]), &s(&["CAP_KILL"])),
            Err(CapabilityError::AddedAndDropped { .. })
        ));
    }

    #[test]
    fn masks_and_kernel_set() {
        assert_eq!(
            capability_mask(&[Capability::Chown, Capability::Kill]),
            0b100001
        );
        let all = all_capabilities();
        assert!(all.len() >= 38, "{all:?}");
        assert_eq!(all[0], Capability::Chown);
        let privileged = privileged_capabilities();
        assert!(!privileged.is_empty() && privileged.iter().all(|c| all.contains(c)));
    }
}
