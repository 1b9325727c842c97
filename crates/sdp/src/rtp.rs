//! RTP payload and header-extension attributes: `a=rtpmap`, `a=fmtp` (RFC 8866 sections 6.6 and
//! 6.15), `a=rtcp-fb` (RFC 4585 section 4.2), `a=extmap` (RFC 8285 section 8) and `a=rtcp`
//! (RFC 3605 section 2.1).

use std::borrow::Cow;
use std::fmt;

use crate::address::Connection;
use crate::attribute::Direction;
use crate::error::Reason;
use crate::inline_str::InlineStr;
use crate::token::{Tokens, intern, number, split_once_byte, write_uint};

/// An encoding name, borrowed when it is a common one.
fn encoding_name(name: &str) -> Cow<'static, str> {
    intern!(
        name,
        [
            "opus",
            "VP8",
            "VP9",
            "H264",
            "H265",
            "AV1",
            "rtx",
            "red",
            "ulpfec",
            "flexfec-03",
            "G722",
            "PCMU",
            "PCMA",
            "CN",
            "telephone-event",
        ]
    )
}

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// (RFC 8866 section 6.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RtpMap {
    /// The RTP payload type.
    pub payload_type: u8,
    /// The encoding name, e.g. `opus`, `VP8`, `rtx`.
    pub encoding_name: Cow<'static, str>,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The encoding parameters: the channel count for audio (`opus/48000/2`).
    pub channels: Option<u16>,
}

impl RtpMap {
    pub(crate) fn parse(value: &str) -> Result<RtpMap, Reason> {
        let mut t = Tokens::new(value);
        let payload_type = number(t.expect("rtpmap payload type")?, "rtpmap payload type")?;
        let encoding = t.expect("rtpmap encoding")?;
        t.finish("rtpmap encoding")?;
        let (name, rate) =
            split_once_byte(encoding, b'/').ok_or(Reason::Missing("rtpmap clock rate"))?;
        if name.is_empty() {
            return Err(Reason::Missing("rtpmap encoding name"));
        }
        let (rate, channels) = match split_once_byte(rate, b'/') {
            Some((rate, channels)) => (rate, Some(channels)),
            None => (rate, None),
        };
        let clock_rate = number(rate, "rtpmap clock rate")?;
        let channels = match channels {
            Some(c) if c.contains('/') => {
                return Err(Reason::Trailing("rtpmap encoding parameters"));
            }
            Some(c) => Some(number(c, "rtpmap encoding parameters")?),
            None => None,
        };
        Ok(RtpMap {
            payload_type,
            encoding_name: encoding_name(name),
            clock_rate,
            channels,
        })
    }
}

impl fmt::Display for RtpMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uint(f, self.payload_type)?;
        f.write_str(" ")?;
        f.write_str(&self.encoding_name)?;
        f.write_str("/")?;
        write_uint(f, self.clock_rate)?;
        if let Some(c) = self.channels {
            f.write_str("/")?;
            write_uint(f, c)?;
        }
        Ok(())
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 section 6.15) for an RTP payload
/// type. The parameters are kept verbatim; [`Fmtp::params`] splits the common `k=v;k=v` form.
/// An `a=fmtp` whose format is not a payload number is kept as [`crate::Attribute::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Fmtp {
    /// The RTP payload type.
    pub payload_type: u8,
    /// The parameters, e.g. `minptime=10;useinbandfec=1`.
    pub params: InlineStr,
}

impl Fmtp {
    /// Builds the parameter string from `key=value` pairs joined by `;`.
    pub fn from_pairs<'a>(
        payload_type: u8,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Fmtp {
        let mut params = String::new();
        for (k, v) in pairs {
            if !params.is_empty() {
                params.push(';');
            }
            params.push_str(k);
            params.push('=');
            params.push_str(v);
        }
        Fmtp {
            payload_type,
            params: params.into(),
        }
    }

    /// Iterates `key[=value]` pairs separated by `;` (spaces around each pair trimmed).
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.params
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p, None),
            })
    }

    /// The value of parameter `key` (e.g. `apt` for RTX, RFC 4588 section 8.1).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params().find(|(k, _)| *k == key).and_then(|(_, v)| v)
    }

    /// `None` when the format is not a payload number (the caller keeps the line verbatim).
    pub(crate) fn parse(value: &str) -> Option<Fmtp> {
        let mut t = Tokens::new(value);
        let payload_type = number(t.next().unwrap_or_default(), "fmtp format").ok()?;
        Some(Fmtp {
            payload_type,
            params: t.rest().into(),
        })
    }
}

