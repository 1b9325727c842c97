//! What several fuzz targets share. Today: the RTP payload-format targets
//! (`rtp_depacketize_*`), which all split the input into payloads the same way, depacketize
//! them into a frame, and packetize that frame again.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_rtp::payload::{Depacketizer, Packetizer, Payloads};

/// Splits the input into payloads: each is a 2-byte big-endian header (top bit: RTP marker,
/// the rest: length) and that many bytes.
pub fn records(mut data: &[u8]) -> Vec<(bool, &[u8])> {
    let mut out = vec![];
    while let [hi, lo, rest @ ..] = data {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]) & 0x7fff).min(rest.len());
        out.push((hi & 0x80 != 0, &rest[..len]));
        data = &rest[len..];
    }
    out
}

/// The payload size limit a target packetizes with, taken from the input's first byte.
pub fn mtu(data: &[u8]) -> usize {
    64 + usize::from(data.first().copied().unwrap_or(0)) * 4
}

/// Parses every payload of `data` (errors are fine, panics are not), then depacketizes them
/// all as one frame; `None` if the depacketizer refuses the frame.
pub fn depacketize(d: &impl Depacketizer, data: &[u8]) -> Option<Vec<u8>> {
    let records = records(data);
    for (marker, payload) in &records {
        let _ = d.parse(payload, *marker);
    }
    let mut frame = vec![];
    d.depacketize(records.iter().map(|(_, p)| *p), &mut frame)
        .ok()?;
    Some(frame)
}

/// Packetizes `frame` within `mtu`; every payload must fit and parse. `None` if the
/// packetizer refuses the frame.
pub fn packetize(
    packetizer: &mut impl Packetizer,
    d: &impl Depacketizer,
    frame: &[u8],
    mtu: usize,
) -> Option<Vec<Vec<u8>>> {
    let mut payloads = packetizer.packetize(frame, mtu).ok()?;
    let mut packets = vec![];
    let mut buf = vec![0u8; mtu];
    while let Some(p) = payloads.next_into(&mut buf).unwrap() {
        assert!(p.len <= mtu);
        d.parse(&buf[..p.len], p.marker).unwrap();
        packets.push(buf[..p.len].to_vec());
    }
    Some(packets)
}

/// Depacketizing `packets` gives `frame` back.
pub fn assert_depacketizes_to(d: &impl Depacketizer, packets: &[Vec<u8>], frame: &[u8]) {
    let mut back = vec![];
    d.depacketize(packets.iter().map(Vec::as_slice), &mut back)
        .unwrap();
    assert_eq!(back, frame);
}

/// The whole target for a format whose packetizer takes any frame its depacketizer makes:
/// depacketize, and whatever came out packetizes and depacketizes back to itself.
pub fn depacketize_roundtrip(d: &impl Depacketizer, packetizer: &mut impl Packetizer, data: &[u8]) {
    let Some(frame) = depacketize(d, data) else {
        return;
    };
    let Some(packets) = packetize(packetizer, d, &frame, mtu(data)) else {
        return;
    };
    assert_depacketizes_to(d, &packets, &frame);
}
