//! Receiver statistics for one source (RFC 3550 Appendix A.1, A.3, A.8) and the reception
//! report block they produce (§6.4.1), plus the sender's round-trip time from a report.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sansrtc_rtp::stats::ReceiverStats;
//!
//! let t0 = Instant::now();
//! let mut stats = ReceiverStats::new(0x1234, 90_000);
//! for (i, seq) in [100u16, 101, 103, 104].into_iter().enumerate() {
//!     let now = t0 + Duration::from_millis(33 * i as u64);
//!     stats.handle_packet(now, seq, 3000 * i as u32);
//! }
//! let block = stats.report_block(t0 + Duration::from_secs(1)).unwrap();
//! assert_eq!(block.cumulative_lost, 1); // 102 never came
//! assert_eq!(block.fraction_lost, 51); // 1 of 5 expected, in 1/256: 256 / 5
//! assert_eq!(block.extended_highest_sequence, 104);
//! ```

use std::time::{Duration, Instant};

use crate::ntp;
use crate::rtcp::{ReportBlock, SenderInfo};

/// RFC 3550 A.1: a jump forward of up to this many sequence numbers is a normal gap.
pub const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: a step back of up to this many is a late (reordered or duplicate) packet.
pub const MAX_MISORDER: u16 = 100;
const SEQ_MOD: u32 = 1 << 16;

/// What [`ReceiverStats::handle_packet`] made of a packet's sequence number (RFC 3550 A.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    /// The packet counts: in order, after a gap, late, or a duplicate.
    Valid,
    /// The source is still on probation (fewer than `min_sequential` packets in a row).
    Probation,
    /// A very large jump; the next packet in sequence after it restarts the statistics.
    Invalid,
}

/// Per-source reception statistics (RFC 3550 A.1 sequence check, A.3 loss, A.8 jitter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverStats {
    ssrc: u32,
    clock_rate: u32,
    // RFC 3550 A.1 `struct source`.
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u16,
    min_sequential: u16,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    started: bool,
    valid: bool,
    // A.8 jitter, scaled by 16 as in the RFC's integer form.
    jitter_q4: u32,
    transit: Option<u32>,
    last_timestamp: Option<u32>,
    clock_base: Option<Instant>,
    // For LSR/DLSR.
    last_sr: Option<(u32, Instant)>,
}

impl ReceiverStats {
    /// Statistics for source `ssrc` whose RTP clock runs at `clock_rate` Hz, accepting the
    /// source from its first packet (SRTP already authenticates it; see
    /// [`Self::with_probation`] for RFC 3550's `MIN_SEQUENTIAL`).
    pub fn new(ssrc: u32, clock_rate: u32) -> Self {
        Self::with_probation(ssrc, clock_rate, 1)
    }

    /// As [`Self::new`], but a source is valid only after `min_sequential` packets in sequence
    /// (RFC 3550 A.1 uses 2).
    pub fn with_probation(ssrc: u32, clock_rate: u32, min_sequential: u16) -> Self {
        let min_sequential = min_sequential.max(1);
        Self {
            ssrc,
            clock_rate,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: SEQ_MOD + 1,
            probation: min_sequential,
            min_sequential,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            started: false,
            valid: false,
            jitter_q4: 0,
            transit: None,
            last_timestamp: None,
            clock_base: None,
            last_sr: None,
        }
    }

