//! Depacketizes a frame of H.264 (RFC 6184) payloads: parses every payload, reassembles the
//! frame, and packetizes the result again. Any panic is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansrtc_fuzz::{depacketize, mtu, packetize};
use sansrtc_rtp::payload::h264;

fuzz_target!(|data: &[u8]| {
    let d = h264::H264Depacketizer;
    let Some(frame) = depacketize(&d, data) else {
        return;
    };
    // Annex B output: every NAL unit is behind a start code.
    assert!(frame.is_empty() || h264::AnnexBNalUnits::starts_with_start_code(&frame));
    let mut packetizer = h264::H264Packetizer::new(h264::PacketizationMode::NonInterleaved);
    // Not every depacketized frame packetizes again; the payloads of one that does fit the MTU
    // and parse.
    let _ = packetize(&mut packetizer, &d, &frame, mtu(data));
});
