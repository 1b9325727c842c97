//! Transport-wide congestion control feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
//!
//! ```text
//!  base sequence number | packet status count
//!  reference time (24 bits, signed, 64 ms) | fb pkt count
//!  packet chunks (16 bits each) ... | recv deltas (1 or 2 bytes each) ... | padding
//! ```
//!
//! A chunk is either a run-length chunk (`0 S S L...`: one symbol repeated up to 8191 times) or
//! a status vector (`1 0` + 14 one-bit symbols, or `1 1` + 7 two-bit symbols). Symbols: 0 not
//! received, 1 received with a small delta (1 byte, 0..=63.75 ms), 2 received with a large or
//! negative delta (2 bytes, signed), 3 reserved. Deltas are in 250 µs ticks.

use crate::wire::{u8_at, u16_at, u32_at};
use crate::{Error, Result};

/// The status the feedback reports for one transport-wide sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketStatus {
    /// Not received (yet).
    NotReceived,
    /// Received; `delta` is the arrival time minus the previous received packet's (or the
    /// reference time for the first), in 250 µs ticks.
    Received {
        /// Receive delta in 250 µs ticks.
        delta: i16,
    },
}

impl PacketStatus {
    /// The 2-bit symbol that encodes this status (§3.1.1).
    pub(crate) fn symbol(self) -> u8 {
        match self {
            Self::NotReceived => 0,
            Self::Received { delta } if (0..=255).contains(&delta) => 1,
            Self::Received { .. } => 2,
        }
    }
}

/// Decodes symbol `index` of `chunk`, and the number of symbols the chunk holds.
#[inline]
fn chunk_symbol(chunk: u16, index: usize) -> (u8, usize) {
    if chunk & 0x8000 == 0 {
        (((chunk >> 13) & 3) as u8, usize::from(chunk & 0x1fff))
    } else if chunk & 0x4000 == 0 {
        (((chunk >> (13 - index.min(13))) & 1) as u8, 14)
    } else {
        (((chunk >> (12 - 2 * index.min(6))) & 3) as u8, 7)
    }
}

/// A transport-wide CC feedback message (RTPFB FMT 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportCc<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source (unused by the draft; usually that of one stream).
    pub media_ssrc: u32,
    /// Transport-wide sequence number of the first packet reported.
    pub base_sequence: u16,
    /// Number of packets reported.
    pub status_count: u16,
    /// Reference time in multiples of 64 ms (24-bit signed).
    pub reference_time: i32,
    /// Feedback packet counter.
    pub feedback_count: u8,
    chunks: &'a [u8],
    deltas: &'a [u8],
}

impl<'a> TransportCc<'a> {
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self> {
        if body.len() < 16 {
            return Err(Error::Truncated {
                needed: 16,
                have: body.len(),
            });
        }
        let status_count = u16_at(body, 10);
        let after = body.get(16..).unwrap_or_default();
        // Walk the chunks once to find where the deltas start and how many bytes they take.
        let mut covered = 0usize;
        let mut chunk_bytes = 0usize;
        let mut delta_bytes = 0usize;
        let wanted = usize::from(status_count);
        while covered < wanted {
            if after.len() < chunk_bytes + 2 {
                return Err(Error::MalformedRtcp(
                    "transport-cc chunks end before the status count",
                ));
            }
            let chunk = u16_at(after, chunk_bytes);
            chunk_bytes += 2;
            let (_, n) = chunk_symbol(chunk, 0);
            let take = n.min(wanted - covered);
            if chunk & 0x8000 == 0 {
                let (symbol, _) = chunk_symbol(chunk, 0);
                if symbol == 3 {
                    return Err(Error::MalformedRtcp("transport-cc reserved symbol"));
                }
                delta_bytes += take * usize::from(symbol);
            } else {
                for i in 0..take {
                    let (symbol, _) = chunk_symbol(chunk, i);
                    if symbol == 3 {
                        return Err(Error::MalformedRtcp("transport-cc reserved symbol"));
                    }
                    delta_bytes += usize::from(symbol);
                }
            }
            covered += take;
        }
        let (chunks, rest) = after.split_at_checked(chunk_bytes).unwrap_or_default();
        let deltas = rest.get(..delta_bytes).ok_or(Error::MalformedRtcp(
            "transport-cc receive deltas truncated",
        ))?;
        let reference = u32_at(body, 12);
        Ok(Self {
            sender_ssrc: u32_at(body, 0),
            media_ssrc: u32_at(body, 4),
            base_sequence: u16_at(body, 8),
            status_count,
            reference_time: (reference as i32) >> 8,
            feedback_count: u8_at(body, 15),
            chunks,
            deltas,
        })
    }

