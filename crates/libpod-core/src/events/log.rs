//! The events log file: appends under a lock, size-capped rotation, and readers
//! that follow the log across rotations.
//!
//! # Rotation without loss or duplicates
//!
//! Appends and rotations happen under an exclusive `flock` of `LOG.lock`; a
//! reader reads under a shared one, so it never sees a half-done rotation.
//! A rotation (an append that would reach the size cap) writes the newer half
//! of the log (from the first line that starts after the middle, as Podman
//! does) plus a `system log-rotation` event into a new file and renames it over
//! the log: the old inode is never written again.
//!
//! Every byte ever written to the log has a *logical offset* in one stream:
//! the lock file holds `{"inode", "base", "stream"}`, where `base` is the
//! logical offset of byte 0 of the current log file. A rotation that drops `d`
//! bytes from a file of base `b` gives the new file base `b + d` (same
//! `stream`). A follower keeps its open file and its logical position; when the
//! path's inode changes it first reads what is left of its old file (final:
//! nobody writes it after the rename), then continues the new file at
//! `position - base` — exactly behind the lines it already has, whatever
//! number of rotations happened meanwhile. Only if the reader fell further
//! behind than the kept half does it lose events (by design of the cap; it
//! logs a warning). A log replaced by someone else (removed, truncated, written
//! by another tool) has no matching metadata: it starts a new `stream` and is
//! read from its start.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use super::{Event, EventStatus, EventType, EventsError};

/// Where the current log file sits in the logical stream (kept in the lock file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Meta {
    inode: u64,
    base: u64,
    stream: u64,
}

/// An events log file. Cheap to create; every call opens what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLog {
    path: PathBuf,
    max_size: u64,
}

type Result<T> = std::result::Result<T, EventsError>;

impl EventLog {
    /// The log at `path`, rotated when an append would make it reach
    /// `max_size` bytes (0 = never).
    pub fn new(path: impl Into<PathBuf>, max_size: u64) -> EventLog {
        EventLog {
            path: path.into(),
            max_size,
        }
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size cap (0 = none).
    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    fn lock_path(&self) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(".lock");
        PathBuf::from(s)
    }

    /// Creates the log's directory (private, when missing) and opens+locks the lock file.
    fn lock(&self, exclusive: bool) -> Result<Flock<File>> {
        let lp = self.lock_path();
        if let Some(dir) = self.path.parent() {
            libpod_storage::private::create_private_dir(dir)
                .map_err(|e| EventsError::io("create events directory", dir, e))?;
        }
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lp)
            .map_err(|e| EventsError::io("open events lock", &lp, e))?;
        let arg = if exclusive {
            FlockArg::LockExclusive
        } else {
            FlockArg::LockShared
        };
        Flock::lock(f, arg).map_err(|(_, errno)| {
            EventsError::io("lock events lock", &lp, std::io::Error::from(errno))
        })
    }

    /// Creates the log's directory and an empty log when missing.
    pub fn ensure(&self) -> Result<()> {
        let _l = self.lock(true)?;
        self.open_append().map(|_| ())
    }

    fn open_append(&self) -> Result<File> {
        OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| EventsError::io("open events log", &self.path, e))
    }

    /// Appends `ev` as one JSON line, rotating first when the log would reach
    /// the size cap (then a `log-rotation` event precedes `ev`).
    pub fn append(&self, ev: &Event) -> Result<()> {
        let line = ev.to_json()?;
        let mut lock = self.lock(true)?;
        let stored = read_meta(&mut lock);
        let st = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(EventsError::io("stat events log", &self.path, e)),
        };
        let mut meta = st.as_ref().map(|m| normalize(stored, m.ino()));
        if let (Some(m), Some(cur)) = (&st, meta) {
            if self.max_size > 0 && m.len() + line.len() as u64 >= self.max_size {
                meta = Some(self.rotate(&mut lock, cur)?);
            }
        }
        let mut f = self.open_append()?;
        let mut buf = line.into_bytes();
        buf.push(b'\n');
        f.write_all(&buf)
            .map_err(|e| EventsError::io("append to events log", &self.path, e))?;
        let ino = f
            .metadata()
            .map_err(|e| EventsError::io("stat events log", &self.path, e))?
            .ino();
        let want = match meta {
            Some(m) if m.inode == ino => m,
            // A new file: continue the stream only when there was none before.
            _ => normalize(stored, ino),
        };
        if stored != Some(want) {
            write_meta(&mut lock, &want, &self.lock_path())?;
        }
        Ok(())
    }

    /// Keeps the newer half of the log (from the first line that starts after
    /// the middle), adds a rotation event, renames the result over the log.
    /// Called under the exclusive lock. Returns the new file's metadata.
    fn rotate(&self, lock: &mut Flock<File>, cur: Meta) -> Result<Meta> {
        let data = std::fs::read(&self.path)
            .map_err(|e| EventsError::io("read events log", &self.path, e))?;
        let half = data.len() / 2;
        let keep_from = data[half..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |i| half + i + 1);
        let mut marker = Event::new(EventType::System, EventStatus::Rotate);
        marker.name = self.path.display().to_string();
        let mut out = data[keep_from..].to_vec();
        out.extend_from_slice(marker.to_json()?.as_bytes());
        out.push(b'\n');
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let prefix = format!(
            ".{}.rotate-",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        // Under the exclusive lock no other rotation runs: any such file is
        // what a rotating process left when it died.
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let tmp = dir.join(format!("{prefix}{}", std::process::id()));
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| EventsError::io("create rotated events log", &tmp, e))?;
        // On disk before the rename that makes it the log (else a power loss could
        // leave an empty log in place of the events it kept).
        let written = f
            .write_all(&out)
            .and_then(|_| f.sync_all())
            .and_then(|_| f.metadata());
        let ino = match written {
            Ok(m) => m.ino(),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(EventsError::io("write rotated events log", &tmp, e));
            }
        };
        let next = Meta {
            inode: ino,
            base: cur.base + keep_from as u64,
            stream: cur.stream,
        };
        // Metadata first: a crash before the rename leaves it naming a file
        // that is not the log, which readers treat as unknown (read from start).
        write_meta(lock, &next, &self.lock_path())?;
        if let Err(e) = std::fs::rename(&tmp, &self.path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(EventsError::io("rename rotated events log", &self.path, e));
        }
        // The rename itself durable: fsync the directory it happened in.
        if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
            return Err(EventsError::io("fsync events log directory", dir, e));
        }
        tracing::debug!(log = %self.path.display(), dropped = keep_from, "events log rotated");
        Ok(next)
    }

    /// Every event in the log, oldest first (a missing log has none). Lines that
    /// are not events are skipped with a warning.
    pub fn read_all(&self) -> Result<Vec<Event>> {
        let _l = self.lock(false)?;
        let data = match std::fs::read(&self.path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(EventsError::io("read events log", &self.path, e)),
        };
        let mut out = Vec::new();
        parse_lines(&data, &self.path, &mut out);
        Ok(out)
    }

    /// A reader of new events: from the start of the log when `from_start`,
    /// else from its current end. Call [`Follower::poll`] repeatedly.
    pub fn follow(&self, from_start: bool) -> Follower {
        Follower {
            log: self.clone(),
            cur: None,
            from_start,
        }
    }
}

