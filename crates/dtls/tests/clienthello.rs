//! Real ClientHellos captured from browsers and stacks (tests/data, from
//! /work/shared/interop/samples) are answered with a clean DTLS 1.2 ServerHello flight.
//!
//! Chromium 156's hello offers DTLS 1.3 as well (supported_versions, key_share with
//! X25519MLKEM768 and x25519, RFC 9147) and spans two datagrams; RFC 8446 §4.1.3 / RFC 9147 §5.3
//! let a 1.2-only server answer it with a plain DTLS 1.2 ServerHello.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use sansrtc_dtls::handshake::{Fragment, Message, kind};
use sansrtc_dtls::record::{ContentType, Records, version};
use sansrtc_dtls::{CipherSuite, Config, Dtls, Role, SrtpProfile};

fn datagrams(file: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| hex::decode(l.trim()).unwrap())
        .collect()
}

/// Feeds the hello to a server and returns the handshake messages of its answer.
fn answer(file: &str, tweak: impl Fn(&mut Config)) -> (Dtls, Vec<Message>) {
    let mut config = Config::new(common::certificate(1, "server"));
    tweak(&mut config);
    let mut server = Dtls::new(Role::Server, Arc::new(config), common::rng(2)).unwrap();
    let now = sansrtc_netsim::epoch();
    for d in datagrams(file) {
        server.handle_datagram(now, &d);
    }
    let mut messages = Vec::new();
    let mut buf = Vec::new();
    while let Some(n) = server.poll_transmit(now, &mut buf) {
        assert!(n <= 1200);
        for record in Records::new(&buf[..n]) {
            let record = record.unwrap();
            assert_eq!(record.header.content_type, ContentType::Handshake);
            let (frag, rest) = Fragment::parse(record.fragment).unwrap();
            assert!(rest.is_empty());
            assert_eq!(frag.header.fragment_offset, 0, "unfragmented at MTU 1200");
            messages.push(Message::parse(frag.header.msg_type, frag.body).unwrap());
        }
    }
    assert!(server.error().is_none(), "{:?}", server.error());
    (server, messages)
}

#[test]
fn rfc9147_chromium_156_hello_offering_dtls13_gets_clean_dtls12_answer() {
    let (server, messages) = answer("chromium156_dtls_clienthello.hex", |_| {});
    let types: Vec<u8> = messages.iter().map(Message::msg_type).collect();
    assert_eq!(
        types,
        [
            kind::SERVER_HELLO,
            kind::CERTIFICATE,
            kind::SERVER_KEY_EXCHANGE,
            kind::CERTIFICATE_REQUEST,
            kind::SERVER_HELLO_DONE
        ]
    );
    let Message::ServerHello(sh) = &messages[0] else {
        panic!()
    };
    assert_eq!(sh.server_version, version::DTLS1_2);
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::EcdheEcdsaAes128GcmSha256.to_u16()
    );
    assert!(sh.extensions.extended_master_secret);
    assert_eq!(sh.extensions.renegotiation_info, Some(vec![]));
    let srtp = sh.extensions.use_srtp.as_ref().unwrap();
    assert_eq!(srtp.profiles, [SrtpProfile::AeadAes128Gcm.to_u16()]);
    assert!(srtp.mki.is_empty());
    // No supported_versions (43) or key_share (51): this is DTLS 1.2. No TLS 1.3 downgrade
    // sentinel in the random either (RFC 8446 §4.1.3: only servers that support 1.3 set it).
    assert!(sh.extensions.unknown.is_empty());
    assert_ne!(&sh.random[24..], b"DOWNGRD\x01");
    let Message::ServerKeyExchange(ske) = &messages[2] else {
        panic!()
    };
    assert_eq!(
        ske.params.group, 29,
        "x25519 (Chromium's X25519MLKEM768 is not ours)"
    );
    assert!(server.is_handshaking());
}

#[test]
fn rfc6347_4_2_1_chromium_hello_without_cookie_gets_hello_verify_request() {
    let (server, messages) = answer("chromium156_dtls_clienthello.hex", |c| {
        c.cookie_exchange = true
    });
    let [Message::HelloVerifyRequest(hvr)] = &messages[..] else {
        panic!("{messages:?}")
    };
    assert_eq!(hvr.server_version, version::DTLS1_0);
    assert_eq!(hvr.cookie.len(), 32);
    assert_eq!(server.stats().hello_verify_requests, 1);
    assert_eq!(server.poll_timeout(), None, "stateless: no timer");
}

#[test]
fn aiortc_116_hello_answered() {
    let (_, messages) = answer("aiortc116_dtls12_clienthello.hex", |_| {});
    let Message::ServerHello(sh) = &messages[0] else {
        panic!()
    };
    assert_eq!(sh.cipher_suite, 0xc02b);
    assert!(sh.extensions.extended_master_secret);
}

#[test]
fn rfc7627_5_3_hello_without_ems_refused() {
    // Our client always offers EMS, so build a hello without it by hand.
    use sansrtc_dtls::extension::Extensions;
    use sansrtc_dtls::handshake::{ClientHello, encode_whole};
    let hello = ClientHello {
        client_version: version::DTLS1_2,
        random: [1; 32],
        session_id: vec![],
        cookie: vec![],
        cipher_suites: vec![0xc02b],
        compression_methods: vec![0],
        extensions: Extensions {
            supported_groups: Some(vec![29]),
            ..Default::default()
        },
    };
    let mut body = Vec::new();
    hello.encode(&mut body);
    let mut fragment = Vec::new();
    encode_whole(kind::CLIENT_HELLO, 0, &body, &mut fragment);
    let mut datagram = Vec::new();
    sansrtc_dtls::record::RecordHeader {
        content_type: ContentType::Handshake,
        version: version::DTLS1_2,
        epoch: 0,
        sequence_number: 0,
        length: fragment.len() as u16,
    }
    .encode(&mut datagram);
    datagram.extend_from_slice(&fragment);
    let mut server = Dtls::new(
        Role::Server,
        Arc::new(Config::new(common::certificate(3, "s"))),
        common::rng(4),
    )
    .unwrap();
    let now = sansrtc_netsim::epoch();
    server.handle_datagram(now, &datagram);
    assert_eq!(
        server.error(),
        Some(&sansrtc_dtls::Error::ExtendedMasterSecretRequired)
    );
    // A fatal handshake_failure alert goes out.
    let mut buf = Vec::new();
    let n = server.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(&buf[..1], [21]);
    assert_eq!(&buf[13..n], [2, 40]);
}
