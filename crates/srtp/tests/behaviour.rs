//! Behaviour of the contexts on real traffic patterns: tampering, replay, rollover, reordering,
//! SSRC policy and limits, and a protect → unprotect identity for every profile (proptest).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use sansrtc_crypto::CryptoProvider;
use sansrtc_srtp::{Config, DtlsRole, Error, ProtectionProfile, Session, SsrcPolicy};

fn provider() -> CryptoProvider {
    sansrtc_crypto::default_provider()
}

/// A client and a server session over the same (fake) exporter output.
fn pair(profile: ProtectionProfile, config: Config) -> (Session, Session) {
    let km: Vec<u8> = (0..profile.keying_material_len())
        .map(|i| (i * 7 + 3) as u8)
        .collect();
    let p = provider();
    (
        Session::from_dtls_srtp(&p, profile, DtlsRole::Client, &km, config.clone()).unwrap(),
        Session::from_dtls_srtp(&p, profile, DtlsRole::Server, &km, config).unwrap(),
    )
}

fn rtp(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&u32::from(seq).wrapping_mul(960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn rtcp_rr(ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x81, 201, 0, 7];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0xa5; 24]);
    p
}

fn protected(tx: &mut Session, seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = rtp(seq, ssrc, b"payload bytes");
    tx.protect_rtp(&mut p).unwrap();
    p
}

#[test]
fn rfc5764_4_2_client_and_server_keys_pair_up() {
    for profile in ProtectionProfile::ALL {
        let (mut client, mut server) = pair(profile, Config::default());
        let mut p = protected(&mut client, 1, 7);
        assert_eq!(p.len(), 12 + 13 + profile.rtp_overhead());
        assert_ne!(&p[12..25], b"payload bytes");
        let len = server.unprotect_rtp(&mut p).unwrap();
        assert_eq!(p[..len], rtp(1, 7, b"payload bytes"));
        // And the other way.
        let mut p = protected(&mut server, 1, 8);
        let len = client.unprotect_rtp(&mut p).unwrap();
        assert_eq!(&p[12..len], b"payload bytes");
        // A session does not accept its own packets (different write keys per direction).
        let mut p = protected(&mut client, 2, 9);
        assert_eq!(
            client.unprotect_rtp(&mut p),
            Err(Error::AuthenticationFailed)
        );
    }
}

#[test]
fn rfc3711_3_3_tampered_packet_or_tag_fails_and_changes_nothing() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile, Config::default());
        let good = protected(&mut tx, 100, 1);
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            let r = rx.unprotect_rtp(&mut bad);
            assert!(r.is_err(), "{profile:?} byte {i} flipped was accepted");
        }
        // Truncated tag.
        let mut bad = good[..good.len() - 1].to_vec();
        assert_eq!(rx.unprotect_rtp(&mut bad), Err(Error::AuthenticationFailed));
        // None of that created state or moved the window: the genuine packet still passes.
        let mut p = good.clone();
        rx.unprotect_rtp(&mut p).unwrap();
        assert_eq!(rx.inbound().roc(1), Some(0));
    }
}

#[test]
fn rfc3711_3_3_2_replayed_packet_is_rejected() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile, Config::default());
        let p = protected(&mut tx, 5, 1);
        rx.unprotect_rtp(&mut p.clone()).unwrap();
        assert_eq!(
            rx.unprotect_rtp(&mut p.clone()),
            Err(Error::Replayed { index: 5 })
        );
    }
}

#[test]
fn rfc3711_3_3_2_out_of_order_within_window_then_too_old() {
    let (mut tx, mut rx) = pair(ProtectionProfile::AeadAes128Gcm, Config::default());
    let packets: Vec<Vec<u8>> = (0..200u16).map(|s| protected(&mut tx, s, 1)).collect();
    // 0, then 150, then the reordered ones behind it.
    rx.unprotect_rtp(&mut packets[0].clone()).unwrap();
    rx.unprotect_rtp(&mut packets[150].clone()).unwrap();
    for s in (87..150).rev() {
        rx.unprotect_rtp(&mut packets[s].clone()).unwrap();
    }
    // 150 - 86 = 64: behind a 64-packet window.
    assert_eq!(
        rx.unprotect_rtp(&mut packets[86].clone()),
        Err(Error::TooOld { index: 86 })
    );
    assert_eq!(
        rx.unprotect_rtp(&mut packets[100].clone()),
        Err(Error::Replayed { index: 100 })
    );

    // A 1024-packet window keeps them.
    let mut config = Config::default();
    config.replay_window = 1024;
    let (mut tx, mut rx) = pair(ProtectionProfile::Aes128CmHmacSha1_80, config);
    let packets: Vec<Vec<u8>> = (0..1100u16).map(|s| protected(&mut tx, s, 1)).collect();
    rx.unprotect_rtp(&mut packets[1099].clone()).unwrap();
    for packet in &packets[76..1099] {
        rx.unprotect_rtp(&mut packet.clone()).unwrap();
    }
    assert_eq!(
        rx.unprotect_rtp(&mut packets[75].clone()),
        Err(Error::TooOld { index: 75 })
    );
}

