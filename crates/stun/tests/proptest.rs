//! Property tests: every attribute set survives encode → parse → decode unchanged (RFC 8489
//! §14), and no input makes the parser, the attribute decoders or verification panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{IpAddr, SocketAddr};

use proptest::prelude::*;
use sansrtc_stun::{
    AddressFamily, Attribute, AttributeType, AttributeTypes, Class, ErrorCode, IntegrityKey,
    Message, MessageBuilder, Method, PasswordAlgorithm, PasswordAlgorithms, TransactionId,
};

/// An owned attribute, so proptest can generate it; `as_attribute` borrows it.
#[derive(Debug, Clone)]
enum Spec {
    MappedAddress(SocketAddr),
    XorMappedAddress(SocketAddr),
    XorPeerAddress(SocketAddr),
    XorRelayedAddress(SocketAddr),
    AlternateServer(SocketAddr),
    Username(String),
    Realm(String),
    Nonce(String),
    Software(String),
    AlternateDomain(String),
    Userhash([u8; 32]),
    ErrorCode(u16, String),
    PasswordAlgorithms(Vec<(u16, Vec<u8>)>),
    PasswordAlgorithm(u16, Vec<u8>),
    UnknownAttributes(Vec<AttributeType>),
    Priority(u32),
    UseCandidate,
    IceControlled(u64),
    IceControlling(u64),
    ChannelNumber(u16),
    Lifetime(u32),
    Data(Vec<u8>),
    RequestedAddressFamily(bool),
    EvenPort(bool),
    RequestedTransport(u8),
    DontFragment,
    ReservationToken([u8; 8]),
    Other(u16, Vec<u8>),
}

/// Keeps the borrowed lists alive next to the attribute that points into them.
struct Held<'a> {
    algorithms: Vec<PasswordAlgorithm<'a>>,
}

