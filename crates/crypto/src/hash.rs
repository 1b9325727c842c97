//! Hash functions: SHA-1, SHA-256, SHA-384, SHA-512 (FIPS 180-4), one-shot or incremental.
//!
//! DTLS keeps a running transcript hash ([`HashContext`]) and needs its value at several points
//! of the handshake ([`HashContext::current`]); everything else hashes one message.

use core::fmt;

/// The largest digest this crate produces (SHA-512).
pub const MAX_DIGEST_LEN: usize = 64;

/// The hash algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (only for HMAC-SHA1 in SRTP and STUN; never for signatures).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Internal block length in bytes (the HMAC block size).
    pub const fn block_len(self) -> usize {
        match self {
            Self::Sha1 | Self::Sha256 => 64,
            Self::Sha384 | Self::Sha512 => 128,
        }
    }
}

/// A digest or MAC output, held on the stack (no allocation).
///
/// Deliberately not `PartialEq`: compare MACs with [`crate::mac::HmacKey::verify`], which is
/// constant time.
#[derive(Clone, Copy)]
pub struct Digest {
    bytes: [u8; MAX_DIGEST_LEN],
    len: usize,
}

impl Digest {
    /// Wraps `bytes` (at most [`MAX_DIGEST_LEN`] of them; longer input is truncated, which no
    /// backend produces).
    pub fn new(bytes: &[u8]) -> Self {
        let mut out = Self {
            bytes: [0; MAX_DIGEST_LEN],
            len: bytes.len().min(MAX_DIGEST_LEN),
        };
        for (o, b) in out.bytes.iter_mut().zip(bytes) {
            *o = *b;
        }
        out
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the digest is empty (never true for a real digest).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// An incremental hash computation.
pub trait HashContext: Send + Sync {
    /// Which algorithm this is.
    fn algorithm(&self) -> HashAlgorithm;
    /// Feeds more data.
    fn update(&mut self, data: &[u8]);
    /// The digest of everything fed so far; the context goes on (for a transcript hash).
    fn current(&self) -> Digest;
    /// An independent copy of the current state.
    fn fork(&self) -> Box<dyn HashContext>;
    /// The digest of everything fed, consuming the context.
    fn finish(self: Box<Self>) -> Digest;
}

/// Makes hash contexts. One of the parts of a [`crate::CryptoProvider`].
pub trait HashProvider: Send + Sync + fmt::Debug {
    /// Starts an incremental hash.
    fn start(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext>;

    /// Hashes `data` in one go.
    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        let mut ctx = self.start(algorithm);
        ctx.update(data);
        ctx.finish()
    }
}
