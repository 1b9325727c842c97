//! The STUN message (RFC 8489 §5, §6): header, class and method, transaction id, and the
//! attribute walk; [`Message`] reads one, [`MessageBuilder`] writes one.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |0 0|     STUN Message Type     |         Message Length        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Magic Cookie                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Transaction ID (96 bits)                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::fmt;
use std::net::SocketAddr;

use rand_core::{CryptoRng, RngCore};

use crate::attributes::{Attribute, AttributeType, ErrorCode, check_truncation, pad, padded};
use crate::error::Error;
use crate::integrity::{self, IntegrityKey};

/// The fixed value in bytes 4..8 of every RFC 5389/8489 message.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 20;

/// Length of an attribute header (type and length).
const ATTRIBUTE_HEADER_LEN: usize = 4;

/// The class of a message: two bits spread over the message type (RFC 8489 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 0b00.
    Request,
    /// 0b01.
    Indication,
    /// 0b10.
    SuccessResponse,
    /// 0b11.
    ErrorResponse,
}

impl Class {
    const fn bits(self) -> u16 {
        match self {
            Self::Request => 0b00,
            Self::Indication => 0b01,
            Self::SuccessResponse => 0b10,
            Self::ErrorResponse => 0b11,
        }
    }

    /// Success or error response.
    pub const fn is_response(self) -> bool {
        matches!(self, Self::SuccessResponse | Self::ErrorResponse)
    }
}

/// A 12-bit STUN method (RFC 8489 §5, §18.2; RFC 8656 §17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Method(u16);

impl Method {
    /// Binding (RFC 8489 §18.2).
    pub const BINDING: Self = Self(0x001);
    /// Allocate (RFC 8656 §17).
    pub const ALLOCATE: Self = Self(0x003);
    /// Refresh (RFC 8656 §17).
    pub const REFRESH: Self = Self(0x004);
    /// Send (RFC 8656 §17).
    pub const SEND: Self = Self(0x006);
    /// Data (RFC 8656 §17).
    pub const DATA: Self = Self(0x007);
    /// CreatePermission (RFC 8656 §17).
    pub const CREATE_PERMISSION: Self = Self(0x008);
    /// ChannelBind (RFC 8656 §17).
    pub const CHANNEL_BIND: Self = Self(0x009);