#[test]
fn rfc3711_3_3_1_roc_rollover_across_65535_to_0() {
    for profile in ProtectionProfile::ALL {
        let (mut tx, mut rx) = pair(profile, Config::default());
        let mut sent = Vec::new();
        for seq in (65530..=65535).chain(0..6) {
            sent.push((seq, protected(&mut tx, seq, 3)));
        }
        assert_eq!(tx.outbound().roc(3), Some(1));
        // Deliver with the wrap reordered: 65534, 0, 65535, 1, ...
        let order = [0, 1, 2, 3, 4, 6, 5, 7, 8, 9, 10, 11];
        for i in order {
            let (seq, p) = &sent[i];
            let len = rx
                .unprotect_rtp(&mut p.clone())
                .unwrap_or_else(|e| panic!("{seq}: {e}"));
            assert_eq!(len, 12 + 13);
        }
        assert_eq!(rx.inbound().roc(3), Some(1));
        // A packet protected with ROC 1 does not verify as ROC 0: the ROC is authenticated.
        let mut late = sent[0].1.clone();
        assert_eq!(
            rx.unprotect_rtp(&mut late),
            Err(Error::Replayed { index: 65530 })
        );
    }
}

#[test]
fn rfc3711_3_3_1_roc_follows_many_wraps() {
    let (mut tx, mut rx) = pair(ProtectionProfile::Aes128CmHmacSha1_32, Config::default());
    let mut seq = 0u16;
    for _ in 0..(3 * 65536 + 10) {
        let mut p = protected(&mut tx, seq, 9);
        if seq.is_multiple_of(1000) || !(5..=65530).contains(&seq) {
            rx.unprotect_rtp(&mut p).unwrap();
        }
        seq = seq.wrapping_add(1);
    }
    assert_eq!(tx.outbound().roc(9), Some(3));
    assert_eq!(rx.inbound().roc(9), Some(3));
}

#[test]
fn rfc7714_8_4_protect_never_reuses_an_index() {
    let (mut tx, _) = pair(ProtectionProfile::AeadAes128Gcm, Config::default());
    protected(&mut tx, 10, 1);
    let mut again = rtp(10, 1, b"different payload");
    assert_eq!(
        tx.protect_rtp(&mut again),
        Err(Error::IndexReused { index: 10 })
    );
    assert_eq!(
        again,
        rtp(10, 1, b"different payload"),
        "buffer untouched on error"
    );
    // Another SSRC has its own index space.
    protected(&mut tx, 10, 2);
}

#[test]
fn rfc3711_3_4_srtcp_round_trip_replay_and_tamper() {
    for profile in ProtectionProfile::ALL {
        for encrypt in [true, false] {
            let mut config = Config::default();
            config.encrypt_rtcp = encrypt;
            let (mut tx, mut rx) = pair(profile, config);
            let mut first = rtcp_rr(0x1111);
            tx.protect_rtcp(&mut first).unwrap();
            assert_eq!(first.len(), 32 + profile.rtcp_overhead());
            assert_eq!(first[8..32] == [0xa5; 24], !encrypt);
            let mut second = rtcp_rr(0x1111);
            tx.protect_rtcp(&mut second).unwrap();
            // Deliver out of order.
            let len = rx.unprotect_rtcp(&mut second.clone()).unwrap();
            assert_eq!(len, 32);
            let mut copy = first.clone();
            let len = rx.unprotect_rtcp(&mut copy).unwrap();
            assert_eq!(copy[..len], rtcp_rr(0x1111));
            assert_eq!(
                rx.unprotect_rtcp(&mut first.clone()),
                Err(Error::Replayed { index: 0 })
            );
            // Flipping the E flag or the index breaks authentication.
            let mut third = rtcp_rr(0x1111);
            tx.protect_rtcp(&mut third).unwrap();
            let e = if profile.is_aead() {
                third.len() - 4
            } else {
                third.len() - 14
            };
            for (at, bit) in [(e, 0x80), (e + 3, 0x01)] {
                let mut bad = third.clone();
                bad[at] ^= bit;
                assert_eq!(
                    rx.unprotect_rtcp(&mut bad),
                    Err(Error::AuthenticationFailed)
                );
            }
            rx.unprotect_rtcp(&mut third).unwrap();
        }
    }
}

