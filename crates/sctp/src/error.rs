//! The crate's error type, split by who is at fault.

/// Errors returned by parsers (peer garbage) and by application calls (caller misuse).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // --- the peer sent garbage ---
    /// A packet, chunk or parameter is shorter than its fixed fields or its length says.
    #[error("truncated packet, chunk or parameter")]
    Truncated,
    /// A length field is smaller than the header it covers.
    #[error("invalid length field")]
    InvalidLength,
    /// The CRC32c checksum does not match (RFC 9260 §6.8).
    #[error("bad CRC32c checksum")]
    BadChecksum,
    /// A DATA or I-DATA chunk with no user data (RFC 9260 §3.3.1).
    #[error("DATA chunk without user data")]
    EmptyData,
    /// A parameter has an invalid layout.
    #[error("invalid parameter")]
    InvalidParameter,
    /// An INIT/INIT ACK mandatory field is zero (RFC 9260 §3.3.2).
    #[error("invalid mandatory parameter")]
    InvalidMandatoryParameter,
    /// A DCEP message is malformed (RFC 8832 §5).
    #[error("malformed DCEP message")]
    InvalidDcep,

    // --- the caller misused the API ---
    /// The association is not established (yet, or any more).
    #[error("association is not established")]
    NotEstablished,
    /// The association has been closed or aborted.
    #[error("association is closed")]
    Closed,
    /// The message is larger than the maximum message size.
    #[error("message of {size} bytes exceeds the maximum message size of {max} bytes")]
    MessageTooLarge {
        /// Size of the message.
        size: usize,
        /// The limit (RFC 8841 a=max-message-size).
        max: usize,
    },
    /// Empty messages cannot be sent as-is (RFC 8831 §6.6 uses the empty PPIDs instead).
    #[error("empty messages cannot be sent")]
    EmptyMessage,
    /// The send buffer limit is reached; retry after buffered data drains.
    #[error("send buffer is full")]
    SendBufferFull,
    /// The stream identifier is outside the negotiated range or not usable.
    #[error("invalid stream identifier {0}")]
    InvalidStream(u16),
    /// The stream is being reset and does not accept messages.
    #[error("stream {0} is closing")]
    StreamClosing(u16),
    /// No data channel with this id.
    #[error("unknown data channel {0}")]
    UnknownChannel(u16),
    /// No free stream identifier for a new data channel.
    #[error("no free stream identifier")]
    NoFreeStream,
    /// The peer does not support stream reset (RFC 6525), so streams cannot be reset.
    #[error("the peer does not support stream reset")]
    ResetNotSupported,
    /// The data channel id is already in use.
    #[error("data channel id {0} is already in use")]
    ChannelIdInUse(u16),
}
