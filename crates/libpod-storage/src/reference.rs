//! Image name normalisation, the way Podman does it.
//!
//! `busybox` → `docker.io/library/busybox:latest`, `localhost/x:y` stays,
//! `quay.io/a/b` → `quay.io/a/b:latest`, `x@sha256:…` keeps its digest.
//!
//! ```
//! use libpod_storage::reference::{is_short_name, normalize_name, ImageReference};
//!
//! assert_eq!(normalize_name("busybox")?, "docker.io/library/busybox:latest");
//! assert_eq!(normalize_name("localhost/x:y")?, "localhost/x:y");
//! let r = ImageReference::parse("quay.io/a/b")?;
//! assert_eq!((r.domain.as_str(), r.path.as_str()), ("quay.io", "a/b"));
//! assert_eq!(r.tag.as_deref(), Some("latest"));
//! assert!(is_short_name("busybox") && !is_short_name("localhost/busybox"));
//! assert!(ImageReference::parse("has space").is_err());
//! # Ok::<(), libpod_storage::reference::ReferenceError>(())
//! ```

/// Errors about image references.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The reference is empty or has invalid characters or structure.
    #[error("invalid image reference {0:?}")]
    Invalid(String),
}

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// Registry domain, e.g. `docker.io` or `localhost`.
    pub domain: String,
    /// Repository path below the domain, e.g. `library/busybox`.
    pub path: String,
    /// Tag; `latest` when neither tag nor digest was given.
    pub tag: Option<String>,
    /// `sha256:…` digest, when given.
    pub digest: Option<String>,
}

impl ImageReference {
    /// The name a pull by this reference stores: `repo:tag@digest` is `repo@digest`
    /// (as Podman names it), anything else its normal form.
    pub fn stored_name(&self) -> String {
        if self.digest.is_some() && self.tag.is_some() {
            let mut r = self.clone();
            r.tag = None;
            r.to_string()
        } else {
            self.to_string()
        }
    }

    /// Whether this short name (`busybox`, `x/busybox:1`) names the stored `other`
    /// (`localhost/busybox:latest`, `quay.io/x/busybox:1`): the same tag and the
    /// path, or the path's last components.
    pub fn short_name_matches(&self, other: &ImageReference) -> bool {
        let short = self.path.strip_prefix("library/").unwrap_or(&self.path);
        other.tag == self.tag && (other.path == short || other.path.ends_with(&format!("/{short}")))
    }

    /// Parses and normalises `input`.
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        let bad = || ReferenceError::Invalid(input.to_string());
        if input.is_empty() || input.len() > 512 || input.chars().any(|c| c.is_whitespace()) {
            return Err(bad());
        }
        let (name, digest) = match input.split_once('@') {
            Some((n, d)) => {
                crate::digest::digest_hex(d).map_err(|_| bad())?;
                (n, Some(d.to_string()))
            }
            None => (input, None),
        };
        // A tag is after the last ':' that comes after the last '/'.
        let last_slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (repo, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
            None => (name, None),
        };
        if let Some(t) = tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(bad());
            }
        }
        let (domain, path) = match repo.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), repo.to_string()),
        };
        let path = if domain == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        let path_ok = !path.is_empty()
            && path.split('/').all(|c| {
                !c.is_empty()
                    && c.chars().all(|ch| {
                        ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch)
                    })
                    && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            });
        let domain_ok = !domain.is_empty()
            && domain
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".-:[]".contains(ch));
        // Docker's limit on a repository name (255), on the normalised name: with it, what
        // parse accepts prints (with `docker.io/library/`, a tag and a digest) within the
        // input limit, so it parses again.
        if !path_ok || !domain_ok || domain.len() + 1 + path.len() > 255 {
            return Err(bad());
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(Self {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// `domain/path`, without tag or digest.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

impl std::fmt::Display for ImageReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Normalises an image name: `busybox` → `docker.io/library/busybox:latest`.
pub fn normalize_name(input: &str) -> Result<String, ReferenceError> {
    Ok(ImageReference::parse(input)?.to_string())
}

/// Normalises the name of a locally made image (`tag`, `commit`, `import`), as Podman
/// does: a name without a registry domain goes under `localhost/` (`myimage` →
/// `localhost/myimage:latest`); a fully qualified one is normalised as usual.
pub fn normalize_local_name(input: &str) -> Result<String, ReferenceError> {
    if is_short_name(input) {
        normalize_name(&format!("localhost/{input}"))
    } else {
        normalize_name(input)
    }
}

/// True when `input` names no registry domain (so a short-name lookup applies).
pub fn is_short_name(input: &str) -> bool {
    match input.split_once('/') {
        None => true,
        Some((first, _)) => !(first.contains('.') || first.contains(':') || first == "localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name lpod accepts prints (normalised) as a name it accepts again: a long short name
    /// grew past the input limit once `docker.io/library/` and `:latest` were added.
    #[test]
    fn normalised_names_parse_again() {
        assert!(ImageReference::parse(&"a".repeat(500)).is_err());
        assert!(ImageReference::parse(&format!("x.io/{}", "b".repeat(300))).is_err());
        let longest = format!(
            "{}:{}@sha256:{}",
            "a".repeat(255 - "docker.io/library/".len()),
            "t".repeat(128),
            "0".repeat(64)
        );
        for input in [longest, "a".repeat(200)] {
            let r = ImageReference::parse(&input).unwrap();
            let printed = r.to_string();
            assert_eq!(ImageReference::parse(&printed).unwrap(), r, "{input}");
        }
    }

    #[test]
    fn normalises_like_podman() {
        let d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let cases = [
            ("busybox", "docker.io/library/busybox:latest"),
            ("busybox:1.36", "docker.io/library/busybox:1.36"),
            ("localhost/x:y", "localhost/x:y"),
            ("localhost/x", "localhost/x:latest"),
            ("quay.io/a/b", "quay.io/a/b:latest"),
            ("user/app:v1", "docker.io/user/app:v1"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
        ];
        for (i, o) in cases {
            assert_eq!(normalize_name(i).unwrap(), o, "{i}");
        }
        assert_eq!(
            normalize_name(&format!("busybox@{d}")).unwrap(),
            format!("docker.io/library/busybox@{d}")
        );
    }

    #[test]
    fn rejects_bad_names() {
        for bad in ["", "UPPER", "a b", "x:", "x@sha256:zz", "a//b", "x:-t"] {
            assert!(normalize_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_names() {
        assert!(is_short_name("busybox"));
        assert!(is_short_name("user/app"));
        assert!(!is_short_name("localhost/app"));
        assert!(!is_short_name("quay.io/a"));
    }
}
