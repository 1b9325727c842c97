//! Chunk TLV framing (RFC 9260 §3.2) and the typed chunk views.

use super::{
    CHUNK_HEADER_LEN, DataChunk, ErrorCauses, ForwardTsn, IDataChunk, IForwardTsn, Init, ReConfig,
    Sack, be16, be32, padded,
};
use crate::Error;

/// Chunk type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkType;

impl ChunkType {
    /// Payload data (RFC 9260 §3.3.1).
    pub const DATA: u8 = 0;
    /// Initiation (§3.3.2).
    pub const INIT: u8 = 1;
    /// Initiation acknowledgement (§3.3.3).
    pub const INIT_ACK: u8 = 2;
    /// Selective acknowledgement (§3.3.4).
    pub const SACK: u8 = 3;
    /// Heartbeat request (§3.3.5).
    pub const HEARTBEAT: u8 = 4;
    /// Heartbeat acknowledgement (§3.3.6).
    pub const HEARTBEAT_ACK: u8 = 5;
    /// Abort (§3.3.7).
    pub const ABORT: u8 = 6;
    /// Shutdown (§3.3.8).
    pub const SHUTDOWN: u8 = 7;
    /// Shutdown acknowledgement (§3.3.9).
    pub const SHUTDOWN_ACK: u8 = 8;
    /// Operation error (§3.3.10).
    pub const ERROR: u8 = 9;
    /// State cookie (§3.3.11).
    pub const COOKIE_ECHO: u8 = 10;
    /// Cookie acknowledgement (§3.3.12).
    pub const COOKIE_ACK: u8 = 11;
    /// Shutdown complete (§3.3.13).
    pub const SHUTDOWN_COMPLETE: u8 = 14;
    /// Interleaved data (RFC 8260 §2.1).
    pub const I_DATA: u8 = 64;
    /// Stream re-configuration (RFC 6525 §3.1).
    pub const RE_CONFIG: u8 = 130;
    /// Padding (RFC 4820).
    pub const PAD: u8 = 132;
    /// Forward cumulative TSN (RFC 3758 §3.2).
    pub const FORWARD_TSN: u8 = 192;
    /// Interleaved forward TSN (RFC 8260 §2.3.1).
    pub const I_FORWARD_TSN: u8 = 194;
}

/// What to do with a chunk of an unknown type, from its two high bits (RFC 9260 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownChunkAction {
    /// `00`: stop processing this packet, discard it.
    Stop,
    /// `01`: stop processing, discard, and report in an ERROR (Unrecognized Chunk Type).
    StopAndReport,
    /// `10`: skip this chunk and continue.
    Skip,
    /// `11`: skip, continue, and report in an ERROR.
    SkipAndReport,
}

impl UnknownChunkAction {
    /// The action encoded in the chunk type's upper two bits.
    pub fn of(chunk_type: u8) -> Self {
        match chunk_type >> 6 {
            0 => Self::Stop,
            1 => Self::StopAndReport,
            2 => Self::Skip,
            _ => Self::SkipAndReport,
        }
    }
}

/// One chunk TLV, not yet interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawChunk<'a> {
    /// Chunk type.
    pub chunk_type: u8,
    /// Chunk flags.
    pub flags: u8,
    /// The chunk value (after the 4-byte header, without padding).
    pub value: &'a [u8],
    /// The whole chunk as received, header included, without padding (for error reports).
    pub bytes: &'a [u8],
}

impl<'a> RawChunk<'a> {
    /// Splits the first chunk off `buf`, returning it and the bytes after its padding.
    pub fn split(buf: &'a [u8]) -> Result<(Self, &'a [u8]), Error> {
        let chunk_type = *buf.first().ok_or(Error::Truncated)?;
        let flags = *buf.get(1).ok_or(Error::Truncated)?;
        let len = usize::from(be16(buf, 2).ok_or(Error::Truncated)?);
        if len < CHUNK_HEADER_LEN {
            return Err(Error::InvalidLength);
        }
        let bytes = buf.get(..len).ok_or(Error::Truncated)?;
        let value = bytes.get(CHUNK_HEADER_LEN..).ok_or(Error::Truncated)?;
        // The last chunk's padding may be missing (RFC 9260 §3.2 only requires the sender pads).
        let rest = buf.get(padded(len)..).unwrap_or(&[]);
        Ok((
            Self {
                chunk_type,
                flags,
                value,
                bytes,
            },
            rest,
        ))
    }
}

