//! Data channels (RFC 8831, RFC 8832) between two endpoints over the netsim link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_netsim::pair::{Endpoint, Pair};
use sansrtc_netsim::{LinkConfig, epoch};
use sansrtc_sctp::packet::{Chunk, Packet};
use sansrtc_sctp::{
    ChannelConfig, ChannelEvent, ChannelState, Config, DataChannels, DtlsRole, Reliability,
};

struct Side {
    dc: DataChannels,
    events: Vec<ChannelEvent>,
    /// (time, packet) of everything sent.
    sent: Vec<(Instant, Vec<u8>)>,
}

impl Side {
    fn new(role: DtlsRole, seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        Self {
            dc: DataChannels::new(Config::with_seed(seed), role, &mut rng),
            events: Vec::new(),
            sent: Vec::new(),
        }
    }
    fn drain(&mut self) {
        while let Some(e) = self.dc.poll_event() {
            self.events.push(e);
        }
    }
    fn has(&self, e: &ChannelEvent) -> bool {
        self.events.contains(e)
    }
    fn messages(&self, channel: u16) -> Vec<(bool, Vec<u8>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ChannelEvent::Message {
                    channel: c,
                    binary,
                    data,
                } if *c == channel => Some((*binary, data.clone())),
                _ => None,
            })
            .collect()
    }
}

impl Endpoint for Side {
    fn handle_datagram(&mut self, now: Instant, d: &[u8]) {
        self.dc.handle_datagram(now, d);
        self.drain();
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.drain();
        let n = self.dc.poll_transmit(now, buf)?;
        self.sent.push((now, buf[..n].to_vec()));
        Some(n)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.dc.poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.dc.handle_timeout(now);
        self.drain();
    }
}

fn link(loss: f64) -> LinkConfig {
    LinkConfig {
        loss,
        delay: Duration::from_millis(15),
        jitter: Duration::from_millis(3),
        mtu: Some(1200),
        ..LinkConfig::default()
    }
}

fn connected(loss: f64, seed: u64) -> Pair<Side, Side> {
    let mut p = Pair::new(
        Side::new(DtlsRole::Client, seed),
        Side::new(DtlsRole::Server, seed + 1),
        link(loss),
        link(loss),
        seed,
    );
    let now = p.now();
    p.a_mut().dc.connect(now);
    p.b_mut().dc.connect(now);
    assert!(
        p.run_until_condition(epoch() + Duration::from_secs(30), |p| p
            .a()
            .has(&ChannelEvent::Connected)
            && p.b().has(&ChannelEvent::Connected))
    );
    p
}

fn run(p: &mut Pair<Side, Side>, secs: u64, cond: impl FnMut(&Pair<Side, Side>) -> bool) -> bool {
    let d = p.now() + Duration::from_secs(secs);
    p.run_until_condition(d, cond)
}

#[test]
fn rfc8832_6_open_ack_label_protocol_and_parity() {
    let mut p = connected(0.0, 1);
    let now = p.now();
    let cfg = ChannelConfig {
        protocol: "proto".into(),
        priority: 512,
        ..ChannelConfig::new("chat")
    };
    let a1 = p.a_mut().dc.create_channel(now, cfg.clone()).unwrap();
    let a2 = p.a_mut().dc.create_channel(now, cfg.clone()).unwrap();
    let b1 = p
        .b_mut()
        .dc
        .create_channel(now, ChannelConfig::new("other"))
        .unwrap();
    // RFC 8832 §6: the DTLS client takes even ids, the server odd ones.
    assert_eq!((a1 % 2, a2 % 2, b1 % 2), (0, 0, 1));
    assert_ne!(a1, a2);
    p.a_mut().drain();
    assert!(
        p.a().has(&ChannelEvent::Open(a1)),
        "local channel opens with the association"
    );
    assert!(run(&mut p, 5, |p| p.b().has(&ChannelEvent::Open(a1))
        && p.b().has(&ChannelEvent::Open(a2))
        && p.a().has(&ChannelEvent::Open(b1))));
    let ch = p.b().dc.channel(a1).unwrap();
    assert_eq!(
        (
            ch.label(),
            ch.protocol(),
            ch.priority(),
            ch.locally_created()
        ),
        ("chat", "proto", 512, false)
    );
    assert_eq!(p.a().dc.channel(b1).unwrap().label(), "other");
}

