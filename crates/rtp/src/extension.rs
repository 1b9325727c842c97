//! RTP header extensions (RFC 8285) and the typed values browsers negotiate.
//!
//! [`Extensions`] walks the one-byte (§4.2) or two-byte (§4.3) form without allocating.
//! [`ExtensionMap`] maps the local IDs negotiated in SDP (`a=extmap`, RFC 8285 §5) to an
//! [`ExtensionKind`]; [`ExtensionMap::parse`] decodes every known element of a packet in one pass
//! into [`HeaderExtensions`].

use crate::wire::{u8_at, u16_at, u24_at};
use crate::{Error, Result};

/// "defined by profile" value of the one-byte form (RFC 8285 §4.2).
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// "defined by profile" value of the two-byte form; the low 4 bits are app bits (RFC 8285 §4.3).
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// Which RFC 8285 form an extension block uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionForm {
    /// 4-bit ID, 4-bit length-1 (§4.2).
    OneByte,
    /// 8-bit ID, 8-bit length (§4.3).
    TwoByte,
}

impl ExtensionForm {
    /// The form named by an extension header's profile field, if it is an RFC 8285 one.
    #[inline]
    pub fn from_profile(profile: u16) -> Option<Self> {
        if profile == ONE_BYTE_PROFILE {
            Some(Self::OneByte)
        } else if profile & 0xfff0 == TWO_BYTE_PROFILE {
            Some(Self::TwoByte)
        } else {
            None
        }
    }

    /// The profile field this form writes.
    pub fn profile(self) -> u16 {
        match self {
            Self::OneByte => ONE_BYTE_PROFILE,
            Self::TwoByte => TWO_BYTE_PROFILE,
        }
    }

    pub(crate) fn element_header_len(self) -> usize {
        match self {
            Self::OneByte => 1,
            Self::TwoByte => 2,
        }
    }
}

/// One header extension element: its local ID and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Local identifier (1..=14 one-byte, 1..=255 two-byte).
    pub id: u8,
    /// The value bytes.
    pub data: &'a [u8],
}

impl Extension<'_> {
    /// Whether the element can be written in the one-byte form.
    pub fn fits_one_byte(&self) -> bool {
        (1..=14).contains(&self.id) && (1..=16).contains(&self.data.len())
    }

    /// Writes the element in `form` into `out`; returns its length.
    pub(crate) fn write(&self, form: ExtensionForm, out: &mut [u8]) -> Result<usize> {
        let len = self.data.len();
        let header: &[u8] = match form {
            ExtensionForm::OneByte => {
                if !self.fits_one_byte() {
                    return Err(Error::InvalidInput(
                        "extension does not fit the one-byte form",
                    ));
                }
                &[(self.id << 4) | (len as u8 - 1)]
            }
            ExtensionForm::TwoByte => {
                let l = u8::try_from(len)
                    .map_err(|_| Error::InvalidInput("extension longer than 255 bytes"))?;
                if self.id == 0 {
                    return Err(Error::InvalidInput("extension ID 0 is padding"));
                }
                &[self.id, l]
            }
        };
        let total = header.len() + len;
        let dst = out.get_mut(..total).ok_or(Error::BufferTooSmall)?;
        let (h, d) = dst.split_at_mut(header.len());
        h.copy_from_slice(header);
        d.copy_from_slice(self.data);
        Ok(total)
    }
}

/// Iterator over the elements of an RFC 8285 extension block.
#[derive(Debug, Clone)]
pub struct Extensions<'a> {
    form: Option<ExtensionForm>,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Extensions<'a> {
    /// Iterates `data` (the block after its 4-byte header) in `form`; `None` yields nothing.
    #[inline]
    pub fn new(form: Option<ExtensionForm>, data: &'a [u8]) -> Self {
        Self { form, data, pos: 0 }
    }

    /// Next element and the offset of its value within the block.
    #[inline]
    pub(crate) fn next_with_offset(&mut self) -> Option<(usize, Extension<'a>)> {
        let form = self.form?;
        loop {
            let b = *self.data.get(self.pos)?;
            if b == 0 {
                // Padding byte in either form (RFC 8285 §4.2, §4.3).
                self.pos += 1;
                continue;
            }
            let (id, start, len) = match form {
                ExtensionForm::OneByte => {
                    // ID 15 (RFC 8285 §4.2), or ID 0 with a non-zero length (§4.1.2): stop
                    // processing the whole block.
                    if b >> 4 == 15 || b >> 4 == 0 {
                        self.form = None;
                        return None;
                    }
                    (b >> 4, self.pos + 1, usize::from(b & 0x0f) + 1)
                }
                ExtensionForm::TwoByte => {
                    (b, self.pos + 2, usize::from(u8_at(self.data, self.pos + 1)))
                }
            };
            let Some(value) = self.data.get(start..start + len) else {
                self.form = None;
                return None;
            };
            self.pos = start + len;
            return Some((start, Extension { id, data: value }));
        }
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = Extension<'a>;

    #[inline]
    fn next(&mut self) -> Option<Extension<'a>> {
        self.next_with_offset().map(|(_, e)| e)
    }
}

