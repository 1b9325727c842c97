//! The crypto provider used by sansrtc's DTLS and SRTP.
//!
//! This crate does not implement any primitive itself. It defines a small set of traits for
//! exactly what DTLS 1.2 and SRTP need, and implements them twice: with the pure-Rust
//! RustCrypto crates ([`rust_crypto`], always compiled) and with ring ([`ring`], behind the
//! `ring` cargo feature). Neither library is fastest at everything, so a [`CryptoProvider`]
//! picks an implementation per family of primitives and the protocol crates never name a
//! library. Measured on the development machine (x86-64 with AES-NI, VAES, PCLMULQDQ and
//! SHA-NI; `bench/srtp`, docs/performance.md), for one 1200-byte SRTP payload:
//!
//! | primitive | RustCrypto | ring |
//! | --- | --- | --- |
//! | AES-128-GCM seal | 657 ns (aes-gcm 0.11) | 208 ns |
//! | AES-256-GCM seal | 718 ns | 231 ns |
//! | AES-128-CTR + HMAC-SHA1 (SRTP's CM profile) | 898 ns | not offered (CTR); HMAC-SHA1 about 4× slower |
//!
//! [`ring::provider`] is therefore a mix: ring's AES-GCM, ChaCha20-Poly1305, SHA-2, HMAC-SHA2 and
//! signature verification, RustCrypto's AES-CTR, SHA-1, HMAC-SHA1, key exchange and signing.
//! [`default_provider`] returns it when the `ring` feature is on, [`rust_crypto::provider`]
//! otherwise; [`all_providers`] lists every provider compiled in (tests run against each). Both
//! backends use the CPU's AES, carry-less multiply and SHA instructions, detected at run time:
//! nothing needs `-C target-cpu`.
//!
//! Standards, and the known-answer tests that pin each backend to them (`tests/vectors.rs`):
//! AES (FIPS 197 C), AES-CTR (SP 800-38A F.5.1; RFC 3711 B.2 keystream and B.3 key
//! derivation), AES-GCM (RFC 5116; RFC 7714 §16 vectors, GCM spec test cases 4 and 16),
//! ChaCha20-Poly1305 (RFC 8439 §2.8.2), HMAC (RFC 2104; RFC 2202 §3, RFC 4231 §4, truncated
//! tags as SRTP uses them), SHA-1/SHA-2 (FIPS 180-4), the TLS 1.2 PRF (RFC 5246 §5), X25519
//! (RFC 7748 §6.1, low-order points refused), P-256 ECDH (RFC 5903 §8.1, RFC 8422 §5.4.1 point
//! checks), ECDSA P-256 (RFC 6979 A.2.5, OpenSSL-made signatures), RSA PKCS#1 v1.5 and PSS
//! verification (RFC 8017; OpenSSL-made signatures, moduli below 2048 bits refused).
//!
//! What it provides:
//!
//! | module | primitives | used by |
//! | --- | --- | --- |
//! | [`aead`] | AES-128/256-GCM, ChaCha20-Poly1305, in place, tag detached or appended | SRTP (RFC 7714), DTLS records (RFC 5288) |
//! | [`cipher`] | AES-128/192/256 counter mode from a 16-byte IV, single-block AES | SRTP AES-CM and its key derivation (RFC 3711 §4.1.1, §4.3.3) |
//! | [`mac`] | HMAC-SHA1/256/384/512 with the keyed state computed once | SRTP auth (RFC 3711 §4.2.1), DTLS cookies, the PRF |
//! | [`hash`] | SHA-1, SHA-256/384/512, one-shot or incremental | DTLS transcript, fingerprints |
//! | [`prf`] | the TLS 1.2 PRF, P_SHA256 and P_SHA384 | DTLS key schedule (RFC 5246 §5), exporter (RFC 5705) |
//! | [`kx`] | ephemeral X25519 and P-256 ECDH with peer-key validation | DTLS ECDHE (RFC 8422) |
//! | [`sign`] | ECDSA P-256 sign/verify, key generation, PKCS#8; RSA PKCS#1 v1.5 and PSS verify | DTLS authentication |
//! | [`rng`] | re-exports of rand_core's traits and `OsRng` | everyone |
//!
//! What it does not do: X.509 parsing or certificate building (DTLS does that; the
//! [`sign::PublicKey::Spki`] input is the SubjectPublicKeyInfo it extracts), protocol framing,
//! or any I/O. It never draws randomness on its own: every secret comes from the
//! `&mut dyn CryptoRngCore` the caller passes (tests use a seeded ChaCha20 RNG).
//!
//! Keys are made once through the provider and then used directly, so the per-packet path
//! makes one virtual call, never re-runs a key schedule and never allocates:
//!
//! ```
//! use sansrtc_crypto::{AeadAlgorithm, HashAlgorithm, TAG_LEN, default_provider};
//!
//! let provider = default_provider();
//! // Once per SRTP context:
//! let gcm = provider.aead_key(AeadAlgorithm::Aes128Gcm, &[0x11; 16])?;
//! let auth = provider.hmac_key(HashAlgorithm::Sha1, &[0x22; 20])?;
//!
//! // Per packet: the header is the AAD, the payload is sealed in place, the tag appended.
//! let nonce = [0u8; 12];
//! let mut packet = [0u8; 12 + 5 + TAG_LEN];
//! let (header, body) = packet.split_at_mut(12);
//! gcm.seal_in_place_append_tag(&nonce, header, body)?;
//! let len = gcm.open_in_place_appended_tag(&nonce, header, body)?;
//! assert_eq!(len, 5);
//!
//! // SRTP HMAC-SHA1-80 over the packet and the ROC, checked in constant time.
//! let roc = 0u32.to_be_bytes();
//! let tag = auth.sign(&[&packet[..17], &roc]);
//! auth.verify(&[&packet[..17], &roc], &tag.as_bytes()[..10])?;
//! # Ok::<(), sansrtc_crypto::Error>(())
//! ```

#![forbid(unsafe_code)]
// The docs link the `ring` module, which exists only with the feature.
#![cfg_attr(not(feature = "ring"), allow(rustdoc::broken_intra_doc_links))]
#![warn(missing_docs)]

pub mod aead;
pub mod cipher;
mod error;
pub mod hash;
pub mod kx;
pub mod mac;
pub mod prf;
mod provider;
#[cfg(feature = "ring")]
pub mod ring;
pub mod rng;
pub mod rust_crypto;
pub mod sign;

pub use aead::{AeadAlgorithm, AeadKey, NONCE_LEN, TAG_LEN};
pub use cipher::AesKey;
pub use error::Error;
pub use hash::{Digest, HashAlgorithm, HashContext};
pub use kx::{ActiveKeyExchange, NamedGroup, SharedSecret};
pub use mac::HmacKey;
pub use provider::{CryptoProvider, all_providers, default_provider};
pub use rng::{CryptoRng, CryptoRngCore, RngCore};
pub use sign::{PublicKey, SignatureScheme, SigningKey};
