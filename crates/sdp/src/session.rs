//! The session description (RFC 8866 section 5) and its session-level lines.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::address::{Address, AddressType, Connection};
use crate::attribute::Attribute;
use crate::error::{Error, Reason};
use crate::group::Group;
use crate::inline_str::InlineStr;
use crate::media::{Media, attribute_lookups};
use crate::token::{Tokens, intern, number};

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
/// (RFC 8866 section 5.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `<username>`: `-` when there is none (JSEP, RFC 9429 section 5.2.1).
    pub username: InlineStr,
    /// `<sess-id>`: a 64-bit number (JSEP requires < 2^63).
    pub session_id: u64,
    /// `<sess-version>`: incremented on every new offer/answer.
    pub session_version: u64,
    /// `<nettype>`: `IN`.
    pub network_type: Cow<'static, str>,
    /// `<addrtype>`.
    pub address_type: AddressType,
    /// `<unicast-address>` (JSEP uses `127.0.0.1` or `0.0.0.0`).
    pub address: Address,
}

impl Default for Origin {
    /// `o=- 0 0 IN IP4 127.0.0.1`.
    fn default() -> Self {
        Origin {
            username: InlineStr::from("-"),
            session_id: 0,
            session_version: 0,
            network_type: Cow::Borrowed("IN"),
            address_type: AddressType::Ip4,
            address: Address::Ip(std::net::Ipv4Addr::LOCALHOST.into()),
        }
    }
}

impl Origin {
    fn parse(value: &str) -> Result<Origin, Reason> {
        let mut t = Tokens::new(value);
        let username = t.expect("origin username")?.into();
        let session_id = number(t.expect("origin session id")?, "origin session id")?;
        let session_version = number(
            t.expect("origin session version")?,
            "origin session version",
        )?;
        let network_type = intern!(t.expect("origin network type")?, ["IN"]);
        let address_type = AddressType::from_token(t.expect("origin address type")?);
        let address = Address::from_token(t.expect("origin address")?);
        t.finish("origin address")?;
        Ok(Origin {
            username,
            session_id,
            session_version,
            network_type,
            address_type,
            address,
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.network_type,
            self.address_type,
            self.address
        )
    }
}

/// `<bwtype>` (RFC 8866 section 5.8; `TIAS`: RFC 3890).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BandwidthType {
    /// `CT`: conference total, kbit/s.
    ConferenceTotal,
    /// `AS`: application specific maximum, kbit/s.
    ApplicationSpecific,
    /// `TIAS`: transport independent application specific maximum, bit/s.
    Tias,
    /// Any other token, verbatim.
    Other(String),
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 section 5.8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bandwidth {
    /// `<bwtype>`.
    pub kind: BandwidthType,
    /// `<bandwidth>`.
    pub value: u64,
}

impl Bandwidth {
    fn parse(value: &str) -> Result<Bandwidth, Reason> {
        let (kind, bw) = value
            .split_once(':')
            .ok_or(Reason::Missing("bandwidth value"))?;
        let kind = match kind {
            "CT" => BandwidthType::ConferenceTotal,
            "AS" => BandwidthType::ApplicationSpecific,
            "TIAS" => BandwidthType::Tias,
            "" => return Err(Reason::Missing("bandwidth type")),
            other => BandwidthType::Other(other.to_owned()),
        };
        Ok(Bandwidth {
            kind,
            value: number(bw, "bandwidth value")?,
        })
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            BandwidthType::ConferenceTotal => "CT",
            BandwidthType::ApplicationSpecific => "AS",
            BandwidthType::Tias => "TIAS",
            BandwidthType::Other(s) => s,
        };
        write!(f, "{kind}:{}", self.value)
    }
}

/// `t=<start-time> <stop-time>` and its `r=` lines (RFC 8866 sections 5.9 and 5.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Timing {
    /// NTP start time; 0 for an unbounded session (JSEP uses `t=0 0`).
    pub start: u64,
    /// NTP stop time; 0 for unbounded.
    pub stop: u64,
    /// The `r=` lines that follow, verbatim.
    pub repeats: Vec<String>,
}

impl Timing {
    fn parse(value: &str) -> Result<Timing, Reason> {
        let mut t = Tokens::new(value);
        let start = number(t.expect("start time")?, "start time")?;
        let stop = number(t.expect("stop time")?, "stop time")?;
        t.finish("stop time")?;
        Ok(Timing {
            start,
            stop,
            repeats: Vec::new(),
        })
    }
}

