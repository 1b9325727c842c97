//! A NACK generator for one media source (RFC 4585 §6.2.1 generic NACK, as RFC 4588
//! retransmission expects it).
//!
//! Feed it every received sequence number ([`NackGenerator::handle_packet`]); it remembers the
//! gaps, asks for each missing packet when it becomes due ([`NackGenerator::poll_nack`], ready
//! for [`crate::rtcp::RtcpWriter::nack`]), asks again one round-trip time later if the packet
//! has still not come, and gives up after a number of tries or when the packet is too old.
//! Everything is bounded by [`NackConfig`]; when a loss is too large to repair it asks for a
//! key frame instead ([`NackGenerator::take_keyframe_request`]).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sansrtc_rtp::nack::{NackConfig, NackGenerator};
//!
//! let t0 = Instant::now();
//! let mut nack = NackGenerator::new(NackConfig::default());
//! for seq in [1u16, 2, 5] {
//!     nack.handle_packet(t0, seq);
//! }
//! let mut pairs = Vec::new();
//! assert!(nack.poll_nack(t0, &mut pairs, 100));
//! assert_eq!(pairs[0].lost().collect::<Vec<_>>(), [3, 4]);
//! // Asked once; again only after the retry interval.
//! assert!(!nack.poll_nack(t0, &mut pairs, 100));
//! assert_eq!(nack.poll_timeout(), Some(t0 + Duration::from_millis(100)));
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::rtcp::NackPair;
use crate::unwrap::SequenceUnwrapper;

/// Limits and timing of a [`NackGenerator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NackConfig {
    /// Most missing packets remembered. A gap larger than this is not NACKed: the generator
    /// forgets it and requests a key frame.
    pub max_missing: usize,
    /// Missing packets more than this many sequence numbers behind the newest are dropped.
    pub max_packet_age: u16,
    /// NACKs sent per missing packet before giving up on it.
    pub max_retries: u8,
    /// Wait after noticing a gap before the first NACK (room for reordering).
    pub initial_delay: Duration,
    /// Lower bound of the interval between NACKs for one packet; the interval is the
    /// round-trip time ([`NackGenerator::set_rtt`]) when larger.
    pub min_retry_interval: Duration,
}

