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

fn ifreq_for(name: &str) -> libc::ifreq {
    // SAFETY: ifreq is a plain C struct for which all-zero bytes are a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(name.as_bytes()) {
        *d = *s as libc::c_char;
    }
    req
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
    let err = |op| {
        let source = std::io::Error::last_os_error();
        LinkError::Io {
            name: name.to_string(),
            op,
            source,
        }
    };
    // SAFETY: socket() has no memory-safety preconditions; the result is checked.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(err("socket"));
    }
    // SAFETY: fd is a fresh descriptor that we now own.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut req = ifreq_for(name);
    // SAFETY: SIOCGIFFLAGS reads ifr_name and fills ifr_flags of the valid ifreq we pass.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) } < 0 {
        if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENODEV) {
            return Ok(false);
        }
        return Err(err("get flags"));
    }
    // SAFETY: the union holds the flags the kernel just wrote.
    unsafe {
        req.ifr_ifru.ifru_flags &= !(libc::IFF_UP as libc::c_short);
    }
    // SAFETY: SIOCSIFFLAGS reads the valid ifreq we pass.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) } < 0 {
        return Err(err("set down"));
    }
    let mut cname = [0u8; libc::IFNAMSIZ];
    cname[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: SIOCBRDELBR reads a NUL-terminated name from the buffer, which outlives the call.
    if unsafe { libc::ioctl(sock.as_raw_fd(), SIOCBRDELBR as _, cname.as_ptr()) } < 0 {
        if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENXIO) {
            return Ok(false);
        }
        return Err(err("delete bridge"));
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
