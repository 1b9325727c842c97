//! Attributes (RFC 8489 §14, RFC 8445 §16.1, RFC 8656 §18): types, typed values, and their wire
//! format.
//!
//! [`Attribute`] is a borrowed, typed view of one attribute value: decoding never copies, and
//! encoding writes straight into the message buffer.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::Error;
use crate::message::{MAGIC_COOKIE, TransactionId};

/// A 16-bit attribute type (RFC 8489 §14, §18.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributeType(pub u16);

impl AttributeType {
    // RFC 8489 §18.3.1 (comprehension-required) and §18.3.2 (comprehension-optional).
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    pub const MAPPED_ADDRESS: Self = Self(0x0001);
    /// USERNAME (RFC 8489 §14.3).
    pub const USERNAME: Self = Self(0x0006);
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5).
    pub const MESSAGE_INTEGRITY: Self = Self(0x0008);
    /// ERROR-CODE (RFC 8489 §14.8).
    pub const ERROR_CODE: Self = Self(0x0009);
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).
    pub const UNKNOWN_ATTRIBUTES: Self = Self(0x000A);
    /// REALM (RFC 8489 §14.9).
    pub const REALM: Self = Self(0x0014);
    /// NONCE (RFC 8489 §14.10).
    pub const NONCE: Self = Self(0x0015);
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6).
    pub const MESSAGE_INTEGRITY_SHA256: Self = Self(0x001C);
    /// PASSWORD-ALGORITHM (RFC 8489 §14.12).
    pub const PASSWORD_ALGORITHM: Self = Self(0x001D);
    /// USERHASH (RFC 8489 §14.4).
    pub const USERHASH: Self = Self(0x001E);
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
    pub const XOR_MAPPED_ADDRESS: Self = Self(0x0020);
    /// PASSWORD-ALGORITHMS (RFC 8489 §14.11).
    pub const PASSWORD_ALGORITHMS: Self = Self(0x8002);
    /// ALTERNATE-DOMAIN (RFC 8489 §14.16).
    pub const ALTERNATE_DOMAIN: Self = Self(0x8003);
    /// SOFTWARE (RFC 8489 §14.14).
    pub const SOFTWARE: Self = Self(0x8022);
    /// ALTERNATE-SERVER (RFC 8489 §14.15).
    pub const ALTERNATE_SERVER: Self = Self(0x8023);
    /// FINGERPRINT (RFC 8489 §14.7).
    pub const FINGERPRINT: Self = Self(0x8028);

    // RFC 8445 §16.1.
    /// PRIORITY (RFC 8445 §16.1).
    pub const PRIORITY: Self = Self(0x0024);
    /// USE-CANDIDATE (RFC 8445 §16.1).
    pub const USE_CANDIDATE: Self = Self(0x0025);
    /// ICE-CONTROLLED (RFC 8445 §16.1).
    pub const ICE_CONTROLLED: Self = Self(0x8029);
    /// ICE-CONTROLLING (RFC 8445 §16.1).
    pub const ICE_CONTROLLING: Self = Self(0x802A);

    // RFC 8656 §18.
    /// CHANNEL-NUMBER (RFC 8656 §18.1).
    pub const CHANNEL_NUMBER: Self = Self(0x000C);
    /// LIFETIME (RFC 8656 §18.2).
    pub const LIFETIME: Self = Self(0x000D);
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3).
    pub const XOR_PEER_ADDRESS: Self = Self(0x0012);
    /// DATA (RFC 8656 §18.4).
    pub const DATA: Self = Self(0x0013);
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
    pub const XOR_RELAYED_ADDRESS: Self = Self(0x0016);
    /// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).
    pub const REQUESTED_ADDRESS_FAMILY: Self = Self(0x0017);
    /// EVEN-PORT (RFC 8656 §18.7).
    pub const EVEN_PORT: Self = Self(0x0018);
    /// REQUESTED-TRANSPORT (RFC 8656 §18.8).
    pub const REQUESTED_TRANSPORT: Self = Self(0x0019);
    /// DONT-FRAGMENT (RFC 8656 §18.9).
    pub const DONT_FRAGMENT: Self = Self(0x001A);
    /// RESERVATION-TOKEN (RFC 8656 §18.10).
    pub const RESERVATION_TOKEN: Self = Self(0x0022);

    /// Types 0x0000-0x7FFF are comprehension-required: a receiver that does not understand one
    /// must reject the request with 420 (Unknown Attribute) (RFC 8489 §14).
    pub const fn is_comprehension_required(self) -> bool {
        self.0 < 0x8000
    }

    /// Whether this crate decodes this type into a typed [`Attribute`].
    pub const fn is_known(self) -> bool {
        matches!(
            self.0,
            0x0001
                | 0x0006
                | 0x0008
                | 0x0009
                | 0x000A
                | 0x000C
                | 0x000D
                | 0x0012
                | 0x0013
                | 0x0014
                | 0x0015
                | 0x0016
                | 0x0017
                | 0x0018
                | 0x0019
                | 0x001A
                | 0x001C
                | 0x001D
                | 0x001E
                | 0x0020
                | 0x0022
                | 0x0024
                | 0x0025
                | 0x8002
                | 0x8003
                | 0x8022
                | 0x8023
                | 0x8028
                | 0x8029
                | 0x802A
        )
    }

    /// The RFC name of a known type.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0001 => "MAPPED-ADDRESS",
            0x0006 => "USERNAME",
            0x0008 => "MESSAGE-INTEGRITY",
            0x0009 => "ERROR-CODE",
            0x000A => "UNKNOWN-ATTRIBUTES",
            0x000C => "CHANNEL-NUMBER",
            0x000D => "LIFETIME",
            0x0012 => "XOR-PEER-ADDRESS",
            0x0013 => "DATA",
            0x0014 => "REALM",
            0x0015 => "NONCE",
            0x0016 => "XOR-RELAYED-ADDRESS",
            0x0017 => "REQUESTED-ADDRESS-FAMILY",
            0x0018 => "EVEN-PORT",
            0x0019 => "REQUESTED-TRANSPORT",
            0x001A => "DONT-FRAGMENT",
            0x001C => "MESSAGE-INTEGRITY-SHA256",
            0x001D => "PASSWORD-ALGORITHM",
            0x001E => "USERHASH",
            0x0020 => "XOR-MAPPED-ADDRESS",
            0x0022 => "RESERVATION-TOKEN",
            0x0024 => "PRIORITY",
            0x0025 => "USE-CANDIDATE",
            0x8002 => "PASSWORD-ALGORITHMS",
            0x8003 => "ALTERNATE-DOMAIN",
            0x8022 => "SOFTWARE",
            0x8023 => "ALTERNATE-SERVER",
            0x8028 => "FINGERPRINT",
            0x8029 => "ICE-CONTROLLED",
            0x802A => "ICE-CONTROLLING",
            _ => return None,
        })
    }
}

