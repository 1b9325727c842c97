//! Two associations over the netsim link.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

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
    p.a_mut().assoc.send(now, 1, 51, b"hello", SendOptions::default()).unwrap();
    p.b_mut().assoc.send(now, 2, 53, b"world", SendOptions::default()).unwrap();
    assert!(run_until(&mut p, 5, |p| !p.a().messages.is_empty() && !p.b().messages.is_empty()));
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

fn bulk_transfer(seed: u64, interleaving: bool, ab: sansrtc_netsim::LinkConfig, ba: sansrtc_netsim::LinkConfig, total: usize) {
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
        let opts = SendOptions { unordered: i % 2 == 1, ..SendOptions::default() };
        p.a_mut().assoc.send(now, (i % 2) as u16, 53, &payload(i, size), opts).unwrap();
    }
    let n = sizes.len();
    assert!(run_until(&mut p, 3600, |p| p.b().messages.len() == n), "got {} of {n} messages", p.b().messages.len());
    let got = &p.b().messages;
    let ordered: Vec<_> = got.iter().filter(|m| m.stream_id == 0).collect();
    let mut unordered: Vec<_> = got.iter().filter(|m| m.stream_id == 1).map(|m| m.payload.clone()).collect();
    let expected_ordered: Vec<_> = (0..n).filter(|i| i % 2 == 0).map(|i| payload(i, sizes[i])).collect();
    assert_eq!(ordered.len(), expected_ordered.len());
    for (m, e) in ordered.iter().zip(&expected_ordered) {
        assert!(!m.unordered);
        assert!(m.payload == *e, "ordered stream out of order or corrupted");
    }
    let mut expected_unordered: Vec<_> = (0..n).filter(|i| i % 2 == 1).map(|i| payload(i, sizes[i])).collect();
    unordered.sort();
    expected_unordered.sort();
    assert!(unordered == expected_unordered, "unordered messages corrupted");
    let stats = p.a().assoc.stats();
    eprintln!("seed {seed}: {n} messages, {:?}, virtual time {:?}", stats, p.now() - start());
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
