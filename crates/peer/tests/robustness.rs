//! Bad input from the peer or from strangers: a panic is our bug, never the input's. Garbage
//! is dropped and counted, buffers stay bounded, the connection survives what it can.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use common::{A_ADDR, B_ADDR, Options, World, sa};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{ChannelConfig, Config, ConnectionState, Event, Peer};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn connected() -> (World, sansrtc_peer::ChannelId) {
    let mut w = World::new(Options::default());
    let now = w.now();
    let chat = w
        .a()
        .peer
        .create_channel(now, ChannelConfig::new("chat"))
        .unwrap();
    w.negotiate();
    assert!(w.open(secs(10)));
    (w, chat)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// RFC 7983 demux in front of ICE (MESSAGE-INTEGRITY), DTLS (record MACs, epochs) and SCTP
    /// (inside DTLS): nothing a third party or a broken peer sends on the 5-tuple tears down an
    /// established connection.
    #[test]
    fn rfc7983_arbitrary_datagrams_do_not_break_an_established_connection(
        datagrams in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(any::<u8>(), 0..1500)), 1..40)
    ) {
        let (mut w, chat) = connected();
        let now = w.now();
        for (from_peer, d) in &datagrams {
            let from = if *from_peer { sa(A_ADDR) } else { sa("192.0.2.99:4444") };
            w.b().peer.handle_datagram(now, sa(B_ADDR), from, d);
        }
        w.b().collect(now);
        prop_assert_eq!(w.b().peer.state(), ConnectionState::Connected);
        w.a().peer.send_text(now, chat, "after garbage").unwrap();
        prop_assert!(w.run_until(secs(5), |w| !w.peek(w.a).received.is_empty()));
        prop_assert_eq!(&w.a().received[0].2, b"after garbage");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary remote descriptions are an error or an answer that parses back; never a panic.
    #[test]
    fn rfc9429_arbitrary_remote_descriptions_are_values(text in "\\PC{0,400}", answer in any::<bool>()) {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut p = Peer::new(Config::new([sa(A_ADDR)], 1), &mut rng).unwrap();
        let now = Instant::now();
        if answer {
            p.create_offer(now).unwrap();
            let _ = p.accept_answer(now, &text);
        } else if let Ok(a) = p.accept_offer(now, &text) {
            let s = a.to_string();
            prop_assert_eq!(sansrtc_sdp::SessionDescription::parse(&s).unwrap(), a);
        }
        let _ = p.add_remote_candidate(now, &text, None);
    }

    /// Mutated lines of a real Chromium offer.
    #[test]
    fn rfc9429_mutated_browser_offers_are_values(
        edits in prop::collection::vec((0usize..40, "\\PC{0,60}"), 0..6)
    ) {
        let base = std::fs::read_to_string(format!(
            "{}/tests/data/chromium_offer_av_dc_netns.sdp",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut lines: Vec<String> = base.lines().map(str::to_owned).collect();
        for (at, line) in edits {
            let at = at % lines.len();
            lines[at] = line;
        }
        let text = lines.join("\r\n") + "\r\n";
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut p = Peer::new(Config::new([sa(A_ADDR)], 2), &mut rng).unwrap();
        if let Ok(a) = p.accept_offer(Instant::now(), &text) {
            let s = a.to_string();
            prop_assert_eq!(sansrtc_sdp::SessionDescription::parse(&s).unwrap(), a);
        }
    }
}

#[test]
fn rfc5763_5_dtls_before_the_answer_is_held_and_used() {
    // B (the answerer, DTLS client) starts the handshake as soon as its check succeeds; A has
    // not received the answer yet and does not know its DTLS role: it holds the ClientHello.
    let mut w = World::new(Options::default());
    let now = w.now();
    let offer = w.a().peer.create_offer(now).unwrap().to_string();
    let answer = w.b().peer.accept_offer(now, &offer).unwrap().to_string();
    w.run_for(Duration::from_millis(300));
    assert_eq!(w.a().peer.dtls_role(), None);
    let now = w.now();
    w.a().peer.accept_answer(now, &answer).unwrap();
    w.a().collect(now);
    // The held ClientHello was answered at once: connected within a few round trips, long
    // before B's first DTLS retransmission (1 s).
    assert!(w.run_until(Duration::from_millis(150), |w| w.both_connected()));
    assert_eq!(w.b().peer.stats().dtls.retransmissions, 0);
}

#[test]
fn early_datagrams_are_bounded() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut config = Config::new([sa(A_ADDR)], 3);
    config.max_early_datagrams = 4;
    let mut a = Peer::new(config, &mut rng).unwrap();
    let mut b = Peer::new(Config::new([sa(B_ADDR)], 4), &mut rng).unwrap();
    let now = Instant::now();
    let offer = a.create_offer(now).unwrap().to_string();
    b.accept_offer(now, &offer).unwrap();
    // B's check makes B known to A's ICE; then a flood of DTLS-looking datagrams from B.
    let mut buf = Vec::new();
    while let Some(t) = b.poll_transmit(now, &mut buf) {
        a.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
    }
    let before = a.stats().datagrams_dropped;
    for i in 0..100u8 {
        let mut d = vec![22u8, 0xfe, 0xfd];
        d.resize(1000, i);
        a.handle_datagram(now, sa(A_ADDR), sa(B_ADDR), &d);
    }
    assert_eq!(a.stats().datagrams_dropped - before, 96);
}

#[test]
fn a_strangers_client_hello_is_ignored() {
    // B's real ClientHello, replayed from an address ICE never saw, before B's own arrives:
    // A must not start a handshake with the stranger.
    let mut w = World::new(Options::default());
    let now = w.now();
    w.a()
        .peer
        .create_channel(now, ChannelConfig::new("chat"))
        .unwrap();
    let offer = w.a().peer.create_offer(now).unwrap().to_string();
    let answer = w.b().peer.accept_offer(now, &offer).unwrap().to_string();
    w.a().peer.accept_answer(now, &answer).unwrap();
    // Forge: a fresh DTLS client's first flight, as a stranger would send it.
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let provider = sansrtc_crypto::default_provider();
    let cert =
        std::sync::Arc::new(sansrtc_dtls::Certificate::generate(&provider, &mut rng, "x").unwrap());
    let mut forger = sansrtc_dtls::Dtls::new(
        sansrtc_dtls::Role::Client,
        std::sync::Arc::new(sansrtc_dtls::Config::new(cert)),
        Box::new(ChaCha20Rng::seed_from_u64(10)),
    )
    .unwrap();
    let mut hello = Vec::new();
    forger.poll_transmit(now, &mut hello).unwrap();
    let before = w.a().peer.stats().datagrams_dropped;
    w.a()
        .peer
        .handle_datagram(now, sa(A_ADDR), sa("192.0.2.99:4444"), &hello);
    assert_eq!(w.a().peer.stats().datagrams_dropped, before + 1);
    assert_eq!(w.a().peer.stats().dtls.records_received, 0);
    assert!(w.open(secs(5)));
    assert!(!w.a().has(|e| matches!(e, Event::Failed(_))));
}

#[test]
fn events_are_bounded_when_nobody_polls() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut config = Config::new([sa(A_ADDR)], 5);
    config.max_events = 8;
    let mut a = Peer::new(config, &mut rng).unwrap();
    let now = Instant::now();
    a.create_offer(now).unwrap();
    for port in 1..100 {
        let _ = a.add_local_candidate(now, std::net::SocketAddr::from(([10, 0, 0, 1], port)));
    }
    let mut n = 0;
    while a.poll_event().is_some() {
        n += 1;
    }
    assert!(n <= 8, "{n} events kept");
    assert!(a.stats().events_dropped > 0);
}

