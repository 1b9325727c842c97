//! SDP (RFC 8866) with the attributes WebRTC uses: an owned, typed model, a parser and a
//! serializer.
//!
//! # What it does
//!
//! - Parses a session description into [`SessionDescription`]: the session-level lines
//!   (`v= o= s= i= u= e= p= c= b= t= r= z= k=`), session attributes, and one [`Media`] per `m=`
//!   section. Lines may end in `\r\n` or `\n`.
//! - Types every attribute JSEP (RFC 9429) needs as an [`Attribute`] variant, and keeps every other
//!   attribute verbatim as [`Attribute::Unknown`]. Attributes are an ordered `Vec`, so unknown ones
//!   are written back exactly where they were.
//! - Serializes with `\r\n`, in RFC 8866 line order. `parse(serialize(x)) == x` for every model
//!   the parser can produce, and browser SDPs written by Chromium and aiortc serialize back
//!   byte-identical.
//! - [`Candidate`] works alone for trickle ICE: `FromStr` accepts `candidate:...` (the
//!   `RTCIceCandidate.candidate` form) or the bare value; `Display` writes the value and
//!   [`Candidate::to_candidate_attribute`] adds the prefix.
//! - Errors are values: [`Error::Line`] names the 1-based line number and a [`Reason`]. No input
//!   panics (fuzzed and property-tested).
//!
//! # What it does not do
//!
//! - No offer/answer logic (codec matching, BUNDLE negotiation, direction answering): that is
//!   `sansrtc-peer`'s job. This crate only checks syntax, not JSEP rules such as "every m= section
//!   has a mid".
//! - No `msid-semantic`, `rtcp-xr`, `ptime`, `sctpmap` typing: these stay `Unknown`.
//! - Type letters RFC 8866 does not define are rejected (section 5 says to ignore such a
//!   description), and `a=` values are checked only as far as their grammar matters to WebRTC.
//! - Not a validator for untrusted *outgoing* data: a field you set to a string containing a space
//!   or a line break will not parse back the same.
//!
//! # Coverage
//!
//! | RFC | what |
//! | --- | --- |
//! | 8866 sections 5, 5.1-5.14, 6.6, 6.7, 6.15 | all line types; `rtpmap`, `fmtp`, direction attributes |
//! | 8839 sections 5.1, 5.3, 5.4, 5.6; 8840 section 8.2 | `candidate`, `ice-lite`, `ice-ufrag`/`ice-pwd`, `ice-options`, `end-of-candidates` |
//! | 6544 section 4.5 | `tcptype` |
//! | 8122 section 5 | `fingerprint` (several allowed) |
//! | 4145 sections 4, 5 | `setup`, `connection` |
//! | 5888, 9143 | `group`, `mid`, BUNDLE |
//! | 3605, 5761, 8858, 5506 | `rtcp`, `rtcp-mux`, `rtcp-mux-only`, `rtcp-rsize` |
//! | 4585 section 4.2 | `rtcp-fb` |
//! | 8285 sections 6, 8 | `extmap`, `extmap-allow-mixed` |
//! | 5576 sections 4.1, 4.2; 8830 | `ssrc`, `ssrc-group`, `msid` |
//! | 8851, 8853 | `rid`, `simulcast` |
//! | 8841 sections 5, 6 | `sctp-port`, `max-message-size` |
//!
//! # Allocation
//!
//! Control-plane data is owned. Fields that usually hold a well-known protocol token
//! (`RtcpFb::kind`, `RtpMap::encoding_name`, `Extmap::uri`, `Media::protocol`, ...) are
//! `Cow<'static, str>`: parsing a known value borrows a `'static` string instead of allocating,
//! and builders write `"nack".into()`. Short free-form fields (ICE foundations and credentials,
//! `mid`, `rid`, `msid` parts, `fmtp` parameters, unknown attributes) are [`InlineStr`]: up to
//! 30 bytes without a heap allocation; it derefs to `str` and builders write `"0".into()`.
//!
//! # Example: read an offer, build an answer
//!
//! ```
//! use sansrtc_sdp::{Attribute, Candidate, Direction, Group, Media, MediaKind, SessionDescription, Setup};
//!
//! let offer: SessionDescription = "v=0\r\n\
//!     o=- 8888474165641403573 2 IN IP4 127.0.0.1\r\n\
//!     s=-\r\n\
//!     t=0 0\r\n\
//!     a=group:BUNDLE 0\r\n\
//!     m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
//!     c=IN IP4 0.0.0.0\r\n\
//!     a=ice-ufrag:WkTQ\r\n\
//!     a=ice-pwd:36CDmnTbNF0eplkVIXiUZ0/h\r\n\
//!     a=fingerprint:sha-256 E7:DC:67:6B:68:C6:49:18:70:2A:3C:6E:3A:D9:4E:31:76:4D:FA:3C:CC:A6:FC:CC:E1:7D:30:26:9F:8B:B8:B4\r\n\
//!     a=setup:actpass\r\n\
//!     a=mid:0\r\n\
//!     a=sctp-port:5000\r\n".parse()?;
//!
//! let data = offer.media_by_mid("0").expect("offered");
//! assert_eq!(data.sctp_port(), Some(5000));
//! assert_eq!(data.ice_ufrag(), Some("WkTQ"));
//! let remote_setup = data.setup().unwrap_or(Setup::ActPass);
//!
//! // Trickled candidates arrive as RTCIceCandidate.candidate strings.
//! let cand: Candidate = "candidate:1 1 udp 2113937151 de7c40a4.local 44858 typ host".parse()?;
//! assert!(cand.address.is_mdns());
//!
//! let mut answer = SessionDescription::default();
//! answer.attributes.push(Attribute::Group(Group::bundle(["0"])));
//! answer.media.push(
//!     Media::new(MediaKind::Application, 9, Media::PROTO_SCTP, ["webrtc-datachannel"])
//!         .with(Attribute::Mid("0".into()))
//!         .with(Attribute::IceUfrag("abcd".into()))
//!         .with(Attribute::IcePwd("0123456789abcdefghijkl".into()))
//!         .with(Attribute::Setup(remote_setup.answer()))
//!         .with(Attribute::SctpPort(5000))
//!         .with(Attribute::MaxMessageSize(262144)),
//! );
//! let text = answer.serialize();
//! assert!(text.contains("a=setup:active\r\n"));
//! assert_eq!(SessionDescription::parse(&text)?, answer);
//! # Ok::<(), sansrtc_sdp::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address;
mod attribute;
mod candidate;
mod error;
mod fingerprint;
mod group;
mod inline_str;
mod media;
mod parser;
mod rtp;
mod session;
mod setup;
mod simulcast;
mod ssrc;
mod token;

pub use address::{Address, AddressType, Connection};
pub use attribute::{Attribute, Direction};
pub use candidate::{Candidate, CandidateType, TcpType, Transport};
pub use error::{Error, Reason};
pub use fingerprint::{Fingerprint, HashFunction};
pub use group::Group;
pub use inline_str::InlineStr;
pub use media::{Media, MediaKind};
pub use rtp::{Extmap, Fmtp, Rtcp, RtcpFb, RtpMap};
pub use session::{Bandwidth, BandwidthType, Origin, SessionDescription, Timing};
pub use setup::{ConnectionMode, Setup};
pub use simulcast::{Rid, RidDirection, Simulcast, SimulcastRid};
pub use ssrc::{Msid, Ssrc, SsrcGroup};
