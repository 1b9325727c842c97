//! VP9 (RFC 9628): a payload descriptor (§4.2) before each piece of a frame, in flexible
//! (F=1) or non-flexible (F=0) mode, with the scalability structure (§4.2.1) on key frames.
//!
//! ```text
//!  I P L F B E V Z              I: picture ID; P: inter-picture predicted; L: layer indices;
//!  [M PID(7/15)]                F: flexible mode; B/E: start/end of a (layer) frame;
//!  [TID(3) U SID(3) D]          V: scalability structure (SS) present; Z: not a reference
//!  [TL0PICIDX]    (F=0, L=1)       for upper spatial layers
//!  [P_DIFF(7) N]x1..3 (F=1, P=1)
//!  [SS]           (V=1)
//! ```
//!
//! The packetizer sends single-spatial-layer streams the way Chromium does: flexible mode, a
//! 15-bit picture ID, inter frames referencing the previous picture (P_DIFF 1) unless
//! [`Vp9FrameInfo`] says otherwise, and on key frames (read from the VP9 uncompressed header)
//! an SS with the frame size. The non-flexible mode adds a one-picture group to that SS. The depacketizer reads everything,
//! including spatial layers; the frame it rebuilds is the payloads of one picture (one RTP
//! timestamp) concatenated, which is the VP9 frame for one spatial layer. (Several spatial
//! layers would need a superframe index for libvpx; that is left to the caller.)

use super::{Depacketizer, EvenSplit, Packetizer, Payload, PayloadInfo, Payloads, copy_to};
use crate::wire::u16_at;
use crate::{Error, Result};

const TRUNCATED: Error = Error::MalformedPayload("VP9 payload descriptor truncated");

/// Layer indices (the L octet, §4.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp9Layer {
    /// TID: temporal layer (0..=7).
    pub temporal_id: u8,
    /// U: switching up point.
    pub switching_up: bool,
    /// SID: spatial layer (0..=7).
    pub spatial_id: u8,
    /// D: inter-layer dependency used.
    pub inter_layer_dependency: bool,
}

impl Vp9Layer {
    fn from_octet(b: u8) -> Self {
        Self {
            temporal_id: b >> 5,
            switching_up: b & 0x10 != 0,
            spatial_id: (b >> 1) & 0x07,
            inter_layer_dependency: b & 0x01 != 0,
        }
    }

    fn octet(&self) -> u8 {
        ((self.temporal_id & 7) << 5)
            | (u8::from(self.switching_up) << 4)
            | ((self.spatial_id & 7) << 1)
            | u8::from(self.inter_layer_dependency)
    }
}

/// A parsed VP9 payload descriptor (RFC 9628 §4.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp9Descriptor<'a> {
    /// P: the frame uses inter-picture prediction.
    pub inter_picture_predicted: bool,
    /// F: flexible mode.
    pub flexible: bool,
    /// B: the packet starts a (layer) frame.
    pub start_of_frame: bool,
    /// E: the packet ends a (layer) frame.
    pub end_of_frame: bool,
    /// Z: the frame is not a reference for upper spatial layers.
    pub not_upper_reference: bool,
    /// The picture ID, 7 or 15 bits.
    pub picture_id: Option<u16>,
    /// M: the picture ID is 15 bits.
    pub long_picture_id: bool,
    /// Layer indices, if L is set.
    pub layer: Option<Vp9Layer>,
    /// TL0PICIDX (non-flexible mode with L).
    pub tl0_pic_idx: Option<u8>,
    reference_diffs: [u8; 3],
    reference_count: u8,
    /// The scalability structure, if V is set.
    pub scalability: Option<Vp9Scalability<'a>>,
    /// Length of the descriptor; the VP9 data starts here.
    pub len: usize,
}

