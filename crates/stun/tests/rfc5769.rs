//! The RFC 5769 test vectors, byte for byte: each is decoded and verified, and rebuilt by
//! `MessageBuilder` into exactly the same bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;

use sansrtc_stun::{
    Attribute, Class, Error, IntegrityKey, Message, MessageBuilder, Method, TransactionId,
};

fn bytes(words: &[&str]) -> Vec<u8> {
    hex::decode(words.concat()).unwrap()
}

const PASSWORD: &str = "VOkJxbRl1RmTxUk/WvJxBt";

/// RFC 5769 §2.1.
fn sample_request() -> Vec<u8> {
    bytes(&[
        "00010058", "2112a442", "b7e7a701", "bc34d686", "fa87dfae", // header
        "80220010", "5354554e", "20746573", "7420636c", "69656e74", // SOFTWARE
        "00240004", "6e0001ff", // PRIORITY
        "80290008", "932ff9b1", "51263b36", // ICE-CONTROLLED
        "00060009", "6576746a", "3a683676", "59202020", // USERNAME, padded with 0x20
        "00080014", "9aeaa70c", "bfd8cb56", "781ef2b5", "b2d3f249", "c1b571a2", // MI
        "80280004", "e57a3bcf", // FINGERPRINT
    ])
}

/// RFC 5769 §2.2.
fn sample_ipv4_response() -> Vec<u8> {
    bytes(&[
        "0101003c", "2112a442", "b7e7a701", "bc34d686", "fa87dfae", // header
        "8022000b", "74657374", "20766563", "746f7220", // SOFTWARE, padded with 0x20
        "00200008", "0001a147", "e112a643", // XOR-MAPPED-ADDRESS
        "00080014", "2b91f599", "fd9e90c3", "8c7489f9", "2af9ba53", "f06be7d7", // MI
        "80280004", "c07d4c96", // FINGERPRINT
    ])
}

/// RFC 5769 §2.3.
fn sample_ipv6_response() -> Vec<u8> {
    bytes(&[
        "01010048", "2112a442", "b7e7a701", "bc34d686", "fa87dfae", // header
        "8022000b", "74657374", "20766563", "746f7220", // SOFTWARE
        "00200014", "0002a147", "0113a9fa", "a5d3f179", "bc25f4b5", "bed2b9d9", // XOR-MAPPED
        "00080014", "a382954e", "4be67bf1", "1784c97c", "8292c275", "bfe3ed41", // MI
        "80280004", "c8fb0b4c", // FINGERPRINT
    ])
}

/// RFC 5769 §2.4.
fn sample_long_term_request() -> Vec<u8> {
    bytes(&[
        "00010060", "2112a442", "78ad3433", "c6ad72c0", "29da412e", // header
        "00060012", "e3839ee3", "8388e383", "aae38383", "e382afe3", "82b90000", // USERNAME
        "0015001c", "662f2f34", "39396b39", "35346436", "4f4c3334", "6f4c3946", "53547679",
        "36347341", // NONCE
        "0014000b", "6578616d", "706c652e", "6f726700", // REALM
        "00080014", "f6702465", "6dd64a3e", "02b8e071", "2e85c9a2", "8ca89666", // MI
    ])
}

const TID_1: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];
const TID_4: [u8; 12] = [
    0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
];

/// "マトリックス" unaffected by SASLprep.
const LONG_TERM_USERNAME: &str = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}";
/// "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep.
const LONG_TERM_PASSWORD: &str = "TheMatrIX";
const NONCE: &str = "f//499k954d6OL34oL9FSTvy64sA";
const REALM: &str = "example.org";

