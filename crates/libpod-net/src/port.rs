//! Port mappings (`-p [ip:]hostPort:containerPort[/tcp|udp]`) and their CNI form.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Errors from parsing a `-p` port mapping.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PortParseError {
    /// The mapping is empty or has too many `:`-separated fields.
    #[error("invalid port mapping {value:?}: expected [ip:][hostPort:]containerPort[/tcp|udp]")]
    Syntax {
        /// The rejected text.
        value: String,
    },
    /// A port is not a number in 1..=65535.
    #[error("invalid port {port:?} in port mapping {value:?}: must be 1-65535")]
    Port {
        /// The rejected port text.
        port: String,
        /// The whole mapping.
        value: String,
    },
    /// The host IP is not an IP address.
    #[error("invalid host IP {ip:?} in port mapping {value:?}")]
    HostIp {
        /// The rejected IP text.
        ip: String,
        /// The whole mapping.
        value: String,
    },
    /// The protocol is neither `tcp` nor `udp`.
    #[error("invalid protocol {protocol:?} in port mapping {value:?}: must be tcp or udp")]
    Protocol {
        /// The rejected protocol text.
        protocol: String,
        /// The whole mapping.
        value: String,
    },
}

/// Two mappings in one request claim the same host address, port and protocol.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("host port {host_port}/{protocol} is published twice ({first} and {second})")]
pub struct PortConflict {
    /// The host port.
    pub host_port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// The first mapping.
    pub first: String,
    /// The conflicting mapping.
    pub second: String,
}