impl<'a> Vp9Descriptor<'a> {
    /// Parses the descriptor at the start of an RTP payload; fails if it is truncated, lists
    /// more than three references, or no VP9 data follows.
    pub fn parse(payload: &'a [u8]) -> Result<Self> {
        let b0 = *payload.first().ok_or(TRUNCATED)?;
        let mut d = Self {
            inter_picture_predicted: b0 & 0x40 != 0,
            flexible: b0 & 0x10 != 0,
            start_of_frame: b0 & 0x08 != 0,
            end_of_frame: b0 & 0x04 != 0,
            not_upper_reference: b0 & 0x01 != 0,
            ..Self::default()
        };
        let mut at = 1;
        if b0 & 0x80 != 0 {
            let p = *payload.get(at).ok_or(TRUNCATED)?;
            if p & 0x80 != 0 {
                if payload.len() < at + 2 {
                    return Err(TRUNCATED);
                }
                d.picture_id = Some(u16_at(payload, at) & 0x7fff);
                d.long_picture_id = true;
                at += 2;
            } else {
                d.picture_id = Some(u16::from(p));
                at += 1;
            }
        }
        if b0 & 0x20 != 0 {
            d.layer = Some(Vp9Layer::from_octet(*payload.get(at).ok_or(TRUNCATED)?));
            at += 1;
            if !d.flexible {
                d.tl0_pic_idx = Some(*payload.get(at).ok_or(TRUNCATED)?);
                at += 1;
            }
        }
        if d.flexible && d.inter_picture_predicted {
            loop {
                let r = *payload.get(at).ok_or(TRUNCATED)?;
                at += 1;
                let slot = d
                    .reference_diffs
                    .get_mut(usize::from(d.reference_count))
                    .ok_or(Error::MalformedPayload(
                        "VP9 frame with more than 3 references",
                    ))?;
                *slot = r >> 1;
                d.reference_count += 1;
                if r & 0x01 == 0 {
                    break;
                }
            }
        }
        if b0 & 0x02 != 0 {
            let (ss, len) = Vp9Scalability::parse(payload.get(at..).unwrap_or_default())?;
            d.scalability = Some(ss);
            at += len;
        }
        d.len = at;
        if payload.len() <= at {
            return Err(Error::MalformedPayload("VP9 packet without VP9 data"));
        }
        Ok(d)
    }

    /// P_DIFFs: how many pictures back each reference is (flexible mode, §4.2).
    pub fn reference_diffs(&self) -> &[u8] {
        self.reference_diffs
            .get(..usize::from(self.reference_count))
            .unwrap_or_default()
    }

    /// The spatial layer, 0 without layer indices.
    pub fn spatial_id(&self) -> u8 {
        self.layer.map_or(0, |l| l.spatial_id)
    }

    /// The packet starts a picture: B=1 on the lowest spatial layer.
    pub fn is_picture_start(&self) -> bool {
        self.start_of_frame && self.spatial_id() == 0
    }
}

/// One picture of a picture group in the scalability structure (§4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp9PictureDescription<'a> {
    /// TID of the picture.
    pub temporal_id: u8,
    /// U: switching up point.
    pub switching_up: bool,
    /// P_DIFFs of its references.
    pub reference_diffs: &'a [u8],
}

/// The scalability structure (SS, RFC 9628 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp9Scalability<'a> {
    /// N_S + 1: the number of spatial layers.
    pub spatial_layers: u8,
    /// Y: widths and heights, 4 octets per spatial layer.
    resolutions: Option<&'a [u8]>,
    /// G: the picture group descriptions.
    groups: Option<(u8, &'a [u8])>,
}

impl<'a> Vp9Scalability<'a> {
    /// Parses an SS at the start of `data`; returns it and its length.
    pub fn parse(data: &'a [u8]) -> Result<(Self, usize)> {
        let b = *data.first().ok_or(TRUNCATED)?;
        let spatial_layers = (b >> 5) + 1;
        let mut at = 1;
        let resolutions = if b & 0x10 != 0 {
            let n = 4 * usize::from(spatial_layers);
            let r = data.get(at..at + n).ok_or(TRUNCATED)?;
            at += n;
            Some(r)
        } else {
            None
        };
        let groups = if b & 0x08 != 0 {
            let count = *data.get(at).ok_or(TRUNCATED)?;
            at += 1;
            let start = at;
            for _ in 0..count {
                let g = *data.get(at).ok_or(TRUNCATED)?;
                at += 1 + usize::from((g >> 2) & 0x03);
            }
            Some((count, data.get(start..at).ok_or(TRUNCATED)?))
        } else {
            None
        };
        Ok((
            Self {
                spatial_layers,
                resolutions,
                groups,
            },
            at,
        ))
    }

