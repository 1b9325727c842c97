//! Partial reliability (RFC 3758) under stress: max-retransmits and lifetime messages, ordered
//! and unordered, DATA and I-DATA, through loss, reordering, duplication and bursts, with the
//! echo pattern of the data-channel interop test. Whatever happens to a message, the channel
//! never stalls: every message is delivered intact or abandoned, never twice, ordered streams
//! stay in order, and once the link is clean again messages flow again (after the FORWARD TSNs
//! still owed, whose T3-rtx may have backed off), nothing stays in flight and the association
//! lives on. (Soaked with 50 seeds per case on 5 other link shapes, up to 50% loss and 50%
//! reordering and duplication, while these tests were written.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{config, lossy};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_netsim::LinkConfig;
use sansrtc_netsim::pair::{Endpoint, Pair};
use sansrtc_sctp::{Association, Config, Event, Message, SendOptions};

const STREAM: u16 = 1;

/// A message: its id, then a pattern of `len` bytes that depends on the id.
fn message(id: u32, len: usize) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend((0..len).map(|i| (i as u32).wrapping_mul(31).wrapping_add(id) as u8));
    m
}

fn id_of(m: &[u8]) -> u32 {
    u32::from_be_bytes(m[..4].try_into().unwrap())
}

/// Sizes that exercise one chunk, a few fragments and many (MTU 1200).
fn size(id: u32) -> usize {
    match id % 7 {
        0 | 3 | 5 => 10,
        1 => 1500,
        2 => 2600,
        4 => 5000,
        _ => 200,
    }
}

/// One association; as the echo side it sends every message back with the same options, as the
/// `sansrtc` binary does on a data channel.
struct Side {
    assoc: Association,
    echo: Option<SendOptions>,
    got: Vec<Message>,
    closed: bool,
}

impl Side {
    fn new(cfg: Config, seed: u64, echo: Option<SendOptions>) -> Self {
        Self {
            assoc: Association::new(cfg, &mut ChaCha20Rng::seed_from_u64(seed)),
            echo,
            got: Vec::new(),
            closed: false,
        }
    }

    fn drain(&mut self, now: Instant) {
        while let Some(e) = self.assoc.poll_event() {
            match e {
                Event::Message(m) => {
                    if let Some(opts) = self.echo {
                        // A full send buffer loses the echo, as a lossy channel may.
                        let _ = self.assoc.send(now, m.stream_id, m.ppid, &m.payload, opts);
                    }
                    self.got.push(m);
                }
                Event::Closed(_) => self.closed = true,
                _ => {}
            }
        }
    }
}

