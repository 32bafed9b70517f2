//! The subset of the Kubernetes objects `play kube` reads (field names as in Kubernetes;
//! fields lpod does not know are ignored, as Podman ignores them).

use std::collections::BTreeMap;

use serde::Deserialize;

/// `metadata` of any object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// `metadata.name`, which a `kind` object must have (not empty).
    pub fn required_name(&self, kind: &'static str) -> Result<String, super::KubeError> {
        self.name
            .clone()
            .filter(|n| !n.is_empty())
            .ok_or(super::KubeError::MissingName { kind })
    }
}

/// `kind: Pod`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubePod {
    /// Name, labels, annotations.
    pub metadata: ObjectMeta,
    /// The pod's spec.
    pub spec: PodSpec,
}

/// `kind: Deployment` (`apps/v1`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubeDeployment {
    /// Name (the pods are `NAME-pod-N`), annotations.
    pub metadata: ObjectMeta,
    /// Replicas and the pod template.
    pub spec: DeploymentSpec,
}

/// A Deployment's `spec`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentSpec {
    /// How many pods (1 when missing).
    pub replicas: Option<u32>,
    /// The pod every replica is made from.
    pub template: PodTemplate,
}

/// A Deployment's `spec.template`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplate {
    /// Labels and annotations of the pods.
    pub metadata: ObjectMeta,
    /// The pods' spec.
    pub spec: PodSpec,
}

/// `kind: PersistentVolumeClaim`: becomes a named volume.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubePersistentVolumeClaim {
    /// The volume's name and labels.
    pub metadata: ObjectMeta,
}

/// A pod's `spec`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    /// The containers.
    pub containers: Vec<KubeContainer>,
    /// Init containers (refused: lpod does not run them).
    pub init_containers: Vec<serde_yaml_ng::Value>,
    /// Use the host's network namespace.
    pub host_network: bool,
    /// The pod's hostname (the pod name when missing).
    pub hostname: Option<String>,
    /// `Always` (default), `OnFailure`, `Never`.
    pub restart_policy: Option<String>,
    /// Volumes the containers mount.
    pub volumes: Vec<KubeVolume>,
    /// Share the pid namespace too.
    pub share_process_namespace: Option<bool>,
    /// Extra /etc/hosts entries.
    pub host_aliases: Vec<HostAlias>,
    /// Defaults of the containers' security contexts.
    pub security_context: Option<SecurityContext>,
}

/// One `spec.hostAliases` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostAlias {
    /// The address.
    pub ip: String,
    /// Names for it.
    pub hostnames: Vec<String>,
}

/// One of `spec.containers`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubeContainer {
    /// Name (the container is named `POD-NAME`).
    pub name: String,
    /// Image reference.
    pub image: String,
    /// `Always`, `IfNotPresent`, `Never` (Podman's "newer" when missing).
    pub image_pull_policy: Option<String>,
    /// Replaces the image's entrypoint (and drops its command).
    pub command: Vec<String>,
    /// Replaces the image's command.
    pub args: Vec<String>,
    /// Environment.
    pub env: Vec<EnvVar>,
    /// Environment from config maps or secrets (refused).
    pub env_from: Vec<serde_yaml_ng::Value>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// Ports (published on the pod).
    pub ports: Vec<ContainerPort>,
    /// Mounts of the pod's volumes.
    pub volume_mounts: Vec<VolumeMount>,
    /// User, privileges, capabilities, read-only root.
    pub security_context: Option<SecurityContext>,
    /// Limits (memory, cpu).
    pub resources: ResourceRequirements,
    /// Keep stdin open.
    pub stdin: bool,
    /// Allocate a terminal.
    pub tty: bool,
}

/// One `env` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Its value.
    pub value: Option<String>,
    /// A value from elsewhere (refused).
    pub value_from: Option<serde_yaml_ng::Value>,
}

/// One `ports` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerPort {
    /// Port name (unused).
    pub name: Option<String>,
    /// Port in the pod.
    pub container_port: u16,
    /// Port on the host (the container port when missing, as Podman 4.3).
    pub host_port: u16,
    /// Host address to bind.
    #[serde(rename = "hostIP")]
    pub host_ip: Option<String>,
    /// `TCP` (default), `UDP`, `SCTP`.
    pub protocol: Option<String>,
}

/// One `volumeMounts` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeMount {
    /// The pod volume's name.
    pub name: String,
    /// Where it is mounted.
    pub mount_path: String,
    /// Mount read-only.
    pub read_only: bool,
    /// A path inside the volume to mount instead of its root (hostPath volumes only).
    pub sub_path: Option<String>,
}

/// A `securityContext` (container's or pod's).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityContext {
    /// Numeric user id.
    pub run_as_user: Option<i64>,
    /// Numeric group id.
    pub run_as_group: Option<i64>,
    /// Privileged container.
    pub privileged: Option<bool>,
    /// Read-only root file system.
    pub read_only_root_filesystem: Option<bool>,
    /// `false`: no-new-privileges.
    pub allow_privilege_escalation: Option<bool>,
    /// Capabilities added and dropped.
    pub capabilities: Option<Capabilities>,
}

/// `securityContext.capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Capabilities {
    /// Added (`NET_ADMIN` or `CAP_NET_ADMIN`).
    pub add: Vec<String>,
    /// Dropped.
    pub drop: Vec<String>,
}

/// `resources`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceRequirements {
    /// `memory` and `cpu` limits (Kubernetes quantities).
    pub limits: BTreeMap<String, Quantity>,
    /// Requests (not used: lpod sets limits only).
    pub requests: BTreeMap<String, Quantity>,
}

/// A Kubernetes quantity as written: `128Mi`, `500m`, `0.5`, `1024`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    /// A bare number.
    Number(f64),
    /// A number with a suffix.
    Text(String),
}

/// One of `spec.volumes`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubeVolume {
    /// Name the mounts use.
    pub name: String,
    /// A host path (bind mount).
    pub host_path: Option<HostPathSource>,
    /// A fresh (anonymous) volume per container.
    pub empty_dir: Option<serde_yaml_ng::Value>,
    /// A named volume.
    pub persistent_volume_claim: Option<ClaimSource>,
    /// From a config map (refused).
    pub config_map: Option<serde_yaml_ng::Value>,
    /// From a secret (refused).
    pub secret: Option<serde_yaml_ng::Value>,
}

/// `hostPath`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostPathSource {
    /// The host path.
    pub path: String,
    /// `Directory`, `DirectoryOrCreate`, `File`, `FileOrCreate`, `Socket`,
    /// `CharDevice`, `BlockDevice` or unset.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `persistentVolumeClaim`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClaimSource {
    /// The volume's name.
    pub claim_name: String,
    /// Mount read-only.
    pub read_only: bool,
}

/// One document of a kube YAML file.
#[derive(Debug, Clone, PartialEq)]
pub enum KubeDocument {
    /// `kind: Pod`.
    Pod(KubePod),
    /// `kind: Deployment`.
    Deployment(KubeDeployment),
    /// `kind: PersistentVolumeClaim`.
    PersistentVolumeClaim(KubePersistentVolumeClaim),
    /// A kind that has nothing to play here (`Service`): skipped, as Podman does.
    Skipped {
        /// The kind.
        kind: String,
    },
}