    /// (width, height) per spatial layer, if Y is set.
    pub fn resolutions(&self) -> impl Iterator<Item = (u16, u16)> + 'a {
        self.resolutions
            .unwrap_or_default()
            .chunks_exact(4)
            .map(|c| (u16_at(c, 0), u16_at(c, 2)))
    }

    /// The picture group descriptions, if G is set.
    pub fn picture_group(&self) -> impl Iterator<Item = Vp9PictureDescription<'a>> + 'a {
        let (count, mut rest) = self.groups.unwrap_or((0, &[]));
        (0..count).map_while(move |_| {
            let (&g, after) = rest.split_first()?;
            let (refs, after) = after.split_at_checked(usize::from((g >> 2) & 3))?;
            rest = after;
            Some(Vp9PictureDescription {
                temporal_id: g >> 5,
                switching_up: g & 0x10 != 0,
                reference_diffs: refs,
            })
        })
    }
}

/// What the VP9 uncompressed header (VP9 bitstream spec §6.2) says about a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp9FrameHeader {
    /// Profile 0..=3.
    pub profile: u8,
    /// The frame only repeats an earlier one.
    pub show_existing_frame: bool,
    /// frame_type 0: a key frame.
    pub keyframe: bool,
    /// The frame is shown.
    pub show_frame: bool,
    /// An intra-only frame (not a key frame, but no inter prediction).
    pub intra_only: bool,
    /// Frame width and height, read from key frames.
    pub size: Option<(u16, u16)>,
}

struct BitReader<'a> {
    data: &'a [u8],
    bit: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Option<bool> {
        let byte = *self.data.get(self.bit / 8)?;
        let v = byte & (0x80 >> (self.bit % 8)) != 0;
        self.bit += 1;
        Some(v)
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | u32::from(self.bit()?);
        }
        Some(v)
    }
}

impl Vp9FrameHeader {
    /// Reads the start of a VP9 frame's uncompressed header (VP9 bitstream spec §6.2:
    /// frame_marker, profile, show_existing_frame, frame_type, show_frame,
    /// error_resilient_mode, the key frame's sync code, color config and frame size, or
    /// intra_only). `None` if `frame` is not a VP9 frame.
    pub fn parse(frame: &[u8]) -> Option<Self> {
        let mut r = BitReader {
            data: frame,
            bit: 0,
        };
        if r.bits(2)? != 2 {
            return None;
        }
        let low = r.bits(1)?;
        let high = r.bits(1)?;
        let profile = ((high << 1) | low) as u8;
        if profile == 3 && r.bit()? {
            return None;
        }
        let mut h = Self {
            profile,
            ..Self::default()
        };
        if r.bit()? {
            h.show_existing_frame = true;
            h.show_frame = true;
            return Some(h);
        }
        h.keyframe = !r.bit()?;
        h.show_frame = r.bit()?;
        let _error_resilient = r.bit()?;
        if h.keyframe {
            if r.bits(24)? != 0x49_83_42 {
                return None;
            }
            if profile >= 2 {
                let _ten_or_twelve_bit = r.bit()?;
            }
            let color_space = r.bits(3)?;
            if color_space != 7 {
                let _color_range = r.bit()?;
                if profile == 1 || profile == 3 {
                    let _subsampling = r.bits(3)?;
                }
            } else if profile == 1 || profile == 3 {
                let _reserved = r.bit()?;
            }
            let w = r.bits(16)? + 1;
            let hgt = r.bits(16)? + 1;
            h.size = Some((w as u16, hgt as u16));
        } else if !h.show_frame {
            h.intra_only = r.bit()?;
        }
        Some(h)
    }
}

