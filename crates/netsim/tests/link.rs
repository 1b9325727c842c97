//! Link impairments: seeded statistics within tolerance, delay and jitter bounds, MTU drops and
//! determinism.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sansrtc_netsim::{Datagram, Link, LinkConfig, LinkStats, RateLimit, epoch};

const N: u32 = 20_000;

fn addr() -> SocketAddr {
    "192.0.2.1:5000".parse().unwrap()
}

/// Sends `N` numbered datagrams 1 ms apart and returns (delivery time, send time, number) in
/// delivery order, plus the link's counters.
fn run(config: LinkConfig, seed: u64) -> (Vec<(Instant, Instant, u32)>, LinkStats) {
    let mut link = Link::new(config, seed);
    let mut delivered = Vec::new();
    let mut now = epoch();
    let drain = |link: &mut Link, now: Instant, out: &mut Vec<_>| {
        while let Some(d) = link.poll_deliver(now) {
            let n = u32::from_be_bytes(d.payload[..4].try_into().unwrap());
            out.push((now, epoch() + Duration::from_millis(u64::from(n)), n));
        }
    };
    for n in 0..N {
        now = epoch() + Duration::from_millis(u64::from(n));
        // Deliver everything due before this send, at its own time.
        while let Some(at) = link.next_delivery().filter(|&at| at <= now) {
            drain(&mut link, at, &mut delivered);
        }
        link.send(now, Datagram::new(addr(), addr(), n.to_be_bytes().to_vec()));
    }
    while let Some(at) = link.next_delivery() {
        drain(&mut link, at.max(now), &mut delivered);
        now = now.max(at);
    }
    (delivered, link.stats())
}

fn assert_rate(what: &str, count: u64, expected: f64) {
    let rate = count as f64 / f64::from(N);
    assert!(
        (rate - expected).abs() < 0.01,
        "{what}: rate {rate} too far from {expected}"
    );
}

#[test]
fn perfect_link_delivers_everything_in_order_at_once() {
    let (delivered, stats) = run(LinkConfig::default(), 1);
    assert_eq!(delivered.len(), N as usize);
    assert!(delivered.iter().all(|(at, sent, _)| at == sent));
    assert!(delivered.windows(2).all(|w| w[0].2 < w[1].2));
    assert_eq!(stats.sent, u64::from(N));
    assert_eq!(stats.delivered, u64::from(N));
}

#[test]
fn loss_rate_within_tolerance() {
    let config = LinkConfig {
        loss: 0.1,
        ..Default::default()
    };
    let (delivered, stats) = run(config, 42);
    assert_rate("loss", stats.lost, 0.1);
    assert_eq!(delivered.len() as u64, stats.sent - stats.lost);
    assert_eq!(stats.delivered, delivered.len() as u64);
}

#[test]
fn duplication_rate_within_tolerance() {
    let config = LinkConfig {
        duplicate: 0.05,
        ..Default::default()
    };
    let (delivered, stats) = run(config, 43);
    assert_rate("duplicate", stats.duplicated, 0.05);
    assert_eq!(delivered.len() as u64, u64::from(N) + stats.duplicated);
    let mut numbers: Vec<u32> = delivered.iter().map(|d| d.2).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        N as usize,
        "every datagram arrives at least once"
    );
}

