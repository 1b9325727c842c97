//! `a=` lines (RFC 8866 section 5.13): one typed variant per attribute WebRTC uses, and
//! [`Attribute::Unknown`] for everything else, kept verbatim.

use std::fmt;
use std::str::FromStr;

use crate::candidate::Candidate;
use crate::error::{Error, Reason};
use crate::fingerprint::Fingerprint;
use crate::group::Group;
use crate::inline_str::InlineStr;
use crate::rtp::{Extmap, Fmtp, Rtcp, RtcpFb, RtpMap};
use crate::setup::{ConnectionMode, Setup};
use crate::simulcast::{Rid, Simulcast};
use crate::ssrc::{Msid, Ssrc, SsrcGroup};
use crate::token::{Tokens, number, split_once_byte};

/// The media direction attributes (RFC 8866 section 6.7; RFC 3264 section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `sendrecv`, the default when none is present.
    #[default]
    SendRecv,
    /// `sendonly`.
    SendOnly,
    /// `recvonly`.
    RecvOnly,
    /// `inactive`.
    Inactive,
}

impl Direction {
    /// Parses an attribute name (`sendrecv`, ...).
    pub fn from_name(s: &str) -> Option<Direction> {
        match s {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction seen from the other side: `sendonly` and `recvonly` swap (RFC 3264
    /// section 6.1 answers a `sendonly` stream with `recvonly`).
    pub fn reverse(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    /// True for `sendrecv` and `sendonly`.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// True for `sendrecv` and `recvonly`.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `a=` line. Order is significant and kept: a description's attributes are a `Vec` of these,
/// written back in the order they were parsed (or pushed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Attribute {
    /// `a=group` (RFC 5888 section 5; BUNDLE: RFC 9143).
    Group(Group),
    /// `a=mid` (RFC 5888 section 4).
    Mid(InlineStr),
    /// `a=ice-ufrag` (RFC 8839 section 5.4).
    IceUfrag(InlineStr),
    /// `a=ice-pwd` (RFC 8839 section 5.4).
    IcePwd(InlineStr),
    /// `a=ice-options` (RFC 8839 section 5.6), e.g. `trickle`.
    IceOptions(Vec<InlineStr>),
    /// `a=ice-lite` (RFC 8839 section 5.3).
    IceLite,
    /// `a=candidate` (RFC 8839 section 5.1). Boxed: a candidate is four times the size of any
    /// other attribute, and every `Attribute` would otherwise pay for it.
    Candidate(Box<Candidate>),
    /// `a=end-of-candidates` (RFC 8840 section 8.2).
    EndOfCandidates,
    /// `a=fingerprint` (RFC 8122 section 5).
    Fingerprint(Fingerprint),
    /// `a=setup` (RFC 4145 section 4).
    Setup(Setup),
    /// `a=connection` (RFC 4145 section 5).
    Connection(ConnectionMode),
    /// `a=rtcp` (RFC 3605 section 2.1). Boxed, as [`Attribute::Rid`]: the largest attributes, one
    /// or none per section, that would make every `Attribute` a third larger.
    Rtcp(Box<Rtcp>),
    /// `a=rtcp-mux` (RFC 5761 section 5.1.1).
    RtcpMux,
    /// `a=rtcp-mux-only` (RFC 8858 section 3).
    RtcpMuxOnly,
    /// `a=rtcp-rsize` (RFC 5506 section 5).
    RtcpRsize,
    /// `a=rtpmap` (RFC 8866 section 6.6).
    RtpMap(RtpMap),
    /// `a=fmtp` with a numeric format (RFC 8866 section 6.15).
    Fmtp(Fmtp),
    /// `a=rtcp-fb` (RFC 4585 section 4.2).
    RtcpFb(RtcpFb),
    /// `a=extmap` (RFC 8285 section 8).
    Extmap(Extmap),
    /// `a=extmap-allow-mixed` (RFC 8285 section 6).
    ExtmapAllowMixed,
    /// `a=ssrc` (RFC 5576 section 4.1).
    Ssrc(Ssrc),
    /// `a=ssrc-group` (RFC 5576 section 4.2).
    SsrcGroup(SsrcGroup),
    /// `a=msid` (RFC 8830 section 2).
    Msid(Msid),
    /// `a=rid` (RFC 8851 section 10). Boxed, as [`Attribute::Rtcp`].
    Rid(Box<Rid>),
    /// `a=simulcast` (RFC 8853 section 5.1).
    Simulcast(Simulcast),
    /// `a=sctp-port` (RFC 8841 section 5).
    SctpPort(u16),
    /// `a=max-message-size` (RFC 8841 section 6); 0 means no limit.
    MaxMessageSize(u64),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 section 6.7).
    Direction(Direction),
    /// Any other attribute, verbatim: `a=<name>` (value `None`) or `a=<name>:<value>`.
    Unknown {
        /// The attribute name (never empty, never one of the typed names above except `fmtp`
        /// with a non-numeric format).
        name: InlineStr,
        /// Everything after the first `:`, verbatim.
        value: Option<InlineStr>,
    },
}

impl Attribute {
    /// The attribute name (`rtpmap`, `sendrecv`, or the unknown attribute's name).
    pub fn name(&self) -> &str {
        match self {
            Attribute::Group(_) => "group",
            Attribute::Mid(_) => "mid",
            Attribute::IceUfrag(_) => "ice-ufrag",
            Attribute::IcePwd(_) => "ice-pwd",
            Attribute::IceOptions(_) => "ice-options",
            Attribute::IceLite => "ice-lite",
            Attribute::Candidate(_) => "candidate",
            Attribute::EndOfCandidates => "end-of-candidates",
            Attribute::Fingerprint(_) => "fingerprint",
            Attribute::Setup(_) => "setup",
            Attribute::Connection(_) => "connection",
            Attribute::Rtcp(_) => "rtcp",
            Attribute::RtcpMux => "rtcp-mux",
            Attribute::RtcpMuxOnly => "rtcp-mux-only",
            Attribute::RtcpRsize => "rtcp-rsize",
            Attribute::RtpMap(_) => "rtpmap",
            Attribute::Fmtp(_) => "fmtp",
            Attribute::RtcpFb(_) => "rtcp-fb",
            Attribute::Extmap(_) => "extmap",
            Attribute::ExtmapAllowMixed => "extmap-allow-mixed",
            Attribute::Ssrc(_) => "ssrc",
            Attribute::SsrcGroup(_) => "ssrc-group",
            Attribute::Msid(_) => "msid",
            Attribute::Rid(_) => "rid",
            Attribute::Simulcast(_) => "simulcast",
            Attribute::SctpPort(_) => "sctp-port",
            Attribute::MaxMessageSize(_) => "max-message-size",
            Attribute::Direction(d) => d.as_str(),
            Attribute::Unknown { name, .. } => name,
        }
    }

    /// An unknown attribute `a=<name>[:<value>]`.
    pub fn unknown(name: impl Into<InlineStr>, value: Option<&str>) -> Attribute {
        Attribute::Unknown {
            name: name.into(),
            value: value.map(InlineStr::from),
        }
    }

    /// Parses the text after `a=`. Inlined into the parser's loop (its one hot caller), so the
    /// attribute is built where it is pushed instead of being moved through a return slot.
    #[inline]
    pub(crate) fn parse(text: &str) -> Result<Attribute, Reason> {
        let (name, value) = match split_once_byte(text, b':') {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        if name.is_empty() {
            return Err(Reason::EmptyAttributeName);
        }
        let attribute = match name {
            "candidate" => Attribute::Candidate(Box::new(Candidate::parse_value(required(
                value,
                "candidate",
            )?)?)),
            "rtcp-fb" => Attribute::RtcpFb(RtcpFb::parse(required(value, "rtcp-fb")?)?),
            "rtpmap" => Attribute::RtpMap(RtpMap::parse(required(value, "rtpmap")?)?),
            "fmtp" => match value.and_then(Fmtp::parse) {
                Some(fmtp) => Attribute::Fmtp(fmtp),
                None => Attribute::unknown(name, value),
            },
            "extmap" => Attribute::Extmap(Extmap::parse(required(value, "extmap")?)?),
            "ssrc" => Attribute::Ssrc(Ssrc::parse(required(value, "ssrc")?)?),
            "ssrc-group" => Attribute::SsrcGroup(SsrcGroup::parse(required(value, "ssrc-group")?)?),
            "mid" => Attribute::Mid(single_token(value, "mid")?.into()),
            "msid" => Attribute::Msid(Msid::parse(required(value, "msid")?)?),
            "group" => Attribute::Group(Group::parse(required(value, "group")?)?),
            "ice-ufrag" => Attribute::IceUfrag(single_token(value, "ice-ufrag")?.into()),
            "ice-pwd" => Attribute::IcePwd(single_token(value, "ice-pwd")?.into()),
            "ice-options" => Attribute::IceOptions(
                Tokens::new(required(value, "ice-options")?)
                    .map(InlineStr::from)
                    .collect(),
            ),
            "fingerprint" => {
                Attribute::Fingerprint(Fingerprint::parse(required(value, "fingerprint")?)?)
            }
            "setup" => Attribute::Setup(Setup::parse(single_token(value, "setup")?)?),
            "connection" => {
                Attribute::Connection(ConnectionMode::parse(single_token(value, "connection")?)?)
            }
            "rtcp" => Attribute::Rtcp(Box::new(Rtcp::parse(required(value, "rtcp")?)?)),
            "rid" => Attribute::Rid(Box::new(Rid::parse(required(value, "rid")?)?)),
            "simulcast" => Attribute::Simulcast(Simulcast::parse(required(value, "simulcast")?)?),
            "sctp-port" => {
                Attribute::SctpPort(number(single_token(value, "sctp-port")?, "sctp-port")?)
            }
            "max-message-size" => Attribute::MaxMessageSize(number(
                single_token(value, "max-message-size")?,
                "max-message-size",
            )?),
            "rtcp-mux" => flag(value, "rtcp-mux", Attribute::RtcpMux)?,
            "rtcp-mux-only" => flag(value, "rtcp-mux-only", Attribute::RtcpMuxOnly)?,
            "rtcp-rsize" => flag(value, "rtcp-rsize", Attribute::RtcpRsize)?,
            "ice-lite" => flag(value, "ice-lite", Attribute::IceLite)?,
            "end-of-candidates" => flag(value, "end-of-candidates", Attribute::EndOfCandidates)?,
            "extmap-allow-mixed" => flag(value, "extmap-allow-mixed", Attribute::ExtmapAllowMixed)?,
            "sendrecv" => flag(value, "sendrecv", Attribute::Direction(Direction::SendRecv))?,
            "sendonly" => flag(value, "sendonly", Attribute::Direction(Direction::SendOnly))?,
            "recvonly" => flag(value, "recvonly", Attribute::Direction(Direction::RecvOnly))?,
            "inactive" => flag(value, "inactive", Attribute::Direction(Direction::Inactive))?,
            // Known names are tokens; only an unknown one needs checking (RFC 8866 section 9).
            _ if !name.bytes().all(is_token_char) => {
                return Err(Reason::Invalid("attribute name"));
            }
            _ => Attribute::unknown(name, value),
        };
        Ok(attribute)
    }
}

/// `token-char` of RFC 8866 section 9: the characters an attribute name (`att-field`) may use.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

/// A value attribute must have `:<value>`.
fn required<'a>(value: Option<&'a str>, name: &'static str) -> Result<&'a str, Reason> {
    value.ok_or(Reason::Missing(name))
}

/// A value that is exactly one token (`a=mid:` is not; surrounding SP is tolerated).
fn single_token<'a>(value: Option<&'a str>, name: &'static str) -> Result<&'a str, Reason> {
    let mut t = Tokens::new(required(value, name)?);
    let token = t.expect(name)?;
    t.finish(name)?;
    Ok(token)
}

/// A property attribute has no value (RFC 8866 section 5.13, `a=<attribute>`).
fn flag(
    value: Option<&str>,
    name: &'static str,
    attribute: Attribute,
) -> Result<Attribute, Reason> {
    match value {
        None => Ok(attribute),
        Some(_) => Err(Reason::UnexpectedValue(name)),
    }
}

impl FromStr for Attribute {
    type Err = Error;

    /// Parses `a=<name>[:<value>]` or the same without `a=`.
    fn from_str(s: &str) -> Result<Attribute, Error> {
        let s = s.trim_end_matches(['\r', '\n']);
        let s = s.strip_prefix("a=").unwrap_or(s);
        if s.contains(['\0', '\r', '\n']) {
            return Err(Error::Value(Reason::ForbiddenCharacter));
        }
        Attribute::parse(s).map_err(Error::Value)
    }
}

impl fmt::Display for Attribute {
    /// Writes `<name>[:<value>]` (without `a=` and without the line ending).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        let value: &dyn fmt::Display = match self {
            Attribute::Group(v) => v,
            Attribute::Mid(v) | Attribute::IceUfrag(v) | Attribute::IcePwd(v) => v,
            Attribute::IceOptions(v) => {
                f.write_str(":")?;
                for (i, o) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str(o)?;
                }
                return Ok(());
            }
            Attribute::Candidate(v) => v,
            Attribute::Fingerprint(v) => v,
            Attribute::Setup(v) => v,
            Attribute::Connection(v) => return write!(f, ":{}", v.as_str()),
            Attribute::Rtcp(v) => v,
            Attribute::RtpMap(v) => v,
            Attribute::Fmtp(v) => v,
            Attribute::RtcpFb(v) => v,
            Attribute::Extmap(v) => v,
            Attribute::Ssrc(v) => v,
            Attribute::SsrcGroup(v) => v,
            Attribute::Msid(v) => v,
            Attribute::Rid(v) => v,
            Attribute::Simulcast(v) => v,
            Attribute::SctpPort(v) => v,
            Attribute::MaxMessageSize(v) => v,
            Attribute::Unknown { value: Some(v), .. } => v,
            Attribute::IceLite
            | Attribute::EndOfCandidates
            | Attribute::RtcpMux
            | Attribute::RtcpMuxOnly
            | Attribute::RtcpRsize
            | Attribute::ExtmapAllowMixed
            | Attribute::Direction(_)
            | Attribute::Unknown { value: None, .. } => return Ok(()),
        };
        f.write_str(":")?;
        value.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8866_5_13_property_and_value_attributes() {
        assert_eq!(Attribute::parse("rtcp-mux"), Ok(Attribute::RtcpMux));
        assert_eq!(
            Attribute::parse("rtcp-mux:1"),
            Err(Reason::UnexpectedValue("rtcp-mux"))
        );
        assert_eq!(Attribute::parse("mid"), Err(Reason::Missing("mid")));
        assert_eq!(Attribute::parse(":x"), Err(Reason::EmptyAttributeName));
        // att-field is a token (RFC 8866 section 9): no SP, no `=`.
        assert_eq!(
            Attribute::parse("a=b:c"),
            Err(Reason::Invalid("attribute name"))
        );
        assert_eq!(
            Attribute::parse("x y:z"),
            Err(Reason::Invalid("attribute name"))
        );
        assert!(Attribute::parse("x-Goog.flag~1:anything at all").is_ok());
        assert_eq!(
            Attribute::parse("sendonly"),
            Ok(Attribute::Direction(Direction::SendOnly))
        );
    }

    #[test]
    fn rfc8866_5_13_unknown_attributes_are_verbatim() {
        for s in [
            "msid-semantic: WMS",
            "rtcp-xr:rcvr-rtt=all",
            "x-flag",
            "x-empty:",
            "fmtp:webrtc-datachannel a=1",
        ] {
            let a: Attribute = s.parse().unwrap();
            assert!(matches!(a, Attribute::Unknown { .. }), "{s}");
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn rfc8841_5_and_6_sctp_attributes() {
        assert_eq!(
            Attribute::parse("sctp-port:5000"),
            Ok(Attribute::SctpPort(5000))
        );
        assert_eq!(
            Attribute::parse("max-message-size:262144"),
            Ok(Attribute::MaxMessageSize(262144))
        );
        assert_eq!(
            Attribute::parse("sctp-port:65536"),
            Err(Reason::Invalid("sctp-port"))
        );
    }

    #[test]
    fn rfc8839_5_6_ice_options() {
        let a = Attribute::parse("ice-options:trickle ice2").unwrap();
        assert_eq!(
            a,
            Attribute::IceOptions(vec!["trickle".into(), "ice2".into()])
        );
        assert_eq!(a.to_string(), "ice-options:trickle ice2");
    }

    #[test]
    fn an_attribute_stays_small() {
        // Every attribute of a description pays for the largest variant, in the Vec and in
        // every move: larger payloads are boxed (candidate, rtcp, rid).
        assert!(size_of::<Attribute>() <= 72, "{}", size_of::<Attribute>());
    }

    #[test]
    fn rfc3264_6_1_direction_reverse() {
        assert_eq!(Direction::SendOnly.reverse(), Direction::RecvOnly);
        assert_eq!(Direction::Inactive.reverse(), Direction::Inactive);
        assert!(Direction::SendRecv.sends() && Direction::SendRecv.receives());
    }
}
