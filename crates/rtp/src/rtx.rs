//! Retransmission (RFC 4588): the sender's buffer of recently sent packets that answers
//! NACKs, and the RTX payload format (§4) on both sides.
//!
//! An RTX packet (§4) carries the original packet on its own SSRC and payload type with its
//! own sequence numbers; its payload is the original sequence number (OSN) followed by the
//! original payload. Timestamp, marker, CSRCs and header extensions are the original's.
//! Without negotiated RTX the buffer resends the original packet unchanged.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sansrtc_rtp::rtx::{RetransmissionBuffer, RetransmissionConfig, Rtx, unwrap_rtx};
//! use sansrtc_rtp::{RtpHeader, RtpPacket};
//!
//! let t0 = Instant::now();
//! let mut buffer = RetransmissionBuffer::new(RetransmissionConfig {
//!     rtx: Some(Rtx { ssrc: 0xbbbb, payload_types: [(96, 97)].into_iter().collect() }),
//!     ..RetransmissionConfig::default()
//! });
//! let mut packet = [0u8; 64];
//! let header = RtpHeader { payload_type: 96, sequence_number: 7, ssrc: 0xaaaa, ..Default::default() };
//! let n = header.write_packet(b"media", 0, &mut packet)?;
//! buffer.insert(t0, &packet[..n])?;
//!
//! buffer.handle_nack(t0, [7u16]);
//! let mut out = Vec::new();
//! let len = buffer.poll_transmit(t0, &mut out).unwrap();
//! let rtx = RtpPacket::new_checked(&out[..len])?;
//! assert_eq!((rtx.ssrc(), rtx.payload_type(), rtx.payload()), (0xbbbb, 97, &b"\x00\x07media"[..]));
//!
//! // The receiver turns it back into the original, in place.
//! let len = unwrap_rtx(&mut out, 0xaaaa, 96)?.unwrap();
//! assert_eq!(&out[..len], &packet[..n]);
//! # Ok::<(), sansrtc_rtp::Error>(())
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::packet::RtpPacket;
use crate::wire::put_u16;
use crate::{Error, Result};

/// RTX parameters negotiated in SDP (`a=rtpmap:<pt> rtx/...`, `a=fmtp:<pt> apt=<original>`,
/// `a=ssrc-group:FID`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rtx {
    /// The RTX stream's SSRC.
    pub ssrc: u32,
    /// (original payload type, RTX payload type) pairs.
    pub payload_types: Vec<(u8, u8)>,
}

/// Limits of a [`RetransmissionBuffer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetransmissionConfig {
    /// Packets kept (the most recent ones, by sequence number).
    pub capacity: usize,
    /// Packets older than this are not resent.
    pub max_age: Duration,
    /// RTX parameters; `None` resends original packets unchanged.
    pub rtx: Option<Rtx>,
    /// First RTX sequence number (random per RFC 3550 §5.1).
    pub rtx_initial_sequence: u16,
}