impl fmt::Debug for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#06x}", self.0),
        }
    }
}

/// The bounds RFC 8489 puts on text attributes. Encoding follows the RFC 8489 limits; decoding
/// accepts the longer values RFC 5389 allowed, as RFC 8489 requires for compatibility.
mod limit {
    /// USERNAME: "MUST contain a UTF-8-encoded sequence of fewer than 509 bytes" (RFC 8489
    /// §14.3).
    pub const USERNAME_ENCODE: usize = 508;
    /// REALM, NONCE, SOFTWARE and the ERROR-CODE reason phrase: "fewer than 128 characters"
    /// (RFC 8489 §14.8-§14.10, §14.14). 127 characters are at most 508 bytes of UTF-8, within the
    /// 509 bytes the RFC allows when encoding.
    pub const TEXT_ENCODE_CHARS: usize = 127;
    /// USERNAME, REALM, NONCE, SOFTWARE, reason phrase: "MUST be able to parse ... 763 or fewer
    /// octets to be compatible with RFC 5389" (RFC 8489 §14.3, §14.8-§14.10, §14.14).
    pub const TEXT_DECODE: usize = 763;
    /// ALTERNATE-DOMAIN: a DNS name, at most 255 bytes (RFC 8489 §14.16).
    pub const DOMAIN: usize = 255;
}