impl fmt::Display for Fmtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uint(f, self.payload_type)?;
        if !self.params.is_empty() {
            f.write_str(" ")?;
            f.write_str(&self.params)?;
        }
        Ok(())
    }
}

/// `a=rtcp-fb:<payload type or *> <type> [<parameters>]` (RFC 4585 section 4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RtcpFb {
    /// The payload type, `None` for the `*` wildcard.
    pub payload_type: Option<u8>,
    /// The feedback type: `nack`, `ccm`, `goog-remb`, `transport-cc`, `ack`, `trr-int`, ...
    pub kind: Cow<'static, str>,
    /// The parameter, e.g. `pli` in `nack pli`, `fir` in `ccm fir`.
    pub param: Option<Cow<'static, str>>,
}

impl RtcpFb {
    /// Feedback `kind` for payload type `pt`, with an optional parameter.
    pub fn new(pt: u8, kind: &'static str, param: Option<&'static str>) -> RtcpFb {
        RtcpFb {
            payload_type: Some(pt),
            kind: Cow::Borrowed(kind),
            param: param.map(Cow::Borrowed),
        }
    }

    pub(crate) fn parse(value: &str) -> Result<RtcpFb, Reason> {
        let mut t = Tokens::new(value);
        let payload_type = match t.expect("rtcp-fb payload type")? {
            "*" => None,
            pt => Some(number(pt, "rtcp-fb payload type")?),
        };
        let kind = intern!(
            t.expect("rtcp-fb type")?,
            ["nack", "ccm", "goog-remb", "transport-cc", "ack", "trr-int"],
        );
        let rest = t.rest();
        let param =
            (!rest.is_empty()).then(|| intern!(rest, ["pli", "fir", "tmmbr", "rpsi", "sli"]));
        Ok(RtcpFb {
            payload_type,
            kind,
            param,
        })
    }
}

impl fmt::Display for RtcpFb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.payload_type {
            Some(pt) => write_uint(f, pt)?,
            None => f.write_str("*")?,
        }
        f.write_str(" ")?;
        f.write_str(&self.kind)?;
        if let Some(p) = &self.param {
            f.write_str(" ")?;
            f.write_str(p)?;
        }
        Ok(())
    }
}

/// A header extension URI, borrowed when it is a common one.
fn extension_uri(uri: &str) -> Cow<'static, str> {
    intern!(
        uri,
        [
            "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "urn:ietf:params:rtp-hdrext:sdes:mid",
            "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
            "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
            "urn:ietf:params:rtp-hdrext:toffset",
            "urn:3gpp:video-orientation",
            "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
            "http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
            "http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
            "http://www.webrtc.org/experiments/rtp-hdrext/color-space",
            "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time",
            "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
            "urn:ietf:params:rtp-hdrext:csrc-audio-level",
            "urn:ietf:params:rtp-hdrext:framemarking",
        ]
    )
}

/// `a=extmap:<id>[/<direction>] <URI> [<extension attributes>]` (RFC 8285 section 8).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Extmap {
    /// The local identifier: 1-14 for one-byte headers, up to 255 for two-byte (4096-4351 are
    /// reserved for negotiation).
    pub id: u16,
    /// The optional direction.
    pub direction: Option<Direction>,
    /// The extension URI.
    pub uri: Cow<'static, str>,
    /// Extension attributes, kept verbatim.
    pub attributes: Option<String>,
}

