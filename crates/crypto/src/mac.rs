//! HMAC (RFC 2104) with SHA-1, SHA-256, SHA-384 and SHA-512.
//!
//! An [`HmacKey`] holds the keyed state (the hashes of the inner and outer pads) computed once;
//! each message clones that state on the stack. SRTP authenticates every packet with a fixed
//! per-context key (RFC 3711 §4.2.1: HMAC-SHA1 over the packet followed by the ROC), so this
//! matters: the pad precomputation is never redone per packet, and nothing is allocated.

use crate::Error;
use crate::hash::{Digest, HashAlgorithm};

/// A keyed HMAC, ready to authenticate any number of messages.
pub trait HmacKey: Send + Sync {
    /// The hash this HMAC uses.
    fn algorithm(&self) -> HashAlgorithm;

    /// The MAC of the concatenation of `parts` (no allocation; the parts need not be
    /// contiguous, e.g. `&[packet, &roc.to_be_bytes()]` for SRTP).
    fn sign(&self, parts: &[&[u8]]) -> Digest;

    /// Checks in constant time that `tag` equals the first `tag.len()` bytes of the MAC of
    /// the concatenation of `parts` (truncated tags as in RFC 2104 §5; SRTP uses 10 or 4
    /// bytes of HMAC-SHA1).
    ///
    /// Fails with [`Error::InvalidTagLength`] if `tag` is empty or longer than the MAC, and
    /// [`Error::MacMismatch`] if it does not match.
    fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> Result<(), Error> {
        let full = self.sign(parts);
        let expected = full
            .as_bytes()
            .get(..tag.len())
            .filter(|_| !tag.is_empty())
            .ok_or(Error::InvalidTagLength(tag.len()))?;
        if subtle::ConstantTimeEq::ct_eq(expected, tag).into() {
            Ok(())
        } else {
            Err(Error::MacMismatch)
        }
    }
}

/// Makes [`HmacKey`]s. One of the parts of a [`crate::CryptoProvider`].
pub trait HmacProvider: Send + Sync + core::fmt::Debug {
    /// Computes the keyed state for `algorithm` with `key` (any length, RFC 2104 §2).
    fn hmac_key(&self, algorithm: HashAlgorithm, key: &[u8]) -> Result<Box<dyn HmacKey>, Error>;
}
