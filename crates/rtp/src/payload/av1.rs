//! AV1 (the AOM "RTP Payload Format for AV1", v1.0.0): an aggregation header, then OBU
//! elements, each possibly a fragment of an OBU continued in the next packet.
//!
//! ```text
//!  Z Y W(2) N - - -     Z: the first element continues an OBU from the previous packet
//!                       Y: the last element continues in the next packet
//!                       W: element count (1..=3, the last without a length), 0: every element
//!                          has a LEB128 length
//!                       N: first packet of a coded video sequence (a key frame)
//!  [leb128 length] OBU element ...
//! ```
//!
//! The packetizer takes one temporal unit in low-overhead bitstream form (AV1 spec §5.2,
//! OBUs with `obu_size`, as encoders emit them), drops temporal delimiters, tile lists and
//! padding OBUs (payload spec §5), strips each `obu_size` (the element length says it), fills
//! packets greedily, fragmenting OBUs across packets, and sets N when the temporal unit has a
//! sequence header. The depacketizer rebuilds the temporal unit with an `obu_size` in every
//! OBU, which is what dav1d and libaom decode.

use super::{Depacketizer, Packetizer, Payload, PayloadInfo, Payloads, copy_to};
use crate::{Error, Result};

/// OBU types (AV1 spec §6.2.2).
pub mod obu_type {
    /// OBU_SEQUENCE_HEADER.
    pub const SEQUENCE_HEADER: u8 = 1;
    /// OBU_TEMPORAL_DELIMITER.
    pub const TEMPORAL_DELIMITER: u8 = 2;
    /// OBU_FRAME_HEADER.
    pub const FRAME_HEADER: u8 = 3;
    /// OBU_TILE_GROUP.
    pub const TILE_GROUP: u8 = 4;
    /// OBU_METADATA.
    pub const METADATA: u8 = 5;
    /// OBU_FRAME.
    pub const FRAME: u8 = 6;
    /// OBU_REDUNDANT_FRAME_HEADER.
    pub const REDUNDANT_FRAME_HEADER: u8 = 7;
    /// OBU_TILE_LIST.
    pub const TILE_LIST: u8 = 8;
    /// OBU_PADDING.
    pub const PADDING: u8 = 15;
}

const OBU_HAS_SIZE: u8 = 0x02;
const OBU_EXTENSION: u8 = 0x04;

/// Reads a LEB128 value (AV1 spec §4.10.5, at most 8 bytes); returns it and its length.
pub fn read_leb128(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in data.iter().take(8).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The length of the minimal LEB128 encoding of `value`.
pub fn leb128_len(value: u64) -> usize {
    let bits = 64 - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

/// Writes the minimal LEB128 encoding of `value` into a small buffer.
fn leb128(value: u64) -> ([u8; 10], usize) {
    let mut out = [0u8; 10];
    let mut v = value;
    let mut n = 0;
    for slot in out.iter_mut() {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        n += 1;
        if v == 0 {
            *slot = b;
            break;
        }
        *slot = b | 0x80;
    }
    (out, n)
}

/// One OBU of a temporal unit: its header (with `obu_has_size_field` cleared) and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Obu<'a> {
    header: [u8; 2],
    header_len: usize,
    /// The OBU payload (after header and size).
    pub payload: &'a [u8],
}

impl Obu<'_> {
    /// obu_type.
    pub fn obu_type(&self) -> u8 {
        (self.header[0] >> 3) & 0x0f
    }

    /// temporal_id and spatial_id from the extension header, if present.
    pub fn layer(&self) -> Option<(u8, u8)> {
        (self.header_len == 2).then(|| (self.header[1] >> 5, (self.header[1] >> 3) & 0x03))
    }

    /// Length as an OBU element: header plus payload, no size field.
    fn element_len(&self) -> usize {
        self.header_len + self.payload.len()
    }

    /// Copies bytes `from..from + out.len()` of the element (header then payload) into `out`.
    fn copy_element(&self, from: usize, out: &mut [u8]) {
        for (i, o) in out.iter_mut().enumerate() {
            let at = from + i;
            *o = if at < self.header_len {
                self.header.get(at).copied().unwrap_or(0)
            } else {
                self.payload.get(at - self.header_len).copied().unwrap_or(0)
            };
        }
    }
}

/// Iterates the OBUs of a temporal unit in low-overhead bitstream form (AV1 spec §5.2): each
/// with `obu_size`, except that the last may run to the end without one.
#[derive(Debug, Clone)]
pub struct Obus<'a> {
    rest: &'a [u8],
}

impl<'a> Obus<'a> {
    /// Iterates `temporal_unit`.
    pub fn new(temporal_unit: &'a [u8]) -> Self {
        Self {
            rest: temporal_unit,
        }
    }
}

