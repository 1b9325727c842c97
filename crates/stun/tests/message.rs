//! Message layout, attribute order and attribute value rules of RFC 8489 §5, §6.3, §14.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_stun::{
    Attribute, AttributeType, AttributeTypes, Class, Error, ErrorCode, IntegrityKey, Message,
    MessageBuilder, Method, TransactionId,
};

const TID: TransactionId = TransactionId::new([0xa5; 12]);

fn key() -> IntegrityKey {
    IntegrityKey::short_term("pass")
}

fn builder(out: &mut Vec<u8>) -> MessageBuilder<'_> {
    MessageBuilder::new(out, Class::Request, Method::BINDING, TID)
}

/// Appends a raw attribute after whatever the builder wrote and fixes the header length.
fn append_raw(out: &mut Vec<u8>, attribute_type: u16, value: &[u8]) {
    out.extend_from_slice(&attribute_type.to_be_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().div_ceil(4) * 4, 0);
    let len = (out.len() - 20) as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
}

#[test]
fn rfc8489_5_header_checks() {
    let mut out = Vec::new();
    builder(&mut out).add(&Attribute::Username("u")).unwrap();
    assert!(Message::parse(&out).is_ok());
    assert_eq!(Message::parse(&out[..19]).unwrap_err(), Error::TooShort(19));

    let mut bad = out.clone();
    bad[0] |= 0x80;
    assert_eq!(Message::parse(&bad).unwrap_err(), Error::NotStun);

    let mut bad = out.clone();
    bad[7] = 0;
    assert_eq!(
        Message::parse(&bad).unwrap_err(),
        Error::BadMagicCookie(0x2112a400)
    );

    let mut bad = out.clone();
    bad[3] = 6;
    assert_eq!(Message::parse(&bad).unwrap_err(), Error::UnalignedLength(6));

    let mut bad = out.clone();
    bad.extend_from_slice(&[0; 4]);
    assert_eq!(
        Message::parse(&bad).unwrap_err(),
        Error::LengthMismatch {
            header: 8,
            actual: 12
        }
    );
}

#[test]
fn rfc8489_14_attribute_running_past_the_end_is_rejected() {
    let mut out = Vec::new();
    builder(&mut out).add(&Attribute::Username("user")).unwrap();
    out[23] = 5; // USERNAME claims 5 bytes, but only 4 follow its header
    assert_eq!(
        Message::parse(&out).unwrap_err(),
        Error::TruncatedAttribute(AttributeType::USERNAME)
    );
}

#[test]
fn rfc8489_14_5_builder_refuses_attributes_after_message_integrity() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Username("u")).unwrap();
    b.add_message_integrity(&key()).unwrap();
    assert_eq!(
        b.add(&Attribute::Software("late")),
        Err(Error::AttributeAfterIntegrity(AttributeType::SOFTWARE))
    );
    assert_eq!(
        b.add_message_integrity(&key()),
        Err(Error::AttributeAfterIntegrity(
            AttributeType::MESSAGE_INTEGRITY
        ))
    );
    // MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow.
    b.add_message_integrity_sha256(&key()).unwrap();
    assert_eq!(
        b.add_message_integrity(&key()),
        Err(Error::AttributeAfterIntegrity(
            AttributeType::MESSAGE_INTEGRITY
        ))
    );
    b.add_fingerprint().unwrap();
    let len = b.finish();
    // A refused call leaves the message intact.
    let msg = Message::parse(&out[..len]).unwrap();
    msg.verify_message_integrity(&key()).unwrap();
    msg.verify_message_integrity_sha256(&key()).unwrap();
    msg.verify_fingerprint().unwrap();
}

#[test]
fn rfc8489_14_7_builder_refuses_anything_after_fingerprint() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add_fingerprint().unwrap();
    assert_eq!(
        b.add(&Attribute::UseCandidate),
        Err(Error::AttributeAfterFingerprint(
            AttributeType::USE_CANDIDATE
        ))
    );
    assert_eq!(
        b.add_message_integrity(&key()),
        Err(Error::AttributeAfterFingerprint(
            AttributeType::MESSAGE_INTEGRITY
        ))
    );
    assert_eq!(
        b.add_fingerprint(),
        Err(Error::AttributeAfterFingerprint(AttributeType::FINGERPRINT))
    );
    Message::parse(&out).unwrap().verify_fingerprint().unwrap();
}