/// An IP address family as carried by address attributes and REQUESTED-ADDRESS-FAMILY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// 0x01.
    V4,
    /// 0x02.
    V6,
}

impl AddressFamily {
    fn from_wire(byte: u8) -> Result<Self, Error> {
        match byte {
            0x01 => Ok(Self::V4),
            0x02 => Ok(Self::V6),
            other => Err(Error::InvalidAddressFamily(other)),
        }
    }

    const fn to_wire(self) -> u8 {
        match self {
            Self::V4 => 0x01,
            Self::V6 => 0x02,
        }
    }
}

/// ERROR-CODE (RFC 8489 §14.8): a code in 300..=699 and a reason phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode<'a> {
    /// 300..=699, class * 100 + number.
    pub code: u16,
    /// UTF-8 reason phrase, fewer than 128 characters.
    pub reason: &'a str,
}

impl ErrorCode<'static> {
    /// 300 Try Alternate.
    pub const TRY_ALTERNATE: Self = Self::new(300, "Try Alternate");
    /// 400 Bad Request.
    pub const BAD_REQUEST: Self = Self::new(400, "Bad Request");
    /// 401 Unauthenticated.
    pub const UNAUTHENTICATED: Self = Self::new(401, "Unauthenticated");
    /// 420 Unknown Attribute.
    pub const UNKNOWN_ATTRIBUTE: Self = Self::new(420, "Unknown Attribute");
    /// 438 Stale Nonce.
    pub const STALE_NONCE: Self = Self::new(438, "Stale Nonce");
    /// 487 Role Conflict (RFC 8445 §7.3.1.1).
    pub const ROLE_CONFLICT: Self = Self::new(487, "Role Conflict");
    /// 500 Server Error.
    pub const SERVER_ERROR: Self = Self::new(500, "Server Error");
}

impl<'a> ErrorCode<'a> {
    /// An error code with its reason phrase.
    pub const fn new(code: u16, reason: &'a str) -> Self {
        Self { code, reason }
    }
}

/// One algorithm of PASSWORD-ALGORITHM / PASSWORD-ALGORITHMS (RFC 8489 §14.11, §14.12, §18.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordAlgorithm<'a> {
    /// 0x0001 MD5, 0x0002 SHA-256.
    pub algorithm: u16,
    /// Algorithm parameters (empty for MD5 and SHA-256).
    pub parameters: &'a [u8],
}

impl PasswordAlgorithm<'static> {
    /// MD5 (RFC 8489 §18.5.1.1).
    pub const MD5: Self = Self {
        algorithm: 0x0001,
        parameters: &[],
    };
    /// SHA-256 (RFC 8489 §18.5.1.2).
    pub const SHA256: Self = Self {
        algorithm: 0x0002,
        parameters: &[],
    };
}

impl<'a> PasswordAlgorithm<'a> {
    /// Reads one algorithm-length-parameters entry, returning it and the bytes after its padding.
    fn read(input: &'a [u8]) -> Result<(Self, &'a [u8]), Error> {
        let bad = Error::InvalidAttributeLength {
            attribute: AttributeType::PASSWORD_ALGORITHMS,
            len: input.len(),
        };
        let (head, rest) = input.split_first_chunk::<4>().ok_or(bad)?;
        let [a0, a1, l0, l1] = *head;
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let parameters = rest.get(..len).ok_or(bad)?;
        let rest = rest.get(padded(len)..).ok_or(bad)?;
        Ok((
            Self {
                algorithm: u16::from_be_bytes([a0, a1]),
                parameters,
            },
            rest,
        ))
    }

    fn write(&self, out: &mut Vec<u8>, padding: u8) -> Result<(), Error> {
        let len = u16::try_from(self.parameters.len())
            .map_err(|_| Error::TooLong(AttributeType::PASSWORD_ALGORITHMS))?;
        out.extend_from_slice(&self.algorithm.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(self.parameters);
        pad(out, self.parameters.len(), padding);
        Ok(())
    }
}

/// The list in PASSWORD-ALGORITHMS: either still on the wire (decoded lazily by
/// [`iter`](Self::iter)) or given as a slice to encode.
#[derive(Debug, Clone, Copy)]
pub enum PasswordAlgorithms<'a> {
    /// Validated wire bytes of the attribute value.
    Wire(&'a [u8]),
    /// A list to encode.
    List(&'a [PasswordAlgorithm<'a>]),
}

