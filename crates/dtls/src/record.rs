//! The DTLS record header (RFC 6347 §4.1) and the split of a datagram into records.
//!
//! ```text
//! struct {
//!     ContentType type;                 // 1 byte
//!     ProtocolVersion version;          // {254, 253} for DTLS 1.2
//!     uint16 epoch;                     // DTLS field
//!     uint48 sequence_number;           // DTLS field
//!     uint16 length;
//!     opaque fragment[DTLSPlaintext.length];
//! } DTLSPlaintext;
//! ```
//!
//! Several records may share one datagram (§4.1.1); a record never spans datagrams.

use crate::codec::{DecodeError, Reader, Writer};

/// Bytes in a DTLS record header.
pub const HEADER_LEN: usize = 13;

/// Largest record fragment we accept: 2^14 plaintext plus 2048 bytes of expansion
/// (RFC 5246 §6.2.3).
pub const MAX_FRAGMENT_LEN: usize = (1 << 14) + 2048;

/// Largest sequence number (48 bits, §4.1).
pub const MAX_SEQUENCE_NUMBER: u64 = (1 << 48) - 1;

/// `ContentType` (RFC 5246 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentType {
    /// change_cipher_spec(20)
    ChangeCipherSpec,
    /// alert(21)
    Alert,
    /// handshake(22)
    Handshake,
    /// application_data(23)
    ApplicationData,
}

impl ContentType {
    /// Wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            Self::ChangeCipherSpec => 20,
            Self::Alert => 21,
            Self::Handshake => 22,
            Self::ApplicationData => 23,
        }
    }

    /// Parses a wire value; unknown types are invalid (records of unknown type are discarded).
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            20 => Self::ChangeCipherSpec,
            21 => Self::Alert,
            22 => Self::Handshake,
            23 => Self::ApplicationData,
            _ => return None,
        })
    }
}

/// `ProtocolVersion` on the wire: DTLS 1.0 is {254, 255}, DTLS 1.2 is {254, 253} (§4.1).
pub mod version {
    /// DTLS 1.0, used in the first ClientHello record and HelloVerifyRequest (§4.2.1).
    pub const DTLS1_0: u16 = 0xfeff;
    /// DTLS 1.2.
    pub const DTLS1_2: u16 = 0xfefd;
}

/// A parsed record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type.
    pub content_type: ContentType,
    /// Record-layer version.
    pub version: u16,
    /// Cipher-state epoch.
    pub epoch: u16,
    /// 48-bit sequence number within the epoch.
    pub sequence_number: u64,
    /// Fragment length.
    pub length: u16,
}

impl RecordHeader {
    /// Appends the 13-byte header.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(self.content_type.to_u8());
        out.put_u16(self.version);
        out.put_u16(self.epoch);
        out.put_u48(self.sequence_number);
        out.put_u16(self.length);
    }

    /// The 64-bit `seq_num` used in the AEAD nonce and additional data: epoch || sequence
    /// (§4.1.2.1).
    pub fn epoch_and_sequence(&self) -> u64 {
        (u64::from(self.epoch) << 48) | (self.sequence_number & MAX_SEQUENCE_NUMBER)
    }
}

/// One record borrowed from a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The header.
    pub header: RecordHeader,
    /// The (possibly protected) fragment.
    pub fragment: &'a [u8],
}

impl<'a> Record<'a> {
    /// Parses one record from the front of `buf`, returning it and the rest of the datagram.
    pub fn parse(buf: &'a [u8]) -> Result<(Self, &'a [u8]), DecodeError> {
        let mut r = Reader::new(buf, "record");
        let content_type =
            ContentType::from_u8(r.u8()?).ok_or(DecodeError::Invalid("record content type"))?;
        let version = r.u16()?;
        if version >> 8 != 0xfe {
            return Err(DecodeError::Invalid("record version"));
        }
        let epoch = r.u16()?;
        let sequence_number = r.u48()?;
        let length = r.u16()?;
        if usize::from(length) > MAX_FRAGMENT_LEN {
            return Err(DecodeError::Invalid("record length"));
        }
        let fragment = r.take(usize::from(length))?;
        let header = RecordHeader {
            content_type,
            version,
            epoch,
            sequence_number,
            length,
        };
        Ok((Self { header, fragment }, r.rest()))
    }
}

