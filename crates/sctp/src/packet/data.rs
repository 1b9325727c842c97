//! DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1) chunks: the hot path, parsed as views whose
//! payload borrows the received datagram.

use super::{ChunkType, be16, be32, begin_chunk};
use crate::Error;

/// Flag bits shared by DATA and I-DATA (RFC 9260 §3.3.1, RFC 8260 §2.1, RFC 7053).
pub mod data_flags {
    /// E: last fragment.
    pub const END: u8 = 0x01;
    /// B: first fragment.
    pub const BEGIN: u8 = 0x02;
    /// U: unordered.
    pub const UNORDERED: u8 = 0x04;
    /// I: immediate SACK requested (RFC 7053).
    pub const IMMEDIATE: u8 = 0x08;
}

/// Bytes of DATA chunk header before the payload (chunk header included).
pub const DATA_HEADER_LEN: usize = 16;
/// Bytes of I-DATA chunk header before the payload (chunk header included).
pub const IDATA_HEADER_LEN: usize = 20;

/// A DATA chunk whose payload borrows the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataChunk<'a> {
    /// Transmission sequence number.
    pub tsn: u32,
    /// Stream identifier.
    pub stream_id: u16,
    /// Stream sequence number (meaningless when unordered).
    pub ssn: u16,
    /// Payload protocol identifier.
    pub ppid: u32,
    /// Chunk flags (U, B, E, I).
    pub flags: u8,
    /// User data (never empty: RFC 9260 §3.3.1 forbids empty DATA chunks).
    pub payload: &'a [u8],
}

impl<'a> DataChunk<'a> {
    /// Parses the chunk value.
    pub fn parse(flags: u8, v: &'a [u8]) -> Result<Self, Error> {
        let payload = v.get(12..).ok_or(Error::Truncated)?;
        if payload.is_empty() {
            return Err(Error::EmptyData);
        }
        Ok(Self {
            tsn: be32(v, 0).ok_or(Error::Truncated)?,
            stream_id: be16(v, 4).ok_or(Error::Truncated)?,
            ssn: be16(v, 6).ok_or(Error::Truncated)?,
            ppid: be32(v, 8).ok_or(Error::Truncated)?,
            flags,
            payload,
        })
    }
    /// B bit: first fragment of a message.
    pub fn is_begin(&self) -> bool {
        self.flags & data_flags::BEGIN != 0
    }
    /// E bit: last fragment of a message.
    pub fn is_end(&self) -> bool {
        self.flags & data_flags::END != 0
    }
    /// U bit: unordered message.
    pub fn is_unordered(&self) -> bool {
        self.flags & data_flags::UNORDERED != 0
    }
}

/// An I-DATA chunk whose payload borrows the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IDataChunk<'a> {
    /// Transmission sequence number.
    pub tsn: u32,
    /// Stream identifier.
    pub stream_id: u16,
    /// Message identifier.
    pub mid: u32,
    /// PPID when B is set, otherwise the fragment sequence number.
    pub ppid_or_fsn: u32,
    /// Chunk flags (U, B, E, I).
    pub flags: u8,
    /// User data.
    pub payload: &'a [u8],
}

impl<'a> IDataChunk<'a> {
    /// Parses the chunk value.
    pub fn parse(flags: u8, v: &'a [u8]) -> Result<Self, Error> {
        let payload = v.get(16..).ok_or(Error::Truncated)?;
        if payload.is_empty() {
            return Err(Error::EmptyData);
        }
        Ok(Self {
            tsn: be32(v, 0).ok_or(Error::Truncated)?,
            stream_id: be16(v, 4).ok_or(Error::Truncated)?,
            mid: be32(v, 8).ok_or(Error::Truncated)?,
            ppid_or_fsn: be32(v, 12).ok_or(Error::Truncated)?,
            flags,
            payload,
        })
    }
    /// B bit: first fragment of a message.
    pub fn is_begin(&self) -> bool {
        self.flags & data_flags::BEGIN != 0
    }
    /// E bit: last fragment of a message.
    pub fn is_end(&self) -> bool {
        self.flags & data_flags::END != 0
    }
    /// U bit: unordered message.
    pub fn is_unordered(&self) -> bool {
        self.flags & data_flags::UNORDERED != 0
    }
    /// The fragment sequence number (0 for the first fragment, whose field carries the PPID).
    pub fn fsn(&self) -> u32 {
        if self.is_begin() { 0 } else { self.ppid_or_fsn }
    }
}

