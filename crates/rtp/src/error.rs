//! The one error type of this crate.

/// Everything that can go wrong while parsing or writing RTP, RTCP and payloads.
///
/// Parse errors describe what the peer sent; [`Error::BufferTooSmall`] and
/// [`Error::InvalidInput`] are caller mistakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet ends before a field it announces.
    #[error("truncated: needed {needed} bytes, have {have}")]
    Truncated {
        /// Bytes the header says are there.
        needed: usize,
        /// Bytes actually present.
        have: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1).
    #[error("unsupported RTP/RTCP version {0}")]
    BadVersion(u8),
    /// The padding count is zero or larger than the room for it (RFC 3550 §5.1).
    #[error("invalid padding length")]
    BadPadding,
    /// An RFC 8285 header extension element overruns the extension block.
    #[error("malformed header extension")]
    BadExtension,
    /// An RTCP length field does not fit the compound packet (RFC 3550 §6.4.1).
    #[error("RTCP length field does not fit the datagram")]
    BadRtcpLength,
    /// An RTCP packet body is malformed.
    #[error("malformed RTCP {0}")]
    MalformedRtcp(&'static str),
    /// An RTP payload (codec payload format) is malformed.
    #[error("malformed payload: {0}")]
    MalformedPayload(&'static str),
    /// The caller's output buffer cannot hold what is being written.
    #[error("output buffer too small")]
    BufferTooSmall,
    /// The caller asked for something the format cannot express.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
}

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = core::result::Result<T, E>;
