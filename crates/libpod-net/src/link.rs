//! Small host-link helpers (existence, bridge removal) done natively with ioctls.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

/// Errors from link operations.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The interface name is not valid (empty, longer than 15 bytes, `/`, whitespace).
    #[error("invalid interface name {name:?}")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// An ioctl failed.
    #[error("link {name}: {op}: {source}")]
    Io {
        /// The interface name.
        name: String,
        /// The operation.
        op: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
}

/// True when `name` is a valid Linux interface name (1-15 bytes, no `/`, `:` or whitespace).
pub fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() < libc::IFNAMSIZ
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control())
}

/// True when a link of that name exists in the caller's network namespace.
pub fn link_exists(name: &str) -> bool {
    valid_ifname(name) && Path::new("/sys/class/net").join(name).exists()
}

/// Names of the interfaces attached to bridge `name` (empty if none or not a bridge).
pub fn bridge_ports(name: &str) -> Vec<String> {
    if !valid_ifname(name) {
        return Vec::new();
    }
    std::fs::read_dir(Path::new("/sys/class/net").join(name).join("brif"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// An `ifreq` carrying `name`. Callers pass a name that passed [`valid_ifname`] (or `lo`),
/// so it is shorter than `IFNAMSIZ` and the zeroed tail leaves it NUL-terminated.
fn ifreq_for(name: &str) -> libc::ifreq {
    // SAFETY: ifreq is a plain C struct (integers, arrays and a union of them) for which
    // all-zero bytes are a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(name.as_bytes()) {
        *d = *s as libc::c_char;
    }
    req
}

/// A fresh AF_INET datagram socket, the handle the interface ioctls go through.
fn ioctl_socket() -> std::io::Result<OwnedFd> {
    // SAFETY: socket() takes plain integers and touches no memory of ours; the result is
    // checked before use.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by socket(), is valid and owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sets interface `name` up or down (SIOCGIFFLAGS, then SIOCSIFFLAGS) in the calling
/// thread's network namespace. `name` must be shorter than `IFNAMSIZ`.
fn set_link_up(sock: &OwnedFd, name: &str, up: bool) -> std::io::Result<()> {
    debug_assert!(name.len() < libc::IFNAMSIZ);
    let mut req = ifreq_for(name);
    // SAFETY: SIOCGIFFLAGS reads the NUL-terminated ifr_name and writes ifr_flags of `req`,
    // a valid, exclusively borrowed ifreq that outlives the call.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: reading and writing the `ifru_flags` member of the union is sound: the kernel
    // just filled it in, and every bit pattern is a valid c_short.
    unsafe {
        if up {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        } else {
            req.ifr_ifru.ifru_flags &= !(libc::IFF_UP as libc::c_short);
        }
    }
    // SAFETY: SIOCSIFFLAGS only reads ifr_name and ifr_flags of the valid ifreq we pass.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Sets interface `name` up or down in the calling thread's network namespace.
pub(crate) fn set_up(name: &str, up: bool) -> std::io::Result<()> {
    set_link_up(&ioctl_socket()?, name, up)
}

const SIOCBRDELBR: libc::c_ulong = 0x89a1;

/// Deletes bridge `name` (set down, then SIOCBRDELBR). Returns `false` when it did not exist.
pub fn delete_bridge(name: &str) -> Result<bool, LinkError> {
    if !valid_ifname(name) {
        return Err(LinkError::InvalidName {
            name: name.to_string(),
        });
    }
    if !link_exists(name) {
        return Ok(false);
    }
    let err = |op, source| LinkError::Io {
        name: name.to_string(),
        op,
        source,
    };
    let sock = ioctl_socket().map_err(|e| err("socket", e))?;
    if let Err(e) = set_link_up(&sock, name, false) {
        if e.raw_os_error() == Some(libc::ENODEV) {
            return Ok(false);
        }
        return Err(err("set down", e));
    }
    // valid_ifname guarantees name.len() < IFNAMSIZ, so the buffer keeps a NUL at the end.
    let mut cname = [0u8; libc::IFNAMSIZ];
    cname[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: SIOCBRDELBR reads a NUL-terminated name from `cname`, which outlives the call
    // and is only read.
    if unsafe { libc::ioctl(sock.as_raw_fd(), SIOCBRDELBR as _, cname.as_ptr()) } < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::ENXIO) {
            return Ok(false);
        }
        return Err(err("delete bridge", e));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifnames() {
        assert!(valid_ifname("lpod0"));
        assert!(valid_ifname("eth0"));
        assert!(!valid_ifname(""));
        assert!(!valid_ifname("a/b"));
        assert!(!valid_ifname("sixteen-chars-xx"));
        assert!(!valid_ifname("a b"));
        assert!(link_exists("lo"));
        assert!(!link_exists("nonexistent0"));
        assert!(!delete_bridge("nonexistent0").unwrap());
    }
}
