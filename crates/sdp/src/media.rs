//! Media descriptions: `m=` and the lines after it (RFC 8866 section 5.14).

use std::borrow::Cow;
use std::fmt;

use crate::address::Connection;
use crate::attribute::Attribute;
use crate::candidate::Candidate;
use crate::error::Reason;
use crate::inline_str::InlineStr;
use crate::rtp::{Fmtp, Rtcp, RtcpFb, RtpMap};
use crate::session::{Bandwidth, write_line};
use crate::simulcast::{Rid, Simulcast};
use crate::ssrc::{Msid, Ssrc, SsrcGroup};
use crate::token::{Tokens, intern, intern_format, number, split_once_byte, write_uint};

/// `<media>` (RFC 8866 section 5.14).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum MediaKind {
    /// `audio`.
    #[default]
    Audio,
    /// `video`.
    Video,
    /// `application` (data channels, RFC 8841).
    Application,
    /// `text`.
    Text,
    /// `message`.
    Message,
    /// Any other token, kept verbatim.
    Other(String),
}

impl MediaKind {
    fn from_token(s: &str) -> MediaKind {
        match s {
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            "application" => MediaKind::Application,
            "text" => MediaKind::Text,
            "message" => MediaKind::Message,
            other => MediaKind::Other(other.to_owned()),
        }
    }

    /// The token as written.
    pub fn as_str(&self) -> &str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Application => "application",
            MediaKind::Text => "text",
            MediaKind::Message => "message",
            MediaKind::Other(s) => s,
        }
    }
}

/// Helpers that read `a=` lines valid at both session and media level. Implemented by a macro
/// so both [`Media`] and [`crate::SessionDescription`] get the same names.
macro_rules! attribute_lookups {
    () => {
        /// The first attribute named `name` (typed or unknown), e.g. `attribute("rtcp-xr")`.
        pub fn attribute(&self, name: &str) -> Option<&$crate::Attribute> {
            self.attributes.iter().find(|a| a.name() == name)
        }

        /// All attributes named `name`, in order.
        pub fn attributes_named<'s>(
            &'s self,
            name: &'s str,
        ) -> impl Iterator<Item = &'s $crate::Attribute> + 's {
            self.attributes.iter().filter(move |a| a.name() == name)
        }

        /// The value of the first unknown attribute `name`: `Some(None)` for a property
        /// attribute (`a=name`), `Some(Some(v))` for `a=name:v`.
        pub fn unknown_attribute(&self, name: &str) -> Option<Option<&str>> {
            self.attributes.iter().find_map(|a| match a {
                $crate::Attribute::Unknown { name: n, value } if n == name => {
                    Some(value.as_deref())
                }
                _ => None,
            })
        }

        /// `a=ice-ufrag`.
        pub fn ice_ufrag(&self) -> Option<&str> {
            self.attributes.iter().find_map(|a| match a {
                $crate::Attribute::IceUfrag(v) => Some(v.as_str()),
                _ => None,
            })
        }

        /// `a=ice-pwd`.
        pub fn ice_pwd(&self) -> Option<&str> {
            self.attributes.iter().find_map(|a| match a {
                $crate::Attribute::IcePwd(v) => Some(v.as_str()),
                _ => None,
            })
        }

        /// The `a=ice-options` tokens (all lines).
        pub fn ice_options(&self) -> impl Iterator<Item = &str> {
            self.attributes
                .iter()
                .filter_map(|a| match a {
                    $crate::Attribute::IceOptions(v) => Some(v.iter().map(InlineStr::as_str)),
                    _ => None,
                })
                .flatten()
        }

        /// Every `a=fingerprint`, in order.
        pub fn fingerprints(&self) -> impl Iterator<Item = &$crate::Fingerprint> {
            self.attributes.iter().filter_map(|a| match a {
                $crate::Attribute::Fingerprint(v) => Some(v),
                _ => None,
            })
        }

        /// `a=setup`.
        pub fn setup(&self) -> Option<$crate::Setup> {
            self.attributes.iter().find_map(|a| match a {
                $crate::Attribute::Setup(v) => Some(*v),
                _ => None,
            })
        }

        /// Every `a=extmap`, in order.
        pub fn extmaps(&self) -> impl Iterator<Item = &$crate::Extmap> {
            self.attributes.iter().filter_map(|a| match a {
                $crate::Attribute::Extmap(v) => Some(v),
                _ => None,
            })
        }

        /// True if `a=extmap-allow-mixed` is present.
        pub fn extmap_allow_mixed(&self) -> bool {
            self.attributes
                .iter()
                .any(|a| matches!(a, $crate::Attribute::ExtmapAllowMixed))
        }

        /// The direction attribute, if any (absent means `sendrecv`, RFC 8866 section 6.7).
        pub fn direction(&self) -> Option<$crate::Direction> {
            self.attributes.iter().find_map(|a| match a {
                $crate::Attribute::Direction(d) => Some(*d),
                _ => None,
            })
        }

        /// Replaces every direction attribute with `direction` (at the first one's place, or at
        /// the end).
        pub fn set_direction(&mut self, direction: $crate::Direction) {
            let first = self
                .attributes
                .iter()
                .position(|a| matches!(a, $crate::Attribute::Direction(_)));
            self.attributes
                .retain(|a| !matches!(a, $crate::Attribute::Direction(_)));
            let at = first.unwrap_or(self.attributes.len());
            self.attributes
                .insert(at, $crate::Attribute::Direction(direction));
        }

        /// Appends an attribute (builder style).
        pub fn with(mut self, attribute: $crate::Attribute) -> Self {
            self.attributes.push(attribute);
            self
        }
    };
}
pub(crate) use attribute_lookups;

