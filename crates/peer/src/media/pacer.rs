//! A leaky-bucket pacer: video packets leave at the pacing rate (2.5 × the bandwidth estimate,
//! as libwebrtc paces), in bursts of at most a few milliseconds; audio is never held back;
//! retransmissions go before new video. Bounded by bytes queued (the caller checks
//! [`Pacer::queued_bytes`] before queueing a frame).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::send::Stamps;

/// A queued packet: its bytes, the index of its send stream, where to stamp it.
pub(crate) type Queued = (Vec<u8>, usize, Stamps);

/// Budget that may build up while idle: this much time at the pacing rate.
const BURST: Duration = Duration::from_millis(5);
/// Never less than this budget of burst (two full packets).
const MIN_BURST_BYTES: f64 = 2400.0;

pub(crate) struct Pacer {
    audio: VecDeque<Queued>,
    video: VecDeque<Queued>,
    queued: usize,
    /// Bytes per second.
    rate: f64,
    /// Bytes that may go now (negative: debt).
    budget: f64,
    last: Option<Instant>,
}

impl Pacer {
    pub fn new(bits_per_second: f64) -> Self {
        let mut p = Self {
            audio: VecDeque::new(),
            video: VecDeque::new(),
            queued: 0,
            rate: (bits_per_second / 8.0).max(1000.0),
            budget: 0.0,
            last: None,
        };
        // Start with a full burst.
        p.budget = p.max_budget();
        p
    }

    pub fn set_rate(&mut self, bits_per_second: f64) {
        self.rate = (bits_per_second / 8.0).max(1000.0);
    }

    fn max_budget(&self) -> f64 {
        (self.rate * BURST.as_secs_f64()).max(MIN_BURST_BYTES)
    }

    pub fn refill(&mut self, now: Instant) {
        let last = *self.last.get_or_insert(now);
        // Every packet of a burst is polled at the same `now`: skip the clock arithmetic.
        let dt = if last == now {
            0.0
        } else {
            now.saturating_duration_since(last).as_secs_f64()
        };
        self.budget = (self.budget + dt * self.rate).min(self.max_budget());
        self.last = Some(now);
    }

    pub fn queued_bytes(&self) -> usize {
        self.queued
    }

    pub fn push(&mut self, packet: Vec<u8>, stream: usize, stamps: Stamps, audio: bool) {
        self.queued += packet.len();
        if audio {
            self.audio.push_back((packet, stream, stamps));
        } else {
            self.video.push_back((packet, stream, stamps));
        }
    }

    /// Whether paced traffic (video, retransmissions) may go now.
    pub fn may_send_video(&self) -> bool {
        self.budget > 0.0
    }

    /// The next packet that may go: audio at once, video within the budget.
    pub fn pop(&mut self) -> Option<Queued> {
        let next = match self.audio.pop_front() {
            Some(p) => Some(p),
            None if self.may_send_video() => self.video.pop_front(),
            None => None,
        };
        if let Some((p, _, _)) = &next {
            self.queued -= p.len();
        }
        next
    }

    /// Bytes sent (any packet) come off the budget.
    pub fn consume(&mut self, bytes: usize) {
        self.budget -= bytes as f64;
    }

    /// When the queued video may go, if it waits for budget.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.audio.is_empty() {
            return self.last;
        }
        if self.video.is_empty() || self.may_send_video() {
            // Nothing waits, or it goes in the next poll_transmit.
            return (!self.video.is_empty()).then_some(self.last).flatten();
        }
        let wait = (1.0 - self.budget) / self.rate;
        self.last
            .map(|t| t + Duration::from_secs_f64(wait.clamp(0.0, 1.0)))
    }
}
