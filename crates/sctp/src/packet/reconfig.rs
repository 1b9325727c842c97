//! RE-CONFIG chunk and its parameters (RFC 6525 §3.1, §4).

use super::{ChunkType, Params, be16, be32, begin_chunk, end_chunk, param_type, write_param};

/// Result codes of a Re-configuration Response (RFC 6525 §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconfigResult {
    /// 0: Success - Nothing to do.
    SuccessNothingToDo,
    /// 1: Success - Performed.
    SuccessPerformed,
    /// 2: Denied.
    Denied,
    /// 3: Error - Wrong SSN.
    ErrorWrongSsn,
    /// 4: Error - Request already in progress.
    ErrorRequestAlreadyInProgress,
    /// 5: Error - Bad Sequence Number.
    ErrorBadSequenceNumber,
    /// 6: In progress.
    InProgress,
    /// Any other value.
    Other(u32),
}

impl ReconfigResult {
    /// Decodes a result code.
    pub fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::SuccessNothingToDo,
            1 => Self::SuccessPerformed,
            2 => Self::Denied,
            3 => Self::ErrorWrongSsn,
            4 => Self::ErrorRequestAlreadyInProgress,
            5 => Self::ErrorBadSequenceNumber,
            6 => Self::InProgress,
            v => Self::Other(v),
        }
    }
    /// Encodes a result code.
    pub fn to_u32(self) -> u32 {
        match self {
            Self::SuccessNothingToDo => 0,
            Self::SuccessPerformed => 1,
            Self::Denied => 2,
            Self::ErrorWrongSsn => 3,
            Self::ErrorRequestAlreadyInProgress => 4,
            Self::ErrorBadSequenceNumber => 5,
            Self::InProgress => 6,
            Self::Other(v) => v,
        }
    }
}

/// One RE-CONFIG parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconfigParam<'a> {
    /// Outgoing SSN Reset Request (§4.1).
    OutgoingReset {
        /// Re-configuration Request Sequence Number.
        request_seq: u32,
        /// Re-configuration Response Sequence Number.
        response_seq: u32,
        /// Sender's last assigned TSN.
        last_tsn: u32,
        /// Stream numbers, two bytes each (empty = all streams).
        streams: &'a [u8],
    },
    /// Incoming SSN Reset Request (§4.2).
    IncomingReset {
        /// Request sequence number.
        request_seq: u32,
        /// Stream numbers.
        streams: &'a [u8],
    },
    /// SSN/TSN Reset Request (§4.3).
    SsnTsnReset {
        /// Request sequence number.
        request_seq: u32,
    },
    /// Re-configuration Response (§4.4).
    Response {
        /// Response sequence number.
        response_seq: u32,
        /// Result.
        result: ReconfigResult,
    },
    /// Add Outgoing Streams (§4.5) or Add Incoming Streams (§4.6).
    AddStreams {
        /// Request sequence number.
        request_seq: u32,
        /// Whether outgoing (17) or incoming (18).
        outgoing: bool,
    },
    /// A parameter that is malformed or unknown.
    Unknown(u16),
}

impl ReconfigParam<'_> {
    /// Stream list of a reset request as `u16`s.
    pub fn stream_list(streams: &[u8]) -> impl Iterator<Item = u16> + '_ {
        streams.chunks_exact(2).map(|b| be16(b, 0).unwrap_or(0))
    }
}

/// A RE-CONFIG chunk: one or two parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReConfig<'a> {
    bytes: &'a [u8],
}

