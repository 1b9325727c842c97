//! The str0m child of the `peer` bench.

fn main() {
    sansrtc_bench_peer::child::main("str0m", sansrtc_bench_peer::str0m_pair::run);
}
