//! Kubernetes pods into lpod's pod and container create options, with Podman 4.3's rules
//! (names `POD-CTR`, command/args over the image's entrypoint/cmd, ports published on the
//! pod, restart policies, exit policy `stop`). Pure: nothing is created here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use libpod_config::{PodExitPolicy, PortMapping, Protocol, RestartPolicy, SharedNamespace};

use super::error::KubeError;
use super::model::*;
use crate::container::{CreateOptions, MountSpec};
use crate::image::PullPolicy;
use crate::pod::PodCreateOptions;

/// One pod to create and its containers.
#[derive(Debug, Clone, PartialEq)]
pub struct PodPlan {
    /// The pod (network mode left at its default: `play_kube` sets it).
    pub pod: PodCreateOptions,
    /// Whether the pod uses the host's network (`spec.hostNetwork`).
    pub host_network: bool,
    /// Its containers, in the file's order.
    pub containers: Vec<ContainerPlan>,
    /// Host paths to check or create before the containers are.
    pub host_paths: Vec<HostPathPrep>,
}

/// One container of a [`PodPlan`].
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerPlan {
    /// Create options (`pod` is set when the pod exists).
    pub create: CreateOptions,
    /// How the image is pulled.
    pub pull_policy: PullPolicy,
    /// The pod's annotations, kept on the container.
    pub annotations: BTreeMap<String, String>,
}

/// A hostPath volume's path and what it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPathPrep {
    /// The host path.
    pub path: PathBuf,
    /// Its `type`.
    pub kind: HostPathType,
}

/// A hostPath's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostPathType {
    /// Unset: the path must exist.
    Unset,
    /// Created (0755, with its parents) when missing.
    DirectoryOrCreate,
    /// Must be a directory.
    Directory,
    /// Created empty when missing.
    FileOrCreate,
    /// Must be a file.
    File,
    /// Must be a Unix socket.
    Socket,
}

impl HostPathType {
    fn parse(s: Option<&str>, path: &Path) -> Result<HostPathType, KubeError> {
        Ok(match s.unwrap_or("") {
            "" => HostPathType::Unset,
            "DirectoryOrCreate" => HostPathType::DirectoryOrCreate,
            "Directory" => HostPathType::Directory,
            "FileOrCreate" => HostPathType::FileOrCreate,
            "File" => HostPathType::File,
            "Socket" => HostPathType::Socket,
            "CharDevice" | "BlockDevice" => {
                return Err(KubeError::Unsupported {
                    what: format!("hostPath type {} ({})", s.unwrap_or(""), path.display()),
                })
            }
            other => {
                return Err(KubeError::HostPath {
                    path: path.to_path_buf(),
                    why: format!("invalid HostPath type {other:?}"),
                })
            }
        })
    }
}

/// Every pod `docs` make, in order (a Deployment's replicas `NAME-pod-0`...), checked.
pub fn plan(docs: &[KubeDocument]) -> Result<Vec<PodPlan>, KubeError> {
    let mut out = Vec::new();
    for d in docs {
        match d {
            KubeDocument::Pod(p) => {
                let name = p.metadata.required_name("pod")?;
                out.push(plan_pod(
                    &name,
                    &p.metadata,
                    &p.spec,
                    &p.metadata.annotations,
                )?);
            }
            KubeDocument::Deployment(dep) => {
                let name = dep.metadata.required_name("deployment")?;
                for i in 0..dep.spec.replicas.unwrap_or(1) {
                    out.push(plan_pod(
                        &format!("{name}-pod-{i}"),
                        &dep.spec.template.metadata,
                        &dep.spec.template.spec,
                        &dep.metadata.annotations,
                    )?);
                }
            }
            KubeDocument::PersistentVolumeClaim(_) | KubeDocument::Skipped { .. } => {}
        }
    }
    Ok(out)
}