    /// A method number; `None` above 0xFFF.
    pub const fn new(value: u16) -> Option<Self> {
        if value <= 0x0FFF {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The 12-bit method number.
    pub const fn value(self) -> u16 {
        self.0
    }
}

/// The 16-bit message type interleaves method bits M0-M11 with class bits C0-C1:
/// `M11..M7 C1 M6..M4 C0 M3..M0` (RFC 8489 §5, Figure 3).
const fn message_type(class: Class, method: Method) -> u16 {
    let m = method.0;
    let c = class.bits();
    (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
}

const fn split_message_type(t: u16) -> (Class, Method) {
    let class = match ((t >> 7) & 0b10) | ((t >> 4) & 0b01) {
        0b00 => Class::Request,
        0b01 => Class::Indication,
        0b10 => Class::SuccessResponse,
        _ => Class::ErrorResponse,
    };
    let method = (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80);
    (class, Method(method))
}

/// The 96-bit transaction id (RFC 8489 §5).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId([u8; 12]);

impl TransactionId {
    /// A given id.
    pub const fn new(bytes: [u8; 12]) -> Self {
        Self(bytes)
    }

    /// A fresh id. RFC 8489 §5 asks for a cryptographically random one, hence `CryptoRng`.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 12];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The 12 bytes.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TransactionId(")?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

/// One attribute as it sits in the message: its type and its value without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    /// The attribute type.
    pub attribute_type: AttributeType,
    /// The value, padding excluded.
    pub value: &'a [u8],
}

/// A parsed STUN message borrowing the datagram.
///
/// [`Message::parse`] checks the header and walks the attributes once, so the attribute
/// iterator cannot fail afterwards; attribute values are decoded lazily by the typed getters.
/// It also records where MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT sit, so
/// that verification is a pair of hash calls over slices, without allocation.
///
/// Attributes that follow MESSAGE-INTEGRITY (other than MESSAGE-INTEGRITY-SHA256 and
/// FINGERPRINT) or MESSAGE-INTEGRITY-SHA256 (other than FINGERPRINT) are not protected: they are
/// ignored as RFC 8489 §14.5/§14.6 require, and not yielded by [`Message::attributes`].
/// An attribute after FINGERPRINT makes the message malformed (§14.7).
#[derive(Clone, Copy)]
pub struct Message<'a> {
    /// Exactly the header and `length` bytes of attributes.
    bytes: &'a [u8],
    /// Offset of the (first) MESSAGE-INTEGRITY attribute header.
    integrity: Option<usize>,
    /// Offset of the MESSAGE-INTEGRITY-SHA256 attribute header.
    integrity_sha256: Option<usize>,
    /// Offset of the FINGERPRINT attribute header.
    fingerprint: Option<usize>,
    /// Attributes starting at or after this offset are ignored, except the two above.
    protected_end: usize,
    /// Where the first protected occurrence of each attribute an ICE or STUN client reads on
    /// every packet sits (offset / 4; 0 = absent), so the typed getters need no walk.
    index: [u16; INDEXED],
}

/// Number of attribute types [`Message::parse`] indexes; see [`indexed_slot`].
const INDEXED: usize = 9;

/// The index slot of the attribute types with a typed getter on [`Message`].
const fn indexed_slot(attribute_type: AttributeType) -> Option<usize> {
    Some(match attribute_type {
        AttributeType::USERNAME => 0,
        AttributeType::REALM => 1,
        AttributeType::NONCE => 2,
        AttributeType::ERROR_CODE => 3,
        AttributeType::XOR_MAPPED_ADDRESS => 4,
        AttributeType::PRIORITY => 5,
        AttributeType::USE_CANDIDATE => 6,
        AttributeType::ICE_CONTROLLING => 7,
        AttributeType::ICE_CONTROLLED => 8,
        _ => return None,
    })
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("class", &self.class())
            .field("method", &self.method())
            .field("transaction_id", &self.transaction_id())
            .field("attributes", &self.typed_attributes().collect::<Vec<_>>())
            .finish()
    }
}

/// Reads the attribute header at `offset`: type, value range. `None` past the end.
fn attribute_at(bytes: &[u8], offset: usize) -> Option<(AttributeType, usize, usize)> {
    let header = bytes.get(offset..)?.first_chunk::<4>()?;
    let [t0, t1, l0, l1] = *header;
    let start = offset + ATTRIBUTE_HEADER_LEN;
    Some((
        AttributeType(u16::from_be_bytes([t0, t1])),
        start,
        start + usize::from(u16::from_be_bytes([l0, l1])),
    ))
}

impl<'a> Message<'a> {
    /// Parses one STUN message that fills the whole datagram.
    ///
    /// Checks (RFC 8489 §5, §6.3, §14): the two leading zero bits, the magic cookie, a length
    /// that is a multiple of 4 and matches the datagram, every attribute inside the message,
    /// a well-formed MESSAGE-INTEGRITY(-SHA256)/FINGERPRINT and nothing after FINGERPRINT.
    pub fn parse(datagram: &'a [u8]) -> Result<Self, Error> {
        let (header, body) = datagram
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(Error::TooShort(datagram.len()))?;
        let [t0, _, l0, l1, c0, c1, c2, c3, ..] = *header;
        if t0 & 0xC0 != 0 {
            return Err(Error::NotStun);
        }
        let cookie = u32::from_be_bytes([c0, c1, c2, c3]);
        if cookie != MAGIC_COOKIE {
            return Err(Error::BadMagicCookie(cookie));
        }
        let length = u16::from_be_bytes([l0, l1]);
        if length % 4 != 0 {
            return Err(Error::UnalignedLength(length));
        }
        if usize::from(length) != body.len() {
            return Err(Error::LengthMismatch {
                header: length,
                actual: body.len(),
            });
        }

        let mut message = Self {
            bytes: datagram,
            integrity: None,
            integrity_sha256: None,
            fingerprint: None,
            protected_end: datagram.len(),
            index: [0; INDEXED],
        };
        let mut offset = HEADER_LEN;
        while offset < datagram.len() {
            let (attribute, start, end) = attribute_at(datagram, offset)
                .ok_or(Error::TruncatedAttribute(AttributeType(0)))?;
            if end > datagram.len() {
                return Err(Error::TruncatedAttribute(attribute));
            }
            if message.fingerprint.is_some() {
                return Err(Error::AttributeAfterFingerprint(attribute));
            }
            let len = end - start;
            let bad_len = Error::InvalidAttributeLength { attribute, len };
            let next = offset + ATTRIBUTE_HEADER_LEN + padded(len);
            match attribute {
                AttributeType::MESSAGE_INTEGRITY
                    if message.integrity.is_none() && message.integrity_sha256.is_none() =>
                {
                    if len != integrity::SHA1_LEN {
                        return Err(bad_len);
                    }
                    message.integrity = Some(offset);
                    message.protected_end = next;
                }
                AttributeType::MESSAGE_INTEGRITY_SHA256 if message.integrity_sha256.is_none() => {
                    check_truncation(len).map_err(|_| bad_len)?;
                    message.integrity_sha256 = Some(offset);
                    // After MESSAGE-INTEGRITY the protected part has already ended: whatever
                    // sits between the two is ignored (RFC 8489 §14.5).
                    message.protected_end = message.protected_end.min(next);
                }
                AttributeType::FINGERPRINT => {
                    if len != 4 {
                        return Err(bad_len);
                    }
                    message.fingerprint = Some(offset);
                }
                // Only protected attributes (before any MESSAGE-INTEGRITY*) and only the first of
                // a type (RFC 8489 §14) are indexed.
                other if !message.has_integrity() => {
                    if let Some(slot) = indexed_slot(other).and_then(|i| message.index.get_mut(i))
                        && *slot == 0
                    {
                        // offset <= 20 + 65535, so offset / 4 fits in a u16.
                        *slot = u16::try_from(offset / 4).unwrap_or(0);
                    }
                }
                _ => {}
            }
            offset = next;
        }
        Ok(message)
    }

