//! H.264 (RFC 6184): single NAL unit packets (§5.6), STAP-A aggregation (§5.7.1) and FU-A
//! fragmentation (§5.8), for packetization-mode 0 and 1 (§6.2, §6.3).
//!
//! ```text
//!  NAL unit header:   F NRI(2) Type(5)
//!  STAP-A (type 24):  header | size(16) NAL | size(16) NAL | ...
//!  FU-A (type 28):    indicator (F NRI 28) | S E R Type(5) | fragment of the NAL after its header
//! ```
//!
//! Frames go in and come out in Annex B byte-stream form (ITU-T H.264 Annex B): NAL units
//! behind start codes, as encoders produce and decoders take them. The interleaved mode (2)
//! and its STAP-B, MTAP and FU-B packets are not implemented; the depacketizer rejects them.

use super::{Depacketizer, EvenSplit, Packetizer, Payload, PayloadInfo, Payloads, copy_to};
use crate::wire::u16_at;
use crate::{Error, Result};

/// NAL unit types this module looks at (ITU-T H.264 Table 7-1, RFC 6184 Table 1).
pub mod nal_type {
    /// Coded slice of a non-IDR picture.
    pub const SLICE: u8 = 1;
    /// Coded slice of an IDR picture: a key frame.
    pub const IDR: u8 = 5;
    /// Supplemental enhancement information.
    pub const SEI: u8 = 6;
    /// Sequence parameter set.
    pub const SPS: u8 = 7;
    /// Picture parameter set.
    pub const PPS: u8 = 8;
    /// Access unit delimiter.
    pub const AUD: u8 = 9;
    /// Single-time aggregation packet A (RFC 6184 §5.7.1).
    pub const STAP_A: u8 = 24;
    /// Single-time aggregation packet B (interleaved mode only).
    pub const STAP_B: u8 = 25;
    /// Multi-time aggregation packet, 16-bit offsets (interleaved mode only).
    pub const MTAP16: u8 = 26;
    /// Multi-time aggregation packet, 24-bit offsets (interleaved mode only).
    pub const MTAP24: u8 = 27;
    /// Fragmentation unit A (RFC 6184 §5.8).
    pub const FU_A: u8 = 28;
    /// Fragmentation unit B (interleaved mode only).
    pub const FU_B: u8 = 29;
}

/// The Annex B start code the depacketizer writes before every NAL unit.
pub const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// RFC 6184 §6 packetization modes this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketizationMode {
    /// Mode 0: single NAL unit packets only; every NAL unit must fit the payload limit.
    SingleNal,
    /// Mode 1: single NAL unit, STAP-A and FU-A packets, in decoding order.
    NonInterleaved,
}

/// Iterates the NAL units of an Annex B byte stream (start codes `00 00 01` or `00 00 00 01`),
/// yielding each NAL unit without its start code and trailing zero bytes.
#[derive(Debug, Clone)]
pub struct AnnexBNalUnits<'a> {
    data: &'a [u8],
    /// Where the next NAL unit starts (just after a start code), or `data.len()` at the end.
    pos: usize,
}

impl<'a> AnnexBNalUnits<'a> {
    /// Iterates `data`; anything before the first start code is ignored.
    pub fn new(data: &'a [u8]) -> Self {
        let pos = find_start_code(data, 0).map_or(data.len(), |at| at + 3);
        Self { data, pos }
    }

    /// Whether `data` begins (after optional zero bytes) with a start code.
    pub fn starts_with_start_code(data: &[u8]) -> bool {
        let zeros = data.iter().take_while(|&&b| b == 0).count();
        zeros >= 2 && data.get(zeros) == Some(&1)
    }
}

impl<'a> Iterator for AnnexBNalUnits<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.pos >= self.data.len() {
                return None;
            }
            let start = self.pos;
            let (end, next) = match find_start_code(self.data, start) {
                Some(at) => (at, at + 3),
                None => (self.data.len(), self.data.len()),
            };
            self.pos = next;
            let nal = self.data.get(start..end).unwrap_or_default();
            // Trailing zero bytes belong to the next start code or are trailing_zero_8bits.
            let trimmed = nal.len() - nal.iter().rev().take_while(|&&b| b == 0).count();
            let nal = nal.get(..trimmed).unwrap_or_default();
            if !nal.is_empty() {
                return Some(nal);
            }
        }
    }
}

