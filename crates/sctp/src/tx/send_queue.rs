//! Messages waiting to be sent: one FIFO per stream, round-robin between streams, fragmented to
//! the path MTU as they are pulled (RFC 9260 §6.9).
//!
//! With DATA the fragments of one message must take consecutive TSNs, so a started message is
//! finished before another stream gets a turn. With I-DATA (RFC 8260) the scheduler moves to the
//! next stream after every fragment, so a large message does not hold up small ones.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::packet::data_flags;

/// How one message is sent: ordering and partial reliability (RFC 3758 §3.1, RFC 8831 §6.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Deliver without ordering (U bit).
    pub unordered: bool,
    /// Give up after this many retransmissions (`Some(0)`: never retransmit). `None`: reliable.
    pub max_retransmits: Option<u32>,
    /// Give up when the message is not sent and acknowledged within this time from `send`.
    pub lifetime: Option<Duration>,
}

#[derive(Debug)]
struct OutMessage {
    id: u64,
    ppid: u32,
    payload: Bytes,
    offset: usize,
    ssn_mid: u32,
    next_fsn: u32,
    opts: SendOptions,
    expires: Option<Instant>,
}

#[derive(Debug, Default)]
struct OutStream {
    queue: VecDeque<OutMessage>,
    next_ssn: u16,
    next_mid_ordered: u32,
    next_mid_unordered: u32,
    buffered: usize,
    low_threshold: usize,
    /// In the scheduler's round-robin list (or its current stream).
    scheduled: bool,
}

/// One fragment ready to be given a TSN.
#[derive(Debug, Clone)]
pub(crate) struct Fragment {
    pub stream_id: u16,
    /// SSN (DATA) or MID (I-DATA).
    pub ssn_mid: u32,
    /// FSN (I-DATA).
    pub fsn: u32,
    pub ppid: u32,
    /// B, E and U bits.
    pub flags: u8,
    pub payload: Bytes,
    /// Identifies the message among all sent on the association.
    pub msg_id: u64,
    pub max_retransmits: Option<u32>,
    pub expires: Option<Instant>,
}

impl Fragment {
    pub(crate) fn is_end(&self) -> bool {
        self.flags & data_flags::END != 0
    }
    pub(crate) fn is_unordered(&self) -> bool {
        self.flags & data_flags::UNORDERED != 0
    }
    /// Whether the message may be abandoned (RFC 3758).
    pub(crate) fn is_partially_reliable(&self) -> bool {
        self.max_retransmits.is_some() || self.expires.is_some()
    }
}

#[derive(Debug, Default)]
pub(crate) struct SendQueue {
    streams: HashMap<u16, OutStream>,
    /// Streams with queued messages, in round-robin order.
    active: VecDeque<u16>,
    /// DATA: the stream whose front message is partly sent and must be finished first.
    current: Option<u16>,
    interleaving: bool,
    total: usize,
    next_id: u64,
    /// Streams whose buffered amount fell to or below their threshold.
    low: Vec<u16>,
    /// Started messages whose lifetime ran out before their last fragment was sent (RFC 3758
    /// TR4), as the end fragment that will never be sent: the association abandons them.
    expired: Vec<Fragment>,
    /// Whether started messages may be abandoned: the peer supports FORWARD TSN (without it
    /// a started message is sent in full, as the base protocol's lifetime says).
    abandon_started: bool,
}

impl SendQueue {
    /// Bytes queued and not yet handed to the wire.
    pub(crate) fn total(&self) -> usize {
        self.total
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0 && self.active.is_empty() && self.current.is_none()
    }

    /// Switches to I-DATA scheduling (RFC 8260), decided once the handshake completes.
    pub(crate) fn set_interleaving(&mut self, on: bool) {
        self.interleaving = on;
    }

    /// Whether the peer supports FORWARD TSN (RFC 3758), decided once the handshake completes.
    pub(crate) fn set_partial_reliability(&mut self, on: bool) {
        self.abandon_started = on;
    }

