//! DATA chunks sent and not yet cumulatively acknowledged (the retransmission queue): SACK
//! processing (RFC 9260 §6.2.1), miss indications and fast retransmit (§7.2.4), T3-rtx marking
//! (§6.3.3), RTT sampling once per round trip with Karn's rule (§6.3.1 C4/C5), and partial
//! reliability's abandonment and Advanced.Peer.Ack.Point (RFC 3758 §3.5, RFC 8260 §2.3).

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::send_queue::Fragment;
use crate::packet::{GapBlock, data_flags};
use crate::seq::unwrap_near;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkState {
    /// Sent, counted in the flight size.
    InFlight,
    /// Acknowledged by a gap block (not yet cumulatively).
    Acked,
    /// To be retransmitted (after T3-rtx or fast retransmit).
    Lost,
    /// Given up (PR-SCTP): to be skipped with a FORWARD TSN.
    Abandoned,
}

#[derive(Debug)]
pub(crate) struct Sent {
    pub tsn: u64,
    pub frag: Fragment,
    pub state: ChunkState,
    pub tx_count: u32,
    misses: u8,
    /// Fast-retransmitted already: only T3-rtx may retransmit it again (§7.2.4).
    fast_done: bool,
}

/// What a SACK changed.
#[derive(Debug, Default)]
pub(crate) struct AckOutcome {
    /// Payload bytes newly acknowledged (cumulatively or by gap blocks).
    pub newly_acked: usize,
    pub cum_advanced: bool,
    pub rtt: Option<Duration>,
    /// Some chunk reached three miss indications.
    pub fast_retransmit: bool,
    pub flight_before: usize,
}

/// The SACK acknowledges a TSN that was never sent: a protocol violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AcksUnsent;

#[derive(Debug)]
pub(crate) struct Outstanding {
    queue: VecDeque<Sent>,
    /// Peer's cumulative TSN ack (unwrapped). `queue[0].tsn == cum_ack + 1` when not empty.
    cum_ack: u64,
    next_tsn: u64,
    /// Payload bytes in state InFlight.
    flight: usize,
    /// TSNs in state Lost, and their payload bytes.
    lost: BTreeSet<u64>,
    lost_bytes: usize,
    /// Partially reliable chunks in the queue: abandonment checks are skipped when zero.
    pr_chunks: usize,
    /// The TSN timed for an RTT sample, with its send time.
    rtt_probe: Option<(u64, Instant)>,
}

impl Outstanding {
    pub(crate) fn new(initial_tsn: u32) -> Self {
        // Unwrapped TSNs start at 2^32 + initial so that `cum_ack = next - 1` never underflows.
        let next_tsn = (1u64 << 32) + u64::from(initial_tsn);
        Self {
            queue: VecDeque::new(),
            cum_ack: next_tsn - 1,
            next_tsn,
            flight: 0,
            lost: BTreeSet::new(),
            lost_bytes: 0,
            pr_chunks: 0,
            rtt_probe: None,
        }
    }

