//! Two address-less endpoints (DTLS, SCTP, ...) over two [`Link`]s, one per direction, on a
//! virtual clock.
//!
//! Each endpoint is wrapped in a small adapter implementing [`Endpoint`], which has the sans-IO
//! shape of the byte-oriented crates (`poll_transmit` into a reused buffer).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use crate::link::{Link, LinkConfig, LinkStats};
use crate::rng::Rng;
use crate::{Datagram, epoch};

/// The address the pair uses for A's datagrams (TEST-NET-1), only to fill in [`Datagram`].
pub const A_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 5000);
/// The address the pair uses for B's datagrams (TEST-NET-1).
pub const B_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 5000);

/// An address-less sans-IO state machine, as the pair drives it.
pub trait Endpoint {
    /// Feeds one datagram received from the peer.
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]);
    /// Writes the next datagram to send into `buf` (cleared first) and returns its length, or
    /// `None` when there is nothing to send.
    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize>;
    /// The earliest deadline; `None` means no timer armed.
    fn poll_timeout(&self) -> Option<Instant>;
    /// Time has reached `poll_timeout()`.
    fn handle_timeout(&mut self, now: Instant);
}

#[derive(Clone, Copy, Debug)]
enum Next {
    DeliverToB,
    DeliverToA,
    TimerA,
    TimerB,
}

/// Endpoint `a` and endpoint `b`, connected by a link A→B and a link B→A.
///
/// Events are processed in time order; at equal times: delivery to B, delivery to A, A's timer,
/// B's timer.
#[derive(Debug)]
pub struct Pair<A, B> {
    a: A,
    b: B,
    ab: Link,
    ba: Link,
    now: Instant,
    buf: Vec<u8>,
}

impl<A: Endpoint, B: Endpoint> Pair<A, B> {
    /// Connects `a` and `b` by two links with randomness from `seed`. The clock starts at
    /// [`epoch()`](crate::epoch).
    pub fn new(a: A, b: B, link_ab: LinkConfig, link_ba: LinkConfig, seed: u64) -> Self {
        Self {
            a,
            b,
            ab: Link::new(link_ab, Rng::derive(seed, 0)),
            ba: Link::new(link_ba, Rng::derive(seed, 1)),
            now: epoch(),
            buf: Vec::new(),
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Endpoint A.
    pub fn a(&self) -> &A {
        &self.a
    }

    /// Endpoint A, mutably (application-side calls between steps).
    pub fn a_mut(&mut self) -> &mut A {
        &mut self.a
    }

    /// Endpoint B.
    pub fn b(&self) -> &B {
        &self.b
    }

    /// Endpoint B, mutably.
    pub fn b_mut(&mut self) -> &mut B {
        &mut self.b
    }

    /// The A→B link.
    pub fn link_ab(&mut self) -> &mut Link {
        &mut self.ab
    }

    /// The B→A link.
    pub fn link_ba(&mut self) -> &mut Link {
        &mut self.ba
    }

    /// Counters of the A→B and B→A links.
    pub fn stats(&self) -> (LinkStats, LinkStats) {
        (self.ab.stats(), self.ba.stats())
    }

    /// Hands what both endpoints want to send to their links.
    fn flush(&mut self) {
        while let Some(len) = self.a.poll_transmit(self.now, &mut self.buf) {
            let payload = self.buf.get(..len).unwrap_or(&self.buf).to_vec();
            self.ab
                .send(self.now, Datagram::new(A_ADDR, B_ADDR, payload));
        }
        while let Some(len) = self.b.poll_transmit(self.now, &mut self.buf) {
            let payload = self.buf.get(..len).unwrap_or(&self.buf).to_vec();
            self.ba
                .send(self.now, Datagram::new(B_ADDR, A_ADDR, payload));
        }
    }

    fn next(&self) -> Option<(Instant, Next)> {
        let clamp = |t: Instant| t.max(self.now);
        [
            self.ab
                .next_delivery()
                .map(|t| (clamp(t), Next::DeliverToB)),
            self.ba
                .next_delivery()
                .map(|t| (clamp(t), Next::DeliverToA)),
            self.a.poll_timeout().map(|t| (clamp(t), Next::TimerA)),
            self.b.poll_timeout().map(|t| (clamp(t), Next::TimerB)),
        ]
        .into_iter()
        .flatten()
        // min_by_key keeps the first of equal keys: the order above breaks ties.
        .min_by_key(|(t, _)| *t)
    }

    fn process(&mut self, at: Instant, next: Next) {
        self.now = self.now.max(at);
        let now = self.now;
        match next {
            Next::DeliverToB => {
                if let Some(d) = self.ab.poll_deliver(now) {
                    self.b.handle_datagram(now, &d.payload);
                }
            }
            Next::DeliverToA => {
                if let Some(d) = self.ba.poll_deliver(now) {
                    self.a.handle_datagram(now, &d.payload);
                }
            }
            Next::TimerA => self.a.handle_timeout(now),
            Next::TimerB => self.b.handle_timeout(now),
        }
        self.flush();
    }

    /// Processes the next event, advancing the clock to it. Returns false when nothing is pending.
    pub fn step(&mut self) -> bool {
        self.flush();
        let Some((at, next)) = self.next() else {
            return false;
        };
        self.process(at, next);
        true
    }

    /// Processes every event due up to `deadline`, then sets the clock to `deadline` (if later).
    pub fn run_until(&mut self, deadline: Instant) {
        self.run_until_condition(deadline, |_| false);
    }

    /// Processes events up to `deadline` until `condition` holds (checked before the first event
    /// and after each one). Returns true if it held; otherwise the clock ends at `deadline`.
    pub fn run_until_condition(
        &mut self,
        deadline: Instant,
        mut condition: impl FnMut(&Self) -> bool,
    ) -> bool {
        loop {
            if condition(self) {
                return true;
            }
            self.flush();
            match self.next() {
                Some((at, next)) if at <= deadline => self.process(at, next),
                _ => break,
            }
        }
        self.now = self.now.max(deadline);
        false
    }
}

/// Runs `a` and `b` over the two links until `until` (virtual time since the epoch) and returns
/// the pair for inspection.
pub fn run<A: Endpoint, B: Endpoint>(
    a: A,
    b: B,
    link_ab: LinkConfig,
    link_ba: LinkConfig,
    seed: u64,
    until: std::time::Duration,
) -> Pair<A, B> {
    let mut pair = Pair::new(a, b, link_ab, link_ba, seed);
    pair.run_until(epoch() + until);
    pair
}
