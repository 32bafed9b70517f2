//! proptest: whatever is saved is loaded back equal, on both backends.

use libpod_config::arbitrary;
use libpod_state::{InMemoryState, SqliteState, State};
use proptest::prelude::*;

fn check_backend(
    s: &dyn State,
    configs: &[libpod_config::ContainerConfig],
    states: &[libpod_config::ContainerState],
    pod: &libpod_config::PodConfig,
    pod_state: &libpod_config::PodState,
) -> Result<(), TestCaseError> {
    s.add_pod(pod, pod_state).unwrap();
    prop_assert_eq!(s.pod(&pod.id).unwrap(), (pod.clone(), pod_state.clone()));
    for (i, (c, st)) in configs.iter().zip(states).enumerate() {
        let mut c = c.clone();
        if i % 2 == 0 {
            c.pod = Some(pod.id.clone());
        }
        s.add_container(&c, &libpod_config::ContainerState::default())
            .unwrap();
        s.save_container_state(&c.id, st).unwrap();
        prop_assert_eq!(s.container(&c.id).unwrap(), (c.clone(), st.clone()));
        prop_assert_eq!(&s.container_state(&c.id).unwrap(), st);
    }
    let all = s.all_containers().unwrap();
    prop_assert_eq!(all.len(), configs.len());
    for (c, st) in all {
        let i = configs.iter().position(|x| x.id == c.id).unwrap();
        prop_assert_eq!(&st, &states[i]);
    }
    Ok(())
}

fn distinct(
    configs: Vec<libpod_config::ContainerConfig>,
    pod: &libpod_config::PodConfig,
) -> Vec<libpod_config::ContainerConfig> {
    let mut seen = std::collections::BTreeSet::new();
    seen.insert(pod.id.clone());
    seen.insert(pod.name.clone());
    configs
        .into_iter()
        .filter(|c| seen.insert(c.id.clone()) && seen.insert(c.name.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn round_trip_both_backends(
        configs in proptest::collection::vec(arbitrary::container_config(), 1..5),
        states in proptest::collection::vec(arbitrary::container_state(), 5),
        pod in arbitrary::pod_config(),
        pod_state in arbitrary::pod_state(),
    ) {
        let configs = distinct(configs, &pod);
        let mem = InMemoryState::new();
        check_backend(&mem, &configs, &states, &pod, &pod_state)?;
        let dir = tempfile::tempdir().unwrap();
        let sql = SqliteState::open(dir.path().join("state.db")).unwrap();
        check_backend(&sql, &configs, &states, &pod, &pod_state)?;
        // and again after reopening the file
        sql.close().unwrap();
        let sql = SqliteState::open(dir.path().join("state.db")).unwrap();
        for c in &configs {
            let (got, _) = sql.container(&c.id).unwrap();
            prop_assert_eq!(got.id, c.id.clone());
            prop_assert_eq!(got.labels, c.labels.clone());
            prop_assert_eq!(got.created, c.created);
        }
    }
}
