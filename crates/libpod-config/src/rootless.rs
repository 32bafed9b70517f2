//! Rootless mode: who the caller is, where an unprivileged user's lpod keeps its data,
//! and the user's subordinate id ranges (`/etc/subuid`, `/etc/subgid`).
//!
//! A process is rootless when its effective uid is not 0, or when it is uid 0 only inside
//! a user namespace that maps it onto another host uid (an lpod command that joined the
//! per-user namespace, or conmon's exit command running in it). The paths follow Podman's
//! rootless layout with lpod's own names:
//!
//! | what | path |
//! |---|---|
//! | persistent | `$XDG_DATA_HOME/lpod`, else `~/.local/share/lpod` |
//! | per boot | `$XDG_RUNTIME_DIR/lpod`, else `/tmp/lpod-run-UID` (0700) |
//! | config | `$XDG_CONFIG_HOME/lpod/lpod.toml`, else `~/.config/lpod/lpod.toml` |
//! | credentials | `RUN/auth.json` |
//!
//! ```
//! use std::path::Path;
//! use libpod_config::rootless::{RootlessPaths, SubIdRange};
//!
//! let env = |k: &str| match k {
//!     "HOME" => Some("/home/ann".to_string()),
//!     _ => None,
//! };
//! let p = RootlessPaths::from_lookup(1000, env);
//! assert_eq!(p.data, Path::new("/home/ann/.local/share/lpod"));
//! assert_eq!(p.run, Path::new("/tmp/lpod-run-1000"));
//! assert_eq!(p.config_file, Path::new("/home/ann/.config/lpod/lpod.toml"));
//!
//! let r = SubIdRange::parse_for("ann:100000:65536\n", "ann", 1000);
//! assert_eq!(r, vec![SubIdRange { start: 100000, count: 65536 }]);
//! ```

use std::path::{Path, PathBuf};

/// Set in the environment of every process that lpod put into the per-user namespace
/// (the value is the host uid): conmon, the OCI runtime and `lpod container cleanup`
/// run as uid 0 inside it and must still know they are rootless.
pub const ROOTLESS_UID_ENV: &str = "_LPOD_ROOTLESS_UID";

/// Who the calling process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Real root in the initial user namespace.
    Root,
    /// An unprivileged user: `uid`/`gid` are the host ids. `in_userns` says whether
    /// this process already runs in the user namespace lpod made for the user.
    Rootless {
        /// The user's host uid.
        uid: u32,
        /// The user's host gid.
        gid: u32,
        /// Already inside the per-user namespace (uid 0 there).
        in_userns: bool,
    },
}

impl Identity {
    /// The calling process, from `/proc/self/status` and `/proc/self/{uid,gid}_map`.
    pub fn current() -> Identity {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let (euid, egid) = effective_ids(&status).unwrap_or((0, 0));
        let uid_map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
        let gid_map = std::fs::read_to_string("/proc/self/gid_map").unwrap_or_default();
        Identity::from_parts(euid, egid, &uid_map, &gid_map)
    }

    /// The identity of a process with these effective ids and id maps (pure, for tests).
    pub fn from_parts(euid: u32, egid: u32, uid_map: &str, gid_map: &str) -> Identity {
        if euid != 0 {
            return Identity::Rootless {
                uid: euid,
                gid: egid,
                in_userns: false,
            };
        }
        match (outside_of_zero(uid_map), outside_of_zero(gid_map)) {
            // The initial namespace maps 0 onto 0 (the whole range).
            (Some(0), _) | (None, _) => Identity::Root,
            (Some(uid), gid) => Identity::Rootless {
                uid,
                gid: gid.unwrap_or(uid),
                in_userns: true,
            },
        }
    }

    /// True unless real root.
    pub fn is_rootless(&self) -> bool {
        !matches!(self, Identity::Root)
    }

    /// The host uid (0 for root).
    pub fn host_uid(&self) -> u32 {
        match self {
            Identity::Root => 0,
            Identity::Rootless { uid, .. } => *uid,
        }
    }
}