/// One media description: the `m=` line and the `i= c= b= k= a=` lines after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Media {
    /// `<media>`.
    pub kind: MediaKind,
    /// `<port>`: 9 (discard) for a bundled or not-yet-gathered section in JSEP; 0 rejects it.
    pub port: u16,
    /// The `/<number of ports>` suffix, if any.
    pub port_count: Option<u16>,
    /// `<proto>`, e.g. [`Media::PROTO_RTP`] or [`Media::PROTO_SCTP`].
    pub protocol: Cow<'static, str>,
    /// `<fmt>` list: RTP payload types as decimal strings, or `webrtc-datachannel`.
    pub formats: Vec<Cow<'static, str>>,
    /// `i=` media title.
    pub title: Option<String>,
    /// `c=` lines (several only for multicast).
    pub connections: Vec<Connection>,
    /// `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=` (obsolete, RFC 8866 section 5.12), verbatim.
    pub key: Option<String>,
    /// `a=` lines, in order.
    pub attributes: Vec<Attribute>,
}

/// A protocol token, borrowed when it is a common one ([`Media::PROTO_RTP`],
/// [`Media::PROTO_SCTP`], ...).
fn protocol(token: &str) -> Cow<'static, str> {
    intern!(
        token,
        [
            "UDP/TLS/RTP/SAVPF",
            "UDP/DTLS/SCTP",
            "TCP/DTLS/SCTP",
            "DTLS/SCTP",
            "UDP/TLS/RTP/SAVP",
            "TCP/TLS/RTP/SAVPF",
            "RTP/SAVPF",
            "RTP/AVPF",
            "RTP/SAVP",
            "RTP/AVP",
        ]
    )
}

impl Media {
    /// `UDP/TLS/RTP/SAVPF`: DTLS-SRTP media (RFC 5764 section 8; RFC 9429 section 5.1.2).
    pub const PROTO_RTP: &'static str = "UDP/TLS/RTP/SAVPF";
    /// `UDP/DTLS/SCTP`: data channels (RFC 8841 section 4).
    pub const PROTO_SCTP: &'static str = "UDP/DTLS/SCTP";

    /// An `m=` section with no attributes yet.
    pub fn new(
        kind: MediaKind,
        port: u16,
        protocol: impl Into<Cow<'static, str>>,
        formats: impl IntoIterator<Item = impl ToString>,
    ) -> Media {
        Media {
            kind,
            port,
            protocol: protocol.into(),
            formats: formats
                .into_iter()
                .map(|f| intern_format(&f.to_string()))
                .collect(),
            ..Media::default()
        }
    }

    attribute_lookups!();

