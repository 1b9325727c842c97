//! Two associations over the netsim link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use sansrtc_sctp::{SendOptions, State};

#[test]
fn rfc9260_5_2_1_simultaneous_init_establishes_both_sides() {
    let mut p = pair(config(1), config(2), link(0.0, 10), link(0.0, 10), 7);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    assert_eq!(p.a().assoc.state(), State::Established);
    assert_eq!(p.b().assoc.state(), State::Established);
    let now = p.now();
    p.a_mut()
        .assoc
        .send(now, 1, 51, b"hello", SendOptions::default())
        .unwrap();
    p.b_mut()
        .assoc
        .send(now, 2, 53, b"world", SendOptions::default())
        .unwrap();
    assert!(run_until(&mut p, 5, |p| !p.a().messages.is_empty()
        && !p.b().messages.is_empty()));
    assert_eq!(p.b().messages[0].payload, b"hello");
    assert_eq!(p.a().messages[0].payload, b"world");
}

/// Deterministic message sizes from 1 B to 256 KiB (log-uniform) adding up to `total`.
fn sizes(seed: u64, total: usize) -> Vec<usize> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::new();
    let mut sum = 0;
    while sum < total {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bits = (x % 19) as u32; // 2^0 .. 2^18
        let size = ((1usize << bits) + (x >> 32) as usize % (1usize << bits)).clamp(1, 256 * 1024);
        out.push(size);
        sum += size;
    }
    out
}

fn payload(i: usize, size: usize) -> Vec<u8> {
    (0..size).map(|k| (i * 31 + k * 7) as u8).collect()
}

fn bulk_transfer(
    seed: u64,
    interleaving: bool,
    ab: sansrtc_netsim::LinkConfig,
    ba: sansrtc_netsim::LinkConfig,
    total: usize,
) {
    let mut ca = config(seed);
    let mut cb = config(seed + 100);
    ca.interleaving = interleaving;
    cb.interleaving = interleaving;
    let mut p = pair(ca, cb, ab, ba, seed);
    assert!(run_until(&mut p, 30, |p| p.a().connected() && p.b().connected()));
    assert_eq!(p.a().assoc.interleaving(), Some(interleaving));
    let sizes = sizes(seed, total);
    let now = p.now();
    for (i, &size) in sizes.iter().enumerate() {
        let opts = SendOptions {
            unordered: i % 2 == 1,
            ..SendOptions::default()
        };
        p.a_mut()
            .assoc
            .send(now, (i % 2) as u16, 53, &payload(i, size), opts)
            .unwrap();
    }
    let n = sizes.len();
    assert!(
        run_until(&mut p, 3600, |p| p.b().messages.len() == n),
        "got {} of {n} messages",
        p.b().messages.len()
    );
    let got = &p.b().messages;
    let ordered: Vec<_> = got.iter().filter(|m| m.stream_id == 0).collect();
    let mut unordered: Vec<_> = got
        .iter()
        .filter(|m| m.stream_id == 1)
        .map(|m| m.payload.clone())
        .collect();
    let expected_ordered: Vec<_> = (0..n)
        .filter(|i| i % 2 == 0)
        .map(|i| payload(i, sizes[i]))
        .collect();
    assert_eq!(ordered.len(), expected_ordered.len());
    for (m, e) in ordered.iter().zip(&expected_ordered) {
        assert!(!m.unordered);
        assert!(m.payload == *e, "ordered stream out of order or corrupted");
    }
    let mut expected_unordered: Vec<_> = (0..n)
        .filter(|i| i % 2 == 1)
        .map(|i| payload(i, sizes[i]))
        .collect();
    unordered.sort();
    expected_unordered.sort();
    assert!(
        unordered == expected_unordered,
        "unordered messages corrupted"
    );
    let stats = p.a().assoc.stats();
    eprintln!(
        "seed {seed}: {n} messages, {:?}, virtual time {:?}",
        stats,
        p.now() - start()
    );
}

#[test]
fn rfc9260_6_intact_10mb_transfer_on_clean_link() {
    bulk_transfer(11, false, link(0.0, 5), link(0.0, 5), 10_000_000);
}

