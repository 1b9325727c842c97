//! SCTP packet format (RFC 9260 §3): the common header, the chunk TLVs and the CRC32c checksum.
//!
//! Receive side: [`Packet::new_checked`] validates the common header once, [`Packet::chunks`]
//! walks the chunk TLVs (each length and padding checked), and [`Chunk::parse`] turns a raw chunk
//! into a typed, borrowed view. DATA payloads are slices of the received datagram: nothing is
//! copied until reassembly.
//!
//! Send side: chunks are appended to a caller-owned `Vec<u8>` with [`begin_chunk`] /
//! [`end_chunk`], then [`finish_packet`] writes the checksum.

mod chunk;
mod data;
mod error_cause;
mod forward_tsn;
mod init;
mod param;
mod reconfig;
mod sack;

pub use chunk::{Chunk, ChunkType, RawChunk, UnknownChunkAction, write_heartbeat};
pub use data::{
    DATA_HEADER_LEN, DataChunk, IDATA_HEADER_LEN, IDataChunk, data_flags, write_data_header,
    write_idata_header,
};
pub use error_cause::{ErrorCause, ErrorCauses, cause_code};
pub use forward_tsn::{ForwardTsn, IForwardTsn, write_forward_tsn, write_iforward_tsn};
pub use init::{Init, InitFields, write_init};
pub use param::{Param, Params, UnknownParamAction, param_type};
pub use reconfig::{
    ReConfig, ReconfigParam, ReconfigResult, write_outgoing_reset, write_reconfig_response,
};
pub use sack::{GapBlock, Sack, write_sack};

use crate::Error;

/// Length of the common header (RFC 9260 §3.1).
pub const COMMON_HEADER_LEN: usize = 12;
/// Length of a chunk header (type, flags, length).
pub const CHUNK_HEADER_LEN: usize = 4;

pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

/// Rounds `n` up to a multiple of 4 (chunk and parameter padding).
pub(crate) const fn padded(n: usize) -> usize {
    (n + 3) & !3
}

/// A zero-copy view of one SCTP packet: common header followed by chunks (RFC 9260 §3).
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buf: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that the buffer holds at least a common header. The checksum is verified
    /// separately ([`Packet::verify_checksum`]), so that tests and fuzzers can reach the chunks.
    pub fn new_checked(buf: T) -> Result<Self, Error> {
        if buf.as_ref().len() < COMMON_HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(Self { buf })
    }

    fn u16_at(&self, at: usize) -> u16 {
        be16(self.buf.as_ref(), at).unwrap_or(0)
    }
    fn u32_at(&self, at: usize) -> u32 {
        be32(self.buf.as_ref(), at).unwrap_or(0)
    }

    /// Source port number.
    pub fn source_port(&self) -> u16 {
        self.u16_at(0)
    }
    /// Destination port number.
    pub fn destination_port(&self) -> u16 {
        self.u16_at(2)
    }
    /// Verification tag (RFC 9260 §8.5).
    pub fn verification_tag(&self) -> u32 {
        self.u32_at(4)
    }
    /// The checksum field as received.
    pub fn checksum(&self) -> u32 {
        // CRC32c is transmitted in little-endian byte order by every implementation
        // (RFC 9260 Appendix A: the reflected CRC's bytes go out least significant first).
        u32::from_le_bytes([
            self.buf.as_ref().get(8).copied().unwrap_or(0),
            self.buf.as_ref().get(9).copied().unwrap_or(0),
            self.buf.as_ref().get(10).copied().unwrap_or(0),
            self.buf.as_ref().get(11).copied().unwrap_or(0),
        ])
    }

    /// Computes the CRC32c of the packet with the checksum field taken as zero and compares it
    /// with the received one (RFC 9260 §6.8).
    pub fn verify_checksum(&self) -> bool {
        let b = self.buf.as_ref();
        let (head, rest) = b.split_at(8.min(b.len()));
        let tail = rest.get(4..).unwrap_or(&[]);
        let mut crc = crc32c::crc32c(head);
        crc = crc32c::crc32c_append(crc, &[0; 4]);
        crc = crc32c::crc32c_append(crc, tail);
        crc == self.checksum()
    }

    /// The bytes after the common header.
    pub fn chunk_bytes(&self) -> &[u8] {
        self.buf.as_ref().get(COMMON_HEADER_LEN..).unwrap_or(&[])
    }

    /// Iterates over the chunks; each item is a raw TLV, or an error if a length is invalid
    /// (after which the iterator stops).
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks {
            rest: self.chunk_bytes(),
        }
    }
}

