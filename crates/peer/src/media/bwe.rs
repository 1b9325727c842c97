//! Send-side bandwidth estimation from transport-wide congestion control feedback, in the
//! family of Google Congestion Control (draft-ietf-rmcat-gcc-02) as libwebrtc runs it.
//!
//! # What it does
//! - Remembers every sent packet by transport-wide sequence number (send time, size), bounded.
//! - For each transport-cc feedback: matches the reported arrival times to the send times.
//! - **Delay-based** (gcc-02 §5): packets are grouped into bursts sent within 5 ms
//!   (§5.2); the change of one-way delay between groups, `d = Δarrival − Δsend`, is accumulated,
//!   smoothed and fitted with a least-squares line over the last 20 groups (the *trendline*
//!   filter libwebrtc uses instead of gcc-02's Kalman filter). The slope, scaled, is compared with
//!   an adaptive threshold (§5.4: `k_u` = 0.0087, `k_d` = 0.039, clamped to 6..600) by the
//!   overuse detector: overuse when above it for more than 10 ms and rising, underuse when below
//!   its negative.
//! - **Rate control** (§5.5, AIMD): on overuse the estimate becomes 0.85 × the acknowledged
//!   throughput (what the receiver got over the last 500 ms); on underuse it holds; otherwise it
//!   grows by 8 % per second, or additively (about one packet per response time) once it is near
//!   the link capacity seen at the last decreases. It never exceeds 1.5 × the acknowledged
//!   throughput + 10 kbit/s, so an application that sends less than the estimate does not
//!   inflate it.
//! - **Loss-based** (§6): from the fraction of packets the feedback reports lost: above 10 %
//!   the bound drops to `rate × (1 − 0.5 × loss)`, below 2 % it rises 8 % per second, between
//!   it holds. The estimate is the smaller of the two, clamped to the configured range, and also
//!   capped by a REMB the receiver may send.
//!
//! # What it does not
//! No probing (padding or RTX probes to find spare capacity quickly: the estimate only grows
//! while the application fills it), no ALR (application-limited region) detection beyond the
//! acknowledged-rate cap, no separate pushback from the congestion window, no network-route
//! change reset, no ECN, and no receive-side estimate of our own (we send transport-cc feedback,
//! not REMB).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Send-time span of one packet group (gcc-02 §5.2).
const GROUP_SPAN: Duration = Duration::from_millis(5);
/// Trendline window (groups) and smoothing, as libwebrtc.
const TREND_WINDOW: usize = 20;
const SMOOTHING: f64 = 0.9;
const THRESHOLD_GAIN: f64 = 4.0;
/// gcc-02 §5.4 adaptive threshold.
const K_UP: f64 = 0.0087;
const K_DOWN: f64 = 0.039;
const OVERUSE_TIME: f64 = 10.0;
/// AIMD decrease factor (§5.5).
const BETA: f64 = 0.85;
/// The loss-based bound looks at the fraction lost over at least this long and this many
/// packets.
const LOSS_WINDOW: Duration = Duration::from_millis(1000);
const LOSS_PACKETS: usize = 20;
/// Window of the acknowledged-throughput estimate, µs.
const ACKED_WINDOW_US: i64 = 500_000;

/// What the overuse detector says (gcc-02 §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    Normal,
    Over,
    Under,
}

/// One packet of a feedback, matched with its send record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PacketResult {
    pub send_time: Instant,
    pub size: usize,
    /// Arrival in the receiver's clock, µs (only differences matter); `None` if reported lost.
    pub arrival: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    seq: i64,
    at: Instant,
    size: u32,
}

/// Sent packets by transport-wide sequence number, the most recent `capacity`.
#[derive(Debug)]
pub(crate) struct SendHistory {
    slots: Vec<Option<Sent>>,
}

impl SendHistory {
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: vec![None; capacity.max(1)],
        }
    }

    fn index(&self, seq: i64) -> usize {
        seq.rem_euclid(self.slots.len() as i64) as usize
    }

    pub fn insert(&mut self, seq: i64, at: Instant, size: usize) {
        let i = self.index(seq);
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Some(Sent {
                seq,
                at,
                size: u32::try_from(size).unwrap_or(u32::MAX),
            });
        }
    }

    pub fn get(&self, seq: i64) -> Option<(Instant, usize)> {
        self.slots
            .get(self.index(seq))
            .copied()
            .flatten()
            .filter(|s| s.seq == seq)
            .map(|s| (s.at, s.size as usize))
    }
}