/// Writes a DATA chunk header for a payload of `payload_len` bytes; the caller appends the
/// payload and calls [`super::end_chunk`] with the returned start.
pub fn write_data_header(
    buf: &mut Vec<u8>,
    flags: u8,
    tsn: u32,
    stream_id: u16,
    ssn: u16,
    ppid: u32,
) -> usize {
    let start = begin_chunk(buf, ChunkType::DATA, flags);
    buf.extend_from_slice(&tsn.to_be_bytes());
    buf.extend_from_slice(&stream_id.to_be_bytes());
    buf.extend_from_slice(&ssn.to_be_bytes());
    buf.extend_from_slice(&ppid.to_be_bytes());
    start
}

/// Writes an I-DATA chunk header (RFC 8260 §2.1); see [`write_data_header`].
pub fn write_idata_header(
    buf: &mut Vec<u8>,
    flags: u8,
    tsn: u32,
    stream_id: u16,
    mid: u32,
    ppid_or_fsn: u32,
) -> usize {
    let start = begin_chunk(buf, ChunkType::I_DATA, flags);
    buf.extend_from_slice(&tsn.to_be_bytes());
    buf.extend_from_slice(&stream_id.to_be_bytes());
    buf.extend_from_slice(&[0, 0]);
    buf.extend_from_slice(&mid.to_be_bytes());
    buf.extend_from_slice(&ppid_or_fsn.to_be_bytes());
    start
}

#[cfg(test)]
mod tests {
    use super::super::{Chunk, RawChunk, end_chunk};
    use super::*;

    #[test]
    fn rfc9260_3_3_1_data_chunk_layout() {
        // Figure 7 of RFC 9260 §3.3.1, filled by hand: U=0 B=1 E=1, TSN 0x01020304, stream 5,
        // SSN 6, PPID 51 (WebRTC String), 3 bytes of user data and one byte of padding.
        let bytes =
            hex::decode("00030013010203040005000600000033616263 00".replace(' ', "")).unwrap();
        let (raw, rest) = RawChunk::split(&bytes).unwrap();
        assert!(rest.is_empty());
        let Chunk::Data(d) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!((d.tsn, d.stream_id, d.ssn, d.ppid), (0x0102_0304, 5, 6, 51));
        assert!(d.is_begin() && d.is_end() && !d.is_unordered());
        assert_eq!(d.payload, b"abc");

        let mut out = Vec::new();
        let s = write_data_header(&mut out, 3, 0x0102_0304, 5, 6, 51);
        out.extend_from_slice(b"abc");
        end_chunk(&mut out, s);
        assert_eq!(out, bytes);
    }

    #[test]
    fn rfc9260_3_3_1_empty_data_is_rejected() {
        assert_eq!(DataChunk::parse(3, &[0; 12]).unwrap_err(), Error::EmptyData);
    }

    #[test]
    fn rfc8260_2_1_idata_round_trip() {
        let mut out = Vec::new();
        let s = write_idata_header(&mut out, 2, 7, 9, 11, 53);
        out.extend_from_slice(b"xy");
        end_chunk(&mut out, s);
        let (raw, _) = RawChunk::split(&out).unwrap();
        let Chunk::IData(d) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!((d.tsn, d.stream_id, d.mid, d.ppid_or_fsn), (7, 9, 11, 53));
        assert_eq!(d.payload, b"xy");
    }
}