#[test]
fn rfc8489_14_5_computed_attributes_are_not_added_by_value() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    assert_eq!(
        b.add(&Attribute::Fingerprint(0)),
        Err(Error::ComputedAttribute(AttributeType::FINGERPRINT))
    );
    assert_eq!(
        b.add_raw(AttributeType::MESSAGE_INTEGRITY, &[0; 20]),
        Err(Error::ComputedAttribute(AttributeType::MESSAGE_INTEGRITY))
    );
}

#[test]
fn rfc8489_14_5_receiver_ignores_attributes_after_message_integrity() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Username("u")).unwrap();
    b.add_message_integrity(&key()).unwrap();
    // An on-path attacker appends an attribute: it is not covered, so it must be ignored.
    append_raw(&mut out, AttributeType::USE_CANDIDATE.0, &[]);
    append_raw(&mut out, 0x0042, b"unknown but required");
    let msg = Message::parse(&out).unwrap();
    msg.verify_integrity(&key()).unwrap();
    assert!(!msg.use_candidate());
    assert_eq!(msg.unknown_comprehension_required().count(), 0);
    let types: Vec<_> = msg.attributes().map(|a| a.attribute_type).collect();
    assert_eq!(
        types,
        [AttributeType::USERNAME, AttributeType::MESSAGE_INTEGRITY]
    );
}

#[test]
fn rfc8489_14_5_attributes_between_message_integrity_and_sha256_are_ignored() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Username("u")).unwrap();
    b.add_message_integrity(&key()).unwrap();
    // Not covered by MESSAGE-INTEGRITY: ignored even though MESSAGE-INTEGRITY-SHA256 follows.
    append_raw(&mut out, AttributeType::USE_CANDIDATE.0, &[]);
    append_raw(
        &mut out,
        AttributeType::MESSAGE_INTEGRITY_SHA256.0,
        &[0; 32],
    );
    let msg = Message::parse(&out).unwrap();
    assert!(!msg.use_candidate());
    let types: Vec<_> = msg.attributes().map(|a| a.attribute_type).collect();
    assert_eq!(
        types,
        [
            AttributeType::USERNAME,
            AttributeType::MESSAGE_INTEGRITY,
            AttributeType::MESSAGE_INTEGRITY_SHA256
        ]
    );
    msg.verify_message_integrity(&key()).unwrap();
}

#[test]
fn rfc8489_14_6_receiver_ignores_message_integrity_after_sha256() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add_message_integrity_sha256_truncated(&key(), 16)
        .unwrap();
    append_raw(&mut out, AttributeType::MESSAGE_INTEGRITY.0, &[0; 20]);
    let msg = Message::parse(&out).unwrap();
    assert_eq!(
        msg.verify_message_integrity(&key()),
        Err(Error::MissingIntegrity)
    );
    msg.verify_integrity(&key()).unwrap();
}

#[test]
fn rfc8489_14_7_parser_rejects_attribute_after_fingerprint() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Username("u")).unwrap();
    b.add_fingerprint().unwrap();
    append_raw(&mut out, AttributeType::SOFTWARE.0, b"x");
    assert_eq!(
        Message::parse(&out).unwrap_err(),
        Error::AttributeAfterFingerprint(AttributeType::SOFTWARE)
    );
}

