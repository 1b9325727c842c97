//! Stream reset (RFC 6525): the Outgoing SSN Reset Request that WebRTC uses to close a data
//! channel (RFC 8831 §6.7), on both sides, with deferred reset processing (§5.2.2 E2).

use std::time::{Duration, Instant};

use super::{Association, Event};
use crate::Error;
use crate::packet::{
    ReConfig, ReconfigParam, ReconfigResult, write_outgoing_reset, write_reconfig_response,
};
use crate::rx::reassembly::Fragment;
use crate::seq::{unwrap_near, wire};
use crate::timer::Timer;

/// Our request in flight (§5.1.2).
#[derive(Debug, Clone)]
struct Request {
    seq: u32,
    last_tsn: u32,
    streams: Vec<u16>,
}

/// A fragment held during deferred reset processing, copied out of its packet.
#[derive(Debug)]
struct Held {
    tsn: u64,
    stream_id: u16,
    unordered: bool,
    ssn_mid: u32,
    fsn: u32,
    ppid: u32,
    begin: bool,
    end: bool,
    payload: Vec<u8>,
}

/// The peer's request waiting for our cumulative TSN to reach its last assigned TSN (§5.2.2 E2).
#[derive(Debug)]
struct Deferred {
    seq: u32,
    last_tsn: u64,
    streams: Vec<u16>,
    held: Vec<Held>,
    bytes: usize,
}

/// Stream reset state of one association.
#[derive(Debug)]
pub(crate) struct Reconfig {
    next_req_seq: u32,
    in_flight: Option<Request>,
    /// The request goes into the next packet (first send or retransmission).
    pub request_due: bool,
    /// Streams to reset that are not in a request yet.
    queued: Vec<u16>,
    rto: Option<Duration>,
    /// The peer's next request sequence number.
    peer_next_seq: u32,
    last_response: Option<(u32, ReconfigResult)>,
    deferred: Option<Deferred>,
}

impl Reconfig {
    /// Both sequence numbers start at the sender's initial TSN (RFC 6525 §5.1).
    pub(crate) fn new(local_initial_tsn: u32, peer_initial_tsn: u32) -> Self {
        Self {
            next_req_seq: local_initial_tsn,
            in_flight: None,
            request_due: false,
            queued: Vec::new(),
            rto: None,
            peer_next_seq: peer_initial_tsn,
            last_response: None,
            deferred: None,
        }
    }

    pub(crate) fn queue(&mut self, streams: &[u16]) {
        for &s in streams {
            if !self.is_pending(s) {
                self.queued.push(s);
            }
        }
    }

    pub(crate) fn is_pending(&self, stream: u16) -> bool {
        self.queued.contains(&stream)
            || self
                .in_flight
                .as_ref()
                .is_some_and(|r| r.streams.contains(&stream))
    }

    pub(crate) fn deferred_bytes(&self) -> usize {
        self.deferred.as_ref().map_or(0, |d| d.bytes)
    }

    /// Holds a fragment that arrived behind a deferred reset's last TSN (§5.2.2 E2).
    pub(crate) fn defer_fragment(&mut self, f: &Fragment<'_>) -> bool {
        let Some(d) = &mut self.deferred else {
            return false;
        };
        if f.tsn <= d.last_tsn || !(d.streams.is_empty() || d.streams.contains(&f.stream_id)) {
            return false;
        }
        d.bytes += f.payload.len();
        d.held.push(Held {
            tsn: f.tsn,
            stream_id: f.stream_id,
            unordered: f.unordered,
            ssn_mid: f.ssn_mid,
            fsn: f.fsn,
            ppid: f.ppid,
            begin: f.begin,
            end: f.end,
            payload: f.payload.to_vec(),
        });
        true
    }

    /// Encoded length of the request chunk.
    pub(crate) fn request_len(&self) -> usize {
        self.in_flight
            .as_ref()
            .map_or(0, |r| (24 + 2 * r.streams.len()).div_ceil(4) * 4)
    }

    pub(crate) fn write_request(&self, buf: &mut Vec<u8>) {
        if let Some(r) = &self.in_flight {
            write_outgoing_reset(
                buf,
                r.seq,
                self.peer_next_seq.wrapping_sub(1),
                r.last_tsn,
                &r.streams,
            );
        }
    }
}