/// The metadata of the file with inode `ino`: the stored one if it is about
/// that file; the initial stream when none was ever stored; else a new stream.
fn normalize(stored: Option<Meta>, ino: u64) -> Meta {
    match stored {
        Some(m) if m.inode == ino => m,
        None => Meta {
            inode: ino,
            base: 0,
            stream: 0,
        },
        Some(_) => Meta {
            inode: ino,
            base: 0,
            stream: new_stream_id(),
        },
    }
}

fn new_stream_id() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (nanos ^ (u64::from(std::process::id()) << 40)) | 1
}

fn read_meta(f: &mut Flock<File>) -> Option<Meta> {
    let mut s = String::new();
    f.seek(SeekFrom::Start(0)).ok()?;
    f.read_to_string(&mut s).ok()?;
    serde_json::from_str(s.trim()).ok()
}

fn write_meta(f: &mut Flock<File>, m: &Meta, path: &Path) -> Result<()> {
    let text = serde_json::to_string(m).map_err(EventsError::Encode)?;
    let r = f
        .set_len(0)
        .and_then(|_| f.seek(SeekFrom::Start(0)))
        .and_then(|_| f.write_all(text.as_bytes()));
    r.map_err(|e| EventsError::io("write events lock", path, e))
}

/// Parses every complete line of `data` into `out`; returns the bytes consumed
/// (up to and including the last newline).
fn parse_lines(data: &[u8], path: &Path, out: &mut Vec<Event>) -> usize {
    let end = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    for line in data[..end].split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match std::str::from_utf8(line)
            .map_err(|e| e.to_string())
            .and_then(|s| Event::from_json(s).map_err(|e| e.to_string()))
        {
            Ok(ev) => out.push(ev),
            Err(e) => {
                tracing::warn!(log = %path.display(), error = %e, "skipping a line that is not an event")
            }
        }
    }
    end
}

/// The file a follower reads and where it is in it.
#[derive(Debug)]
struct Cursor {
    file: File,
    dev: u64,
    ino: u64,
    offset: u64,
    /// Stream and base of this file, when known.
    meta: Option<Meta>,
}

impl Cursor {
    /// Reads the complete lines after `offset` into `out`.
    fn read_new(&mut self, path: &Path, out: &mut Vec<Event>) -> Result<()> {
        let mut data = Vec::new();
        self.file
            .seek(SeekFrom::Start(self.offset))
            .and_then(|_| self.file.read_to_end(&mut data))
            .map_err(|e| EventsError::io("read events log", path, e))?;
        self.offset += parse_lines(&data, path, out) as u64;
        Ok(())
    }
}

/// Follows an events log: each [`Follower::poll`] returns the events appended
/// since the previous one, across rotations, each exactly once.
#[derive(Debug)]
pub struct Follower {
    log: EventLog,
    cur: Option<Cursor>,
    from_start: bool,
}

