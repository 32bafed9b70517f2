//! [`ConmonRuntime`]: the real driver, conmon over runc or crun, and its `create` verb.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use oci_spec::runtime::Spec;

use crate::error::OciError;
use crate::files::{create_private_file, mkdir, read_oci_log_errors};
use crate::find::{self, RuntimeKind};
use crate::pipes::{cloexec_pipe, spawn_with_fds, SyncReader};
use crate::types::{CreateOptions, Created};

/// Where a [`ConmonRuntime`] finds its binaries and keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConmonConfig {
    /// Which runtime.
    pub runtime_kind: RuntimeKind,
    /// Path of the runtime binary.
    pub runtime_path: PathBuf,
    /// Path of conmon.
    pub conmon_path: PathBuf,
    /// Per-boot run directory; the runtime's state root is `RUN_ROOT/<runtime>` (passed as
    /// `--root`, so the system defaults are never touched), exit files go to
    /// `RUN_ROOT/exits/ID`, conmon's persist dir is `RUN_ROOT/persist/ID`, exec sessions live
    /// in `RUN_ROOT/exec/SESSION`.
    pub run_root: PathBuf,
    /// conmon `--log-level`.
    pub conmon_log_level: String,
    /// How long to wait for conmon to report on the sync pipe.
    pub create_timeout: Duration,
    /// Global flags given to every runtime invocation, before the verb (`--runtime-flag`).
    pub runtime_flags: Vec<String>,
}

impl ConmonConfig {
    /// Find conmon and a runtime (crun preferred, then runc) on the default search lists.
    pub fn detect(run_root: impl Into<PathBuf>) -> Result<Self, OciError> {
        let (kind, path) = find::find_runtime()?;
        Self::with_runtime(kind, path, run_root)
    }

    /// Find conmon and the given runtime kind.
    pub fn for_kind(kind: RuntimeKind, run_root: impl Into<PathBuf>) -> Result<Self, OciError> {
        let path = find::find_runtime_kind(kind)?;
        Self::with_runtime(kind, path, run_root)
    }

    /// Use an explicit runtime binary; conmon from the default search list.
    pub fn with_runtime(
        kind: RuntimeKind,
        runtime_path: PathBuf,
        run_root: impl Into<PathBuf>,
    ) -> Result<Self, OciError> {
        Ok(ConmonConfig {
            runtime_kind: kind,
            runtime_path,
            conmon_path: find::find_conmon()?,
            run_root: run_root.into(),
            conmon_log_level: "error".to_string(),
            create_timeout: Duration::from_secs(120),
            runtime_flags: Vec::new(),
        })
    }
}

/// The real OCI driver: conmon monitoring runc or crun.
#[derive(Debug, Clone)]
pub struct ConmonRuntime {
    pub(crate) cfg: ConmonConfig,
}

impl ConmonRuntime {
    /// A driver with this configuration; creates the run directories.
    pub fn new(cfg: ConmonConfig) -> Result<Self, OciError> {
        let rt = ConmonRuntime { cfg };
        mkdir(&rt.state_root())?;
        mkdir(&rt.exit_dir())?;
        mkdir(&rt.cfg.run_root.join("persist"))?;
        mkdir(&rt.cfg.run_root.join("exec"))?;
        Ok(rt)
    }

    /// The configuration.
    pub fn config(&self) -> &ConmonConfig {
        &self.cfg
    }