    /// The whole message.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    fn message_type(&self) -> u16 {
        match self.bytes.first_chunk::<2>() {
            Some(t) => u16::from_be_bytes(*t),
            None => 0,
        }
    }

    /// Request, indication, success or error response.
    pub fn class(&self) -> Class {
        split_message_type(self.message_type()).0
    }

    /// The method (Binding, Allocate, ...).
    pub fn method(&self) -> Method {
        split_message_type(self.message_type()).1
    }

    /// The transaction id.
    pub fn transaction_id(&self) -> TransactionId {
        let mut id = [0u8; 12];
        if let Some(bytes) = self.bytes.get(8..HEADER_LEN) {
            id.copy_from_slice(bytes);
        }
        TransactionId(id)
    }

    /// The attributes in order, skipping those RFC 8489 §14.5-§14.6 says to ignore.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            bytes: self.bytes,
            offset: HEADER_LEN,
            protected_end: self.protected_end,
            integrity_sha256: self.integrity_sha256,
            fingerprint: self.fingerprint,
        }
    }

    /// The attributes, decoded. A malformed value yields an `Err` for that attribute only.
    pub fn typed_attributes(&self) -> impl Iterator<Item = Result<Attribute<'a>, Error>> + 'a {
        let id = self.transaction_id();
        self.attributes()
            .map(move |raw| Attribute::decode(raw.attribute_type, raw.value, &id))
    }

    /// The first attribute of a type (RFC 8489 §14: only the first occurrence matters).
    ///
    /// O(1) for the types with a typed getter (USERNAME, REALM, NONCE, ERROR-CODE,
    /// XOR-MAPPED-ADDRESS and the ICE attributes), which [`Message::parse`] indexes; a walk of
    /// the attributes for the others.
    pub fn get(&self, attribute_type: AttributeType) -> Option<RawAttribute<'a>> {
        if let Some(slot) = indexed_slot(attribute_type) {
            let offset = usize::from(*self.index.get(slot)?) * 4;
            if offset == 0 {
                return None;
            }
            let (attribute_type, start, end) = attribute_at(self.bytes, offset)?;
            return Some(RawAttribute {
                attribute_type,
                value: self.bytes.get(start..end)?,
            });
        }
        self.attributes()
            .find(|a| a.attribute_type == attribute_type)
    }

    /// The first attribute of a type, decoded.
    pub fn decode(&self, attribute_type: AttributeType) -> Option<Result<Attribute<'a>, Error>> {
        let raw = self.get(attribute_type)?;
        Some(Attribute::decode(
            raw.attribute_type,
            raw.value,
            &self.transaction_id(),
        ))
    }

    /// Decodes the first attribute of a type and projects it with `f`.
    fn typed<T>(
        &self,
        attribute_type: AttributeType,
        f: impl FnOnce(Attribute<'a>) -> Option<T>,
    ) -> Option<Result<T, Error>> {
        self.decode(attribute_type).and_then(|r| match r {
            Ok(attribute) => f(attribute).map(Ok),
            Err(e) => Some(Err(e)),
        })
    }

    /// Comprehension-required attribute types (0x0000-0x7FFF) this crate does not know: a server
    /// answers a request carrying any with 420 and UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1).
    pub fn unknown_comprehension_required(&self) -> impl Iterator<Item = AttributeType> + 'a {
        self.attributes()
            .map(|a| a.attribute_type)
            .filter(|t| t.is_comprehension_required() && !t.is_known())
    }

    /// USERNAME.
    pub fn username(&self) -> Option<Result<&'a str, Error>> {
        self.typed(AttributeType::USERNAME, |a| match a {
            Attribute::Username(s) => Some(s),
            _ => None,
        })
    }

    /// REALM.
    pub fn realm(&self) -> Option<Result<&'a str, Error>> {
        self.typed(AttributeType::REALM, |a| match a {
            Attribute::Realm(s) => Some(s),
            _ => None,
        })
    }

    /// NONCE.
    pub fn nonce(&self) -> Option<Result<&'a str, Error>> {
        self.typed(AttributeType::NONCE, |a| match a {
            Attribute::Nonce(s) => Some(s),
            _ => None,
        })
    }

    /// ERROR-CODE.
    pub fn error_code(&self) -> Option<Result<ErrorCode<'a>, Error>> {
        self.typed(AttributeType::ERROR_CODE, |a| match a {
            Attribute::ErrorCode(e) => Some(e),
            _ => None,
        })
    }

    /// XOR-MAPPED-ADDRESS, un-XORed.
    pub fn xor_mapped_address(&self) -> Option<Result<SocketAddr, Error>> {
        self.typed(AttributeType::XOR_MAPPED_ADDRESS, |a| match a {
            Attribute::XorMappedAddress(addr) => Some(addr),
            _ => None,
        })
    }

    /// PRIORITY (RFC 8445 §7.1.1).
    pub fn priority(&self) -> Option<Result<u32, Error>> {
        self.typed(AttributeType::PRIORITY, |a| match a {
            Attribute::Priority(p) => Some(p),
            _ => None,
        })
    }

    /// Whether USE-CANDIDATE is present (RFC 8445 §7.1.2).
    pub fn use_candidate(&self) -> bool {
        self.get(AttributeType::USE_CANDIDATE).is_some()
    }

    /// The ICE-CONTROLLING tie-breaker (RFC 8445 §7.1.3).
    pub fn ice_controlling(&self) -> Option<Result<u64, Error>> {
        self.typed(AttributeType::ICE_CONTROLLING, |a| match a {
            Attribute::IceControlling(t) => Some(t),
            _ => None,
        })
    }

    /// The ICE-CONTROLLED tie-breaker (RFC 8445 §7.1.3).
    pub fn ice_controlled(&self) -> Option<Result<u64, Error>> {
        self.typed(AttributeType::ICE_CONTROLLED, |a| match a {
            Attribute::IceControlled(t) => Some(t),
            _ => None,
        })
    }

    /// Whether the message carries MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256.
    pub const fn has_integrity(&self) -> bool {
        self.integrity.is_some() || self.integrity_sha256.is_some()
    }

    /// Whether the message carries FINGERPRINT.
    pub const fn has_fingerprint(&self) -> bool {
        self.fingerprint.is_some()
    }

    /// Verifies the strongest integrity attribute present: MESSAGE-INTEGRITY-SHA256 if there is
    /// one, else MESSAGE-INTEGRITY (RFC 8489 §9.1.3, §9.2.4). Constant-time comparison; no
    /// allocation.
    pub fn verify_integrity(&self, key: &IntegrityKey) -> Result<(), Error> {
        if self.integrity_sha256.is_some() {
            self.verify_message_integrity_sha256(key)
        } else {
            self.verify_message_integrity(key)
        }
    }

    /// Verifies MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5).
    pub fn verify_message_integrity(&self, key: &IntegrityKey) -> Result<(), Error> {
        let offset = self.integrity.ok_or(Error::MissingIntegrity)?;
        integrity::verify_sha1(key, self.bytes, offset)
    }

    /// Verifies MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated, RFC 8489 §14.6).
    pub fn verify_message_integrity_sha256(&self, key: &IntegrityKey) -> Result<(), Error> {
        let offset = self.integrity_sha256.ok_or(Error::MissingIntegrity)?;
        integrity::verify_sha256(key, self.bytes, offset)
    }

    /// Verifies FINGERPRINT (RFC 8489 §14.7).
    pub fn verify_fingerprint(&self) -> Result<(), Error> {
        let offset = self.fingerprint.ok_or(Error::MissingFingerprint)?;
        integrity::verify_fingerprint(self.bytes, offset)
    }
}

