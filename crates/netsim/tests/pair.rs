//! `Pair`: two address-less endpoints over two lossy links, with a stop-and-wait sender whose
//! retransmission timer fires on the virtual clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use sansrtc_netsim::pair::{self, Endpoint, Pair};
use sansrtc_netsim::{LinkConfig, epoch};

const RTO: Duration = Duration::from_millis(100);
const MESSAGES: u8 = 50;

/// Sends messages 0..MESSAGES one at a time, retransmitting each every RTO until acknowledged.
#[derive(Debug, Default)]
struct Sender {
    next: u8,
    pending: bool,
    retransmit_at: Option<Instant>,
    retransmissions: u32,
    done_at: Option<Instant>,
}

impl Endpoint for Sender {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        if datagram == [self.next] {
            self.next += 1;
            self.retransmit_at = None;
            self.pending = self.next < MESSAGES;
            if !self.pending {
                self.done_at = Some(now);
            }
        }
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        if !self.pending || self.retransmit_at.is_some() {
            return None;
        }
        buf.clear();
        buf.push(self.next);
        self.retransmit_at = Some(now + RTO);
        Some(1)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.retransmit_at
    }
    fn handle_timeout(&mut self, now: Instant) {
        if self.retransmit_at.is_some_and(|t| now >= t) {
            self.retransmit_at = None; // poll_transmit sends it again
            self.retransmissions += 1;
        }
    }
}

/// Acknowledges every message and records the new ones in order.
#[derive(Debug, Default)]
struct Receiver {
    received: Vec<u8>,
    acks: Vec<u8>,
}

impl Endpoint for Receiver {
    fn handle_datagram(&mut self, _now: Instant, datagram: &[u8]) {
        let n = datagram[0];
        if usize::from(n) == self.received.len() {
            self.received.push(n);
        }
        self.acks.push(n);
    }
    fn poll_transmit(&mut self, _now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let n = self.acks.pop()?;
        buf.clear();
        buf.push(n);
        Some(1)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn handle_timeout(&mut self, _now: Instant) {}
}

fn lossy() -> LinkConfig {
    LinkConfig {
        loss: 0.2,
        duplicate: 0.05,
        delay: Duration::from_millis(10),
        jitter: Duration::from_millis(5),
        ..Default::default()
    }
}

fn sender() -> Sender {
    Sender {
        pending: true,
        ..Default::default()
    }
}

#[test]
fn stop_and_wait_delivers_everything_over_lossy_links() {
    let mut pair = Pair::new(sender(), Receiver::default(), lossy(), lossy(), 11);
    let done = pair.run_until_condition(epoch() + Duration::from_secs(60), |p| {
        p.a().done_at.is_some()
    });
    assert!(done);
    assert_eq!(pair.b().received, (0..MESSAGES).collect::<Vec<_>>());
    assert!(
        pair.a().retransmissions > 0,
        "20% loss forces retransmissions"
    );
    let (ab, ba) = pair.stats();
    assert!(ab.lost > 0 && ba.lost > 0);
    // Every round trip takes at least 20 ms of virtual time.
    assert!(pair.now() >= epoch() + Duration::from_millis(20) * u32::from(MESSAGES));
}

#[test]
fn pair_run_is_deterministic_per_seed() {
    let run = |seed| {
        let pair = pair::run(
            sender(),
            Receiver::default(),
            lossy(),
            lossy(),
            seed,
            Duration::from_secs(60),
        );
        (
            pair.a().done_at.unwrap(),
            pair.a().retransmissions,
            pair.stats(),
        )
    };
    assert_eq!(run(12), run(12));
    assert_ne!(run(12), run(13));
}

#[test]
fn perfect_links_need_no_retransmission() {
    let mut pair = Pair::new(
        sender(),
        Receiver::default(),
        LinkConfig::default(),
        LinkConfig::default(),
        0,
    );
    while pair.step() {}
    assert_eq!(pair.a().retransmissions, 0);
    assert_eq!(pair.b().received.len(), usize::from(MESSAGES));
    assert_eq!(pair.now(), epoch(), "zero-delay links take no virtual time");
}
