//! The lpod data model.
//!
//! `RuntimeConfig` (loadable from TOML), `ContainerConfig`/`ContainerState`,
//! `PodConfig`/`PodState`, `ContainerStatus` and the one table that says which
//! operation is allowed in which status, plus ids and names.
//!
//! Depends on no other lpod crate but the tiny `libpod-failpoint` mechanism: everything else
//! depends on it.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod container;
mod duration;
pub mod failpoint;
pub mod health;
pub mod ids;
pub mod pod;
pub mod process;
pub mod restart;
pub mod rootless;
pub mod runtime_config;
pub mod status;
pub mod storage_conf;
pub mod volume;

#[cfg(any(test, feature = "arbitrary"))]
#[cfg_attr(docsrs, doc(cfg(feature = "arbitrary")))]
pub mod arbitrary;

pub use container::{
    ContainerConfig, ContainerState, DeviceMapping, DeviceThrottle, DnsConfig, ExecSession,
    ExecStatus, IdMap, IdMapError, LogDriver, Mount, MountKind, NamespaceMode, Namespaces,
    NetworkMode, NetworkOptions, NetworkStatus, PortMapping, Protocol, Resources, RestartPolicy,
    RunSettings, SecurityConfig, SlirpOptions, SlirpProcess, ThrottleKind, Ulimit,
    DEFAULT_NET_SYSCTLS, INIT_PATH_IN_CONTAINER,
};
pub use duration::go_duration;
pub use health::{
    HealthConfig, HealthError, HealthLogEntry, HealthOnFailure, HealthState, HealthStatus,
    MonitorRecord,
};
pub use ids::{
    generate_name, name_candidates, new_id, resolve, short_id, validate_id, validate_name, IdError,
    LookupError,
};
pub use pod::{PodConfig, PodExitPolicy, PodState, SharedNamespace};
pub use process::ProcessRecord;
pub use restart::{next_restart_backoff, PendingRestart, UserStop};
pub use runtime_config::{
    CgroupManager, ConfigError, ContainersConf, ContainersSection, EngineSection, EventsLogger,
    RuntimeConfig, StateBackend, DEFAULT_EVENTS_LOGFILE_MAX_SIZE, IMAGE_VOLUME_MODES,
};
pub use status::{
    check, ContainerStatus, Operation, Outcome, ParseOperationError, Transition, TransitionError,
};
pub use volume::{VolumeConfig, VolumeOptionError, VolumeOptions, VolumeState, LOCAL_DRIVER};

#[cfg(test)]
mod roundtrip_tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn container_config_json_round_trip(c in crate::arbitrary::container_config()) {
            let json = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(serde_json::from_str::<crate::ContainerConfig>(&json).unwrap(), c);
        }

        #[test]
        fn container_state_json_round_trip(s in crate::arbitrary::container_state()) {
            let json = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(serde_json::from_str::<crate::ContainerState>(&json).unwrap(), s);
        }

        #[test]
        fn pod_json_round_trip(p in crate::arbitrary::pod_config(), s in crate::arbitrary::pod_state()) {
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<crate::PodConfig>(&json).unwrap(), p);
            let json = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(serde_json::from_str::<crate::PodState>(&json).unwrap(), s);
        }
    }
}
