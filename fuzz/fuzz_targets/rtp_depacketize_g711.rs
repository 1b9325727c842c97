//! Depacketizes a frame of G.711 (RFC 3551) payloads: parses every payload, reassembles the frame,
//! and packetizes the result again, which must depacketize back to it. Any panic is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::payload::g711;

fuzz_target!(|data: &[u8]| {
    sansrtc_fuzz::depacketize_roundtrip(&g711::G711Depacketizer, &mut g711::G711Packetizer, data);
});
