//! FORWARD TSN (RFC 3758 §3.2) and I-FORWARD-TSN (RFC 8260 §2.3.1).

use super::{ChunkType, be16, be32, begin_chunk, end_chunk};
use crate::Error;

/// FORWARD TSN: the new cumulative TSN and, per ordered stream, the last skipped SSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardTsn<'a> {
    /// New Cumulative TSN.
    pub new_cum_tsn: u32,
    streams: &'a [u8],
}

impl<'a> ForwardTsn<'a> {
    /// Parses the chunk value.
    pub fn parse(v: &'a [u8]) -> Result<Self, Error> {
        let new_cum_tsn = be32(v, 0).ok_or(Error::Truncated)?;
        let streams = v.get(4..).unwrap_or(&[]);
        if streams.len() % 4 != 0 {
            return Err(Error::InvalidLength);
        }
        Ok(Self {
            new_cum_tsn,
            streams,
        })
    }
    /// `(stream, ssn)` pairs.
    pub fn streams(&self) -> impl Iterator<Item = (u16, u16)> + 'a {
        self.streams
            .chunks_exact(4)
            .map(|b| (be16(b, 0).unwrap_or(0), be16(b, 2).unwrap_or(0)))
    }
}

/// I-FORWARD-TSN: the new cumulative TSN and `(stream, unordered, mid)` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IForwardTsn<'a> {
    /// New Cumulative TSN.
    pub new_cum_tsn: u32,
    streams: &'a [u8],
}

impl<'a> IForwardTsn<'a> {
    /// Parses the chunk value.
    pub fn parse(v: &'a [u8]) -> Result<Self, Error> {
        let new_cum_tsn = be32(v, 0).ok_or(Error::Truncated)?;
        let streams = v.get(4..).unwrap_or(&[]);
        if streams.len() % 8 != 0 {
            return Err(Error::InvalidLength);
        }
        Ok(Self {
            new_cum_tsn,
            streams,
        })
    }
    /// `(stream, unordered, mid)` entries.
    pub fn streams(&self) -> impl Iterator<Item = (u16, bool, u32)> + 'a {
        self.streams.chunks_exact(8).map(|b| {
            (
                be16(b, 0).unwrap_or(0),
                be16(b, 2).unwrap_or(0) & 1 != 0,
                be32(b, 4).unwrap_or(0),
            )
        })
    }
}

/// Writes a FORWARD TSN chunk.
pub fn write_forward_tsn(buf: &mut Vec<u8>, new_cum_tsn: u32, streams: &[(u16, u16)]) {
    let start = begin_chunk(buf, ChunkType::FORWARD_TSN, 0);
    buf.extend_from_slice(&new_cum_tsn.to_be_bytes());
    for (s, ssn) in streams {
        buf.extend_from_slice(&s.to_be_bytes());
        buf.extend_from_slice(&ssn.to_be_bytes());
    }
    end_chunk(buf, start);
}

/// Writes an I-FORWARD-TSN chunk.
pub fn write_iforward_tsn(buf: &mut Vec<u8>, new_cum_tsn: u32, streams: &[(u16, bool, u32)]) {
    let start = begin_chunk(buf, ChunkType::I_FORWARD_TSN, 0);
    buf.extend_from_slice(&new_cum_tsn.to_be_bytes());
    for (s, u, mid) in streams {
        buf.extend_from_slice(&s.to_be_bytes());
        buf.extend_from_slice(&u16::from(*u).to_be_bytes());
        buf.extend_from_slice(&mid.to_be_bytes());
    }
    end_chunk(buf, start);
}

#[cfg(test)]
mod tests {
    use super::super::{Chunk, RawChunk};
    use super::*;

    #[test]
    fn rfc3758_3_2_forward_tsn_round_trip() {
        let mut buf = Vec::new();
        write_forward_tsn(&mut buf, 100, &[(1, 7), (3, 9)]);
        assert_eq!(
            hex::encode(&buf),
            "c00000100000006400010007".to_owned() + "00030009"
        );
        let (raw, _) = RawChunk::split(&buf).unwrap();
        let Chunk::ForwardTsn(f) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!(f.new_cum_tsn, 100);
        assert_eq!(f.streams().collect::<Vec<_>>(), [(1, 7), (3, 9)]);
    }

    #[test]
    fn rfc8260_2_3_1_iforward_tsn_round_trip() {
        let mut buf = Vec::new();
        write_iforward_tsn(&mut buf, 5, &[(2, true, 40)]);
        let (raw, _) = RawChunk::split(&buf).unwrap();
        let Chunk::IForwardTsn(f) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!(f.streams().collect::<Vec<_>>(), [(2, true, 40)]);
    }
}
