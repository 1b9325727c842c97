//! Codec capabilities and their negotiation: which payload formats a transceiver offers, and
//! how an offered or answered format is matched against them (RFC 3264 §6.1, RFC 4588 §8.1 for
//! RTX, RFC 6184 §8.2.2 for H.264 `profile-level-id`, RFC 9628 §6 for VP9 `profile-id`, the
//! AV1 RTP format §7 for `profile`).

use sansrtc_rtp::payload::Codec;
use sansrtc_sdp::Media;

/// The RTCP feedback (`a=rtcp-fb`, RFC 4585 §4.2) used with one payload format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Feedback {
    /// `nack`: generic NACK (RFC 4585 §6.2.1), answered by retransmission.
    pub nack: bool,
    /// `nack pli`: picture loss indication (RFC 4585 §6.3.1).
    pub pli: bool,
    /// `ccm fir`: full intra request (RFC 5104 §4.3.1).
    pub fir: bool,
    /// `goog-remb`: receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb).
    pub remb: bool,
    /// `transport-cc`: transport-wide congestion control feedback
    /// (draft-holmer-rmcat-transport-wide-cc-extensions-01).
    pub transport_cc: bool,
}

impl Feedback {
    /// Everything a browser offers for video.
    pub const VIDEO: Feedback = Feedback {
        nack: true,
        pli: true,
        fir: true,
        remb: true,
        transport_cc: true,
    };
    /// What browsers offer for Opus: transport-cc only.
    pub const AUDIO: Feedback = Feedback {
        nack: false,
        pli: false,
        fir: false,
        remb: false,
        transport_cc: true,
    };
    /// No feedback.
    pub const NONE: Feedback = Feedback {
        nack: false,
        pli: false,
        fir: false,
        remb: false,
        transport_cc: false,
    };

    /// What both sides support.
    pub fn intersect(self, other: Feedback) -> Feedback {
        Feedback {
            nack: self.nack && other.nack,
            pli: self.pli && other.pli,
            fir: self.fir && other.fir,
            remb: self.remb && other.remb,
            transport_cc: self.transport_cc && other.transport_cc,
        }
    }

    /// Reads the `a=rtcp-fb` lines of `m` for payload type `pt` (and the `*` wildcard).
    pub(crate) fn from_sdp(m: &Media, pt: u8) -> Feedback {
        let mut f = Feedback::NONE;
        for fb in m.attributes.iter().filter_map(|a| match a {
            sansrtc_sdp::Attribute::RtcpFb(fb) => Some(fb),
            _ => None,
        }) {
            if fb.payload_type.is_some_and(|p| p != pt) {
                continue;
            }
            match (&*fb.kind, fb.param.as_deref()) {
                ("nack", None) => f.nack = true,
                ("nack", Some("pli")) => f.pli = true,
                ("ccm", Some("fir")) => f.fir = true,
                ("goog-remb", None) => f.remb = true,
                ("transport-cc", None) => f.transport_cc = true,
                _ => {}
            }
        }
        f
    }
}

/// One payload format a transceiver can send and receive, as it is offered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodecSpec {
    /// The format.
    pub codec: Codec,
    /// The `a=fmtp` parameters offered (`minptime=10;useinbandfec=1` for Opus, the H.264
    /// `profile-level-id` and `packetization-mode`, ...); empty for none.
    pub parameters: String,
    /// Retransmission in its own RTX stream (RFC 4588) for this format.
    pub rtx: bool,
    /// The RTCP feedback offered.
    pub feedback: Feedback,
    /// The payload type to offer it with; `None` picks the one Chromium uses for it (so
    /// captures and browser answers read alike), else the first free dynamic one.
    pub payload_type: Option<u8>,
    /// The payload type to offer its RTX with (same rule).
    pub rtx_payload_type: Option<u8>,
}

