//! Splits a datagram into DTLS records (RFC 6347 §4.1), re-encodes every header, and runs the
//! anti-replay window (§4.1.2.6) over the sequence numbers. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_dtls::record::{Record, Records, ReplayWindow};

fuzz_target!(|data: &[u8]| {
    let mut window = ReplayWindow::default();
    let mut rest = data;
    for record in Records::new(data) {
        let Ok(record) = record else { break };
        // The iterator and a direct parse agree, and the header re-encodes to the same bytes.
        let (direct, tail) = Record::parse(rest).unwrap();
        assert_eq!(direct, record);
        let mut header = Vec::new();
        record.header.encode(&mut header);
        assert_eq!(&header[..], &rest[..13]);
        rest = tail;
        let seq = record.header.sequence_number;
        if window.is_fresh(seq) {
            window.mark(seq);
            assert!(!window.is_fresh(seq));
        }
    }
});