    /// Queues a message; returns its id.
    pub(crate) fn push(
        &mut self,
        now: Instant,
        stream_id: u16,
        ppid: u32,
        payload: Bytes,
        opts: SendOptions,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let len = payload.len();
        let stream = self.streams.entry(stream_id).or_default();
        stream.buffered += len;
        stream.queue.push_back(OutMessage {
            id,
            ppid,
            payload,
            offset: 0,
            ssn_mid: 0,
            next_fsn: 0,
            opts,
            expires: opts.lifetime.and_then(|l| now.checked_add(l)),
        });
        self.total += len;
        if !stream.scheduled {
            stream.scheduled = true;
            self.active.push_back(stream_id);
        }
        id
    }

    /// Pulls the next fragment of at most `max_payload` bytes (at least 1). Messages whose lifetime
    /// ran out before their first byte was sent are dropped (RFC 3758 §3.5 A2, §4.1 TR3); started
    /// ones stop and are left to [`take_expired`](Self::take_expired) (TR4). `min_first`:
    /// do not start a message in less room than this (or its whole size if smaller), so that a
    /// packet's tail is not filled with a sliver of a new message.
    pub(crate) fn next_fragment(
        &mut self,
        now: Instant,
        max_payload: usize,
        min_first: usize,
    ) -> Option<Fragment> {
        let max_payload = max_payload.max(1);
        let mut tries = self.active.len() + 1;
        loop {
            let stream_id = match self.current {
                Some(s) => s,
                None => *self.active.front()?,
            };
            let Some(stream) = self.streams.get_mut(&stream_id) else {
                self.unschedule(stream_id);
                continue;
            };
            let Some(msg) = stream.queue.front_mut() else {
                stream.scheduled = false;
                self.unschedule(stream_id);
                continue;
            };
            if msg.offset > 0 && self.abandon_started && msg.expires.is_some_and(|e| e <= now) {
                // TR4: a TSN is assigned already, so the message is abandoned, not just dropped.
                let end = Fragment {
                    stream_id,
                    ssn_mid: msg.ssn_mid,
                    fsn: msg.next_fsn,
                    ppid: msg.ppid,
                    flags: data_flags::END
                        | if msg.opts.unordered {
                            data_flags::UNORDERED
                        } else {
                            0
                        },
                    payload: Bytes::new(),
                    msg_id: msg.id,
                    max_retransmits: msg.opts.max_retransmits,
                    expires: msg.expires,
                };
                let rest = msg.payload.len().saturating_sub(msg.offset);
                stream.queue.pop_front();
                Self::account(stream, &mut self.total, &mut self.low, stream_id, rest);
                self.expired.push(end);
                if self.current == Some(stream_id) {
                    self.current = None;
                    if stream.queue.is_empty() {
                        stream.scheduled = false;
                    } else {
                        self.active.push_back(stream_id);
                    }
                }
                // The caller gives the end its TSN before any other fragment takes one.
                return None;
            }
            if msg.offset == 0 {
                if msg.expires.is_some_and(|e| e <= now) {
                    let rest = msg.payload.len();
                    stream.queue.pop_front();
                    Self::account(stream, &mut self.total, &mut self.low, stream_id, rest);
                    continue;
                }
                if max_payload < msg.payload.len().min(min_first) {
                    // Not worth starting here; try another stream's continuation only.
                    tries -= 1;
                    if tries == 0 || self.current.is_some() {
                        return None;
                    }
                    if let Some(s) = self.active.pop_front() {
                        self.active.push_back(s);
                    }
                    continue;
                }
                let unordered = msg.opts.unordered;
                msg.ssn_mid = match (self.interleaving, unordered) {
                    (false, false) => {
                        let s = stream.next_ssn;
                        stream.next_ssn = s.wrapping_add(1);
                        u32::from(s)
                    }
                    (false, true) => 0,
                    (true, false) => {
                        let m = stream.next_mid_ordered;
                        stream.next_mid_ordered = m.wrapping_add(1);
                        m
                    }
                    (true, true) => {
                        let m = stream.next_mid_unordered;
                        stream.next_mid_unordered = m.wrapping_add(1);
                        m
                    }
                };
            }
            let mut flags = if msg.opts.unordered {
                data_flags::UNORDERED
            } else {
                0
            };
            if msg.offset == 0 {
                flags |= data_flags::BEGIN;
            }
            let end = msg
                .payload
                .len()
                .min(msg.offset.saturating_add(max_payload));
            let done = end >= msg.payload.len();
            if done {
                flags |= data_flags::END;
            }
            let frag = Fragment {
                stream_id,
                ssn_mid: msg.ssn_mid,
                fsn: msg.next_fsn,
                ppid: msg.ppid,
                flags,
                payload: msg.payload.slice(msg.offset..end),
                msg_id: msg.id,
                max_retransmits: msg.opts.max_retransmits,
                expires: msg.expires,
            };
            msg.next_fsn = msg.next_fsn.wrapping_add(1);
            msg.offset = end;
            let sent = frag.payload.len();
            if done {
                stream.queue.pop_front();
            }
            let more = !stream.queue.is_empty();
            Self::account(stream, &mut self.total, &mut self.low, stream_id, sent);
            if done || self.interleaving {
                // Round robin: this stream goes to the back (or leaves the list when empty).
                self.current = None;
                if self.active.front() == Some(&stream_id) {
                    self.active.pop_front();
                }
                if more || !done {
                    self.active.push_back(stream_id);
                } else if let Some(s) = self.streams.get_mut(&stream_id) {
                    s.scheduled = false;
                }
            } else {
                self.current = Some(stream_id);
                if self.active.front() == Some(&stream_id) {
                    self.active.pop_front();
                }
            }
            return Some(frag);
        }
    }

