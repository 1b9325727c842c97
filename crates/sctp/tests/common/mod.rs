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
        self.drain();
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
    let mut p = Pair::new(
        Peer::new(a, seed * 2 + 1),
        Peer::new(b, seed * 2 + 2),
        ab,
        ba,
        seed,
    );
    let now = p.now();
    p.a_mut().assoc.connect(now);
    p.b_mut().assoc.connect(now);
    p
}

pub fn run_until(
    p: &mut Pair<Peer, Peer>,
    secs: u64,
    cond: impl FnMut(&Pair<Peer, Peer>) -> bool,
) -> bool {
    let deadline = p.now() + Duration::from_secs(secs);
    p.run_until_condition(deadline, cond)
}

pub fn start() -> Instant {
    epoch()
}

/// A hand-driven pair with a virtual clock and a per-packet filter, for handshake corner
/// cases: `deliver` moves packets one way, `filter` decides which to drop.
pub struct Manual {
    pub a: Peer,
    pub b: Peer,
    pub now: Instant,
    /// Packets in flight: (deliver at, to_b, bytes).
    pub wire: Vec<(Instant, bool, Vec<u8>)>,
    pub delay: Duration,
    buf: Vec<u8>,
}

impl Manual {
    pub fn new(a: Config, b: Config, delay_ms: u64) -> Self {
        Self {
            a: Peer::new(a, 101),
            b: Peer::new(b, 202),
            now: epoch(),
            wire: Vec::new(),
            delay: Duration::from_millis(delay_ms),
            buf: Vec::new(),
        }
    }

    /// Collects what both sides send; `drop(to_b, packet)` returning true loses a packet.
    pub fn flush(&mut self, drop: &mut impl FnMut(bool, &[u8]) -> bool) {
        loop {
            let mut any = false;
            while let Some(n) = self.a.poll_transmit(self.now, &mut self.buf) {
                any = true;
                let pkt = self.buf[..n].to_vec();
                if !drop(true, &pkt) {
                    self.wire.push((self.now + self.delay, true, pkt));
                }
            }
            while let Some(n) = self.b.poll_transmit(self.now, &mut self.buf) {
                any = true;
                let pkt = self.buf[..n].to_vec();
                if !drop(false, &pkt) {
                    self.wire.push((self.now + self.delay, false, pkt));
                }
            }
            if !any {
                break;
            }
        }
    }

    /// Advances to the next event (delivery or timer) and processes it.
    pub fn step(&mut self, drop: &mut impl FnMut(bool, &[u8]) -> bool) -> bool {
        self.flush(drop);
        let next_wire = self
            .wire
            .iter()
            .enumerate()
            .min_by_key(|(_, w)| w.0)
            .map(|(i, w)| (w.0, i));
        let ta = self.a.poll_timeout();
        let tb = self.b.poll_timeout();
        let mut best: Option<(Instant, u8)> = next_wire.map(|(t, _)| (t, 0));
        for (t, k) in [(ta, 1u8), (tb, 2u8)] {
            if let Some(t) = t
                && best.is_none_or(|(bt, _)| t < bt)
            {
                best = Some((t, k));
            }
        }
        let Some((t, k)) = best else { return false };
        self.now = self.now.max(t);
        match k {
            0 => {
                let (_, i) = next_wire.unwrap();
                let (_, to_b, pkt) = self.wire.remove(i);
                if to_b {
                    self.b.handle_datagram(self.now, &pkt);
                } else {
                    self.a.handle_datagram(self.now, &pkt);
                }
            }
            1 => self.a.handle_timeout(self.now),
            _ => self.b.handle_timeout(self.now),
        }
        self.flush(drop);
        true
    }

    pub fn run(
        &mut self,
        secs: u64,
        drop: &mut impl FnMut(bool, &[u8]) -> bool,
        mut until: impl FnMut(&Self) -> bool,
    ) -> bool {
        let deadline = self.now + Duration::from_secs(secs);
        while self.now <= deadline {
            if until(self) {
                return true;
            }
            if !self.step(drop) {
                return until(self);
            }
        }
        until(self)
    }
}

/// Chunk types in an SCTP packet.
pub fn chunk_types(pkt: &[u8]) -> Vec<u8> {
    let p = sansrtc_sctp::packet::Packet::new_checked(pkt).unwrap();
    p.chunks().map(|c| c.unwrap().chunk_type).collect()
}

pub fn no_drop() -> impl FnMut(bool, &[u8]) -> bool {
    |_, _| false
}
