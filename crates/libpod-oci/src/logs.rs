//! Reading conmon's k8s-file logs: `<RFC3339Nano> stdout|stderr F|P <msg>` per line.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};

/// Errors from log reading.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// I/O on the log file.
    #[error("{op} {path}: {source}")]
    Io {
        /// What we were doing.
        op: &'static str,
        /// Log path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// stdout.
    Stdout,
    /// stderr.
    Stderr,
}

/// One parsed log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When conmon read the data.
    pub time: DateTime<FixedOffset>,
    /// The stream.
    pub stream: LogStream,
    /// `P`: a partial line (the next line continues it); `F`: a full line.
    pub partial: bool,
    /// The text, without the trailing newline.
    pub msg: String,
}

/// Options for [`read_log`] and [`follow_log`].
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Only lines at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only lines before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only the last N lines (of those passing `since`/`until`).
    pub tail: Option<usize>,
}

/// Parse one k8s-file line; `None` for a malformed one.
pub fn parse_line(line: &str) -> Option<LogLine> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let mut parts = line.splitn(4, ' ');
    let time = DateTime::parse_from_rfc3339(parts.next()?).ok()?;
    let stream = match parts.next()? {
        "stdout" => LogStream::Stdout,
        "stderr" => LogStream::Stderr,
        _ => return None,
    };
    let partial = match parts.next()? {
        "P" => true,
        "F" => false,
        _ => return None,
    };
    let msg = parts.next().unwrap_or("").to_string();
    Some(LogLine {
        time,
        stream,
        partial,
        msg,
    })
}

impl LogOptions {
    fn accepts(&self, l: &LogLine) -> bool {
        if let Some(s) = self.since {
            if l.time < s {
                return false;
            }
        }
        if let Some(u) = self.until {
            if l.time >= u {
                return false;
            }
        }
        true
    }
}

fn open(path: &Path) -> Result<Option<std::fs::File>, LogError> {
    match std::fs::File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LogError::Io {
            op: "opening log",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Read the whole log (a missing file is an empty log).
pub fn read_log(path: &Path, opts: &LogOptions) -> Result<Vec<LogLine>, LogError> {
    let Some(f) = open(path)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|source| LogError::Io {
            op: "reading log",
            path: path.to_path_buf(),
            source,
        })?;
        if let Some(l) = parse_line(&line) {
            if opts.accepts(&l) {
                out.push(l);
            }
        }
    }
    if let Some(n) = opts.tail {
        let skip = out.len().saturating_sub(n);
        out.drain(..skip);
    }
    Ok(out)
}

/// Emit the existing log (as [`read_log`]) then follow it, calling `sink` for every line,
/// until `done()` returns true (checked between polls; a final read is made after it does)
/// or `sink` returns false. Handles conmon's truncation when `--log-size-max` is reached.
pub fn follow_log(
    path: &Path,
    opts: &LogOptions,
    poll: Duration,
    mut done: impl FnMut() -> bool,
    mut sink: impl FnMut(LogLine) -> bool,
) -> Result<(), LogError> {
    let io = |op: &'static str| {
        let path = path.to_path_buf();
        move |source| LogError::Io { op, path, source }
    };
    let mut pos: u64 = 0;
    let mut inode: Option<u64> = None;
    let mut pending = String::new();
    let mut first = true;
    loop {
        let finished = done();
        if let Some(mut f) = open(path)? {
            let meta = f.metadata().map_err(io("stat log"))?;
            if inode != Some(meta.ino()) || meta.len() < pos {
                // new or truncated file: start over
                inode = Some(meta.ino());
                pos = 0;
                pending.clear();
            }
            f.seek(SeekFrom::Start(pos)).map_err(io("seeking log"))?;
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).map_err(io("reading log"))?;
            pos += buf.len() as u64;
            pending.push_str(&String::from_utf8_lossy(&buf));
            let mut lines = Vec::new();
            while let Some(nl) = pending.find('\n') {
                let line: String = pending.drain(..=nl).collect();
                if let Some(l) = parse_line(&line) {
                    if opts.accepts(&l) {
                        lines.push(l);
                    }
                }
            }
            if first {
                if let Some(n) = opts.tail {
                    let skip = lines.len().saturating_sub(n);
                    lines.drain(..skip);
                }
                first = false;
            }
            for l in lines {
                if !sink(l) {
                    return Ok(());
                }
            }
        } else {
            first = false;
        }
        if finished {
            return Ok(());
        }
        std::thread::sleep(poll);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "2026-11-29T23:40:39.000000001+00:00 stdout F one\n\
2026-11-29T23:40:40.5+00:00 stderr P two-\n\
2026-11-29T23:40:41+00:00 stdout F three with spaces\n\
garbage\n";

    #[test]
    fn parses_k8s_file() {
        let l = parse_line("2026-11-29T23:40:39.123456789+01:00 stderr P abc def").unwrap();
        assert_eq!(l.stream, LogStream::Stderr);
        assert!(l.partial);
        assert_eq!(l.msg, "abc def");
        assert!(parse_line("nope").is_none());
        let empty = parse_line("2026-11-29T23:40:39Z stdout F ").unwrap();
        assert_eq!(empty.msg, "");
    }

    #[test]
    fn since_and_tail() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, SAMPLE).unwrap();
        assert_eq!(read_log(&p, &LogOptions::default()).unwrap().len(), 3);
        let since = DateTime::parse_from_rfc3339("2026-11-29T23:40:40Z")
            .unwrap()
            .with_timezone(&Utc);
        let l = read_log(
            &p,
            &LogOptions {
                since: Some(since),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        let l = read_log(
            &p,
            &LogOptions {
                tail: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(l[0].msg, "three with spaces");
        assert!(
            read_log(&dir.path().join("missing"), &LogOptions::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn follow_sees_appended_lines() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, SAMPLE).unwrap();
        let p2 = p.clone();
        let writer = std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().append(true).open(&p2).unwrap();
            f.write_all(b"2026-11-29T23:40:42Z stdout F four\n")
                .unwrap();
        });
        let mut seen = Vec::new();
        follow_log(
            &p,
            &LogOptions::default(),
            Duration::from_millis(5),
            || false,
            |l| {
                seen.push(l.msg);
                seen.len() < 4
            },
        )
        .unwrap();
        writer.join().unwrap();
        assert_eq!(seen.last().unwrap(), "four");
    }
}