/// The header extensions this crate knows by URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtensionKind {
    /// abs-send-time: 24-bit 6.18 fixed-point seconds (webrtc.org).
    AbsSendTime,
    /// Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    TransportSequenceNumber,
    /// sdes:mid (RFC 9143 §15).
    Mid,
    /// sdes:rtp-stream-id (RFC 8852 §3.1).
    RtpStreamId,
    /// sdes:repaired-rtp-stream-id (RFC 8852 §3.2).
    RepairedRtpStreamId,
    /// ssrc-audio-level (RFC 6464).
    AudioLevel,
    /// Coordination of video orientation (3GPP TS 26.114 §7.4.5).
    VideoOrientation,
    /// playout-delay (webrtc.org).
    PlayoutDelay,
}

impl ExtensionKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 8] = [
        Self::AbsSendTime,
        Self::TransportSequenceNumber,
        Self::Mid,
        Self::RtpStreamId,
        Self::RepairedRtpStreamId,
        Self::AudioLevel,
        Self::VideoOrientation,
        Self::PlayoutDelay,
    ];

    /// The URI that names this extension in `a=extmap`.
    pub fn uri(self) -> &'static str {
        match self {
            Self::AbsSendTime => "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            Self::TransportSequenceNumber => {
                "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
            }
            Self::Mid => "urn:ietf:params:rtp-hdrext:sdes:mid",
            Self::RtpStreamId => "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
            Self::RepairedRtpStreamId => "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
            Self::AudioLevel => "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            Self::VideoOrientation => "urn:3gpp:video-orientation",
            Self::PlayoutDelay => "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
        }
    }

    /// The kind named by an `a=extmap` URI.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.uri() == uri)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// RFC 6464 audio level: V flag and level in -dBov (0 loudest, 127 silence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioLevel {
    /// The sender believes the packet contains voice.
    pub voice_activity: bool,
    /// Level in -dBov, 0..=127.
    pub level: u8,
}

/// 3GPP CVO byte: camera, flip and rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoOrientation {
    /// C: back-facing camera.
    pub back_camera: bool,
    /// F: horizontal flip.
    pub flip: bool,
    /// Clockwise rotation in quarter turns (0..=3, i.e. 0°, 90°, 180°, 270°).
    pub rotation: u8,
}

/// playout-delay limits in 10 ms units (12 bits each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayoutDelay {
    /// Minimum delay.
    pub min: u16,
    /// Maximum delay.
    pub max: u16,
}

