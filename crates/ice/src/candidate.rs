//! Candidates (RFC 8445 §5.1): kinds, priorities (§5.1.2), foundations (§5.1.1.3), the
//! redundancy rule (§5.1.3), and the SDP form shared with `sansrtc-sdp` (RFC 8839 §5.1).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::error::Error;

/// The four candidate types of RFC 8445 §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CandidateKind {
    /// An address on a local interface, supplied by the caller.
    Host,
    /// The address a NAT gave us, learned from a STUN (or TURN) server.
    ServerReflexive,
    /// An address learned from a connectivity check (RFC 8445 §7.2.5.3.1, §7.3.1.3).
    PeerReflexive,
    /// An address on a TURN server (RFC 8656).
    Relayed,
}

impl CandidateKind {
    /// The RECOMMENDED type preference of RFC 8445 §5.1.2.2.
    pub const fn type_preference(self) -> u32 {
        match self {
            Self::Host => 126,
            Self::PeerReflexive => 110,
            Self::ServerReflexive => 100,
            Self::Relayed => 0,
        }
    }

    /// The `typ` token of the SDP candidate grammar (RFC 8839 §5.1).
    pub const fn sdp_name(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::ServerReflexive => "srflx",
            Self::PeerReflexive => "prflx",
            Self::Relayed => "relay",
        }
    }

    fn to_sdp(self) -> sansrtc_sdp::CandidateType {
        match self {
            Self::Host => sansrtc_sdp::CandidateType::Host,
            Self::ServerReflexive => sansrtc_sdp::CandidateType::ServerReflexive,
            Self::PeerReflexive => sansrtc_sdp::CandidateType::PeerReflexive,
            Self::Relayed => sansrtc_sdp::CandidateType::Relay,
        }
    }

    fn from_sdp(kind: &sansrtc_sdp::CandidateType) -> Option<Self> {
        Some(match kind {
            sansrtc_sdp::CandidateType::Host => Self::Host,
            sansrtc_sdp::CandidateType::ServerReflexive => Self::ServerReflexive,
            sansrtc_sdp::CandidateType::PeerReflexive => Self::PeerReflexive,
            sansrtc_sdp::CandidateType::Relay => Self::Relayed,
            _ => return None,
        })
    }
}

impl fmt::Display for CandidateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sdp_name())
    }
}

/// The only component WebRTC uses (RTP and RTCP multiplexed, BUNDLE: RFC 8843, RFC 8834).
pub const COMPONENT: u16 = 1;

/// RFC 8445 §5.1.2.1: `(2^24)*type + (2^8)*local + (256 - component)`.
pub fn priority(kind: CandidateKind, local_preference: u16, component: u16) -> u32 {
    let component = u32::from(component.clamp(1, 256));
    (kind.type_preference() << 24) + (u32::from(local_preference) << 8) + (256 - component)
}

/// The local preference of the `index`-th address the caller supplied (RFC 8445 §5.1.2.1 and,
/// for a dual-stack host, RFC 8421 §4): global IPv6 before IPv4 before link-local and loopback,
/// and unique per address (decreasing with `index`), so every candidate priority is unique.
pub fn local_preference(ip: IpAddr, index: usize) -> u16 {
    let family: u16 = match ip {
        IpAddr::V6(v6) if v6.is_loopback() || is_link_local(ip) => 30_000,
        IpAddr::V6(_) => 60_000,
        IpAddr::V4(v4) if v4.is_loopback() || v4.is_link_local() => 20_000,
        IpAddr::V4(_) => 50_000,
    };
    let step = u16::try_from(index.min(999)).unwrap_or(999) * 10;
    family.saturating_sub(step)
}

/// IPv6 link-local (fe80::/10), which RFC 8445 §6.1.2.2 pairs only with link-local.
pub(crate) fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V6(v6) => v6.segments().first().is_some_and(|s| s & 0xffc0 == 0xfe80),
        IpAddr::V4(_) => false,
    }
}

/// RFC 8445 §5.1.1.3: candidates share a foundation when they have the same type, base IP, STUN
/// or TURN server IP and transport. A stable hash of those keeps foundations within the
/// 32-character limit and reveals nothing but equality.
pub fn foundation(kind: CandidateKind, base: IpAddr, server: Option<IpAddr>) -> String {
    // FNV-1a: stable across runs and platforms (std's hasher is randomly keyed).
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    eat(kind.sdp_name().as_bytes());
    let mut eat_ip = |ip: IpAddr| match ip {
        IpAddr::V4(ip) => eat(&ip.octets()),
        IpAddr::V6(ip) => eat(&ip.octets()),
    };
    eat_ip(base);
    match server {
        Some(ip) => eat_ip(ip),
        None => eat(b"-"),
    }
    eat(b"udp");
    h.to_string()
}

/// One candidate, local or remote, in the agent's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Host, server reflexive, peer reflexive or relayed.
    pub kind: CandidateKind,
    /// The candidate's transport address.
    pub address: SocketAddr,
    /// The priority (RFC 8445 §5.1.2).
    pub priority: u32,
    /// The foundation (RFC 8445 §5.1.1.3), 1 to 32 ice-chars.
    pub foundation: String,
    /// The related address (`raddr`/`rport`) of a reflexive or relayed candidate.
    pub related: Option<SocketAddr>,
}

