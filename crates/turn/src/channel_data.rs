//! The ChannelData message (RFC 8656 §12.4-§12.6): four bytes of header in front of the
//! application data, the cheap way to relay data once a channel is bound.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Channel Number        |            Length             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! /                       Application Data                        /
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::ops::RangeInclusive;

use crate::error::Error;

/// The channel numbers a client may bind (RFC 8656 §12, Table 2). Their first byte is 64..=79,
/// the RFC 7983 range for TURN channels.
pub const CHANNEL_NUMBERS: RangeInclusive<u16> = 0x4000..=0x4FFF;

/// Length of the ChannelData header.
pub const CHANNEL_DATA_HEADER_LEN: usize = 4;

/// Whether `datagram` starts like a ChannelData message: first byte in 64..=79 (RFC 7983 §7,
/// RFC 8656 §12.6). The cheap first pass of a demultiplexer; [`ChannelData::parse`] checks the
/// rest.
pub fn is_channel_data(datagram: &[u8]) -> bool {
    matches!(datagram.first(), Some(64..=79))
}

/// A ChannelData message borrowing its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelData<'a> {
    /// The channel number, in [`CHANNEL_NUMBERS`].
    pub channel: u16,
    /// The application data (the Length field's worth; trailing padding excluded).
    pub data: &'a [u8],
}

impl<'a> ChannelData<'a> {
    /// Parses one ChannelData message received over UDP. Padding after the data is allowed
    /// (RFC 8656 §12.5: "over UDP, the padding is not required but MAY be included"), a
    /// datagram shorter than the Length field claims is not (§12.6).
    pub fn parse(datagram: &'a [u8]) -> Result<Self, Error> {
        let (header, rest) = datagram
            .split_first_chunk::<CHANNEL_DATA_HEADER_LEN>()
            .ok_or(Error::ChannelDataTooShort(datagram.len()))?;
        let [c0, c1, l0, l1] = *header;
        let channel = u16::from_be_bytes([c0, c1]);
        if !CHANNEL_NUMBERS.contains(&channel) {
            return Err(Error::InvalidChannelNumber(channel));
        }
        let length = usize::from(u16::from_be_bytes([l0, l1]));
        let data = rest.get(..length).ok_or(Error::ChannelDataTruncated {
            length,
            available: rest.len(),
        })?;
        Ok(Self { channel, data })
    }

    /// Writes a ChannelData message (unpadded, as UDP allows) into `out`, cleared first.
    pub fn encode(channel: u16, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if !CHANNEL_NUMBERS.contains(&channel) {
            return Err(Error::InvalidChannelNumber(channel));
        }
        let length = u16::try_from(data.len()).map_err(|_| Error::DataTooLong(data.len()))?;
        out.clear();
        out.reserve(CHANNEL_DATA_HEADER_LEN + data.len());
        out.extend_from_slice(&channel.to_be_bytes());
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8656_12_4_channel_data_round_trip() {
        let mut out = Vec::new();
        ChannelData::encode(0x4001, b"hello", &mut out).unwrap();
        assert_eq!(out, [0x40, 0x01, 0x00, 0x05, b'h', b'e', b'l', b'l', b'o']);
        assert!(is_channel_data(&out));
        let cd = ChannelData::parse(&out).unwrap();
        assert_eq!(cd.channel, 0x4001);
        assert_eq!(cd.data, b"hello");
    }

    #[test]
    fn rfc8656_12_5_padding_is_accepted_over_udp() {
        let datagram = [0x40, 0x00, 0x00, 0x01, 0xaa, 0, 0, 0];
        assert_eq!(ChannelData::parse(&datagram).unwrap().data, [0xaa]);
        // A zero-length message is valid too.
        assert_eq!(ChannelData::parse(&[0x4f, 0xff, 0, 0]).unwrap().data, b"");
    }

    #[test]
    fn rfc8656_12_6_short_or_reserved_messages_are_rejected() {
        assert_eq!(
            ChannelData::parse(&[0x40, 0x00, 0x00, 0x05, 1, 2]),
            Err(Error::ChannelDataTruncated {
                length: 5,
                available: 2
            })
        );
        assert_eq!(
            ChannelData::parse(&[0x50, 0x00, 0x00, 0x00]),
            Err(Error::InvalidChannelNumber(0x5000))
        );
        assert_eq!(
            ChannelData::parse(&[0x40, 0x00]),
            Err(Error::ChannelDataTooShort(2))
        );
        assert!(ChannelData::encode(0x3fff, b"", &mut Vec::new()).is_err());
        assert!(!is_channel_data(&[0x00, 0x01]));
        assert!(!is_channel_data(&[0x80]));
    }
}
