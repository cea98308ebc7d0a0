//! The caller's address: the TCP peer, or, only when the peer is a configured trusted reverse
//! proxy, the address that proxy recorded in `X-Forwarded-For` or `Forwarded` (RFC 7239).
//! Anyone can send these headers; only the hops appended by proxies we trust are believed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use actix_web::http::header::HeaderMap;

/// An address range such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    base: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let base = address.trim().parse::<IpAddr>().map_err(|_| ())?.to_canonical();
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or(())?,
        };
        Ok(IpNet { base, prefix })
    }
}

/// The header a trusted proxy records the caller's address in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, HAProxy, Caddy, Traefik, Envoy, cloud load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The reverse proxies whose forwarding headers are believed (`ROGATORY_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    pub nets: Vec<IpNet>,
    pub header: ForwardedHeader,
}

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and ranges; the error is the bad entry.
    pub fn parse_list(text: &str) -> Result<Vec<IpNet>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| entry.parse().map_err(|_| entry.to_owned()))
            .collect()
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// The caller's address. With an untrusted (or unknown) peer, the peer itself. With a
    /// trusted peer, the hops its header lists are walked from the right (the most recent, the
    /// one the trusted proxy appended) and the first address that is not itself a trusted proxy
    /// is the caller; what the caller wrote further left is never reached. A hop that is not an
    /// address (`unknown`, an obfuscated name) stops the walk at the last trusted proxy.
    pub fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        let peer = peer.map(|ip| ip.to_canonical()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if !self.is_trusted(peer) {
            return peer;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => list_values(headers, "x-forwarded-for"),
            ForwardedHeader::Forwarded => list_values(headers, "forwarded").into_iter().map(forwarded_for).collect(),
        };
        let mut address = peer;
        for hop in hops.iter().rev() {
            match parse_node(hop) {
                Some(ip) if self.is_trusted(ip) => address = ip,
                Some(ip) => return ip,
                None => return address,
            }
        }
        address
    }
}

/// All comma-separated elements of every instance of a header, in order.
fn list_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|element| element.trim().to_owned())
        .collect()
}

/// The `for=` parameter of one `Forwarded` element (empty when it has none).
fn forwarded_for(element: String) -> String {
    element
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default()
}

/// An address from a node such as `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse::<Ipv6Addr>().ok().map(|ip| IpAddr::V6(ip).to_canonical());
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The unit a per-address limit counts: an IPv4 address, or the /64 an IPv6 address is in
/// (one host usually holds a whole /64).
pub fn limit_unit(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(list: &str, header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies { nets: TrustedProxies::parse_list(list).unwrap(), header }
    }

    #[test]
    fn ranges_parse_and_match() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.200.3.4")) && !net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6 peers count as IPv4");
        let one: IpNet = "192.0.2.1".parse().unwrap();
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")) && !all.contains(ip("::1")));
        for bad in ["10.0.0.0/33", "10.0.0/8", "proxy.example", "::/129", "10.0.0.1/x"] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
        assert_eq!(TrustedProxies::parse_list("10.0.0.0/8, nope").unwrap_err(), "nope");
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let trusted = proxies("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        let forged = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(trusted.client_address(Some(ip("198.51.100.7")), &forged), ip("198.51.100.7"));
        assert_eq!(trusted.client_address(Some(ip("10.0.0.2")), &forged), ip("203.0.113.9"));
        let nobody = TrustedProxies::default();
        assert_eq!(nobody.client_address(Some(ip("10.0.0.2")), &forged), ip("10.0.0.2"));
        assert_eq!(nobody.client_address(None, &forged), ip("0.0.0.0"));
    }

    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop_from_the_right() {
        let trusted = proxies("10.0.0.0/8, 192.0.2.1", ForwardedHeader::XForwardedFor);
        let peer = Some(ip("10.0.0.2"));
        // The caller wrote 1.2.3.4 itself; the proxy appended the real address.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        assert_eq!(trusted.client_address(peer, &h), ip("198.51.100.7"));
        // Two proxies: the inner one's hop is skipped.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 192.0.2.1")]);
        assert_eq!(trusted.client_address(peer, &h), ip("198.51.100.7"));
        // Several header lines form one list.
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "198.51.100.8")]);
        assert_eq!(trusted.client_address(peer, &h), ip("198.51.100.8"));
        // Nothing usable: the proxy's own address.
        assert_eq!(trusted.client_address(peer, &headers(&[])), ip("10.0.0.2"));
        let h = headers(&[("x-forwarded-for", "198.51.100.7, unknown")]);
        assert_eq!(trusted.client_address(peer, &h), ip("10.0.0.2"));
        let h = headers(&[("x-forwarded-for", "[2001:db8::7]:4711, 198.51.100.9:443")]);
        assert_eq!(trusted.client_address(peer, &h), ip("198.51.100.9"));
        // A proxy that uses X-Forwarded-For does not make a forged Forwarded header count.
        let h = headers(&[("forwarded", "for=203.0.113.1"), ("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(trusted.client_address(peer, &h), ip("198.51.100.7"));
    }

    #[test]
    fn forwarded_is_read_when_configured() {
        let trusted = proxies("10.0.0.0/8", ForwardedHeader::Forwarded);
        let peer = Some(ip("10.0.0.2"));
        let h = headers(&[("forwarded", "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https")]);
        assert_eq!(trusted.client_address(peer, &h), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "For=198.51.100.7;by=10.0.0.2"), ("x-forwarded-for", "203.0.113.1")]);
        assert_eq!(trusted.client_address(peer, &h), ip("198.51.100.7"));
        let h = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(trusted.client_address(peer, &h), ip("10.0.0.2"));
    }

    #[test]
    fn ipv6_hosts_are_limited_by_their_64() {
        assert_eq!(limit_unit(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_unit(ip("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(limit_unit(ip("::ffff:198.51.100.7")), ip("198.51.100.7"));
    }
}
