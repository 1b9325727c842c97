//! `a=candidate` (RFC 8839 section 5.1) and its extensions: `tcptype` (RFC 6544 section 4.5) and
//! the `generation`, `ufrag`, `network-id`, `network-cost` pairs browsers add.
//!
//! [`Candidate`] is usable on its own for trickle ICE: it parses `RTCIceCandidate.candidate`
//! strings (with the `candidate:` prefix) as well as bare attribute values.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use crate::address::Address;
use crate::error::{Error, Reason};
use crate::inline_str::InlineStr;
use crate::token::{Tokens, number, write_uint};

/// `<transport>`: `udp`, `tcp` (RFC 6544) or an extension, compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// `UDP`; written `udp` as browsers do.
    #[default]
    Udp,
    /// `TCP` (RFC 6544); written `tcp`.
    Tcp,
    /// Any other token, kept verbatim (never a spelling of `udp`/`tcp`).
    Other(String),
}

impl Transport {
    fn from_token(s: &str) -> Transport {
        if s.eq_ignore_ascii_case("udp") {
            Transport::Udp
        } else if s.eq_ignore_ascii_case("tcp") {
            Transport::Tcp
        } else {
            Transport::Other(s.to_owned())
        }
    }

    /// The token as written.
    pub fn as_str(&self) -> &str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Other(s) => s,
        }
    }
}

/// `typ <cand-type>` (RFC 8839 section 5.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum CandidateType {
    /// `host`.
    #[default]
    Host,
    /// `srflx`: server reflexive.
    ServerReflexive,
    /// `prflx`: peer reflexive.
    PeerReflexive,
    /// `relay`: relayed (TURN).
    Relay,
    /// An extension type, kept verbatim.
    Other(String),
}

impl CandidateType {
    fn from_token(s: &str) -> CandidateType {
        match s {
            "host" => CandidateType::Host,
            "srflx" => CandidateType::ServerReflexive,
            "prflx" => CandidateType::PeerReflexive,
            "relay" => CandidateType::Relay,
            other => CandidateType::Other(other.to_owned()),
        }
    }

    /// The token as written.
    pub fn as_str(&self) -> &str {
        match self {
            CandidateType::Host => "host",
            CandidateType::ServerReflexive => "srflx",
            CandidateType::PeerReflexive => "prflx",
            CandidateType::Relay => "relay",
            CandidateType::Other(s) => s,
        }
    }
}

/// `tcptype` (RFC 6544 section 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpType {
    /// `active`: opens outgoing connections only.
    Active,
    /// `passive`: accepts incoming connections only.
    Passive,
    /// `so`: simultaneous open.
    SimultaneousOpen,
}

impl TcpType {
    fn from_token(s: &str) -> Result<TcpType, Reason> {
        if s.eq_ignore_ascii_case("active") {
            Ok(TcpType::Active)
        } else if s.eq_ignore_ascii_case("passive") {
            Ok(TcpType::Passive)
        } else if s.eq_ignore_ascii_case("so") {
            Ok(TcpType::SimultaneousOpen)
        } else {
            Err(Reason::Invalid("candidate tcptype"))
        }
    }

    /// The token as written.
    pub fn as_str(self) -> &'static str {
        match self {
            TcpType::Active => "active",
            TcpType::Passive => "passive",
            TcpType::SimultaneousOpen => "so",
        }
    }
}

/// One ICE candidate (RFC 8839 section 5.1):
///
/// ```text
/// candidate:<foundation> <component-id> <transport> <priority> <address> <port> typ <type>
///           [raddr <addr>] [rport <port>] *(<extension-name> <extension-value>)
/// ```
///
/// The well-known extension pairs have typed fields; every other pair is kept, in order, in
/// `extensions`. Serialization writes `raddr`, `rport`, `tcptype`, `generation`, `ufrag`,
/// `network-id`, `network-cost` in that order (Chromium's), then `extensions`. A second occurrence
/// of a typed pair is kept in `extensions`, so `extensions` should not otherwise hold those names.
///
/// ```
/// use sansrtc_sdp::{Candidate, CandidateType};
///
/// let c: Candidate = "candidate:2664466991 1 udp 2113937151 7663b36c.local 56585 typ host \
///                     generation 0 network-cost 999".parse()?;
/// assert!(c.address.is_mdns());
/// assert_eq!(c.kind, CandidateType::Host);
/// assert_eq!(c.network_cost, Some(999));
/// assert_eq!(c.to_candidate_attribute(), "candidate:2664466991 1 udp 2113937151 7663b36c.local \
///                                         56585 typ host generation 0 network-cost 999");
/// # Ok::<(), sansrtc_sdp::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Candidate {
    /// `<foundation>`: 1 to 32 ice-chars.
    pub foundation: InlineStr,
    /// `<component-id>`: 1 for RTP (and everything when rtcp-mux/BUNDLE is used), 2 for RTCP.
    pub component: u16,
    /// `<transport>`.
    pub transport: Transport,
    /// `<priority>` (RFC 8445 section 5.1.2).
    pub priority: u32,
    /// `<connection-address>`: an IP or an mDNS/FQDN name.
    pub address: Address,
    /// `<port>`.
    pub port: u16,
    /// `typ <cand-type>`.
    pub kind: CandidateType,
    /// `raddr`: the related address of a reflexive or relayed candidate.
    pub related_address: Option<Address>,
    /// `rport`: the related port.
    pub related_port: Option<u16>,
    /// `tcptype` (RFC 6544).
    pub tcp_type: Option<TcpType>,
    /// `generation` (Chromium, legacy ICE restarts).
    pub generation: Option<u32>,
    /// `ufrag`: the ICE username fragment this candidate belongs to.
    pub ufrag: Option<InlineStr>,
    /// `network-id` (Chromium).
    pub network_id: Option<u32>,
    /// `network-cost` (Chromium).
    pub network_cost: Option<u32>,
    /// Every other `<name> <value>` extension pair, in order.
    pub extensions: Vec<(String, String)>,
}

