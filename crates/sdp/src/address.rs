//! Addresses: the `c=` connection data line (RFC 8866 section 5.7) and the address field shared
//! with `o=`, `a=rtcp` and `a=candidate`.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Error, Reason};
use crate::token::{Tokens, intern};

/// A connection address: an IP literal, or anything else kept verbatim.
///
/// Kept as an enum rather than an `IpAddr` so that mDNS host candidates (RFC 8839 section 5.1,
/// `<uuid>.local`) and FQDNs (RFC 8866 section 5.7) survive a round trip. A value that parses as
/// an IP address is always `Ip`, so `Hostname` never holds an IP literal after parsing. Multicast
/// `c=` addresses with a TTL or count suffix (`224.2.1.1/127`) are kept as `Hostname` too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IPv4 or IPv6 literal (IPv6 without brackets, as SDP writes it).
    Ip(IpAddr),
    /// A host name, e.g. an mDNS `.local` name, or another non-IP value.
    Hostname(String),
}

impl Address {
    /// Parses one address token: `Ip` when it is an IP literal, otherwise `Hostname`.
    pub(crate) fn from_token(s: &str) -> Address {
        // Only try the parser that can succeed: IPv4 literals are digits and dots, IPv6 ones
        // have a colon, and anything else (an mDNS or DNS name) is neither.
        let ip = if s.bytes().any(|b| b == b':') {
            hex_groups(s.as_bytes())
                .or_else(|| s.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6)
        } else if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            dotted_quad(s.as_bytes()).map(IpAddr::V4)
        } else {
            None
        };
        match ip {
            Some(ip) => Address::Ip(ip),
            None => Address::Hostname(s.to_owned()),
        }
    }

    /// The IP address, if this is an IP literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Address::Ip(ip) => Some(*ip),
            Address::Hostname(_) => None,
        }
    }

    /// True for an mDNS name (`.local` suffix, case-insensitive; RFC 6762, draft-ietf-mmusic-mdns-ice-candidates).
    pub fn is_mdns(&self) -> bool {
        match self {
            Address::Ip(_) => false,
            Address::Hostname(h) => h
                .len()
                .checked_sub(6)
                .and_then(|i| h.get(i..))
                .is_some_and(|tail| tail.eq_ignore_ascii_case(".local")),
        }
    }

    /// The `IP4`/`IP6` address type matching this address (`IP4` for host names).
    pub fn address_type(&self) -> AddressType {
        match self {
            Address::Ip(IpAddr::V6(_)) => AddressType::Ip6,
            _ => AddressType::Ip4,
        }
    }
}

/// Exactly what `Ipv4Addr::from_str` accepts (four decimal octets of at most three digits,
/// each at most 255, no leading zero), in one pass over the bytes: candidates and `c=` lines
/// carry one address each, and the general parser costs several times more.
fn dotted_quad(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for octet in &mut octets {
        let digits = parts.next()?;
        let (first, rest) = digits.split_first()?;
        if digits.len() > 3 || (*first == b'0' && !rest.is_empty()) {
            return None;
        }
        let mut value = 0u16;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u16::from(d - b'0');
        }
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// The common IPv6 forms, in one pass: 1 to 4 hex digits per group, `:` between groups, at
/// most one `::`. `None` means "not one of those" (an embedded IPv4 address, a zone, or an error),
/// and the caller asks `Ipv6Addr::from_str`, which decides; every `Some` is what it would return.
fn hex_groups(s: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut heads, mut tails) = (0, 0);
    let mut compressed = false;
    let mut rest = s;
    if let Some(after) = rest.strip_prefix(b"::") {
        compressed = true;
        rest = after;
    }
    while !rest.is_empty() {
        let digits = rest
            .iter()
            .take(5)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if digits == 0 || digits > 4 {
            return None;
        }
        let (group, after) = rest.split_at_checked(digits)?;
        let value = group.iter().fold(0u16, |v, &d| {
            // A hex digit: its value is at most 15.
            let nibble = (d as char).to_digit(16).unwrap_or(0) as u16;
            v << 4 | nibble
        });
        let slot = if compressed {
            tails += 1;
            tail.get_mut(tails - 1)?
        } else {
            heads += 1;
            head.get_mut(heads - 1)?
        };
        *slot = value;
        rest = match after {
            [] => after,
            [b':', b':', more @ ..] if !compressed => {
                compressed = true;
                more
            }
            [b':', more @ ..] if !more.is_empty() => more,
            _ => return None,
        };
    }
    // Without `::`, exactly eight groups; with it, at most seven (it stands for at least one).
    if (!compressed && heads != 8) || heads + tails > 7 + usize::from(!compressed) {
        return None;
    }
    let mut groups = head;
    let tail = tail.get(..tails)?;
    groups.get_mut(8 - tails..)?.copy_from_slice(tail);
    Some(Ipv6Addr::from(groups))
}

impl Default for Address {
    fn default() -> Self {
        Address::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

impl From<IpAddr> for Address {
    fn from(ip: IpAddr) -> Self {
        Address::Ip(ip)
    }
}

impl FromStr for Address {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        if s.is_empty() || s.contains(' ') {
            return Err(Error::Value(Reason::Invalid("address")));
        }
        Ok(Address::from_token(s))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => fmt::Display::fmt(ip, f),
            Address::Hostname(h) => f.write_str(h),
        }
    }
}

/// `<addrtype>` (RFC 8866 section 5.7): `IP4`, `IP6` or an extension token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum AddressType {
    /// `IP4`.
    #[default]
    Ip4,
    /// `IP6`.
    Ip6,
    /// Any other token, kept verbatim (never `IP4`/`IP6`).
    Other(String),
}

