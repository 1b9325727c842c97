//! Media pipelines per 1200-byte VP8 packet, sansrtc against webrtc-rs 0.21 in the same run
//! (see `sansrtc_bench_media` for what each side does):
//!
//! - **send**: one frame of 10 packets in, the protected datagrams out;
//! - **receive**: the 10 protected datagrams of a frame in, the frame out.
//!
//! Each measured iteration is one frame; what is not the pipeline (the sender making the
//! packets a receive iteration eats, the peers' STUN and RTCP housekeeping between frames) runs
//! between the timed sections. Criterion reports packets per second (`Throughput::Elements`);
//! then a table compares the two in interleaved rounds timed on the thread's CPU clock (the
//! `sansrtc-bench-compare` method), median of 21, with the ratio.
//!
//! Run: `cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-media`
//! (`MEDIA_BENCH_TABLE_ONLY=1` skips criterion; `MEDIA_BENCH_ONLY=sansrtc-ring` keeps one
//! sansrtc side beside webrtc-rs, for `perf record`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use sansrtc_bench_compare::{Comparison, thread_cpu_ns};
use sansrtc_bench_media::{FRAME_PACKETS, ours, theirs, vp8_frame};

/// A measured side: prepares untimed, runs the timed part, returns (packets, frames out,
/// elapsed). The send bench and the receive bench use separate senders, so the receiver sees
/// every packet its sender makes (SRTP cannot follow a jump of more than 2^15 packets).
trait Side {
    fn send(&mut self, clock: &dyn Fn() -> u64) -> (usize, usize, u64);
    fn receive(&mut self, clock: &dyn Fn() -> u64) -> (usize, usize, u64);
}

struct Ours {
    sending: ours::Pair,
    receiving: ours::Pair,
    frame: Vec<u8>,
    packets: Vec<Vec<u8>>,
}

impl Side for Ours {
    fn send(&mut self, clock: &dyn Fn() -> u64) -> (usize, usize, u64) {
        let t0 = clock();
        let n = self.sending.send_frame(black_box(&self.frame), None);
        let t = clock() - t0;
        self.sending.tick();
        (n, 1, t)
    }

    fn receive(&mut self, clock: &dyn Fn() -> u64) -> (usize, usize, u64) {
        self.packets.clear();
        let n = self
            .receiving
            .send_frame(&self.frame, Some(&mut self.packets));
        let t0 = clock();
        let frames = black_box(self.receiving.receive(&self.packets));
        let t = clock() - t0;
        self.receiving.tick();
        (n, frames, t)
    }
}

struct Theirs<S: rtc_interceptor::Interceptor, R: rtc_interceptor::Interceptor> {
    sending: theirs::Sender<S>,
    sender: theirs::Sender<S>,
    receiver: theirs::Receiver<R>,
    frame: Bytes,
    packets: Vec<Vec<u8>>,
}

impl<S: rtc_interceptor::Interceptor, R: rtc_interceptor::Interceptor> Side for Theirs<S, R> {
    fn send(&mut self, clock: &dyn Fn() -> u64) -> (usize, usize, u64) {
        let t0 = clock();
        let n = self.sending.send_frame(black_box(&self.frame), None);
        let t = clock() - t0;
        self.sending.tick();
        (n, 1, t)
    }

    fn receive(&mut self, clock: &dyn Fn() -> u64) -> (usize, usize, u64) {
        self.packets.clear();
        let n = self.sender.send_frame(&self.frame, Some(&mut self.packets));
        let t0 = clock();
        let frames = black_box(self.receiver.receive(&self.packets));
        let t = clock() - t0;
        self.sender.tick();
        self.receiver.tick();
        (n, frames, t)
    }
}

fn wall() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn sides() -> Vec<(&'static str, Box<dyn Side>)> {
    let ours = |crypto: sansrtc_crypto::CryptoProvider| -> Box<dyn Side> {
        Box::new(Ours {
            sending: ours::Pair::new(crypto),
            receiving: ours::Pair::new(crypto),
            frame: vp8_frame(1),
            packets: Vec::new(),
        })
    };
    vec![
        ("sansrtc", ours(sansrtc_crypto::rust_crypto::provider())),
        ("sansrtc-ring", ours(sansrtc_crypto::ring::provider())),
        (
            "webrtc-rs",
            Box::new(Theirs {
                sending: theirs::sender(),
                sender: theirs::sender(),
                receiver: theirs::receiver(true),
                frame: Bytes::from(vp8_frame(1)),
                packets: Vec::new(),
            }),
        ),
        (
            "webrtc-rs-samplebuilder",
            Box::new(Theirs {
                sending: theirs::sender(),
                sender: theirs::sender(),
                receiver: theirs::receiver(false),
                frame: Bytes::from(vp8_frame(1)),
                packets: Vec::new(),
            }),
        ),
    ]
}

