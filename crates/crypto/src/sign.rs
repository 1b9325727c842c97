//! Signatures as (D)TLS 1.2 uses them to authenticate ServerKeyExchange and CertificateVerify
//! (RFC 5246 §7.4.1.4.1, RFC 8422 §5.4): ECDSA P-256 with SHA-256 (sign and verify), RSA
//! PKCS#1 v1.5 and RSA-PSS (RFC 8017) with SHA-256/384/512 (verify only).
//!
//! A WebRTC endpoint signs with a long-lived ECDSA P-256 key whose self-signed certificate
//! fingerprint is in the SDP (RFC 8122); [`SigningKey`] generates it, exports and imports it
//! as PKCS#8 DER, and gives the SEC1 point and SubjectPublicKeyInfo for the certificate.

use zeroize::Zeroizing;

use crate::Error;
use crate::hash::HashAlgorithm;
use crate::rng::CryptoRngCore;

/// A signature algorithm (TLS `SignatureScheme` / TLS 1.2 `SignatureAndHashAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// ECDSA over P-256 with SHA-256; signatures are DER `ECDSA-Sig-Value` (RFC 8422 §5.4).
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32 (rsa_pss_rsae_sha256).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt length 48.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt length 64.
    RsaPssSha512,
}

impl SignatureScheme {
    /// Every scheme this crate knows, in a sensible preference order for a
    /// `signature_algorithms` extension.
    pub const ALL: [Self; 7] = [
        Self::EcdsaP256Sha256,
        Self::RsaPssSha256,
        Self::RsaPkcs1Sha256,
        Self::RsaPssSha384,
        Self::RsaPkcs1Sha384,
        Self::RsaPssSha512,
        Self::RsaPkcs1Sha512,
    ];

    /// The TLS code point (in TLS 1.2 terms: `hash << 8 | signature`).
    pub const fn to_u16(self) -> u16 {
        match self {
            Self::EcdsaP256Sha256 => 0x0403,
            Self::RsaPkcs1Sha256 => 0x0401,
            Self::RsaPkcs1Sha384 => 0x0501,
            Self::RsaPkcs1Sha512 => 0x0601,
            Self::RsaPssSha256 => 0x0804,
            Self::RsaPssSha384 => 0x0805,
            Self::RsaPssSha512 => 0x0806,
        }
    }

    /// The scheme for a TLS code point, if supported.
    pub const fn from_u16(value: u16) -> Option<Self> {
        match value {
            0x0403 => Some(Self::EcdsaP256Sha256),
            0x0401 => Some(Self::RsaPkcs1Sha256),
            0x0501 => Some(Self::RsaPkcs1Sha384),
            0x0601 => Some(Self::RsaPkcs1Sha512),
            0x0804 => Some(Self::RsaPssSha256),
            0x0805 => Some(Self::RsaPssSha384),
            0x0806 => Some(Self::RsaPssSha512),
            _ => None,
        }
    }

    /// The hash the scheme signs with.
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            Self::EcdsaP256Sha256 | Self::RsaPkcs1Sha256 | Self::RsaPssSha256 => {
                HashAlgorithm::Sha256
            }
            Self::RsaPkcs1Sha384 | Self::RsaPssSha384 => HashAlgorithm::Sha384,
            Self::RsaPkcs1Sha512 | Self::RsaPssSha512 => HashAlgorithm::Sha512,
        }
    }
}

/// A public key to verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKey<'a> {
    /// A DER `SubjectPublicKeyInfo` (the certificate's public key, as x509-parser gives it in
    /// `SubjectPublicKeyInfo::raw`): `id-ecPublicKey` with `secp256r1`, or `rsaEncryption`.
    Spki(&'a [u8]),
    /// A P-256 point in uncompressed SEC1 form (65 bytes, `04 || x || y`).
    EcP256Sec1(&'a [u8]),
    /// An RSA public key as big-endian unsigned modulus and public exponent.
    Rsa {
        /// The modulus.
        n: &'a [u8],
        /// The public exponent.
        e: &'a [u8],
    },
}

/// A private signing key (long-lived: the DTLS certificate key).
pub trait SigningKey: Send + Sync {
    /// The scheme this key signs with.
    fn scheme(&self) -> SignatureScheme;

    /// The public key as an uncompressed SEC1 point (65 bytes for P-256).
    fn public_key_sec1(&self) -> &[u8];

    /// The public key as a DER `SubjectPublicKeyInfo` (for building a certificate).
    fn public_key_spki_der(&self) -> Result<Vec<u8>, Error>;

    /// The private key as PKCS#8 v1 DER (`PrivateKeyInfo`), zeroed on drop.
    fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// Signs `message` (hashed here with the scheme's hash). ECDSA signatures are DER and use
    /// deterministic nonces (RFC 6979), so no RNG is needed.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// Signs a digest the caller computed with the scheme's hash.
    fn sign_prehashed(&self, digest: &[u8]) -> Result<Vec<u8>, Error>;
}

/// Signature verification and signing keys. One of the parts of a [`crate::CryptoProvider`].
pub trait SignatureProvider: Send + Sync + core::fmt::Debug {
    /// Verifies `signature` over `message` (hashed here with the scheme's hash).
    ///
    /// Fails with [`Error::InvalidPublicKey`] if the key does not parse or does not fit the
    /// scheme, and [`Error::BadSignature`] if the signature is malformed or does not verify.
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// Verifies `signature` over a digest the caller computed with the scheme's hash.
    fn verify_prehashed(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// Generates a new signing key for `scheme` (only [`SignatureScheme::EcdsaP256Sha256`];
    /// others give [`Error::Unsupported`]).
    fn generate_signing_key(
        &self,
        scheme: SignatureScheme,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn SigningKey>, Error>;

    /// Loads a signing key from PKCS#8 DER (an ECDSA P-256 key, e.g. one written by
    /// [`SigningKey::to_pkcs8_der`] or `openssl genpkey`).
    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, Error>;
}
