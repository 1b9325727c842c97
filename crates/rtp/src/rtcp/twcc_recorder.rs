//! The receiver's side of transport-wide congestion control
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3): remember when each transport-wide
//! sequence number arrived and report it in transport-cc feedback.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::twcc::PacketStatus;
use super::writer::RtcpWriter;
use crate::Result;
use crate::unwrap::SequenceUnwrapper;

/// 250 µs: the receive-delta unit (§3.1.5).
const TICK: Duration = Duration::from_micros(250);

/// Whole microseconds of `d` in 64 bits (`as_micros` is 128-bit, and its division a call).
fn micros(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1_000_000)
        .saturating_add(u64::from(d.subsec_micros()))
}
/// 64 ms, the reference-time unit, in ticks.
const REFERENCE_TICKS: i64 = 256;

/// Records packet arrivals by transport-wide sequence number and writes the feedback that
/// reports them (§3.1), as a media receiver does every 50-100 ms.
///
/// Each feedback reports every sequence number from the first one not yet reported up to the
/// highest received (missing ones as not received, except at the end: those wait, they may
/// still come), as many as fit the packet; the rest wait for the next call. A packet arriving
/// after its number was reported (as lost) is not reported again.
/// Memory is bounded by `max_packets`: older unreported numbers are dropped to make room.
///
/// ```
/// use std::time::{Duration, Instant};
/// use sansrtc_rtp::rtcp::{Compound, PacketStatus, RtcpPacket, RtcpWriter, TransportCcRecorder};
///
/// let t0 = Instant::now();
/// let mut recorder = TransportCcRecorder::new(1000);
/// recorder.record(t0, 10);
/// recorder.record(t0 + Duration::from_millis(5), 12);
/// let mut buf = [0u8; 1200];
/// let mut w = RtcpWriter::new(&mut buf);
/// assert!(recorder.write_feedback(&mut w, 1, 0xabcd)?);
/// let n = w.len();
/// let Some(Ok(RtcpPacket::TransportCc(fb))) = Compound::new(&buf[..n]).next() else { panic!() };
/// let statuses: Vec<_> = fb.packets().collect();
/// assert_eq!(statuses[1], (11, PacketStatus::NotReceived));
/// assert_eq!(statuses[2], (12, PacketStatus::Received { delta: 20 })); // 5 ms later
/// # Ok::<(), sansrtc_rtp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransportCcRecorder {
    unwrapper: SequenceUnwrapper,
    /// Time base for reference times (the first arrival).
    base: Option<Instant>,
    /// Arrivals in 250 µs ticks since `base`, from sequence number `start` on.
    arrivals: VecDeque<Option<i64>>,
    start: i64,
    max_packets: usize,
    feedback_count: u8,
    started: bool,
    /// Reused for the statuses of each feedback.
    scratch: Vec<PacketStatus>,
}

impl TransportCcRecorder {
    /// A recorder holding at most `max_packets` unreported sequence numbers.
    pub fn new(max_packets: usize) -> Self {
        let max_packets = max_packets.clamp(1, usize::from(u16::MAX));
        Self {
            unwrapper: SequenceUnwrapper::new(),
            base: None,
            arrivals: VecDeque::with_capacity(max_packets.min(4096)),
            start: 0,
            max_packets,
            feedback_count: 0,
            started: false,
            scratch: Vec::new(),
        }
    }

    /// Notes that the packet with transport-wide sequence number `seq` arrived at `now`.
    pub fn record(&mut self, now: Instant, seq: u16) {
        let base = *self.base.get_or_insert(now);
        let ticks = (micros(now.saturating_duration_since(base)) / micros(TICK)) as i64;
        let s = self.unwrapper.unwrap(seq);
        if !self.started {
            self.started = true;
            self.start = s;
        }
        if s < self.start {
            return; // already reported, or dropped for room
        }
        let index = (s - self.start) as usize;
        if index >= self.max_packets {
            // Make room: forget the oldest unreported numbers.
            let drop = (index + 1 - self.max_packets).min(self.arrivals.len());
            self.arrivals.drain(..drop);
            self.start += (index + 1 - self.max_packets) as i64;
        }
        let index = (s - self.start) as usize;
        while self.arrivals.len() <= index {
            self.arrivals.push_back(None);
        }
        if let Some(slot) = self.arrivals.get_mut(index)
            && slot.is_none()
        {
            *slot = Some(ticks);
        }
    }

    /// Whether anything is waiting to be reported.
    pub fn has_feedback(&self) -> bool {
        self.arrivals.iter().any(Option::is_some)
    }

    /// Writes one transport-cc feedback packet into `w` reporting what arrived since the last
    /// one (as much as fits what is left of `w`'s buffer); `Ok(false)` if nothing arrived.
    pub fn write_feedback(
        &mut self,
        w: &mut RtcpWriter<'_>,
        sender_ssrc: u32,
        media_ssrc: u32,
    ) -> Result<bool> {
        // Numbers still missing at the end of the previous report come first, as not
        // received; the reference time is that of the first packet that did arrive.
        let Some(first) = self.arrivals.iter().find_map(|a| *a) else {
            return Ok(false);
        };
        // The reference time is the first arrival in 64 ms units; deltas chain from it.
        let reference = first.div_euclid(REFERENCE_TICKS);
        // Worst case per status: 2 delta bytes plus a 2-byte chunk per 7 statuses; 20 bytes of
        // headers, 3 of padding.
        let budget = w.remaining().saturating_sub(24);
        let mut statuses = core::mem::take(&mut self.scratch);
        statuses.clear();
        let mut last = reference * REFERENCE_TICKS;
        let mut bytes = 0usize;
        for arrival in self.arrivals.iter().take(usize::from(u16::MAX)) {
            let cost = if statuses.len().is_multiple_of(7) {
                4
            } else {
                2
            };
            if bytes + cost > budget {
                break;
            }
            let status = match arrival {
                Some(t) => {
                    let Ok(delta) = i16::try_from(t - last) else {
                        break; // not expressible: the next feedback starts here
                    };
                    last = *t;
                    PacketStatus::Received { delta }
                }
                None => PacketStatus::NotReceived,
            };
            statuses.push(status);
            bytes += cost;
        }
        // Trailing packets not received yet stay for the next report.
        while statuses.last() == Some(&PacketStatus::NotReceived) {
            statuses.pop();
        }
        let reported = statuses.len();
        let written = if reported == 0 {
            Ok(false)
        } else {
            // 24-bit reference time; it wraps after 6 days, as in libwebrtc.
            let reference_time = (reference & 0x7f_ffff) as i32;
            w.transport_cc(
                sender_ssrc,
                media_ssrc,
                self.start as u16,
                reference_time,
                self.feedback_count,
                &statuses,
            )
            .map(|_| true)
        };
        self.scratch = statuses;
        if written == Ok(true) {
            self.feedback_count = self.feedback_count.wrapping_add(1);
            self.arrivals.drain(..reported);
            self.start += reported as i64;
        }
        written
    }
}