#[test]
fn reorder_rate_within_tolerance_and_matches_observed_reordering() {
    let config = LinkConfig {
        reorder: 0.1,
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    let (delivered, stats) = run(config, 44);
    assert_rate("reorder", stats.reordered, 0.1);
    // A datagram is observed out of order when a higher-numbered one arrived before it.
    let mut highest = None;
    let mut late = 0u64;
    for &(_, _, n) in &delivered {
        if highest.is_some_and(|h| n < h) {
            late += 1;
        }
        highest = highest.max(Some(n));
    }
    assert_eq!(late, stats.reordered);
    assert_eq!(delivered.len(), N as usize, "reordering loses nothing");
}

#[test]
fn held_back_datagram_is_released_after_the_next_one() {
    let config = LinkConfig {
        reorder: 1.0,
        ..Default::default()
    };
    let mut link = Link::new(config, 5);
    let now = epoch();
    link.send(now, Datagram::new(addr(), addr(), vec![1]));
    link.send(now, Datagram::new(addr(), addr(), vec![2]));
    // Both are held (reorder 1.0): 1 is released behind 2, and 2 waits for the hold time.
    let mut order = Vec::new();
    while let Some(at) = link.next_delivery() {
        while let Some(d) = link.poll_deliver(at) {
            order.push((d.payload[0], at.duration_since(now)));
        }
    }
    assert_eq!(
        order,
        [(2, Duration::from_millis(1)), (1, Duration::from_millis(1))]
    );
    assert_eq!(link.stats().reordered, 1);
}

#[test]
fn delay_and_jitter_bound_every_delivery() {
    let config = LinkConfig {
        delay: Duration::from_millis(30),
        jitter: Duration::from_millis(20),
        ..Default::default()
    };
    let (delivered, _) = run(config, 45);
    assert_eq!(delivered.len(), N as usize);
    let mut extremes = (Duration::MAX, Duration::ZERO);
    for &(at, sent, _) in &delivered {
        let latency = at - sent;
        assert!(latency >= Duration::from_millis(30) && latency <= Duration::from_millis(50));
        extremes = (extremes.0.min(latency), extremes.1.max(latency));
    }
    assert!(extremes.0 < Duration::from_millis(31) && extremes.1 > Duration::from_millis(49));
    // Jitter wider than the 1 ms sending interval reorders datagrams.
    assert!(delivered.windows(2).any(|w| w[0].2 > w[1].2));
}

#[test]
fn mtu_drops_and_counts_larger_datagrams() {
    let config = LinkConfig {
        mtu: Some(1200),
        ..Default::default()
    };
    let mut link = Link::new(config, 6);
    let now = epoch();
    link.send(now, Datagram::new(addr(), addr(), vec![0; 1200]));
    link.send(now, Datagram::new(addr(), addr(), vec![0; 1201]));
    link.send(now, Datagram::new(addr(), addr(), vec![0; 9000]));
    assert_eq!(link.poll_deliver(now).unwrap().payload.len(), 1200);
    assert_eq!(link.poll_deliver(now), None);
    let stats = link.stats();
    assert_eq!((stats.sent, stats.delivered, stats.dropped_mtu), (3, 1, 2));
}

#[test]
fn same_seed_same_run_different_seed_different_run() {
    let config = LinkConfig {
        loss: 0.05,
        duplicate: 0.02,
        reorder: 0.05,
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(5),
        mtu: None,
    };
    let a = run(config.clone(), 100);
    let b = run(config.clone(), 100);
    let c = run(config, 101);
    assert_eq!(a, b);
    assert_ne!(a.0, c.0);
}

#[test]
fn set_config_partitions_and_heals_the_link() {
    let mut link = Link::new(LinkConfig::default(), 7);
    let now = epoch();
    link.set_config(LinkConfig {
        loss: 1.0,
        ..Default::default()
    });
    link.send(now, Datagram::new(addr(), addr(), vec![1]));
    assert_eq!(link.next_delivery(), None);
    link.set_config(LinkConfig::default());
    link.send(now, Datagram::new(addr(), addr(), vec![2]));
    assert_eq!(link.poll_deliver(now).unwrap().payload, [2]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn config() -> impl Strategy<Value = LinkConfig> {
        (
            0.0..=1.0f64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            0..50u64,
            0..50u64,
            proptest::option::of(1..64usize),
        )
            .prop_map(
                |(loss, duplicate, reorder, delay, jitter, mtu)| LinkConfig {
                    loss,
                    duplicate,
                    reorder,
                    delay: Duration::from_millis(delay),
                    jitter: Duration::from_millis(jitter),
                    mtu,
                },
            )
    }

    proptest! {
        /// Whatever the impairments, every datagram is accounted for exactly once: delivered
        /// (with its duplicates), lost, or dropped by the MTU; and none arrives before the
        /// link's delay.
        #[test]
        fn every_datagram_is_accounted_for(
            config in config(),
            seed in any::<u64>(),
            sends in proptest::collection::vec((0..20u64, 0..80usize), 0..60),
        ) {
            let delay = config.delay;
            let mut link = Link::new(config, seed);
            let mut now = epoch();
            let mut delivered = 0u64;
            for (gap, len) in sends {
                now += Duration::from_millis(gap);
                while let Some(at) = link.next_delivery().filter(|&at| at <= now) {
                    while link.poll_deliver(at).is_some() {
                        delivered += 1;
                    }
                }
                let mut payload = vec![0; len.max(8)];
                payload[..8].copy_from_slice(&u64::try_from((now - epoch()).as_nanos()).unwrap().to_be_bytes());
                link.send(now, Datagram::new(addr(), addr(), payload));
            }
            while let Some(at) = link.next_delivery() {
                while let Some(d) = link.poll_deliver(at) {
                    let sent = epoch() + Duration::from_nanos(u64::from_be_bytes(d.payload[..8].try_into().unwrap()));
                    prop_assert!(at >= sent + delay);
                    delivered += 1;
                }
            }
            let stats = link.stats();
            prop_assert_eq!(stats.delivered, delivered);
            prop_assert_eq!(stats.sent + stats.duplicated, stats.delivered + stats.lost + stats.dropped_mtu);
            prop_assert_eq!(link.in_flight(), 0);
        }
    }
}

#[test]
fn rate_limit_serializes_and_tail_drops() {
    // 1 Mbit/s with 50 ms of queue: 1250-byte datagrams take 10 ms each.
    let mut link = Link::new(
        LinkConfig {
            delay: Duration::from_millis(20),
            ..LinkConfig::default()
        },
        1,
    );
    link.set_rate_limit(Some(RateLimit::new(1_000_000, Duration::from_millis(50))));
    let t0 = epoch();
    // A burst of 10 at once: 6 fit (waits of 0..50 ms), the rest are dropped.
    for n in 0..10u8 {
        link.send(t0, Datagram::new(addr(), addr(), vec![n; 1250]));
    }
    let mut arrivals = Vec::new();
    while let Some(at) = link.next_delivery() {
        let d = link.poll_deliver(at).unwrap();
        arrivals.push((at - t0, d.payload[0]));
    }
    let ms = |m| Duration::from_millis(m);
    assert_eq!(
        arrivals,
        [
            (ms(30), 0),
            (ms(40), 1),
            (ms(50), 2),
            (ms(60), 3),
            (ms(70), 4),
            (ms(80), 5)
        ]
    );
    let stats = link.stats();
    assert_eq!((stats.dropped_queue, stats.lost), (4, 4));
    // Paced at the capacity, nothing waits or drops: delay stays the propagation + 10 ms.
    let t1 = t0 + Duration::from_secs(1);
    for n in 0..20u32 {
        link.send(
            t1 + ms(10) * n,
            Datagram::new(addr(), addr(), vec![0; 1250]),
        );
    }
    let mut last = None;
    while let Some(at) = link.next_delivery() {
        link.poll_deliver(at).unwrap();
        last = Some(at);
    }
    assert_eq!(last, Some(t1 + ms(190) + ms(30)));
    assert_eq!(link.stats().dropped_queue, 4);
    // Removed: no serialization.
    link.set_rate_limit(None);
    link.send(t1 + ms(500), Datagram::new(addr(), addr(), vec![0; 1250]));
    assert_eq!(link.next_delivery(), Some(t1 + ms(520)));
}
