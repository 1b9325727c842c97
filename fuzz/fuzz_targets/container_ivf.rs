//! Reads bytes as an IVF file (sansrtc-cli's `play-from-disk` input): the header, then every
//! frame until the end or an error, with the key-frame check play-from-disk makes on each. Any
//! panic is a bug; a frame larger than the reader's limit must be an error, not an allocation.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use sansrtc_cli::container::ivf::IvfReader;
use sansrtc_cli::container::{MAX_FRAME, is_keyframe};
use sansrtc_rtp::payload::Codec;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = IvfReader::new(Cursor::new(data)) else {
        return;
    };
    let codec = r.header().codec().unwrap_or(Codec::Vp8);
    let _ = r.header().seconds(u64::MAX);
    let mut frame = Vec::new();
    while let Ok(Some(_)) = r.next_frame(&mut frame) {
        assert!(frame.len() <= MAX_FRAME);
        for c in [codec, Codec::Vp9, Codec::Av1, Codec::H264] {
            let _ = is_keyframe(c, &frame);
        }
    }
});
