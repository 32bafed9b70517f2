//! Reading conmon's k8s-file logs: `TIMESTAMP STREAM F|P MESSAGE` a line, where `P` marks a
//! partial line that the next record continues.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When conmon read it.
    pub time: DateTime<Utc>,
    /// `stdout` or `stderr`.
    pub stderr: bool,
    /// Whether the line is complete (`F`) or continues in the next record (`P`).
    pub full: bool,
    /// The text, without the newline.
    pub text: String,
}

/// A log file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read log file {path}: {source}")]
pub struct LogError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// Parses one k8s-file record; `None` for a malformed line.
pub fn parse_line(line: &str) -> Option<LogLine> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let mut it = line.splitn(4, ' ');
    let ts = it.next()?;
    let stream = it.next()?;
    let tag = it.next()?;
    let text = it.next().unwrap_or("");
    let time = DateTime::parse_from_rfc3339(ts).ok()?.with_timezone(&Utc);
    let stderr = match stream {
        "stdout" => false,
        "stderr" => true,
        _ => return None,
    };
    let full = !tag.split(',').any(|t| t == "P");
    Some(LogLine {
        time,
        stderr,
        full,
        text: text.to_string(),
    })
}

/// Which records to show.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only the last N (full) lines.
    pub tail: Option<usize>,
    /// Only records at or after this time.
    pub since: Option<DateTime<Utc>>,
}

/// Reads a whole log file into records (a missing file is an empty log), and the offset
/// where reading stopped (for following).
pub fn read_all(path: &Path) -> Result<(Vec<LogLine>, u64), LogError> {
    let err = |source| LogError {
        path: path.to_path_buf(),
        source,
    };
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(err(e)),
    };
    read_from(f, 0).map_err(err)
}

/// Reads complete lines from `offset`; returns them and the offset after the last complete one.
pub fn read_from(mut f: std::fs::File, offset: u64) -> std::io::Result<(Vec<LogLine>, u64)> {
    f.seek(SeekFrom::Start(offset))?;
    let mut r = BufReader::new(f);
    let mut out = Vec::new();
    let mut pos = offset;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf)?;
        if n == 0 || buf.last() != Some(&b'\n') {
            // EOF, or a record conmon is still writing: leave it for the next read.
            break;
        }
        pos += n as u64;
        if let Some(l) = parse_line(&String::from_utf8_lossy(&buf)) {
            out.push(l);
        }
    }
    Ok((out, pos))
}

/// Applies `--since` and `--tail` (tail counts full lines, keeping their partial prefixes).
pub fn filter(lines: Vec<LogLine>, f: &LogFilter) -> Vec<LogLine> {
    let mut lines: Vec<LogLine> = match f.since {
        Some(t) => lines.into_iter().filter(|l| l.time >= t).collect(),
        None => lines,
    };
    if let Some(n) = f.tail {
        let mut full_seen = 0;
        let mut start = lines.len();
        for (i, l) in lines.iter().enumerate().rev() {
            if l.full {
                if full_seen == n {
                    break;
                }
                full_seen += 1;
            }
            start = i;
        }
        if n == 0 {
            start = lines.len();
        }
        lines.drain(..start);
    }
    lines
}

/// Writes records to stdout/stderr as the container wrote them.
pub fn write(lines: &[LogLine]) -> std::io::Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut o = stdout.lock();
    let mut e = stderr.lock();
    for l in lines {
        let w: &mut dyn Write = if l.stderr { &mut e } else { &mut o };
        w.write_all(l.text.as_bytes())?;
        if l.full {
            w.write_all(b"\n")?;
        }
    }
    o.flush()?;
    e.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "2026-11-29T23:00:00.000000001+00:00 stdout F one\n\
2026-11-29T23:00:01.000000000+00:00 stderr F two words\n\
2026-11-29T23:00:02.000000000+00:00 stdout P par\n\
2026-11-29T23:00:02.500000000+00:00 stdout F tial\n\
2026-11-29T23:00:03.000000000+00:00 stdout F \n";

    fn sample() -> Vec<LogLine> {
        SAMPLE.lines().filter_map(parse_line).collect()
    }

    #[test]
    fn parses_records() {
        let l = sample();
        assert_eq!(l.len(), 5);
        assert_eq!(l[0].text, "one");
        assert!(!l[0].stderr && l[0].full);
        assert!(l[1].stderr);
        assert_eq!(l[1].text, "two words");
        assert!(!l[2].full);
        assert_eq!(l[4].text, "");
        assert!(parse_line("garbage").is_none());
        assert!(parse_line("2026-11-29T23:00:00Z stdin F x").is_none());
    }

    #[test]
    fn tail_counts_full_lines() {
        let t = |n| {
            filter(
                sample(),
                &LogFilter {
                    tail: Some(n),
                    since: None,
                },
            )
            .into_iter()
            .map(|l| l.text)
            .collect::<Vec<_>>()
        };
        assert_eq!(t(1), [""]);
        assert_eq!(t(2), ["par", "tial", ""]);
        assert_eq!(t(0), Vec::<String>::new());
        assert_eq!(t(99).len(), 5);
    }

    #[test]
    fn since_filters_by_time() {
        let since = DateTime::parse_from_rfc3339("2026-11-29T23:00:01Z")
            .unwrap()
            .with_timezone(&Utc);
        let got = filter(
            sample(),
            &LogFilter {
                tail: None,
                since: Some(since),
            },
        );
        assert_eq!(got[0].text, "two words");
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn reads_files_and_leaves_unfinished_records() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, format!("{SAMPLE}2026-11-29T23:00:04Z stdout F unfinis")).unwrap();
        let (lines, off) = read_all(&p).unwrap();
        assert_eq!(lines.len(), 5);
        assert_eq!(off, SAMPLE.len() as u64);
        let (none, _) = read_all(&dir.path().join("missing")).unwrap();
        assert!(none.is_empty());
    }
}
