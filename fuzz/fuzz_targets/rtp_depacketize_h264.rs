//! Depacketizes a frame of H.264 (RFC 6184) payloads: parses every payload, reassembles the frame,
//! and packetizes the result again. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::payload::{Depacketizer, Packetizer, Payloads, h264};

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
    let d = h264::H264Depacketizer;
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
    // Annex B output: every NAL unit is behind a start code.
    assert!(frame.is_empty() || h264::AnnexBNalUnits::starts_with_start_code(&frame));
    let mut packetizer = h264::H264Packetizer::new(h264::PacketizationMode::NonInterleaved);
    if let Ok(mut payloads) = packetizer.packetize(&frame, mtu) {
        let mut buf = vec![0u8; mtu];
        while let Some(p) = payloads.next_into(&mut buf).unwrap() {
            assert!(p.len <= mtu);
            d.parse(&buf[..p.len], p.marker).unwrap();
        }
    }
});