/// A typed, borrowed chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// DATA (RFC 9260 §3.3.1).
    Data(DataChunk<'a>),
    /// I-DATA (RFC 8260 §2.1).
    IData(IDataChunk<'a>),
    /// INIT (§3.3.2).
    Init(Init<'a>),
    /// INIT ACK (§3.3.3).
    InitAck(Init<'a>),
    /// SACK (§3.3.4).
    Sack(Sack<'a>),
    /// HEARTBEAT with its Heartbeat Info parameter's value (§3.3.5).
    Heartbeat(&'a [u8]),
    /// HEARTBEAT ACK with the echoed Heartbeat Info value (§3.3.6).
    HeartbeatAck(&'a [u8]),
    /// ABORT (§3.3.7); `t_bit` says the verification tag is reflected.
    Abort {
        /// The T bit.
        t_bit: bool,
        /// Error causes.
        causes: ErrorCauses<'a>,
    },
    /// SHUTDOWN with the Cumulative TSN Ack (§3.3.8).
    Shutdown(u32),
    /// SHUTDOWN ACK (§3.3.9).
    ShutdownAck,
    /// SHUTDOWN COMPLETE (§3.3.13).
    ShutdownComplete {
        /// The T bit.
        t_bit: bool,
    },
    /// ERROR (§3.3.10).
    Error(ErrorCauses<'a>),
    /// COOKIE ECHO with the opaque cookie (§3.3.11).
    CookieEcho(&'a [u8]),
    /// COOKIE ACK (§3.3.12).
    CookieAck,
    /// FORWARD TSN (RFC 3758 §3.2).
    ForwardTsn(ForwardTsn<'a>),
    /// I-FORWARD-TSN (RFC 8260 §2.3.1).
    IForwardTsn(IForwardTsn<'a>),
    /// RE-CONFIG (RFC 6525 §3.1).
    ReConfig(ReConfig<'a>),
    /// PAD (RFC 4820): ignored.
    Pad,
    /// A chunk type this implementation does not know; handle per [`UnknownChunkAction`].
    Unknown(RawChunk<'a>),
}

impl<'a> Chunk<'a> {
    /// Parses a raw chunk into its typed view, validating fixed-size fields.
    pub fn parse(raw: RawChunk<'a>) -> Result<Self, Error> {
        let v = raw.value;
        Ok(match raw.chunk_type {
            ChunkType::DATA => Chunk::Data(DataChunk::parse(raw.flags, v)?),
            ChunkType::I_DATA => Chunk::IData(IDataChunk::parse(raw.flags, v)?),
            ChunkType::INIT => Chunk::Init(Init::parse(v)?),
            ChunkType::INIT_ACK => Chunk::InitAck(Init::parse(v)?),
            ChunkType::SACK => Chunk::Sack(Sack::parse(v)?),
            ChunkType::HEARTBEAT => Chunk::Heartbeat(heartbeat_info(v)?),
            ChunkType::HEARTBEAT_ACK => Chunk::HeartbeatAck(heartbeat_info(v)?),
            ChunkType::ABORT => Chunk::Abort {
                t_bit: raw.flags & 1 != 0,
                causes: ErrorCauses::new(v),
            },
            ChunkType::SHUTDOWN => Chunk::Shutdown(be32(v, 0).ok_or(Error::Truncated)?),
            ChunkType::SHUTDOWN_ACK => Chunk::ShutdownAck,
            ChunkType::SHUTDOWN_COMPLETE => Chunk::ShutdownComplete {
                t_bit: raw.flags & 1 != 0,
            },
            ChunkType::ERROR => Chunk::Error(ErrorCauses::new(v)),
            ChunkType::COOKIE_ECHO => Chunk::CookieEcho(v),
            ChunkType::COOKIE_ACK => Chunk::CookieAck,
            ChunkType::FORWARD_TSN => Chunk::ForwardTsn(ForwardTsn::parse(v)?),
            ChunkType::I_FORWARD_TSN => Chunk::IForwardTsn(IForwardTsn::parse(v)?),
            ChunkType::RE_CONFIG => Chunk::ReConfig(ReConfig::new(v)),
            ChunkType::PAD => Chunk::Pad,
            _ => Chunk::Unknown(raw),
        })
    }
}

/// The Heartbeat Info parameter (type 1) inside HEARTBEAT / HEARTBEAT ACK (RFC 9260 §3.3.5).
fn heartbeat_info(v: &[u8]) -> Result<&[u8], Error> {
    let ty = be16(v, 0).ok_or(Error::Truncated)?;
    let len = usize::from(be16(v, 2).ok_or(Error::Truncated)?);
    if ty != 1 || len < 4 {
        return Err(Error::InvalidParameter);
    }
    v.get(4..len).ok_or(Error::Truncated)
}

/// Writes a HEARTBEAT or HEARTBEAT ACK chunk carrying `info`.
pub fn write_heartbeat(buf: &mut Vec<u8>, chunk_type: u8, info: &[u8]) {
    let start = super::begin_chunk(buf, chunk_type, 0);
    super::write_param(buf, 1, info);
    super::end_chunk(buf, start);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_3_2_unknown_chunk_high_bits() {
        assert_eq!(UnknownChunkAction::of(0x3f), UnknownChunkAction::Stop);
        assert_eq!(
            UnknownChunkAction::of(0x40),
            UnknownChunkAction::StopAndReport
        );
        assert_eq!(UnknownChunkAction::of(0x80), UnknownChunkAction::Skip);
        assert_eq!(
            UnknownChunkAction::of(0xc1),
            UnknownChunkAction::SkipAndReport
        );
    }

    #[test]
    fn rfc9260_3_2_chunk_length_below_header_is_invalid() {
        assert_eq!(
            RawChunk::split(&[0, 0, 0, 3]).unwrap_err(),
            Error::InvalidLength
        );
        assert_eq!(
            RawChunk::split(&[0, 0, 0, 9, 1]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn rfc9260_3_3_5_heartbeat_round_trip() {
        let mut buf = Vec::new();
        write_heartbeat(&mut buf, ChunkType::HEARTBEAT, b"abcde");
        assert_eq!(buf.len(), 4 + 4 + 8);
        let (raw, rest) = RawChunk::split(&buf).unwrap();
        assert!(rest.is_empty());
        assert_eq!(Chunk::parse(raw).unwrap(), Chunk::Heartbeat(b"abcde"));
    }
}
