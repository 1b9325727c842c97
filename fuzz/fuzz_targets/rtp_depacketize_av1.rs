//! Depacketizes a frame of AV1 (AOM RTP payload format) payloads: parses every payload, reassembles the frame,
//! and packetizes the result again. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::payload::{Depacketizer, Packetizer, Payloads, av1};

/// Splits the input into payloads: each is a 2-byte big-endian header (top bit: RTP marker,
/// the rest: length) and that many bytes.
fn records(mut data: &[u8]) -> Vec<(bool, &[u8])> {
    let mut out = vec![];
    while let [hi, lo, rest @ ..] = data {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]) & 0x7fff).min(rest.len());
        out.push((hi & 0x80 != 0, &rest[..len]));
        data = &rest[len..];
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let d = av1::Av1Depacketizer;
    let records = records(data);
    for (marker, payload) in &records {
        let _ = d.parse(payload, *marker);
    }
    let mut frame = vec![];
    if d.depacketize(records.iter().map(|(_, p)| *p), &mut frame)
        .is_err()
    {
        return;
    }
    let mtu = 64 + usize::from(data.first().copied().unwrap_or(0)) * 4;
    // Without padding OBUs (which the packetizer drops), what came out packetizes and
    // depacketizes back to itself.
    let obus: Option<Vec<_>> = av1::Obus::new(&frame).map(Result::ok).collect();
    let Some(obus) = obus else {
        panic!("depacketizer output is not a valid temporal unit");
    };
    if obus.is_empty() || obus.iter().any(|o| o.obu_type() == av1::obu_type::PADDING) {
        return;
    }
    let mut packetizer = av1::Av1Packetizer;
    let mut payloads = packetizer.packetize(&frame, mtu).unwrap();
    let mut packets = vec![];
    let mut buf = vec![0u8; mtu];
    while let Some(p) = payloads.next_into(&mut buf).unwrap() {
        d.parse(&buf[..p.len], p.marker).unwrap();
        packets.push(buf[..p.len].to_vec());
    }
    let mut back = vec![];
    d.depacketize(packets.iter().map(Vec::as_slice), &mut back)
        .unwrap();
    assert_eq!(back, frame);
});