/// Effective uid and gid from `/proc/PID/status` text (`Uid:` real, effective, ...).
fn effective_ids(status: &str) -> Option<(u32, u32)> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u32>().ok())
    };
    Some((field("Uid:")?, field("Gid:")?))
}

/// The host id that id 0 of this namespace maps onto, from a `uid_map`/`gid_map` text.
fn outside_of_zero(map: &str) -> Option<u32> {
    map.lines().find_map(|l| {
        let mut f = l.split_whitespace().map(|v| v.parse::<u64>().ok());
        match (f.next()??, f.next()??, f.next()??) {
            (0, outside, n) if n > 0 => u32::try_from(outside).ok(),
            _ => None,
        }
    })
}

/// An unprivileged user's lpod directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootlessPaths {
    /// Persistent root (storage, state database, volumes).
    pub data: PathBuf,
    /// Per-boot run root (locks, sockets, the pause process's pid file, credentials).
    pub run: PathBuf,
    /// The user's configuration file (may not exist).
    pub config_file: PathBuf,
}

impl RootlessPaths {
    /// The paths of host user `uid` from the process environment (`HOME` falls back to
    /// the user's `/etc/passwd` entry).
    pub fn for_uid(uid: u32) -> RootlessPaths {
        RootlessPaths::from_lookup(uid, |k| {
            std::env::var(k).ok().or_else(|| {
                if k == "HOME" {
                    passwd_entry(uid).map(|e| e.home.to_string_lossy().into_owned())
                } else {
                    None
                }
            })
        })
    }

    /// The paths from an environment lookup (empty and relative values count as unset,
    /// as the XDG base directory specification says).
    pub fn from_lookup(uid: u32, env: impl Fn(&str) -> Option<String>) -> RootlessPaths {
        let get = |k: &str| {
            env(k)
                .filter(|v| !v.is_empty() && v.starts_with('/'))
                .map(PathBuf::from)
        };
        let home = get("HOME").unwrap_or_else(|| PathBuf::from("/"));
        let data = get("XDG_DATA_HOME")
            .unwrap_or_else(|| home.join(".local/share"))
            .join("lpod");
        let run = match get("XDG_RUNTIME_DIR") {
            Some(d) => d.join("lpod"),
            None => PathBuf::from(format!("/tmp/lpod-run-{uid}")),
        };
        let config_file = get("XDG_CONFIG_HOME")
            .unwrap_or_else(|| home.join(".config"))
            .join("lpod")
            .join("lpod.toml");
        RootlessPaths {
            data,
            run,
            config_file,
        }
    }

    /// The environment a process must carry so that an lpod it runs later (conmon's exit
    /// command) finds the same paths: `HOME` and the XDG variables that are set.
    pub fn env_vars() -> Vec<String> {
        [
            "HOME",
            "XDG_DATA_HOME",
            "XDG_RUNTIME_DIR",
            "XDG_CONFIG_HOME",
        ]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}={v}")))
        .collect()
    }
}

/// One line of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Home directory.
    pub home: PathBuf,
}

/// The `/etc/passwd` entry of `uid`, if any.
pub fn passwd_entry(uid: u32) -> Option<PasswdEntry> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    parse_passwd(&text, uid)
}

/// The entry of `uid` in `/etc/passwd` text.
fn parse_passwd(text: &str, uid: u32) -> Option<PasswdEntry> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 7 || f[2].parse::<u32>().ok()? != uid {
            return None;
        }
        Some(PasswdEntry {
            name: f[0].to_string(),
            uid,
            gid: f[3].parse().ok()?,
            home: PathBuf::from(f[5]),
        })
    })
}

/// A subordinate id range of `/etc/subuid` or `/etc/subgid`: host ids
/// `start..start+count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubIdRange {
    /// First host id.
    pub start: u32,
    /// Number of ids.
    pub count: u32,
}