#[test]
fn rfc9260_6_intact_and_ordered_under_loss_reordering_duplication() {
    let l = lossy(0.10, 0.05, 0.02, 20, 5);
    bulk_transfer(12, false, l.clone(), l, 10_000_000);
}

#[test]
fn rfc8260_intact_and_ordered_under_loss_with_interleaving() {
    let l = lossy(0.10, 0.05, 0.02, 20, 5);
    bulk_transfer(13, true, l.clone(), l, 10_000_000);
}

use sansrtc_netsim::pair::Endpoint;
use sansrtc_sctp::packet::ChunkType;
use sansrtc_sctp::{CloseReason, Event};

#[test]
fn rfc9260_5_1_one_side_connects_other_answers_statelessly() {
    let mut m = Manual::new(config(1), config(2), 10);
    let now = m.now;
    m.a.assoc.connect(now);
    assert!(m.run(5, &mut no_drop(), |m| m.a.connected() && m.b.connected()));
}

#[test]
fn rfc9260_5_1_lost_cookie_echo_is_retransmitted_by_t1_cookie() {
    let mut m = Manual::new(config(1), config(2), 10);
    let now = m.now;
    m.a.assoc.connect(now);
    let mut dropped = 0;
    let mut drop = |to_b: bool, pkt: &[u8]| {
        if to_b && chunk_types(pkt).first() == Some(&ChunkType::COOKIE_ECHO) && dropped == 0 {
            dropped += 1;
            return true;
        }
        false
    };
    assert!(m.run(10, &mut drop, |m| m.a.connected() && m.b.connected()));
    // T1-cookie starts at RTO.Initial (1 s): the retransmission took about that long.
    assert!(m.now - start() >= std::time::Duration::from_millis(1000));
}

#[test]
fn rfc9260_5_1_lost_init_and_init_ack_are_retransmitted() {
    let mut m = Manual::new(config(1), config(2), 10);
    let now = m.now;
    m.a.assoc.connect(now);
    let mut n = 0;
    let mut drop = |_to_b: bool, pkt: &[u8]| {
        let t = chunk_types(pkt)[0];
        if (t == ChunkType::INIT || t == ChunkType::INIT_ACK) && n < 3 {
            n += 1;
            return true;
        }
        false
    };
    assert!(m.run(30, &mut drop, |m| m.a.connected() && m.b.connected()));
}

#[test]
fn rfc9260_5_2_1_init_collision_with_crossing_cookie_echoes() {
    // B connects after A's INIT is already on its way: B answers A's INIT in COOKIE-WAIT while
    // its own INIT is in flight, and both COOKIE ECHOs cross.
    for offset_ms in [0u64, 3, 9, 10, 11, 19, 25] {
        let mut m = Manual::new(config(1), config(2), 10);
        let now = m.now;
        m.a.assoc.connect(now);
        m.flush(&mut no_drop());
        let t = now + std::time::Duration::from_millis(offset_ms);
        while m.wire.iter().any(|w| w.0 <= t) || m.a.poll_timeout().is_some_and(|x| x <= t) {
            if !m.step(&mut no_drop()) {
                break;
            }
            if m.now > t {
                break;
            }
        }
        m.now = m.now.max(t);
        if !m.b.connected() {
            let now = m.now;
            m.b.assoc.connect(now);
        }
        assert!(
            m.run(10, &mut no_drop(), |m| m.a.connected() && m.b.connected()),
            "offset {offset_ms} ms: {:?} / {:?}",
            m.a.assoc.state(),
            m.b.assoc.state()
        );
        let now = m.now;
        m.a.assoc
            .send(now, 0, 51, b"x", SendOptions::default())
            .unwrap();
        m.b.assoc
            .send(now, 1, 51, b"y", SendOptions::default())
            .unwrap();
        assert!(
            m.run(10, &mut no_drop(), |m| !m.a.messages.is_empty()
                && !m.b.messages.is_empty()),
            "offset {offset_ms}"
        );
        assert!(
            m.a.events
                .iter()
                .filter(|e| matches!(e, Event::Connected))
                .count()
                == 1
        );
    }
}

