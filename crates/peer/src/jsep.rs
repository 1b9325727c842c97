//! JSEP offer/answer (RFC 9429 §5, RFC 3264) over the owned SDP model of `sansrtc-sdp`:
//! building our descriptions and reading the peer's.
//!
//! The negotiation is kept as one [`Section`] per m= line, in m= line order, so media sections
//! (the next issue) slot in beside the data section. Everything is bundled on one transport
//! (RFC 9143, WebRTC's max-bundle) with rtcp-mux; the transport's attributes (ICE credentials
//! and candidates, fingerprint, setup) are written in every bundled section, as JSEP does.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};

use sansrtc_dtls::{Fingerprint, FingerprintAlgorithm};
use sansrtc_sdp::{
    Attribute, Candidate, Connection, Group, HashFunction, Media, MediaKind, Origin,
    SessionDescription, Setup,
};

use crate::Error;

/// The SCTP port we use (RFC 8841 §5: the default and what browsers use).
pub(crate) const SCTP_PORT: u16 = 5000;
/// RFC 8841 §6.1: without `a=max-message-size` the peer accepts 64 KiB.
pub(crate) const DEFAULT_REMOTE_MAX_MESSAGE_SIZE: usize = 65536;
/// The data m= line format (RFC 8841 §4.1).
pub(crate) const DATACHANNEL_FORMAT: &str = "webrtc-datachannel";

/// What one m= section of the negotiation carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SectionKind {
    /// Data channels: SCTP over the bundled DTLS transport (RFC 8841).
    Data,
    /// An offered section we do not support (yet): answered with port 0 (RFC 3264 §6), never
    /// bundled (RFC 9143 §7.3.3).
    Rejected {
        media: MediaKind,
        protocol: Cow<'static, str>,
        formats: Vec<Cow<'static, str>>,
    },
}

/// One m= section, in m= line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// `a=mid` (RFC 5888 §4; every JSEP section has one). `None` only when answering a
    /// non-JSEP offer without mids.
    pub mid: Option<String>,
    pub kind: SectionKind,
    /// In the BUNDLE group (RFC 9143): always for our accepted sections in an offer; in an
    /// answer only if the offer bundled it (§7.3).
    pub bundled: bool,
}

impl Section {
    pub fn accepted(&self) -> bool {
        !matches!(self.kind, SectionKind::Rejected { .. })
    }
}

/// Our transport as it goes into the SDP.
pub(crate) struct LocalTransport<'a> {
    pub ufrag: &'a str,
    pub pwd: &'a str,
    pub fingerprint: &'a Fingerprint,
    pub setup: Setup,
    pub candidates: &'a [Candidate],
    pub end_of_candidates: bool,
    /// `a=ice-options:trickle` (always in offers; in answers only if offered, RFC 9429 §5.3.1).
    pub trickle: bool,
    pub max_message_size: usize,
}