impl Default for RetransmissionConfig {
    /// 1024 packets (about 1 s of 8 Mbit/s video), 1 s of age, no RTX.
    fn default() -> Self {
        Self {
            capacity: 1024,
            max_age: Duration::from_secs(1),
            rtx: None,
            rtx_initial_sequence: 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Stored {
    occupied: bool,
    seq: u16,
    sent_at: Option<Instant>,
    resent_at: Option<Instant>,
    queued: bool,
    data: Vec<u8>,
}

/// The sender's history of sent RTP packets, answering NACKs (RFC 4585 §6.2.1) with
/// retransmissions (RFC 4588).
#[derive(Debug, Clone)]
pub struct RetransmissionBuffer {
    slots: Vec<Stored>,
    max_age: Duration,
    rtx: Option<Rtx>,
    rtx_sequence: u16,
    pending: VecDeque<u16>,
    rtt: Duration,
    resent: u64,
    missed: u64,
}

impl RetransmissionBuffer {
    /// A buffer with `config`. Slot buffers grow to the packet size on first use and are
    /// reused after that.
    pub fn new(config: RetransmissionConfig) -> Self {
        let capacity = config.capacity.max(1);
        Self {
            slots: vec![Stored::default(); capacity],
            max_age: config.max_age,
            rtx: config.rtx,
            rtx_sequence: config.rtx_initial_sequence,
            pending: VecDeque::with_capacity(capacity),
            rtt: Duration::ZERO,
            resent: 0,
            missed: 0,
        }
    }

    /// A packet is resent at most once per round-trip time, so duplicate NACKs for the same
    /// loss do not each cost a retransmission.
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    fn slot_index(&self, seq: u16) -> usize {
        usize::from(seq) % self.slots.len()
    }

    /// Remembers an RTP packet (unencrypted, as sent at `now`) for retransmission. The copy
    /// is the only one made; a slot's buffer is reused.
    pub fn insert(&mut self, now: Instant, packet: &[u8]) -> Result<()> {
        let seq = RtpPacket::new_checked(packet)?.sequence_number();
        let i = self.slot_index(seq);
        let slot = self.slots.get_mut(i).ok_or(Error::BufferTooSmall)?;
        slot.occupied = true;
        slot.seq = seq;
        slot.sent_at = Some(now);
        slot.resent_at = None;
        slot.queued = false;
        slot.data.clear();
        slot.data.extend_from_slice(packet);
        Ok(())
    }

    /// Queues retransmissions for the sequence numbers a NACK reports lost (e.g.
    /// [`crate::rtcp::Nack::lost`]); returns how many were queued. Unknown, too old and
    /// recently resent packets are skipped.
    pub fn handle_nack(&mut self, now: Instant, lost: impl IntoIterator<Item = u16>) -> usize {
        let mut queued = 0;
        for seq in lost {
            let i = self.slot_index(seq);
            let (max_age, rtt) = (self.max_age, self.rtt);
            let Some(slot) = self.slots.get_mut(i) else {
                continue;
            };
            let fresh = slot
                .sent_at
                .is_some_and(|t| now.saturating_duration_since(t) <= max_age);
            if !slot.occupied || slot.seq != seq || !fresh {
                self.missed += 1;
                continue;
            }
            let recently = slot
                .resent_at
                .is_some_and(|t| now.saturating_duration_since(t) < rtt);
            if slot.queued || recently {
                continue;
            }
            slot.queued = true;
            self.pending.push_back(seq);
            queued += 1;
        }
        queued
    }

    /// Writes the next queued retransmission into `out` (cleared first) and returns its
    /// length: an RTX packet (§4) if RTX is configured for its payload type, otherwise the
    /// original packet. `None` when nothing is queued.
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<usize> {
        while let Some(seq) = self.pending.pop_front() {
            let i = self.slot_index(seq);
            let rtx = self.rtx.as_ref().map(|r| (r.ssrc, &r.payload_types));
            let Some(slot) = self.slots.get_mut(i) else {
                continue;
            };
            if !slot.occupied || slot.seq != seq || !slot.queued {
                continue;
            }
            slot.queued = false;
            slot.resent_at = Some(now);
            out.clear();
            let Ok(original) = RtpPacket::new_checked(&slot.data[..]) else {
                continue;
            };
            let rtx_target = rtx.and_then(|(ssrc, map)| {
                map.iter()
                    .find(|(pt, _)| *pt == original.payload_type())
                    .map(|&(_, rtx_pt)| (ssrc, rtx_pt))
            });
            match rtx_target {
                Some((ssrc, rtx_pt)) => {
                    let written = write_rtx(&original, ssrc, rtx_pt, self.rtx_sequence, out);
                    if written.is_err() {
                        continue;
                    }
                    self.rtx_sequence = self.rtx_sequence.wrapping_add(1);
                }
                None => out.extend_from_slice(original.as_bytes()),
            }
            self.resent += 1;
            return Some(out.len());
        }
        None
    }

    /// Whether retransmissions are queued.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The next RTX sequence number (for padding-only RTX probes the caller builds).
    pub fn next_rtx_sequence(&mut self) -> u16 {
        let s = self.rtx_sequence;
        self.rtx_sequence = s.wrapping_add(1);
        s
    }

    /// (packets resent, NACKed packets that were unknown or too old).
    pub fn counters(&self) -> (u64, u64) {
        (self.resent, self.missed)
    }
}

/// Writes the RTX packet (RFC 4588 §4) for `original` into `out`: its header with `ssrc`,
/// `payload_type` and `sequence` substituted and padding dropped, then the 2-byte OSN and
/// the original payload.
pub fn write_rtx<T: AsRef<[u8]>>(
    original: &RtpPacket<T>,
    ssrc: u32,
    payload_type: u8,
    sequence: u16,
    out: &mut Vec<u8>,
) -> Result<()> {
    let bytes = original.as_bytes();
    let header = bytes
        .get(..original.header_len())
        .ok_or(Error::BufferTooSmall)?;
    out.extend_from_slice(header);
    out.extend_from_slice(&original.sequence_number().to_be_bytes());
    out.extend_from_slice(original.payload());
    if let Some(flags) = out.first_mut() {
        *flags &= !0x20;
    }
    let mut rtx = RtpPacket::new_checked(&mut out[..])?;
    rtx.set_payload_type(payload_type);
    rtx.set_sequence_number(sequence);
    rtx.set_ssrc(ssrc);
    Ok(())
}

/// Turns an RTX packet in `buf` back into the original packet, in place (RFC 4588 §4):
/// sequence number from the OSN, `ssrc` and `payload_type` of the original stream, payload
/// moved over the OSN, RTX padding dropped. Returns the original's length, or `None` for an
/// RTX packet without an OSN (padding-only packets, which senders use to probe bandwidth).
pub fn unwrap_rtx(buf: &mut [u8], ssrc: u32, payload_type: u8) -> Result<Option<usize>> {
    let (header_len, payload_len, osn) = {
        let p = RtpPacket::new_checked(&*buf)?;
        let payload = p.payload();
        let Some(&[a, b]) = payload.get(..2) else {
            return Ok(None);
        };
        (p.header_len(), payload.len(), u16::from_be_bytes([a, b]))
    };
    let start = header_len + 2;
    buf.copy_within(start..start + payload_len - 2, header_len);
    let len = header_len + payload_len - 2;
    if let Some(flags) = buf.first_mut() {
        *flags &= !0x20;
    }
    let original = buf.get_mut(..len).ok_or(Error::BufferTooSmall)?;
    put_u16(original, 2, osn)?;
    let mut p = RtpPacket::new_checked(original)?;
    p.set_ssrc(ssrc);
    p.set_payload_type(payload_type);
    Ok(Some(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::RtpHeader;

    fn packet(seq: u16, pt: u8, padding: u8) -> Vec<u8> {
        let mut buf = vec![0u8; 128];
        let h = RtpHeader {
            payload_type: pt,
            sequence_number: seq,
            timestamp: 90_000,
            ssrc: 0xaaaa,
            marker: true,
            csrcs: &[7],
            extensions: &[crate::Extension {
                id: 3,
                data: &[1, 2],
            }],
        };
        let n = h
            .write_packet(&seq.to_be_bytes(), padding, &mut buf)
            .unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn rfc4588_4_rtx_keeps_header_fields_and_roundtrips() {
        let t0 = Instant::now();
        let mut b = RetransmissionBuffer::new(RetransmissionConfig {
            rtx: Some(Rtx {
                ssrc: 0xbbbb,
                payload_types: vec![(96, 97)],
            }),
            rtx_initial_sequence: 500,
            ..RetransmissionConfig::default()
        });
        let original = packet(40, 96, 4);
        b.insert(t0, &original).unwrap();
        assert_eq!(b.handle_nack(t0, [40, 41]), 1);
        let mut out = vec![];
        let n = b.poll_transmit(t0, &mut out).unwrap();
        let rtx = RtpPacket::new_checked(&out[..n]).unwrap();
        assert_eq!(
            (rtx.ssrc(), rtx.payload_type(), rtx.sequence_number()),
            (0xbbbb, 97, 500)
        );
        assert!(rtx.marker() && !rtx.has_padding());
        assert_eq!(rtx.timestamp(), 90_000);
        assert_eq!(rtx.csrcs().collect::<Vec<_>>(), [7]);
        assert_eq!(rtx.extension(3), Some(&[1u8, 2][..]));
        assert_eq!(rtx.payload(), [0, 40, 0, 40]);
        let len = unwrap_rtx(&mut out, 0xaaaa, 96).unwrap().unwrap();
        let back = RtpPacket::new_checked(&out[..len]).unwrap();
        let orig = RtpPacket::new_checked(&original[..]).unwrap();
        assert_eq!(back.payload(), orig.payload());
        // The header comes back as it was, except that the original's padding is gone.
        let mut want = original[..orig.header_len()].to_vec();
        want[0] &= !0x20;
        assert_eq!(&out[..back.header_len()], &want[..], "header restored");
        assert_eq!(b.counters(), (1, 1));
    }

    #[test]
    fn rfc4588_duplicate_nacks_resend_once_per_rtt_and_old_packets_are_not_resent() {
        let t0 = Instant::now();
        let mut b = RetransmissionBuffer::new(RetransmissionConfig {
            capacity: 4,
            max_age: Duration::from_millis(500),
            ..RetransmissionConfig::default()
        });
        b.set_rtt(Duration::from_millis(100));
        for seq in 0..6u16 {
            b.insert(t0, &packet(seq, 96, 0)).unwrap();
        }
        // Capacity 4: 0 and 1 were overwritten by 4 and 5.
        assert_eq!(b.handle_nack(t0, [0, 1, 2, 2, 5]), 2);
        let mut out = vec![];
        assert_eq!(b.poll_transmit(t0, &mut out), Some(out.len()));
        assert_eq!(out, packet(2, 96, 0), "resent unchanged without RTX");
        assert!(b.poll_transmit(t0, &mut out).is_some());
        assert!(b.poll_transmit(t0, &mut out).is_none());
        assert_eq!(b.handle_nack(t0 + Duration::from_millis(50), [2]), 0);
        assert_eq!(b.handle_nack(t0 + Duration::from_millis(150), [2]), 1);
        assert_eq!(b.handle_nack(t0 + Duration::from_millis(600), [5]), 0);
    }

    #[test]
    fn rfc4588_padding_only_rtx_is_not_a_retransmission() {
        let mut buf = vec![0u8; 64];
        let h = RtpHeader {
            payload_type: 97,
            ..RtpHeader::default()
        };
        let n = h.write_packet(&[], 8, &mut buf).unwrap();
        assert_eq!(unwrap_rtx(&mut buf[..n], 1, 96), Ok(None));
    }
}
