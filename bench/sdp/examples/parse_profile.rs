//! A parse loop for instruction counting (not a benchmark: it prints nothing but a checksum).
//!
//! `cargo build --release --manifest-path bench/Cargo.toml -p sansrtc-bench-sdp --example
//! parse_profile`, then `valgrind --tool=callgrind <target>/release/examples/parse_profile 200`
//! (the loop count is the first argument, default 200). Instruction counts are repeatable on a
//! loaded machine where timings are not.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

const OFFER: &str =
    include_str!("../../../crates/sdp/tests/samples/chromium_offer_av_dc_netns.sdp");

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mut lines = 0;
    for _ in 0..n {
        let sdp = sansrtc_sdp::SessionDescription::parse(black_box(OFFER)).unwrap();
        lines += sdp.media.iter().map(|m| m.attributes.len()).sum::<usize>();
        drop(black_box(sdp));
    }
    println!("{lines}");
}