/// The offset of the next `00 00 01` at or after `from`.
///
/// Coded slices rarely contain zero bytes (emulation prevention keeps `00 00` out of them), so
/// the scan looks for the next zero byte eight bytes at a time and checks for a start code
/// only there.
fn find_start_code(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i = find_zero(data, i)?;
        match data.get(i + 1..i + 3)? {
            [0, 1] => return Some(i),
            // `00 00 00 ...`: the start code may begin one byte later.
            [0, 0] => i += 1,
            // `00 xx` with xx > 1, or a lone zero: nothing starts at i or i + 1.
            _ => i += 2,
        }
    }
}

/// The offset of the next zero byte at or after `from`.
#[inline]
fn find_zero(data: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let (words, tail) = data.get(from..)?.as_chunks::<8>();
    let mut at = from;
    for w in words {
        let x = u64::from_le_bytes(*w);
        // Has a zero byte: the lowest set high bit marks the first one.
        let z = x.wrapping_sub(LO) & !x & HI;
        if z != 0 {
            return Some(at + (z.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    tail.iter().position(|&b| b == 0).map(|p| at + p)
}

/// H.264 packetizer (RFC 6184 §5, §6.2, §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Packetizer {
    mode: PacketizationMode,
}

impl H264Packetizer {
    /// A packetizer for the negotiated `packetization-mode`.
    pub fn new(mode: PacketizationMode) -> Self {
        Self { mode }
    }
}

impl Packetizer for H264Packetizer {
    type Payloads<'a> = H264Payloads<'a>;

    /// `frame` is one access unit in Annex B form, NAL unit types 1..=23. In mode 0 every NAL
    /// unit must fit `max_payload`; in mode 1 `max_payload` must be at least 3 (an FU-A with
    /// one byte). The frame is scanned once here to check that.
    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<H264Payloads<'a>> {
        if !AnnexBNalUnits::starts_with_start_code(frame) {
            return Err(Error::InvalidInput(
                "H.264 frame does not start with an Annex B start code",
            ));
        }
        let mut nals = AnnexBNalUnits::new(frame);
        if self.mode == PacketizationMode::NonInterleaved && max_payload < 3 {
            return Err(Error::InvalidInput("payload limit below an FU-A"));
        }
        for nal in nals.clone() {
            // Types 0 and 24..=31 are not H.264 NAL units but this payload format's own
            // packet types (RFC 6184 §5.4): an encoder never emits them.
            if !(1..=23).contains(&(nal.first().copied().unwrap_or(0) & 0x1f)) {
                return Err(Error::InvalidInput("NAL unit of type 0 or 24..=31"));
            }
            if self.mode == PacketizationMode::SingleNal && nal.len() > max_payload {
                return Err(Error::InvalidInput(
                    "NAL unit larger than the payload limit in packetization-mode 0",
                ));
            }
        }
        let pending = nals.next();
        if pending.is_none() {
            return Err(Error::InvalidInput("H.264 frame without NAL units"));
        }
        Ok(H264Payloads {
            nals,
            pending,
            fu: None,
            mode: self.mode,
            // An RTP packet fits a UDP datagram, so STAP-A's 16-bit sizes always suffice.
            max_payload: max_payload.min(usize::from(u16::MAX)),
        })
    }
}

/// An FU-A in progress.
#[derive(Debug, Clone)]
struct Fragmenting<'a> {
    header: u8,
    /// The NAL unit after its header.
    rest: &'a [u8],
    offset: usize,
    split: EvenSplit,
}

/// The payloads of one H.264 access unit.
#[derive(Debug, Clone)]
pub struct H264Payloads<'a> {
    nals: AnnexBNalUnits<'a>,
    /// The next NAL unit to send, looked ahead so the last packet gets the marker.
    pending: Option<&'a [u8]>,
    fu: Option<Fragmenting<'a>>,
    mode: PacketizationMode,
    max_payload: usize,
}

impl H264Payloads<'_> {
    fn payload(&self, len: usize) -> Payload {
        Payload {
            len,
            marker: self.pending.is_none() && self.fu.is_none(),
            timestamp_offset: 0,
        }
    }
}

