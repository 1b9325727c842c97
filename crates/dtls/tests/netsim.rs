//! Client and server over netsim links (RFC 6347 §4.2.4 retransmission, §4.2.3 fragmentation,
//! §4.1.2.6 replay): every run completes, both sides export the same keying material, and a
//! run is reproducible from its seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use common::{Node, pair_with};
use sansrtc_dtls::Config;
use sansrtc_netsim::pair::Endpoint;
use sansrtc_netsim::pair::Pair;
use sansrtc_netsim::{LinkConfig, epoch};

/// Runs a handshake; returns the pair and the virtual time it took.
fn run_with(
    seed: u64,
    link: LinkConfig,
    limit: Duration,
    tweak: impl Fn(&mut Config),
) -> (Pair<Node, Node>, Duration) {
    let (client, server) = pair_with(seed, tweak);
    let mut pair = Pair::new(
        Node::new(client),
        Node::new(server),
        link.clone(),
        link,
        seed,
    );
    let done =
        pair.run_until_condition(epoch() + limit, |p| p.a().connected() && p.b().connected());
    assert!(
        done,
        "seed {seed}: handshake did not complete: {:?} / {:?}",
        pair.a().dtls,
        pair.b().dtls
    );
    assert_eq!(
        pair.a().export(),
        pair.b().export(),
        "seed {seed}: exporters differ"
    );
    let took = pair.now() - epoch();
    (pair, took)
}

fn exchange_application_data(pair: &mut Pair<Node, Node>) {
    pair.a_mut()
        .dtls
        .send_application_data(b"from client")
        .unwrap();
    pair.b_mut()
        .dtls
        .send_application_data(b"from server")
        .unwrap();
    let deadline = pair.now() + Duration::from_secs(1);
    assert!(
        pair.run_until_condition(deadline, |p| !p.a().received.is_empty()
            && !p.b().received.is_empty())
    );
    assert_eq!(pair.a().received, [b"from server".to_vec()]);
    assert_eq!(pair.b().received, [b"from client".to_vec()]);
}

#[test]
fn rfc6347_4_2_clean_link_handshake_exporter_and_data() {
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    let (mut pair, took) = run_with(1, link, Duration::from_secs(5), |_| {});
    // Three round trips (no cookie exchange): 6 x 10 ms one way minus the last half trip.
    assert!(took <= Duration::from_millis(60), "{took:?}");
    assert_eq!(pair.a().dtls.stats().retransmissions, 0);
    assert_eq!(pair.b().dtls.stats().retransmissions, 0);
    let ecdsa = Some(sansrtc_crypto::SignatureScheme::EcdsaP256Sha256);
    assert_eq!(pair.a().dtls.peer_signature_scheme(), ecdsa);
    assert_eq!(pair.b().dtls.peer_signature_scheme(), ecdsa);
    exchange_application_data(&mut pair);
}

#[test]
fn rfc6347_4_2_1_cookie_exchange_over_netsim() {
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    let (pair, _) = run_with(2, link, Duration::from_secs(5), |c| {
        c.cookie_exchange = true
    });
    assert_eq!(pair.b().dtls.stats().hello_verify_requests, 1);
    assert_eq!(pair.a().dtls.stats().hello_verify_requests, 1);
}

#[test]
fn rfc6347_4_2_4_thirty_percent_loss_completes() {
    let mut lost = 0;
    for seed in 0..12 {
        let link = LinkConfig {
            loss: 0.3,
            delay: Duration::from_millis(25),
            jitter: Duration::from_millis(5),
            ..Default::default()
        };
        let (mut pair, _) = run_with(100 + seed, link, Duration::from_secs(600), |c| {
            c.cookie_exchange = seed % 2 == 0
        });
        let (ab, ba) = pair.stats();
        lost += ab.lost + ba.lost;
        // Application data still flows (it is not retransmitted: send until one gets through).
        for _ in 0..20 {
            pair.a_mut().dtls.send_application_data(b"x").unwrap();
            let deadline = pair.now() + Duration::from_millis(100);
            pair.run_until(deadline);
        }
        assert!(!pair.b().received.is_empty());
    }
    assert!(lost > 10, "the links did lose: {lost}");
}

