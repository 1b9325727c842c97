//! Parses a datagram as STUN, walks and decodes every attribute, and verifies
//! MESSAGE-INTEGRITY(-SHA256) with a fixed key and FINGERPRINT. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sansrtc_stun::{Attribute, IntegrityKey, Message, is_stun};

/// The RFC 5769 short-term password, so the seed corpus verifies.
fn key() -> &'static IntegrityKey {
    static KEY: OnceLock<IntegrityKey> = OnceLock::new();
    KEY.get_or_init(|| IntegrityKey::short_term("VOkJxbRl1RmTxUk/WvJxBt"))
}

fuzz_target!(|data: &[u8]| {
    let looks_like_stun = is_stun(data);
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    // Every message the parser accepts passes the cheap demux test, unless its method is
    // outside RFC 7983's first-byte range.
    assert!(looks_like_stun || msg.method().value() >= 0x100);
    let _ = (msg.class(), msg.method(), msg.transaction_id());
    for attribute in msg.typed_attributes() {
        match attribute {
            Ok(Attribute::UnknownAttributes(list)) => {
                let _ = list.iter().count();
            }
            Ok(Attribute::PasswordAlgorithms(list)) => {
                let _ = list.iter().count();
            }
            _ => {}
        }
    }
    let _ = msg.unknown_comprehension_required().count();
    let _ = msg.verify_integrity(key());
    let _ = msg.verify_message_integrity(key());
    let _ = msg.verify_fingerprint();
});
