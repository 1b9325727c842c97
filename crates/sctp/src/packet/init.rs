//! INIT and INIT ACK chunks (RFC 9260 §3.3.2, §3.3.3) with the extension negotiation parameters
//! of RFC 3758 §3.1 (Forward-TSN-Supported) and RFC 5061 §4.2.7 (Supported Extensions).

use super::{
    ChunkType, Param, Params, be16, be32, begin_chunk, end_chunk, param_type, write_param,
};
use crate::Error;

/// An INIT or INIT ACK chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Init<'a> {
    /// Initiate Tag: the verification tag the sender expects on packets sent to it (non-zero).
    pub initiate_tag: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    /// Number of outbound streams (non-zero).
    pub outbound_streams: u16,
    /// Maximum number of inbound streams (non-zero).
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// The optional/variable parameters.
    pub params: Params<'a>,
}

impl<'a> Init<'a> {
    /// Parses the chunk value and checks the mandatory fields (RFC 9260 §3.3.2: zero Initiate Tag
    /// or zero stream counts are protocol errors).
    pub fn parse(v: &'a [u8]) -> Result<Self, Error> {
        let init = Self {
            initiate_tag: be32(v, 0).ok_or(Error::Truncated)?,
            a_rwnd: be32(v, 4).ok_or(Error::Truncated)?,
            outbound_streams: be16(v, 8).ok_or(Error::Truncated)?,
            inbound_streams: be16(v, 10).ok_or(Error::Truncated)?,
            initial_tsn: be32(v, 12).ok_or(Error::Truncated)?,
            params: Params::new(v.get(16..).unwrap_or(&[])),
        };
        if init.initiate_tag == 0 || init.outbound_streams == 0 || init.inbound_streams == 0 {
            return Err(Error::InvalidMandatoryParameter);
        }
        Ok(init)
    }

    /// The parameters, stopping at the first malformed one.
    pub fn params(&self) -> impl Iterator<Item = Param<'a>> + 'a {
        self.params.clone().map_while(Result::ok)
    }

    /// The State Cookie parameter (INIT ACK only).
    pub fn state_cookie(&self) -> Option<&'a [u8]> {
        self.params()
            .find(|p| p.param_type == param_type::STATE_COOKIE)
            .map(|p| p.value)
    }

    /// Whether the sender supports FORWARD TSN: the Forward-TSN-Supported parameter or
    /// FORWARD TSN in Supported Extensions.
    pub fn supports_forward_tsn(&self) -> bool {
        self.params()
            .any(|p| p.param_type == param_type::FORWARD_TSN_SUPPORTED)
            || self.supports_chunk(ChunkType::FORWARD_TSN)
    }

    /// Whether the Supported Extensions parameter lists `chunk_type`.
    pub fn supports_chunk(&self, chunk_type: u8) -> bool {
        self.params()
            .filter(|p| p.param_type == param_type::SUPPORTED_EXTENSIONS)
            .any(|p| p.value.contains(&chunk_type))
    }
}

/// The fields of an INIT or INIT ACK to write.
#[derive(Debug, Clone, Copy)]
pub struct InitFields<'a> {
    /// Initiate Tag.
    pub initiate_tag: u32,
    /// a_rwnd.
    pub a_rwnd: u32,
    /// Outbound streams.
    pub outbound_streams: u16,
    /// Inbound streams.
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// Advertise FORWARD TSN (RFC 3758), RE-CONFIG (RFC 6525).
    pub partial_reliability: bool,
    /// Advertise I-DATA / I-FORWARD-TSN (RFC 8260).
    pub interleaving: bool,
    /// State cookie (INIT ACK).
    pub cookie: Option<&'a [u8]>,
    /// Unrecognized parameters to report (INIT ACK), whole TLVs.
    pub unrecognized: &'a [u8],
}