#[test]
fn rfc6347_4_2_4_reordering_and_duplication_tolerated() {
    let mut impaired = 0;
    for seed in 0..12 {
        let link = LinkConfig {
            duplicate: 0.3,
            reorder: 0.3,
            delay: Duration::from_millis(20),
            jitter: Duration::from_millis(30),
            ..Default::default()
        };
        let (pair, _) = run_with(200 + seed, link, Duration::from_secs(120), |c| {
            c.cookie_exchange = seed % 2 == 1
        });
        let (ab, ba) = pair.stats();
        impaired += ab.duplicated + ba.duplicated + ab.reordered + ba.reordered;
    }
    assert!(impaired > 10, "the links did impair: {impaired}");
}

#[test]
fn rfc6347_4_2_3_mtu_576_fragments_certificates() {
    // A long common name makes both certificates larger than one 576-byte datagram.
    let long_name = "sansrtc-".repeat(80);
    let seed = 300;
    let client_cert = common::certificate(seed, &long_name);
    let server_cert = common::certificate(seed + 1, &long_name);
    assert!(client_cert.der().len() > 576);
    let mk = |cert: std::sync::Arc<sansrtc_dtls::Certificate>| {
        let mut c = Config::new(cert);
        c.mtu = 576;
        std::sync::Arc::new(c)
    };
    let mut client = sansrtc_dtls::Dtls::new(
        sansrtc_dtls::Role::Client,
        mk(client_cert.clone()),
        common::rng(1),
    )
    .unwrap();
    let mut server = sansrtc_dtls::Dtls::new(
        sansrtc_dtls::Role::Server,
        mk(server_cert.clone()),
        common::rng(2),
    )
    .unwrap();
    client.set_remote_fingerprints(vec![server_cert.fingerprint().clone()]);
    server.set_remote_fingerprints(vec![client_cert.fingerprint().clone()]);
    let link = LinkConfig {
        mtu: Some(576),
        delay: Duration::from_millis(5),
        loss: 0.1,
        ..Default::default()
    };
    let mut pair = Pair::new(
        Node::new(client),
        Node::new(server),
        link.clone(),
        link,
        seed,
    );
    assert!(
        pair.run_until_condition(epoch() + Duration::from_secs(300), |p| p.a().connected()
            && p.b().connected())
    );
    let (ab, ba) = pair.stats();
    assert_eq!(
        ab.dropped_mtu + ba.dropped_mtu,
        0,
        "a datagram exceeded the MTU"
    );
    assert_eq!(pair.a().export(), pair.b().export());
    assert_eq!(pair.a().dtls.max_application_data_len(), 576 - 13 - 24);
}

#[test]
fn rfc6347_4_2_4_lost_final_flight_is_recovered() {
    let (client, server) = pair_with(400, |_| {});
    let mut run = common::Lockstep::new(client, server);
    // Server datagrams: #0 is flight 4, #1 is flight 6 (ChangeCipherSpec + Finished): lose it.
    assert!(
        run.run(Duration::from_secs(10), |from_client, i, _| from_client
            || i != 1)
    );
    assert!(run.server.connected_at.unwrap() < run.client.connected_at.unwrap());
    // The client's timer (1 s) retransmitted flight 5; that made the server resend flight 6.
    assert_eq!(run.client.dtls.stats().retransmissions, 1);
    assert_eq!(run.server.dtls.stats().retransmissions, 1);
    assert_eq!(
        run.client.connected_at.unwrap() - epoch(),
        Duration::from_secs(1)
    );
    assert_eq!(run.client.export(), run.server.export());
}

#[test]
fn rfc6347_4_2_4_lost_client_final_flight_is_recovered() {
    let (client, server) = pair_with(401, |_| {});
    let mut run = common::Lockstep::new(client, server);
    // Client datagrams: #0 ClientHello, #1 flight 5: lose it once.
    assert!(
        run.run(Duration::from_secs(10), |from_client, i, _| !from_client
            || i != 1)
    );
    assert_eq!(run.client.export(), run.server.export());
}

