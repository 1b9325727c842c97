//! Drives an established data-channel association with an arbitrary sequence of packets, timer
//! expiries and application calls. Checksums are not checked under cfg(fuzzing), and packets can
//! have their verification tag fixed up, so the fuzzer reaches the state machine. Any panic is
//! a bug; buffers must stay within their configured bounds.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_sctp::{ChannelConfig, Config, DataChannels, DtlsRole, Reliability};

fn config(seed: u64) -> Config {
    let mut c = Config::with_seed(seed);
    c.receive_buffer = 256 * 1024;
    c.max_message_size = 64 * 1024;
    c.send_buffer = 512 * 1024;
    c.max_tracked_tsns = 1024;
    c
}

/// A and B connected through an in-memory pipe; returns them and the clock.
fn connected() -> (DataChannels, DataChannels, Instant, u32) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut a = DataChannels::new(config(1), DtlsRole::Client, &mut rng);
    let mut b = DataChannels::new(config(2), DtlsRole::Server, &mut rng);
    let now = Instant::now();
    a.connect(now);
    b.connect(now);
    let mut buf = Vec::new();
    let mut tag = 0;
    for _ in 0..20 {
        while let Some(n) = a.poll_transmit(now, &mut buf) {
            b.handle_datagram(now, &buf[..n]);
        }
        while let Some(n) = b.poll_transmit(now, &mut buf) {
            // The verification tag B puts on packets to A is A's local tag.
            tag = u32::from_be_bytes(buf[4..8].try_into().unwrap());
            a.handle_datagram(now, &buf[..n]);
        }
    }
    while a.poll_event().is_some() {}
    while b.poll_event().is_some() {}
    (a, b, now, tag)
}

fuzz_target!(|data: &[u8]| {
    let (mut a, _b, mut now, tag) = connected();
    let mut buf = Vec::new();
    let mut rest = data;
    let mut channels = Vec::new();
    while let Some((&op, tail)) = rest.split_first() {
        // Each step: op, a little-endian u16 length, that many argument bytes.
        let len = match tail {
            [lo, hi, ..] => usize::from(u16::from_le_bytes([*lo, *hi])),
            _ => 0,
        };
        let body = tail.get(2..).unwrap_or(&[]);
        let (arg, tail) = body.split_at(len.min(body.len()));
        rest = tail;
        match op % 8 {
            0 | 1 => {
                // A packet from the peer, with the right tag (op 0) or as is (op 1).
                let mut pkt = arg.to_vec();
                if op % 8 == 0 && pkt.len() >= 12 {
                    pkt[4..8].copy_from_slice(&tag.to_be_bytes());
                    pkt[0..4].copy_from_slice(&[0x13, 0x88, 0x13, 0x88]);
                }
                a.handle_datagram(now, &pkt);
            }
            2 => {
                now += Duration::from_millis(u64::from(arg.first().copied().unwrap_or(1)) * 10);
                a.handle_timeout(now);
            }
            3 => {
                if let Some(t) = a.poll_timeout() {
                    now = now.max(t);
                    a.handle_timeout(now);
                }
            }
            4 => {
                let reliability = match arg.first().copied().unwrap_or(0) % 3 {
                    0 => Reliability::Reliable,
                    1 => Reliability::MaxRetransmits(1),
                    _ => Reliability::MaxLifetime(Duration::from_millis(50)),
                };
                let cfg = ChannelConfig {
                    reliability,
                    ordered: arg.len() % 2 == 0,
                    ..ChannelConfig::new("f")
                };
                if let Ok(id) = a.create_channel(now, cfg) {
                    channels.push(id);
                }
            }
            5 => {
                if let Some(&id) = channels
                    .get(usize::from(arg.first().copied().unwrap_or(0)) % channels.len().max(1))
                {
                    let _ = a.send_binary(now, id, &arg.repeat(1 + arg.len() % 50));
                }
            }
            6 => {
                if let Some(&id) = channels
                    .get(usize::from(arg.first().copied().unwrap_or(0)) % channels.len().max(1))
                {
                    let _ = a.close_channel(now, id);
                }
            }
            _ => while a.poll_event().is_some() {},
        }
        while let Some(n) = a.poll_transmit(now, &mut buf) {
            assert!(n <= 1200, "packet larger than the MTU");
        }
        let assoc = a.association();
        assert!(assoc.buffered_total() <= 512 * 1024);
        assert!(assoc.bytes_in_flight() <= 512 * 1024);
    }
    while a.poll_event().is_some() {}
});