#[test]
fn too_short_and_malformed_packets_are_errors() {
    let (_, mut rx) = pair(ProtectionProfile::Aes128CmHmacSha1_80, Config::default());
    assert_eq!(
        rx.unprotect_rtp(&mut [0x80; 21]),
        Err(Error::TooShort { len: 21, min: 22 })
    );
    assert_eq!(rx.unprotect_rtp(&mut [0x40; 40]), Err(Error::BadVersion(1)));
    let mut csrcs = [0u8; 40];
    csrcs[0] = 0x8f; // 15 CSRCs = 72 bytes of header
    assert_eq!(rx.unprotect_rtp(&mut csrcs), Err(Error::HeaderOverrun));
    assert_eq!(
        rx.unprotect_rtcp(&mut [0x80; 21]),
        Err(Error::TooShort { len: 21, min: 22 })
    );
    assert_eq!(
        rx.unprotect_rtcp(&mut []),
        Err(Error::TooShort { len: 0, min: 22 })
    );
}

#[test]
fn ssrc_policy_known_rejects_unregistered_ssrcs() {
    let mut config = Config::default();
    config.ssrc_policy = SsrcPolicy::Known;
    let (mut tx, mut rx) = pair(ProtectionProfile::AeadAes256Gcm, config);
    let mut p = protected(&mut tx, 1, 0xabc);
    assert_eq!(
        rx.unprotect_rtp(&mut p.clone()),
        Err(Error::UnknownSsrc { ssrc: 0xabc })
    );
    let mut r = rtcp_rr(0xabc);
    tx.protect_rtcp(&mut r).unwrap();
    assert_eq!(
        rx.unprotect_rtcp(&mut r.clone()),
        Err(Error::UnknownSsrc { ssrc: 0xabc })
    );
    rx.inbound().add_ssrc(0xabc).unwrap();
    rx.unprotect_rtp(&mut p).unwrap();
    rx.unprotect_rtcp(&mut r).unwrap();
}

#[test]
fn ssrc_limit_is_enforced_and_forgeries_take_no_slot() {
    let mut config = Config::default();
    config.max_ssrcs = 2;
    let (mut tx, _) = pair(ProtectionProfile::Aes128CmHmacSha1_80, Config::default());
    let (mut bounded_tx, mut rx) = pair(ProtectionProfile::Aes128CmHmacSha1_80, config);
    // Forged packets from many SSRCs never take a slot.
    for ssrc in 100..200 {
        let mut forged = rtp(1, ssrc, &[0; 30]);
        assert_eq!(
            rx.unprotect_rtp(&mut forged),
            Err(Error::AuthenticationFailed)
        );
    }
    rx.unprotect_rtp(&mut protected(&mut tx, 1, 1)).unwrap();
    rx.unprotect_rtp(&mut protected(&mut tx, 1, 2)).unwrap();
    assert_eq!(
        rx.unprotect_rtp(&mut protected(&mut tx, 1, 3)),
        Err(Error::SsrcLimit { ssrc: 3 })
    );
    // The sender is bounded too.
    protected(&mut bounded_tx, 1, 1);
    protected(&mut bounded_tx, 1, 2);
    let mut p = rtp(1, 4, b"x");
    assert_eq!(
        bounded_tx.protect_rtp(&mut p),
        Err(Error::SsrcLimit { ssrc: 4 })
    );
    // Removing a stream frees its slot.
    rx.inbound().remove_ssrc(1);
    rx.unprotect_rtp(&mut protected(&mut tx, 2, 3)).unwrap();
}

#[test]
fn protect_in_place_checks_capacity() {
    let (mut tx, mut rx) = pair(ProtectionProfile::AeadAes128Gcm, Config::default());
    let packet = rtp(1, 1, b"abc");
    let mut small = [0u8; 15 + 15];
    small[..15].copy_from_slice(&packet);
    assert_eq!(
        tx.protect_rtp_in_place(&mut small, 15),
        Err(Error::BufferTooSmall { needed: 31 })
    );
    let mut buf = [0u8; 1500];
    buf[..15].copy_from_slice(&packet);
    let n = tx.protect_rtp_in_place(&mut buf, 15).unwrap();
    assert_eq!(n, 31);
    assert_eq!(rx.unprotect_rtp(&mut buf[..n]), Ok(15));
    assert_eq!(buf[..15], packet);
    // A length past the buffer (or past usize::MAX with the overhead) is refused, not a panic.
    for len in [1500, usize::MAX - 5, usize::MAX] {
        assert!(matches!(
            tx.protect_rtp_in_place(&mut buf, len),
            Err(Error::BufferTooSmall { .. })
        ));
        assert!(matches!(
            tx.protect_rtcp_in_place(&mut buf, len),
            Err(Error::BufferTooSmall { .. })
        ));
    }
}

