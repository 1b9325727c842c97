//! RTP payload formats: one packetizer and one depacketizer per codec WebRTC negotiates.
//!
//! | module | format | clock rate |
//! | --- | --- | --- |
//! | [`opus`] | Opus, RFC 7587 | 48 000 |
//! | [`g711`] | PCMU / PCMA, RFC 3551 §4.5.14 | 8 000 |
//! | [`vp8`] | VP8, RFC 7741 | 90 000 |
//! | [`vp9`] | VP9, RFC 9628 | 90 000 |
//! | [`h264`] | H.264, RFC 6184 (packetization-mode 0 and 1) | 90 000 |
//! | [`av1`] | AV1, the AOM "RTP Payload Format for AV1" v1.0 | 90 000 |
//!
//! # Sending
//! A [`Packetizer`] turns one encoded frame into RTP payloads no larger than a caller's limit
//! (MTU minus the RTP header, extensions and the SRTP tag). It plans the split when
//! [`Packetizer::packetize`] is called and then writes one payload per
//! [`Payloads::next_into`] call straight into the caller's buffer, usually right after the RTP
//! header the caller wrote there. Nothing is allocated: the returned cursor borrows the frame.
//!
//! ```
//! use sansrtc_rtp::payload::{Packetizer, Payloads, vp8::Vp8Packetizer};
//! use sansrtc_rtp::{RtpHeader, RtpPacket};
//!
//! let frame = vec![0x10u8; 3000]; // an encoded VP8 frame
//! let mut packetizer = Vp8Packetizer::new(0x1234);
//! let mut datagram = [0u8; 1200];
//! let mut header = RtpHeader { payload_type: 96, ssrc: 1, timestamp: 3000, ..Default::default() };
//! let max_payload = datagram.len() - header.len();
//! let mut payloads = packetizer.packetize(&frame, max_payload)?;
//! let mut sent = 0;
//! while let Some(p) = {
//!     let header_len = header.len();
//!     payloads.next_into(&mut datagram[header_len..])?
//! } {
//!     header.marker = p.marker;
//!     let header_len = header.write(&mut datagram)?;
//!     let packet = RtpPacket::new_checked(&datagram[..header_len + p.len])?;
//!     assert!(packet.as_bytes().len() <= 1200);
//!     header.sequence_number = header.sequence_number.wrapping_add(1);
//!     sent += 1;
//! }
//! assert_eq!(sent, 3);
//! # Ok::<(), sansrtc_rtp::Error>(())
//! ```
//!
//! # Receiving
//! A [`Depacketizer`] reads what a payload says about framing without copying
//! ([`Depacketizer::parse`]: frame start, frame end, keyframe) and rebuilds the codec bitstream
//! of a complete frame from its payloads in sequence order ([`Depacketizer::depacketize`]).
//! [`crate::jitter::JitterBuffer`] does both for a stream; an SFU that only forwards uses
//! `parse` alone.

pub mod av1;
pub mod g711;
pub mod h264;
pub mod opus;
pub mod vp8;
pub mod vp9;

use crate::{Error, Result};

/// One RTP payload written by [`Payloads::next_into`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    /// Bytes written at the start of the caller's buffer.
    pub len: usize,
    /// The RTP marker bit for this packet: the last packet of a video frame (RFC 7741 §4.1,
    /// RFC 6184 §5.1, RFC 9628 §4.1, AV1 §4.1). Audio packetizers leave it false: for audio the
    /// marker flags the start of a talkspurt (RFC 3551 §4.1), which only the caller knows.
    pub marker: bool,
    /// Add this to the frame's RTP timestamp for this packet. Zero except for G.711, where a
    /// long frame is split at sample boundaries and each packet carries its own timestamp.
    pub timestamp_offset: u32,
}

/// A cursor over the payloads of one frame, created by [`Packetizer::packetize`].
pub trait Payloads {
    /// Writes the next payload into the start of `out` and describes it; `Ok(None)` once the
    /// frame is done. Fails with [`Error::BufferTooSmall`] if `out` is shorter than this payload
    /// (never longer than the `max_payload` given to `packetize`); the cursor then stays put.
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>>;
}

/// Splits encoded frames into RTP payloads of one format.
pub trait Packetizer {
    /// The cursor over one frame's payloads.
    type Payloads<'a>: Payloads;