impl<'a> PasswordAlgorithms<'a> {
    /// The algorithms in order.
    pub fn iter(&self) -> impl Iterator<Item = PasswordAlgorithm<'a>> + 'a {
        let (mut wire, list): (&'a [u8], &'a [PasswordAlgorithm<'a>]) = match *self {
            Self::Wire(bytes) => (bytes, &[]),
            Self::List(list) => (&[], list),
        };
        let from_wire = std::iter::from_fn(move || {
            let (algorithm, rest) = PasswordAlgorithm::read(wire).ok()?;
            wire = rest;
            Some(algorithm)
        });
        from_wire.chain(list.iter().copied())
    }
}

impl PartialEq for PasswordAlgorithms<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for PasswordAlgorithms<'_> {}

/// The list in UNKNOWN-ATTRIBUTES: wire bytes or a slice to encode.
#[derive(Debug, Clone, Copy)]
pub enum AttributeTypes<'a> {
    /// Validated wire bytes (an even number of them).
    Wire(&'a [u8]),
    /// A list to encode.
    List(&'a [AttributeType]),
}

impl<'a> AttributeTypes<'a> {
    /// The attribute types in order.
    pub fn iter(&self) -> impl Iterator<Item = AttributeType> + 'a {
        let (wire, list): (&'a [u8], &'a [AttributeType]) = match *self {
            Self::Wire(bytes) => (bytes, &[]),
            Self::List(list) => (&[], list),
        };
        wire.chunks_exact(2)
            .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
            .map(|pair| AttributeType(u16::from_be_bytes(pair)))
            .chain(list.iter().copied())
    }
}

impl PartialEq for AttributeTypes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for AttributeTypes<'_> {}

/// One attribute, decoded into its typed value. Borrowed from the datagram: no copies.
///
/// Address attributes hold the plain (already un-XORed) [`SocketAddr`]; the XOR is applied by
/// [`Attribute::decode`] and [`MessageBuilder::add`](crate::MessageBuilder::add).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attribute<'a> {
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    MappedAddress(SocketAddr),
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
    XorMappedAddress(SocketAddr),
    /// USERNAME (RFC 8489 §14.3).
    Username(&'a str),
    /// USERHASH (RFC 8489 §14.4).
    Userhash(&'a [u8; 32]),
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5): the HMAC-SHA1 as carried.
    MessageIntegrity(&'a [u8; 20]),
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): the (possibly truncated) HMAC-SHA256.
    MessageIntegritySha256(&'a [u8]),
    /// FINGERPRINT (RFC 8489 §14.7): the CRC-32 XOR 0x5354554e as carried.
    Fingerprint(u32),
    /// ERROR-CODE (RFC 8489 §14.8).
    ErrorCode(ErrorCode<'a>),
    /// REALM (RFC 8489 §14.9).
    Realm(&'a str),
    /// NONCE (RFC 8489 §14.10).
    Nonce(&'a str),
    /// PASSWORD-ALGORITHMS (RFC 8489 §14.11).
    PasswordAlgorithms(PasswordAlgorithms<'a>),
    /// PASSWORD-ALGORITHM (RFC 8489 §14.12).
    PasswordAlgorithm(PasswordAlgorithm<'a>),
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).
    UnknownAttributes(AttributeTypes<'a>),
    /// SOFTWARE (RFC 8489 §14.14).
    Software(&'a str),
    /// ALTERNATE-SERVER (RFC 8489 §14.15).
    AlternateServer(SocketAddr),
    /// ALTERNATE-DOMAIN (RFC 8489 §14.16).
    AlternateDomain(&'a str),

    /// PRIORITY (RFC 8445 §7.1.1).
    Priority(u32),
    /// USE-CANDIDATE (RFC 8445 §7.1.2).
    UseCandidate,
    /// ICE-CONTROLLED with its tie-breaker (RFC 8445 §7.1.3).
    IceControlled(u64),
    /// ICE-CONTROLLING with its tie-breaker (RFC 8445 §7.1.3).
    IceControlling(u64),

    /// CHANNEL-NUMBER (RFC 8656 §18.1).
    ChannelNumber(u16),
    /// LIFETIME in seconds (RFC 8656 §18.2).
    Lifetime(u32),
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3).
    XorPeerAddress(SocketAddr),
    /// DATA (RFC 8656 §18.4).
    Data(&'a [u8]),
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
    XorRelayedAddress(SocketAddr),
    /// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).
    RequestedAddressFamily(AddressFamily),
    /// EVEN-PORT: whether the R bit (reserve the next port) is set (RFC 8656 §18.7).
    EvenPort(bool),
    /// REQUESTED-TRANSPORT: the IANA protocol number, 17 for UDP (RFC 8656 §18.8).
    RequestedTransport(u8),
    /// DONT-FRAGMENT (RFC 8656 §18.9).
    DontFragment,
    /// RESERVATION-TOKEN (RFC 8656 §18.10).
    ReservationToken(&'a [u8; 8]),

    /// Any other type, undecoded.
    Other(AttributeType, &'a [u8]),
}

impl<'a> Attribute<'a> {
    /// The attribute's type.
    pub fn attribute_type(&self) -> AttributeType {
        use AttributeType as T;
        match self {
            Self::MappedAddress(_) => T::MAPPED_ADDRESS,
            Self::XorMappedAddress(_) => T::XOR_MAPPED_ADDRESS,
            Self::Username(_) => T::USERNAME,
            Self::Userhash(_) => T::USERHASH,
            Self::MessageIntegrity(_) => T::MESSAGE_INTEGRITY,
            Self::MessageIntegritySha256(_) => T::MESSAGE_INTEGRITY_SHA256,
            Self::Fingerprint(_) => T::FINGERPRINT,
            Self::ErrorCode(_) => T::ERROR_CODE,
            Self::Realm(_) => T::REALM,
            Self::Nonce(_) => T::NONCE,
            Self::PasswordAlgorithms(_) => T::PASSWORD_ALGORITHMS,
            Self::PasswordAlgorithm(_) => T::PASSWORD_ALGORITHM,
            Self::UnknownAttributes(_) => T::UNKNOWN_ATTRIBUTES,
            Self::Software(_) => T::SOFTWARE,
            Self::AlternateServer(_) => T::ALTERNATE_SERVER,
            Self::AlternateDomain(_) => T::ALTERNATE_DOMAIN,
            Self::Priority(_) => T::PRIORITY,
            Self::UseCandidate => T::USE_CANDIDATE,
            Self::IceControlled(_) => T::ICE_CONTROLLED,
            Self::IceControlling(_) => T::ICE_CONTROLLING,
            Self::ChannelNumber(_) => T::CHANNEL_NUMBER,
            Self::Lifetime(_) => T::LIFETIME,
            Self::XorPeerAddress(_) => T::XOR_PEER_ADDRESS,
            Self::Data(_) => T::DATA,
            Self::XorRelayedAddress(_) => T::XOR_RELAYED_ADDRESS,
            Self::RequestedAddressFamily(_) => T::REQUESTED_ADDRESS_FAMILY,
            Self::EvenPort(_) => T::EVEN_PORT,
            Self::RequestedTransport(_) => T::REQUESTED_TRANSPORT,
            Self::DontFragment => T::DONT_FRAGMENT,
            Self::ReservationToken(_) => T::RESERVATION_TOKEN,
            Self::Other(t, _) => *t,
        }
    }

    /// Decodes the value of an attribute of type `attribute`. The transaction id is needed by
    /// the XOR-*-ADDRESS attributes.
    pub fn decode(
        attribute: AttributeType,
        value: &'a [u8],
        transaction_id: &TransactionId,
    ) -> Result<Self, Error> {
        use AttributeType as T;
        let bad_len = Error::InvalidAttributeLength {
            attribute,
            len: value.len(),
        };
        let xor = |value| decode_address(attribute, value, Some(transaction_id));
        Ok(match attribute {
            T::MAPPED_ADDRESS => Self::MappedAddress(decode_address(attribute, value, None)?),
            T::ALTERNATE_SERVER => Self::AlternateServer(decode_address(attribute, value, None)?),
            T::XOR_MAPPED_ADDRESS => Self::XorMappedAddress(xor(value)?),
            T::XOR_PEER_ADDRESS => Self::XorPeerAddress(xor(value)?),
            T::XOR_RELAYED_ADDRESS => Self::XorRelayedAddress(xor(value)?),
            T::USERNAME => Self::Username(text(attribute, value, limit::TEXT_DECODE)?),
            T::REALM => Self::Realm(text(attribute, value, limit::TEXT_DECODE)?),
            T::NONCE => Self::Nonce(text(attribute, value, limit::TEXT_DECODE)?),
            T::SOFTWARE => Self::Software(text(attribute, value, limit::TEXT_DECODE)?),
            T::ALTERNATE_DOMAIN => Self::AlternateDomain(text(attribute, value, limit::DOMAIN)?),
            T::USERHASH => Self::Userhash(value.try_into().map_err(|_| bad_len)?),
            T::MESSAGE_INTEGRITY => Self::MessageIntegrity(value.try_into().map_err(|_| bad_len)?),
            T::MESSAGE_INTEGRITY_SHA256 => {
                check_truncation(value.len()).map_err(|_| bad_len)?;
                Self::MessageIntegritySha256(value)
            }
            T::FINGERPRINT => Self::Fingerprint(u32::from_be_bytes(exact(value, bad_len)?)),
            T::ERROR_CODE => {
                let (&[_, _, class, number], reason) =
                    value.split_first_chunk::<4>().ok_or(bad_len)?;
                let class = class & 0x07;
                let code = u16::from(class) * 100 + u16::from(number);
                if !(3..=6).contains(&class) || number > 99 {
                    return Err(Error::InvalidErrorCode(code));
                }
                Self::ErrorCode(ErrorCode {
                    code,
                    reason: text(attribute, reason, limit::TEXT_DECODE)?,
                })
            }
            T::PASSWORD_ALGORITHMS => {
                let mut rest = value;
                while !rest.is_empty() {
                    rest = PasswordAlgorithm::read(rest)?.1;
                }
                Self::PasswordAlgorithms(PasswordAlgorithms::Wire(value))
            }
            T::PASSWORD_ALGORITHM => {
                let (algorithm, rest) = PasswordAlgorithm::read(value).map_err(|_| bad_len)?;
                if !rest.is_empty() {
                    return Err(bad_len);
                }
                Self::PasswordAlgorithm(algorithm)
            }
            T::UNKNOWN_ATTRIBUTES => {
                if !value.len().is_multiple_of(2) {
                    return Err(bad_len);
                }
                Self::UnknownAttributes(AttributeTypes::Wire(value))
            }
            T::PRIORITY => Self::Priority(u32::from_be_bytes(exact(value, bad_len)?)),
            T::USE_CANDIDATE => empty(value, bad_len, Self::UseCandidate)?,
            T::ICE_CONTROLLED => Self::IceControlled(u64::from_be_bytes(exact(value, bad_len)?)),
            T::ICE_CONTROLLING => Self::IceControlling(u64::from_be_bytes(exact(value, bad_len)?)),
            T::CHANNEL_NUMBER => {
                let [n0, n1, _, _] = exact(value, bad_len)?;
                Self::ChannelNumber(u16::from_be_bytes([n0, n1]))
            }
            T::LIFETIME => Self::Lifetime(u32::from_be_bytes(exact(value, bad_len)?)),
            T::DATA => Self::Data(value),
            T::REQUESTED_ADDRESS_FAMILY => {
                let [family, _, _, _] = exact(value, bad_len)?;
                Self::RequestedAddressFamily(AddressFamily::from_wire(family)?)
            }
            T::EVEN_PORT => {
                let [flags] = exact(value, bad_len)?;
                Self::EvenPort(flags & 0x80 != 0)
            }
            T::REQUESTED_TRANSPORT => {
                let [protocol, _, _, _] = exact(value, bad_len)?;
                Self::RequestedTransport(protocol)
            }
            T::DONT_FRAGMENT => empty(value, bad_len, Self::DontFragment)?,
            T::RESERVATION_TOKEN => Self::ReservationToken(value.try_into().map_err(|_| bad_len)?),
            other => Self::Other(other, value),
        })
    }

    /// Appends the value (without header or padding) to `out`. Text lengths are checked against
    /// their RFC limits. `padding` fills the inner padding of PASSWORD-ALGORITHMS.
    pub(crate) fn encode_value(
        &self,
        out: &mut Vec<u8>,
        transaction_id: &TransactionId,
        padding: u8,
    ) -> Result<(), Error> {
        let attribute = self.attribute_type();
        let checked_text = |out: &mut Vec<u8>, s: &str, max: usize| {
            if s.len() > max {
                return Err(Error::AttributeLimit {
                    attribute,
                    len: s.len(),
                    max,
                });
            }
            out.extend_from_slice(s.as_bytes());
            Ok(())
        };
        let checked_chars = |out: &mut Vec<u8>, s: &str| {
            let chars = s.chars().count();
            if chars > limit::TEXT_ENCODE_CHARS {
                return Err(Error::AttributeLimit {
                    attribute,
                    len: chars,
                    max: limit::TEXT_ENCODE_CHARS,
                });
            }
            out.extend_from_slice(s.as_bytes());
            Ok(())
        };
        match *self {
            Self::MappedAddress(addr) | Self::AlternateServer(addr) => {
                encode_address(out, addr, None);
            }
            Self::XorMappedAddress(addr)
            | Self::XorPeerAddress(addr)
            | Self::XorRelayedAddress(addr) => encode_address(out, addr, Some(transaction_id)),
            Self::Username(s) => checked_text(out, s, limit::USERNAME_ENCODE)?,
            Self::Realm(s) | Self::Nonce(s) | Self::Software(s) => checked_chars(out, s)?,
            Self::AlternateDomain(s) => checked_text(out, s, limit::DOMAIN)?,
            Self::Userhash(hash) => out.extend_from_slice(hash),
            Self::MessageIntegrity(_) | Self::MessageIntegritySha256(_) | Self::Fingerprint(_) => {
                return Err(Error::ComputedAttribute(attribute));
            }
            Self::ErrorCode(ErrorCode { code, reason }) => {
                let (class, number) = (code / 100, code % 100);
                if !(3..=6).contains(&class) {
                    return Err(Error::InvalidErrorCode(code));
                }
                // class and number both fit in a byte once range-checked.
                out.extend_from_slice(&[0, 0, class as u8, number as u8]);
                checked_chars(out, reason)?;
            }
            Self::PasswordAlgorithms(list) => {
                for algorithm in list.iter() {
                    algorithm.write(out, padding)?;
                }
            }
            Self::PasswordAlgorithm(algorithm) => algorithm.write(out, padding)?,
            Self::UnknownAttributes(types) => {
                for t in types.iter() {
                    out.extend_from_slice(&t.0.to_be_bytes());
                }
            }
            Self::Priority(p) | Self::Lifetime(p) => out.extend_from_slice(&p.to_be_bytes()),
            Self::UseCandidate | Self::DontFragment => {}
            Self::IceControlled(t) | Self::IceControlling(t) => {
                out.extend_from_slice(&t.to_be_bytes());
            }
            Self::ChannelNumber(n) => {
                out.extend_from_slice(&n.to_be_bytes());
                out.extend_from_slice(&[0, 0]);
            }
            Self::Data(data) | Self::Other(_, data) => out.extend_from_slice(data),
            Self::RequestedAddressFamily(family) => {
                out.extend_from_slice(&[family.to_wire(), 0, 0, 0]);
            }
            Self::EvenPort(reserve) => out.push(if reserve { 0x80 } else { 0 }),
            Self::RequestedTransport(protocol) => out.extend_from_slice(&[protocol, 0, 0, 0]),
            Self::ReservationToken(token) => out.extend_from_slice(token),
        }
        Ok(())
    }
}

/// Bytes of padding after a value of `len` bytes, to the next multiple of 4.
pub(crate) const fn padding_len(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// `len` rounded up to a multiple of 4.
pub(crate) const fn padded(len: usize) -> usize {
    len + padding_len(len)
}

/// Pads `out` after a value of `len` bytes.
pub(crate) fn pad(out: &mut Vec<u8>, len: usize, byte: u8) {
    out.extend(std::iter::repeat_n(byte, padding_len(len)));
}

/// MESSAGE-INTEGRITY-SHA256 may be truncated to 16..=32 bytes in steps of 4 (RFC 8489 §14.6).
pub(crate) fn check_truncation(len: usize) -> Result<(), Error> {
    if (16..=32).contains(&len) && len.is_multiple_of(4) {
        Ok(())
    } else {
        Err(Error::InvalidTruncation(len))
    }
}

fn exact<const N: usize>(value: &[u8], err: Error) -> Result<[u8; N], Error> {
    value.try_into().map_err(|_| err)
}

fn empty<'a>(value: &[u8], err: Error, attribute: Attribute<'a>) -> Result<Attribute<'a>, Error> {
    if value.is_empty() {
        Ok(attribute)
    } else {
        Err(err)
    }
}

fn text(attribute: AttributeType, value: &[u8], max: usize) -> Result<&str, Error> {
    if value.len() > max {
        return Err(Error::AttributeLimit {
            attribute,
            len: value.len(),
            max,
        });
    }
    std::str::from_utf8(value).map_err(|_| Error::InvalidUtf8(attribute))
}

const COOKIE: [u8; 4] = MAGIC_COOKIE.to_be_bytes();

/// MAPPED-ADDRESS layout (RFC 8489 §14.1), XORed with the cookie and transaction id when
/// `xor` is given (RFC 8489 §14.2).
fn decode_address(
    attribute: AttributeType,
    value: &[u8],
    xor: Option<&TransactionId>,
) -> Result<SocketAddr, Error> {
    let wrong_len = Error::InvalidAttributeLength {
        attribute,
        len: value.len(),
    };
    let (head, address) = value.split_first_chunk::<4>().ok_or(wrong_len)?;
    let [_, family, p0, p1] = *head;
    let mut port = u16::from_be_bytes([p0, p1]);
    let family = AddressFamily::from_wire(family)?;
    let mut mask = [0u8; 16];
    if let Some(id) = xor {
        port ^= (MAGIC_COOKIE >> 16) as u16;
        let (cookie, rest) = mask.split_at_mut(4);
        cookie.copy_from_slice(&COOKIE);
        rest.copy_from_slice(id.as_bytes());
    }
    let ip = match family {
        AddressFamily::V4 => {
            let octets: [u8; 4] = address.try_into().map_err(|_| wrong_len)?;
            let mut ip = [0u8; 4];
            for ((o, a), m) in ip.iter_mut().zip(octets).zip(mask) {
                *o = a ^ m;
            }
            IpAddr::V4(Ipv4Addr::from(ip))
        }
        AddressFamily::V6 => {
            let octets: [u8; 16] = address.try_into().map_err(|_| wrong_len)?;
            let mut ip = [0u8; 16];
            for ((o, a), m) in ip.iter_mut().zip(octets).zip(mask) {
                *o = a ^ m;
            }
            IpAddr::V6(Ipv6Addr::from(ip))
        }
    };
    Ok(SocketAddr::new(ip, port))
}

fn encode_address(out: &mut Vec<u8>, addr: SocketAddr, xor: Option<&TransactionId>) {
    let mut mask = [0u8; 16];
    let mut port = addr.port();
    if let Some(id) = xor {
        port ^= (MAGIC_COOKIE >> 16) as u16;
        let (cookie, rest) = mask.split_at_mut(4);
        cookie.copy_from_slice(&COOKIE);
        rest.copy_from_slice(id.as_bytes());
    }
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::V4,
        SocketAddr::V6(_) => AddressFamily::V6,
    };
    out.extend_from_slice(&[0, family.to_wire()]);
    out.extend_from_slice(&port.to_be_bytes());
    match addr.ip() {
        IpAddr::V4(ip) => out.extend(ip.octets().iter().zip(mask).map(|(a, m)| a ^ m)),
        IpAddr::V6(ip) => out.extend(ip.octets().iter().zip(mask).map(|(a, m)| a ^ m)),
    }
}
