//! Podman's container filters (`ps`, `start`, `stop`, ... `--filter KEY=VALUE`): values of
//! one key are alternatives (any may match), different keys must all match; `label` is the
//! exception where every given label must be present.

use std::collections::BTreeMap;

use libpod_config::RestartPolicy;
use libpod_core::{ContainerSummary, Runtime};

use super::CliError;
use crate::parse::ParseError;

/// The keys Podman's container filters know.
const KEYS: &[&str] = &[
    "id",
    "name",
    "label",
    "exited",
    "status",
    "ancestor",
    "before",
    "since",
    "pod",
    "restart-policy",
];

/// Podman's status words a `status=` filter accepts.
const STATUSES: &[&str] = &[
    "created",
    "configured",
    "running",
    "paused",
    "exited",
    "stopped",
    "stopping",
    "removing",
    "unknown",
];

/// Podman's restart policy names (`none` is the policy of a container created without
/// `--restart`; lpod records it as `no`).
const POLICIES: &[&str] = &["none", "no", "always", "on-failure", "unless-stopped"];

/// One compiled `--filter` key.
#[derive(Debug)]
enum Key {
    Id(Vec<regex::Regex>),
    Name(Vec<regex::Regex>),
    /// Every label must match: (key, optional value).
    Label(Vec<(String, Option<String>)>),
    Exited(Vec<i32>),
    Status(Vec<String>),
    Ancestor(Vec<String>),
    /// Created before the earliest of these containers.
    Before(chrono::DateTime<chrono::Utc>),
    /// Created after the earliest of these containers.
    Since(chrono::DateTime<chrono::Utc>),
    Pod(Vec<String>),
    RestartPolicy(Vec<String>),
}

/// A set of compiled container filters.
#[derive(Debug, Default)]
pub struct CtrFilters {
    keys: Vec<Key>,
}