/// gcc-02 §5.2 groups and their delay deltas.
#[derive(Debug, Default)]
struct InterArrival {
    /// (first send, last send, last arrival) of the group being filled.
    current: Option<(Instant, Instant, i64)>,
    /// The previous complete group.
    previous: Option<(Instant, i64)>,
}

impl InterArrival {
    /// Adds a packet (in arrival order); returns `(send delta, arrival delta)` in ms when a
    /// group completes.
    fn add(&mut self, send: Instant, arrival: i64) -> Option<(f64, f64, i64)> {
        let Some((first, last_send, last_arrival)) = self.current else {
            self.current = Some((send, send, arrival));
            return None;
        };
        if send < first {
            // Reordered behind the group: ignore.
            return None;
        }
        if send.saturating_duration_since(first) <= GROUP_SPAN {
            self.current = Some((first, last_send.max(send), arrival.max(last_arrival)));
            return None;
        }
        // A new group starts: the current one is complete.
        let done = (last_send, last_arrival);
        self.current = Some((send, send, arrival));
        let out = self.previous.map(|(ps, pa)| {
            let send_delta = done.0.saturating_duration_since(ps).as_secs_f64() * 1e3;
            let arrival_delta = (done.1 - pa) as f64 / 1e3;
            (send_delta, arrival_delta, done.1)
        });
        self.previous = Some(done);
        out
    }
}

/// The trendline filter and overuse detector.
#[derive(Debug)]
struct Trendline {
    accumulated: f64,
    smoothed: f64,
    first_arrival: Option<i64>,
    history: VecDeque<(f64, f64)>,
    deltas: u32,
    threshold: f64,
    last_threshold_update: Option<i64>,
    time_over: f64,
    overuse_count: u32,
    previous_trend: f64,
    usage: Usage,
}

impl Trendline {
    fn new() -> Self {
        Self {
            accumulated: 0.0,
            smoothed: 0.0,
            first_arrival: None,
            history: VecDeque::with_capacity(TREND_WINDOW + 1),
            deltas: 0,
            threshold: 12.5,
            last_threshold_update: None,
            time_over: -1.0,
            overuse_count: 0,
            previous_trend: 0.0,
            usage: Usage::Normal,
        }
    }

    fn update(&mut self, send_delta: f64, arrival_delta: f64, arrival: i64) -> Usage {
        let delta = arrival_delta - send_delta;
        self.deltas = (self.deltas + 1).min(1000);
        self.accumulated += delta;
        self.smoothed = SMOOTHING * self.smoothed + (1.0 - SMOOTHING) * self.accumulated;
        let first = *self.first_arrival.get_or_insert(arrival);
        let x = (arrival - first) as f64 / 1e3;
        self.history.push_back((x, self.smoothed));
        if self.history.len() > TREND_WINDOW {
            self.history.pop_front();
        }
        let trend = if self.history.len() == TREND_WINDOW {
            slope(&self.history).unwrap_or(self.previous_trend)
        } else {
            self.previous_trend
        };
        self.detect(trend, send_delta, arrival);
        self.usage
    }

    fn detect(&mut self, trend: f64, send_delta: f64, arrival: i64) {
        if self.deltas < 2 {
            self.usage = Usage::Normal;
            return;
        }
        let modified = f64::from(self.deltas.min(60)) * trend * THRESHOLD_GAIN;
        if modified > self.threshold {
            if self.time_over < 0.0 {
                self.time_over = send_delta / 2.0;
            } else {
                self.time_over += send_delta;
            }
            self.overuse_count += 1;
            if self.time_over > OVERUSE_TIME
                && self.overuse_count > 1
                && trend >= self.previous_trend
            {
                self.time_over = 0.0;
                self.overuse_count = 0;
                self.usage = Usage::Over;
            }
        } else if modified < -self.threshold {
            self.time_over = -1.0;
            self.overuse_count = 0;
            self.usage = Usage::Under;
        } else {
            self.time_over = -1.0;
            self.overuse_count = 0;
            self.usage = Usage::Normal;
        }
        self.previous_trend = trend;
        self.update_threshold(modified, arrival);
    }

    /// gcc-02 §5.4: γ(i) = γ(i−1) + Δt·k(i)·(|m(i)| − γ(i−1)).
    fn update_threshold(&mut self, modified: f64, arrival: i64) {
        let last = *self.last_threshold_update.get_or_insert(arrival);
        if modified.abs() > self.threshold + 15.0 {
            // A spike: do not let it move the threshold.
            self.last_threshold_update = Some(arrival);
            return;
        }
        let k = if modified.abs() < self.threshold {
            K_DOWN
        } else {
            K_UP
        };
        let dt = ((arrival - last) as f64 / 1e3).clamp(0.0, 100.0);
        self.threshold += k * (modified.abs() - self.threshold) * dt;
        self.threshold = self.threshold.clamp(6.0, 600.0);
        self.last_threshold_update = Some(arrival);
    }
}

