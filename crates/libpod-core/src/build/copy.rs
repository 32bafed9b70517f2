//! `COPY` and `ADD`: files of the build context into a step's container, with the
//! Dockerfile rules. A source is resolved inside the context (`..` or a symlink that
//! leaves it is refused); the last component may hold `*` and `?` wildcards. A source
//! directory's contents are copied, not the directory; a symlink below it is copied as
//! a symlink. The destination is a directory when it ends in `/`, when there are several
//! sources, or when the image has a directory there; missing directories are made
//! (mode 0755). Files are owned by root, or by `--chown=UID[:GID]`. `ADD` also unpacks a
//! local tar archive (plain, gzip or zstd) into the destination directory; URLs are
//! refused. The files reach the container as a tar stream through `cp`'s hardened
//! extraction, so the image's own symlinks cannot lead a write out of its root.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::BuildError;
use crate::container::copy::{CopyEnd, CopyOptions, Side};
use crate::{Result, Runtime};

/// A `COPY` or `ADD` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInstruction {
    /// `ADD` (unpacks local archives) rather than `COPY`.
    pub add: bool,
    /// The sources, relative to the build context.
    pub sources: Vec<String>,
    /// The destination in the image (relative paths start at the working directory).
    pub dest: String,
    /// `--chown=UID[:GID]` (numeric).
    pub chown: Option<(u32, u32)>,
}

impl CopyInstruction {
    /// `ADD` or `COPY`.
    pub fn keyword(&self) -> &'static str {
        if self.add {
            "ADD"
        } else {
            "COPY"
        }
    }
}

/// Parses the arguments of `COPY`/`ADD` (`kw`), both forms, with `--chown`.
pub(super) fn parse(
    line: usize,
    kw: &str,
    arg: &str,
    invalid: impl Fn() -> BuildError,
) -> std::result::Result<CopyInstruction, BuildError> {
    let mut rest = arg.trim();
    let mut chown = None;
    while let Some(flag_and_more) = rest.strip_prefix("--") {
        let (flag, more) = flag_and_more
            .split_once(char::is_whitespace)
            .unwrap_or((flag_and_more, ""));
        match flag.split_once('=') {
            Some(("chown", v)) => chown = Some(parse_chown(v).ok_or_else(&invalid)?),
            _ => {
                return Err(BuildError::Unsupported {
                    line,
                    instruction: format!("{kw} --{flag}"),
                })
            }
        }
        rest = more.trim_start();
    }
    let words: Vec<String> = if rest.starts_with('[') {
        serde_json::from_str(rest).map_err(|_| invalid())?
    } else {
        rest.split_whitespace().map(str::to_string).collect()
    };
    let Some((dest, sources)) = words.split_last() else {
        return Err(invalid());
    };
    if sources.is_empty() || dest.is_empty() {
        return Err(invalid());
    }
    if sources.iter().any(|s| s.contains("://")) {
        return Err(BuildError::Unsupported {
            line,
            instruction: format!("{kw} from a URL"),
        });
    }
    Ok(CopyInstruction {
        add: kw == "ADD",
        sources: sources.to_vec(),
        dest: dest.clone(),
        chown,
    })
}

/// `UID[:GID]`, numeric (a GID defaults to the UID, as Docker's).
fn parse_chown(v: &str) -> Option<(u32, u32)> {
    let (u, g) = v.split_once(':').unwrap_or((v, v));
    Some((u.parse().ok()?, g.parse().ok()?))
}

/// One thing to put in the container, relative to the target directory.
enum Entry {
    Dir { name: PathBuf, mode: u32 },
    File { name: PathBuf, host: PathBuf },
    Symlink { name: PathBuf, target: PathBuf },
}

/// A source resolved in the context.
struct Source {
    host: PathBuf,
    is_dir: bool,
}

