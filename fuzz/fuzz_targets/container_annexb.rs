//! Splits bytes as an H.264 Annex B byte stream into access units (sansrtc-cli's
//! `play-from-disk --video x.h264` input) and checks each for an IDR slice. Any panic or an
//! access unit that is not made of the input's NAL units is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_cli::container::annexb::{AccessUnits, NalUnits};
use sansrtc_cli::container::is_keyframe;
use sansrtc_rtp::payload::Codec;

fuzz_target!(|data: &[u8]| {
    let nal_bytes: usize = NalUnits::new(data).map(<[u8]>::len).sum();
    let mut aus = AccessUnits::from_bytes(data.to_vec());
    let mut au = Vec::new();
    let mut total = 0;
    while let Ok(true) = aus.next_access_unit(&mut au) {
        assert!(au.starts_with(&[0, 0, 0, 1]));
        let _ = is_keyframe(Codec::H264, &au);
        total += NalUnits::new(&au).map(<[u8]>::len).sum::<usize>();
    }
    // Access units hold every non-empty NAL unit once (trailing zeros stripped either way).
    assert!(total <= nal_bytes);
});