#[test]
fn rfc5769_2_1_sample_request_decodes_and_verifies() {
    let bytes = sample_request();
    let msg = Message::parse(&bytes).unwrap();
    assert_eq!(msg.class(), Class::Request);
    assert_eq!(msg.method(), Method::BINDING);
    assert_eq!(msg.transaction_id(), TransactionId::new(TID_1));
    let attributes: Vec<_> = msg.typed_attributes().map(Result::unwrap).collect();
    assert_eq!(attributes[0], Attribute::Software("STUN test client"));
    assert_eq!(attributes[1], Attribute::Priority(0x6e0001ff));
    assert_eq!(attributes[2], Attribute::IceControlled(0x932ff9b151263b36));
    assert_eq!(attributes[3], Attribute::Username("evtj:h6vY"));
    assert!(matches!(attributes[4], Attribute::MessageIntegrity(_)));
    assert_eq!(attributes[5], Attribute::Fingerprint(0xe57a3bcf));
    assert_eq!(attributes.len(), 6);
    assert_eq!(msg.username(), Some(Ok("evtj:h6vY")));
    assert_eq!(msg.priority(), Some(Ok(0x6e0001ff)));
    assert_eq!(msg.ice_controlled(), Some(Ok(0x932ff9b151263b36)));
    assert_eq!(msg.ice_controlling(), None);
    assert!(!msg.use_candidate());
    assert_eq!(msg.unknown_comprehension_required().count(), 0);
    msg.verify_integrity(&IntegrityKey::short_term(PASSWORD))
        .unwrap();
    msg.verify_fingerprint().unwrap();
}

#[test]
fn rfc5769_2_1_sample_request_encodes() {
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Class::Request,
        Method::BINDING,
        TransactionId::new(TID_1),
    )
    .padding(0x20);
    b.add(&Attribute::Software("STUN test client")).unwrap();
    b.add(&Attribute::Priority(0x6e0001ff)).unwrap();
    b.add(&Attribute::IceControlled(0x932ff9b151263b36))
        .unwrap();
    b.add(&Attribute::Username("evtj:h6vY")).unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(PASSWORD))
        .unwrap();
    b.add_fingerprint().unwrap();
    assert_eq!(b.finish(), 108);
    assert_eq!(hex::encode(&out), hex::encode(sample_request()));
}

fn check_response(bytes: &[u8], mapped: &str) {
    let msg = Message::parse(bytes).unwrap();
    assert_eq!(msg.class(), Class::SuccessResponse);
    assert_eq!(msg.method(), Method::BINDING);
    assert_eq!(msg.transaction_id(), TransactionId::new(TID_1));
    let attributes: Vec<_> = msg.typed_attributes().map(Result::unwrap).collect();
    assert_eq!(attributes[0], Attribute::Software("test vector"));
    let mapped: SocketAddr = mapped.parse().unwrap();
    assert_eq!(attributes[1], Attribute::XorMappedAddress(mapped));
    assert_eq!(msg.xor_mapped_address(), Some(Ok(mapped)));
    msg.verify_integrity(&IntegrityKey::short_term(PASSWORD))
        .unwrap();
    msg.verify_fingerprint().unwrap();

    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Class::SuccessResponse,
        Method::BINDING,
        TransactionId::new(TID_1),
    )
    .padding(0x20);
    b.add(&Attribute::Software("test vector")).unwrap();
    b.add(&Attribute::XorMappedAddress(mapped)).unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(PASSWORD))
        .unwrap();
    b.add_fingerprint().unwrap();
    assert_eq!(hex::encode(&out), hex::encode(bytes));
}

#[test]
fn rfc5769_2_2_sample_ipv4_response() {
    check_response(&sample_ipv4_response(), "192.0.2.1:32853");
}

#[test]
fn rfc5769_2_3_sample_ipv6_response() {
    check_response(
        &sample_ipv6_response(),
        "[2001:db8:1234:5678:11:2233:4455:6677]:32853",
    );
}

#[test]
fn rfc5769_2_4_sample_request_with_long_term_authentication() {
    let bytes = sample_long_term_request();
    let key = IntegrityKey::long_term(LONG_TERM_USERNAME, REALM, LONG_TERM_PASSWORD);
    let msg = Message::parse(&bytes).unwrap();
    assert_eq!(msg.class(), Class::Request);
    assert_eq!(msg.transaction_id(), TransactionId::new(TID_4));
    assert_eq!(msg.username(), Some(Ok(LONG_TERM_USERNAME)));
    assert_eq!(msg.nonce(), Some(Ok(NONCE)));
    assert_eq!(msg.realm(), Some(Ok(REALM)));
    assert!(!msg.has_fingerprint());
    assert_eq!(msg.verify_fingerprint(), Err(Error::MissingFingerprint));
    msg.verify_integrity(&key).unwrap();

    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Class::Request,
        Method::BINDING,
        TransactionId::new(TID_4),
    );
    b.add(&Attribute::Username(LONG_TERM_USERNAME)).unwrap();
    b.add(&Attribute::Nonce(NONCE)).unwrap();
    b.add(&Attribute::Realm(REALM)).unwrap();
    b.add_message_integrity(&key).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(&bytes));
}

