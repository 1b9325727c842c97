//! One transceiver: its m= section in our descriptions, and what negotiation made of it
//! (RFC 9429 §5.2.1 and §5.3.1 media sections, RFC 3264 §6.1 formats and directions, RFC 8285
//! §5 header extensions, RFC 4588 §8 RTX, RFC 8830 msid, RFC 5576 ssrc attributes).

use std::borrow::Cow;

use sansrtc_rtp::ExtensionKind;
use sansrtc_sdp::{
    Attribute, Direction, Extmap, Fmtp, Media, Msid, RtcpFb, RtpMap, Ssrc, SsrcGroup,
};

use super::codec::{CodecSpec, RemoteCodec, remote_codecs};
use super::types::{MediaKind, NegotiatedCodec, TransceiverConfig, TransceiverId};

/// The header extensions we negotiate, with the IDs we offer (the same in every section, as
/// BUNDLE requires, RFC 8843 §9.1): what browsers use for these URIs.
pub(crate) fn offered_extensions(kind: MediaKind) -> &'static [(u8, ExtensionKind)] {
    match kind {
        MediaKind::Audio => &[
            (1, ExtensionKind::AudioLevel),
            (2, ExtensionKind::AbsSendTime),
            (3, ExtensionKind::TransportSequenceNumber),
            (4, ExtensionKind::Mid),
        ],
        MediaKind::Video => &[
            (2, ExtensionKind::AbsSendTime),
            (3, ExtensionKind::TransportSequenceNumber),
            (4, ExtensionKind::Mid),
            (10, ExtensionKind::RtpStreamId),
            (11, ExtensionKind::RepairedRtpStreamId),
        ],
    }
}

/// A remote m= section, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteSection {
    pub kind: MediaKind,
    pub direction: Direction,
    pub codecs: Vec<RemoteCodec>,
    pub extensions: Vec<(u8, ExtensionKind)>,
    /// `a=ssrc` sources, in order of appearance.
    pub ssrcs: Vec<u32>,
    /// `a=ssrc-group:FID <primary> <rtx>` pairs.
    pub fid: Vec<(u32, u32)>,
    pub msid: Option<(String, Option<String>)>,
    pub rids: Vec<String>,
    pub rtcp_rsize: bool,
}

impl RemoteSection {
    /// Reads an audio or video section with the RTP/SAVPF profile; `None` for anything else.
    pub fn read(m: &Media) -> Option<Self> {
        let kind = match m.kind {
            sansrtc_sdp::MediaKind::Audio => MediaKind::Audio,
            sansrtc_sdp::MediaKind::Video => MediaKind::Video,
            _ => return None,
        };
        // RFC 9429 §5.1.2: UDP/TLS/RTP/SAVPF (we also take the RTP/SAVPF spellings).
        if !m.protocol.contains("RTP/SAVP") {
            return None;
        }
        let extensions = m
            .extmaps()
            .filter_map(|e| {
                let id = u8::try_from(e.id).ok().filter(|&id| id != 0)?;
                Some((id, ExtensionKind::from_uri(&e.uri)?))
            })
            .collect();
        let mut ssrcs: Vec<u32> = Vec::new();
        for s in m.ssrcs() {
            if !ssrcs.contains(&s.id) {
                ssrcs.push(s.id);
            }
        }
        let fid = m
            .ssrc_groups()
            .filter(|g| g.semantics == "FID")
            .filter_map(|g| match g.ssrcs.as_slice() {
                [primary, rtx, ..] => Some((*primary, *rtx)),
                _ => None,
            })
            .collect();
        let msid = m.msids().next().map(|m| {
            (
                m.stream_id.to_string(),
                m.track_id.as_deref().map(str::to_owned),
            )
        });
        Some(Self {
            kind,
            direction: m.direction().unwrap_or_default(),
            codecs: remote_codecs(m),
            extensions,
            ssrcs,
            fid,
            msid,
            rids: m.rids().map(|r| r.id.to_string()).collect(),
            rtcp_rsize: m.rtcp_rsize(),
        })
    }
}

/// `a` and `b` at once: what both allow.
pub(crate) fn intersect(a: Direction, b: Direction) -> Direction {
    match (a.sends() && b.sends(), a.receives() && b.receives()) {
        (true, true) => Direction::SendRecv,
        (true, false) => Direction::SendOnly,
        (false, true) => Direction::RecvOnly,
        (false, false) => Direction::Inactive,
    }
}