    /// `a=mid`.
    pub fn mid(&self) -> Option<&str> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Mid(v) => Some(v.as_str()),
            _ => None,
        })
    }

    /// The numeric formats (RTP payload types), skipping non-numeric ones.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> {
        self.formats.iter().filter_map(|f| number(f, "format").ok())
    }

    /// Every `a=candidate`, in order.
    pub fn candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Candidate(c) => Some(&**c),
            _ => None,
        })
    }

    /// Appends a trickled candidate after the last existing candidate (or at the end).
    pub fn add_candidate(&mut self, candidate: Candidate) {
        let at = self
            .attributes
            .iter()
            .rposition(|a| matches!(a, Attribute::Candidate(_)))
            .map_or(self.attributes.len(), |i| i + 1);
        self.attributes
            .insert(at, Attribute::Candidate(Box::new(candidate)));
    }

    /// True if `a=end-of-candidates` is present.
    pub fn end_of_candidates(&self) -> bool {
        self.attributes
            .iter()
            .any(|a| matches!(a, Attribute::EndOfCandidates))
    }

    /// `a=rtcp`.
    pub fn rtcp(&self) -> Option<&Rtcp> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Rtcp(v) => Some(&**v),
            _ => None,
        })
    }

    /// True if `a=rtcp-mux` is present.
    pub fn rtcp_mux(&self) -> bool {
        self.attributes
            .iter()
            .any(|a| matches!(a, Attribute::RtcpMux))
    }

    /// True if `a=rtcp-mux-only` is present.
    pub fn rtcp_mux_only(&self) -> bool {
        self.attributes
            .iter()
            .any(|a| matches!(a, Attribute::RtcpMuxOnly))
    }

    /// True if `a=rtcp-rsize` is present.
    pub fn rtcp_rsize(&self) -> bool {
        self.attributes
            .iter()
            .any(|a| matches!(a, Attribute::RtcpRsize))
    }

    /// Every `a=rtpmap`, in order.
    pub fn rtpmaps(&self) -> impl Iterator<Item = &RtpMap> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::RtpMap(v) => Some(v),
            _ => None,
        })
    }

    /// The `a=rtpmap` of payload type `pt`.
    pub fn rtpmap(&self, pt: u8) -> Option<&RtpMap> {
        self.rtpmaps().find(|m| m.payload_type == pt)
    }

    /// The `a=fmtp` of payload type `pt`.
    pub fn fmtp(&self, pt: u8) -> Option<&Fmtp> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Fmtp(v) if v.payload_type == pt => Some(v),
            _ => None,
        })
    }

    /// The `a=rtcp-fb` lines that apply to `pt`, including `*` wildcards.
    pub fn rtcp_fbs(&self, pt: u8) -> impl Iterator<Item = &RtcpFb> {
        self.attributes.iter().filter_map(move |a| match a {
            Attribute::RtcpFb(v) if v.payload_type.is_none_or(|p| p == pt) => Some(v),
            _ => None,
        })
    }

    /// Every `a=ssrc`, in order.
    pub fn ssrcs(&self) -> impl Iterator<Item = &Ssrc> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Ssrc(v) => Some(v),
            _ => None,
        })
    }

    /// Every `a=ssrc-group`, in order.
    pub fn ssrc_groups(&self) -> impl Iterator<Item = &SsrcGroup> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::SsrcGroup(v) => Some(v),
            _ => None,
        })
    }

    /// Every `a=msid`, in order.
    pub fn msids(&self) -> impl Iterator<Item = &Msid> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Msid(v) => Some(v),
            _ => None,
        })
    }

    /// Every `a=rid`, in order.
    pub fn rids(&self) -> impl Iterator<Item = &Rid> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Rid(v) => Some(&**v),
            _ => None,
        })
    }

    /// `a=simulcast`.
    pub fn simulcast(&self) -> Option<&Simulcast> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Simulcast(v) => Some(v),
            _ => None,
        })
    }

    /// `a=sctp-port`.
    pub fn sctp_port(&self) -> Option<u16> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::SctpPort(v) => Some(*v),
            _ => None,
        })
    }

    /// `a=max-message-size` (RFC 8841 section 6: absent means 64 KiB, 0 means no limit).
    pub fn max_message_size(&self) -> Option<u64> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::MaxMessageSize(v) => Some(*v),
            _ => None,
        })
    }

    /// Parses the value of an `m=` line.
    pub(crate) fn parse_line(value: &str) -> Result<Media, Reason> {
        let mut t = Tokens::new(value);
        let kind = MediaKind::from_token(t.expect("media type")?);
        let port_field = t.expect("media port")?;
        let (port, port_count) = match split_once_byte(port_field, b'/') {
            Some((p, n)) => (
                number(p, "media port")?,
                Some(number(n, "media number of ports")?),
            ),
            None => (number(port_field, "media port")?, None),
        };
        let protocol = protocol(t.expect("media protocol")?);
        // One format per SP-separated field: count them so the Vec is allocated once.
        let mut formats = Vec::with_capacity(t.rest().bytes().filter(|&b| b == b' ').count() + 1);
        formats.extend(t.map(intern_format));
        Ok(Media {
            kind,
            port,
            port_count,
            protocol,
            formats,
            // Browser sections carry 15 to 150 attributes.
            attributes: Vec::with_capacity(32),
            ..Media::default()
        })
    }
}

impl fmt::Display for Media {
    /// Writes the `m=` line and everything after it, each line ending in CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m=")?;
        f.write_str(self.kind.as_str())?;
        f.write_str(" ")?;
        write_uint(f, self.port)?;
        if let Some(n) = self.port_count {
            f.write_str("/")?;
            write_uint(f, n)?;
        }
        f.write_str(" ")?;
        f.write_str(&self.protocol)?;
        for fmt in &self.formats {
            f.write_str(" ")?;
            f.write_str(fmt)?;
        }
        f.write_str("\r\n")?;
        if let Some(t) = &self.title {
            write_line(f, "i=", t)?;
        }
        for c in &self.connections {
            write_line(f, "c=", c)?;
        }
        for b in &self.bandwidths {
            write_line(f, "b=", b)?;
        }
        if let Some(k) = &self.key {
            write_line(f, "k=", k)?;
        }
        for a in &self.attributes {
            write_line(f, "a=", a)?;
        }
        Ok(())
    }
}
