//! Credentials and message authentication (RFC 8489 §9, §14.5-§14.7).
//!
//! MESSAGE-INTEGRITY(-SHA256) is an HMAC over the message up to (not including) the attribute
//! itself, computed as if the header's length field ended right after it (RFC 8489 §14.5). We
//! never copy the message to patch that field: the HMAC is fed a patched 20-byte copy of the
//! header, then the attribute bytes straight from the datagram. The keyed HMAC state lives in
//! [`IntegrityKey`], so each message costs only the hashing of its own bytes.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::Sha256;

use crate::attributes::AttributeType;
use crate::error::Error;
use crate::message::HEADER_LEN;

/// Length of the MESSAGE-INTEGRITY value.
pub(crate) const SHA1_LEN: usize = 20;
/// Length of an untruncated MESSAGE-INTEGRITY-SHA256 value.
pub(crate) const SHA256_LEN: usize = 32;

/// FINGERPRINT is the CRC-32 of the message XORed with this (RFC 8489 §14.7): "STUN".
const FINGERPRINT_XOR: u32 = 0x5354_554E;

/// The key of MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256, with its HMAC states precomputed.
///
/// Build one per credential (not per message) and reuse it: constructing it hashes the key pads
/// once, verifying a message then costs only the hashing of that message.
///
/// The constructors take passwords, usernames and realms as the bytes to hash. RFC 8489 asks for
/// OpaqueString (RFC 8265) preparation of passwords and realms; ICE credentials are ASCII, and a
/// caller with non-ASCII credentials must prepare them first (RFC 5769 §2.4 shows the effect).
#[derive(Clone)]
pub struct IntegrityKey {
    sha1: Hmac<Sha1>,
    sha256: Hmac<Sha256>,
}

impl fmt::Debug for IntegrityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntegrityKey(..)")
    }
}

/// HMAC accepts keys of any length; the fallback to an all-zero block key is unreachable.
fn hmac_key<M: Mac + KeyInit>(key: &[u8]) -> M {
    <M as Mac>::new_from_slice(key).unwrap_or_else(|_| <M as KeyInit>::new(&Default::default()))
}

impl IntegrityKey {
    /// A key given as raw bytes.
    pub fn new(key: &[u8]) -> Self {
        Self {
            sha1: hmac_key(key),
            sha256: hmac_key(key),
        }
    }

    /// Short-term credential: the key is the password (RFC 8489 §9.1.1). This is what ICE uses,
    /// with the remote (or local) `ice-pwd`.
    pub fn short_term(password: &str) -> Self {
        Self::new(password.as_bytes())
    }

    /// Long-term credential with the MD5 password algorithm (RFC 8489 §9.2.2):
    /// `key = MD5(username ":" realm ":" password)`.
    pub fn long_term(username: &str, realm: &str, password: &str) -> Self {
        let mut md5 = Md5::new();
        for part in [username, ":", realm, ":", password] {
            md5.update(part.as_bytes());
        }
        Self::new(&md5.finalize())
    }

    /// Long-term credential with the SHA-256 password algorithm (RFC 8489 §9.2.2):
    /// `key = SHA-256(username ":" realm ":" password)`.
    pub fn long_term_sha256(username: &str, realm: &str, password: &str) -> Self {
        let mut sha = Sha256::new();
        for part in [username, ":", realm, ":", password] {
            sha.update(part.as_bytes());
        }
        Self::new(&sha.finalize())
    }
}

/// A copy of the header with the length field set as if the message ended after the attribute
/// whose header starts at `offset` and whose value is `value_len` bytes.
fn patched_header(message: &[u8], offset: usize, value_len: usize) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    if let Some(h) = message.first_chunk::<HEADER_LEN>() {
        header = *h;
    }
    let len = u16::try_from(offset + 4 + value_len - HEADER_LEN).unwrap_or(u16::MAX);
    let [_, _, l0, l1, ..] = &mut header;
    [*l0, *l1] = len.to_be_bytes();
    header
}

/// Feeds `mac` the bytes MESSAGE-INTEGRITY(-SHA256) at `offset` covers.
fn feed<M: Mac>(mut mac: M, message: &[u8], offset: usize, value_len: usize) -> M {
    mac.update(&patched_header(message, offset, value_len));
    mac.update(message.get(HEADER_LEN..offset).unwrap_or_default());
    mac
}

/// MESSAGE-INTEGRITY for an attribute whose header is at `offset` of `message`.
pub(crate) fn sha1(key: &IntegrityKey, message: &[u8], offset: usize) -> [u8; SHA1_LEN] {
    feed(key.sha1.clone(), message, offset, SHA1_LEN)
        .finalize()
        .into_bytes()
        .into()
}

/// MESSAGE-INTEGRITY-SHA256 (untruncated) for an attribute of `len` bytes at `offset`.
pub(crate) fn sha256(
    key: &IntegrityKey,
    message: &[u8],
    offset: usize,
    len: usize,
) -> [u8; SHA256_LEN] {
    feed(key.sha256.clone(), message, offset, len)
        .finalize()
        .into_bytes()
        .into()
}

/// The value of the attribute whose header is at `offset`.
fn value_at(message: &[u8], offset: usize) -> &[u8] {
    let Some([_, _, l0, l1]) = message.get(offset..).and_then(|m| m.first_chunk::<4>()) else {
        return &[];
    };
    let start = offset + 4;
    message
        .get(start..start + usize::from(u16::from_be_bytes([*l0, *l1])))
        .unwrap_or_default()
}

/// Checks MESSAGE-INTEGRITY at `offset` (constant-time comparison).
pub(crate) fn verify_sha1(key: &IntegrityKey, message: &[u8], offset: usize) -> Result<(), Error> {
    let received = value_at(message, offset);
    feed(key.sha1.clone(), message, offset, received.len())
        .verify_slice(received)
        .map_err(|_| Error::IntegrityMismatch(AttributeType::MESSAGE_INTEGRITY))
}

/// Checks a (possibly truncated) MESSAGE-INTEGRITY-SHA256 at `offset`.
pub(crate) fn verify_sha256(
    key: &IntegrityKey,
    message: &[u8],
    offset: usize,
) -> Result<(), Error> {
    let received = value_at(message, offset);
    feed(key.sha256.clone(), message, offset, received.len())
        .verify_truncated_left(received)
        .map_err(|_| Error::IntegrityMismatch(AttributeType::MESSAGE_INTEGRITY_SHA256))
}

/// FINGERPRINT over `covered` (the message before the attribute, header length final).
pub(crate) fn fingerprint(covered: &[u8]) -> u32 {
    crc32fast::hash(covered) ^ FINGERPRINT_XOR
}

/// Checks FINGERPRINT at `offset`; the parser guarantees it is the last attribute, so the
/// header length already has its final value.
pub(crate) fn verify_fingerprint(message: &[u8], offset: usize) -> Result<(), Error> {
    let received = match value_at(message, offset).first_chunk::<4>() {
        Some(v) => u32::from_be_bytes(*v),
        None => return Err(Error::MissingFingerprint),
    };
    let computed = fingerprint(message.get(..offset).unwrap_or_default());
    if received == computed {
        Ok(())
    } else {
        Err(Error::FingerprintMismatch { received, computed })
    }
}
