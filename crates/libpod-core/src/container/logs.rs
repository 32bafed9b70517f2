//! `logs`: the container's k8s-file log through libpod-oci's reader; partial
//! lines are joined; `follow` reads until the container stops running.

use std::time::Duration;

use super::*;
use crate::Error;

const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// Joins conmon's partial (`P`) lines into whole lines, per stream.
#[derive(Default)]
struct Joiner {
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Joiner {
    fn push(&mut self, l: libpod_oci::LogLine) -> Option<LogLine> {
        let (buf, stream) = match l.stream {
            libpod_oci::LogStream::Stdout => (&mut self.out, LogStream::Stdout),
            libpod_oci::LogStream::Stderr => (&mut self.err, LogStream::Stderr),
        };
        buf.extend_from_slice(l.msg.as_bytes());
        if l.partial {
            return None;
        }
        Some(LogLine {
            time: l.time.with_timezone(&chrono::Utc),
            stream,
            line: std::mem::take(buf),
        })
    }
}

impl Container {
    /// Reads the container's log, calling `on_line` for every line; with
    /// `follow`, keeps reading until the container stops running. An error from
    /// `on_line` (e.g. a closed pipe) ends the read without an error.
    #[tracing::instrument(skip(self, opts, on_line), fields(id = %self.id()))]
    pub fn logs(
        &self,
        opts: &LogOptions,
        on_line: &mut dyn FnMut(&LogLine) -> std::io::Result<()>,
    ) -> Result<()> {
        let p = self.parts()?;
        let cfg = self.config()?;
        match cfg.log_driver {
            libpod_config::LogDriver::K8sFile | libpod_config::LogDriver::JsonFile => {}
            // Podman follows a journald log through the journald events backend, which
            // lpod never has (no journald here): Podman's words for that case.
            libpod_config::LogDriver::Journald if opts.follow => {
                return Err(Error::NoLogs(format!(
                    "using --follow with the journald --log-driver but without the journald --events-backend ({}) is not supported",
                    p.opts.config.events_logger.as_str()
                )))
            }
            libpod_config::LogDriver::Journald => {
                return Err(Error::NoLogs(format!(
                    "container {} uses the journald log driver: lpod reads k8s-file logs only (its output is in the journal, if systemd-journald runs on this host)",
                    cfg.name
                )))
            }
            other => {
                return Err(Error::NoLogs(format!(
                    "this container is using the '{}' log driver, cannot read logs: this container is not logging output",
                    other.as_str()
                )))
            }
        }
        let lo = libpod_oci::LogOptions {
            since: opts.since,
            until: opts.until,
            tail: opts.tail,
        };
        let mut joiner = Joiner::default();
        if !opts.follow {
            for l in libpod_oci::read_log(&cfg.log_path, &lo)? {
                if let Some(line) = joiner.push(l) {
                    if on_line(&line).is_err() {
                        return Ok(());
                    }
                }
            }
            return Ok(());
        }
        let id = self.id.clone();
        let done = || match p.state.container_state(&id) {
            Ok(st) => !st.status.is_monitored() || p.oci.exit_info(&id).ok().flatten().is_some(),
            Err(_) => true,
        };
        libpod_oci::follow_log(&cfg.log_path, &lo, FOLLOW_POLL, done, |l| {
            match joiner.push(l) {
                Some(line) => on_line(&line).is_ok(),
                None => true,
            }
        })?;
        Ok(())
    }

    /// The whole log as (stdout, stderr) bytes, lines ending in `\n`.
    pub fn logs_bytes(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        self.logs(&LogOptions::default(), &mut |l| {
            let b = match l.stream {
                LogStream::Stdout => &mut out,
                LogStream::Stderr => &mut err,
            };
            b.extend_from_slice(&l.line);
            b.push(b'\n');
            Ok(())
        })?;
        Ok((out, err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_lines_join() {
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap();
        let mk = |partial, msg: &str| libpod_oci::LogLine {
            time: t,
            stream: libpod_oci::LogStream::Stdout,
            partial,
            msg: msg.into(),
        };
        let mut j = Joiner::default();
        assert!(j.push(mk(true, "ab")).is_none());
        assert_eq!(j.push(mk(false, "cd")).unwrap().line, b"abcd");
    }
}