/// Rejects mappings that claim the same host port and protocol on overlapping host addresses
/// (no host IP means every address).
pub fn check_conflicts(ports: &[PortMapping]) -> Result<(), PortConflict> {
    for (i, a) in ports.iter().enumerate() {
        for b in &ports[..i] {
            let same_ip = match (a.host_ip, b.host_ip) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            if same_ip && a.host_port == b.host_port && a.protocol == b.protocol {
                return Err(PortConflict {
                    host_port: a.host_port,
                    protocol: a.protocol,
                    first: b.to_string(),
                    second: a.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// A transport protocol for a port mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// One published port: traffic to `host_ip:host_port` goes to the container's `container_port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortMapping {
    /// Host address to listen on; `None` means every address.
    pub host_ip: Option<IpAddr>,
    /// Port on the host.
    pub host_port: u16,
    /// Port in the container.
    pub container_port: u16,
    /// Protocol.
    pub protocol: Protocol,
}

/// The CNI `runtimeConfig.portMappings` entry (capability `portMappings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CniPortMapping {
    /// Host port.
    pub host_port: u16,
    /// Container port.
    pub container_port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Host IP, empty for all.
    #[serde(default, rename = "hostIP", skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
}

impl PortMapping {
    /// The mapping in the form the `portmap` plugin reads.
    pub fn to_cni(&self) -> CniPortMapping {
        CniPortMapping {
            host_port: self.host_port,
            container_port: self.container_port,
            protocol: self.protocol.to_string(),
            host_ip: self.host_ip.map(|i| i.to_string()).unwrap_or_default(),
        }
    }
}

fn port(text: &str, value: &str) -> Result<u16, PortParseError> {
    match text.parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(PortParseError::Port {
            port: text.to_string(),
            value: value.to_string(),
        }),
    }
}

impl FromStr for PortMapping {
    type Err = PortParseError;

    /// Parses Podman's `-p` syntax: `containerPort`, `hostPort:containerPort`,
    /// `ip:hostPort:containerPort`, `ip::containerPort` (host port = container port),
    /// `[v6]:hostPort:containerPort`, each with an optional `/tcp` or `/udp`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let syntax = || PortParseError::Syntax {
            value: value.to_string(),
        };
        let (spec, proto) = match value.rsplit_once('/') {
            Some((s, p)) => (s, Some(p)),
            None => (value, None),
        };
        let protocol = match proto {
            None => Protocol::Tcp,
            Some(p) if p.eq_ignore_ascii_case("tcp") => Protocol::Tcp,
            Some(p) if p.eq_ignore_ascii_case("udp") => Protocol::Udp,
            Some(p) => {
                return Err(PortParseError::Protocol {
                    protocol: p.to_string(),
                    value: value.to_string(),
                })
            }
        };
        if spec.is_empty() {
            return Err(syntax());
        }
        // Split off a bracketed IPv6 host address first.
        let (ip_text, rest): (Option<&str>, &str) = if let Some(r) = spec.strip_prefix('[') {
            let (ip, rest) = r.split_once(']').ok_or_else(syntax)?;
            let rest = rest.strip_prefix(':').ok_or_else(syntax)?;
            (Some(ip), rest)
        } else {
            let parts: Vec<&str> = spec.split(':').collect();
            match parts.len() {
                1 | 2 => (None, spec),
                3 => (Some(parts[0]), &spec[parts[0].len() + 1..]),
                _ => return Err(syntax()),
            }
        };
        let host_ip = match ip_text {
            None | Some("") => None,
            Some(t) => Some(t.parse::<IpAddr>().map_err(|_| PortParseError::HostIp {
                ip: t.to_string(),
                value: value.to_string(),
            })?),
        };
        let parts: Vec<&str> = rest.split(':').collect();
        let (host_port, container_port) = match parts.as_slice() {
            [c] if ip_text.is_none() => {
                let c = port(c, value)?;
                (c, c)
            }
            [h, c] => {
                let c = port(c, value)?;
                let h = if h.is_empty() { c } else { port(h, value)? };
                (h, c)
            }
            _ => return Err(syntax()),
        };
        Ok(PortMapping {
            host_ip,
            host_port,
            container_port,
            protocol,
        })
    }
}

impl fmt::Display for PortMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.host_ip {
            Some(IpAddr::V6(ip)) => write!(f, "[{ip}]:")?,
            Some(ip) => write!(f, "{ip}:")?,
            None => {}
        }
        write!(
            f,
            "{}:{}/{}",
            self.host_port, self.container_port, self.protocol
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<PortMapping, PortParseError> {
        s.parse()
    }

    #[test]
    fn parses_podman_forms() {
        let m = p("8080:80").unwrap();
        assert_eq!((m.host_ip, m.host_port, m.container_port), (None, 8080, 80));
        assert_eq!(m.protocol, Protocol::Tcp);
        let m = p("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(m.host_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(m.protocol, Protocol::Udp);
        let m = p("127.0.0.1::80").unwrap();
        assert_eq!((m.host_port, m.container_port), (80, 80));
        let m = p("80").unwrap();
        assert_eq!((m.host_port, m.container_port), (80, 80));
        let m = p("[::1]:8080:80/tcp").unwrap();
        assert_eq!(m.host_ip, Some("::1".parse().unwrap()));
        assert_eq!(m.to_string(), "[::1]:8080:80/tcp");
    }

    #[test]
    fn typed_errors() {
        assert!(matches!(p(""), Err(PortParseError::Syntax { .. })));
        assert!(matches!(p("1:2:3:4"), Err(PortParseError::Syntax { .. })));
        assert!(matches!(p("0:80"), Err(PortParseError::Port { .. })));
        assert!(matches!(p("70000:80"), Err(PortParseError::Port { .. })));
        assert!(matches!(p("80/sctp"), Err(PortParseError::Protocol { .. })));
        assert!(matches!(
            p("notanip:80:80"),
            Err(PortParseError::HostIp { .. })
        ));
    }

    #[test]
    fn conflicts() {
        let ok: Vec<PortMapping> = [
            "8080:80",
            "8080:80/udp",
            "127.0.0.1:8081:80",
            "127.0.0.2:8081:80",
        ]
        .iter()
        .map(|s| p(s).unwrap())
        .collect();
        check_conflicts(&ok).unwrap();
        let bad: Vec<PortMapping> = ["127.0.0.1:8080:80", "8080:81"]
            .iter()
            .map(|s| p(s).unwrap())
            .collect();
        let e = check_conflicts(&bad).unwrap_err();
        assert_eq!(e.host_port, 8080);
    }

    #[test]
    fn cni_form() {
        let c = p("127.0.0.1:8080:80").unwrap().to_cni();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"127.0.0.1"})
        );
    }

    proptest! {
        #[test]
        fn display_roundtrips(h in 1u16.., c in 1u16.., udp: bool, ip: Option<[u8;4]>) {
            let m = PortMapping {
                host_ip: ip.map(IpAddr::from),
                host_port: h,
                container_port: c,
                protocol: if udp { Protocol::Udp } else { Protocol::Tcp },
            };
            prop_assert_eq!(p(&m.to_string()).unwrap(), m);
        }
    }
}
