//! Two peers in one process, wired back to back in memory with the real clock: setup time
//! (create offer -> channel open on both sides) and the throughput of 64 MiB in 16 KiB
//! messages with buffered-amount flow control. For profiling the composition alone; the
//! benchmark over real loopback UDP against str0m and webrtc-rs lives in bench/.
//!
//! `cargo run --release -p sansrtc-peer --example memory_pair [MiB] [setups]` (with a number of
//! setups > 1 it only measures setup: median over that many runs)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{Bytes, Certificate, ChannelConfig, Config, Event, Peer};

fn pump(a: &mut Peer, b: &mut Peer, buf: &mut Vec<u8>) -> bool {
    let now = Instant::now();
    let mut moved = false;
    while let Some(t) = a.poll_transmit(now, buf) {
        b.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
        moved = true;
    }
    while let Some(t) = b.poll_transmit(now, buf) {
        a.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
        moved = true;
    }
    for p in [&mut *a, &mut *b] {
        if p.poll_timeout().is_some_and(|t| t <= now) {
            p.handle_timeout(now);
            moved = true;
        }
    }
    moved
}

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let setups: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    if setups > 1 {
        let mut times: Vec<Duration> = (0..setups).map(|i| setup_only(i as u64)).collect();
        times.sort();
        println!(
            "setup over {setups} runs: median {:.2?}, min {:.2?}, max {:.2?}",
            times[setups / 2],
            times[0],
            times[setups - 1]
        );
        return;
    }
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let provider = sansrtc_crypto::default_provider();
    let cert_a = Arc::new(Certificate::generate(&provider, &mut rng, "a").unwrap());
    let cert_b = Arc::new(Certificate::generate(&provider, &mut rng, "b").unwrap());
    let mut ca = Config::new(["127.0.0.1:10000".parse().unwrap()], 1);
    ca.certificate = Some(cert_a);
    let mut cb = Config::new(["127.0.0.1:20000".parse().unwrap()], 2);
    cb.certificate = Some(cert_b);
    let mut a = Peer::new(ca, &mut rng).unwrap();
    let mut b = Peer::new(cb, &mut rng).unwrap();
    let mut buf = Vec::with_capacity(2048);

    let start = Instant::now();
    let ch = a.create_channel(start, ChannelConfig::new("bulk")).unwrap();
    let offer = a.create_offer(start).unwrap().to_string();
    let answer = b.accept_offer(Instant::now(), &offer).unwrap().to_string();
    a.accept_answer(Instant::now(), &answer).unwrap();
    let (mut a_open, mut b_open) = (None, None);
    let mut phases = Vec::new();
    while a_open.is_none() || b_open.is_none() {
        pump(&mut a, &mut b, &mut buf);
        while let Some(e) = a.poll_event() {
            match e {
                Event::ChannelOpen(_) => a_open = Some(start.elapsed()),
                Event::DtlsConnected { .. } | Event::SctpConnected | Event::IceState(_) => {
                    phases.push(("a", format!("{e:?}"), start.elapsed()))
                }
                _ => {}
            }
        }
        while let Some(e) = b.poll_event() {
            match e {
                Event::ChannelOpen(_) => b_open = Some(start.elapsed()),
                Event::DtlsConnected { .. } | Event::SctpConnected | Event::IceState(_) => {
                    phases.push(("b", format!("{e:?}"), start.elapsed()))
                }
                _ => {}
            }
        }
        assert!(start.elapsed() < Duration::from_secs(5), "setup stalled");
    }
    for (who, what, at) in &phases {
        println!("{who} {at:>10.1?} {what}");
    }
    println!("setup: channel open on A after {a_open:.1?}, on B after {b_open:.1?}");

    // Bulk: 16 KiB messages, keep at most 1 MiB buffered.
    let total = mib * 1024 * 1024;
    let msg = Bytes::from(vec![0x5au8; 16 * 1024]);
    a.set_buffered_amount_low_threshold(ch, 512 * 1024);
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let (mut sent, mut received) = (0usize, 0usize);
    while received < total {
        let now = Instant::now();
        while sent < total && a.buffered_amount(ch) < 1024 * 1024 {
            a.send(now, ch, true, msg.clone()).unwrap();
            sent += msg.len();
        }
        pump(&mut a, &mut b, &mut buf);
        while a.poll_event().is_some() {}
        while let Some(e) = b.poll_event() {
            if let Event::ChannelMessage { data, .. } = e {
                received += data.len();
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "bulk stalled at {received}"
        );
    }
    let wall = t0.elapsed();
    let cpu = cpu_time() - cpu0;
    println!(
        "bulk: {mib} MiB in {wall:.2?}: {:.0} MiB/s, {:.3} CPU-s ({:.3} per 64 MiB)",
        mib as f64 / wall.as_secs_f64(),
        cpu,
        cpu * 64.0 / mib as f64
    );
    println!("a: {:?}\nb: {:?}", a.stats().sctp, b.stats().sctp);
}

/// Create offer -> channel open on both sides, with certificates made beforehand.
fn setup_only(seed: u64) -> Duration {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let provider = sansrtc_crypto::default_provider();
    let mut ca = Config::new(["127.0.0.1:10000".parse().unwrap()], 1);
    ca.certificate = Some(Arc::new(
        Certificate::generate(&provider, &mut rng, "a").unwrap(),
    ));
    let mut cb = Config::new(["127.0.0.1:20000".parse().unwrap()], 2);
    cb.certificate = Some(Arc::new(
        Certificate::generate(&provider, &mut rng, "b").unwrap(),
    ));
    let mut a = Peer::new(ca, &mut rng).unwrap();
    let mut b = Peer::new(cb, &mut rng).unwrap();
    let mut buf = Vec::with_capacity(2048);
    let start = Instant::now();
    a.create_channel(start, ChannelConfig::new("c")).unwrap();
    let offer = a.create_offer(start).unwrap().to_string();
    let answer = b.accept_offer(Instant::now(), &offer).unwrap().to_string();
    a.accept_answer(Instant::now(), &answer).unwrap();
    let (mut a_open, mut b_open) = (false, false);
    while !(a_open && b_open) {
        pump(&mut a, &mut b, &mut buf);
        while let Some(e) = a.poll_event() {
            a_open |= matches!(e, Event::ChannelOpen(_));
        }
        while let Some(e) = b.poll_event() {
            b_open |= matches!(e, Event::ChannelOpen(_));
        }
    }
    start.elapsed()
}

/// User + system CPU seconds of this process (Linux /proc/self/stat).
fn cpu_time() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
