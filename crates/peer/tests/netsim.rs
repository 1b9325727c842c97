//! Two Peers over the netsim network: offer/answer, ICE, DTLS, SCTP, data channels.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{App, Options, World, pattern, text};
use sansrtc_netsim::{LinkConfig, NatConfig};
use sansrtc_peer::{ChannelConfig, ChannelState, ConnectionState, Error, Event, Reliability};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A creates "chat" before the offer, the peers negotiate and connect.
fn connected(opts: Options) -> (World, sansrtc_peer::ChannelId) {
    let mut w = World::new(opts);
    let now = w.now();
    let chat = w
        .a()
        .peer
        .create_channel(now, ChannelConfig::new("chat"))
        .unwrap();
    w.negotiate();
    assert!(w.open(secs(10)), "not connected");
    (w, chat)
}

#[test]
fn rfc8831_channel_created_before_the_offer_opens_on_both_sides() {
    let (mut w, chat) = connected(Options::default());
    assert_eq!(w.a().opened(), vec![chat]);
    let b_id = w.b().opened()[0];
    let info = w.b().peer.channel(b_id).unwrap();
    assert_eq!(info.label, "chat");
    assert!(!info.locally_created);
    assert_eq!(info.state, ChannelState::Open);
    // The answerer is the DTLS client (a=setup:active): even stream ids (RFC 8832 §6).
    assert_eq!(w.a().peer.dtls_role(), Some(sansrtc_peer::DtlsRole::Server));
    // A (the offerer) is the DTLS server: odd ids.
    assert_eq!(info.stream_id, Some(1));
    let now = w.now();
    w.a().peer.send_text(now, chat, "hello").unwrap();
    assert!(w.run_until(secs(2), |w| !w.peek(w.a).received.is_empty()));
    assert_eq!(w.a().received[0], (chat, false, b"hello".to_vec()));
    assert_eq!(w.b().received[0].2, b"hello");
    // Events came in a sensible order on A.
    let a = w.a();
    let dtls = a
        .first(|e| matches!(e, Event::DtlsConnected { .. }))
        .unwrap();
    let open = a.first(|e| matches!(e, Event::ChannelOpen(_))).unwrap();
    let connected = a
        .first(|e| *e == Event::ConnectionState(ConnectionState::Connected))
        .unwrap();
    assert!(dtls <= connected && connected <= open);
    // W3C semantics: ICE is "connected" on the first valid pair, before DTLS, on both sides
    // (nomination comes later).
    for id in [w.a, w.b] {
        let n = w.peek(id);
        let ice = n
            .first(|e| *e == Event::IceState(sansrtc_ice::ConnectionState::Connected))
            .unwrap();
        let dtls = n
            .first(|e| matches!(e, Event::DtlsConnected { .. }))
            .unwrap();
        assert!(ice <= dtls, "ICE connected at {ice:?}, DTLS at {dtls:?}");
    }
    let a = w.a();
    let stats = a.peer.channel(chat).unwrap().stats;
    assert_eq!((stats.messages_sent, stats.bytes_sent), (1, 5));
    assert_eq!((stats.messages_received, stats.bytes_received), (1, 5));
    let s = a.peer.stats();
    assert!(s.selected_pair.is_some() && s.rtt.is_some());
}

#[test]
fn setup_has_no_waits_between_ice_dtls_sctp_and_channel_open() {
    // 5 ms per access link: 20 ms round trip. ICE (1 RTT, on the first valid pair), DTLS
    // (2 RTT), SCTP INIT/COOKIE (2 RTT) and the first DCEP message: about 6 RTT, no timers.
    let (mut w, _) = connected(Options::default());
    let a_open = w.a().first(|e| matches!(e, Event::ChannelOpen(_))).unwrap();
    let b_open = w.b().first(|e| matches!(e, Event::ChannelOpen(_))).unwrap();
    let latest = a_open.max(b_open);
    assert!(
        latest <= Duration::from_millis(140),
        "channel open after {latest:?}"
    );
}