#[test]
fn rfc8489_14_6_message_integrity_sha256_truncation() {
    for len in [16, 20, 24, 28, 32] {
        let mut out = Vec::new();
        let mut b = builder(&mut out);
        b.add(&Attribute::Username("u")).unwrap();
        b.add_message_integrity_sha256_truncated(&key(), len)
            .unwrap();
        b.add_fingerprint().unwrap();
        let msg = Message::parse(&out).unwrap();
        msg.verify_integrity(&key()).unwrap();
        assert_eq!(
            msg.verify_integrity(&IntegrityKey::short_term("other")),
            Err(Error::IntegrityMismatch(
                AttributeType::MESSAGE_INTEGRITY_SHA256
            ))
        );
        msg.verify_fingerprint().unwrap();
    }
    let mut out = Vec::new();
    for bad in [0, 12, 18, 36] {
        assert_eq!(
            builder(&mut out).add_message_integrity_sha256_truncated(&key(), bad),
            Err(Error::InvalidTruncation(bad))
        );
    }
}

#[test]
fn rfc8489_9_2_2_long_term_sha256_key() {
    let key = IntegrityKey::long_term_sha256("user", "realm", "pass");
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Username("user")).unwrap();
    b.add(&Attribute::Realm("realm")).unwrap();
    b.add_message_integrity_sha256(&key).unwrap();
    let msg = Message::parse(&out).unwrap();
    msg.verify_integrity(&key).unwrap();
    assert!(
        msg.verify_integrity(&IntegrityKey::long_term("user", "realm", "pass"))
            .is_err()
    );
}

#[test]
fn rfc8489_14_verify_without_the_attribute_is_a_precise_error() {
    let mut out = Vec::new();
    builder(&mut out).add(&Attribute::Username("u")).unwrap();
    let msg = Message::parse(&out).unwrap();
    assert_eq!(msg.verify_integrity(&key()), Err(Error::MissingIntegrity));
    assert_eq!(
        msg.verify_message_integrity_sha256(&key()),
        Err(Error::MissingIntegrity)
    );
    assert_eq!(msg.verify_fingerprint(), Err(Error::MissingFingerprint));
}

#[test]
fn rfc8489_6_3_1_unknown_comprehension_required_attributes_get_a_420() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add_raw(AttributeType(0x7ff1), b"required").unwrap();
    b.add_raw(AttributeType(0x8ff1), b"optional").unwrap();
    b.add(&Attribute::Priority(1)).unwrap();
    b.add_raw(AttributeType(0x0003), &[0; 4]).unwrap(); // CHANGE-REQUEST, RFC 5780: unknown here
    let request = Message::parse(&out).unwrap();
    let unknown: Vec<_> = request.unknown_comprehension_required().collect();
    assert_eq!(unknown, [AttributeType(0x7ff1), AttributeType(0x0003)]);

    let mut response = Vec::new();
    let mut b = MessageBuilder::new(
        &mut response,
        Class::ErrorResponse,
        request.method(),
        request.transaction_id(),
    );
    b.add(&Attribute::ErrorCode(ErrorCode::UNKNOWN_ATTRIBUTE))
        .unwrap();
    b.add(&Attribute::UnknownAttributes(AttributeTypes::List(
        &unknown,
    )))
    .unwrap();
    let response = Message::parse(&response).unwrap();
    assert_eq!(response.class(), Class::ErrorResponse);
    assert_eq!(
        response.error_code(),
        Some(Ok(ErrorCode::new(420, "Unknown Attribute")))
    );
    let Some(Ok(Attribute::UnknownAttributes(list))) =
        response.decode(AttributeType::UNKNOWN_ATTRIBUTES)
    else {
        panic!("UNKNOWN-ATTRIBUTES missing");
    };
    assert_eq!(list.iter().collect::<Vec<_>>(), unknown);
}

#[test]
fn rfc8489_14_1_14_2_address_values_are_checked() {
    let id = TID;
    // Family 3 does not exist.
    assert_eq!(
        Attribute::decode(
            AttributeType::XOR_MAPPED_ADDRESS,
            &[0, 3, 0, 0, 1, 2, 3, 4],
            &id
        ),
        Err(Error::InvalidAddressFamily(3))
    );
    // IPv4 family with an IPv6-sized address.
    assert_eq!(
        Attribute::decode(
            AttributeType::MAPPED_ADDRESS,
            &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &id
        ),
        Err(Error::InvalidAttributeLength {
            attribute: AttributeType::MAPPED_ADDRESS,
            len: 12
        })
    );
    assert_eq!(
        Attribute::decode(AttributeType::XOR_PEER_ADDRESS, &[0, 1], &id),
        Err(Error::InvalidAttributeLength {
            attribute: AttributeType::XOR_PEER_ADDRESS,
            len: 2
        })
    );
}

