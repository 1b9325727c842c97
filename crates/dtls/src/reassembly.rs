//! Handshake message reassembly (RFC 6347 §4.2.3) with bounded buffers.
//!
//! Fragments may arrive in any order, duplicated or overlapping. Messages are released strictly in
//! `message_seq` order, so the handshake logic sees each message exactly once and in sequence
//! (§4.2.2: "the receiver MUST buffer messages it receives out of order"). We keep at most
//! [`Reassembler::WINDOW`] messages ahead of the next expected one, each no longer than the
//! configured limit; everything else is dropped.

use crate::handshake::Fragment;

/// A whole handshake message released by the reassembler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Complete {
    pub msg_type: u8,
    pub message_seq: u16,
    /// Epoch of the records that carried it (all fragments share it).
    pub epoch: u16,
    pub body: Vec<u8>,
}

/// What happened to one fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Stored (or already known); maybe completes a message.
    Accepted,
    /// `message_seq` is below the next expected one: a retransmission of something we already
    /// processed (§4.2.4 uses this to detect a retransmitted peer flight).
    Old,
    /// Dropped: too far ahead, too long, or inconsistent with earlier fragments.
    Dropped,
}

#[derive(Debug, Clone)]
struct Partial {
    message_seq: u16,
    msg_type: u8,
    epoch: u16,
    body: Vec<u8>,
    /// Received byte ranges, sorted and merged.
    ranges: Vec<(u32, u32)>,
}

impl Partial {
    fn is_complete(&self) -> bool {
        let len = self.body.len() as u32;
        len == 0 || self.ranges.first() == Some(&(0, len))
    }

    /// Records `start..end` as received; false (and nothing changed) if that would need more
    /// than [`MAX_RANGES`] disjoint ranges.
    fn add(&mut self, start: u32, end: u32) -> bool {
        if start == end {
            return true;
        }
        let disjoint = self.ranges.iter().all(|&(s, e)| end < s || start > e);
        if disjoint && self.ranges.len() >= MAX_RANGES {
            return false;
        }
        self.ranges.push((start, end));
        self.ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.ranges = merged;
        true
    }
}

/// Most disjoint byte ranges tracked per message: a peer sending many tiny non-adjacent
/// fragments is cut off here instead of costing quadratic time.
const MAX_RANGES: usize = 32;

/// Buffers handshake fragments until whole messages can be released in order.
#[derive(Debug, Clone)]
pub(crate) struct Reassembler {
    next_seq: u16,
    partial: Vec<Partial>,
    max_message_len: usize,
}

impl Reassembler {
    /// Messages buffered ahead of the next expected one.
    pub const WINDOW: u16 = 8;

    pub fn new(max_message_len: usize) -> Self {
        Self {
            next_seq: 0,
            partial: Vec::new(),
            max_message_len,
        }
    }

    /// The `message_seq` expected next.
    pub fn next_seq(&self) -> u16 {
        self.next_seq
    }

    /// Restarts at `seq`, forgetting everything buffered (a server that answered a ClientHello
    /// statelessly waits for the next ClientHello at whatever sequence it carries).
    pub fn restart_at(&mut self, seq: u16) {
        self.next_seq = seq;
        self.partial.clear();
    }

    /// Bytes currently buffered.
    pub fn buffered(&self) -> usize {
        self.partial.iter().map(|p| p.body.len()).sum()
    }

    /// Offers one fragment received in `epoch`.
    pub fn insert(&mut self, epoch: u16, frag: &Fragment<'_>) -> Outcome {
        let h = frag.header;
        if h.message_seq < self.next_seq {
            return Outcome::Old;
        }
        if h.message_seq - self.next_seq >= Self::WINDOW || h.length as usize > self.max_message_len
        {
            return Outcome::Dropped;
        }
        let idx = match self
            .partial
            .iter()
            .position(|p| p.message_seq == h.message_seq)
        {
            Some(i) => i,
            None => {
                self.partial.push(Partial {
                    message_seq: h.message_seq,
                    msg_type: h.msg_type,
                    epoch,
                    body: vec![0; h.length as usize],
                    ranges: Vec::new(),
                });
                self.partial.len() - 1
            }
        };
        let Some(p) = self.partial.get_mut(idx) else {
            return Outcome::Dropped;
        };
        if p.msg_type != h.msg_type || p.body.len() != h.length as usize || p.epoch != epoch {
            return Outcome::Dropped;
        }
        let start = h.fragment_offset;
        let end = start + h.fragment_length; // checked against length by Fragment::parse
        if end as usize > p.body.len() || !p.add(start, end) {
            return Outcome::Dropped;
        }
        match p.body.get_mut(start as usize..end as usize) {
            Some(dst) => {
                dst.copy_from_slice(frag.body);
                Outcome::Accepted
            }
            None => Outcome::Dropped,
        }
    }