    fn unschedule(&mut self, stream_id: u16) {
        if self.current == Some(stream_id) {
            self.current = None;
        }
        if self.active.front() == Some(&stream_id) {
            self.active.pop_front();
        } else {
            self.active.retain(|&s| s != stream_id);
        }
    }

    fn account(s: &mut OutStream, total: &mut usize, low: &mut Vec<u16>, id: u16, n: usize) {
        let before = s.buffered;
        s.buffered = s.buffered.saturating_sub(n);
        *total = total.saturating_sub(n);
        if before > s.low_threshold && s.buffered <= s.low_threshold {
            low.push(id);
        }
    }

    /// Drops the unsent rest of an abandoned message (RFC 3758 §3.5).
    pub(crate) fn discard_message(&mut self, stream_id: u16, msg_id: u64) {
        let Some(stream) = self.streams.get_mut(&stream_id) else {
            return;
        };
        if stream.queue.front().is_none_or(|m| m.id != msg_id) {
            return;
        }
        if let Some(m) = stream.queue.pop_front() {
            let rest = m.payload.len().saturating_sub(m.offset);
            Self::account(stream, &mut self.total, &mut self.low, stream_id, rest);
        }
        if self.current == Some(stream_id) {
            self.current = None;
            if stream.queue.is_empty() {
                stream.scheduled = false;
            } else {
                self.active.push_back(stream_id);
            }
        }
    }

    /// The next started message given up by its lifetime (see `next_fragment`), as the end
    /// fragment it never sent.
    pub(crate) fn take_expired(&mut self) -> Option<Fragment> {
        self.expired.pop()
    }

    /// Bytes queued on the stream and not yet sent (RTCDataChannel bufferedAmount).
    pub(crate) fn buffered_amount(&self, stream_id: u16) -> usize {
        self.streams.get(&stream_id).map_or(0, |s| s.buffered)
    }