    /// Runtime binary name (`crun` / `runc`).
    pub fn runtime_name(&self) -> &'static str {
        self.cfg.runtime_kind.name()
    }

    /// The runtime's `--root` state directory.
    pub fn state_root(&self) -> PathBuf {
        self.cfg.run_root.join(self.runtime_name())
    }

    /// Directory of conmon exit files (`ID` → exit code).
    pub fn exit_dir(&self) -> PathBuf {
        self.cfg.run_root.join("exits")
    }

    /// conmon's persist directory for a container (`oom`, `exit`, pid files, runtime log).
    pub fn persist_dir(&self, id: &str) -> PathBuf {
        self.cfg.run_root.join("persist").join(id)
    }

    /// Path of the exit file for a container.
    pub fn exit_file(&self, id: &str) -> PathBuf {
        self.exit_dir().join(id)
    }

    /// Path of conmon's pid file for a container.
    pub fn conmon_pidfile(&self, id: &str) -> PathBuf {
        self.persist_dir(id).join("conmon.pid")
    }

    /// Arguments placed before the verb when running the runtime directly.
    pub(crate) fn global_args(&self) -> Vec<String> {
        let mut a = vec![format!("--root={}", self.state_root().display())];
        a.extend(self.cfg.runtime_flags.iter().cloned());
        a
    }

    /// Run `runtime --root R <args>`; stdout on success, [`OciError::Runtime`] otherwise.
    pub(crate) fn run_runtime(
        &self,
        verb: &'static str,
        id: &str,
        args: &[&str],
    ) -> Result<Vec<u8>, OciError> {
        let out = libpod_failpoint::scrub(&mut Command::new(&self.cfg.runtime_path))
            .args(self.global_args())
            .arg(verb)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|source| OciError::Spawn {
                binary: self.cfg.runtime_path.clone(),
                source,
            })?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let lower = stderr.to_lowercase();
        let mentions_id = stderr.contains(id);
        if lower.contains("does not exist")
            || (mentions_id && (lower.contains("not found") || lower.contains("no such file")))
        {
            return Err(OciError::NotFound {
                id: id.to_string(),
                runtime: self.runtime_name().to_string(),
            });
        }
        Err(OciError::Runtime {
            runtime: self.runtime_name().to_string(),
            verb,
            id: id.to_string(),
            status: out.status.to_string(),
            stderr,
        })
    }

    /// Arguments shared by create and exec.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn shared_conmon_args(
        &self,
        cid: &str,
        cuuid: &str,
        name: &str,
        bundle: &Path,
        pidfile: &Path,
        log: &str,
        exit_dir: &Path,
        persist_dir: &Path,
        oci_log: &Path,
    ) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "--api-version".into(),
            "1".into(),
            "-c".into(),
            cid.into(),
            "-u".into(),
            cuuid.into(),
            "-r".into(),
            self.cfg.runtime_path.display().to_string(),
            "-b".into(),
            bundle.display().to_string(),
            "-p".into(),
            pidfile.display().to_string(),
            "-n".into(),
            name.into(),
            format!("--exit-dir={}", exit_dir.display()),
            format!("--persist-dir={}", persist_dir.display()),
            "--full-attach".into(),
            "-l".into(),
            log.into(),
            format!("--log-level={}", self.cfg.conmon_log_level),
        ];
        for ra in self.global_args() {
            a.push(format!("--runtime-arg={ra}"));
        }
        a.push("--runtime-arg=--log-format=json".into());
        a.push(format!("--runtime-arg=--log={}", oci_log.display()));
        a
    }

    /// The environment conmon runs with: ours plus `extra` (never NOTIFY_SOCKET).
    pub(crate) fn conmon_env(extra: &[(String, String)]) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k != "NOTIFY_SOCKET" && !k.starts_with("_OCI_"))
            .collect();
        env.extend(extra.iter().cloned());
        env
    }

    /// The create verb (see [`crate::OciRuntime::create`]).
    #[tracing::instrument(skip(self, spec, opts), fields(runtime = self.runtime_name()))]
    pub(crate) fn create_impl(
        &self,
        id: &str,
        bundle: &Path,
        spec: &Spec,
        opts: &CreateOptions,
    ) -> Result<Created, OciError> {
        mkdir(bundle)?;
        crate::spec::write_config(spec, bundle)?;
        let persist = self.persist_dir(id);
        mkdir(&persist)?;
        // Stale files from an earlier run of the same id would be misread as this run's.
        for stale in [
            self.exit_file(id),
            persist.join("oom"),
            persist.join("exit"),
        ] {
            let _ = std::fs::remove_file(stale);
        }
        let terminal = spec
            .process()
            .as_ref()
            .and_then(|p| p.terminal())
            .unwrap_or(false);
        let pidfile = persist.join("pidfile");
        let oci_log = persist.join("oci-log");
        let _ = std::fs::remove_file(&oci_log);
        let log_path = opts
            .log_path
            .clone()
            .unwrap_or_else(|| bundle.join("ctr.log"));
        let log_arg = match opts.log_driver.as_str() {
            "" | "k8s-file" => {
                // The log holds everything the container printed: 0600, like the rest.
                create_private_file(&log_path)?;
                format!("k8s-file:{}", log_path.display())
            }
            other => format!("{other}:"),
        };
        let name = opts.name.clone().unwrap_or_else(|| id.to_string());
        let mut args = self.shared_conmon_args(
            id,
            id,
            &name,
            bundle,
            &pidfile,
            &log_arg,
            &self.exit_dir(),
            &persist,
            &oci_log,
        );
        args.push(format!(
            "--conmon-pidfile={}",
            self.conmon_pidfile(id).display()
        ));
        if terminal {
            args.push("-t".into());
        } else if opts.stdin {
            args.push("-i".into());
        }
        if let Some(tag) = &opts.log_tag {
            args.push(format!("--log-tag={tag}"));
        }
        if opts.timeout > 0 {
            args.push(format!("--timeout={}", opts.timeout));
        }
        if let Some(max) = opts.log_size_max {
            args.push(format!("--log-size-max={max}"));
        }
        if let Some((bin, bin_args)) = &opts.exit_command {
            args.push(format!("--exit-command={}", bin.display()));
            for a in bin_args {
                args.push(format!("--exit-command-arg={a}"));
            }
        }

        let (sync_r, sync_w) = cloexec_pipe(id)?;
        let (start_r, start_w) = cloexec_pipe(id)?;
        // Preserved descriptors first (3, 4, ...), as the runtime passes 3 .. 3+N on;
        // conmon's pipes after them.
        let preserved = crate::pipes::inherited_fds(opts.preserve_fds, id)?;
        if !preserved.is_empty() {
            args.push(format!("--runtime-opt=--preserve-fds={}", preserved.len()));
        }
        let mut fds: Vec<&std::os::fd::OwnedFd> = preserved.iter().collect();
        fds.push(&sync_w);
        fds.push(&start_r);
        fds.extend(opts.held_fds.iter().map(|f| &**f));
        let first = 3 + preserved.len();
        let mut env = Self::conmon_env(&opts.conmon_env);
        env.push(("_OCI_SYNCPIPE".into(), first.to_string()));
        env.push(("_OCI_STARTPIPE".into(), (first + 1).to_string()));
        tracing::debug!(?args, "spawning conmon");
        let mut child = spawn_with_fds(
            &self.cfg.conmon_path,
            &args,
            &env,
            &fds,
            id,
            opts.root_bind.as_ref(),
        )?;
        drop(preserved);
        drop(sync_w);
        drop(start_r);
        // conmon blocks on the start pipe before forking (a caller could move it to a cgroup
        // here); tell it to go on.
        {
            let mut start = std::fs::File::from(start_w);
            let _ = start.write_all(b"0");
        }
        let mut stderr = String::new();
        let status = child.wait().map_err(|source| OciError::Spawn {
            binary: self.cfg.conmon_path.clone(),
            source,
        })?;
        if !status.success() {
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
            return Err(OciError::Conmon {
                id: id.to_string(),
                status: status.to_string(),
                stderr: stderr.trim().to_string(),
            });
        }
        drop(child.stderr.take());

        let mut sync = SyncReader::new(sync_r, id);
        let msg = sync.next("conmon sync pipe", Some(self.cfg.create_timeout))?;
        let pid = match msg {
            Some(m) if m.data > 0 => m.data as i32,
            other => {
                let mut message = other
                    .and_then(|m| m.message)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default();
                let from_log = read_oci_log_errors(&oci_log);
                if !from_log.is_empty() {
                    message = from_log;
                }
                if message.is_empty() {
                    message = "conmon exited without reporting a pid".to_string();
                }
                let _ = self.run_runtime("delete", id, &["--force", id]);
                return Err(OciError::CreateFailed {
                    id: id.to_string(),
                    runtime: self.runtime_name().to_string(),
                    message,
                });
            }
        };
        let conmon_pid = std::fs::read_to_string(self.conmon_pidfile(id))
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok());
        if let (Some(extra), Some(pid)) = (&opts.conmon_pidfile, conmon_pid) {
            std::fs::write(extra, format!("{pid}\n")).map_err(|source| OciError::Io {
                op: "write conmon pid file",
                path: extra.clone(),
                source,
            })?;
        }
        tracing::info!(pid, ?conmon_pid, "container created");
        Ok(Created { pid, conmon_pid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_log_errors_are_extracted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("oci-log");
        std::fs::write(
            &p,
            "{\"level\":\"info\",\"msg\":\"hi\"}\n{\"level\":\"error\",\"msg\":\"exec: no such file\"}\n",
        )
        .unwrap();
        assert_eq!(read_oci_log_errors(&p), "exec: no such file");
        assert_eq!(read_oci_log_errors(&dir.path().join("missing")), "");
    }
}
