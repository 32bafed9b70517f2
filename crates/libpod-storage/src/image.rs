//! Image metadata types returned by the store, and config editing for rootfs imports.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The runtime part of an image config (`config` in the OCI/Docker config JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// `User`.
    #[serde(rename = "User", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `Env`, `KEY=value` strings.
    #[serde(rename = "Env", default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    /// `Entrypoint`.
    #[serde(
        rename = "Entrypoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`.
    #[serde(rename = "Cmd", default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `WorkingDir`.
    #[serde(
        rename = "WorkingDir",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub working_dir: Option<String>,
    /// `Labels`.
    #[serde(rename = "Labels", default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// `ExposedPorts` keys (`80/tcp`).
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    /// `Volumes` keys.
    #[serde(rename = "Volumes", default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    /// `StopSignal`.
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_signal: Option<String>,
    /// `Healthcheck`.
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<ImageHealthcheck>,
}

/// The image config's `Healthcheck` (Docker's `HealthConfig`): durations in
/// nanoseconds, 0 = inherit/default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageHealthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", cmd]` or `["NONE"]`; empty = inherit.
    #[serde(rename = "Test", default, skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    /// Time between checks.
    #[serde(rename = "Interval", default, skip_serializing_if = "is_zero")]
    pub interval: i64,
    /// Time a check may take.
    #[serde(rename = "Timeout", default, skip_serializing_if = "is_zero")]
    pub timeout: i64,
    /// Time after the start during which failures do not count.
    #[serde(rename = "StartPeriod", default, skip_serializing_if = "is_zero")]
    pub start_period: i64,
    /// Failures in a row before unhealthy.
    #[serde(rename = "Retries", default, skip_serializing_if = "is_zero")]
    pub retries: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The parts of an image config file the store reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub config: Option<ImageConfig>,
    pub rootfs: RootFs,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// An image in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Image id: the hex sha256 of the config JSON (64 chars, no `sha256:` prefix).
    pub id: String,
    /// Fully qualified names (`docker.io/library/busybox:latest`).
    pub names: Vec<String>,
    /// Every name the image has had: current ones first, then the most recently dropped
    /// (Podman's `NamesHistory`).
    #[serde(default)]
    pub names_history: Vec<String>,
    /// Digest of the manifest the image came with, if any.
    pub digest: Option<String>,
    /// Every manifest digest the image is known by (pulls by tag and by digest, pushes).
    #[serde(default)]
    pub digests: Vec<String>,
    /// `repository@digest` for each name's repository and each digest (`images --digests`).
    #[serde(default)]
    pub repo_digests: Vec<String>,
    /// Layer ids (chain id hex), bottom first.
    pub layers: Vec<String>,
    /// Uncompressed diff ids (`sha256:…`), bottom first.
    pub diff_ids: Vec<String>,
    /// Sum of the uncompressed layer sizes in bytes.
    pub size: u64,
    /// `created` from the config (RFC 3339), if any.
    pub created: Option<String>,
    /// `architecture` from the config.
    pub architecture: Option<String>,
    /// `os` from the config.
    pub os: Option<String>,
    /// The runtime config (Cmd, Env, Entrypoint, …).
    pub config: ImageConfig,
    /// True for a manifest list (no layers, no config; see [`crate::manifest`]).
    #[serde(default)]
    pub manifest_list: bool,
}

impl Image {
    /// The top layer id, if the image has layers.
    pub fn top_layer(&self) -> Option<&str> {
        self.layers.last().map(String::as_str)
    }
}

/// Config changes applied by a rootfs import (Podman's `import --change`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigChanges {
    /// `CMD`.
    pub cmd: Option<Vec<String>>,
    /// `ENTRYPOINT`.
    pub entrypoint: Option<Vec<String>>,
    /// `ENV` entries, `KEY=value`; replace an existing KEY.
    pub env: Vec<String>,
    /// `WORKDIR`.
    pub working_dir: Option<String>,
    /// `USER`.
    pub user: Option<String>,
    /// `LABEL` entries.
    pub labels: BTreeMap<String, String>,
    /// `EXPOSE` entries (`80` or `80/tcp`).
    pub expose: Vec<String>,
    /// `VOLUME` paths (JSON array or space-separated).
    pub volumes: Vec<String>,
    /// `STOPSIGNAL`.
    pub stop_signal: Option<String>,
}

/// Errors parsing `--change` instructions.
#[derive(Debug, thiserror::Error)]
#[error("invalid change instruction {0:?}")]
pub struct ChangeError(pub String);

fn words_or_json(arg: &str) -> Vec<String> {
    if let Ok(v) = serde_json::from_str::<Vec<String>>(arg) {
        return v;
    }
    vec!["/bin/sh".into(), "-c".into(), arg.to_string()]
}

