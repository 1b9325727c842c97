//! One lossy one-way pipe: seeded loss, duplication, reordering, delay, jitter and an MTU.
//!
//! The impairment model (what happens to one datagram) is kept apart from the queue that holds
//! datagrams in flight, so that [`Network`](crate::Network) can run every link of a topology on
//! one global event queue while [`Link`] keeps its own.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::Datagram;
use crate::rng::Rng;

/// How a link impairs the datagrams sent over it. The default is a perfect link: no loss, no
/// delay, no MTU.
///
/// Every datagram consumes the same number of random draws whatever the configuration, so two
/// runs with the same seed but, say, a different loss rate still see the same jitter pattern.
#[derive(Clone, Debug, Default)]
pub struct LinkConfig {
    /// Probability in `[0, 1]` that a datagram is lost.
    pub loss: f64,
    /// Probability in `[0, 1]` that a delivered datagram is delivered twice (the copy has its own
    /// jitter).
    pub duplicate: f64,
    /// Probability in `[0, 1]` that a datagram is held back: it is delivered right after the next
    /// datagram sent on the link, or, if none follows, after an extra `delay + jitter` (at least
    /// 1 ms). Jitter larger than the sending interval reorders datagrams as well.
    pub reorder: f64,
    /// Fixed one-way propagation delay.
    pub delay: Duration,
    /// Extra delay drawn uniformly from `[0, jitter]` for every datagram.
    pub jitter: Duration,
    /// Largest UDP payload in bytes the link carries; larger datagrams are dropped and counted
    /// (there is no fragmentation). `None` means unlimited.
    pub mtu: Option<usize>,
}

/// A bottleneck on a link: datagrams leave one after the other at `bits_per_second` through a
/// FIFO queue; one that would wait longer than `max_queue_delay` behind those already queued is
/// dropped (a tail-drop router queue). The propagation delay and jitter come on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Capacity in bits per second (0 drops everything).
    pub bits_per_second: u64,
    /// Largest queueing delay before tail drop.
    pub max_queue_delay: Duration,
}

impl RateLimit {
    /// `bits_per_second` with up to `max_queue_delay` of buffering.
    pub fn new(bits_per_second: u64, max_queue_delay: Duration) -> Self {
        Self {
            bits_per_second,
            max_queue_delay,
        }
    }

    fn serialization(&self, bytes: usize) -> Option<Duration> {
        (self.bits_per_second > 0).then(|| {
            Duration::from_nanos(
                (bytes as u64 * 8).saturating_mul(1_000_000_000) / self.bits_per_second,
            )
        })
    }
}

/// Counters of one link (or, summed, of a whole network).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Datagrams handed to the link.
    pub sent: u64,
    /// Datagrams (including duplicates) that came out of the link.
    pub delivered: u64,
    /// Datagrams lost by the link's loss rate.
    pub lost: u64,
    /// Extra copies created by the duplication rate.
    pub duplicated: u64,
    /// Held-back datagrams that a later datagram overtook.
    pub reordered: u64,
    /// Datagrams dropped because they were larger than the MTU.
    pub dropped_mtu: u64,
    /// Datagrams dropped by a full bottleneck queue ([`RateLimit`]); also counted in `lost`.
    pub dropped_queue: u64,
}

/// What [`Impairment::send`] did with a datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    DroppedMtu(Datagram),
    Lost(Datagram),
    Queued {
        duplicated: bool,
        /// A datagram held back earlier was released behind this one.
        overtook: bool,
    },
}

/// Position of a datagram in a queue: delivery time, then a sequence number so that ties are
/// delivered in sending order, deterministically.
pub(crate) type Key = (Instant, u64);

/// Datagrams in flight, ordered by (delivery time, sequence number).
#[derive(Debug)]
pub(crate) struct Queue<E> {
    entries: BTreeMap<Key, E>,
    next_seq: u64,
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl<E> Queue<E> {
    pub(crate) fn push(&mut self, at: Instant, entry: E) -> Key {
        let key = (at, self.next_seq);
        self.next_seq += 1;
        self.entries.insert(key, entry);
        key
    }

    pub(crate) fn next_time(&self) -> Option<Instant> {
        self.entries.first_key_value().map(|((at, _), _)| *at)
    }

    /// Removes the first entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Instant, E)> {
        if self.next_time()? > now {
            return None;
        }
        self.entries.pop_first().map(|((at, _), e)| (at, e))
    }

