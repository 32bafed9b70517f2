//! IP subnets (`10.89.0.0/24`, `fd00::/64`): parsing, containment and overlap.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Errors from parsing or validating a subnet.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubnetError {
    /// The text is not `ADDRESS/PREFIX`.
    #[error("invalid subnet {value:?}: expected ADDRESS/PREFIX")]
    Syntax {
        /// The rejected text.
        value: String,
    },
    /// The prefix length is not a number or too large for the address family.
    #[error("invalid prefix length in subnet {value:?}")]
    Prefix {
        /// The rejected text.
        value: String,
    },
    /// Host bits are set (`10.89.0.1/24` instead of `10.89.0.0/24`).
    #[error("subnet {value:?} has host bits set; did you mean {network}?")]
    HostBits {
        /// The rejected text.
        value: String,
        /// The network address with host bits cleared.
        network: String,
    },
}

/// An IP network: an address with its host bits cleared and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subnet {
    addr: IpAddr,
    prefix: u8,
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn bits(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn from_u128(v4: bool, v: u128) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

fn mask(width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        let all: u128 = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        if prefix >= width {
            all
        } else {
            all & !(all >> prefix)
        }
    }
}

impl Subnet {
    /// Builds a subnet; fails when host bits are set or the prefix is too long.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, SubnetError> {
        let text = format!("{addr}/{prefix}");
        let width = bits(addr);
        if prefix > width {
            return Err(SubnetError::Prefix { value: text });
        }
        let net = to_u128(addr) & mask(width, prefix);
        if net != to_u128(addr) {
            let network = Subnet {
                addr: from_u128(width == 32, net),
                prefix,
            };
            return Err(SubnetError::HostBits {
                value: text,
                network: network.to_string(),
            });
        }
        Ok(Subnet { addr, prefix })
    }

    /// Parses `ADDRESS/PREFIX` and clears host bits instead of rejecting them
    /// (for addresses such as a plugin's `10.89.0.5/24`).
    pub fn containing(text: &str) -> Result<(IpAddr, Self), SubnetError> {
        let (a, p) = split(text)?;
        let width = bits(a);
        if p > width {
            return Err(SubnetError::Prefix {
                value: text.to_string(),
            });
        }
        let net = from_u128(width == 32, to_u128(a) & mask(width, p));
        Ok((
            a,
            Subnet {
                addr: net,
                prefix: p,
            },
        ))
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// True for an IPv4 subnet.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// True when `ip` lies inside this subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let width = bits(ip);
        to_u128(ip) & mask(width, self.prefix) == to_u128(self.addr)
    }

    /// True when the two subnets share at least one address.
    pub fn overlaps(&self, other: &Subnet) -> bool {
        if self.is_ipv4() != other.is_ipv4() {
            return false;
        }
        let p = self.prefix.min(other.prefix);
        let m = mask(bits(self.addr), p);
        to_u128(self.addr) & m == to_u128(other.addr) & m
    }

    /// The `n`th address of the subnet (`nth(1)` is the usual gateway), if inside it.
    pub fn nth(&self, n: u128) -> Option<IpAddr> {
        let width = bits(self.addr);
        let size = if width - self.prefix >= 128 {
            u128::MAX
        } else {
            1u128 << (width - self.prefix)
        };
        if n >= size {
            return None;
        }
        Some(from_u128(self.addr.is_ipv4(), to_u128(self.addr) + n))
    }

    /// How many containers a bridge network on this subnet holds with host-local's
    /// default range and a gateway inside it: every address but the network
    /// address, the gateway and (IPv4) the broadcast address. A /24 holds 253.
    pub fn container_capacity(&self) -> u128 {
        let width = bits(self.addr);
        let size = if width - self.prefix >= 128 {
            u128::MAX
        } else {
            1u128 << (width - self.prefix)
        };
        let reserved = if self.addr.is_ipv4() { 3 } else { 2 };
        size.saturating_sub(reserved)
    }

    /// True when `ip` is usable as a host (not the network or IPv4 broadcast address).
    pub fn is_host(&self, ip: IpAddr) -> bool {
        if !self.contains(ip) || ip == self.addr {
            return false;
        }
        if ip.is_ipv4() && self.prefix < 31 {
            let host_mask = !mask(32, self.prefix) & u128::from(u32::MAX);
            return to_u128(ip) & host_mask != host_mask;
        }
        true
    }
}

fn split(text: &str) -> Result<(IpAddr, u8), SubnetError> {
    let (a, p) = text.split_once('/').ok_or_else(|| SubnetError::Syntax {
        value: text.to_string(),
    })?;
    let addr: IpAddr = a.parse().map_err(|_| SubnetError::Syntax {
        value: text.to_string(),
    })?;
    let prefix: u8 = p.parse().map_err(|_| SubnetError::Prefix {
        value: text.to_string(),
    })?;
    Ok((addr, prefix))
}

impl FromStr for Subnet {
    type Err = SubnetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = split(s)?;
        Subnet::new(addr, prefix)
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Subnet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Subnet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn container_capacity_of_common_subnets() {
        let cap = |t: &str| t.parse::<Subnet>().unwrap().container_capacity();
        assert_eq!(cap("10.89.0.0/24"), 253);
        assert_eq!(cap("10.89.0.0/16"), 65_533);
        assert_eq!(cap("10.89.0.0/29"), 5);
        assert_eq!(cap("10.89.0.0/30"), 1);
        assert_eq!(cap("10.89.0.0/32"), 0);
        assert_eq!(cap("fd00::/120"), 254);
    }

    use super::*;

    #[test]
    fn parses_and_displays() {
        let s: Subnet = "10.89.0.0/24".parse().unwrap();
        assert_eq!(s.to_string(), "10.89.0.0/24");
        assert_eq!(s.prefix(), 24);
        let s6: Subnet = "fd00:1::/64".parse().unwrap();
        assert_eq!(s6.to_string(), "fd00:1::/64");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            "10.89.0.1/24".parse::<Subnet>(),
            Err(SubnetError::HostBits { .. })
        ));
        assert!(matches!(
            "10.89.0.0/33".parse::<Subnet>(),
            Err(SubnetError::Prefix { .. })
        ));
        assert!(matches!(
            "10.89.0.0".parse::<Subnet>(),
            Err(SubnetError::Syntax { .. })
        ));
        assert!(matches!(
            "nonsense/8".parse::<Subnet>(),
            Err(SubnetError::Syntax { .. })
        ));
    }

    #[test]
    fn contains_overlaps_nth() {
        let s: Subnet = "10.89.0.0/24".parse().unwrap();
        assert!(s.contains("10.89.0.77".parse().unwrap()));
        assert!(!s.contains("10.89.1.1".parse().unwrap()));
        let big: Subnet = "10.89.0.0/16".parse().unwrap();
        assert!(s.overlaps(&big) && big.overlaps(&s));
        let other: Subnet = "10.90.0.0/24".parse().unwrap();
        assert!(!s.overlaps(&other));
        assert_eq!(s.nth(1), Some("10.89.0.1".parse().unwrap()));
        assert_eq!(s.nth(256), None);
        assert!(!s.is_host("10.89.0.255".parse().unwrap()));
        assert!(!s.is_host("10.89.0.0".parse().unwrap()));
        assert!(s.is_host("10.89.0.254".parse().unwrap()));
        let (ip, net) = Subnet::containing("10.89.0.5/24").unwrap();
        assert_eq!(ip.to_string(), "10.89.0.5");
        assert_eq!(net, s);
        let zero: Subnet = "0.0.0.0/0".parse().unwrap();
        assert!(zero.contains("1.2.3.4".parse().unwrap()));
    }
}
