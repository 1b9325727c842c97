//! Depacketizes a frame of AV1 (AOM RTP payload format) payloads: parses every payload,
//! reassembles the frame, and packetizes the result again. Any panic is a bug.

#![no_main]
#![allow(clippy::panic, clippy::expect_used)]

use libfuzzer_sys::fuzz_target;
use sansrtc_fuzz::{assert_depacketizes_to, depacketize, mtu, packetize};
use sansrtc_rtp::payload::av1;

fuzz_target!(|data: &[u8]| {
    let d = av1::Av1Depacketizer;
    let Some(frame) = depacketize(&d, data) else {
        return;
    };
    // Without padding OBUs (which the packetizer drops), what came out packetizes and
    // depacketizes back to itself.
    let obus: Option<Vec<_>> = av1::Obus::new(&frame).map(Result::ok).collect();
    let Some(obus) = obus else {
        panic!("depacketizer output is not a valid temporal unit");
    };
    if obus.is_empty() || obus.iter().any(|o| o.obu_type() == av1::obu_type::PADDING) {
        return;
    }
    let packets = packetize(&mut av1::Av1Packetizer, &d, &frame, mtu(data))
        .expect("a valid temporal unit packetizes");
    assert_depacketizes_to(&d, &packets, &frame);
});
