//! containers-registries.conf(5): which registries short names are searched in, which
//! registries are insecure or blocked, and the mirrors a pull tries before a registry.
//!
//! The file is `$CONTAINERS_REGISTRIES_CONF` when set, else
//! `/etc/containers/registries.conf` plus the drop-ins `/etc/containers/registries.conf.d/*.conf`
//! (in name order; a later file replaces the keys it sets). Both the current format (v2:
//! `unqualified-search-registries`, `short-name-mode`, `[[registry]]` tables with
//! `[[registry.mirror]]`, `[aliases]`) and the old v1 tables (`[registries.search]`,
//! `[registries.insecure]`, `[registries.block]`) are read; one file may not mix them.
//!
//! ```
//! use std::path::Path;
//! use libpod_storage::registry::conf::RegistriesConf;
//!
//! let conf = RegistriesConf::parse(r#"
//! unqualified-search-registries = ["quay.io"]
//! [[registry]]
//! prefix = "quay.io/libpod"
//! location = "quay.io/libpod"
//! [[registry.mirror]]
//! location = "127.0.0.1:5000/libpod"
//! insecure = true
//! "#, Path::new("registries.conf"))?;
//! let sources = conf.pull_sources("quay.io/libpod/testimage:20220615")?;
//! assert_eq!(sources[0].reference, "127.0.0.1:5000/libpod/testimage:20220615");
//! assert!(sources[0].insecure && sources[0].mirror);
//! assert_eq!(sources[1].reference, "quay.io/libpod/testimage:20220615");
//! # Ok::<(), libpod_storage::registry::conf::RegistriesConfError>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variable naming the one registries.conf file to read.
pub const REGISTRIES_CONF_ENV: &str = "CONTAINERS_REGISTRIES_CONF";
/// The system-wide file.
pub const DEFAULT_REGISTRIES_CONF: &str = "/etc/containers/registries.conf";
/// The system-wide drop-in directory (`*.conf`, read after the main file).
pub const DEFAULT_REGISTRIES_CONF_DIR: &str = "/etc/containers/registries.conf.d";

/// Errors reading registries.conf, or a reference it blocks.
#[derive(Debug, thiserror::Error)]
pub enum RegistriesConfError {
    /// The file could not be read.
    #[error("reading registries configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, or a key has the wrong type (toml's message names it).
    #[error("registries configuration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value that parses but makes no sense.
    #[error("registries configuration {path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The reference's registry is marked `blocked = true`.
    #[error(
        "registry {prefix} is blocked in registries.conf (pulling {reference} is not allowed)"
    )]
    Blocked {
        /// The reference asked for.
        reference: String,
        /// The `[[registry]]` prefix that blocks it.
        prefix: String,
    },
}

/// How a short name with several search registries is resolved (`short-name-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShortNameMode {
    /// Ambiguous short names are an error without a terminal (lpod never prompts).
    #[default]
    Enforcing,
    /// As enforcing, but without a terminal the search registries are tried in order.
    Permissive,
    /// The search registries are tried in order.
    Disabled,
}

/// Which references a mirror is used for (`pull-from-mirror`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullFromMirror {
    /// Every reference.
    #[default]
    All,
    /// Only references by digest.
    DigestOnly,
    /// Only references by tag.
    TagOnly,
}

/// One `[[registry.mirror]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    /// `host[:port][/path]` that replaces the registry's prefix.
    pub location: String,
    /// Plain HTTP / unverified TLS allowed.
    pub insecure: bool,
    /// Which references it serves.
    pub pull_from_mirror: PullFromMirror,
}

/// One `[[registry]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// References this entry applies to: `host[/path]`, or `*.domain` for subdomains.
    pub prefix: String,
    /// Where the prefix really lives (the prefix itself when not set).
    pub location: String,
    /// Plain HTTP / unverified TLS allowed for `location`.
    pub insecure: bool,
    /// Pulls of matching references are refused.
    pub blocked: bool,
    /// Mirrors are used only for references by digest.
    pub mirror_by_digest_only: bool,
    /// Mirrors, tried in order before `location`.
    pub mirrors: Vec<Mirror>,
}

/// One place a pull may fetch a reference from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullSource {
    /// The reference rewritten for this place (`mirror/path:tag`).
    pub reference: String,
    /// Plain HTTP / unverified TLS allowed.
    pub insecure: bool,
    /// A mirror (else the registry's own location).
    pub mirror: bool,
}