/// Writes an INIT (`chunk_type` = 1) or INIT ACK (2) chunk.
pub fn write_init(buf: &mut Vec<u8>, chunk_type: u8, f: &InitFields<'_>) {
    let start = begin_chunk(buf, chunk_type, 0);
    buf.extend_from_slice(&f.initiate_tag.to_be_bytes());
    buf.extend_from_slice(&f.a_rwnd.to_be_bytes());
    buf.extend_from_slice(&f.outbound_streams.to_be_bytes());
    buf.extend_from_slice(&f.inbound_streams.to_be_bytes());
    buf.extend_from_slice(&f.initial_tsn.to_be_bytes());
    if let Some(cookie) = f.cookie {
        write_param(buf, param_type::STATE_COOKIE, cookie);
    }
    if f.partial_reliability {
        write_param(buf, param_type::FORWARD_TSN_SUPPORTED, &[]);
    }
    let mut ext = [0u8; 4];
    let mut n = 0;
    for (on, ty) in [
        (f.partial_reliability, ChunkType::FORWARD_TSN),
        (true, ChunkType::RE_CONFIG),
        (f.interleaving, ChunkType::I_DATA),
        (f.interleaving, ChunkType::I_FORWARD_TSN),
    ] {
        if let (true, Some(slot)) = (on, ext.get_mut(n)) {
            *slot = ty;
            n += 1;
        }
    }
    write_param(
        buf,
        param_type::SUPPORTED_EXTENSIONS,
        ext.get(..n).unwrap_or(&[]),
    );
    let mut rest = f.unrecognized;
    while let Some(p) = Params::new(rest).next().and_then(Result::ok) {
        write_param(buf, param_type::UNRECOGNIZED_PARAMETER, p.bytes);
        rest = rest.get(super::padded(p.bytes.len())..).unwrap_or(&[]);
    }
    end_chunk(buf, start);
}

#[cfg(test)]
mod tests {
    use super::super::{Chunk, RawChunk};
    use super::*;

    /// An INIT laid out as Chromium's dcsctp sends it: a_rwnd 5242880 (0x500000), 65535 streams
    /// each way, Supported Extensions (I-DATA omitted unless enabled, RE-CONFIG, FORWARD-TSN) and
    /// Forward-TSN-Supported (RFC 9260 §3.3.2, RFC 3758 §3.1, RFC 5061 §4.2.7).
    const CHROMIUM_STYLE_INIT: &str = concat!(
        "01000020",         // INIT, flags 0, length 32
        "a1b2c3d4",         // Initiate Tag
        "00500000",         // a_rwnd 5242880
        "ffffffff",         // OS 65535, MIS 65535
        "11223344",         // Initial TSN
        "80080006c0820000", // Supported Extensions: FORWARD-TSN (0xc0), RE-CONFIG (0x82)
        "c0000004",         // Forward-TSN-Supported
    );

    #[test]
    fn rfc9260_3_3_2_chromium_style_init() {
        let bytes = hex::decode(CHROMIUM_STYLE_INIT).unwrap();
        let (raw, rest) = RawChunk::split(&bytes).unwrap();
        assert!(rest.is_empty());
        let Chunk::Init(init) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!(init.initiate_tag, 0xa1b2_c3d4);
        assert_eq!(init.a_rwnd, 5_242_880);
        assert_eq!(
            (init.outbound_streams, init.inbound_streams),
            (65535, 65535)
        );
        assert_eq!(init.initial_tsn, 0x1122_3344);
        assert!(init.supports_forward_tsn());
        assert!(init.supports_chunk(ChunkType::RE_CONFIG));
        assert!(!init.supports_chunk(ChunkType::I_DATA));
        assert_eq!(init.state_cookie(), None);
    }

    #[test]
    fn rfc9260_3_3_2_zero_initiate_tag_is_invalid() {
        let mut bytes = hex::decode(CHROMIUM_STYLE_INIT).unwrap();
        bytes[4..8].copy_from_slice(&[0; 4]);
        let (raw, _) = RawChunk::split(&bytes).unwrap();
        assert_eq!(
            Chunk::parse(raw).unwrap_err(),
            Error::InvalidMandatoryParameter
        );
    }

    #[test]
    fn rfc9260_3_3_3_init_ack_round_trip_with_cookie() {
        let mut buf = Vec::new();
        let unknown = [0xc0, 0x05, 0x00, 0x05, 0x01, 0, 0, 0];
        write_init(
            &mut buf,
            ChunkType::INIT_ACK,
            &InitFields {
                initiate_tag: 9,
                a_rwnd: 1000,
                outbound_streams: 3,
                inbound_streams: 4,
                initial_tsn: 77,
                partial_reliability: true,
                interleaving: true,
                cookie: Some(b"cookie!"),
                unrecognized: &unknown,
            },
        );
        let (raw, _) = RawChunk::split(&buf).unwrap();
        let Chunk::InitAck(ack) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!(ack.state_cookie(), Some(&b"cookie!"[..]));
        assert!(ack.supports_chunk(ChunkType::I_DATA));
        let unrec: Vec<_> = ack
            .params()
            .filter(|p| p.param_type == param_type::UNRECOGNIZED_PARAMETER)
            .collect();
        assert_eq!(unrec.len(), 1);
        assert_eq!(unrec[0].value, &unknown[..5]);
    }
}