    /// Releases the next message if it is complete.
    pub fn pop(&mut self) -> Option<Complete> {
        let idx = self
            .partial
            .iter()
            .position(|p| p.message_seq == self.next_seq && p.is_complete())?;
        let p = self.partial.swap_remove(idx);
        self.next_seq = self.next_seq.wrapping_add(1);
        Some(Complete {
            msg_type: p.msg_type,
            message_seq: p.message_seq,
            epoch: p.epoch,
            body: p.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::HandshakeHeader;

    fn frag(seq: u16, len: u32, off: u32, body: &[u8]) -> (HandshakeHeader, Vec<u8>) {
        (
            HandshakeHeader {
                msg_type: 11,
                length: len,
                message_seq: seq,
                fragment_offset: off,
                fragment_length: body.len() as u32,
            },
            body.to_vec(),
        )
    }

    fn offer(r: &mut Reassembler, (header, body): &(HandshakeHeader, Vec<u8>)) -> Outcome {
        r.insert(
            0,
            &Fragment {
                header: *header,
                body,
            },
        )
    }

    #[test]
    fn rfc6347_4_2_3_out_of_order_overlapping_fragments() {
        let mut r = Reassembler::new(1000);
        assert_eq!(offer(&mut r, &frag(0, 6, 4, &[5, 6])), Outcome::Accepted);
        assert_eq!(r.pop(), None);
        assert_eq!(offer(&mut r, &frag(0, 6, 0, &[1, 2, 3])), Outcome::Accepted);
        assert_eq!(r.pop(), None);
        assert_eq!(offer(&mut r, &frag(0, 6, 2, &[3, 4])), Outcome::Accepted);
        let m = r.pop().unwrap();
        assert_eq!(m.body, [1, 2, 3, 4, 5, 6]);
        assert_eq!(r.next_seq(), 1);
        assert_eq!(offer(&mut r, &frag(0, 6, 0, &[1])), Outcome::Old);
    }

    #[test]
    fn rfc6347_4_2_2_messages_released_in_sequence() {
        let mut r = Reassembler::new(1000);
        offer(&mut r, &frag(1, 1, 0, &[2]));
        assert_eq!(r.pop(), None, "seq 0 missing");
        offer(&mut r, &frag(0, 1, 0, &[1]));
        assert_eq!(r.pop().unwrap().body, [1]);
        assert_eq!(r.pop().unwrap().body, [2]);
        assert_eq!(r.pop(), None);
    }

    #[test]
    fn bounded_by_window_and_length() {
        let mut r = Reassembler::new(100);
        assert_eq!(offer(&mut r, &frag(8, 1, 0, &[1])), Outcome::Dropped);
        assert_eq!(offer(&mut r, &frag(0, 101, 0, &[1])), Outcome::Dropped);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn rfc6347_4_2_3_many_disjoint_fragments_bounded() {
        let mut r = Reassembler::new(1000);
        for i in 0..MAX_RANGES as u32 {
            assert_eq!(
                offer(&mut r, &frag(0, 1000, i * 3, &[1])),
                Outcome::Accepted
            );
        }
        assert_eq!(offer(&mut r, &frag(0, 1000, 999, &[1])), Outcome::Dropped);
        // Filling a gap next to a known range is still fine.
        assert_eq!(offer(&mut r, &frag(0, 1000, 1, &[1])), Outcome::Accepted);
    }

    #[test]
    fn inconsistent_length_dropped() {
        let mut r = Reassembler::new(100);
        offer(&mut r, &frag(0, 4, 0, &[1]));
        assert_eq!(offer(&mut r, &frag(0, 5, 1, &[1])), Outcome::Dropped);
    }
}