#[test]
fn rfc6347_4_2_4_1_exponential_backoff_then_timeout() {
    let (mut client, _) = pair_with(500, |c| c.max_retransmissions = 8);
    let start = epoch();
    let mut buf = Vec::new();
    assert!(client.poll_transmit(start, &mut buf).is_some());
    let mut deadlines = Vec::new();
    while let Some(t) = client.poll_timeout() {
        deadlines.push((t - start).as_secs());
        client.handle_timeout(t);
        while client.poll_transmit(t, &mut buf).is_some() {}
    }
    // 1 s initial, doubling, capped at 60 s (§4.2.4.1); after 8 retransmissions it gives up.
    assert_eq!(deadlines, [1, 3, 7, 15, 31, 63, 123, 183, 243]);
    assert_eq!(client.error(), Some(&sansrtc_dtls::Error::HandshakeTimeout));
    assert_eq!(client.stats().retransmissions, 8);
}

#[test]
fn spurious_timeout_does_nothing() {
    let (mut client, _) = pair_with(501, |_| {});
    let mut buf = Vec::new();
    client.poll_transmit(epoch(), &mut buf).unwrap();
    client.handle_timeout(epoch() + Duration::from_millis(500));
    assert!(client.poll_transmit(epoch(), &mut buf).is_none());
    assert_eq!(client.stats().retransmissions, 0);
}

#[test]
fn same_seed_same_run() {
    let trace = |seed| {
        let link = LinkConfig {
            loss: 0.3,
            reorder: 0.2,
            duplicate: 0.1,
            delay: Duration::from_millis(15),
            jitter: Duration::from_millis(10),
            ..Default::default()
        };
        let (pair, took) = run_with(seed, link, Duration::from_secs(600), |_| {});
        (
            took,
            pair.a().export(),
            pair.a().dtls.stats(),
            pair.b().dtls.stats(),
            pair.stats(),
        )
    };
    assert_eq!(trace(7), trace(7));
    assert_ne!(trace(7).1, trace(8).1);
}

/// RFC 8842 §5 / peer needs: the answer SDP (with the fingerprint) may come after the
/// handshake; nothing is delivered or announced before the check.
#[test]
fn rfc8842_deferred_fingerprint_check() {
    let client_cert = common::certificate(600, "client");
    let server_cert = common::certificate(601, "server");
    let mut client = sansrtc_dtls::Dtls::new(
        sansrtc_dtls::Role::Client,
        std::sync::Arc::new(Config::new(client_cert.clone())),
        common::rng(2),
    )
    .unwrap();
    client.set_remote_fingerprints(vec![server_cert.fingerprint().clone()]);
    let server = sansrtc_dtls::Dtls::new(
        sansrtc_dtls::Role::Server,
        std::sync::Arc::new(Config::new(server_cert)),
        common::rng(3),
    )
    .unwrap();
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    let mut pair = Pair::new(Node::new(client), Node::new(server), link.clone(), link, 9);
    assert!(pair.run_until_condition(epoch() + Duration::from_secs(5), |p| p.a().connected()));
    pair.a_mut().dtls.send_application_data(b"early").unwrap();
    pair.run_until(pair.now() + Duration::from_secs(1));
    let server = pair.b_mut();
    assert!(!server.connected() && server.dtls.is_handshaking());
    assert!(server.events.is_empty() && server.received.is_empty());
    let mut out = [0u8; 8];
    assert_eq!(
        server
            .dtls
            .export_keying_material("EXTRACTOR-dtls_srtp", &mut out),
        Err(sansrtc_dtls::Error::NotConnected)
    );
    server
        .dtls
        .set_remote_fingerprints(vec![client_cert.fingerprint().clone()]);
    pair.run_until(pair.now() + Duration::from_millis(1));
    assert!(pair.b().connected());
    assert!(matches!(
        pair.b().events[..],
        [sansrtc_dtls::Event::Connected { .. }]
    ));
    assert_eq!(pair.b().received, [b"early".to_vec()]);
}

#[test]
fn rfc8122_5_deferred_fingerprint_mismatch_is_fatal() {
    let (mut client, _) = pair_with(700, |_| {});
    // A server that has not been told the client's fingerprint yet.
    let server = sansrtc_dtls::Dtls::new(
        sansrtc_dtls::Role::Server,
        std::sync::Arc::new(Config::new(common::certificate(701, "server"))),
        common::rng(4),
    )
    .unwrap();
    client.set_remote_fingerprints(vec![server.local_fingerprint().clone()]);
    let mut run = common::Lockstep::new(client, server);
    assert!(!run.run(Duration::from_secs(5), |_, _, _| true));
    assert!(run.client.connected());
    let wrong =
        sansrtc_dtls::Fingerprint::parse(&format!("sha-1 {}", ["01"; 20].join(":"))).unwrap();
    run.server.dtls.set_remote_fingerprints(vec![wrong]);
    assert_eq!(
        run.server.dtls.error(),
        Some(&sansrtc_dtls::Error::FingerprintMismatch)
    );
    // The fatal alert reaches the client.
    let mut buf = Vec::new();
    let n = run.server.dtls.poll_transmit(run.now, &mut buf).unwrap();
    run.client.handle_datagram(run.now, &buf[..n]);
    assert_eq!(
        run.client.dtls.error(),
        Some(&sansrtc_dtls::Error::AlertReceived(
            sansrtc_dtls::AlertDescription::BadCertificate
        ))
    );
}

