//! G.711 PCMU (µ-law, static payload type 0) and PCMA (A-law, payload type 8), RFC 3551
//! §4.5.14: one octet per sample at 8 kHz, no payload header.
//!
//! Any number of samples fits a packet, so the packetizer splits a long buffer of samples at
//! sample boundaries into even payloads, each with its own RTP timestamp
//! ([`Payload::timestamp_offset`]). The sample conversions of ITU-T G.711 are here too, for
//! senders that start from linear PCM.

use super::{Depacketizer, EvenSplit, Packetizer, Payload, PayloadInfo, Payloads, copy_to};
use crate::{Error, Result};

/// Static payload type of PCMU (RFC 3551 Table 4).
pub const PCMU_PAYLOAD_TYPE: u8 = 0;
/// Static payload type of PCMA (RFC 3551 Table 4).
pub const PCMA_PAYLOAD_TYPE: u8 = 8;
/// The RTP clock rate of G.711.
pub const CLOCK_RATE: u32 = 8_000;

/// G.711 packetizer for either law (the payload is the samples either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct G711Packetizer;

/// The payloads of one buffer of G.711 samples.
#[derive(Debug, Clone)]
pub struct G711Payloads<'a> {
    samples: &'a [u8],
    offset: usize,
    split: EvenSplit,
}

impl Payloads for G711Payloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        if self.split.chunks() == 0 {
            return Ok(None);
        }
        let len = self.split.peek();
        let chunk = self
            .samples
            .get(self.offset..self.offset + len)
            .unwrap_or_default();
        copy_to(out, 0, chunk)?;
        let timestamp_offset = u32::try_from(self.offset)
            .map_err(|_| Error::InvalidInput("G.711 buffer longer than 2^32 samples"))?;
        self.offset += len;
        self.split.advance();
        Ok(Some(Payload {
            len,
            marker: false,
            timestamp_offset,
        }))
    }
}

impl Packetizer for G711Packetizer {
    type Payloads<'a> = G711Payloads<'a>;

    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<G711Payloads<'a>> {
        if frame.is_empty() {
            return Err(Error::InvalidInput("empty G.711 frame"));
        }
        let split = EvenSplit::new(frame.len(), max_payload, max_payload)
            .ok_or(Error::InvalidInput("payload limit of zero bytes"))?;
        Ok(G711Payloads {
            samples: frame,
            offset: 0,
            split,
        })
    }
}

/// G.711 depacketizer: every packet is a frame of samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct G711Depacketizer;

impl Depacketizer for G711Depacketizer {
    fn parse(&self, _payload: &[u8], _marker: bool) -> Result<PayloadInfo> {
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
            frame.extend_from_slice(p);
        }
        Ok(())
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// Encodes a 16-bit linear sample as µ-law (ITU-T G.711 §3).
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(ULAW_CLIP) + ULAW_BIAS;
    // Segment: position of the highest set bit above bit 7 (s is 0x84..=0x7fff).
    let exponent = (31 - s.leading_zeros()).saturating_sub(7).min(7);
    let mantissa = (s >> (exponent + 3)) & 0x0f;
    !(sign | ((exponent as i32) << 4) | mantissa) as u8
}

/// Decodes a µ-law octet to a 16-bit linear sample (ITU-T G.711 §3).
pub fn ulaw_to_linear(octet: u8) -> i16 {
    let u = !octet;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i32::from(u & 0x0f);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    (if u & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// Encodes a 16-bit linear sample as A-law (ITU-T G.711 §2).
pub fn linear_to_alaw(sample: i16) -> u8 {
    // 13-bit magnitude; negative values map to -x - 1 so the ranges are symmetric.
    let mut v = i32::from(sample) >> 3;
    let mask = if v >= 0 {
        0xd5
    } else {
        v = -v - 1;
        0x55
    };
    // Segment ends 0x1f, 0x3f, 0x7f, ... 0xfff.
    let segment = (32 - (v | 0x1f).leading_zeros()).saturating_sub(5);
    if segment >= 8 {
        return 0x7f ^ mask;
    }
    let quant = if segment < 2 {
        (v >> 1) & 0x0f
    } else {
        (v >> segment) & 0x0f
    };
    (((segment as i32) << 4) | quant) as u8 ^ mask
}

/// Decodes an A-law octet to a 16-bit linear sample (ITU-T G.711 §2).
pub fn alaw_to_linear(octet: u8) -> i16 {
    let a = octet ^ 0x55;
    let mut t = i32::from(a & 0x0f) << 4;
    let segment = (a & 0x70) >> 4;
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= segment - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_reference_points() {
        assert_eq!(linear_to_ulaw(0), 0xff);
        assert_eq!(ulaw_to_linear(0xff), 0);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(0), 0xd5);
        assert_eq!(alaw_to_linear(0xd5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xaa), 32256);
        assert_eq!(linear_to_alaw(i16::MAX), 0xaa);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2a);
    }

    #[test]
    fn g711_every_code_survives_decode_encode() {
        for octet in 0..=255u8 {
            assert_eq!(
                linear_to_alaw(alaw_to_linear(octet)),
                octet,
                "A-law {octet:#x}"
            );
            let u = linear_to_ulaw(ulaw_to_linear(octet));
            // µ-law has two codes for zero (0x7f, 0xff); both decode to 0.
            if octet == 0x7f {
                assert_eq!(u, 0xff);
            } else {
                assert_eq!(u, octet, "µ-law {octet:#x}");
            }
        }
    }

    #[test]
    fn g711_encoding_is_monotonic() {
        let mut last_u = i16::MIN;
        let mut last_a = i16::MIN;
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let u = ulaw_to_linear(linear_to_ulaw(s));
            let a = alaw_to_linear(linear_to_alaw(s));
            assert!(u >= last_u && a >= last_a, "{s}");
            assert!((i32::from(u) - i32::from(s)).abs() <= 1024, "{s} -> {u}");
            assert!((i32::from(a) - i32::from(s)).abs() <= 1024, "{s} -> {a}");
            last_u = u;
            last_a = a;
        }
    }
}
