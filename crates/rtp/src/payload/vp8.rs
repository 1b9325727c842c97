//! VP8 (RFC 7741): a payload descriptor (§4.2) before each piece of the frame.
//!
//! ```text
//!  X R N S R PID        X: extension octet follows; N: non-reference frame;
//!  [I L T K RSV]        S: start of a partition (1 on a frame's first packet); PID: partition
//!  [M PictureID(7/15)]  I: picture ID present; L: TL0PICIDX present; T/K: TID/Y/KEYIDX present
//!  [TL0PICIDX]
//!  [TID Y KEYIDX]
//! ```
//!
//! The packetizer writes Chromium's descriptor: X=1, I=1 and a 15-bit picture ID (M=1) that
//! increases by one per frame (§4.2), optional temporal-layer fields, S=1 and PID 0 on the
//! first packet; it does not split at partition boundaries (PID stays 0, which §4.2 allows).
//! The depacketizer detects key frames from the VP8 payload header's P bit (§4.3) on the
//! frame's first packet.

use super::{Depacketizer, EvenSplit, Packetizer, Payload, PayloadInfo, Payloads, copy_to};
use crate::wire::u16_at;
use crate::{Error, Result};

/// A parsed VP8 payload descriptor (RFC 7741 §4.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp8Descriptor {
    /// N: the frame can be discarded without affecting other frames.
    pub non_reference: bool,
    /// S: the packet starts a VP8 partition.
    pub start_of_partition: bool,
    /// PID: the partition the first payload octet belongs to (0..=7).
    pub partition_index: u8,
    /// The picture ID, 7 or 15 bits.
    pub picture_id: Option<u16>,
    /// Whether the picture ID was sent in the 15-bit form (M=1).
    pub long_picture_id: bool,
    /// TL0PICIDX, if present.
    pub tl0_pic_idx: Option<u8>,
    /// TID, if T is set.
    pub temporal_id: Option<u8>,
    /// Y: layer sync (meaningful with T).
    pub layer_sync: bool,
    /// KEYIDX, if K is set.
    pub key_index: Option<u8>,
    /// Length of the descriptor; the VP8 data starts here.
    pub len: usize,
}

impl Vp8Descriptor {
    /// Parses the descriptor at the start of an RTP payload. Fails if it is truncated or no VP8
    /// data follows it.
    pub fn parse(payload: &[u8]) -> Result<Self> {
        const TRUNCATED: Error = Error::MalformedPayload("VP8 payload descriptor truncated");
        let b0 = *payload.first().ok_or(TRUNCATED)?;
        let mut d = Self {
            non_reference: b0 & 0x20 != 0,
            start_of_partition: b0 & 0x10 != 0,
            partition_index: b0 & 0x07,
            len: 1,
            ..Self::default()
        };
        if b0 & 0x80 != 0 {
            let x = *payload.get(1).ok_or(TRUNCATED)?;
            let mut at = 2;
            if x & 0x80 != 0 {
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
            if x & 0x40 != 0 {
                d.tl0_pic_idx = Some(*payload.get(at).ok_or(TRUNCATED)?);
                at += 1;
            }
            if x & 0x30 != 0 {
                let t = *payload.get(at).ok_or(TRUNCATED)?;
                if x & 0x20 != 0 {
                    d.temporal_id = Some(t >> 6);
                    d.layer_sync = t & 0x20 != 0;
                }
                if x & 0x10 != 0 {
                    d.key_index = Some(t & 0x1f);
                }
                at += 1;
            }
            d.len = at;
        }
        if payload.len() <= d.len {
            return Err(Error::MalformedPayload("VP8 packet without VP8 data"));
        }
        Ok(d)
    }

    /// The frame's first packet: S=1 and PID 0 (§4.2).
    pub fn is_frame_start(&self) -> bool {
        self.start_of_partition && self.partition_index == 0
    }
}

/// Width and height of a key frame, from the VP8 key frame header (RFC 6386 §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp8KeyframeSize {
    /// Width in pixels (14 bits).
    pub width: u16,
    /// Horizontal upscaling code (2 bits).
    pub horizontal_scale: u8,
    /// Height in pixels (14 bits).
    pub height: u16,
    /// Vertical upscaling code (2 bits).
    pub vertical_scale: u8,
}

/// Whether VP8 frame data (the first bytes after a start packet's descriptor) begins a key
/// frame: the frame tag's P bit is 0 (RFC 7741 §4.3, RFC 6386 §9.1).
pub fn is_keyframe(frame_data: &[u8]) -> bool {
    frame_data.first().is_some_and(|b| b & 0x01 == 0)
}

/// The dimensions of a key frame: the 3-byte frame tag, the start code 9d 01 2a, then width
/// and height, little-endian (RFC 6386 §9.1). `None` if `frame_data` is not a key frame.
pub fn keyframe_size(frame_data: &[u8]) -> Option<Vp8KeyframeSize> {
    if !is_keyframe(frame_data) || frame_data.get(3..6)? != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let w = u16::from_le_bytes([*frame_data.get(6)?, *frame_data.get(7)?]);
    let h = u16::from_le_bytes([*frame_data.get(8)?, *frame_data.get(9)?]);
    Some(Vp8KeyframeSize {
        width: w & 0x3fff,
        horizontal_scale: (w >> 14) as u8,
        height: h & 0x3fff,
        vertical_scale: (h >> 14) as u8,
    })
}

