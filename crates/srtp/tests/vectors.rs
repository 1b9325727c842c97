//! The RFC test vectors: RFC 3711 Appendix B.2 and B.3, RFC 7714 §16 and §17. Each runs against
//! every crypto provider (RustCrypto, and the ring mix: the dev-dependency turns `ring` on).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_crypto::CryptoProvider;
use sansrtc_srtp::{
    Config, Inbound, MasterKey, Outbound, ProtectionProfile, Protocol, SessionKeys,
};

fn providers() -> Vec<CryptoProvider> {
    let all = sansrtc_crypto::all_providers();
    // The dev-dependency turns ring on, so both backends are always tested.
    assert_eq!(all.len(), 2, "the ring provider is missing");
    all
}

/// Hex with whitespace (as the RFCs print it).
fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(s).unwrap()
}

// ---------------------------------------------------------------- RFC 3711 Appendix B

#[test]
fn rfc3711_b_2_aes_cm_keystream() {
    // Session key, "already shifted" salt, ROC 0, SEQ 0, SSRC 0: the SRTP keystream of a packet
    // whose payload is all zeros is the payload after protection.
    let profile = ProtectionProfile::Aes128CmHmacSha1_80;
    let keys = SessionKeys::new(
        profile,
        &h("2B7E151628AED2A6ABF7158809CF4F3C"),
        &h("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
        &[0; 20],
    )
    .unwrap();
    for provider in providers() {
        let mut tx =
            Outbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        // 65282 AES blocks of keystream (1044512 octets).
        let mut packet = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        packet.resize(12 + 1_044_512, 0);
        tx.protect_rtp(&mut packet).unwrap();
        let keystream = &packet[12..12 + 1_044_512];
        let block = |n: usize| &keystream[16 * n..16 * (n + 1)];
        assert_eq!(
            block(0),
            h("E03EAD0935C95E80E166B16DD92B4EB4"),
            "{}",
            provider.name
        );
        assert_eq!(block(1), h("D23513162B02D0F72A43A2FE4A5F97AB"));
        assert_eq!(block(2), h("41E95B3BB0A2E8DD477901E4FCA894C0"));
        assert_eq!(block(0xfeff), h("EC8CDF7398607CB0F2D21675EA9EA1E4"));
        assert_eq!(block(0xff00), h("362B7C3C6773516318A077D7FC5073AE"));
        assert_eq!(block(0xff01), h("6A2CC3787889374FBEB4C81B17BA6C44"));
    }
}

#[test]
fn rfc3711_b_3_key_derivation() {
    let profile = ProtectionProfile::Aes128CmHmacSha1_80;
    let master = MasterKey::new(
        profile,
        &h("E1F97A0D3E018BE0D64FA32C06DE4139"),
        &h("0EC675AD498AFEEBB6960B3AABE6"),
    )
    .unwrap();
    for provider in providers() {
        let keys = SessionKeys::derive(&provider, &master, Protocol::Srtp).unwrap();
        assert_eq!(keys.encryption_key(), h("C61E7A93744F39EE10734AFE3FF7A087"));
        assert_eq!(keys.salt(), h("30CBBC08863D8C85D49DB34A9AE1"));
        // The first 160 bits of the 94-octet auth key the RFC shows (HMAC-SHA1 uses 20).
        assert_eq!(
            keys.auth_key(),
            h("CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA4")
        );
    }
}

// ---------------------------------------------------------------- RFC 7714 §16 (SRTP)

const RTP_PLAIN: &str = "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973
                         20646976 69736120 696e2070 61727465 73207472 6573";

fn gcm_keys(profile: ProtectionProfile) -> SessionKeys {
    let key: Vec<u8> = (0..profile.key_len() as u8).collect();
    SessionKeys::new(profile, &key, b"Quid pro quo", &[]).unwrap()
}

fn srtp_vector(profile: ProtectionProfile, protected: &str) {
    let keys = gcm_keys(profile);
    for provider in providers() {
        // Encryption (§16.x.1).
        let mut tx =
            Outbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let mut packet = h(RTP_PLAIN);
        tx.protect_rtp(&mut packet).unwrap();
        assert_eq!(packet, h(protected), "{profile:?} {}", provider.name);
        // Decryption (§16.x.2).
        let mut rx =
            Inbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let len = rx.unprotect_rtp(&mut packet).unwrap();
        assert_eq!(&packet[..len], h(RTP_PLAIN));
    }
}

#[test]
fn rfc7714_16_1_srtp_aead_aes_128_gcm() {
    srtp_vector(
        ProtectionProfile::AeadAes128Gcm,
        "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
         0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce",
    );
}

#[test]
fn rfc7714_16_2_srtp_aead_aes_256_gcm() {
    srtp_vector(
        ProtectionProfile::AeadAes256Gcm,
        "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238
         9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13",
    );
}

// ---------------------------------------------------------------- RFC 7714 §17 (SRTCP)

/// The RTCP packet §17.1 to §17.4 use (note: not the one printed in the introduction of §17,
/// which differs in three words).
const RTCP_PLAIN: &str = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                          deadbeef deadbeef deadbeef deadbeef deadbeef";
/// The SRTCP index of every §17 vector.
const SRTCP_INDEX: u32 = 0x05d4;

/// An outbound context whose next SRTCP index for SSRC 0x4d617273 is [`SRTCP_INDEX`]: the
/// index counts protected packets from 0 (RFC 3711 §3.4), so protect that many first.
fn outbound_at_vector_index(
    provider: &CryptoProvider,
    keys: &SessionKeys,
    config: Config,
) -> Outbound {
    let mut tx = Outbound::from_session_keys(provider, keys, keys, config).unwrap();
    let mut buf = Vec::with_capacity(64);
    for _ in 0..SRTCP_INDEX {
        buf.clear();
        buf.extend_from_slice(&h("80c90001 4d617273"));
        tx.protect_rtcp(&mut buf).unwrap();
    }
    tx
}

#[test]
fn rfc7714_17_1_srtcp_aead_aes_128_gcm_encryption_and_tagging() {
    let keys = gcm_keys(ProtectionProfile::AeadAes128Gcm);
    let expected = h(
        "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
                      c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872
                      45d9eade 800005d4",
    );
    for provider in providers() {
        let mut tx = outbound_at_vector_index(&provider, &keys, Config::default());
        let mut packet = h(RTCP_PLAIN);
        tx.protect_rtcp(&mut packet).unwrap();
        assert_eq!(packet, expected, "{}", provider.name);
        let mut rx =
            Inbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let len = rx.unprotect_rtcp(&mut packet).unwrap();
        assert_eq!(&packet[..len], h(RTCP_PLAIN));
    }
}

#[test]
fn rfc7714_17_2_srtcp_aead_aes_256_gcm_verification_and_decryption() {
    let keys = gcm_keys(ProtectionProfile::AeadAes256Gcm);
    let protected = h(
        "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50
                       a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c
                       b26ac3be 800005d4",
    );
    for provider in providers() {
        let mut rx =
            Inbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let mut packet = protected.clone();
        let len = rx.unprotect_rtcp(&mut packet).unwrap();
        assert_eq!(&packet[..len], h(RTCP_PLAIN), "{}", provider.name);
        // And protect gives the same bytes back.
        let mut tx = outbound_at_vector_index(&provider, &keys, Config::default());
        let mut packet = h(RTCP_PLAIN);
        tx.protect_rtcp(&mut packet).unwrap();
        assert_eq!(packet, protected);
    }
}

#[test]
fn rfc7714_17_3_srtcp_aead_aes_128_gcm_tagging_only() {
    let keys = gcm_keys(ProtectionProfile::AeadAes128Gcm);
    let expected = h(
        "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                      deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790
                      125f62b3 000005d4",
    );
    let mut config = Config::default();
    config.encrypt_rtcp = false;
    for provider in providers() {
        let mut tx = outbound_at_vector_index(&provider, &keys, config.clone());
        let mut packet = h(RTCP_PLAIN);
        tx.protect_rtcp(&mut packet).unwrap();
        assert_eq!(packet, expected, "{}", provider.name);
        let mut rx =
            Inbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let len = rx.unprotect_rtcp(&mut packet).unwrap();
        assert_eq!(&packet[..len], h(RTCP_PLAIN));
    }
}

#[test]
fn rfc7714_17_4_srtcp_aead_aes_256_gcm_tag_verification() {
    let keys = gcm_keys(ProtectionProfile::AeadAes256Gcm);
    let protected = h(
        "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                       deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393
                       ed2615fe 000005d4",
    );
    for provider in providers() {
        let mut rx =
            Inbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let mut packet = protected.clone();
        let len = rx.unprotect_rtcp(&mut packet).unwrap();
        assert_eq!(&packet[..len], h(RTCP_PLAIN), "{}", provider.name);
        // A flipped bit anywhere in the authenticated data fails.
        let mut rx =
            Inbound::from_session_keys(&provider, &keys, &keys, Config::default()).unwrap();
        let mut tampered = protected.clone();
        tampered[20] ^= 1;
        assert_eq!(
            rx.unprotect_rtcp(&mut tampered),
            Err(sansrtc_srtp::Error::AuthenticationFailed)
        );
    }
}

// ------------------------------------------- RFC 7714 §11 / RFC 6188 §7: KDF from master keys

/// The RFC 7714 vectors start from session keys, so they do not cover the key derivation of the
/// GCM profiles (AES_CM PRF with the 96-bit salt zero-padded to 112 bits; AES_256_CM_PRF of
/// RFC 6188 §7 for AES-256). These packets were protected from a master key and salt by an
/// independent implementation, webrtc-rs `webrtc-srtp` 0.17.2 (which interoperates with
/// browsers' libsrtp); the bench (bench/srtp) checks the same agreement on 1200-byte packets.
/// Its first SRTCP index is 1 (libsrtp's too), so one RTCP packet is protected before.
#[test]
fn rfc7714_11_key_derivation_from_master_keys_matches_an_independent_implementation() {
    let key = h("031425364758697a8b9cadbecfe0f102132435465768798a9bacbdcedff00112");
    let salt = h("a0bd9af7d4310e6b48a5829ffcd9");
    let rtp = h("80601234decafbadcafebabe53525450204b44462063726f73732d636865636b");
    let rtcp = h("80c90001cafebabe");
    let cases = [
        (
            ProtectionProfile::AeadAes256Gcm,
            "80601234decafbadcafebabe4446d454fae6eab383fa38e94c2b6240f0306b18b3b57fbe
             e2b9dd98b8f4b075e9b48cb1",
            "80c90001cafebabe4252f5b0ee45906761fdd110a65740ac80000001",
        ),
        (
            ProtectionProfile::AeadAes128Gcm,
            "80601234decafbadcafebabe4eef2f010664d5d9eb3962ddef74134f654dbc76368a353f
             fdcd77daef5f79ff8cf7a1f0",
            "80c90001cafebabe2300042936b19c6822ce7760b9b6e86d80000001",
        ),
        (
            ProtectionProfile::Aes128CmHmacSha1_80,
            "80601234decafbadcafebabe03757efd9e28922d1f315c32f66284f99f5cd926e2218971
             d9bf81674067",
            "80c90001cafebabe8000000186e347a313bf1056c5cf",
        ),
    ];
    for provider in providers() {
        for (profile, srtp, srtcp) in cases {
            let master = MasterKey::new(
                profile,
                &key[..profile.key_len()],
                &salt[..profile.salt_len()],
            )
            .unwrap();
            let mut tx = Outbound::new(&provider, &master, Config::default()).unwrap();
            let mut packet = rtp.clone();
            tx.protect_rtp(&mut packet).unwrap();
            assert_eq!(packet, h(srtp), "{profile:?} {}", provider.name);
            tx.protect_rtcp(&mut rtcp.clone()).unwrap(); // SRTCP index 0
            let mut packet = rtcp.clone();
            tx.protect_rtcp(&mut packet).unwrap();
            assert_eq!(packet, h(srtcp), "{profile:?} {} (SRTCP)", provider.name);
            // And the receiving side derives the same keys.
            let mut rx = Inbound::new(&provider, &master, Config::default()).unwrap();
            let len = rx.unprotect_rtcp(&mut packet).unwrap();
            assert_eq!(packet[..len], rtcp);
        }
    }
}