#[test]
fn rfc5246_7_2_1_close_notify() {
    let (client, server) = pair_with(800, |_| {});
    let mut run = common::Lockstep::new(client, server);
    assert!(run.run(Duration::from_secs(5), |_, _, _| true));
    run.client.dtls.close();
    let mut buf = Vec::new();
    let n = run.client.dtls.poll_transmit(run.now, &mut buf).unwrap();
    run.server.handle_datagram(run.now, &buf[..n]);
    assert!(run.server.events.contains(&sansrtc_dtls::Event::Closed));
    assert_eq!(run.server.dtls.error(), Some(&sansrtc_dtls::Error::Closed));
    assert_eq!(
        run.client.dtls.send_application_data(b"x"),
        Err(sansrtc_dtls::Error::Closed)
    );
    // The server answered with its own close_notify.
    assert!(run.server.dtls.poll_transmit(run.now, &mut buf).is_some());
}

#[test]
fn rfc6347_4_1_2_6_replayed_record_discarded_and_4_1_2_7_bad_mac_counted() {
    let (client, server) = pair_with(900, |_| {});
    let mut run = common::Lockstep::new(client, server);
    assert!(run.run(Duration::from_secs(5), |_, _, _| true));
    let now: Instant = run.now;
    run.client.dtls.send_application_data(b"once").unwrap();
    let mut buf = Vec::new();
    let n = run.client.dtls.poll_transmit(now, &mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    run.server.handle_datagram(now, &datagram);
    run.server.handle_datagram(now, &datagram);
    assert_eq!(run.server.received, [b"once".to_vec()]);
    assert_eq!(run.server.dtls.stats().records_replayed, 1);

    run.client.dtls.send_application_data(b"tampered").unwrap();
    let n = run.client.dtls.poll_transmit(now, &mut buf).unwrap();
    let mut datagram = buf[..n].to_vec();
    *datagram.last_mut().unwrap() ^= 1;
    run.server.handle_datagram(now, &datagram);
    assert_eq!(run.server.dtls.stats().records_bad_mac, 1);
    assert!(run.server.connected(), "a bad record is dropped, not fatal");
    assert_eq!(run.server.received.len(), 1);
}

#[test]
fn rfc6347_4_1_1_records_packed_into_one_datagram() {
    let (client, server) = pair_with(901, |_| {});
    let mut run = common::Lockstep::new(client, server);
    assert!(run.run(Duration::from_secs(5), |_, _, _| true));
    for i in 0..3u8 {
        run.client.dtls.send_application_data(&[i; 100]).unwrap();
    }
    let mut buf = Vec::new();
    let n = run.client.dtls.poll_transmit(run.now, &mut buf).unwrap();
    assert!(
        run.client
            .dtls
            .poll_transmit(run.now, &mut Vec::new())
            .is_none()
    );
    assert_eq!(n, 3 * (13 + 8 + 100 + 16));
    run.server.handle_datagram(run.now, &buf[..n]);
    assert_eq!(
        run.server.received,
        [vec![0; 100], vec![1; 100], vec![2; 100]]
    );
    let max = run.client.dtls.max_application_data_len();
    assert_eq!(max, 1200 - 13 - 24);
    assert!(run.client.dtls.send_application_data(&vec![0; max]).is_ok());
    assert!(matches!(
        run.client.dtls.send_application_data(&vec![0; max + 1]),
        Err(sansrtc_dtls::Error::TooLarge { .. })
    ));
}

#[test]
fn every_suite_and_group_handshakes() {
    use sansrtc_crypto::kx::NamedGroup;
    use sansrtc_dtls::CipherSuite;
    for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
        for (j, group) in [NamedGroup::X25519, NamedGroup::Secp256r1]
            .into_iter()
            .enumerate()
        {
            let (client, server) = pair_with(1000 + (i * 2 + j) as u64, |c| {
                c.cipher_suites = vec![suite];
                c.groups = vec![group];
            });
            let mut run = common::Lockstep::new(client, server);
            assert!(
                run.run(Duration::from_secs(5), |_, _, _| true),
                "{suite:?} {group:?}"
            );
            assert_eq!(run.client.dtls.cipher_suite(), Some(suite));
            assert_eq!(run.client.export(), run.server.export());
            run.client.dtls.send_application_data(b"hi").unwrap();
            let mut buf = Vec::new();
            let n = run.client.dtls.poll_transmit(run.now, &mut buf).unwrap();
            run.server.handle_datagram(run.now, &buf[..n]);
            assert_eq!(run.server.received, [b"hi".to_vec()]);
        }
    }
}