impl Candidate {
    /// A candidate with no extensions and no related address.
    pub fn new(
        foundation: impl Into<InlineStr>,
        component: u16,
        transport: Transport,
        priority: u32,
        address: SocketAddr,
        kind: CandidateType,
    ) -> Candidate {
        Candidate {
            foundation: foundation.into(),
            component,
            transport,
            priority,
            address: Address::Ip(address.ip()),
            port: address.port(),
            kind,
            ..Candidate::default()
        }
    }

    /// The transport address, if the address is an IP literal (not an mDNS name).
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.address.ip().map(|ip| SocketAddr::new(ip, self.port))
    }

    /// The related transport address (`raddr`/`rport`), if both are present and `raddr` is an IP.
    pub fn related_socket_addr(&self) -> Option<SocketAddr> {
        let ip: IpAddr = self.related_address.as_ref()?.ip()?;
        Some(SocketAddr::new(ip, self.related_port?))
    }

    /// The value of an extension pair not covered by a typed field.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `candidate:<value>`: the RFC 8839 `candidate-attribute`, which is also the form of
    /// `RTCIceCandidate.candidate` in browsers.
    pub fn to_candidate_attribute(&self) -> String {
        format!("candidate:{self}")
    }

    /// Parses the attribute value (after `candidate:`).
    pub(crate) fn parse_value(value: &str) -> Result<Candidate, Reason> {
        let mut t = Tokens::new(value);
        let foundation = t.expect("candidate foundation")?.into();
        let component = number(
            t.expect("candidate component id")?,
            "candidate component id",
        )?;
        let transport = Transport::from_token(t.expect("candidate transport")?);
        let priority = number(t.expect("candidate priority")?, "candidate priority")?;
        let address = Address::from_token(t.expect("candidate address")?);
        let port = number(t.expect("candidate port")?, "candidate port")?;
        if t.expect("candidate `typ`")? != "typ" {
            return Err(Reason::Invalid("candidate: expected `typ`"));
        }
        let kind = CandidateType::from_token(t.expect("candidate type")?);
        let mut c = Candidate {
            foundation,
            component,
            transport,
            priority,
            address,
            port,
            kind,
            ..Candidate::default()
        };
        while let Some(name) = t.next() {
            let value = t.expect("candidate extension value")?;
            match name {
                "raddr" if c.related_address.is_none() => {
                    c.related_address = Some(Address::from_token(value));
                }
                "rport" if c.related_port.is_none() => {
                    c.related_port = Some(number(value, "candidate rport")?);
                }
                "tcptype" if c.tcp_type.is_none() => c.tcp_type = Some(TcpType::from_token(value)?),
                "generation" if c.generation.is_none() => {
                    c.generation = Some(number(value, "candidate generation")?);
                }
                "ufrag" if c.ufrag.is_none() => c.ufrag = Some(value.into()),
                "network-id" if c.network_id.is_none() => {
                    c.network_id = Some(number(value, "candidate network-id")?);
                }
                "network-cost" if c.network_cost.is_none() => {
                    c.network_cost = Some(number(value, "candidate network-cost")?);
                }
                _ => c.extensions.push((name.to_owned(), value.to_owned())),
            }
        }
        Ok(c)
    }
}

impl FromStr for Candidate {
    type Err = Error;