    /// Moves a still-queued entry to just after everything queued so far at time `at` (or later).
    /// Returns false if the entry was already delivered.
    fn requeue_after(&mut self, key: Key, at: Instant) -> bool {
        match self.entries.remove(&key) {
            Some(entry) => {
                self.push(at.max(key.0), entry);
                true
            }
            None => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The random fate of datagrams on one link, plus its counters. Owns no queue.
#[derive(Debug)]
pub(crate) struct Impairment {
    config: LinkConfig,
    rng: Rng,
    stats: LinkStats,
    /// The datagram currently held back for reordering, if still queued.
    held: Option<Key>,
    rate: Option<RateLimit>,
    /// When the bottleneck finishes sending what it has queued.
    busy_until: Option<Instant>,
}

impl Impairment {
    pub(crate) fn new(config: LinkConfig, seed: u64) -> Self {
        Self {
            config,
            rng: Rng::new(seed),
            stats: LinkStats::default(),
            held: None,
            rate: None,
            busy_until: None,
        }
    }

    pub(crate) fn set_rate_limit(&mut self, rate: Option<RateLimit>) {
        self.rate = rate;
    }

    pub(crate) fn config(&self) -> &LinkConfig {
        &self.config
    }

    pub(crate) fn set_config(&mut self, config: LinkConfig) {
        self.config = config;
    }

    pub(crate) fn stats(&self) -> LinkStats {
        self.stats
    }

    pub(crate) fn count_delivered(&mut self) {
        self.stats.delivered += 1;
    }

    /// Decides the fate of `datagram` sent at `now` and queues zero, one or two copies of it.
    pub(crate) fn send<E>(
        &mut self,
        queue: &mut Queue<E>,
        now: Instant,
        datagram: Datagram,
        wrap: impl Fn(Datagram) -> E,
    ) -> Fate {
        self.stats.sent += 1;
        // A fixed number of draws per datagram, whatever happens to it.
        let lose = self.rng.chance(self.config.loss);
        let duplicate = self.rng.chance(self.config.duplicate);
        let hold = self.rng.chance(self.config.reorder);
        let jitter = self.rng.duration_up_to(self.config.jitter);
        let copy_jitter = self.rng.duration_up_to(self.config.jitter);

        if self
            .config
            .mtu
            .is_some_and(|mtu| datagram.payload.len() > mtu)
        {
            self.stats.dropped_mtu += 1;
            return Fate::DroppedMtu(datagram);
        }
        if lose {
            self.stats.lost += 1;
            return Fate::Lost(datagram);
        }
        // The bottleneck: wait behind what is queued, then the datagram's own sending time.
        let mut departure = now;
        if let Some(rate) = self.rate {
            let start = self.busy_until.map_or(now, |b| b.max(now));
            let Some(serialization) = rate.serialization(datagram.payload.len()) else {
                self.stats.lost += 1;
                self.stats.dropped_queue += 1;
                return Fate::Lost(datagram);
            };
            if start.saturating_duration_since(now) > rate.max_queue_delay {
                self.stats.lost += 1;
                self.stats.dropped_queue += 1;
                return Fate::Lost(datagram);
            }
            departure = start + serialization;
            self.busy_until = Some(departure);
        }

        let at = departure + self.config.delay + jitter;
        let copy = duplicate.then(|| datagram.clone());
        let previously_held = self.held.take();

        let key = if hold {
            let extra = (self.config.delay + self.config.jitter).max(Duration::from_millis(1));
            let key = queue.push(at + extra, wrap(datagram));
            self.held = Some(key);
            key
        } else {
            queue.push(at, wrap(datagram))
        };
        // The latest time among what this send queued: a datagram held back earlier goes after it.
        let mut last_at = key.0;
        if let Some(copy) = copy {
            let copy_at = now + self.config.delay + copy_jitter;
            queue.push(copy_at, wrap(copy));
            self.stats.duplicated += 1;
            last_at = last_at.max(copy_at);
        }

        let overtook = previously_held.is_some_and(|key| queue.requeue_after(key, last_at));
        if overtook {
            self.stats.reordered += 1;
        }
        Fate::Queued {
            duplicated: duplicate,
            overtook,
        }
    }
}

/// One lossy one-way pipe with its own queue and virtual clock-free interface: hand it datagrams
/// with [`send`](Link::send), take them out with [`poll_deliver`](Link::poll_deliver) once the
/// caller's virtual clock reaches [`next_delivery`](Link::next_delivery).
///
/// Usable alone by tests of address-less protocols (DTLS, SCTP) that run their own loop; see the
/// crate documentation for such a loop, or [`pair::Pair`](crate::pair::Pair) for a ready-made one.
#[derive(Debug)]
pub struct Link {
    impairment: Impairment,
    queue: Queue<Datagram>,
}

impl Link {
    /// A link impairing datagrams as `config` says, with random draws from `seed`.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Self {
            impairment: Impairment::new(config, seed),
            queue: Queue::default(),
        }
    }

    /// Sends a datagram at `now`: it is dropped, or queued for delivery at a later time.
    pub fn send(&mut self, now: Instant, datagram: Datagram) {
        self.impairment.send(&mut self.queue, now, datagram, |d| d);
    }

    /// Takes the next datagram due at `now`, if any. Call until `None`.
    pub fn poll_deliver(&mut self, now: Instant) -> Option<Datagram> {
        let (_, datagram) = self.queue.pop_due(now)?;
        self.impairment.count_delivered();
        Some(datagram)
    }

    /// When the next datagram comes out of the link; `None` when nothing is in flight.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.queue.next_time()
    }

    /// Number of datagrams in flight.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// The link's counters.
    pub fn stats(&self) -> LinkStats {
        self.impairment.stats()
    }

    /// The link's configuration.
    pub fn config(&self) -> &LinkConfig {
        self.impairment.config()
    }

    /// Changes the impairments for datagrams sent from now on (datagrams in flight keep theirs).
    /// Setting `loss: 1.0` partitions the link.
    pub fn set_config(&mut self, config: LinkConfig) {
        self.impairment.set_config(config);
    }

    /// Puts a bottleneck on the link (or removes it with `None`) for datagrams sent from now on.
    pub fn set_rate_limit(&mut self, rate: Option<RateLimit>) {
        self.impairment.set_rate_limit(rate);
    }
}
