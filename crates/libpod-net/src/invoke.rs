//! Finding CNI plugin binaries and running them, with `CNI_*` set on the child process only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::result::PluginErrorDoc;

/// The plugin directories searched by default, in order.
pub const DEFAULT_PLUGIN_DIRS: &[&str] = &["/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"];

/// Errors from finding or running a plugin.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// No executable named after the plugin type in any plugin dir.
    #[error("CNI plugin {plugin:?} not found in {dirs:?}; the standard plugins come with the Debian package `containernetworking-plugins`")]
    NotFound {
        /// Plugin type.
        plugin: String,
        /// Directories searched.
        dirs: Vec<PathBuf>,
    },
    /// The plugin could not be started or talked to.
    #[error("running CNI plugin {path}: {source}")]
    Spawn {
        /// Plugin binary.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The plugin reported an error document (`{code, msg, details}`).
    #[error("CNI plugin {plugin} {command} failed (code {code}): {msg}{}", if details.is_empty() { String::new() } else { format!(" ({details})") })]
    Plugin {
        /// Plugin type.
        plugin: String,
        /// CNI command (ADD, DEL, ...).
        command: String,
        /// The spec error code.
        code: u32,
        /// The message.
        msg: String,
        /// The details.
        details: String,
    },
    /// The plugin failed without a parseable error document.
    #[error("CNI plugin {plugin} {command} exited with {status}: {stderr}")]
    Failed {
        /// Plugin type.
        plugin: String,
        /// CNI command.
        command: String,
        /// Exit status text.
        status: String,
        /// Its stderr and stdout, trimmed.
        stderr: String,
    },
}

impl InvokeError {
    /// The plugin's error code, when the plugin reported one.
    pub fn code(&self) -> Option<u32> {
        match self {
            InvokeError::Plugin { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// One plugin invocation: what goes into the child's environment and stdin.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// Plugin type (binary name).
    pub plugin: &'a str,
    /// Resolved binary path.
    pub path: &'a Path,
    /// `CNI_COMMAND`.
    pub command: &'a str,
    /// `CNI_*` variables for the child (name, value).
    pub env: Vec<(&'static str, String)>,
    /// Stdin (the plugin config JSON).
    pub stdin: Vec<u8>,
}

/// The boundary to the operating system: runs one plugin and returns its stdout.
/// The real implementation is [`ProcessExec`]; tests may put a recorder beside it.
pub trait PluginExec: Send + Sync {
    /// Runs the invocation; returns stdout on success.
    fn exec(&self, inv: &Invocation<'_>) -> Result<Vec<u8>, InvokeError>;
}

/// Runs plugins as child processes with `std::process::Command`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessExec;

impl PluginExec for ProcessExec {
    fn exec(&self, inv: &Invocation<'_>) -> Result<Vec<u8>, InvokeError> {
        let spawn_err = |source| InvokeError::Spawn {
            path: inv.path.to_path_buf(),
            source,
        };
        let mut cmd = Command::new(inv.path);
        libpod_failpoint::scrub(&mut cmd);
        // Only the child sees these: our own environment is never modified.
        for (k, v) in &inv.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(spawn_err)?;
        if let Some(mut stdin) = child.stdin.take() {
            // A plugin may exit without reading stdin (VERSION); ignore EPIPE.
            if let Err(e) = stdin.write_all(&inv.stdin) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(spawn_err(e));
                }
            }
        }
        let out = child.wait_with_output().map_err(spawn_err)?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        if let Ok(doc) = serde_json::from_slice::<PluginErrorDoc>(&out.stdout) {
            if doc.code != 0 || !doc.msg.is_empty() {
                return Err(InvokeError::Plugin {
                    plugin: inv.plugin.to_string(),
                    command: inv.command.to_string(),
                    code: doc.code,
                    msg: doc.msg,
                    details: doc.details,
                });
            }
        }
        let mut text = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let so = String::from_utf8_lossy(&out.stdout);
        if !so.trim().is_empty() {
            text.push_str(" / stdout: ");
            text.push_str(so.trim());
        }
        Err(InvokeError::Failed {
            plugin: inv.plugin.to_string(),
            command: inv.command.to_string(),
            status: out.status.to_string(),
            stderr: text,
        })
    }
}

/// Finds the binary for plugin `plugin` in `dirs` (first executable file wins).
pub fn find_plugin(plugin: &str, dirs: &[PathBuf]) -> Result<PathBuf, InvokeError> {
    use std::os::unix::fs::PermissionsExt;
    if !plugin.contains('/') && !plugin.is_empty() {
        for d in dirs {
            let p = d.join(plugin);
            if let Ok(md) = std::fs::metadata(&p) {
                if md.is_file() && md.permissions().mode() & 0o111 != 0 {
                    return Ok(p);
                }
            }
        }
    }
    Err(InvokeError::NotFound {
        plugin: plugin.to_string(),
        dirs: dirs.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_real_plugin_or_reports_dirs() {
        let dirs: Vec<PathBuf> = DEFAULT_PLUGIN_DIRS.iter().map(PathBuf::from).collect();
        let e = find_plugin("no-such-plugin-xyz", &dirs).unwrap_err();
        assert!(e.to_string().contains("no-such-plugin-xyz"));
        assert!(find_plugin("../bin/sh", &dirs).is_err());
    }

    #[test]
    fn error_document_becomes_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("failer");
        std::fs::write(
            &p,
            "#!/bin/sh\ncat >/dev/null\necho '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad config\",\"details\":\"why\"}'\nexit 1\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        let inv = Invocation {
            plugin: "failer",
            path: &p,
            command: "ADD",
            env: vec![("CNI_COMMAND", "ADD".into())],
            stdin: b"{}".to_vec(),
        };
        let e = ProcessExec.exec(&inv).unwrap_err();
        assert_eq!(e.code(), Some(7));
        match e {
            InvokeError::Plugin { msg, details, .. } => {
                assert_eq!(msg, "bad config");
                assert_eq!(details, "why");
            }
            other => panic!("{other}"),
        }
        assert!(std::env::var("CNI_COMMAND").is_err());
    }
}
