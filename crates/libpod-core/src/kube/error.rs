//! The errors of `play kube`: the YAML, the Kubernetes objects lpod cannot play, and the
//! pods a file names that clash with existing ones.

use std::path::PathBuf;

/// Why a Kubernetes YAML file cannot be played (or torn down).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeError {
    /// The text is not YAML (the parser's position, 1-based).
    #[error(
        "unable to read kube YAML: document {document}: line {line}, column {column}: {message}"
    )]
    Yaml {
        /// Which `---` document (1-based).
        document: usize,
        /// Line of the error (0 when the parser gave none).
        line: usize,
        /// Column of the error (0 when the parser gave none).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A document is YAML but not the Kubernetes object its kind says.
    #[error("unable to read YAML as Kube {kind}: document {document}: {message}")]
    Invalid {
        /// Which document (1-based).
        document: usize,
        /// Its `kind`.
        kind: String,
        /// The decoder's message (which field, what was expected).
        message: String,
    },
    /// A document without `kind`.
    #[error("unable to read kube YAML: document {document} has no kind")]
    MissingKind {
        /// Which document (1-based).
        document: usize,
    },
    /// A kind lpod does not know.
    #[error("kube kind {kind:?} is not supported (lpod plays Pod, Deployment and PersistentVolumeClaim)")]
    UnknownKind {
        /// The kind.
        kind: String,
    },
    /// The file holds no Pod, Deployment or PersistentVolumeClaim.
    #[error("YAML document does not contain any supported kube kind")]
    NoSupportedKind,
    /// Something Kubernetes has that lpod does not offer (yet).
    #[error("{what} is not supported by lpod play kube")]
    Unsupported {
        /// What it is (field and value).
        what: String,
    },
    /// An object without `metadata.name`.
    #[error("{kind} does not have a name")]
    MissingName {
        /// `pod`, `deployment`, `persistent volume claim`.
        kind: &'static str,
    },
    /// A required field is missing.
    #[error("pod {pod:?}: {what} is required")]
    MissingField {
        /// The pod.
        pod: String,
        /// Which field (`containers[1].image`).
        what: String,
    },
    /// Two containers of one pod have the same name.
    #[error("the pod {pod:?} is invalid; duplicate container name {container:?} detected")]
    DuplicateContainer {
        /// The pod.
        pod: String,
        /// The container name.
        container: String,
    },
    /// A volume mount names a volume the pod does not define.
    #[error(
        "volume mount {volume} specified for container {container:?} but not configured in volumes"
    )]
    UndefinedVolume {
        /// The container.
        container: String,
        /// The volume name.
        volume: String,
    },
    /// A pod annotation whose value is longer than [`super::MAX_ANNOTATION`], Podman's
    /// limit (in its words).
    #[error("invalid annotation {key:?}={value:?}: the value is longer than {max} characters")]
    InvalidAnnotation {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// The limit.
        max: usize,
    },
    /// A `--annotation` value longer than [`super::MAX_ANNOTATION`] (Podman's words).
    #[error("annotation exceeds maximum size, {max}, of kubernetes annotation: {value}")]
    AnnotationTooLong {
        /// The value.
        value: String,
        /// The limit.
        max: usize,
    },
    /// A field value lpod cannot use (bad quantity, port, path, policy).
    #[error("pod {pod:?}: invalid {what}: {value:?}")]
    InvalidValue {
        /// The pod.
        pod: String,
        /// Which field.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A hostPath volume whose path does not fit its type.
    #[error("hostPath {}: {why}", .path.display())]
    HostPath {
        /// The host path.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// Creating a hostPath (DirectoryOrCreate, FileOrCreate) failed.
    #[error("creating hostPath {}: {source}", .path.display())]
    HostPathIo {
        /// The host path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The image of a container is missing and could not be pulled (or its pull policy
    /// is `Never`).
    #[error("container {container:?}: image {image}: {source}")]
    Image {
        /// The container (`POD-NAME`).
        container: String,
        /// The image reference.
        image: String,
        /// Why.
        #[source]
        source: Box<crate::image::ImageError>,
    },
    /// A pod the file names exists already (and `--replace` was not given).
    #[error(
        "a pod named {name:?} already exists: use --replace or remove it first: pod already exists"
    )]
    PodExists {
        /// The pod name.
        name: String,
    },
}

impl KubeError {
    /// A parser error of document `document` (1-based), with its position.
    pub(crate) fn yaml(document: usize, e: &serde_yaml_ng::Error) -> KubeError {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        KubeError::Yaml {
            document,
            line,
            column,
            message: e.to_string(),
        }
    }
}
