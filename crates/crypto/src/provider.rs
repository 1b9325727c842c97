//! [`CryptoProvider`]: which implementation does each primitive.

use zeroize::Zeroizing;

use crate::Error;
use crate::aead::{AeadAlgorithm, AeadKey, AeadProvider};
use crate::cipher::{AesKey, AesProvider};
use crate::hash::{Digest, HashAlgorithm, HashContext, HashProvider};
use crate::kx::{ActiveKeyExchange, KeyExchangeProvider, NamedGroup};
use crate::mac::{HmacKey, HmacProvider};
use crate::rng::CryptoRngCore;
use crate::sign::{PublicKey, SignatureProvider, SignatureScheme, SigningKey};

/// The set of primitive implementations the protocol crates use.
///
/// Each field is one family of primitives, so a stack can take each from whichever library is
/// fastest for it, e.g. ring's AES-GCM with RustCrypto's HMAC-SHA1:
///
/// ```
/// use sansrtc_crypto::{CryptoProvider, rust_crypto};
/// let provider = CryptoProvider {
///     name: "custom",
///     ..rust_crypto::provider()
/// };
/// # let _ = provider;
/// ```
///
/// Keys are made through the provider once (a virtual call and an allocation), then used
/// directly: the per-packet cost is one virtual call.
#[derive(Debug, Clone, Copy)]
pub struct CryptoProvider {
    /// A name for logs and benchmarks.
    pub name: &'static str,
    /// AES-GCM and ChaCha20-Poly1305.
    pub aead: &'static dyn AeadProvider,
    /// Raw AES: counter mode and single blocks.
    pub aes: &'static dyn AesProvider,
    /// SHA-1 and SHA-2.
    pub hash: &'static dyn HashProvider,
    /// HMAC-SHA1 and HMAC-SHA2 (the TLS PRF is built on it).
    pub hmac: &'static dyn HmacProvider,
    /// Ephemeral ECDH.
    pub kx: &'static dyn KeyExchangeProvider,
    /// Signature verification and signing keys.
    pub signature: &'static dyn SignatureProvider,
}

impl CryptoProvider {
    /// Makes an AEAD key (see [`AeadProvider::aead_key`]).
    pub fn aead_key(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn AeadKey>, Error> {
        self.aead.aead_key(algorithm, key)
    }

    /// Makes an AES key for counter mode and single blocks (see [`AesProvider::aes_key`]).
    pub fn aes_key(&self, key: &[u8]) -> Result<Box<dyn AesKey>, Error> {
        self.aes.aes_key(key)
    }

    /// Makes an HMAC key (see [`HmacProvider::hmac_key`]).
    pub fn hmac_key(
        &self,
        algorithm: HashAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn HmacKey>, Error> {
        self.hmac.hmac_key(algorithm, key)
    }

    /// Hashes `data` in one go.
    pub fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        self.hash.hash(algorithm, data)
    }

    /// Starts an incremental hash (e.g. a handshake transcript).
    pub fn start_hash(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        self.hash.start(algorithm)
    }

    /// The TLS 1.2 PRF (RFC 5246 §5); see [`crate::prf::tls12_prf`].
    pub fn tls12_prf(
        &self,
        hash: HashAlgorithm,
        secret: &[u8],
        label: &[u8],
        seed: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        crate::prf::tls12_prf(self.hmac, hash, secret, label, seed, out)
    }

    /// Starts an ephemeral key exchange (see [`KeyExchangeProvider::start`]).
    pub fn start_key_exchange(
        &self,
        group: NamedGroup,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        self.kx.start(group, rng)
    }

    /// Verifies a signature over a message (see [`SignatureProvider::verify`]).
    pub fn verify_signature(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.signature
            .verify(scheme, public_key, message, signature)
    }

    /// Generates a signing key (see [`SignatureProvider::generate_signing_key`]).
    pub fn generate_signing_key(
        &self,
        scheme: SignatureScheme,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn SigningKey>, Error> {
        self.signature.generate_signing_key(scheme, rng)
    }

    /// Loads a PKCS#8 DER signing key (see [`SignatureProvider::load_signing_key`]).
    pub fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, Error> {
        self.signature.load_signing_key(pkcs8_der)
    }

    /// Fills `dest` from `rng`, mapping a failing RNG to [`Error::Rng`]. A convenience for
    /// secrets the protocol crates draw themselves (DTLS randoms, cookie secrets).
    pub fn fill_random(&self, rng: &mut dyn CryptoRngCore, dest: &mut [u8]) -> Result<(), Error> {
        rng.try_fill_bytes(dest).map_err(|_| Error::Rng)
    }

    /// A fresh random secret of `len` bytes, zeroed on drop.
    pub fn random_secret(
        &self,
        rng: &mut dyn CryptoRngCore,
        len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut out = Zeroizing::new(vec![0u8; len]);
        self.fill_random(rng, &mut out)?;
        Ok(out)
    }
}

/// The fastest provider compiled in: [`crate::ring::provider`] with the `ring` feature (ring
/// for AES-GCM, ChaCha20-Poly1305, SHA-2 and HMAC-SHA2; RustCrypto for the rest), otherwise
/// [`crate::rust_crypto::provider`].
pub fn default_provider() -> CryptoProvider {
    #[cfg(feature = "ring")]
    {
        crate::ring::provider()
    }
    #[cfg(not(feature = "ring"))]
    {
        crate::rust_crypto::provider()
    }
}

/// Every provider compiled in, RustCrypto's first: [`crate::rust_crypto::provider`] and, with
/// the `ring` feature, [`crate::ring::provider`]. For tests, benchmarks and fuzzers that must
/// hold for each of them.
pub fn all_providers() -> Vec<CryptoProvider> {
    #[allow(unused_mut)]
    let mut all = vec![crate::rust_crypto::provider()];
    #[cfg(feature = "ring")]
    all.push(crate::ring::provider());
    all
}