impl Payloads for H264Payloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        if let Some(fu) = self.fu.as_mut() {
            let n = fu.split.peek();
            if out.len() < 2 + n {
                return Err(Error::BufferTooSmall);
            }
            let start = fu.offset == 0;
            let end = fu.split.chunks() == 1;
            let fu_header = (u8::from(start) << 7) | (u8::from(end) << 6) | (fu.header & 0x1f);
            copy_to(out, 0, &[(fu.header & 0xe0) | nal_type::FU_A, fu_header])?;
            copy_to(
                out,
                2,
                fu.rest.get(fu.offset..fu.offset + n).unwrap_or_default(),
            )?;
            fu.offset += n;
            fu.split.advance();
            if end {
                self.fu = None;
            }
            return Ok(Some(self.payload(2 + n)));
        }
        let Some(nal) = self.pending else {
            return Ok(None);
        };
        let max = self.max_payload;
        if nal.len() > max {
            // Only mode 1 gets here (mode 0 checked every size): fragment (§5.8). The NAL is
            // longer than a packet, so there are at least two fragments and S and E never
            // share one (§5.8).
            let (&header, rest) = nal.split_first().unwrap_or((&0, &[]));
            let split = EvenSplit::new(rest.len(), max - 2, max - 2)
                .ok_or(Error::InvalidInput("payload limit below an FU-A"))?;
            if out.len() < 2 + split.peek() {
                return Err(Error::BufferTooSmall);
            }
            self.fu = Some(Fragmenting {
                header,
                rest,
                offset: 0,
                split,
            });
            self.pending = self.nals.next();
            return self.next_into(out);
        }
        // Aggregate what fits after this NAL unit into a STAP-A (§5.7.1), mode 1 only.
        if self.mode == PacketizationMode::NonInterleaved {
            let mut lookahead = self.nals.clone();
            let mut next = lookahead.next();
            let mut len = 1 + 2 + nal.len();
            if next.is_some_and(|n| len + 2 + n.len() <= max) {
                let mut f_nri = 0u8;
                let mut nri = 0u8;
                let mut write = |at: usize, n: &[u8], out: &mut [u8]| -> Result<()> {
                    let h = n.first().copied().unwrap_or(0);
                    f_nri |= h & 0x80;
                    nri = nri.max(h & 0x60);
                    let size = u16::try_from(n.len()).map_err(|_| Error::BufferTooSmall)?;
                    copy_to(out, at, &size.to_be_bytes())?;
                    copy_to(out, at + 2, n)
                };
                write(1, nal, out)?;
                while let Some(n) = next {
                    if len + 2 + n.len() > max {
                        break;
                    }
                    write(len, n, out)?;
                    len += 2 + n.len();
                    next = lookahead.next();
                }
                copy_to(out, 0, &[f_nri | nri | nal_type::STAP_A])?;
                self.nals = lookahead;
                self.pending = next;
                return Ok(Some(self.payload(len)));
            }
        }
        copy_to(out, 0, nal)?;
        self.pending = self.nals.next();
        Ok(Some(self.payload(nal.len())))
    }
}

/// What the first NAL unit of a packet says about the start of an access unit: an access unit
/// delimiter or SPS comes first in one (H.264 §7.4.1.2.3), and a slice with
/// `first_mb_in_slice` 0 (ue(v) coded, so a leading 1 bit) starts a picture.
fn nal_starts_access_unit(nal_header: u8, first_payload_byte: Option<u8>) -> bool {
    match nal_header & 0x1f {
        nal_type::AUD | nal_type::SPS => true,
        nal_type::SLICE | nal_type::IDR => first_payload_byte.is_some_and(|b| b & 0x80 != 0),
        _ => false,
    }
}

/// Iterates the NAL units of a STAP-A payload after its header, failing on a size that
/// overruns the packet or is zero (§5.7.1).
fn stap_a_units(body: &[u8]) -> impl Iterator<Item = Result<&[u8]>> {
    let mut rest = body;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = usize::from(u16_at(rest, 0));
        let item = rest
            .get(2..2 + size)
            .filter(|n| !n.is_empty() && rest.len() >= 2)
            .ok_or(Error::MalformedPayload(
                "STAP-A NAL unit size overruns the packet",
            ));
        rest = match item {
            Ok(_) => rest.get(2 + size..).unwrap_or_default(),
            Err(_) => &[],
        };
        Some(item)
    })
}

/// H.264 depacketizer for packetization-mode 0 and 1 (RFC 6184 §6.2, §6.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct H264Depacketizer;