    pub(crate) fn set_low_threshold(&mut self, stream_id: u16, threshold: usize) {
        self.streams.entry(stream_id).or_default().low_threshold = threshold;
    }

    pub(crate) fn low_threshold(&self, stream_id: u16) -> usize {
        self.streams.get(&stream_id).map_or(0, |s| s.low_threshold)
    }

    pub(crate) fn take_low_events(&mut self) -> Option<u16> {
        self.low.pop()
    }

    /// Whether every message queued on the stream has been fully handed to the wire.
    pub(crate) fn is_drained(&self, stream_id: u16) -> bool {
        self.current != Some(stream_id)
            && self
                .streams
                .get(&stream_id)
                .is_none_or(|s| s.queue.is_empty())
    }

    /// Outgoing SSN reset performed (RFC 6525 §5.1.4, RFC 8260 §2.3.3): SSNs and MIDs restart
    /// at 0.
    pub(crate) fn reset_stream(&mut self, stream_id: u16) {
        if let Some(s) = self.streams.get_mut(&stream_id) {
            s.next_ssn = 0;
            s.next_mid_ordered = 0;
            s.next_mid_unordered = 0;
            if s.queue.is_empty() && s.low_threshold == 0 && !s.scheduled {
                self.streams.remove(&stream_id);
            }
        }
    }