#[test]
fn rfc9260_9_1_abort_closes_both_sides() {
    let mut p = pair(config(1), config(2), link(0.0, 10), link(0.0, 10), 3);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    let now = p.now();
    p.a_mut().assoc.abort(now, "bye");
    assert!(run_until(&mut p, 5, |p| p.b().closed()));
    assert!(
        p.a()
            .events
            .contains(&Event::Closed(CloseReason::Aborted("bye".into())))
    );
    assert!(
        p.b()
            .events
            .contains(&Event::Closed(CloseReason::AbortedByPeer(
                "user-initiated abort: bye".into()
            )))
    );
    let now = p.now();
    assert_eq!(
        p.a_mut()
            .assoc
            .send(now, 0, 51, b"x", SendOptions::default()),
        Err(sansrtc_sctp::Error::Closed)
    );
}

#[test]
fn rfc9260_9_2_graceful_shutdown_after_outstanding_data() {
    let mut p = pair(config(1), config(2), link(0.05, 10), link(0.05, 10), 4);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    let now = p.now();
    for i in 0..50u8 {
        p.a_mut()
            .assoc
            .send(now, 0, 53, &[i; 3000], SendOptions::default())
            .unwrap();
    }
    p.a_mut().assoc.shutdown(now);
    assert!(run_until(&mut p, 60, |p| p.a().closed() && p.b().closed()));
    assert_eq!(p.b().messages.len(), 50);
    assert!(p.a().events.contains(&Event::Closed(CloseReason::Shutdown)));
    assert!(p.b().events.contains(&Event::Closed(CloseReason::Shutdown)));
}

#[test]
fn rfc9260_8_1_association_max_retrans_aborts() {
    let mut ca = config(1);
    ca.heartbeat_interval = None;
    let mut p = pair(ca, config(2), link(0.0, 10), link(0.0, 10), 5);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    p.link_ab().set_config(link(1.0, 10));
    let now = p.now();
    p.a_mut()
        .assoc
        .send(now, 0, 53, b"into the void", SendOptions::default())
        .unwrap();
    assert!(run_until(&mut p, 3600, |p| p.a().closed()));
    assert!(p.a().events.contains(&Event::Closed(CloseReason::Timeout)));
    // Association.Max.Retrans = 10: the 11th consecutive T3-rtx expiry gives up.
    assert_eq!(p.a().assoc.stats().t3_expiries, 11);
}

#[test]
fn rfc9260_8_3_heartbeats_keep_an_idle_association_and_measure_rtt() {
    let mut p = pair(config(1), config(2), link(0.0, 25), link(0.0, 25), 6);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    let deadline = p.now() + std::time::Duration::from_secs(300);
    p.run_until(deadline);
    assert_eq!(p.a().assoc.state(), State::Established);
    let srtt = p.a().assoc.srtt().unwrap();
    assert!(
        srtt >= std::time::Duration::from_millis(45)
            && srtt <= std::time::Duration::from_millis(60),
        "{srtt:?}"
    );
}

#[test]
fn rfc9260_8_3_unanswered_heartbeats_abort() {
    let mut p = pair(config(1), config(2), link(0.0, 10), link(0.0, 10), 8);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    p.link_ab().set_config(link(1.0, 10));
    assert!(run_until(&mut p, 3600, |p| p.a().closed()));
    assert!(p.a().events.contains(&Event::Closed(CloseReason::Timeout)));
}

#[test]
fn rfc9260_5_2_4_peer_restart_is_detected_and_data_flows_again() {
    let mut p = pair(config(1), config(2), link(0.0, 10), link(0.0, 10), 9);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    let now = p.now();
    p.a_mut()
        .assoc
        .send(now, 0, 51, b"before", SendOptions::default())
        .unwrap();
    assert!(run_until(&mut p, 5, |p| p.b().messages.len() == 1));
    // B crashes and comes back with no memory of the association.
    *p.b_mut() = Peer::new(config(77), 77);
    let now = p.now();
    p.b_mut().assoc.connect(now);
    assert!(run_until(&mut p, 10, |p| p.b().connected()));
    assert!(p.a().events.contains(&Event::Restarted));
    let now = p.now();
    p.a_mut()
        .assoc
        .send(now, 0, 51, b"after", SendOptions::default())
        .unwrap();
    p.b_mut()
        .assoc
        .send(now, 0, 51, b"hi again", SendOptions::default())
        .unwrap();
    assert!(run_until(&mut p, 5, |p| p.b().messages.len() == 1
        && p.a().messages.len() == 1));
    assert_eq!(p.b().messages[0].payload, b"after");
    assert_eq!(p.a().messages[0].payload, b"hi again");
}

