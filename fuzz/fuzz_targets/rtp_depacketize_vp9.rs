//! Depacketizes a frame of VP9 (RFC 9628) payloads: parses every payload, reassembles the frame,
//! and packetizes the result again, which must depacketize back to it. Any panic is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::payload::vp9;

fuzz_target!(|data: &[u8]| {
    sansrtc_fuzz::depacketize_roundtrip(
        &vp9::Vp9Depacketizer,
        &mut vp9::Vp9Packetizer::new(1),
        data,
    );
});