impl Spec {
    fn hold(&self) -> Held<'_> {
        let algorithms = match self {
            Spec::PasswordAlgorithms(list) => list
                .iter()
                .map(|(a, p)| PasswordAlgorithm {
                    algorithm: *a,
                    parameters: p,
                })
                .collect(),
            _ => Vec::new(),
        };
        Held { algorithms }
    }

    fn as_attribute<'a>(&'a self, held: &'a Held<'a>) -> Attribute<'a> {
        match self {
            Spec::MappedAddress(a) => Attribute::MappedAddress(*a),
            Spec::XorMappedAddress(a) => Attribute::XorMappedAddress(*a),
            Spec::XorPeerAddress(a) => Attribute::XorPeerAddress(*a),
            Spec::XorRelayedAddress(a) => Attribute::XorRelayedAddress(*a),
            Spec::AlternateServer(a) => Attribute::AlternateServer(*a),
            Spec::Username(s) => Attribute::Username(s),
            Spec::Realm(s) => Attribute::Realm(s),
            Spec::Nonce(s) => Attribute::Nonce(s),
            Spec::Software(s) => Attribute::Software(s),
            Spec::AlternateDomain(s) => Attribute::AlternateDomain(s),
            Spec::Userhash(h) => Attribute::Userhash(h),
            Spec::ErrorCode(code, reason) => Attribute::ErrorCode(ErrorCode::new(*code, reason)),
            Spec::PasswordAlgorithms(_) => {
                Attribute::PasswordAlgorithms(PasswordAlgorithms::List(&held.algorithms))
            }
            Spec::PasswordAlgorithm(a, p) => Attribute::PasswordAlgorithm(PasswordAlgorithm {
                algorithm: *a,
                parameters: p,
            }),
            Spec::UnknownAttributes(list) => {
                Attribute::UnknownAttributes(AttributeTypes::List(list))
            }
            Spec::Priority(p) => Attribute::Priority(*p),
            Spec::UseCandidate => Attribute::UseCandidate,
            Spec::IceControlled(t) => Attribute::IceControlled(*t),
            Spec::IceControlling(t) => Attribute::IceControlling(*t),
            Spec::ChannelNumber(n) => Attribute::ChannelNumber(*n),
            Spec::Lifetime(l) => Attribute::Lifetime(*l),
            Spec::Data(d) => Attribute::Data(d),
            Spec::RequestedAddressFamily(v6) => Attribute::RequestedAddressFamily(if *v6 {
                AddressFamily::V6
            } else {
                AddressFamily::V4
            }),
            Spec::EvenPort(r) => Attribute::EvenPort(*r),
            Spec::RequestedTransport(p) => Attribute::RequestedTransport(*p),
            Spec::DontFragment => Attribute::DontFragment,
            Spec::ReservationToken(t) => Attribute::ReservationToken(t),
            Spec::Other(t, v) => Attribute::Other(AttributeType(*t), v),
        }
    }
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    (any::<bool>(), any::<[u8; 16]>(), any::<u16>()).prop_map(|(v6, bytes, port)| {
        let ip = if v6 {
            IpAddr::from(bytes)
        } else {
            IpAddr::from([bytes[0], bytes[1], bytes[2], bytes[3]])
        };
        SocketAddr::new(ip, port)
    })
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        socket_addr().prop_map(Spec::MappedAddress),
        socket_addr().prop_map(Spec::XorMappedAddress),
        socket_addr().prop_map(Spec::XorPeerAddress),
        socket_addr().prop_map(Spec::XorRelayedAddress),
        socket_addr().prop_map(Spec::AlternateServer),
        text().prop_map(Spec::Username),
        text().prop_map(Spec::Realm),
        text().prop_map(Spec::Nonce),
        text().prop_map(Spec::Software),
        "[a-z0-9.-]{0,60}".prop_map(Spec::AlternateDomain),
        any::<[u8; 32]>().prop_map(Spec::Userhash),
        (300u16..700, text()).prop_map(|(c, r)| Spec::ErrorCode(c, r)),
        proptest::collection::vec((any::<u16>(), bytes(9)), 0..4)
            .prop_map(Spec::PasswordAlgorithms),
        (any::<u16>(), bytes(9)).prop_map(|(a, p)| Spec::PasswordAlgorithm(a, p)),
        proptest::collection::vec(any::<u16>().prop_map(AttributeType), 0..6)
            .prop_map(Spec::UnknownAttributes),
        any::<u32>().prop_map(Spec::Priority),
        Just(Spec::UseCandidate),
        any::<u64>().prop_map(Spec::IceControlled),
        any::<u64>().prop_map(Spec::IceControlling),
        any::<u16>().prop_map(Spec::ChannelNumber),
        any::<u32>().prop_map(Spec::Lifetime),
        bytes(100).prop_map(Spec::Data),
        any::<bool>().prop_map(Spec::RequestedAddressFamily),
        any::<bool>().prop_map(Spec::EvenPort),
        any::<u8>().prop_map(Spec::RequestedTransport),
        Just(Spec::DontFragment),
        any::<[u8; 8]>().prop_map(Spec::ReservationToken),
        // Types this crate does not know (0xC000-0xFFFF are unassigned).
        (0xC000u16..=0xFFFF, bytes(20)).prop_map(|(t, v)| Spec::Other(t, v)),
    ]
}

fn class() -> impl Strategy<Value = Class> {
    prop_oneof![
        Just(Class::Request),
        Just(Class::Indication),
        Just(Class::SuccessResponse),
        Just(Class::ErrorResponse)
    ]
}