    /// The source these statistics are about.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Accounts one received RTP packet (RFC 3550 A.1 `update_seq`, A.8 jitter) that arrived
    /// at `now`.
    ///
    /// Jitter is updated from packets that advance the highest sequence number and carry a new
    /// timestamp: the packets of one video frame share a timestamp but leave the pacer over
    /// several milliseconds, and counting that spread as network jitter (as libwebrtc also
    /// declines to) would swamp the estimate.
    pub fn handle_packet(&mut self, now: Instant, seq: u16, timestamp: u32) -> SequenceCheck {
        if !self.started {
            // A new source (A.1): "init_seq(s, seq); s->max_seq = seq - 1;
            // s->probation = MIN_SEQUENTIAL".
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = self.min_sequential;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        let mut advanced = false;
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    self.valid = true;
                    self.update_jitter(now, timestamp, true);
                    return SequenceCheck::Valid;
                }
            } else {
                self.probation = self.min_sequential - 1;
                self.max_seq = seq;
            }
            self.clock_base.get_or_insert(now);
            return SequenceCheck::Probation;
        } else if udelta < MAX_DROPOUT {
            if udelta != 0 {
                if seq < self.max_seq {
                    self.cycles = self.cycles.wrapping_add(SEQ_MOD);
                }
                self.max_seq = seq;
                advanced = true;
            }
        } else if u32::from(udelta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                // Two packets in sequence after a big jump: the source restarted.
                self.init_seq(seq);
                self.transit = None;
                self.last_timestamp = None;
                advanced = true;
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return SequenceCheck::Invalid;
            }
        }
        // else: a duplicate or reordered packet; counted below.
        self.received += 1;
        self.update_jitter(now, timestamp, advanced);
        SequenceCheck::Valid
    }

    /// RFC 3550 A.8: J += (|D| - J) / 16, in the RFC's integer form with J scaled by 16.
    fn update_jitter(&mut self, now: Instant, timestamp: u32, advanced: bool) {
        let base = *self.clock_base.get_or_insert(now);
        if !advanced || self.last_timestamp == Some(timestamp) {
            if self.last_timestamp.is_none() {
                self.last_timestamp = Some(timestamp);
            }
            return;
        }
        self.last_timestamp = Some(timestamp);
        let elapsed = now.saturating_duration_since(base).as_nanos();
        let arrival = (elapsed * u128::from(self.clock_rate) / 1_000_000_000) as u32;
        let transit = arrival.wrapping_sub(timestamp);
        if let Some(prev) = self.transit {
            let d = i64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            let j = i64::from(self.jitter_q4);
            let next = j + d - ((j + 8) >> 4);
            self.jitter_q4 = u32::try_from(next.max(0)).unwrap_or(u32::MAX);
        }
        self.transit = Some(transit);
    }

    /// Notes a sender report from this source that arrived at `now`, for LSR and DLSR.
    pub fn handle_sender_report(&mut self, now: Instant, info: &SenderInfo) {
        self.last_sr = Some((info.compact_ntp(), now));
    }

    /// Whether the source has passed the sequence check (A.1) at least once.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Packets received and counted (A.3: including late and duplicate packets).
    pub fn packets_received(&self) -> u64 {
        self.received
    }

    /// The extended highest sequence number received (cycles + max_seq, §6.4.1).
    pub fn extended_highest_sequence(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    fn expected(&self) -> u64 {
        let extended = u64::from(self.cycles) + u64::from(self.max_seq);
        (extended + 1).saturating_sub(u64::from(self.base_seq))
    }

    /// Cumulative packets lost (A.3): expected minus received, negative with duplicates.
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in timestamp units (A.8).
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// Interarrival jitter as time.
    pub fn jitter_duration(&self) -> Duration {
        if self.clock_rate == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(u64::from(self.jitter()) * 1_000_000_000 / u64::from(self.clock_rate))
    }

    /// The reception report block for this source at `now` (RFC 3550 §6.4.1, A.3), or `None`
    /// before the source is valid. Starts a new interval for the fraction lost.
    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        if !self.valid {
            return None;
        }
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        // §6.4.1: clamp to the signed 24-bit field.
        let cumulative_lost = self.cumulative_lost().clamp(-0x80_0000, 0x7f_ffff) as i32;
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => (
                lsr,
                ntp::duration_to_compact(now.saturating_duration_since(at)),
            ),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost,
            extended_highest_sequence: self.extended_highest_sequence(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        })
    }
}