impl Association {
    /// Resets outgoing streams (RFC 6525 §5.1.2), which is how WebRTC closes data channels
    /// (RFC 8831 §6.7). Messages already queued on these streams are sent first; new sends fail
    /// with [`Error::StreamClosing`] until [`Event::OutgoingStreamsReset`]. Before the
    /// association is established the request waits for it.
    pub fn reset_streams(&mut self, now: Instant, streams: &[u16]) -> Result<(), Error> {
        self.tick(now);
        if self.closed.is_some() {
            return Err(Error::Closed);
        }
        let established = self.is_established();
        match &mut self.tcb {
            Some(tcb) if established => {
                if !tcb.caps.reconfig {
                    return Err(Error::ResetNotSupported);
                }
                tcb.reconfig.queue(streams);
            }
            _ => {
                for &s in streams {
                    if !self.pending_resets.contains(&s) {
                        self.pending_resets.push(s);
                    }
                }
            }
        }
        self.maybe_start_reset(now);
        Ok(())
    }

    pub(super) fn reset_pending(&self, stream: u16) -> bool {
        self.pending_resets.contains(&stream)
            || self
                .tcb
                .as_ref()
                .is_some_and(|t| t.reconfig.is_pending(stream))
    }

    /// Sends the queued resets whose streams have no unsent data left, once no other request is
    /// in flight (§5.1.1: one at a time).
    pub(super) fn maybe_start_reset(&mut self, now: Instant) {
        if self.state != super::State::Established {
            return;
        }
        let rto = self.rto.rto();
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let rc = &mut tcb.reconfig;
        if rc.in_flight.is_some() || rc.queued.is_empty() {
            return;
        }
        let (ready, waiting): (Vec<u16>, Vec<u16>) = rc
            .queued
            .iter()
            .partition(|&&s| self.send_queue.is_drained(s));
        if ready.is_empty() {
            return;
        }
        rc.queued = waiting;
        rc.in_flight = Some(Request {
            seq: rc.next_req_seq,
            last_tsn: wire(tcb.tx.next_tsn() - 1),
            streams: ready,
        });
        rc.next_req_seq = rc.next_req_seq.wrapping_add(1);
        rc.request_due = true;
        rc.rto = Some(rto);
        self.timers.set(Timer::Reconfig, now + rto);
    }

    pub(super) fn on_reconfig_timer(&mut self, now: Instant) {
        if self
            .tcb
            .as_ref()
            .is_none_or(|t| t.reconfig.in_flight.is_none())
        {
            return;
        }
        if !self.count_error() {
            return;
        }
        let max = self.cfg.rto_max;
        let base = self.rto.rto();
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let rto = (tcb.reconfig.rto.unwrap_or(base) * 2).min(max);
        tcb.reconfig.rto = Some(rto);
        tcb.reconfig.request_due = true;
        self.timers.set(Timer::Reconfig, now + rto);
    }

    pub(super) fn handle_reconfig(&mut self, now: Instant, r: &ReConfig<'_>) {
        for p in r.params() {
            match p {
                ReconfigParam::OutgoingReset {
                    request_seq,
                    last_tsn,
                    streams,
                    ..
                } => {
                    let list: Vec<u16> = ReconfigParam::stream_list(streams).collect();
                    self.handle_outgoing_reset_request(now, request_seq, last_tsn, list);
                }
                ReconfigParam::Response {
                    response_seq,
                    result,
                } => self.handle_reconfig_response(now, response_seq, result),
                ReconfigParam::IncomingReset { request_seq, .. }
                | ReconfigParam::SsnTsnReset { request_seq }
                | ReconfigParam::AddStreams { request_seq, .. } => {
                    // Not used by WebRTC data channels: denied (RFC 6525 §5.2.3-§5.2.6 allow it).
                    self.answer_other_request(request_seq);
                }
                ReconfigParam::Unknown(_) => {}
            }
        }
    }

    fn queue_response(&mut self, seq: u32, result: ReconfigResult) {
        let mut bytes = Vec::with_capacity(16);
        write_reconfig_response(&mut bytes, seq, result);
        self.control.push_back(bytes);
    }

