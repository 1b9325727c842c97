//! The sansrtc child of the `peer` bench: `peer-child-sansrtc [ring]` (the default RustCrypto
//! provider, or `ring`).

use sansrtc_bench_peer::{child, sansrtc_pair};

fn main() {
    if std::env::args().nth(1).as_deref() == Some("ring") {
        child::main("sansrtc-ring", || {
            sansrtc_pair::run(sansrtc_crypto::ring::provider())
        });
    } else {
        child::main("sansrtc", || {
            sansrtc_pair::run(sansrtc_crypto::rust_crypto::provider())
        });
    }
}