/// A decoded extension value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtensionValue<'a> {
    /// 24-bit 6.18 fixed-point send time.
    AbsSendTime(u32),
    /// Transport-wide sequence number.
    TransportSequenceNumber(u16),
    /// Media identification.
    Mid(&'a [u8]),
    /// RtpStreamId (rid).
    RtpStreamId(&'a [u8]),
    /// RepairedRtpStreamId.
    RepairedRtpStreamId(&'a [u8]),
    /// Audio level.
    AudioLevel(AudioLevel),
    /// Video orientation.
    VideoOrientation(VideoOrientation),
    /// Playout delay.
    PlayoutDelay(PlayoutDelay),
}

impl<'a> ExtensionValue<'a> {
    /// Decodes `data` as `kind`; `None` if the length is wrong for it.
    #[inline]
    pub fn parse(kind: ExtensionKind, data: &'a [u8]) -> Option<Self> {
        Some(match kind {
            ExtensionKind::AbsSendTime if data.len() == 3 => Self::AbsSendTime(u24_at(data, 0)),
            // The -01 draft is 2 bytes; later drafts append fields we ignore.
            ExtensionKind::TransportSequenceNumber if data.len() >= 2 => {
                Self::TransportSequenceNumber(u16_at(data, 0))
            }
            ExtensionKind::Mid if !data.is_empty() => Self::Mid(data),
            ExtensionKind::RtpStreamId if !data.is_empty() => Self::RtpStreamId(data),
            ExtensionKind::RepairedRtpStreamId if !data.is_empty() => {
                Self::RepairedRtpStreamId(data)
            }
            // RFC 6464 §3: one byte; senders may pad the element, so extra bytes are ignored.
            ExtensionKind::AudioLevel if !data.is_empty() => {
                let b = u8_at(data, 0);
                Self::AudioLevel(AudioLevel {
                    voice_activity: b & 0x80 != 0,
                    level: b & 0x7f,
                })
            }
            ExtensionKind::VideoOrientation if !data.is_empty() => {
                let b = u8_at(data, 0);
                Self::VideoOrientation(VideoOrientation {
                    back_camera: b & 0x08 != 0,
                    flip: b & 0x04 != 0,
                    rotation: b & 0x03,
                })
            }
            ExtensionKind::PlayoutDelay if data.len() == 3 => {
                let v = u24_at(data, 0);
                Self::PlayoutDelay(PlayoutDelay {
                    min: (v >> 12) as u16,
                    max: (v & 0xfff) as u16,
                })
            }
            _ => return None,
        })
    }

    /// The kind of this value.
    pub fn kind(&self) -> ExtensionKind {
        match self {
            Self::AbsSendTime(_) => ExtensionKind::AbsSendTime,
            Self::TransportSequenceNumber(_) => ExtensionKind::TransportSequenceNumber,
            Self::Mid(_) => ExtensionKind::Mid,
            Self::RtpStreamId(_) => ExtensionKind::RtpStreamId,
            Self::RepairedRtpStreamId(_) => ExtensionKind::RepairedRtpStreamId,
            Self::AudioLevel(_) => ExtensionKind::AudioLevel,
            Self::VideoOrientation(_) => ExtensionKind::VideoOrientation,
            Self::PlayoutDelay(_) => ExtensionKind::PlayoutDelay,
        }
    }

    /// Encodes the value into `out`; returns the encoded length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize> {
        let fixed: [u8; 3];
        let bytes: &[u8] = match *self {
            Self::AbsSendTime(t) => {
                let [_, a, b, c] = t.to_be_bytes();
                fixed = [a, b, c];
                &fixed
            }
            Self::TransportSequenceNumber(s) => {
                let [a, b] = s.to_be_bytes();
                fixed = [a, b, 0];
                fixed.get(..2).unwrap_or_default()
            }
            Self::Mid(s) | Self::RtpStreamId(s) | Self::RepairedRtpStreamId(s) => s,
            Self::AudioLevel(l) => {
                fixed = [(u8::from(l.voice_activity) << 7) | (l.level & 0x7f), 0, 0];
                fixed.get(..1).unwrap_or_default()
            }
            Self::VideoOrientation(o) => {
                fixed = [
                    (u8::from(o.back_camera) << 3) | (u8::from(o.flip) << 2) | (o.rotation & 3),
                    0,
                    0,
                ];
                fixed.get(..1).unwrap_or_default()
            }
            Self::PlayoutDelay(d) => {
                let v = (u32::from(d.min & 0xfff) << 12) | u32::from(d.max & 0xfff);
                let [_, a, b, c] = v.to_be_bytes();
                fixed = [a, b, c];
                &fixed
            }
        };
        out.get_mut(..bytes.len())
            .ok_or(Error::BufferTooSmall)?
            .copy_from_slice(bytes);
        Ok(bytes.len())
    }
}

/// Converts a 64-bit NTP timestamp (32.32) to the 24-bit 6.18 abs-send-time value.
pub fn abs_send_time_from_ntp(ntp: u64) -> u32 {
    ((ntp >> 14) & 0x00ff_ffff) as u32
}

/// Every known extension of one packet, decoded in one pass by [`ExtensionMap::parse`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeaderExtensions<'a> {
    /// abs-send-time.
    pub abs_send_time: Option<u32>,
    /// Transport-wide sequence number.
    pub transport_sequence_number: Option<u16>,
    /// sdes:mid.
    pub mid: Option<&'a [u8]>,
    /// sdes:rtp-stream-id.
    pub rtp_stream_id: Option<&'a [u8]>,
    /// sdes:repaired-rtp-stream-id.
    pub repaired_rtp_stream_id: Option<&'a [u8]>,
    /// ssrc-audio-level.
    pub audio_level: Option<AudioLevel>,
    /// video-orientation.
    pub video_orientation: Option<VideoOrientation>,
    /// playout-delay.
    pub playout_delay: Option<PlayoutDelay>,
}

/// Negotiated local ID → extension kind (RFC 8285 §5, `a=extmap:<id> <uri>`).
#[derive(Clone, PartialEq, Eq)]
pub struct ExtensionMap {
    by_id: [Option<ExtensionKind>; 256],
    by_kind: [u8; ExtensionKind::ALL.len()],
}