impl<'a> Iterator for Obus<'a> {
    type Item = Result<Obu<'a>>;

    fn next(&mut self) -> Option<Result<Obu<'a>>> {
        let (&h0, after) = self.rest.split_first()?;
        let fail = |rest: &mut &[u8], e: &'static str| {
            *rest = &[];
            Some(Err(Error::MalformedPayload(e)))
        };
        if h0 & 0x80 != 0 {
            return fail(&mut self.rest, "AV1 OBU forbidden bit set");
        }
        let mut header = [h0 & !OBU_HAS_SIZE, 0];
        let mut header_len = 1;
        let mut body = after;
        if h0 & OBU_EXTENSION != 0 {
            let Some((&ext, rest)) = body.split_first() else {
                return fail(&mut self.rest, "AV1 OBU extension header truncated");
            };
            header[1] = ext;
            header_len = 2;
            body = rest;
        }
        let payload;
        if h0 & OBU_HAS_SIZE != 0 {
            let Some((size, n)) = read_leb128(body) else {
                return fail(&mut self.rest, "AV1 obu_size truncated");
            };
            let Some(p) = usize::try_from(size)
                .ok()
                .and_then(|s| body.get(n..n.checked_add(s)?))
            else {
                return fail(&mut self.rest, "AV1 obu_size overruns the temporal unit");
            };
            payload = p;
            self.rest = body.get(n + p.len()..).unwrap_or_default();
        } else {
            payload = body;
            self.rest = &[];
        }
        Some(Ok(Obu {
            header,
            header_len,
            payload,
        }))
    }
}

/// OBUs that are not sent over RTP (payload spec §5: temporal delimiters and tile lists are
/// removed; padding may be).
fn is_sent(obu: &Obu<'_>) -> bool {
    !matches!(
        obu.obu_type(),
        obu_type::TEMPORAL_DELIMITER | obu_type::TILE_LIST | obu_type::PADDING
    )
}

/// AV1 packetizer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Av1Packetizer;

impl Packetizer for Av1Packetizer {
    type Payloads<'a> = Av1Payloads<'a>;

    /// `frame` is one temporal unit; `max_payload` must be at least 3.
    fn packetize<'a>(&mut self, frame: &'a [u8], max_payload: usize) -> Result<Av1Payloads<'a>> {
        if max_payload < 3 {
            return Err(Error::InvalidInput("payload limit below an AV1 packet"));
        }
        let mut sent = 0;
        let mut sequence_header = false;
        for obu in Obus::new(frame) {
            let obu = obu.map_err(|_| Error::InvalidInput("malformed AV1 temporal unit"))?;
            if is_sent(&obu) {
                sent += 1;
                sequence_header |= obu.obu_type() == obu_type::SEQUENCE_HEADER;
            }
        }
        if sent == 0 {
            return Err(Error::InvalidInput(
                "AV1 temporal unit without OBUs to send",
            ));
        }
        Ok(Av1Payloads {
            obus: Obus::new(frame),
            current: None,
            new_sequence: sequence_header,
            max_payload,
        })
    }
}

/// The payloads of one AV1 temporal unit.
#[derive(Debug, Clone)]
pub struct Av1Payloads<'a> {
    obus: Obus<'a>,
    /// The OBU being sent and how much of it went out already.
    current: Option<(Obu<'a>, usize)>,
    /// Set N on the next (first) packet.
    new_sequence: bool,
    max_payload: usize,
}

