//! JSEP offer/answer (RFC 9429 §5, RFC 3264) over the owned SDP model of `sansrtc-sdp`:
//! building our descriptions and reading the peer's.
//!
//! The negotiation is kept as one [`Section`] per m= line, in m= line order: the data section,
//! audio and video sections (their media attributes come from [`crate::media`]), and rejected
//! ones. Everything is bundled on one transport (RFC 9143, WebRTC's max-bundle) with rtcp-mux;
//! the transport's attributes (ICE credentials and candidates, fingerprint, setup) are written in
//! every bundled section, as JSEP does, and the transport is the tagged section's (§7.2.1,
//! §7.3.1: the first mid of the BUNDLE group that is accepted).

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};

use sansrtc_dtls::{Fingerprint, FingerprintAlgorithm};
use sansrtc_sdp::{
    Attribute, Candidate, Connection, Group, HashFunction, Media, MediaKind, Origin,
    SessionDescription, Setup,
};

use crate::Error;
use crate::TransceiverId;
use crate::media::{Media as MediaState, MediaPlan, types::MediaKind as TrackKind};

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
    /// Audio or video of this transceiver (RTP/SAVPF, RFC 9429 §5.2.1).
    Media(TransceiverId),
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
    media: &MediaState,
    tag: usize,
) -> SessionDescription {
    let mut sdp = SessionDescription {
        origin: origin.clone(),
        ..SessionDescription::default()
    };
    // The BUNDLE-tag (the first mid) names the tagged section (RFC 9143 §7.2.1, §7.3.1).
    let live = |s: &&Section| s.accepted() && s.bundled && !media_rejected(media, s);
    let mut bundled: Vec<&str> = sections
        .get(tag)
        .filter(live)
        .and_then(|s| s.mid.as_deref())
        .into_iter()
        .collect();
    for s in sections.iter().filter(live) {
        if let Some(mid) = s.mid.as_deref()
            && !bundled.contains(&mid)
        {
            bundled.push(mid);
        }
    }
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
        let kind = match &section.kind {
            SectionKind::Media(id) if media_rejected(media, section) => {
                match media.section_line(*id) {
                    Some((k, formats, _)) => SectionKind::Rejected {
                        media: sdp_kind(k),
                        protocol: Cow::Borrowed(Media::PROTO_RTP),
                        formats: formats.into_iter().take(1).map(Cow::Owned).collect(),
                    },
                    None => continue,
                }
            }
            k => k.clone(),
        };
        let media_line = match &kind {
            SectionKind::Media(id) => {
                let Some((k, formats, _)) = media.section_line(*id) else {
                    continue;
                };
                let mut m = Media::new(sdp_kind(k), default.0, Media::PROTO_RTP, formats);
                m.connections.push(Connection::new(default.1));
                if first_bundled {
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
                    m.attributes.push(Attribute::Mid(mid.into()));
                }
                media.write_section(*id, &mut m);
                m
            }
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
                    m.attributes.push(Attribute::Mid(mid.into()));
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
                    m.attributes.push(Attribute::Mid(mid.into()));
                }
                m
            }
        };
        sdp.media.push(media_line);
    }
    sdp
}

/// A media section whose transceiver ended up rejected (the answer refused it, or it had no
/// shared format) is described with port 0.
fn media_rejected(media: &MediaState, s: &Section) -> bool {
    match s.kind {
        SectionKind::Media(id) => media
            .section_line(id)
            .is_none_or(|(_, f, r)| r || f.is_empty()),
        _ => false,
    }
}

fn sdp_kind(k: TrackKind) -> MediaKind {
    match k {
        TrackKind::Audio => MediaKind::Audio,
        TrackKind::Video => MediaKind::Video,
    }
}

fn transport_attributes(m: &mut Media, t: &LocalTransport<'_>) {
    m.attributes.push(Attribute::IceUfrag(t.ufrag.into()));
    m.attributes.push(Attribute::IcePwd(t.pwd.into()));
    if t.trickle {
        m.attributes
            .push(Attribute::IceOptions(vec!["trickle".into()]));
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
    /// Index of the tagged section: the transport (RFC 9143 §7.3.1).
    pub transport_index: usize,
    /// Index of the data section, if one is accepted.
    pub data_index: Option<usize>,
    pub transport: RemoteTransport,
    /// The transceivers that answer the accepted audio and video sections.
    pub plans: Vec<MediaPlan>,
}

fn is_data_section(m: &Media) -> bool {
    m.kind == MediaKind::Application
        && m.protocol.eq_ignore_ascii_case(Media::PROTO_SCTP)
        && m.formats.iter().any(|f| f == DATACHANNEL_FORMAT)
}

/// A section-level attribute, or the session-level one (RFC 9429 §5.3.1: "session-level
/// attributes ... are considered to be present in each m= section").
fn transport_of(
    sdp: &SessionDescription,
    m: &Media,
    data: Option<&Media>,
) -> Result<RemoteTransport, Error> {
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
    let max_message_size = match data.and_then(Media::max_message_size) {
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
        sctp_port: data.and_then(Media::sctp_port).unwrap_or(SCTP_PORT),
        max_message_size,
    })
}

