//! Fuzzes SRTCP unprotect (RFC 3711 §3.4, RFC 7714 §9) with a fixed key, for every profile.
//!
//! Input: one selector byte, then packets, each prefixed by a one-byte length.
//! - bits 0-1: the profile (`ProtectionProfile::ALL[n]`);
//! - bit 2 clear, "network" mode: each packet goes to unprotect as received. The seed corpus holds
//!   genuinely protected packets, encrypted and not (made by `cargo test -p sansrtc-srtp --test
//!   fuzz_corpus -- --ignored`), so mutations reach the E flag and SRTCP index handling, the replay
//!   window and the authentication check. An accepted packet must be refused as a replay when it
//!   comes again;
//! - bit 2 set, "round-trip" mode: each packet is protected by the sender first, then unprotected.
//!   A failed protect must leave the buffer as it was; a successful one must unprotect to the same
//!   bytes, and then be a replay;
//! - bit 3: a 1024-packet replay window instead of 64;
//! - bit 4 (round-trip mode): the sender does not encrypt (E flag clear, authentication only).
//!
//! The contexts live across the packets of one input (SSRC table bounded at 4).

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_srtp::{Config, DtlsRole, Error, ProtectionProfile, Session};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let profile = ProtectionProfile::ALL[usize::from(selector & 3)];
    let round_trip = selector & 4 != 0;
    let mut config = Config::default();
    config.max_ssrcs = 4;
    if selector & 8 != 0 {
        config.replay_window = 1024;
    }
    config.encrypt_rtcp = selector & 16 == 0;
    // The fixed key: exporter output 0, 1, 2, ...; the client sends, the server receives.
    let provider = sansrtc_crypto::default_provider();
    let km: Vec<u8> = (0..profile.keying_material_len() as u8).collect();
    let mut tx =
        Session::from_dtls_srtp(&provider, profile, DtlsRole::Client, &km, config.clone()).unwrap();
    let mut rx =
        Session::from_dtls_srtp(&provider, profile, DtlsRole::Server, &km, config).unwrap();

    let mut buf = Vec::with_capacity(300);
    let mut wire = Vec::with_capacity(300);
    while let Some((&len, tail)) = rest.split_first() {
        let (packet, tail) = tail.split_at(usize::from(len).min(tail.len()));
        rest = tail;
        buf.clear();
        buf.extend_from_slice(packet);
        if round_trip {
            if tx.protect_rtcp(&mut buf).is_err() {
                assert_eq!(buf, packet, "a failed protect must leave the buffer alone");
                continue;
            }
            assert_eq!(buf.len(), packet.len() + profile.rtcp_overhead());
        }
        wire.clear();
        wire.extend_from_slice(&buf);
        match rx.unprotect_rtcp(&mut buf) {
            Ok(len) => {
                assert_eq!(len, wire.len() - profile.rtcp_overhead());
                assert_eq!(
                    buf[..8],
                    wire[..8],
                    "the first 8 octets are never encrypted"
                );
                if round_trip {
                    assert_eq!(&buf[..len], packet, "round trip changed the packet");
                }
                buf.clear();
                buf.extend_from_slice(&wire);
                assert!(
                    matches!(rx.unprotect_rtcp(&mut buf), Err(Error::Replayed { .. })),
                    "an accepted packet was not a replay the second time"
                );
            }
            Err(e) => assert!(!round_trip, "round trip: protected packet refused: {e}"),
        }
    }
});