impl Endpoint for Side {
    fn handle_datagram(&mut self, now: Instant, d: &[u8]) {
        self.assoc.handle_datagram(now, d);
        self.drain(now);
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.assoc.poll_transmit(now, buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.assoc.poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.assoc.handle_timeout(now);
        self.drain(now);
    }
}

#[derive(Clone, Copy, Debug)]
struct Case {
    opts: SendOptions,
    interleaving: bool,
    seed: u64,
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let reliabilities = [
        (Some(0), None),
        (Some(2), None),
        (None, Some(Duration::from_millis(150))),
    ];
    let mut seed = 1;
    for unordered in [false, true] {
        for (max_retransmits, lifetime) in reliabilities {
            for interleaving in [false, true] {
                seed += 1;
                v.push(Case {
                    opts: SendOptions {
                        unordered,
                        max_retransmits,
                        lifetime,
                    },
                    interleaving,
                    seed,
                });
            }
        }
    }
    v
}

/// Two associations set up on a clean link, which then becomes `ab` / `ba`.
fn pair(case: Case, ab: LinkConfig, ba: LinkConfig) -> Pair<Side, Side> {
    let cfg = |seed| {
        let mut c = config(seed);
        c.interleaving = case.interleaving;
        c
    };
    let a = Side::new(cfg(case.seed * 2), case.seed * 2, None);
    let b = Side::new(cfg(case.seed * 2 + 1), case.seed * 2 + 1, Some(case.opts));
    let clean = common::link(0.0, 10);
    let mut p = Pair::new(a, b, clean.clone(), clean, case.seed);
    let now = p.now();
    p.a_mut().assoc.connect(now);
    p.b_mut().assoc.connect(now);
    let deadline = now + Duration::from_secs(10);
    assert!(
        p.run_until_condition(deadline, |p| p.a().assoc.is_established()
            && p.b().assoc.is_established()),
        "{case:?}: no association: A {:?} {:?} {:?}, B {:?} {:?} {:?}",
        p.a().assoc.state(),
        p.a().assoc.close_reason(),
        p.a().assoc.stats(),
        p.b().assoc.state(),
        p.b().assoc.close_reason(),
        p.b().assoc.stats()
    );
    p.link_ab().set_config(ab);
    p.link_ba().set_config(ba);
    p
}

/// Checks what a side received of what was sent: intact, at most once, in order when ordered.
fn check_delivery(case: Case, who: &str, got: &[Message]) -> HashSet<u32> {
    let mut seen = HashSet::new();
    let mut last = None;
    for m in got {
        let id = id_of(&m.payload);
        assert_eq!(
            m.payload,
            message(id, size(id)),
            "{case:?}: {who} got {id} damaged"
        );
        assert!(seen.insert(id), "{case:?}: {who} got {id} twice");
        assert_eq!(m.unordered, case.opts.unordered, "{case:?}");
        if !case.opts.unordered {
            assert!(
                last.is_none_or(|l| l < id),
                "{case:?}: {who} got {id} after {last:?} on an ordered stream"
            );
            last = Some(id);
        }
    }
    seen
}

/// The interop test's pattern (one message at a time, each echoed) and then bursts, through
/// the given links; then the links are made clean and every later message must come back.
fn run_case(case: Case, bad: LinkConfig, messages: u32) -> (usize, usize) {
    let mut p = pair(case, bad.clone(), bad);
    let mut id = 0;
    // One by one, 300 ms for each echo (the interop driver's pattern).
    for _ in 0..messages {
        let now = p.now();
        let m = message(id, size(id));
        p.a_mut()
            .assoc
            .send(now, STREAM, 53, &m, case.opts)
            .unwrap();
        let want = id;
        let t = now + Duration::from_millis(300);
        p.run_until_condition(t, |p| {
            p.a().got.last().is_some_and(|m| id_of(&m.payload) == want)
        });
        id += 1;
    }
    // Bursts: 20 messages at once, every 50 ms.
    for _ in 0..5 {
        let now = p.now();
        for _ in 0..20 {
            let m = message(id, size(id));
            p.a_mut()
                .assoc
                .send(now, STREAM, 53, &m, case.opts)
                .unwrap();
            id += 1;
        }
        let t = now + Duration::from_millis(50);
        p.run_until(t);
    }
    let t = p.now() + Duration::from_secs(2);
    p.run_until(t);
    let lossy_echoes = p.a().got.len();
    let lossy_delivered = p.b().got.len();

    // The link is clean again. The channel must come back: once the FORWARD TSNs still owed
    // went through (their T3-rtx may have backed off to seconds, and a lifetime message may
    // expire in the queue until then), a message sent every 100 ms is echoed within a second,
    // ten in a row.
    let clean = common::link(0.0, 10);
    p.link_ab().set_config(clean.clone());
    p.link_ba().set_config(clean);
    let first_after = id;
    let mut in_a_row = 0;
    let give_up = p.now() + Duration::from_secs(90);
    while in_a_row < 10 && p.now() < give_up {
        let now = p.now();
        let m = message(id, size(id));
        p.a_mut()
            .assoc
            .send(now, STREAM, 53, &m, case.opts)
            .unwrap();
        let want = id;
        id += 1;
        let echoed = p.run_until_condition(now + Duration::from_secs(1), |p| {
            p.a().got.iter().rev().any(|m| id_of(&m.payload) == want)
        });
        in_a_row = if echoed { in_a_row + 1 } else { 0 };
        p.run_until(now + Duration::from_millis(100));
    }
    let a_ids = check_delivery(case, "A (echoes)", &p.a().got);
    let b_ids = check_delivery(case, "B", &p.b().got);
    assert!(
        a_ids.is_subset(&b_ids),
        "{case:?}: an echo of a message B never got"
    );
    assert!(
        in_a_row == 10,
        "{case:?}: the channel stalled: {} of {} messages sent after the loss came back \
         (B got {}); in flight A {} B {}, queued A {} B {}; A stats {:?}, B stats {:?}",
        a_ids.iter().filter(|&&i| i >= first_after).count(),
        id - first_after,
        b_ids.iter().filter(|&&i| i >= first_after).count(),
        p.a().assoc.bytes_in_flight(),
        p.b().assoc.bytes_in_flight(),
        p.a().assoc.buffered_total(),
        p.b().assoc.buffered_total(),
        p.a().assoc.stats(),
        p.b().assoc.stats()
    );
    assert!(
        !p.a().closed && !p.b().closed,
        "{case:?}: the association ended"
    );
    // Nothing stays in flight: abandoned chunks are no longer outstanding and every FORWARD
    // TSN was acknowledged.
    let t = p.now() + Duration::from_secs(20);
    p.run_until_condition(t, |p| {
        p.a().assoc.bytes_in_flight() == 0 && p.b().assoc.bytes_in_flight() == 0
    });
    assert_eq!(p.a().assoc.bytes_in_flight(), 0, "{case:?}");
    assert_eq!(p.b().assoc.bytes_in_flight(), 0, "{case:?}");
    assert!(p.a().assoc.cwnd().unwrap() >= 1200, "{case:?}");
    (lossy_delivered, lossy_echoes)
}

#[test]
fn rfc3758_3_5_pr_channels_never_stall_under_loss_reordering_duplication() {
    // 10% loss, 5% reordering, 5% duplication each way, 10 ms ± 5 ms.
    let bad = lossy(0.10, 0.05, 0.05, 10, 5);
    for case in cases() {
        let (delivered, echoed) = run_case(case, bad.clone(), 60);
        let total = 60 + 100;
        // Much gets through (150 ms lifetimes expire in the bursts' queues more often).
        let need = if case.opts.lifetime.is_some() {
            total / 4
        } else {
            total / 2
        };
        assert!(
            delivered > need,
            "{case:?}: {delivered} of {total} delivered"
        );
        assert!(echoed > 0, "{case:?}");
    }
}

#[test]
fn rfc3758_3_5_pr_channels_never_stall_under_heavy_loss() {
    // 30% loss each way: many FORWARD TSNs are lost too.
    let bad = lossy(0.30, 0.0, 0.0, 20, 0);
    for case in cases() {
        run_case(case, bad.clone(), 40);
    }
}

#[test]
fn rfc3758_3_6_pr_channels_never_stall_under_heavy_reordering_and_duplication() {
    // FORWARD TSNs overtake DATA and arrive twice; DATA arrives after the FORWARD TSN that
    // skipped it (a duplicate, RFC 3758 §3.6).
    let bad = lossy(0.05, 0.30, 0.20, 30, 25);
    for case in cases() {
        run_case(case, bad.clone(), 40);
    }
}

fn chunk_types(pkt: &[u8]) -> Vec<u8> {
    common::chunk_types(pkt)
}

#[test]
fn rfc3758_3_5_c5_lost_forward_tsn_is_retransmitted_until_acknowledged() {
    for lose in [1, 3] {
        let cfg = |seed| {
            let mut c = config(seed);
            c.interleaving = false;
            c
        };
        let mut m = common::Manual::new(cfg(1), cfg(2), 10);
        let now = m.now;
        m.a.assoc.connect(now);
        m.b.assoc.connect(now);
        assert!(m.run(10, &mut common::no_drop(), |m| m.a.connected()
            && m.b.connected()));
        let opts = SendOptions {
            max_retransmits: Some(0),
            ..SendOptions::default()
        };
        // Message 0 (three fragments): the middle one is lost; then message 1 and 2.
        let now = m.now;
        m.a.assoc
            .send(now, STREAM, 53, &message(0, 2600), opts)
            .unwrap();
        let mut data_seen = 0;
        let mut forward_lost = 0;
        let mut forward_sent = 0;
        let mut drop = |to_b: bool, pkt: &[u8]| {
            let types = chunk_types(pkt);
            if to_b && types.contains(&0) {
                data_seen += 1;
                if data_seen == 2 {
                    return true;
                }
            }
            if to_b && types.contains(&192) {
                forward_sent += 1;
                if forward_lost < lose {
                    forward_lost += 1;
                    return true;
                }
            }
            false
        };
        m.flush(&mut drop);
        for i in 1..3 {
            let now = m.now;
            m.a.assoc
                .send(now, STREAM, 53, &message(i, 10), opts)
                .unwrap();
        }
        let ok = m.run(30, &mut drop, |m| m.b.messages.len() == 2);
        let got: Vec<u32> = m.b.messages.iter().map(|m| id_of(&m.payload)).collect();
        assert!(ok, "lose {lose}: B got {got:?}");
        assert_eq!(got, [1, 2]);
        assert!(m.run(30, &mut drop, |m| m.a.assoc.bytes_in_flight() == 0));
        assert_eq!(
            forward_sent,
            lose + 1,
            "FORWARD TSN sent until acknowledged"
        );
        // The association is still healthy.
        let now = m.now;
        m.a.assoc
            .send(now, STREAM, 53, &message(3, 10), opts)
            .unwrap();
        assert!(m.run(5, &mut common::no_drop(), |m| m.b.messages.len() == 3));
    }
}

/// RFC 3758 §3.5 A3: a message abandoned while its tail was still queued. The peer has every
/// fragment that was sent, so its cumulative TSN already covers the last of them; the FORWARD
/// TSN must still move past it (a never-sent end fragment takes a TSN), or the peer treats it as
/// out of date (§3.6) and its ordered stream waits for the missing end forever.
#[test]
fn rfc3758_3_5_a3_message_abandoned_before_its_end_was_sent_is_skipped() {
    for interleaving in [false, true] {
        for unordered in [false, true] {
            let cfg = |seed| {
                let mut c = config(seed);
                c.interleaving = interleaving;
                c
            };
            let mut m = common::Manual::new(cfg(3), cfg(4), 10);
            let now = m.now;
            m.a.assoc.connect(now);
            m.b.assoc.connect(now);
            assert!(m.run(10, &mut common::no_drop(), |m| m.a.connected()
                && m.b.connected()));
            let opts = SendOptions {
                unordered,
                max_retransmits: Some(0),
                ..SendOptions::default()
            };
            // 20 kB: the initial congestion window lets only a few fragments go.
            let now = m.now;
            m.a.assoc
                .send(now, STREAM, 53, &message(0, 20_000), opts)
                .unwrap();
            // Every SACK is lost until A's T3-rtx abandons the message.
            let mut no_sacks = |to_b: bool, _: &[u8]| !to_b;
            let abandoned = m.run(10, &mut no_sacks, |m| {
                m.a.assoc.stats().abandoned_messages == 1
            });
            assert!(abandoned);
            assert!(
                m.a.assoc.stats().data_chunks_sent < 17,
                "the whole message went out"
            );
            let now = m.now;
            m.a.assoc
                .send(now, STREAM, 53, &message(1, 10), opts)
                .unwrap();
            let ok = m.run(10, &mut common::no_drop(), |m| !m.b.messages.is_empty());
            let what = format!("interleaving {interleaving}, unordered {unordered}");
            assert!(
                ok,
                "{what}: the message after the abandoned one never arrived"
            );
            assert_eq!(id_of(&m.b.messages[0].payload), 1, "{what}");
            assert!(
                m.run(10, &mut common::no_drop(), |m| m.a.assoc.bytes_in_flight()
                    == 0)
            );
            assert_eq!(m.b.messages.len(), 1, "{what}");
        }
    }
}

/// RFC 3758 §4.1 TR4: a message whose lifetime runs out after its first fragments went out
/// is abandoned before the next fragment would be sent (not sent to its end), its FORWARD TSN
/// goes before the next message, and the peer skips it.
#[test]
fn rfc3758_4_1_tr4_message_expiring_while_partly_sent_is_abandoned() {
    for interleaving in [false, true] {
        let cfg = |seed| {
            let mut c = config(seed);
            c.interleaving = interleaving;
            c
        };
        let mut m = common::Manual::new(cfg(5), cfg(6), 10);
        m.b.record = true;
        let now = m.now;
        m.a.assoc.connect(now);
        m.b.assoc.connect(now);
        assert!(m.run(10, &mut common::no_drop(), |m| m.a.connected()
            && m.b.connected()));
        // A lifetime shorter than the round trip (10 ms each way): the first SACK opens the
        // congestion window after it ran out, nothing is lost and no timer expires.
        let opts = SendOptions {
            lifetime: Some(Duration::from_millis(5)),
            ..SendOptions::default()
        };
        let t0 = m.now;
        m.b.assoc
            .send(t0, STREAM, 53, &message(0, 20_000), opts)
            .unwrap();
        m.b.assoc
            .send(t0, STREAM, 53, &message(1, 10), SendOptions::default())
            .unwrap();
        let ok = m.run(10, &mut common::no_drop(), |m| !m.a.messages.is_empty());
        assert!(
            ok,
            "interleaving {interleaving}: the next message never arrived"
        );
        assert_eq!(id_of(&m.a.messages[0].payload), 1);
        assert_eq!(m.a.messages.len(), 1);
        assert_eq!(m.b.assoc.stats().abandoned_messages, 1);
        let stats = m.b.assoc.stats();
        assert_eq!((stats.t3_expiries, stats.retransmissions), (0, 0));
        assert!(
            stats.data_chunks_sent < 17,
            "the expired message was sent to its end"
        );
        // The FORWARD TSN went before the DATA of the next message (same packet or earlier).
        let forward = if interleaving { 194 } else { 192 };
        let types: Vec<u8> =
            m.b.sent
                .iter()
                .flat_map(|p| common::chunk_types(p))
                .collect();
        let first_forward = types.iter().position(|&t| t == forward);
        let last_data = types.iter().rposition(|&t| t == 0 || t == 64);
        assert!(
            first_forward.is_some() && first_forward < last_data,
            "FORWARD TSN first: {types:?}"
        );
    }
}
