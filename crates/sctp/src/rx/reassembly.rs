//! Reassembly of fragmented user messages (RFC 9260 §6.9, RFC 8260 §2.1) and ordered delivery per
//! stream (RFC 9260 §6.5, §6.6), including the skips of FORWARD TSN (RFC 3758 §3.6) and
//! I-FORWARD-TSN (RFC 8260 §2.3.2).
//!
//! Fragments are kept as *runs*: maximal sequences of consecutive fragments of one message,
//! already concatenated. A fragment that continues a run is appended to it (the common case, in
//! order on the wire: one copy, no per-fragment allocation); a fragment that fills a gap merges
//! the run after it. A run holding both the B and the E fragment is a complete message.
//!
//! - DATA: fragments of one message take consecutive TSNs (§6.9), so a run is keyed by TSN.
//! - I-DATA: a message is named by (stream, U, MID) and its fragments by FSN, so a run is keyed by
//!   (message, FSN) and messages on different streams interleave freely.

use std::collections::{BTreeMap, HashMap};

use crate::seq::serial_ge;

/// A complete user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Stream identifier.
    pub stream_id: u16,
    /// Payload protocol identifier (RFC 9260 §3.3.1; WebRTC values in RFC 8831 §8).
    pub ppid: u32,
    /// Whether it was sent unordered (U bit).
    pub unordered: bool,
    /// The reassembled user data.
    pub payload: Vec<u8>,
}

/// One received DATA or I-DATA fragment, borrowed from the packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fragment<'a> {
    /// Unwrapped TSN.
    pub tsn: u64,
    pub stream_id: u16,
    pub unordered: bool,
    /// SSN (DATA) or MID (I-DATA).
    pub ssn_mid: u32,
    /// FSN (I-DATA; 0 for the B fragment). Unused for DATA.
    pub fsn: u32,
    /// PPID (DATA: every fragment; I-DATA: only meaningful on the B fragment).
    pub ppid: u32,
    pub begin: bool,
    pub end: bool,
    pub payload: &'a [u8],
}

/// The incoming message is larger than the configured maximum message size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

#[derive(Debug)]
struct Run {
    stream_id: u16,
    unordered: bool,
    ssn_mid: u32,
    ppid: u32,
    begin: bool,
    end: bool,
    first_tsn: u64,
    last_tsn: u64,
    /// Position (TSN or FSN) of the last fragment in the run.
    last: u64,
    data: Vec<u8>,
}

#[derive(Debug, Default)]
struct InStream {
    /// Next SSN (16-bit, DATA) or MID (32-bit, I-DATA) to deliver.
    next: u32,
    /// Complete ordered messages waiting for an earlier one.
    pending: BTreeMap<u32, Message>,
}

/// (message key, position): DATA uses (0, TSN); I-DATA uses (stream/U/MID with the top bit set,
/// FSN), so the fragments of one message sort together and in FSN order.
type Key = (u64, u64);

#[derive(Debug)]
pub(crate) struct Reassembly {
    interleaved: bool,
    runs: BTreeMap<Key, Run>,
    streams: HashMap<u16, InStream>,
    /// Bytes held in runs and in ordered messages waiting for delivery.
    buffered: usize,
    max_message: usize,
}

impl Reassembly {
    pub(crate) fn new(max_message: usize, interleaved: bool) -> Self {
        Self {
            interleaved,
            runs: BTreeMap::new(),
            streams: HashMap::new(),
            buffered: 0,
            max_message,
        }
    }

    /// Bytes held (partial messages and complete messages waiting for an earlier SSN/MID).
    pub(crate) fn buffered(&self) -> usize {
        self.buffered
    }

    fn key(&self, f: &Fragment<'_>) -> Key {
        if self.interleaved {
            let msg = (1u64 << 63)
                | (u64::from(f.stream_id) << 33)
                | (u64::from(f.unordered) << 32)
                | u64::from(f.ssn_mid);
            (msg, u64::from(f.fsn))
        } else {
            (0, f.tsn)
        }
    }

