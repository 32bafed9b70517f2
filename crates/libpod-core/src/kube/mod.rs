//! `play kube`: Kubernetes YAML (Pods, Deployments, PersistentVolumeClaims) played as lpod
//! pods, containers and volumes, as Podman 4.3 plays it.
//!
//! [`parse_documents`] reads the YAML into typed documents, [`plan`] turns them into pod
//! and container create options (pure: nothing is created, every error of the file is
//! found here), and [`Runtime::play_kube`](crate::Runtime::play_kube) /
//! [`Runtime::play_kube_down`](crate::Runtime::play_kube_down) create or tear down.
//!
//! ```no_run
//! use libpod_core::kube::{parse_documents, PlayOptions};
//! # let rt: libpod_core::Runtime = unimplemented!();
//! let docs = parse_documents(&std::fs::read_to_string("pod.yaml").unwrap())?;
//! let report = rt.play_kube(&docs, &PlayOptions::default(), &|_| {})?;
//! for pod in &report.pods {
//!     println!("{} {:?}", pod.id, pod.containers);
//! }
//! # Ok::<(), libpod_core::Error>(())
//! ```

mod error;
mod model;
mod plan;
mod play;

use serde::Deserialize;

pub use error::KubeError;

/// The longest annotation value `play kube` takes (Podman's limit, from Kubernetes'
/// label values).
pub const MAX_ANNOTATION: usize = 63;

/// The first annotation whose value is over [`MAX_ANNOTATION`] characters.
fn over_limit<'a>(
    mut annotations: impl Iterator<Item = (&'a String, &'a String)>,
) -> Option<(&'a String, &'a String)> {
    annotations.find(|(_, v)| v.chars().count() > MAX_ANNOTATION)
}
pub use model::*;
pub use plan::{
    parse_cpus, parse_memory, plan, ContainerPlan, HostPathPrep, HostPathType, PodPlan,
};
pub use play::{DownReport, PlayOptions, PlayReport, PlayedPod};

/// Reads every `---` document of `text`. Empty documents are skipped; a `Service` is
/// skipped (nothing to play); `ConfigMap` and `Secret` are refused, as is any kind lpod
/// does not know. A file without any Pod, Deployment or PersistentVolumeClaim is
/// [`KubeError::NoSupportedKind`].
pub fn parse_documents(text: &str) -> Result<Vec<KubeDocument>, KubeError> {
    let mut out = Vec::new();
    for (i, de) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let document = i + 1;
        let value =
            serde_yaml_ng::Value::deserialize(de).map_err(|e| KubeError::yaml(document, &e))?;
        if value.is_null() {
            continue;
        }
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .ok_or(KubeError::MissingKind { document })?
            .to_string();
        let invalid = |e: serde_yaml_ng::Error| KubeError::Invalid {
            document,
            kind: kind.clone(),
            message: e.to_string(),
        };
        out.push(match kind.as_str() {
            "Pod" => KubeDocument::Pod(serde_yaml_ng::from_value(value).map_err(invalid)?),
            "Deployment" => {
                KubeDocument::Deployment(serde_yaml_ng::from_value(value).map_err(invalid)?)
            }
            "PersistentVolumeClaim" => KubeDocument::PersistentVolumeClaim(
                serde_yaml_ng::from_value(value).map_err(invalid)?,
            ),
            "Service" => KubeDocument::Skipped { kind },
            "ConfigMap" | "Secret" => {
                return Err(KubeError::Unsupported {
                    what: format!("kind {kind}"),
                })
            }
            _ => return Err(KubeError::UnknownKind { kind }),
        });
    }
    if !out
        .iter()
        .any(|d| !matches!(d, KubeDocument::Skipped { .. }))
    {
        return Err(KubeError::NoSupportedKind);
    }
    Ok(out)
}

/// The names of the pods `docs` make (Deployments' replicas as `NAME-pod-N`), in order:
/// what `play kube --down` stops and removes.
pub fn pod_names(docs: &[KubeDocument]) -> Result<Vec<String>, KubeError> {
    let mut out = Vec::new();
    for d in docs {
        match d {
            KubeDocument::Pod(p) => out.push(p.metadata.required_name("pod")?),
            KubeDocument::Deployment(dep) => {
                let name = dep.metadata.required_name("deployment")?;
                for i in 0..dep.spec.replicas.unwrap_or(1) {
                    out.push(format!("{name}-pod-{i}"));
                }
            }
            KubeDocument::PersistentVolumeClaim(_) | KubeDocument::Skipped { .. } => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_several_kinds_parse() {
        let docs = parse_documents(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: c\n        image: busybox\n---\n\
             kind: Service\nmetadata:\n  name: s\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 3);
        assert!(
            matches!(&docs[0], KubeDocument::PersistentVolumeClaim(p) if p.metadata.name.as_deref() == Some("data"))
        );
        assert_eq!(pod_names(&docs).unwrap(), ["web-pod-0", "web-pod-1"]);
    }

    #[test]
    fn bad_yaml_names_line_and_column() {
        let e = parse_documents("kind: Pod\nmetadata:\n  name: [a\n").unwrap_err();
        match e {
            KubeError::Yaml { document, line, .. } => {
                assert_eq!(document, 1);
                assert!(line >= 3, "line {line}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_missing_and_refused_kinds() {
        assert!(matches!(
            parse_documents("kind: Job\n").unwrap_err(),
            KubeError::UnknownKind { kind } if kind == "Job"
        ));
        assert!(matches!(
            parse_documents("metadata: {}\n").unwrap_err(),
            KubeError::MissingKind { document: 1 }
        ));
        assert!(matches!(
            parse_documents("kind: ConfigMap\n").unwrap_err(),
            KubeError::Unsupported { .. }
        ));
        assert!(matches!(
            parse_documents("kind: Service\n").unwrap_err(),
            KubeError::NoSupportedKind
        ));
        assert!(matches!(
            parse_documents("kind: Pod\nspec:\n  containers: 3\n").unwrap_err(),
            KubeError::Invalid { .. }
        ));
        let docs = parse_documents("kind: Pod\nspec: {}\n").unwrap();
        assert!(matches!(
            pod_names(&docs).unwrap_err(),
            KubeError::MissingName { kind: "pod" }
        ));
    }
}