impl ConfigChanges {
    /// Parses Dockerfile-style instructions: `CMD`, `ENTRYPOINT` (JSON array or shell
    /// form), `ENV k=v`, `WORKDIR`, `USER`, `LABEL k=v`, `EXPOSE p`, `VOLUME`, `STOPSIGNAL`.
    pub fn parse(instructions: &[String]) -> Result<Self, ChangeError> {
        let mut c = ConfigChanges::default();
        for ins in instructions {
            let (kw, arg) = ins
                .trim()
                .split_once(|ch: char| ch.is_whitespace() || ch == '=')
                .ok_or_else(|| ChangeError(ins.clone()))?;
            let arg = arg.trim();
            match kw.to_ascii_uppercase().as_str() {
                "CMD" => c.cmd = Some(words_or_json(arg)),
                "ENTRYPOINT" => c.entrypoint = Some(words_or_json(arg)),
                "ENV" => {
                    let kv = match arg.split_once('=') {
                        Some(_) => arg.to_string(),
                        None => match arg.split_once(' ') {
                            Some((k, v)) => format!("{k}={}", v.trim()),
                            None => return Err(ChangeError(ins.clone())),
                        },
                    };
                    c.env.push(kv);
                }
                "WORKDIR" => c.working_dir = Some(arg.to_string()),
                "USER" => c.user = Some(arg.to_string()),
                "LABEL" => {
                    let (k, v) = arg
                        .split_once('=')
                        .ok_or_else(|| ChangeError(ins.clone()))?;
                    c.labels
                        .insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
                }
                "EXPOSE" => c.expose.push(arg.to_string()),
                "VOLUME" => match serde_json::from_str::<Vec<String>>(arg) {
                    Ok(v) => c.volumes.extend(v),
                    Err(_) => c.volumes.extend(arg.split_whitespace().map(String::from)),
                },
                "STOPSIGNAL" if !arg.is_empty() => c.stop_signal = Some(arg.to_string()),
                _ => return Err(ChangeError(ins.clone())),
            }
        }
        Ok(c)
    }

    /// Applies the changes to `cfg`.
    pub fn apply(&self, cfg: &mut ImageConfig) {
        if let Some(v) = &self.cmd {
            cfg.cmd = Some(v.clone());
        }
        if let Some(v) = &self.entrypoint {
            cfg.entrypoint = Some(v.clone());
        }
        if let Some(v) = &self.working_dir {
            cfg.working_dir = Some(v.clone());
        }
        if let Some(v) = &self.user {
            cfg.user = Some(v.clone());
        }
        if !self.env.is_empty() {
            let env = cfg.env.get_or_insert_with(Vec::new);
            for kv in &self.env {
                let key = kv.split('=').next().unwrap_or_default();
                env.retain(|e| e.split('=').next() != Some(key));
                env.push(kv.clone());
            }
        }
        if !self.labels.is_empty() {
            cfg.labels
                .get_or_insert_with(BTreeMap::new)
                .extend(self.labels.clone());
        }
        for v in &self.volumes {
            cfg.volumes
                .get_or_insert_with(BTreeMap::new)
                .insert(v.clone(), serde_json::json!({}));
        }
        if let Some(s) = &self.stop_signal {
            cfg.stop_signal = Some(s.clone());
        }
        for p in &self.expose {
            let p = if p.contains('/') {
                p.clone()
            } else {
                format!("{p}/tcp")
            };
            cfg.exposed_ports
                .get_or_insert_with(BTreeMap::new)
                .insert(p, serde_json::json!({}));
        }
    }
}

/// Current time as RFC 3339 UTC (`2026-01-02T03:04:05Z`).
pub(crate) fn now_rfc3339() -> String {
    rfc3339_of(std::time::SystemTime::now())
}

/// `t` as RFC 3339 UTC (`2026-01-02T03:04:05Z`).
pub(crate) fn rfc3339_of(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_changes() {
        let c = ConfigChanges::parse(&[
            r#"CMD ["/bin/sh","-c","echo hi"]"#.to_string(),
            "ENTRYPOINT top".to_string(),
            "ENV FOO=bar".to_string(),
            "WORKDIR /www".to_string(),
            "EXPOSE 80".to_string(),
        ])
        .unwrap();
        let mut cfg = ImageConfig {
            env: Some(vec!["FOO=old".into(), "PATH=/bin".into()]),
            ..Default::default()
        };
        c.apply(&mut cfg);
        assert_eq!(cfg.cmd.unwrap(), vec!["/bin/sh", "-c", "echo hi"]);
        assert_eq!(cfg.entrypoint.unwrap(), vec!["/bin/sh", "-c", "top"]);
        assert_eq!(cfg.env.unwrap(), vec!["PATH=/bin", "FOO=bar"]);
        assert_eq!(cfg.working_dir.as_deref(), Some("/www"));
        assert!(cfg.exposed_ports.unwrap().contains_key("80/tcp"));
        assert!(ConfigChanges::parse(&["BOGUS x".to_string()]).is_err());
    }

    #[test]
    fn healthcheck_round_trips_docker_json() {
        let json = r#"{"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","curl -f localhost"],"Interval":5000000000,"Retries":2}}"#;
        let cfg: ImageConfig = serde_json::from_str(json).unwrap();
        let h = cfg.healthcheck.clone().unwrap();
        assert_eq!(h.test, ["CMD-SHELL", "curl -f localhost"]);
        assert_eq!((h.interval, h.timeout, h.retries), (5_000_000_000, 0, 2));
        let back: ImageConfig =
            serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(back, cfg);
        let none: ImageConfig = serde_json::from_str(r#"{"Cmd":["sh"]}"#).unwrap();
        assert!(none.healthcheck.is_none());
    }

    #[test]
    fn rfc3339_format() {
        let s = now_rfc3339();
        assert_eq!(s.len(), 20);
        assert!(s.ends_with('Z') && s.starts_with("20"));
    }
}