#[test]
fn rfc8831_6_6_string_binary_and_empty_ppids() {
    let mut p = connected(0.0, 2);
    let now = p.now();
    let id = p
        .a_mut()
        .dc
        .create_channel(now, ChannelConfig::new("t"))
        .unwrap();
    p.a_mut().dc.send_text(now, id, "héllo").unwrap();
    p.a_mut().dc.send_binary(now, id, &[1, 2, 3]).unwrap();
    p.a_mut().dc.send_text(now, id, "").unwrap();
    p.a_mut().dc.send_binary(now, id, &[]).unwrap();
    assert!(run(&mut p, 5, |p| p.b().messages(id).len() == 4));
    assert_eq!(
        p.b().messages(id),
        vec![
            (false, "héllo".as_bytes().to_vec()),
            (true, vec![1, 2, 3]),
            (false, vec![]),
            (true, vec![])
        ]
    );
    // Echo back on the same channel.
    let now = p.now();
    p.b_mut().dc.send_text(now, id, "back").unwrap();
    assert!(run(&mut p, 5, |p| p.a().messages(id)
        == vec![(false, b"back".to_vec())]));
}

#[test]
fn rfc8832_5_1_the_six_channel_types_reach_the_peer() {
    let mut p = connected(0.0, 3);
    let now = p.now();
    let types = [
        (true, Reliability::Reliable),
        (false, Reliability::Reliable),
        (true, Reliability::MaxRetransmits(3)),
        (false, Reliability::MaxRetransmits(0)),
        (true, Reliability::MaxLifetime(Duration::from_millis(150))),
        (false, Reliability::MaxLifetime(Duration::from_millis(2500))),
    ];
    let ids: Vec<u16> = types
        .iter()
        .map(|&(ordered, reliability)| {
            p.a_mut()
                .dc
                .create_channel(
                    now,
                    ChannelConfig {
                        ordered,
                        reliability,
                        ..ChannelConfig::new("x")
                    },
                )
                .unwrap()
        })
        .collect();
    assert!(run(&mut p, 5, |p| ids
        .iter()
        .all(|id| p.b().has(&ChannelEvent::Open(*id)))));
    for (id, (ordered, reliability)) in ids.iter().zip(types) {
        let ch = p.b().dc.channel(*id).unwrap();
        assert_eq!((ch.ordered(), ch.reliability()), (ordered, reliability));
        let now = p.now();
        p.a_mut().dc.send_binary(now, *id, &[7; 3000]).unwrap();
    }
    assert!(run(&mut p, 5, |p| ids.iter().all(|id| p
        .b()
        .messages(*id)
        .len()
        == 1)));
}

#[test]
fn rfc8832_6_negotiated_channels_use_the_agreed_id_without_dcep() {
    let mut p = connected(0.0, 4);
    let now = p.now();
    let cfg = ChannelConfig {
        negotiated: Some(7),
        ..ChannelConfig::new("neg")
    };
    assert_eq!(p.a_mut().dc.create_channel(now, cfg.clone()).unwrap(), 7);
    assert_eq!(p.b_mut().dc.create_channel(now, cfg.clone()).unwrap(), 7);
    assert_eq!(
        p.a_mut().dc.create_channel(now, cfg),
        Err(sansrtc_sctp::Error::ChannelIdInUse(7))
    );
    p.a_mut().dc.send_text(now, 7, "n").unwrap();
    assert!(run(&mut p, 5, |p| p.b().messages(7).len() == 1));
    // No DATA_CHANNEL_OPEN was sent: B has no second Open for 7 from the wire.
    assert_eq!(
        p.b()
            .events
            .iter()
            .filter(|e| **e == ChannelEvent::Open(7))
            .count(),
        1
    );
}