/// Encoder knowledge about one frame that the descriptor carries (all optional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp9FrameInfo {
    /// Layer indices to send (L=1); TL0PICIDX goes with them in non-flexible mode.
    pub layer: Option<Vp9Layer>,
    /// TL0PICIDX for non-flexible mode with layer indices.
    pub tl0_pic_idx: u8,
    /// Flexible mode: P_DIFFs of the references (1..=3 of them) of an inter frame. `None`
    /// means the previous picture.
    pub references: Option<([u8; 3], u8)>,
    /// Z: not a reference for upper spatial layers.
    pub not_upper_reference: bool,
}

/// VP9 packetizer (RFC 9628 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vp9Packetizer {
    picture_id: u16,
    flexible: bool,
}

impl Vp9Packetizer {
    /// A flexible-mode packetizer (F=1: references listed in every packet), as Chromium
    /// sends every VP9 stream, whose first picture ID is `picture_id` (mod 2^15).
    pub fn new(picture_id: u16) -> Self {
        Self {
            picture_id: picture_id & 0x7fff,
            flexible: true,
        }
    }

    /// A non-flexible-mode packetizer (F=0: the picture group in the key frame's SS says
    /// what references what).
    pub fn new_non_flexible(picture_id: u16) -> Self {
        Self {
            picture_id: picture_id & 0x7fff,
            flexible: false,
        }
    }

    /// The picture ID the next frame gets.
    pub fn next_picture_id(&self) -> u16 {
        self.picture_id
    }

    /// Plans the payloads of `frame` with encoder knowledge.
    pub fn packetize_with<'a>(
        &mut self,
        frame: &'a [u8],
        max_payload: usize,
        info: Vp9FrameInfo,
    ) -> Result<Vp9Payloads<'a>> {
        if frame.is_empty() {
            return Err(Error::InvalidInput("empty VP9 frame"));
        }
        let header = Vp9FrameHeader::parse(frame);
        let keyframe = header.is_some_and(|h| h.keyframe);
        let intra = keyframe || header.is_some_and(|h| h.intra_only);
        let mut d = [0u8; 24];
        let mut len = 0;
        let mut push = |b: u8| -> Result<()> {
            *d.get_mut(len)
                .ok_or(Error::InvalidInput("VP9 descriptor too long"))? = b;
            len += 1;
            Ok(())
        };
        let mut b0 = 0x80; // I
        if !intra {
            b0 |= 0x40; // P
        }
        if self.flexible {
            b0 |= 0x10;
        }
        if info.not_upper_reference {
            b0 |= 0x01;
        }
        if info.layer.is_some() {
            b0 |= 0x20;
        }
        push(b0)?;
        for b in (0x8000 | self.picture_id).to_be_bytes() {
            push(b)?;
        }
        if let Some(layer) = info.layer {
            push(layer.octet())?;
            if !self.flexible {
                push(info.tl0_pic_idx)?;
            }
        }
        if self.flexible && !intra {
            let (diffs, count) = info.references.unwrap_or(([1, 0, 0], 1));
            let refs = diffs
                .get(..usize::from(count))
                .filter(|r| !r.is_empty())
                .ok_or(Error::InvalidInput(
                    "VP9 inter frame needs 1..=3 references",
                ))?;
            for (i, r) in refs.iter().enumerate() {
                if *r == 0 || *r > 127 {
                    return Err(Error::InvalidInput("VP9 P_DIFF must be 1..=127"));
                }
                push((r << 1) | u8::from(i + 1 < refs.len()))?;
            }
        }
        let base_len = len;
        // Key frames carry an SS in their first packet: one spatial layer with its size, and
        // in non-flexible mode a one-picture group (TID 0, one reference one picture back).
        let mut first_len = base_len;
        if let Some((w, h)) = header.and_then(|h| h.size).filter(|_| keyframe) {
            let ss = [
                0x18,
                (w >> 8) as u8,
                w as u8,
                (h >> 8) as u8,
                h as u8,
                1,
                0x04,
                1,
            ];
            let ss = if self.flexible {
                // Y only, as Chromium sends it.
                [0x10, ss[1], ss[2], ss[3], ss[4], 0, 0, 0]
            } else {
                ss
            };
            let ss_len = if self.flexible { 5 } else { 8 };
            copy_to(&mut d, base_len, ss.get(..ss_len).unwrap_or_default())?;
            first_len += ss_len;
        }
        let split = EvenSplit::new(
            frame.len(),
            max_payload.saturating_sub(first_len),
            max_payload.saturating_sub(base_len),
        )
        .filter(|_| max_payload > first_len)
        .ok_or(Error::InvalidInput(
            "payload limit below the VP9 descriptor",
        ))?;
        self.picture_id = (self.picture_id + 1) & 0x7fff;
        Ok(Vp9Payloads {
            frame,
            offset: 0,
            descriptor: d,
            base_len,
            first_len,
            split,
        })
    }
}