/// Iterator over the chunk TLVs of a packet.
#[derive(Debug, Clone)]
pub struct Chunks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Result<RawChunk<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match RawChunk::split(self.rest) {
            Ok((chunk, rest)) => {
                self.rest = rest;
                Some(Ok(chunk))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Writes the common header into an empty `buf` (the checksum is filled by [`finish_packet`]).
pub fn write_common_header(buf: &mut Vec<u8>, src_port: u16, dst_port: u16, vtag: u32) {
    buf.clear();
    buf.extend_from_slice(&src_port.to_be_bytes());
    buf.extend_from_slice(&dst_port.to_be_bytes());
    buf.extend_from_slice(&vtag.to_be_bytes());
    buf.extend_from_slice(&[0; 4]);
}

/// Computes the CRC32c over the finished packet and stores it in the header.
pub fn finish_packet(buf: &mut [u8]) {
    if let Some(field) = buf.get_mut(8..12) {
        field.copy_from_slice(&[0; 4]);
    }
    let crc = crc32c::crc32c(buf);
    if let Some(field) = buf.get_mut(8..12) {
        field.copy_from_slice(&crc.to_le_bytes());
    }
}

/// Starts a chunk: writes type and flags and a placeholder length. Returns the chunk's offset
/// for [`end_chunk`].
pub fn begin_chunk(buf: &mut Vec<u8>, chunk_type: u8, flags: u8) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&[chunk_type, flags, 0, 0]);
    start
}

/// Ends a chunk started at `start`: stores the unpadded length and pads to 4 bytes. The
/// length covers the padding of every parameter but the last (RFC 9260 §3.2), since
/// [`write_param`] pads before a parameter rather than after it.
pub fn end_chunk(buf: &mut Vec<u8>, start: usize) {
    let len = buf.len().saturating_sub(start);
    let len16 = u16::try_from(len).unwrap_or(u16::MAX);
    if let Some(field) = buf.get_mut(start + 2..start + 4) {
        field.copy_from_slice(&len16.to_be_bytes());
    }
    buf.resize(start + padded(len), 0);
}

/// Appends a TLV parameter (or error cause), first padding the previous one to 4 bytes: the
/// last parameter's padding is left to [`end_chunk`], outside the chunk length (RFC 9260 §3.2).
pub fn write_param(buf: &mut Vec<u8>, param_type: u16, value: &[u8]) {
    buf.resize(padded(buf.len()), 0);
    let len = u16::try_from(4 + value.len()).unwrap_or(u16::MAX);
    buf.extend_from_slice(&param_type.to_be_bytes());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(value);
}

/// Writes a chunk with a value and no further structure.
pub fn write_simple_chunk(buf: &mut Vec<u8>, chunk_type: u8, flags: u8, value: &[u8]) {
    let start = begin_chunk(buf, chunk_type, flags);
    buf.extend_from_slice(value);
    end_chunk(buf, start);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_appendix_a_crc32c_round_trip() {
        let mut buf = Vec::new();
        write_common_header(&mut buf, 5000, 5000, 0x1234_5678);
        write_simple_chunk(&mut buf, ChunkType::COOKIE_ACK, 0, &[]);
        finish_packet(&mut buf);
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(p.verification_tag(), 0x1234_5678);
        let mut bad = buf.clone();
        bad[12] ^= 1;
        assert!(!Packet::new_checked(&bad[..]).unwrap().verify_checksum());
    }

    #[test]
    fn rfc9260_3_1_header_too_short() {
        assert_eq!(
            Packet::new_checked(&[0u8; 11][..]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn crc32c_known_vector() {
        // RFC 3720 B.4: 32 bytes of zeros -> 0x8a9136aa.
        assert_eq!(crc32c::crc32c(&[0u8; 32]), 0x8a91_36aa);
    }
}