    /// Plans the payloads of `frame`, each at most `max_payload` bytes. Fails if the frame
    /// cannot be carried (empty, malformed for the codec, or not splittable within the limit).
    /// Per-stream state (picture IDs) advances once per successful call.
    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<Self::Payloads<'a>>;
}

/// What a payload format says about one packet, read without copying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayloadInfo {
    /// This packet starts a frame, as far as the payload format can tell: VP8 S=1 with PID 0,
    /// VP9 B=1 on the lowest spatial layer, AV1 N=1, H.264 an access unit delimiter or SPS
    /// first, every audio packet. `false` means "not signalled", not "certainly not": the
    /// jitter buffer then looks at the packet before it.
    pub frame_start: bool,
    /// This packet ends a frame: the RTP marker bit for video, every audio packet.
    pub frame_end: bool,
    /// This packet belongs to a frame that can be decoded without earlier frames: VP8 key frame
    /// (P=0), VP9 non-inter-predicted base layer (P=0), H.264 IDR slice, AV1 N=1, every audio
    /// packet.
    pub keyframe: bool,
}

/// Reads and reassembles RTP payloads of one format.
pub trait Depacketizer {
    /// What `payload` says about framing; `marker` is the packet's RTP marker bit.
    fn parse(&self, payload: &[u8], marker: bool) -> Result<PayloadInfo>;

    /// Appends the codec bitstream of one complete frame to `frame`, from its payloads in
    /// sequence order. On error `frame` may hold part of the frame; the caller discards it.
    ///
    /// The output is what the codec's decoder takes: VP8/VP9 frames, Opus and G.711 packets
    /// as they are, H.264 in Annex B byte-stream form (4-byte start codes), AV1 as a temporal
    /// unit of OBUs in low-overhead form (every OBU with its `obu_size`).
    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>;
}

/// The payload formats this crate implements, by their SDP encoding name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// Opus (RFC 7587).
    Opus,
    /// G.711 µ-law (RFC 3551).
    Pcmu,
    /// G.711 A-law (RFC 3551).
    Pcma,
    /// VP8 (RFC 7741).
    Vp8,
    /// VP9 (RFC 9628).
    Vp9,
    /// H.264 (RFC 6184).
    H264,
    /// AV1 (AOM RTP payload format).
    Av1,
}

impl Codec {
    /// The codec named by an `a=rtpmap` encoding name (case-insensitive, RFC 4855 §3).
    pub fn from_encoding_name(name: &str) -> Option<Self> {
        [
            Self::Opus,
            Self::Pcmu,
            Self::Pcma,
            Self::Vp8,
            Self::Vp9,
            Self::H264,
            Self::Av1,
        ]
        .into_iter()
        .find(|c| c.encoding_name().eq_ignore_ascii_case(name))
    }

    /// The encoding name in `a=rtpmap`.
    pub fn encoding_name(self) -> &'static str {
        match self {
            Self::Opus => "opus",
            Self::Pcmu => "PCMU",
            Self::Pcma => "PCMA",
            Self::Vp8 => "VP8",
            Self::Vp9 => "VP9",
            Self::H264 => "H264",
            Self::Av1 => "AV1",
        }
    }

    /// The RTP clock rate the format mandates.
    pub fn clock_rate(self) -> u32 {
        match self {
            Self::Opus => 48_000,
            Self::Pcmu | Self::Pcma => 8_000,
            Self::Vp8 | Self::Vp9 | Self::H264 | Self::Av1 => 90_000,
        }
    }

    /// Audio or video.
    pub fn is_audio(self) -> bool {
        matches!(self, Self::Opus | Self::Pcmu | Self::Pcma)
    }
}

/// A depacketizer for any [`Codec`], for code that picks the codec at run time (a peer whose
/// payload types come from SDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyDepacketizer {
    /// Opus.
    Opus(opus::OpusDepacketizer),
    /// PCMU or PCMA.
    G711(g711::G711Depacketizer),
    /// VP8.
    Vp8(vp8::Vp8Depacketizer),
    /// VP9.
    Vp9(vp9::Vp9Depacketizer),
    /// H.264.
    H264(h264::H264Depacketizer),
    /// AV1.
    Av1(av1::Av1Depacketizer),
}