impl CodecSpec {
    /// Opus, stereo signalled as browsers do (`opus/48000/2`, RFC 7587 §7), in-band FEC.
    pub fn opus() -> Self {
        Self {
            codec: Codec::Opus,
            parameters: "minptime=10;useinbandfec=1".to_owned(),
            rtx: false,
            feedback: Feedback::AUDIO,
            payload_type: None,
            rtx_payload_type: None,
        }
    }

    /// G.711 µ-law (static payload type 0).
    pub fn pcmu() -> Self {
        Self {
            codec: Codec::Pcmu,
            parameters: String::new(),
            rtx: false,
            feedback: Feedback::NONE,
            payload_type: None,
            rtx_payload_type: None,
        }
    }

    /// G.711 A-law (static payload type 8).
    pub fn pcma() -> Self {
        Self {
            codec: Codec::Pcma,
            ..Self::pcmu()
        }
    }

    /// VP8 with RTX and every feedback type.
    pub fn vp8() -> Self {
        Self {
            codec: Codec::Vp8,
            parameters: String::new(),
            rtx: true,
            feedback: Feedback::VIDEO,
            payload_type: None,
            rtx_payload_type: None,
        }
    }

    /// VP9 of `profile-id` `profile` (RFC 9628 §6).
    pub fn vp9(profile: u8) -> Self {
        Self {
            codec: Codec::Vp9,
            parameters: format!("profile-id={profile}"),
            rtx: true,
            feedback: Feedback::VIDEO,
            payload_type: None,
            rtx_payload_type: None,
        }
    }

    /// H.264 in packetization mode 1 (non-interleaved, RFC 6184 §6.3) with this
    /// `profile-level-id` (e.g. `"42e01f"`: constrained baseline, level 3.1).
    pub fn h264(profile_level_id: &str) -> Self {
        Self {
            codec: Codec::H264,
            parameters: format!(
                "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id={profile_level_id}"
            ),
            rtx: true,
            feedback: Feedback::VIDEO,
            payload_type: None,
            rtx_payload_type: None,
        }
    }

    /// AV1 main profile.
    pub fn av1() -> Self {
        Self {
            codec: Codec::Av1,
            parameters: "level-idx=5;profile=0;tier=0".to_owned(),
            rtx: true,
            feedback: Feedback::VIDEO,
            payload_type: None,
            rtx_payload_type: None,
        }
    }

    /// The audio formats offered by default, in preference order: Opus, PCMU, PCMA.
    pub fn default_audio() -> Vec<Self> {
        vec![Self::opus(), Self::pcmu(), Self::pcma()]
    }

    /// The video formats offered by default, in preference order: VP8, VP9 profile 0, H.264
    /// constrained baseline and baseline (packetization mode 1), AV1.
    pub fn default_video() -> Vec<Self> {
        vec![
            Self::vp8(),
            Self::vp9(0),
            Self::h264("42e01f"),
            Self::h264("42001f"),
            Self::av1(),
        ]
    }

    /// `rtpmap` channels: 2 for Opus (RFC 7587 §7), none otherwise.
    pub(crate) fn channels(&self) -> Option<u16> {
        (self.codec == Codec::Opus).then_some(2)
    }

    /// The same, offered with these payload types (format and RTX).
    pub fn with_payload_types(mut self, payload_type: u8, rtx: Option<u8>) -> Self {
        self.payload_type = Some(payload_type);
        self.rtx_payload_type = rtx;
        self
    }