/// The round-trip time a sender computes from a report block about its own stream
/// (RFC 3550 §6.4.1): arrival time minus LSR minus DLSR, all in compact NTP.
///
/// `arrival` is the compact NTP time the report arrived ([`ntp::compact`] of
/// [`ntp::NtpClock::ntp`]). `None` when the receiver has not seen a sender report yet
/// (LSR 0); a negative result (clock steps) reads as zero.
pub fn round_trip_time(block: &ReportBlock, arrival: u32) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = arrival
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    if rtt > u32::MAX / 2 {
        return Some(Duration::ZERO);
    }
    Some(ntp::compact_to_duration(rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(t0: Instant, v: u64) -> Instant {
        t0 + Duration::from_millis(v)
    }

    #[test]
    fn rfc3550_a_1_probation_needs_min_sequential_packets() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::with_probation(1, 8000, 2);
        assert_eq!(s.handle_packet(t0, 10, 0), SequenceCheck::Probation);
        assert_eq!(s.handle_packet(t0, 20, 0), SequenceCheck::Probation);
        assert_eq!(s.handle_packet(t0, 21, 0), SequenceCheck::Valid);
        assert!(s.is_valid());
        assert_eq!(s.packets_received(), 1);
        assert_eq!(s.handle_packet(t0, 22, 160), SequenceCheck::Valid);
        let b = s.report_block(t0).unwrap();
        assert_eq!((b.extended_highest_sequence, b.cumulative_lost), (22, 0));
    }

    #[test]
    fn rfc3550_a_1_wrap_counts_a_cycle_and_large_jump_resyncs() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(1, 8000);
        for seq in [65534u16, 65535, 0, 1] {
            assert_eq!(s.handle_packet(t0, seq, 0), SequenceCheck::Valid);
        }
        assert_eq!(s.extended_highest_sequence(), 65536 + 1);
        assert_eq!(s.cumulative_lost(), 0);
        // A jump of 30000: invalid once, then the next in sequence restarts the count.
        assert_eq!(s.handle_packet(t0, 30001, 0), SequenceCheck::Invalid);
        assert_eq!(s.handle_packet(t0, 30002, 0), SequenceCheck::Valid);
        assert_eq!(s.packets_received(), 1);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn rfc3550_a_3_fraction_lost_is_per_interval() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(7, 90_000);
        for seq in (0u16..100).filter(|s| s % 10 != 3) {
            s.handle_packet(t0, seq, 0);
        }
        let b = s.report_block(t0).unwrap();
        assert_eq!(b.cumulative_lost, 10);
        assert_eq!(b.fraction_lost, (10 * 256 / 100) as u8);
        for seq in 100u16..200 {
            s.handle_packet(t0, seq, 0);
        }
        let b = s.report_block(t0).unwrap();
        assert_eq!(b.fraction_lost, 0);
        assert_eq!(b.cumulative_lost, 10);
        // Duplicates make the interval's loss negative: fraction 0, cumulative may drop.
        for seq in [199u16, 199, 199] {
            s.handle_packet(t0, seq, 0);
        }
        let b = s.report_block(t0).unwrap();
        assert_eq!((b.fraction_lost, b.cumulative_lost), (0, 7));
    }

    #[test]
    fn rfc3550_a_8_jitter_converges_to_the_arrival_variation() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(7, 8000);
        // 20 ms packets (160 ticks), arriving alternately 0 and 10 ms late: |D| = 80 ticks.
        for i in 0..500u64 {
            let late = if i % 2 == 0 { 0 } else { 10 };
            s.handle_packet(ms(t0, i * 20 + late), i as u16, (i * 160) as u32);
        }
        assert!((75..=80).contains(&s.jitter()), "{}", s.jitter());
        assert_eq!(s.jitter_duration().as_millis(), 9);
        // Perfectly paced: jitter decays towards 0.
        let mut s = ReceiverStats::new(7, 8000);
        for i in 0..100u64 {
            s.handle_packet(ms(t0, i * 20), i as u16, (i * 160) as u32);
        }
        assert_eq!(s.jitter(), 0);
    }

    #[test]
    fn rfc3550_6_4_1_lsr_dlsr_and_round_trip_time() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(7, 8000);
        s.handle_packet(t0, 1, 0);
        assert_eq!(s.report_block(t0).unwrap().last_sr, 0);
        let info = SenderInfo {
            ntp_time: 0xe9a4_b1a2_3d70_a3d7,
            ..SenderInfo::default()
        };
        s.handle_sender_report(t0, &info);
        let b = s.report_block(ms(t0, 500)).unwrap();
        assert_eq!(b.last_sr, 0xb1a2_3d70);
        assert_eq!(b.delay_since_last_sr, 0x8000);
        // The sender gets it 100 ms of network later (50 ms each way).
        let arrival =
            0xb1a2_3d70u32 + 0x8000 + ntp::duration_to_compact(Duration::from_millis(100));
        let rtt = round_trip_time(&b, arrival).unwrap();
        assert!(rtt.as_micros().abs_diff(100_000) < 50, "{rtt:?}");
        assert_eq!(round_trip_time(&ReportBlock::default(), 5), None);
    }
}
