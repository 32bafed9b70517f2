//! Go templates from `--format` (`ps`, `images`, `inspect`...), parsed and run the way lpod
//! does (crates/lpod/src/format.rs, compiled in by path: lpod is a binary) against a
//! container-like row. Templates can loop and grow strings: a run must stay within the
//! format module's step and size bounds (libFuzzer's -rss_limit_mb and -timeout catch an
//! engine without them).
#![no_main]

#[allow(dead_code, missing_docs)]
#[path = "../../crates/lpod/src/format.rs"]
mod format;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn row() -> &'static Value {
    static ROW: OnceLock<Value> = OnceLock::new();
    ROW.get_or_init(|| {
        json!({
            "ID": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Names": ["web", "alias"],
            "Image": "docker.io/library/busybox:latest",
            "Command": ["sh", "-c", "sleep 100"],
            "Created": 1_700_000_000,
            "Status": "Up 2 minutes",
            "Ports": [{"host_ip": "", "host_port": 8080, "container_port": 80, "protocol": "tcp"}],
            "Labels": {"a": "1", "io.podman/x": "y"},
            "Mounts": [],
            "Size": 123456,
            "Pid": 42,
            "Exited": false,
            "ExitCode": 0,
            "State": {"Status": "running", "Running": true, "Health": null},
            "Networks": {"lpod": {"IPAddress": "10.89.0.2"}},
            "Float": 1.5
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(tpl) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = format::Template::parse(tpl) {
        let _ = parsed.render(row());
        let _ = parsed.render(&json!({}));
    }
    let _ = format::template(tpl, row());
    let headers = json!({"ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE"});
    let _ = format::render(
        tpl,
        "{{.ID}} {{.Names}}",
        &headers,
        &[row().clone(), json!({})],
        false,
    );
});
