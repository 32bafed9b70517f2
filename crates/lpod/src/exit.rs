//! Podman's exit codes and the mapping from errors onto them.

/// lpod itself failed (bad flag, unknown container, runtime error, ...).
pub const LPOD_ERROR: i32 = 125;
/// The container's command exists but cannot be invoked (permission denied, not executable).
pub const CANNOT_INVOKE: i32 = 126;
/// The container's command was not found.
pub const NOT_FOUND: i32 = 127;

/// What kind of failure an OCI runtime reported while starting a process, by its message
/// (crun and runc say it in text only). Podman matches the same phrases.
pub fn classify_runtime_message(msg: &str) -> i32 {
    let m = msg.to_ascii_lowercase();
    if m.contains("executable file not found")
        || m.contains("not found in $path")
        || (m.contains("executable file") && m.contains("not found"))
        || (m.contains("exec") && m.contains("no such file or directory"))
        || (m.starts_with("stat ") && m.contains("no such file or directory"))
    {
        NOT_FOUND
    } else if m.contains("permission denied")
        || m.contains("operation not permitted")
        || m.contains("is a directory")
        || m.contains("exec format error")
        || m.contains("not executable")
    {
        CANNOT_INVOKE
    } else {
        LPOD_ERROR
    }
}

/// Exit code for a container or exec process that ended: its code, or 128+signal when it was
/// killed (conmon already reports it that way), clamped to 0..=255.
pub fn from_container(code: i32) -> i32 {
    if code < 0 {
        // conmon's -1 (killed by `--timeout`, or the code is unknown): Podman exits
        // with it, which the shell sees as 255.
        return 255;
    }
    code.min(255)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crun_and_runc_messages() {
        assert_eq!(
            classify_runtime_message(
                "crun: executable file `/nonexistent` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found"
            ),
            NOT_FOUND
        );
        assert_eq!(
            classify_runtime_message(
                r#"runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH"#
            ),
            NOT_FOUND
        );
        assert_eq!(
            classify_runtime_message(
                "crun: open executable: Permission denied: OCI permission denied"
            ),
            CANNOT_INVOKE
        );
        assert_eq!(
            classify_runtime_message(
                "runc create failed: unable to start container process: exec: \"/etc\": permission denied"
            ),
            CANNOT_INVOKE
        );
        assert_eq!(classify_runtime_message("cgroup: oops"), LPOD_ERROR);
    }

    #[test]
    fn container_codes() {
        assert_eq!(from_container(3), 3);
        assert_eq!(from_container(137), 137);
        assert_eq!(from_container(-1), 255);
        assert_eq!(from_container(300), 255);
    }
}
