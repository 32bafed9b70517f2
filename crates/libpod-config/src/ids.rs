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

/// Adjectives of generated names (sorted, no duplicates; a unit test checks).
#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "admiring", "agile", "amazing", "amiable", "ardent", "astute", "awake", "balanced", "blissful",
    "bold", "brave", "breezy", "bright", "brisk", "busy", "calm", "candid", "careful", "charming",
    "cheerful", "clever", "compassionate", "confident", "cool", "crisp", "curious", "dapper",
    "daring", "dazzling", "devoted", "diligent", "dreamy", "eager", "earnest", "elated", "elegant",
    "eloquent", "epic", "fair", "fancy", "fearless", "fervent", "festive", "focused", "friendly",
    "frosty", "gallant", "generous", "gentle", "gifted", "glad", "graceful", "happy", "hardy",
    "hearty", "helpful", "honest", "hopeful", "humble", "jolly", "jovial", "joyful", "keen",
    "kind", "lively", "loving", "loyal", "lucid", "lucky", "magical", "merry", "mighty", "modest",
    "musing", "neat", "nifty", "nimble", "noble", "optimistic", "patient", "peaceful", "placid",
    "playful", "polite", "proud", "quick", "quiet", "radiant", "relaxed", "resolute", "serene",
    "sharp", "sincere", "sleepy", "smart", "snappy", "steady", "sunny", "swift", "tender",
    "thirsty", "tidy", "upbeat", "vibrant", "vigilant", "vivid", "warm", "wise", "witty",
    "wonderful", "zealous",
];

/// Surnames of notable scientists, mathematicians and engineers (sorted, no
/// duplicates, ASCII only).
#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "abel", "adleman", "agnesi", "aho", "aiken", "alhazen", "allen", "ampere", "archimedes",
    "arrhenius", "aryabhata", "atanasoff", "avogadro", "babbage", "backus", "banach", "banneker",
    "bardeen", "bartik", "bayes", "bell", "bernoulli", "bethe", "bhabha", "bohr", "boltzmann",
    "bolyai", "boole", "born", "bose", "boyle", "bragg", "brahe", "brahmagupta", "brattain",
    "braun", "brunel", "burnell", "cajal", "cannon", "cantor", "cardano", "carnot", "carson",
    "carver", "cassini", "cauchy", "cavendish", "cayley", "cerf", "chadwick", "chandrasekhar",
    "chebyshev", "compton", "conway", "cook", "copernicus", "cori", "coulomb", "cray", "crick",
    "curie", "dalton", "darwin", "davy", "debye", "dedekind", "descartes", "diesel", "diffie",
    "dijkstra", "dirac", "dirichlet", "doppler", "dyson", "eckert", "edison", "ehrenfest",
    "einstein", "elion", "engelbart", "eratosthenes", "erdos", "euclid", "euler", "faggin",
    "faraday", "fermat", "fermi", "feynman", "fibonacci", "fisher", "fleming", "floyd", "fourier",
    "franklin", "fresnel", "galileo", "galois", "galvani", "gauss", "geiger", "germain", "gibbs",
    "goddard", "godel", "goldwasser", "golgi", "goodall", "gosling", "haber", "halley", "hamilton",
    "hamming", "hardy", "hartree", "harvey", "hausdorff", "hawking", "heisenberg", "hellman",
    "helmholtz", "hennessy", "herschel", "hertz", "higgs", "hilbert", "hinton", "hoare", "hodgkin",
    "hollerith", "hooke", "hopcroft", "hopper", "hubble", "huygens", "hypatia", "jackson",
    "jacobi", "jacquard", "jemison", "jenner", "johnson", "joliot", "joule", "kahan", "kahn",
    "karp", "kay", "kekule", "kelvin", "kepler", "kernighan", "khwarizmi", "kilby", "kleinrock",
    "knuth", "koch", "kolmogorov", "korolev", "kovalevskaya", "kuiper", "lagrange", "lamarr",
    "lamport", "landau", "laplace", "lavoisier", "leakey", "leavitt", "lederberg", "leeuwenhoek",
    "legendre", "leibniz", "lemaitre", "lilienthal", "linnaeus", "liskov", "lister", "littlewood",
    "lobachevsky", "lorentz", "lovelace", "lyapunov", "lyell", "mach", "marconi", "margulis",
    "markov", "mauchly", "maxwell", "mayer", "mcclintock", "meitner", "mendel", "mendeleev",
    "messier", "metcalfe", "micali", "michelson", "millikan", "milner", "minkowski", "minsky",
    "mirzakhani", "mobius", "moore", "morse", "napier", "nash", "naur", "navier", "nernst",
    "neumann", "newton", "nightingale", "nirenberg", "nobel", "noether", "noyce", "ochoa", "ohm",
    "onnes", "oort", "ostwald", "pascal", "pasteur", "pauli", "pauling", "pavlov", "payne",
    "pearl", "pearson", "penrose", "perey", "perlis", "perlman", "planck", "poincare", "postel",
    "priestley", "ptolemy", "pythagoras", "rabin", "raman", "ramanujan", "rayleigh", "ride",
    "riemann", "ritchie", "rivest", "rontgen", "rubin", "rutherford", "sabin", "sagan", "salam",
    "salk", "sammet", "sanger", "scheele", "schrodinger", "seaborg", "shamir", "shannon",
    "shockley", "somerville", "stearns", "stokes", "stroustrup", "sutherland", "sylvester",
    "szilard", "tarjan", "tesla", "thacker", "thompson", "thomson", "tombaugh", "townes", "turing",
    "ulam", "ullman", "urey", "valiant", "vaughan", "vesalius", "volta", "wallace", "watson",
    "watt", "weinberg", "weyl", "wiener", "wiles", "wilkes", "wilkins", "wing", "wirth",
    "woodward", "wozniak", "wright", "wu", "yalow", "yonath", "yukawa", "zuse", "zwicky",
];