impl<'a> Av1Payloads<'a> {
    fn next_obu(obus: &mut Obus<'a>) -> Option<Obu<'a>> {
        obus.by_ref().filter_map(Result::ok).find(is_sent)
    }
}

impl Payloads for Av1Payloads<'_> {
    fn next_into(&mut self, out: &mut [u8]) -> Result<Option<Payload>> {
        let mut obus = self.obus.clone();
        let mut current = self.current;
        if current.is_none() {
            current = Self::next_obu(&mut obus).map(|o| (o, 0));
        }
        let Some((first_obu, first_sent)) = current else {
            return Ok(None);
        };
        let cap = self.max_payload.min(out.len());
        if cap < 3 {
            return Err(Error::BufferTooSmall);
        }
        let z = first_sent > 0;
        let mut y = false;
        let mut pos = 1;
        let mut count = 0;
        // Where the last element's length prefix starts and how long it is.
        let mut last_prefix = (0, 0);
        let mut element = Some((first_obu, first_sent));
        while let Some((obu, sent)) = element {
            let room = cap - pos;
            if room < 2 {
                break;
            }
            let remaining = obu.element_len() - sent;
            let whole = leb128_len(remaining as u64) + remaining;
            let n = if whole <= room {
                remaining
            } else {
                let mut n = room - 1;
                while leb128_len(n as u64) + n > room {
                    n -= 1;
                }
                n
            };
            let (len_bytes, len_len) = leb128(n as u64);
            copy_to(out, pos, len_bytes.get(..len_len).unwrap_or_default())?;
            last_prefix = (pos, len_len);
            pos += len_len;
            obu.copy_element(sent, out.get_mut(pos..pos + n).unwrap_or_default());
            pos += n;
            count += 1;
            if n < remaining {
                y = true;
                element = Some((obu, sent + n));
                break;
            }
            element = Self::next_obu(&mut obus).map(|o| (o, 0));
        }
        if count <= 3 {
            // W = count: the last element goes without its length (§4.3).
            let (at, len) = last_prefix;
            out.copy_within(at + len..pos, at);
            pos -= len;
        }
        let w = if count <= 3 { count } else { 0 };
        let header = (u8::from(z) << 7)
            | (u8::from(y) << 6)
            | ((w as u8) << 4)
            | (u8::from(self.new_sequence) << 3);
        copy_to(out, 0, &[header])?;
        self.new_sequence = false;
        self.obus = obus;
        // Either the OBU still being fragmented, or the next one when the packet filled up
        // right after an element (it was taken from `obus` already).
        self.current = element;
        let marker = self.current.is_none();
        Ok(Some(Payload {
            len: pos,
            marker,
            timestamp_offset: 0,
        }))
    }
}

/// The aggregation header of an AV1 RTP payload (payload spec §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregationHeader {
    /// Z: the first element continues an OBU.
    pub continuation: bool,
    /// Y: the last element continues in the next packet.
    pub continues: bool,
    /// W: element count, 0 when every element has a length.
    pub element_count: u8,
    /// N: the packet starts a coded video sequence.
    pub new_sequence: bool,
}

impl AggregationHeader {
    /// Reads the first payload byte.
    pub fn from_octet(b: u8) -> Self {
        Self {
            continuation: b & 0x80 != 0,
            continues: b & 0x40 != 0,
            element_count: (b >> 4) & 0x03,
            new_sequence: b & 0x08 != 0,
        }
    }
}

/// Iterates the OBU elements of a payload after the aggregation header.
fn elements(header: AggregationHeader, body: &[u8]) -> impl Iterator<Item = Result<(bool, &[u8])>> {
    let mut rest = body;
    let mut index = 0u8;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        index += 1;
        // With W elements, the W-th has no length and runs to the end of the packet.
        let implicit_last = header.element_count != 0 && index == header.element_count;
        let element = if implicit_last {
            core::mem::take(&mut rest)
        } else {
            let parsed = read_leb128(rest).and_then(|(len, n)| {
                let len = usize::try_from(len).ok()?;
                Some((rest.get(n..n.checked_add(len)?)?, n + len))
            });
            let Some((element, used)) = parsed else {
                rest = &[];
                return Some(Err(Error::MalformedPayload(
                    "AV1 OBU element length overruns the packet",
                )));
            };
            rest = rest.get(used..).unwrap_or_default();
            element
        };
        Some(Ok((rest.is_empty(), element)))
    })
}

/// Appends a whole OBU element to `frame` as an OBU with `obu_size`, skipping the OBU types
/// that do not belong in the decoder's input.
fn append_obu(element: &[u8], frame: &mut Vec<u8>) -> Result<()> {
    let (header_len, _size_len, payload) = split_element(element)?;
    let h0 = element.first().copied().unwrap_or(0);
    if matches!(
        (h0 >> 3) & 0x0f,
        obu_type::TEMPORAL_DELIMITER | obu_type::TILE_LIST
    ) {
        return Ok(());
    }
    frame.push(h0 | OBU_HAS_SIZE);
    frame.extend_from_slice(element.get(1..header_len).unwrap_or_default());
    let (len_bytes, n) = leb128(payload.len() as u64);
    frame.extend_from_slice(len_bytes.get(..n).unwrap_or_default());
    frame.extend_from_slice(payload);
    Ok(())
}

/// (header length, size field length, payload) of an OBU element, which may or may not have
/// an `obu_size` (senders should strip it, §5; receivers accept both).
fn split_element(element: &[u8]) -> Result<(usize, usize, &[u8])> {
    let h0 = *element
        .first()
        .ok_or(Error::MalformedPayload("empty AV1 OBU element"))?;
    if h0 & 0x80 != 0 {
        return Err(Error::MalformedPayload("AV1 OBU forbidden bit set"));
    }
    let header_len = if h0 & OBU_EXTENSION != 0 { 2 } else { 1 };
    let body = element
        .get(header_len..)
        .ok_or(Error::MalformedPayload("AV1 OBU header truncated"))?;
    if h0 & OBU_HAS_SIZE != 0 {
        let (size, n) =
            read_leb128(body).ok_or(Error::MalformedPayload("AV1 obu_size truncated"))?;
        let payload = usize::try_from(size)
            .ok()
            .and_then(|s| body.get(n..n.checked_add(s)?))
            .ok_or(Error::MalformedPayload("AV1 obu_size overruns the element"))?;
        Ok((header_len, n, payload))
    } else {
        Ok((header_len, 0, body))
    }
}

