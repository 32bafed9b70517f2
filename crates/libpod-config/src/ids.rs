//! Ids, names and lookup by full id, unique id prefix or name.

use rand::Rng;

/// Length of a full id in hex characters.
pub const ID_LEN: usize = 64;

/// An id or name that is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not 64 lowercase hex characters.
    #[error("invalid id {0:?}: must be 64 lowercase hex characters")]
    InvalidId(String),
    /// Does not match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
    #[error("invalid name {0:?}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")]
    InvalidName(String),
}

/// A lookup that did not resolve to exactly one object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No id, id prefix or name matched.
    #[error("no {kind} with name or id {query:?} found")]
    NotFound {
        /// "container" or "pod".
        kind: &'static str,
        /// What was looked up.
        query: String,
    },
    /// More than one id starts with the query.
    #[error(
        "more than one {kind} ({count}) has an id starting with {query:?}: give more characters"
    )]
    Ambiguous {
        /// "container" or "pod".
        kind: &'static str,
        /// What was looked up.
        query: String,
        /// How many ids start with it.
        count: usize,
    },
}

/// A new random id: 64 lowercase hex characters whose 12-character short
/// form is never all digits (so it cannot be mistaken for a number).
pub fn new_id() -> String {
    let mut rng = rand::thread_rng();
    loop {
        let bytes: [u8; 32] = rng.gen();
        let mut id = String::with_capacity(ID_LEN);
        for b in bytes {
            id.push_str(&format!("{b:02x}"));
        }
        if !id[..12].bytes().all(|c| c.is_ascii_digit()) {
            return id;
        }
    }
}

/// The 12-character short form of an id (the whole string if shorter).
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Checks that `id` is 64 lowercase hex characters.
pub fn validate_id(id: &str) -> Result<(), IdError> {
    if id.len() == ID_LEN && id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(IdError::InvalidId(id.to_string()))
    }
}

/// Checks Podman's name rule `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn validate_name(name: &str) -> Result<(), IdError> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')) {
        Ok(())
    } else {
        Err(IdError::InvalidName(name.to_string()))
    }
}

const ADJECTIVES: &[&str] = &[
    "agile", "bold", "brave", "bright", "calm", "clever", "cool", "crisp", "daring", "eager",
    "fancy", "fervent", "gentle", "happy", "hardy", "jolly", "keen", "kind", "lively", "lucid",
    "merry", "mighty", "modest", "nimble", "noble", "peaceful", "quick", "quiet", "serene",
    "sharp", "steady", "sunny", "swift", "tender", "vivid", "wise", "witty", "zealous",
];

const NOUNS: &[&str] = &[
    "albattani",
    "babbage",
    "bell",
    "bohr",
    "curie",
    "darwin",
    "dijkstra",
    "einstein",
    "euler",
    "faraday",
    "fermat",
    "feynman",
    "galileo",
    "gauss",
    "hopper",
    "hypatia",
    "kepler",
    "knuth",
    "lamarr",
    "lovelace",
    "maxwell",
    "meitner",
    "newton",
    "noether",
    "pascal",
    "planck",
    "ritchie",
    "shannon",
    "tesla",
    "thompson",
    "torvalds",
    "turing",
    "wozniak",
    "yalow",
];

/// A random Podman-like `adjective_noun` name. The caller retries (or appends
/// a suffix) when the name is taken.
pub fn generate_name() -> String {
    let mut rng = rand::thread_rng();
    let a = ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())];
    let n = NOUNS[rng.gen_range(0..NOUNS.len())];
    format!("{a}_{n}")
}

/// Resolves `query` among `(id, name)` pairs: a full id wins, then an exact
/// name, then a unique id prefix. `kind` ("container", "pod") goes into the error.
pub fn resolve<'a, I>(kind: &'static str, query: &str, items: I) -> Result<String, LookupError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let not_found = || LookupError::NotFound {
        kind,
        query: query.to_string(),
    };
    if query.is_empty() {
        return Err(not_found());
    }
    let mut by_name = None;
    let mut prefixed: Vec<&str> = Vec::new();
    for (id, name) in items {
        if id == query {
            return Ok(id.to_string());
        }
        if name == query {
            by_name = Some(id);
        }
        if id.starts_with(query) {
            prefixed.push(id);
        }
    }
    if let Some(id) = by_name {
        return Ok(id.to_string());
    }
    match prefixed.len() {
        0 => Err(not_found()),
        1 => Ok(prefixed[0].to_string()),
        count => Err(LookupError::Ambiguous {
            kind,
            query: query.to_string(),
            count,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn new_ids_are_valid_and_distinct() {
        let a = new_id();
        let b = new_id();
        validate_id(&a).unwrap();
        validate_id(&b).unwrap();
        assert_ne!(a, b);
        assert_eq!(short_id(&a).len(), 12);
    }

    #[test]
    fn bad_ids_are_named() {
        for bad in ["", "ABC", &"g".repeat(64), &"a".repeat(63), &"A".repeat(64)] {
            let e = validate_id(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")));
        }
    }

    #[test]
    fn names() {
        for ok in ["a", "web-1", "A.b_c", "0x"] {
            validate_name(ok).unwrap();
        }
        for bad in ["", "-a", "_a", ".a", "a b", "a/b", "é"] {
            let e = validate_name(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        for _ in 0..20 {
            validate_name(&generate_name()).unwrap();
        }
    }

    #[test]
    fn lookup_rules() {
        let a = format!("abc{}", "0".repeat(61));
        let b = format!("abd{}", "0".repeat(61));
        let items = [(a.as_str(), "web"), (b.as_str(), "abc")];
        // full id
        assert_eq!(resolve("container", &a, items).unwrap(), a);
        // name beats prefix: "abc" is b's name and a's prefix
        assert_eq!(resolve("container", "abc", items).unwrap(), b);
        // unique prefix
        assert_eq!(resolve("container", "abd0", items).unwrap(), b);
        assert_eq!(resolve("container", "web", items).unwrap(), a);
        // ambiguous prefix
        let e = resolve("container", "ab", items).unwrap_err();
        assert_eq!(
            e,
            LookupError::Ambiguous {
                kind: "container",
                query: "ab".into(),
                count: 2
            }
        );
        // not found
        let e = resolve("pod", "zzz", items).unwrap_err();
        assert!(e.to_string().contains("pod") && e.to_string().contains("zzz"));
        assert!(resolve("pod", "", items).is_err());
    }

    proptest! {
        #[test]
        fn valid_names_accepted(name in "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}") {
            prop_assert!(validate_name(&name).is_ok());
        }

        #[test]
        fn invalid_first_char_rejected(name in "[_.\\- /][a-zA-Z0-9]{0,5}") {
            prop_assert!(validate_name(&name).is_err());
        }
    }
}
