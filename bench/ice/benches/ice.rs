//! sansrtc-ice against ezk-ice:
//! - `checks`: a controlled agent handling one connectivity check from a known peer: parse,
//!   FINGERPRINT and MESSAGE-INTEGRITY verification, role check, pair lookup, the
//!   authenticated response written out. The steady state of consent checks on a live pair.
//! - `connect`: simulating two agents on netsim until both are connected (CPU cost of the
//!   whole negotiation), for three NAT cells; the virtual time-to-connected of each
//!   implementation is printed too.
//!
//! Run: `cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-ice`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sansrtc_bench_ice::*;

/// Median ns per call of `f` over interleaved rounds (so machine noise hits both sides alike).
fn per_call(rounds: usize, iters: u32, mut f: impl FnMut()) -> Vec<f64> {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(iters)
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn checks(c: &mut Criterion) {
    let request = check_request(2);
    let mut ours = ours_controlled();
    let mut ezk = ezk_controlled();
    let mut buf = Vec::with_capacity(256);
    let now = Instant::now();
    let (local, peer) = (sa(LOCAL), sa(PEER));

    let mut ours_check = || {
        black_box(ours.handle_datagram(now, local, peer, black_box(&request)));
        while let Some(t) = ours.poll_transmit(now, &mut buf) {
            black_box((t, buf.len()));
        }
    };
    let mut ezk_check = || {
        ezk.receive(
            now,
            ezk_ice::ReceivedPkt {
                data: black_box(&request).clone(),
                source: peer,
                destination: local,
                component: ezk_ice::Component::Rtp,
            },
        );
        while let Some(e) = ezk.pop_event() {
            black_box(e);
        }
    };
    // Both must answer: one response per check.
    ours_check();
    ezk_check();

    let mut g = c.benchmark_group("checks");
    g.bench_function("sansrtc", |b| b.iter(&mut ours_check));
    g.bench_function("ezk-ice", |b| b.iter(&mut ezk_check));
    g.finish();

    let mut o = Vec::new();
    let mut e = Vec::new();
    for _ in 0..11 {
        o.extend(per_call(1, 20_000, &mut ours_check));
        e.extend(per_call(1, 20_000, &mut ezk_check));
    }
    let (o, e) = (median(o), median(e));
    println!(
        "checks handled by a controlled agent: sansrtc {:.0} ns ({:.0}/s), ezk-ice {:.0} ns ({:.0}/s): sansrtc is {:.2}x faster",
        o,
        1e9 / o,
        e,
        1e9 / e,
        e / o
    );
}

fn connect(c: &mut Criterion) {
    let cells = [
        (Nat::None, Nat::None),
        (Nat::EndpointIndependent, Nat::EndpointIndependent),
        (Nat::EndpointIndependent, Nat::AddressDependent),
    ];
    let mut g = c.benchmark_group("connect");
    g.measurement_time(Duration::from_secs(3));
    for (a, b) in cells {
        let name = format!("{}-{}", a.name(), b.name());
        g.bench_function(format!("sansrtc/{name}"), |bench| {
            bench.iter(|| ours_time_to_connected(a, b))
        });
    }
    // ezk-ice connects through this adapter only without NATs (behind the simulated NATs it
    // did not connect within 30 s of virtual time; not investigated), so it is compared there.
    g.bench_function("ezk-ice/noNAT-noNAT", |bench| {
        bench.iter(|| ezk_time_to_connected(Nat::None, Nat::None))
    });
    g.finish();
    for (a, b) in cells {
        let o = median(per_call(7, 20, || {
            black_box(ours_time_to_connected(a, b));
        }));
        println!(
            "netsim {}-{}: virtual time to connected sansrtc {:?}; CPU per negotiation {:.1} µs",
            a.name(),
            b.name(),
            ours_time_to_connected(a, b),
            o / 1e3
        );
    }
    for (a, b) in [(Nat::None, Nat::None)] {
        let (to, te) = (ours_time_to_connected(a, b), ezk_time_to_connected(a, b));
        let o = median(per_call(7, 20, || {
            black_box(ours_time_to_connected(a, b));
        }));
        let e = median(per_call(7, 20, || {
            black_box(ezk_time_to_connected(a, b));
        }));
        println!(
            "netsim {}-{}: virtual time to connected sansrtc {:?}, ezk-ice {:?}; CPU per negotiation sansrtc {:.1} µs, ezk-ice {:.1} µs ({:.2}x)",
            a.name(),
            b.name(),
            to,
            te,
            o / 1e3,
            e / 1e3,
            e / o
        );
    }
}

criterion_group!(benches, checks, connect);
criterion_main!(benches);