/// Least-squares slope of (x, y) points.
fn slope(points: &VecDeque<(f64, f64)>) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    (den != 0.0).then(|| num / den)
}

/// Acknowledged throughput: bytes the receiver reported over the last 500 ms of arrivals.
#[derive(Debug, Default)]
struct Throughput {
    window: VecDeque<(i64, usize)>,
    bytes: usize,
}

impl Throughput {
    fn add(&mut self, arrival: i64, size: usize) {
        self.window.push_back((arrival, size));
        self.bytes += size;
        while let Some(&(t, s)) = self.window.front() {
            if arrival - t > ACKED_WINDOW_US {
                self.window.pop_front();
                self.bytes -= s;
            } else {
                break;
            }
        }
        // Bounded regardless of the clock: at most a few thousand packets per window.
        while self.window.len() > 8192 {
            if let Some((_, s)) = self.window.pop_front() {
                self.bytes -= s;
            }
        }
    }

    /// Bits per second, once the window spans at least 150 ms.
    fn rate(&self) -> Option<f64> {
        let (&(first, first_size), last) = (self.window.front()?, self.window.back()?.0);
        let span = last - first;
        // The first packet's bytes arrived before the span began.
        (span >= 150_000).then(|| (self.bytes - first_size) as f64 * 8.0 / (span as f64 / 1e6))
    }
}

/// The estimator.
#[derive(Debug)]
pub(crate) struct BandwidthEstimator {
    inter_arrival: InterArrival,
    trendline: Trendline,
    throughput: Throughput,
    delay_based: f64,
    loss_based: f64,
    remb: Option<f64>,
    min: f64,
    max: f64,
    rate_state: RateState,
    last_update: Option<Instant>,
    last_decrease: Option<Instant>,
    last_loss_decrease: Option<Instant>,
    /// Link capacity seen at decreases: exponential mean and variance (of normalized values).
    capacity: Option<(f64, f64)>,
    rtt: Duration,
    usage: Usage,
    /// The fraction lost over the last loss window.
    loss: f64,
    /// Packets reported (lost, total) since the window started, and when it started.
    loss_window: (usize, usize, Option<Instant>),
    /// Feedback messages handled.
    pub feedbacks: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RateState {
    Hold,
    Increase,
    Decrease,
}

impl BandwidthEstimator {
    pub fn new(start: u64, min: u64, max: u64) -> Self {
        let (min, max) = (min.max(1) as f64, max.max(min) as f64);
        let start = (start as f64).clamp(min, max);
        Self {
            inter_arrival: InterArrival::default(),
            trendline: Trendline::new(),
            throughput: Throughput::default(),
            delay_based: start,
            loss_based: start,
            remb: None,
            min,
            max,
            rate_state: RateState::Hold,
            last_update: None,
            last_decrease: None,
            last_loss_decrease: None,
            capacity: None,
            rtt: Duration::from_millis(100),
            usage: Usage::Normal,
            loss: 0.0,
            loss_window: (0, 0, None),
            feedbacks: 0,
        }
    }

    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    /// A REMB from the receiver: the estimate does not exceed it.
    pub fn set_remb(&mut self, bitrate: u64) {
        self.remb = Some(bitrate as f64);
    }

    /// The estimate in bits per second.
    pub fn estimate(&self) -> u64 {
        let e = self.delay_based.min(self.loss_based);
        let e = self.remb.map_or(e, |r| e.min(r));
        e.clamp(self.min, self.max) as u64
    }