impl Packetizer for Vp9Packetizer {
    type Payloads<'a> = Vp9Payloads<'a>;

    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<Vp9Payloads<'a>> {
        self.packetize_with(frame, max_payload, Vp9FrameInfo::default())
    }
}

/// The payloads of one VP9 frame.
#[derive(Debug, Clone)]
pub struct Vp9Payloads<'a> {
    frame: &'a [u8],
    offset: usize,
    descriptor: [u8; 24],
    base_len: usize,
    /// The first packet's descriptor also has the SS.
    first_len: usize,
    split: EvenSplit,
}

impl Payloads for Vp9Payloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        if self.split.chunks() == 0 {
            return Ok(None);
        }
        let n = self.split.peek();
        let first = self.offset == 0;
        let last = self.split.chunks() == 1;
        let d = if first { self.first_len } else { self.base_len };
        if out.len() < d + n {
            return Err(Error::BufferTooSmall);
        }
        let mut descriptor = self.descriptor;
        if first {
            descriptor[0] |= 0x08; // B
            if self.first_len > self.base_len {
                descriptor[0] |= 0x02; // V
            }
        }
        if last {
            descriptor[0] |= 0x04; // E
        }
        copy_to(out, 0, descriptor.get(..d).unwrap_or_default())?;
        copy_to(
            out,
            d,
            self.frame
                .get(self.offset..self.offset + n)
                .unwrap_or_default(),
        )?;
        self.offset += n;
        self.split.advance();
        Ok(Some(Payload {
            len: d + n,
            marker: last,
            timestamp_offset: 0,
        }))
    }
}

/// VP9 depacketizer (RFC 9628 §4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp9Depacketizer;

impl Depacketizer for Vp9Depacketizer {
    fn parse(&self, payload: &[u8], marker: bool) -> Result<PayloadInfo> {
        let d = Vp9Descriptor::parse(payload)?;
        Ok(PayloadInfo {
            frame_start: d.is_picture_start(),
            frame_end: marker,
            keyframe: !d.inter_picture_predicted && d.spatial_id() == 0,
        })
    }

    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>,
    {
        let mut in_frame = false;
        for p in payloads {
            let d = Vp9Descriptor::parse(p)?;
            if d.start_of_frame {
                in_frame = true;
            } else if !in_frame {
                return Err(Error::MalformedPayload("VP9 frame does not start with B=1"));
            }
            frame.extend_from_slice(p.get(d.len..).unwrap_or_default());
            if d.end_of_frame {
                in_frame = false;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9628_4_2_1_scalability_structure_fields() {
        // N_S=1 (two layers), Y, G; 320x180 and 640x360; two pictures: TID 0 R=1 P_DIFF 2,
        // TID 1 U R=1 P_DIFF 1.
        let ss = [
            0x38, 0x01, 0x40, 0x00, 0xb4, 0x02, 0x80, 0x01, 0x68, 0x02, 0x04, 0x02, 0x34, 0x01,
        ];
        let (s, len) = Vp9Scalability::parse(&ss).unwrap();
        assert_eq!(len, ss.len());
        assert_eq!(s.spatial_layers, 2);
        assert_eq!(
            s.resolutions().collect::<Vec<_>>(),
            [(320, 180), (640, 360)]
        );
        let g: Vec<_> = s.picture_group().collect();
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].temporal_id, g[0].reference_diffs), (0, &[2u8][..]));
        assert_eq!(
            (g[1].temporal_id, g[1].switching_up, g[1].reference_diffs),
            (1, true, &[1u8][..])
        );
    }
}
