//! Helpers shared by lpod's fuzz targets: a readable text form of a tar archive (so seed
//! corpora are small text files and mutations keep tar checksums valid) and a sandbox that
//! notices any write outside the directory a target was given.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Builds a tar archive from the text form, or `None` when `data` is not in it.
///
/// The text form is a sequence of entries, each a header line then a body:
///
/// ```text
/// === f etc/passwd          regular file; body = content up to the next "\n=== "
/// === d etc/                directory (body ignored)
/// === l etc/link -> target  symbolic link
/// === h etc/hard => target  hard link
/// === p run/fifo            named pipe
/// === c dev/null 1 3        character device major minor
/// ```
///
/// A header may end with ` mode=0755 uid=1 gid=2` (octal mode). Paths are written raw
/// (absolute paths, `..`, whiteouts `.wh.NAME` and `.wh..wh..opq` included): the reader under
/// test must cope with anything.
pub fn tar_from_text(data: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(data).ok()?;
    let rest = text.strip_prefix("=== ")?;
    let mut builder = tar::Builder::new(Vec::new());
    for chunk in rest.split("\n=== ") {
        let (head, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let mut words: Vec<&str> = head.split(' ').collect();
        let mut mode = None;
        let mut uid = 0;
        let mut gid = 0;
        words.retain(|w| {
            if let Some(m) = w.strip_prefix("mode=") {
                mode = u32::from_str_radix(m, 8).ok();
                false
            } else if let Some(u) = w.strip_prefix("uid=") {
                uid = u.parse().unwrap_or(0);
                false
            } else if let Some(g) = w.strip_prefix("gid=") {
                gid = g.parse().unwrap_or(0);
                false
            } else {
                true
            }
        });
        let (kind, path) = match words.as_slice() {
            [k, p, ..] => (*k, *p),
            _ => continue,
        };
        let mut h = tar::Header::new_gnu();
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(1_577_836_800);
        let mut content: &[u8] = &[];
        match kind {
            "f" => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(mode.unwrap_or(0o644));
                content = body.as_bytes();
            }
            "d" => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(mode.unwrap_or(0o755));
            }
            "l" | "h" => {
                let target = words.get(3).copied().unwrap_or("");
                h.set_entry_type(if kind == "l" {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_mode(mode.unwrap_or(0o777));
                // Raw bytes: set_link_name refuses some hostile names, a real attacker does not.
                set_raw_name(h.as_old_mut().linkname.as_mut_slice(), target);
            }
            "p" => {
                h.set_entry_type(tar::EntryType::Fifo);
                h.set_mode(mode.unwrap_or(0o644));
            }
            "c" => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_mode(mode.unwrap_or(0o644));
                let _ = h.set_device_major(words.get(2).and_then(|w| w.parse().ok()).unwrap_or(0));
                let _ = h.set_device_minor(words.get(3).and_then(|w| w.parse().ok()).unwrap_or(0));
            }
            _ => continue,
        }
        set_raw_name(h.as_old_mut().name.as_mut_slice(), path);
        h.set_size(content.len() as u64);
        h.set_cksum();
        builder.append(&h, content).ok()?;
    }
    builder.into_inner().ok()
}

fn set_raw_name(field: &mut [u8], name: &str) {
    let b = name.as_bytes();
    let n = b.len().min(field.len());
    field.fill(0);
    field[..n].copy_from_slice(&b[..n]);
}

/// A fixed directory with the tree a target may write (`root()`) next to canary files it
/// must never touch. The path is fixed (not random) so seed inputs can name it in absolute
/// symlinks; one fuzz process at a time holds it (`cargo xtask fuzz` runs one worker).
pub struct Sandbox {
    base: PathBuf,
    before: BTreeMap<PathBuf, String>,
}

/// Where the sandbox lives.
pub const SANDBOX: &str = "/tmp/lpod-fuzz-sandbox";

/// Host paths an absolute-symlink escape would create (checked not to exist afterwards).
const HOST_CANARIES: &[&str] = &["/outside", "/escaped", "/tmp/escaped", "/etc/escaped"];

impl Sandbox {
    /// Makes (or re-makes) the sandbox: `root/` empty, `outside/` with canaries.
    pub fn new() -> Sandbox {
        let base = PathBuf::from(SANDBOX);
        if base.exists() {
            fs::remove_dir_all(&base).expect("removing the old sandbox");
        }
        fs::create_dir_all(base.join("root")).expect("sandbox root");
        fs::create_dir_all(base.join("outside/dir")).expect("sandbox outside");
        fs::write(base.join("outside/file"), b"canary").expect("canary");
        fs::write(base.join("outside/dir/file"), b"canary").expect("canary");
        let mut s = Sandbox {
            base,
            before: BTreeMap::new(),
        };
        s.before = s.snapshot();
        for c in HOST_CANARIES {
            assert!(
                !Path::new(c).exists(),
                "host canary {c} exists before fuzzing"
            );
        }
        s
    }

    /// The directory the target may write into.
    pub fn root(&self) -> PathBuf {
        self.base.join("root")
    }

    /// Empties `root()` for the next input.
    pub fn reset(&self) {
        let root = self.root();
        if root.exists() {
            make_writable(&root);
            fs::remove_dir_all(&root).expect("emptying the sandbox root");
        }
        fs::create_dir_all(&root).expect("sandbox root");
    }

    /// Panics when anything outside `root()` changed.
    pub fn assert_nothing_outside(&self) {
        let now = self.snapshot();
        assert_eq!(self.before, now, "a write escaped the target's root");
        for c in HOST_CANARIES {
            assert!(!Path::new(c).exists(), "a write escaped to the host: {c}");
        }
    }

    fn snapshot(&self) -> BTreeMap<PathBuf, String> {
        let mut out = BTreeMap::new();
        walk(&self.base, &self.base.join("root"), &mut out);
        out
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

fn walk(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, String>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p == skip {
            continue;
        }
        let Ok(md) = fs::symlink_metadata(&p) else {
            continue;
        };
        let mut content = Vec::new();
        if md.is_file() {
            if let Ok(mut f) = fs::File::open(&p) {
                let _ = f.read_to_end(&mut content);
            }
        }
        out.insert(
            p.clone(),
            format!(
                "mode={:o} uid={} gid={} len={} {:?}",
                md.mode(),
                md.uid(),
                md.gid(),
                md.len(),
                content
            ),
        );
        if md.is_dir() {
            walk(&p, skip, out);
        }
    }
}

/// Directories extracted with mode 0 still let root remove them, but make them writable
/// anyway so a non-root run can clean up too.
fn make_writable(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if let Ok(md) = fs::symlink_metadata(&p) {
            if md.is_dir() {
                let _ = fs::set_permissions(&p, fs::Permissions::from_mode(0o700));
                make_writable(&p);
            }
        }
    }
}