impl AnyDepacketizer {
    /// The depacketizer for `codec` (H.264 accepts packetization-mode 1, which includes 0).
    pub fn new(codec: Codec) -> Self {
        match codec {
            Codec::Opus => Self::Opus(opus::OpusDepacketizer),
            Codec::Pcmu | Codec::Pcma => Self::G711(g711::G711Depacketizer),
            Codec::Vp8 => Self::Vp8(vp8::Vp8Depacketizer),
            Codec::Vp9 => Self::Vp9(vp9::Vp9Depacketizer),
            Codec::H264 => Self::H264(h264::H264Depacketizer),
            Codec::Av1 => Self::Av1(av1::Av1Depacketizer),
        }
    }
}

impl Depacketizer for AnyDepacketizer {
    fn parse(&self, payload: &[u8], marker: bool) -> Result<PayloadInfo> {
        match self {
            Self::Opus(d) => d.parse(payload, marker),
            Self::G711(d) => d.parse(payload, marker),
            Self::Vp8(d) => d.parse(payload, marker),
            Self::Vp9(d) => d.parse(payload, marker),
            Self::H264(d) => d.parse(payload, marker),
            Self::Av1(d) => d.parse(payload, marker),
        }
    }

    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>,
    {
        match self {
            Self::Opus(d) => d.depacketize(payloads, frame),
            Self::G711(d) => d.depacketize(payloads, frame),
            Self::Vp8(d) => d.depacketize(payloads, frame),
            Self::Vp9(d) => d.depacketize(payloads, frame),
            Self::H264(d) => d.depacketize(payloads, frame),
            Self::Av1(d) => d.depacketize(payloads, frame),
        }
    }
}

/// A packetizer for any [`Codec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyPacketizer {
    /// Opus.
    Opus(opus::OpusPacketizer),
    /// PCMU or PCMA.
    G711(g711::G711Packetizer),
    /// VP8.
    Vp8(vp8::Vp8Packetizer),
    /// VP9.
    Vp9(vp9::Vp9Packetizer),
    /// H.264.
    H264(h264::H264Packetizer),
    /// AV1.
    Av1(av1::Av1Packetizer),
}

impl AnyPacketizer {
    /// The packetizer for `codec` with default settings; `picture_id` seeds the VP8/VP9
    /// picture ID (pick it at random per stream, RFC 7741 §4.2).
    pub fn new(codec: Codec, picture_id: u16) -> Self {
        match codec {
            Codec::Opus => Self::Opus(opus::OpusPacketizer),
            Codec::Pcmu | Codec::Pcma => Self::G711(g711::G711Packetizer),
            Codec::Vp8 => Self::Vp8(vp8::Vp8Packetizer::new(picture_id)),
            Codec::Vp9 => Self::Vp9(vp9::Vp9Packetizer::new(picture_id)),
            Codec::H264 => Self::H264(h264::H264Packetizer::new(
                h264::PacketizationMode::NonInterleaved,
            )),
            Codec::Av1 => Self::Av1(av1::Av1Packetizer),
        }
    }
}