#[test]
fn rfc8841_6_send_larger_than_max_message_size_fails() {
    let mut p = pair(config(1), config(2), link(0.0, 10), link(0.0, 10), 10);
    let now = p.now();
    let err = p
        .a_mut()
        .assoc
        .send(now, 0, 53, &vec![0; 256 * 1024 + 1], SendOptions::default());
    assert_eq!(
        err,
        Err(sansrtc_sctp::Error::MessageTooLarge {
            size: 256 * 1024 + 1,
            max: 256 * 1024
        })
    );
    assert!(
        p.a_mut()
            .assoc
            .send(now, 0, 53, &vec![0; 256 * 1024], SendOptions::default())
            .is_ok()
    );
}

#[test]
fn rfc8831_6_6_incoming_message_larger_than_max_aborts_cleanly() {
    let mut cb = config(2);
    cb.max_message_size = 10_000;
    let mut p = pair(config(1), cb, link(0.0, 10), link(0.0, 10), 11);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    let now = p.now();
    p.a_mut()
        .assoc
        .send(now, 0, 53, &[1; 5000], SendOptions::default())
        .unwrap();
    p.a_mut()
        .assoc
        .send(now, 0, 53, &[2; 20_000], SendOptions::default())
        .unwrap();
    assert!(run_until(&mut p, 10, |p| p.a().closed() && p.b().closed()));
    assert_eq!(p.b().messages.len(), 1);
    assert!(
        matches!(p.a().events.last(), Some(Event::Closed(CloseReason::AbortedByPeer(r))) if r.contains("maximum message size"))
    );
}

fn trace(seed: u64) -> (Vec<Vec<u8>>, String) {
    let l = lossy(0.1, 0.05, 0.05, 20, 10);
    let mut p = pair(config(seed), config(seed + 1), l.clone(), l, seed);
    p.a_mut().record = true;
    assert!(run_until(&mut p, 30, |p| p.a().connected() && p.b().connected()));
    let now = p.now();
    for i in 0..200usize {
        p.a_mut()
            .assoc
            .send(
                now,
                (i % 3) as u16,
                53,
                &vec![i as u8; 1 + i * 37],
                SendOptions::default(),
            )
            .unwrap();
    }
    assert!(run_until(&mut p, 600, |p| p.b().messages.len() == 200));
    (
        p.a().sent.clone(),
        format!("{:?} {:?}", p.a().assoc.stats(), p.now()),
    )
}

#[test]
fn netsim_runs_are_reproducible_from_the_seed() {
    let (a, sa) = trace(42);
    let (b, sb) = trace(42);
    assert_eq!(sa, sb);
    assert!(a == b, "packet traces differ");
    let (c, _) = trace(43);
    assert!(a != c);
}

#[test]
fn rfc9260_3_2_padded_data_chunks_stay_within_an_mtu_that_is_not_a_multiple_of_4() {
    // 1163 bytes is what a 1200-byte DTLS datagram leaves for one record with AES-GCM: a
    // fragment that filled the room exactly used to be padded 1 to 3 bytes past the MTU.
    for mtu in [1161usize, 1162, 1163, 1164] {
        let mut cfg = config(1);
        cfg.mtu = mtu;
        let mut m = Manual::new(cfg.clone(), cfg, 10);
        m.a.record = true;
        let now = m.now;
        m.a.assoc.connect(now);
        m.b.assoc.connect(now);
        assert!(m.run(5, &mut no_drop(), |m| m.a.connected() && m.b.connected()));
        let now = m.now;
        for size in [mtu, 3 * mtu, 64 * 1024 + 3] {
            m.a.assoc
                .send(now, 0, 53, &vec![0xa5; size], SendOptions::default())
                .unwrap();
        }
        assert!(m.run(10, &mut no_drop(), |m| m.b.messages.len() == 3));
        let largest = m.a.sent.iter().map(Vec::len).max().unwrap();
        assert!(largest <= mtu, "mtu {mtu}: a {largest}-byte packet");
        assert!(
            largest + 3 >= mtu,
            "mtu {mtu}: packets are filled ({largest})"
        );
    }
}