    fn answer_other_request(&mut self, seq: u32) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let rc = &mut tcb.reconfig;
        let result = if seq == rc.peer_next_seq {
            rc.peer_next_seq = rc.peer_next_seq.wrapping_add(1);
            rc.last_response = Some((seq, ReconfigResult::Denied));
            ReconfigResult::Denied
        } else {
            match rc.last_response {
                Some((s, r)) if s == seq => r,
                _ => ReconfigResult::ErrorBadSequenceNumber,
            }
        };
        self.queue_response(seq, result);
    }

    /// §5.2.2: the peer resets its outgoing streams, our incoming ones.
    fn handle_outgoing_reset_request(
        &mut self,
        now: Instant,
        seq: u32,
        last_tsn: u32,
        streams: Vec<u16>,
    ) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let rc = &mut tcb.reconfig;
        if let Some(d) = &rc.deferred {
            let r = if d.seq == seq {
                ReconfigResult::InProgress
            } else {
                ReconfigResult::ErrorRequestAlreadyInProgress
            };
            self.queue_response(seq, r);
            return;
        }
        if seq != rc.peer_next_seq {
            // A retransmission of the last request gets the same answer (§5.2.1).
            let r = match rc.last_response {
                Some((s, r)) if s == seq => r,
                _ => ReconfigResult::ErrorBadSequenceNumber,
            };
            self.queue_response(seq, r);
            return;
        }
        let cum = tcb.rx.cum_unwrapped();
        let last = unwrap_near(cum, last_tsn);
        if last > cum {
            // E2: deferred reset processing.
            rc.deferred = Some(Deferred {
                seq,
                last_tsn: last,
                streams,
                held: Vec::new(),
                bytes: 0,
            });
            self.queue_response(seq, ReconfigResult::InProgress);
            return;
        }
        self.perform_incoming_reset(now, seq, streams);
    }

    /// E3-E6: reset the incoming streams and answer.
    fn perform_incoming_reset(&mut self, _now: Instant, seq: u32, streams: Vec<u16>) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        tcb.reassembly.reset_streams(&streams);
        let rc = &mut tcb.reconfig;
        rc.peer_next_seq = rc.peer_next_seq.wrapping_add(1);
        rc.last_response = Some((seq, ReconfigResult::SuccessPerformed));
        self.queue_response(seq, ReconfigResult::SuccessPerformed);
        self.events.push_back(Event::IncomingStreamsReset(streams));
    }

    /// Completes a deferred reset once the cumulative TSN reached its last TSN, then replays
    /// the fragments held meanwhile (E4).
    pub(super) fn maybe_perform_deferred_reset(&mut self, now: Instant) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let cum = tcb.rx.cum_unwrapped();
        if tcb
            .reconfig
            .deferred
            .as_ref()
            .is_none_or(|d| cum < d.last_tsn)
        {
            return;
        }
        let Some(d) = tcb.reconfig.deferred.take() else {
            return;
        };
        self.perform_incoming_reset(now, d.seq, d.streams);
        for h in d.held {
            let f = Fragment {
                tsn: h.tsn,
                stream_id: h.stream_id,
                unordered: h.unordered,
                ssn_mid: h.ssn_mid,
                fsn: h.fsn,
                ppid: h.ppid,
                begin: h.begin,
                end: h.end,
                payload: &h.payload,
            };
            let Some(tcb) = &mut self.tcb else {
                return;
            };
            let events = &mut self.events;
            let delivered = &mut self.delivered_bytes;
            if tcb
                .reassembly
                .insert(&f, &mut |m| {
                    *delivered += m.payload.len();
                    events.push_back(Event::Message(m));
                })
                .is_err()
            {
                self.protocol_violation("message exceeds the maximum message size");
                return;
            }
        }
    }

    fn handle_reconfig_response(&mut self, now: Instant, seq: u32, result: ReconfigResult) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let rc = &mut tcb.reconfig;
        if rc.in_flight.as_ref().is_none_or(|r| r.seq != seq) {
            return;
        }
        match result {
            ReconfigResult::InProgress => {
                // Retransmit when the timer fires (§5.1.1); the peer is waiting for our data.
                self.error_count = 0;
            }
            ReconfigResult::SuccessPerformed | ReconfigResult::SuccessNothingToDo => {
                let streams = rc.in_flight.take().map(|r| r.streams).unwrap_or_default();
                rc.request_due = false;
                rc.rto = None;
                self.timers.stop(Timer::Reconfig);
                for &s in &streams {
                    self.send_queue.reset_stream(s);
                }
                self.error_count = 0;
                self.events.push_back(Event::OutgoingStreamsReset(streams));
                self.maybe_start_reset(now);
            }
            _ => {
                let streams = rc.in_flight.take().map(|r| r.streams).unwrap_or_default();
                rc.request_due = false;
                rc.rto = None;
                self.timers.stop(Timer::Reconfig);
                self.events
                    .push_back(Event::OutgoingStreamsResetFailed(streams));
                self.maybe_start_reset(now);
            }
        }
    }
}
