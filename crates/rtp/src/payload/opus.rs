//! Opus (RFC 7587): one Opus packet per RTP payload, no payload header.
//!
//! RFC 7587 §4.2: the RTP clock is 48 kHz whatever the audio bandwidth, and an RTP payload
//! carries exactly one Opus packet (RFC 6716 §3), which may hold up to 120 ms of audio.
//! [`OpusToc`] reads the table-of-contents byte (RFC 6716 §3.1) so a receiver can tell a
//! packet's duration, e.g. to advance a playout clock over DTX gaps.

use super::{Depacketizer, Packetizer, Payload, PayloadInfo, Payloads, copy_to};
use crate::{Error, Result};

/// The RTP clock rate of Opus (RFC 7587 §4.1).
pub const CLOCK_RATE: u32 = 48_000;

/// Opus's audio bandwidth as the TOC byte names it (RFC 6716 §3.1, Table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bandwidth {
    /// 4 kHz.
    Narrow,
    /// 6 kHz.
    Medium,
    /// 8 kHz.
    Wide,
    /// 12 kHz.
    SuperWide,
    /// 20 kHz.
    Full,
}

/// The TOC byte of an Opus packet (RFC 6716 §3.1) and the frame count it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusToc {
    /// The 5-bit configuration number (mode, bandwidth, frame size).
    pub config: u8,
    /// s: stereo.
    pub stereo: bool,
    /// c: frame count code 0..=3 (§3.2).
    pub code: u8,
    /// Number of frames in the packet (1, 2, or the code-3 count M).
    pub frames: u8,
}

impl OpusToc {
    /// Reads the TOC (and, for code 3, the frame count byte) and checks RFC 6716 §3.4 R1
    /// (at least one byte), R5 (at most 120 ms of audio) and R6's frame count of at least one.
    pub fn parse(packet: &[u8]) -> Result<Self> {
        let (&toc, rest) = packet
            .split_first()
            .ok_or(Error::MalformedPayload("empty Opus packet (RFC 6716 R1)"))?;
        let code = toc & 0x03;
        let frames = match code {
            0 => 1,
            1 | 2 => 2,
            _ => {
                let count = rest.first().ok_or(Error::MalformedPayload(
                    "Opus code 3 packet without a frame count (RFC 6716 R6)",
                ))? & 0x3f;
                if count == 0 {
                    return Err(Error::MalformedPayload(
                        "Opus code 3 packet with zero frames (RFC 6716 R5)",
                    ));
                }
                count
            }
        };
        let t = Self {
            config: toc >> 3,
            stereo: toc & 0x04 != 0,
            code,
            frames,
        };
        if t.samples() > 5760 {
            return Err(Error::MalformedPayload(
                "Opus packet longer than 120 ms (RFC 6716 R5)",
            ));
        }
        Ok(t)
    }

    /// Samples per frame at 48 kHz (RFC 6716 Table 2).
    pub fn frame_samples(&self) -> u32 {
        match (self.config, self.config & 3) {
            // SILK-only: 10, 20, 40, 60 ms.
            (0..=11, 0) => 480,
            (0..=11, 1) => 960,
            (0..=11, 2) => 1920,
            (0..=11, _) => 2880,
            // Hybrid: 10, 20 ms.
            (12..=15, 0 | 2) => 480,
            (12..=15, _) => 960,
            // CELT-only: 2.5, 5, 10, 20 ms.
            (_, 0) => 120,
            (_, 1) => 240,
            (_, 2) => 480,
            (_, _) => 960,
        }
    }

    /// The packet's duration in 48 kHz samples, i.e. the RTP timestamp step it covers.
    pub fn samples(&self) -> u32 {
        self.frame_samples() * u32::from(self.frames)
    }

    /// The audio bandwidth.
    pub fn bandwidth(&self) -> Bandwidth {
        match self.config {
            0..=3 | 16..=19 => Bandwidth::Narrow,
            4..=7 => Bandwidth::Medium,
            8..=11 | 20..=23 => Bandwidth::Wide,
            12 | 13 | 24..=27 => Bandwidth::SuperWide,
            _ => Bandwidth::Full,
        }
    }
}

/// Opus packetizer: one Opus packet per payload (RFC 7587 §4.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpusPacketizer;

/// The single payload of one Opus packet.
#[derive(Debug, Clone)]
pub struct OpusPayloads<'a> {
    packet: Option<&'a [u8]>,
}

impl Payloads for OpusPayloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        let Some(packet) = self.packet else {
            return Ok(None);
        };
        copy_to(out, 0, packet)?;
        self.packet = None;
        Ok(Some(Payload {
            len: packet.len(),
            marker: false,
            timestamp_offset: 0,
        }))
    }
}

impl Packetizer for OpusPacketizer {
    type Payloads<'a> = OpusPayloads<'a>;

    /// Fails if the packet is empty or larger than `max_payload`: an Opus packet is never
    /// split (RFC 7587 §4.2); the encoder must be told the size limit instead.
    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<OpusPayloads<'a>> {
        if frame.is_empty() {
            return Err(Error::InvalidInput("empty Opus packet"));
        }
        if frame.len() > max_payload {
            return Err(Error::InvalidInput(
                "Opus packet larger than the payload limit",
            ));
        }
        Ok(OpusPayloads {
            packet: Some(frame),
        })
    }
}

/// Opus depacketizer: the payload is the Opus packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpusDepacketizer;

impl Depacketizer for OpusDepacketizer {
    fn parse(&self, payload: &[u8], _marker: bool) -> Result<PayloadInfo> {
        OpusToc::parse(payload)?;
        Ok(PayloadInfo {
            frame_start: true,
            frame_end: true,
            keyframe: true,
        })
    }

    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>,
    {
        for p in payloads {
            OpusToc::parse(p)?;
            frame.extend_from_slice(p);
        }
        Ok(())
    }
}
