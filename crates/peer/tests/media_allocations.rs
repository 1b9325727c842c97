//! Heap allocations on the media path, counted: two Peers back to back in memory, A sends 600
//! VP8 frames of 10 packets (30 fps for 20 s of virtual time) to B, which receives them as
//! frames; RTCP (reports, transport-cc feedback) runs alongside. What remains must be per frame
//! (the frame handed to the application as an owned `Vec`), not per packet: queued packets,
//! SRTP buffers, the retransmission history and the jitter buffer slots are reused.
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
use sansrtc_peer::{Config, ConnectionState, Event, MediaKind, Peer};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Pair {
    a: Peer,
    b: Peer,
    buf: Vec<u8>,
    now: Instant,
    packets: u64,
    frames: u64,
}

impl Pair {
    /// Runs both peers for `step` of virtual time, waking each at its `poll_timeout` (as a
    /// driver does: the pacer releases packets between frames).
    fn pump(&mut self, step: Duration) {
        let until = self.now + step;
        loop {
            let now = self.now;
            for p in [&mut self.a, &mut self.b] {
                if p.poll_timeout().is_some_and(|t| t <= now) {
                    p.handle_timeout(now);
                }
            }
            loop {
                let mut moved = false;
                while let Some(t) = self.a.poll_transmit(now, &mut self.buf) {
                    if matches!(self.buf[0], 128..=191) && !matches!(self.buf[1], 192..=223) {
                        self.packets += 1;
                    }
                    self.b
                        .handle_datagram(now, t.destination, t.source, &self.buf[..t.len]);
                    moved = true;
                }
                while let Some(t) = self.b.poll_transmit(now, &mut self.buf) {
                    self.a
                        .handle_datagram(now, t.destination, t.source, &self.buf[..t.len]);
                    moved = true;
                }
                while self.a.poll_event().is_some() {}
                while let Some(e) = self.b.poll_event() {
                    if let Event::Frame(f) = e {
                        self.frames += 1;
                        drop(f);
                    }
                }
                if !moved {
                    break;
                }
            }
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= until => self.now = t.max(now + Duration::from_micros(1)),
                _ => break,
            }
        }
        self.now = until;
    }
}

fn frame(n: u32) -> Vec<u8> {
    let mut f = vec![if n == 0 { 0x10 } else { 0x11 }, 0x02, 0x00];
    f.resize(10 * 1100, n as u8);
    f
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let a_addr = "192.0.2.1:5000".parse().unwrap();
    let b_addr = "192.0.2.2:6000".parse().unwrap();
    // 11 KB frames at 30 fps are 2.6 Mbit/s: start the estimate above that.
    let config = |addr, seed| {
        let mut c = Config::new([addr], seed);
        c.media.start_bitrate = 5_000_000;
        c
    };
    let mut a = Peer::new(config(a_addr, 1), &mut rng).unwrap();
    let mut b = Peer::new(config(b_addr, 2), &mut rng).unwrap();
    let start = Instant::now();
    let video = a.add_track(MediaKind::Video).unwrap();
    let offer = a.create_offer(start).unwrap().to_string();
    let answer = b.accept_offer(start, &offer).unwrap().to_string();
    a.accept_answer(start, &answer).unwrap();
    let mut pair = Pair {
        a,
        b,
        buf: Vec::with_capacity(2048),
        now: start,
        packets: 0,
        frames: 0,
    };
    while pair.a.state() != ConnectionState::Connected
        || pair.b.state() != ConnectionState::Connected
    {
        pair.pump(Duration::from_millis(5));
        assert!(pair.now < start + Duration::from_secs(10), "not connected");
    }
    let frames: Vec<Vec<u8>> = (0..600).map(frame).collect();
    // Warm-up: buffers, pools, histories and jitter slots reach their working size.
    for (n, f) in frames.iter().enumerate().take(100) {
        pair.a
            .write_frame(pair.now, video, n as u32 * 3000, f)
            .unwrap();
        pair.pump(Duration::from_micros(33_333));
    }
    let (packets0, frames0) = (pair.packets, pair.frames);
    let region = Region::new(GLOBAL);
    for (n, f) in frames.iter().enumerate().skip(100) {
        pair.a
            .write_frame(pair.now, video, n as u32 * 3000, f)
            .unwrap();
        pair.pump(Duration::from_micros(33_333));
    }
    let stats = region.change();
    let packets = pair.packets - packets0;
    let delivered = pair.frames - frames0;
    assert_eq!(delivered, 500, "every frame arrives");
    let per_packet = stats.allocations as f64 / packets as f64;
    let per_frame = stats.allocations as f64 / delivered as f64;
    println!(
        "media_allocations: {} allocations for {packets} RTP packets and {delivered} frames: {per_packet:.3} per packet, {per_frame:.2} per frame",
        stats.allocations
    );
    // About two per frame (the frame handed to the application, and one on the sender's
    // side), plus the RTCP around them (a compound every ~second, transport-cc feedback every
    // 100 ms): measured 2.4 per frame, 0.24 per packet.
    assert!(per_packet < 0.3, "{per_packet} allocations per packet");
    assert!(per_frame < 3.0, "{per_frame} allocations per frame");
}
