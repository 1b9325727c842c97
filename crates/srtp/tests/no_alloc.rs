//! "No heap allocation per packet", proven rather than promised: this test binary counts every
//! allocation through a wrapping global allocator, and a stream's steady state — protect and
//! unprotect of SRTP and SRTCP, a sequence-number wrap, replayed and forged packets — must make
//! none, for every profile and every provider compiled in.
//!
//! Only a stream's first packet allocates (its replay window and its slot in the SSRC table).
//! The binary runs without the libtest harness (`harness = false`): the harness's own threads
//! allocate while a test runs, and the counter is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;

use sansrtc_srtp::{Config, DtlsRole, Error, ProtectionProfile, Session};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn rtp(buf: &mut Vec<u8>, seq: u16, ssrc: u32) {
    buf.clear();
    buf.extend_from_slice(&[0x90, 111]);
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(&[0, 0, 0x12, 0x34]);
    buf.extend_from_slice(&ssrc.to_be_bytes());
    // One-byte header extension (RFC 8285) with one element, as browsers send.
    buf.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0x42, 0, 0]);
    buf.resize(buf.len() + 1200, 0xa5);
}

fn rtcp(buf: &mut Vec<u8>, ssrc: u32) {
    buf.clear();
    buf.extend_from_slice(&[0x81, 201, 0, 7]);
    buf.extend_from_slice(&ssrc.to_be_bytes());
    buf.resize(32, 0x5a);
}

fn main() {
    // The counter works: a Vec is seen.
    let region = Region::new(GLOBAL);
    std::hint::black_box(vec![0u8; 100]);
    assert_eq!(
        region.change().allocations,
        1,
        "the counting allocator is not installed"
    );

    rfc3711_no_heap_allocation_per_packet();
    println!("no_alloc: 0 allocations per packet for every profile and provider");
}

fn rfc3711_no_heap_allocation_per_packet() {
    for provider in sansrtc_crypto::all_providers() {
        for profile in ProtectionProfile::ALL {
            for window in [64, 1024] {
                let mut config = Config::default();
                config.replay_window = window;
                let km: Vec<u8> = (0..profile.keying_material_len() as u8).collect();
                let mut tx = Session::from_dtls_srtp(
                    &provider,
                    profile,
                    DtlsRole::Client,
                    &km,
                    config.clone(),
                )
                .unwrap();
                let mut rx =
                    Session::from_dtls_srtp(&provider, profile, DtlsRole::Server, &km, config)
                        .unwrap();
                // One buffer per direction with room for the tag, reused for every packet.
                let mut buf = Vec::with_capacity(1500);
                let mut copy = Vec::with_capacity(1500);

                // The first packet of each stream creates its state: that may allocate.
                let ssrc = 0xcafe_f00d;
                let mut seq = 65_400u16;
                rtp(&mut buf, seq, ssrc);
                tx.protect_rtp(&mut buf).unwrap();
                rx.unprotect_rtp(&mut buf).unwrap();
                rtcp(&mut buf, ssrc);
                tx.protect_rtcp(&mut buf).unwrap();
                rx.unprotect_rtcp(&mut buf).unwrap();

                let region = Region::new(GLOBAL);
                for _ in 0..300 {
                    // Across the 65535 -> 0 wrap: the ROC moves without allocating.
                    seq = seq.wrapping_add(1);
                    rtp(&mut buf, seq, ssrc);
                    tx.protect_rtp(&mut buf).unwrap();
                    copy.clear();
                    copy.extend_from_slice(&buf);
                    let len = rx.unprotect_rtp(&mut buf).unwrap();
                    assert_eq!(len, buf.len() - profile.rtp_overhead());
                    // The same packet again: a replay, refused without allocating.
                    buf.clear();
                    buf.extend_from_slice(&copy);
                    assert!(matches!(
                        rx.unprotect_rtp(&mut buf),
                        Err(Error::Replayed { .. })
                    ));
                    // A forged tag on a fresh index.
                    rtp(&mut buf, seq.wrapping_add(1), ssrc);
                    buf.resize(buf.len() + profile.rtp_overhead(), 0);
                    assert_eq!(rx.unprotect_rtp(&mut buf), Err(Error::AuthenticationFailed));

                    rtcp(&mut buf, ssrc);
                    tx.protect_rtcp(&mut buf).unwrap();
                    rx.unprotect_rtcp(&mut buf).unwrap();
                }
                let stats = region.change();
                assert_eq!(
                    (stats.allocations, stats.reallocations),
                    (0, 0),
                    "{} {profile:?} window {window}: {stats:?}",
                    provider.name
                );
                assert_eq!(rx.inbound().roc(ssrc), Some(1));
            }
        }
    }
}