#[test]
fn rfc5769_2_4_unprepared_password_fails() {
    // Without SASLprep the password bytes differ, so does the key: verification must fail.
    let bytes = sample_long_term_request();
    let key = IntegrityKey::long_term(LONG_TERM_USERNAME, REALM, "The\u{00AD}M\u{00AA}tr\u{2168}");
    let msg = Message::parse(&bytes).unwrap();
    assert!(matches!(
        msg.verify_integrity(&key),
        Err(Error::IntegrityMismatch(_))
    ));
}

/// Every byte of every vector, flipped, must make verification fail (RFC 8489 §14.5, §14.7):
/// a flip in the covered bytes breaks MESSAGE-INTEGRITY (and FINGERPRINT), a flip in
/// MESSAGE-INTEGRITY breaks it, a flip in FINGERPRINT breaks it, and a flip in FINGERPRINT's
/// type turns it into an unprotected attribute that is ignored, so the FINGERPRINT a receiver
/// requires (as ICE does) goes missing.
#[test]
fn rfc8489_14_5_every_tampered_byte_is_rejected() {
    let vectors = [
        (sample_request(), IntegrityKey::short_term(PASSWORD)),
        (sample_ipv4_response(), IntegrityKey::short_term(PASSWORD)),
        (sample_ipv6_response(), IntegrityKey::short_term(PASSWORD)),
        (
            sample_long_term_request(),
            IntegrityKey::long_term(LONG_TERM_USERNAME, REALM, LONG_TERM_PASSWORD),
        ),
    ];
    for (vector, key) in vectors {
        let requires_fingerprint = Message::parse(&vector).unwrap().has_fingerprint();
        for i in 0..vector.len() {
            for bit in 0..8 {
                let mut tampered = vector.clone();
                tampered[i] ^= 1 << bit;
                let Ok(msg) = Message::parse(&tampered) else {
                    continue;
                };
                let integrity = msg.verify_integrity(&key);
                let fingerprint = msg.verify_fingerprint();
                assert!(
                    integrity.is_err() || (requires_fingerprint && fingerprint.is_err()),
                    "flip of bit {bit} at byte {i} went unnoticed"
                );
            }
        }
    }
}

#[test]
fn rfc8489_14_5_tampered_integrity_is_a_precise_error() {
    let mut bytes = sample_request();
    bytes[30] ^= 0xff; // inside SOFTWARE
    let msg = Message::parse(&bytes).unwrap();
    assert_eq!(
        msg.verify_integrity(&IntegrityKey::short_term(PASSWORD)),
        Err(Error::IntegrityMismatch(
            sansrtc_stun::AttributeType::MESSAGE_INTEGRITY
        ))
    );
    assert!(matches!(
        msg.verify_fingerprint(),
        Err(Error::FingerprintMismatch { .. })
    ));
    // The wrong password.
    let msg_bytes = sample_request();
    let msg = Message::parse(&msg_bytes).unwrap();
    assert!(matches!(
        msg.verify_integrity(&IntegrityKey::short_term("wrong")),
        Err(Error::IntegrityMismatch(_))
    ));
}

#[test]
fn rfc8489_14_7_tampered_fingerprint_is_a_precise_error() {
    let mut bytes = sample_request();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let msg = Message::parse(&bytes).unwrap();
    assert_eq!(
        msg.verify_fingerprint(),
        Err(Error::FingerprintMismatch {
            received: 0xe57a3bce,
            computed: 0xe57a3bcf
        })
    );
    // MESSAGE-INTEGRITY does not cover FINGERPRINT.
    msg.verify_integrity(&IntegrityKey::short_term(PASSWORD))
        .unwrap();
}
