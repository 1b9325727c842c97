//! sansrtc-sdp against webrtc-rs `sdp` on a real Chromium offer with audio, video and a data
//! channel (6.9 KB, 3 m-sections, 23 video codecs, candidates; tests/samples of sansrtc-sdp).
//!
//! Run: `cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-sdp`
//!
//! Criterion reports wall time per function; the ratios printed at the end come from
//! `sansrtc_bench_compare::compare` (interleaved rounds on the thread's CPU clock), which a
//! busy machine disturbs far less.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::io::Cursor;

use criterion::{Criterion, criterion_group, criterion_main};
use sansrtc_bench_compare::compare;

const OFFER: &str =
    include_str!("../../../crates/sdp/tests/samples/chromium_offer_av_dc_netns.sdp");

fn ours_parse(text: &str) -> sansrtc_sdp::SessionDescription {
    sansrtc_sdp::SessionDescription::parse(text).unwrap()
}

fn theirs_parse(text: &str) -> sdp::SessionDescription {
    sdp::SessionDescription::unmarshal(&mut Cursor::new(text.as_bytes())).unwrap()
}

fn bench(c: &mut Criterion) {
    // Same input, same outcome: both see the three m-sections.
    assert_eq!(ours_parse(OFFER).media.len(), 3);
    assert_eq!(theirs_parse(OFFER).media_descriptions.len(), 3);
    let ours_model = ours_parse(OFFER);
    let theirs_model = theirs_parse(OFFER);
    assert_eq!(
        ours_model.serialize(),
        OFFER,
        "sansrtc writes the offer back byte-identical"
    );

    let mut g = c.benchmark_group("sdp/chromium_offer_av_dc");
    g.throughput(criterion::Throughput::Bytes(OFFER.len() as u64));
    g.bench_function("parse/sansrtc", |b| b.iter(|| ours_parse(black_box(OFFER))));
    g.bench_function("parse/webrtc-rs", |b| {
        b.iter(|| theirs_parse(black_box(OFFER)))
    });
    g.bench_function("serialize/sansrtc", |b| {
        b.iter(|| black_box(&ours_model).serialize())
    });
    g.bench_function("serialize/webrtc-rs", |b| {
        b.iter(|| black_box(&theirs_model).marshal())
    });
    g.finish();

    println!();
    println!(
        "Chromium A/V+data offer, {} bytes; thread CPU time, median of interleaved rounds:",
        OFFER.len()
    );
    compare(
        || ours_parse(black_box(OFFER)),
        || theirs_parse(black_box(OFFER)),
    )
    .print("parse", "webrtc-rs");
    compare(
        || black_box(&ours_model).serialize(),
        || black_box(&theirs_model).marshal(),
    )
    .print("serialize", "webrtc-rs");

    println!();
    println!("parse of the other Chromium samples:");
    for (name, text) in OTHER_SAMPLES {
        compare(
            || ours_parse(black_box(text)),
            || theirs_parse(black_box(text)),
        )
        .print(&format!("{name} ({} B)", text.len()), "webrtc-rs");
    }
}

/// The other Chromium offers of tests/samples: a loopback A/V+data offer, one gathered before
/// any candidate, and a data-channel-only offer.
const OTHER_SAMPLES: [(&str, &str); 3] = [
    (
        "av_dc_loopback",
        include_str!("../../../crates/sdp/tests/samples/chromium_offer_av_dc_loopback.sdp"),
    ),
    (
        "av_nogather",
        include_str!("../../../crates/sdp/tests/samples/chromium_offer_av_nogather.sdp"),
    ),
    (
        "dc_netns",
        include_str!("../../../crates/sdp/tests/samples/chromium_offer_dc_netns.sdp"),
    ),
];

criterion_group!(benches, bench);
criterion_main!(benches);
