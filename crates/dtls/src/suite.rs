//! The cipher suites we implement (RFC 5289 §3.2, RFC 7905 §2) and what each implies.

use sansrtc_crypto::aead::AeadAlgorithm;
use sansrtc_crypto::hash::HashAlgorithm;

/// A DTLS 1.2 cipher suite. All are ECDHE with ECDSA certificates and an AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CipherSuite {
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {0xC0, 0x2B} (RFC 5289), mandatory for WebRTC
    /// (RFC 8827 §6.5).
    EcdheEcdsaAes128GcmSha256,
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 {0xC0, 0x2C} (RFC 5289).
    EcdheEcdsaAes256GcmSha384,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 {0xCC, 0xA9} (RFC 7905).
    EcdheEcdsaChacha20Poly1305Sha256,
}

impl CipherSuite {
    /// Every suite, in our default preference order.
    pub const ALL: [Self; 3] = [
        Self::EcdheEcdsaAes128GcmSha256,
        Self::EcdheEcdsaAes256GcmSha384,
        Self::EcdheEcdsaChacha20Poly1305Sha256,
    ];

    /// Wire value.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::EcdheEcdsaAes128GcmSha256 => 0xc02b,
            Self::EcdheEcdsaAes256GcmSha384 => 0xc02c,
            Self::EcdheEcdsaChacha20Poly1305Sha256 => 0xcca9,
        }
    }

    /// From the wire value.
    pub fn from_u16(v: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.to_u16() == v)
    }

    /// The record AEAD.
    pub fn aead(self) -> AeadAlgorithm {
        match self {
            Self::EcdheEcdsaAes128GcmSha256 => AeadAlgorithm::Aes128Gcm,
            Self::EcdheEcdsaAes256GcmSha384 => AeadAlgorithm::Aes256Gcm,
            Self::EcdheEcdsaChacha20Poly1305Sha256 => AeadAlgorithm::ChaCha20Poly1305,
        }
    }

    /// The PRF hash (RFC 5246 §5; SHA-384 for the `_SHA384` suite, RFC 5289 §3.2).
    pub fn prf_hash(self) -> HashAlgorithm {
        match self {
            Self::EcdheEcdsaAes256GcmSha384 => HashAlgorithm::Sha384,
            _ => HashAlgorithm::Sha256,
        }
    }

    /// Bytes of IV taken from the key block: the 4-byte GCM salt (RFC 5288 §3) or the 12-byte
    /// ChaCha20-Poly1305 IV (RFC 7905 §2).
    pub fn fixed_iv_len(self) -> usize {
        match self {
            Self::EcdheEcdsaChacha20Poly1305Sha256 => 12,
            _ => 4,
        }
    }

    /// Bytes of explicit nonce carried in each record (8 for GCM, none for ChaCha20-Poly1305).
    pub fn explicit_nonce_len(self) -> usize {
        match self {
            Self::EcdheEcdsaChacha20Poly1305Sha256 => 0,
            _ => 8,
        }
    }

    /// Ciphertext expansion per record: explicit nonce plus tag.
    pub fn overhead(self) -> usize {
        self.explicit_nonce_len() + sansrtc_crypto::aead::TAG_LEN
    }
}
