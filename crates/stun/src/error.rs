//! The one error type of this crate.

use crate::attributes::AttributeType;

/// Everything that can go wrong while parsing, verifying or building a STUN message, or driving a
/// client transaction.
///
/// Variants are grouped by who is at fault: the peer sent bytes that are not a well-formed STUN
/// message (`Malformed*`-style variants), the peer's message failed authentication
/// (`*Mismatch`, `Missing*`), or the caller misused the API (building errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- the datagram is not a STUN message (RFC 8489 §5, §6.3) ----
    /// Fewer than the 20 bytes of a STUN header.
    #[error("datagram of {0} bytes is shorter than the 20-byte STUN header")]
    TooShort(usize),
    /// The two most significant bits of the first byte are not zero (RFC 8489 §5).
    #[error("the first two bits of a STUN message must be zero")]
    NotStun,
    /// The magic cookie is not 0x2112A442 (RFC 8489 §5).
    #[error("magic cookie {0:#010x} is not 0x2112a442")]
    BadMagicCookie(u32),
    /// The header's message length is not a multiple of 4 (RFC 8489 §5).
    #[error("message length {0} is not a multiple of 4")]
    UnalignedLength(u16),
    /// The header's message length does not match the bytes that follow it.
    #[error("header says {header} bytes of attributes but the datagram carries {actual}")]
    LengthMismatch {
        /// Length field of the header.
        header: u16,
        /// Bytes after the header in the datagram.
        actual: usize,
    },
    /// An attribute header or value runs past the end of the message (RFC 8489 §14).
    #[error("attribute {0} runs past the end of the message")]
    TruncatedAttribute(AttributeType),
    /// An attribute follows FINGERPRINT, which must be last (RFC 8489 §14.7).
    #[error("attribute {0} follows FINGERPRINT, which must be the last attribute")]
    AttributeAfterFingerprint(AttributeType),

    // ---- an attribute value is malformed (RFC 8489 §14, RFC 8445 §16, RFC 8656 §18) ----
    /// The value has a length this attribute type never has.
    #[error("attribute {attribute} has invalid length {len}")]
    InvalidAttributeLength {
        /// The attribute.
        attribute: AttributeType,
        /// Its value length.
        len: usize,
    },
    /// An address attribute carries a family other than 0x01 (IPv4) or 0x02 (IPv6).
    #[error("address family {0:#04x} is neither IPv4 (0x01) nor IPv6 (0x02)")]
    InvalidAddressFamily(u8),
    /// A text attribute is not valid UTF-8.
    #[error("attribute {0} is not valid UTF-8")]
    InvalidUtf8(AttributeType),
    /// ERROR-CODE with a class outside 3..=6 or a number above 99 (RFC 8489 §14.8).
    #[error("error code {0} is outside 300..=699 or has a number above 99")]
    InvalidErrorCode(u16),

    // ---- authentication (RFC 8489 §9, §14.5-§14.7) ----
    /// The message carries no MESSAGE-INTEGRITY (or MESSAGE-INTEGRITY-SHA256) to verify.
    #[error("message has no MESSAGE-INTEGRITY attribute")]
    MissingIntegrity,
    /// The HMAC in MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 does not match the key.
    #[error("{0} does not match: wrong key or tampered message")]
    IntegrityMismatch(AttributeType),
    /// The message carries no FINGERPRINT.
    #[error("message has no FINGERPRINT attribute")]
    MissingFingerprint,
    /// The CRC-32 in FINGERPRINT does not match the message.
    #[error("FINGERPRINT {received:#010x} does not match computed {computed:#010x}")]
    FingerprintMismatch {
        /// The value carried by the message.
        received: u32,
        /// The value computed over the message.
        computed: u32,
    },

    // ---- caller misuse while building (RFC 8489 §14) ----
    /// An attribute value longer than 65535 bytes, or a message longer than the 16-bit length
    /// field can describe.
    #[error("attribute {0} does not fit in a STUN message")]
    TooLong(AttributeType),
    /// An attribute is longer than its RFC limit: when building, USERNAME of 509 bytes or more,
    /// or REALM, NONCE, SOFTWARE or a reason phrase of 128 characters or more; when decoding,
    /// any of these above 763 bytes (RFC 8489 §14.3, §14.8-§14.10, §14.14).
    #[error("attribute {attribute} is {len} long, above its limit of {max}")]
    AttributeLimit {
        /// The attribute.
        attribute: AttributeType,
        /// Its length: in characters for the 128-character limit of REALM, NONCE, SOFTWARE and
        /// the reason phrase when building, in bytes otherwise.
        len: usize,
        /// The RFC limit, in the same unit.
        max: usize,
    },
    /// Only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow MESSAGE-INTEGRITY, and only
    /// FINGERPRINT may follow MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.5, §14.6).
    #[error("attribute {0} may not follow MESSAGE-INTEGRITY")]
    AttributeAfterIntegrity(AttributeType),
    /// MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed by the builder's
    /// dedicated methods, never added as plain values.
    #[error("attribute {0} is computed: use the builder's dedicated method")]
    ComputedAttribute(AttributeType),
    /// A MESSAGE-INTEGRITY-SHA256 truncation outside 16..=32 bytes or not a multiple of 4
    /// (RFC 8489 §14.6).
    #[error("MESSAGE-INTEGRITY-SHA256 length {0} is not a multiple of 4 in 16..=32")]
    InvalidTruncation(usize),
    /// A client transaction was given a message that is not a STUN request.
    #[error("a client transaction needs a STUN request")]
    NotARequest,
}