/// Where a pod volume comes from.
enum Source<'a> {
    HostPath(&'a Path),
    EmptyDir,
    Claim(&'a str, bool),
}

fn plan_pod(
    name: &str,
    meta: &ObjectMeta,
    spec: &PodSpec,
    annotations: &BTreeMap<String, String>,
) -> Result<PodPlan, KubeError> {
    let invalid = |what: &'static str, value: &str| KubeError::InvalidValue {
        pod: name.to_string(),
        what,
        value: value.to_string(),
    };
    if let Some((k, v)) = super::over_limit(annotations.iter().chain(&meta.annotations)) {
        return Err(KubeError::InvalidAnnotation {
            key: k.clone(),
            value: v.clone(),
            max: super::MAX_ANNOTATION,
        });
    }
    if !spec.init_containers.is_empty() {
        return Err(KubeError::Unsupported {
            what: format!("pod {name:?}: initContainers"),
        });
    }
    if spec.containers.is_empty() {
        return Err(KubeError::MissingField {
            pod: name.to_string(),
            what: "spec.containers".into(),
        });
    }
    let restart = match spec.restart_policy.as_deref().unwrap_or("Always") {
        "Always" | "" => RestartPolicy::Always,
        "OnFailure" => RestartPolicy::OnFailure(0),
        "Never" => RestartPolicy::No,
        other => return Err(invalid("restartPolicy (Always, OnFailure, Never)", other)),
    };
    let mut share = vec![
        SharedNamespace::Ipc,
        SharedNamespace::Net,
        SharedNamespace::Uts,
    ];
    if spec.share_process_namespace == Some(true) {
        share.push(SharedNamespace::Pid);
    }
    let mut pod = PodCreateOptions {
        name: Some(name.to_string()),
        labels: meta.labels.clone(),
        hostname: Some(
            spec.hostname
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| name.to_string()),
        ),
        share,
        exit_policy: PodExitPolicy::Stop,
        ..Default::default()
    };
    for a in &spec.host_aliases {
        for h in &a.hostnames {
            pod.dns.hosts_add.push(format!("{h}:{}", a.ip));
        }
    }
    // Volumes.
    let mut volumes: BTreeMap<&str, Source<'_>> = BTreeMap::new();
    let mut host_paths = Vec::new();
    for v in &spec.volumes {
        let src = if let Some(h) = &v.host_path {
            let path = Path::new(&h.path);
            if !path.is_absolute() {
                return Err(invalid("hostPath path (must be absolute)", &h.path));
            }
            host_paths.push(HostPathPrep {
                path: path.to_path_buf(),
                kind: HostPathType::parse(h.kind.as_deref(), path)?,
            });
            Source::HostPath(path)
        } else if let Some(c) = &v.persistent_volume_claim {
            if c.claim_name.is_empty() {
                return Err(KubeError::MissingField {
                    pod: name.to_string(),
                    what: format!("volumes[{}].persistentVolumeClaim.claimName", v.name),
                });
            }
            Source::Claim(&c.claim_name, c.read_only)
        } else if v.empty_dir.is_some() {
            Source::EmptyDir
        } else if v.config_map.is_some() || v.secret.is_some() {
            return Err(KubeError::Unsupported {
                what: format!("volume {:?} from a configMap or secret", v.name),
            });
        } else {
            return Err(KubeError::Unsupported {
                what: format!(
                    "volume {:?} (lpod plays hostPath, emptyDir and persistentVolumeClaim)",
                    v.name
                ),
            });
        };
        volumes.insert(&v.name, src);
    }
    let mut seen = BTreeSet::new();
    let mut containers = Vec::new();
    for (i, k) in spec.containers.iter().enumerate() {
        if k.name.is_empty() {
            return Err(KubeError::MissingField {
                pod: name.to_string(),
                what: format!("containers[{i}].name"),
            });
        }
        if k.image.is_empty() {
            return Err(KubeError::MissingField {
                pod: name.to_string(),
                what: format!("containers[{i}].image"),
            });
        }
        if !seen.insert(&k.name) {
            return Err(KubeError::DuplicateContainer {
                pod: name.to_string(),
                container: k.name.clone(),
            });
        }
        if !k.env_from.is_empty() {
            return Err(KubeError::Unsupported {
                what: format!("container {:?}: envFrom", k.name),
            });
        }
        let pull_policy = match k.image_pull_policy.as_deref() {
            None | Some("") => PullPolicy::Newer,
            Some(p) => match p.to_ascii_lowercase().as_str() {
                "always" => PullPolicy::Always,
                "ifnotpresent" | "missing" => PullPolicy::Missing,
                "never" => PullPolicy::Never,
                "newer" | "ifnewer" => PullPolicy::Newer,
                _ => return Err(invalid("imagePullPolicy", p)),
            },
        };
        let mut env = Vec::new();
        for e in &k.env {
            if e.value_from.is_some() {
                return Err(KubeError::Unsupported {
                    what: format!("container {:?}: env {:?} valueFrom", k.name, e.name),
                });
            }
            env.push(format!("{}={}", e.name, e.value.as_deref().unwrap_or("")));
        }
        // Podman's ports: a missing host port is the container port; every mapping goes
        // on the pod (the members share its network namespace).
        for p in &k.ports {
            let (mut cport, mut hport) = (p.container_port, p.host_port);
            if hport != 0 && cport == 0 {
                cport = hport;
            }
            if hport == 0 && cport != 0 {
                hport = cport;
            }
            if hport == 0 {
                continue;
            }
            let protocol = match p
                .protocol
                .as_deref()
                .unwrap_or("TCP")
                .to_ascii_lowercase()
                .as_str()
            {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                "sctp" => Protocol::Sctp,
                _ => {
                    return Err(invalid(
                        "port protocol",
                        p.protocol.as_deref().unwrap_or(""),
                    ))
                }
            };
            let host_ip = match p.host_ip.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(ip) => Some(ip.parse().map_err(|_| invalid("port hostIP", ip))?),
            };
            pod.ports.push(PortMapping {
                host_ip,
                host_port: hport,
                container_port: cport,
                protocol,
            });
        }
        let mut mounts = Vec::new();
        for m in &k.volume_mounts {
            let src = volumes
                .get(m.name.as_str())
                .ok_or_else(|| KubeError::UndefinedVolume {
                    container: k.name.clone(),
                    volume: m.name.clone(),
                })?;
            let dest = PathBuf::from(&m.mount_path);
            if !dest.is_absolute() {
                return Err(invalid(
                    "volumeMounts mountPath (must be absolute)",
                    &m.mount_path,
                ));
            }
            let sub = m.sub_path.as_deref().filter(|s| !s.is_empty());
            if let Some(s) = sub {
                if Path::new(s).is_absolute()
                    || Path::new(s)
                        .components()
                        .any(|c| matches!(c, std::path::Component::ParentDir))
                {
                    return Err(invalid("volumeMounts subPath (relative, no ..)", s));
                }
                if !matches!(src, Source::HostPath(_)) {
                    return Err(KubeError::Unsupported {
                        what: format!(
                            "container {:?}: subPath on volume {:?} (hostPath volumes only)",
                            k.name, m.name
                        ),
                    });
                }
            }
            let ro = |extra: bool| {
                if m.read_only || extra {
                    vec!["ro".to_string()]
                } else {
                    Vec::new()
                }
            };
            mounts.push(match src {
                Source::HostPath(p) => MountSpec::Bind {
                    source: match sub {
                        Some(s) => p.join(s),
                        None => p.to_path_buf(),
                    },
                    destination: dest,
                    read_only: m.read_only,
                    options: Vec::new(),
                },
                Source::EmptyDir => MountSpec::Volume {
                    name: None,
                    destination: dest,
                    options: ro(false),
                },
                Source::Claim(claim, claim_ro) => MountSpec::Volume {
                    name: Some(claim.to_string()),
                    destination: dest,
                    options: ro(*claim_ro),
                },
            });
        }
        let sc = k.security_context.clone().unwrap_or_default();
        let psc = spec.security_context.clone().unwrap_or_default();
        let mut user = sc.run_as_user.or(psc.run_as_user).map(|u| u.to_string());
        if let Some(g) = sc.run_as_group.or(psc.run_as_group) {
            user = Some(format!("{}:{g}", user.as_deref().unwrap_or("0")));
        }
        let caps = sc.capabilities.clone().unwrap_or_default();
        let mut limits = crate::container::Limits::default();
        if let Some(q) = k.resources.limits.get("memory") {
            limits.memory =
                Some(parse_memory(q).ok_or_else(|| invalid("memory limit", &q.to_string()))?);
        }
        if let Some(q) = k.resources.limits.get("cpu") {
            limits.cpus = Some(parse_cpus(q).ok_or_else(|| invalid("cpu limit", &q.to_string()))?);
        }
        let mut labels = meta.labels.clone();
        labels.extend(pod.labels.clone());
        let create = CreateOptions {
            image: k.image.clone(),
            name: Some(format!("{name}-{}", k.name)),
            // Podman: `command` replaces the entrypoint and drops the image's command;
            // `args` replaces the command (after the image's or the YAML's entrypoint).
            entrypoint: (!k.command.is_empty()).then(|| k.command.clone()),
            command: if !k.args.is_empty() {
                Some(k.args.clone())
            } else if !k.command.is_empty() {
                Some(Vec::new())
            } else {
                None
            },
            env,
            workdir: k.working_dir.clone().filter(|w| !w.is_empty()),
            user,
            mounts,
            limits,
            labels,
            tty: k.tty,
            stdin: k.stdin,
            restart_policy: Some(restart),
            security: libpod_config::SecurityConfig {
                cap_add: caps.add.clone(),
                cap_drop: caps.drop.clone(),
                privileged: sc.privileged.unwrap_or(false),
                read_only: sc.read_only_root_filesystem.unwrap_or(false),
                no_new_privileges: sc.allow_privilege_escalation.map(|a| !a),
                ..Default::default()
            },
            ..Default::default()
        };
        containers.push(ContainerPlan {
            create,
            pull_policy,
            annotations: annotations.clone(),
        });
    }
    Ok(PodPlan {
        pod,
        host_network: spec.host_network,
        containers,
        host_paths,
    })
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quantity::Number(n) => write!(f, "{n}"),
            Quantity::Text(s) => f.write_str(s),
        }
    }
}