fn criterion_benches(sides: &mut [(&'static str, Box<dyn Side>)]) {
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for (what, receive) in [("send", false), ("receive", true)] {
        let mut g = c.benchmark_group(format!("media/{what}"));
        g.throughput(Throughput::Elements(FRAME_PACKETS as u64));
        for (name, side) in sides.iter_mut() {
            g.bench_function(*name, |b| {
                b.iter_custom(|iters| {
                    let mut total = 0;
                    for _ in 0..iters {
                        let (_, _, t) = if receive {
                            side.receive(&wall)
                        } else {
                            side.send(&wall)
                        };
                        total += t;
                    }
                    Duration::from_nanos(total)
                })
            });
        }
        g.finish();
    }
    c.final_summary();
}

/// 21 interleaved rounds of ~`FRAMES` frames each, per-packet CPU time of the timed parts.
fn table(sides: &mut [(&'static str, Box<dyn Side>)]) {
    const ROUNDS: usize = 21;
    const FRAMES: usize = 200;
    println!(
        "\nmedia pipelines, CPU ns per 1200-byte VP8 packet (median of {ROUNDS} interleaved rounds):"
    );
    for (what, receive) in [("send", false), ("receive", true)] {
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
        for _ in 0..ROUNDS {
            for (i, (_, side)) in sides.iter_mut().enumerate() {
                let (mut packets, mut frames, mut ns) = (0usize, 0usize, 0u64);
                for _ in 0..FRAMES {
                    let (n, f, t) = if receive {
                        side.receive(&thread_cpu_ns)
                    } else {
                        side.send(&thread_cpu_ns)
                    };
                    packets += n;
                    frames += f;
                    ns += t;
                }
                // Every frame made it (the SampleBuilder hands a frame out one frame late).
                assert!(
                    frames + 1 >= FRAMES && packets == FRAMES * FRAME_PACKETS,
                    "{frames} {packets}"
                );
                per[i].push(ns as f64 / packets.max(1) as f64);
            }
        }
        let median: Vec<f64> = per
            .into_iter()
            .map(|mut v| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            })
            .collect();
        let names: Vec<&str> = sides.iter().map(|(n, _)| *n).collect();
        let ours: Vec<usize> = (0..names.len())
            .filter(|&i| names[i].starts_with("sansrtc"))
            .collect();
        let theirs: Vec<usize> = (0..names.len())
            .filter(|&i| !names[i].starts_with("sansrtc"))
            .collect();
        for &t in &theirs {
            if what == "send" && t != theirs[0] {
                continue; // the same sender
            }
            for &o in &ours {
                let c = Comparison {
                    ours_ns: median[o],
                    theirs_ns: median[t],
                };
                c.print(&format!("{what} ({})", names[o]), names[t]);
                println!(
                    "{:<24} {:>8.0} kpackets/s vs {:>8.0} kpackets/s",
                    "",
                    1e6 / c.ours_ns,
                    1e6 / c.theirs_ns
                );
            }
        }
    }
}

fn main() {
    // MEDIA_PROFILE=send|receive: loop sansrtc-ring's pipeline alone for 10 s (perf record).
    if let Some(what) = std::env::var_os("MEDIA_PROFILE") {
        let mut side = Ours {
            sending: ours::Pair::new(sansrtc_crypto::ring::provider()),
            receiving: ours::Pair::new(sansrtc_crypto::ring::provider()),
            frame: vp8_frame(1),
            packets: Vec::new(),
        };
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if what == "send" {
                side.send(&wall);
            } else {
                side.receive(&wall);
            }
        }
        return;
    }
    let mut sides = sides();
    // MEDIA_BENCH_ONLY=<name>,<name>: keep these sides (e.g. for perf record).
    if let Some(only) = std::env::var_os("MEDIA_BENCH_ONLY") {
        let only = only.to_string_lossy().to_string();
        sides.retain(|(name, _)| only.split(',').any(|o| o == *name));
        sides.push((
            "webrtc-rs",
            Box::new(Theirs {
                sending: theirs::sender(),
                sender: theirs::sender(),
                receiver: theirs::receiver(true),
                frame: Bytes::from(vp8_frame(1)),
                packets: Vec::new(),
            }),
        ));
        sides.dedup_by(|a, b| a.0 == b.0);
    }
    // Both pipelines deliver frames before anything is measured.
    for (name, side) in sides.iter_mut() {
        for i in 0..3 {
            let (n, frames, _) = side.receive(&wall);
            assert_eq!(n, FRAME_PACKETS, "{name}");
            assert!(frames == 1 || (i == 0 && frames == 0), "{name}");
        }
    }
    if std::env::var_os("MEDIA_BENCH_TABLE_ONLY").is_none() {
        criterion_benches(&mut sides);
    }
    table(&mut sides);
}