/// Iterator over a message's attributes; see [`Message::attributes`].
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    bytes: &'a [u8],
    offset: usize,
    protected_end: usize,
    integrity_sha256: Option<usize>,
    fingerprint: Option<usize>,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = RawAttribute<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let offset = self.offset;
            let (attribute_type, start, end) = attribute_at(self.bytes, offset)?;
            let value = self.bytes.get(start..end)?;
            self.offset = start + padded(value.len());
            let ignored = offset >= self.protected_end
                && Some(offset) != self.integrity_sha256
                && Some(offset) != self.fingerprint;
            if !ignored {
                return Some(RawAttribute {
                    attribute_type,
                    value,
                });
            }
        }
    }
}

/// Where a builder stands in the attribute order rules of RFC 8489 §14.5-§14.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Attributes,
    AfterIntegrity,
    AfterIntegritySha256,
    AfterFingerprint,
}

/// Writes one STUN message into a caller-supplied `Vec<u8>`.
///
/// The buffer is cleared first and holds a complete, valid message after every successful call
/// (the header length is kept up to date), so a caller can stop at any point. Attribute order is
/// enforced: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, after
/// MESSAGE-INTEGRITY-SHA256 only FINGERPRINT, after FINGERPRINT nothing. A failed call leaves
/// the buffer as it was before the call.
///
/// ```
/// use sansrtc_stun::{Attribute, Class, IntegrityKey, MessageBuilder, Method, TransactionId};
///
/// let key = IntegrityKey::short_term("password");
/// let mut buf = Vec::new();
/// let mut b = MessageBuilder::new(&mut buf, Class::Request, Method::BINDING, TransactionId::new([7; 12]));
/// b.add(&Attribute::Username("remote:local"))?;
/// b.add(&Attribute::Priority(0x6e0001ff))?;
/// b.add_message_integrity(&key)?;
/// b.add_fingerprint()?;
/// assert_eq!(b.finish(), 20 + 16 + 8 + 24 + 8);
/// # Ok::<(), sansrtc_stun::Error>(())
/// ```
#[derive(Debug)]
pub struct MessageBuilder<'b> {
    out: &'b mut Vec<u8>,
    transaction_id: TransactionId,
    padding: u8,
    stage: Stage,
}