    /// The detector's last verdict.
    #[cfg(test)]
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// Handles the packets of one feedback message (sorted by arrival inside) at `now`.
    pub fn handle_feedback(&mut self, now: Instant, packets: &mut [PacketResult]) {
        if packets.is_empty() {
            return;
        }
        self.feedbacks += 1;
        let lost = packets.iter().filter(|p| p.arrival.is_none()).count();
        let total = packets.len();
        packets.sort_by_key(|p| p.arrival);
        let mut usage = self.usage;
        let mut any_group = false;
        for p in packets.iter() {
            let Some(arrival) = p.arrival else { continue };
            self.throughput.add(arrival, p.size);
            if let Some((send_delta, arrival_delta, at)) =
                self.inter_arrival.add(p.send_time, arrival)
            {
                usage = self.trendline.update(send_delta, arrival_delta, at);
                any_group = true;
            }
        }
        if any_group {
            self.usage = usage;
        }
        self.update_delay_based(now);
        // gcc-02 §6 on the fraction lost over at least LOSS_WINDOW and LOSS_PACKETS (one
        // feedback every 100 ms is too few packets for a fraction).
        let (l, t, since) = &mut self.loss_window;
        *l += lost;
        *t += total;
        let since = *since.get_or_insert(now);
        let fraction = (now.saturating_duration_since(since) >= LOSS_WINDOW && *t >= LOSS_PACKETS)
            .then(|| *l as f64 / *t as f64);
        if let Some(f) = fraction {
            self.loss_window = (0, 0, Some(now));
            self.update_loss_based(now, f);
        } else {
            self.update_loss_based_growth(now);
        }
        self.last_update = Some(now);
    }