    /// Adds a newly received fragment (never a duplicate: the TSN tracker filtered those);
    /// complete, deliverable messages are passed to `deliver` in delivery order.
    pub(crate) fn insert(
        &mut self,
        f: &Fragment<'_>,
        deliver: &mut impl FnMut(Message),
    ) -> Result<(), TooLarge> {
        if f.payload.len() > self.max_message {
            return Err(TooLarge);
        }
        if !self.interleaved && f.begin {
            self.drop_dead_run_before(f.tsn);
        }
        if f.begin && f.end {
            self.complete(
                f.stream_id,
                f.unordered,
                f.ssn_mid,
                f.ppid,
                f.payload.to_vec(),
                deliver,
            );
            return Ok(());
        }
        let (hi, lo) = self.key(f);
        let max = self.max_message;
        let mut run_key = None;
        if !f.begin
            && let Some((k, run)) = self.runs.range_mut(..(hi, lo)).next_back()
            && k.0 == hi
            && !run.end
            && run.last + 1 == lo
            && run.stream_id == f.stream_id
            && run.unordered == f.unordered
        {
            if run.data.len() + f.payload.len() > max {
                return Err(TooLarge);
            }
            run.data.extend_from_slice(f.payload);
            run.last = lo;
            run.end = f.end;
            run.first_tsn = run.first_tsn.min(f.tsn);
            run.last_tsn = run.last_tsn.max(f.tsn);
            run_key = Some(*k);
        }
        let key = match run_key {
            Some(k) => k,
            None => {
                self.runs.insert(
                    (hi, lo),
                    Run {
                        stream_id: f.stream_id,
                        unordered: f.unordered,
                        ssn_mid: f.ssn_mid,
                        ppid: f.ppid,
                        begin: f.begin,
                        end: f.end,
                        first_tsn: f.tsn,
                        last_tsn: f.tsn,
                        last: lo,
                        data: f.payload.to_vec(),
                    },
                );
                (hi, lo)
            }
        };
        self.buffered += f.payload.len();
        // Merge the runs that now follow without a gap.
        loop {
            let Some(run) = self.runs.get(&key) else {
                return Ok(());
            };
            if run.end {
                break;
            }
            let next = (hi, run.last + 1);
            let (stream_id, unordered, len) = (run.stream_id, run.unordered, run.data.len());
            match self.runs.get(&next) {
                Some(n) if !n.begin && n.stream_id == stream_id && n.unordered == unordered => {
                    if len + n.data.len() > max {
                        return Err(TooLarge);
                    }
                }
                _ => break,
            }
            let Some(n) = self.runs.remove(&next) else {
                break;
            };
            if let Some(run) = self.runs.get_mut(&key) {
                run.data.extend_from_slice(&n.data);
                run.last = n.last;
                run.end = n.end;
                run.first_tsn = run.first_tsn.min(n.first_tsn);
                run.last_tsn = run.last_tsn.max(n.last_tsn);
            }
        }
        if self.runs.get(&key).is_some_and(|r| r.begin && r.end)
            && let Some(run) = self.runs.remove(&key)
        {
            self.buffered = self.buffered.saturating_sub(run.data.len());
            self.complete(
                run.stream_id,
                run.unordered,
                run.ssn_mid,
                run.ppid,
                run.data,
                deliver,
            );
        }
        Ok(())
    }

    /// DATA only: a B fragment at `tsn` means a run that ends at `tsn - 1` without an E
    /// fragment will never be completed (its sender abandoned the rest, RFC 3758 §3.5).
    fn drop_dead_run_before(&mut self, tsn: u64) {
        let dead = self
            .runs
            .range(..(0, tsn))
            .next_back()
            .filter(|(k, r)| k.0 == 0 && !r.end && r.last + 1 == tsn)
            .map(|(k, _)| *k);
        if let Some(k) = dead {
            self.remove_run(k);
        }
    }

    fn remove_run(&mut self, k: Key) {
        if let Some(r) = self.runs.remove(&k) {
            self.buffered = self.buffered.saturating_sub(r.data.len());
        }
    }

    fn complete(
        &mut self,
        stream_id: u16,
        unordered: bool,
        ssn_mid: u32,
        ppid: u32,
        payload: Vec<u8>,
        deliver: &mut impl FnMut(Message),
    ) {
        let msg = Message {
            stream_id,
            ppid,
            unordered,
            payload,
        };
        if unordered {
            deliver(msg);
            return;
        }
        let mid = self.interleaved;
        let stream = self.streams.entry(stream_id).or_default();
        if ssn_mid == stream.next {
            stream.next = next_serial(stream.next, mid);
            deliver(msg);
            Self::drain(stream, &mut self.buffered, mid, deliver);
        } else if serial_ge(ssn_mid, stream.next, mid) {
            self.buffered += msg.payload.len();
            stream.pending.insert(ssn_mid, msg);
        }
        // Else an SSN/MID already passed (a peer error): dropped.
    }

    fn drain(
        stream: &mut InStream,
        buffered: &mut usize,
        mid: bool,
        deliver: &mut impl FnMut(Message),
    ) {
        while let Some(m) = stream.pending.remove(&stream.next) {
            *buffered = buffered.saturating_sub(m.payload.len());
            stream.next = next_serial(stream.next, mid);
            deliver(m);
        }
    }