proptest! {
    #[test]
    fn rfc8489_14_roundtrip_parse_of_encode_is_identity(
        class in class(),
        method in 0u16..=0x0FFF,
        id in any::<[u8; 12]>(),
        specs in proptest::collection::vec(spec(), 0..12),
        padding in any::<u8>(),
        integrity in 0u8..4,
        fingerprint in any::<bool>(),
    ) {
        let method = Method::new(method).unwrap();
        let id = TransactionId::new(id);
        let key = IntegrityKey::short_term("proptest");
        let held: Vec<Held<'_>> = specs.iter().map(Spec::hold).collect();
        let attributes: Vec<Attribute<'_>> =
            specs.iter().zip(&held).map(|(s, h)| s.as_attribute(h)).collect();

        let mut out = Vec::new();
        let mut b = MessageBuilder::new(&mut out, class, method, id).padding(padding);
        for attribute in &attributes {
            b.add(attribute).unwrap();
        }
        if integrity & 1 != 0 {
            b.add_message_integrity(&key).unwrap();
        }
        if integrity & 2 != 0 {
            b.add_message_integrity_sha256(&key).unwrap();
        }
        if fingerprint {
            b.add_fingerprint().unwrap();
        }
        let len = b.finish();
        prop_assert_eq!(len, out.len());
        // RFC 7983's first-byte range 0..=3 only covers methods below 0x100.
        prop_assert_eq!(sansrtc_stun::is_stun(&out), method.value() < 0x100);

        let msg = Message::parse(&out).unwrap();
        prop_assert_eq!(msg.class(), class);
        prop_assert_eq!(msg.method(), method);
        prop_assert_eq!(msg.transaction_id(), id);
        let decoded: Vec<Attribute<'_>> = msg
            .typed_attributes()
            .map(Result::unwrap)
            .filter(|a| !matches!(
                a,
                Attribute::MessageIntegrity(_)
                    | Attribute::MessageIntegritySha256(_)
                    | Attribute::Fingerprint(_)
            ))
            .collect();
        prop_assert_eq!(decoded, attributes);
        prop_assert_eq!(msg.has_integrity(), integrity != 0);
        if integrity != 0 {
            msg.verify_integrity(&key).unwrap();
        }
        if integrity & 1 != 0 {
            msg.verify_message_integrity(&key).unwrap();
        }
        if fingerprint {
            msg.verify_fingerprint().unwrap();
        }
    }

    #[test]
    fn no_input_panics(datagram in bytes(200)) {
        exercise(&datagram);
    }

    #[test]
    fn no_mutation_of_a_valid_message_panics(
        specs in proptest::collection::vec(spec(), 0..6),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let held: Vec<Held<'_>> = specs.iter().map(Spec::hold).collect();
        let mut out = Vec::new();
        let mut b = MessageBuilder::new(&mut out, Class::Request, Method::BINDING, TransactionId::new([3; 12]));
        for (s, h) in specs.iter().zip(&held) {
            b.add(&s.as_attribute(h)).unwrap();
        }
        b.add_message_integrity(&IntegrityKey::short_term("k")).unwrap();
        b.add_fingerprint().unwrap();
        for (at, xor) in flips {
            let i = at % out.len();
            out[i] ^= xor;
        }
        exercise(&out);
    }
}

fn exercise(datagram: &[u8]) {
    let _ = sansrtc_stun::is_stun(datagram);
    if let Ok(msg) = Message::parse(datagram) {
        for attribute in msg.typed_attributes() {
            if let Ok(Attribute::UnknownAttributes(list)) = attribute {
                let _ = list.iter().count();
            }
            if let Ok(Attribute::PasswordAlgorithms(list)) = attribute {
                let _ = list.iter().count();
            }
        }
        let _ = msg.unknown_comprehension_required().count();
        // The parse-time index of the typed getters agrees with a walk of the attributes.
        for t in [
            0x0006, 0x0009, 0x0014, 0x0015, 0x0020, 0x0024, 0x0025, 0x8029, 0x802A, 0x0013,
        ] {
            let t = sansrtc_stun::AttributeType(t);
            assert_eq!(msg.get(t), msg.attributes().find(|a| a.attribute_type == t));
        }
        let _ = msg.verify_integrity(&IntegrityKey::short_term("k"));
        let _ = msg.verify_fingerprint();
        let _ = format!("{msg:?}");
    }
}