    /// Iterates (sequence number, status) for every reported packet, in order.
    pub fn packets(&self) -> TransportCcPackets<'a> {
        TransportCcPackets {
            chunks: self.chunks,
            deltas: self.deltas,
            chunk_at: 0,
            index: 0,
            remaining: usize::from(self.status_count),
            sequence: self.base_sequence,
        }
    }
}

/// Iterator over the statuses of a [`TransportCc`].
#[derive(Debug, Clone)]
pub struct TransportCcPackets<'a> {
    chunks: &'a [u8],
    deltas: &'a [u8],
    chunk_at: usize,
    index: usize,
    remaining: usize,
    sequence: u16,
}

impl Iterator for TransportCcPackets<'_> {
    type Item = (u16, PacketStatus);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.remaining == 0 {
                return None;
            }
            let chunk = match self.chunks.get(self.chunk_at..self.chunk_at + 2) {
                Some(&[a, b]) => u16::from_be_bytes([a, b]),
                _ => return None,
            };
            let (symbol, n) = chunk_symbol(chunk, self.index);
            if self.index >= n {
                self.chunk_at += 2;
                self.index = 0;
                continue;
            }
            self.index += 1;
            self.remaining -= 1;
            let seq = self.sequence;
            self.sequence = seq.wrapping_add(1);
            let status = match symbol {
                1 => {
                    let (&d, rest) = self.deltas.split_first()?;
                    self.deltas = rest;
                    PacketStatus::Received {
                        delta: i16::from(d),
                    }
                }
                2 => {
                    let (d, rest) = self.deltas.split_at_checked(2)?;
                    self.deltas = rest;
                    PacketStatus::Received {
                        delta: u16_at(d, 0) as i16,
                    }
                }
                _ => PacketStatus::NotReceived,
            };
            return Some((seq, status));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

/// Encodes `statuses` as packet chunks, calling `emit` per 16-bit chunk (§3.1.3, §3.1.4).
///
/// Long runs become run-length chunks; otherwise a one-bit status vector is used when the next
/// 14 symbols are all 0/1, and a two-bit vector (7 symbols) when not.
pub(crate) fn encode_chunks(
    statuses: &[PacketStatus],
    mut emit: impl FnMut(u16) -> Result<()>,
) -> Result<()> {
    let mut rest = statuses;
    while let Some(first) = rest.first() {
        let symbol = first.symbol();
        let run = rest
            .iter()
            .take(0x1fff)
            .take_while(|s| s.symbol() == symbol)
            .count();
        if run >= 14 || (run == rest.len()) || (symbol == 2 && run >= 7) {
            emit((u16::from(symbol) << 13) | run as u16)?;
            rest = rest.get(run..).unwrap_or_default();
            continue;
        }
        let one_bit = rest.iter().take(14).all(|s| s.symbol() <= 1);
        let (bits, per_chunk, header) = if one_bit {
            (1, 14, 0x8000)
        } else {
            (2, 7, 0xc000)
        };
        let mut chunk: u16 = header;
        let take = per_chunk.min(rest.len());
        for (i, s) in rest.iter().take(take).enumerate() {
            let shift = 14 - bits * (i + 1);
            chunk |= u16::from(s.symbol()) << shift;
        }
        emit(chunk)?;
        rest = rest.get(take..).unwrap_or_default();
    }
    Ok(())
}
