//! Image references (`podman pull NAME`, archive `RepoTags`, `--name`): parse, and a parsed
//! reference must print back to text that parses to the same reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_storage::reference::{self, ImageReference};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = reference::is_short_name(s);
    let _ = reference::normalize_local_name(s);
    if let Ok(r) = ImageReference::parse(s) {
        let printed = r.to_string();
        let again = ImageReference::parse(&printed)
            .unwrap_or_else(|e| panic!("{s:?} printed as {printed:?} which does not parse: {e}"));
        assert_eq!(r, again, "{s:?} -> {printed:?}");
        let _ = r.stored_name();
        let _ = r.repository();
        let _ = r.short_name_matches(&again);
        assert_eq!(reference::normalize_name(s).ok(), Some(printed));
    }
});
