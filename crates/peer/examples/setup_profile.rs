//! Setup only (create offer -> channel open on both sides) of two peers wired back to back in
//! memory, certificates made beforehand: the timeline of each phase on both sides, median over
//! runs. For profiling setup with instruction counts:
//!
//! `valgrind --tool=callgrind target/release/examples/setup_profile 1`
//!
//! `cargo run --release -p sansrtc-peer --example setup_profile [runs]` (default 101); with
//! `SETUP_TRACE=1` it also prints every datagram (direction, first byte, length) to stderr.

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
use sansrtc_peer::{Certificate, ChannelConfig, Config, Event, Peer};

fn pump(a: &mut Peer, b: &mut Peer, buf: &mut Vec<u8>, trace: bool) {
    let now = Instant::now();
    while let Some(t) = a.poll_transmit(now, buf) {
        if trace {
            eprintln!("a->b {:3} {:4}", buf[0], t.len);
        }
        b.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
    }
    let now = Instant::now();
    while let Some(t) = b.poll_transmit(now, buf) {
        if trace {
            eprintln!("b->a {:3} {:4}", buf[0], t.len);
        }
        a.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
    }
    let now = Instant::now();
    for p in [&mut *a, &mut *b] {
        if p.poll_timeout().is_some_and(|t| t <= now) {
            p.handle_timeout(now);
        }
    }
}

/// One setup: the time of each event on each side (offerer "a", answerer "b").
fn setup(seed: u64) -> Vec<(String, Duration)> {
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
    let mut log = Vec::new();
    let trace = std::env::var_os("SETUP_TRACE").is_some();
    let start = Instant::now();
    a.create_channel(start, ChannelConfig::new("c")).unwrap();
    let offer = a.create_offer(start).unwrap().to_string();
    log.push(("a offer".to_owned(), start.elapsed()));
    let answer = b.accept_offer(Instant::now(), &offer).unwrap().to_string();
    log.push(("b answer".to_owned(), start.elapsed()));
    a.accept_answer(Instant::now(), &answer).unwrap();
    log.push(("a accept".to_owned(), start.elapsed()));
    let (mut a_open, mut b_open) = (false, false);
    while !(a_open && b_open) {
        pump(&mut a, &mut b, &mut buf, trace);
        for (who, p, open) in [("a", &mut a, &mut a_open), ("b", &mut b, &mut b_open)] {
            while let Some(e) = p.poll_event() {
                let name = match &e {
                    Event::ChannelOpen(_) => {
                        *open = true;
                        "ChannelOpen".to_owned()
                    }
                    Event::IceState(s) => format!("IceState({s:?})"),
                    Event::DtlsConnected { .. } => "DtlsConnected".to_owned(),
                    Event::SctpConnected => "SctpConnected".to_owned(),
                    _ => continue,
                };
                log.push((format!("{who} {name}"), start.elapsed()));
            }
        }
        assert!(start.elapsed() < Duration::from_secs(5), "setup stalled");
    }
    log
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(101);
    let mut logs: Vec<Vec<(String, Duration)>> = (0..runs).map(|i| setup(i as u64)).collect();
    logs.sort_by_key(|l| l.last().map(|e| e.1));
    let median = &logs[runs / 2];
    for (what, at) in median {
        println!("{at:>10.1?}  {what}");
    }
    println!(
        "setup over {runs} runs: median {:.2?}, min {:.2?}, max {:.2?}",
        median.last().unwrap().1,
        logs[0].last().unwrap().1,
        logs[runs - 1].last().unwrap().1
    );
}