/// Reads a remote offer: accepts the first data section and the audio and video sections
/// `plan` finds a transceiver for, on the transport of the tagged section (the first mid of the
/// BUNDLE group we accept, RFC 9143 §7.3.1); every other section is rejected (we run one
/// transport, so unbundled extra sections are refused too).
pub(crate) fn read_offer(
    sdp: &SessionDescription,
    mut plan: impl FnMut(&Media, &[usize], &mut u32) -> Option<MediaPlan>,
) -> Result<RemoteOffer, Error> {
    let bundle = sdp.bundle_group();
    let mut data_index = None;
    let mut kinds: Vec<Option<SectionKind>> = Vec::with_capacity(sdp.media.len());
    let mut plans: Vec<(usize, MediaPlan)> = Vec::new();
    let mut mids: Vec<&str> = Vec::with_capacity(sdp.media.len());
    let mut claimed: Vec<usize> = Vec::new();
    let mut new = 0u32;
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
            Some(SectionKind::Data)
        } else if usable && let Some(p) = plan(m, &claimed, &mut new) {
            if let Some(e) = p.existing {
                claimed.push(e);
            }
            let id = p.id;
            plans.push((i, p));
            Some(SectionKind::Media(id))
        } else {
            None
        };
        kinds.push(kind);
    }
    let in_group = |mid: Option<&str>| {
        bundle.is_some_and(|g| mid.is_some_and(|mid| g.mids.iter().any(|x| x == mid)))
    };
    // The tagged section: the first mid of the group we accept; without a group (or none of
    // its mids accepted), the first accepted section alone.
    let tagged = bundle
        .and_then(|g| {
            g.mids.iter().find_map(|tag| {
                sdp.media
                    .iter()
                    .zip(&kinds)
                    .position(|(m, k)| k.is_some() && m.mid() == Some(tag.as_str()))
            })
        })
        .or_else(|| kinds.iter().position(Option::is_some))
        .ok_or(Error::NoDataSection)?;
    let bundling = sdp.media.get(tagged).is_some_and(|m| in_group(m.mid()));
    let mut sections = Vec::with_capacity(sdp.media.len());
    for (i, (m, kind)) in sdp.media.iter().zip(kinds).enumerate() {
        // On the one transport: the tagged section, and with it the rest of its group.
        let on_transport = i == tagged || (bundling && in_group(m.mid()));
        let kind = match kind {
            Some(k) if on_transport => k,
            _ => {
                if data_index == Some(i) {
                    data_index = None;
                }
                plans.retain(|(at, _)| *at != i);
                SectionKind::Rejected {
                    media: m.kind.clone(),
                    protocol: m.protocol.clone(),
                    formats: m.formats.iter().take(1).cloned().collect(),
                }
            }
        };
        let bundled =
            bundling && !matches!(kind, SectionKind::Rejected { .. }) && in_group(m.mid());
        sections.push(Section {
            mid: m.mid().map(str::to_owned),
            kind,
            bundled,
        });
    }
    let m = sdp.media.get(tagged).ok_or(Error::NoDataSection)?;
    let data = data_index.and_then(|i| sdp.media.get(i));
    let transport = transport_of(sdp, m, data)?;
    if transport.setup == Setup::HoldConn {
        return Err(Error::InvalidDescription("a=setup:holdconn"));
    }
    Ok(RemoteOffer {
        sections,
        transport_index: tagged,
        data_index,
        transport,
        plans: plans.into_iter().map(|(_, p)| p).collect(),
    })
}

/// The answer to our offer, read.
#[derive(Debug, Clone)]
pub(crate) struct RemoteAnswer {
    pub transport: RemoteTransport,
    /// Index of the section carrying the transport (the answerer-tagged one).
    pub transport_index: usize,
    /// The data section was accepted.
    pub data_accepted: bool,
}

/// Reads a remote answer to our offer of `sections`: one m= line per offered one, same mids;
/// at least one section accepted; the transport is the answerer-tagged section's (the first
/// mid of its BUNDLE group, RFC 9143 §7.3.1).
pub(crate) fn read_answer(
    sdp: &SessionDescription,
    sections: &[Section],
) -> Result<RemoteAnswer, Error> {
    if sdp.media.len() != sections.len() {
        return Err(Error::InvalidDescription(
            "the answer does not have one m= section per offered one",
        ));
    }
    for (ours, m) in sections.iter().zip(&sdp.media) {
        if ours.accepted() && m.mid() != ours.mid.as_deref() {
            return Err(Error::InvalidDescription(
                "answer m= sections do not match the offer's mids",
            ));
        }
    }
    let accepted = |i: usize| {
        let (Some(ours), Some(m)) = (sections.get(i), sdp.media.get(i)) else {
            return false;
        };
        m.port != 0
            && match ours.kind {
                SectionKind::Data => is_data_section(m),
                SectionKind::Media(_) => m.kind == MediaKind::Audio || m.kind == MediaKind::Video,
                SectionKind::Rejected { .. } => false,
            }
    };
    let data_index = sections.iter().position(|s| s.kind == SectionKind::Data);
    let data_accepted = data_index.is_some_and(accepted);
    let tagged = sdp
        .bundle_group()
        .and_then(|g| g.mids.first())
        .and_then(|tag| sdp.media.iter().position(|m| m.mid() == Some(tag.as_str())))
        .filter(|&i| accepted(i))
        .or_else(|| (0..sections.len()).find(|&i| accepted(i)))
        .ok_or(Error::NoDataSection)?;
    let m = sdp.media.get(tagged).ok_or(Error::NoDataSection)?;
    let data = data_index
        .filter(|_| data_accepted)
        .and_then(|i| sdp.media.get(i));
    let transport = transport_of(sdp, m, data)?;
    match transport.setup {
        Setup::Active | Setup::Passive => Ok(RemoteAnswer {
            transport,
            transport_index: tagged,
            data_accepted,
        }),
        // RFC 8842 §5.3 / RFC 5763 §5: the answer must pick a role.
        Setup::ActPass | Setup::HoldConn => Err(Error::InvalidDescription(
            "the answer's a=setup must be active or passive",
        )),
    }
}