impl Follower {
    /// The log followed.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The events appended since the last call (the first call: since the
    /// start of the log or its end, as chosen), oldest first. A missing log
    /// has none yet.
    pub fn poll(&mut self) -> Result<Vec<Event>> {
        let path = self.log.path.clone();
        let mut lock = self.log.lock(false)?;
        let stored = read_meta(&mut lock);
        let st = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Removed (or not yet created): what the old file still had is ours.
                let mut out = Vec::new();
                if let Some(c) = &mut self.cur {
                    c.read_new(&path, &mut out)?;
                }
                self.from_start = true;
                return Ok(out);
            }
            Err(e) => return Err(EventsError::io("stat events log", &path, e)),
        };
        let now_meta = match stored {
            Some(m) if m.inode == st.ino() => Some(m),
            None => Some(normalize(None, st.ino())),
            Some(_) => None,
        };
        let mut out = Vec::new();
        let same = self
            .cur
            .as_ref()
            .is_some_and(|c| c.ino == st.ino() && c.dev == st.dev());
        if !same {
            let offset = match self.cur.take() {
                None if self.from_start => 0,
                None => st.len(),
                Some(mut old) => {
                    // Rotated or replaced: the old file is final; finish it first.
                    old.read_new(&path, &mut out)?;
                    match (old.meta, now_meta) {
                        (Some(o), Some(n)) if o.stream == n.stream => {
                            let pos = o.base + old.offset;
                            if pos >= n.base {
                                (pos - n.base).min(st.len())
                            } else {
                                tracing::warn!(
                                    log = %path.display(),
                                    lost_bytes = n.base - pos,
                                    "events reader fell behind the log's rotation; older events were dropped"
                                );
                                0
                            }
                        }
                        // Another stream (a replaced log): all of it is new.
                        _ => 0,
                    }
                }
            };
            let file =
                File::open(&path).map_err(|e| EventsError::io("open events log", &path, e))?;
            self.cur = Some(Cursor {
                file,
                dev: st.dev(),
                ino: st.ino(),
                offset,
                meta: now_meta,
            });
        }
        self.from_start = true;
        if let Some(c) = &mut self.cur {
            if c.meta.is_none() {
                // Same file, metadata written since (by an append): adopt it.
                c.meta = now_meta;
            }
            c.read_new(&path, &mut out)?;
        }
        drop(lock);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: usize) -> Event {
        Event {
            name: format!("e{n}"),
            ..Event::new(EventType::Image, EventStatus::Pull)
        }
    }

    #[test]
    fn rotation_keeps_the_newer_half_and_marks_it() {
        let d = tempfile::tempdir().unwrap();
        let log = EventLog::new(d.path().join("ev/events.log"), 2000);
        for i in 0..40 {
            log.append(&ev(i)).unwrap();
        }
        let all = log.read_all().unwrap();
        let size = std::fs::metadata(log.path()).unwrap().len();
        assert!(size < 2000 + 300, "{size}");
        assert!(all.iter().any(|e| e.status == EventStatus::Rotate));
        assert_eq!(all.last().unwrap().name, "e39");
        // Only the log and its lock: no rotation leftovers.
        let mut names: Vec<_> = std::fs::read_dir(d.path().join("ev"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["events.log", "events.log.lock"]);
        // Names that remain are in order, a suffix of what was written.
        let names: Vec<_> = all
            .iter()
            .filter(|e| e.kind == EventType::Image)
            .map(|e| e.name.clone())
            .collect();
        let first: usize = names[0][1..].parse().unwrap();
        let want: Vec<_> = (first..40).map(|i| format!("e{i}")).collect();
        assert_eq!(names, want);
    }

    #[test]
    fn follower_sees_each_event_once_across_rotations() {
        let d = tempfile::tempdir().unwrap();
        let log = EventLog::new(d.path().join("events.log"), 1500);
        let mut f = log.follow(true);
        let mut seen = Vec::new();
        for i in 0..200 {
            log.append(&ev(i)).unwrap();
            if i % 3 == 0 {
                seen.extend(f.poll().unwrap());
            }
        }
        seen.extend(f.poll().unwrap());
        let names: Vec<_> = seen
            .iter()
            .filter(|e| e.kind == EventType::Image)
            .map(|e| e.name.clone())
            .collect();
        let want: Vec<_> = (0..200).map(|i| format!("e{i}")).collect();
        assert_eq!(names, want);
        assert!(seen.iter().any(|e| e.status == EventStatus::Rotate));
    }

    #[test]
    fn follower_from_end_and_missing_log() {
        let d = tempfile::tempdir().unwrap();
        let log = EventLog::new(d.path().join("events.log"), 0);
        let mut f = log.follow(false);
        assert!(f.poll().unwrap().is_empty());
        assert!(log.read_all().unwrap().is_empty());
        log.append(&ev(1)).unwrap();
        assert_eq!(f.poll().unwrap().len(), 1);
        log.append(&ev(2)).unwrap();
        let mut g = log.follow(false);
        assert!(g.poll().unwrap().is_empty());
        log.append(&ev(3)).unwrap();
        assert_eq!(g.poll().unwrap()[0].name, "e3");
        assert_eq!(f.poll().unwrap().len(), 2);
    }
}
