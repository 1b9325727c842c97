//! Depacketizes a frame of Opus (RFC 7587) payloads: parses every payload, reassembles the frame,
//! and packetizes the result again, which must depacketize back to it. Any panic is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::payload::opus;

fuzz_target!(|data: &[u8]| {
    sansrtc_fuzz::depacketize_roundtrip(&opus::OpusDepacketizer, &mut opus::OpusPacketizer, data);
});