    /// Skips an ordered stream up to and including `last` (RFC 3758 §3.6 for SSNs, RFC 8260
    /// §2.3.2 for MIDs): queued messages up to `last` are delivered in order, the rest of the
    /// gap is given up.
    fn skip_stream(&mut self, stream_id: u16, last: u32, deliver: &mut impl FnMut(Message)) {
        let mid = self.interleaved;
        let stream = self.streams.entry(stream_id).or_default();
        if !serial_ge(last, stream.next, mid) {
            return;
        }
        let mut skipped: Vec<u32> = stream
            .pending
            .keys()
            .copied()
            .filter(|&s| serial_ge(last, s, mid))
            .collect();
        skipped.sort_by_key(|&s| distance(stream.next, s, mid));
        for s in skipped {
            if let Some(m) = stream.pending.remove(&s) {
                self.buffered = self.buffered.saturating_sub(m.payload.len());
                deliver(m);
            }
        }
        stream.next = next_serial(last, mid);
        Self::drain(stream, &mut self.buffered, mid, deliver);
    }

    /// FORWARD TSN (RFC 3758 §3.6): fragments up to `new_cum` that can no longer be completed
    /// are dropped, and each listed ordered stream skips up to its SSN.
    pub(crate) fn forward_tsn(
        &mut self,
        new_cum: u64,
        streams: impl Iterator<Item = (u16, u16)>,
        deliver: &mut impl FnMut(Message),
    ) {
        let dead: Vec<Key> = self
            .runs
            .iter()
            .filter(|(k, r)| {
                k.0 == 0 && r.first_tsn <= new_cum && !(r.begin && !r.end && r.last_tsn == new_cum)
            })
            .map(|(k, _)| *k)
            .collect();
        for k in dead {
            self.remove_run(k);
        }
        for (stream_id, ssn) in streams {
            let ssn = u32::from(ssn);
            let dead: Vec<Key> = self
                .runs
                .iter()
                .filter(|(_, r)| {
                    r.stream_id == stream_id && !r.unordered && serial_ge(ssn, r.ssn_mid, false)
                })
                .map(|(k, _)| *k)
                .collect();
            for k in dead {
                self.remove_run(k);
            }
            self.skip_stream(stream_id, ssn, deliver);
        }
    }

    /// I-FORWARD-TSN (RFC 8260 §2.3.2): drops the partial messages up to each listed MID and
    /// skips the ordered streams.
    pub(crate) fn iforward_tsn(
        &mut self,
        streams: impl Iterator<Item = (u16, bool, u32)>,
        deliver: &mut impl FnMut(Message),
    ) {
        for (stream_id, unordered, mid) in streams {
            let dead: Vec<Key> = self
                .runs
                .iter()
                .filter(|(_, r)| {
                    r.stream_id == stream_id
                        && r.unordered == unordered
                        && serial_ge(mid, r.ssn_mid, true)
                })
                .map(|(k, _)| *k)
                .collect();
            for k in dead {
                self.remove_run(k);
            }
            if !unordered {
                self.skip_stream(stream_id, mid, deliver);
            }
        }
    }

    /// Incoming stream reset performed (RFC 6525 §5.2.2 E3): the listed streams (all when empty)
    /// expect SSN/MID 0 next.
    pub(crate) fn reset_streams(&mut self, streams: &[u16]) {
        let reset = |id: u16| streams.is_empty() || streams.contains(&id);
        let mut freed = 0;
        self.streams.retain(|&id, s| {
            if reset(id) {
                freed += s.pending.values().map(|m| m.payload.len()).sum::<usize>();
                false
            } else {
                true
            }
        });
        let dead: Vec<Key> = self
            .runs
            .iter()
            .filter(|(_, r)| reset(r.stream_id))
            .map(|(k, _)| *k)
            .collect();
        for k in dead {
            self.remove_run(k);
        }
        self.buffered = self.buffered.saturating_sub(freed);
    }
}

fn next_serial(v: u32, mid: bool) -> u32 {
    if mid {
        v.wrapping_add(1)
    } else {
        u32::from((v as u16).wrapping_add(1))
    }
}