    /// The payload type we use when we offer this format: the configured one, the static
    /// ones for G.711, the numbers Chromium uses for the others (so captures read alike).
    pub(crate) fn preferred_payload_type(&self) -> Option<u8> {
        if self.payload_type.is_some() {
            return self.payload_type;
        }
        Some(match self.codec {
            Codec::Opus => 111,
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::Vp8 => 96,
            Codec::Vp9 => 98,
            Codec::Av1 => 45,
            Codec::H264 => match h264_profile_level_id(&self.parameters)
                .map(|p| (p.profile, h264_packetization_mode(&self.parameters)))
            {
                Some((H264Profile::ConstrainedBaseline, 1)) => 108,
                Some((H264Profile::Baseline, 1)) => 102,
                Some((H264Profile::Main, 1)) => 116,
                Some((H264Profile::High, 1)) => 112,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// The RTX payload type we offer for this format: configured, else Chromium's.
    pub(crate) fn preferred_rtx_payload_type(&self) -> Option<u8> {
        if self.rtx_payload_type.is_some() {
            return self.rtx_payload_type;
        }
        if self.payload_type.is_some() {
            return None;
        }
        Some(match self.preferred_payload_type()? {
            96 => 97,
            98 => 99,
            102 => 103,
            108 => 109,
            112 => 113,
            116 => 117,
            45 => 46,
            _ => return None,
        })
    }

    /// Whether a remote format (from its rtpmap and fmtp) can be this one (RFC 3264 §6.1: same
    /// encoding name, clock rate and channels; plus the format's own rules).
    pub(crate) fn matches(&self, remote: &RemoteCodec) -> bool {
        if remote.codec != self.codec || remote.clock_rate != self.codec.clock_rate() {
            return false;
        }
        match self.codec {
            // RFC 7587 §7: opus/48000/2 always.
            Codec::Opus => remote.channels == Some(2),
            Codec::Pcmu | Codec::Pcma => remote.channels.unwrap_or(1) == 1,
            Codec::Vp8 => true,
            // RFC 9628 §6: profile-id defaults to 0 and must match.
            Codec::Vp9 => {
                param_u8(&self.parameters, "profile-id").unwrap_or(0)
                    == param_u8(&remote.parameters, "profile-id").unwrap_or(0)
            }
            Codec::Av1 => {
                param_u8(&self.parameters, "profile").unwrap_or(0)
                    == param_u8(&remote.parameters, "profile").unwrap_or(0)
            }
            Codec::H264 => h264_compatible(&self.parameters, &remote.parameters),
            _ => false,
        }
    }

    /// The fmtp parameters of our answer to `remote` (which [`Self::matches`]).
    pub(crate) fn answer_parameters(&self, remote: &RemoteCodec) -> String {
        match self.codec {
            Codec::H264 => h264_answer(&self.parameters, &remote.parameters),
            Codec::Vp9 | Codec::Av1 => remote.parameters.clone(),
            _ => self.parameters.clone(),
        }
    }
}

fn param<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim())
    })
}

fn param_u8(params: &str, key: &str) -> Option<u8> {
    param(params, key)?.parse().ok()
}

/// A payload format of a remote description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteCodec {
    pub payload_type: u8,
    pub codec: Codec,
    pub clock_rate: u32,
    pub channels: Option<u16>,
    pub parameters: String,
    pub feedback: Feedback,
    /// The RTX payload type whose `apt` is this one (RFC 4588 §8.1).
    pub rtx_payload_type: Option<u8>,
}

/// The formats of a remote m= section we know, in its order, with their RTX payload types.
/// Static payload types 0 and 8 count without an rtpmap (RFC 3551 §6).
pub(crate) fn remote_codecs(m: &Media) -> Vec<RemoteCodec> {
    let mut out = Vec::new();
    for pt in m.payload_types() {
        let (name, clock_rate, channels) = match m.rtpmap(pt) {
            Some(r) => (&*r.encoding_name, r.clock_rate, r.channels),
            None => match pt {
                0 => ("PCMU", 8000, None),
                8 => ("PCMA", 8000, None),
                _ => continue,
            },
        };
        let Some(codec) = Codec::from_encoding_name(name) else {
            continue;
        };
        if out.iter().any(|c: &RemoteCodec| c.payload_type == pt) {
            continue;
        }
        out.push(RemoteCodec {
            payload_type: pt,
            codec,
            clock_rate,
            channels,
            parameters: m.fmtp(pt).map(|f| f.params.to_string()).unwrap_or_default(),
            feedback: Feedback::from_sdp(m, pt),
            rtx_payload_type: None,
        });
    }
    // RTX: `a=rtpmap:<pt> rtx/<rate>` with `a=fmtp:<pt> apt=<original>`.
    for pt in m.payload_types() {
        let is_rtx = m
            .rtpmap(pt)
            .is_some_and(|r| r.encoding_name.eq_ignore_ascii_case("rtx"));
        let apt = m
            .fmtp(pt)
            .and_then(|f| f.param("apt"))
            .and_then(|v| v.parse::<u8>().ok());
        if let (true, Some(apt)) = (is_rtx, apt)
            && let Some(c) = out.iter_mut().find(|c| c.payload_type == apt)
            && c.rtx_payload_type.is_none()
        {
            c.rtx_payload_type = Some(pt);
        }
    }
    out
}

