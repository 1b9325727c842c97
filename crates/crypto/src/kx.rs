//! Ephemeral elliptic-curve Diffie-Hellman for (D)TLS 1.2 ECDHE (RFC 8422): X25519 (RFC 7748)
//! and P-256 (secp256r1, uncompressed SEC1 points).
//!
//! ```text
//! let kx = provider.start_key_exchange(NamedGroup::X25519, rng)?;
//! send(kx.public_key());                    // our ServerKeyExchange / ClientKeyExchange
//! let premaster = kx.complete(peer_public)?; // validates the peer's key
//! ```

use zeroize::Zeroizing;

use crate::Error;
use crate::rng::CryptoRngCore;

/// The key-exchange groups (TLS `NamedGroup`, RFC 8422 §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedGroup {
    /// secp256r1 (NIST P-256); public keys are 65-byte uncompressed SEC1 points.
    Secp256r1,
    /// X25519 (RFC 7748); public keys are 32 bytes.
    X25519,
}

impl NamedGroup {
    /// The TLS `NamedGroup` code point.
    pub const fn to_u16(self) -> u16 {
        match self {
            Self::Secp256r1 => 23,
            Self::X25519 => 29,
        }
    }

    /// The group for a TLS `NamedGroup` code point, if supported.
    pub const fn from_u16(value: u16) -> Option<Self> {
        match value {
            23 => Some(Self::Secp256r1),
            29 => Some(Self::X25519),
            _ => None,
        }
    }

    /// Length in bytes of a public key on the wire.
    pub const fn public_key_len(self) -> usize {
        match self {
            Self::Secp256r1 => 65,
            Self::X25519 => 32,
        }
    }
}

/// The shared secret of a completed key exchange (the (D)TLS premaster secret: the X25519
/// output, or the x-coordinate for P-256). Zeroed on drop.
pub struct SharedSecret(Zeroizing<Vec<u8>>);

impl SharedSecret {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// Our half of a key exchange in progress: an ephemeral private key and its public key.
pub trait ActiveKeyExchange: Send + Sync {
    /// The group.
    fn group(&self) -> NamedGroup;

    /// Our public key in wire format (X25519: 32 bytes; P-256: 65-byte uncompressed point).
    fn public_key(&self) -> &[u8];

    /// Validates the peer's public key and computes the shared secret. The ephemeral private
    /// key is consumed.
    ///
    /// Fails with [`Error::InvalidPeerPublicKey`] if the key has the wrong length or format,
    /// is not on the curve (P-256), or yields an all-zero secret (X25519 low-order points,
    /// RFC 7748 §6.1).
    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error>;
}

/// Starts key exchanges. One of the parts of a [`crate::CryptoProvider`].
pub trait KeyExchangeProvider: Send + Sync + core::fmt::Debug {
    /// Generates an ephemeral key pair in `group`, with secret randomness from `rng`.
    fn start(
        &self,
        group: NamedGroup,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn ActiveKeyExchange>, Error>;
}