impl core::fmt::Debug for ExtensionMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map()
            .entries(
                self.by_id
                    .iter()
                    .enumerate()
                    .filter_map(|(id, k)| k.map(|k| (id, k))),
            )
            .finish()
    }
}

impl Default for ExtensionMap {
    fn default() -> Self {
        Self::new()
    }
}

impl ExtensionMap {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            by_id: [None; 256],
            by_kind: [0; ExtensionKind::ALL.len()],
        }
    }

    /// Maps `id` (1..=255) to `kind`, replacing what either was mapped to.
    pub fn insert(&mut self, id: u8, kind: ExtensionKind) -> Result<()> {
        if id == 0 {
            return Err(Error::InvalidInput("extension ID 0 is reserved"));
        }
        self.remove_kind(kind);
        self.remove_id(id);
        if let Some(slot) = self.by_id.get_mut(usize::from(id)) {
            *slot = Some(kind);
        }
        if let Some(slot) = self.by_kind.get_mut(kind.index()) {
            *slot = id;
        }
        Ok(())
    }

    /// Maps `id` to the extension named by `uri` (from `a=extmap`). Returns the kind, or
    /// `None` (and changes nothing) for a URI this crate does not know.
    pub fn insert_uri(&mut self, id: u8, uri: &str) -> Result<Option<ExtensionKind>> {
        let Some(kind) = ExtensionKind::from_uri(uri) else {
            return Ok(None);
        };
        self.insert(id, kind)?;
        Ok(Some(kind))
    }

    fn remove_kind(&mut self, kind: ExtensionKind) {
        let id = self.id_of(kind);
        if let Some(slot) = id.and_then(|id| self.by_id.get_mut(usize::from(id))) {
            *slot = None;
        }
        if let Some(slot) = self.by_kind.get_mut(kind.index()) {
            *slot = 0;
        }
    }

    fn remove_id(&mut self, id: u8) {
        if let Some(kind) = self.kind_of(id) {
            self.remove_kind(kind);
        }
    }

    /// The kind mapped to `id`.
    #[inline]
    pub fn kind_of(&self, id: u8) -> Option<ExtensionKind> {
        self.by_id.get(usize::from(id)).copied().flatten()
    }

    /// The ID mapped to `kind`.
    #[inline]
    pub fn id_of(&self, kind: ExtensionKind) -> Option<u8> {
        self.by_kind
            .get(kind.index())
            .copied()
            .filter(|&id| id != 0)
    }

    /// Decodes every mapped element of `extensions` in one pass. Unknown IDs and values of the
    /// wrong length are skipped.
    #[inline]
    pub fn parse<'a>(&self, extensions: Extensions<'a>) -> HeaderExtensions<'a> {
        let mut out = HeaderExtensions::default();
        for e in extensions {
            self.decode_into(e.id, e.data, &mut out);
        }
        out
    }

    /// Decodes one element into its field of `out` (the checks of `ExtensionValue::parse`).
    #[inline(always)]
    fn decode_into<'a>(&self, id: u8, d: &'a [u8], out: &mut HeaderExtensions<'a>) {
        let Some(kind) = self.kind_of(id) else {
            return;
        };
        match kind {
            ExtensionKind::AbsSendTime if d.len() == 3 => {
                out.abs_send_time = Some(u24_at(d, 0));
            }
            ExtensionKind::TransportSequenceNumber if d.len() >= 2 => {
                out.transport_sequence_number = Some(u16_at(d, 0));
            }
            ExtensionKind::Mid if !d.is_empty() => out.mid = Some(d),
            ExtensionKind::RtpStreamId if !d.is_empty() => out.rtp_stream_id = Some(d),
            ExtensionKind::RepairedRtpStreamId if !d.is_empty() => {
                out.repaired_rtp_stream_id = Some(d);
            }
            ExtensionKind::AudioLevel
            | ExtensionKind::VideoOrientation
            | ExtensionKind::PlayoutDelay => match ExtensionValue::parse(kind, d) {
                Some(ExtensionValue::AudioLevel(v)) => out.audio_level = Some(v),
                Some(ExtensionValue::VideoOrientation(v)) => out.video_orientation = Some(v),
                Some(ExtensionValue::PlayoutDelay(v)) => out.playout_delay = Some(v),
                _ => {}
            },
            _ => {}
        }
    }

    /// Decodes the element of `kind` in `extensions`, if mapped and present.
    pub fn get<'a>(
        &self,
        extensions: Extensions<'a>,
        kind: ExtensionKind,
    ) -> Option<ExtensionValue<'a>> {
        let id = self.id_of(kind)?;
        extensions
            .into_iter()
            .find(|e| e.id == id)
            .and_then(|e| ExtensionValue::parse(kind, e.data))
    }
}
