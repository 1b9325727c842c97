//! Known-answer tests, run against every backend: each test is a function taking a
//! `CryptoProvider`, and `for_each_provider!` instantiates it once per backend compiled in.
//!
//! Sources: RFC 7714 §16 (SRTP AES-GCM), the GCM specification's test cases 4 and 16, RFC 8439
//! §2.8.2 (ChaCha20-Poly1305), RFC 3711 Appendix B.2/B.3 (AES-CM and its key derivation),
//! NIST SP 800-38A F.5.1 (CTR), FIPS-197 Appendix C (AES block), RFC 2202 and RFC 4231 (HMAC),
//! FIPS 180-4 "abc" (SHA), the widely published TLS 1.2 PRF "test label" vectors, RFC 7748 §6.1
//! (X25519), RFC 5903 §8.1 (P-256 ECDH), RFC 6979 A.2.5 (deterministic ECDSA P-256). Every
//! vector not copied from an RFC text in this repository was cross-checked against an
//! independent implementation (OpenSSL via Python's `cryptography`, and Python's `hmac`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_crypto::{
    AeadAlgorithm, CryptoProvider, CryptoRng, Error, HashAlgorithm, NamedGroup, PublicKey, RngCore,
    SignatureScheme, TAG_LEN,
};

fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(s).unwrap()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    h(s).try_into().unwrap()
}