#[test]
fn rfc8489_14_8_error_code_values_are_checked() {
    let id = TID;
    let decode = |v: &'static [u8]| Attribute::decode(AttributeType::ERROR_CODE, v, &id);
    assert_eq!(
        decode(&[0, 0, 4, 1, b'B', b'a', b'd']),
        Ok(Attribute::ErrorCode(ErrorCode::new(401, "Bad")))
    );
    assert_eq!(decode(&[0, 0, 7, 0]), Err(Error::InvalidErrorCode(700)));
    assert_eq!(decode(&[0, 0, 2, 0]), Err(Error::InvalidErrorCode(200)));
    assert_eq!(decode(&[0, 0, 4, 100]), Err(Error::InvalidErrorCode(500)));
    assert_eq!(
        decode(&[0, 0, 4, 0, 0xff]),
        Err(Error::InvalidUtf8(AttributeType::ERROR_CODE))
    );
    let mut out = Vec::new();
    assert_eq!(
        builder(&mut out).add(&Attribute::ErrorCode(ErrorCode::new(200, "OK"))),
        Err(Error::InvalidErrorCode(200))
    );
}

#[test]
fn rfc8489_14_3_username_limit() {
    // Encoding: "fewer than 509 bytes".
    let long = "u".repeat(800);
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    assert_eq!(
        b.add(&Attribute::Username(&long[..509])),
        Err(Error::AttributeLimit {
            attribute: AttributeType::USERNAME,
            len: 509,
            max: 508
        })
    );
    b.add(&Attribute::Username(&long[..508])).unwrap();
    assert_eq!(
        Message::parse(&out).unwrap().username(),
        Some(Ok(&long[..508]))
    );
    // Decoding: up to 763 bytes, for RFC 5389 peers.
    for (len, ok) in [(763, true), (764, false)] {
        let mut b = builder(&mut out);
        b.add_raw(AttributeType::USERNAME, &long.as_bytes()[..len])
            .unwrap();
        let got = Message::parse(&out).unwrap().username().unwrap();
        if ok {
            assert_eq!(got, Ok(&long[..len]));
        } else {
            assert_eq!(
                got,
                Err(Error::AttributeLimit {
                    attribute: AttributeType::USERNAME,
                    len,
                    max: 763
                })
            );
        }
    }
}

#[test]
fn rfc8489_14_9_14_10_14_14_text_attributes_fewer_than_128_characters() {
    let mut out = Vec::new();
    // 127 characters of 4-byte UTF-8 (508 bytes) encode; a 128th character does not.
    let crabs = "\u{1F980}".repeat(128);
    let mut b = builder(&mut out);
    b.add(&Attribute::Software(&crabs[..127 * 4])).unwrap();
    for attribute in [
        Attribute::Software(&crabs),
        Attribute::Realm(&crabs),
        Attribute::Nonce(&crabs),
        Attribute::ErrorCode(ErrorCode::new(400, &crabs)),
    ] {
        assert_eq!(
            b.add(&attribute),
            Err(Error::AttributeLimit {
                attribute: attribute.attribute_type(),
                len: 128,
                max: 127
            })
        );
    }
    // A 512-byte RFC 5389-style SOFTWARE still decodes.
    let mut b = builder(&mut out);
    b.add_raw(AttributeType::SOFTWARE, &crabs.as_bytes()[..512])
        .unwrap();
    assert_eq!(
        Message::parse(&out)
            .unwrap()
            .decode(AttributeType::SOFTWARE),
        Some(Ok(Attribute::Software(&crabs[..512])))
    );
}