/// A whole session description (RFC 8866 section 5): the session-level lines, then the media
/// descriptions.
///
/// `v=0` is implied (it is the only version). Lines are written in RFC 8866 order; attributes in
/// the order of `attributes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionDescription {
    /// `o=`.
    pub origin: Origin,
    /// `s=`: `-` in JSEP.
    pub name: InlineStr,
    /// `i=` session information.
    pub information: Option<String>,
    /// `u=` URI.
    pub uri: Option<String>,
    /// `e=` lines.
    pub emails: Vec<String>,
    /// `p=` lines.
    pub phones: Vec<String>,
    /// Session-level `c=`.
    pub connection: Option<Connection>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines (at least one) with their `r=` lines.
    pub timings: Vec<Timing>,
    /// `z=`, verbatim.
    pub time_zones: Option<String>,
    /// `k=` (obsolete, RFC 8866 section 5.12), verbatim.
    pub key: Option<String>,
    /// Session-level `a=` lines, in order.
    pub attributes: Vec<Attribute>,
    /// Media descriptions, in order.
    pub media: Vec<Media>,
}

impl Default for SessionDescription {
    /// `v=0`, `o=- 0 0 IN IP4 127.0.0.1`, `s=-`, `t=0 0`, nothing else.
    fn default() -> Self {
        SessionDescription {
            origin: Origin::default(),
            name: InlineStr::from("-"),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            timings: vec![Timing::default()],
            time_zones: None,
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }
}

impl SessionDescription {
    /// Parses a session description. Lines may end in `\r\n` or `\n`; empty lines are skipped.
    pub fn parse(input: &str) -> Result<SessionDescription, Error> {
        crate::parser::parse(input)
    }

    /// Serializes with `\r\n` line endings (same as `to_string()`, with a pre-sized buffer).
    pub fn serialize(&self) -> String {
        use fmt::Write;
        let estimate = 256
            + self
                .media
                .iter()
                .map(|m| 64 + 48 * m.attributes.len())
                .sum::<usize>();
        let mut out = String::with_capacity(estimate);
        // Writing to a String cannot fail.
        let _ = write!(out, "{self}");
        out
    }

    attribute_lookups!();

    /// The media description whose `a=mid` is `mid`.
    pub fn media_by_mid(&self, mid: &str) -> Option<&Media> {
        self.media.iter().find(|m| m.mid() == Some(mid))
    }

    /// Mutable [`SessionDescription::media_by_mid`].
    pub fn media_by_mid_mut(&mut self, mid: &str) -> Option<&mut Media> {
        self.media.iter_mut().find(|m| m.mid() == Some(mid))
    }

    /// Every `a=group`, in order.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Group(g) => Some(g),
            _ => None,
        })
    }

    /// The first `a=group:BUNDLE` (RFC 9143).
    pub fn bundle_group(&self) -> Option<&Group> {
        self.groups().find(|g| g.is_bundle())
    }

    /// True if `a=ice-lite` is present (RFC 8839 section 5.3).
    pub fn ice_lite(&self) -> bool {
        self.attributes
            .iter()
            .any(|a| matches!(a, Attribute::IceLite))
    }
}

impl FromStr for SessionDescription {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        SessionDescription::parse(s)
    }
}

/// Writes `<prefix><value>\r\n`.
pub(crate) fn write_line(
    f: &mut fmt::Formatter<'_>,
    prefix: &str,
    value: &dyn fmt::Display,
) -> fmt::Result {
    f.write_str(prefix)?;
    value.fmt(f)?;
    f.write_str("\r\n")
}

impl fmt::Display for SessionDescription {
    /// Writes the whole description in RFC 8866 order, CRLF line endings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=0\r\n")?;
        write_line(f, "o=", &self.origin)?;
        write_line(f, "s=", &self.name)?;
        if let Some(i) = &self.information {
            write_line(f, "i=", i)?;
        }
        if let Some(u) = &self.uri {
            write_line(f, "u=", u)?;
        }
        for e in &self.emails {
            write_line(f, "e=", e)?;
        }
        for p in &self.phones {
            write_line(f, "p=", p)?;
        }
        if let Some(c) = &self.connection {
            write_line(f, "c=", c)?;
        }
        for b in &self.bandwidths {
            write_line(f, "b=", b)?;
        }
        for t in &self.timings {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                write_line(f, "r=", r)?;
            }
        }
        if let Some(z) = &self.time_zones {
            write_line(f, "z=", z)?;
        }
        if let Some(k) = &self.key {
            write_line(f, "k=", k)?;
        }
        for a in &self.attributes {
            write_line(f, "a=", a)?;
        }
        for m in &self.media {
            fmt::Display::fmt(m, f)?;
        }
        Ok(())
    }
}

pub(crate) fn parse_origin(value: &str) -> Result<Origin, Reason> {
    Origin::parse(value)
}

pub(crate) fn parse_bandwidth(value: &str) -> Result<Bandwidth, Reason> {
    Bandwidth::parse(value)
}

pub(crate) fn parse_timing(value: &str) -> Result<Timing, Reason> {
    Timing::parse(value)
}
