//! The ring backend (cargo feature `ring`), for the primitives where ring is faster.
//!
//! [`provider`] takes from ring: AES-GCM and ChaCha20-Poly1305 (AES-128-GCM about three times
//! RustCrypto's speed on a 1200-byte packet on x86-64 with VAES), SHA-256/384/512 and HMAC-SHA256/384/512, and signature
//! verification. It keeps RustCrypto for:
//! - HMAC-SHA1 and SHA-1: ring has no SHA-NI path, and RustCrypto's HMAC-SHA1 is about four
//!   times faster (SRTP's default profile authenticates every packet with it);
//! - raw AES counter mode and single blocks: ring does not expose them;
//! - key exchange, key generation and signing: ring draws those secrets from its own sealed
//!   `SystemRandom` and cannot take the caller's RNG, which every sansrtc API requires (so a
//!   seeded RNG makes a handshake reproducible);
//! - prehashed verification: ring only verifies whole messages.

mod aead;
mod hash;
mod mac;
mod sign;

use crate::CryptoProvider;
use crate::aead::AeadProvider;
use crate::hash::HashProvider;
use crate::mac::HmacProvider;
use crate::sign::SignatureProvider;

/// AES-128/256-GCM and ChaCha20-Poly1305 from ring.
pub static AEAD: &dyn AeadProvider = &aead::RingAead;
/// SHA-256/384/512 from ring (SHA-1 from RustCrypto).
pub static HASH: &dyn HashProvider = &hash::RingHash;
/// HMAC-SHA256/384/512 from ring (HMAC-SHA1 from RustCrypto).
pub static HMAC: &dyn HmacProvider = &mac::RingHmac;
/// ECDSA P-256 and RSA PKCS#1 v1.5 / PSS verification from ring; signing keys and prehashed
/// verification from RustCrypto.
pub static SIGNATURE: &dyn SignatureProvider = &sign::RingSignature;

/// The fastest mix: ring where it is faster, RustCrypto for the rest (see the module doc).
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        name: "ring+rust-crypto",
        aead: AEAD,
        aes: crate::rust_crypto::AES,
        hash: HASH,
        hmac: HMAC,
        kx: crate::rust_crypto::KX,
        signature: SIGNATURE,
    }
}