fn regexes(key: &str, values: &[String]) -> Result<Vec<regex::Regex>, ParseError> {
    values
        .iter()
        .map(|v| {
            regex::Regex::new(v).map_err(|e| ParseError::FilterValue {
                filter: format!("{key}={v}"),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Podman's status word for matching: configured reads created, stopped reads exited.
fn normal_status(s: &str) -> &str {
    match s {
        "configured" => "created",
        "stopped" => "exited",
        other => other,
    }
}

/// Podman's name of a restart policy.
pub fn policy_name(p: &RestartPolicy) -> &'static str {
    match p {
        RestartPolicy::No => "no",
        RestartPolicy::Always => "always",
        RestartPolicy::OnFailure(_) => "on-failure",
        RestartPolicy::UnlessStopped => "unless-stopped",
    }
}

impl CtrFilters {
    /// True when no filter was given.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// True when a `status=` filter was given (Podman's `ps` then lists every container).
    pub fn has_status(&self) -> bool {
        self.keys.iter().any(|k| matches!(k, Key::Status(_)))
    }

    /// Compiles `--filter` flag values; `rt` resolves `before=`/`since=` containers.
    pub fn parse(rt: &Runtime, flags: &[String]) -> Result<CtrFilters, CliError> {
        let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in flags {
            let Some((k, v)) = f.split_once('=') else {
                return Err(ParseError::FilterSyntax(f.clone()).into());
            };
            if !KEYS.contains(&k) {
                return Err(ParseError::FilterKey(k.to_string()).into());
            }
            by_key.entry(k.to_string()).or_default().push(v.to_string());
        }
        let mut keys = Vec::new();
        for (k, vs) in by_key {
            keys.push(match k.as_str() {
                "id" => Key::Id(regexes(&k, &vs)?),
                "name" => Key::Name(regexes(&k, &vs)?),
                "label" => Key::Label(
                    vs.iter()
                        .map(|v| match v.split_once('=') {
                            Some((lk, lv)) => (lk.to_string(), Some(lv.to_string())),
                            None => (v.clone(), None),
                        })
                        .collect(),
                ),
                "exited" => Key::Exited(
                    vs.iter()
                        .map(|v| {
                            v.parse::<i32>().map_err(|_| ParseError::FilterValue {
                                filter: format!("exited={v}"),
                                reason: "the exit code must be a number".into(),
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                "status" => {
                    if let Some(bad) = vs.iter().find(|v| !STATUSES.contains(&v.as_str())) {
                        return Err(ParseError::FilterValue {
                            filter: format!("status={bad}"),
                            reason: format!("unknown container state {bad:?}"),
                        }
                        .into());
                    }
                    Key::Status(vs.iter().map(|v| normal_status(v).to_string()).collect())
                }
                "ancestor" => Key::Ancestor(vs),
                "before" | "since" => {
                    let mut earliest: Option<chrono::DateTime<chrono::Utc>> = None;
                    for v in &vs {
                        let created = rt.container(v)?.config()?.created;
                        earliest = Some(earliest.map_or(created, |e| e.min(created)));
                    }
                    let t = earliest.unwrap_or_default();
                    if k == "before" {
                        Key::Before(t)
                    } else {
                        Key::Since(t)
                    }
                }
                "pod" => Key::Pod(vs),
                "restart-policy" => {
                    let bad: Vec<&str> = vs
                        .iter()
                        .map(String::as_str)
                        .filter(|v| !POLICIES.contains(v))
                        .collect();
                    if !bad.is_empty() {
                        return Err(ParseError::RestartPolicyFilter {
                            names: bad.join(", "),
                            what: if bad.len() > 1 {
                                "invalid restart policies"
                            } else {
                                "invalid restart policy"
                            },
                        }
                        .into());
                    }
                    Key::RestartPolicy(vs)
                }
                _ => return Err(ParseError::FilterKey(k).into()),
            });
        }
        Ok(CtrFilters { keys })
    }

    /// Whether the container passes every filter. `policy` gives its restart policy
    /// (asked only when a `restart-policy=` filter is present); `pod_name` its pod's
    /// name (asked only for `pod=`).
    pub fn matches(
        &self,
        s: &ContainerSummary,
        policy: &mut dyn FnMut() -> Option<RestartPolicy>,
        pod_name: &mut dyn FnMut() -> Option<String>,
    ) -> bool {
        self.keys.iter().all(|k| match k {
            Key::Id(res) => res.iter().any(|r| r.is_match(&s.id)),
            Key::Name(res) => res.iter().any(|r| r.is_match(&s.name)),
            Key::Label(want) => want.iter().all(|(lk, lv)| match (s.labels.get(lk), lv) {
                (Some(_), None) => true,
                (Some(have), Some(v)) => have == v,
                (None, _) => false,
            }),
            Key::Exited(codes) => s.exited && codes.contains(&s.exit_code),
            Key::Status(sts) => sts.iter().any(|st| st == normal_status(&s.state)),
            Key::Ancestor(imgs) => imgs.iter().any(|i| {
                *i == s.image
                    || *i == s.image_id
                    || (i.len() >= 3 && s.image_id.starts_with(i.as_str()))
                    || format!("{i}:latest") == s.image
            }),
            Key::Before(t) => s.created_time < *t,
            Key::Since(t) => s.created_time > *t,
            Key::Pod(pods) => {
                if s.pod.is_empty() {
                    return false;
                }
                let name = pod_name();
                pods.iter()
                    .any(|p| s.pod.starts_with(p.as_str()) || name.as_deref() == Some(p))
            }
            Key::RestartPolicy(ps) => match policy() {
                Some(p) => {
                    let have = policy_name(&p);
                    ps.iter()
                        .any(|w| w == have || (w == "none" && p == RestartPolicy::No))
                }
                None => false,
            },
        })
    }

    /// [`CtrFilters::matches`] looking the restart policy and pod name up in `rt`.
    pub fn matches_in(&self, rt: &Runtime, s: &ContainerSummary) -> bool {
        self.matches(
            s,
            &mut || {
                rt.container(&s.id)
                    .ok()?
                    .config()
                    .ok()
                    .map(|c| c.restart_policy)
            },
            &mut || rt.pod(&s.pod).ok()?.name().ok(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_like_podman() {
        assert_eq!(normal_status("stopped"), "exited");
        assert_eq!(normal_status("configured"), "created");
        assert_eq!(normal_status("running"), "running");
    }

    #[test]
    fn policy_names() {
        assert_eq!(policy_name(&RestartPolicy::OnFailure(3)), "on-failure");
        assert_eq!(policy_name(&RestartPolicy::No), "no");
    }
}
