//! Reads bytes as an Ogg Opus file (RFC 7845; sansrtc-cli's `play-from-disk --audio` input):
//! pages with their CRC checked (RFC 3533), the OpusHead/OpusTags headers, then every packet
//! with its TOC duration. The same bytes also go through the bare Ogg packet reader. Any panic
//! is a bug. (Pages with a wrong CRC are refused, so the fuzzer mostly explores the header and
//! the lacing through the seed files' valid pages.)

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use sansrtc_cli::container::ogg::{MAX_PACKET, PacketReader};
use sansrtc_cli::container::opus::{MAX_PACKET_SAMPLES, OggOpusReader, OpusHead, OpusTags};

fuzz_target!(|data: &[u8]| {
    let mut packets = PacketReader::new(Cursor::new(data));
    let mut p = Vec::new();
    while let Ok(Some(_)) = packets.next_packet(&mut p) {
        assert!(p.len() <= MAX_PACKET);
        // Every packet also as a header, as the reader would see one.
        let _ = OpusHead::parse(&p);
        let _ = OpusTags::parse(&p);
    }
    // The raw bytes as header packets too (no page CRC in the way).
    if let Ok(head) = OpusHead::parse(data) {
        assert_eq!(OpusHead::parse(&head.to_bytes()).unwrap(), head);
    }
    if let Ok(tags) = OpusTags::parse(data) {
        assert_eq!(OpusTags::parse(&tags.to_bytes()).unwrap(), tags);
    }
    let Ok(mut r) = OggOpusReader::new(Cursor::new(data)) else {
        return;
    };
    while let Ok(Some(samples)) = r.next_packet(&mut p) {
        assert!(samples <= MAX_PACKET_SAMPLES);
    }
});