/// The merged registries configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistriesConf {
    /// Registries searched for short names, in order.
    pub unqualified_search: Vec<String>,
    /// `short-name-mode`.
    pub short_name_mode: ShortNameMode,
    /// `[[registry]]` entries (v1's insecure and blocked lists become entries too).
    pub registries: Vec<Registry>,
    /// `[aliases]`: short name → fully qualified repository.
    pub aliases: BTreeMap<String, String>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    unqualified_search_registries: Option<Vec<String>>,
    short_name_mode: Option<String>,
    #[serde(default)]
    registry: Vec<RawRegistry>,
    aliases: Option<BTreeMap<String, String>>,
    // v1
    registries: Option<RawV1>,
    // Known keys lpod does not act on (accepted so a Podman file loads).
    #[allow(dead_code)]
    credential_helpers: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawRegistry {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    blocked: bool,
    #[serde(default)]
    mirror_by_digest_only: bool,
    #[serde(default)]
    mirror: Vec<RawMirror>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMirror {
    location: String,
    #[serde(default)]
    insecure: bool,
    pull_from_mirror: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawV1 {
    search: Option<RawV1List>,
    insecure: Option<RawV1List>,
    block: Option<RawV1List>,
}

#[derive(Deserialize, Default)]
struct RawV1List {
    #[serde(default)]
    registries: Vec<String>,
}

/// Length of the part of `reference` that `prefix` matches, if it does (the rules of
/// containers/image: the whole reference, or the prefix followed by `/`, `:` or `@`;
/// `*.domain` matches any subdomain host).
fn prefix_match(reference: &str, prefix: &str) -> Option<usize> {
    if let Some(domain) = prefix.strip_prefix("*.") {
        let host = reference.split('/').next().unwrap_or(reference);
        let host_no_port = host.split(':').next().unwrap_or(host);
        return (host_no_port.ends_with(&format!(".{domain}"))).then_some(prefix.len());
    }
    if reference == prefix {
        return Some(prefix.len());
    }
    let rest = reference.strip_prefix(prefix)?;
    rest.starts_with(['/', ':', '@']).then_some(prefix.len())
}

fn valid_location(s: &str) -> bool {
    !s.is_empty() && !s.contains("://") && !s.chars().any(char::is_whitespace) && !s.ends_with('/')
}

impl RegistriesConf {
    /// Parses one file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<RegistriesConf, RegistriesConfError> {
        let mut c = RegistriesConf::default();
        c.merge_text(text, origin)?;
        Ok(c)
    }

    /// Reads one file (it must exist).
    pub fn load(path: &Path) -> Result<RegistriesConf, RegistriesConfError> {
        let mut c = RegistriesConf::default();
        c.merge_file(path)?;
        Ok(c)
    }

    /// The configuration Podman would use: `$CONTAINERS_REGISTRIES_CONF` (it must exist),
    /// else the system file and its drop-ins (missing ones are skipped; none at all gives
    /// the empty configuration).
    pub fn load_default() -> Result<RegistriesConf, RegistriesConfError> {
        if let Some(p) = std::env::var_os(REGISTRIES_CONF_ENV).filter(|p| !p.is_empty()) {
            return Self::load(Path::new(&p));
        }
        Self::load_system(
            Path::new(DEFAULT_REGISTRIES_CONF),
            Path::new(DEFAULT_REGISTRIES_CONF_DIR),
        )
    }

    /// `file` (if it exists), then `dir/*.conf` in name order.
    pub fn load_system(file: &Path, dir: &Path) -> Result<RegistriesConf, RegistriesConfError> {
        let mut c = RegistriesConf::default();
        if file.exists() {
            c.merge_file(file)?;
        }
        let mut dropins: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(RegistriesConfError::Read {
                    path: dir.to_path_buf(),
                    source,
                })
            }
        };
        dropins.sort();
        for d in dropins {
            c.merge_file(&d)?;
        }
        Ok(c)
    }

    fn merge_file(&mut self, path: &Path) -> Result<(), RegistriesConfError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistriesConfError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.merge_text(&text, path)?;
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// Merges one file: the keys it sets replace earlier ones; `[[registry]]` entries
    /// replace earlier entries with the same prefix; aliases are merged by name.
    fn merge_text(&mut self, text: &str, origin: &Path) -> Result<(), RegistriesConfError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| RegistriesConfError::Parse {
            path: origin.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        let invalid = |reason: String| RegistriesConfError::Invalid {
            path: origin.to_path_buf(),
            reason,
        };
        let v2 = raw.unqualified_search_registries.is_some() || !raw.registry.is_empty();
        if let Some(v1) = raw.registries {
            if v2 {
                return Err(invalid(
                    "mixes the v1 [registries.*] tables with v2 keys (use one format)".into(),
                ));
            }
            if let Some(s) = v1.search {
                self.unqualified_search = s.registries;
            }
            let mut upsert = |host: &str, insecure: bool, blocked: bool| match self
                .registries
                .iter_mut()
                .find(|r| r.prefix == host)
            {
                Some(r) => {
                    r.insecure |= insecure;
                    r.blocked |= blocked;
                }
                None => self.registries.push(Registry {
                    prefix: host.to_string(),
                    location: host.to_string(),
                    insecure,
                    blocked,
                    mirror_by_digest_only: false,
                    mirrors: Vec::new(),
                }),
            };
            for h in v1.insecure.map(|l| l.registries).unwrap_or_default() {
                upsert(&h, true, false);
            }
            for h in v1.block.map(|l| l.registries).unwrap_or_default() {
                upsert(&h, false, true);
            }
        }
        if let Some(s) = raw.unqualified_search_registries {
            for r in &s {
                if !valid_location(r) || r.contains('/') {
                    return Err(invalid(format!(
                        "unqualified-search-registries: {r:?} is not a registry host"
                    )));
                }
            }
            self.unqualified_search = s;
        }
        if let Some(m) = raw.short_name_mode {
            self.short_name_mode = match m.as_str() {
                "enforcing" => ShortNameMode::Enforcing,
                "permissive" => ShortNameMode::Permissive,
                "disabled" => ShortNameMode::Disabled,
                other => {
                    return Err(invalid(format!(
                        "short-name-mode {other:?} (use enforcing, permissive or disabled)"
                    )))
                }
            };
        }
        for r in raw.registry {
            let prefix = if r.prefix.is_empty() {
                r.location.clone()
            } else {
                r.prefix.clone()
            };
            if prefix.is_empty() {
                return Err(invalid(
                    "a [[registry]] has neither prefix nor location".into(),
                ));
            }
            let wildcard = prefix.starts_with("*.");
            if wildcard && !r.location.is_empty() {
                return Err(invalid(format!(
                    "[[registry]] {prefix:?}: a wildcard prefix cannot have a location"
                )));
            }
            if !wildcard && (prefix.contains('*') || !valid_location(&prefix)) {
                return Err(invalid(format!(
                    "[[registry]] prefix {prefix:?} is invalid"
                )));
            }
            let location = if r.location.is_empty() {
                prefix.clone()
            } else {
                r.location.clone()
            };
            if !wildcard && !valid_location(&location) {
                return Err(invalid(format!(
                    "[[registry]] {prefix:?}: location {location:?} is invalid"
                )));
            }
            let mut mirrors = Vec::new();
            for m in r.mirror {
                if !valid_location(&m.location) {
                    return Err(invalid(format!(
                        "[[registry]] {prefix:?}: mirror location {:?} is invalid",
                        m.location
                    )));
                }
                let pull_from_mirror = match m.pull_from_mirror.as_deref() {
                    None | Some("") | Some("all") => PullFromMirror::All,
                    Some("digest-only") => PullFromMirror::DigestOnly,
                    Some("tag-only") => PullFromMirror::TagOnly,
                    Some(other) => {
                        return Err(invalid(format!(
                            "[[registry]] {prefix:?}: pull-from-mirror {other:?} (use all, digest-only or tag-only)"
                        )))
                    }
                };
                mirrors.push(Mirror {
                    location: m.location,
                    insecure: m.insecure,
                    pull_from_mirror,
                });
            }
            let entry = Registry {
                prefix,
                location,
                insecure: r.insecure,
                blocked: r.blocked,
                mirror_by_digest_only: r.mirror_by_digest_only,
                mirrors,
            };
            match self
                .registries
                .iter_mut()
                .find(|x| x.prefix == entry.prefix)
            {
                Some(x) => *x = entry,
                None => self.registries.push(entry),
            }
        }
        if let Some(a) = raw.aliases {
            for (k, v) in a {
                if v.is_empty() {
                    self.aliases.remove(&k);
                } else {
                    self.aliases.insert(k, v);
                }
            }
        }
        Ok(())
    }

    /// The `[[registry]]` entry for a fully qualified reference: the longest matching prefix.
    pub fn find(&self, reference: &str) -> Option<&Registry> {
        self.registries
            .iter()
            .filter_map(|r| prefix_match(reference, &r.prefix).map(|n| (n, r)))
            .max_by_key(|(n, _)| *n)
            .map(|(_, r)| r)
    }

    /// Where to pull a fully qualified `reference` from, in order: the mirrors that
    /// serve it, then the registry's location. A blocked registry is
    /// [`RegistriesConfError::Blocked`]; a reference no entry matches has one source,
    /// itself.
    pub fn pull_sources(&self, reference: &str) -> Result<Vec<PullSource>, RegistriesConfError> {
        let Some(reg) = self.find(reference) else {
            return Ok(vec![PullSource {
                reference: reference.to_string(),
                insecure: false,
                mirror: false,
            }]);
        };
        if reg.blocked {
            return Err(RegistriesConfError::Blocked {
                reference: reference.to_string(),
                prefix: reg.prefix.clone(),
            });
        }
        let wildcard = reg.prefix.starts_with("*.");
        let rewrite = |location: &str| {
            if wildcard {
                reference.to_string()
            } else {
                format!("{location}{}", &reference[reg.prefix.len()..])
            }
        };
        let by_digest = reference.contains('@');
        let mut out = Vec::new();
        if !reg.mirror_by_digest_only || by_digest {
            for m in &reg.mirrors {
                let serves = match m.pull_from_mirror {
                    PullFromMirror::All => true,
                    PullFromMirror::DigestOnly => by_digest,
                    PullFromMirror::TagOnly => !by_digest,
                };
                if serves {
                    out.push(PullSource {
                        reference: rewrite(&m.location),
                        insecure: m.insecure,
                        mirror: true,
                    });
                }
            }
        }
        out.push(PullSource {
            reference: rewrite(&reg.location),
            insecure: reg.insecure,
            mirror: false,
        });
        Ok(out)
    }

    /// True when `host[:port]` is marked insecure (an entry whose location is that host).
    pub fn is_insecure_host(&self, host: &str) -> bool {
        self.registries.iter().any(|r| {
            (r.insecure && r.location.split('/').next() == Some(host))
                || r.mirrors
                    .iter()
                    .any(|m| m.insecure && m.location.split('/').next() == Some(host))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> RegistriesConf {
        RegistriesConf::parse(text, Path::new("test.conf")).unwrap()
    }

    #[test]
    fn v2_file_with_mirrors() {
        let c = p(r#"
unqualified-search-registries = ["docker.io", "quay.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "quay.io/libpod/testimage"
location = "quay.io/libpod/testimage"
[[registry.mirror]]
location = "127.0.0.1:5000/libpod/testimage"
insecure = true
[[registry.mirror]]
location = "mirror.example/tags"
pull-from-mirror = "tag-only"

[[registry]]
location = "registry.example:5000"
insecure = true

[[registry]]
prefix = "evil.example"
blocked = true

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"#);
        assert_eq!(c.unqualified_search, ["docker.io", "quay.io"]);
        assert_eq!(c.short_name_mode, ShortNameMode::Permissive);
        assert_eq!(c.aliases["fedora"], "registry.fedoraproject.org/fedora");
        let s = c.pull_sources("quay.io/libpod/testimage:20220615").unwrap();
        let refs: Vec<_> = s.iter().map(|s| s.reference.as_str()).collect();
        assert_eq!(
            refs,
            [
                "127.0.0.1:5000/libpod/testimage:20220615",
                "mirror.example/tags:20220615",
                "quay.io/libpod/testimage:20220615"
            ]
        );
        assert!(s[0].insecure && s[0].mirror && !s[2].insecure && !s[2].mirror);
        // By digest: the tag-only mirror is skipped.
        let d = format!("quay.io/libpod/testimage@sha256:{}", "a".repeat(64));
        let s = c.pull_sources(&d).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].reference,
            format!("127.0.0.1:5000/libpod/testimage@sha256:{}", "a".repeat(64))
        );
        // Location without prefix: the prefix is the location.
        let s = c.pull_sources("registry.example:5000/x:1").unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].insecure);
        assert!(c.is_insecure_host("registry.example:5000"));
        assert!(c.is_insecure_host("127.0.0.1:5000"));
        assert!(!c.is_insecure_host("quay.io"));
        // Blocked.
        let e = c.pull_sources("evil.example/x:1").unwrap_err();
        assert!(e.to_string().contains("evil.example"), "{e}");
        // Unmatched: itself.
        let s = c.pull_sources("docker.io/library/busybox:latest").unwrap();
        assert_eq!(s[0].reference, "docker.io/library/busybox:latest");
        // A prefix does not match a longer path component.
        assert!(c.find("quay.io/libpod/testimagefoo:1").is_none());
    }

    #[test]
    fn longest_prefix_wins_and_wildcards() {
        let c = p(r#"
[[registry]]
prefix = "example.com"
location = "a.example/all"
[[registry]]
prefix = "example.com/team"
location = "b.example/team"
[[registry]]
prefix = "*.corp.example"
insecure = true
mirror-by-digest-only = true
[[registry.mirror]]
location = "m.example"
"#);
        assert_eq!(
            c.pull_sources("example.com/team/app:1").unwrap()[0].reference,
            "b.example/team/app:1"
        );
        assert_eq!(
            c.pull_sources("example.com/other:1").unwrap()[0].reference,
            "a.example/all/other:1"
        );
        let s = c.pull_sources("reg.corp.example/x:1").unwrap();
        assert_eq!(s.len(), 1, "mirror is digest-only");
        assert_eq!(s[0].reference, "reg.corp.example/x:1");
        assert!(s[0].insecure);
    }

    #[test]
    fn v1_tables() {
        let c = p(r#"
[registries.search]
registries = ["docker.io"]
[registries.insecure]
registries = ["127.0.0.1:5000"]
[registries.block]
registries = ["bad.example"]
"#);
        assert_eq!(c.unqualified_search, ["docker.io"]);
        assert!(c.is_insecure_host("127.0.0.1:5000"));
        assert!(c.pull_sources("bad.example/x:1").is_err());
    }

    #[test]
    fn bad_files_are_one_clear_error() {
        let bad = [
            ("unqualified-search-registries = \"docker.io\"", "unqualified-search-registries"),
            ("short-name-mode = \"sometimes\"", "short-name-mode"),
            ("[[registry]]\ninsecure = true", "neither prefix nor location"),
            ("[[registry]]\nprefix = \"*.x.example\"\nlocation = \"y\"", "wildcard"),
            ("[[registry]]\nprefix = \"x.example\"\n[[registry.mirror]]\nlocation = \"https://m\"", "mirror location"),
            ("unqualified-search-registries = [\"a\"]\n[registries.search]\nregistries = [\"b\"]", "mixes"),
            ("not toml at all [", "test.conf"),
        ];
        for (text, want) in bad {
            let e = RegistriesConf::parse(text, Path::new("test.conf")).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(want), "{text:?}: {msg}");
            assert!(msg.contains("test.conf"), "{msg}");
        }
    }

    #[test]
    fn system_file_and_dropins_merge_in_order() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path().to_path_buf();
        let main = d.join("registries.conf");
        let dir = d.join("registries.conf.d");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&main, "unqualified-search-registries = [\"docker.io\"]\n").unwrap();
        std::fs::write(
            dir.join("10-a.conf"),
            "[aliases]\n\"x\" = \"quay.io/x/x\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("20-b.conf"),
            "unqualified-search-registries = [\"quay.io\"]\n",
        )
        .unwrap();
        std::fs::write(dir.join("ignored.txt"), "garbage [").unwrap();
        let c = RegistriesConf::load_system(&main, &dir).unwrap();
        assert_eq!(c.unqualified_search, ["quay.io"]);
        assert_eq!(c.aliases["x"], "quay.io/x/x");
        assert_eq!(c.files.len(), 3);
        let none = RegistriesConf::load_system(&d.join("nope"), &d.join("nope.d")).unwrap();
        assert_eq!(none, RegistriesConf::default());
    }
}