macro_rules! for_each_provider {
    ($($test:ident),* $(,)?) => {
        mod rust_crypto {
            $( #[test] fn $test() { super::$test(sansrtc_crypto::rust_crypto::provider()) } )*
        }
        #[cfg(feature = "ring")]
        mod ring {
            $( #[test] fn $test() { super::$test(sansrtc_crypto::ring::provider()) } )*
        }
    };
}

for_each_provider!(
    rfc7714_16_1_1_aes_128_gcm_encryption,
    rfc7714_16_1_2_aes_128_gcm_decryption,
    rfc7714_16_1_3_aes_128_gcm_authentication_tagging,
    rfc7714_16_1_4_aes_128_gcm_tag_verification,
    rfc7714_16_2_1_aes_256_gcm_encryption,
    gcm_spec_test_cases_4_and_16_detached_tag,
    rfc8439_2_8_2_chacha20_poly1305,
    aead_rejects_bad_key_length_and_short_buffers,
    rfc3711_b2_aes_cm_keystream,
    rfc3711_b3_key_derivation,
    sp800_38a_f_5_1_ctr_aes128,
    ctr_counter_wraps_modulo_2_128,
    fips197_c_aes_block,
    rfc2202_3_hmac_sha1,
    rfc4231_4_hmac_sha2,
    hmac_truncated_verify_as_srtp_uses_it,
    fips180_sha_abc_and_incremental,
    rfc5246_5_prf_sha256_test_label,
    rfc5246_5_prf_sha384_test_label,
    rfc7748_6_1_x25519,
    rfc7748_6_1_x25519_rejects_low_order_point,
    rfc5903_8_1_p256_ecdh,
    rfc8422_5_4_1_p256_rejects_bad_points,
    kx_agreement_both_groups,
    rfc6979_a_2_5_ecdsa_p256_sha256_sample,
    ecdsa_p256_generate_sign_verify_pkcs8_roundtrip,
    ecdsa_p256_openssl_key_and_signature,
    rsa_pkcs1_and_pss_openssl_signatures,
    rsa_signatures_from_rsa_crate,
    rsa_rejects_small_modulus_and_wrong_key_type,
);

// ---------------------------------------------------------------------------------------------
// AEAD

const RFC7714_HEADER: &str = "8040f17b 8041f8d3 5501a0b2";
const RFC7714_PAYLOAD: &str = "47616c6c 69612065 7374206f 6d6e6973 20646976
                               69736120 696e2070 61727465 73207472 6573";
const RFC7714_IV: &str = "51 75 3c 65 80 c2 72 6f 20 71 84 14";
const RFC7714_128_SEALED: &str = "f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f
                                  42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf
                                  765ee439 0cce";
const KEY_128: &str = "000102030405060708090a0b0c0d0e0f";
const KEY_256: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn rfc7714_16_1_1_aes_128_gcm_encryption(p: CryptoProvider) {
    let key = p.aead_key(AeadAlgorithm::Aes128Gcm, &h(KEY_128)).unwrap();
    let mut packet = h(RFC7714_HEADER);
    packet.extend(h(RFC7714_PAYLOAD));
    packet.extend([0; TAG_LEN]);
    let (header, body) = packet.split_at_mut(12);
    key.seal_in_place_append_tag(&arr(RFC7714_IV), header, body)
        .unwrap();
    assert_eq!(body, h(RFC7714_128_SEALED));
}

fn rfc7714_16_1_2_aes_128_gcm_decryption(p: CryptoProvider) {
    let key = p.aead_key(AeadAlgorithm::Aes128Gcm, &h(KEY_128)).unwrap();
    let mut body = h(RFC7714_128_SEALED);
    let n = key
        .open_in_place_appended_tag(&arr(RFC7714_IV), &h(RFC7714_HEADER), &mut body)
        .unwrap();
    assert_eq!(&body[..n], h(RFC7714_PAYLOAD));
}

fn rfc7714_16_1_3_aes_128_gcm_authentication_tagging(p: CryptoProvider) {
    // "Tagging only": the whole packet is AAD, the plaintext is empty.
    let key = p.aead_key(AeadAlgorithm::Aes128Gcm, &h(KEY_128)).unwrap();
    let mut aad = h(RFC7714_HEADER);
    aad.extend(h(RFC7714_PAYLOAD));
    let tag = key.seal_in_place(&arr(RFC7714_IV), &aad, &mut []).unwrap();
    assert_eq!(tag.to_vec(), h("22493f82 d2bce397 e9d79e3b 19aa4216"));
}

fn rfc7714_16_1_4_aes_128_gcm_tag_verification(p: CryptoProvider) {
    let key = p.aead_key(AeadAlgorithm::Aes128Gcm, &h(KEY_128)).unwrap();
    let mut aad = h(RFC7714_HEADER);
    aad.extend(h(RFC7714_PAYLOAD));
    let tag = arr("22493f82 d2bce397 e9d79e3b 19aa4216");
    key.open_in_place(&arr(RFC7714_IV), &aad, &mut [], &tag)
        .unwrap();
    // One flipped bit anywhere fails.
    aad[5] ^= 1;
    assert_eq!(
        key.open_in_place(&arr(RFC7714_IV), &aad, &mut [], &tag),
        Err(Error::DecryptFailed)
    );
}

fn rfc7714_16_2_1_aes_256_gcm_encryption(p: CryptoProvider) {
    let key = p.aead_key(AeadAlgorithm::Aes256Gcm, &h(KEY_256)).unwrap();
    let mut body = h(RFC7714_PAYLOAD);
    let tag = key
        .seal_in_place(&arr(RFC7714_IV), &h(RFC7714_HEADER), &mut body)
        .unwrap();
    assert_eq!(
        body,
        h("32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b")
    );
    assert_eq!(tag.to_vec(), h("7aa3db36 dfffd6b0 f9bb7878 d7a76c13"));
    key.open_in_place(&arr(RFC7714_IV), &h(RFC7714_HEADER), &mut body, &tag)
        .unwrap();
    assert_eq!(body, h(RFC7714_PAYLOAD));
}

fn gcm_spec_test_cases_4_and_16_detached_tag(p: CryptoProvider) {
    let k = "feffe9928665731c6d6a8f9467308308";
    let iv = arr("cafebabefacedbaddecaf888");
    let aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let pt = h(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let cases = [
        (
            AeadAlgorithm::Aes128Gcm,
            k.to_string(),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
        ),
        (
            AeadAlgorithm::Aes256Gcm,
            format!("{k}{k}"),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];
    for (alg, key, ct, tag) in cases {
        let key = p.aead_key(alg, &h(&key)).unwrap();
        assert_eq!(key.algorithm(), alg);
        let mut buf = pt.clone();
        assert_eq!(
            key.seal_in_place(&iv, &aad, &mut buf).unwrap().to_vec(),
            h(tag)
        );
        assert_eq!(buf, h(ct));
        let mut bad_tag: [u8; 16] = arr(tag);
        bad_tag[15] ^= 0x80;
        assert_eq!(
            key.open_in_place(&iv, &aad, &mut buf.clone(), &bad_tag),
            Err(Error::DecryptFailed)
        );
        key.open_in_place(&iv, &aad, &mut buf, &arr(tag)).unwrap();
        assert_eq!(buf, pt);
    }
}

fn rfc8439_2_8_2_chacha20_poly1305(p: CryptoProvider) {
    let key: Vec<u8> = (0x80..0xa0).collect();
    let key = p.aead_key(AeadAlgorithm::ChaCha20Poly1305, &key).unwrap();
    let nonce = arr("070000004041424344454647");
    let aad = h("50515253c0c1c2c3c4c5c6c7");
    let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip \
               for the future, sunscreen would be it.";
    let mut buf = pt.to_vec();
    buf.extend([0; TAG_LEN]);
    key.seal_in_place_append_tag(&nonce, &aad, &mut buf)
        .unwrap();
    let expected = h(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
                      3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
                      92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
                      3ff4def08e4b7a9de576d26586cec64b6116
                      1ae10b594f09e26a7e902ecbd0600691",
    );
    assert_eq!(buf, expected);
    let n = key
        .open_in_place_appended_tag(&nonce, &aad, &mut buf)
        .unwrap();
    assert_eq!(&buf[..n], pt);
}

fn aead_rejects_bad_key_length_and_short_buffers(p: CryptoProvider) {
    for alg in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ] {
        assert_eq!(
            p.aead_key(alg, &[0; 17]).err(),
            Some(Error::InvalidKeyLength(17))
        );
        let key = p.aead_key(alg, &vec![7; alg.key_len()]).unwrap();
        let nonce = [0; 12];
        let mut short = [0u8; TAG_LEN - 1];
        assert_eq!(
            key.seal_in_place_append_tag(&nonce, b"", &mut short),
            Err(Error::BufferTooShort)
        );
        assert_eq!(
            key.open_in_place_appended_tag(&nonce, b"", &mut short),
            Err(Error::BufferTooShort)
        );
        // Exactly a tag: an empty message seals and opens.
        let mut only_tag = [0u8; TAG_LEN];
        key.seal_in_place_append_tag(&nonce, b"aad", &mut only_tag)
            .unwrap();
        assert_eq!(
            key.open_in_place_appended_tag(&nonce, b"aad", &mut only_tag),
            Ok(0)
        );
        assert_eq!(
            key.open_in_place_appended_tag(&nonce, b"aaD", &mut only_tag),
            Err(Error::DecryptFailed)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// AES counter mode and block

fn rfc3711_b2_aes_cm_keystream(p: CryptoProvider) {
    let key = p.aes_key(&h("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap();
    assert_eq!(key.key_len(), 16);
    let iv = arr("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
    // The whole 1044512-octet segment in one call: the counter carries out of the low 16 bits.
    let mut stream = vec![0u8; 1_044_512];
    key.xor_keystream(&iv, &mut stream);
    assert_eq!(
        stream[..48],
        h(
            "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB
           41E95B3BB0A2E8DD477901E4FCA894C0"
        )
    );
    assert_eq!(
        stream[stream.len() - 48..],
        h(
            "EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE
           6A2CC3787889374FBEB4C81B17BA6C44"
        )
    );
    // Starting mid-stream from the counter of block 65279 gives the same blocks.
    let mut tail = [0u8; 48];
    key.xor_keystream(&arr("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"), &mut tail);
    assert_eq!(tail[..], stream[stream.len() - 48..]);
}

/// The SRTP AES-CM PRF: the keystream over zeros from `IV = (master_salt XOR label << 48) << 16`.
fn srtp_kdf(
    p: &CryptoProvider,
    master_key: &[u8],
    master_salt: &[u8],
    label: u8,
    len: usize,
) -> Vec<u8> {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(master_salt);
    iv[7] ^= label;
    let mut out = vec![0u8; len];
    p.aes_key(master_key).unwrap().xor_keystream(&iv, &mut out);
    out
}

fn rfc3711_b3_key_derivation(p: CryptoProvider) {
    let master_key = h("E1F97A0D3E018BE0D64FA32C06DE4139");
    let master_salt = h("0EC675AD498AFEEBB6960B3AABE6");
    assert_eq!(
        srtp_kdf(&p, &master_key, &master_salt, 0, 16),
        h("C61E7A93744F39EE10734AFE3FF7A087")
    );
    assert_eq!(
        srtp_kdf(&p, &master_key, &master_salt, 2, 14),
        h("30CBBC08863D8C85D49DB34A9AE1")
    );
    assert_eq!(
        srtp_kdf(&p, &master_key, &master_salt, 1, 94),
        h(
            "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
           E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
           6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"
        )
    );
}

fn sp800_38a_f_5_1_ctr_aes128(p: CryptoProvider) {
    let key = p.aes_key(&h("2b7e151628aed2a6abf7158809cf4f3c")).unwrap();
    let plaintext = h(
        "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                       30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
    );
    let ciphertext = h(
        "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff
                        5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee",
    );
    let iv = arr("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    let mut buf = plaintext.clone();
    key.xor_keystream(&iv, &mut buf);
    assert_eq!(buf, ciphertext);
    // Odd lengths: the keystream is the same prefix.
    let mut odd = plaintext[..37].to_vec();
    key.xor_keystream(&iv, &mut odd);
    assert_eq!(odd, ciphertext[..37]);
    key.xor_keystream(&iv, &mut buf);
    assert_eq!(buf, plaintext);
}

fn ctr_counter_wraps_modulo_2_128(p: CryptoProvider) {
    // RFC 3711 §4.1.1 increments modulo 2^128; the block after all-ones is all-zeros.
    let key = p.aes_key(&h(KEY_128)).unwrap();
    let mut stream = [0u8; 40];
    key.xor_keystream(&[0xff; 16], &mut stream);
    let mut expected = Vec::new();
    for counter in [[0xff; 16], [0; 16], 1u128.to_be_bytes()] {
        let mut block = counter;
        key.encrypt_block(&mut block);
        expected.extend(block);
    }
    assert_eq!(stream[..], expected[..40]);
}

fn fips197_c_aes_block(p: CryptoProvider) {
    let cases = [
        (
            "000102030405060708090a0b0c0d0e0f",
            "69c4e0d86a7b0430d8cdb78070b4c55a",
        ),
        (
            "000102030405060708090a0b0c0d0e0f1011121314151617",
            "dda97ca4864cdfe06eaf70a0ec0d7191",
        ),
        (KEY_256, "8ea2b7ca516745bfeafc49904b496089"),
    ];
    for (key, ct) in cases {
        let key = p.aes_key(&h(key)).unwrap();
        let mut block = arr("00112233445566778899aabbccddeeff");
        key.encrypt_block(&mut block);
        assert_eq!(block.to_vec(), h(ct));
    }
    assert_eq!(p.aes_key(&[0; 20]).err(), Some(Error::InvalidKeyLength(20)));
}

// ---------------------------------------------------------------------------------------------
// HMAC and hashes

fn rfc2202_3_hmac_sha1(p: CryptoProvider) {
    let cases: [(&[u8], &[u8], &str); 3] = [
        (
            &[0x0b; 20],
            b"Hi There",
            "b617318655057264e28bc0b6fb378c8ef146be00",
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        ),
        (
            &[0xaa; 80],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "aa4ae5e15272d00e95705637ce8a3b55ed402112",
        ),
    ];
    for (key, data, mac) in cases {
        let key = p.hmac_key(HashAlgorithm::Sha1, key).unwrap();
        assert_eq!(key.algorithm(), HashAlgorithm::Sha1);
        assert_eq!(key.sign(&[data]).as_bytes(), h(mac));
        // Split input gives the same MAC, and the key is reusable.
        let (a, b) = data.split_at(3);
        assert_eq!(key.sign(&[a, b]).as_bytes(), h(mac));
        key.verify(&[data], &h(mac)).unwrap();
    }
}

fn rfc4231_4_hmac_sha2(p: CryptoProvider) {
    let large_key = [0xaa; 131];
    let inputs: [(&[u8], &[u8]); 3] = [
        (&[0x0b; 20], b"Hi There"),
        (b"Jefe", b"what do ya want for nothing?"),
        (
            &large_key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        ),
    ];
    let expected = [
        (
            HashAlgorithm::Sha256,
            [
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ],
        ),
        (
            HashAlgorithm::Sha384,
            [
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c
                 faea9ea9076ede7f4af152e8b2fa9cb6",
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e
                 8e2240ca5e69e2c78b3239ecfab21649",
                "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6
                 0c2ef6ab4030fe8296248df163f44952",
            ],
        ),
        (
            HashAlgorithm::Sha512,
            [
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde
                 daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352
                 6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ],
        ),
    ];
    for (alg, macs) in expected {
        for ((key, data), mac) in inputs.iter().zip(macs) {
            let key = p.hmac_key(alg, key).unwrap();
            assert_eq!(key.sign(&[data]).as_bytes(), h(mac), "{alg:?}");
            key.verify(&[data], &h(mac)).unwrap();
        }
    }
}

fn hmac_truncated_verify_as_srtp_uses_it(p: CryptoProvider) {
    // RFC 3711 §4.2: HMAC-SHA1 over the authenticated portion followed by the ROC, truncated
    // to 80 or 32 bits.
    let key = p.hmac_key(HashAlgorithm::Sha1, &[0x0b; 20]).unwrap();
    let packet: &[u8] = b"\x80\x00\x00\x01 an RTP packet";
    let roc = 7u32.to_be_bytes();
    let full = key.sign(&[packet, &roc]);
    assert_eq!(full.len(), 20);
    key.verify(&[packet, &roc], &full.as_bytes()[..10]).unwrap();
    key.verify(&[packet, &roc], &full.as_bytes()[..4]).unwrap();
    let mut bad = full.as_bytes()[..10].to_vec();
    bad[9] ^= 1;
    assert_eq!(key.verify(&[packet, &roc], &bad), Err(Error::MacMismatch));
    assert_eq!(
        key.verify(&[packet, &1u32.to_be_bytes()], &full.as_bytes()[..10]),
        Err(Error::MacMismatch)
    );
    assert_eq!(key.verify(&[packet], &[]), Err(Error::InvalidTagLength(0)));
    assert_eq!(
        key.verify(&[packet], &[0; 21]),
        Err(Error::InvalidTagLength(21))
    );
    let sha256 = p.hmac_key(HashAlgorithm::Sha256, b"k").unwrap();
    let mac = sha256.sign(&[b"m"]);
    sha256.verify(&[b"m"], &mac.as_bytes()[..16]).unwrap();
    assert_eq!(
        sha256.verify(&[b"n"], &mac.as_bytes()[..16]),
        Err(Error::MacMismatch)
    );
}

fn fips180_sha_abc_and_incremental(p: CryptoProvider) {
    let cases = [
        (
            HashAlgorithm::Sha1,
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            HashAlgorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashAlgorithm::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed
             8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            HashAlgorithm::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (alg, digest) in cases {
        assert_eq!(p.hash(alg, b"abc").as_bytes(), h(digest));
        assert_eq!(p.hash(alg, b"abc").len(), alg.output_len());
        // A transcript: the value so far, then more data; a fork is independent.
        let mut ctx = p.start_hash(alg);
        assert_eq!(ctx.algorithm(), alg);
        ctx.update(b"a");
        ctx.update(b"b");
        let fork = ctx.fork();
        ctx.update(b"c");
        assert_eq!(ctx.current().as_bytes(), h(digest));
        assert_eq!(fork.current().as_bytes(), p.hash(alg, b"ab").as_bytes());
        ctx.update(b"d");
        assert_eq!(ctx.finish().as_bytes(), p.hash(alg, b"abcd").as_bytes());
        assert_eq!(fork.finish().as_bytes(), p.hash(alg, b"ab").as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2 PRF

fn rfc5246_5_prf_sha256_test_label(p: CryptoProvider) {
    // The widely published P_SHA256 vector; also checked against an independent Python
    // implementation of RFC 5246 §5.
    let mut out = [0u8; 100];
    p.tls12_prf(
        HashAlgorithm::Sha256,
        &h("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &h("a0ba9f936cda311827a6f796ffd5198c"),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.to_vec(),
        h(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
           6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
           4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
           87347b66"
        )
    );
    // A shorter output is a prefix (the TLS key block is cut this way).
    let mut short = [0u8; 12];
    p.tls12_prf(
        HashAlgorithm::Sha256,
        &h("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &h("a0ba9f936cda311827a6f796ffd5198c"),
        &mut short,
    )
    .unwrap();
    assert_eq!(short, out[..12]);
}

fn rfc5246_5_prf_sha384_test_label(p: CryptoProvider) {
    let mut out = [0u8; 148];
    p.tls12_prf(
        HashAlgorithm::Sha384,
        &h("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        &h("cd665cf6a8447dd6ff8b27555edb7465"),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.to_vec(),
        h(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
           e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
           8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
           9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
           91c8f3a26854308d5eaa3be85e0990703d73e56f"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Key exchange

/// An "RNG" that replays fixed bytes, to make a known private key.
struct FixedBytes(Vec<u8>);

impl RngCore for FixedBytes {
    fn next_u32(&mut self) -> u32 {
        unimplemented!()
    }
    fn next_u64(&mut self) -> u64 {
        unimplemented!()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert!(dest.len() <= self.0.len(), "test RNG exhausted");
        let rest = self.0.split_off(dest.len());
        dest.copy_from_slice(&self.0);
        self.0 = rest;
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for FixedBytes {}

fn rfc7748_6_1_x25519(p: CryptoProvider) {
    let alice_private = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let alice_public = h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let bob_public = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let kx = p
        .start_key_exchange(NamedGroup::X25519, &mut FixedBytes(alice_private))
        .unwrap();
    assert_eq!(kx.group(), NamedGroup::X25519);
    assert_eq!(kx.public_key(), alice_public);
    let shared = kx.complete(&bob_public).unwrap();
    assert_eq!(
        shared.as_bytes(),
        h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    );
}

fn rfc7748_6_1_x25519_rejects_low_order_point(p: CryptoProvider) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for peer in [vec![0u8; 32], {
        let mut one = vec![0u8; 32];
        one[0] = 1;
        one
    }] {
        let kx = p.start_key_exchange(NamedGroup::X25519, &mut rng).unwrap();
        assert_eq!(kx.complete(&peer).err(), Some(Error::InvalidPeerPublicKey));
    }
    let kx = p.start_key_exchange(NamedGroup::X25519, &mut rng).unwrap();
    assert_eq!(
        kx.complete(&[9; 31]).err(),
        Some(Error::InvalidPeerPublicKey)
    );
}

fn rfc5903_8_1_p256_ecdh(p: CryptoProvider) {
    let i = h("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433");
    let gi = h(
        "04 DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180
                  5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
    );
    let gr = h(
        "04 D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63
                  56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
    );
    let kx = p
        .start_key_exchange(NamedGroup::Secp256r1, &mut FixedBytes(i))
        .unwrap();
    assert_eq!(kx.group(), NamedGroup::Secp256r1);
    assert_eq!(kx.public_key(), gi);
    let shared = kx.complete(&gr).unwrap();
    assert_eq!(
        shared.as_bytes(),
        h("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE")
    );
}

fn rfc8422_5_4_1_p256_rejects_bad_points(p: CryptoProvider) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let valid = p
        .start_key_exchange(NamedGroup::Secp256r1, &mut rng)
        .unwrap()
        .public_key()
        .to_vec();
    let mut off_curve = valid.clone();
    off_curve[64] ^= 1;
    let mut compressed = vec![0x02 | (valid[64] & 1)];
    compressed.extend(&valid[1..33]);
    let mut identity_like = vec![0u8; 65];
    identity_like[0] = 4;
    for bad in [
        off_curve,
        compressed,
        identity_like,
        vec![0x00],
        vec![],
        valid[..64].to_vec(),
    ] {
        let kx = p
            .start_key_exchange(NamedGroup::Secp256r1, &mut rng)
            .unwrap();
        assert_eq!(
            kx.complete(&bad).err(),
            Some(Error::InvalidPeerPublicKey),
            "{bad:02x?}"
        );
    }
}

fn kx_agreement_both_groups(p: CryptoProvider) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for group in [NamedGroup::X25519, NamedGroup::Secp256r1] {
        let a = p.start_key_exchange(group, &mut rng).unwrap();
        let b = p.start_key_exchange(group, &mut rng).unwrap();
        assert_eq!(a.public_key().len(), group.public_key_len());
        assert_ne!(a.public_key(), b.public_key());
        let (a_pub, b_pub) = (a.public_key().to_vec(), b.public_key().to_vec());
        let s1 = a.complete(&b_pub).unwrap();
        let s2 = b.complete(&a_pub).unwrap();
        assert_eq!(s1.as_bytes(), s2.as_bytes());
        assert_eq!(s1.as_bytes().len(), 32);
        assert_eq!(NamedGroup::from_u16(group.to_u16()), Some(group));
    }
}

// ---------------------------------------------------------------------------------------------
// Signatures

fn rfc6979_a_2_5_ecdsa_p256_sha256_sample(p: CryptoProvider) {
    use p256::pkcs8::EncodePrivateKey;
    let x = h("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
    let pkcs8 = p256::SecretKey::from_slice(&x)
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    let key = p.load_signing_key(pkcs8.as_bytes()).unwrap();
    assert_eq!(key.scheme(), SignatureScheme::EcdsaP256Sha256);
    let sig = key.sign(b"sample").unwrap();
    let sig_rs = p256::ecdsa::Signature::from_der(&sig).unwrap().to_bytes();
    assert_eq!(
        sig_rs.to_vec(),
        h(
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
           F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"
        )
    );
    // The RFC's public key U = xG.
    assert_eq!(
        key.public_key_sec1(),
        h(
            "04 60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6
              7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
        )
    );
    p.verify_signature(
        SignatureScheme::EcdsaP256Sha256,
        PublicKey::EcP256Sec1(key.public_key_sec1()),
        b"sample",
        &sig,
    )
    .unwrap();
    assert_eq!(
        p.verify_signature(
            SignatureScheme::EcdsaP256Sha256,
            PublicKey::EcP256Sec1(key.public_key_sec1()),
            b"sampla",
            &sig
        ),
        Err(Error::BadSignature)
    );
}

fn ecdsa_p256_generate_sign_verify_pkcs8_roundtrip(p: CryptoProvider) {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let key = p
        .generate_signing_key(SignatureScheme::EcdsaP256Sha256, &mut rng)
        .unwrap();
    let spki = key.public_key_spki_der().unwrap();
    let msg = b"client_random || server_random || ServerECDHParams";
    let sig = key.sign(msg).unwrap();
    let scheme = SignatureScheme::EcdsaP256Sha256;
    p.verify_signature(scheme, PublicKey::Spki(&spki), msg, &sig)
        .unwrap();
    p.verify_signature(
        scheme,
        PublicKey::EcP256Sec1(key.public_key_sec1()),
        msg,
        &sig,
    )
    .unwrap();
    // Prehashed signing and verification agree with the message forms.
    let digest = p.hash(HashAlgorithm::Sha256, msg);
    let sig2 = key.sign_prehashed(digest.as_bytes()).unwrap();
    p.signature
        .verify_prehashed(scheme, PublicKey::Spki(&spki), digest.as_bytes(), &sig)
        .unwrap();
    p.verify_signature(scheme, PublicKey::Spki(&spki), msg, &sig2)
        .unwrap();
    assert_eq!(
        p.signature.verify_prehashed(
            scheme,
            PublicKey::Spki(&spki),
            &digest.as_bytes()[..20],
            &sig
        ),
        Err(Error::InvalidDigestLength(20))
    );
    // PKCS#8 round trip keeps the key.
    let der = key.to_pkcs8_der().unwrap();
    let again = p.load_signing_key(&der).unwrap();
    assert_eq!(again.public_key_sec1(), key.public_key_sec1());
    assert_eq!(
        again.sign(msg).unwrap(),
        sig,
        "RFC 6979 signatures are deterministic"
    );
    // Garbage is an error, not a panic.
    assert_eq!(
        p.load_signing_key(&der[..der.len() - 1]).err(),
        Some(Error::InvalidPrivateKey)
    );
    assert_eq!(
        p.verify_signature(scheme, PublicKey::Spki(&spki), msg, &sig[..sig.len() - 1]),
        Err(Error::BadSignature)
    );
    assert_eq!(
        p.verify_signature(scheme, PublicKey::Spki(&spki[1..]), msg, &sig),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(
        p.generate_signing_key(SignatureScheme::RsaPssSha256, &mut rng)
            .err(),
        Some(Error::Unsupported("signing with this scheme"))
    );
}

const P256_OPENSSL_KEY: &[u8] = include_bytes!("data/p256-openssl-test-key.der");
const P256_OPENSSL_SPKI: &[u8] = include_bytes!("data/p256-openssl-spki.der");
const P256_OPENSSL_SIG: &[u8] = include_bytes!("data/p256-openssl-sha256.sig");
const RSA2048_KEY_PEM: &str = include_str!("data/rsa2048-test-key.pem");
const RSA2048_SPKI: &[u8] = include_bytes!("data/rsa2048-spki.der");
const RSA1024_SPKI: &[u8] = include_bytes!("data/rsa1024-spki.der");
const RSA_PKCS1_SHA256_SIG: &[u8] = include_bytes!("data/rsa-pkcs1-openssl-sha256.sig");
const RSA_PSS_SHA384_SIG: &[u8] = include_bytes!("data/rsa-pss-openssl-sha384.sig");
/// What the `data/*.sig` files sign (made with `openssl dgst -sign`).
const OPENSSL_MESSAGE: &[u8] = b"sansrtc signature test message";

fn ecdsa_p256_openssl_key_and_signature(p: CryptoProvider) {
    let scheme = SignatureScheme::EcdsaP256Sha256;
    p.verify_signature(
        scheme,
        PublicKey::Spki(P256_OPENSSL_SPKI),
        OPENSSL_MESSAGE,
        P256_OPENSSL_SIG,
    )
    .unwrap();
    // openssl's PKCS#8 (with the optional public key) loads, and gives the same SPKI.
    let key = p.load_signing_key(P256_OPENSSL_KEY).unwrap();
    assert_eq!(key.public_key_spki_der().unwrap(), P256_OPENSSL_SPKI);
    assert_eq!(
        P256_OPENSSL_SPKI[P256_OPENSSL_SPKI.len() - 65..],
        *key.public_key_sec1()
    );
    // An RSA SPKI is the wrong key type for ECDSA, and the reverse.
    assert_eq!(
        p.verify_signature(
            scheme,
            PublicKey::Spki(RSA2048_SPKI),
            OPENSSL_MESSAGE,
            P256_OPENSSL_SIG
        ),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(
        p.verify_signature(
            SignatureScheme::RsaPkcs1Sha256,
            PublicKey::Spki(P256_OPENSSL_SPKI),
            OPENSSL_MESSAGE,
            RSA_PKCS1_SHA256_SIG
        ),
        Err(Error::InvalidPublicKey)
    );
}

fn rsa_pkcs1_and_pss_openssl_signatures(p: CryptoProvider) {
    let key = PublicKey::Spki(RSA2048_SPKI);
    p.verify_signature(
        SignatureScheme::RsaPkcs1Sha256,
        key,
        OPENSSL_MESSAGE,
        RSA_PKCS1_SHA256_SIG,
    )
    .unwrap();
    p.verify_signature(
        SignatureScheme::RsaPssSha384,
        key,
        OPENSSL_MESSAGE,
        RSA_PSS_SHA384_SIG,
    )
    .unwrap();
    // The wrong padding or hash fails.
    for (scheme, sig) in [
        (SignatureScheme::RsaPssSha256, RSA_PKCS1_SHA256_SIG),
        (SignatureScheme::RsaPkcs1Sha384, RSA_PKCS1_SHA256_SIG),
        (SignatureScheme::RsaPkcs1Sha384, RSA_PSS_SHA384_SIG),
        (SignatureScheme::RsaPssSha512, RSA_PSS_SHA384_SIG),
    ] {
        assert_eq!(
            p.verify_signature(scheme, key, OPENSSL_MESSAGE, sig),
            Err(Error::BadSignature),
            "{scheme:?}"
        );
    }
    let digest = p.hash(HashAlgorithm::Sha384, OPENSSL_MESSAGE);
    p.signature
        .verify_prehashed(
            SignatureScheme::RsaPssSha384,
            key,
            digest.as_bytes(),
            RSA_PSS_SHA384_SIG,
        )
        .unwrap();
}

fn rsa_signatures_from_rsa_crate(p: CryptoProvider) {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
    use rsa::traits::PublicKeyParts;
    let private = rsa::RsaPrivateKey::from_pkcs8_pem(RSA2048_KEY_PEM).unwrap();
    let n = private.n().to_bytes_be();
    let e = private.e().to_bytes_be();
    let msg = b"handshake_messages";
    let mut rng = ChaCha20Rng::seed_from_u64(5);

    let pkcs1 = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private.clone())
        .sign(msg)
        .to_vec();
    let pkcs1_512 = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(private.clone())
        .sign(msg)
        .to_vec();
    let pss = rsa::pss::SigningKey::<sha2::Sha256>::new(private.clone())
        .sign_with_rng(&mut rng, msg)
        .to_vec();
    for key in [
        PublicKey::Spki(RSA2048_SPKI),
        PublicKey::Rsa { n: &n, e: &e },
    ] {
        p.verify_signature(SignatureScheme::RsaPkcs1Sha256, key, msg, &pkcs1)
            .unwrap();
        p.verify_signature(SignatureScheme::RsaPkcs1Sha512, key, msg, &pkcs1_512)
            .unwrap();
        p.verify_signature(SignatureScheme::RsaPssSha256, key, msg, &pss)
            .unwrap();
        let mut bad = pss.clone();
        bad[100] ^= 4;
        assert_eq!(
            p.verify_signature(SignatureScheme::RsaPssSha256, key, msg, &bad),
            Err(Error::BadSignature)
        );
        assert_eq!(
            p.verify_signature(
                SignatureScheme::RsaPkcs1Sha256,
                key,
                b"handshake_messagez",
                &pkcs1
            ),
            Err(Error::BadSignature)
        );
    }
}

fn rsa_rejects_small_modulus_and_wrong_key_type(p: CryptoProvider) {
    assert_eq!(
        p.verify_signature(
            SignatureScheme::RsaPkcs1Sha256,
            PublicKey::Spki(RSA1024_SPKI),
            b"m",
            &[0; 128]
        ),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(
        p.verify_signature(
            SignatureScheme::RsaPkcs1Sha256,
            PublicKey::EcP256Sec1(&[4; 65]),
            b"m",
            &[0; 256]
        ),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(
        p.verify_signature(
            SignatureScheme::EcdsaP256Sha256,
            PublicKey::Rsa {
                n: &[1; 256],
                e: &[1, 0, 1]
            },
            b"m",
            &[0; 70]
        ),
        Err(Error::InvalidPublicKey)
    );
    for scheme in SignatureScheme::ALL {
        assert_eq!(SignatureScheme::from_u16(scheme.to_u16()), Some(scheme));
    }
}
