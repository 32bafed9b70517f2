//! Finding the OCI runtime and conmon binaries through search lists.

use std::path::{Path, PathBuf};

/// Errors from binary lookup.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    /// No candidate path held an executable.
    #[error("{binary} not found (searched {searched:?}); install the Debian package `{package}`")]
    NotFound {
        /// Binary name.
        binary: String,
        /// Debian package that provides it.
        package: &'static str,
        /// Paths tried.
        searched: Vec<PathBuf>,
    },
}

/// Which OCI runtime a binary is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RuntimeKind {
    /// crun (preferred).
    Crun,
    /// runc.
    Runc,
}

impl RuntimeKind {
    /// Binary name.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Crun => "crun",
            RuntimeKind::Runc => "runc",
        }
    }

    /// Debian package providing the binary.
    pub fn package(self) -> &'static str {
        self.name()
    }

    /// Default search list, as the seed's findRuncPath.
    pub fn default_paths(self) -> Vec<PathBuf> {
        let n = self.name();
        [
            "/usr/bin",
            "/usr/sbin",
            "/usr/local/bin",
            "/usr/local/sbin",
            "/sbin",
            "/bin",
            "/run/current-system/sw/bin",
        ]
        .iter()
        .map(|d| Path::new(d).join(n))
        .collect()
    }

    /// Guess the kind from a binary's file name (`crun` or anything else = runc).
    pub fn from_path(path: &Path) -> RuntimeKind {
        match path.file_name().and_then(|f| f.to_str()) {
            Some(n) if n.contains("crun") => RuntimeKind::Crun,
            _ => RuntimeKind::Runc,
        }
    }
}

/// Default conmon search list.
pub fn default_conmon_paths() -> Vec<PathBuf> {
    [
        "/usr/libexec/podman/conmon",
        "/usr/local/libexec/podman/conmon",
        "/usr/local/lib/podman/conmon",
        "/usr/bin/conmon",
        "/usr/sbin/conmon",
        "/usr/local/bin/conmon",
        "/usr/local/sbin/conmon",
        "/run/current-system/sw/bin/conmon",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// First executable in `paths`, else a [`FindError::NotFound`] naming `package`.
pub fn find_in(
    binary: &str,
    package: &'static str,
    paths: &[PathBuf],
) -> Result<PathBuf, FindError> {
    paths
        .iter()
        .find(|p| is_executable(p))
        .cloned()
        .ok_or_else(|| FindError::NotFound {
            binary: binary.to_string(),
            package,
            searched: paths.to_vec(),
        })
}

/// Find conmon on the default search list.
pub fn find_conmon() -> Result<PathBuf, FindError> {
    find_in("conmon", "conmon", &default_conmon_paths())
}

/// Find a given runtime on its default search list.
pub fn find_runtime_kind(kind: RuntimeKind) -> Result<PathBuf, FindError> {
    find_in(kind.name(), kind.package(), &kind.default_paths())
}

/// Find an OCI runtime: crun preferred, then runc.
pub fn find_runtime() -> Result<(RuntimeKind, PathBuf), FindError> {
    match find_runtime_kind(RuntimeKind::Crun) {
        Ok(p) => Ok((RuntimeKind::Crun, p)),
        Err(FindError::NotFound {
            searched: mut crun_searched,
            ..
        }) => match find_runtime_kind(RuntimeKind::Runc) {
            Ok(p) => Ok((RuntimeKind::Runc, p)),
            Err(FindError::NotFound { searched, .. }) => {
                crun_searched.extend(searched);
                Err(FindError::NotFound {
                    binary: "crun or runc".into(),
                    package: "crun",
                    searched: crun_searched,
                })
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binary_names_package() {
        let err = find_in("conmon", "conmon", &[PathBuf::from("/nonexistent/conmon")]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("Debian package `conmon`"), "{msg}");
    }

    #[test]
    fn kind_from_path() {
        assert_eq!(
            RuntimeKind::from_path(Path::new("/usr/bin/crun")),
            RuntimeKind::Crun
        );
        assert_eq!(
            RuntimeKind::from_path(Path::new("/usr/sbin/runc")),
            RuntimeKind::Runc
        );
    }
}
