//! The one error type of this crate.

/// Why a cryptographic operation failed.
///
/// The variants say who is at fault: the caller passed something of the wrong shape
/// (`InvalidKeyLength`, `BufferTooShort`, `InvalidTagLength`, `Unsupported`, `InvalidPrivateKey`),
/// or the data came from a peer and does not check out (`DecryptFailed`, `MacMismatch`,
/// `InvalidPeerPublicKey`, `InvalidPublicKey`, `BadSignature`). Failures never leak which byte
/// was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key has a length the algorithm does not accept (the length is given).
    #[error("invalid key length: {0} bytes")]
    InvalidKeyLength(usize),
    /// A buffer is too short for the operation (e.g. no room for the AEAD tag, or a sealed
    /// message shorter than its tag).
    #[error("buffer too short")]
    BufferTooShort,
    /// AEAD open: the tag does not authenticate the ciphertext and associated data.
    #[error("AEAD decryption failed")]
    DecryptFailed,
    /// HMAC verify: the tag does not match.
    #[error("MAC mismatch")]
    MacMismatch,
    /// A MAC tag to verify is empty or longer than the MAC output.
    #[error("invalid tag length: {0} bytes")]
    InvalidTagLength(usize),
    /// A key-exchange public key from the peer is malformed, not on the curve, or a low-order
    /// point (which would give a non-contributory shared secret).
    #[error("invalid peer key-exchange public key")]
    InvalidPeerPublicKey,
    /// A signature-verification public key (SPKI, SEC1 point or RSA modulus/exponent) does not
    /// parse, or is of a type that does not match the signature scheme.
    #[error("invalid or mismatched public key")]
    InvalidPublicKey,
    /// The signature is malformed or does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A private key (PKCS#8 DER) does not parse, or is not of the requested type.
    #[error("invalid private key")]
    InvalidPrivateKey,
    /// The algorithm is not supported by this provider.
    #[error("unsupported algorithm: {0}")]
    Unsupported(&'static str),
    /// A message is longer than the algorithm allows (AES-GCM: 2^36 - 32 bytes).
    #[error("message too long")]
    MessageTooLong,
    /// A digest passed to a prehashed signature operation has the wrong length for the
    /// scheme's hash (the length is given).
    #[error("invalid digest length: {0} bytes")]
    InvalidDigestLength(usize),
    /// The random number generator failed.
    #[error("random number generator failed")]
    Rng,
}