#[test]
fn rfc8831_6_7_close_and_reopen_channels() {
    let mut p = connected(0.05, 5);
    for round in 0..3 {
        let now = p.now();
        let id = p
            .a_mut()
            .dc
            .create_channel(now, ChannelConfig::new(format!("r{round}")))
            .unwrap();
        for i in 0..20u32 {
            p.a_mut()
                .dc
                .send_binary(now, id, &i.to_be_bytes().repeat(500))
                .unwrap();
        }
        // Close right away: the queued messages are still delivered first (RFC 8831 §6.7).
        p.a_mut().dc.close_channel(now, id).unwrap();
        assert_eq!(p.a().dc.channel(id).unwrap().state(), ChannelState::Closing);
        assert!(p.a_mut().dc.send_text(now, id, "late").is_err());
        let before_a = p
            .a()
            .events
            .iter()
            .filter(|e| **e == ChannelEvent::Closed(id))
            .count();
        let before_b = p
            .b()
            .events
            .iter()
            .filter(|e| **e == ChannelEvent::Closed(id))
            .count();
        assert!(
            run(&mut p, 60, |p| {
                p.a()
                    .events
                    .iter()
                    .filter(|e| **e == ChannelEvent::Closed(id))
                    .count()
                    > before_a
                    && p.b()
                        .events
                        .iter()
                        .filter(|e| **e == ChannelEvent::Closed(id))
                        .count()
                        > before_b
            }),
            "round {round}"
        );
        let got: Vec<_> = p
            .b()
            .events
            .iter()
            .filter_map(|e| match e {
                ChannelEvent::Message { channel, data, .. } if *channel == id => Some(data.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(got.len() % 20, 0);
        assert!(p.b().events.contains(&ChannelEvent::Closing(id)));
        assert!(p.a().dc.channel(id).is_none() && p.b().dc.channel(id).is_none());
    }
    // The closed id can be reused as a negotiated channel on both sides.
    let now = p.now();
    let cfg = ChannelConfig {
        negotiated: Some(0),
        ..ChannelConfig::new("again")
    };
    p.a_mut().dc.create_channel(now, cfg.clone()).unwrap();
    p.b_mut().dc.create_channel(now, cfg).unwrap();
    p.b_mut().dc.send_text(now, 0, "fresh").unwrap();
    assert!(run(&mut p, 10, |p| p.a().messages(0).last()
        == Some(&(false, b"fresh".to_vec()))));
}

#[test]
fn rfc8831_6_7_peer_initiated_close() {
    let mut p = connected(0.0, 6);
    let now = p.now();
    let id = p
        .a_mut()
        .dc
        .create_channel(now, ChannelConfig::new("c"))
        .unwrap();
    assert!(run(&mut p, 5, |p| p.b().has(&ChannelEvent::Open(id))));
    let now = p.now();
    p.b_mut().dc.close_channel(now, id).unwrap();
    assert!(run(&mut p, 5, |p| p.a().has(&ChannelEvent::Closed(id))
        && p.b().has(&ChannelEvent::Closed(id))));
    assert!(p.a().has(&ChannelEvent::Closing(id)));
}

#[test]
fn w3c_buffered_amount_and_low_threshold() {
    let mut p = connected(0.0, 7);
    let now = p.now();
    let id = p
        .a_mut()
        .dc
        .create_channel(now, ChannelConfig::new("b"))
        .unwrap();
    p.a_mut().dc.set_buffered_amount_low_threshold(id, 100_000);
    for _ in 0..20 {
        p.a_mut().dc.send_binary(now, id, &[0; 50_000]).unwrap();
    }
    assert!(p.a().dc.buffered_amount(id) >= 900_000);
    assert!(run(&mut p, 30, |p| p
        .a()
        .has(&ChannelEvent::BufferedAmountLow(id))));
    assert!(p.a().dc.buffered_amount(id) <= 100_000);
}

/// DATA chunks of channel `id` A sent: (time, TSN).
fn data_chunks(side: &Side, id: u16) -> Vec<(Instant, u32)> {
    let mut out = Vec::new();
    for (t, pkt) in &side.sent {
        let p = Packet::new_checked(&pkt[..]).unwrap();
        for raw in p.chunks() {
            match Chunk::parse(raw.unwrap()).unwrap() {
                Chunk::Data(d) if d.stream_id == id => out.push((*t, d.tsn)),
                Chunk::IData(d) if d.stream_id == id => out.push((*t, d.tsn)),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn rfc3758_partial_reliability_by_max_retransmits_gives_up_as_configured() {
    for max in [0u32, 2] {
        let mut p = connected(0.3, 8 + u64::from(max));
        let now = p.now();
        let cfg = ChannelConfig {
            ordered: max == 2,
            reliability: Reliability::MaxRetransmits(max),
            ..ChannelConfig::new("pr")
        };
        let id = p.a_mut().dc.create_channel(now, cfg).unwrap();
        assert!(run(&mut p, 30, |p| p.b().has(&ChannelEvent::Open(id))));
        let sent_before = p.a().sent.len();
        for i in 0..300u32 {
            let now = p.now();
            p.a_mut().dc.send_binary(now, id, &i.to_be_bytes()).unwrap();
            let t = p.now() + Duration::from_millis(10);
            p.run_until(t);
        }
        let t = p.now() + Duration::from_secs(60);
        p.run_until(t);
        let mut count = std::collections::HashMap::new();
        let side = Side {
            dc: DataChannels::new(
                Config::default(),
                DtlsRole::Client,
                &mut ChaCha20Rng::seed_from_u64(0),
            ),
            events: vec![],
            sent: p.a().sent[sent_before..].to_vec(),
        };
        for (_, tsn) in data_chunks(&side, id) {
            *count.entry(tsn).or_insert(0u32) += 1;
        }
        let worst = *count.values().max().unwrap();
        assert!(
            worst <= max + 1,
            "a message was sent {worst} times with maxRetransmits {max}"
        );
        let got = p.b().messages(id);
        assert!(
            got.len() < 300 && got.len() > 100,
            "max {max}: {} delivered",
            got.len()
        );
        let values: Vec<u32> = got
            .iter()
            .map(|(_, d)| u32::from_be_bytes(d[..4].try_into().unwrap()))
            .collect();
        if max == 2 {
            assert!(
                values.windows(2).all(|w| w[0] < w[1]),
                "ordered PR channel delivered out of order"
            );
        }
        assert!(p.a().dc.association().stats().abandoned_messages > 0);
        // The association survives and a reliable channel still works afterwards.
        let now = p.now();
        let r = p
            .a_mut()
            .dc
            .create_channel(now, ChannelConfig::new("rel"))
            .unwrap();
        p.a_mut().dc.send_text(now, r, "ok").unwrap();
        assert!(run(&mut p, 60, |p| p.b().messages(r).len() == 1));
    }
}

#[test]
fn rfc3758_partial_reliability_by_lifetime_gives_up_as_configured() {
    let mut p = connected(0.3, 20);
    let now = p.now();
    let lifetime = Duration::from_millis(300);
    let cfg = ChannelConfig {
        reliability: Reliability::MaxLifetime(lifetime),
        ..ChannelConfig::new("timed")
    };
    let id = p.a_mut().dc.create_channel(now, cfg).unwrap();
    assert!(run(&mut p, 30, |p| p.b().has(&ChannelEvent::Open(id))));
    let sent_before = p.a().sent.len();
    let mut send_time = std::collections::HashMap::new();
    for i in 0..200u32 {
        let now = p.now();
        p.a_mut().dc.send_binary(now, id, &i.to_be_bytes()).unwrap();
        send_time.insert(i, now);
        let t = p.now() + Duration::from_millis(10);
        p.run_until(t);
    }
    let t = p.now() + Duration::from_secs(60);
    p.run_until(t);
    // Every transmission of a message happened within its lifetime.
    let mut first = std::collections::HashMap::new();
    for (t, pkt) in &p.a().sent[sent_before..] {
        let pk = Packet::new_checked(&pkt[..]).unwrap();
        for raw in pk.chunks() {
            let payload = match Chunk::parse(raw.unwrap()).unwrap() {
                Chunk::Data(d) if d.stream_id == id => d.payload,
                Chunk::IData(d) if d.stream_id == id => d.payload,
                _ => continue,
            };
            let i = u32::from_be_bytes(payload[..4].try_into().unwrap());
            first.entry(i).or_insert(*t);
            assert!(
                *t <= send_time[&i] + lifetime,
                "message {i} sent after its lifetime"
            );
        }
    }
    let got = p.b().messages(id);
    assert!(got.len() < 200 && got.len() > 50, "{} delivered", got.len());
    let values: Vec<u32> = got
        .iter()
        .map(|(_, d)| u32::from_be_bytes(d[..4].try_into().unwrap()))
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]));
}
