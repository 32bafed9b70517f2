//! Confinement of a container: checking its `SecurityConfig` at create time (so a bad
//! capability, seccomp profile or device fails the create and nothing is created) and
//! turning it into the OCI spec input at init time.

use std::path::{Path, PathBuf};

use libpod_config::{RuntimeConfig, SecurityConfig};
use libpod_oci::{
    merge_capabilities, DeviceInput, MountInput, ProcessInput, SeccompPolicy, SeccompProfile,
    SpecInput,
};

use crate::{Error, Result};

/// The seccomp value meaning "no filter".
pub const UNCONFINED: &str = "unconfined";

/// Directories a read-only container gets a tmpfs on (with `read_only_tmpfs`), as Podman
/// does; /dev/shm is a tmpfs anyway.
pub const READ_ONLY_TMPFS_DIRS: &[&str] = &["/tmp", "/var/tmp", "/run"];

/// Checks and normalises the security settings of a container about to be created:
/// capability names become `CAP_...` (or `ALL`), the seccomp profile is resolved (the
/// runtime config's when none is given, `unconfined` for a privileged container) and a
/// profile file is loaded and checked, masked paths must be absolute, devices must exist.
pub(crate) fn validate(config: &RuntimeConfig, s: &SecurityConfig) -> Result<SecurityConfig> {
    let mut out = s.clone();
    let canon = |names: &[String]| -> Result<Vec<String>> {
        names
            .iter()
            .map(|n| libpod_oci::canonical_name(n).map_err(Error::from))
            .collect()
    };
    out.cap_add = canon(&s.cap_add)?;
    out.cap_drop = canon(&s.cap_drop)?;
    // Catches a capability both added and dropped.
    merge_capabilities(
        libpod_oci::spec::DEFAULT_CAPABILITIES,
        &out.cap_add,
        &out.cap_drop,
    )?;

    out.seccomp_profile = match &s.seccomp_profile {
        Some(p) => Some(p.clone()),
        None if s.privileged => Some(UNCONFINED.to_string()),
        None => config.seccomp_profile.clone(),
    };
    if let Some(p) = &out.seccomp_profile {
        if p != UNCONFINED {
            let abs = std::path::absolute(p).map_err(|e| Error::io("seccomp profile", p, e))?;
            SeccompProfile::load(&abs)?;
            out.seccomp_profile = Some(abs.display().to_string());
        }
    }
    for m in &s.mask {
        if !m.starts_with('/') {
            return Err(Error::InvalidArgument {
                what: "masked path (must be absolute)",
                value: m.clone(),
            });
        }
    }
    for m in &s.unmask {
        if m != "ALL" && !m.starts_with('/') {
            return Err(Error::InvalidArgument {
                what: "unmasked path (must be absolute or ALL)",
                value: m.clone(),
            });
        }
    }
    for d in &s.devices {
        DeviceInput::from_host(&d.host_path, &d.container_path, &d.permissions)?;
    }
    Ok(out)
}

/// Sets the capabilities and no-new-privileges of a process of the container (its init
/// process and every exec).
pub(crate) fn apply_process(s: &SecurityConfig, process: &mut ProcessInput) -> Result<()> {
    if s.privileged || !s.cap_add.is_empty() || !s.cap_drop.is_empty() {
        let base = if s.privileged {
            libpod_oci::privileged_capabilities()
        } else {
            libpod_oci::spec::DEFAULT_CAPABILITIES.to_vec()
        };
        process.capabilities = Some(merge_capabilities(&base, &s.cap_add, &s.cap_drop)?);
    }
    process.no_new_privileges = s.effective_no_new_privileges();
    Ok(())
}

/// The seccomp policy of the container.
pub(crate) fn seccomp_policy(s: &SecurityConfig) -> Result<SeccompPolicy> {
    Ok(match s.seccomp_profile.as_deref() {
        None if s.privileged => SeccompPolicy::Unconfined,
        None => SeccompPolicy::Default,
        Some(UNCONFINED) => SeccompPolicy::Unconfined,
        Some(p) => SeccompPolicy::Profile(Box::new(SeccompProfile::load(Path::new(p))?)),
    })
}

