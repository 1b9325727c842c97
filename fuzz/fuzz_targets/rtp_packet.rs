//! Parses a datagram as RTP, reads every field, walks and decodes the RFC 8285 extensions
//! with Chromium's extension map, and rewrites fields in place. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::{ExtensionKind, ExtensionMap, ExtensionValue, RtpPacket};

fuzz_target!(|data: &[u8]| {
    let mut map = ExtensionMap::new();
    for (i, kind) in ExtensionKind::ALL.into_iter().enumerate() {
        map.insert(i as u8 + 1, kind).unwrap();
    }
    let Ok(p) = RtpPacket::new_checked(data) else {
        return;
    };
    assert_eq!(
        p.header_len() + p.payload().len() + p.padding_len(),
        data.len()
    );
    let _ = (
        p.version(),
        p.marker(),
        p.payload_type(),
        p.sequence_number(),
        p.timestamp(),
        p.ssrc(),
        p.csrcs().count(),
        p.extension_profile(),
    );
    let parsed = map.parse(p.extensions());
    for e in p.extensions() {
        if let Some(kind) = map.kind_of(e.id)
            && let Some(v) = ExtensionValue::parse(kind, e.data)
        {
            let mut out = [0u8; 256];
            let n = v.encode(&mut out).unwrap();
            assert_eq!(ExtensionValue::parse(kind, &out[..n]), Some(v));
        }
    }
    let _ = parsed;
    let mut copy = data.to_vec();
    let mut m = RtpPacket::new_checked(&mut copy[..]).unwrap();
    m.set_sequence_number(1);
    m.set_ssrc(2);
    m.set_payload_type(3);
    m.set_marker(true);
    if let Some(v) = m.extension_mut(3) {
        v.fill(0xff);
    }
    m.payload_mut().fill(0);
    // Rewriting fields never changes the structure.
    let again = RtpPacket::new_checked(&copy[..]).unwrap();
    assert_eq!(again.header_len(), p.header_len());
});