impl<'a> ReConfig<'a> {
    /// Wraps the chunk value.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The parameters (at most two are meaningful per RFC 6525 §3.1; more are ignored).
    pub fn params(&self) -> impl Iterator<Item = ReconfigParam<'a>> + 'a {
        Params::new(self.bytes)
            .map_while(Result::ok)
            .take(2)
            .map(|p| {
                let v = p.value;
                let parsed = match p.param_type {
                    param_type::OUTGOING_SSN_RESET_REQUEST => (|| {
                        Some(ReconfigParam::OutgoingReset {
                            request_seq: be32(v, 0)?,
                            response_seq: be32(v, 4)?,
                            last_tsn: be32(v, 8)?,
                            streams: v.get(12..)?,
                        })
                    })(),
                    param_type::INCOMING_SSN_RESET_REQUEST => (|| {
                        Some(ReconfigParam::IncomingReset {
                            request_seq: be32(v, 0)?,
                            streams: v.get(4..)?,
                        })
                    })(),
                    param_type::SSN_TSN_RESET_REQUEST => {
                        be32(v, 0).map(|request_seq| ReconfigParam::SsnTsnReset { request_seq })
                    }
                    param_type::RECONFIG_RESPONSE => (|| {
                        Some(ReconfigParam::Response {
                            response_seq: be32(v, 0)?,
                            result: ReconfigResult::from_u32(be32(v, 4)?),
                        })
                    })(),
                    param_type::ADD_OUTGOING_STREAMS_REQUEST
                    | param_type::ADD_INCOMING_STREAMS_REQUEST => {
                        be32(v, 0).map(|request_seq| ReconfigParam::AddStreams {
                            request_seq,
                            outgoing: p.param_type == param_type::ADD_OUTGOING_STREAMS_REQUEST,
                        })
                    }
                    _ => None,
                };
                parsed.unwrap_or(ReconfigParam::Unknown(p.param_type))
            })
    }
}

/// Writes a RE-CONFIG chunk with one Outgoing SSN Reset Request.
pub fn write_outgoing_reset(
    buf: &mut Vec<u8>,
    request_seq: u32,
    response_seq: u32,
    last_tsn: u32,
    streams: &[u16],
) {
    let start = begin_chunk(buf, ChunkType::RE_CONFIG, 0);
    let mut v = Vec::with_capacity(12 + 2 * streams.len());
    v.extend_from_slice(&request_seq.to_be_bytes());
    v.extend_from_slice(&response_seq.to_be_bytes());
    v.extend_from_slice(&last_tsn.to_be_bytes());
    for s in streams {
        v.extend_from_slice(&s.to_be_bytes());
    }
    write_param(buf, param_type::OUTGOING_SSN_RESET_REQUEST, &v);
    end_chunk(buf, start);
}

/// Writes a RE-CONFIG chunk with one Re-configuration Response.
pub fn write_reconfig_response(buf: &mut Vec<u8>, response_seq: u32, result: ReconfigResult) {
    let start = begin_chunk(buf, ChunkType::RE_CONFIG, 0);
    let mut v = [0u8; 8];
    v[..4].copy_from_slice(&response_seq.to_be_bytes());
    v[4..].copy_from_slice(&result.to_u32().to_be_bytes());
    write_param(buf, param_type::RECONFIG_RESPONSE, &v);
    end_chunk(buf, start);
}

#[cfg(test)]
mod tests {
    use super::super::{Chunk, RawChunk};
    use super::*;

    #[test]
    fn rfc6525_4_1_outgoing_ssn_reset_request_layout() {
        let mut buf = Vec::new();
        write_outgoing_reset(&mut buf, 1, 2, 3, &[4, 5]);
        // Chunk 130, length 4 + 4 + 12 + 4 = 24; parameter 13 length 20.
        assert_eq!(
            hex::encode(&buf),
            "82000018000d0014000000010000000200000003".to_owned() + "00040005"
        );
        let (raw, _) = RawChunk::split(&buf).unwrap();
        let Chunk::ReConfig(r) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        let p: Vec<_> = r.params().collect();
        let ReconfigParam::OutgoingReset {
            request_seq,
            response_seq,
            last_tsn,
            streams,
        } = p[0]
        else {
            panic!()
        };
        assert_eq!((request_seq, response_seq, last_tsn), (1, 2, 3));
        assert_eq!(
            ReconfigParam::stream_list(streams).collect::<Vec<_>>(),
            [4, 5]
        );
    }

    #[test]
    fn rfc6525_4_4_response_round_trip() {
        let mut buf = Vec::new();
        write_reconfig_response(&mut buf, 7, ReconfigResult::InProgress);
        let (raw, _) = RawChunk::split(&buf).unwrap();
        let Chunk::ReConfig(r) = Chunk::parse(raw).unwrap() else {
            panic!()
        };
        assert_eq!(
            r.params().collect::<Vec<_>>(),
            [ReconfigParam::Response {
                response_seq: 7,
                result: ReconfigResult::InProgress
            }]
        );
    }
}