fn distance(from: u32, to: u32, mid: bool) -> u32 {
    if mid {
        to.wrapping_sub(from)
    } else {
        u32::from((to as u16).wrapping_sub(from as u16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(tsn: u64, stream_id: u16, ssn: u32, b: bool, e: bool, payload: &[u8]) -> Fragment<'_> {
        Fragment {
            tsn,
            stream_id,
            unordered: false,
            ssn_mid: ssn,
            fsn: 0,
            ppid: 53,
            begin: b,
            end: e,
            payload,
        }
    }

    fn collect(r: &mut Reassembly, f: Fragment<'_>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        r.insert(&f, &mut |m| out.push(m.payload)).unwrap();
        out
    }

    #[test]
    fn rfc9260_6_9_reassembles_out_of_order_fragments() {
        let mut r = Reassembly::new(1000, false);
        assert!(collect(&mut r, frag(3, 1, 0, false, true, b"c")).is_empty());
        assert!(collect(&mut r, frag(1, 1, 0, true, false, b"a")).is_empty());
        assert_eq!(r.buffered(), 2);
        assert_eq!(collect(&mut r, frag(2, 1, 0, false, false, b"b")), [b"abc"]);
        assert_eq!(r.buffered(), 0);
        assert!(r.runs.is_empty());
    }

    #[test]
    fn rfc9260_6_5_ordered_delivery_waits_for_earlier_ssn() {
        let mut r = Reassembly::new(1000, false);
        assert!(collect(&mut r, frag(2, 1, 1, true, true, b"second")).is_empty());
        assert_eq!(
            collect(&mut r, frag(3, 2, 0, true, true, b"other")),
            [b"other"]
        );
        let mut u = frag(4, 1, 9, true, true, b"unordered");
        u.unordered = true;
        assert_eq!(collect(&mut r, u), [b"unordered"]);
        assert_eq!(
            collect(&mut r, frag(1, 1, 0, true, true, b"first")),
            [&b"first"[..], b"second"]
        );
    }

    #[test]
    fn rfc8831_6_6_oversized_message_is_refused() {
        let mut r = Reassembly::new(3, false);
        collect(&mut r, frag(1, 1, 0, true, false, b"ab"));
        let mut out = Vec::new();
        assert_eq!(
            r.insert(&frag(2, 1, 0, false, true, b"cd"), &mut |m| out.push(m)),
            Err(TooLarge)
        );
    }

    #[test]
    fn rfc3758_3_6_forward_tsn_skips_abandoned_ssn() {
        let mut r = Reassembly::new(1000, false);
        collect(&mut r, frag(1, 1, 0, true, false, b"lost-start"));
        collect(&mut r, frag(4, 1, 1, true, true, b"next"));
        let mut out = Vec::new();
        r.forward_tsn(3, [(1, 0)].into_iter(), &mut |m| out.push(m.payload));
        assert_eq!(out, [b"next"]);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn rfc8260_2_1_interleaved_messages_reassemble_by_mid_and_fsn() {
        let mut r = Reassembly::new(1000, true);
        let f = |tsn, stream, mid, fsn, b, e, p| Fragment {
            tsn,
            stream_id: stream,
            unordered: false,
            ssn_mid: mid,
            fsn,
            ppid: 51,
            begin: b,
            end: e,
            payload: p,
        };
        // Stream 1's large message interleaves with stream 2's small one.
        assert!(collect(&mut r, f(1, 1, 0, 0, true, false, b"big-")).is_empty());
        assert_eq!(
            collect(&mut r, f(2, 2, 0, 0, true, true, b"small")),
            [b"small"]
        );
        assert!(collect(&mut r, f(4, 1, 0, 2, false, true, b"end")).is_empty());
        assert_eq!(
            collect(&mut r, f(3, 1, 0, 1, false, false, b"mid-")),
            [b"big-mid-end"]
        );
    }

    #[test]
    fn rfc8260_2_3_2_iforward_tsn_skips_mid() {
        let mut r = Reassembly::new(1000, true);
        let f = |tsn, mid, b, e, p| Fragment {
            tsn,
            stream_id: 1,
            unordered: false,
            ssn_mid: mid,
            fsn: if b { 0 } else { 1 },
            ppid: 51,
            begin: b,
            end: e,
            payload: p,
        };
        collect(&mut r, f(1, 0, true, false, b"lost"));
        collect(&mut r, f(3, 1, true, true, b"kept"));
        let mut out = Vec::new();
        r.iforward_tsn([(1, false, 0)].into_iter(), &mut |m| out.push(m.payload));
        assert_eq!(out, [b"kept"]);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn rfc3758_3_5_dead_run_dropped_when_next_message_begins() {
        let mut r = Reassembly::new(1000, false);
        collect(&mut r, frag(1, 1, 0, true, false, b"abandoned"));
        assert_eq!(
            collect(&mut r, frag(2, 1, 1, true, true, b"x")),
            Vec::<Vec<u8>>::new()
        );
        assert_eq!(r.runs.len(), 0);
    }

    #[test]
    fn rfc6525_5_2_2_reset_streams_restart_at_zero() {
        let mut r = Reassembly::new(1000, false);
        assert_eq!(collect(&mut r, frag(1, 1, 0, true, true, b"a")), [b"a"]);
        r.reset_streams(&[1]);
        assert_eq!(collect(&mut r, frag(2, 1, 0, true, true, b"b")), [b"b"]);
    }
}
