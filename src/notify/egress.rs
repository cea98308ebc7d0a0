//! Where the exchange may send a webhook: never inside the network it runs in. A webhook URL is
//! chosen by a caller, so without this check it is a way to make the exchange POST signed
//! requests to its own loopback services, the cloud metadata endpoint or the private network
//! (server-side request forgery). The host is resolved and *every* address it resolves to must
//! be public; the delivery then connects to the address that was checked, so a name that
//! resolves to a public address at the check and a private one at the connection (DNS
//! rebinding) gains nothing.
//!
//! `ROGATORY_WEBHOOK_ALLOW_PRIVATE=1` lifts both the address check and the `https`
//! requirement, for tests and closed networks whose receivers have private addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a URL or address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute `https` URL with a host (or `http` without the operator's setting).
    Scheme(String),
    /// The host is, or resolves to, an address inside: loopback, private, link-local, ...
    Address(String),
    /// The host does not resolve (at delivery time).
    Unresolved(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Scheme(why) | Refusal::Address(why) | Refusal::Unresolved(why) => f.write_str(why),
        }
    }
}

/// Addresses a webhook may never reach (without `ROGATORY_WEBHOOK_ALLOW_PRIVATE`).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64
            // (64:ff9b::a.b.c.d) addresses reach the IPv4 address inside them.
            let segments = v6.segments();
            let embedded = if segments[..6] == [0, 0, 0, 0, 0, 0xffff]
                || (segments[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified())
                || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            {
                let [a, b] = segments[6].to_be_bytes();
                let [c, d] = segments[7].to_be_bytes();
                Some(Ipv4Addr::new(a, b, c, d))
            } else {
                None
            };
            if let Some(v4) = embedded {
                return is_internal_v4(v4);
            }
            is_internal_v6(v6)
        }
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    ip.is_unspecified()          // 0.0.0.0
        || a == 0                // 0.0.0.0/8 "this network"
        || ip.is_loopback()      // 127.0.0.0/8
        || ip.is_private()       // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local()    // 169.254/16, with the cloud metadata endpoint 169.254.169.254
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 carrier-grade NAT (and Alibaba's metadata)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0.0/24 IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // 198.18/15 benchmarking
        || ip.is_multicast()     // 224/4
        || a >= 240 // 240/4 reserved, and the broadcast address
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()                 // ff00::/8
        || (first & 0xfe00) == 0xfc00        // fc00::/7 unique local, with fd00:ec2::254 (metadata)
        || (first & 0xffc0) == 0xfe80        // fe80::/10 link-local
        || (first & 0xffc0) == 0xfec0        // fec0::/10 site-local (deprecated, still routed inside)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // 2001:db8::/32 documentation
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0] // 100::/64 discard
}

/// Checks a URL's form: `https` with a host, or also `http` when private targets are allowed.
pub fn check_url(url: &str, allow_private: bool) -> Result<url::Url, Refusal> {
    let parsed = url::Url::parse(url).map_err(|e| Refusal::Scheme(format!("not an absolute URL: {e}")))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Refusal::Scheme("the URL has no host".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::Scheme("the URL may not carry credentials".into()));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if allow_private => Ok(parsed),
        "http" => Err(Refusal::Scheme(
            "an https URL (plain http only where the operator set ROGATORY_WEBHOOK_ALLOW_PRIVATE)".into(),
        )),
        other => Err(Refusal::Scheme(format!("an https URL, not {other}:"))),
    }
}

/// The addresses of a URL's host: the literal address, or what DNS answers.
async fn resolve(url: &url::Url) -> Result<Vec<SocketAddr>, Refusal> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(url::Host::Ipv6(ip)) => Ok(vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(url::Host::Domain(name)) => {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| Refusal::Unresolved(format!("{name} does not resolve: {e}")))?
                .collect();
            if found.is_empty() {
                return Err(Refusal::Unresolved(format!("{name} does not resolve")));
            }
            Ok(found)
        }
        None => Err(Refusal::Scheme("the URL has no host".into())),
    }
}

fn refuse_internal(url: &url::Url, addresses: &[SocketAddr]) -> Result<(), Refusal> {
    if let Some(inside) = addresses.iter().find(|a| is_internal(a.ip())) {
        return Err(Refusal::Address(format!(
            "{} resolves to {}, an internal address (loopback, private, link-local, unique-local, multicast or \
             metadata range); webhooks reach only public addresses",
            url.host_str().unwrap_or_default(),
            inside.ip()
        )));
    }
    Ok(())
}

/// At subscription: the URL's form, and its host's addresses when it resolves now. A name that
/// does not resolve yet is accepted: every delivery checks again.
pub async fn check_subscription(url: &str, allow_private: bool) -> Result<(), Refusal> {
    let parsed = check_url(url, allow_private)?;
    if allow_private {
        return Ok(());
    }
    if parsed.host_str().is_some_and(|h| h.eq_ignore_ascii_case("localhost") || h.ends_with(".localhost")) {
        return Err(Refusal::Address("localhost is an internal address".into()));
    }
    match resolve(&parsed).await {
        Ok(addresses) => refuse_internal(&parsed, &addresses),
        Err(Refusal::Unresolved(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

/// At delivery: the address to connect to, checked (the connection goes to exactly this
/// address, whatever DNS answers later).
pub async fn delivery_address(url: &str, allow_private: bool) -> Result<SocketAddr, Refusal> {
    let parsed = check_url(url, allow_private)?;
    let addresses = resolve(&parsed).await?;
    if !allow_private {
        refuse_internal(&parsed, &addresses)?;
    }
    Ok(addresses[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(text: &str) -> bool {
        is_internal(text.parse().unwrap())
    }

    #[test]
    fn internal_ranges_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(internal(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(!internal(ip), "{ip} is public");
        }
    }

    #[test]
    fn urls_need_https_unless_allowed() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(matches!(check_url("http://hooks.example.com/x", false), Err(Refusal::Scheme(_))));
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(matches!(check_url("ftp://x/y", true), Err(Refusal::Scheme(_))));
        assert!(matches!(check_url("https://user:pw@hooks.example.com/", false), Err(Refusal::Scheme(_))));
    }

    #[actix_web::test]
    async fn literal_and_named_internal_hosts_are_refused_at_subscription() {
        for url in [
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.5/hook",
            "https://172.16.3.4/hook",
            "https://192.168.0.10/hook",
            "https://[::1]/hook",
            "https://[fd00::1]/hook",
            "https://localhost/hook",
            "https://127.0.0.1:8443/hook",
        ] {
            assert!(matches!(check_subscription(url, false).await, Err(Refusal::Address(_))), "{url} must be refused");
        }
        assert!(check_subscription("https://127.0.0.1/hook", true).await.is_ok());
    }
}