    /// Accepts `candidate:<value>` (as in `RTCIceCandidate.candidate`), `a=candidate:<value>`, or
    /// the bare value; a trailing CRLF is ignored.
    fn from_str(s: &str) -> Result<Candidate, Error> {
        let s = s.trim_end_matches(['\r', '\n']);
        let s = s.strip_prefix("a=").unwrap_or(s);
        let s = s.strip_prefix("candidate:").unwrap_or(s);
        if s.contains(['\0', '\r', '\n']) {
            return Err(Error::Value(Reason::ForbiddenCharacter));
        }
        Candidate::parse_value(s).map_err(Error::Value)
    }
}

impl fmt::Display for Candidate {
    /// Writes the attribute value, without `candidate:` (see [`Candidate::to_candidate_attribute`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.foundation)?;
        f.write_str(" ")?;
        write_uint(f, self.component)?;
        f.write_str(" ")?;
        f.write_str(self.transport.as_str())?;
        f.write_str(" ")?;
        write_uint(f, self.priority)?;
        f.write_str(" ")?;
        fmt::Display::fmt(&self.address, f)?;
        f.write_str(" ")?;
        write_uint(f, self.port)?;
        f.write_str(" typ ")?;
        f.write_str(self.kind.as_str())?;
        if let Some(a) = &self.related_address {
            f.write_str(" raddr ")?;
            fmt::Display::fmt(a, f)?;
        }
        if let Some(p) = self.related_port {
            f.write_str(" rport ")?;
            write_uint(f, p)?;
        }
        if let Some(t) = self.tcp_type {
            f.write_str(" tcptype ")?;
            f.write_str(t.as_str())?;
        }
        if let Some(g) = self.generation {
            f.write_str(" generation ")?;
            write_uint(f, g)?;
        }
        if let Some(u) = &self.ufrag {
            f.write_str(" ufrag ")?;
            f.write_str(u)?;
        }
        if let Some(n) = self.network_id {
            f.write_str(" network-id ")?;
            write_uint(f, n)?;
        }
        if let Some(n) = self.network_cost {
            f.write_str(" network-cost ")?;
            write_uint(f, n)?;
        }
        for (name, value) in &self.extensions {
            write!(f, " {name} {value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8839_5_1_server_reflexive_with_related_address() {
        let s = "1853887674 1 udp 1518280447 47.61.61.61 36768 typ srflx raddr 192.168.0.196 \
                 rport 36768 generation 0 ufrag Ea7n network-id 3 network-cost 10";
        let c: Candidate = s.parse().unwrap();
        assert_eq!(c.kind, CandidateType::ServerReflexive);
        assert_eq!(
            c.related_socket_addr(),
            Some("192.168.0.196:36768".parse().unwrap())
        );
        assert_eq!(c.ufrag.as_deref(), Some("Ea7n"));
        assert_eq!(c.network_id, Some(3));
        assert_eq!(c.to_string(), s);
    }

    #[test]
    fn rfc6544_4_5_tcptype() {
        let s = "378868146 1 tcp 1518214911 10.99.0.1 9 typ host tcptype active generation 0 network-id 1";
        let c: Candidate = format!("candidate:{s}").parse().unwrap();
        assert_eq!(c.transport, Transport::Tcp);
        assert_eq!(c.tcp_type, Some(TcpType::Active));
        assert_eq!(c.to_string(), s);
        assert_eq!(c.to_candidate_attribute(), format!("candidate:{s}"));
    }

    #[test]
    fn unknown_extension_pairs_are_kept_in_order() {
        let c: Candidate = "a=candidate:0 1 UDP 2122252543 192.168.1.5 57253 typ host x 1 y 2\r\n"
            .parse()
            .unwrap();
        assert_eq!(c.transport, Transport::Udp);
        assert_eq!(c.extension("y"), Some("2"));
        assert_eq!(
            c.to_string(),
            "0 1 udp 2122252543 192.168.1.5 57253 typ host x 1 y 2"
        );
    }

    #[test]
    fn rfc8839_5_1_malformed_candidates_are_errors() {
        let bad = |s: &str| s.parse::<Candidate>().unwrap_err();
        assert_eq!(
            bad(""),
            Error::Value(Reason::Missing("candidate foundation"))
        );
        assert_eq!(
            bad("1 1 udp 1 1.2.3.4 99999 typ host"),
            Error::Value(Reason::Invalid("candidate port"))
        );
        assert_eq!(
            bad("1 1 udp 1 1.2.3.4 9 type host"),
            Error::Value(Reason::Invalid("candidate: expected `typ`"))
        );
        assert_eq!(
            bad("1 1 udp 1 1.2.3.4 9 typ host generation"),
            Error::Value(Reason::Missing("candidate extension value"))
        );
        assert_eq!(
            bad("1 1 udp 1 1.2.3.4 9 typ host tcptype sideways"),
            Error::Value(Reason::Invalid("candidate tcptype"))
        );
    }
}