/// The payload cursor of an [`AnyPacketizer`].
#[derive(Debug, Clone)]
pub enum AnyPayloads<'a> {
    /// Opus.
    Opus(opus::OpusPayloads<'a>),
    /// PCMU or PCMA.
    G711(g711::G711Payloads<'a>),
    /// VP8.
    Vp8(vp8::Vp8Payloads<'a>),
    /// VP9.
    Vp9(vp9::Vp9Payloads<'a>),
    /// H.264.
    H264(h264::H264Payloads<'a>),
    /// AV1.
    Av1(av1::Av1Payloads<'a>),
}

impl Payloads for AnyPayloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        match self {
            Self::Opus(p) => p.next_into(out),
            Self::G711(p) => p.next_into(out),
            Self::Vp8(p) => p.next_into(out),
            Self::Vp9(p) => p.next_into(out),
            Self::H264(p) => p.next_into(out),
            Self::Av1(p) => p.next_into(out),
        }
    }
}

impl Packetizer for AnyPacketizer {
    type Payloads<'a> = AnyPayloads<'a>;

    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<AnyPayloads<'a>> {
        Ok(match self {
            Self::Opus(p) => AnyPayloads::Opus(p.packetize(frame, max_payload)?),
            Self::G711(p) => AnyPayloads::G711(p.packetize(frame, max_payload)?),
            Self::Vp8(p) => AnyPayloads::Vp8(p.packetize(frame, max_payload)?),
            Self::Vp9(p) => AnyPayloads::Vp9(p.packetize(frame, max_payload)?),
            Self::H264(p) => AnyPayloads::H264(p.packetize(frame, max_payload)?),
            Self::Av1(p) => AnyPayloads::Av1(p.packetize(frame, max_payload)?),
        })
    }
}

/// Splits `total` bytes into the fewest chunks where the first holds at most `first_cap` and
/// the others at most `cap`, as equal in size as that allows (a receiver's jitter estimate and
/// the pacer both prefer even packets to one full packet and a runt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EvenSplit {
    /// Bytes not yet handed out.
    remaining: usize,
    /// Chunks not yet handed out.
    chunks: usize,
    first_cap: usize,
    cap: usize,
}

impl EvenSplit {
    /// `None` if a chunk cannot hold a byte while bytes remain.
    pub(crate) fn new(total: usize, first_cap: usize, cap: usize) -> Option<Self> {
        if cap == 0 && total > first_cap {
            return None;
        }
        let chunks = if total <= first_cap {
            1
        } else {
            1 + (total - first_cap).div_ceil(cap)
        };
        Some(Self {
            remaining: total,
            chunks,
            first_cap,
            cap,
        })
    }

    /// Chunks left.
    pub(crate) fn chunks(&self) -> usize {
        self.chunks
    }

    /// Size of the next chunk (without consuming it).
    pub(crate) fn peek(&self) -> usize {
        if self.chunks == 0 {
            return 0;
        }
        let even = self.remaining.div_ceil(self.chunks);
        // With a first chunk larger than the others, the others must not overflow `cap`.
        let floor = self
            .remaining
            .saturating_sub((self.chunks - 1).saturating_mul(self.cap));
        even.max(floor).min(self.first_cap)
    }

    /// Consumes the chunk [`Self::peek`] described.
    pub(crate) fn advance(&mut self) {
        let n = self.peek();
        self.remaining -= n;
        self.chunks = self.chunks.saturating_sub(1);
        // Later chunks are bounded by `cap` only.
        self.first_cap = self.cap;
    }
}

/// Copies `src` into the start of `out`, or fails with `BufferTooSmall`.
#[inline]
pub(crate) fn copy_to(out: &mut [u8], at: usize, src: &[u8]) -> Result<()> {
    out.get_mut(at..at + src.len())
        .ok_or(Error::BufferTooSmall)?
        .copy_from_slice(src);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_split_balances_and_respects_caps() {
        let mut s = EvenSplit::new(3000, 1000, 1000).unwrap();
        assert_eq!(s.chunks(), 3);
        let mut sizes = vec![];
        while s.chunks() > 0 {
            sizes.push(s.peek());
            s.advance();
        }
        assert_eq!(sizes, [1000, 1000, 1000]);

        let mut s = EvenSplit::new(2001, 1000, 1000).unwrap();
        let mut sizes = vec![];
        while s.chunks() > 0 {
            sizes.push(s.peek());
            s.advance();
        }
        assert_eq!(sizes, [667, 667, 667]);

        // A small first chunk (VP9 scalability structure in the first packet).
        let mut s = EvenSplit::new(1500, 300, 1000).unwrap();
        let mut sizes = vec![];
        while s.chunks() > 0 {
            sizes.push(s.peek());
            s.advance();
        }
        assert_eq!(sizes.iter().sum::<usize>(), 1500);
        assert_eq!(sizes.len(), 3);
        assert!(sizes[0] <= 300);
        // A large first chunk.
        let mut s = EvenSplit::new(1100, 1000, 100).unwrap();
        let mut sizes = vec![];
        while s.chunks() > 0 {
            sizes.push(s.peek());
            s.advance();
        }
        assert_eq!(sizes, [1000, 100]);
        assert!(EvenSplit::new(10, 0, 0).is_none());
        assert_eq!(EvenSplit::new(0, 0, 0).unwrap().chunks(), 1);
    }
}