/// Payload types in use in one description (unique across its sections, so the payload type
/// alone can route a packet, RFC 9143 §9.2).
#[derive(Debug, Clone)]
pub(crate) struct PayloadTypes {
    used: [bool; 128],
}

impl PayloadTypes {
    pub fn new() -> Self {
        Self { used: [false; 128] }
    }

    pub fn take(&mut self, pt: u8) {
        if let Some(u) = self.used.get_mut(usize::from(pt)) {
            *u = true;
        }
    }

    fn is_free(&self, pt: u8) -> bool {
        self.used.get(usize::from(pt)).is_some_and(|u| !u)
    }

    /// `preferred` if free, else the first free dynamic one (96-127, then 35-63 as browsers).
    pub fn allocate(&mut self, preferred: Option<u8>) -> Option<u8> {
        let pt = preferred
            .filter(|&p| self.is_free(p))
            .or_else(|| (96..=127).chain(35..=63).find(|&p| self.is_free(p)))?;
        self.take(pt);
        Some(pt)
    }
}

/// What we know of the peer's end of a transceiver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RemoteTrack {
    pub ssrcs: Vec<u32>,
    pub fid: Vec<(u32, u32)>,
    pub msid: Option<(String, Option<String>)>,
}

/// One transceiver.
#[derive(Debug, Clone)]
pub(crate) struct Transceiver {
    pub id: TransceiverId,
    pub kind: MediaKind,
    pub mid: Option<String>,
    pub desired: Direction,
    /// Negotiated direction, from our side; `None` before negotiation or when rejected.
    pub current: Option<Direction>,
    pub specs: Vec<CodecSpec>,
    /// The formats our description lists (offer: everything we can; answer: what matched).
    pub local_codecs: Vec<NegotiatedCodec>,
    pub local_extensions: Vec<(u8, ExtensionKind)>,
    /// The negotiated formats and extensions (after both descriptions).
    pub codecs: Vec<NegotiatedCodec>,
    pub extensions: sansrtc_rtp::ExtensionMap,
    pub stream_id: String,
    pub track_id: String,
    pub ssrc: u32,
    pub rtx_ssrc: u32,
    pub remote: RemoteTrack,
    /// The section was rejected (port 0) or stopped.
    pub rejected: bool,
    /// The peer asked for `a=rtcp-rsize` (RFC 5506).
    pub rtcp_rsize: bool,
    /// We answered this section (so our description follows the offer's choices).
    pub answerer: bool,
}

impl Transceiver {
    pub fn new(id: TransceiverId, config: TransceiverConfig, ssrc: u32, rtx_ssrc: u32) -> Self {
        let track_id = if config.track_id.is_empty() {
            format!("{}-{:08x}", config.kind.as_str(), ssrc)
        } else {
            config.track_id
        };
        Self {
            id,
            kind: config.kind,
            mid: None,
            desired: config.direction,
            current: None,
            specs: config.codecs,
            local_codecs: Vec::new(),
            local_extensions: Vec::new(),
            codecs: Vec::new(),
            extensions: sansrtc_rtp::ExtensionMap::new(),
            stream_id: config.stream_id,
            track_id,
            ssrc,
            rtx_ssrc,
            remote: RemoteTrack::default(),
            rejected: false,
            rtcp_rsize: false,
            answerer: false,
        }
    }

    /// Whether we send on it now.
    pub fn sends(&self) -> bool {
        !self.rejected && self.current.is_some_and(Direction::sends) && !self.codecs.is_empty()
    }

    /// Whether we receive on it now.
    pub fn receives(&self) -> bool {
        !self.rejected && self.current.is_some_and(Direction::receives) && !self.codecs.is_empty()
    }

    /// Our offer's formats: every spec, with payload types from `pts`.
    pub fn prepare_offer(&mut self, mid: String, pts: &mut PayloadTypes) {
        self.mid = Some(mid);
        if !self.local_codecs.is_empty() {
            return;
        }
        for spec in &self.specs {
            let Some(pt) = pts.allocate(spec.preferred_payload_type()) else {
                continue;
            };
            let rtx_payload_type = if spec.rtx {
                pts.allocate(spec.preferred_rtx_payload_type())
            } else {
                None
            };
            self.local_codecs.push(NegotiatedCodec {
                codec: spec.codec,
                payload_type: pt,
                clock_rate: spec.codec.clock_rate(),
                channels: spec.channels(),
                parameters: spec.parameters.clone(),
                rtx_payload_type,
                feedback: spec.feedback,
            });
        }
        self.local_extensions = offered_extensions(self.kind).to_vec();
    }

