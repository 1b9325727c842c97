//! Benchmarks of sansrtc-dtls against webrtc-dtls: see benches/dtls.rs.