/// A quantity as a number: `1.5`, `500m` (thousandths), `1Ki`..`1Ei` (powers of 1024),
/// `1k`..`1E` (powers of 1000), `1e3`.
fn quantity(q: &Quantity) -> Option<f64> {
    let s = match q {
        Quantity::Number(n) => return (n.is_finite() && *n >= 0.0).then_some(*n),
        Quantity::Text(s) => s.trim(),
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let base: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0f64.powi(2),
        "Gi" => 1024.0f64.powi(3),
        "Ti" => 1024.0f64.powi(4),
        "Pi" => 1024.0f64.powi(5),
        "Ei" => 1024.0f64.powi(6),
        e => {
            let exp: i32 = e.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(exp)
        }
    };
    let v = base * mult;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// A memory quantity in bytes (rounded up); `None` when it is not a quantity or zero.
pub fn parse_memory(q: &Quantity) -> Option<u64> {
    let v = quantity(q)?.ceil();
    (v >= 1.0 && v < u64::MAX as f64).then_some(v as u64)
}

/// A cpu quantity in cpus (`500m` = 0.5); `None` when it is not a quantity or zero.
pub fn parse_cpus(q: &Quantity) -> Option<f64> {
    quantity(q).filter(|v| *v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::parse_documents;

    fn one(yaml: &str) -> Result<PodPlan, KubeError> {
        let docs = parse_documents(yaml).unwrap();
        plan(&docs).map(|mut v| v.remove(0))
    }

    #[test]
    fn pod_follows_podmans_rules() {
        let p = one(
            "kind: Pod\nmetadata:\n  name: web\n  labels: {app: x}\nspec:\n  restartPolicy: OnFailure\n  containers:\n  - name: srv\n    image: busybox\n    command: [httpd]\n    args: ['-f']\n    env:\n    - {name: A, value: b}\n    - {name: E}\n    ports:\n    - containerPort: 80\n      hostPort: 8080\n    - containerPort: 53\n      protocol: UDP\n    securityContext:\n      runAsGroup: 7\n      capabilities: {add: [NET_ADMIN]}\n    resources:\n      limits: {memory: 64Mi, cpu: 500m}\n  - name: cli\n    image: busybox\n    args: [sleep, '9']\n",
        )
        .unwrap();
        assert_eq!(p.pod.name.as_deref(), Some("web"));
        assert_eq!(p.pod.hostname.as_deref(), Some("web"));
        assert_eq!(p.pod.exit_policy, PodExitPolicy::Stop);
        assert_eq!(p.pod.labels["app"], "x");
        assert_eq!(p.pod.ports.len(), 2);
        assert_eq!(
            (p.pod.ports[0].host_port, p.pod.ports[0].container_port),
            (8080, 80)
        );
        assert_eq!(
            (p.pod.ports[1].host_port, p.pod.ports[1].protocol),
            (53, Protocol::Udp)
        );
        let srv = &p.containers[0].create;
        assert_eq!(srv.name.as_deref(), Some("web-srv"));
        assert_eq!(srv.entrypoint, Some(vec!["httpd".to_string()]));
        assert_eq!(srv.command, Some(vec!["-f".to_string()]));
        assert_eq!(srv.env, ["A=b", "E="]);
        assert_eq!(srv.user.as_deref(), Some("0:7"));
        assert_eq!(srv.security.cap_add, ["NET_ADMIN"]);
        assert_eq!(srv.limits.memory, Some(64 << 20));
        assert_eq!(srv.limits.cpus, Some(0.5));
        assert_eq!(srv.restart_policy, Some(RestartPolicy::OnFailure(0)));
        let cli = &p.containers[1].create;
        assert_eq!(cli.entrypoint, None);
        assert_eq!(
            cli.command,
            Some(vec!["sleep".to_string(), "9".to_string()])
        );
        assert_eq!(p.containers[1].pull_policy, PullPolicy::Newer);
    }

    #[test]
    fn command_alone_drops_the_image_cmd_and_default_restart_is_always() {
        let p = one("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: i, command: ['true'], imagePullPolicy: Never}\n").unwrap();
        let c = &p.containers[0];
        assert_eq!(c.create.entrypoint, Some(vec!["true".to_string()]));
        assert_eq!(c.create.command, Some(Vec::new()));
        assert_eq!(c.create.restart_policy, Some(RestartPolicy::Always));
        assert_eq!(c.pull_policy, PullPolicy::Never);
    }

    #[test]
    fn volumes_become_binds_and_named_volumes() {
        let p = one("kind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - name: h\n    hostPath: {path: /srv/x, type: DirectoryOrCreate}\n  - name: d\n    persistentVolumeClaim: {claimName: data}\n  - name: e\n    emptyDir: {}\n  containers:\n  - name: c\n    image: i\n    volumeMounts:\n    - {name: h, mountPath: /h, readOnly: true, subPath: sub}\n    - {name: d, mountPath: /d}\n    - {name: e, mountPath: /e}\n").unwrap();
        assert_eq!(
            p.host_paths,
            [HostPathPrep {
                path: "/srv/x".into(),
                kind: HostPathType::DirectoryOrCreate
            }]
        );
        let m = &p.containers[0].create.mounts;
        assert!(
            matches!(&m[0], MountSpec::Bind { source, read_only: true, .. } if source == Path::new("/srv/x/sub"))
        );
        assert!(matches!(&m[1], MountSpec::Volume { name: Some(n), .. } if n == "data"));
        assert!(matches!(&m[2], MountSpec::Volume { name: None, .. }));
    }

    #[test]
    fn bad_pods_are_refused() {
        let err = |y: &str| one(y).unwrap_err();
        assert!(matches!(
            err("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: i}\n  - {name: c, image: i}\n"),
            KubeError::DuplicateContainer { .. }
        ));
        assert!(matches!(
            err("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    volumeMounts: [{name: v, mountPath: /v}]\n"),
            KubeError::UndefinedVolume { .. }
        ));
        assert!(matches!(
            err("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    env: [{name: A, valueFrom: {fieldRef: {fieldPath: x}}}]\n"),
            KubeError::Unsupported { .. }
        ));
        assert!(matches!(
            err("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c}\n"),
            KubeError::MissingField { .. }
        ));
        assert!(matches!(
            err("kind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - {name: c, image: i}\n"),
            KubeError::InvalidValue { .. }
        ));
    }

    #[test]
    fn quantities() {
        let t = |s: &str| Quantity::Text(s.into());
        assert_eq!(parse_memory(&t("1Gi")), Some(1 << 30));
        assert_eq!(parse_memory(&t("128M")), Some(128_000_000));
        assert_eq!(parse_memory(&t("1e3")), Some(1000));
        assert_eq!(parse_memory(&Quantity::Number(4096.0)), Some(4096));
        assert_eq!(parse_memory(&t("lots")), None);
        assert_eq!(parse_cpus(&t("250m")), Some(0.25));
        assert_eq!(parse_cpus(&Quantity::Number(2.0)), Some(2.0));
        assert_eq!(parse_cpus(&t("0")), None);
    }
}