impl Extmap {
    /// `a=extmap:<id> <uri>`.
    pub fn new(id: u16, uri: impl Into<Cow<'static, str>>) -> Extmap {
        Extmap {
            id,
            direction: None,
            uri: uri.into(),
            attributes: None,
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Extmap, Reason> {
        let mut t = Tokens::new(value);
        let id_dir = t.expect("extmap id")?;
        let (id, direction) = match split_once_byte(id_dir, b'/') {
            Some((id, dir)) => (
                id,
                Some(Direction::from_name(dir).ok_or(Reason::Invalid("extmap direction"))?),
            ),
            None => (id_dir, None),
        };
        let id = number(id, "extmap id")?;
        let uri = extension_uri(t.expect("extmap URI")?);
        let rest = t.rest();
        let attributes = (!rest.is_empty()).then(|| rest.to_owned());
        Ok(Extmap {
            id,
            direction,
            uri,
            attributes,
        })
    }
}

impl fmt::Display for Extmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uint(f, self.id)?;
        if let Some(d) = self.direction {
            f.write_str("/")?;
            f.write_str(d.as_str())?;
        }
        f.write_str(" ")?;
        f.write_str(&self.uri)?;
        if let Some(a) = &self.attributes {
            f.write_str(" ")?;
            f.write_str(a)?;
        }
        Ok(())
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 section 2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, if it differs from the media's.
    pub connection: Option<Connection>,
}

impl Rtcp {
    pub(crate) fn parse(value: &str) -> Result<Rtcp, Reason> {
        let mut t = Tokens::new(value);
        let port = number(t.expect("rtcp port")?, "rtcp port")?;
        let connection = if t.rest().is_empty() {
            None
        } else {
            Some(Connection::from_tokens(&mut t)?)
        };
        t.finish("rtcp address")?;
        Ok(Rtcp { port, connection })
    }
}

impl fmt::Display for Rtcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some(c) = &self.connection {
            write!(f, " {c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8866_6_6_rtpmap() {
        let m = RtpMap::parse("111 opus/48000/2").unwrap();
        assert_eq!(m.encoding_name, "opus");
        assert!(matches!(m.encoding_name, Cow::Borrowed(_)));
        assert_eq!(
            (m.payload_type, m.clock_rate, m.channels),
            (111, 48000, Some(2))
        );
        assert_eq!(m.to_string(), "111 opus/48000/2");
        assert_eq!(
            RtpMap::parse("96 VP8"),
            Err(Reason::Missing("rtpmap clock rate"))
        );
        assert_eq!(
            RtpMap::parse("300 VP8/90000"),
            Err(Reason::Invalid("rtpmap payload type"))
        );
        assert_eq!(
            RtpMap::parse("96 VP8/90000/1/2"),
            Err(Reason::Trailing("rtpmap encoding parameters"))
        );
    }

    #[test]
    fn rfc8866_6_15_fmtp() {
        let f = Fmtp::parse(
            "102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        )
        .unwrap();
        assert_eq!(f.param("packetization-mode"), Some("1"));
        assert_eq!(f.params().count(), 3);
        let rtx = Fmtp::from_pairs(97, [("apt", "96")]);
        assert_eq!(rtx.to_string(), "97 apt=96");
        assert_eq!(Fmtp::parse("webrtc-datachannel max-message-size=1"), None);
    }

    #[test]
    fn rfc4585_4_2_rtcp_fb() {
        let fb = RtcpFb::parse("96 nack pli").unwrap();
        assert_eq!(fb, RtcpFb::new(96, "nack", Some("pli")));
        assert_eq!(RtcpFb::parse("* ccm fir").unwrap().payload_type, None);
        assert_eq!(RtcpFb::parse("* ccm fir").unwrap().to_string(), "* ccm fir");
        assert_eq!(RtcpFb::parse("96"), Err(Reason::Missing("rtcp-fb type")));
    }

    #[test]
    fn rfc8285_8_extmap_with_direction_and_attributes() {
        let e = Extmap::parse("3/recvonly urn:example:ext attr1 attr2").unwrap();
        assert_eq!(e.direction, Some(Direction::RecvOnly));
        assert_eq!(e.attributes.as_deref(), Some("attr1 attr2"));
        assert_eq!(e.to_string(), "3/recvonly urn:example:ext attr1 attr2");
        assert_eq!(
            Extmap::parse("3/up urn:x"),
            Err(Reason::Invalid("extmap direction"))
        );
    }

    #[test]
    fn rfc3605_2_1_rtcp_attribute() {
        let r = Rtcp::parse("9 IN IP4 0.0.0.0").unwrap();
        assert_eq!(r.port, 9);
        assert_eq!(r.to_string(), "9 IN IP4 0.0.0.0");
        assert_eq!(Rtcp::parse("53020").unwrap().connection, None);
        assert_eq!(Rtcp::parse("9 IN"), Err(Reason::Missing("address type")));
    }
}