/// H.264 profiles as RFC 6184 §8.1 and its Table 5 tell them apart by `profile_idc` and the
/// constraint flags (`profile-iop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum H264Profile {
    ConstrainedBaseline,
    Baseline,
    Main,
    Extended,
    High,
    ConstrainedHigh,
}

/// A parsed `profile-level-id` (RFC 6184 §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProfileLevelId {
    pub profile: H264Profile,
    pub profile_idc: u8,
    pub profile_iop: u8,
    pub level_idc: u8,
}

impl ProfileLevelId {
    /// Level 1b is `level_idc` 11 with constraint_set3_flag in the baseline-family profiles
    /// (RFC 6184 §8.1); an ordering key where 1b sits between 1 and 1.1.
    fn level_order(&self) -> u16 {
        let one_b = self.level_idc == 11
            && self.profile_iop & 0x10 != 0
            && matches!(
                self.profile,
                H264Profile::Baseline | H264Profile::ConstrainedBaseline | H264Profile::Main
            );
        if one_b {
            21
        } else {
            u16::from(self.level_idc) * 2
        }
    }
}

/// Parses the `profile-level-id` of an H.264 fmtp (default `42000A`, RFC 6184 §8.1).
pub(crate) fn h264_profile_level_id(params: &str) -> Option<ProfileLevelId> {
    let hex = param(params, "profile-level-id").unwrap_or("42000a");
    if hex.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(hex, 16).ok()?;
    let [_, profile_idc, profile_iop, level_idc] = v.to_be_bytes();
    // (profile_idc, mask, value) over profile-iop, after libwebrtc's reading of Table 5.
    const PATTERNS: [(u8, u8, u8, H264Profile); 8] = [
        (0x42, 0x4f, 0x40, H264Profile::ConstrainedBaseline),
        (0x4d, 0x8f, 0x80, H264Profile::ConstrainedBaseline),
        (0x58, 0xcf, 0xc0, H264Profile::ConstrainedBaseline),
        (0x42, 0x4f, 0x00, H264Profile::Baseline),
        (0x58, 0xcf, 0x80, H264Profile::Baseline),
        (0x4d, 0xaf, 0x00, H264Profile::Main),
        (0x58, 0xcf, 0x00, H264Profile::Extended),
        (0x64, 0xff, 0x00, H264Profile::High),
    ];
    let profile = if profile_idc == 0x64 && profile_iop == 0x0c {
        H264Profile::ConstrainedHigh
    } else {
        PATTERNS
            .iter()
            .find(|(idc, mask, value, _)| *idc == profile_idc && profile_iop & mask == *value)
            .map(|p| p.3)?
    };
    Some(ProfileLevelId {
        profile,
        profile_idc,
        profile_iop,
        level_idc,
    })
}

/// `packetization-mode` (default 0, RFC 6184 §8.1).
pub(crate) fn h264_packetization_mode(params: &str) -> u8 {
    param_u8(params, "packetization-mode").unwrap_or(0)
}