/// The context path a source names (lexically inside the context, then no symlink may
/// take it out).
fn resolve(line: usize, context: &Path, src: &str) -> std::result::Result<PathBuf, BuildError> {
    let outside = || BuildError::OutsideContext {
        line,
        path: src.to_string(),
    };
    let mut rel = PathBuf::new();
    for c in Path::new(src).components() {
        match c {
            Component::Normal(n) => rel.push(n),
            Component::ParentDir => {
                if !rel.pop() {
                    return Err(outside());
                }
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(context.join(rel))
}

fn canonical_inside(
    line: usize,
    ctx: &Path,
    path: &Path,
    src: &str,
) -> std::result::Result<PathBuf, BuildError> {
    let real = path.canonicalize().map_err(|source| BuildError::Source {
        line,
        path: src.to_string(),
        source,
    })?;
    if !real.starts_with(ctx) {
        return Err(BuildError::OutsideContext {
            line,
            path: src.to_string(),
        });
    }
    Ok(real)
}

/// `*` (any run) and `?` (one character) over one file name.
fn wildcard_match(pat: &[char], name: &[char]) -> bool {
    match pat.split_first() {
        None => name.is_empty(),
        Some(('*', rest)) => (0..=name.len()).any(|i| wildcard_match(rest, &name[i..])),
        Some(('?', rest)) => !name.is_empty() && wildcard_match(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && wildcard_match(rest, &name[1..]),
    }
}

/// The sources of `ins`, wildcards expanded (sorted), each inside the context.
fn sources(
    line: usize,
    context: &Path,
    ins: &CopyInstruction,
) -> std::result::Result<Vec<Source>, BuildError> {
    let ctx = context
        .canonicalize()
        .map_err(|source| BuildError::Source {
            line,
            path: context.display().to_string(),
            source,
        })?;
    let mut out = Vec::new();
    for src in &ins.sources {
        let lexical = resolve(line, &ctx, src)?;
        let name = lexical
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let paths = if name.contains(['*', '?']) {
            let parent = lexical.parent().unwrap_or(&ctx);
            let parent = canonical_inside(line, &ctx, parent, src)?;
            let pat: Vec<char> = name.chars().collect();
            let mut found: Vec<PathBuf> = fs::read_dir(&parent)
                .map_err(|source| BuildError::Source {
                    line,
                    path: src.clone(),
                    source,
                })?
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let n: Vec<char> = e.file_name().to_string_lossy().chars().collect();
                    wildcard_match(&pat, &n)
                })
                .map(|e| e.path())
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(BuildError::Source {
                    line,
                    path: src.clone(),
                    source: io::Error::new(io::ErrorKind::NotFound, "no file matches"),
                });
            }
            found
        } else {
            vec![lexical]
        };
        for p in paths {
            let host = canonical_inside(line, &ctx, &p, src)?;
            let is_dir = host.is_dir();
            // A fifo, socket or device would block or make no sense as a layer's file.
            if !is_dir && !host.is_file() {
                return Err(BuildError::Source {
                    line,
                    path: src.clone(),
                    source: io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "not a regular file or directory",
                    ),
                });
            }
            out.push(Source { host, is_dir });
        }
    }
    Ok(out)
}

/// The contents of the host directory `dir`, below `prefix`, in a stable order.
fn walk(dir: &Path, prefix: &Path, out: &mut Vec<Entry>) -> io::Result<()> {
    let mut names: Vec<_> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()?;
    names.sort();
    for n in names {
        let host = dir.join(&n);
        let name = prefix.join(&n);
        let md = fs::symlink_metadata(&host)?;
        if md.file_type().is_symlink() {
            out.push(Entry::Symlink {
                name,
                target: fs::read_link(&host)?,
            });
        } else if md.is_dir() {
            out.push(Entry::Dir {
                name: name.clone(),
                mode: md.permissions().mode() & 0o7777,
            });
            walk(&host, &name, out)?;
        } else if md.is_file() {
            out.push(Entry::File { name, host });
        }
        // Sockets, fifos and devices of the context are not copied (as Docker).
    }
    Ok(())
}

/// Whether the host file is a tar archive (plain, gzip or zstd): `ADD` unpacks those.
fn is_archive(path: &Path) -> bool {
    let Ok(f) = fs::File::open(path) else {
        return false;
    };
    let Ok((_, mut plain)) = libpod_storage::archive::decompress(f) else {
        return false;
    };
    let mut head = Vec::with_capacity(512);
    if (&mut plain).take(512).read_to_end(&mut head).is_err() {
        return false;
    }
    crate::container::copy::looks_like_tar(&head)
}