impl Candidate {
    /// The SDP form (RFC 8839 §5.1), with the `ufrag` extension naming its ICE generation
    /// (RFC 8838 §9) when given.
    pub fn to_sdp(&self, ufrag: Option<&str>) -> sansrtc_sdp::Candidate {
        let mut c = sansrtc_sdp::Candidate::new(
            self.foundation.clone(),
            COMPONENT,
            sansrtc_sdp::Transport::Udp,
            self.priority,
            self.address,
            self.kind.to_sdp(),
        );
        if let Some(related) = self.related {
            c.related_address = Some(sansrtc_sdp::Address::Ip(related.ip()));
            c.related_port = Some(related.port());
        }
        c.ufrag = ufrag.map(sansrtc_sdp::InlineStr::from);
        c
    }

    /// Reads a remote candidate whose address is an IP literal. Only UDP candidates of
    /// component 1 with a known type are usable by this agent.
    pub fn from_sdp(c: &sansrtc_sdp::Candidate) -> Result<Self, Error> {
        if c.transport != sansrtc_sdp::Transport::Udp {
            return Err(Error::UnsupportedTransport);
        }
        if c.component != COMPONENT {
            return Err(Error::UnsupportedComponent(c.component));
        }
        let kind = CandidateKind::from_sdp(&c.kind).ok_or(Error::UnknownCandidateType)?;
        let address = c.socket_addr().ok_or(Error::UnresolvedAddress)?;
        if c.foundation.is_empty() || c.foundation.len() > 32 {
            return Err(Error::InvalidFoundation);
        }
        if c.priority == 0 {
            return Err(Error::InvalidPriority);
        }
        Ok(Self {
            kind,
            address,
            priority: c.priority,
            foundation: c.foundation.to_string(),
            related: c.related_socket_addr(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8445_5_1_2_1_priority_formula() {
        // Host, single address: 126 * 2^24 + 65535 * 2^8 + 255.
        assert_eq!(priority(CandidateKind::Host, 65535, 1), 2_130_706_431);
        assert_eq!(priority(CandidateKind::Relayed, 0, 1), 255);
        assert_eq!(
            priority(CandidateKind::ServerReflexive, 65535, 1),
            100 * (1 << 24) + 65535 * 256 + 255
        );
        // Every value stays within 1..=2^31-1 (RFC 8445 §5.1.2).
        assert!(priority(CandidateKind::Host, u16::MAX, 1) < 1 << 31);
    }

    #[test]
    fn rfc8445_5_1_2_2_type_preferences() {
        assert!(
            CandidateKind::PeerReflexive.type_preference()
                > CandidateKind::ServerReflexive.type_preference()
        );
        assert_eq!(CandidateKind::Host.type_preference(), 126);
        assert_eq!(CandidateKind::Relayed.type_preference(), 0);
    }

    #[test]
    fn rfc8445_5_1_1_3_foundation_equal_for_same_type_base_and_server() {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let srv: IpAddr = "192.0.2.1".parse().unwrap();
        let a = foundation(CandidateKind::ServerReflexive, ip, Some(srv));
        let b = foundation(CandidateKind::ServerReflexive, ip, Some(srv));
        let c = foundation(CandidateKind::Host, ip, None);
        let d = foundation(
            CandidateKind::ServerReflexive,
            ip,
            Some("192.0.2.2".parse().unwrap()),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert!(a.len() <= 32);
    }

    #[test]
    fn rfc8421_4_local_preference_prefers_ipv6_and_is_unique_per_address() {
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let ll: IpAddr = "fe80::1".parse().unwrap();
        assert!(local_preference(v6, 0) > local_preference(v4, 0));
        assert!(local_preference(v4, 0) > local_preference(ll, 0));
        assert_ne!(local_preference(v4, 0), local_preference(v4, 1));
        assert!(is_link_local(ll) && !is_link_local(v6));
    }

    #[test]
    fn rfc8839_5_1_sdp_round_trip_with_ufrag_and_related_address() {
        let c = Candidate {
            kind: CandidateKind::ServerReflexive,
            address: "203.0.113.1:4000".parse().unwrap(),
            priority: priority(CandidateKind::ServerReflexive, 65535, 1),
            foundation: "12345".into(),
            related: Some("10.0.0.1:5000".parse().unwrap()),
        };
        let sdp = c.to_sdp(Some("abcd"));
        assert_eq!(
            sdp.to_candidate_attribute(),
            "candidate:12345 1 udp 1694498815 203.0.113.1 4000 typ srflx raddr 10.0.0.1 \
             rport 5000 ufrag abcd"
        );
        let parsed: sansrtc_sdp::Candidate = sdp.to_candidate_attribute().parse().unwrap();
        assert_eq!(Candidate::from_sdp(&parsed).unwrap(), c);
    }

    #[test]
    fn rfc8839_5_1_unusable_remote_candidates_are_refused() {
        let parse = |s: &str| Candidate::from_sdp(&s.parse::<sansrtc_sdp::Candidate>().unwrap());
        assert_eq!(
            parse("1 1 tcp 1 10.0.0.1 9 typ host tcptype active"),
            Err(Error::UnsupportedTransport)
        );
        assert_eq!(
            parse("1 2 udp 1 10.0.0.1 9 typ host"),
            Err(Error::UnsupportedComponent(2))
        );
        assert_eq!(
            parse("1 1 udp 1 abcd.local 9 typ host"),
            Err(Error::UnresolvedAddress)
        );
        assert_eq!(
            parse("1 1 udp 1 10.0.0.1 9 typ ext"),
            Err(Error::UnknownCandidateType)
        );
        assert_eq!(
            parse("1 1 udp 0 10.0.0.1 9 typ host"),
            Err(Error::InvalidPriority)
        );
    }
}