/// Iterates over the records of one datagram. Stops at the first malformed record: the rest of
/// the datagram cannot be framed (§4.1.2.7 lets us discard it).
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Records<'a> {
    /// Records in `datagram`.
    pub fn new(datagram: &'a [u8]) -> Self {
        Self { rest: datagram }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Record::parse(self.rest) {
            Ok((record, rest)) => {
                self.rest = rest;
                Some(Ok(record))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The sliding anti-replay window of RFC 6347 §4.1.2.6 (64 records wide), one per epoch.
#[derive(Debug, Clone, Default)]
pub struct ReplayWindow {
    /// Highest sequence number accepted so far, if any.
    right: Option<u64>,
    /// Bit i set: `right - i` was received.
    bits: u64,
}

impl ReplayWindow {
    /// Width of the window in records.
    pub const WIDTH: u64 = 64;

    /// Whether `seq` is new (not yet seen and not left of the window). Check before decrypting;
    /// [`ReplayWindow::mark`] only after the record authenticated.
    pub fn is_fresh(&self, seq: u64) -> bool {
        let Some(right) = self.right else { return true };
        if seq > right {
            return true;
        }
        let offset = right - seq;
        offset < Self::WIDTH && self.bits & (1u64 << offset) == 0
    }

    /// Records `seq` as received (call after authentication, §4.1.2.6).
    pub fn mark(&mut self, seq: u64) {
        match self.right {
            None => {
                self.right = Some(seq);
                self.bits = 1;
            }
            Some(right) if seq > right => {
                let shift = seq - right;
                self.bits = if shift >= Self::WIDTH {
                    0
                } else {
                    self.bits << shift
                };
                self.bits |= 1;
                self.right = Some(seq);
            }
            Some(right) => {
                let offset = right - seq;
                if offset < Self::WIDTH {
                    self.bits |= 1u64 << offset;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc6347_4_1_record_header_layout() {
        let h = RecordHeader {
            content_type: ContentType::Handshake,
            version: version::DTLS1_2,
            epoch: 1,
            sequence_number: 0x0102_0304_0506,
            length: 3,
        };
        let mut buf = Vec::new();
        h.encode(&mut buf);
        assert_eq!(buf, [22, 0xfe, 0xfd, 0, 1, 1, 2, 3, 4, 5, 6, 0, 3]);
        buf.extend_from_slice(&[7, 8, 9]);
        let (rec, rest) = Record::parse(&buf).unwrap();
        assert_eq!(rec.header, h);
        assert_eq!(rec.fragment, &[7, 8, 9]);
        assert!(rest.is_empty());
        assert_eq!(h.epoch_and_sequence(), 0x0001_0102_0304_0506);
    }

    #[test]
    fn rfc6347_4_1_1_several_records_per_datagram() {
        let mut buf = Vec::new();
        for i in 0..3u8 {
            RecordHeader {
                content_type: ContentType::ApplicationData,
                version: version::DTLS1_2,
                epoch: 1,
                sequence_number: u64::from(i),
                length: 1,
            }
            .encode(&mut buf);
            buf.push(i);
        }
        let records: Vec<_> = Records::new(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].fragment, &[2]);
    }

    #[test]
    fn rfc6347_4_1_truncated_record_is_an_error() {
        let buf = [23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 5, 1, 2];
        assert!(matches!(
            Record::parse(&buf),
            Err(DecodeError::Truncated(_))
        ));
    }

    #[test]
    fn rfc6347_4_1_2_6_anti_replay_window() {
        let mut w = ReplayWindow::default();
        assert!(w.is_fresh(5));
        w.mark(5);
        assert!(!w.is_fresh(5));
        assert!(w.is_fresh(4));
        w.mark(100);
        assert!(!w.is_fresh(5), "left of the window");
        assert!(w.is_fresh(99));
        w.mark(99);
        assert!(!w.is_fresh(99));
        assert!(w.is_fresh(37));
        assert!(!w.is_fresh(36), "exactly 64 behind is outside");
        w.mark(1000);
        assert!(!w.is_fresh(100));
    }

    proptest! {
        #[test]
        fn rfc6347_4_1_record_roundtrip(
            ct in prop::sample::select(vec![20u8, 21, 22, 23]),
            epoch: u16,
            seq in 0..=MAX_SEQUENCE_NUMBER,
            body in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let h = RecordHeader {
                content_type: ContentType::from_u8(ct).unwrap(),
                version: version::DTLS1_2,
                epoch,
                sequence_number: seq,
                length: body.len() as u16,
            };
            let mut buf = Vec::new();
            h.encode(&mut buf);
            buf.extend_from_slice(&body);
            let (rec, rest) = Record::parse(&buf).unwrap();
            prop_assert_eq!(rec.header, h);
            prop_assert_eq!(rec.fragment, &body[..]);
            prop_assert!(rest.is_empty());
        }

        #[test]
        fn record_parser_never_panics(data in prop::collection::vec(any::<u8>(), 0..64)) {
            for r in Records::new(&data) { let _ = r; }
        }
    }
}
