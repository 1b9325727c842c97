//! Transfers 64 MiB between two in-memory associations and prints the time: for `perf record`.
//!
//! cargo run --release --manifest-path bench/Cargo.toml -p sansrtc-bench-sctp --bin sctp_profile [size]
use std::time::Instant;

fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(65536);
    let total = 64 * 1024 * 1024;
    let mut p = sansrtc_bench_sctp::Pipe::new();
    let t = Instant::now();
    p.transfer(size, total);
    let d = t.elapsed();
    println!(
        "{size} B messages: 64 MiB in {:.3} s = {:.0} Mbit/s (both ends on one core)",
        d.as_secs_f64(),
        total as f64 * 8.0 / d.as_secs_f64() / 1e6
    );
}