/// Builds a description (offer or answer) from the sections and our transport.
pub(crate) fn build(
    origin: &Origin,
    sections: &[Section],
    transport: &LocalTransport<'_>,
) -> SessionDescription {
    let mut sdp = SessionDescription {
        origin: origin.clone(),
        ..SessionDescription::default()
    };
    let bundled: Vec<&str> = sections
        .iter()
        .filter(|s| s.accepted() && s.bundled)
        .filter_map(|s| s.mid.as_deref())
        .collect();
    if !bundled.is_empty() {
        sdp.attributes
            .push(Attribute::Group(Group::bundle(bundled)));
    }
    // The m= line and c= line carry the default candidate (RFC 8839 §4.2.1.2), else the
    // "no candidates yet" values 9 and 0.0.0.0 (RFC 8840 §4.1.1, §4.1.3).
    let default = transport
        .candidates
        .iter()
        .find_map(|c| c.socket_addr())
        .map_or((9, IpAddr::V4(Ipv4Addr::UNSPECIFIED)), |a| {
            (a.port(), a.ip())
        });
    let mut first_bundled = true;
    for section in sections {
        let media = match &section.kind {
            SectionKind::Data => {
                let mut m = Media::new(
                    MediaKind::Application,
                    default.0,
                    Media::PROTO_SCTP,
                    [DATACHANNEL_FORMAT],
                );
                m.connections.push(Connection::new(default.1));
                if first_bundled {
                    // Candidates go once, in the first bundled section (RFC 8843 §7.1.1
                    // lets them go in the tagged one; browsers read them from any).
                    for c in transport.candidates {
                        m.attributes.push(Attribute::Candidate(Box::new(c.clone())));
                    }
                    if transport.end_of_candidates {
                        m.attributes.push(Attribute::EndOfCandidates);
                    }
                }
                first_bundled = false;
                transport_attributes(&mut m, transport);
                if let Some(mid) = &section.mid {
                    m.attributes.push(Attribute::Mid(mid.clone()));
                }
                m.attributes.push(Attribute::SctpPort(SCTP_PORT));
                m.attributes
                    .push(Attribute::MaxMessageSize(transport.max_message_size as u64));
                m
            }
            SectionKind::Rejected {
                media,
                protocol,
                formats,
            } => {
                let mut m = Media::new(media.clone(), 0, protocol.clone(), formats.iter());
                if m.formats.is_empty() {
                    m.formats.push(Cow::Borrowed("0"));
                }
                m.connections
                    .push(Connection::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
                if !matches!(media, MediaKind::Application) {
                    m.attributes
                        .push(Attribute::Direction(sansrtc_sdp::Direction::Inactive));
                }
                if let Some(mid) = &section.mid {
                    m.attributes.push(Attribute::Mid(mid.clone()));
                }
                m
            }
        };
        sdp.media.push(media);
    }
    sdp
}

fn transport_attributes(m: &mut Media, t: &LocalTransport<'_>) {
    m.attributes.push(Attribute::IceUfrag(t.ufrag.to_owned()));
    m.attributes.push(Attribute::IcePwd(t.pwd.to_owned()));
    if t.trickle {
        m.attributes
            .push(Attribute::IceOptions(vec!["trickle".to_owned()]));
    }
    m.attributes
        .push(Attribute::Fingerprint(to_sdp_fingerprint(t.fingerprint)));
    m.attributes.push(Attribute::Setup(t.setup));
}

pub(crate) fn to_sdp_fingerprint(f: &Fingerprint) -> sansrtc_sdp::Fingerprint {
    let hash = match f.algorithm {
        FingerprintAlgorithm::Sha1 => HashFunction::Sha1,
        FingerprintAlgorithm::Sha384 => HashFunction::Sha384,
        FingerprintAlgorithm::Sha512 => HashFunction::Sha512,
        _ => HashFunction::Sha256,
    };
    sansrtc_sdp::Fingerprint::new(hash, f.value.clone())
}

/// The fingerprints DTLS can check (RFC 8122 §5: the certificate must match one whose hash
/// function we support; the others are ignored).
fn from_sdp_fingerprint(f: &sansrtc_sdp::Fingerprint) -> Option<Fingerprint> {
    let algorithm = match f.hash {
        HashFunction::Sha1 => FingerprintAlgorithm::Sha1,
        HashFunction::Sha256 => FingerprintAlgorithm::Sha256,
        HashFunction::Sha384 => FingerprintAlgorithm::Sha384,
        HashFunction::Sha512 => FingerprintAlgorithm::Sha512,
        _ => return None,
    };
    (Some(f.value.len()) == f.hash.digest_len()).then(|| Fingerprint {
        algorithm,
        value: f.value.clone(),
    })
}

/// The peer's transport, read from its description.
#[derive(Debug, Clone)]
pub(crate) struct RemoteTransport {
    pub ufrag: String,
    pub pwd: String,
    pub fingerprints: Vec<Fingerprint>,
    /// The peer's `a=setup` (RFC 4145 §4: absent means `active`).
    pub setup: Setup,
    pub candidates: Vec<Candidate>,
    pub end_of_candidates: bool,
    pub ice_lite: bool,
    pub trickle: bool,
    /// The peer's `a=sctp-port`.
    pub sctp_port: u16,
    /// The largest message the peer accepts (RFC 8841 §6.1; 0 in SDP means no limit).
    pub max_message_size: usize,
}

/// A remote offer, read: the sections we answer and the transport we use.
#[derive(Debug, Clone)]
pub(crate) struct RemoteOffer {
    pub sections: Vec<Section>,
    /// Index of the data section (the answerer-tagged section, RFC 9143 §7.3.1).
    pub data_index: usize,
    pub transport: RemoteTransport,
}

fn is_data_section(m: &Media) -> bool {
    m.kind == MediaKind::Application
        && m.protocol.eq_ignore_ascii_case(Media::PROTO_SCTP)
        && m.formats.iter().any(|f| f == DATACHANNEL_FORMAT)
}

/// A section-level attribute, or the session-level one (RFC 9429 §5.3.1: "session-level
/// attributes ... are considered to be present in each m= section").
fn transport_of(sdp: &SessionDescription, m: &Media) -> Result<RemoteTransport, Error> {
    let ufrag = m
        .ice_ufrag()
        .or_else(|| sdp.ice_ufrag())
        .ok_or(Error::InvalidDescription("no a=ice-ufrag"))?;
    let pwd = m
        .ice_pwd()
        .or_else(|| sdp.ice_pwd())
        .ok_or(Error::InvalidDescription("no a=ice-pwd"))?;
    // RFC 8839 §5.4: ufrag 4-256 ice-chars, pwd 22-256.
    if !(4..=256).contains(&ufrag.len()) || !(22..=256).contains(&pwd.len()) {
        return Err(Error::InvalidDescription(
            "a=ice-ufrag or a=ice-pwd of the wrong length",
        ));
    }
    let mut fingerprints: Vec<Fingerprint> =
        m.fingerprints().filter_map(from_sdp_fingerprint).collect();
    if fingerprints.is_empty() {
        fingerprints = sdp
            .fingerprints()
            .filter_map(from_sdp_fingerprint)
            .collect();
    }
    if fingerprints.is_empty() {
        return Err(Error::InvalidDescription(
            "no a=fingerprint with a supported hash function",
        ));
    }
    let setup = m.setup().or_else(|| sdp.setup()).unwrap_or(Setup::Active);
    let trickle = m
        .ice_options()
        .chain(sdp.ice_options())
        .any(|o| o == "trickle");
    let max_message_size = match m.max_message_size() {
        None => DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
        Some(0) => usize::MAX,
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    Ok(RemoteTransport {
        ufrag: ufrag.to_owned(),
        pwd: pwd.to_owned(),
        fingerprints,
        setup,
        candidates: m.candidates().cloned().collect(),
        end_of_candidates: m.end_of_candidates() || sdp.attribute("end-of-candidates").is_some(),
        ice_lite: sdp.ice_lite(),
        trickle,
        sctp_port: m.sctp_port().unwrap_or(SCTP_PORT),
        max_message_size,
    })
}

/// Reads a remote offer: accepts the first data section (bundled with the others the offer
/// bundles with it, RFC 9143 §7.3.1), rejects every other section.
pub(crate) fn read_offer(sdp: &SessionDescription) -> Result<RemoteOffer, Error> {
    let bundle = sdp.bundle_group();
    let mut data_index = None;
    let mut sections = Vec::with_capacity(sdp.media.len());
    let mut mids: Vec<&str> = Vec::with_capacity(sdp.media.len());
    for (i, m) in sdp.media.iter().enumerate() {
        let mid = m.mid();
        if m.attributes_named("mid").nth(1).is_some() {
            return Err(Error::InvalidDescription("two a=mid in one m= section"));
        }
        if let Some(mid) = mid {
            if mids.contains(&mid) {
                return Err(Error::InvalidDescription("duplicate a=mid"));
            }
            mids.push(mid);
        }
        // A zero port without bundle-only disables the section (RFC 9143 §7.5.3); with
        // bundle-only (RFC 9143 §6) it shares the bundle transport, but it cannot be the
        // tagged section, which must carry the transport (§7.3.1).
        let usable = m.port != 0;
        let kind = if data_index.is_none() && is_data_section(m) && usable {
            data_index = Some(i);
            SectionKind::Data
        } else {
            SectionKind::Rejected {
                media: m.kind.clone(),
                protocol: m.protocol.clone(),
                formats: m.formats.iter().take(1).cloned().collect(),
            }
        };
        let bundled = match (bundle, mid) {
            (Some(g), Some(mid)) => kind == SectionKind::Data && g.mids.iter().any(|x| x == mid),
            _ => false,
        };
        sections.push(Section {
            mid: mid.map(str::to_owned),
            kind,
            bundled,
        });
    }
    let data_index = data_index.ok_or(Error::NoDataSection)?;
    let m = sdp.media.get(data_index).ok_or(Error::NoDataSection)?;
    let transport = transport_of(sdp, m)?;
    if transport.setup == Setup::HoldConn {
        return Err(Error::InvalidDescription("a=setup:holdconn"));
    }
    Ok(RemoteOffer {
        sections,
        data_index,
        transport,
    })
}

/// Reads a remote answer to our offer of `sections`: the data section must be accepted.
pub(crate) fn read_answer(
    sdp: &SessionDescription,
    sections: &[Section],
) -> Result<RemoteTransport, Error> {
    if sdp.media.len() != sections.len() {
        return Err(Error::InvalidDescription(
            "the answer does not have one m= section per offered one",
        ));
    }
    let (index, ours) = sections
        .iter()
        .enumerate()
        .find(|(_, s)| s.kind == SectionKind::Data)
        .ok_or(Error::NoDataSection)?;
    let m = sdp.media.get(index).ok_or(Error::NoDataSection)?;
    if m.mid() != ours.mid.as_deref() {
        return Err(Error::InvalidDescription(
            "answer m= sections do not match the offer's mids",
        ));
    }
    if m.port == 0 || !is_data_section(m) {
        return Err(Error::NoDataSection);
    }
    let transport = transport_of(sdp, m)?;
    match transport.setup {
        Setup::Active | Setup::Passive => Ok(transport),
        // RFC 8842 §5.3 / RFC 5763 §5: the answer must pick a role.
        Setup::ActPass | Setup::HoldConn => Err(Error::InvalidDescription(
            "the answer's a=setup must be active or passive",
        )),
    }
}
