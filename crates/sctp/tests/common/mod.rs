//! Test harness: associations as netsim endpoints.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_netsim::pair::{Endpoint, Pair};
use sansrtc_netsim::{LinkConfig, epoch};
use sansrtc_sctp::{Association, Config, Event, Message};

/// An association plus everything it reported.
pub struct Peer {
    pub assoc: Association,
    pub events: Vec<Event>,
    pub messages: Vec<Message>,
    /// Every packet this side sent, for wire-level assertions.
    pub sent: Vec<Vec<u8>>,
    pub record: bool,
}

impl Peer {
    pub fn new(cfg: Config, seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        Self {
            assoc: Association::new(cfg, &mut rng),
            events: Vec::new(),
            messages: Vec::new(),
            sent: Vec::new(),
            record: false,
        }
    }

    fn drain(&mut self) {
        while let Some(e) = self.assoc.poll_event() {
            match e {
                Event::Message(m) => self.messages.push(m),
                e => self.events.push(e),
            }
        }
    }

    pub fn connected(&self) -> bool {
        self.events.iter().any(|e| matches!(e, Event::Connected))
    }

    pub fn closed(&self) -> bool {
        self.events.iter().any(|e| matches!(e, Event::Closed(_)))
    }
}

impl Endpoint for Peer {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        self.assoc.handle_datagram(now, datagram);
        self.drain();
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let n = self.assoc.poll_transmit(now, buf)?;
        if self.record {
            self.sent.push(buf[..n].to_vec());
        }
        Some(n)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.assoc.poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.assoc.handle_timeout(now);
        self.drain();
    }
}

pub fn link(loss: f64, delay_ms: u64) -> LinkConfig {
    LinkConfig {
        loss,
        delay: Duration::from_millis(delay_ms),
        mtu: Some(1200),
        ..LinkConfig::default()
    }
}

pub fn lossy(loss: f64, reorder: f64, duplicate: f64, delay_ms: u64, jitter_ms: u64) -> LinkConfig {
    LinkConfig {
        loss,
        reorder,
        duplicate,
        delay: Duration::from_millis(delay_ms),
        jitter: Duration::from_millis(jitter_ms),
        mtu: Some(1200),
    }
}

pub fn config(seed: u64) -> Config {
    Config::with_seed(seed)
}

/// Two associations that both call `connect` at time zero (the WebRTC way).
pub fn pair(a: Config, b: Config, ab: LinkConfig, ba: LinkConfig, seed: u64) -> Pair<Peer, Peer> {
    let mut p = Pair::new(Peer::new(a, seed * 2 + 1), Peer::new(b, seed * 2 + 2), ab, ba, seed);
    let now = p.now();
    p.a_mut().assoc.connect(now);
    p.b_mut().assoc.connect(now);
    p
}

pub fn run_until(p: &mut Pair<Peer, Peer>, secs: u64, cond: impl FnMut(&Pair<Peer, Peer>) -> bool) -> bool {
    let deadline = p.now() + Duration::from_secs(secs);
    p.run_until_condition(deadline, cond)
}

pub fn start() -> Instant {
    epoch()
}