/// Two peers back to back in memory, connected, with a channel open on both sides.
fn memory_pair() -> (Peer, Peer, sansrtc_peer::ChannelId, Instant) {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut a = Peer::new(Config::new([sa(A_ADDR)], 1), &mut rng).unwrap();
    let mut b = Peer::new(Config::new([sa(B_ADDR)], 2), &mut rng).unwrap();
    let now = Instant::now();
    let ch = a.create_channel(now, ChannelConfig::new("c")).unwrap();
    let offer = a.create_offer(now).unwrap().to_string();
    let answer = b.accept_offer(now, &offer).unwrap().to_string();
    a.accept_answer(now, &answer).unwrap();
    let mut buf = Vec::new();
    let (mut a_open, mut b_open) = (false, false);
    for _ in 0..100 {
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            b.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
        }
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            a.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
        }
        while let Some(e) = a.poll_event() {
            a_open |= e == Event::ChannelOpen(ch);
        }
        while let Some(e) = b.poll_event() {
            b_open |= matches!(e, Event::ChannelOpen(_));
        }
        if a_open && b_open {
            return (a, b, ch, now);
        }
    }
    panic!("not connected");
}

#[test]
fn rfc5246_7_2_1_messages_before_the_peers_close_are_delivered() {
    let (mut a, mut b, ch, now) = memory_pair();
    for i in 0..3u8 {
        a.send_binary(now, ch, &[i; 100]).unwrap();
    }
    // A's messages and then its ABORT and close_notify all reach B before B's application
    // polls once.
    let mut buf = Vec::new();
    let mut wire = Vec::new();
    while let Some(t) = a.poll_transmit(now, &mut buf) {
        wire.push((t, buf.clone()));
    }
    a.close(now);
    while let Some(t) = a.poll_transmit(now, &mut buf) {
        wire.push((t, buf.clone()));
    }
    for (t, d) in &wire {
        b.handle_datagram(now, t.destination, t.source, d);
    }
    let events: Vec<Event> = std::iter::from_fn(|| b.poll_event()).collect();
    let messages: Vec<&Vec<u8>> = events
        .iter()
        .filter_map(|e| match e {
            Event::ChannelMessage { data, .. } => Some(data),
            _ => None,
        })
        .collect();
    assert_eq!(
        messages,
        [&vec![0u8; 100], &vec![1u8; 100], &vec![2u8; 100]]
    );
    let closed_at = events
        .iter()
        .position(|e| matches!(e, Event::ChannelClosed(_)))
        .unwrap();
    let last_message = events
        .iter()
        .rposition(|e| matches!(e, Event::ChannelMessage { .. }))
        .unwrap();
    assert!(last_message < closed_at);
    assert_eq!(b.state(), ConnectionState::Closed);
}