#[test]
fn rfc8489_5_message_length_is_bounded() {
    let data = vec![0u8; 40_000];
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Data(&data)).unwrap();
    assert_eq!(
        b.add(&Attribute::Data(&data)),
        Err(Error::TooLong(AttributeType::DATA))
    );
    assert_eq!(
        b.add(&Attribute::Data(&vec![0u8; 70_000])),
        Err(Error::TooLong(AttributeType::DATA))
    );
    let len = b.finish();
    assert_eq!(len, 20 + 4 + 40_000);
    assert!(Message::parse(&out).is_ok());
}

#[test]
fn rfc8656_18_turn_attributes_decode() {
    let id = TID;
    let d = |t: AttributeType, v: &'static [u8]| Attribute::decode(t, v, &id);
    assert_eq!(
        d(AttributeType::CHANNEL_NUMBER, &[0x40, 0x01, 0, 0]),
        Ok(Attribute::ChannelNumber(0x4001))
    );
    assert_eq!(
        d(AttributeType::LIFETIME, &[0, 0, 0x02, 0x58]),
        Ok(Attribute::Lifetime(600))
    );
    assert_eq!(
        d(AttributeType::REQUESTED_TRANSPORT, &[17, 0, 0, 0]),
        Ok(Attribute::RequestedTransport(17))
    );
    assert_eq!(
        d(AttributeType::EVEN_PORT, &[0x80]),
        Ok(Attribute::EvenPort(true))
    );
    assert_eq!(
        d(AttributeType::DONT_FRAGMENT, &[]),
        Ok(Attribute::DontFragment)
    );
    assert_eq!(
        d(AttributeType::DONT_FRAGMENT, &[0]),
        Err(Error::InvalidAttributeLength {
            attribute: AttributeType::DONT_FRAGMENT,
            len: 1
        })
    );
    assert_eq!(
        d(AttributeType::REQUESTED_ADDRESS_FAMILY, &[2, 0, 0, 0]),
        Ok(Attribute::RequestedAddressFamily(
            sansrtc_stun::AddressFamily::V6
        ))
    );
    assert_eq!(
        d(AttributeType::RESERVATION_TOKEN, &[1; 8]),
        Ok(Attribute::ReservationToken(&[1; 8]))
    );
}

#[test]
fn rfc8445_16_1_ice_attributes_decode() {
    let id = TID;
    let d = |t: AttributeType, v: &'static [u8]| Attribute::decode(t, v, &id);
    assert_eq!(
        d(AttributeType::PRIORITY, &[0x6e, 0, 1, 0xff]),
        Ok(Attribute::Priority(0x6e0001ff))
    );
    assert_eq!(
        d(AttributeType::USE_CANDIDATE, &[]),
        Ok(Attribute::UseCandidate)
    );
    assert_eq!(
        d(AttributeType::ICE_CONTROLLING, &[0, 0, 0, 0, 0, 0, 0, 9]),
        Ok(Attribute::IceControlling(9))
    );
    assert_eq!(
        d(AttributeType::ICE_CONTROLLED, &[0; 4]),
        Err(Error::InvalidAttributeLength {
            attribute: AttributeType::ICE_CONTROLLED,
            len: 4
        })
    );
}

#[test]
fn rfc8489_14_only_the_first_occurrence_of_an_attribute_counts() {
    let mut out = Vec::new();
    let mut b = builder(&mut out);
    b.add(&Attribute::Username("first")).unwrap();
    b.add(&Attribute::Priority(1)).unwrap();
    b.add(&Attribute::Username("second")).unwrap();
    b.add(&Attribute::Priority(2)).unwrap();
    b.add(&Attribute::Software("s")).unwrap();
    b.add(&Attribute::Software("t")).unwrap();
    let msg = Message::parse(&out).unwrap();
    assert_eq!(msg.username(), Some(Ok("first")));
    assert_eq!(msg.priority(), Some(Ok(1)));
    assert_eq!(
        msg.decode(AttributeType::SOFTWARE),
        Some(Ok(Attribute::Software("s")))
    );
    assert_eq!(
        msg.attributes().count(),
        6,
        "all are still yielded in order"
    );
}