/// RFC 6184 §8.2.2: the same packetization mode, and the same profile (the level may differ:
/// the answer may lower it, or both sides allow asymmetry).
pub(crate) fn h264_compatible(ours: &str, theirs: &str) -> bool {
    if h264_packetization_mode(ours) != h264_packetization_mode(theirs) {
        return false;
    }
    match (h264_profile_level_id(ours), h264_profile_level_id(theirs)) {
        (Some(a), Some(b)) => a.profile == b.profile,
        _ => false,
    }
}

/// Our answer's H.264 fmtp: the offered profile; the level is ours when both sides allow level
/// asymmetry (`level-asymmetry-allowed=1`), else the lower of the two (RFC 6184 §8.2.2: an
/// answerer may not raise the level of a sendrecv stream).
pub(crate) fn h264_answer(ours: &str, offered: &str) -> String {
    let (Some(o), Some(mine)) = (h264_profile_level_id(offered), h264_profile_level_id(ours))
    else {
        return ours.to_owned();
    };
    let asymmetry = param(offered, "level-asymmetry-allowed") == Some("1")
        && param(ours, "level-asymmetry-allowed") == Some("1");
    let level = if asymmetry || mine.level_order() <= o.level_order() {
        mine.level_idc
    } else {
        o.level_idc
    };
    let mut out = String::new();
    if asymmetry {
        out.push_str("level-asymmetry-allowed=1;");
    }
    out.push_str(&format!(
        "packetization-mode={};profile-level-id={:02x}{:02x}{:02x}",
        h264_packetization_mode(offered),
        o.profile_idc,
        o.profile_iop,
        level
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6184_8_1_profiles_from_profile_level_id() {
        let p =
            |s: &str| h264_profile_level_id(&format!("profile-level-id={s}")).map(|p| p.profile);
        assert_eq!(p("42e01f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(p("42001f"), Some(H264Profile::Baseline));
        assert_eq!(p("4d001f"), Some(H264Profile::Main));
        assert_eq!(p("4d801f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(p("640c1f"), Some(H264Profile::ConstrainedHigh));
        assert_eq!(p("64001f"), Some(H264Profile::High));
        assert_eq!(p("58001f"), Some(H264Profile::Extended));
        assert_eq!(p("ff001f"), None);
        assert_eq!(p("42e0"), None);
        // RFC 6184 §8.1: the default is 42000A (baseline, level 1).
        assert_eq!(
            h264_profile_level_id("packetization-mode=1").map(|p| (p.profile, p.level_idc)),
            Some((H264Profile::Baseline, 10))
        );
    }

    #[test]
    fn rfc6184_8_2_2_same_profile_and_packetization_mode() {
        let ours = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";
        assert!(h264_compatible(
            ours,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
        ));
        // Another level of the same profile is fine.
        assert!(h264_compatible(
            ours,
            "packetization-mode=1;profile-level-id=42e034"
        ));
        // Mode 0 is not mode 1; baseline is not constrained baseline; main is not either.
        assert!(!h264_compatible(
            ours,
            "packetization-mode=0;profile-level-id=42e01f"
        ));
        assert!(!h264_compatible(
            ours,
            "packetization-mode=1;profile-level-id=42001f"
        ));
        assert!(!h264_compatible(
            ours,
            "packetization-mode=1;profile-level-id=4d001f"
        ));
    }

    #[test]
    fn rfc6184_8_2_2_answer_level() {
        let ours = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";
        // Both allow asymmetry: our own level.
        assert_eq!(
            h264_answer(
                ours,
                "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e00d"
            ),
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
        );
        // Without asymmetry: not above the offer's level.
        assert_eq!(
            h264_answer(ours, "packetization-mode=1;profile-level-id=42e00d"),
            "packetization-mode=1;profile-level-id=42e00d"
        );
        assert_eq!(
            h264_answer(ours, "packetization-mode=1;profile-level-id=42e028"),
            "packetization-mode=1;profile-level-id=42e01f"
        );
    }
}