fn plaintext_alert(level: u8, description: u8, seq: u64) -> Vec<u8> {
    let mut d = Vec::new();
    sansrtc_dtls::record::RecordHeader {
        content_type: sansrtc_dtls::record::ContentType::Alert,
        version: sansrtc_dtls::record::version::DTLS1_2,
        epoch: 0,
        sequence_number: seq,
        length: 2,
    }
    .encode(&mut d);
    d.extend_from_slice(&[level, description]);
    d
}

#[test]
fn rfc5246_7_2_warning_alert_is_an_event_fatal_alert_ends_the_handshake() {
    let (mut client, _) = pair_with(1100, |_| {});
    let now = epoch();
    let mut buf = Vec::new();
    client.poll_transmit(now, &mut buf).unwrap();
    // user_canceled(90) as a warning: reported, the handshake goes on.
    client.handle_datagram(now, &plaintext_alert(1, 90, 0));
    let alert = sansrtc_dtls::Alert::warning(sansrtc_dtls::AlertDescription::Other(90));
    assert_eq!(
        client.poll_event(),
        Some(sansrtc_dtls::Event::AlertReceived(alert))
    );
    assert!(client.is_handshaking());
    // handshake_failure(40) as fatal: terminal.
    client.handle_datagram(now, &plaintext_alert(2, 40, 1));
    let e = sansrtc_dtls::Error::AlertReceived(sansrtc_dtls::AlertDescription::HandshakeFailure);
    assert_eq!(
        client.poll_event(),
        Some(sansrtc_dtls::Event::Error(e.clone()))
    );
    assert_eq!(client.error(), Some(&e));
    assert_eq!(client.poll_timeout(), None);
}

#[test]
fn rfc6347_4_1_2_7_unprotected_alert_after_handshake_ignored() {
    let (client, server) = pair_with(1101, |_| {});
    let mut run = common::Lockstep::new(client, server);
    assert!(run.run(Duration::from_secs(5), |_, _, _| true));
    // Anyone on the path can forge an epoch-0 fatal alert; once keys are in use it is dropped.
    run.client
        .handle_datagram(run.now, &plaintext_alert(2, 40, 100));
    assert!(run.client.connected());
    assert_eq!(run.client.dtls.stats().records_malformed, 1);
}

#[test]
fn endpoint_is_send() {
    fn send<T: Send>() {}
    send::<sansrtc_dtls::Dtls>();
    send::<sansrtc_dtls::Config>();
}

#[test]
fn rfc5246_7_2_1_data_before_close_notify_in_the_same_datagram_is_delivered() {
    let (client, server) = pair_with(801, |_| {});
    let mut run = common::Lockstep::new(client, server);
    assert!(run.run(Duration::from_secs(5), |_, _, _| true));
    // One record of data and the close_notify packed into one datagram.
    run.client
        .dtls
        .send_application_data(b"last words")
        .unwrap();
    run.client.dtls.close();
    let mut buf = Vec::new();
    let n = run.client.dtls.poll_transmit(run.now, &mut buf).unwrap();
    assert!(
        run.client
            .dtls
            .poll_transmit(run.now, &mut Vec::new())
            .is_none()
    );
    run.server.handle_datagram(run.now, &buf[..n]);
    assert!(run.server.events.contains(&sansrtc_dtls::Event::Closed));
    assert_eq!(
        run.server.received.last().map(Vec::as_slice),
        Some(&b"last words"[..])
    );
}
