//! Heap allocations on the data path, counted: two Peers back to back in memory move 1200
//! 16 KiB messages (about 17 000 SCTP packets, each one DTLS record in one datagram) and the
//! allocations per datagram must stay far below one. What remains is per message, not per
//! packet: the reassembled message handed to the application (one `Vec` per message, moved
//! out without a copy) and SCTP's bookkeeping of it.
//!
//! Runs without the libtest harness: its threads allocate while a test runs and the counter
//! is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{Bytes, ChannelConfig, Config, Event, Peer};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Pair {
    a: Peer,
    b: Peer,
    buf: Vec<u8>,
    now: Instant,
    datagrams: u64,
    received: usize,
}

impl Pair {
    fn pump(&mut self) {
        self.now += Duration::from_micros(50);
        let now = self.now;
        while let Some(t) = self.a.poll_transmit(now, &mut self.buf) {
            self.b
                .handle_datagram(now, t.destination, t.source, &self.buf[..t.len]);
            self.datagrams += 1;
        }
        while let Some(t) = self.b.poll_transmit(now, &mut self.buf) {
            self.a
                .handle_datagram(now, t.destination, t.source, &self.buf[..t.len]);
            self.datagrams += 1;
        }
        for p in [&mut self.a, &mut self.b] {
            if p.poll_timeout().is_some_and(|t| t <= now) {
                p.handle_timeout(now);
            }
        }
        while self.a.poll_event().is_some() {}
        while let Some(e) = self.b.poll_event() {
            if let Event::ChannelMessage { data, .. } = e {
                self.received += 1;
                drop(data);
            }
        }
    }
}

fn main() {
    let region = Region::new(GLOBAL);
    std::hint::black_box(vec![0u8; 100]);
    assert_eq!(
        region.change().allocations,
        1,
        "the counting allocator is not installed"
    );

    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let a = Peer::new(Config::new(["127.0.0.1:1".parse().unwrap()], 1), &mut rng).unwrap();
    let b = Peer::new(Config::new(["127.0.0.1:2".parse().unwrap()], 2), &mut rng).unwrap();
    let mut p = Pair {
        a,
        b,
        buf: Vec::with_capacity(2048),
        now: Instant::now(),
        datagrams: 0,
        received: 0,
    };
    let now = p.now;
    let ch = p.a.create_channel(now, ChannelConfig::new("bulk")).unwrap();
    let offer = p.a.create_offer(now).unwrap().to_string();
    let answer = p.b.accept_offer(now, &offer).unwrap().to_string();
    p.a.accept_answer(now, &answer).unwrap();
    let msg = Bytes::from(vec![0x5a; 16 * 1024]);
    let mut sent = 0;
    // Warm up: connect, then let every buffer reach its steady-state size.
    let mut warm = 0;
    while warm < 200 {
        if p.a
            .channel(ch)
            .is_some_and(|c| c.state == sansrtc_peer::ChannelState::Open)
            && p.a.buffered_amount(ch) < 512 * 1024
        {
            p.a.send(p.now, ch, true, msg.clone()).unwrap();
            sent += 1;
        }
        p.pump();
        warm = p.received;
    }
    let (d0, m0) = (p.datagrams, p.received);
    let region = Region::new(GLOBAL);
    while p.received < m0 + 1000 {
        while sent < m0 + 1000 && p.a.buffered_amount(ch) < 512 * 1024 {
            p.a.send(p.now, ch, true, msg.clone()).unwrap();
            sent += 1;
        }
        p.pump();
    }
    let stats = region.change();
    let datagrams = p.datagrams - d0;
    let messages = (p.received - m0) as u64;
    let per_datagram = stats.allocations as f64 / datagrams as f64;
    let per_message = stats.allocations as f64 / messages as f64;
    println!(
        "data_path_allocations: {} allocations for {datagrams} datagrams and {messages} messages: \
         {per_datagram:.3} per datagram, {per_message:.2} per message",
        stats.allocations
    );
    // Measured: exactly one per message (the message itself), none per datagram.
    assert!(per_message <= 1.5, "{per_message} allocations per message");
    assert!(
        per_datagram < 0.2,
        "{per_datagram} allocations per datagram"
    );
}