impl Depacketizer for H264Depacketizer {
    fn parse(&self, payload: &[u8], marker: bool) -> Result<PayloadInfo> {
        let (&header, rest) = payload
            .split_first()
            .ok_or(Error::MalformedPayload("empty H.264 payload"))?;
        let (frame_start, keyframe) = match header & 0x1f {
            1..=23 => (
                nal_starts_access_unit(header, rest.first().copied()),
                header & 0x1f == nal_type::IDR,
            ),
            nal_type::STAP_A => {
                let mut start = None;
                let mut key = false;
                for nal in stap_a_units(rest) {
                    let nal = nal?;
                    let h = nal.first().copied().unwrap_or(0);
                    start.get_or_insert_with(|| nal_starts_access_unit(h, nal.get(1).copied()));
                    key |= h & 0x1f == nal_type::IDR;
                }
                let start = start.ok_or(Error::MalformedPayload("empty STAP-A"))?;
                (start, key)
            }
            nal_type::FU_A => {
                let fu = *rest
                    .first()
                    .ok_or(Error::MalformedPayload("FU-A without FU header"))?;
                if rest.len() < 2 {
                    return Err(Error::MalformedPayload("FU-A without payload"));
                }
                let inner = (header & 0xe0) | (fu & 0x1f);
                (
                    fu & 0x80 != 0 && nal_starts_access_unit(inner, rest.get(1).copied()),
                    fu & 0x1f == nal_type::IDR,
                )
            }
            0 => return Err(Error::MalformedPayload("H.264 NAL unit type 0")),
            nal_type::STAP_B | nal_type::MTAP16 | nal_type::MTAP24 | nal_type::FU_B => {
                return Err(Error::MalformedPayload(
                    "H.264 interleaved-mode packet (packetization-mode 2 is not supported)",
                ));
            }
            _ => return Err(Error::MalformedPayload("reserved H.264 NAL unit type")),
        };
        Ok(PayloadInfo {
            frame_start,
            frame_end: marker,
            keyframe,
        })
    }

    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>,
    {
        let mut in_fu = false;
        for payload in payloads {
            let (&header, rest) = payload
                .split_first()
                .ok_or(Error::MalformedPayload("empty H.264 payload"))?;
            let kind = header & 0x1f;
            if in_fu && kind != nal_type::FU_A {
                return Err(Error::MalformedPayload("FU-A interrupted before its end"));
            }
            match kind {
                1..=23 => {
                    frame.extend_from_slice(&START_CODE);
                    frame.extend_from_slice(payload);
                }
                nal_type::STAP_A => {
                    for nal in stap_a_units(rest) {
                        frame.extend_from_slice(&START_CODE);
                        frame.extend_from_slice(nal?);
                    }
                }
                nal_type::FU_A => {
                    let (&fu, data) = rest
                        .split_first()
                        .ok_or(Error::MalformedPayload("FU-A without FU header"))?;
                    let (start, end) = (fu & 0x80 != 0, fu & 0x40 != 0);
                    if start {
                        if in_fu {
                            return Err(Error::MalformedPayload("FU-A start inside an FU-A"));
                        }
                        frame.extend_from_slice(&START_CODE);
                        frame.push((header & 0xe0) | (fu & 0x1f));
                        in_fu = true;
                    } else if !in_fu {
                        return Err(Error::MalformedPayload("FU-A fragment without its start"));
                    }
                    if data.is_empty() {
                        return Err(Error::MalformedPayload("FU-A without payload"));
                    }
                    frame.extend_from_slice(data);
                    if end {
                        in_fu = false;
                    }
                }
                _ => {
                    return Err(Error::MalformedPayload(
                        "H.264 packet type outside packetization-mode 1",
                    ));
                }
            }
        }
        if in_fu {
            return Err(Error::MalformedPayload("FU-A without its end fragment"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(data: &[u8], from: usize) -> Option<usize> {
        (from..data.len().saturating_sub(2)).find(|&i| data[i..i + 3] == [0, 0, 1])
    }

    proptest! {
        #[test]
        fn annex_b_start_code_search_matches_a_naive_scan(
            data in prop::collection::vec(prop::sample::select(vec![0u8, 0, 0, 1, 2, 0x65, 0xff]), 0..200),
            from in 0usize..210,
        ) {
            prop_assert_eq!(find_start_code(&data, from), naive(&data, from));
        }
    }
}
