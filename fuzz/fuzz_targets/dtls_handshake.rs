//! Parses a handshake record body: every fragment header (RFC 6347 §4.2.2), then the message
//! body as the type it claims (RFC 5246 §7.4); whatever parses must re-encode to bytes that
//! parse and re-encode to the same bytes (the first encoding drops extensions we do not
//! know). Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_dtls::handshake::{Fragment, Message};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok((frag, tail)) = Fragment::parse(rest) {
        assert!(frag.header.fragment_offset + frag.header.fragment_length <= frag.header.length);
        rest = tail;
        if let Ok(message) = Message::parse(frag.header.msg_type, frag.body) {
            let mut body = Vec::new();
            message.encode(&mut body);
            let again = Message::parse(message.msg_type(), &body).unwrap();
            let mut body2 = Vec::new();
            again.encode(&mut body2);
            assert_eq!(body, body2);
        }
    }
});