    /// Association restart (RFC 9260 §5.2.4 action A): all sequence numbers restart at 0, and
    /// partly sent messages are dropped (their first fragments went to the old association).
    pub(crate) fn restart(&mut self) {
        let ids: Vec<u16> = self.streams.keys().copied().collect();
        for id in ids {
            if let Some(s) = self.streams.get_mut(&id) {
                s.next_ssn = 0;
                s.next_mid_ordered = 0;
                s.next_mid_unordered = 0;
                if let Some(m) = s.queue.front()
                    && m.offset > 0
                {
                    let rest = m.payload.len().saturating_sub(m.offset);
                    s.queue.pop_front();
                    Self::account(s, &mut self.total, &mut self.low, id, rest);
                }
            }
        }
        self.current = None;
        self.active.clear();
        for (id, s) in &mut self.streams {
            s.scheduled = !s.queue.is_empty();
            if s.scheduled {
                self.active.push_back(*id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(q: &mut SendQueue, now: Instant, stream: u16, data: &[u8], opts: SendOptions) {
        q.push(now, stream, 53, Bytes::copy_from_slice(data), opts);
    }

    #[test]
    fn rfc9260_6_9_fragments_in_consecutive_pieces() {
        let now = Instant::now();
        let mut q = SendQueue::default();
        push(&mut q, now, 1, &[7; 25], SendOptions::default());
        push(&mut q, now, 2, b"x", SendOptions::default());
        let f1 = q.next_fragment(now, 10, 0).unwrap();
        assert_eq!(
            (f1.stream_id, f1.flags, f1.payload.len()),
            (1, data_flags::BEGIN, 10)
        );
        // The started message on stream 1 is finished before stream 2 gets a turn.
        let f2 = q.next_fragment(now, 10, 0).unwrap();
        assert_eq!((f2.stream_id, f2.flags), (1, 0));
        let f3 = q.next_fragment(now, 10, 0).unwrap();
        assert_eq!(
            (f3.stream_id, f3.flags, f3.payload.len()),
            (1, data_flags::END, 5)
        );
        let f4 = q.next_fragment(now, 10, 0).unwrap();
        assert_eq!(
            (f4.stream_id, f4.flags),
            (2, data_flags::BEGIN | data_flags::END)
        );
        assert!(q.next_fragment(now, 10, 0).is_none());
        assert_eq!(q.total(), 0);
        assert!(q.is_empty());
    }

    #[test]
    fn rfc8260_2_1_interleaving_alternates_streams() {
        let now = Instant::now();
        let mut q = SendQueue::default();
        q.set_interleaving(true);
        push(&mut q, now, 1, &[7; 30], SendOptions::default());
        push(&mut q, now, 2, b"x", SendOptions::default());
        let order: Vec<_> = std::iter::from_fn(|| q.next_fragment(now, 10, 0))
            .map(|f| (f.stream_id, f.fsn))
            .collect();
        assert_eq!(order, [(1, 0), (2, 0), (1, 1), (1, 2)]);
    }

    #[test]
    fn rfc9260_6_6_ssn_per_stream_and_unordered() {
        let now = Instant::now();
        let mut q = SendQueue::default();
        push(&mut q, now, 1, b"a", SendOptions::default());
        let unordered = SendOptions {
            unordered: true,
            ..Default::default()
        };
        push(&mut q, now, 1, b"b", unordered);
        push(&mut q, now, 1, b"c", SendOptions::default());
        let ssns: Vec<_> = (0..3)
            .map(|_| q.next_fragment(now, 100, 0).unwrap().ssn_mid)
            .collect();
        assert_eq!(ssns, [0, 0, 1]);
    }

    #[test]
    fn rfc3758_3_5_expired_unsent_message_is_dropped() {
        let now = Instant::now();
        let mut q = SendQueue::default();
        let opts = SendOptions {
            lifetime: Some(Duration::from_millis(10)),
            ..Default::default()
        };
        push(&mut q, now, 1, b"late", opts);
        push(&mut q, now, 1, b"ok", SendOptions::default());
        let f = q
            .next_fragment(now + Duration::from_millis(20), 100, 0)
            .unwrap();
        assert_eq!(&f.payload[..], b"ok");
        assert_eq!(f.ssn_mid, 0, "the dropped message took no SSN");
    }

    #[test]
    fn rfc3758_4_1_tr4_started_message_past_its_lifetime_is_given_up() {
        for interleaving in [false, true] {
            let now = Instant::now();
            let mut q = SendQueue::default();
            q.set_interleaving(interleaving);
            q.set_partial_reliability(true);
            let opts = SendOptions {
                lifetime: Some(Duration::from_millis(10)),
                ..Default::default()
            };
            push(&mut q, now, 1, &[1; 250], opts);
            push(&mut q, now, 1, b"next", opts);
            let first = q.next_fragment(now, 100, 0).unwrap();
            assert_eq!(first.flags, data_flags::BEGIN);
            let later = now + Duration::from_millis(20);
            assert!(
                q.next_fragment(later, 100, 0).is_none(),
                "stops at the expired one"
            );
            let end = q.take_expired().unwrap();
            assert_eq!((end.msg_id, end.ssn_mid, end.fsn), (first.msg_id, 0, 1));
            assert_eq!(end.flags, data_flags::END);
            assert!(end.payload.is_empty());
            assert_eq!(
                q.buffered_amount(1),
                4,
                "the rest of it is no longer queued"
            );
            assert!(q.take_expired().is_none());
            // The next message is expired too but not started: dropped (TR3), no SSN taken.
            assert!(q.next_fragment(later, 100, 0).is_none());
            assert!(q.take_expired().is_none() && q.is_empty());
            // Without FORWARD TSN a started message is sent to its end.
            let mut q = SendQueue::default();
            q.set_interleaving(interleaving);
            push(&mut q, now, 1, &[1; 250], opts);
            q.next_fragment(now, 100, 0).unwrap();
            let f = q.next_fragment(later, 100, 0).unwrap();
            assert_eq!(f.fsn, 1);
        }
    }

    #[test]
    fn w3c_buffered_amount_low_fires_on_crossing() {
        let now = Instant::now();
        let mut q = SendQueue::default();
        q.set_low_threshold(3, 10);
        push(&mut q, now, 3, &[0; 30], SendOptions::default());
        q.next_fragment(now, 15, 0).unwrap();
        assert_eq!(q.take_low_events(), None);
        q.next_fragment(now, 15, 0).unwrap();
        assert_eq!(q.take_low_events(), Some(3));
    }
}