    fn update_delay_based(&mut self, now: Instant) {
        let acked = self.throughput.rate();
        self.rate_state = match (self.usage, self.rate_state) {
            (Usage::Over, _) => RateState::Decrease,
            (Usage::Under, _) => RateState::Hold,
            (Usage::Normal, RateState::Hold | RateState::Decrease) => RateState::Increase,
            (Usage::Normal, s) => s,
        };
        let dt = self
            .last_update
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t))
            .min(Duration::from_secs(1));
        match self.rate_state {
            RateState::Hold => {}
            RateState::Increase => {
                if let (Some(a), Some((mean, _))) = (acked, self.capacity)
                    && a > mean + 3.0 * self.capacity_std(mean)
                {
                    // Well above what was seen as the capacity: forget it.
                    self.capacity = None;
                }
                let near = self.capacity.is_some_and(|(mean, _)| {
                    self.delay_based < mean + 3.0 * self.capacity_std(mean)
                });
                if near {
                    // Additive: about one 1200-byte packet per response time (§5.5).
                    let response = self.rtt.as_secs_f64() + 0.1;
                    self.delay_based += (1200.0 * 8.0 / response).max(4000.0) * dt.as_secs_f64();
                } else {
                    self.delay_based *= 1.08f64.powf(dt.as_secs_f64());
                }
                if let Some(a) = acked {
                    self.delay_based = self.delay_based.min(1.5 * a + 10_000.0);
                }
            }
            RateState::Decrease => {
                let recently = self
                    .last_decrease
                    .is_some_and(|t| now.saturating_duration_since(t) < self.rtt);
                if !recently {
                    let base = acked.unwrap_or(self.delay_based);
                    let decreased = (BETA * base).min(self.delay_based);
                    if let Some(a) = acked {
                        self.update_capacity(a);
                    }
                    self.delay_based = decreased;
                    self.last_decrease = Some(now);
                }
                self.rate_state = RateState::Hold;
            }
        }
        self.delay_based = self.delay_based.clamp(self.min, self.max);
    }

    fn capacity_std(&self, mean: f64) -> f64 {
        self.capacity
            .map_or(0.0, |(_, var)| (var * mean).max(0.0).sqrt())
    }

    fn update_capacity(&mut self, sample: f64) {
        let (mean, var) = self.capacity.unwrap_or((sample, 0.4));
        let alpha = 0.05;
        let mean = (1.0 - alpha) * mean + alpha * sample;
        let norm = mean.max(1.0);
        let err = mean - sample;
        let var = ((1.0 - alpha) * var + alpha * err * err / norm).clamp(0.4, 2.5);
        self.capacity = Some((mean, var));
    }

    /// Between loss windows the bound keeps growing while the last fraction was low.
    fn update_loss_based_growth(&mut self, now: Instant) {
        if self.loss < 0.02 {
            self.update_loss_based(now, self.loss);
        }
    }

    fn update_loss_based(&mut self, now: Instant, loss: f64) {
        self.loss = loss;
        let dt = self
            .last_update
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t))
            .min(Duration::from_secs(1));
        if loss > 0.1 {
            let recently = self.last_loss_decrease.is_some_and(|t| {
                now.saturating_duration_since(t) < Duration::from_millis(300) + self.rtt
            });
            if !recently {
                self.loss_based = self.loss_based.min(self.delay_based * 1.5) * (1.0 - 0.5 * loss);
                self.last_loss_decrease = Some(now);
            }
        } else if loss < 0.02 {
            self.loss_based *= 1.08f64.powf(dt.as_secs_f64());
            // Growth beyond what the delay-based side allows is meaningless.
            self.loss_based = self.loss_based.min(self.delay_based * 1.5);
        }
        self.loss_based = self.loss_based.clamp(self.min, self.max);
    }

    /// The last fraction of packets a feedback reported lost.
    #[cfg(test)]
    pub fn loss(&self) -> f64 {
        self.loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Instant {
        static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *BASE.get_or_init(Instant::now)
    }

    /// Packets of 1200 bytes every `interval`, each taking `extra(i)` more one-way delay.
    fn feed(
        bwe: &mut BandwidthEstimator,
        t0: Instant,
        n: usize,
        interval: Duration,
        extra: impl Fn(usize) -> Duration,
    ) {
        let mut batch = Vec::new();
        for i in 0..n {
            let send = t0 + interval * i as u32;
            // The receiver's clock: 50 ms of path delay after the send time (counted from a
            // process-wide base so that later calls continue the same clock).
            let arrival =
                (send.saturating_duration_since(base()) + Duration::from_millis(50) + extra(i))
                    .as_micros() as i64;
            batch.push(PacketResult {
                send_time: send,
                size: 1200,
                arrival: Some(arrival),
            });
            if batch.len() == 20 {
                bwe.handle_feedback(send + Duration::from_millis(60), &mut batch);
                batch.clear();
            }
        }
    }

    #[test]
    fn gcc_02_5_4_growing_delay_is_overuse_and_lowers_the_estimate() {
        let t0 = base();
        let mut bwe = BandwidthEstimator::new(2_000_000, 30_000, 10_000_000);
        // 10 ms apart (960 kbit/s): steady delay first.
        feed(&mut bwe, t0, 200, Duration::from_millis(10), |_| {
            Duration::ZERO
        });
        let steady = bwe.estimate();
        assert_eq!(bwe.usage(), Usage::Normal);
        // Then each packet queues 2 ms more than the one before: a bottleneck at half the rate.
        let t1 = t0 + Duration::from_secs(2);
        feed(&mut bwe, t1, 100, Duration::from_millis(10), |i| {
            Duration::from_millis(2 * i as u64)
        });
        assert!(bwe.estimate() < steady, "{} !< {steady}", bwe.estimate());
        assert!(bwe.estimate() < 1_000_000, "{}", bwe.estimate());
    }

    #[test]
    fn gcc_02_5_5_estimate_grows_while_delay_is_steady_but_not_past_the_acknowledged_rate() {
        let t0 = base();
        let mut bwe = BandwidthEstimator::new(300_000, 30_000, 10_000_000);
        // 1200 bytes every 5 ms: 1.92 Mbit/s acknowledged, for 30 s. The estimate grows by 8%
        // a second (no probing): 300k × 1.08^30 would be 3 Mbit/s, but it stops at
        // 1.5 × what was acknowledged.
        feed(&mut bwe, t0, 6000, Duration::from_millis(5), |_| {
            Duration::ZERO
        });
        let e = bwe.estimate();
        assert!(e > 2_000_000, "{e}");
        assert!(e <= (1.5 * 1_920_000.0 + 10_000.0) as u64 + 1, "{e}");
    }

    #[test]
    fn gcc_02_6_heavy_loss_lowers_the_bound() {
        let t0 = Instant::now();
        let mut bwe = BandwidthEstimator::new(1_000_000, 30_000, 10_000_000);
        let mut batch: Vec<PacketResult> = (0..20)
            .map(|i| PacketResult {
                send_time: t0 + Duration::from_millis(10 * i),
                size: 1200,
                arrival: (i % 4 != 0).then_some(10_000 * i as i64),
            })
            .collect();
        bwe.handle_feedback(t0 + Duration::from_millis(250), &mut batch);
        // Nothing before a whole loss window.
        assert_eq!(bwe.estimate(), 1_000_000);
        let mut batch2 = batch.clone();
        bwe.handle_feedback(t0 + Duration::from_millis(1300), &mut batch2);
        assert!((bwe.loss() - 0.25).abs() < 1e-9);
        assert!(bwe.estimate() < 1_000_000);
    }

    #[test]
    fn send_history_forgets_overwritten_numbers() {
        let t0 = Instant::now();
        let mut h = SendHistory::new(4);
        h.insert(1, t0, 100);
        h.insert(5, t0, 200);
        assert_eq!(h.get(1), None);
        assert_eq!(h.get(5), Some((t0, 200)));
    }
}
