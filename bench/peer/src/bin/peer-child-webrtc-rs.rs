//! The webrtc-rs child of the `peer` bench.

fn main() {
    sansrtc_bench_peer::child::main("webrtc-rs", sansrtc_bench_peer::webrtc_pair::run);
}
