//! A checker of fsync discipline over an `strace` recording.
//!
//! The rule lpod's writers follow: a file (or directory) is renamed into its committed
//! path only after its data reached the disk, and the rename itself is made durable by
//! syncing the directory it landed in. In syscalls: every `rename`/`renameat`/`renameat2`
//! whose destination is a committed path under one of the watched roots is
//!
//! - preceded, after the source was created, by `fsync`/`fdatasync` of the source (a
//!   file), or for a directory (one the trace shows made by `mkdir`) by an fsync of it
//!   and of every file and directory the trace shows created below it, each after its
//!   creation; a `syncfs`/`sync` in that window covers either; and
//! - followed by `fsync`/`fdatasync` of the destination's directory (or a `syncfs`/`sync`).
//!
//! Record with `strace -f -qq -y -e trace=DURABILITY_SYSCALLS -o FILE CMD...` (`-y` makes
//! strace print the path behind every descriptor, which is how an `fsync(5)` is tied to
//! a path). Temporary destinations (a name starting with `.tmp`, `.staging` or ending
//! in `.partial`, anything below a `tmp` directory of the root) are not committed paths.
//!
//! This proves ordering as the kernel saw it, not survival of a power cut: replaying
//! crash states (dm-log-writes) needs device-mapper, which the kernels of our machines
//! lack.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The syscalls to record (`strace -e trace=...`).
pub const DURABILITY_SYSCALLS: &str =
    "rename,renameat,renameat2,fsync,fdatasync,syncfs,sync,openat,open,creat,mkdir,mkdirat";

/// One rename that broke the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rename's source.
    pub from: PathBuf,
    /// The rename's destination (a committed path).
    pub to: PathBuf,
    /// What was missing.
    pub missing: &'static str,
    /// The trace line of the rename.
    pub line: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rename {} -> {}: {} ({})",
            self.from.display(),
            self.to.display(),
            self.missing,
            self.line
        )
    }
}

/// What the checker saw, for a test to assert it checked something.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TraceSummary {
    /// Renames into committed paths under the roots.
    pub committed_renames: Vec<PathBuf>,
    /// Every violation.
    pub violations: Vec<Violation>,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    /// fsync/fdatasync of a path.
    Sync(PathBuf),
    /// syncfs/sync: everything written so far.
    SyncAll,
    /// A path created (`dir` = by mkdir).
    Created { path: PathBuf, dir: bool },
    /// A successful rename.
    Rename { from: PathBuf, to: PathBuf },
}

/// Checks a recording (the text of `strace -f -y -o FILE`) against the rule, for renames
/// whose destination lies under one of `roots`.
pub fn check_trace(trace: &str, roots: &[&Path]) -> TraceSummary {
    let events = parse(trace);
    let mut out = TraceSummary::default();
    for (i, (ev, line)) in events.iter().enumerate() {
        let Event::Rename { from, to } = ev else {
            continue;
        };
        if !committed(to, roots) {
            continue;
        }
        out.committed_renames.push(to.clone());
        // Where the source was created last (the window in which a sync counts).
        let (born, is_dir) = events[..i]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(j, (e, _))| match e {
                Event::Created { path, dir } if path == from => Some((j, *dir)),
                Event::Rename { to: t, .. } if t == from => Some((j, false)),
                _ => None,
            })
            .unwrap_or((0, false));
        let window = &events[born..i];
        let synced_after = |k: usize, path: &Path| {
            window[k..].iter().any(|(e, _)| match e {
                Event::SyncAll => true,
                Event::Sync(p) => p == path,
                _ => false,
            })
        };
        let synced_before = if window.iter().any(|(e, _)| *e == Event::SyncAll) {
            true
        } else if is_dir {
            // The directory itself, and everything created below it, each synced after
            // its creation.
            synced_after(0, from)
                && window.iter().enumerate().all(|(k, (e, _))| match e {
                    Event::Created { path, .. } if path.starts_with(from) && path != from => {
                        synced_after(k, path)
                    }
                    _ => true,
                })
        } else {
            synced_after(0, from)
        };
        if !synced_before {
            out.violations.push(Violation {
                from: from.clone(),
                to: to.clone(),
                missing: if is_dir {
                    "the directory or something created below it was not fsynced before the rename"
                } else {
                    "no fsync of the file before the rename"
                },
                line: line.clone(),
            });
        }
        let parent = to.parent().unwrap_or(Path::new("/"));
        let synced_after = events[i + 1..].iter().any(|(e, _)| match e {
            Event::SyncAll => true,
            Event::Sync(p) => p == parent,
            _ => false,
        });
        if !synced_after {
            out.violations.push(Violation {
                from: from.clone(),
                to: to.clone(),
                missing: "no fsync of the destination directory after the rename",
                line: line.clone(),
            });
        }
    }
    out
}