/// Applies everything but the process settings to the spec input: seccomp, read-only
/// root (with its tmpfs dirs), masking, devices and privileged mode.
pub(crate) fn apply_spec(s: &SecurityConfig, input: &mut SpecInput) -> Result<()> {
    input.seccomp = seccomp_policy(s)?;
    input.readonly_rootfs = s.read_only;
    if s.read_only && s.read_only_tmpfs {
        for dir in READ_ONLY_TMPFS_DIRS {
            let taken = input
                .mounts
                .iter()
                .any(|m| m.destination() == Path::new(dir));
            if !taken {
                input.mounts.push(MountInput::Tmpfs {
                    destination: PathBuf::from(dir),
                    options: vec!["rw".into(), "rprivate".into(), "tmpcopyup".into()],
                });
            }
        }
    }
    input.privileged = s.privileged;
    if s.privileged {
        input.mask_paths = false;
        input.devices = libpod_oci::host_devices(Path::new("/dev"));
    }
    input.extra_masked_paths = s.mask.clone();
    input.unmasked_paths = s.unmask.clone();
    for d in &s.devices {
        let dev = DeviceInput::from_host(&d.host_path, &d.container_path, &d.permissions)?;
        input.devices.retain(|x| x.path != dev.path);
        input.devices.push(dev);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use libpod_config::DeviceMapping;
    use oci_spec::runtime::Capability;

    #[test]
    fn validate_normalises_and_refuses() {
        let cfg = RuntimeConfig::default();
        let s = SecurityConfig {
            cap_add: vec!["net_admin".into()],
            cap_drop: vec!["all".into()],
            ..SecurityConfig::default()
        };
        let v = validate(&cfg, &s).unwrap();
        assert_eq!(v.cap_add, ["CAP_NET_ADMIN"]);
        assert_eq!(v.cap_drop, ["ALL"]);
        assert_eq!(v.seccomp_profile, None);

        let bad = SecurityConfig {
            cap_add: vec!["FOO".into()],
            ..SecurityConfig::default()
        };
        let e = validate(&cfg, &bad).unwrap_err();
        assert!(e.to_string().contains("FOO"), "{e}");

        let bad = SecurityConfig {
            seccomp_profile: Some("/nonexistent/profile.json".into()),
            ..SecurityConfig::default()
        };
        let e = validate(&cfg, &bad).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/profile.json"), "{e}");

        let bad = SecurityConfig {
            devices: vec![DeviceMapping {
                host_path: "/dev/nonexistent-dev".into(),
                container_path: "/dev/x".into(),
                permissions: "rwm".into(),
            }],
            ..SecurityConfig::default()
        };
        let e = validate(&cfg, &bad).unwrap_err();
        assert!(e.to_string().contains("/dev/nonexistent-dev"), "{e}");

        let privileged = SecurityConfig {
            privileged: true,
            ..SecurityConfig::default()
        };
        let v = validate(&cfg, &privileged).unwrap();
        assert_eq!(v.seccomp_profile.as_deref(), Some(UNCONFINED));

        let cfg = RuntimeConfig {
            seccomp_profile: Some(UNCONFINED.into()),
            ..RuntimeConfig::default()
        };
        let v = validate(&cfg, &SecurityConfig::default()).unwrap();
        assert_eq!(v.seccomp_profile.as_deref(), Some(UNCONFINED));
    }

    #[test]
    fn process_and_spec_settings() {
        let mut p = ProcessInput::default();
        apply_process(&SecurityConfig::default(), &mut p).unwrap();
        assert_eq!(p.capabilities, None);
        assert!(p.no_new_privileges);

        let s = SecurityConfig {
            cap_add: vec!["CAP_NET_ADMIN".into()],
            cap_drop: vec!["ALL".into()],
            no_new_privileges: Some(false),
            ..SecurityConfig::default()
        };
        apply_process(&s, &mut p).unwrap();
        assert_eq!(p.capabilities, Some(vec![Capability::NetAdmin]));
        assert!(!p.no_new_privileges);

        let s = SecurityConfig {
            privileged: true,
            read_only: true,
            ..SecurityConfig::default()
        };
        apply_process(&s, &mut p).unwrap();
        assert_eq!(
            p.capabilities.as_ref().map(Vec::len),
            Some(libpod_oci::privileged_capabilities().len())
        );
        assert!(!p.no_new_privileges);
        let mut input = SpecInput::new("/r", vec!["x".into()]);
        apply_spec(&s, &mut input).unwrap();
        assert_eq!(input.seccomp, SeccompPolicy::Unconfined);
        assert!(input.readonly_rootfs && input.privileged && !input.mask_paths);
        assert!(input
            .devices
            .iter()
            .any(|d| d.path == Path::new("/dev/null")));
        assert_eq!(input.mounts.len(), READ_ONLY_TMPFS_DIRS.len());
    }
}
