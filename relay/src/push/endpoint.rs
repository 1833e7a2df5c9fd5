//! Which push endpoints the relay will wake: the rule applied at registration and again at
//! every send. A wake-up is a request the relay makes on someone's behalf, so it must never
//! reach the relay's own network (loopback, private, link-local, carrier-grade NAT, ...):
//! literal addresses and `localhost` are refused at registration, and names are resolved at
//! send time by [`super::deliver`], which connects only to the public addresses it checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lantern_protocol::relay::MAX_PUSH_ENDPOINT_LEN;
use reqwest::Url;

use crate::config::Config;

/// Why an endpoint is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointError {
    /// Breaks the request format (400): empty or too long.
    Malformed(&'static str),
    /// A well-formed request the relay will not act on (403): the reason, in our words.
    Refused(&'static str),
}

/// The operator's push endpoint rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointPolicy {
    pub allow_http: bool,
    pub allow_private: bool,
    /// Empty: any host. Otherwise `host` exactly or `.suffix`, lowercase.
    pub hosts: Vec<String>,
}

impl EndpointPolicy {
    pub fn from_config(config: &Config) -> Self {
        EndpointPolicy {
            allow_http: config.push_allow_http,
            allow_private: config.push_allow_private_addresses,
            hosts: config
                .push_endpoint_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
        }
    }

    /// Checks an endpoint as registered; returns the parsed URL to send to.
    pub fn check(&self, raw: &str) -> Result<Url, EndpointError> {
        let len = raw.chars().count();
        if len == 0 || len > MAX_PUSH_ENDPOINT_LEN {
            return Err(EndpointError::Malformed(
                "endpoint must be 1 to 1024 characters",
            ));
        }
        let refused = EndpointError::Refused;
        let url = Url::parse(raw).map_err(|_| refused("endpoint is not a URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err(refused("endpoint must be https")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refused("endpoint must not carry credentials"));
        }
        if url.fragment().is_some() {
            return Err(refused("endpoint must not have a fragment"));
        }
        // The URL parser has normalised the host: IPv4 in dotted form (also from `127.1` or
        // `0x7f000001`), IPv6 in brackets, names in lowercase ASCII.
        let host = url
            .host_str()
            .ok_or(refused("endpoint has no host"))?
            .to_owned();
        if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let ip: Ipv6Addr = v6.parse().map_err(|_| refused("endpoint is not a URL"))?;
            self.check_ip(IpAddr::V6(ip))?;
        } else if let Ok(ip) = host.parse::<Ipv4Addr>() {
            self.check_ip(IpAddr::V4(ip))?;
        } else {
            let name = host.trim_end_matches('.');
            if !self.allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                return Err(refused("endpoint is not on a public address"));
            }
        }
        if !self.host_allowed(&host) {
            return Err(refused("this relay does not send to that host"));
        }
        Ok(url)
    }

    /// Whether the relay may connect to `ip` under this policy.
    pub fn address_allowed(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), EndpointError> {
        if self.address_allowed(ip) {
            Ok(())
        } else {
            Err(EndpointError::Refused(
                "endpoint is not on a public address",
            ))
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts.is_empty()
            || self.hosts.iter().any(|h| match h.strip_prefix('.') {
                Some(suffix) => host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('.')),
                None => h == host,
            })
    }
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local, shared (CGNAT),
/// multicast, broadcast, documentation, benchmarking, reserved or unspecified; for IPv6 only
/// global unicast (2000::/3) outside the special-purpose blocks, so addresses that embed an
/// IPv4 one (mapped, NAT64, 6to4, Teredo) are refused whatever they embed.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network"
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254)              // link-local
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (b == 18 || b == 19))  // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    (s[0] & 0xe000) == 0x2000               // global unicast 2000::/3
        && !(s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23 special purpose (Teredo, ORCHID...)
        && !(s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        && s[0] != 0x2002                     // 6to4
        && (s[0] & 0xfff0) != 0x3ff0 // documentation 3fff::/20
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> EndpointPolicy {
        EndpointPolicy {
            allow_http: false,
            allow_private: false,
            hosts: Vec::new(),
        }
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "0.0.0.0",
            "10.1.2.3",
            "127.0.0.1",
            "100.64.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:8.8.8.8",
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "2002:7f00:1::1",
            "3fff::1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
        ] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn registration_refuses_what_the_relay_will_not_wake() {
        let p = policy();
        assert!(p.check("https://ntfy.sh/upAbc?up=1").is_ok());
        assert!(p.check("https://[2606:4700:4700::1111]:8443/x").is_ok());
        for bad in [
            "http://ntfy.sh/up",
            "https://127.0.0.1/x",
            "https://127.1/x",
            "https://0x7f000001/x",
            "https://[::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://10.0.0.8/x",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/x",
            "https://a.localhost./x",
            "https://user:pw@ntfy.sh/x",
            "https://ntfy.sh/x#frag",
            "ftp://ntfy.sh/x",
            "not a url",
            "https://",
        ] {
            assert!(
                matches!(p.check(bad), Err(EndpointError::Refused(_))),
                "{bad}"
            );
        }
        assert!(matches!(p.check(""), Err(EndpointError::Malformed(_))));
        let long = format!("https://ntfy.sh/{}", "a".repeat(1100));
        assert!(matches!(p.check(&long), Err(EndpointError::Malformed(_))));
        let tests = EndpointPolicy {
            allow_http: true,
            allow_private: true,
            hosts: Vec::new(),
        };
        assert!(tests.check("http://127.0.0.1:9/wake").is_ok());
        assert!(tests.check("http://localhost:9/wake").is_ok());
    }

    #[test]
    fn host_list_limits_endpoints() {
        let p = EndpointPolicy {
            hosts: vec!["ntfy.sh".into(), ".push.example.org".into()],
            ..policy()
        };
        assert!(p.check("https://ntfy.sh/up").is_ok());
        assert!(p.check("https://a.push.example.org/up").is_ok());
        for bad in [
            "https://push.example.org/up",
            "https://evilpush.example.org/up",
            "https://ntfy.sh.evil.example/up",
            "https://other.example/up",
        ] {
            assert!(
                matches!(p.check(bad), Err(EndpointError::Refused(_))),
                "{bad}"
            );
        }
    }
}