/// A committed destination: under a root, and not a temporary name.
fn committed(to: &Path, roots: &[&Path]) -> bool {
    let Some(rel) = roots.iter().find_map(|r| to.strip_prefix(r).ok()) else {
        return false;
    };
    let comps: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = comps.last().cloned().unwrap_or_default();
    let temp_dir = comps[..comps.len().saturating_sub(1)]
        .iter()
        .any(|c| c == "tmp" || c.starts_with(".staging") || c.starts_with(".tmp"));
    !(temp_dir
        || last.starts_with(".tmp")
        || last.starts_with(".staging")
        || last.ends_with(".partial"))
}

/// Parses the trace into events (with their line), joining `<unfinished ...>` halves.
fn parse(trace: &str) -> Vec<(Event, String)> {
    let mut pending: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for raw in trace.lines() {
        let (pid, rest) = match raw.split_once(' ') {
            Some((p, r)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                (p.to_string(), r.trim_start())
            }
            _ => (String::new(), raw),
        };
        let line = if let Some(start) = rest.strip_suffix("<unfinished ...>") {
            pending.insert(pid, start.trim_end().to_string());
            continue;
        } else if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some((_, tail)) = resumed.split_once("resumed>") else {
                continue;
            };
            match pending.remove(&pid) {
                Some(start) => format!("{start}{tail}"),
                None => continue,
            }
        } else {
            rest.to_string()
        };
        if let Some(ev) = parse_call(&line) {
            out.push((ev, raw.to_string()));
        }
    }
    out
}

/// One complete call `name(args) = ret`.
fn parse_call(line: &str) -> Option<Event> {
    let (name, after) = line.split_once('(')?;
    let (args, ret) = after.rsplit_once(") = ")?;
    let ret_num: i64 = ret
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .next()?
        .parse()
        .ok()?;
    if ret_num < 0 {
        return None;
    }
    let args = split_args(args);
    match name.trim() {
        "fsync" | "fdatasync" => fd_path(args.first()?).map(Event::Sync),
        "syncfs" | "sync" => Some(Event::SyncAll),
        "rename" => Some(Event::Rename {
            from: PathBuf::from(unquote(args.first()?)?),
            to: PathBuf::from(unquote(args.get(1)?)?),
        }),
        "renameat" | "renameat2" => Some(Event::Rename {
            from: at_path(args.first()?, args.get(1)?)?,
            to: at_path(args.get(2)?, args.get(3)?)?,
        }),
        "openat" | "open" | "creat" => {
            let flags_at = if name.trim() == "openat" { 2 } else { 1 };
            let creates =
                name.trim() == "creat" || args.get(flags_at).is_some_and(|f| f.contains("O_CREAT"));
            // With -y the returned descriptor names the opened file.
            let path = fd_path(ret.trim())?;
            creates.then_some(Event::Created { path, dir: false })
        }
        "mkdir" => Some(Event::Created {
            path: PathBuf::from(unquote(args.first()?)?),
            dir: true,
        }),
        "mkdirat" => Some(Event::Created {
            path: at_path(args.first()?, args.get(1)?)?,
            dir: true,
        }),
        _ => None,
    }
}