#[test]
fn rfc8831_messages_from_0_bytes_to_256_kib_text_and_binary_echo_unchanged() {
    let (mut w, chat) = connected(Options::default());
    let sizes = [
        0usize,
        1,
        2,
        100,
        1163,
        1164,
        5000,
        16 * 1024,
        65535,
        65536,
        200_000,
        256 * 1024,
    ];
    let now = w.now();
    let mut want = Vec::new();
    for (i, &len) in sizes.iter().enumerate() {
        let bin = pattern(len, i as u8);
        w.a().peer.send_binary(now, chat, &bin).unwrap();
        want.push((true, bin));
        let t = text(len, i as u8);
        w.a().peer.send_text(now, chat, &t).unwrap();
        want.push((false, t.into_bytes()));
    }
    let n = want.len();
    let ok = w.run_until(secs(30), |w| w.peek(w.a).received.len() == n);
    eprintln!(
        "a got {} b got {} {:?} {:?}",
        w.a().received.len(),
        w.b().received.len(),
        w.a().peer.stats(),
        w.b().peer.stats()
    );
    assert!(ok);
    let got: Vec<(bool, Vec<u8>)> = w
        .a()
        .received
        .iter()
        .map(|(_, b, d)| (*b, d.clone()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(w.b().send_errors, 0);
}

#[test]
fn rfc8841_6_message_larger_than_the_remote_maximum_is_refused() {
    let (mut w, chat) = connected(Options::default());
    let now = w.now();
    let big = vec![0u8; 256 * 1024 + 1];
    assert_eq!(
        w.a().peer.send_binary(now, chat, &big),
        Err(Error::MessageTooLarge {
            size: 256 * 1024 + 1,
            max: 256 * 1024
        })
    );
}

#[test]
fn rfc8832_channel_types_ordered_unordered_max_retransmits_and_lifetime() {
    let (mut w, _) = connected(Options::default());
    let now = w.now();
    let mut ids = Vec::new();
    for (label, ordered, reliability) in [
        ("unordered", false, Reliability::Reliable),
        ("rexmit0", true, Reliability::MaxRetransmits(0)),
        ("unordered-rexmit0", false, Reliability::MaxRetransmits(0)),
        (
            "lifetime",
            false,
            Reliability::MaxLifetime(Duration::from_millis(500)),
        ),
    ] {
        let mut c = ChannelConfig::new(label);
        c.ordered = ordered;
        c.reliability = reliability;
        c.protocol = "proto".into();
        ids.push(w.a().peer.create_channel(now, c).unwrap());
    }
    assert!(w.run_until(secs(5), |w| w.peek(w.b).opened().len() == 5));
    let b_ids = w.b().opened();
    let infos: Vec<_> = b_ids[1..]
        .iter()
        .map(|id| w.b().peer.channel(*id).unwrap())
        .collect();
    assert_eq!(infos[0].label, "unordered");
    assert!(!infos[0].ordered);
    assert_eq!(infos[1].reliability, Reliability::MaxRetransmits(0));
    assert!(infos[1].ordered);
    assert_eq!(infos[2].reliability, Reliability::MaxRetransmits(0));
    assert!(!infos[2].ordered);
    assert_eq!(
        infos[3].reliability,
        Reliability::MaxLifetime(Duration::from_millis(500))
    );
    assert!(infos.iter().all(|i| i.protocol == "proto"));
    // No loss: every message arrives on every channel and comes back.
    assert!(w.run_until(secs(2), |w| {
        ids.iter().all(|id| w.peek(w.a).opened().contains(id))
    }));
    let now = w.now();
    for (k, id) in ids.iter().enumerate() {
        for i in 0..20u8 {
            w.a()
                .peer
                .send_binary(now, *id, &pattern(300, i + k as u8))
                .unwrap();
        }
    }
    assert!(w.run_until(secs(5), |w| w.peek(w.a).received.len() == 80));
    for id in &ids {
        let mut got: Vec<Vec<u8>> = w
            .a()
            .received
            .iter()
            .filter(|(c, _, _)| c == id)
            .map(|(_, _, d)| d.clone())
            .collect();
        assert_eq!(got.len(), 20);
        got.sort();
        let k = ids.iter().position(|x| x == id).unwrap() as u8;
        let mut want: Vec<Vec<u8>> = (0..20u8).map(|i| pattern(300, i + k)).collect();
        want.sort();
        assert_eq!(got, want);
    }
}

#[test]
fn rfc8831_five_channels_at_once_from_both_sides() {
    let mut w = World::new(Options::default());
    let now = w.now();
    let early: Vec<_> = (0..5)
        .map(|i| {
            w.a()
                .peer
                .create_channel(now, ChannelConfig::new(format!("a{i}")))
                .unwrap()
        })
        .collect();
    w.negotiate();
    assert!(w.open(secs(10)));
    let now = w.now();
    let late: Vec<_> = (0..5)
        .map(|i| {
            w.b()
                .peer
                .create_channel(now, ChannelConfig::new(format!("b{i}")))
                .unwrap()
        })
        .collect();
    assert!(w.run_until(secs(5), |w| w.peek(w.a).opened().len() == 10
        && w.peek(w.b).opened().len() == 10));
    // Stream ids: B is the DTLS client (even), A the server (odd).
    for id in &early {
        assert_eq!(w.a().peer.channel(*id).unwrap().stream_id.unwrap() % 2, 1);
    }
    for id in &late {
        assert_eq!(w.b().peer.channel(*id).unwrap().stream_id.unwrap() % 2, 0);
    }
    // One message each way on each channel: B echoes A's; A (a sink) keeps B's.
    let now = w.now();
    for id in &early {
        w.a().peer.send_text(now, *id, "from a").unwrap();
    }
    for id in &late {
        w.b().peer.send_text(now, *id, "from b").unwrap();
    }
    assert!(w.run_until(secs(5), |w| w.peek(w.a).received.len() == 10));
    let b = w.peek(w.b);
    let labels: Vec<String> = b
        .received
        .iter()
        .map(|(id, _, _)| b.peer.channel(*id).unwrap().label)
        .collect();
    assert_eq!(labels.len(), 5);
    assert!(labels.iter().all(|l| l.starts_with('a')));
}

#[test]
fn rfc8832_negotiated_channel_without_dcep() {
    let mut w = World::new(Options::default());
    let now = w.now();
    let mut c = ChannelConfig::new("neg");
    c.negotiated = Some(42);
    let a_id = w.a().peer.create_channel(now, c.clone()).unwrap();
    let b_id = w.b().peer.create_channel(now, c).unwrap();
    w.negotiate();
    assert!(w.open(secs(10)));
    assert_eq!(w.a().opened(), vec![a_id]);
    assert_eq!(w.b().opened(), vec![b_id]);
    assert_eq!(w.a().peer.channel(a_id).unwrap().stream_id, Some(42));
    let now = w.now();
    w.a().peer.send_binary(now, a_id, b"negotiated").unwrap();
    assert!(w.run_until(secs(2), |w| !w.peek(w.a).received.is_empty()));
    assert_eq!(w.b().received[0], (b_id, true, b"negotiated".to_vec()));
    // The same id twice is refused.
    let mut dup = ChannelConfig::new("dup");
    dup.negotiated = Some(42);
    let now = w.now();
    assert!(w.a().peer.create_channel(now, dup).is_err());
}

#[test]
fn rfc8831_6_7_close_from_either_side() {
    for closer_is_a in [true, false] {
        let (mut w, chat) = connected(Options::default());
        let b_id = w.b().opened()[0];
        let now = w.now();
        if closer_is_a {
            w.a().peer.close_channel(now, chat).unwrap();
        } else {
            w.b().peer.close_channel(now, b_id).unwrap();
        }
        assert!(w.run_until(secs(5), |w| w.peek(w.a).closed() == vec![chat]
            && w.peek(w.b).closed() == vec![b_id]));
        assert!(w.a().has(|e| *e == Event::ChannelClosing(chat)));
        assert!(w.a().peer.channel(chat).is_none());
        let now = w.now();
        assert_eq!(
            w.a().peer.send_text(now, chat, "x"),
            Err(Error::UnknownChannel)
        );
        // The connection stays up and a new channel works.
        let again = w
            .a()
            .peer
            .create_channel(now, ChannelConfig::new("again"))
            .unwrap();
        assert!(w.run_until(secs(2), |w| w.peek(w.a).opened().contains(&again)));
        assert_eq!(w.a().peer.state(), ConnectionState::Connected);
    }
}

#[test]
fn close_the_peer_connection() {
    let (mut w, chat) = connected(Options::default());
    let now = w.now();
    w.a().peer.close(now);
    w.a().collect(now);
    assert_eq!(w.a().peer.state(), ConnectionState::Closed);
    assert!(w.a().has(|e| *e == Event::ChannelClosed(chat)));
    assert_eq!(w.a().peer.send_text(now, chat, "x"), Err(Error::Closed));
    // B sees the SCTP ABORT and DTLS close_notify: its channel closes and so does it.
    assert!(w.run_until(secs(5), |w| w.peek(w.b).peer.state()
        == ConnectionState::Closed));
    assert_eq!(w.b().closed().len(), 1);
}

#[test]
fn rfc8122_5_wrong_fingerprint_in_the_answer_fails_the_connection() {
    let mut w = World::new(Options::default());
    let now = w.now();
    let chat = w
        .a()
        .peer
        .create_channel(now, ChannelConfig::new("chat"))
        .unwrap();
    let offer = w.a().peer.create_offer(now).unwrap().to_string();
    let answer = w.b().peer.accept_offer(now, &offer).unwrap().to_string();
    // Flip one hex digit of B's fingerprint.
    let at = answer.find("a=fingerprint:sha-256 ").unwrap() + 22;
    let mut bad = answer.into_bytes();
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(bad).unwrap();
    w.a().peer.accept_answer(now, &bad).unwrap();
    assert!(w.run_until(secs(10), |w| w.peek(w.a).peer.state()
        == ConnectionState::Failed));
    assert!(w.a().has(|e| matches!(
        e,
        Event::Failed(Error::Dtls(sansrtc_dtls::Error::FingerprintMismatch))
    )));
    assert_eq!(
        w.a().peer.failure(),
        Some(&Error::Dtls(sansrtc_dtls::Error::FingerprintMismatch))
    );
    // Nothing was ever open or delivered; A's alert ends B's DTLS too.
    assert!(w.run_until(secs(10), |w| w.peek(w.b).peer.state()
        == ConnectionState::Failed));
    assert!(w.a().opened().is_empty() && w.b().opened().is_empty());
    assert!(!w.a().has(|e| matches!(e, Event::DtlsConnected { .. })));
    let now = w.now();
    assert_eq!(
        w.a().peer.send_text(now, chat, "x").unwrap_err(),
        Error::Dtls(sansrtc_dtls::Error::FingerprintMismatch)
    );
}

#[test]
fn rfc7983_garbage_datagrams_are_dropped_and_the_connection_survives() {
    let (mut w, chat) = connected(Options::default());
    let now = w.now();
    let local = common::sa(common::B_ADDR);
    let from = common::sa(common::A_ADDR);
    let stranger = common::sa("192.0.2.66:1234");
    let before = w.b().peer.stats().datagrams_dropped;
    for first in 0..=255u8 {
        for len in [1usize, 2, 13, 20, 100, 1200] {
            let mut d = pattern(len, first);
            d[0] = first;
            w.b().peer.handle_datagram(now, local, from, &d);
            w.b().peer.handle_datagram(now, local, stranger, &d);
        }
    }
    w.b().collect(now);
    assert!(w.b().peer.stats().datagrams_dropped > before);
    assert_eq!(w.b().peer.state(), ConnectionState::Connected);
    w.a().peer.send_text(now, chat, "still here").unwrap();
    assert!(w.run_until(secs(5), |w| !w.peek(w.a).received.is_empty()));
    assert_eq!(w.a().received[0].2, b"still here");
}

#[test]
fn lossy_link_and_a_nat_on_one_side() {
    for seed in 1..=3 {
        let opts = Options {
            seed,
            nat_a: Some(NatConfig::port_restricted_cone()),
            link: LinkConfig {
                delay: Duration::from_millis(10),
                jitter: Duration::from_millis(2),
                loss: 0.05,
                ..LinkConfig::default()
            },
            ..Options::default()
        };
        let (mut w, chat) = connected(opts);
        // A's host address is private: B reaches it through the peer-reflexive candidate its
        // checks revealed.
        let now = w.now();
        let msgs: Vec<Vec<u8>> = (0..64).map(|i| pattern(1000 + 700 * i, i as u8)).collect();
        for m in &msgs {
            w.a().peer.send_binary(now, chat, m).unwrap();
        }
        assert!(
            w.run_until(secs(60), |w| w.peek(w.a).received.len() == msgs.len()),
            "seed {seed}: {} of {} echoed",
            w.a().received.len(),
            msgs.len()
        );
        let got: Vec<Vec<u8>> = w.a().received.iter().map(|(_, _, d)| d.clone()).collect();
        assert_eq!(got, msgs, "seed {seed}");
        assert!(
            w.a().peer.stats().sctp.retransmissions > 0
                || w.b().peer.stats().sctp.retransmissions > 0
        );
    }
}

#[test]
fn rfc8838_trickle_and_non_trickle_signalling_both_connect_through_a_nat() {
    let mut times = Vec::new();
    for trickle in [true, false] {
        let opts = Options {
            trickle,
            stun: true,
            nat_a: Some(NatConfig::full_cone()),
            ..Options::default()
        };
        let (mut w, _) = connected(opts);
        let open = w.a().first(|e| matches!(e, Event::ChannelOpen(_))).unwrap();
        times.push(open);
        // Without trickle the descriptions carry the candidates and end-of-candidates.
        if !trickle {
            let offer = w.a().peer.local_description().unwrap().to_string();
            assert!(offer.contains("typ srflx"), "{offer}");
            assert!(offer.contains("a=end-of-candidates"));
        }
    }
    // Either way the channel is open within a few round trips and ICE pacing slots (Ta).
    for t in times {
        assert!(t < Duration::from_millis(400), "{t:?}");
    }
}

#[test]
fn buffered_amount_and_its_low_threshold_event() {
    let (mut w, chat) = connected(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    let now = w.now();
    w.a()
        .peer
        .set_buffered_amount_low_threshold(chat, 64 * 1024);
    let seen = w.a().log.len();
    for i in 0..32 {
        w.a()
            .peer
            .send_binary(now, chat, &pattern(16 * 1024, i))
            .unwrap();
    }
    assert!(w.a().peer.buffered_amount(chat) > 64 * 1024);
    assert!(w.run_until(secs(10), |w| {
        w.peek(w.a).log[seen..]
            .iter()
            .any(|(_, e)| *e == Event::BufferedAmountLow(chat))
    }));
    assert!(w.a().peer.buffered_amount(chat) <= 64 * 1024);
    assert!(w.run_until(secs(10), |w| w.peek(w.b).received.len() == 32));
}

#[test]
fn calls_in_the_wrong_signaling_state_are_errors() {
    let mut w = World::new(Options::default());
    let now = w.now();
    let offer = w.a().peer.create_offer(now).unwrap().to_string();
    assert!(matches!(
        w.a().peer.accept_offer(now, &offer),
        Err(Error::SignalingState(_))
    ));
    assert!(matches!(
        w.b().peer.accept_answer(now, &offer),
        Err(Error::SignalingState(_))
    ));
    assert!(matches!(
        w.b()
            .peer
            .add_remote_candidate(now, "candidate:1 1 udp 1 192.0.2.1 1 typ host", None),
        Err(Error::SignalingState(_))
    ));
    // An unusable answer changes nothing: the right one still works afterwards.
    let answer = w.b().peer.accept_offer(now, &offer).unwrap().to_string();
    assert!(w.a().peer.accept_answer(now, "v=0\r\ngarbage").is_err());
    assert!(
        w.a()
            .peer
            .accept_answer(now, &answer.replace("a=setup:active", "a=setup:actpass"))
            .is_err()
    );
    w.a().peer.accept_answer(now, &answer).unwrap();
    assert!(w.run_until(secs(5), |w| w.both_connected()));
}

#[test]
fn rfc8656_relayed_candidates_only_carry_the_data_channel() {
    let opts = Options {
        relay_only: true,
        nat_a: Some(NatConfig::symmetric()),
        trickle: false,
        ..Options::default()
    };
    let (mut w, chat) = connected(opts);
    let now = w.now();
    let msgs: Vec<Vec<u8>> = (0..20).map(|i| pattern(3000 * i, i as u8)).collect();
    for m in &msgs {
        w.a().peer.send_binary(now, chat, m).unwrap();
    }
    assert!(w.run_until(secs(20), |w| w.peek(w.a).received.len() == msgs.len()));
    let got: Vec<Vec<u8>> = w.a().received.iter().map(|(_, _, d)| d.clone()).collect();
    assert_eq!(got, msgs);
    let pair = w.a().peer.ice().unwrap().selected_pair().unwrap().clone();
    assert!(pair.relay.is_some(), "{pair:?}");
}

#[test]
fn rfc7675_consent_loss_disconnects_recovers_and_then_fails() {
    let (mut w, chat) = connected(Options::default());
    let a = w.a;
    let good = w.opts.link.clone();
    let cut = LinkConfig {
        loss: 1.0,
        ..good.clone()
    };
    // 15 s without consent responses: Disconnected (after 10 s), not yet Failed (30 s).
    w.net.set_link(a, cut.clone());
    assert!(w.run_until(secs(15), |w| w.peek(w.a).peer.state()
        == ConnectionState::Disconnected));
    w.run_for(secs(3));
    assert_eq!(w.a().peer.state(), ConnectionState::Disconnected);
    // Back: consent answers again and the connection is Connected, the channel still works.
    w.net.set_link(a, good);
    assert!(w.run_until(secs(10), |w| w.both_connected()));
    let now = w.now();
    w.a().peer.send_text(now, chat, "back").unwrap();
    assert!(w.run_until(secs(10), |w| {
        w.peek(w.a).received.iter().any(|(_, _, d)| d == b"back")
    }));
    // Cut for good: consent expires (30 s) and the connection fails with IceFailed.
    w.net.set_link(a, cut);
    assert!(w.run_until(secs(45), |w| w.peek(w.a).peer.state()
        == ConnectionState::Failed));
    assert_eq!(w.a().peer.failure(), Some(&Error::IceFailed));
    assert!(w.a().closed().contains(&chat));
}

#[test]
fn rfc5764_4_2_srtp_keys_from_the_exporter_match_across_the_peers() {
    let (mut w, _) = connected(Options::default());
    // A (DTLS server) protects with the server write key, B unprotects with it.
    let mut rtp = vec![0x80, 111, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78];
    rtp.extend_from_slice(b"opus frame");
    w.a()
        .peer
        .srtp()
        .expect("SRTP keyed at DTLS connect")
        .protect_rtp(&mut rtp)
        .unwrap();
    let mut rtcp = vec![0x80, 200, 0, 6, 0x12, 0x34, 0x56, 0x78];
    rtcp.resize(28, 0);
    w.a().peer.srtp().unwrap().protect_rtcp(&mut rtcp).unwrap();
    // Through the RFC 7983 demultiplexer: both authenticate; a replay and a forgery do not.
    let now = w.now();
    let (local, from) = (common::sa(common::B_ADDR), common::sa(common::A_ADDR));
    w.b().peer.handle_datagram(now, local, from, &rtp);
    w.b().peer.handle_datagram(now, local, from, &rtcp);
    w.b().peer.handle_datagram(now, local, from, &rtp);
    let mut forged = rtp.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    forged[3] = 2;
    w.b().peer.handle_datagram(now, local, from, &forged);
    let s = w.b().peer.stats();
    assert_eq!((s.srtp_packets_received, s.srtp_packets_rejected), (2, 2));
}

#[test]
fn rfc3758_max_retransmits_0_gives_up_under_loss_while_reliable_delivers_all() {
    let opts = Options {
        seed: 5,
        link: LinkConfig {
            delay: Duration::from_millis(10),
            loss: 0.05,
            ..LinkConfig::default()
        },
        app_b: App::Sink,
        ..Options::default()
    };
    let (mut w, reliable) = connected(opts);
    let now = w.now();
    let mut c = ChannelConfig::new("lossy");
    c.ordered = false;
    c.reliability = Reliability::MaxRetransmits(0);
    let lossy = w.a().peer.create_channel(now, c).unwrap();
    assert!(w.run_until(secs(10), |w| w.peek(w.b).opened().len() == 2));
    let b_lossy = w.b().opened()[1];
    for i in 0..200u8 {
        let now = w.now();
        w.a()
            .peer
            .send_binary(now, lossy, &pattern(500, i))
            .unwrap();
        w.a()
            .peer
            .send_binary(now, reliable, &pattern(500, i))
            .unwrap();
        w.run_for(Duration::from_millis(5));
    }
    w.run_for(secs(20));
    let b = w.b();
    let got_lossy = b
        .received
        .iter()
        .filter(|(id, _, _)| *id == b_lossy)
        .count();
    let got_reliable = b.received.len() - got_lossy;
    assert_eq!(got_reliable, 200);
    // About 5% lost on the way there and never retransmitted (a loss of the SACK does not
    // matter): some, not all.
    assert!((150..200).contains(&got_lossy), "{got_lossy} of 200");
    assert!(w.a().peer.stats().sctp.abandoned_messages > 0);
}

#[test]
fn rfc9143_an_offer_with_audio_and_video_first_connects_on_the_data_section() {
    // A browser-like offer: Chromium's audio and video sections (tagged first in BUNDLE), then
    // A's data section. B, configured without media formats, rejects the media, tags the data
    // section and connects on it.
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;
    use sansrtc_sdp::{Attribute, Group, SessionDescription};
    let opts = Options::default();
    let mut rng = ChaCha20Rng::seed_from_u64(opts.seed);
    let a = sansrtc_peer::Peer::new(common::config(common::A_ADDR, 2, &opts), &mut rng).unwrap();
    let mut b_config = common::config(common::B_ADDR, 3, &opts);
    b_config.media.audio_codecs.clear();
    b_config.media.video_codecs.clear();
    let b = sansrtc_peer::Peer::new(b_config, &mut rng).unwrap();
    let mut w = World::with_peers(opts, a, b);
    let now = w.now();
    let chat = w
        .a()
        .peer
        .create_channel(now, ChannelConfig::new("chat"))
        .unwrap();
    let ours = w.a().peer.create_offer(now).unwrap();
    let chromium = SessionDescription::parse(
        &std::fs::read_to_string(format!(
            "{}/tests/data/chromium_offer_av_dc_netns.sdp",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let mut offer = ours.clone();
    let mut media: Vec<_> = chromium.media[..2].to_vec();
    for (m, mid) in media.iter_mut().zip(["a", "v"]) {
        for attr in &mut m.attributes {
            if let Attribute::Mid(x) = attr {
                *x = mid.into();
            }
        }
    }
    offer.media.splice(0..0, media);
    offer
        .attributes
        .retain(|a| !matches!(a, Attribute::Group(_)));
    offer
        .attributes
        .push(Attribute::Group(Group::bundle(["a", "v", "0"])));
    let answer = w.b().peer.accept_offer(now, &offer.to_string()).unwrap();
    assert_eq!(answer.media.len(), 3);
    assert!(answer.media[0].port == 0 && answer.media[1].port == 0);
    assert_eq!(answer.bundle_group().unwrap().mids, ["0"]);
    // A only offered the data section: give it that part of the answer.
    let mut for_a = answer.clone();
    for_a.media.drain(..2);
    w.a().peer.accept_answer(now, &for_a.to_string()).unwrap();
    w.a().collect(now);
    w.b().collect(now);
    assert!(w.open(secs(10)));
    let now = w.now();
    w.a()
        .peer
        .send_text(now, chat, "over the data section")
        .unwrap();
    assert!(w.run_until(secs(2), |w| !w.peek(w.a).received.is_empty()));
}