    /// Whether we can accept an offered section: same kind, a format we have.
    pub fn can_accept(specs: &[CodecSpec], remote: &RemoteSection) -> bool {
        remote
            .codecs
            .iter()
            .any(|r| specs.iter().any(|s| s.matches(r)))
    }

    /// Answers an offered section (RFC 3264 §6.1): formats we share, in our preference order,
    /// with the offer's payload types; the offered extension IDs we know; the direction both
    /// allow. Returns false (and the section is rejected) if no format is shared.
    pub fn apply_offer(&mut self, mid: Option<String>, remote: &RemoteSection) -> bool {
        self.mid = mid;
        let mut codecs: Vec<NegotiatedCodec> = Vec::new();
        for spec in &self.specs {
            for r in remote.codecs.iter().filter(|r| spec.matches(r)) {
                if codecs.iter().any(|c| c.payload_type == r.payload_type) {
                    continue;
                }
                codecs.push(NegotiatedCodec {
                    codec: r.codec,
                    payload_type: r.payload_type,
                    clock_rate: r.clock_rate,
                    channels: r.channels,
                    parameters: spec.answer_parameters(r),
                    rtx_payload_type: r.rtx_payload_type.filter(|_| spec.rtx),
                    feedback: spec.feedback.intersect(r.feedback),
                });
            }
        }
        let ours: Vec<ExtensionKind> = offered_extensions(self.kind).iter().map(|e| e.1).collect();
        self.local_extensions = remote
            .extensions
            .iter()
            .filter(|(_, k)| ours.contains(k))
            .copied()
            .collect();
        self.apply_extensions();
        self.rejected = codecs.is_empty();
        self.local_codecs = codecs.clone();
        self.codecs = codecs;
        self.current =
            (!self.rejected).then(|| intersect(self.desired, remote.direction.reverse()));
        self.remote = RemoteTrack {
            ssrcs: remote.ssrcs.clone(),
            fid: remote.fid.clone(),
            msid: remote.msid.clone(),
        };
        self.rtcp_rsize = remote.rtcp_rsize;
        self.answerer = true;
        !self.rejected
    }

    /// Applies the answer to our offer: `None` when the section was rejected.
    pub fn apply_answer(&mut self, remote: Option<&RemoteSection>) {
        let Some(remote) = remote else {
            self.rejected = true;
            self.current = None;
            self.codecs.clear();
            return;
        };
        let mut codecs = Vec::new();
        for r in &remote.codecs {
            // The answer uses the payload types we offered (RFC 3264 §6.1).
            let Some(ours) = self
                .local_codecs
                .iter()
                .find(|c| c.payload_type == r.payload_type)
            else {
                continue;
            };
            let Some(spec) = self
                .specs
                .iter()
                .find(|s| s.codec == ours.codec && s.parameters == ours.parameters && s.matches(r))
            else {
                continue;
            };
            codecs.push(NegotiatedCodec {
                codec: ours.codec,
                payload_type: ours.payload_type,
                clock_rate: ours.clock_rate,
                channels: ours.channels,
                parameters: ours.parameters.clone(),
                rtx_payload_type: ours
                    .rtx_payload_type
                    .filter(|_| r.rtx_payload_type.is_some()),
                feedback: spec.feedback.intersect(r.feedback),
            });
        }
        // Extensions: the answer's IDs for what we offered.
        self.local_extensions = remote
            .extensions
            .iter()
            .filter(|(_, k)| self.local_extensions.iter().any(|(_, o)| o == k))
            .copied()
            .collect();
        self.apply_extensions();
        self.rejected = codecs.is_empty();
        self.codecs = codecs;
        self.current =
            (!self.rejected).then(|| intersect(self.desired, remote.direction.reverse()));
        self.remote = RemoteTrack {
            ssrcs: remote.ssrcs.clone(),
            fid: remote.fid.clone(),
            msid: remote.msid.clone(),
        };
        self.rtcp_rsize = remote.rtcp_rsize;
    }

