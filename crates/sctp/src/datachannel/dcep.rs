//! The Data Channel Establishment Protocol messages (RFC 8832 §5) and the WebRTC PPIDs
//! (RFC 8831 §8, RFC 8832 §8.1).

use core::time::Duration;

use crate::Error;
use crate::packet::{be16, be32};

/// SCTP Payload Protocol Identifiers used by WebRTC.
pub mod ppid {
    /// WebRTC DCEP (RFC 8832 §8.1).
    pub const DCEP: u32 = 50;
    /// WebRTC String (RFC 8831 §8).
    pub const STRING: u32 = 51;
    /// WebRTC Binary Partial (deprecated).
    pub const BINARY_PARTIAL: u32 = 52;
    /// WebRTC Binary.
    pub const BINARY: u32 = 53;
    /// WebRTC String Partial (deprecated).
    pub const STRING_PARTIAL: u32 = 54;
    /// WebRTC String Empty.
    pub const STRING_EMPTY: u32 = 56;
    /// WebRTC Binary Empty.
    pub const BINARY_EMPTY: u32 = 57;
}

const DATA_CHANNEL_ACK: u8 = 0x02;
const DATA_CHANNEL_OPEN: u8 = 0x03;

/// How a data channel delivers messages (RFC 8832 §5.1 channel types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reliability {
    /// Every message is delivered (DATA_CHANNEL_RELIABLE, 0x00 / 0x80).
    #[default]
    Reliable,
    /// Each message is retransmitted at most this many times
    /// (DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT, 0x01 / 0x81).
    MaxRetransmits(u32),
    /// Each message is given up this long after it was sent
    /// (DATA_CHANNEL_PARTIAL_RELIABLE_TIMED, 0x02 / 0x82; milliseconds on the wire).
    MaxLifetime(Duration),
}

/// A DATA_CHANNEL_OPEN message (RFC 8832 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// Ordered delivery (channel type without the 0x80 unordered bit).
    pub ordered: bool,
    /// Reliability and its parameter.
    pub reliability: Reliability,
    /// Priority (RFC 8832 §5.1; the W3C values are 128, 256, 512, 1024).
    pub priority: u16,
    /// The channel's label.
    pub label: String,
    /// The subprotocol.
    pub protocol: String,
}

/// A DCEP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dcep {
    /// DATA_CHANNEL_OPEN.
    Open(Open),
    /// DATA_CHANNEL_ACK.
    Ack,
}

impl Dcep {
    /// Parses a DCEP message (the payload of a PPID 50 message).
    pub fn parse(b: &[u8]) -> Result<Self, Error> {
        match b.first() {
            Some(&DATA_CHANNEL_ACK) => Ok(Dcep::Ack),
            Some(&DATA_CHANNEL_OPEN) => {
                let channel_type = *b.get(1).ok_or(Error::InvalidDcep)?;
                let priority = be16(b, 2).ok_or(Error::InvalidDcep)?;
                let param = be32(b, 4).ok_or(Error::InvalidDcep)?;
                let label_len = usize::from(be16(b, 8).ok_or(Error::InvalidDcep)?);
                let protocol_len = usize::from(be16(b, 10).ok_or(Error::InvalidDcep)?);
                let label = b.get(12..12 + label_len).ok_or(Error::InvalidDcep)?;
                let protocol = b
                    .get(12 + label_len..12 + label_len + protocol_len)
                    .ok_or(Error::InvalidDcep)?;
                let reliability = match channel_type & 0x7f {
                    0x00 => Reliability::Reliable,
                    0x01 => Reliability::MaxRetransmits(param),
                    0x02 => Reliability::MaxLifetime(Duration::from_millis(u64::from(param))),
                    _ => return Err(Error::InvalidDcep),
                };
                Ok(Dcep::Open(Open {
                    ordered: channel_type & 0x80 == 0,
                    reliability,
                    priority,
                    label: String::from_utf8(label.to_vec()).map_err(|_| Error::InvalidDcep)?,
                    protocol: String::from_utf8(protocol.to_vec())
                        .map_err(|_| Error::InvalidDcep)?,
                }))
            }
            _ => Err(Error::InvalidDcep),
        }
    }

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Dcep::Ack => vec![DATA_CHANNEL_ACK],
            Dcep::Open(o) => {
                let (kind, param) = match o.reliability {
                    Reliability::Reliable => (0x00, 0),
                    Reliability::MaxRetransmits(n) => (0x01, n),
                    Reliability::MaxLifetime(d) => {
                        (0x02, u32::try_from(d.as_millis()).unwrap_or(u32::MAX))
                    }
                };
                let kind: u8 = if o.ordered { kind } else { kind | 0x80 };
                let label = o.label.as_bytes();
                let protocol = o.protocol.as_bytes();
                let label = label.get(..label.len().min(65535)).unwrap_or(&[]);
                let protocol = protocol.get(..protocol.len().min(65535)).unwrap_or(&[]);
                let mut v = Vec::with_capacity(12 + label.len() + protocol.len());
                v.push(DATA_CHANNEL_OPEN);
                v.push(kind);
                v.extend_from_slice(&o.priority.to_be_bytes());
                v.extend_from_slice(&param.to_be_bytes());
                v.extend_from_slice(&(label.len() as u16).to_be_bytes());
                v.extend_from_slice(&(protocol.len() as u16).to_be_bytes());
                v.extend_from_slice(label);
                v.extend_from_slice(protocol);
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8832_5_1_open_layout() {
        let open = Dcep::Open(Open {
            ordered: false,
            reliability: Reliability::MaxRetransmits(3),
            priority: 256,
            label: "chat".into(),
            protocol: "x".into(),
        });
        let bytes = open.encode();
        assert_eq!(
            hex::encode(&bytes),
            "03810100000000030004000163686174".to_owned() + "78"
        );
        assert_eq!(Dcep::parse(&bytes).unwrap(), open);
    }

    #[test]
    fn rfc8832_5_2_ack_and_garbage() {
        assert_eq!(Dcep::parse(&[2]).unwrap(), Dcep::Ack);
        assert_eq!(Dcep::parse(&[]).unwrap_err(), Error::InvalidDcep);
        assert_eq!(
            Dcep::parse(&[3, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err(),
            Error::InvalidDcep
        );
        // Label length beyond the message.
        assert_eq!(
            Dcep::parse(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0]).unwrap_err(),
            Error::InvalidDcep
        );
    }
}