/// Temporal-layer fields for one frame (RFC 7741 §4.2 L, T).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp8Temporal {
    /// TID: the frame's temporal layer (0..=3).
    pub temporal_id: u8,
    /// Y: the frame depends only on the base-layer frame with the same TL0PICIDX.
    pub layer_sync: bool,
    /// TL0PICIDX: running index of base-layer frames.
    pub tl0_pic_idx: u8,
}

/// What the encoder knows about a frame that the descriptor carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp8FrameInfo {
    /// N: nothing references this frame.
    pub non_reference: bool,
    /// Temporal scalability fields, if the encoder uses temporal layers.
    pub temporal: Option<Vp8Temporal>,
}

/// VP8 packetizer (RFC 7741 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vp8Packetizer {
    picture_id: u16,
}

impl Vp8Packetizer {
    /// A packetizer whose first frame gets picture ID `picture_id` (taken mod 2^15; §4.2
    /// recommends a random start).
    pub fn new(picture_id: u16) -> Self {
        Self {
            picture_id: picture_id & 0x7fff,
        }
    }

    /// The picture ID the next frame gets.
    pub fn next_picture_id(&self) -> u16 {
        self.picture_id
    }

    /// Plans the payloads of `frame` with layer information from the encoder.
    pub fn packetize_with<'a>(
        &mut self,
        frame: &'a [u8],
        max_payload: usize,
        info: Vp8FrameInfo,
    ) -> Result<Vp8Payloads<'a>> {
        if frame.is_empty() {
            return Err(Error::InvalidInput("empty VP8 frame"));
        }
        let mut descriptor = [0u8; 6];
        descriptor[0] = 0x80 | if info.non_reference { 0x20 } else { 0 };
        let [hi, lo] = (0x8000 | self.picture_id).to_be_bytes();
        descriptor[2] = hi;
        descriptor[3] = lo;
        let mut len = 4;
        let mut x = 0x80;
        if let Some(t) = info.temporal {
            if t.temporal_id > 3 {
                return Err(Error::InvalidInput("VP8 TID above 3"));
            }
            x |= 0x60;
            descriptor[4] = t.tl0_pic_idx;
            descriptor[5] = (t.temporal_id << 6) | if t.layer_sync { 0x20 } else { 0 };
            len = 6;
        }
        descriptor[1] = x;
        let cap = max_payload.saturating_sub(len);
        let split = EvenSplit::new(frame.len(), cap, cap).ok_or(Error::InvalidInput(
            "payload limit below the VP8 descriptor",
        ))?;
        self.picture_id = (self.picture_id + 1) & 0x7fff;
        Ok(Vp8Payloads {
            frame,
            offset: 0,
            descriptor,
            descriptor_len: len,
            split,
        })
    }
}

impl Packetizer for Vp8Packetizer {
    type Payloads<'a> = Vp8Payloads<'a>;

    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<Vp8Payloads<'a>> {
        self.packetize_with(frame, max_payload, Vp8FrameInfo::default())
    }
}

/// The payloads of one VP8 frame.
#[derive(Debug, Clone)]
pub struct Vp8Payloads<'a> {
    frame: &'a [u8],
    offset: usize,
    descriptor: [u8; 6],
    descriptor_len: usize,
    split: EvenSplit,
}

impl Payloads for Vp8Payloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        if self.split.chunks() == 0 {
            return Ok(None);
        }
        let n = self.split.peek();
        let d = self.descriptor_len;
        if out.len() < d + n {
            return Err(Error::BufferTooSmall);
        }
        let mut descriptor = self.descriptor;
        if self.offset == 0 {
            // S=1, PID=0 on the first packet of the frame.
            descriptor[0] |= 0x10;
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
            marker: self.split.chunks() == 0,
            timestamp_offset: 0,
        }))
    }
}

/// VP8 depacketizer (RFC 7741 §4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vp8Depacketizer;

impl Depacketizer for Vp8Depacketizer {
    fn parse(&self, payload: &[u8], marker: bool) -> Result<PayloadInfo> {
        let d = Vp8Descriptor::parse(payload)?;
        let start = d.is_frame_start();
        Ok(PayloadInfo {
            frame_start: start,
            frame_end: marker,
            keyframe: start && is_keyframe(payload.get(d.len..).unwrap_or_default()),
        })
    }

    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>,
    {
        for (i, p) in payloads.into_iter().enumerate() {
            let d = Vp8Descriptor::parse(p)?;
            if i == 0 && !d.is_frame_start() {
                return Err(Error::MalformedPayload(
                    "VP8 frame does not start with S=1, PID=0",
                ));
            }
            frame.extend_from_slice(p.get(d.len..).unwrap_or_default());
        }
        Ok(())
    }
}