    fn apply_extensions(&mut self) {
        self.extensions = sansrtc_rtp::ExtensionMap::new();
        for &(id, kind) in &self.local_extensions {
            let _ = self.extensions.insert(id, kind);
        }
    }

    /// The direction our description states: in an offer the desired one, in an answer the
    /// negotiated one.
    fn described_direction(&self) -> Direction {
        self.current.unwrap_or(self.desired)
    }

    /// Writes the media part of our m= section (after the transport attributes and the mid).
    pub fn write_section(&self, m: &mut Media, cname: &str) {
        for &(id, kind) in &self.local_extensions {
            m.attributes
                .push(Attribute::Extmap(Extmap::new(u16::from(id), kind.uri())));
        }
        let direction = self.described_direction();
        m.attributes.push(Attribute::Direction(direction));
        if direction.sends() {
            m.attributes.push(Attribute::Msid(Msid {
                stream_id: self.stream_id.as_str().into(),
                track_id: Some(self.track_id.as_str().into()),
            }));
        }
        m.attributes.push(Attribute::RtcpMux);
        // RFC 5506 §5: offered always; answered only if the offer had it.
        if !self.answerer || self.rtcp_rsize {
            m.attributes.push(Attribute::RtcpRsize);
        }
        let mut rtx_any = false;
        for c in &self.local_codecs {
            m.attributes.push(Attribute::RtpMap(RtpMap {
                payload_type: c.payload_type,
                encoding_name: Cow::Borrowed(c.codec.encoding_name()),
                clock_rate: c.clock_rate,
                channels: c.channels,
            }));
            let f = c.feedback;
            for (on, kind, param) in [
                (f.remb, "goog-remb", None),
                (f.transport_cc, "transport-cc", None),
                (f.fir, "ccm", Some("fir")),
                (f.nack, "nack", None),
                (f.pli, "nack", Some("pli")),
            ] {
                if on {
                    m.attributes
                        .push(Attribute::RtcpFb(RtcpFb::new(c.payload_type, kind, param)));
                }
            }
            if !c.parameters.is_empty() {
                m.attributes.push(Attribute::Fmtp(Fmtp {
                    payload_type: c.payload_type,
                    params: c.parameters.as_str().into(),
                }));
            }
            if let Some(rtx) = c.rtx_payload_type {
                rtx_any = true;
                m.attributes.push(Attribute::RtpMap(RtpMap {
                    payload_type: rtx,
                    encoding_name: Cow::Borrowed("rtx"),
                    clock_rate: c.clock_rate,
                    channels: None,
                }));
                m.attributes.push(Attribute::Fmtp(Fmtp {
                    payload_type: rtx,
                    params: format!("apt={}", c.payload_type).into(),
                }));
            }
        }
        if direction.sends() {
            let msid = format!("{} {}", self.stream_id, self.track_id);
            let mut ssrcs = vec![self.ssrc];
            if rtx_any {
                ssrcs.push(self.rtx_ssrc);
                m.attributes.push(Attribute::SsrcGroup(SsrcGroup {
                    semantics: Cow::Borrowed("FID"),
                    ssrcs: ssrcs.clone(),
                }));
            }
            for ssrc in ssrcs {
                m.attributes.push(Attribute::Ssrc(Ssrc::cname(ssrc, cname)));
                m.attributes.push(Attribute::Ssrc(Ssrc {
                    id: ssrc,
                    attribute: Cow::Borrowed("msid"),
                    value: Some(msid.as_str().into()),
                }));
            }
        }
    }

    /// The m= line formats of our section.
    pub fn formats(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.local_codecs {
            out.push(c.payload_type.to_string());
        }
        for c in &self.local_codecs {
            if let Some(rtx) = c.rtx_payload_type {
                out.push(rtx.to_string());
            }
        }
        out
    }

    /// The negotiated format of payload type `pt`, and whether `pt` is its RTX.
    pub fn codec_of(&self, pt: u8) -> Option<(&NegotiatedCodec, bool)> {
        self.codecs.iter().find_map(|c| {
            if c.payload_type == pt {
                Some((c, false))
            } else if c.rtx_payload_type == Some(pt) {
                Some((c, true))
            } else {
                None
            }
        })
    }
}