impl SubIdRange {
    /// The ranges of a user (by login name or by uid, as shadow-utils accepts both) in
    /// a subuid/subgid file's text; malformed lines are skipped.
    pub fn parse_for(text: &str, name: &str, uid: u32) -> Vec<SubIdRange> {
        let uid = uid.to_string();
        text.lines()
            .filter_map(|l| {
                let l = l.trim();
                if l.is_empty() || l.starts_with('#') {
                    return None;
                }
                let mut f = l.split(':');
                let who = f.next()?;
                if who != name && who != uid {
                    return None;
                }
                let start = f.next()?.trim().parse().ok()?;
                let count: u32 = f.next()?.trim().parse().ok()?;
                (count > 0).then_some(SubIdRange { start, count })
            })
            .collect()
    }

    /// The ranges of a user in `file` (`/etc/subuid` or `/etc/subgid`); a missing file
    /// has none.
    pub fn read_for(file: &Path, name: &str, uid: u32) -> std::io::Result<Vec<SubIdRange>> {
        match std::fs::read_to_string(file) {
            Ok(t) => Ok(SubIdRange::parse_for(&t, name, uid)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_from_ids_and_maps() {
        let init = "         0          0 4294967295\n";
        assert_eq!(Identity::from_parts(0, 0, init, init), Identity::Root);
        assert_eq!(
            Identity::from_parts(1000, 1001, init, init),
            Identity::Rootless {
                uid: 1000,
                gid: 1001,
                in_userns: false
            }
        );
        let um = "0 1000 1\n1 100000 65536\n";
        let gm = "0 1001 1\n1 100000 65536\n";
        assert_eq!(
            Identity::from_parts(0, 0, um, gm),
            Identity::Rootless {
                uid: 1000,
                gid: 1001,
                in_userns: true
            }
        );
        assert!(!Identity::Root.is_rootless());
        // Unreadable maps (no /proc): root stays root.
        assert_eq!(Identity::from_parts(0, 0, "", ""), Identity::Root);
    }

    #[test]
    fn effective_ids_from_status() {
        let s = "Name:\tx\nUid:\t1000\t1002\t1000\t1000\nGid:\t5\t6\t5\t5\n";
        assert_eq!(effective_ids(s), Some((1002, 6)));
        assert_eq!(effective_ids("Name:\tx\n"), None);
    }

    #[test]
    fn paths_follow_xdg_then_home() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/u".to_string()),
            "XDG_DATA_HOME" => Some("/d".to_string()),
            "XDG_RUNTIME_DIR" => Some("/run/user/7".to_string()),
            "XDG_CONFIG_HOME" => Some("relative/ignored".to_string()),
            _ => None,
        };
        let p = RootlessPaths::from_lookup(7, env);
        assert_eq!(p.data, Path::new("/d/lpod"));
        assert_eq!(p.run, Path::new("/run/user/7/lpod"));
        assert_eq!(p.config_file, Path::new("/home/u/.config/lpod/lpod.toml"));
        let p = RootlessPaths::from_lookup(7, |_| None);
        assert_eq!(p.run, Path::new("/tmp/lpod-run-7"));
        assert_eq!(p.data, Path::new("/.local/share/lpod"));
    }

    #[test]
    fn subid_lines_by_name_or_uid() {
        let t =
            "# comment\nann:100000:65536\nbob:165536:65536\n1000:300000:10\nann:bad:1\nann:5:0\n";
        assert_eq!(
            SubIdRange::parse_for(t, "ann", 1000),
            [
                SubIdRange {
                    start: 100000,
                    count: 65536
                },
                SubIdRange {
                    start: 300000,
                    count: 10
                }
            ]
        );
        assert!(SubIdRange::parse_for(t, "carl", 1002).is_empty());
    }

    #[test]
    fn passwd_lookup() {
        let t = "root:x:0:0:root:/root:/bin/bash\nann:x:1000:1001:Ann:/home/ann:/bin/sh\n";
        let e = parse_passwd(t, 1000).unwrap();
        assert_eq!(e.name, "ann");
        assert_eq!(e.gid, 1001);
        assert_eq!(e.home, Path::new("/home/ann"));
        assert!(parse_passwd(t, 5).is_none());
    }
}
