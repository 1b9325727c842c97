//! SACK chunk (RFC 9260 §3.3.4): cumulative TSN ack, window, gap ack blocks and duplicates.

use super::{ChunkType, be16, be32, begin_chunk, end_chunk};
use crate::Error;

/// A gap ack block: TSNs `cum_tsn + start ..= cum_tsn + end` were received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapBlock {
    /// Offset of the first received TSN from the cumulative TSN ack.
    pub start: u16,
    /// Offset of the last received TSN.
    pub end: u16,
}

/// A SACK chunk view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sack<'a> {
    /// Cumulative TSN Ack.
    pub cum_tsn: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    gaps: &'a [u8],
    dups: &'a [u8],
}

impl<'a> Sack<'a> {
    /// Parses the chunk value; the block counts must match the length.
    pub fn parse(v: &'a [u8]) -> Result<Self, Error> {
        let n_gaps = usize::from(be16(v, 8).ok_or(Error::Truncated)?);
        let n_dups = usize::from(be16(v, 10).ok_or(Error::Truncated)?);
        let gaps = v.get(12..12 + 4 * n_gaps).ok_or(Error::Truncated)?;
        let dups = v
            .get(12 + 4 * n_gaps..12 + 4 * n_gaps + 4 * n_dups)
            .ok_or(Error::Truncated)?;
        Ok(Self {
            cum_tsn: be32(v, 0).ok_or(Error::Truncated)?,
            a_rwnd: be32(v, 4).ok_or(Error::Truncated)?,
            gaps,
            dups,
        })
    }

    /// The gap ack blocks, in the order sent.
    pub fn gap_blocks(&self) -> impl Iterator<Item = GapBlock> + 'a {
        self.gaps.chunks_exact(4).map(|b| GapBlock {
            start: be16(b, 0).unwrap_or(0),
            end: be16(b, 2).unwrap_or(0),
        })
    }

    /// The duplicate TSNs reported.
    pub fn duplicate_tsns(&self) -> impl Iterator<Item = u32> + 'a {
        self.dups.chunks_exact(4).map(|b| be32(b, 0).unwrap_or(0))
    }
}

/// Writes a SACK chunk.
pub fn write_sack(buf: &mut Vec<u8>, cum_tsn: u32, a_rwnd: u32, gaps: &[GapBlock], dups: &[u32]) {
    let start = begin_chunk(buf, ChunkType::SACK, 0);
    buf.extend_from_slice(&cum_tsn.to_be_bytes());
    buf.extend_from_slice(&a_rwnd.to_be_bytes());
    buf.extend_from_slice(&u16::try_from(gaps.len()).unwrap_or(0).to_be_bytes());
    buf.extend_from_slice(&u16::try_from(dups.len()).unwrap_or(0).to_be_bytes());
    for g in gaps {
        buf.extend_from_slice(&g.start.to_be_bytes());
        buf.extend_from_slice(&g.end.to_be_bytes());
    }
    for d in dups {
        buf.extend_from_slice(&d.to_be_bytes());
    }
    end_chunk(buf, start);
}

#[cfg(test)]
mod tests {
    use super::super::{Chunk, RawChunk};
    use super::*;

    #[test]
    fn rfc9260_3_3_4_sack_with_gaps_and_duplicates() {
        // §3.3.4 example: cum TSN 12, received 14-15 and 17, duplicate 13 twice.
        let bytes = hex::decode(concat!(
            "03000020", "0000000c", "00001000", "00020002", "00020003", "00050005", "0000000d",
            "0000000d"
        ))
        .unwrap();
        let (raw, _) = RawChunk::split(&bytes).unwrap();
        let Chunk::Sack(s) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!((s.cum_tsn, s.a_rwnd), (12, 4096));
        let gaps: Vec<_> = s.gap_blocks().collect();
        assert_eq!(
            gaps,
            [GapBlock { start: 2, end: 3 }, GapBlock { start: 5, end: 5 }]
        );
        assert_eq!(s.duplicate_tsns().collect::<Vec<_>>(), [13, 13]);
        let mut out = Vec::new();
        write_sack(&mut out, 12, 4096, &gaps, &[13, 13]);
        assert_eq!(out, bytes);
    }

    #[test]
    fn rfc9260_3_3_4_sack_counts_exceeding_length_are_rejected() {
        let bytes = hex::decode("0000000c0000100000050000").unwrap();
        assert_eq!(Sack::parse(&bytes).unwrap_err(), Error::Truncated);
    }
}
