//! The crate's error type, split by who is at fault.

/// Why a [`Peer`](crate::Peer) call or the connection failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- the remote description is unusable
    /// The SDP does not parse.
    #[error("malformed SDP: {0}")]
    Sdp(#[from] sansrtc_sdp::Error),
    /// The description parses but breaks a JSEP or offer/answer rule we cannot work around.
    #[error("invalid session description: {0}")]
    InvalidDescription(&'static str),
    /// The description has no m= section we can accept: no data section
    /// (`m=application ... UDP/DTLS/SCTP webrtc-datachannel`) and no audio or video section
    /// with a format we share (or, in an answer, every section was rejected).
    #[error("no m= section to accept")]
    NoDataSection,
    /// A trickled candidate does not parse or cannot be used.
    #[error("bad remote candidate: {0}")]
    Candidate(sansrtc_ice::Error),

    // --- the connection failed
    /// ICE found no working candidate pair, or consent was lost (RFC 7675).
    #[error("ICE failed")]
    IceFailed,
    /// DTLS failed: a fatal alert, a handshake timeout, or the peer certificate did not match
    /// the `a=fingerprint` of its description (RFC 8122 §5).
    #[error("DTLS failed: {0}")]
    Dtls(sansrtc_dtls::Error),
    /// The peer ended the DTLS connection (close_notify).
    #[error("the peer closed the connection")]
    RemoteClosed,

    // --- the caller misused the API
    /// The call does not fit the offer/answer state (e.g. an answer without an offer).
    #[error("wrong signaling state: {0}")]
    SignalingState(&'static str),
    /// The peer has been closed (by [`Peer::close`](crate::Peer::close) or a failure).
    #[error("the peer is closed")]
    Closed,
    /// No data channel with this id.
    #[error("unknown data channel")]
    UnknownChannel,
    /// The data channel is not open (yet, or any more).
    #[error("data channel is not open")]
    ChannelNotOpen,
    /// The message is larger than the remote's `a=max-message-size` (RFC 8841 §6.1).
    #[error("message of {size} bytes exceeds the remote maximum of {max} bytes")]
    MessageTooLarge {
        /// The message size.
        size: usize,
        /// The remote limit.
        max: usize,
    },
    /// A local host address could not be used.
    #[error("bad local address: {0}")]
    LocalAddress(sansrtc_ice::Error),
    /// SCTP refused the call (send buffer full, no free stream, ...).
    #[error("SCTP: {0}")]
    Sctp(#[from] sansrtc_sctp::Error),
    /// The caller's random generator failed.
    #[error("the random generator failed")]
    Random,
    /// Generating our certificate or setting up DTLS failed.
    #[error("DTLS setup: {0}")]
    DtlsSetup(sansrtc_dtls::Error),
    /// No transceiver with this id.
    #[error("unknown transceiver")]
    UnknownTransceiver,
    /// The transceiver does not send: its negotiated direction is `recvonly` or `inactive`, it
    /// was rejected, or nothing is negotiated yet.
    #[error("the transceiver does not send")]
    NotSending,
    /// Media cannot flow yet: DTLS-SRTP is not connected.
    #[error("media is not ready (DTLS-SRTP not connected)")]
    MediaNotReady,
    /// The pacer's queue is full (`MediaConfig::max_send_queue`): the frame was not queued.
    #[error("media send queue full")]
    MediaQueueFull,
    /// The frame cannot be packetized in its format.
    #[error("RTP: {0}")]
    Rtp(#[from] sansrtc_rtp::Error),
}