impl AddressType {
    pub(crate) fn from_token(s: &str) -> AddressType {
        match s {
            "IP4" => AddressType::Ip4,
            "IP6" => AddressType::Ip6,
            other => AddressType::Other(other.to_owned()),
        }
    }

    /// The token as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            AddressType::Ip4 => "IP4",
            AddressType::Ip6 => "IP6",
            AddressType::Other(s) => s,
        }
    }
}

impl fmt::Display for AddressType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 section 5.7); also the optional
/// address part of `a=rtcp` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connection {
    /// `<nettype>`: `IN` for the Internet (the only one registered).
    pub network_type: Cow<'static, str>,
    /// `<addrtype>`.
    pub address_type: AddressType,
    /// `<connection-address>`.
    pub address: Address,
}

impl Connection {
    /// `IN IP4 <ip>` or `IN IP6 <ip>`.
    pub fn new(ip: IpAddr) -> Connection {
        let address = Address::Ip(ip);
        Connection {
            network_type: Cow::Borrowed("IN"),
            address_type: address.address_type(),
            address,
        }
    }

    /// Parses the three fields from `tokens`, requiring all three.
    pub(crate) fn from_tokens(tokens: &mut Tokens<'_>) -> Result<Connection, Reason> {
        let network_type = intern!(tokens.expect("network type")?, ["IN"]);
        let address_type = AddressType::from_token(tokens.expect("address type")?);
        let address = Address::from_token(tokens.expect("connection address")?);
        Ok(Connection {
            network_type,
            address_type,
            address,
        })
    }

    pub(crate) fn parse(value: &str) -> Result<Connection, Reason> {
        let mut tokens = Tokens::new(value);
        let connection = Connection::from_tokens(&mut tokens)?;
        tokens.finish("connection address")?;
        Ok(connection)
    }
}

impl Default for Connection {
    /// `IN IP4 0.0.0.0`, the JSEP placeholder (RFC 9429 section 5.2.1).
    fn default() -> Self {
        Connection::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.network_type)?;
        f.write_str(" ")?;
        f.write_str(self.address_type.as_str())?;
        f.write_str(" ")?;
        fmt::Display::fmt(&self.address, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_quad_agrees_with_the_standard_parser() {
        let mut cases: Vec<String> = [
            "0.0.0.0",
            "10.99.0.1",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.0400",
            "",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.99a",
            "000.1.1.1",
            "0.0.0.00",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every string of up to 4 characters over the alphabet that matters.
        let alphabet = ['0', '1', '9', '.', '5', 'a'];
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for prefix in &frontier {
                for c in alphabet {
                    next.push(format!("{prefix}{c}"));
                }
            }
            for s in &next {
                cases.push(format!("1.2.{s}"));
                cases.push(format!("{s}.0.0"));
            }
            frontier = next;
        }
        for s in &cases {
            assert_eq!(
                dotted_quad(s.as_bytes()),
                s.parse::<Ipv4Addr>().ok(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn hex_groups_agree_with_the_standard_parser() {
        let mut cases: Vec<String> = [
            "fd99::1",
            "::",
            "::1",
            "1::",
            "2001:db8::8a2e:370:7334",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4::5:6:7:8",
            "1::2::3",
            ":1::2",
            "1::2:",
            "12345::",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            "FD99::ABCD",
            "1:2:3:4:5:6:7",
            ":::",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every string of up to 6 characters over the alphabet that matters.
        let alphabet = ['0', 'f', 'A', ':', '.', 'g'];
        let mut frontier = vec![String::new()];
        for _ in 0..6 {
            let mut next = Vec::new();
            for prefix in &frontier {
                for c in alphabet {
                    next.push(format!("{prefix}{c}"));
                }
            }
            cases.extend(next.iter().cloned());
            for s in &next {
                cases.push(format!("1:2:3:4:5:{s}"));
            }
            frontier = next;
        }
        for s in &cases {
            let std = s.parse::<Ipv6Addr>().ok();
            if let Some(ours) = hex_groups(s.as_bytes()) {
                assert_eq!(Some(ours), std, "{s:?}");
            }
            // The fallback makes `from_token` agree everywhere.
            let expected = std.map(|ip| Address::Ip(IpAddr::V6(ip)));
            if s.contains(':') {
                assert_eq!(
                    Address::from_token(s),
                    expected.unwrap_or_else(|| Address::Hostname(s.clone())),
                    "{s:?}"
                );
            }
        }
        // The fast path takes the forms browsers write.
        for s in [
            "fd99::1",
            "2001:db8::8a2e:370:7334",
            "1:2:3:4:5:6:7:8",
            "::",
        ] {
            assert!(hex_groups(s.as_bytes()).is_some(), "{s}");
        }
    }

    #[test]
    fn mdns_names_stay_names() {
        let a = Address::from_token("7663b36c-2361-44a0-aba5-7615c8d4e617.local");
        assert!(a.is_mdns());
        assert_eq!(a.ip(), None);
        assert_eq!(a.to_string(), "7663b36c-2361-44a0-aba5-7615c8d4e617.local");
        assert!(!Address::from_token("fd99::1").is_mdns());
        assert!(!Address::from_token("local").is_mdns());
    }

    #[test]
    fn rfc8866_5_7_connection_data() {
        let c = Connection::parse("IN IP6 fd99::1").unwrap();
        assert_eq!(c, Connection::new("fd99::1".parse().unwrap()));
        assert_eq!(c.to_string(), "IN IP6 fd99::1");
        assert_eq!(
            Connection::parse("IN IP4"),
            Err(Reason::Missing("connection address"))
        );
    }
}