/// AV1 depacketizer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Av1Depacketizer;

impl Depacketizer for Av1Depacketizer {
    fn parse(&self, payload: &[u8], marker: bool) -> Result<PayloadInfo> {
        let (&b, body) = payload
            .split_first()
            .ok_or(Error::MalformedPayload("empty AV1 payload"))?;
        let header = AggregationHeader::from_octet(b);
        let mut any = false;
        for e in elements(header, body) {
            e?;
            any = true;
        }
        if !any {
            return Err(Error::MalformedPayload("AV1 packet without OBU elements"));
        }
        Ok(PayloadInfo {
            frame_start: header.new_sequence,
            frame_end: marker,
            keyframe: header.new_sequence,
        })
    }

    fn depacketize<'p, I>(&self, payloads: I, frame: &mut Vec<u8>) -> Result<()>
    where
        I: IntoIterator<Item = &'p [u8]>,
    {
        // Start of the raw bytes of an OBU being reassembled from fragments.
        let mut fragment: Option<usize> = None;
        for payload in payloads {
            let (&b, body) = payload
                .split_first()
                .ok_or(Error::MalformedPayload("empty AV1 payload"))?;
            let header = AggregationHeader::from_octet(b);
            let mut first = true;
            for e in elements(header, body) {
                let (last, element) = e?;
                let continued = first && header.continuation;
                let continues = last && header.continues;
                first = false;
                match (fragment, continued) {
                    (Some(start), true) => {
                        frame.extend_from_slice(element);
                        if !continues {
                            finish_fragment(frame, start)?;
                            fragment = None;
                        }
                    }
                    (None, false) if continues => {
                        fragment = Some(frame.len());
                        frame.extend_from_slice(element);
                    }
                    (None, false) => append_obu(element, frame)?,
                    (None, true) => {
                        return Err(Error::MalformedPayload(
                            "AV1 OBU fragment without its start (Z=1)",
                        ));
                    }
                    (Some(_), false) => {
                        return Err(Error::MalformedPayload(
                            "AV1 OBU fragment not continued (Y=1, then Z=0)",
                        ));
                    }
                }
            }
        }
        if fragment.is_some() {
            return Err(Error::MalformedPayload(
                "AV1 temporal unit ends inside an OBU",
            ));
        }
        Ok(())
    }
}

/// Rewrites the reassembled OBU element at `frame[start..]` into an OBU with `obu_size`.
fn finish_fragment(frame: &mut Vec<u8>, start: usize) -> Result<()> {
    let raw = frame.get(start..).unwrap_or_default();
    let (header_len, size_len, payload) = split_element(raw)?;
    let h0 = raw.first().copied().unwrap_or(0);
    let payload_len = payload.len();
    if matches!(
        (h0 >> 3) & 0x0f,
        obu_type::TEMPORAL_DELIMITER | obu_type::TILE_LIST
    ) {
        frame.truncate(start);
        return Ok(());
    }
    // Move the payload to just after header and a minimal obu_size (the element may have had
    // no size, or a longer encoding of it), write the size, drop anything after the payload.
    let (len_bytes, n) = leb128(payload_len as u64);
    let payload_from = start + header_len + size_len;
    let payload_to = start + header_len + n;
    if payload_to > payload_from {
        frame.resize(frame.len() + (payload_to - payload_from), 0);
    }
    frame.copy_within(payload_from..payload_from + payload_len, payload_to);
    frame.truncate(payload_to + payload_len);
    frame
        .get_mut(start + header_len..payload_to)
        .ok_or(Error::MalformedPayload("AV1 reassembly"))?
        .copy_from_slice(len_bytes.get(..n).unwrap_or_default());
    if let Some(h) = frame.get_mut(start) {
        *h |= OBU_HAS_SIZE;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_roundtrip_and_lengths() {
        for v in [0u64, 1, 127, 128, 300, 16383, 16384, u64::from(u32::MAX)] {
            let (b, n) = leb128(v);
            assert_eq!(n, leb128_len(v));
            assert_eq!(read_leb128(&b[..n]), Some((v, n)));
        }
        assert_eq!(read_leb128(&[0x80; 9]), None);
        // Non-minimal encodings are valid LEB128 (AV1 spec §4.10.5).
        assert_eq!(read_leb128(&[0x81, 0x80, 0x00]), Some((1, 3)));
    }
}