impl Default for NackConfig {
    /// libwebrtc's limits: 1000 missing packets, 10000 sequence numbers of age, 10 retries;
    /// no initial delay, a retry every RTT (100 ms until one is known), at least 5 ms apart.
    fn default() -> Self {
        Self {
            max_missing: 1000,
            max_packet_age: 10_000,
            max_retries: 10,
            initial_delay: Duration::ZERO,
            min_retry_interval: Duration::from_millis(5),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Missing {
    seq: i64,
    due: Instant,
    sent: u8,
}

/// Tracks missing sequence numbers of one source and schedules NACKs for them.
#[derive(Debug, Clone)]
pub struct NackGenerator {
    config: NackConfig,
    unwrapper: SequenceUnwrapper,
    newest: Option<i64>,
    /// Sorted by sequence number.
    missing: VecDeque<Missing>,
    rtt: Duration,
    keyframe_request: bool,
    nacks_sent: u64,
    recovered: u64,
    given_up: u64,
}

impl NackGenerator {
    /// A generator with `config`; memory for `config.max_missing` entries is reserved here.
    pub fn new(config: NackConfig) -> Self {
        Self {
            config,
            unwrapper: SequenceUnwrapper::new(),
            newest: None,
            missing: VecDeque::with_capacity(config.max_missing.min(4096)),
            rtt: Duration::from_millis(100),
            keyframe_request: false,
            nacks_sent: 0,
            recovered: 0,
            given_up: 0,
        }
    }

    /// The current round-trip time estimate: a NACK is repeated after this long.
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    fn retry_interval(&self) -> Duration {
        self.rtt.max(self.config.min_retry_interval)
    }

    /// Accounts a received packet (original or recovered by retransmission) at `now`.
    pub fn handle_packet(&mut self, now: Instant, seq: u16) {
        let s = self.unwrapper.unwrap(seq);
        let Some(newest) = self.newest else {
            self.newest = Some(s);
            return;
        };
        if s > newest {
            let gap = (s - newest - 1) as u64;
            if gap > self.config.max_missing as u64 {
                // Too much lost to repair by retransmission.
                self.given_up += self.missing.len() as u64 + gap;
                self.missing.clear();
                self.keyframe_request = true;
            } else {
                let due = now + self.config.initial_delay;
                for seq in newest + 1..s {
                    if self.missing.len() >= self.config.max_missing {
                        self.missing.pop_front();
                        self.given_up += 1;
                        self.keyframe_request = true;
                    }
                    self.missing.push_back(Missing { seq, due, sent: 0 });
                }
            }
            self.newest = Some(s);
            let oldest = s - i64::from(self.config.max_packet_age);
            while self.missing.front().is_some_and(|m| m.seq < oldest) {
                self.missing.pop_front();
                self.given_up += 1;
            }
        } else if let Ok(i) = self.missing.binary_search_by_key(&s, |m| m.seq) {
            self.missing.remove(i);
            self.recovered += 1;
        }
    }

    /// Writes into `pairs` (cleared first) the NACK entries for every missing packet due at
    /// `now`, at most `max_pairs` entries (what fits one RTCP packet); returns whether there
    /// are any. Packets asked for `max_retries` times are dropped instead.
    pub fn poll_nack(&mut self, now: Instant, pairs: &mut Vec<NackPair>, max_pairs: usize) -> bool {
        pairs.clear();
        if self.missing.is_empty() {
            // Nothing missing (the common case, checked after every packet).
            return false;
        }
        let retry = now + self.retry_interval();
        let max_retries = self.config.max_retries;
        let before = self.missing.len();
        self.missing.retain(|m| m.due > now || m.sent < max_retries);
        self.given_up += (before - self.missing.len()) as u64;
        let mut current: Option<NackPair> = None;
        for m in self.missing.iter_mut().filter(|m| m.due <= now) {
            let seq = m.seq as u16;
            match current.as_mut() {
                Some(p) if (1..=16).contains(&seq.wrapping_sub(p.pid)) => {
                    p.blp |= 1 << (seq.wrapping_sub(p.pid) - 1);
                }
                _ => {
                    if let Some(p) = current.take() {
                        pairs.push(p);
                    }
                    if pairs.len() >= max_pairs {
                        break;
                    }
                    current = Some(NackPair { pid: seq, blp: 0 });
                }
            }
            m.due = retry;
            m.sent += 1;
            self.nacks_sent += 1;
        }
        if let Some(p) = current {
            pairs.push(p);
        }
        !pairs.is_empty()
    }

    /// When the next NACK is due, if any packet is missing.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.missing.iter().map(|m| m.due).min()
    }

    /// Whether a loss was too large to repair since the last call (send a PLI or FIR).
    pub fn take_keyframe_request(&mut self) -> bool {
        core::mem::take(&mut self.keyframe_request)
    }

    /// Forgets every missing packet before `seq` (e.g. once a key frame at `seq` arrived, the
    /// older packets are no longer needed).
    pub fn clear_before(&mut self, seq: u16) {
        let s = self.unwrapper.peek(seq);
        while self.missing.front().is_some_and(|m| m.seq < s) {
            self.missing.pop_front();
        }
    }

    /// Missing packets currently tracked.
    pub fn missing(&self) -> usize {
        self.missing.len()
    }

    /// (NACK entries sent, packets recovered after being missing, packets given up on).
    pub fn counters(&self) -> (u64, u64, u64) {
        (self.nacks_sent, self.recovered, self.given_up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4585_6_2_1_nack_retries_every_rtt_then_gives_up() {
        let t0 = Instant::now();
        let mut n = NackGenerator::new(NackConfig {
            max_retries: 3,
            ..NackConfig::default()
        });
        n.set_rtt(Duration::from_millis(50));
        n.handle_packet(t0, 10);
        n.handle_packet(t0, 12);
        let mut pairs = vec![];
        let mut sent = 0;
        let mut now = t0;
        for _ in 0..10 {
            if n.poll_nack(now, &mut pairs, 10) {
                assert_eq!(pairs, [NackPair { pid: 11, blp: 0 }]);
                sent += 1;
            }
            now += Duration::from_millis(50);
        }
        assert_eq!(sent, 3);
        assert_eq!(n.missing(), 0);
        assert_eq!(n.counters(), (3, 0, 1));
    }

    #[test]
    fn rfc4585_6_2_1_recovered_packets_are_not_nacked() {
        let t0 = Instant::now();
        let mut n = NackGenerator::new(NackConfig {
            initial_delay: Duration::from_millis(10),
            ..NackConfig::default()
        });
        for seq in [65530u16, 65535, 2] {
            n.handle_packet(t0, seq);
        }
        assert_eq!(n.missing(), 4 + 2);
        n.handle_packet(t0, 65533);
        n.handle_packet(t0, 0);
        let mut pairs = vec![];
        assert!(!n.poll_nack(t0, &mut pairs, 10));
        assert!(n.poll_nack(t0 + Duration::from_millis(10), &mut pairs, 10));
        let lost: Vec<u16> = pairs.iter().flat_map(|p| p.lost()).collect();
        assert_eq!(lost, [65531, 65532, 65534, 1]);
    }

    #[test]
    fn rfc4585_6_2_1_huge_gap_requests_a_keyframe_and_bounds_memory() {
        let t0 = Instant::now();
        let mut n = NackGenerator::new(NackConfig {
            max_missing: 100,
            ..NackConfig::default()
        });
        n.handle_packet(t0, 0);
        n.handle_packet(t0, 5000);
        assert_eq!(n.missing(), 0);
        assert!(n.take_keyframe_request());
        assert!(!n.take_keyframe_request());
        // Many small gaps: the oldest are dropped beyond the limit.
        for i in 0..200u16 {
            n.handle_packet(t0, 5000 + 2 * (i + 1));
        }
        assert_eq!(n.missing(), 100);
        assert!(n.take_keyframe_request());
        let mut pairs = vec![];
        n.poll_nack(t0, &mut pairs, 5);
        assert_eq!(pairs.len(), 5);
    }
}