    pub(crate) fn flight(&self) -> usize {
        self.flight
    }
    /// Bytes the peer has not acknowledged in any way (§6.2.1: subtracted from its a_rwnd).
    pub(crate) fn unacked_bytes(&self) -> usize {
        self.flight + self.lost_bytes
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
    pub(crate) fn has_lost(&self) -> bool {
        !self.lost.is_empty()
    }
    pub(crate) fn cum_ack(&self) -> u64 {
        self.cum_ack
    }
    pub(crate) fn next_tsn(&self) -> u64 {
        self.next_tsn
    }
    /// Highest TSN handed out.
    pub(crate) fn highest_sent(&self) -> u64 {
        self.next_tsn - 1
    }
    /// Unwraps a TSN the peer reported, relative to what was sent.
    pub(crate) fn unwrap(&self, tsn: u32) -> u64 {
        unwrap_near(self.next_tsn, tsn)
    }

    /// Records a freshly sent fragment, returning its TSN.
    pub(crate) fn push(&mut self, now: Instant, frag: Fragment) -> u64 {
        let tsn = self.next_tsn;
        self.next_tsn += 1;
        self.flight += frag.payload.len();
        if frag.is_partially_reliable() {
            self.pr_chunks += 1;
        }
        if self.rtt_probe.is_none() {
            self.rtt_probe = Some((tsn, now));
        }
        self.queue.push_back(Sent {
            tsn,
            frag,
            state: ChunkState::InFlight,
            tx_count: 1,
            misses: 0,
            fast_done: false,
        });
        tsn
    }

    fn set_state(&mut self, idx: usize, state: ChunkState) {
        let Some(s) = self.queue.get_mut(idx) else {
            return;
        };
        let len = s.frag.payload.len();
        match s.state {
            ChunkState::InFlight => self.flight -= len,
            ChunkState::Lost => {
                self.lost.remove(&s.tsn);
                self.lost_bytes -= len;
            }
            ChunkState::Acked | ChunkState::Abandoned => {}
        }
        match state {
            ChunkState::InFlight => self.flight += len,
            ChunkState::Lost => {
                self.lost.insert(s.tsn);
                self.lost_bytes += len;
            }
            ChunkState::Acked | ChunkState::Abandoned => {}
        }
        s.state = state;
    }

    /// Processes a SACK (§6.2.1). `Ok(None)`: older than the current cumulative ack, ignored.
    pub(crate) fn handle_sack(
        &mut self,
        now: Instant,
        cum_tsn: u32,
        gaps: impl Iterator<Item = GapBlock>,
        in_fast_recovery: bool,
    ) -> Result<Option<AckOutcome>, AcksUnsent> {
        let cum = self.unwrap(cum_tsn);
        if cum < self.cum_ack {
            return Ok(None);
        }
        if cum >= self.next_tsn {
            return Err(AcksUnsent);
        }
        let mut out = AckOutcome {
            flight_before: self.flight,
            ..AckOutcome::default()
        };
        while self.queue.front().is_some_and(|s| s.tsn <= cum) {
            let Some(s) = self.queue.pop_front() else {
                break;
            };
            let len = s.frag.payload.len();
            if s.frag.is_partially_reliable() {
                self.pr_chunks -= 1;
            }
            match s.state {
                ChunkState::InFlight => {
                    self.flight -= len;
                    out.newly_acked += len;
                }
                ChunkState::Lost => {
                    self.lost.remove(&s.tsn);
                    self.lost_bytes -= len;
                    out.newly_acked += len;
                }
                ChunkState::Acked | ChunkState::Abandoned => {}
            }
            if let Some((probe, sent_at)) = self.rtt_probe
                && probe == s.tsn
            {
                self.rtt_probe = None;
                if s.tx_count == 1 {
                    out.rtt = Some(now.saturating_duration_since(sent_at));
                }
            }
        }
        out.cum_advanced = cum > self.cum_ack;
        self.cum_ack = cum;
        if self.rtt_probe.is_some_and(|(t, _)| t <= cum) {
            self.rtt_probe = None;
        }

        let mut highest_newly_acked = None;
        let mut highest_acked = None;
        for gap in gaps {
            if gap.start == 0 || gap.start > gap.end {
                continue;
            }
            let first = cum + u64::from(gap.start);
            let last = (cum + u64::from(gap.end)).min(self.next_tsn - 1);
            if first > last {
                continue;
            }
            highest_acked = Some(last.max(highest_acked.unwrap_or(0)));
            for tsn in first..=last {
                let Ok(idx) = usize::try_from(tsn - cum - 1) else {
                    break;
                };
                let Some(s) = self.queue.get(idx) else {
                    break;
                };
                if matches!(s.state, ChunkState::InFlight | ChunkState::Lost) {
                    out.newly_acked += s.frag.payload.len();
                    self.set_state(idx, ChunkState::Acked);
                    highest_newly_acked = Some(tsn);
                }
            }
        }

        // §7.2.4: a miss indication for every TSN still in flight below the highest TSN newly
        // acknowledged (HTNA), or in fast recovery on a cumulative advance, below the highest TSN
        // acknowledged; the third triggers a fast retransmit, once per chunk.
        let limit = if in_fast_recovery && out.cum_advanced {
            highest_acked
        } else {
            highest_newly_acked
        };
        if let Some(limit) = limit {
            for idx in 0..self.queue.len() {
                let Some(s) = self.queue.get_mut(idx) else {
                    break;
                };
                if s.tsn >= limit {
                    break;
                }
                if s.state == ChunkState::InFlight && !s.fast_done {
                    s.misses = s.misses.saturating_add(1);
                    if s.misses >= 3 {
                        s.fast_done = true;
                        out.fast_retransmit = true;
                        self.set_state(idx, ChunkState::Lost);
                    }
                }
            }
        }
        Ok(Some(out))
    }

    /// §6.3.3 rule E3: every chunk in flight is marked for retransmission.
    pub(crate) fn mark_all_lost(&mut self) {
        for idx in 0..self.queue.len() {
            if let Some(s) = self.queue.get_mut(idx)
                && s.state == ChunkState::InFlight
            {
                s.misses = 0;
                s.fast_done = false;
                self.set_state(idx, ChunkState::Lost);
            }
        }
        self.rtt_probe = None;
    }

    /// RFC 3758 §3.5 A1-A3: abandons the messages of chunks marked for retransmission that
    /// used up their retransmissions or outlived their lifetime. `out` receives
    /// `(stream, message id)` of each newly abandoned message.
    pub(crate) fn abandon_lost(&mut self, now: Instant, out: &mut Vec<(u16, u64)>) {
        out.clear();
        if self.pr_chunks == 0 || self.lost.is_empty() {
            return;
        }
        for &tsn in &self.lost {
            let Some(s) = self.index_of(tsn).and_then(|i| self.queue.get(i)) else {
                continue;
            };
            let f = &s.frag;
            let over = f.max_retransmits.is_some_and(|m| s.tx_count > m);
            let expired = f.expires.is_some_and(|e| e <= now);
            if (over || expired) && !out.iter().any(|&(_, id)| id == f.msg_id) {
                out.push((f.stream_id, f.msg_id));
            }
        }
        for &(_, id) in out.iter() {
            self.abandon_message(id);
        }
    }

    fn index_of(&self, tsn: u64) -> Option<usize> {
        usize::try_from(tsn.checked_sub(self.cum_ack + 1)?).ok()
    }

    fn abandon_message(&mut self, msg_id: u64) {
        for idx in 0..self.queue.len() {
            if self.queue.get(idx).is_some_and(|s| {
                s.frag.msg_id == msg_id
                    && matches!(s.state, ChunkState::InFlight | ChunkState::Lost)
            }) {
                self.set_state(idx, ChunkState::Abandoned);
            }
        }
    }

    /// Whether the last queued chunk of `msg_id` carries the E bit (else the send queue still
    /// holds the unsent rest of the message).
    pub(crate) fn message_fully_sent(&self, msg_id: u64) -> bool {
        self.queue
            .iter()
            .rev()
            .find(|s| s.frag.msg_id == msg_id)
            .is_some_and(|s| s.frag.is_end())
    }

    /// RFC 3758 §3.5 A3 for a message abandoned before its last fragment was sent (its rest is
    /// dropped from the send queue): an end fragment that is never sent takes the next TSN,
    /// already abandoned. Without it the Advanced.Peer.Ack.Point would end at the last fragment
    /// sent, which the peer may have received with everything before it: a FORWARD TSN at or
    /// behind its cumulative TSN is out of date (§3.6), the SSN/MID would never be skipped and
    /// the stream would wait for the missing end forever. Returns whether one was added.
    pub(crate) fn abandon_unsent_end(&mut self, msg_id: u64) -> bool {
        let Some(last) = self.queue.iter().rev().find(|s| s.frag.msg_id == msg_id) else {
            return false;
        };
        if last.frag.is_end() {
            return false;
        }
        let f = &last.frag;
        let end = Fragment {
            stream_id: f.stream_id,
            ssn_mid: f.ssn_mid,
            fsn: f.fsn.wrapping_add(1),
            ppid: f.ppid,
            flags: (f.flags & data_flags::UNORDERED) | data_flags::END,
            payload: Bytes::new(),
            msg_id,
            max_retransmits: f.max_retransmits,
            expires: f.expires,
        };
        self.push_abandoned(end);
        true
    }

    /// RFC 3758 §4.1 TR4: a started message whose lifetime ran out before its `end` fragment
    /// was sent: what is outstanding of it is abandoned and the end takes a TSN, abandoned too,
    /// as in [`abandon_unsent_end`](Self::abandon_unsent_end) (the peer may hold every fragment
    /// sent, even with all of them acknowledged already).
    pub(crate) fn abandon_expired(&mut self, end: Fragment) {
        self.abandon_message(end.msg_id);
        self.push_abandoned(end);
    }

    /// Gives a fragment that is never sent the next TSN, already abandoned.
    fn push_abandoned(&mut self, frag: Fragment) {
        let tsn = self.next_tsn;
        self.next_tsn += 1;
        self.pr_chunks += 1;
        self.queue.push_back(Sent {
            tsn,
            frag,
            state: ChunkState::Abandoned,
            tx_count: 0,
            misses: 0,
            fast_done: false,
        });
    }

    /// RFC 3758 §3.5 C1/C2 (and RFC 8260 §2.3.1): the Advanced.Peer.Ack.Point, if beyond the
    /// peer's cumulative ack, with the skipped messages: `(stream, unordered, SSN or MID)`, the
    /// highest per stream and ordering. At most `max_streams` entries: C4 lowers the point to
    /// the last TSN whose stream still fits, so that no skipped stream goes unreported.
    pub(crate) fn forward_tsn(
        &self,
        skipped: &mut Vec<(u16, bool, u32)>,
        max_streams: usize,
    ) -> Option<u64> {
        skipped.clear();
        let mut point = self.cum_ack;
        for s in self
            .queue
            .iter()
            .take_while(|s| s.state == ChunkState::Abandoned)
        {
            let (id, u) = (s.frag.stream_id, s.frag.is_unordered());
            let full = skipped.len() >= max_streams;
            match skipped
                .iter_mut()
                .find(|(sid, su, _)| *sid == id && *su == u)
            {
                Some(e) => e.2 = s.frag.ssn_mid,
                None if full => break,
                None => skipped.push((id, u, s.frag.ssn_mid)),
            }
            point = s.tsn;
        }
        (point > self.cum_ack).then_some(point)
    }

    /// The oldest chunk marked for retransmission, if its payload fits in `room`.
    pub(crate) fn next_retransmit(&self, room: usize) -> Option<usize> {
        let tsn = *self.lost.first()?;
        let idx = self.index_of(tsn)?;
        self.queue
            .get(idx)
            .filter(|s| s.frag.payload.len() <= room)
            .map(|_| idx)
    }

    pub(crate) fn get(&self, idx: usize) -> Option<&Sent> {
        self.queue.get(idx)
    }

    /// Marks the chunk at `idx` as retransmitted now.
    pub(crate) fn retransmitted(&mut self, idx: usize) {
        if self
            .queue
            .get(idx)
            .is_some_and(|s| s.state == ChunkState::Lost)
        {
            self.set_state(idx, ChunkState::InFlight);
            if let Some(s) = self.queue.get_mut(idx) {
                s.misses = 0;
                s.tx_count += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(msg_id: u64, flags: u8, max_retransmits: Option<u32>) -> Fragment {
        Fragment {
            stream_id: 1,
            ssn_mid: msg_id as u32,
            fsn: 0,
            ppid: 53,
            flags,
            payload: Bytes::from_static(&[0; 100]),
            msg_id,
            max_retransmits,
            expires: None,
        }
    }

    fn sack(
        o: &mut Outstanding,
        now: Instant,
        cum: u32,
        gaps: &[(u16, u16)],
    ) -> Result<Option<AckOutcome>, AcksUnsent> {
        let gaps = gaps.iter().map(|&(start, end)| GapBlock { start, end });
        o.handle_sack(now, cum, gaps, false)
    }

    #[test]
    fn rfc9260_7_2_4_three_miss_indications_trigger_fast_retransmit() {
        let now = Instant::now();
        let mut o = Outstanding::new(10);
        for i in 0..6 {
            o.push(now, frag(i, 3, None));
        }
        // TSN 10 acked, 11 missing, 12.. acked one by one: three miss indications for 11.
        for (k, end) in [(0, 2u16), (1, 3), (2, 4)] {
            let out = sack(&mut o, now, 10, &[(2, end)]).unwrap().unwrap();
            assert_eq!(out.fast_retransmit, k == 2);
        }
        assert_eq!(o.next_retransmit(1000), Some(0));
        assert_eq!(o.get(0).unwrap().tsn - o.cum_ack(), 1);
        o.retransmitted(0);
        assert!(!o.has_lost());
        // Further miss indications do not fast-retransmit it again.
        let out = sack(&mut o, now, 10, &[(2, 5)]).unwrap().unwrap();
        assert!(!out.fast_retransmit);
    }

    #[test]
    fn rfc3758_3_5_abandon_and_advance_peer_ack_point() {
        let now = Instant::now();
        let mut o = Outstanding::new(1);
        o.push(now, frag(7, 2, Some(1)));
        o.push(now, frag(7, 1, Some(1)));
        o.push(now, frag(8, 3, Some(1)));
        o.mark_all_lost();
        let mut ab = Vec::new();
        o.abandon_lost(now, &mut ab);
        assert!(ab.is_empty(), "one retransmission is allowed");
        for i in 0..3 {
            o.retransmitted(i);
        }
        o.mark_all_lost();
        o.abandon_lost(now, &mut ab);
        assert_eq!(ab, [(1, 7), (1, 8)]);
        let mut skipped = Vec::new();
        let point = o.forward_tsn(&mut skipped, 16).unwrap();
        assert_eq!(point - o.cum_ack(), 3);
        assert_eq!(skipped, [(1, false, 8)]);
        assert_eq!(o.flight(), 0);
        assert!(!o.has_lost());
    }

    #[test]
    fn rfc3758_3_5_a3_end_never_sent_takes_a_tsn_past_what_the_peer_has() {
        let now = Instant::now();
        let mut o = Outstanding::new(1);
        // Two of the message's fragments went out (B and a middle one), the rest is queued.
        o.push(now, frag(7, 2, Some(0)));
        o.push(now, frag(7, 0, Some(0)));
        // Both arrived (the peer's cumulative TSN covers them) but the SACK said nothing yet.
        o.mark_all_lost();
        let mut ab = Vec::new();
        o.abandon_lost(now, &mut ab);
        assert_eq!(ab, [(1, 7)]);
        assert!(!o.message_fully_sent(7));
        assert!(o.abandon_unsent_end(7));
        assert!(o.message_fully_sent(7));
        assert!(!o.abandon_unsent_end(7), "one end per message");
        let mut skipped = Vec::new();
        let point = o.forward_tsn(&mut skipped, 16).unwrap();
        assert_eq!(point, o.highest_sent());
        assert_eq!(point - o.cum_ack(), 3, "beyond the two fragments sent");
        assert_eq!(skipped, [(1, false, 7)]);
        assert_eq!((o.flight(), o.unacked_bytes()), (0, 0));
        // The peer acknowledges up to the end: everything is gone.
        let out = sack(&mut o, now, point as u32, &[]).unwrap().unwrap();
        assert_eq!(out.newly_acked, 0);
        assert!(out.cum_advanced && o.is_empty());
    }

    #[test]
    fn rfc3758_3_5_c4_point_lowered_so_that_every_skipped_stream_fits() {
        let now = Instant::now();
        let mut o = Outstanding::new(1);
        for stream in 0..5u16 {
            let mut f = frag(u64::from(stream), 3, Some(0));
            f.stream_id = stream;
            o.push(now, f);
        }
        o.mark_all_lost();
        let mut ab = Vec::new();
        o.abandon_lost(now, &mut ab);
        assert_eq!(ab.len(), 5);
        let mut skipped = Vec::new();
        let point = o.forward_tsn(&mut skipped, 2).unwrap();
        assert_eq!(point - o.cum_ack(), 2);
        assert_eq!(skipped.len(), 2);
        assert_eq!(o.forward_tsn(&mut skipped, 16).unwrap() - o.cum_ack(), 5);
        assert!(o.forward_tsn(&mut skipped, 0).is_none());
    }

    #[test]
    fn rfc9260_6_2_1_stale_sack_is_ignored_and_unsent_tsn_rejected() {
        let now = Instant::now();
        let mut o = Outstanding::new(100);
        o.push(now, frag(0, 3, None));
        o.push(now, frag(1, 3, None));
        assert!(sack(&mut o, now, 101, &[]).unwrap().unwrap().cum_advanced);
        assert!(sack(&mut o, now, 100, &[]).unwrap().is_none());
        assert_eq!(sack(&mut o, now, 105, &[]).unwrap_err(), AcksUnsent);
        assert_eq!(o.flight(), 0);
    }

    #[test]
    fn rfc9260_6_3_1_c5_one_rtt_sample_per_round_trip() {
        let t0 = Instant::now();
        let mut o = Outstanding::new(0);
        o.push(t0, frag(0, 3, None));
        o.push(t0, frag(1, 3, None));
        let t1 = t0 + Duration::from_millis(30);
        let out = sack(&mut o, t1, 0, &[]).unwrap().unwrap();
        assert_eq!(out.rtt, Some(Duration::from_millis(30)));
        let out = sack(&mut o, t1, 1, &[]).unwrap().unwrap();
        assert_eq!(out.rtt, None);
    }
}