fn arb_rtp() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u16>(),
        any::<u32>(),
        0usize..4,
        prop::option::of(0u16..4),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(seq, ssrc, csrcs, ext, payload)| {
            let mut p = vec![0x80 | csrcs as u8, 111];
            p.extend_from_slice(&seq.to_be_bytes());
            p.extend_from_slice(&[1, 2, 3, 4]);
            p.extend_from_slice(&ssrc.to_be_bytes());
            for c in 0..csrcs {
                p.extend_from_slice(&(c as u32).to_be_bytes());
            }
            if let Some(words) = ext {
                p[0] |= 0x10;
                p.extend_from_slice(&[0xbe, 0xde]);
                p.extend_from_slice(&words.to_be_bytes());
                p.extend(std::iter::repeat_n(0x77, 4 * words as usize));
            }
            p.extend_from_slice(&payload);
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn protect_then_unprotect_rtp_is_identity(packet in arb_rtp(), profile in 0usize..4) {
        let profile = ProtectionProfile::ALL[profile];
        let (mut tx, mut rx) = pair(profile, Config::default());
        let mut buf = packet.clone();
        tx.protect_rtp(&mut buf).unwrap();
        prop_assert_eq!(buf.len(), packet.len() + profile.rtp_overhead());
        let len = rx.unprotect_rtp(&mut buf).unwrap();
        prop_assert_eq!(&buf[..len], &packet[..]);
    }

    #[test]
    fn protect_then_unprotect_rtcp_is_identity(
        ssrc in any::<u32>(),
        body in prop::collection::vec(any::<u8>(), 0..200),
        profile in 0usize..4,
        encrypt in any::<bool>(),
    ) {
        let profile = ProtectionProfile::ALL[profile];
        let mut config = Config::default();
        config.encrypt_rtcp = encrypt;
        let (mut tx, mut rx) = pair(profile, config);
        let mut packet = vec![0x80, 200, 0, 0];
        packet.extend_from_slice(&ssrc.to_be_bytes());
        packet.extend_from_slice(&body);
        let mut buf = packet.clone();
        tx.protect_rtcp(&mut buf).unwrap();
        let len = rx.unprotect_rtcp(&mut buf).unwrap();
        prop_assert_eq!(&buf[..len], &packet[..]);
    }

    #[test]
    fn unprotect_never_panics_on_garbage(
        mut bytes in prop::collection::vec(any::<u8>(), 0..100),
        profile in 0usize..4,
    ) {
        let (_, mut rx) = pair(ProtectionProfile::ALL[profile], Config::default());
        let _ = rx.unprotect_rtp(&mut bytes.clone());
        let _ = rx.unprotect_rtcp(&mut bytes);
    }
}

/// `0..n` shuffled within consecutive chunks of `chunk` (xorshift from `seed`): no packet arrives
/// more than `chunk - 1` places after a later one.
fn shuffled_in_chunks(n: usize, chunk: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut x = seed | 1;
    for c in order.chunks_mut(chunk) {
        for i in (1..c.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c.swap(i, (x % (i as u64 + 1)) as usize);
        }
    }
    order
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// RFC 3711 §3.3.1 and §3.3.2 together: packets sent from any starting sequence number
    /// (so the ROC may wrap) and delivered reordered by less than the window are each accepted
    /// exactly once, and the receiver's ROC ends where the sender's is.
    #[test]
    fn rfc3711_3_3_reordered_within_window_accepted_exactly_once(
        start in any::<u16>(),
        n in 1usize..400,
        seed in any::<u64>(),
        profile in 0usize..4,
    ) {
        let (mut tx, mut rx) = pair(ProtectionProfile::ALL[profile], Config::default());
        let sent: Vec<Vec<u8>> =
            (0..n).map(|i| protected(&mut tx, start.wrapping_add(i as u16), 5)).collect();
        // The first packet must come first: it fixes the receiver's ROC 0 (RFC 3711 §3.3.1).
        let mut order = vec![0];
        order.extend(shuffled_in_chunks(n - 1, 32, seed).into_iter().map(|i| i + 1));
        for &i in &order {
            let r = rx.unprotect_rtp(&mut sent[i].clone());
            prop_assert_eq!(r, Ok(12 + 13), "packet {} (seq {})", i, start.wrapping_add(i as u16));
        }
        prop_assert_eq!(rx.inbound().roc(5), tx.outbound().roc(5));
        for &i in &order {
            let r = rx.unprotect_rtp(&mut sent[i].clone());
            prop_assert!(
                matches!(r, Err(Error::Replayed { .. } | Error::TooOld { .. })),
                "packet {} accepted twice: {:?}", i, r
            );
        }
    }
}
