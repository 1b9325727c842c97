//! The pure-Rust backend: the RustCrypto crates (aes, aes-gcm, ctr, chacha20poly1305, sha1,
//! sha2, hmac, p256, x25519-dalek, rsa).
//!
//! Every primitive is here. With hardware AES and SHA (AES-NI/PCLMULQDQ, SHA-NI, ARMv8
//! crypto) these use them, detected at run time; HMAC-SHA1 with SHA-NI is the fastest
//! implementation measured for SRTP's default profile.

mod aead;
mod cipher;
mod hash;
pub(crate) mod kx;
mod mac;
pub(crate) mod sign;

use crate::CryptoProvider;
use crate::aead::AeadProvider;
use crate::cipher::AesProvider;
use crate::hash::HashProvider;
use crate::kx::KeyExchangeProvider;
use crate::mac::HmacProvider;
use crate::sign::SignatureProvider;

/// AES-128/256-GCM (aes-gcm) and ChaCha20-Poly1305 (chacha20poly1305).
pub static AEAD: &dyn AeadProvider = &aead::RustCryptoAead;
/// AES-128/192/256 counter mode and single blocks (aes, ctr).
pub static AES: &dyn AesProvider = &cipher::RustCryptoAes;
/// SHA-1 (sha1) and SHA-256/384/512 (sha2).
pub static HASH: &dyn HashProvider = &hash::RustCryptoHash;
/// HMAC over SHA-1 and SHA-2 (hmac).
pub static HMAC: &dyn HmacProvider = &mac::RustCryptoHmac;
/// X25519 (x25519-dalek) and P-256 ECDH (p256).
pub static KX: &dyn KeyExchangeProvider = &kx::RustCryptoKx;
/// ECDSA P-256 (p256) and RSA PKCS#1 v1.5 / PSS verification (rsa).
pub static SIGNATURE: &dyn SignatureProvider = &sign::RustCryptoSignature;

/// Every primitive from RustCrypto.
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        name: "rust-crypto",
        aead: AEAD,
        aes: AES,
        hash: HASH,
        hmac: HMAC,
        kx: KX,
        signature: SIGNATURE,
    }
}
