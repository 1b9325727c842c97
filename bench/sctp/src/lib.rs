//! In-memory drivers for the SCTP benchmark (benches/sctp.rs) and the profiling binary.

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_sctp::{Association, Config, Event, SendOptions};

/// Two sansrtc associations wired back to back in memory (1200-byte MTU), established.
pub struct Pipe {
    pub a: Association,
    pub b: Association,
    pub now: Instant,
    buf: Vec<u8>,
}

impl Pipe {
    pub fn new() -> Self {
        let cfg = |seed| {
            let mut c = Config::with_seed(seed);
            c.mtu = 1200;
            c
        };
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut p = Self {
            a: Association::new(cfg(1), &mut rng),
            b: Association::new(cfg(2), &mut rng),
            now: Instant::now(),
            buf: Vec::with_capacity(1500),
        };
        p.a.connect(p.now);
        p.b.connect(p.now);
        while !(p.a.is_established() && p.b.is_established()) {
            p.pump(&mut |_| {});
        }
        while p.a.poll_event().is_some() {}
        while p.b.poll_event().is_some() {}
        p
    }

    /// Moves packets both ways until neither side has anything to send; when idle, advances
    /// the virtual clock to the next timer. `on_b` sees every message B receives.
    fn pump(&mut self, on_b: &mut impl FnMut(usize)) -> bool {
        let mut moved = false;
        while let Some(n) = self.a.poll_transmit(self.now, &mut self.buf) {
            self.b.handle_datagram(self.now, &self.buf[..n]);
            moved = true;
        }
        while let Some(e) = self.b.poll_event() {
            if let Event::Message(m) = e {
                on_b(m.payload.len());
            }
        }
        while let Some(n) = self.b.poll_transmit(self.now, &mut self.buf) {
            self.a.handle_datagram(self.now, &self.buf[..n]);
            moved = true;
        }
        while self.a.poll_event().is_some() {}
        if !moved {
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            if let Some(t) = next {
                self.now = self.now.max(t);
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
        }
        moved
    }

    /// Sends `total` bytes from A to B in messages of `size` bytes, reliable and ordered,
    /// keeping at most `window` bytes queued; returns when B has them all.
    pub fn transfer(&mut self, size: usize, total: usize) {
        let msg = vec![0xa5u8; size];
        let mut sent = 0;
        let mut received = 0;
        let window = 4 * 1024 * 1024;
        while received < total {
            while sent < total && self.a.buffered_total() < window {
                self.a
                    .send(self.now, 0, 53, &msg, SendOptions::default())
                    .ok();
                sent += size;
            }
            self.pump(&mut |n| received += n);
        }
    }
}

impl Default for Pipe {
    fn default() -> Self {
        Self::new()
    }
}