/// How many plain `adjective_surname` names [`name_candidates`] offers before it
/// adds a numeric suffix.
const PLAIN_NAME_ATTEMPTS: usize = 10;

/// The widest numeric suffix (in digits) [`name_candidates`] offers; it ends after it.
const MAX_SUFFIX_DIGITS: u32 = 18;

/// How many suffixed names of each width [`name_candidates`] offers.
const SUFFIXED_PER_WIDTH: usize = 3;

/// A random `adjective_surname` name (Podman's and Docker's style) from 111
/// adjectives and 308 surnames (34,188 names). Alone it can collide; try
/// [`name_candidates`] in turn to get a free one.
pub fn generate_name() -> String {
    let mut rng = rand::thread_rng();
    let a = ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())];
    let n = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    format!("{a}_{n}")
}

/// Generated names to try in turn until one is free: 10 plain
/// random names, then random names with a random numeric suffix of growing width
/// (`brave_curie_7`, ..., up to 18 digits), so a caller that walks it to the end
/// finds a free name whenever fewer than about 10^18 objects exist. Finite (under
/// 70 names) so a broken "is it taken" check cannot loop forever.
pub fn name_candidates() -> impl Iterator<Item = String> {
    let plain = (0..PLAIN_NAME_ATTEMPTS).map(|_| generate_name());
    let suffixed = (1..=MAX_SUFFIX_DIGITS).flat_map(|digits| {
        (0..SUFFIXED_PER_WIDTH).map(move |_| {
            let hi = 10u64.pow(digits);
            let n = rand::thread_rng().gen_range(hi / 10..hi);
            format!("{}_{n}", generate_name())
        })
    });
    plain.chain(suffixed)
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
    fn name_lists_are_large_sorted_and_valid() {
        assert!(ADJECTIVES.len() >= 100, "{}", ADJECTIVES.len());
        assert!(SURNAMES.len() >= 230, "{}", SURNAMES.len());
        for list in [ADJECTIVES, SURNAMES] {
            assert!(
                list.windows(2).all(|w| w[0] < w[1]),
                "unsorted or duplicate"
            );
            for w in list {
                assert!(
                    !w.is_empty() && w.bytes().all(|c| c.is_ascii_lowercase()),
                    "{w}"
                );
            }
        }
        // the counts the docs give (README, generate_name)
        assert_eq!((ADJECTIVES.len(), SURNAMES.len()), (111, 308));
        assert_eq!(ADJECTIVES.len() * SURNAMES.len(), 34_188);
    }

    #[test]
    fn candidates_end_with_wide_suffixes_and_are_valid() {
        let all: Vec<String> = name_candidates().collect();
        assert_eq!(
            all.len(),
            PLAIN_NAME_ATTEMPTS + SUFFIXED_PER_WIDTH * MAX_SUFFIX_DIGITS as usize
        );
        for n in &all {
            validate_name(n).unwrap();
        }
        assert_eq!(all[0].matches('_').count(), 1);
        let last = all.last().unwrap();
        let suffix = last.rsplit('_').next().unwrap();
        assert_eq!(suffix.len(), MAX_SUFFIX_DIGITS as usize, "{last}");
    }

    #[test]
    fn plain_candidates_come_from_the_lists_and_suffixes_grow_a_digit_per_width() {
        let mut firsts = std::collections::HashSet::new();
        for _ in 0..100 {
            let all: Vec<String> = name_candidates().collect();
            firsts.insert(all[0].clone());
            for (i, n) in all.iter().enumerate() {
                let parts: Vec<&str> = n.split('_').collect();
                assert!(parts.len() >= 2, "{n}");
                assert!(ADJECTIVES.contains(&parts[0]), "{n}");
                assert!(SURNAMES.contains(&parts[1]), "{n}");
                if i < PLAIN_NAME_ATTEMPTS {
                    assert_eq!(parts.len(), 2, "plain candidate {i}: {n}");
                    continue;
                }
                // SUFFIXED_PER_WIDTH names of each width, from 1 digit up, no leading
                // zero: names of different widths can never be equal.
                assert_eq!(parts.len(), 3, "suffixed candidate {i}: {n}");
                let width = (i - PLAIN_NAME_ATTEMPTS) / SUFFIXED_PER_WIDTH + 1;
                let suffix = parts[2];
                assert_eq!(suffix.len(), width, "candidate {i}: {n}");
                assert!(suffix.bytes().all(|b| b.is_ascii_digit()), "{n}");
                assert!(!suffix.starts_with('0'), "{n}");
            }
        }
        // drawn at random, not a fixed sequence
        assert!(firsts.len() > 1, "{firsts:?}");
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
