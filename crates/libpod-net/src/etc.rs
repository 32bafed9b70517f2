//! Content of a container's `/etc/resolv.conf`, `/etc/hosts` and `/etc/hostname`.
//! Pure text functions: the caller decides where the files go.

use std::net::IpAddr;

/// User choices that override the host's resolver settings (`--dns`, `--dns-search`, `--dns-option`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsOverrides {
    /// Name servers; when non-empty they replace the host's.
    pub nameservers: Vec<IpAddr>,
    /// Search domains; when non-empty they replace the host's.
    pub search: Vec<String>,
    /// Options; when non-empty they replace the host's.
    pub options: Vec<String>,
}

/// Name servers used when the host only has loopback ones (Podman's fallback).
pub const FALLBACK_NAMESERVERS: &[&str] = &["8.8.8.8", "8.8.4.4"];

fn is_loopback(text: &str) -> bool {
    // Strip a zone (`fe80::1%eth0`) before parsing.
    let t = text.split('%').next().unwrap_or(text);
    t.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// The container's resolv.conf from the host's text: loopback name servers are dropped (they
/// would point into the container itself); if none remain, the fallback servers are used.
/// `nameserver`, `search`/`domain` and `options` lines are kept in order; others are dropped.
pub fn resolv_conf(host: &str, overrides: &DnsOverrides) -> String {
    let mut servers: Vec<String> = Vec::new();
    let mut search: Vec<String> = Vec::new();
    let mut options: Vec<String> = Vec::new();
    for line in host.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let mut f = line.split_whitespace();
        match f.next() {
            Some("nameserver") => {
                if let Some(s) = f.next() {
                    if !is_loopback(s) {
                        servers.push(s.to_string());
                    }
                }
            }
            Some("search") | Some("domain") => {
                search = f.map(str::to_string).collect();
            }
            Some("options") => options.extend(f.map(str::to_string)),
            _ => {}
        }
    }
    if !overrides.nameservers.is_empty() {
        servers = overrides
            .nameservers
            .iter()
            .map(|i| i.to_string())
            .collect();
    }
    if !overrides.search.is_empty() {
        search = overrides.search.clone();
    }
    if !overrides.options.is_empty() {
        options = overrides.options.clone();
    }
    if servers.is_empty() {
        servers = FALLBACK_NAMESERVERS.iter().map(|s| s.to_string()).collect();
    }
    let mut out = String::new();
    if !search.is_empty() {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    for s in servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// The container's /etc/hosts: localhost entries, then each of the container's addresses with
/// its hostname (and name, when different), then `extra` (`--add-host NAME:IP`).
pub fn hosts(
    hostname: &str,
    container_name: Option<&str>,
    addresses: &[IpAddr],
    extra: &[(String, IpAddr)],
) -> String {
    let mut out = String::from(
        "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n\
         ::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n",
    );
    let mut names = hostname.to_string();
    if let Some(n) = container_name {
        if n != hostname && !n.is_empty() {
            names.push(' ');
            names.push_str(n);
        }
    }
    if addresses.is_empty() {
        out.push_str(&format!("127.0.1.1\t{names}\n"));
    }
    for a in addresses {
        out.push_str(&format!("{a}\t{names}\n"));
    }
    for (name, ip) in extra {
        out.push_str(&format!("{ip}\t{name}\n"));
    }
    out
}

/// The container's /etc/hostname.
pub fn hostname_file(hostname: &str) -> String {
    format!("{hostname}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_loopback_servers() {
        let host = "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nsearch a.example b.example\noptions edns0 trust-ad\n";
        let r = resolv_conf(host, &DnsOverrides::default());
        assert_eq!(
            r,
            "search a.example b.example\nnameserver 192.0.2.1\noptions edns0 trust-ad\n"
        );
    }

    #[test]
    fn falls_back_and_overrides() {
        let r = resolv_conf("nameserver 127.0.0.1\n", &DnsOverrides::default());
        assert_eq!(r, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        let o = DnsOverrides {
            nameservers: vec!["192.0.2.9".parse().unwrap()],
            search: vec!["x.example".into()],
            options: vec![],
        };
        let r = resolv_conf("nameserver 192.0.2.1\noptions ndots:2\n", &o);
        assert_eq!(
            r,
            "search x.example\nnameserver 192.0.2.9\noptions ndots:2\n"
        );
    }

    #[test]
    fn hosts_file() {
        let h = hosts(
            "abc123",
            Some("web"),
            &["10.89.0.5".parse().unwrap()],
            &[("db".into(), "10.89.0.6".parse().unwrap())],
        );
        assert!(h.contains("10.89.0.5\tabc123 web\n"));
        assert!(h.contains("10.89.0.6\tdb\n"));
        assert!(h.starts_with("127.0.0.1\tlocalhost"));
        let h = hosts("abc", None, &[], &[]);
        assert!(h.contains("127.0.1.1\tabc\n"));
        assert_eq!(hostname_file("abc"), "abc\n");
    }
}