impl<'b> MessageBuilder<'b> {
    /// Clears `out` and writes the header of an empty message.
    pub fn new(
        out: &'b mut Vec<u8>,
        class: Class,
        method: Method,
        transaction_id: TransactionId,
    ) -> Self {
        out.clear();
        out.extend_from_slice(&message_type(class, method).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(transaction_id.as_bytes());
        Self {
            out,
            transaction_id,
            padding: 0,
            stage: Stage::Attributes,
        }
    }

    /// The byte used to pad attribute values to 4 bytes (default 0; RFC 8489 §14 lets it be
    /// anything, and the RFC 5769 vectors use 0x20).
    #[must_use]
    pub fn padding(mut self, byte: u8) -> Self {
        self.padding = byte;
        self
    }

    /// The transaction id in the header.
    pub const fn transaction_id(&self) -> TransactionId {
        self.transaction_id
    }

    /// Appends a typed attribute. MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
    /// are refused: they have dedicated methods.
    pub fn add(&mut self, attribute: &Attribute<'_>) -> Result<(), Error> {
        let attribute_type = attribute.attribute_type();
        self.check_order(attribute_type, Stage::Attributes)?;
        let (id, padding) = (self.transaction_id, self.padding);
        self.append(attribute_type, |out| {
            attribute.encode_value(out, &id, padding)
        })
    }

    /// Appends an attribute with a raw value (for types this crate does not know).
    pub fn add_raw(&mut self, attribute_type: AttributeType, value: &[u8]) -> Result<(), Error> {
        if matches!(
            attribute_type,
            AttributeType::MESSAGE_INTEGRITY
                | AttributeType::MESSAGE_INTEGRITY_SHA256
                | AttributeType::FINGERPRINT
        ) {
            return Err(Error::ComputedAttribute(attribute_type));
        }
        self.check_order(attribute_type, Stage::Attributes)?;
        self.append(attribute_type, |out| {
            out.extend_from_slice(value);
            Ok(())
        })
    }

    /// Appends MESSAGE-INTEGRITY: HMAC-SHA1 with `key` over the message so far, with the header
    /// length counting this attribute (RFC 8489 §14.5).
    pub fn add_message_integrity(&mut self, key: &IntegrityKey) -> Result<(), Error> {
        let attribute_type = AttributeType::MESSAGE_INTEGRITY;
        self.check_order(attribute_type, Stage::Attributes)?;
        self.append(attribute_type, |out| {
            let offset = out.len() - ATTRIBUTE_HEADER_LEN;
            let mac = integrity::sha1(key, out, offset);
            out.extend_from_slice(&mac);
            Ok(())
        })?;
        self.stage = Stage::AfterIntegrity;
        Ok(())
    }

    /// Appends the full 32-byte MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6).
    pub fn add_message_integrity_sha256(&mut self, key: &IntegrityKey) -> Result<(), Error> {
        self.add_message_integrity_sha256_truncated(key, integrity::SHA256_LEN)
    }

    /// Appends MESSAGE-INTEGRITY-SHA256 truncated to `len` bytes (16..=32, a multiple of 4).
    pub fn add_message_integrity_sha256_truncated(
        &mut self,
        key: &IntegrityKey,
        len: usize,
    ) -> Result<(), Error> {
        let attribute_type = AttributeType::MESSAGE_INTEGRITY_SHA256;
        check_truncation(len)?;
        self.check_order(attribute_type, Stage::AfterIntegrity)?;
        self.append(attribute_type, |out| {
            let offset = out.len() - ATTRIBUTE_HEADER_LEN;
            let mac = integrity::sha256(key, out, offset, len);
            out.extend(mac.iter().take(len));
            Ok(())
        })?;
        self.stage = Stage::AfterIntegritySha256;
        Ok(())
    }

    /// Appends FINGERPRINT, which must be the last attribute (RFC 8489 §14.7).
    pub fn add_fingerprint(&mut self) -> Result<(), Error> {
        let attribute_type = AttributeType::FINGERPRINT;
        self.check_order(attribute_type, Stage::AfterIntegritySha256)?;
        self.append(attribute_type, |out| {
            let offset = out.len() - ATTRIBUTE_HEADER_LEN;
            // The CRC covers the header with its final length: patch it before hashing.
            set_length(out, offset + ATTRIBUTE_HEADER_LEN + 4);
            let crc = integrity::fingerprint(out.get(..offset).unwrap_or_default());
            out.extend_from_slice(&crc.to_be_bytes());
            Ok(())
        })?;
        self.stage = Stage::AfterFingerprint;
        Ok(())
    }

    /// Length of the finished message; the message is `out[..len]`.
    pub fn finish(self) -> usize {
        self.out.len()
    }

    /// Refuses an attribute that may not come at this point; `latest` is the last stage at which
    /// it may still be added.
    fn check_order(&self, attribute_type: AttributeType, latest: Stage) -> Result<(), Error> {
        match self.stage {
            Stage::AfterFingerprint => Err(Error::AttributeAfterFingerprint(attribute_type)),
            stage if stage > latest => Err(Error::AttributeAfterIntegrity(attribute_type)),
            _ => Ok(()),
        }
    }

    /// Writes an attribute header, lets `value` write the value, then patches the value length,
    /// pads, and updates the message length. Rolls back on error.
    fn append(
        &mut self,
        attribute_type: AttributeType,
        value: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let start = self.out.len();
        self.out.extend_from_slice(&attribute_type.0.to_be_bytes());
        self.out.extend_from_slice(&[0, 0]);
        let result = value(self.out).and_then(|()| {
            let len = self.out.len() - start - ATTRIBUTE_HEADER_LEN;
            let wire_len = u16::try_from(len).map_err(|_| Error::TooLong(attribute_type))?;
            if u16::try_from(start + ATTRIBUTE_HEADER_LEN + padded(len) - HEADER_LEN).is_err() {
                return Err(Error::TooLong(attribute_type));
            }
            if let Some(field) = self.out.get_mut(start + 2..start + ATTRIBUTE_HEADER_LEN) {
                field.copy_from_slice(&wire_len.to_be_bytes());
            }
            pad(self.out, len, self.padding);
            Ok(())
        });
        match result {
            Ok(()) => {
                let total = self.out.len();
                set_length(self.out, total);
                Ok(())
            }
            Err(e) => {
                self.out.truncate(start);
                set_length(self.out, start);
                Err(e)
            }
        }
    }
}

/// Sets the header's length field for a message whose total size is `total`.
fn set_length(out: &mut [u8], total: usize) {
    let len = u16::try_from(total.saturating_sub(HEADER_LEN)).unwrap_or(u16::MAX);
    if let Some(field) = out.get_mut(2..4) {
        field.copy_from_slice(&len.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8489_5_message_type_bits() {
        // Binding request 0x0001, success 0x0101, error 0x0111, indication 0x0011.
        assert_eq!(message_type(Class::Request, Method::BINDING), 0x0001);
        assert_eq!(
            message_type(Class::SuccessResponse, Method::BINDING),
            0x0101
        );
        assert_eq!(message_type(Class::ErrorResponse, Method::BINDING), 0x0111);
        assert_eq!(message_type(Class::Indication, Method::BINDING), 0x0011);
        // RFC 8656: Allocate request 0x0003, Data indication 0x0017.
        assert_eq!(message_type(Class::Request, Method::ALLOCATE), 0x0003);
        assert_eq!(message_type(Class::Indication, Method::DATA), 0x0017);
        for m in 0..=0x0FFF {
            for c in [
                Class::Request,
                Class::Indication,
                Class::SuccessResponse,
                Class::ErrorResponse,
            ] {
                let t = message_type(c, Method(m));
                assert_eq!(t & 0xC000, 0);
                assert_eq!(split_message_type(t), (c, Method(m)));
            }
        }
    }
}
