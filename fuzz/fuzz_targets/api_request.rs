//! Docker API requests as `lpod system service` decodes them: the request target
//! (version prefix, query flags, numbers, times, `filters`), `X-Registry-Auth` and the
//! JSON bodies of the create verbs, through `lpod_api::check_request`.
//!
//! Input: `METHOD TARGET` on the first line, optionally `X-Registry-Auth: VALUE` on the
//! second, then the body after the first empty line (or the rest).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => match data.iter().position(|b| *b == b'\n') {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &b""[..]),
        },
    };
    let Ok(head) = std::str::from_utf8(head) else {
        return;
    };
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, target) = first.split_once(' ').unwrap_or(("GET", first));
    let auth = lines.find_map(|l| l.strip_prefix("X-Registry-Auth: "));
    if let Err(e) = lpod_api::check_request(method, target, auth, body) {
        // Every refusal is a client error or "not offered", never a 500.
        let code = e.status().as_u16();
        assert!(
            (400..500).contains(&code) || code == 501,
            "{method} {target}: {code} {e}"
        );
    }
});
