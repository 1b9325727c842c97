//! Depacketizes a frame of VP8 (RFC 7741) payloads: parses every payload, reassembles the frame,
//! and packetizes the result again, which must depacketize back to it. Any panic is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::payload::vp8;

fuzz_target!(|data: &[u8]| {
    sansrtc_fuzz::depacketize_roundtrip(
        &vp8::Vp8Depacketizer,
        &mut vp8::Vp8Packetizer::new(1),
        data,
    );
});
