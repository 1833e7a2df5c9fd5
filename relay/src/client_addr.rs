//! Which client a request counts against for per-address limits.
//!
//! By default the TCP peer, with IPv6 peers grouped by prefix (a /64 is what one subscriber
//! gets, so keying on the full address would give one client 2^64 buckets). Behind a reverse
//! proxy, the operator names the header the proxy sets and the proxies' addresses; the header is
//! believed only on connections from those proxies, and for `X-Forwarded-For` only its last
//! entry not itself a trusted proxy counts (entries further left are whatever the client sent).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;

use crate::config::Config;

/// An address block, `addr/len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("trusted proxy {text:?} is not an address or CIDR block");
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) => (
                a.parse::<IpAddr>().map_err(|_| bad())?,
                Some(l.parse::<u8>().map_err(|_| bad())?),
            ),
            None => (text.parse::<IpAddr>().map_err(|_| bad())?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = len.unwrap_or(max);
        if len > max {
            return Err(bad());
        }
        Ok(Cidr { addr, len })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 client) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// How to name the client of a request; built once from the configuration.
#[derive(Debug, Clone)]
pub struct ClientAddrRule {
    header: Option<String>,
    proxies: Vec<Cidr>,
    ipv6_prefix_len: u8,
}

impl ClientAddrRule {
    /// Checks and compiles the proxy settings.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let header = config
            .client_ip_header
            .as_deref()
            .map(str::to_ascii_lowercase);
        if let Some(h) = &header
            && !matches!(h.as_str(), "x-forwarded-for" | "x-real-ip")
        {
            return Err("client ip header must be x-forwarded-for or x-real-ip".into());
        }
        let proxies = config
            .trusted_proxies
            .iter()
            .map(|p| Cidr::parse(p.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        if header.is_some() && proxies.is_empty() {
            return Err("a client ip header needs --trusted-proxy (the proxies' addresses)".into());
        }
        Ok(ClientAddrRule {
            header,
            proxies,
            ipv6_prefix_len: config.ipv6_prefix_len,
        })
    }

    fn is_proxy(&self, ip: IpAddr) -> bool {
        self.proxies.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the peer, or what a trusted proxy says about it.
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer.ip());
        let Some(name) = &self.header else {
            return peer;
        };
        if !self.is_proxy(peer) {
            return peer;
        }
        // Several header lines count as one comma-separated list, in order.
        let mut values = headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        if name == "x-real-ip" {
            values.truncate(1);
        }
        values
            .iter()
            .rev()
            .filter_map(|v| v.parse::<IpAddr>().ok().map(canonical))
            .find(|ip| !self.is_proxy(*ip))
            .unwrap_or(peer)
    }

    /// The rate-limit key of the client: IPv4 as is, IPv6 cut to the configured prefix.
    pub fn key(&self, peer: SocketAddr, headers: &HeaderMap) -> String {
        match self.client_ip(peer, headers) {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let len = u32::from(self.ipv6_prefix_len);
                let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
                format!("{}/{len}", Ipv6Addr::from(u128::from(v6) & mask))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(header: Option<&str>, proxies: &[&str]) -> ClientAddrRule {
        ClientAddrRule::from_config(&Config {
            client_ip_header: header.map(str::to_owned),
            trusted_proxies: proxies.iter().map(|p| (*p).to_owned()).collect(),
            ..Config::default()
        })
        .expect("valid rule")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn ipv6_clients_share_their_64_and_ipv4_is_exact() {
        let r = rule(None, &[]);
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:5000".parse().expect("addr");
        let b: SocketAddr = "[2001:db8:1:2:ffff::9]:6000".parse().expect("addr");
        let c: SocketAddr = "[2001:db8:1:3::1]:6000".parse().expect("addr");
        let none = HeaderMap::new();
        assert_eq!(r.key(a, &none), r.key(b, &none));
        assert_ne!(r.key(a, &none), r.key(c, &none));
        assert_eq!(r.key(a, &none), "2001:db8:1:2::/64");
        let v4: SocketAddr = "192.0.2.7:1".parse().expect("addr");
        assert_eq!(r.key(v4, &none), "192.0.2.7");
        let mapped: SocketAddr = "[::ffff:192.0.2.7]:1".parse().expect("addr");
        assert_eq!(r.key(mapped, &none), "192.0.2.7");
    }

    #[test]
    fn proxy_header_believed_only_from_trusted_proxies() {
        let r = rule(Some("X-Forwarded-For"), &["10.0.0.0/8"]);
        let proxy: SocketAddr = "10.1.2.3:443".parse().expect("addr");
        let stranger: SocketAddr = "198.51.100.1:443".parse().expect("addr");
        // The client forged a left entry; the proxy appended the real one.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.5")]);
        assert_eq!(r.key(proxy, &h), "203.0.113.5");
        assert_eq!(r.key(stranger, &h), "198.51.100.1");
        // A chain of trusted proxies is skipped from the right.
        let h = headers(&[("x-forwarded-for", "203.0.113.5, 10.9.9.9")]);
        assert_eq!(r.key(proxy, &h), "203.0.113.5");
        // Garbage falls back to the peer.
        let h = headers(&[("x-forwarded-for", "not an address")]);
        assert_eq!(r.key(proxy, &h), "10.1.2.3");
        assert!(
            ClientAddrRule::from_config(&Config {
                client_ip_header: Some("x-forwarded-for".into()),
                ..Config::default()
            })
            .is_err(),
            "a header without trusted proxies is refused"
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }
}