fn header(
    kind: tar::EntryType,
    mode: u32,
    owner: (u32, u32),
    size: u64,
    mtime: u64,
) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(u64::from(owner.0));
    h.set_gid(u64::from(owner.1));
    h.set_size(size);
    h.set_mtime(mtime);
    h
}

impl Runtime {
    /// Copies the sources of `ins` from `context` into the (created, not running)
    /// container `id`, as the module docs say.
    pub(super) fn build_copy(
        &self,
        id: &str,
        line: usize,
        ins: &CopyInstruction,
        context: Option<&Path>,
    ) -> Result<()> {
        let kw = ins.keyword();
        let context = context.ok_or_else(|| BuildError::NoContext {
            line,
            instruction: kw.to_string(),
        })?;
        let srcs = sources(line, context, ins)?;
        let owner = ins.chown.unwrap_or((0, 0));
        let src_err = |path: &Path| {
            let path = path.display().to_string();
            move |source: io::Error| BuildError::Source { line, path, source }
        };

        // Where the files go, and what of that path the image lacks.
        let side = Side::container_rootfs(self, id)?;
        let dest = Path::new("/").join(side.workdir.join(&ins.dest));
        let dest_is_dir = side
            .root
            .locate(&dest)
            .is_ok_and(|l| l.exists() && l.is_dir());
        let into_dir = ins.dest.ends_with('/') || srcs.len() > 1 || dest_is_dir;
        let unpack = |s: &Source| ins.add && !s.is_dir && is_archive(&s.host);
        let (target, single_name) = match srcs.as_slice() {
            [s] if !into_dir && !s.is_dir && !unpack(s) => (
                dest.parent().unwrap_or(Path::new("/")).to_path_buf(),
                dest.file_name().map(PathBuf::from),
            ),
            _ => (dest.clone(), None),
        };
        // The deepest existing directory on the way to the target.
        let mut anchor = target.clone();
        let mut missing: Vec<PathBuf> = Vec::new();
        loop {
            match side.root.locate(&anchor) {
                Ok(l) if l.exists() && l.is_dir() => break,
                Ok(l) if l.exists() => {
                    return Err(BuildError::DestNotDir {
                        line,
                        path: ins.dest.clone(),
                        what: anchor.display().to_string(),
                    }
                    .into())
                }
                _ => {}
            }
            let Some(parent) = anchor.parent().map(Path::to_path_buf) else {
                break;
            };
            missing.push(anchor.file_name().map(PathBuf::from).unwrap_or_default());
            anchor = parent;
        }
        drop(side);
        let mut rel_target = PathBuf::new();
        let mut entries = Vec::new();
        for m in missing.iter().rev() {
            rel_target.push(m);
            entries.push(Entry::Dir {
                name: rel_target.clone(),
                mode: 0o755,
            });
        }
        let mut archives = Vec::new();
        for s in &srcs {
            if s.is_dir {
                walk(&s.host, &rel_target, &mut entries).map_err(src_err(&s.host))?;
            } else if unpack(s) {
                archives.push(s.host.clone());
            } else {
                let name = match &single_name {
                    Some(n) => rel_target.join(n),
                    None => rel_target.join(s.host.file_name().unwrap_or_default()),
                };
                entries.push(Entry::File {
                    name,
                    host: s.host.clone(),
                });
            }
        }

        let mut b = tar::Builder::new(Vec::new());
        for e in &entries {
            match e {
                Entry::Dir { name, mode } => {
                    let mut h = header(tar::EntryType::Directory, *mode, owner, 0, 0);
                    b.append_data(&mut h, name, io::empty())
                        .map_err(src_err(name))?;
                }
                Entry::File { name, host } => {
                    let f = fs::File::open(host).map_err(src_err(host))?;
                    let md = f.metadata().map_err(src_err(host))?;
                    let mtime = u64::try_from(md.mtime()).unwrap_or(0);
                    let mut h = header(
                        tar::EntryType::Regular,
                        md.permissions().mode() & 0o7777,
                        owner,
                        md.len(),
                        mtime,
                    );
                    b.append_data(&mut h, name, f).map_err(src_err(host))?;
                }
                Entry::Symlink { name, target } => {
                    let mut h = header(tar::EntryType::Symlink, 0o777, owner, 0, 0);
                    b.append_link(&mut h, name, target).map_err(src_err(name))?;
                }
            }
        }
        let tar = b.into_inner().map_err(src_err(context))?;
        let into = |path: &Path, reader: &mut dyn Read| {
            self.copy(
                &CopyEnd::Stream,
                &CopyEnd::Container {
                    container: id.to_string(),
                    path: path.display().to_string(),
                },
                CopyOptions {
                    archive: false,
                    overwrite: false,
                },
                reader,
                &mut io::sink(),
            )
        };
        if !entries.is_empty() {
            into(&anchor, &mut io::Cursor::new(tar))?;
        }
        for a in archives {
            let mut f = fs::File::open(&a).map_err(src_err(&a))?;
            into(&target, &mut f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> BuildError {
        BuildError::Empty
    }

    #[test]
    fn both_forms_and_chown() {
        let c = parse(3, "COPY", "--chown=5:6 a b /dst/", inv).unwrap();
        assert_eq!(
            c,
            CopyInstruction {
                add: false,
                sources: vec!["a".into(), "b".into()],
                dest: "/dst/".into(),
                chown: Some((5, 6)),
            }
        );
        let c = parse(3, "ADD", r#"["x y", "/z"]"#, inv).unwrap();
        assert_eq!(
            (c.add, c.sources, c.dest),
            (true, vec!["x y".into()], "/z".into())
        );
        assert_eq!(
            parse(1, "COPY", "--chown=7 a b", inv).unwrap().chown,
            Some((7, 7))
        );
        assert!(matches!(
            parse(1, "COPY", "onlyone", inv),
            Err(BuildError::Empty)
        ));
        assert!(matches!(
            parse(1, "COPY", "--from=stage a b", inv),
            Err(BuildError::Unsupported { .. })
        ));
        assert!(matches!(
            parse(1, "ADD", "https://example.com/x /x", inv),
            Err(BuildError::Unsupported { .. })
        ));
        assert!(matches!(
            parse(1, "COPY", "--chown=bob a b", inv),
            Err(BuildError::Empty)
        ));
    }

    #[test]
    fn wildcards_match_one_name() {
        let m = |p: &str, n: &str| {
            wildcard_match(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("*.txt", "a.txt") && m("a?c", "abc") && m("*", "") && m("a*b*c", "aXbYc"));
        assert!(!m("*.txt", "a.txt.gz") && !m("a?c", "ac"));
    }

    #[test]
    fn sources_stay_in_the_context() {
        let ctx = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(ctx.path().join("f.txt"), "x").unwrap();
        fs::write(outside.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), ctx.path().join("link")).unwrap();
        let ins = |src: &str| CopyInstruction {
            add: false,
            sources: vec![src.into()],
            dest: "/d".into(),
            chown: None,
        };
        assert_eq!(sources(1, ctx.path(), &ins("f.txt")).unwrap().len(), 1);
        assert_eq!(sources(1, ctx.path(), &ins("/f.txt")).unwrap().len(), 1);
        assert_eq!(sources(1, ctx.path(), &ins("*.txt")).unwrap().len(), 1);
        for bad in ["../x", "a/../../x", "link"] {
            assert!(
                matches!(
                    sources(1, ctx.path(), &ins(bad)),
                    Err(BuildError::OutsideContext { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            sources(1, ctx.path(), &ins("nonesuch")),
            Err(BuildError::Source { .. })
        ));
        assert!(matches!(
            sources(1, ctx.path(), &ins("*.none")),
            Err(BuildError::Source { .. })
        ));
        // A fifo is refused, not opened (which would block the build).
        nix::unistd::mkfifo(&ctx.path().join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        let e = sources(1, ctx.path(), &ins("fifo")).err().unwrap();
        assert!(
            e.to_string().contains("not a regular file or directory"),
            "{e}"
        );
    }
}