/// Splits an argument list at top-level commas (not inside quotes, `<...>`, `[...]`, `{...}`).
fn split_args(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut esc = false;
    for c in args.chars() {
        if in_str {
            cur.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                cur.push(c);
            }
            '<' | '[' | '{' | '(' => {
                depth += 1;
                cur.push(c);
            }
            '>' | ']' | '}' | ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// `"text"` to text (strace's C escapes for `\"`, `\\`, `\n`, `\t`, `\xNN`).
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?;
    let inner = inner.strip_suffix("...").unwrap_or(inner);
    let inner = inner.strip_suffix('"')?;
    let mut out = Vec::new();
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next()? {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'x' => {
                let h: String = [it.next()?, it.next()?]
                    .iter()
                    .map(|&b| b as char)
                    .collect();
                out.push(u8::from_str_radix(&h, 16).ok()?);
            }
            other => out.push(other),
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `3</some/path>` (or `AT_FDCWD</cwd>`) to the path.
fn fd_path(s: &str) -> Option<PathBuf> {
    let start = s.find('<')?;
    let end = s.rfind('>')?;
    (end > start).then(|| PathBuf::from(&s[start + 1..end]))
}

/// A `*at` call's (dirfd, "path") pair to an absolute path.
fn at_path(dirfd: &str, path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(unquote(path)?);
    if p.is_absolute() {
        return Some(p);
    }
    Some(fd_path(dirfd)?.join(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/r";

    fn check(trace: &str) -> TraceSummary {
        check_trace(trace, &[Path::new(ROOT)])
    }

    #[test]
    fn a_disciplined_write_passes() {
        let t = r#"
10 openat(AT_FDCWD</cwd>, "/r/.tmp-1", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 3</r/.tmp-1>
10 fsync(3</r/.tmp-1>) = 0
10 rename("/r/.tmp-1", "/r/images.json") = 0
10 openat(AT_FDCWD</cwd>, "/r", O_RDONLY|O_CLOEXEC) = 3</r>
10 fsync(3</r>) = 0
"#;
        let s = check(t);
        assert_eq!(s.committed_renames, vec![PathBuf::from("/r/images.json")]);
        assert!(s.violations.is_empty(), "{:?}", s.violations);
    }

    #[test]
    fn a_rename_without_the_file_fsync_fails() {
        let t = r#"
10 openat(AT_FDCWD</cwd>, "/r/.tmp-1", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 3</r/.tmp-1>
10 rename("/r/.tmp-1", "/r/images.json") = 0
10 fsync(4</r>) = 0
"#;
        let s = check(t);
        assert_eq!(s.violations.len(), 1, "{:?}", s.violations);
        assert_eq!(
            s.violations[0].missing,
            "no fsync of the file before the rename"
        );
    }

    #[test]
    fn a_rename_without_the_directory_fsync_fails() {
        let t = r#"
10 openat(AT_FDCWD</cwd>, "/r/.tmp-1", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 3</r/.tmp-1>
10 fsync(3</r/.tmp-1>) = 0
10 rename("/r/.tmp-1", "/r/images.json") = 0
10 fsync(4</elsewhere>) = 0
"#;
        let s = check(t);
        assert_eq!(s.violations.len(), 1, "{:?}", s.violations);
        assert_eq!(
            s.violations[0].missing,
            "no fsync of the destination directory after the rename"
        );
    }

    #[test]
    fn a_sync_before_the_source_was_recreated_does_not_count() {
        let t = r#"
10 fsync(3</r/.tmp-1>) = 0
10 openat(AT_FDCWD</cwd>, "/r/.tmp-1", O_WRONLY|O_CREAT|O_TRUNC, 0600) = 3</r/.tmp-1>
10 rename("/r/.tmp-1", "/r/x.json") = 0
10 syncfs(5</r>) = 0
"#;
        let s = check(t);
        assert_eq!(s.violations.len(), 1, "{:?}", s.violations);
    }

    #[test]
    fn a_directory_needs_its_tree_synced_and_renameat_resolves_dirfds() {
        // The directory is synced, a file created inside it is not.
        let bad = r#"
10 mkdir("/r/tmp/stage/abc", 0700) = 0
10 openat(3</r/tmp/stage/abc>, "f", O_WRONLY|O_CREAT|O_EXCL, 0644) = 5</r/tmp/stage/abc/f>
10 fsync(3</r/tmp/stage/abc>) = 0
10 renameat(AT_FDCWD</cwd>, "/r/tmp/stage/abc", 4</r/overlay>, "abc") = 0
10 fsync(4</r/overlay>) = 0
"#;
        let s = check(bad);
        assert_eq!(s.committed_renames, vec![PathBuf::from("/r/overlay/abc")]);
        assert_eq!(s.violations.len(), 1, "{:?}", s.violations);
        // Every file and directory below synced after its creation.
        let tree = r#"
10 mkdir("/r/tmp/stage/abc", 0700) = 0
10 mkdirat(3</r/tmp/stage/abc>, "sub", 0755) = 0
10 openat(3</r/tmp/stage/abc>, "sub/f", O_WRONLY|O_CREAT|O_EXCL, 0644) = 5</r/tmp/stage/abc/sub/f>
10 fsync(5</r/tmp/stage/abc/sub/f>) = 0
10 fsync(6</r/tmp/stage/abc/sub>) = 0
10 fsync(3</r/tmp/stage/abc>) = 0
10 renameat(AT_FDCWD</cwd>, "/r/tmp/stage/abc", 4</r/overlay>, "abc") = 0
10 fsync(4</r/overlay>) = 0
"#;
        assert!(check(tree).violations.is_empty(), "{:?}", check(tree));
        // Or one syncfs.
        let good = r#"
10 mkdir("/r/tmp/stage/abc", 0700) = 0
10 openat(3</r/tmp/stage/abc>, "f", O_WRONLY|O_CREAT|O_EXCL, 0644) = 5</r/tmp/stage/abc/f>
10 syncfs(3</r>) = 0
10 renameat2(AT_FDCWD</cwd>, "/r/tmp/stage/abc", 4</r/overlay>, "abc", RENAME_NOREPLACE) = 0
10 fsync(4</r/overlay>) = 0
"#;
        assert!(check(good).violations.is_empty());
    }

    #[test]
    fn temp_destinations_failed_calls_and_other_roots_are_ignored() {
        let t = r#"
10 rename("/r/a", "/r/tmp/b") = 0
10 rename("/r/a", "/r/.tmp-9") = 0
10 rename("/r/a", "/r/blob.partial") = 0
10 rename("/r/a", "/r/x") = -1 ENOENT (No such file or directory)
10 rename("/elsewhere/a", "/elsewhere/b") = 0
"#;
        let s = check(t);
        assert!(s.committed_renames.is_empty(), "{s:?}");
    }

    #[test]
    fn unfinished_calls_are_joined_per_process() {
        let t = r#"
10 openat(AT_FDCWD</cwd>, "/r/.tmp-1", O_WRONLY|O_CREAT, 0600) = 3</r/.tmp-1>
10 fsync(3</r/.tmp-1> <unfinished ...>
11 fsync(7</other>) = 0
10 <... fsync resumed>) = 0
10 rename("/r/.tmp-1", "/r/c.json" <unfinished ...>
10 <... rename resumed>) = 0
11 fsync(3</r>) = 0
"#;
        let s = check(t);
        assert_eq!(s.committed_renames.len(), 1);
        assert!(s.violations.is_empty(), "{:?}", s.violations);
    }
}
